/* File-descriptor events: poll, ppoll, select, pselect6, epoll, and the descriptors of the
 * event kinds (the Windows provider: see provider.c; the kinds' own calls and state are
 * eventfd.c's, for eventfd, timerfd and signalfd, and inotify.c's).
 *
 * Readiness is computed, not notified: one function (fd_poll) answers an fd's poll mask as
 * Linux's f_op->poll would (a pipe from PeekNamedPipe, a console from its input events,
 * a regular file always ready, the new kinds from their state), and every wait (poll,
 * select, epoll_wait, a blocking read of the new kinds) asks it again whenever event_seq
 * moves (eventfd and timerfd changes, signals sent or delivered) or, while it watches
 * something Windows cannot notify here (pipes, consoles, directory changes), every few
 * milliseconds.  A wait ends with -EINTR once a signal handler has run on its thread, as
 * the provider's other interruptible waits do (signals.c).
 *
 * The new kinds are Win32 event objects as HANDLEs (so dup's DuplicateHandle and close's
 * CloseHandle treat them as any descriptor) with their state in fd.anon: one struct
 * anon_file per open file description, shared by dup, kept until its last descriptor is
 * closed, then reused. */
#include "lx.h"

#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLL_NESTING 5                 /* how deep epoll sets may hold epoll sets (Linux's EP_MAX_NESTS) */
#define SIGSET_SIZE 8
#define READABLE (POLLIN | POLLRDNORM)
#define WRITABLE (POLLOUT | POLLWRNORM)

/* One epoll interest: fd, its events (with EPOLLERR and EPOLLHUP, which are always
 * reported) and data; for EPOLLET, the mask and level last seen (an edge is a new bit, or
 * a level that grew: more bytes in a pipe, more writes to an eventfd...); whether it is on
 * the set's ready list (next_ready), as Linux keeps one: reported in the order they became
 * ready, level-triggered ones put back at its end once reported. */
struct epitem { struct epitem *next, *next_ready; int fd, queued; u32 events, seen; u64 data, level; };

volatile u32 event_seq;
static volatile long free_lock;
static struct anon_file *free_files;
static struct epitem *free_items;
static volatile long epoll_sets;        /* epoll instances alive: closes look for their fd in them */

static i64 now_ns(void) { int ok; return clock_ns(1, &ok); }

void events_wake(void)
{
    __atomic_add_fetch(&event_seq, 1, __ATOMIC_SEQ_CST);
    WakeByAddressAll((void *)&event_seq);
}

/* ---- the descriptors of the new kinds ------------------------------------------------ */
int anon_open(u8 kind, i64 flags, void *obj)
{
    int fd = fd_alloc(0);
    if (fd < 0) return fd;
    HANDLE h = CreateEventW(0, 1, 0, 0);
    if (!h) return (int)fd_release(fd, win_errno());
    spin_take(&free_lock);
    struct anon_file *a = free_files;
    if (a) free_files = a->next_free;
    spin_drop(&free_lock);
    if (!a) a = palloc(sizeof *a);
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->u.obj = obj;
    if (kind == FD_EPOLL) __atomic_add_fetch(&epoll_sets, 1, __ATOMIC_SEQ_CST);
    fds[fd] = (struct fd){.h = h, .kind = FD_RESERVED, .access = 2 /* O_RDWR */, .desc = (unsigned short)fd, .anon = a,
                          .nonblock = (flags & O_NONBLOCK) != 0, .cloexec = (flags & O_CLOEXEC) != 0};
    __atomic_store_n(&fds[fd].kind, kind, __ATOMIC_RELEASE);
    return fd;
}

struct anon_file *anon_of(i64 fd, u8 kind) { return fd_ok(fd) && fds[fd].kind == kind ? fds[fd].anon : 0; }
void *anon_obj(i64 fd, u8 kind) { struct anon_file *a = anon_of(fd, kind); return a ? a->u.obj : 0; }

static void epoll_forget(struct anon_file *ep, int fd)
{
    spin_take(&ep->lock);
    for (struct epitem **p = &ep->u.ep.ready; *p;)
        if ((*p)->fd == fd) *p = (*p)->next_ready;
        else p = &(*p)->next_ready;
    for (struct epitem **p = &ep->u.ep.items; *p;)
        if ((*p)->fd == fd) {
            struct epitem *it = *p;
            *p = it->next;
            spin_take(&free_lock);
            it->next = free_items;
            free_items = it;
            spin_drop(&free_lock);
        } else {
            p = &(*p)->next;
        }
    spin_drop(&ep->lock);
}

