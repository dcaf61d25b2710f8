"""The aarch64 Linux host: raw syscalls (svc #0), process entry, stack switch, the thread
anchor in tpidr_el0, the virtual counter for rdtsc, 128-bit division without compiler-rt,
and MXCSR kept in FPCR/FPSR.

The guest's system calls reach this host through ``HOST_TABLE`` (syscall-shims/aarch64.tbl):
the asm-generic numbers, and the x86-64 calls aarch64 does not have expressed with the ones
it has (runtime/hostcalls.py).

No x86_fp80 on this host (``X87 = False``): the lifter keeps x87 registers in doubles, the
documented 64-bit approximation of translator/semantics/x87_float.py.
"""
from __future__ import annotations

from llvmlite import ir

from runtime.irkit import I32, I64, c64, call_extern, call_syscall_function

TRIPLE = "aarch64-unknown-linux-gnu"
LINK_EMULATION = "aarch64linux"
# ARMv8.0-A: every aarch64 Linux machine (and qemu-aarch64's default CPU).
CPU = "generic"
FEATURES = "+neon,+fp-armv8"
# As on x86-64: far from the guest's addresses (48-bit user address space).
IMAGE_BASE = 0x7E00_0000_0000
# The guest syscall numbers go through this host's table (syscall-shims/aarch64.tbl).
HOST_TABLE = "aarch64"
# No x86_fp80 arithmetic on this host: x87 registers are doubles (see the module's docstring).
X87 = False
# ARMv8 orders memory weakly: --memory-order tso adds barriers (translator/lift/ordering.py).
TSO = False
# No SSE here: the lifter writes x86's NaN rules out in the IR (sse_float.nan_rules).
SSE = False
# The default --memory-order: barriers that keep x86 order (translator/lift/ordering.py).
MEMORY_ORDER = "tso"

# Host syscall numbers the runtime itself uses (include/uapi/asm-generic/unistd.h).
SYS = {"read": 63, "write": 64, "mmap": 222, "mprotect": 226, "munmap": 215, "rt_sigaction": 134,
       "rt_sigprocmask": 135, "getpid": 172, "clone": 220, "exit": 93, "exit_group": 94, "kill": 129,
       "gettid": 178, "tgkill": 131, "clock_gettime": 113, "process_vm_readv": 270,
       "rt_sigreturn": 139, "lseek": 62, "fstat": 80, "readlinkat": 78, "memfd_create": 279, "close": 57,
       "mremap": 216, "openat": 56}

# The host's ucontext (arch/arm64/include/uapi/asm/ucontext.h, sigcontext.h): uc_sigmask
# after uc_flags, uc_link and uc_stack; uc_mcontext (16-aligned, after 1024 bits of sigset
# room) is struct sigcontext {fault_address, regs[31], sp, pc, pstate, ...}.
HOST_UC_SIGMASK = 40
HOST_UC_PC = 176 + 8 + 31 * 8 + 8


def _helper(b: ir.IRBuilder, name: str, ret: ir.Type, args: list[ir.Value]) -> ir.Value:
    """A call to one of the ENTRY_ASM helpers: llvmlite has no AArch64 asm parser on an
    x86-64 machine, so this runtime has no inline asm (translator/codegen.compile_with_asm)."""
    return call_extern(b, name, ret, args)


def syscall(b: ir.IRBuilder, nr: ir.Value | int, *args: ir.Value) -> ir.Value:
    """A raw host system call (rt_host_svc: x8 = nr, x0-x5 = args, svc #0); returns x0
    (negative errno on failure)."""
    return call_syscall_function(b, "rt_host_svc", nr, args)


def clone_args(flags, newsp, ptid, ctid, tls):
    """The host clone's argument order (aarch64 has CLONE_BACKWARDS: tls before ctid)."""
    return flags, newsp, ptid, tls, ctid


def set_thread_state(b: ir.IRBuilder, state_addr: ir.Value):
    """Make state_addr this host thread's anchor: tpidr_el0 (the runtime has no libc and no
    other use for it; the guest's fs base lives in State)."""
    _helper(b, "rt_host_set_tpidr", ir.VoidType(), [state_addr])


def thread_state(b: ir.IRBuilder, self_offset: int) -> ir.Value:
    """This host thread's State address (its ``self`` field, through tpidr_el0)."""
    base = _helper(b, "rt_host_get_tpidr", I64, [])
    return b.load(b.inttoptr(b.add(base, c64(self_offset)), I64.as_pointer()))


def rdtsc(b: ir.IRBuilder) -> ir.Value:
    """The host's virtual counter (cntvct_el0, i64): monotonic like the TSC, at its own rate."""
    return _helper(b, "rt_host_cntvct", I64, [])


