/* Identity, time, sleep, random numbers and limits (the Windows provider: see provider.c) */
#include "lx.h"

/* ---- processes, time, identity -------------------------------------------------------- */
SYSCALL(sys_exit_group) { UNUSED_ARGS; ExitProcess((unsigned)a0 & 0xFF); return 0; }
SYSCALL(sys_getpid) { UNUSED_ARGS; return GetCurrentProcessId(); }
SYSCALL(sys_gettid) { UNUSED_ARGS; return self_thread()->tid; }
/* the ids of the process's group and session: its own (it leads both, as a program a shell
 * started); its user's real, effective and saved ids, and one supplementary group: UID */
SYSCALL(sys_getpgid) { UNUSED_ARGS; return a0 == 0 || a0 == (i64)GetCurrentProcessId() ? (i64)GetCurrentProcessId() : -ESRCH; }
SYSCALL(sys_getpgrp) { UNUSED_ARGS; return GetCurrentProcessId(); }
SYSCALL(sys_getresuid)
{
    UNUSED_ARGS;
    *(u32 *)a0 = *(u32 *)a1 = *(u32 *)a2 = UID;
    return 0;
}
SYSCALL(sys_getgroups)
{
    UNUSED_ARGS;
    if (a0 < 0) return -EINVAL;
    if (a0 == 0) return 1;
    *(u32 *)a1 = UID;
    return 1;
}
SYSCALL(sys_getppid) { UNUSED_ARGS; return 1; }
SYSCALL(sys_getuid) { UNUSED_ARGS; return UID; }
SYSCALL(sys_set_robust_list) { UNUSED_ARGS; return a1 == 24 ? 0 : -EINVAL; }
SYSCALL(sys_sched_yield) { UNUSED_ARGS; SwitchToThread(); return 0; }

SYSCALL(sys_uname)
{
    char *u = (char *)a0;
    UNUSED_ARGS;
    static const char *const fields[6] = {"Linux", 0, "6.1.0-elf2native", "#1 SMP elf2native pico provider",
                                          "x86_64", "(none)"};
    memset(u, 0, 6 * 65);
    for (int i = 0; i < 6; i++) {
        char *f = u + 65 * i;
        if (fields[i]) {
            memcpy(f, fields[i], cstrlen(fields[i]));
        } else {
            DWORD n = 64;
            if (!GetComputerNameA(f, &n)) memcpy(f, "localhost", 9);
            for (char *c = f; *c; c++)
                if (*c >= 'A' && *c <= 'Z') *c |= 32;
        }
    }
    return 0;
}