/* close: the fd leaves every epoll set (Linux keeps an interest while another descriptor
 * of its file is open: here the number goes, since the number is what we poll); an event
 * file's state goes with its last descriptor. */
void event_close(int fd)
{
    if (epoll_sets)
        for (int i = 0; i < NFD; i++)
            if (i != fd && fds[i].kind == FD_EPOLL) epoll_forget(fds[i].anon, fd);
    if (!EVENT_KIND(fds[fd].kind)) return;
    struct anon_file *a = fds[fd].anon;
    for (int i = 0; i < NFD; i++)
        if (i != fd && EVENT_KIND(fds[i].kind) && fds[i].anon == a) return;
    if (a->kind == FD_EPOLL) {
        while (a->u.ep.items) epoll_forget(a, a->u.ep.items->fd);
        __atomic_sub_fetch(&epoll_sets, 1, __ATOMIC_SEQ_CST);
    }
    if (a->kind == FD_INOTIFY) inotify_release(a->u.obj);
    spin_take(&free_lock);
    a->next_free = free_files;
    free_files = a;
    spin_drop(&free_lock);
}

/* fstat: Linux's anonymous inode: mode 0600 without a file type, size 0 */
i64 event_fstat(int fd, struct linux_stat *st)
{
    (void)fd;
    memset(st, 0, sizeof *st);
    st->dev = 14;                       /* anon_inodefs, 0:14 */
    st->ino = 1;
    st->nlink = 1;
    st->mode = 0600;
    st->uid = st->gid = UID;
    st->blksize = 4096;
    return 0;
}

/* ---- readiness --------------------------------------------------------------------------- */
/* What a wait learns while polling: the earliest timerfd due (monotonic ns), and whether
 * something it watches must be asked again after a while (Windows does not notify it). */
struct waitctx { i64 next_due; int polled; };

static u32 epoll_ready(struct anon_file *ep, struct waitctx *w, int depth);

/* fd's poll mask (POLLIN... as Linux's f_op->poll answers), and its level for EPOLLET */
static u32 fd_poll(int fd, u64 *level, struct waitctx *w, int depth)
{
    DWORD n;
    *level = 0;
    if (!fd_ok(fd)) return POLLNVAL;
    struct anon_file *a = fds[fd].anon;
    switch (fds[fd].kind) {
    case FD_CHAR:
        if (!GetConsoleMode(fds[fd].h, &n)) return READABLE | WRITABLE;       /* NUL: as /dev/null */
        if (fds[fd].access != 0) return WRITABLE;
        w->polled = 1;
        return GetNumberOfConsoleInputEvents(fds[fd].h, &n) && n ? READABLE : 0;
    case FD_PIPE:
        /* The read end: readable with bytes in it, POLLHUP once the writer has gone and it
         * is empty; the write end: writable (how full the pipe is is not known), POLLERR
         * once the reader has gone. */
        w->polled = 1;
        if (fds[fd].access != 0)        /* CreatePipe's write end is the client: no instance, no reader */
            return GetNamedPipeHandleStateW(fds[fd].h, 0, &n, 0, 0, 0, 0) && n == 0 ? WRITABLE | POLLERR : WRITABLE;
        if (PeekNamedPipe(fds[fd].h, 0, 0, 0, &n, 0)) {
            *level = n;
            return n ? READABLE : 0;
        }
        n = GetLastError();
        return n == ERROR_BROKEN_PIPE || n == ERROR_NO_DATA || n == ERROR_PIPE_NOT_CONNECTED ? POLLHUP : 0;
    case FD_EVENTFD: return eventfd_poll(a, level);
    case FD_TIMERFD: {
        i64 due;
        u32 m = timerfd_poll(a, level, &due);
        if (due && (!w->next_due || due < w->next_due)) w->next_due = due;
        return m;
    }
    case FD_SIGNALFD: return signalfd_poll(a, level);
    case FD_EPOLL:
        return depth < EPOLL_NESTING && epoll_ready(a, w, depth + 1) ? READABLE : 0;
    case FD_INOTIFY:
        w->polled = 1;
        return inotify_poll(a->u.obj, level);
    default:                            /* regular files and directories: always ready */
        return READABLE | WRITABLE;
    }
}

