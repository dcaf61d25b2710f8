/* eventfd, timerfd and signalfd: the event files whose state is a count (of what was
 * written, of expirations, of signals pending) (the Windows provider: see provider.c; their
 * descriptors, blocking reads and readiness in waits are events.c's). */
#include "lx.h"

#define EFD_SEMAPHORE 1
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define SIGSET_SIZE 8
#define SIGNAL_BIT(sig) (1ull << ((sig) - 1))

/* ---- eventfd ------------------------------------------------------------------------- */
SYSCALL(sys_eventfd2)
{
    UNUSED_ARGS;
    if (a1 & ~(i64)(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    int fd = anon_open(FD_EVENTFD, a1, 0);
    if (fd >= 0) {
        fds[fd].anon->u.efd.count = (u32)a0;
        fds[fd].anon->u.efd.semaphore = (a1 & EFD_SEMAPHORE) != 0;
    }
    return fd;
}
SYSCALL(sys_eventfd) { UNUSED_ARGS; return sys_eventfd2(a0, 0, 0, 0, 0, 0); }

/* read: the counter (then 0), or 1 (EFD_SEMAPHORE: the counter less 1); write adds to it,
 * up to 2^64 - 2 */
i64 eventfd_io(struct anon_file *a, u8 *buf, u64 n, int writing)
{
    u64 v = 0;
    if (n < 8) return -EINVAL;
    if (writing) {
        memcpy(&v, buf, 8);
        if (v == ~0ull) return -EINVAL;
    }
    spin_take(&a->lock);
    u64 c = a->u.efd.count;
    i64 r = 8;
    if (writing ? ~0ull - 1 - c < v : c == 0) r = -EAGAIN;
    else if (writing) { a->u.efd.count = c + v; a->u.efd.writes++; }
    else { v = a->u.efd.semaphore ? 1 : c; a->u.efd.count = c - v; }
    spin_drop(&a->lock);
    if (r < 0) return r;
    if (!writing) memcpy(buf, &v, 8);
    events_wake();
    return r;
}

/* ---- timerfd ------------------------------------------------------------------------- */
enum { CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9 };

/* The expirations up to now (on the timer's clock) counted, the next due set (0: disarmed). */
static void timer_forward(struct anon_file *a, i64 now)
{
    i64 due = a->u.tfd.due, every = a->u.tfd.interval;
    if (!due || now < due) return;
    u64 n = every ? 1 + (u64)((now - due) / every) : 1;
    a->u.tfd.ticks += n;
    a->u.tfd.total += n;
    a->u.tfd.due = every ? due + (i64)n * every : 0;
}

SYSCALL(sys_timerfd_create)
{
    UNUSED_ARGS;
    if (a0 == CLOCK_REALTIME_ALARM || a0 == CLOCK_BOOTTIME_ALARM) return -EPERM;   /* needs CAP_WAKE_ALARM */
    if ((a0 != CLOCK_REALTIME && a0 != CLOCK_MONOTONIC && a0 != CLOCK_BOOTTIME) || (a1 & ~(i64)(O_NONBLOCK | O_CLOEXEC)))
        return -EINVAL;
    int fd = anon_open(FD_TIMERFD, a1, 0);
    if (fd >= 0) fds[fd].anon->u.tfd.clock = (int)a0;
    return fd;
}

/* struct itimerspec {it_interval, it_value}: the interval and the time to the next expiry */
static void timer_get(struct anon_file *a, i64 now, i64 *out)
{
    i64 left = a->u.tfd.due ? a->u.tfd.due - now : 0;
    out[0] = a->u.tfd.interval / 1000000000;
    out[1] = a->u.tfd.interval % 1000000000;
    out[2] = left / 1000000000;
    out[3] = left % 1000000000;
}

SYSCALL(sys_timerfd_settime)
{
    UNUSED_ARGS;
    int ok;
    const i64 *its = (const i64 *)a2;
    if (a1 & ~(i64)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) return -EINVAL;
    if (!fd_ok(a0)) return -EBADF;
    struct anon_file *a = anon_of(a0, FD_TIMERFD);
    if (!a) return -EINVAL;
    if (!its) return -EFAULT;
    for (int i = 0; i < 4; i += 2)
        if (its[i] < 0 || its[i + 1] < 0 || its[i + 1] >= 1000000000) return -EINVAL;
    spin_take(&a->lock);
    i64 now = clock_ns(a->u.tfd.clock, &ok), value = its[2] * 1000000000 + its[3];
    timer_forward(a, now);
    if (a3) timer_get(a, now, (i64 *)a3);
    a->u.tfd.interval = its[0] * 1000000000 + its[1];
    a->u.tfd.due = value == 0 ? 0 : (a1 & TFD_TIMER_ABSTIME) ? value : now + value;   /* a time past: expired */
    a->u.tfd.ticks = 0;
    spin_drop(&a->lock);
    events_wake();                    /* waits recompute when to look again */
    return 0;
}

SYSCALL(sys_timerfd_gettime)
{
    UNUSED_ARGS;
    int ok;
    if (!fd_ok(a0)) return -EBADF;
    struct anon_file *a = anon_of(a0, FD_TIMERFD);
    if (!a) return -EINVAL;
    spin_take(&a->lock);
    i64 now = clock_ns(a->u.tfd.clock, &ok);
    timer_forward(a, now);
    timer_get(a, now, (i64 *)a1);
    spin_drop(&a->lock);
    return 0;
}

/* read: the expirations since the last read (or settime), as a u64 */
i64 timerfd_read(struct anon_file *a, u8 *buf, u64 n)
{
    int ok;
    if (n < 8) return -EINVAL;
    spin_take(&a->lock);
    timer_forward(a, clock_ns(a->u.tfd.clock, &ok));
    u64 ticks = a->u.tfd.ticks;
    a->u.tfd.ticks = 0;
    spin_drop(&a->lock);
    if (!ticks) return -EAGAIN;
    memcpy(buf, &ticks, 8);
    return 8;
}

/* ---- signalfd ------------------------------------------------------------------------ */
SYSCALL(sys_signalfd4)
{
    UNUSED_ARGS;
    if ((a3 & ~(i64)(O_NONBLOCK | O_CLOEXEC)) || a2 != SIGSET_SIZE) return -EINVAL;
    if (!a1) return -EFAULT;
    u64 mask = *(const u64 *)a1 & ~(SIGNAL_BIT(9) | SIGNAL_BIT(19));     /* never SIGKILL, SIGSTOP */
    if ((int)a0 == -1) {
        int fd = anon_open(FD_SIGNALFD, a3, 0);
        if (fd >= 0) fds[fd].anon->u.sfd.mask = mask;
        return fd;
    }
    if (!fd_ok(a0)) return -EBADF;
    struct anon_file *a = anon_of(a0, FD_SIGNALFD);
    if (!a) return -EINVAL;
    a->u.sfd.mask = mask;
    events_wake();
    return a0;
}
SYSCALL(sys_signalfd) { UNUSED_ARGS; return sys_signalfd4(a0, a1, a2, 0, 0, 0); }

/* read: pending signals of the mask, taken off the pending sets, as struct signalfd_siginfo
 * (128 bytes each, as many as fit) from the siginfo the provider keeps for them */
i64 signalfd_read(struct anon_file *a, u8 *buf, u64 n)
{
    u64 info[16];
    u64 done = 0;
    if (n < 128) return -EINVAL;
    for (; done + 128 <= n; done += 128) {
        int sig = signal_take(a->u.sfd.mask, info);
        if (!sig) break;
        u32 *ssi = (u32 *)(buf + done);
        int code = (int)(u32)info[1];
        memset(ssi, 0, 128);
        ssi[0] = (u32)sig;                                     /* ssi_signo */
        ssi[2] = (u32)code;                                    /* ssi_code */
        if (code == -2) {                                      /* SI_TIMER: ssi_tid, ssi_overrun */
            ssi[6] = (u32)info[2];
            ssi[8] = (u32)(info[2] >> 32);
        } else {                                               /* ssi_pid, ssi_uid */
            ssi[3] = (u32)info[2];
            ssi[4] = (u32)(info[2] >> 32);
        }
        ssi[11] = (u32)info[3];                                /* ssi_int */
        memcpy(buf + done + 48, &info[3], 8);                  /* ssi_ptr */
    }
    return done ? (i64)done : -EAGAIN;
}

/* ---- readiness (events.c's fd_poll) ---------------------------------------------------- */
u32 eventfd_poll(struct anon_file *a, u64 *level)
{
    spin_take(&a->lock);
    u64 c = a->u.efd.count;
    *level = a->u.efd.writes;
    spin_drop(&a->lock);
    return (c ? POLLIN | POLLRDNORM : 0) | (c < ~0ull - 1 ? POLLOUT | POLLWRNORM : 0);
}

/* readable once it has expired; else *due is when it will (monotonic ns), or 0 (disarmed) */
u32 timerfd_poll(struct anon_file *a, u64 *level, i64 *due)
{
    int ok;
    spin_take(&a->lock);
    i64 now = clock_ns(a->u.tfd.clock, &ok);
    timer_forward(a, now);
    u32 m = a->u.tfd.ticks ? POLLIN | POLLRDNORM : 0;
    *level = a->u.tfd.total;
    *due = !m && a->u.tfd.due ? clock_ns(1, &ok) + (a->u.tfd.due - now) : 0;
    spin_drop(&a->lock);
    return m;
}

u32 signalfd_poll(struct anon_file *a, u64 *level)
{
    u64 p = signals_pending() & a->u.sfd.mask;
    *level = (u64)__builtin_popcountll(p);
    return p ? POLLIN | POLLRDNORM : 0;
}