def div128(b: ir.IRBuilder, hi: ir.Value, lo: ir.Value, d: ir.Value, signed: bool):
    """hi:lo / d without a divide instruction (aarch64 has none for 128 bits and there is
    no compiler-rt for LLVM's __udivti3): restoring division, one quotient bit per step,
    in i128 shifts and compares.  The caller has excluded faults (d != 0, the quotient
    fits 64 bits)."""
    I128 = ir.IntType(128)
    if signed:
        neg_n = b.icmp_signed("<", hi, c64(0))
        neg_d = b.icmp_signed("<", d, c64(0))
        num = b.or_(b.shl(b.zext(hi, I128), ir.Constant(I128, 64)), b.zext(lo, I128))
        num = b.select(neg_n, b.sub(ir.Constant(I128, 0), num), num)
        hi = b.trunc(b.lshr(num, ir.Constant(I128, 64)), I64)
        lo = b.trunc(num, I64)
        d = b.select(neg_d, b.sub(c64(0), d), d)
    q, r = _udiv128(b, hi, lo, d)
    if signed:
        q = b.select(b.xor(neg_n, neg_d), b.sub(c64(0), q), q)
        r = b.select(neg_n, b.sub(c64(0), r), r)
    return q, r


def _udiv128(b, hi, lo, d):
    """(hi:lo) // d and % d for hi < d: 64 steps of shift-and-subtract."""
    I128 = ir.IntType(128)
    fn = b.function
    pre = b.block
    head = fn.append_basic_block("udiv128_step")
    done = fn.append_basic_block("udiv128_done")
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64)
    rem = b.phi(I64)
    quo = b.phi(I64)
    i.add_incoming(c64(63), pre)
    rem.add_incoming(hi, pre)
    quo.add_incoming(c64(0), pre)
    bit = b.and_(b.lshr(lo, i), c64(1))
    wide = b.or_(b.shl(b.zext(rem, I128), ir.Constant(I128, 1)), b.zext(bit, I128))
    take = b.icmp_unsigned(">=", wide, b.zext(d, I128))
    nrem = b.trunc(b.select(take, b.sub(wide, b.zext(d, I128)), wide), I64)
    nquo = b.or_(b.shl(quo, c64(1)), b.zext(take, I64))
    ni = b.sub(i, c64(1))
    i.add_incoming(ni, head)
    rem.add_incoming(nrem, head)
    quo.add_incoming(nquo, head)
    b.cbranch(b.icmp_unsigned("==", i, c64(0)), done, head)
    b.position_at_end(done)
    return nquo, nrem


# The process entry point, the switch to the big host stack, thread entry and exit, and the
# signal restorer, as module-level asm.
ENTRY_ASM = [
    ".text",
    ".globl _start",
    ".type _start,%function",
    "_start:",
    "  mov x29, #0",
    "  mov x30, #0",
    "  mov x0, sp",
    "  bl rt_start",
    "  brk #0",
    ".globl rt_switch_stack",
    ".type rt_switch_stack,%function",
    "rt_switch_stack:",           # (new_sp, fn, arg): runs fn(arg) on new_sp, never returns
    "  mov sp, x0",
    "  mov x0, x2",
    "  mov x29, #0",
    "  blr x1",
    "  brk #0",
    # rt_clone_thread(flags, host_sp, ptid, ctid, state): a raw clone whose tls is the
    # child's State (tpidr_el0); the child starts on host_sp in rt_main(state); the parent
    # gets the result.  Registers other than x0 survive svc in both.
    ".globl rt_clone_thread",
    ".type rt_clone_thread,%function",
    "rt_clone_thread:",
    "  mov x5, x3",
    "  mov x3, x4",
    "  mov x4, x5",
    "  mov x8, #220",
    "  svc #0",
    "  cbnz x0, 1f",
    "  mov x29, #0",
    "  mov x30, #0",
    "  mov x0, x3",
    "  bl rt_main",
    "  brk #0",
    "1:",
    "  ret",
    # rt_exit_thread(base, size, status): block signals, unmap this thread's own host stack
    # and State, exit the thread; nothing touches the stack after the munmap.
    ".globl rt_exit_thread",
    ".type rt_exit_thread,%function",
    "rt_exit_thread:",
    "  mov x19, x0",
    "  mov x20, x1",
    "  mov x21, x2",
    "  mov x9, #-1",
    "  str x9, [sp, #-16]!",
    "  mov x0, #0",
    "  mov x1, sp",
    "  mov x2, #0",
    "  mov x3, #8",
    "  mov x8, #135",
    "  svc #0",
    "  mov x0, x19",
    "  mov x1, x20",
    "  mov x8, #215",
    "  svc #0",
    "  mov x0, x21",
    "  mov x8, #93",
    "  svc #0",
    "  brk #0",
    # rt_host_svc(nr, a0..a5): a raw system call
    ".globl rt_host_svc",
    ".type rt_host_svc,%function",
    "rt_host_svc:",
    "  mov x8, x0",
    "  mov x0, x1",
    "  mov x1, x2",
    "  mov x2, x3",
    "  mov x3, x4",
    "  mov x4, x5",
    "  mov x5, x6",
    "  svc #0",
    "  ret",
    ".globl rt_host_set_tpidr",
    ".type rt_host_set_tpidr,%function",
    "rt_host_set_tpidr:",
    "  msr tpidr_el0, x0",
    "  ret",
    ".globl rt_host_get_tpidr",
    ".type rt_host_get_tpidr,%function",
    "rt_host_get_tpidr:",
    "  mrs x0, tpidr_el0",
    "  ret",
    ".globl rt_host_cntvct",
    ".type rt_host_cntvct,%function",
    "rt_host_cntvct:",
    "  isb",
    "  mrs x0, cntvct_el0",
    "  ret",
    *[line for reg in ("fpcr", "fpsr") for line in (
        f".globl rt_host_get_{reg}", f".type rt_host_get_{reg},%function", f"rt_host_get_{reg}:",
        f"  mrs x0, {reg}", "  ret",
        f".globl rt_host_set_{reg}", f".type rt_host_set_{reg},%function", f"rt_host_set_{reg}:",
        f"  msr {reg}, x0", "  ret")],
    # rt_host_restorer: sa_restorer of the runtime's host signal handlers
    ".globl rt_host_restorer",
    ".type rt_host_restorer,%function",
    "rt_host_restorer:",
    "  mov x8, #139",
    "  svc #0",
    "  brk #0",
]

