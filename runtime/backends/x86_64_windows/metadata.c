/* Files' metadata: the umask and modes, owners, times, symbolic links, flock and fcntl
 * locks, statx, and ENOTDIR for a path through a file (the Windows provider: see provider.c).
 *
 * Windows keeps no Unix mode: only the read-only attribute, which follows the owner's write
 * bit.  The mode a program gives (open with O_CREAT, mkdir, chmod...) is kept in a table
 * for the life of the process, keyed by the file's volume and index, so the process reads
 * back what it set, as issue 18 asks; another process sees the synthesized modes
 * (files 0644, directories 0755, without write bits when read-only). */
#include "lx.h"

/* ---- the umask and the modes kept for the process ------------------------------------ */
static u32 umask_bits = 022;
SYSCALL(sys_umask)
{
    UNUSED_ARGS;
    u32 old = umask_bits;
    umask_bits = (u32)a0 & 0777;
    return old;
}
u32 creation_mode(i64 mode) { return (u32)mode & 07777 & ~umask_bits; }

struct kept_mode { u64 dev, ino; u32 perm; };
#define NMODES 1024
static struct kept_mode kept[NMODES];
static int nkept;
static volatile long kept_lock;

static void lock_kept(void) { while (__atomic_exchange_n(&kept_lock, 1, __ATOMIC_ACQUIRE)) SwitchToThread(); }
static void unlock_kept(void) { __atomic_store_n(&kept_lock, 0, __ATOMIC_RELEASE); }

/* Remember perm (07777 bits) for the file (dev, ino); perm ~0u forgets it.  When the table
 * is full the oldest half is dropped: those files show their synthesized modes again. */
static void keep_mode(u64 dev, u64 ino, u32 perm)
{
    lock_kept();
    int i = 0;
    while (i < nkept && (kept[i].dev != dev || kept[i].ino != ino)) i++;
    if (perm == ~0u) {
        if (i < nkept) kept[i] = kept[--nkept];
    } else {
        if (i == nkept && nkept == NMODES) {
            memcpy(kept, kept + NMODES / 2, sizeof kept / 2);
            nkept = i = NMODES / 2;
        }
        if (i == nkept) nkept++;
        kept[i] = (struct kept_mode){dev, ino, perm};
    }
    unlock_kept();
}

/* The mode stat reports: the type bits of synthesized, with the permissions kept for the
 * file if the process set some. */
u32 file_mode(u64 dev, u64 ino, u32 synthesized)
{
    u32 mode = synthesized;
    lock_kept();
    for (int i = 0; i < nkept; i++)
        if (kept[i].dev == dev && kept[i].ino == ino) { mode = (synthesized & ~07777u) | kept[i].perm; break; }
    unlock_kept();
    return mode;
}

static int file_id(HANDLE h, u64 *dev, u64 *ino)
{
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi)) return 0;
    *dev = fi.volume_serial;
    *ino = (u64)fi.index_high << 32 | fi.index_low;
    return 1;
}

/* A handle's own path (for calls that need other access than the descriptor was opened
 * with): 0 if Windows does not know it (a pipe, a console). */
static WCHAR *path_of_handle(HANDLE h, WCHAR *out, DWORD cap)
{
    DWORD n = GetFinalPathNameByHandleW(h, out, cap, 0);
    return n == 0 || n >= cap ? 0 : out;
}

/* Set the mode of the file at path (or of the open handle h if path is 0): the read-only
 * attribute for the owner's write bit, and the whole mode kept for the process. */
