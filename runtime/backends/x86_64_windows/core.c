/* Helpers, the provider's own memory, errno from Windows errors, file descriptors over HANDLEs and the path map (the Windows provider: see provider.c) */
#include "lx.h"

/* ---- small helpers (the runtime's IR defines memcpy and memset) -------------------- */


/* Bump allocation of the provider's own long-lived data (argv, environment, directory
 * paths, thread records); any thread may allocate. */
static char *pool, *pool_end;
static volatile long pool_lock;
void *palloc(u64 n)
{
    n = (n + 15) & ~15ull;
    while (__atomic_exchange_n(&pool_lock, 1, __ATOMIC_ACQUIRE)) SwitchToThread();
    if (pool == 0 || (u64)(pool_end - pool) < n) {
        u64 chunk = n > (1 << 20) ? page_up(n) : (1 << 20);
        pool = VirtualAlloc(0, chunk, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!pool) ExitProcess(123);
        pool_end = pool + chunk;
    }
    void *p = pool;
    pool += n;
    __atomic_store_n(&pool_lock, 0, __ATOMIC_RELEASE);
    return p;
}

char *utf8_of(const WCHAR *w, int wlen)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, 0, 0, 0, 0);
    char *s = palloc((u64)n + 1);
    WideCharToMultiByte(CP_UTF8, 0, w, wlen, s, n, 0, 0);
    s[n] = 0;
    return s;
}

/* ---- errno from Windows error codes: the one table ---------------------------------- */
static const unsigned short ERRORS[][2] = {
    {2, ENOENT}, {3, ENOENT}, {4, EMFILE}, {5, EACCES}, {6, EBADF}, {8, ENOMEM}, {14, ENOMEM},
    {15, ENOENT}, {17, EXDEV}, {18, ENOENT}, {19, EROFS}, {21, EIO}, {32, EBUSY}, {33, EBUSY},
    {38, 0}, {53, ENOENT}, {80, EEXIST}, {82, EACCES}, {87, EINVAL}, {109, EPIPE}, {111, ENAMETOOLONG},
    {112, ENOSPC}, {123, ENOENT}, {131, EINVAL}, {145, ENOTEMPTY}, {161, ENOENT}, {183, EEXIST},
    {206, ENAMETOOLONG}, {232, EPIPE}, {267, ENOTDIR}, {487, EFAULT}, {1920, ELOOP}, {4390, EINVAL},
};
i64 win_errno(void)
{
    DWORD e = GetLastError();
    for (u64 i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++)
        if (ERRORS[i][0] == e) return -(i64)ERRORS[i][1];
    return -EIO;
}

/* ---- file descriptors over HANDLEs --------------------------------------------------- */
struct fd fds[NFD];

/* The lowest free descriptor >= from, claimed (FD_RESERVED) until its caller fills it or
 * gives it back with fd_release: threads may open files at the same time. */
static volatile long fd_lock;
int fd_alloc(int from)
{
    int got = -EMFILE;
    while (__atomic_exchange_n(&fd_lock, 1, __ATOMIC_ACQUIRE)) SwitchToThread();
    for (int i = from < 0 ? 0 : from; i < NFD; i++)
        if (fds[i].kind == FD_FREE) { fds[i].kind = FD_RESERVED; got = i; break; }
    __atomic_store_n(&fd_lock, 0, __ATOMIC_RELEASE);
    return got;
}
i64 fd_release(int fd, i64 result) { fds[fd].kind = FD_FREE; return result; }
int fd_ok(i64 fd) { return (int)fd >= 0 && (int)fd < NFD && fd == (int)fd && fds[fd].kind > FD_RESERVED; }
u8 kind_of(HANDLE h)
{
    switch (GetFileType(h)) {
    case FILE_TYPE_CHAR: return FD_CHAR;
    case FILE_TYPE_PIPE: return FD_PIPE;
    default: return FD_FILE;
    }
}

/* ---- the path map: the guest's / is ELF2NATIVE_ROOT (default: the executable's drive);
 * /mnt/<letter>/ is that drive, as in WSL; relative paths stay relative. ------------- */
static WCHAR root[512];
static int root_len;

void root_init(void)
{
    static const WCHAR var[] = {'E','L','F','2','N','A','T','I','V','E','_','R','O','O','T',0};
    DWORD n = GetEnvironmentVariableW(var, root, 500);
    if (n == 0 || n >= 500) {
        n = GetModuleFileNameW(0, root, 500);
        n = (n >= 3 && root[1] == ':') ? 3 : 0;
        if (n == 0) { root[0] = 'C'; root[1] = ':'; root[2] = '\\'; n = 3; }
    }
    if (root[n - 1] != '\\' && root[n - 1] != '/') root[n++] = '\\';
    root[n] = 0;
    root_len = (int)n;
}

/* The host path of a guest path (NUL-terminated, '\\' separators), or 0 if too long. */
WCHAR *host_path(const char *p, WCHAR *out, int cap)
{
    static const char devnull[] = "/dev/null";
    int o = 0;
    u64 i = 0;
    const char *s = p;
    for (i = 0; devnull[i] && devnull[i] == p[i]; i++) {}
    if (i == sizeof devnull - 1 && p[i] == 0) {
        out[0] = 'N'; out[1] = 'U'; out[2] = 'L'; out[3] = 0;
        return out;
    }
    if (p[0] == '/') {
        if (p[1] == 'm' && p[2] == 'n' && p[3] == 't' && p[4] == '/' &&
            ((p[5] | 32) >= 'a' && (p[5] | 32) <= 'z') && (p[6] == '/' || p[6] == 0)) {
            out[o++] = (WCHAR)(p[5] & ~32); out[o++] = ':'; out[o++] = '\\';
            s = p[6] ? p + 7 : p + 6;
        } else {
            for (o = 0; o < root_len; o++) out[o] = root[o];
            s = p + 1;
        }
    }
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, out + o, cap - o);
    if (n <= 0) return 0;
    for (WCHAR *q = out; *q; q++)
        if (*q == '/') *q = '\\';
    return out;
}

/* The guest path of a host path: under the root -> "/...", a drive path -> /mnt/<letter>/... */
i64 guest_path(const WCHAR *w, char *buf, u64 size)
{
    WCHAR tmp[1024];
    int n = wcslen16(w), o = 0, k = 0;
    int under = n >= root_len - 1;
    for (int i = 0; under && i < root_len - 1; i++)
        if ((w[i] | 32) != (root[i] | 32)) under = 0;
    if (under) {
        tmp[o++] = '/';
        k = root_len - 1;
        if (w[k] == '\\') k++;
    } else if (n >= 2 && w[1] == ':') {
        static const WCHAR mnt[] = {'/','m','n','t','/'};
        for (int i = 0; i < 5; i++) tmp[o++] = mnt[i];
        tmp[o++] = (WCHAR)(w[0] | 32);
        k = 2;
        if (w[k] == '\\' && w[k + 1]) tmp[o++] = '/';
        if (w[k] == '\\') k++;
    }
    for (; k < n && o < 1023; k++) tmp[o++] = w[k] == '\\' ? '/' : w[k];
    tmp[o] = 0;
    int len = WideCharToMultiByte(CP_UTF8, 0, tmp, -1, 0, 0, 0, 0);
    if ((u64)len > size) return -ERANGE;
    WideCharToMultiByte(CP_UTF8, 0, tmp, -1, buf, len, 0, 0);
    return len;
}