# MXCSR <-> FPCR/FPSR.  Rounding control: MXCSR.RC (bits 13-14: nearest, down, up, zero)
# and FPCR.RMode (bits 22-23: nearest, up, down, zero); FTZ (bit 15) is FPCR.FZ (bit 24),
# which also flushes denormal inputs, so DAZ without FTZ is not modelled.  The sticky
# flags: IE ZE OE UE PE DE (MXCSR bits 0 2 3 4 5 1) are FPSR IOC DZC OFC UFC IXC IDC
# (bits 0 1 2 3 4 7); IDC is only raised when FZ flushes an input, where x86 raises DE for
# any denormal input.  The exception masks have no host counterpart (traps are off) and
# stay as the guest set them in State.mxcsr.
_FLAG_MAP = ((0, 0), (2, 1), (3, 2), (4, 3), (5, 4), (1, 7))     # (MXCSR bit, FPSR bit)
_FPCR_KEEP = ~((3 << 22) | (1 << 24)) & 0xFFFF_FFFF


def _mrs(b, reg):
    return _helper(b, f"rt_host_get_{reg}", I64, [])


def _msr(b, reg, v):
    _helper(b, f"rt_host_set_{reg}", ir.VoidType(), [v])


def fpenv_get(rm, b: ir.IRBuilder, mxcsr: ir.Value) -> ir.Value:
    """The guest's MXCSR (i32): mxcsr (State's, as last set) with the host's sticky flags."""
    fpsr = b.trunc(_mrs(b, "fpsr"), I32)
    v = b.and_(mxcsr, ir.Constant(I32, ~0x3F & 0xFFFF_FFFF))
    for mx, fp in _FLAG_MAP:
        bit = b.and_(b.lshr(fpsr, ir.Constant(I32, fp)), ir.Constant(I32, 1))
        v = b.or_(v, b.shl(bit, ir.Constant(I32, mx)))
    return v


def fpenv_set(rm, b: ir.IRBuilder, mxcsr: ir.Value):
    """Make the host FP environment the guest's MXCSR: rounding, flush-to-zero, flags."""
    rc = b.and_(b.lshr(mxcsr, ir.Constant(I32, 13)), ir.Constant(I32, 3))
    # x86 01 (down) is Arm 10 (RM), x86 10 (up) is Arm 01 (RP): swap the two bits
    rmode = b.or_(b.lshr(rc, ir.Constant(I32, 1)), b.shl(b.and_(rc, ir.Constant(I32, 1)), ir.Constant(I32, 1)))
    fz = b.and_(b.lshr(mxcsr, ir.Constant(I32, 15)), ir.Constant(I32, 1))
    fpcr = b.and_(b.trunc(_mrs(b, "fpcr"), I32), ir.Constant(I32, _FPCR_KEEP))
    fpcr = b.or_(fpcr, b.or_(b.shl(rmode, ir.Constant(I32, 22)), b.shl(fz, ir.Constant(I32, 24))))
    _msr(b, "fpcr", b.zext(fpcr, I64))
    fpsr = ir.Constant(I32, 0)
    for mx, fp in _FLAG_MAP:
        bit = b.and_(b.lshr(mxcsr, ir.Constant(I32, mx)), ir.Constant(I32, 1))
        fpsr = b.or_(fpsr, b.shl(bit, ir.Constant(I32, fp)))
    _msr(b, "fpsr", b.zext(fpsr, I64))


def fpenv_from_host_ucontext(rm, b: ir.IRBuilder, huc: ir.Value):
    """Nothing to do: the kernel keeps FPCR and FPSR as they were when it runs a handler."""


def x87_host(rm, b, op, p0, p1):
    raise NotImplementedError(f"aarch64-linux: no x87 (X87 = False): {op} is not lifted here")


def x87_control_set(rm, b: ir.IRBuilder, cw: ir.Value):
    """No host x87: the control word lives in State only (x87 arithmetic, in doubles, rounds
    as FPCR, the guest's MXCSR, says)."""
