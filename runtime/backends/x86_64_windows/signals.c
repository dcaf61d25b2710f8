/* Threads (clone on CreateThread, futex on WaitOnAddress), signals and timers (the Windows provider: see provider.c) */
#include "lx.h"

/* ---- threads and signals --------------------------------------------------------------
 * Threads: the runtime's clone (CLONE_VM) on CreateThread, futex on WaitOnAddress.
 * Signals: the runtime's own host handlers are kept here; a signal is delivered by calling
 * the handler with a Linux siginfo and ucontext, on the receiving thread for a self-sent one
 * (before kill returns, as on Linux) or a fault (a vectored exception handler), and for an
 * asynchronous one (a timer) on the timer's thread with the receiver's State as the one in
 * view: the runtime's handler only marks it pending in that State, and the interruptible
 * waits of the provider (pause, sigsuspend, nanosleep) end with EINTR. */
DWORD tls_index, tls_thread;
void rt_switch_stack(u64 sp, void *fn, u64 arg) __attribute__((noreturn));

static struct thread main_thread, *exited;
static volatile long threads_lock;

static void lock(void) { while (__atomic_exchange_n(&threads_lock, 1, __ATOMIC_ACQUIRE)) SwitchToThread(); }
static void unlock(void) { __atomic_store_n(&threads_lock, 0, __ATOMIC_RELEASE); }

struct thread *self_thread(void)
{
    struct thread *t = TlsGetValue(tls_thread);
    return t ? t : &main_thread;
}


struct k_sigaction { u64 handler, flags, restorer, mask; };
static struct k_sigaction actions[65];
static volatile u64 pending;            /* raised while blocked: delivered when unblocked */
volatile u32 signal_seq;                /* counts deliveries: wakes interruptible waits */
#define SIGBIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (SIGBIT(9) | SIGBIT(19))

SYSCALL(sys_rt_sigaction)
{
    UNUSED_ARGS;
    if (a0 < 1 || a0 > 64 || ((a0 == 9 || a0 == 19) && a1)) return -EINVAL;
    if (a2) *(struct k_sigaction *)a2 = actions[a0];
    if (a1) actions[a0] = *(const struct k_sigaction *)a1;
    return 0;
}

/* Deliver sig to thread t, from any host thread; si_code: SI_TKILL (-6), SI_KERNEL (0x80)... */
/* the siginfo of a pending signal: si_code, and the two words after it (si_pid and si_uid,
 * or a timer's id, overrun and value) */
static u64 pending_info[65][3];

static void wake_waiters(void)
{
    __atomic_add_fetch(&signal_seq, 1, __ATOMIC_SEQ_CST);
    WakeByAddressAll((void *)&signal_seq);
    events_wake();               /* poll, epoll_wait, signalfd... wait on event_seq */
}

/* sig's siginfo: si_code SI_USER (0) or SI_TKILL (-6) say who sent it (f2 is then ours) */
static void fill_info(u64 *info, int sig, int si_code, u64 f2, u64 f3)
{
    info[0] = (u64)(unsigned)sig;                             /* si_signo, si_errno 0 */
    info[1] = (u32)si_code;                                   /* si_code */
    info[2] = si_code == 0 || si_code == -6 ? GetCurrentProcessId() | ((u64)UID << 32) : f2;
    info[3] = f3;
}

/* Held while a signal is taken for a thread (its mask looked at, then the signal made
 * pending or handed to the runtime's handler) and while a thread's mask changes: a signal
 * sent from another thread (a timer's) is taken atomically with respect to the receiver's
 * mask, as the kernel takes it.  Without it, a signal found unblocked could reach the
 * runtime just after the receiver blocked it (entering a handler), and the runtime's signal
 * point would then run its handler with that mask as the one to restore, leaving the
 * signal blocked for good. */
static volatile long mask_lock;

