/* crash_probe: no libc; reads one byte from stdin and dies the way it says (tests/test_crashtrace.py):
 * s: SIGSEGV in fault_here, i: ud2 (SIGILL), a: kill(getpid(), SIGABRT), q: prints what
 * sigaction reports for SIGSEGV ("dfl" for SIG_DFL), anything else: exit 0. */
static long sys(long nr, long a, long b, long c, long d)
{
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}

__attribute__((noinline)) void fault_here(void)
{
    *(volatile int *)0x10 = 1;
}

static unsigned long old[4] = {7, 7, 7, 7};
static char c;

void _start(void)
{
    sys(0, 0, (long)&c, 1, 0);
    if (c == 's')
        fault_here();
    if (c == 'i')
        __builtin_trap();
    if (c == 'a')
        sys(62, sys(39, 0, 0, 0, 0), 6, 0, 0);
    if (c == 'q') {
        sys(13, 11, 0, (long)old, 8);       /* rt_sigaction(SIGSEGV, NULL, &old, 8) */
        sys(1, 1, (long)(old[0] == 0 ? "dfl\n" : "other\n"), old[0] == 0 ? 4 : 6, 0);
    }
    sys(231, 0, 0, 0, 0);
    for (;;)
        ;
}
