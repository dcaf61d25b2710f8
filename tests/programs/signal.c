/* signal: guest handlers for raised, sent, timed and faulting signals, compared with the
 * native run: SA_SIGINFO, masks and pending signals, SA_RESTART, SA_RESETHAND, SA_NODEFER,
 * sigaltstack with SA_ONSTACK, pause and sigsuspend, setitimer, SIGSEGV/SIGFPE/SIGILL with
 * si_addr and siglongjmp out of the handler, and the ucontext a handler is given.
 * With NO_FORK set in the environment (for hosts without fork, such as Windows; both runs
 * get it) the parts that need a child process are left out. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, depth, max_depth;
static volatile int last_code, same_pid;
static volatile uintptr_t last_addr;
static sigjmp_buf escape;
static char *alt_lo, *alt_hi;
static volatile int on_alt;

static void counting(int sig) { hits++; last_sig = sig; }

static void with_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    same_pid = si->si_pid == getpid();
}

static void fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
    siglongjmp(escape, sig);
}

static void nested(int sig)
{
    depth++;
    if (depth > max_depth) max_depth = depth;
    if (depth < 3) raise(sig);
    depth--;
}

static void where(int sig)
{
    char here;
    (void)sig;
    on_alt = &here >= alt_lo && &here < alt_hi;
}

static void look(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)si;
    last_sig = sig;
    /* the interrupted context's mask: SIGUSR2 was blocked by the caller */
    last_code = sigismember(&uc->uc_sigmask, SIGUSR2);
    /* while the handler runs, its own signal is blocked */
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    same_pid = sigismember(&now, sig);
}

