/* time: clocks, sleeps, timers and process resources (<time.h>, <sys/time.h>,
 * <sys/resource.h>, <sched.h>, <sys/sysinfo.h>, <sys/prctl.h>, <sys/random.h>):
 * clock_gettime on every clock (monotonic ones never go back), clock_getres, nanosleep
 * and clock_nanosleep (relative and TIMER_ABSTIME), gettimeofday against time(), times,
 * getrusage, sysinfo, uname, prctl PR_SET_NAME/PR_GET_NAME, sched_yield,
 * sched_getaffinity, scheduling policy, getrlimit/setrlimit/prlimit, getrandom, alarm,
 * setitimer/getitimer, POSIX timers with a signal.  Only facts that hold on any machine
 * are printed: "elapsed >= requested", never the times themselves. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%-52s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static int64_t now_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return ns(&t);
}

static volatile unsigned long sink;

/* Computes for ms of this process's CPU time (not wall time: on a loaded machine 20 ms of
   wall time may hold no CPU tick, and ITIMER_PROF would not have moved). */
static void burn_cpu(int ms)
{
    int64_t end = now_ns(CLOCK_PROCESS_CPUTIME_ID) + (int64_t)ms * 1000000;
    while (now_ns(CLOCK_PROCESS_CPUTIME_ID) < end)
        for (int i = 0; i < 10000; i++) sink += i * i;
}

