/* Files, directories, pipes and terminals (the Windows provider: see provider.c) */
#include "lx.h"

/* ---- files --------------------------------------------------------------------------- */
static i64 io_size(i64 n) { return n > 0x7FFFF000 ? 0x7FFFF000 : n; }

SYSCALL(sys_read)
{
    DWORD got = 0;
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (EVENT_KIND(fds[a0].kind)) return event_read((int)a0, (void *)a1, (u64)a2);
    if (fds[a0].kind == FD_DIR) return -EISDIR;
    if ((fds[a0].access & O_ACCMODE) == 1) return -EBADF;
    if (fds[a0].kind == FD_PIPE && fds[a0].nonblock) {
        i64 e = pipe_would_block((int)a0);
        if (e) return e;
    }
    if (!ReadFile(fds[a0].h, (void *)a1, (DWORD)io_size(a2), &got, 0)) {
        i64 e = win_errno();
        return e == -EPIPE || e == 0 ? 0 : e;      /* a closed pipe's end, or the end of file */
    }
    return got;
}

SYSCALL(sys_write)
{
    DWORD put = 0;
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (EVENT_KIND(fds[a0].kind)) return event_write((int)a0, (const void *)a1, (u64)a2);
    if (fds[a0].kind == FD_DIR || (fds[a0].access & O_ACCMODE) == 0) return -EBADF;
    if (fds[a0].append) SetFilePointerEx(fds[a0].h, 0, 0, 2);
    if (a2 == 0) return 0;
    if (!WriteFile(fds[a0].h, (const void *)a1, (DWORD)io_size(a2), &put, 0)) return win_errno();
    return put;
}

/* readv/writev: one call per buffer, until one is short or fails (then what was done so far) */
struct iovec { u64 base, len; };
static i64 vector_io(syscall_fn io, i64 fd, const struct iovec *v, i64 n)
{
    i64 total = 0;
    for (i64 i = 0; i < n; i++) {
        i64 r = io(fd, (i64)v[i].base, (i64)v[i].len, 0, 0, 0);
        if (r < 0) return total ? total : r;
        total += r;
        if ((u64)r < v[i].len) break;
    }
    return total;
}
SYSCALL(sys_readv) { UNUSED_ARGS; return vector_io(sys_read, a0, (const struct iovec *)a1, a2); }
SYSCALL(sys_writev) { UNUSED_ARGS; return vector_io(sys_write, a0, (const struct iovec *)a1, a2); }

/* pread/pwrite: at an offset, leaving the file position where it was (as Linux does) */
static i64 at_offset(int fd, void *buf, u64 n, i64 off, int writing)
{
    LONGLONG pos;
    DWORD done = 0;
    if (!fd_ok(fd)) return -EBADF;
    if (fds[fd].kind != FD_FILE) return -ESPIPE;
    if (off < 0) return -EINVAL;
    SetFilePointerEx(fds[fd].h, 0, &pos, 1);
    OVERLAPPED ov = {0, 0, (u64)off, 0};
    BOOL ok = writing ? WriteFile(fds[fd].h, buf, (DWORD)io_size((i64)n), &done, &ov)
                      : ReadFile(fds[fd].h, buf, (DWORD)io_size((i64)n), &done, &ov);
    i64 e = ok ? 0 : win_errno();
    SetFilePointerEx(fds[fd].h, pos, 0, 0);
    return ok || e == 0 ? (i64)done : e;
}
i64 read_at(int fd, void *buf, u64 n, i64 off)
{
    u64 total = 0;
    while (total < n) {
        i64 r = at_offset(fd, (char *)buf + total, n - total, off + (i64)total, 0);
        if (r < 0) return r;
        if (r == 0) break;
        total += (u64)r;
    }
    return (i64)total;
}
SYSCALL(sys_pread64) { UNUSED_ARGS; return at_offset((int)a0, (void *)a1, (u64)a2, a3, 0); }
SYSCALL(sys_pwrite64) { UNUSED_ARGS; return at_offset((int)a0, (void *)a1, (u64)a2, a3, 1); }