static void install(int sig, void (*h)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

static void install_info(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

/* A handler that changes a callee-saved register in its ucontext: kill's wrapper leaves rbx
   alone, so probe_rbx's caller-side rbx after the call is the handler's (a translated caller
   keeps rbx across calls of functions that preserve it; the runtime then resumes from State). */
static void set_rbx(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ((ucontext_t *)ucv)->uc_mcontext.gregs[REG_RBX] = 42;
}
long probe_rbx(int pid, int sig);
__asm__(".text\n.globl probe_rbx\n.type probe_rbx, @function\nprobe_rbx:\n"
        "  push %rbx\n  mov $7, %ebx\n  call kill\n  mov %rbx, %rax\n  pop %rbx\n  ret\n"
        ".size probe_rbx, . - probe_rbx\n");

static void count_hit(int sig) { (void)sig; hits++; }
static void leave_loop(int sig) { siglongjmp(escape, sig); }

__attribute__((noinline)) static int divide(volatile int a, volatile int b) { return a / b; }

/* a 128-by-64-bit divide whose quotient does not fit 64 bits: #DE, SIGFPE */
__attribute__((noinline)) static unsigned long wide_divide(unsigned long hi, unsigned long d)
{
    unsigned long q, r;
    __asm__ volatile("divq %4" : "=a"(q), "=d"(r) : "a"(0UL), "d"(hi), "rm"(d));
    return q ^ r;
}

int main(void)
{
    /* raise with SA_SIGINFO: delivered before raise returns */
    install_info(SIGUSR1, with_info, 0);
    hits = 0;
    raise(SIGUSR1);
    printf("raise: hits=%d sig=%d code_is_tkill=%d same_pid=%d\n", hits, last_sig, last_code == SI_TKILL, same_pid);
    kill(getpid(), SIGUSR1);
    printf("kill: hits=%d code_is_user=%d\n", hits, last_code == SI_USER);

    /* the old action reports the guest's handler */
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    printf("oact: is_ours=%d siginfo=%d\n", old.sa_sigaction == with_info, !!(old.sa_flags & SA_SIGINFO));

    /* blocked: pending until unblocked */
    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &prev);
    hits = 0;
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("blocked: hits=%d pending=%d\n", hits, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &prev, NULL);
    printf("unblocked: hits=%d\n", hits);

    /* the ucontext and the mask inside a handler */
    install_info(SIGUSR1, look, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &prev);
    raise(SIGUSR1);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    printf("ucontext: sig=%d usr2_in_uc_mask=%d own_blocked=%d\n", last_sig, last_code, same_pid);

    /* a handler's change to a callee-saved register reaches the interrupted code's caller */
    install_info(SIGUSR1, set_rbx, 0);
    printf("rbx after the handler: %ld\n", probe_rbx(getpid(), SIGUSR1));

    /* SA_NODEFER lets the handler interrupt itself */
    install(SIGUSR2, nested, SA_NODEFER);
    depth = max_depth = 0;
    raise(SIGUSR2);
    printf("nodefer: max_depth=%d\n", max_depth);

    /* SA_RESETHAND: one delivery, then the default disposition */
    install(SIGWINCH, counting, SA_RESETHAND);
    hits = 0;
    raise(SIGWINCH);
    sigaction(SIGWINCH, NULL, &old);
    printf("resethand: hits=%d now_default=%d\n", hits, old.sa_handler == SIG_DFL);

    /* SIG_IGN */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored: survived\n");

    /* sigaltstack and SA_ONSTACK */
    stack_t ss, oss;
    int r;
    ss.ss_sp = alt_lo = malloc(1 << 16);
    alt_hi = alt_lo + (1 << 16);
    ss.ss_size = 1 << 16;
    ss.ss_flags = 0;
    printf("sigaltstack: %d\n", sigaltstack(&ss, &oss));
    printf("old altstack disabled=%d\n", !!(oss.ss_flags & SS_DISABLE));
    install(SIGUSR1, where, SA_ONSTACK);
    raise(SIGUSR1);
    printf("onstack: %d\n", on_alt);
    install(SIGUSR1, where, 0);
    raise(SIGUSR1);
    printf("not onstack: %d\n", on_alt);
    ss.ss_size = 100;
    r = sigaltstack(&ss, NULL);
    printf("small altstack: %d %s\n", r, strerror(errno));

    /* pause and sigsuspend wake up for a handled signal */
    install(SIGALRM, counting, 0);
    hits = 0;
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    r = pause();
    printf("pause: r=%d errno=%s hits=%d sig=%d\n", r, strerror(errno), hits, last_sig);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    install(SIGUSR2, counting, 0);
    sigprocmask(SIG_BLOCK, &set, &prev);
    kill(getpid(), SIGUSR2);
    sigset_t empty;
    sigemptyset(&empty);
    hits = 0;
    r = sigsuspend(&empty);
    printf("sigsuspend: r=%d errno=%s hits=%d\n", r, strerror(errno), hits);
    sigprocmask(SIG_SETMASK, &prev, NULL);

    /* SA_RESTART: a read interrupted by a handled signal goes on (or fails with EINTR) */
    int forks = getenv("NO_FORK") == NULL;
    for (int restart = 0; forks && restart < 2; restart++) {
        int fds[2];
        if (pipe(fds)) return 1;
        install(SIGALRM, counting, restart ? SA_RESTART : 0);
        pid_t child = fork();
        if (child == 0) {
            usleep(200000);
            write(fds[1], "late", 4);
            _exit(0);
        }
        struct itimerval t = {{0, 0}, {0, 30000}};
        setitimer(ITIMER_REAL, &t, NULL);
        char buf[8] = {0};
        hits = 0;
        ssize_t n = read(fds[0], buf, sizeof buf);
        printf("read restart=%d: n=%zd %s hits=%d\n", restart, n, n < 0 ? strerror(errno) : buf, hits);
        waitpid(child, NULL, 0);
        close(fds[0]);
        close(fds[1]);
    }

    /* faults: si_addr, si_code, and siglongjmp out of the handler */
    install_info(SIGSEGV, fault, 0);
    install_info(SIGFPE, fault, 0);
    install_info(SIGILL, fault, 0);
    int sig;
    if ((sig = sigsetjmp(escape, 1)) == 0)
        *(volatile int *)0x1234 = 1;
    printf("segv: sig=%d code=%d addr=%#lx\n", sig, last_code, (unsigned long)last_addr);
    if ((sig = sigsetjmp(escape, 1)) == 0)
        printf("%d\n", divide(7, 0));
    printf("fpe: sig=%d code=%d at_divide=%d\n", sig, last_code,
           last_addr >= (uintptr_t)divide && last_addr < (uintptr_t)divide + 64);
    if ((sig = sigsetjmp(escape, 1)) == 0)
        printf("%lu\n", wide_divide(5, 3));
    printf("fpe (128-bit quotient overflow): sig=%d code=%d\n", sig, last_code);
    if ((sig = sigsetjmp(escape, 1)) == 0)
        __builtin_trap();
    printf("ill: sig=%d code=%d\n", sig, last_code);
    /* the signal is unblocked again after siglongjmp (the mask was saved) */
    sigprocmask(SIG_BLOCK, NULL, &set);
    printf("segv blocked after siglongjmp: %d\n", sigismember(&set, SIGSEGV));
    for (int i = 0; i < 3; i++) {
        if ((sig = sigsetjmp(escape, 1)) == 0)
            *(volatile char *)(uintptr_t)(0x10 + i) = 0;
        printf("segv again %d: addr=%#lx\n", i, (unsigned long)last_addr);
    }

    /* asynchronous signals reach loops that make no system call: a flag loop, a
     * computation interrupted many times (its result must not change), and a handler that
     * leaves a loop by siglongjmp */
    install(SIGALRM, count_hit, 0);
    hits = 0;
    struct itimerval once = {{0, 0}, {0, 20000}}, every = {{0, 500}, {0, 500}}, off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &once, NULL);
    unsigned long spins = 0;
    while (!hits)
        spins++;
    printf("flag loop: hits=%d spun=%d\n", hits, spins > 0);
    hits = 0;
    setitimer(ITIMER_REAL, &every, NULL);
    unsigned long sum = 0;
    for (unsigned long i = 0; i < 200000000UL; i++)
        sum += i ^ (i >> 3);
    setitimer(ITIMER_REAL, &off, NULL);
    printf("interrupted loop: sum=%lu interrupted=%d\n", sum, hits > 0);
    install(SIGALRM, leave_loop, 0);
    if ((sig = sigsetjmp(escape, 1)) == 0) {
        setitimer(ITIMER_REAL, &once, NULL);
        for (volatile unsigned long i = 0;; i++)
            ;
    }
    printf("left loop by siglongjmp: sig=%d\n", sig);

    /* a child killed by a signal, and one that dies of its own fault */
    if (!forks) {
        fflush(stdout);
        return 0;
    }
    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    kill(c, SIGTERM);
    int status;
    waitpid(c, &status, 0);
    printf("child: signaled=%d sig=%d\n", WIFSIGNALED(status), WTERMSIG(status));
    c = fork();
    if (c == 0) {
        signal(SIGSEGV, SIG_DFL);
        *(volatile int *)8 = 0;
        _exit(0);
    }
    waitpid(c, &status, 0);
    printf("child fault: signaled=%d sig=%d\n", WIFSIGNALED(status), WTERMSIG(status));
    fflush(stdout);
    return 0;
}
