/* ordering: no libc; probe() holds one instruction of each kind the memory-ordering policy
 * (translator/lift/ordering.py) tells apart, in this order:
 *   shared load, shared store, read-modify-write of shared memory, stack store, stack load,
 *   thread-local load, lea, locked add, string store.
 * tests/test_ordering.py lifts it and counts the fences. */
long shared_word;

__asm__(".intel_syntax noprefix\n"
        ".globl probe\n"
        ".type probe, @function\n"
        "probe:\n"
        "    mov rax, qword ptr [rip + shared_word]\n"
        "    mov qword ptr [rdi], rax\n"
        "    add dword ptr [rdi + 8], 1\n"
        "    mov qword ptr [rsp - 8], rax\n"
        "    mov rcx, qword ptr [rsp - 8]\n"
        "    mov rdx, qword ptr fs:[0x28]\n"
        "    lea rsi, [rdi + 16]\n"
        "    lock add qword ptr [rdi], 2\n"
        "    stosb\n"
        "    ret\n"
        ".size probe, . - probe\n"
        ".att_syntax prefix\n");

long probe(long *p);

void _start(void)
{
    long r = probe(&shared_word);
    __asm__ volatile("syscall" : : "a"(60L), "D"(r & 0) : "rcx", "r11");
    for (;;)
        ;
}