static void clocks(void)
{
    struct {
        clockid_t id;
        const char *name;
        int monotonic;
    } cs[] = {
        {CLOCK_REALTIME, "CLOCK_REALTIME", 0},
        {CLOCK_MONOTONIC, "CLOCK_MONOTONIC", 1},
        {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID", 1},
        {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID", 1},
        {CLOCK_BOOTTIME, "CLOCK_BOOTTIME", 1},
        {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW", 1},
        {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE", 0},
        {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE", 1},
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        struct timespec a, b;
        int r1 = clock_gettime(cs[k].id, &a);
        int ok = 1;
        for (int i = 0; i < 1000 && ok; i++) {
            clock_gettime(cs[k].id, &b);
            if (cs[k].monotonic && ns(&b) < ns(&a)) ok = 0;
            if (b.tv_nsec < 0 || b.tv_nsec >= 1000000000) ok = 0;
            a = b;
        }
        printf("%-26s returns %d, %s\n", cs[k].name, r1, ok ? (cs[k].monotonic ? "never goes back" : "well formed") : "BAD");
        if (r1 != 0 || !ok) failures++;
    }
    struct timespec t;
    errno = 0;
    check("clock_gettime bad clock EINVAL", clock_gettime((clockid_t)1234, &t) == -1 && errno == EINVAL);
    check("realtime is after 2020", now_ns(CLOCK_REALTIME) > 1577836800LL * 1000000000);
    int64_t mono = now_ns(CLOCK_MONOTONIC);
    int64_t boot = now_ns(CLOCK_BOOTTIME);
    check("boottime read after monotonic is >= it", boot >= mono);

    struct timespec res;
    check("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &res) == 0);
    printf("MONOTONIC resolution <= 1ms: %d\n", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
    clock_getres(CLOCK_REALTIME, &res);
    printf("REALTIME resolution <= 1ms: %d\n", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
    check("clock_getres NULL", clock_getres(CLOCK_MONOTONIC, NULL) == 0);

    /* CPU clocks advance while computing */
    int64_t p0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    burn_cpu(30);
    int64_t p1 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    printf("cpu clocks advanced while computing: process %d, thread %d\n", p1 > p0, t1 > t0);

    struct timeval tv;
    check("gettimeofday", gettimeofday(&tv, NULL) == 0);
    time_t tt = time(NULL);
    printf("gettimeofday and time() agree within 2s: %d\n", llabs((long long)tv.tv_sec - (long long)tt) <= 2);
    printf("tv_usec in range: %d\n", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    time_t t2;
    printf("time() stores its result: %d\n", time(&t2) == t2);
}

static void sleeps(void)
{
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 20 * 1000 * 1000}, rem = {9, 9};
    int r = nanosleep(&req, &rem);
    int64_t el = now_ns(CLOCK_MONOTONIC) - t0;
    printf("nanosleep 20ms: returns %d, elapsed >= 20ms %d\n", r, el >= 20000000);

    t0 = now_ns(CLOCK_MONOTONIC);
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    el = now_ns(CLOCK_MONOTONIC) - t0;
    printf("clock_nanosleep relative 20ms: returns %d, elapsed >= 20ms %d\n", r, el >= 20000000);

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    t0 = ns(&until);
    until.tv_nsec += 25 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    int64_t after = now_ns(CLOCK_MONOTONIC);
    printf("clock_nanosleep TIMER_ABSTIME +25ms: returns %d, woke at or after the deadline %d\n", r,
           after >= ns(&until));
    /* an absolute time in the past returns at once */
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &(struct timespec){0, 0}, NULL);
    printf("clock_nanosleep TIMER_ABSTIME in the past: returns %d\n", r);
    r = clock_nanosleep(CLOCK_REALTIME, 0, &(struct timespec){0, 1000000}, NULL);
    printf("clock_nanosleep REALTIME 1ms: returns %d\n", r);
    printf("clock_nanosleep bad nsec: returns EINVAL %d\n",
           clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){0, 1000000000}, NULL) == EINVAL);
    errno = 0;
    printf("nanosleep negative: EINVAL %d\n", nanosleep(&(struct timespec){-1, 0}, NULL) == -1 && errno == EINVAL);
    printf("usleep 5000: returns %d\n", usleep(5000));
    (void)t0;
}

static void resources(void)
{
    struct tms tm;
    clock_t c = times(&tm);
    check("times() != -1", c != (clock_t)-1);
    check("times: user+system cpu >= 0", tm.tms_utime + tm.tms_stime >= 0);
    check("sysconf(_SC_CLK_TCK) > 0", sysconf(_SC_CLK_TCK) > 0);

    struct rusage ru;
    check("getrusage RUSAGE_SELF", getrusage(RUSAGE_SELF, &ru) == 0);
    printf("ru_maxrss > 0: %d\n", ru.ru_maxrss > 0);
    printf("ru_utime+ru_stime > 0 after computing: %d\n",
           ru.ru_utime.tv_sec + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec > 0);
    check("getrusage RUSAGE_CHILDREN", getrusage(RUSAGE_CHILDREN, &ru) == 0);
    check("getrusage RUSAGE_THREAD", getrusage(RUSAGE_THREAD, &ru) == 0);
    errno = 0;
    check("getrusage bad who EINVAL", getrusage(12345, &ru) == -1 && errno == EINVAL);

    struct sysinfo si;
    check("sysinfo", sysinfo(&si) == 0);
    printf("sysinfo: uptime > 0 %d, totalram > 0 %d, freeram <= totalram %d, mem_unit >= 1 %d, procs >= 1 %d\n",
           si.uptime > 0, si.totalram > 0, si.freeram <= si.totalram, si.mem_unit >= 1, si.procs >= 1);

    struct utsname u;
    check("uname", uname(&u) == 0);
    printf("uname: sysname %s, machine %s, release non-empty %d\n", u.sysname, u.machine, u.release[0] != 0);

    char name[32] = {0};
    check("prctl PR_SET_NAME", prctl(PR_SET_NAME, "time-test", 0, 0, 0) == 0);
    check("prctl PR_GET_NAME", prctl(PR_GET_NAME, name, 0, 0, 0) == 0);
    printf("thread name: %s\n", name);
    prctl(PR_SET_NAME, "a-name-longer-than-sixteen-bytes", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("long name truncated to: %s (%zu chars)\n", name, strlen(name));
    int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    printf("PR_GET_DUMPABLE is 0 or 1: %d\n", dumpable == 0 || dumpable == 1);

    check("sched_yield == 0", sched_yield() == 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    check("sched_getaffinity", sched_getaffinity(0, sizeof set, &set) == 0);
    printf("CPUs in affinity mask >= 1: %d\n", CPU_COUNT(&set) >= 1);
    printf("sched_getscheduler is SCHED_OTHER: %d\n", sched_getscheduler(0) == SCHED_OTHER);
    struct sched_param sp = {.sched_priority = 99};
    check("sched_getparam", sched_getparam(0, &sp) == 0);
    printf("sched priority: %d\n", sp.sched_priority);
    printf("priority range of SCHED_FIFO: %d..%d\n", sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO));
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    printf("getpriority is a nice value: %d\n", errno == 0 && prio >= -20 && prio <= 19);

    struct rlimit rl, rl2;
    check("getrlimit RLIMIT_NOFILE", getrlimit(RLIMIT_NOFILE, &rl) == 0);
    printf("RLIMIT_NOFILE soft <= hard: %d, soft > 0: %d\n", rl.rlim_cur <= rl.rlim_max, rl.rlim_cur > 0);
    check("prlimit(0) RLIMIT_NOFILE", prlimit(0, RLIMIT_NOFILE, NULL, &rl2) == 0);
    printf("prlimit agrees with getrlimit: %d\n", rl.rlim_cur == rl2.rlim_cur && rl.rlim_max == rl2.rlim_max);
    getrlimit(RLIMIT_CORE, &rl);
    rl.rlim_cur = 0;
    check("setrlimit RLIMIT_CORE soft 0", setrlimit(RLIMIT_CORE, &rl) == 0);
    getrlimit(RLIMIT_CORE, &rl2);
    printf("RLIMIT_CORE soft reads back: %lu\n", (unsigned long)rl2.rlim_cur);
    struct rlimit nl = {.rlim_cur = 64, .rlim_max = 0};
    errno = 0;
    check("setrlimit soft > hard EINVAL", setrlimit(RLIMIT_NOFILE, &nl) == -1 && errno == EINVAL);
    getrlimit(RLIMIT_NOFILE, &rl);
    struct rlimit lower = {.rlim_cur = 64 < rl.rlim_cur ? 64 : rl.rlim_cur, .rlim_max = rl.rlim_max}, old;
    check("prlimit lower RLIMIT_NOFILE soft", prlimit(0, RLIMIT_NOFILE, &lower, &old) == 0);
    printf("prlimit returned the old limit: %d\n", old.rlim_cur == rl.rlim_cur);
    getrlimit(RLIMIT_NOFILE, &rl2);
    printf("RLIMIT_NOFILE soft now <= 64: %d\n", rl2.rlim_cur <= 64);
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_STACK, &rl);
    printf("RLIMIT_STACK soft > 0: %d\n", rl.rlim_cur > 0);

    unsigned char buf[32];
    memset(buf, 0, sizeof buf);
    ssize_t n = getrandom(buf, sizeof buf, 0);
    int nonzero = 0;
    for (int i = 0; i < 32; i++) nonzero |= buf[i];
    printf("getrandom: returns %zd, not all zero %d\n", n, nonzero != 0);
    unsigned char buf2[32];
    getrandom(buf2, sizeof buf2, GRND_NONBLOCK);
    printf("two getrandom calls differ: %d\n", memcmp(buf, buf2, 32) != 0);
    printf("getentropy: %d\n", getentropy(buf, 16));
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void timers(void)
{
    printf("alarm(0) with none pending returns %u\n", alarm(0));
    alarm(100);
    unsigned left = alarm(0);
    printf("alarm(100) then alarm(0) returns 99 or 100: %d\n", left == 99 || left == 100);

    struct itimerval it = {.it_value = {10, 0}}, cur, old;
    check("setitimer ITIMER_REAL 10s", setitimer(ITIMER_REAL, &it, NULL) == 0);
    check("getitimer", getitimer(ITIMER_REAL, &cur) == 0);
    int64_t us = cur.it_value.tv_sec * 1000000LL + cur.it_value.tv_usec;
    printf("remaining <= 10s and > 9s: %d, no interval %d\n", us <= 10000000 && us > 9000000,
           cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0);
    struct itimerval zero = {{0, 0}, {0, 0}};
    check("setitimer cancel", setitimer(ITIMER_REAL, &zero, &old) == 0);
    us = old.it_value.tv_sec * 1000000LL + old.it_value.tv_usec;
    printf("cancel returned the remaining time (<= 10s, > 9s): %d\n", us <= 10000000 && us > 9000000);
    getitimer(ITIMER_REAL, &cur);
    printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

    /* a repeating timer delivers SIGALRM */
    signal(SIGALRM, on_alarm);
    struct itimerval rep = {.it_interval = {0, 10000}, .it_value = {0, 10000}};
    setitimer(ITIMER_REAL, &rep, NULL);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    while (alarms < 3 && now_ns(CLOCK_MONOTONIC) - t0 < 5000000000LL) pause();
    setitimer(ITIMER_REAL, &zero, NULL);
    printf("repeating 10ms timer fired 3 times: %d, took >= 30ms: %d\n", alarms >= 3,
           now_ns(CLOCK_MONOTONIC) - t0 >= 30000000);
    signal(SIGALRM, SIG_DFL);

    /* ITIMER_PROF counts CPU time */
    struct itimerval prof = {.it_value = {5, 0}};
    setitimer(ITIMER_PROF, &prof, NULL);
    burn_cpu(20);
    getitimer(ITIMER_PROF, &cur);
    us = cur.it_value.tv_sec * 1000000LL + cur.it_value.tv_usec;
    printf("ITIMER_PROF armed and below 5s: %d\n", us > 0 && us < 5000000);
    setitimer(ITIMER_PROF, &zero, NULL);

    /* POSIX timer with a signal, taken with sigtimedwait */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 4242;
    timer_t tid;
    check("timer_create CLOCK_MONOTONIC", timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0);
    struct itimerspec its = {.it_value = {0, 20 * 1000 * 1000}}, gits;
    t0 = now_ns(CLOCK_MONOTONIC);
    check("timer_settime 20ms", timer_settime(tid, 0, &its, NULL) == 0);
    check("timer_gettime", timer_gettime(tid, &gits) == 0);
    printf("timer_gettime remaining <= 20ms: %d\n", gits.it_value.tv_sec == 0 && gits.it_value.tv_nsec <= 20000000);
    siginfo_t info;
    struct timespec wait = {5, 0};
    int sig = sigtimedwait(&usr1, &info, &wait);
    printf("timer signal: SIGUSR1 %d, SI_TIMER %d, value %d, elapsed >= 20ms %d\n", sig == SIGUSR1,
           info.si_code == SI_TIMER, info.si_value.sival_int, now_ns(CLOCK_MONOTONIC) - t0 >= 20000000);
    printf("timer_getoverrun: %d\n", timer_getoverrun(tid));
    check("timer_delete", timer_delete(tid) == 0);
    struct timespec zero_wait = {0, 0};
    errno = 0;
    printf("sigtimedwait with nothing pending: EAGAIN %d\n", sigtimedwait(&usr1, &info, &zero_wait) == -1 && errno == EAGAIN);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    clocks();
    sleeps();
    resources();
    timers();
    printf("failures: %d\n", failures);
    return failures != 0;
}