static void deliver_to(struct thread *t, int sig, int si_code, int to_thread, u64 f2, u64 f3)
{
    spin_take(&mask_lock);
    if ((t->mask & SIGBIT(sig)) && !(UNBLOCKABLE & SIGBIT(sig))) {
        pending_info[sig][0] = (u32)si_code; pending_info[sig][1] = f2; pending_info[sig][2] = f3;
        __atomic_or_fetch(to_thread ? &t->pending : &pending, SIGBIT(sig), __ATOMIC_SEQ_CST);
        spin_drop(&mask_lock);
        wake_waiters();                                        /* sigtimedwait may want it */
        return;
    }
    u64 h = actions[sig].handler;
    if (h == 1 || (h == 0 && (sig == 17 || sig == 18 || sig == 23 || sig == 28))) {
        spin_drop(&mask_lock);                                /* SIG_IGN; SIG_DFL of CHLD, CONT, URG, WINCH */
        return;
    }
    if (h == 0) ExitProcess(128 + (unsigned)sig);             /* SIG_DFL: as a shell reports a death by it */
    u64 info[16] = {0}, uc[128] = {0};
    fill_info(info, sig, si_code, f2, f3);
    uc[296 / 8] = t->mask;                                    /* uc_sigmask */
    struct thread *me = self_thread();
    void *own = TlsGetValue(tls_index);
    if (t != me) TlsSetValue(tls_index, (void *)t->state);    /* the receiver's State in view */
    u64 saved = t->mask;
    if (t == me) t->mask |= actions[sig].mask | (actions[sig].flags & 0x40000000 /* SA_NODEFER */ ? 0 : SIGBIT(sig));
    ((void (*)(int, void *, void *))h)(sig, info, uc);     /* the runtime's: it marks sig in State */
    t->mask = saved;
    spin_drop(&mask_lock);
    if (t != me) TlsSetValue(tls_index, own);
    __atomic_add_fetch(&t->delivered, 1, __ATOMIC_SEQ_CST);
    wake_waiters();
    void *word = t->futex_word;
    if (t != me && word) WakeByAddressAll(word);             /* its futex wait ends with EINTR */
}

/* The pending signals that t no longer blocks, delivered now (as Linux does on unblocking). */
static void deliver_unblocked(struct thread *t)
{
    u64 ready;
    while ((ready = (pending | t->pending) & ~t->mask) != 0) {
        int sig = __builtin_ctzll(ready) + 1;
        int own = (t->pending & SIGBIT(sig)) != 0;
        __atomic_and_fetch(own ? &t->pending : &pending, ~SIGBIT(sig), __ATOMIC_SEQ_CST);
        deliver_to(t, sig, (int)pending_info[sig][0], own, pending_info[sig][1], pending_info[sig][2]);
    }
}

static u64 set_mask(struct thread *t, u64 mask)
{
    u64 old = t->mask;
    spin_take(&mask_lock);
    t->mask = mask & ~UNBLOCKABLE;
    spin_drop(&mask_lock);
    deliver_unblocked(t);
    return old;
}

SYSCALL(sys_rt_sigprocmask)
{
    UNUSED_ARGS;
    struct thread *t = self_thread();
    u64 old = t->mask;
    if (a1) {
        u64 set = *(const u64 *)a1;
        if (a0 == 0) set_mask(t, old | set);
        else if (a0 == 1) set_mask(t, old & ~set);
        else if (a0 == 2) set_mask(t, set);
        else return -EINVAL;
    }
    if (a2) *(u64 *)a2 = old;
    return 0;
}
SYSCALL(sys_rt_sigpending) { UNUSED_ARGS; struct thread *t = self_thread(); *(u64 *)a0 = (pending | t->pending) & t->mask; return 0; }
u64 signals_pending(void) { struct thread *t = self_thread(); return pending | t->pending; }
u64 signal_mask_set(u64 mask) { return set_mask(self_thread(), mask); }

/* A pending signal of set taken off the calling thread's own pending set, else off the
 * process's (the order in which Linux dequeues them), its siginfo (128 bytes) into info
 * if info is not 0: the signal, or 0 if none of set is pending. */