/* Wait until check answers nonzero (a count, a result, an error), the deadline (monotonic
 * ns, -1 none) passes (0), or a signal handler runs on this thread (-EINTR); with sigmask,
 * the thread's mask is that meanwhile (ppoll, pselect6, epoll_pwait). */
typedef i64 (*check_fn)(void *arg, struct waitctx *w);
static i64 wait_for(check_fn check, void *arg, i64 deadline, const u64 *sigmask)
{
    struct thread *t = self_thread();
    u32 delivered = t->delivered, slice = 1;
    u64 old = sigmask ? signal_mask_set(*sigmask) : 0;
    i64 r;
    for (;;) {
        u32 seen = event_seq;
        struct waitctx w = {0, 0};
        if ((r = check(arg, &w)) != 0) break;
        i64 now = now_ns();
        if (deadline >= 0 && now >= deadline) break;
        if (t->delivered != delivered) { r = -EINTR; break; }
        i64 until = deadline;
        if (w.next_due && (until < 0 || w.next_due < until)) until = w.next_due;
        DWORD ms = until < 0 ? INFINITE : (DWORD)((until - now + 999999) / 1000000);
        if (w.polled && ms > slice) {
            ms = slice;
            if (slice < 8) slice *= 2;
        }
        WaitOnAddress((void *)&event_seq, &seen, 4, ms);
    }
    if (sigmask) signal_mask_set(old);
    return r;
}

/* A timeout as a deadline: a timespec (unit 1) or a timeval (unit 1000) pointer, 0: none
 * (-1); -EINVAL if it is not valid.  The time left is written back with timeout_left. */
static i64 deadline_of(const i64 *t, i64 unit)
{
    if (!t) return -1;
    if (t[0] < 0 || t[1] < 0 || (unit == 1 && t[1] >= 1000000000)) return -EINVAL;
    i64 sec = t[0] > (1ll << 32) ? (1ll << 32) : t[0];        /* some 136 years: as good as none */
    return now_ns() + sec * 1000000000 + t[1] * unit;
}
static void timeout_left(i64 *t, i64 unit, i64 deadline)
{
    if (!t || (t[0] == 0 && t[1] == 0)) return;               /* a zero timeout stays as it was */
    i64 left = deadline - now_ns();
    if (left < 0) left = 0;
    t[0] = left / 1000000000;
    t[1] = left % 1000000000 / unit;
}

/* ---- poll, ppoll ----------------------------------------------------------------------- */
struct pollfd { int fd; short events, revents; };
struct poll_args { struct pollfd *fds; u64 n; };

static i64 poll_check(void *arg, struct waitctx *w)
{
    struct poll_args *p = arg;
    i64 count = 0;
    u64 level;
    for (u64 i = 0; i < p->n; i++) {
        struct pollfd *f = &p->fds[i];
        u32 m = f->fd < 0 ? 0 : fd_poll(f->fd, &level, w, 0) & ((unsigned short)f->events | POLLERR | POLLHUP | POLLNVAL);
        f->revents = (short)m;
        count += m != 0;
    }
    return count;
}

SYSCALL(sys_poll)
{
    UNUSED_ARGS;
    struct poll_args p = {(struct pollfd *)a0, (u64)(u32)a1};
    if (p.n > NFD) return -EINVAL;
    return wait_for(poll_check, &p, (int)a2 < 0 ? -1 : now_ns() + (i64)(int)a2 * 1000000, 0);
}

SYSCALL(sys_ppoll)
{
    UNUSED_ARGS;
    struct poll_args p = {(struct pollfd *)a0, (u64)(u32)a1};
    if (p.n > NFD || (a3 && a4 != SIGSET_SIZE)) return -EINVAL;
    i64 deadline = deadline_of((const i64 *)a2, 1);
    if (deadline < -1) return deadline;
    i64 r = wait_for(poll_check, &p, deadline, (const u64 *)a3);
    timeout_left((i64 *)a2, 1, deadline);     /* the system call updates it (glibc's wrapper hides that) */
    return r;
}

/* ---- select, pselect6 ---------------------------------------------------------------- */
#define POLLIN_SET (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define POLLEX_SET POLLPRI
struct select_args { int n; u64 *sets[3], found[3][NFD / 64]; };