static i64 set_mode(const WCHAR *path, HANDLE h, i64 mode)
{
    WCHAR buf[1024];
    if (!path && !(path = path_of_handle(h, buf, 1024))) return 0;     /* a pipe: nothing kept */
    DWORD attrs = GetFileAttributesW(path);
    if (attrs == INVALID_FILE_ATTRIBUTES) return path_errno(path);
    HANDLE f = CreateFileW(path, FILE_READ_ATTRIBUTES, FILE_SHARE_ALL, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (f == INVALID_HANDLE) return win_errno();
    u64 dev, ino;
    int known = file_id(f, &dev, &ino);
    CloseHandle(f);
    if (!(attrs & FILE_ATTRIBUTE_DIRECTORY)) {
        DWORD want = (mode & 0200) ? attrs & ~FILE_ATTRIBUTE_READONLY : attrs | FILE_ATTRIBUTE_READONLY;
        if (want != attrs && !SetFileAttributesW(path, want ? want : FILE_ATTRIBUTE_NORMAL)) return win_errno();
    }
    if (known) keep_mode(dev, ino, (u32)mode & 07777);
    return 0;
}

/* What open (O_CREAT) and mkdir call once they made a file: its mode, less the umask. */
void created(HANDLE h, const WCHAR *path, i64 mode)
{
    u64 dev, ino;
    HANDLE f = h ? h : CreateFileW(path, FILE_READ_ATTRIBUTES, FILE_SHARE_ALL, 0, OPEN_EXISTING,
                                   FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (f == INVALID_HANDLE) return;
    if (file_id(f, &dev, &ino)) keep_mode(dev, ino, creation_mode(mode));
    if (!h) CloseHandle(f);
}

/* What unlink and rmdir call before the file goes: its index may be given to a new file. */
void forget_mode(const WCHAR *path)
{
    u64 dev, ino;
    if (!nkept) return;
    HANDLE f = CreateFileW(path, FILE_READ_ATTRIBUTES, FILE_SHARE_ALL, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (f == INVALID_HANDLE) return;
    if (file_id(f, &dev, &ino)) keep_mode(dev, ino, ~0u);
    CloseHandle(f);
}

SYSCALL(sys_fchmodat) { UNUSED_ARGS; AT_PATH_ARG(path, a0, a1); return set_mode(path, 0, a2); }
SYSCALL(sys_chmod) { UNUSED_ARGS; return sys_fchmodat(AT_FDCWD, a0, a1, 0, 0, 0); }
SYSCALL(sys_fchmod) { UNUSED_ARGS; if (!fd_ok(a0)) return -EBADF; return set_mode(0, fds[a0].h, a1); }

/* ---- owners: the guest's user owns every file; it may "change" them to itself --------- */
static i64 own_ids(i64 uid, i64 gid)
{
    return ((u32)uid == ~0u || (u32)uid == UID) && ((u32)gid == ~0u || (u32)gid == UID) ? 0 : -EPERM;
}
SYSCALL(sys_fchownat)
{
    UNUSED_ARGS;
    const char *p = (const char *)a1;
    if (p[0] == 0 && (a4 & AT_EMPTY_PATH)) return fd_ok(a0) ? own_ids(a2, a3) : -EBADF;
    AT_PATH_ARG(path, a0, p);
    if (GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES) return path_errno(path);
    return own_ids(a2, a3);
}
SYSCALL(sys_chown) { UNUSED_ARGS; return sys_fchownat(AT_FDCWD, a0, a1, a2, 0, 0); }
SYSCALL(sys_lchown) { UNUSED_ARGS; return sys_fchownat(AT_FDCWD, a0, a1, a2, 0, 0); }
SYSCALL(sys_fchown) { UNUSED_ARGS; return fd_ok(a0) ? own_ids(a1, a2) : -EBADF; }

/* ---- times ---------------------------------------------------------------------------- */
#define UTIME_NOW ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)
struct timespec { i64 sec, nsec; };
struct timeval { i64 sec, usec; };

static FILETIME file_time(i64 sec, i64 nsec)
{
    u64 v = (u64)(sec * 10000000 + nsec / 100) + 116444736000000000ull;
    return (FILETIME){(DWORD)v, (DWORD)(v >> 32)};
}

/* utimensat: times[0] the access time, times[1] the modification time (UTIME_NOW,
 * UTIME_OMIT); no times: both now.  path 0: the file open as dirfd (futimens). */
static i64 set_times(i64 dirfd, const char *p, const struct timespec *times)
{
    WCHAR buf[1024];
    FILETIME ft[2], now;
    const FILETIME *use[2];
    GetSystemTimePreciseAsFileTime(&now);
    for (int i = 0; i < 2; i++) {
        i64 ns = times ? times[i].nsec : UTIME_NOW;
        if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns > 999999999)) return -EINVAL;
        use[i] = ns == UTIME_OMIT ? 0 : ns == UTIME_NOW ? &now : (ft[i] = file_time(times[i].sec, ns), &ft[i]);
    }
    const WCHAR *path;
    if (p) {
        i64 e = at_path(dirfd, p, buf, 1024);
        if (e < 0) return e;
        path = buf;
    } else {
        if (!fd_ok(dirfd)) return -EBADF;
        if (!(path = path_of_handle(fds[dirfd].h, buf, 1024))) return 0;     /* a pipe's times are not kept */
    }
    if (!use[0] && !use[1]) return GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES ? path_errno(path) : 0;
    HANDLE h = CreateFileW(path, FILE_WRITE_ATTRIBUTES, FILE_SHARE_ALL, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (h == INVALID_HANDLE) return path_errno(path);
    BOOL ok = SetFileTime(h, 0, use[0], use[1]);
    i64 r = ok ? 0 : win_errno();
    CloseHandle(h);
    return r;
}
SYSCALL(sys_utimensat) { UNUSED_ARGS; return set_times(a0, (const char *)a1, (const struct timespec *)a2); }

/* the older calls, in microseconds (utimes, futimesat) or seconds (utime) */
SYSCALL(sys_futimesat)
{
    UNUSED_ARGS;
    const struct timeval *tv = (const struct timeval *)a2;
    if (!tv) return set_times(a0, (const char *)a1, 0);
    struct timespec ts[2];
    for (int i = 0; i < 2; i++) {
        if (tv[i].usec < 0 || tv[i].usec > 999999) return -EINVAL;
        ts[i] = (struct timespec){tv[i].sec, tv[i].usec * 1000};
    }
    return set_times(a0, (const char *)a1, ts);
}
SYSCALL(sys_utimes) { UNUSED_ARGS; return sys_futimesat(AT_FDCWD, a0, a1, 0, 0, 0); }
SYSCALL(sys_utime)
{
    UNUSED_ARGS;
    const i64 *b = (const i64 *)a1;         /* struct utimbuf: actime, modtime */
    if (!b) return set_times(AT_FDCWD, (const char *)a0, 0);
    struct timespec ts[2] = {{b[0], 0}, {b[1], 0}};
    return set_times(AT_FDCWD, (const char *)a0, ts);
}

/* ---- symbolic links: where Windows makes them (developer mode, or a privilege); Wine 8's
 * CreateSymbolicLinkW answers TRUE but makes nothing, so the link is looked for after:
 * without it the answer is EPERM, Linux's for a filesystem without symbolic links. ----- */
SYSCALL(sys_symlinkat)
{
    WCHAR target[1024];
    UNUSED_ARGS;
    AT_PATH_ARG(link, a1, a2);
    const char *t = (const char *)a0;
    if (t[0] == 0) return -ENOENT;
    if (!host_path(t, target, 1024)) return -ENAMETOOLONG;
    if (GetFileAttributesW(link) != INVALID_FILE_ATTRIBUTES) return -EEXIST;
    DWORD attrs = GetFileAttributesW(target);
    DWORD flags = SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE |
                  (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY) ? SYMBOLIC_LINK_FLAG_DIRECTORY : 0);
    if (!CreateSymbolicLinkW(link, target, flags)) {
        i64 e = path_errno(link);
        return e == -EACCES ? -EPERM : e;       /* ERROR_PRIVILEGE_NOT_HELD and the like */
    }
    DWORD made = GetFileAttributesW(link);
    return made != INVALID_FILE_ATTRIBUTES && (made & FILE_ATTRIBUTE_REPARSE_POINT) ? 0 : -EPERM;
}
SYSCALL(sys_symlink) { UNUSED_ARGS; return sys_symlinkat(a0, AT_FDCWD, a1, 0, 0, 0); }

/* ---- locks ---------------------------------------------------------------------------
 * flock: a Windows lock of one byte far beyond any file's end, so that it is advisory as
 * Linux's (a Windows lock on the data would make reads through other handles fail). */
#define FLOCK_OFFSET 0x7FFFFFFFFFFFFFF0ull
static i64 byte_lock(HANDLE h, int exclusive, int wait)
{
    OVERLAPPED ov = {0, 0, FLOCK_OFFSET, 0};
    for (;;) {
        if (LockFileEx(h, (exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0) | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) return 0;
        if (GetLastError() != ERROR_LOCK_VIOLATION) return win_errno();
        if (!wait) return -EAGAIN;
        u32 seen = signal_seq;
        if (interruptible_wait(seen, 10)) return -EINTR;
    }
}
SYSCALL(sys_flock)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    if (fds[a0].kind != FD_FILE && fds[a0].kind != FD_DIR) return -EINVAL;
    int op = (int)a1 & ~4, wait = !(a1 & 4);           /* LOCK_NB */
    u8 want = op == 1 ? 1 : op == 2 ? 2 : op == 8 ? 0 : 3;   /* LOCK_SH, LOCK_EX, LOCK_UN */
    if (want == 3) return -EINVAL;
    u8 *held = &fds[a0].lock;
    if (*held == want) return 0;
    if (*held) {
        OVERLAPPED ov = {0, 0, FLOCK_OFFSET, 0};
        UnlockFileEx(fds[a0].h, 0, 1, 0, &ov);
        *held = 0;
    }
    if (!want) return 0;
    i64 r = byte_lock(fds[a0].h, want == 2, wait);
    if (r == 0) *held = want;
    return r;
}

/* fcntl's record locks belong to the process, and this host runs no other process of the
 * guest's: every lock is granted at once, and F_GETLK finds none (l_type F_UNLCK). */
i64 record_lock(i64 fd, i64 cmd, i64 arg)
{
    short *lk = (short *)arg;                /* struct flock: l_type, l_whence, ... */
    if (!fd_ok(fd)) return -EBADF;
    if (lk[0] < 0 || lk[0] > 2) return -EINVAL;     /* F_RDLCK, F_WRLCK, F_UNLCK */
    if (cmd == 5 || cmd == 36) lk[0] = 2;           /* F_GETLK, F_OFD_GETLK */
    return 0;
}

/* ---- statx: what stat knows, in its layout (include/uapi/linux/stat.h) ---------------- */
struct statx_time { i64 sec; u32 nsec; int pad; };
struct linux_statx {
    u32 mask, blksize;
    u64 attributes;
    u32 nlink, uid, gid;
    unsigned short mode, pad0;
    u64 ino, size, blocks, attributes_mask;
    struct statx_time atime, btime, ctime, mtime;
    u32 rdev_major, rdev_minor, dev_major, dev_minor;
    u64 spare[14];
};
SYSCALL(sys_statx)
{
    struct linux_stat st;
    UNUSED_ARGS;
    i64 r = sys_newfstatat(a0, a1, (i64)&st, a2 & (AT_EMPTY_PATH | 0x100), 0, 0);
    if (r < 0) return r;
    struct linux_statx *x = (struct linux_statx *)a4;
    memset(x, 0, sizeof *x);
    x->mask = 0x7ff;                         /* STATX_BASIC_STATS */
    x->blksize = (u32)st.blksize;
    x->nlink = (u32)st.nlink;
    x->uid = st.uid;
    x->gid = st.gid;
    x->mode = (unsigned short)st.mode;
    x->ino = st.ino;
    x->size = (u64)st.size;
    x->blocks = (u64)st.blocks;
    x->atime = (struct statx_time){st.atime, (u32)st.atime_ns, 0};
    x->mtime = (struct statx_time){st.mtime, (u32)st.mtime_ns, 0};
    x->ctime = (struct statx_time){st.ctime, (u32)st.ctime_ns, 0};
    x->rdev_major = (u32)(st.rdev >> 8);
    x->rdev_minor = (u32)(st.rdev & 0xff);
    x->dev_minor = (u32)st.dev;
    return 0;
}

/* ---- errno of a path that Windows did not find: ENOTDIR when one of its directories is a
 * file (Windows says only "path not found"), ENOENT otherwise --------------------------- */
i64 path_errno(const WCHAR *path)
{
    if (GetLastError() != ERROR_PATH_NOT_FOUND) return win_errno();
    WCHAR prefix[1024];
    int n = wcslen16(path);
    if (n >= 1024) return -ENAMETOOLONG;
    memcpy(prefix, path, 2 * (u64)n + 2);
    while (--n > 0) {
        if (prefix[n] != '\\') continue;
        prefix[n] = 0;
        DWORD attrs = GetFileAttributesW(prefix);
        if (attrs != INVALID_FILE_ATTRIBUTES) return attrs & FILE_ATTRIBUTE_DIRECTORY ? -ENOENT : -ENOTDIR;
    }
    return -ENOENT;
}