int signal_take(u64 set, u64 *info)
{
    struct thread *t = self_thread();
    for (;;) {
        volatile u64 *from = (t->pending & set) ? &t->pending : &pending;
        u64 ready = *from & set;
        if (!ready) return 0;
        int sig = __builtin_ctzll(ready) + 1;
        if (!(__atomic_fetch_and(from, ~SIGBIT(sig), __ATOMIC_SEQ_CST) & SIGBIT(sig))) continue;   /* taken meanwhile */
        if (info) {
            memset(info, 0, 128);
            fill_info(info, sig, (int)pending_info[sig][0], pending_info[sig][1], pending_info[sig][2]);
        }
        return sig;
    }
}

/* Wait until a signal is delivered or ms pass (INFINITE: no limit); 1 if a signal came. */
int interruptible_wait(u32 seen, DWORD ms)
{
    int ok;
    i64 deadline = ms == INFINITE ? 0 : clock_ns(1, &ok) + (i64)ms * 1000000;
    while (signal_seq == seen) {
        DWORD left = INFINITE;
        if (ms != INFINITE) {
            i64 now = clock_ns(1, &ok);
            if (now >= deadline) return 0;
            left = (DWORD)((deadline - now + 999999) / 1000000);
        }
        WaitOnAddress((void *)&signal_seq, &seen, 4, left);
    }
    return 1;
}
/* rt_sigtimedwait(set, info, timeout): a pending signal of set, taken without its handler */
SYSCALL(sys_rt_sigtimedwait)
{
    UNUSED_ARGS;
    struct thread *t = self_thread();
    u64 set = *(const u64 *)a0 & ~UNBLOCKABLE;
    const i64 *ts = (const i64 *)a2;
    if (ts && (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)) return -EINVAL;
    int ok;
    i64 deadline = ts ? clock_ns(1, &ok) + ts[0] * 1000000000 + ts[1] : 0;
    for (;;) {
        u32 seen = signal_seq;
        int sig = signal_take(set, (u64 *)a1);
        if (sig) return sig;
        i64 left = ts ? deadline - clock_ns(1, &ok) : 0;
        if (ts && left <= 0) return -EAGAIN;
        u32 before = t->delivered;
        interruptible_wait(seen, ts ? (DWORD)((left + 999999) / 1000000) : INFINITE);
        if (t->delivered != before) return -EINTR;            /* a handler ran meanwhile */
    }
}
SYSCALL(sys_pause) { UNUSED_ARGS; interruptible_wait(signal_seq, INFINITE); return -EINTR; }
SYSCALL(sys_rt_sigsuspend)
{
    UNUSED_ARGS;
    struct thread *t = self_thread();
    u32 seen = signal_seq;
    u64 old = set_mask(t, *(const u64 *)a0);
    interruptible_wait(seen, INFINITE);
    spin_take(&mask_lock);
    t->mask = old;     /* the runtime's signal point runs the handler with this mask */
    spin_drop(&mask_lock);
    return -EINTR;
}

/* Faults of the guest's memory accesses (translated code's plain loads and stores) reach a
 * vectored exception handler: the runtime's host handler for the Linux signal gets a
 * siginfo with si_addr, and either returns (the instruction runs again) or leaves for the
 * guest's handler, or ends the process by the signal's default action. */
/* SIGSEGV's si_code for an access to a: SEGV_ACCERR (2) where the guest has a mapping
 * (committed memory; in the arena, a page the guest mapped), else SEGV_MAPERR (1) */
static int fault_code(u64 a)
{
    MEMORY_BASIC_INFORMATION m;
    if (a >= (u64)rt_arena && a < (u64)rt_arena_end) return arena_mapped[(a - (u64)rt_arena) / PAGE] ? 2 : 1;
    return VirtualQuery((void *)a, &m, sizeof m) && m.state == MEM_COMMIT ? 2 : 1;
}

