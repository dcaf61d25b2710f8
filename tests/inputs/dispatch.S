/* A threaded-code interpreter shaped like Lua's (luaV_execute): each handler ends in the
   dispatch of the next opcode, the table's base held in a register set before the loop,
   the index masked with `and`, and the next operand decoded between the entry's read and
   the jump.  The table is not bounded by a compare; its fourth entry is another function
   (outside the interpreter, so discovery recovers three entries): opcode 3 leaves the
   switch on the entry's index for the address match (tests/test_discovery.py).
   Exit status: the accumulator, 3 * 2 + 1 = 7, doubled 3 times, plus 100 = 156. */
    .macro dispatch
    movzbl (%rsi), %eax
    add $1, %rsi
    mov %eax, %ecx
    and $0x7f, %eax
    mov (%r14,%rax,8), %rax
    shr $7, %ecx
    shl $4, %rcx
    jmp *%rax
    .endm

    .text
    .globl _start
    .type _start, @function
_start:
    lea prog(%rip), %rsi
    call interp
    ud2
    .size _start, . - _start

    .type interp, @function
interp:
    lea disptab(%rip), %r14
    xor %ebx, %ebx
    dispatch
op_inc:
    add $1, %ebx
    dispatch
op_dbl:
    add %ebx, %ebx
    dispatch
op_end:
    mov %ebx, %edi
    mov $60, %eax
    syscall
    .size interp, . - interp

    .type other, @function
other:
    lea 100(%rbx), %edi
    mov $60, %eax
    syscall
    .size other, . - other

    .section .rodata
    .p2align 3
disptab:
    .quad op_inc, op_dbl, op_end, other
prog:
    .byte 0, 0, 0, 1, 0x80, 1, 1, 1, 3, 2