/* preadv/pwritev(fd, iov, n, offset), and their "2" forms, where offset -1 is the file
 * position (as readv/writev; the RWF_* flags are hints here) */
static i64 vector_at(i64 fd, const struct iovec *v, i64 n, i64 off, int writing)
{
    i64 total = 0;
    if (n < 0 || n > 1024) return -EINVAL;
    for (i64 i = 0; i < n; i++) {
        i64 r = at_offset((int)fd, (void *)v[i].base, v[i].len, off + total, writing);
        if (r < 0) return total ? total : r;
        total += r;
        if ((u64)r < v[i].len) break;
    }
    return total;
}
SYSCALL(sys_preadv) { UNUSED_ARGS; return vector_at(a0, (const struct iovec *)a1, a2, a3, 0); }
SYSCALL(sys_pwritev) { UNUSED_ARGS; return vector_at(a0, (const struct iovec *)a1, a2, a3, 1); }
SYSCALL(sys_preadv2) { UNUSED_ARGS; return a3 == -1 ? sys_readv(a0, a1, a2, 0, 0, 0) : sys_preadv(a0, a1, a2, a3, 0, 0); }
SYSCALL(sys_pwritev2) { UNUSED_ARGS; return a3 == -1 ? sys_writev(a0, a1, a2, 0, 0, 0) : sys_pwritev(a0, a1, a2, a3, 0, 0); }

SYSCALL(sys_lseek)
{
    LONGLONG pos;
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (fds[a0].kind == FD_PIPE || fds[a0].kind == FD_CHAR || EVENT_KIND(fds[a0].kind)) return -ESPIPE;
    if (a2 < 0 || a2 > 2) return -EINVAL;
    if (!SetFilePointerEx(fds[a0].h, a1, &pos, (DWORD)a2)) return win_errno();
    return pos;
}

/* What closing an open descriptor releases (close, and dup2/dup3 onto an open one): its
 * place in epoll sets and its event state, a listing in progress, its handle. */
static void release(int fd)
{
    event_close(fd);
    if (fds[fd].list && fds[fd].list->find != INVALID_HANDLE && fds[fd].list->find) FindClose(fds[fd].list->find);
    fds[fd].list = 0;
    CloseHandle(fds[fd].h);
}
SYSCALL(sys_close)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    release((int)a0);
    fds[a0].kind = FD_FREE;
    return 0;
}

i64 at_path(i64 dirfd_arg, const char *p, WCHAR *out, int cap)
{
    int dirfd = (int)dirfd_arg;
    if (p[0] == '/' || dirfd == AT_FDCWD) return host_path(p, out, cap) ? 0 : -ENAMETOOLONG;
    if (!fd_ok(dirfd)) return -EBADF;
    if (fds[dirfd].kind != FD_DIR || !fds[dirfd].path) return -ENOTDIR;
    int n = wcslen16(fds[dirfd].path);
    if (n + 2 >= cap) return -ENAMETOOLONG;
    memcpy(out, fds[dirfd].path, 2 * (u64)n);
    out[n++] = '\\';
    if (!host_path(p, out + n, cap - n)) return -ENAMETOOLONG;
    return 0;
}