long WINAPI on_exception(void *pointers)
{
    const u64 *record = *(u64 *const *)pointers;          /* EXCEPTION_RECORD */
    u64 *context = ((u64 *const *)pointers)[1];            /* CONTEXT */
    u32 code = (u32)record[0];
    int sig, si_code;
    switch (code) {
    case 0xC0000005: sig = 11; si_code = fault_code(record[5]); break;  /* access violation */
    case 0xC00000FD: sig = 11; si_code = 1; break;                   /* stack overflow */
    case 0xC000001D: case 0xC0000096: sig = 4; si_code = 1; break;   /* illegal, privileged instruction */
    case 0xC0000094: sig = 8; si_code = 1; break;                    /* integer divide by zero */
    case 0xC0000095: sig = 8; si_code = 2; break;                    /* integer overflow */
    default: return 0;                                               /* EXCEPTION_CONTINUE_SEARCH */
    }
    u64 h = actions[sig].handler;
    if (h <= 1) ExitProcess(128 + (unsigned)sig);
    u64 info[16] = {0}, uc[128] = {0};
    info[0] = (u64)(unsigned)sig;
    info[1] = (u32)si_code;
    info[2] = code == 0xC0000005 ? record[5] : record[2];     /* si_addr: the address, or the instruction */
    uc[296 / 8] = self_thread()->mask;
    uc[(40 + 16 * 8) / 8] = context[0xF8 / 8];                 /* REG_RIP */
    ((void (*)(int, void *, void *))h)(sig, info, uc);
    return -1;                                                       /* EXCEPTION_CONTINUE_EXECUTION */
}

static i64 signal_self(i64 sig)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    if (sig != 0) deliver_to(self_thread(), (int)sig, 0, 0, 0, 0);
    return 0;
}
/* the running thread of id tid, or 0 */
static struct thread *thread_of(i64 tid)
{
    struct thread *t;
    lock();
    for (t = &main_thread; t && t->tid != (DWORD)tid; t = t->live) {}
    unlock();
    return t;
}
static i64 signal_thread(i64 tid, i64 sig)
{
    struct thread *t = tid > 0 ? thread_of(tid) : 0;
    if (!t) return -ESRCH;
    if (sig < 0 || sig > 64) return -EINVAL;
    if (sig != 0) deliver_to(t, (int)sig, -6, 1, 0, 0);
    return 0;
}
SYSCALL(sys_kill) { UNUSED_ARGS; return a0 == (i64)GetCurrentProcessId() || a0 == 0 ? signal_self(a1) : -EPERM; }
SYSCALL(sys_tgkill) { UNUSED_ARGS; return a0 == (i64)GetCurrentProcessId() ? signal_thread(a1, a2) : -ESRCH; }
SYSCALL(sys_tkill) { UNUSED_ARGS; return signal_thread(a0, a1); }
SYSCALL(sys_sigaltstack) { UNUSED_ARGS; if (a1) memset((void *)a1, 0, 24), ((int *)a1)[2] = 2 /* SS_DISABLE */; return 0; }

/* Timers: the three itimers (ITIMER_REAL, and ITIMER_VIRTUAL and ITIMER_PROF measured on
 * the monotonic clock rather than in CPU time) and the POSIX timers, served by one timer
 * thread that sends each timer's signal to its thread when it is due. */
#define NITIMERS 3
#define NTIMERS (NITIMERS + 32)
static struct timer {
    i64 due, interval;              /* monotonic ns; due 0: disarmed */
    int used, sig, clock;
    u64 value;                      /* the sigevent's value (POSIX timers) */
    struct thread *target;          /* SIGEV_THREAD_ID's thread, else the first */
} timers[NTIMERS] = {{0, 0, 1, 14, 1, 0, 0}, {0, 0, 1, 26, 1, 0, 0}, {0, 0, 1, 27, 1, 0, 0}};
static volatile u32 timer_gen;
static HANDLE timer_thread;
/* Held while the timer thread decides that a timer fires and sends its signal, and while a
 * timer is set: once setitimer or timer_settime returns, no signal of the old setting is
 * still on its way (it is pending in the receiver's State, delivered at the call's return,
 * as the kernel delivers it then). */
static volatile long firing;

