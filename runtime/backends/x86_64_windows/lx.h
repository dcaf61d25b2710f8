/* What the files of the Windows provider share (see provider.c for the whole). */
#ifndef ELF2NATIVE_LX_H
#define ELF2NATIVE_LX_H
#include "win32.h"

typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define SYSCALL(name) i64 name(i64 a0, i64 a1, i64 a2, i64 a3, i64 a4, i64 a5)
#define UNUSED_ARGS (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5

/* Linux's numbers (include/uapi/asm-generic/errno-base.h, errno.h; x86-64 flags). */
enum { EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
       EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21,
       EINVAL = 22, EMFILE = 24, ENOTTY = 25, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30,
       EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40,
       ENODEV = 19, EOPNOTSUPP = 95, ETIMEDOUT = 110 };
#define AT_FDCWD (-100)
#define AT_REMOVEDIR 0x200
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 3
#define O_CREAT 0x40
#define O_EXCL 0x80
#define O_TRUNC 0x200
#define O_APPEND 0x400
#define O_DIRECTORY 0x10000
#define O_CLOEXEC 0x80000
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_SHARED 0x1
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define PAGE 4096ull

#define UID 1000       /* the guest's user: not root (as WSL's first user) */
typedef i64 (*syscall_fn)(i64, i64, i64, i64, i64, i64);

/* core.c: helpers, the provider's own memory, errno, descriptors, the path map */
void *memcpy(void *, const void *, u64);     /* the runtime's IR defines memcpy and memset */
void *memset(void *, int, u64);
static inline u64 cstrlen(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
static inline int wcslen16(const WCHAR *s) { int n = 0; while (s[n]) n++; return n; }
static inline u64 page_up(u64 v) { return (v + PAGE - 1) & ~(PAGE - 1); }
void *palloc(u64 n);
char *utf8_of(const WCHAR *w, int wlen);
i64 win_errno(void);
enum { FD_FREE, FD_RESERVED, FD_FILE, FD_DIR, FD_CHAR, FD_PIPE };
#define NFD 1024
/* a directory's: its path, and its listing in progress (getdents64) */
struct listing { HANDLE find; int pending, done; i64 offset; WIN32_FIND_DATAW next; };
struct fd { HANDLE h; u8 kind, append, cloexec, access; WCHAR *path; struct listing *list; };
extern struct fd fds[NFD];
int fd_alloc(int from);
i64 fd_release(int fd, i64 result);
int fd_ok(i64 fd);
u8 kind_of(HANDLE h);
void root_init(void);
WCHAR *host_path(const char *p, WCHAR *out, int cap);
i64 guest_path(const WCHAR *w, char *buf, u64 size);
i64 at_path(i64 dirfd, const char *p, WCHAR *out, int cap);     /* files.c */
#define PATH_ARG(var, guest) \
    WCHAR var##_buf[1024]; \
    WCHAR *var = host_path((const char *)(guest), var##_buf, 1024); \
    if (!var) return -ENAMETOOLONG

/* The host path of a guest path relative to directory descriptor dirfd (the *at calls). */
i64 at_path(i64 dirfd, const char *p, WCHAR *out, int cap);
#define AT_PATH_ARG(var, dirfd, guest) \
    WCHAR var##_buf[1024]; \
    WCHAR *var = var##_buf; \
    { i64 e_ = at_path((dirfd), (const char *)(guest), var##_buf, 1024); if (e_ < 0) return e_; }

/* memory.c */
extern char rt_arena[], rt_arena_end[];      /* the guest's fixed range (translator/link_pe.py) */
extern u8 *arena_mapped;                     /* one byte per arena page: mapped by the guest */

/* files.c */
i64 read_at(int fd, void *buf, u64 n, i64 off);

/* process.c */
i64 clock_ns(i64 clk, int *ok);
SYSCALL(sys_getrandom);

/* signals.c: threads and signals */
extern DWORD tls_index, tls_thread;
/* What the provider keeps of a guest thread: CLONE_CHILD_CLEARTID's address (and
 * set_tid_address's), and, once it has exited, its handle and region to free. */
struct thread {
    u64 host_top, state, clear_tid, region;
    u64 mask, pending;              /* the blocked signals; those sent to this thread, blocked */
    DWORD tid;
    void *volatile futex_word;      /* where it waits in futex, if it does: a signal wakes it */
    volatile u32 delivered;         /* signals delivered to it so far */
    HANDLE handle;
    struct thread *next, *live;     /* the threads exited; the threads running */
};
struct thread *self_thread(void);
void threads_init(void);         /* the first thread's record */
extern volatile u32 signal_seq;
int interruptible_wait(u32 seen, DWORD ms);
long WINAPI on_exception(void *pointers);

/* the runtime's functions that the provider calls */
void rt_start(u64 *sp) __attribute__((noreturn));
void rt_main(u64 state) __attribute__((noreturn));
#endif
