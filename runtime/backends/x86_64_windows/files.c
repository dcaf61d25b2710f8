/* Files, directories, pipes and terminals (the Windows provider: see provider.c) */
#include "lx.h"

/* ---- files --------------------------------------------------------------------------- */
static i64 io_size(i64 n) { return n > 0x7FFFF000 ? 0x7FFFF000 : n; }

SYSCALL(sys_read)
{
    DWORD got = 0;
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (fds[a0].kind == FD_DIR) return -EISDIR;
    if ((fds[a0].access & O_ACCMODE) == 1) return -EBADF;
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

SYSCALL(sys_lseek)
{
    LONGLONG pos;
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (fds[a0].kind == FD_PIPE || fds[a0].kind == FD_CHAR) return -ESPIPE;
    if (a2 < 0 || a2 > 2) return -EINVAL;
    if (!SetFilePointerEx(fds[a0].h, a1, &pos, (DWORD)a2)) return win_errno();
    return pos;
}

SYSCALL(sys_close)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (fds[a0].list && fds[a0].list->find != INVALID_HANDLE && fds[a0].list->find) FindClose(fds[a0].list->find);
    fds[a0].list = 0;
    CloseHandle(fds[a0].h);
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
    if (h == INVALID_HANDLE) return fd_release(fd, win_errno());
    fds[fd].h = h;
    fds[fd].kind = is_dir ? FD_DIR : kind_of(h);
    fds[fd].append = (flags & O_APPEND) != 0;
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

/* struct stat of Linux x86-64 (arch/x86/include/uapi/asm/stat.h) */
struct linux_stat {
    u64 dev, ino, nlink;
    u32 mode, uid, gid, pad0;
    u64 rdev;
    i64 size, blksize, blocks;
    i64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    i64 reserved[3];
};
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
    if (h == INVALID_HANDLE) return win_errno();
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
    if (attrs == INVALID_FILE_ATTRIBUTES) return win_errno();
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
    if (attrs == INVALID_FILE_ATTRIBUTES) return win_errno();
    int dir = (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
    if (a2 & AT_REMOVEDIR) {
        if (!dir) return -ENOTDIR;
        return RemoveDirectoryW(path) ? 0 : win_errno();
    }
    if (dir) return -EISDIR;
    return DeleteFileW(path) ? 0 : win_errno();
}
SYSCALL(sys_unlink) { UNUSED_ARGS; return sys_unlinkat(AT_FDCWD, a0, 0, 0, 0, 0); }
SYSCALL(sys_rmdir) { UNUSED_ARGS; return sys_unlinkat(AT_FDCWD, a0, AT_REMOVEDIR, 0, 0, 0); }

SYSCALL(sys_mkdirat)
{
    UNUSED_ARGS;
    AT_PATH_ARG(path, a0, a1);
    return CreateDirectoryW(path, 0) ? 0 : win_errno();
}
SYSCALL(sys_mkdir) { UNUSED_ARGS; return sys_mkdirat(AT_FDCWD, a0, a1, 0, 0, 0); }

SYSCALL(sys_rename)
{
    UNUSED_ARGS;
    PATH_ARG(from, a0);
    PATH_ARG(to, a1);
    return MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING) ? 0 : win_errno();
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
    if (attrs == INVALID_FILE_ATTRIBUTES) return win_errno();
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

/* getdents64: the directory's entries (FindFirstFileW/FindNextFileW from its path) as
 * struct linux_dirent64 records; d_ino is a hash of the name (FindNextFileW has no index) */
SYSCALL(sys_getdents64)
{
    UNUSED_ARGS;
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
        u64 reclen = (19 + (u64)len + 7) & ~7ull;
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
        r[18] = (l->next.attributes & FILE_ATTRIBUTE_DIRECTORY) ? 4 : 8;     /* DT_DIR, DT_REG */
        memcpy(r + 19, name, (u64)len);
        used += reclen;
        l->pending = FindNextFileW(l->find, &l->next);
    }
    return (i64)used;
}

/* dup family and fcntl */
static i64 dup_to(i64 fd, int to, int cloexec)
{
    HANDLE h;
    if (!DuplicateHandle(GetCurrentProcess(), fds[fd].h, GetCurrentProcess(), &h, 0, 0, DUPLICATE_SAME_ACCESS))
        return win_errno();
    if (fds[to].kind > FD_RESERVED) CloseHandle(fds[to].h);
    fds[to] = fds[fd];
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
    case 3: return fds[a0].access | (fds[a0].append ? O_APPEND : 0) | 0x8000;   /* F_GETFL (O_LARGEFILE) */
    case 4: fds[a0].append = (a2 & O_APPEND) != 0; return 0;    /* F_SETFL */
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
    fds[fr].h = r; fds[fr].kind = FD_PIPE; fds[fr].access = 0; fds[fr].append = 0;
    fds[fw].h = w; fds[fw].kind = FD_PIPE; fds[fw].access = 1; fds[fw].append = 0;
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