static DWORD WINAPI timer_main(void *unused)
{
    static struct thread timer_record;       /* not a guest thread: it only delivers */
    int ok;
    (void)unused;
    TlsSetValue(tls_thread, &timer_record);
    for (;;) {
        u32 gen = timer_gen;
        i64 now = clock_ns(1, &ok), next = 0;
        for (int i = 0; i < NTIMERS; i++) {
            spin_take(&firing);
            lock();
            struct timer tm = timers[i];
            int fire = tm.used && tm.due && now >= tm.due;
            if (fire) timers[i].due = tm.interval ? tm.due + tm.interval : 0;
            i64 due = timers[i].used ? timers[i].due : 0;
            unlock();
            if (fire && tm.sig)
                deliver_to(tm.target ? tm.target : &main_thread, tm.sig, i < NITIMERS ? 0x80 : -2 /* SI_TIMER */,
                           tm.target != 0, i < NITIMERS ? 0 : (u64)(i - NITIMERS), tm.value);
            spin_drop(&firing);
            if (due && (!next || due < next)) next = due;
        }
        now = clock_ns(1, &ok);
        if (next && next <= now) continue;
        WaitOnAddress((void *)&timer_gen, &gen, 4, next ? (DWORD)((next - now + 999999) / 1000000) : INFINITE);
    }
}

static void timers_changed(void)
{
    lock();
    if (!timer_thread) timer_thread = CreateThread(0, 1 << 16, timer_main, 0, 0, 0);
    unlock();
    __atomic_add_fetch(&timer_gen, 1, __ATOMIC_SEQ_CST);
    WakeByAddressAll((void *)&timer_gen);
}

/* A timer's interval and time left, as two (sec, sub) pairs: unit 1000 (timeval) or 1 (timespec). */
static void timer_read(const struct timer *tm, i64 *out, i64 unit)
{
    int ok;
    i64 left = tm->due ? tm->due - clock_ns(1, &ok) : 0;
    if (tm->due && left <= 0) left = unit;
    i64 sub = 1000000000 / unit;
    out[0] = tm->interval / 1000000000; out[1] = tm->interval % 1000000000 / unit;
    out[2] = left / 1000000000; out[3] = (left % 1000000000 + unit - 1) / unit;
    if (out[3] == sub) { out[2]++; out[3] = 0; }
}
static void timer_set(struct timer *tm, i64 interval, i64 value)
{
    int ok;
    spin_take(&firing);
    lock();
    tm->interval = interval;
    tm->due = value ? clock_ns(1, &ok) + value : 0;
    unlock();
    spin_drop(&firing);
    timers_changed();
}

SYSCALL(sys_getitimer)
{
    UNUSED_ARGS;
    if ((u64)(int)a0 >= NITIMERS) return -EINVAL;
    timer_read(&timers[(int)a0], (i64 *)a1, 1000);
    return 0;
}
SYSCALL(sys_setitimer)
{
    UNUSED_ARGS;
    if ((u64)(int)a0 >= NITIMERS) return -EINVAL;
    const i64 *tv = (const i64 *)a1;
    if (tv && (tv[1] < 0 || tv[1] >= 1000000 || tv[3] < 0 || tv[3] >= 1000000)) return -EINVAL;
    if (a2) timer_read(&timers[(int)a0], (i64 *)a2, 1000);
    if (tv) timer_set(&timers[(int)a0], tv[0] * 1000000000 + tv[1] * 1000, tv[2] * 1000000000 + tv[3] * 1000);
    return 0;
}

