/* tiny: no libc, two system calls; a fast input for command-line tests. */
static const char msg[] = "tiny\n";

void _start(void)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(1L), "D"(1L), "S"(msg), "d"(5L) : "rcx", "r11", "memory");
    __asm__ volatile("syscall" : : "a"(60L), "D"(7L) : "rcx", "r11");
    for (;;)
        ;
}