static i64 select_check(void *arg, struct waitctx *w)
{
    static const u32 wanted[3] = {POLLIN_SET, POLLOUT_SET, POLLEX_SET};
    struct select_args *s = arg;
    i64 count = 0;
    u64 level;
    memset(s->found, 0, sizeof s->found);
    for (int fd = 0; fd < s->n; fd++) {
        u64 bit = 1ull << (fd % 64);
        int asked = 0;
        for (int k = 0; k < 3; k++) asked |= s->sets[k] && (s->sets[k][fd / 64] & bit) ? 1 << k : 0;
        if (!asked) continue;
        if (!fd_ok(fd)) return -EBADF;
        u32 m = fd_poll(fd, &level, w, 0);
        for (int k = 0; k < 3; k++)
            if ((asked & (1 << k)) && (m & wanted[k])) { s->found[k][fd / 64] |= bit; count++; }
    }
    return count;
}

/* select's and pselect6's wait: the sets are rewritten with the ready descriptors (all
 * cleared at a timeout), left as they were after an error or a signal */
static i64 select_wait(int n, u64 *in, u64 *out, u64 *ex, i64 deadline, const u64 *sigmask)
{
    struct select_args s = {n > NFD ? NFD : n, {in, out, ex}, {{0}}};
    if (n < 0) return -EINVAL;
    i64 r = wait_for(select_check, &s, deadline, sigmask);
    if (r >= 0)
        for (int k = 0; k < 3; k++)
            if (s.sets[k]) memcpy(s.sets[k], s.found[k], (u64)(s.n + 63) / 64 * 8);
    return r;
}

SYSCALL(sys_select)
{
    UNUSED_ARGS;
    i64 deadline = deadline_of((const i64 *)a4, 1000);
    if (deadline < -1) return deadline;
    i64 r = select_wait((int)a0, (u64 *)a1, (u64 *)a2, (u64 *)a3, deadline, 0);
    timeout_left((i64 *)a4, 1000, deadline);  /* Linux's select writes the time left back */
    return r;
}

SYSCALL(sys_pselect6)
{
    UNUSED_ARGS;
    const u64 *sig = (const u64 *)a5;         /* {const sigset_t *ss, size_t ss_len} */
    const u64 *mask = sig && sig[0] ? (const u64 *)sig[0] : 0;
    if (mask && sig[1] != SIGSET_SIZE) return -EINVAL;
    i64 deadline = deadline_of((const i64 *)a4, 1);
    if (deadline < -1) return deadline;
    i64 r = select_wait((int)a0, (u64 *)a1, (u64 *)a2, (u64 *)a3, deadline, mask);
    timeout_left((i64 *)a4, 1, deadline);     /* as select does (glibc's wrapper hides it) */
    return r;
}

/* ---- epoll --------------------------------------------------------------------------- */
SYSCALL(sys_epoll_create1)
{
    UNUSED_ARGS;
    if (a0 & ~(i64)O_CLOEXEC) return -EINVAL;
    return anon_open(FD_EPOLL, a0, 0);
}
SYSCALL(sys_epoll_create) { UNUSED_ARGS; return (int)a0 <= 0 ? -EINVAL : anon_open(FD_EPOLL, 0, 0); }

/* whether ep, or an epoll set it holds, holds target (an epoll set must not hold itself) */
static int epoll_holds(struct anon_file *ep, struct anon_file *target, int depth)
{
    if (ep == target) return 1;
    if (depth >= EPOLL_NESTING) return 1;
    int found = 0;
    spin_take(&ep->lock);
    for (struct epitem *it = ep->u.ep.items; it && !found; it = it->next)
        if (fd_ok(it->fd) && fds[it->fd].kind == FD_EPOLL) found = epoll_holds(fds[it->fd].anon, target, depth + 1);
    spin_drop(&ep->lock);
    return found;
}

