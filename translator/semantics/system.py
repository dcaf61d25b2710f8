"""System and miscellaneous: syscall, cpuid, rdtsc, xgetbv, fences, hints, CET no-ops."""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.semantics import semantic

I64 = ir.IntType(64)


@semantic("syscall")
def syscall(ctx, insn):
    """Served by the shim runtime: rt_syscall(state) reads rax and the argument registers
    and writes rax; rcx and r11 are clobbered as the kernel does.  The whole State, flags
    included, is current during the call (a signal handler may run and see it); the block
    ends here and the next instruction is a resume point (see FunctionLifter.resume_after),
    which is also where a new thread starts."""
    from translator.lift.regs import RCX
    nxt = ctx.gaddr(ctx.next_pc)
    ctx.set_gpr64(RCX, nxt)
    ctx.set_gpr64(11, ctx.rflags(64))
    ctx.set_rip(nxt)
    r = ctx.call_rt("rt_syscall", [], sync=False)
    ctx.sync_store(r, flags=True)
    return nxt


@semantic("cpuid")
def cpuid(ctx, insn):
    """Answers from the documented baseline table (runtime/cpuid.py)."""
    ctx.call_rt("rt_cpuid", [])


@semantic("rdtsc")
def rdtsc(ctx, insn):
    ctx.call_rt("rt_rdtsc", [])


@semantic("rdtscp")
def rdtscp(ctx, insn):
    ctx.call_rt("rt_rdtscp", [])


@semantic("xgetbv")
def xgetbv(ctx, insn):
    ctx.call_rt("rt_xgetbv", [])


@semantic("pause")
def pause(ctx, insn):
    """A spin-wait hint: no effect for the guest, but a compiler barrier, so the load a
    spin loop polls is not hoisted out of the loop (another thread writes it)."""
    ctx.b.fence('syncscope("singlethread") seq_cst')


@semantic("nop", "endbr64", "endbr32", "prefetcht0", "prefetcht1", "prefetcht2",
          "prefetchnta", "prefetchw", "lfence", "sfence")
def nop(ctx, insn):
    """No architectural effect for the guest."""


@semantic("mfence", "clflush", "clflushopt", "clwb")
def mfence(ctx, insn):
    """A full barrier.  The cache-line flushes change no guest-visible state (the line is
    written back, memory keeps its value) but are ordered against the stores around them, so
    they keep the barrier (OpenSSL's OPENSSL_instrument_bus times them)."""
    ctx.b.fence("seq_cst")


@semantic("rdsspq", "rdsspd", "incsspq", "incsspd")
def shadow_stack(ctx, insn):
    """CET shadow-stack instructions execute as NOPs while shadow stacks are off, and our
    CPUID reports no CET, so they leave everything unchanged."""


# The signal each trapping instruction raises in a Linux user process.
TRAP_SIGNALS = {X.X86_INS_HLT: 11, X.X86_INS_UD2: 4, X.X86_INS_UD0: 4, X.X86_INS_UD1: 4,
                X.X86_INS_INT3: 5, X.X86_INS_INT1: 5}
SIGILL = 4


@semantic("hlt", "ud2", "ud0", "ud1", "int3", "int1")
def trap(ctx, insn):
    """Terminators the lifter turns into rt_trap with the signal Linux would deliver:
    hlt is privileged (SIGSEGV), ud* SIGILL, int3/int1 SIGTRAP."""
