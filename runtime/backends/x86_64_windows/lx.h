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
#define O_NONBLOCK 0x800
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
enum { FD_FREE, FD_RESERVED, FD_FILE, FD_DIR, FD_CHAR, FD_PIPE,
       FD_EVENTFD, FD_TIMERFD, FD_SIGNALFD, FD_EPOLL, FD_INOTIFY };
/* the kinds that events.c serves (Linux's anonymous-inode files); their state is fd.anon */
#define EVENT_KIND(k) ((k) >= FD_EVENTFD && (k) <= FD_INOTIFY)
#define NFD 1024
/* a directory's: its path, and its listing in progress (getdents64) */
struct listing { HANDLE find; int pending, done; i64 offset; WIN32_FIND_DATAW next; };
/* A descriptor: its handle and kind; its status flags (O_APPEND, O_NONBLOCK), which belong
 * to the open file description on Linux, so dup'ed descriptors (same desc) share them; its
 * flock (0 none, 1 shared, 2 exclusive); an event file's state (events.c), shared by dup as well */
struct fd { HANDLE h; u8 kind, append, cloexec, access, nonblock, lock; unsigned short desc; WCHAR *path; struct listing *list;
            struct anon_file *anon; };
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
/* struct stat of Linux x86-64 (arch/x86/include/uapi/asm/stat.h) */
struct linux_stat {
    u64 dev, ino, nlink;
    u32 mode, uid, gid, pad0;
    u64 rdev;
    i64 size, blksize, blocks;
    i64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    i64 reserved[3];
};
SYSCALL(sys_newfstatat);

/* metadata.c: modes kept for the process, and the errno of a path not found */
u32 file_mode(u64 dev, u64 ino, u32 synthesized);
void created(HANDLE h, const WCHAR *path, i64 mode);
void forget_mode(const WCHAR *path);
u32 creation_mode(i64 mode);
i64 record_lock(i64 fd, i64 cmd, i64 arg);
i64 path_errno(const WCHAR *path);

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

/* events.c, eventfd.c, inotify.c: the file-descriptor event interfaces */
enum { POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
       POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200 };
static inline void spin_take(volatile long *l) { while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) SwitchToThread(); }
static inline void spin_drop(volatile long *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }
/* An event file's state: one per open file description (dup shares it), kept until its
 * last descriptor is closed. */
struct anon_file {
    volatile long lock;
    u8 kind;
    struct anon_file *next_free;
    union {
        struct { u64 count, writes; int semaphore; } efd;                  /* eventfd */
        struct { int clock; i64 due, interval; u64 ticks, total; } tfd;    /* timerfd: due on its clock, 0 disarmed */
        struct { u64 mask; } sfd;                                          /* signalfd */
        struct { struct epitem *items, *ready; } ep;                       /* epoll: interests, ready list */
        void *obj;                                                         /* inotify's (inotify.c) */
    } u;
};
/* events.c: the descriptors, poll, select, epoll; the hooks of read, write, fstat and close */
extern volatile u32 event_seq;   /* counts changes of readiness and signals: wakes the waits of events.c */
void events_wake(void);
i64 event_read(int fd, void *buf, u64 n);
i64 event_write(int fd, const void *buf, u64 n);
i64 event_fstat(int fd, struct linux_stat *st);
void event_close(int fd);
i64 pipe_would_block(int fd);     /* a nonblocking pipe read end: -EAGAIN if empty with a writer */        /* at every close: the fd leaves the epoll sets, an event file its last reference */
int anon_open(u8 kind, i64 flags, void *obj);      /* a new descriptor of kind (obj: its state, for inotify) */
struct anon_file *anon_of(i64 fd, u8 kind);        /* fd's state, or 0 if fd is not of kind */
void *anon_obj(i64 fd, u8 kind);                   /* inotify's */
/* eventfd.c: readiness (and the level that EPOLLET watches), one read or write (-EAGAIN if it would block) */
u32 eventfd_poll(struct anon_file *a, u64 *level);
u32 timerfd_poll(struct anon_file *a, u64 *level, i64 *due);
u32 signalfd_poll(struct anon_file *a, u64 *level);
i64 eventfd_io(struct anon_file *a, u8 *buf, u64 n, int writing);
i64 timerfd_read(struct anon_file *a, u8 *buf, u64 n);
i64 signalfd_read(struct anon_file *a, u8 *buf, u64 n);
/* signals.c, for eventfd.c and events.c */
u64 signals_pending(void);                         /* the calling thread's own and the process's */
int signal_take(u64 set, u64 *info);               /* one of set taken off pending, with its siginfo; 0 if none */
u64 signal_mask_set(u64 mask);                     /* the calling thread's new mask; answers the old one */
/* inotify.c, for events.c */
u32 inotify_poll(void *in, u64 *level);
i64 inotify_read(void *in, void *buf, u64 n);      /* -EAGAIN if no event is queued */
void inotify_release(void *in);

/* the runtime's functions that the provider calls */
void rt_start(u64 *sp) __attribute__((noreturn));
void rt_main(u64 state) __attribute__((noreturn));
#endif