SYSCALL(sys_epoll_ctl)
{
    UNUSED_ARGS;
    DWORD mode;
    int fd = (int)a2, op = (int)a1;
    const u8 *event = (const u8 *)a3;       /* struct epoll_event: packed, data at offset 4 */
    if (!fd_ok(a0) || !fd_ok(a2)) return -EBADF;
    u8 kind = fds[fd].kind;
    if (kind == FD_FILE || kind == FD_DIR || (kind == FD_CHAR && !GetConsoleMode(fds[fd].h, &mode)))
        return -EPERM;                      /* a file without poll: a regular file, a directory, /dev/null */
    struct anon_file *ep = anon_of(a0, FD_EPOLL);
    if (!ep || (kind == FD_EPOLL && fds[fd].anon == ep)) return -EINVAL;      /* not an epoll set, or the set itself */
    if ((op == 1 || op == 3) && !event) return -EFAULT;
    u32 events = 0;
    u64 data = 0;
    if (event) { memcpy(&events, event, 4); memcpy(&data, event + 4, 8); }
    if (op == 3 && (events & EPOLLEXCLUSIVE)) return -EINVAL;
    if (op == 1 && kind == FD_EPOLL && epoll_holds(fds[fd].anon, ep, 0)) return -ELOOP;
    spin_take(&ep->lock);
    struct epitem **p = &ep->u.ep.items;
    while (*p && (*p)->fd != fd) p = &(*p)->next;
    i64 r = 0;
    if (op == 1 && *p) r = -EEXIST;
    else if ((op == 2 || op == 3) && !*p) r = -ENOENT;
    else if (op == 1) {
        spin_take(&free_lock);
        struct epitem *it = free_items;
        if (it) free_items = it->next;
        spin_drop(&free_lock);
        if (!it) it = palloc(sizeof *it);
        *it = (struct epitem){.fd = fd, .events = events | POLLERR | POLLHUP, .data = data};
        *p = it;                            /* at the end: reported in the order added */
    } else if (op == 3) {
        (*p)->events = events | POLLERR | POLLHUP;
        (*p)->data = data;
        (*p)->seen = 0;                     /* ready now: queued again, as Linux's ep_modify does */
        (*p)->level = 0;
    } else if (op == 2) {
        spin_drop(&ep->lock);
        epoll_forget(ep, fd);
        return 0;
    } else {
        r = -EINVAL;
    }
    spin_drop(&ep->lock);
    return r;
}

/* An interest's events now: level-triggered, what is ready; EPOLLET, only at an edge, and
 * (update) that edge is then taken. */
static u32 epitem_events(struct epitem *it, struct waitctx *w, int depth, int update)
{
    u64 level;
    if (!(it->events & ~EP_PRIVATE_BITS)) return 0;           /* EPOLLONESHOT fired: disabled */
    u32 m = fd_poll(it->fd, &level, w, depth) & it->events;
    if (!(it->events & EPOLLET)) return m;
    int edge = (m & ~it->seen) || level > it->level;
    if (update) { it->seen = m; it->level = level; }
    return edge ? m : 0;
}

/* whether an interest on the ready list is still ready */
static u32 queued_events(struct epitem *it, u64 *level, struct waitctx *w, int depth)
{
    return it->events & ~EP_PRIVATE_BITS ? fd_poll(it->fd, level, w, depth) & it->events : 0;
}

static u32 epoll_ready(struct anon_file *ep, struct waitctx *w, int depth)
{
    u32 any = 0;
    u64 level;
    spin_take(&ep->lock);
    for (struct epitem *it = ep->u.ep.items; it && !any; it = it->next)
        any = it->queued ? queued_events(it, &level, w, depth) : epitem_events(it, w, depth, 0);
    spin_drop(&ep->lock);
    return any;
}

struct epoll_args { struct anon_file *ep; u8 *out; int max; };

/* The ready list (with the interests that have become ready since, in the order added)
 * reported up to max, as Linux's ep_send_events does: those not reported stay first on
 * it, the level-triggered ones reported go back at its end, the others leave it. */
static i64 epoll_check(void *arg, struct waitctx *w)
{
    struct epoll_args *e = arg;
    struct anon_file *ep = e->ep;
    struct epitem *requeued = 0, **requeued_end = &requeued;
    int got = 0;
    u64 level;
    spin_take(&ep->lock);
    struct epitem *list = ep->u.ep.ready, **end = &list;
    while (*end) end = &(*end)->next_ready;
    for (struct epitem *it = ep->u.ep.items; it; it = it->next)
        if (!it->queued && epitem_events(it, w, 1, 1)) {
            it->queued = 1;
            *end = it;
            end = &it->next_ready;
        }
    *end = 0;
    struct epitem **kept = &ep->u.ep.ready;
    while (list) {
        struct epitem *it = list;
        list = it->next_ready;
        it->next_ready = 0;
        if (got == e->max) { *kept = it; kept = &it->next_ready; continue; }
        u32 m = queued_events(it, &level, w, 1);
        it->queued = m && !(it->events & (EPOLLET | EPOLLONESHOT));
        if (!m) continue;
        memcpy(e->out + 12 * got, &m, 4);
        memcpy(e->out + 12 * got + 4, &it->data, 8);
        got++;
        if (it->events & EPOLLONESHOT) it->events &= EP_PRIVATE_BITS;
        if (it->events & EPOLLET) { it->seen = m; it->level = level; }
        if (it->queued) { *requeued_end = it; requeued_end = &it->next_ready; }
    }
    *kept = requeued;
    spin_drop(&ep->lock);
    return got;
}