/* POSIX timers: ids 0..31 (timers[NITIMERS + id]) */
static struct timer *posix_timer(i64 id)
{
    return id >= 0 && id < NTIMERS - NITIMERS && timers[NITIMERS + id].used ? &timers[NITIMERS + id] : 0;
}
SYSCALL(sys_timer_create)
{
    UNUSED_ARGS;
    int ok;
    clock_ns(a0, &ok);
    if (!ok) return -EINVAL;
    const u64 *ev = (const u64 *)a1;
    int notify = ev ? ((const int *)ev)[3] : 0, sig = ev ? ((const int *)ev)[2] : 14;
    if (notify != 0 && notify != 1 && notify != 4) return -EINVAL;    /* SIGEV_SIGNAL, NONE, THREAD_ID */
    if (notify != 1 && (sig < 1 || sig > 64)) return -EINVAL;
    struct thread *target = 0;
    if (notify == 4 && !(target = thread_of(((const int *)ev)[4]))) return -EINVAL;
    lock();
    int id = 0;
    while (id < NTIMERS - NITIMERS && timers[NITIMERS + id].used) id++;
    if (id < NTIMERS - NITIMERS) {
        struct timer *tm = &timers[NITIMERS + id];
        tm->used = 1; tm->due = tm->interval = 0; tm->clock = (int)a0;
        tm->sig = notify == 1 ? 0 : sig;
        tm->value = ev ? ev[0] : (u64)id;
        tm->target = target;
    }
    unlock();
    if (id == NTIMERS - NITIMERS) return -EAGAIN;
    *(int *)a2 = id;
    return 0;
}
SYSCALL(sys_timer_settime)
{
    UNUSED_ARGS;
    int ok;
    struct timer *tm = posix_timer(a0);
    const i64 *ts = (const i64 *)a2;           /* struct itimerspec: interval, value */
    if (!tm) return -EINVAL;
    if (ts[1] < 0 || ts[1] >= 1000000000 || ts[3] < 0 || ts[3] >= 1000000000) return -EINVAL;
    if (a3) timer_read(tm, (i64 *)a3, 1);
    i64 value = ts[2] * 1000000000 + ts[3];
    if ((a1 & 1) && value)                    /* TIMER_ABSTIME: a time on the timer's clock */
        value = value - clock_ns(tm->clock, &ok) > 0 ? value - clock_ns(tm->clock, &ok) : 1;
    timer_set(tm, ts[0] * 1000000000 + ts[1], value);
    return 0;
}
SYSCALL(sys_timer_gettime) { UNUSED_ARGS; struct timer *tm = posix_timer(a0); if (!tm) return -EINVAL; timer_read(tm, (i64 *)a1, 1); return 0; }
SYSCALL(sys_timer_getoverrun) { UNUSED_ARGS; return posix_timer(a0) ? 0 : -EINVAL; }
SYSCALL(sys_timer_delete)
{
    UNUSED_ARGS;
    struct timer *tm = posix_timer(a0);
    if (!tm) return -EINVAL;
    spin_take(&firing);
    lock();
    tm->used = 0;
    tm->due = 0;
    unlock();
    spin_drop(&firing);
    return 0;
}

SYSCALL(sys_alarm)
{
    i64 tv[4] = {0, 0, (u32)a0, 0}, old[4];
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    sys_setitimer(0, (i64)tv, (i64)old, 0, 0, 0);
    return old[2] + (old[3] >= 500000 || (old[2] == 0 && old[3] > 0));
}

/* The console's events as the signals a terminal sends: Ctrl-C SIGINT, Ctrl-Break SIGQUIT
 * (as Ctrl-\ on a terminal), the console closed SIGHUP.  Windows runs this on a thread of
 * its own, which only delivers (as the timer thread).  Logoff and shutdown are left to
 * Windows. */
static BOOL WINAPI on_console_event(DWORD type)
{
    static struct thread console_record;
    static const int sig[3] = {2, 3, 1};            /* CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT */
    if (type > 2) return 0;
    TlsSetValue(tls_thread, &console_record);
    deliver_to(&main_thread, sig[type], 0x80 /* SI_KERNEL */, 0, 0, 0);
    return 1;
}

/* The first thread's id is the process's, as on Linux (Windows' thread and process ids come
 * from one namespace, so it is no other thread's) */
void threads_init(void)
{
    main_thread.tid = GetCurrentProcessId();
    SetConsoleCtrlHandler(on_console_event, 1);
}

/* The regions of threads that have ended (their stacks cannot be freed while they run on them). */
static void reap(void)
{
    lock();
    struct thread **p = &exited;
    while (*p) {
        struct thread *t = *p;
        if (WaitForSingleObject(t->handle, 0) == 0) {
            *p = t->next;
            CloseHandle(t->handle);
            VirtualFree((void *)t->region, 0, MEM_RELEASE);
        } else {
            p = &t->next;
        }
    }
    unlock();
}

static DWORD WINAPI thread_start(void *arg)
{
    struct thread *t = arg;
    TlsSetValue(tls_thread, t);
    TlsSetValue(tls_index, (void *)t->state);
    rt_switch_stack(t->host_top, (void *)rt_main, t->state);
}

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000

/* rt_clone_thread(flags, host_top, ptid, ctid, state) (runtime/threads.py): the child runs
 * rt_main(state) on host_top; the result is its thread id. */
