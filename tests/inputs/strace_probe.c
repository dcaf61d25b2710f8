/* strace_probe: no libc; a few system calls whose strace lines are known in advance
 * (tests/test_strace.py): a write with bytes that need escaping, a failing openat, a read
 * into a buffer, a bad pointer, a denied call (ptrace, twice), an unknown number, exit. */
static long sys(long nr, long a, long b, long c, long d)
{
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}

static const char msg[] = "tab\there \"q\" \\ \001 end\n";
static const char missing[] = "/nonexistent/strace-probe";
static const char long_text[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
static char buf[64];

void _start(void)
{
    sys(1, 1, (long)msg, sizeof msg - 1, 0);                     /* write */
    sys(257, -100, (long)missing, 0, 0);                         /* openat */
    sys(1, 1, (long)long_text, sizeof long_text - 1, 0);         /* write, shown truncated */
    sys(0, 0, (long)buf, sizeof buf, 0);                         /* read from stdin */
    sys(1, 1, 0x10, 5, 0);                                       /* write from a bad pointer */
    sys(101, 0, 0, 0, 0);                                        /* ptrace: denied */
    sys(101, 0, 0, 0, 0);
    sys(1000, 0, 0, 0, 0);                                       /* no such system call */
    sys(231, 7, 0, 0, 0);                                        /* exit_group */
    for (;;)
        ;
}