static i64 epoll_wait_until(i64 epfd, i64 out, i64 max, i64 deadline, const u64 *sigmask)
{
    if ((int)max <= 0 || (int)max > 0x7fffffff / 12) return -EINVAL;
    if (!fd_ok(epfd)) return -EBADF;
    struct epoll_args e = {anon_of(epfd, FD_EPOLL), (u8 *)out, (int)max};
    if (!e.ep) return -EINVAL;
    return wait_for(epoll_check, &e, deadline, sigmask);
}
static i64 ms_deadline(i64 ms) { return (int)ms < 0 ? -1 : now_ns() + (i64)(int)ms * 1000000; }
SYSCALL(sys_epoll_wait) { UNUSED_ARGS; return epoll_wait_until(a0, a1, a2, ms_deadline(a3), 0); }
SYSCALL(sys_epoll_pwait)
{
    UNUSED_ARGS;
    if (a4 && a5 != SIGSET_SIZE) return -EINVAL;
    return epoll_wait_until(a0, a1, a2, ms_deadline(a3), (const u64 *)a4);
}
SYSCALL(sys_epoll_pwait2)
{
    UNUSED_ARGS;
    if (a4 && a5 != SIGSET_SIZE) return -EINVAL;
    i64 deadline = deadline_of((const i64 *)a3, 1);           /* not written back */
    if (deadline < -1) return deadline;
    return epoll_wait_until(a0, a1, a2, deadline, (const u64 *)a4);
}

/* ---- read and write of the new kinds (files.c's hooks) ------------------------------- */
struct io_args { int fd; u8 *buf; u64 n; int writing; };

/* One try: a result, or -EAGAIN if the call would block. */
static i64 try_io(struct io_args *io)
{
    struct anon_file *a = fds[io->fd].anon;
    switch (a->kind) {
    case FD_EVENTFD: return eventfd_io(a, io->buf, io->n, io->writing);
    case FD_TIMERFD: return io->writing ? -EINVAL : timerfd_read(a, io->buf, io->n);
    case FD_SIGNALFD: return io->writing ? -EINVAL : signalfd_read(a, io->buf, io->n);
    case FD_INOTIFY: return io->writing ? -EINVAL : inotify_read(a->u.obj, io->buf, io->n);
    default: return -EINVAL;                                   /* an epoll set is not read */
    }
}
static i64 io_check(void *arg, struct waitctx *w)
{
    struct io_args *io = arg;
    u64 level;
    if (!fd_ok(io->fd)) return -EBADF;                         /* closed by another thread */
    fd_poll(io->fd, &level, w, 0);                             /* when to look again */
    i64 r = try_io(io);
    return r == -EAGAIN ? 0 : r;
}
static i64 event_io(int fd, void *buf, u64 n, int writing)
{
    struct io_args io = {fd, buf, n, writing};
    i64 r = try_io(&io);
    if (r != -EAGAIN || fds[fd].nonblock) return r;
    return wait_for(io_check, &io, -1, 0);
}
i64 event_read(int fd, void *buf, u64 n) { return event_io(fd, buf, n, 0); }
i64 event_write(int fd, const void *buf, u64 n) { return event_io(fd, (void *)buf, n, 1); }

/* Before a read of a nonblocking pipe's read end (files.c): 0 if it has bytes or its writer
 * has gone, else -EAGAIN.  (A blocking read waits in ReadFile, which a signal does not
 * interrupt: the handler runs once the read returns.) */
i64 pipe_would_block(int fd)
{
    u64 level;
    struct waitctx w = {0, 0};
    return fd_poll(fd, &level, &w, 0) & (READABLE | POLLHUP | POLLERR) ? 0 : -EAGAIN;
}