static i64 open_path(const WCHAR *path, i64 flags, i64 mode)
{
    DWORD attrs = GetFileAttributesW(path);
    int is_dir = attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY);
    int acc = (int)(flags & O_ACCMODE);
    if ((flags & O_DIRECTORY) && attrs != INVALID_FILE_ATTRIBUTES && !is_dir) return -ENOTDIR;
    if (is_dir && (flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
    if (is_dir && acc != 0) return -EISDIR;
    DWORD access = is_dir ? 0 : acc == 0 ? GENERIC_READ : acc == 1 ? GENERIC_WRITE : GENERIC_READ | GENERIC_WRITE;
    DWORD disp = (flags & O_CREAT) ? ((flags & O_EXCL) ? CREATE_NEW : (flags & O_TRUNC) ? CREATE_ALWAYS : OPEN_ALWAYS)
                                   : (flags & O_TRUNC) && acc != 0 ? TRUNCATE_EXISTING : OPEN_EXISTING;
    DWORD fattr = ((flags & O_CREAT) && !(mode & 0200) ? FILE_ATTRIBUTE_READONLY : FILE_ATTRIBUTE_NORMAL)
                  | FILE_FLAG_BACKUP_SEMANTICS;
    int fd = fd_alloc(0);
    if (fd < 0) return fd;
    HANDLE h = CreateFileW(path, access, FILE_SHARE_ALL, 0, disp, fattr, 0);
    if (h == INVALID_HANDLE) return fd_release(fd, path_errno(path));
    if ((flags & O_CREAT) && (disp == CREATE_NEW || GetLastError() != ERROR_ALREADY_EXISTS)) created(h, 0, mode);
    fds[fd].h = h;
    fds[fd].kind = is_dir ? FD_DIR : kind_of(h);
    fds[fd].append = (flags & O_APPEND) != 0;
    fds[fd].nonblock = (flags & O_NONBLOCK) != 0;
    fds[fd].desc = (unsigned short)fd;
    fds[fd].lock = 0;
    fds[fd].cloexec = (flags & O_CLOEXEC) != 0;
    fds[fd].access = (u8)acc;
    fds[fd].path = 0;
    fds[fd].list = 0;
    if (is_dir) {
        int n = wcslen16(path);
        fds[fd].path = palloc(2 * (u64)n + 2);
        memcpy(fds[fd].path, path, 2 * (u64)n + 2);
    }
    return fd;
}

SYSCALL(sys_openat)
{
    UNUSED_ARGS;
    AT_PATH_ARG(path, a0, a1);
    return open_path(path, a2, a3);
}
SYSCALL(sys_open) { UNUSED_ARGS; return sys_openat(AT_FDCWD, a0, a1, a2, 0, 0); }
SYSCALL(sys_creat) { UNUSED_ARGS; return sys_openat(AT_FDCWD, a0, O_CREAT | O_TRUNC | 1, a1, 0, 0); }

static void unix_time(FILETIME t, i64 *sec, i64 *ns)
{
    u64 v = ((u64)t.hi << 32 | t.lo) - 116444736000000000ull;    /* 100 ns since 1970 */
    *sec = (i64)(v / 10000000);
    *ns = (i64)(v % 10000000) * 100;
}

static i64 stat_handle(HANDLE h, u8 kind, struct linux_stat *st)
{
    memset(st, 0, sizeof *st);
    st->uid = st->gid = UID;
    st->blksize = 4096;
    st->nlink = 1;
    if (kind == FD_CHAR || kind == FD_PIPE) {
        st->mode = kind == FD_CHAR ? 0020620 : 0010600;
        st->rdev = kind == FD_CHAR ? 0x8800 : 0;        /* /dev/pts/0 */
        return 0;
    }
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi)) return win_errno();
    int dir = (fi.attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    st->mode = dir ? 0040755 : 0100644;
    if (fi.attributes & FILE_ATTRIBUTE_READONLY) st->mode &= ~0222u;
    st->dev = fi.volume_serial;
    st->ino = (u64)fi.index_high << 32 | fi.index_low;
    st->mode = file_mode(st->dev, st->ino, st->mode);
    st->nlink = fi.links;
    st->size = dir ? 4096 : (i64)((u64)fi.size_high << 32 | fi.size_low);
    st->blocks = (st->size + 511) / 512;
    unix_time(fi.access, &st->atime, &st->atime_ns);
    unix_time(fi.write, &st->mtime, &st->mtime_ns);
    unix_time(fi.write, &st->ctime, &st->ctime_ns);
    return 0;
}

SYSCALL(sys_fstat)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (EVENT_KIND(fds[a0].kind)) return event_fstat((int)a0, (struct linux_stat *)a1);
    return stat_handle(fds[a0].h, fds[a0].kind, (struct linux_stat *)a1);
}