i64 rt_clone_thread(i64 flags, i64 host_top, i64 ptid, i64 ctid, i64 state)
{
    DWORD tid;
    if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) return -ENOSYS;    /* no fork, no exec */
    reap();
    struct thread *t = palloc(sizeof *t);
    t->host_top = (u64)host_top;
    t->state = (u64)state;
    t->clear_tid = (flags & CLONE_CHILD_CLEARTID) ? (u64)ctid : 0;
    t->mask = self_thread()->mask;          /* inherited, as clone does */
    t->handle = CreateThread(0, 1 << 16, thread_start, t, CREATE_SUSPENDED, &tid);
    if (!t->handle) return -EAGAIN;
    t->tid = tid;
    lock();
    t->live = main_thread.live;
    main_thread.live = t;
    unlock();
    if (flags & CLONE_PARENT_SETTID) *(int *)ptid = (int)tid;
    if (flags & CLONE_CHILD_SETTID) *(int *)ctid = (int)tid;
    ResumeThread(t->handle);
    return tid;
}

/* rt_exit_thread(base, size, status): the thread's end: its CLONE_CHILD_CLEARTID word is
 * cleared and woken (pthread_join waits on it), its region freed once it has gone. */
void rt_exit_thread(i64 base, i64 size, i64 status)
{
    struct thread *t = self_thread();
    (void)size;
    if (t->clear_tid) {
        __atomic_store_n((int *)t->clear_tid, 0, __ATOMIC_SEQ_CST);
        WakeByAddressAll((void *)t->clear_tid);
    }
    t->region = (u64)base;
    lock();
    for (struct thread *p = &main_thread; p; p = p->live)
        if (p->live == t) { p->live = t->live; break; }
    t->next = exited;
    exited = t;
    unlock();
    ExitThread((DWORD)status);
}

SYSCALL(sys_set_tid_address) { UNUSED_ARGS; self_thread()->clear_tid = (u64)a0; return self_thread()->tid; }

static DWORD timeout_ms(const i64 *ts, int absolute, int realtime)
{
    int ok;
    if (!ts) return INFINITE;
    i64 ns = ts[0] * 1000000000 + ts[1];
    if (absolute) ns -= clock_ns(realtime ? 0 : 1, &ok);
    return ns <= 0 ? 0 : (DWORD)((ns + 999999) / 1000000);
}

/* futex: private and shared words alike (one process); waits may wake spuriously, as
 * the callers allow; FUTEX_WAKE answers how many it was asked to wake at most 1. */
SYSCALL(sys_futex)
{
    UNUSED_ARGS;
    int *word = (int *)a0, op = (int)a1 & 0x7F, val = (int)a2;
    int realtime = ((int)a1 & 256) != 0;
    switch (op) {
    case 0: case 9: {                       /* FUTEX_WAIT (relative), FUTEX_WAIT_BITSET (absolute) */
        if (op == 9 && (u32)a5 == 0) return -EINVAL;
        if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) return -EAGAIN;
        DWORD ms = timeout_ms((const i64 *)a3, op == 9, realtime);
        struct thread *t = self_thread();
        u32 seen = t->delivered;
        t->futex_word = word;
        BOOL woken = WaitOnAddress(word, &val, 4, ms);
        DWORD err = woken ? 0 : GetLastError();
        t->futex_word = 0;
        if (!woken && err == ERROR_TIMEOUT) return -ETIMEDOUT;
        return t->delivered != seen ? -EINTR : 0;
    }
    case 1: case 10:                        /* FUTEX_WAKE, FUTEX_WAKE_BITSET */
        if (val <= 0) return 0;
        if (val == 1) WakeByAddressSingle(word);
        else WakeByAddressAll(word);
        return 0;
    case 3: case 4:                         /* FUTEX_REQUEUE, FUTEX_CMP_REQUEUE: all woken */
        if (op == 4 && __atomic_load_n(word, __ATOMIC_SEQ_CST) != (int)a5) return -EAGAIN;
        WakeByAddressAll(word);
        return 0;
    default:
        return -ENOSYS;
    }
}