static i64 nanos_of(LONGLONG ticks, LONGLONG freq)
{
    return (ticks / freq) * 1000000000ll + (ticks % freq) * 1000000000ll / freq;
}
i64 clock_ns(i64 clk, int *ok)
{
    FILETIME c, e, k, u;
    LONGLONG t, f;
    *ok = 1;
    switch (clk) {
    case 0: case 5: case 11: {     /* REALTIME, REALTIME_COARSE, TAI */
        FILETIME ft;
        GetSystemTimePreciseAsFileTime(&ft);
        return (i64)(((u64)ft.hi << 32 | ft.lo) - 116444736000000000ull) * 100;
    }
    case 1: case 4: case 6: case 7:   /* MONOTONIC (RAW, COARSE), BOOTTIME */
        QueryPerformanceCounter(&t);
        QueryPerformanceFrequency(&f);
        return nanos_of(t, f);
    case 2: case 3:                   /* PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID */
        if (clk == 2) GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
        else GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u);
        return (i64)(((u64)k.hi << 32 | k.lo) + ((u64)u.hi << 32 | u.lo)) * 100;
    default:
        *ok = 0;
        return 0;
    }
}
SYSCALL(sys_clock_gettime)
{
    int ok;
    UNUSED_ARGS;
    i64 ns = clock_ns(a0, &ok);
    if (!ok) return -EINVAL;
    if (a1) { ((i64 *)a1)[0] = ns / 1000000000; ((i64 *)a1)[1] = ns % 1000000000; }
    return 0;
}
SYSCALL(sys_clock_getres)
{
    int ok;
    UNUSED_ARGS;
    clock_ns(a0, &ok);
    if (!ok) return -EINVAL;
    if (a1) { ((i64 *)a1)[0] = 0; ((i64 *)a1)[1] = a0 == 2 || a0 == 3 ? 100 : 1; }
    return 0;
}
SYSCALL(sys_gettimeofday)
{
    int ok;
    UNUSED_ARGS;
    i64 ns = clock_ns(0, &ok);
    if (a0) { ((i64 *)a0)[0] = ns / 1000000000; ((i64 *)a0)[1] = ns % 1000000000 / 1000; }
    if (a1) { ((int *)a1)[0] = 0; ((int *)a1)[1] = 0; }
    return 0;
}
SYSCALL(sys_time)
{
    int ok;
    UNUSED_ARGS;
    i64 s = clock_ns(0, &ok) / 1000000000;
    if (a0) *(i64 *)a0 = s;
    return s;
}
/* CPU times (100 ns units) of the process (who 0) or the calling thread (who 1) */
static void cpu_times(int who, u64 *user, u64 *kernel)
{
    FILETIME c, e, k, u;
    if (who == 1) GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u);
    else GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
    *user = (u64)u.hi << 32 | u.lo;
    *kernel = (u64)k.hi << 32 | k.lo;
}
SYSCALL(sys_getrusage)
{
    UNUSED_ARGS;
    int who = (int)a0;
    if (who != 0 && who != 1 && who != -1) return -EINVAL;     /* SELF, THREAD, CHILDREN */
    i64 *ru = (i64 *)a1;
    memset(ru, 0, 144);
    if (who == -1) return 0;                                      /* no children on this host */
    u64 user, kernel;
    cpu_times(who, &user, &kernel);
    ru[0] = (i64)(user / 10000000); ru[1] = (i64)(user % 10000000 / 10);
    ru[2] = (i64)(kernel / 10000000); ru[3] = (i64)(kernel % 10000000 / 10);
    u64 counters[10] = {sizeof counters};                         /* PROCESS_MEMORY_COUNTERS */
    if (K32GetProcessMemoryInfo(GetCurrentProcess(), counters, sizeof counters))
        ru[4] = (i64)(counters[1] / 1024);                        /* ru_maxrss: the peak working set, KiB */
    return 0;
}
SYSCALL(sys_times)
{
    UNUSED_ARGS;
    u64 user, kernel;
    cpu_times(0, &user, &kernel);
    if (a0) {
        i64 *t = (i64 *)a0;
        t[0] = (i64)(user / 100000); t[1] = (i64)(kernel / 100000); t[2] = t[3] = 0;   /* clock ticks: 100/s */
    }
    return (i64)(GetTickCount64() / 10);
}
SYSCALL(sys_sysinfo)
{
    UNUSED_ARGS;
    u64 *si = (u64 *)a0;
    MEMORYSTATUSEX m;
    memset(si, 0, 112);
    memset(&m, 0, sizeof m);
    m.length = sizeof m;
    GlobalMemoryStatusEx(&m);
    si[0] = GetTickCount64() / 1000;                               /* uptime */
    si[4] = m.total_phys; si[5] = m.avail_phys;
    si[8] = m.total_page_file > m.total_phys ? m.total_page_file - m.total_phys : 0;
    si[9] = m.avail_page_file > m.avail_phys ? m.avail_page_file - m.avail_phys : 0;
    ((unsigned short *)si)[10 * 4] = 1;                            /* procs */
    ((u32 *)si)[104 / 4] = 1;                                      /* mem_unit */
    return 0;
}

/* Sleep ns, or until a signal is delivered: -EINTR with the time left in rem (a timespec) */
static i64 sleep_ns(i64 ns, i64 *rem)
{
    int ok;
    if (ns <= 0) return 0;
    u32 seen = signal_seq;
    i64 start = clock_ns(1, &ok);
    if (!interruptible_wait(seen, (DWORD)((ns + 999999) / 1000000))) return 0;
    i64 left = ns - (clock_ns(1, &ok) - start);
    if (left < 0) left = 0;
    if (rem) { rem[0] = left / 1000000000; rem[1] = left % 1000000000; }
    return -EINTR;
}
SYSCALL(sys_nanosleep)
{
    const i64 *ts = (const i64 *)a0;
    UNUSED_ARGS;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000) return -EINVAL;
    return sleep_ns(ts[0] * 1000000000 + ts[1], (i64 *)a1);
}
SYSCALL(sys_clock_nanosleep)
{
    const i64 *ts = (const i64 *)a2;
    int ok;
    UNUSED_ARGS;
    i64 now = clock_ns(a0, &ok);
    if (!ok || a0 == 3) return -EINVAL;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000) return -EINVAL;
    i64 ns = ts[0] * 1000000000 + ts[1];
    if (a1 & 1) return sleep_ns(ns - now, 0);        /* TIMER_ABSTIME: no time left to report */
    return sleep_ns(ns, (i64 *)a3);
}

/* getrandom: from the CPU's rdrand where it has one, else a generator seeded from the
 * performance counter (not for cryptography; the Windows APIs for that are outside
 * kernel32/ntdll) */
