"""The x86-64 Linux host: raw syscalls, process entry, stack switch, 128-bit division."""
from __future__ import annotations

from llvmlite import ir

from runtime.irkit import I32, I64, c64

TRIPLE = "x86_64-unknown-linux-gnu"
LINK_EMULATION = "elf_x86_64"
# Code is generated for x86-64-v2 hosts (SSE4.2, POPCNT, CX16): Nehalem (2008) and later.
CPU = "x86-64-v2"
FEATURES = ""
# The host executable is linked here, far from guest addresses (non-PIE guests live low,
# static-PIE guests at translator.image.PIE_BASE, mmap and stacks near the top).
IMAGE_BASE = 0x7E00_0000_0000

# Host syscall numbers the runtime itself uses (the guest's numbers go through the table).
SYS = {"read": 0, "write": 1, "mmap": 9, "mprotect": 10, "munmap": 11, "rt_sigaction": 13,
       "rt_sigprocmask": 14, "getpid": 39, "exit_group": 231, "kill": 62, "gettid": 186,
       "tgkill": 234, "clock_gettime": 228}

_ARG_REGS = ("{rdi}", "{rsi}", "{rdx}", "{r10}", "{r8}", "{r9}")


def syscall(b: ir.IRBuilder, nr: ir.Value | int, *args: ir.Value) -> ir.Value:
    """A raw host system call; returns rax (negative errno on failure)."""
    if isinstance(nr, int):
        nr = c64(nr)
    args = [a if a.type == I64 else b.zext(a, I64) for a in args]
    cons = ",".join(["={rax}", "{rax}", *_ARG_REGS[:len(args)], "~{rcx}", "~{r11}", "~{memory}"])
    fty = ir.FunctionType(I64, [I64] * (1 + len(args)))
    return b.asm(fty, "syscall", cons, [nr, *args], side_effect=True)


def rdtsc(b: ir.IRBuilder) -> ir.Value:
    """The host time-stamp counter (i64)."""
    st = ir.LiteralStructType([I32, I32])
    r = b.asm(ir.FunctionType(st, []), "rdtsc", "={eax},={edx}", [], side_effect=True)
    lo = b.zext(b.extract_value(r, 0), I64)
    hi = b.zext(b.extract_value(r, 1), I64)
    return b.or_(lo, b.shl(hi, c64(32)))


def div128(b: ir.IRBuilder, hi: ir.Value, lo: ir.Value, d: ir.Value, signed: bool):
    """rdx:rax / d with the host's divide instruction; the caller has excluded faults."""
    st = ir.LiteralStructType([I64, I64])
    op = "idivq $4" if signed else "divq $4"
    r = b.asm(ir.FunctionType(st, [I64, I64, I64]), op, "={rax},={rdx},{rax},{rdx},r",
              [lo, hi, d], side_effect=False)
    return b.extract_value(r, 0), b.extract_value(r, 1)


# The process entry point and the switch to the big host stack, as module-level asm.
ENTRY_ASM = [
    ".text",
    ".globl _start",
    ".type _start,@function",
    "_start:",
    "  xorl %ebp, %ebp",
    "  movq %rsp, %rdi",
    "  andq $-16, %rsp",
    "  callq rt_start",
    "  ud2",
    ".globl rt_switch_stack",
    ".type rt_switch_stack,@function",
    "rt_switch_stack:",           # (new_sp, fn, arg): runs fn(arg) on new_sp, never returns
    "  movq %rdi, %rsp",
    "  movq %rdx, %rdi",
    "  callq *%rsi",
    "  ud2",
]