SYSCALL(sys_newfstatat)
{
    UNUSED_ARGS;
    const char *p = (const char *)a1;
    if (p[0] == 0 && (a3 & AT_EMPTY_PATH)) return sys_fstat(a0, a2, 0, 0, 0, 0);
    if (p[0] == 0) return -ENOENT;
    AT_PATH_ARG(path, a0, p);
    HANDLE h = CreateFileW(path, 0, FILE_SHARE_ALL, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (h == INVALID_HANDLE) return path_errno(path);
    i64 r = stat_handle(h, path[0] == 'N' && path[1] == 'U' && path[2] == 'L' && !path[3] ? FD_CHAR : FD_FILE,
                        (struct linux_stat *)a2);
    CloseHandle(h);
    return r;
}
SYSCALL(sys_stat) { UNUSED_ARGS; return sys_newfstatat(AT_FDCWD, a0, a1, 0, 0, 0); }
SYSCALL(sys_lstat) { UNUSED_ARGS; return sys_newfstatat(AT_FDCWD, a0, a1, 0, 0, 0); }

static i64 access_path(const WCHAR *path, i64 mode)
{
    DWORD attrs = GetFileAttributesW(path);
    if (attrs == INVALID_FILE_ATTRIBUTES) return path_errno(path);
    if ((mode & 2) && (attrs & FILE_ATTRIBUTE_READONLY) && !(attrs & FILE_ATTRIBUTE_DIRECTORY)) return -EACCES;
    return 0;
}
SYSCALL(sys_faccessat) { UNUSED_ARGS; AT_PATH_ARG(path, a0, a1); return access_path(path, a2); }
SYSCALL(sys_access) { UNUSED_ARGS; return sys_faccessat(AT_FDCWD, a0, a1, 0, 0, 0); }

SYSCALL(sys_unlinkat)
{
    UNUSED_ARGS;
    AT_PATH_ARG(path, a0, a1);
    DWORD attrs = GetFileAttributesW(path);
    if (attrs == INVALID_FILE_ATTRIBUTES) return path_errno(path);
    int dir = (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
    if ((a2 & AT_REMOVEDIR) && !dir) return -ENOTDIR;
    if (!(a2 & AT_REMOVEDIR) && dir) return -EISDIR;
    forget_mode(path);
    return (dir ? RemoveDirectoryW(path) : DeleteFileW(path)) ? 0 : win_errno();
}
SYSCALL(sys_unlink) { UNUSED_ARGS; return sys_unlinkat(AT_FDCWD, a0, 0, 0, 0, 0); }
SYSCALL(sys_rmdir) { UNUSED_ARGS; return sys_unlinkat(AT_FDCWD, a0, AT_REMOVEDIR, 0, 0, 0); }

SYSCALL(sys_mkdirat)
{
    UNUSED_ARGS;
    AT_PATH_ARG(path, a0, a1);
    if (!CreateDirectoryW(path, 0)) return path_errno(path);
    created(0, path, a2);
    return 0;
}
SYSCALL(sys_mkdir) { UNUSED_ARGS; return sys_mkdirat(AT_FDCWD, a0, a1, 0, 0, 0); }

/* renameat2(olddirfd, old, newdirfd, new, flags): RENAME_NOREPLACE (1) fails with EEXIST
 * over an existing name; RENAME_EXCHANGE (2) swaps the two names through a third (not
 * atomically, as Windows has no such call) */
SYSCALL(sys_renameat2)
{
    UNUSED_ARGS;
    AT_PATH_ARG(from, a0, a1);
    AT_PATH_ARG(to, a2, a3);
    if ((a4 & ~3) || a4 == 3) return -EINVAL;
    if (GetFileAttributesW(from) == INVALID_FILE_ATTRIBUTES) return path_errno(from);
    if (a4 == 2) {
        WCHAR aside[1040];
        int n = wcslen16(from);
        static const WCHAR suffix[] = {'.','e','2','n','-','x',0};
        if (n + 7 > 1040) return -ENAMETOOLONG;
        if (GetFileAttributesW(to) == INVALID_FILE_ATTRIBUTES) return path_errno(to);
        memcpy(aside, from, 2 * (u64)n);
        memcpy(aside + n, suffix, sizeof suffix);
        if (!MoveFileExW(from, aside, 0)) return win_errno();
        if (!MoveFileExW(to, from, 0)) { i64 e = win_errno(); MoveFileExW(aside, from, 0); return e; }
        return MoveFileExW(aside, to, 0) ? 0 : win_errno();
    }
    if (a4 == 1 && GetFileAttributesW(to) != INVALID_FILE_ATTRIBUTES) return -EEXIST;
    return MoveFileExW(from, to, a4 ? 0 : MOVEFILE_REPLACE_EXISTING) ? 0 : path_errno(to);
}
SYSCALL(sys_renameat) { UNUSED_ARGS; return sys_renameat2(a0, a1, a2, a3, 0, 0); }
SYSCALL(sys_rename) { UNUSED_ARGS; return sys_renameat2(AT_FDCWD, a0, AT_FDCWD, a1, 0, 0); }

/* link, linkat: a hard link (CreateHardLinkW); AT_SYMLINK_FOLLOW is the same here */
SYSCALL(sys_linkat)
{
    UNUSED_ARGS;
    AT_PATH_ARG(from, a0, a1);
    AT_PATH_ARG(to, a2, a3);
    DWORD attrs = GetFileAttributesW(from);
    if (attrs == INVALID_FILE_ATTRIBUTES) return path_errno(from);
    if (attrs & FILE_ATTRIBUTE_DIRECTORY) return -EPERM;
    if (GetFileAttributesW(to) != INVALID_FILE_ATTRIBUTES) return -EEXIST;
    return CreateHardLinkW(to, from, 0) ? 0 : path_errno(to);
}
SYSCALL(sys_link) { UNUSED_ARGS; return sys_linkat(AT_FDCWD, a0, AT_FDCWD, a1, 0, 0); }

SYSCALL(sys_truncate)
{
    UNUSED_ARGS;
    PATH_ARG(path, a0);
    if (a1 < 0) return -EINVAL;
    HANDLE h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_ALL, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (h == INVALID_HANDLE) {
        DWORD attrs = GetFileAttributesW(path);
        return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY) ? -EISDIR : path_errno(path);
    }
    BOOL ok = SetFilePointerEx(h, a1, 0, 0) && SetEndOfFile(h);
    i64 r = ok ? 0 : win_errno();
    CloseHandle(h);
    return r;
}

SYSCALL(sys_ftruncate)
{
    LONGLONG pos;
    UNUSED_ARGS;
    if (!fd_ok(a0) || fds[a0].kind != FD_FILE) return -EBADF;
    if (a1 < 0) return -EINVAL;
    SetFilePointerEx(fds[a0].h, 0, &pos, 1);
    SetFilePointerEx(fds[a0].h, a1, 0, 0);
    BOOL ok = SetEndOfFile(fds[a0].h);
    SetFilePointerEx(fds[a0].h, pos, 0, 0);
    return ok ? 0 : win_errno();
}
SYSCALL(sys_fsync) { UNUSED_ARGS; if (!fd_ok(a0)) return -EBADF; FlushFileBuffers(fds[a0].h); return 0; }

SYSCALL(sys_getcwd)
{
    WCHAR w[1024];
    UNUSED_ARGS;
    DWORD n = GetCurrentDirectoryW(1024, w);
    if (n == 0 || n >= 1024) return -ENAMETOOLONG;
    return guest_path(w, (char *)a0, (u64)a1);
}
SYSCALL(sys_chdir)
{
    UNUSED_ARGS;
    PATH_ARG(path, a0);
    DWORD attrs = GetFileAttributesW(path);
    if (attrs == INVALID_FILE_ATTRIBUTES) return path_errno(path);
    if (!(attrs & FILE_ATTRIBUTE_DIRECTORY)) return -ENOTDIR;
    return SetCurrentDirectoryW(path) ? 0 : win_errno();
}

SYSCALL(sys_readlinkat)
{
    static const char self[] = "/proc/self/exe";
    const char *p = (const char *)a1;
    u64 i;
    UNUSED_ARGS;
    for (i = 0; self[i] && self[i] == p[i]; i++) {}
    if (i == sizeof self - 1 && p[i] == 0) {       /* the program itself, as a guest path */
        WCHAR w[1024];
        char buf[2048];
        DWORD n = GetModuleFileNameW(0, w, 1024);
        if (n == 0 || n >= 1024) return -ENAMETOOLONG;
        i64 len = guest_path(w, buf, sizeof buf);
        if (len < 0) return len;
        u64 copy = (u64)len - 1 < (u64)a3 ? (u64)len - 1 : (u64)a3;
        memcpy((void *)a2, buf, copy);
        return (i64)copy;
    }
    PATH_ARG(path, p);
    return GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES ? win_errno() : -EINVAL;   /* no symlinks */
}
SYSCALL(sys_readlink) { UNUSED_ARGS; return sys_readlinkat(AT_FDCWD, a0, a1, a2, 0, 0); }

/* getdents64 and getdents: the directory's entries (FindFirstFileW/FindNextFileW from its
 * path) as struct linux_dirent64 records (the type before the name), or as the older
 * struct linux_dirent (the type in the record's last byte); d_ino is a hash of the name
 * (FindNextFileW has no index) */
static i64 list_dir(i64 a0, i64 a1, i64 a2, int old)
{
    if (!fd_ok(a0)) return -EBADF;
    if (fds[a0].kind != FD_DIR || !fds[a0].path) return -ENOTDIR;
    struct listing *l = fds[a0].list;
    if (!l) {
        WCHAR pattern[1030];
        int n = wcslen16(fds[a0].path);
        if (n + 3 > 1030) return -ENAMETOOLONG;
        memcpy(pattern, fds[a0].path, 2 * (u64)n);
        pattern[n] = '\\'; pattern[n + 1] = '*'; pattern[n + 2] = 0;
        l = fds[a0].list = palloc(sizeof *l);
        l->offset = 0;
        l->find = FindFirstFileW(pattern, &l->next);
        l->pending = l->find != INVALID_HANDLE;
        l->done = !l->pending;
    }
    u8 *out = (u8 *)a1;
    u64 used = 0, cap = (u64)a2;
    while (l->pending) {
        char name[1024];
        int len = WideCharToMultiByte(CP_UTF8, 0, l->next.name, -1, name, sizeof name, 0, 0);
        if (len <= 0) return -EIO;
        u64 reclen = (19 + (u64)len + 7) & ~7ull;        /* both: 18 bytes, the name, its type */
        if (used + reclen > cap) {
            if (used == 0) return -EINVAL;
            break;
        }
        u64 ino = 1469598103934665603ull;
        for (int i = 0; name[i]; i++) ino = (ino ^ (u8)name[i]) * 1099511628211ull;
        l->offset++;
        u8 *r = out + used;
        memset(r, 0, reclen);
        *(u64 *)r = ino >> 1 | 1;
        *(i64 *)(r + 8) = l->offset;
        *(unsigned short *)(r + 16) = (unsigned short)reclen;
        u8 type = (l->next.attributes & FILE_ATTRIBUTE_DIRECTORY) ? 4 : 8;   /* DT_DIR, DT_REG */
        memcpy(r + (old ? 18 : 19), name, (u64)len);
        r[old ? reclen - 1 : 18] = type;
        used += reclen;
        l->pending = FindNextFileW(l->find, &l->next);
    }
    return (i64)used;
}
SYSCALL(sys_getdents64) { UNUSED_ARGS; return list_dir(a0, a1, a2, 0); }
SYSCALL(sys_getdents) { UNUSED_ARGS; return list_dir(a0, a1, a2, 1); }

/* dup family and fcntl */
static i64 dup_to(i64 fd, int to, int cloexec)
{
    HANDLE h;
    if (!DuplicateHandle(GetCurrentProcess(), fds[fd].h, GetCurrentProcess(), &h, 0, 0, DUPLICATE_SAME_ACCESS))
        return win_errno();
    if (fds[to].kind > FD_RESERVED) release(to);
    fds[to] = fds[fd];          /* the same description: desc, status flags and flock */
    fds[to].h = h;
    fds[to].cloexec = (u8)cloexec;
    return to;
}
static i64 dup_new(i64 fd, int from, int cloexec)
{
    int to = fd_alloc(from);
    if (to < 0) return to;
    i64 r = dup_to(fd, to, cloexec);
    return r < 0 ? fd_release(to, r) : r;
}
SYSCALL(sys_dup) { UNUSED_ARGS; if (!fd_ok(a0)) return -EBADF; return dup_new(a0, 0, 0); }
SYSCALL(sys_dup3)
{
    UNUSED_ARGS;
    if (!fd_ok(a0) || a1 < 0 || a1 >= NFD) return -EBADF;
    if (a0 == a1) return -EINVAL;
    return dup_to(a0, (int)a1, (a2 & O_CLOEXEC) != 0);
}
SYSCALL(sys_dup2) { UNUSED_ARGS; if (a0 == a1) return fd_ok(a0) ? a0 : -EBADF; return sys_dup3(a0, a1, 0, 0, 0, 0); }

SYSCALL(sys_fcntl)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    switch (a1) {
    case 0: case 1030:        /* F_DUPFD, F_DUPFD_CLOEXEC */
        return dup_new(a0, (int)a2, a1 == 1030);
    case 1: return fds[a0].cloexec;                             /* F_GETFD */
    case 2: fds[a0].cloexec = (a2 & 1) != 0; return 0;          /* F_SETFD */
    case 3:                 /* F_GETFL; O_LARGEFILE where open made the descriptor */
        return fds[a0].access | (fds[a0].append ? O_APPEND : 0) | (fds[a0].nonblock ? O_NONBLOCK : 0) |
               (fds[a0].kind == FD_PIPE || EVENT_KIND(fds[a0].kind) ? 0 : 0x8000);
    case 4:                         /* F_SETFL: on every descriptor of the same description */
        for (int i = 0; i < NFD; i++)
            if (fds[i].kind > FD_RESERVED && fds[i].desc == fds[a0].desc) {
                fds[i].append = (a2 & O_APPEND) != 0;
                fds[i].nonblock = (a2 & O_NONBLOCK) != 0;
            }
        return 0;
    case 5: case 6: case 7: case 36: case 37: case 38:      /* F_GETLK, F_SETLK(W), F_OFD_* */
        return record_lock(a0, a1, a2);
    default: return -EINVAL;
    }
}