static u64 rng_state;
static u64 random64(void)
{
    static int has_rdrand = -1;
    if (has_rdrand < 0) {
        u32 a, b, c, d;
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
        has_rdrand = (c >> 30) & 1;
    }
    u64 v;
    unsigned char ok = 0;
    for (int i = 0; has_rdrand && !ok && i < 10; i++)
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
    if (ok) return v;
    if (!rng_state) { LONGLONG t; QueryPerformanceCounter(&t); rng_state = (u64)t * 0x9E3779B97F4A7C15ull | 1; }
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
SYSCALL(sys_getrandom)
{
    UNUSED_ARGS;
    u8 *p = (u8 *)a0;
    for (i64 i = 0; i < a1; i += 8) {
        u64 v = random64();
        for (int k = 0; k < 8 && i + k < a1; k++) p[i + k] = (u8)(v >> (8 * k));
    }
    return a1;
}

/* Resource limits: kept for the process (nothing enforces them), as Linux starts them */
#define NLIMITS 16
static u64 limits[NLIMITS][2];
static int limits_set;
static void limits_init(void)
{
    for (int i = 0; i < NLIMITS; i++) limits[i][0] = limits[i][1] = ~0ull;
    limits[3][0] = 8 << 20;                         /* RLIMIT_STACK */
    limits[4][0] = 0;                               /* RLIMIT_CORE */
    limits[7][0] = limits[7][1] = NFD;              /* RLIMIT_NOFILE */
    limits[8][0] = limits[8][1] = 8 << 20;          /* RLIMIT_MEMLOCK */
    limits_set = 1;
}
SYSCALL(sys_prlimit64)
{
    UNUSED_ARGS;
    if (a0 != 0 && a0 != (i64)GetCurrentProcessId()) return -ESRCH;
    if ((u64)a1 >= NLIMITS) return -EINVAL;
    if (!limits_set) limits_init();
    const u64 *want = (const u64 *)a2;
    if (want && want[0] > want[1]) return -EINVAL;
    if (want && want[1] > limits[a1][1]) return -EPERM;            /* raising the hard limit */
    if (a3) { ((u64 *)a3)[0] = limits[a1][0]; ((u64 *)a3)[1] = limits[a1][1]; }
    if (want) { limits[a1][0] = want[0]; limits[a1][1] = want[1]; }
    return 0;
}
SYSCALL(sys_getrlimit) { UNUSED_ARGS; return sys_prlimit64(0, a0, 0, a1, 0, 0); }
SYSCALL(sys_setrlimit) { UNUSED_ARGS; return sys_prlimit64(0, a0, a1, 0, 0, 0); }

/* Scheduling: every thread is SCHED_OTHER at priority 0, on the CPUs the process has */
SYSCALL(sys_sched_getaffinity)
{
    UNUSED_ARGS;
    u64 process, system;
    if (a1 < 8 || (a1 & 7)) return -EINVAL;
    if (!GetProcessAffinityMask(GetCurrentProcess(), &process, &system)) process = 1;
    memset((void *)a2, 0, (u64)a1);
    *(u64 *)a2 = process;
    return 8;
}
SYSCALL(sys_sched_getscheduler) { UNUSED_ARGS; return a0 < 0 ? -EINVAL : 0; }
SYSCALL(sys_sched_getparam) { UNUSED_ARGS; if (a0 < 0 || !a1) return -EINVAL; *(int *)a1 = 0; return 0; }
SYSCALL(sys_sched_get_priority_max) { UNUSED_ARGS; return a0 == 1 || a0 == 2 ? 99 : a0 == 0 || a0 == 3 || a0 == 5 ? 0 : -EINVAL; }
SYSCALL(sys_sched_get_priority_min) { UNUSED_ARGS; return a0 == 1 || a0 == 2 ? 1 : a0 == 0 || a0 == 3 || a0 == 5 ? 0 : -EINVAL; }
SYSCALL(sys_getpriority) { UNUSED_ARGS; return a0 < 0 || a0 > 2 ? -EINVAL : 20; }   /* 20 - nice, as the kernel answers */

/* prctl: the thread's name (kept per thread), the dumpable flag */
static char names[64][16];
SYSCALL(sys_prctl)
{
    UNUSED_ARGS;
    char *name = names[GetCurrentThreadId() % 64];
    switch (a0) {
    case 15: {                                      /* PR_SET_NAME: 15 bytes at most */
        const char *s = (const char *)a1;
        int i = 0;
        for (; i < 15 && s[i]; i++) name[i] = s[i];
        name[i] = 0;
        return 0;
    }
    case 16: memcpy((void *)a1, name, 16); return 0;      /* PR_GET_NAME */
    case 3: return 1;                                      /* PR_GET_DUMPABLE */
    case 4: return a1 == 0 || a1 == 1 ? 0 : -EINVAL;       /* PR_SET_DUMPABLE */
    default: return -EINVAL;
    }
}

