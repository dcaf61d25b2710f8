/* A function whose cold part lies far below it (as gcc's .text.unlikely puts f.cold before
   all hot code), with a jump table in its entry block, and a second table reached only
   through the first.  Discovery must find both tables without decoding the code between
   the cold part and the function (tests/test_discovery.py).  Exit status: f(2) = 12. */
    .text
    .globl _start
    .type _start, @function
_start:
    mov $2, %edi
    call f
    mov %eax, %edi
    mov $60, %eax
    syscall
    .size _start, . - _start

.Lcold:                         /* f's cold part */
    mov $99, %eax
    ret
    .rept 4000                  /* other code between: small functions nobody calls */
    xor %eax, %eax
    ret
    .endr

    .globl f
    .type f, @function
f:
    cmp $3, %edi
    ja .Lcold
    lea .Ltable(%rip), %rsi
    movslq (%rsi,%rdi,4), %rax
    add %rsi, %rax
    jmp *%rax
.Lc0:
    mov $10, %eax
    ret
.Lc1:
    mov $11, %eax
    ret
.Lc2:                           /* reached only through the first table, after a ret */
    sub $1, %edi
    cmp $1, %edi
    ja .Lcold
    lea .Linner(%rip), %rdx
    movslq (%rdx,%rdi,4), %rax
    add %rdx, %rax
    jmp *%rax
.Lc3:
    mov $13, %eax
    ret
.Li0:
    mov $20, %eax
    ret
.Li1:
    mov $12, %eax
    ret
    .size f, . - f

    .section .rodata
    .p2align 2
.Ltable:
    .long .Lc0 - .Ltable, .Lc1 - .Ltable, .Lc2 - .Ltable, .Lc3 - .Ltable
.Linner:
    .long .Li0 - .Linner, .Li1 - .Linner
    .section .note.GNU-stack, "", @progbits
