"""The x86-64 Linux host: raw syscalls, process entry, stack switch, 128-bit division."""
from __future__ import annotations

from llvmlite import ir

from runtime.irkit import I32, I64, c64
from translator.semantics.x87_float import HOST_FPU

TRIPLE = "x86_64-unknown-linux-gnu"
LINK_EMULATION = "elf_x86_64"
# Code is generated for x86-64-v2 hosts (SSE4.2, POPCNT, CX16): Nehalem (2008) and later,
# as the v2 feature set on the generic x86-64 CPU: LLVM's "x86-64-v2" CPU model also tunes,
# and its tuning writes rotates as shld (3 cycles on current cores, against 1 for rol: sha256
# ran 1.64x native).
CPU = "x86-64"
FEATURES = "+cx16,+sahf,+popcnt,+sse3,+ssse3,+sse4.1,+sse4.2"
# The host executable is linked here, far from guest addresses (non-PIE guests live low,
# static-PIE guests at translator.image.PIE_BASE, mmap and stacks near the top).
IMAGE_BASE = 0x7E00_0000_0000

# Host syscall numbers the runtime itself uses (the guest's numbers go through the table).
SYS = {"read": 0, "write": 1, "mmap": 9, "mprotect": 10, "munmap": 11, "rt_sigaction": 13,
       "rt_sigprocmask": 14, "getpid": 39, "clone": 56, "exit": 60, "exit_group": 231, "kill": 62,
       "arch_prctl": 158, "gettid": 186, "tgkill": 234, "clock_gettime": 228,
       "process_vm_readv": 310, "lseek": 8, "fstat": 5, "readlinkat": 267, "memfd_create": 319, "close": 3,
       "mremap": 25, "openat": 257}
ARCH_SET_FS = 0x1002
# The guest's syscall numbers are this host's own: no host table.
HOST_TABLE = None
# x87 arithmetic runs on the host's x87 (x86_fp80 in the lifted IR).
X87 = True
# x86 orders memory as the guest expects (TSO; locked instructions are full barriers).
TSO = True
# SSE arithmetic runs on the host's SSE, which applies the guest's NaN rules itself
# (translator/semantics/sse_float.py: _host_arith).
SSE = True
# The default --memory-order: the hardware keeps x86 order; compiler barriers cost up to 11%
# (translator/lift/ordering.py).
MEMORY_ORDER = "relaxed"

# The host's ucontext (arch/x86/include/uapi/asm/ucontext.h): uc_sigmask, and
# uc_mcontext.gregs[REG_RIP] and .fpregs (the fxsave area).
HOST_UC_SIGMASK = 296
HOST_UC_PC = 40 + 16 * 8
_HOST_UC_FPREGS, _FX_MXCSR = 40 + 23 * 8, 24

_ARG_REGS = ("{rdi}", "{rsi}", "{rdx}", "{r10}", "{r8}", "{r9}")


def syscall(b: ir.IRBuilder, nr: ir.Value | int, *args: ir.Value) -> ir.Value:
    """A raw host system call; returns rax (negative errno on failure)."""
    if isinstance(nr, int):
        nr = c64(nr)
    args = [a if a.type == I64 else b.zext(a, I64) for a in args]
    cons = ",".join(["={rax}", "{rax}", *_ARG_REGS[:len(args)], "~{rcx}", "~{r11}", "~{memory}"])
    fty = ir.FunctionType(I64, [I64] * (1 + len(args)))
    return b.asm(fty, "syscall", cons, [nr, *args], side_effect=True)


def clone_args(flags, newsp, ptid, ctid, tls):
    """The host clone's argument order (x86-64: ctid before tls)."""
    return flags, newsp, ptid, ctid, tls


def set_thread_state(b: ir.IRBuilder, state_addr: ir.Value):
    """Make state_addr this host thread's anchor: the host fs base (the runtime has no libc
    and no other use for it; the guest's fs base lives in State)."""
    syscall(b, SYS["arch_prctl"], c64(ARCH_SET_FS), state_addr)


def thread_state(b: ir.IRBuilder, self_offset: int) -> ir.Value:
    """This host thread's State address (its ``self`` field, through the host fs base)."""
    return b.asm(ir.FunctionType(I64, []), f"movq %fs:{self_offset}, $0", "=r", [],
                 side_effect=True)


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


