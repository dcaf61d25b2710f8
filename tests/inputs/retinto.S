/* Calls whose return site is another function's named entry, as gcc leaves .cold parts
   (each ends in a call of _Unwind_Resume or abort, and the next part starts right after
   it): discovery ends the function at the call, and when the callee does return, the
   translated code goes on into the next function as the CPU does (tests/test_discovery.py).
   Exit status: 42. */
    .text
    .globl _start
    .type _start, @function
_start:
    call first
    mov %eax, %edi
    mov $60, %eax
    syscall
    .size _start, . - _start

    .type first, @function
first:
    mov $40, %eax
    call maybe                  /* returns, into second */
    .size first, . - first

    .type second, @function
second:
    add $2, %eax
    push %rax
    mov $39, %eax               /* getpid: the syscall's next instruction is third */
    syscall
    .size second, . - second

    .type third, @function
third:
    pop %rax
    ret
    .size third, . - third

    .type maybe, @function
maybe:
    ret
    .size maybe, . - maybe