SYSCALL(sys_pipe2)
{
    HANDLE r, w;
    UNUSED_ARGS;
    int *out = (int *)a0;
    int fr = fd_alloc(0);
    if (fr < 0) return fr;
    int fw = fd_alloc(0);
    if (fw < 0) return fd_release(fr, fw);
    if (!CreatePipe(&r, &w, 0, 0)) return fd_release(fr, fd_release(fw, win_errno()));
    fds[fr] = (struct fd){.h = r, .kind = FD_PIPE, .access = 0, .desc = (unsigned short)fr};
    fds[fw] = (struct fd){.h = w, .kind = FD_PIPE, .access = 1, .desc = (unsigned short)fw};
    fds[fr].nonblock = fds[fw].nonblock = (a1 & O_NONBLOCK) != 0;
    fds[fr].cloexec = fds[fw].cloexec = (a1 & O_CLOEXEC) != 0;
    out[0] = fr;
    out[1] = fw;
    return 0;
}
SYSCALL(sys_pipe) { UNUSED_ARGS; return sys_pipe2(a0, 0, 0, 0, 0, 0); }

SYSCALL(sys_ioctl)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    DWORD mode;
    int console = fds[a0].kind == FD_CHAR && GetConsoleMode(fds[a0].h, &mode);
    if (a1 == 0x5401) {          /* TCGETS: a terminal's settings, cooked mode */
        if (!console) return -ENOTTY;
        u32 *t = (u32 *)a2;
        memset(t, 0, 36);
        t[0] = 0x500; t[1] = 0x5; t[2] = 0xbf; t[3] = 0x8a3b;
        return 0;
    }
    if (a1 == 0x5413) {          /* TIOCGWINSZ */
        if (!console) return -ENOTTY;
        unsigned short *ws = (unsigned short *)a2;
        ws[0] = 24; ws[1] = 80; ws[2] = ws[3] = 0;
        return 0;
    }
    return console ? -EINVAL : -ENOTTY;
}