def fp_helpers(arg0_32: str, arg0: str, arg1: str, elf: bool = True) -> list[str]:
    """The MXCSR and x87 helpers, as module-level asm, for a calling convention whose first
    two arguments are arg0 and arg1 (System V: rdi, rsi; Microsoft x64: rcx, rdx)."""
    def func(name):
        return [f".globl {name}", *([f".type {name},@function"] if elf else []), f"{name}:"]
    return [
        # the host MXCSR, which is the guest's while translated code runs (see fpenv_get)
        *func("rt_host_get_mxcsr"),
        "  stmxcsr -4(%rsp)",
        "  movl -4(%rsp), %eax",
        "  ret",
        *func("rt_host_set_x87cw"),
        f"  movw {arg0_32.replace('%e', '%')}, -2(%rsp)",
        "  fldcw -2(%rsp)",
        "  ret",
        *func("rt_host_set_mxcsr"),
        f"  movl {arg0_32}, -4(%rsp)",
        "  ldmxcsr -4(%rsp)",
        "  ret",
    ] + [line for op, (effect, _cc) in HOST_FPU.items() for line in (
        # rt_host_<op>(p0, p1) -> x87 status word: the instruction on ST0 = *p0 and ST1 = *p1
        # (80-bit), run by this FPU with its own results and flags; the stack goes back to p0 and
        # p1 as its stack effect says (runtime/support.py _host_fpu)
        *func(f"rt_host_{op}"),
        "  fnclex", f"  fldt ({arg1})", f"  fldt ({arg0})", f"  {op}", "  fnstsw %ax",
        *{"unary": [f"  fstpt ({arg0})", "  fstp %st(0)"], "popping": [f"  fstpt ({arg1})"],
          "split": [f"  fstpt ({arg1})", f"  fstpt ({arg0})", "  fstp %st(0)"]}[effect],
        "  ret")]


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
    # rt_clone_thread(flags, host_sp, ptid, ctid, state): a raw clone; the child starts on
    # host_sp (16-aligned, with room above) in rt_main(state); the parent gets the result.
    ".globl rt_clone_thread",
    ".type rt_clone_thread,@function",
    "rt_clone_thread:",
    "  movq %r8, -8(%rsi)",
    "  subq $16, %rsi",
    "  movq %rcx, %r10",
    "  movl $56, %eax",
    "  syscall",
    "  testq %rax, %rax",
    "  jnz 1f",
    "  xorl %ebp, %ebp",
    "  movq 8(%rsp), %rdi",
    "  callq rt_main",
    "  ud2",
    "1:",
    "  ret",
    # rt_exit_thread(base, size, status): block signals, unmap this thread's own host stack
    # and State, exit the thread; nothing touches the stack after the munmap.
    ".globl rt_exit_thread",
    ".type rt_exit_thread,@function",
    "rt_exit_thread:",
    "  movq %rdi, %r12",
    "  movq %rsi, %r13",
    "  movq %rdx, %r14",
    "  pushq $-1",
    "  movl $14, %eax",
    "  xorl %edi, %edi",
    "  movq %rsp, %rsi",
    "  xorl %edx, %edx",
    "  movl $8, %r10d",
    "  syscall",
    "  movl $11, %eax",
    "  movq %r12, %rdi",
    "  movq %r13, %rsi",
    "  syscall",
    "  movl $60, %eax",
    "  movq %r14, %rdi",
    "  syscall",
    "  ud2",
    # rt_host_restorer: sa_restorer of the runtime's host signal handlers
    ".globl rt_host_restorer",
    ".type rt_host_restorer,@function",
    "rt_host_restorer:",
    "  movl $15, %eax",
    "  syscall",
    "  ud2",
] + fp_helpers("%edi", "%rdi", "%rsi")


def fpenv_get(rm, b: ir.IRBuilder, mxcsr: ir.Value) -> ir.Value:
    """The guest's MXCSR (i32) from the host FP environment: on an x86-64 host the host's
    MXCSR is the guest's (rounding control, exception flags, masks, DAZ, FTZ), so mxcsr
    (State's, as last set) is not needed."""
    return b.call(rm.function("rt_host_get_mxcsr", I32, []), [])


def x87_host(rm, b: ir.IRBuilder, op: str, p0: ir.Value, p1: ir.Value) -> ir.Value:
    """The x87 instruction op (one of HOST_FPU) on the 80-bit values at p0 and p1 (i8*), by
    this host's FPU; returns its status word (i16)."""
    return b.call(rm.function(f"rt_host_{op}", ir.IntType(16), [p0.type, p1.type]), [p0, p1])


def x87_control_set(rm, b: ir.IRBuilder, cw: ir.Value):
    """The host x87 control word (i16): the guest's rounding and precision control, with
    every exception masked (the guest's unmasked exceptions are not modelled)."""
    b.call(rm.function("rt_host_set_x87cw", ir.VoidType(), [ir.IntType(16)]),
           [b.or_(cw, ir.Constant(ir.IntType(16), 0x3F))])


def fpenv_set(rm, b: ir.IRBuilder, mxcsr: ir.Value):
    """Make the host FP environment the guest's MXCSR (reserved bits fault, as they do natively)."""
    b.call(rm.function("rt_host_set_mxcsr", ir.VoidType(), [I32]), [mxcsr])


def fpenv_from_host_ucontext(rm, b: ir.IRBuilder, huc: ir.Value):
    """The kernel gave a signal handler the default MXCSR: the guest's, at the fault, is in
    the host frame's FP area; make it the live one again."""
    base = b.ptrtoint(huc, I64)
    hfp = b.load(b.inttoptr(b.add(base, c64(_HOST_UC_FPREGS)), I64.as_pointer()))
    with b.if_then(b.icmp_unsigned("!=", hfp, c64(0))):
        fpenv_set(rm, b, b.load(b.inttoptr(b.add(hfp, c64(_FX_MXCSR)), I32.as_pointer())))
