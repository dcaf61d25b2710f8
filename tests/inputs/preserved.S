/* Functions whose callee-saved registers translator/preserved.py summarizes
   (tests/test_preserved.py), and a _start that keeps rbx and r12 across calls of each.
   Exit status: rbx + r12 after the calls, 7 + 30 = 37. */
    .text
    .globl _start
    .type _start, @function
_start:
    mov $7, %ebx
    mov $30, %r12d
    call saves
    mov $5, %edi
    call shrink_wrapped
    xor %edi, %edi
    call shrink_wrapped
    call frame
    call leaves
    mov $4, %edi
    call recursive
    call calls_syscall
    lea ret_only(%rip), %rax
    call indirect
    call tail_to_saves
    mov %ebx, %edi
    add %r12d, %edi
    mov $60, %eax
    syscall
    .size _start, . - _start

    .type ret_only, @function
ret_only:
    ret
    .size ret_only, . - ret_only

    .type saves, @function          /* push, change, pop: all preserved */
saves:
    push %rbx
    push %r12
    mov $1, %ebx
    mov $2, %r12d
    pop %r12
    pop %rbx
    ret
    .size saves, . - saves

    .type clobbers_rbx, @function   /* all but rbx */
clobbers_rbx:
    mov $1, %ebx
    ret
    .size clobbers_rbx, . - clobbers_rbx

    .type shrink_wrapped, @function /* saves rbx only on the path that changes it: all */
shrink_wrapped:
    test %edi, %edi
    je 1f
    push %rbx
    call clobbers_rbx
    pop %rbx
1:  ret
    .size shrink_wrapped, . - shrink_wrapped

    .type frame, @function          /* a frame pointer, an aligned stack: all */
frame:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    and $-16, %rsp
    sub $32, %rsp
    mov $3, %ebx
    lea -8(%rbp), %rsp
    pop %rbx
    pop %rbp
    ret
    .size frame, . - frame

    .type leaves, @function         /* leave restores rbp; rbx, restored by a mov, counts
                                       as written: all but rbx */
leaves:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    sub $16, %rsp
    mov $9, %ebx
    mov -8(%rbp), %rbx
    leave
    ret
    .size leaves, . - leaves

    .type recursive, @function      /* preserves rbx if its body does, the call included */
recursive:
    push %rbx
    mov %edi, %ebx
    test %edi, %edi
    je 1f
    dec %edi
    call recursive
1:  pop %rbx
    ret
    .size recursive, . - recursive

    .type calls_syscall, @function  /* a system call writes rax, rcx and r11: all */
calls_syscall:
    mov $39, %eax
    syscall
    ret
    .size calls_syscall, . - calls_syscall

    .type indirect, @function       /* an indirect call: only what the pop restores */
indirect:
    push %rbx
    call *%rax
    pop %rbx
    ret
    .size indirect, . - indirect

    .type tail_to_clobber, @function    /* a tail jump: what the callee preserves */
tail_to_clobber:
    push %rbx
    pop %rbx
    jmp clobbers_rbx
    .size tail_to_clobber, . - tail_to_clobber

    .type tail_to_saves, @function
tail_to_saves:
    jmp saves
    .size tail_to_saves, . - tail_to_saves

    .type overwrites_slot, @function    /* the saved slot written over: not rbx */
overwrites_slot:
    push %rbx
    mov $1, %ebx
    movq $0, (%rsp)
    pop %rbx
    ret
    .size overwrites_slot, . - overwrites_slot

    .type unbalanced, @function     /* returns with the stack moved: nothing */
unbalanced:
    push %rbx
    ret
    .size unbalanced, . - unbalanced

    .type writers, @function        /* xadd, cpuid and a byte write: not rbx, r13, r14 */
writers:
    lock xadd %r13, (%rdi)
    cpuid
    mov $1, %r14b
    cmp %r15, %r12
    ret
    .size writers, . - writers
