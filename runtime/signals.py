"""Signals: guest handlers run as translated code, with the kernel's frame layout.

The guest's dispositions live in ``rt_guest_act`` (one kernel ``struct sigaction`` per
signal).  For a signal with a guest handler the host gets ``rt_host_signal`` instead:

* an asynchronous signal (sent by kill/tgkill/alarm..., or a fault the runtime did not
  cause) is recorded in the thread's State (``sig_pending``, ``sig_info``) and delivered at
  the thread's next system call, right after the host call returns (a blocking call comes
  back with EINTR and is restarted afterwards when the handler has SA_RESTART, as the
  kernel does, except for the calls signal(7) says are never restarted), or, translated with
  --signal-polls, at the next backward branch of the lifted code (a loop's back edge polls
  ``sig_pending`` and leaves to the dispatcher, which calls rt_signal_poll);
* a synchronous fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP raised by the CPU) is
  delivered at once, from inside the host handler; its registers are those of the last
  State sync (the fault address, si_addr, is exact), and the guest frame is placed below
  them with a margin, since the lifted code may have moved rsp since then.

``rt_deliver`` builds the kernel's x86-64 ``rt_sigframe`` (return address = sa_restorer,
``ucontext`` with the registers, signal mask and an fxsave-format FP area, ``siginfo``) on
the guest stack or the sigaltstack, and runs the handler; ``rt_sigreturn`` (from the
restorer) restores State from that frame.  A handler that leaves by siglongjmp instead
unwinds the lifted frames to the dispatcher (see FunctionLifter.resume_after).
"""
from __future__ import annotations

import errno

from llvmlite import ir

from runtime import abi, crashtrace
from runtime.irkit import I1, I8, I16, I32, I64, P8, VOID, RuntimeModule, c32, c64
from runtime.shims import emitter, define_shim

NSIG = 65
SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV = 4, 5, 7, 8, 11
SYNC_SIGNALS = (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV)
SA_SIGINFO, SA_ONSTACK, SA_RESTART = 0x4, 0x0800_0000, 0x1000_0000
SA_NODEFER, SA_RESETHAND, SA_RESTORER = 0x4000_0000, 0x8000_0000, 0x0400_0000
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM, MINSIGSTKSZ = 1, 2, 1 << 31, 2048
SIG_BLOCK, SIG_SETMASK = 0, 2
SI_KERNEL, ILL_ILLOPN, FPE_INTDIV = 0x80, 2, 1

# signal(7): interfaces never restarted after a handler ran, whatever SA_RESTART says.
NEVER_RESTARTED = {
    "poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "msgrcv", "msgsnd", "semop", "semtimedop", "nanosleep", "clock_nanosleep",
    "io_getevents", "io_pgetevents", "rt_sigtimedwait", "rt_sigsuspend", "pause",
}

# The kernel's x86-64 signal frame (arch/x86/include/uapi/asm/sigcontext.h, ucontext.h).
UC_FLAGS, UC_LINK, UC_STACK, UC_MCONTEXT = 0, 8, 16, 40
UC_SIGMASK = 296
UC_SIZE = 304
SIGINFO_SIZE = 128
FRAME_SIZE = 8 + UC_SIZE + SIGINFO_SIZE       # pretcode, ucontext, siginfo
FPSTATE_SIZE = 512                             # fxsave layout, 64-byte aligned
MXCSR_DEFAULT, X87_CW_DEFAULT = 0x1F80, 0x037F
UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS = 2, 4
# mcontext gregs, in the kernel's order
GREGS = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx",
         "rdx", "rax", "rcx", "rsp", "rip")
REG_EFL, REG_CSGSFS, REG_ERR, REG_TRAPNO, REG_OLDMASK, REG_CR2 = 17, 18, 19, 20, 21, 22
MC_FPREGS = UC_MCONTEXT + 23 * 8
USER_CS, USER_DS = 0x33, 0x2B
FX_CWD, FX_SWD, FX_MXCSR, FX_MXCSR_MASK, FX_XMM = 0, 2, 24, 28, 160
# How far below the last synced rsp a frame for a synchronous fault goes: the lifted code
# keeps rsp in a host register between State syncs (calls, syscalls), and a function may
# have pushed or allocated this much since.
STALE_GAP = 64 << 10
RED_ZONE = 128


def _p(b, base, off, ty):
    return b.inttoptr(b.add(base, c64(off)), ty.as_pointer())


def _ld(b, base, off, ty=I64):
    return b.load(_p(b, base, off, ty))


def _st(b, base, off, v):
    b.store(v, _p(b, base, off, v.type))


def _bit(b, sig64):
    return b.shl(c64(1), b.sub(sig64, c64(1)))


def build(rm: RuntimeModule, table):
    """Everything but the emitters (which the syscall table pulls in)."""
    names = {r.nr: r.name for r in table}
    never = [nr for nr, n in names.items() if n in NEVER_RESTARTED]
    _act_table(rm)
    _deliver(rm)
    _host_handler(rm)
    _signal_point(rm, never)
    _signal_poll(rm)
    _fault(rm)


def _act_table(rm):
    t = ir.ArrayType(ir.ArrayType(I64, 4), NSIG)
    if "rt_guest_act" not in rm.module.globals:
        rm.global_var("rt_guest_act", t)
    return rm.module.globals["rt_guest_act"]


def _act(rm, b, sig64, k):
    return b.gep(_act_table(rm), [c32(0), sig64, c32(k)])


def _sigprocmask(rm, b, how, new_p, old_p):
    return rm.backend.syscall(b, rm.backend.SYS["rt_sigprocmask"], c64(how), new_p, old_p, c64(8))


def _current_mask(rm, b):
    m = b.alloca(I64)
    b.store(c64(0), m)
    _sigprocmask(rm, b, SIG_BLOCK, c64(0), b.ptrtoint(m, I64))
    return b.load(m)


def _set_mask(rm, b, mask):
    m = b.alloca(I64)
    b.store(mask, m)
    _sigprocmask(rm, b, SIG_SETMASK, b.ptrtoint(m, I64), c64(0))


def _eflags(rm, b, st):
    v = c64(2)
    for name, bit in abi.FLAG_BITS.items():
        f = b.zext(b.trunc(b.load(rm.field(b, st, name)), I1), I64)
        v = b.or_(v, b.shl(f, c64(bit)))
    return v


def _set_eflags(rm, b, st, v):
    for name, bit in abi.FLAG_BITS.items():
        b.store(b.trunc(b.and_(b.lshr(v, c64(bit)), c64(1)), I8), rm.field(b, st, name))


def _on_altstack(rm, b, st, sp):
    size = b.load(rm.field(b, st, "ss_size"))
    return b.and_(b.icmp_unsigned("!=", size, c64(0)),
                  b.icmp_unsigned("<", b.sub(sp, b.load(rm.field(b, st, "ss_sp"))), size))


def _deliver(rm):
    """rt_deliver(state, sig, info, oldmask, exact) -> 0 if the handler left by a jump (State
    holds where to), 1 if it returned by rt_sigreturn to the interrupted rip, 2 if
    rt_sigreturn went elsewhere (the handler changed uc_mcontext's rip)."""
    f, b = rm.define("rt_deliver", I32, [rm.state_p, I32, P8, I64, I1], internal=True)
    st, sig, info, oldmask, exact = f.args
    sig64 = b.zext(sig, I64)
    handler = b.load(_act(rm, b, sig64, 0))
    flags = b.load(_act(rm, b, sig64, 1))
    restorer = b.load(_act(rm, b, sig64, 2))
    amask = b.load(_act(rm, b, sig64, 3))

    def has(v, bit):
        return b.icmp_unsigned("!=", b.and_(v, c64(bit)), c64(0))

    sp = b.load(rm.field(b, st, "rsp"))
    ss_sp, ss_size = b.load(rm.field(b, st, "ss_sp")), b.load(rm.field(b, st, "ss_size"))
    onalt = _on_altstack(rm, b, st, sp)
    use_alt = b.and_(b.and_(has(flags, SA_ONSTACK), b.icmp_unsigned("!=", ss_size, c64(0))),
                     b.not_(onalt))
    below = b.sub(sp, b.select(exact, c64(RED_ZONE), c64(RED_ZONE + STALE_GAP)))
    top = b.select(use_alt, b.add(ss_sp, ss_size), below)
    fp = b.and_(b.sub(top, c64(FPSTATE_SIZE)), c64(-64))
    frame = b.sub(b.and_(b.sub(fp, c64(FRAME_SIZE)), c64(-16)), c64(8))
    memset = rm.function("memset", P8, [P8, I32, I64])
    b.call(memset, [b.inttoptr(frame, P8), c32(0), b.sub(b.add(fp, c64(FPSTATE_SIZE)), frame)])
    uc = b.add(frame, c64(8))
    si = b.add(uc, c64(UC_SIZE))
    _st(b, frame, 0, restorer)
    _st(b, uc, UC_FLAGS, c64(UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS))
    _st(b, uc, UC_STACK, ss_sp)
    ss_state = b.select(b.icmp_unsigned("==", ss_size, c64(0)), c32(SS_DISABLE),
                        b.select(onalt, c32(SS_ONSTACK), c32(0)))
    _st(b, uc, UC_STACK + 8, ss_state)
    _st(b, uc, UC_STACK + 16, ss_size)
    for k, name in enumerate(GREGS):
        _st(b, uc, UC_MCONTEXT + 8 * k, b.load(rm.field(b, st, name)))
    _st(b, uc, UC_MCONTEXT + 8 * REG_EFL, _eflags(rm, b, st))
    _st(b, uc, UC_MCONTEXT + 8 * REG_CSGSFS, c64(USER_CS | USER_DS << 48))
    segv = b.or_(b.icmp_unsigned("==", sig, c32(SIGSEGV)), b.icmp_unsigned("==", sig, c32(SIGBUS)))
    _st(b, uc, UC_MCONTEXT + 8 * REG_CR2, b.select(segv, _ld(b, b.ptrtoint(info, I64), 16), c64(0)))
    _st(b, uc, MC_FPREGS, fp)
    _st(b, uc, UC_SIGMASK, oldmask)
    memcpy = rm.function("memcpy", P8, [P8, P8, I64])
    b.call(memcpy, [b.inttoptr(si, P8), info, c64(SIGINFO_SIZE)])
    _st(b, fp, FX_CWD, b.load(rm.field(b, st, "fpu_cw")))
    _st(b, fp, FX_SWD, b.load(rm.field(b, st, "fpu_sw")))
    b.call(rm.module.globals["rt_fpenv_get"], [st])
    _st(b, fp, FX_MXCSR, b.load(rm.field(b, st, "mxcsr")))
    _st(b, fp, FX_MXCSR_MASK, c32(0xFFFF))
    # the handler starts with the default MXCSR and x87 control word, as the kernel gives them
    b.store(c32(MXCSR_DEFAULT), rm.field(b, st, "mxcsr"))
    b.call(rm.module.globals["rt_fpenv_set"], [st])
    b.store(ir.Constant(I16, X87_CW_DEFAULT), rm.field(b, st, "fpu_cw"))
    b.call(rm.module.globals["rt_x87cw_set"], [st])
    for k in range(16):
        _st(b, fp, FX_XMM + 16 * k, b.load(rm.field(b, st, f"xmm{k}")))

    # the mask while the handler runs; SA_RESETHAND restores the default disposition
    own = b.select(has(flags, SA_NODEFER), c64(0), _bit(b, sig64))
    _set_mask(rm, b, b.or_(b.or_(oldmask, amask), own))
    with b.if_then(has(flags, SA_RESETHAND)):
        for k in range(4):
            b.store(c64(0), _act(rm, b, sig64, k))
        dfl = b.alloca(ir.ArrayType(I64, 4))
        for k in range(4):
            b.store(c64(0), b.gep(dfl, [c32(0), c32(k)]))
        rm.backend.syscall(b, rm.backend.SYS["rt_sigaction"], sig64, b.ptrtoint(dfl, I64), c64(0), c64(8))

    # enter the handler: rdi = sig, rsi = &siginfo, rdx = &ucontext, DF clear
    b.store(frame, rm.field(b, st, "rsp"))
    b.store(sig64, rm.field(b, st, "rdi"))
    b.store(si, rm.field(b, st, "rsi"))
    b.store(uc, rm.field(b, st, "rdx"))
    b.store(c64(0), rm.field(b, st, "rax"))
    b.store(ir.Constant(I8, 0), rm.field(b, st, "df"))
    b.store(c32(0), rm.field(b, st, "sig_returned"))
    call = rm.function("rt_call", VOID, [rm.state_p, I64])
    old_rip = _ld(b, uc, UC_MCONTEXT + 8 * GREGS.index("rip"))
    b.call(call, [st, handler])
    returned = rm.field(b, st, "sig_returned")
    # the handler returned to sa_restorer: run it (it calls rt_sigreturn)
    with b.if_then(b.and_(b.icmp_unsigned("==", b.load(returned), c32(0)),
                          b.icmp_unsigned("==", b.load(rm.field(b, st, "rip")), restorer))):
        b.call(call, [st, restorer])
    done = b.load(returned)
    b.store(c32(0), returned)
    same = b.icmp_unsigned("==", b.load(rm.field(b, st, "rip")), old_rip)
    b.ret(b.select(b.icmp_unsigned("==", done, c32(0)), c32(0), b.select(same, c32(1), c32(2))))


def unwind_if_asked(rm, b, st):
    """After a system call: if a handler changed a callee-saved register (rt_signal_point),
    abandon the lifted frames and resume from State."""
    flag = rm.field(b, st, "sig_unwind")
    with b.if_then(b.icmp_unsigned("!=", b.load(flag), c32(0)), likely=False):
        b.store(c32(0), flag)
        _unwind_to_main(rm, b, st)


def _unwind_to_main(rm, b, st):
    """Abandon every host frame of this thread and resume the guest at State's rip."""
    main = rm.function("rt_main", VOID, [rm.state_p], noreturn=True)
    switch = rm.function("rt_switch_stack", VOID, [I64, P8, P8], noreturn=True)
    b.call(switch, [b.load(rm.field(b, st, "host_top")), b.bitcast(main, P8), b.bitcast(st, P8)])
    b.unreachable()


def _host_handler(rm):
    """rt_host_signal(sig, info, ucontext): the host's handler for signals the guest handles."""
    f, b = rm.define("rt_host_signal", VOID, [I32, P8, P8])
    sig, info, huc = f.args
    sig64 = b.zext(sig, I64)
    st = b.inttoptr(rm.backend.thread_state(b, abi.offset("self")), rm.state_p)
    code = b.load(b.bitcast(b.gep(info, [c64(8)]), I32.as_pointer()))
    is_sync = b.icmp_signed(">", code, c32(0))
    fault_sig = None
    for s in SYNC_SIGNALS:
        t = b.icmp_unsigned("==", sig, c32(s))
        fault_sig = t if fault_sig is None else b.or_(fault_sig, t)
    deliver = rm.module.globals["rt_deliver"]
    with b.if_then(b.and_(is_sync, fault_sig)):
        oldmask = _ld(b, b.ptrtoint(huc, I64), rm.backend.HOST_UC_SIGMASK)
        # the guest's FP environment at the fault, live again (rt_deliver saves it into
        # the guest frame)
        rm.backend.fpenv_from_host_ucontext(rm, b, huc)
        r = b.call(deliver, [st, sig, info, oldmask, ir.Constant(I1, 0)])
        with b.if_then(b.icmp_unsigned("==", r, c32(1))):
            b.ret_void()     # back to the faulting instruction, as the kernel does
        _unwind_to_main(rm, b, st)
    slot = b.gep(rm.field(b, st, "sig_info"), [c32(0), b.mul(sig64, c64(SIGINFO_SIZE))])
    memcpy = rm.function("memcpy", P8, [P8, P8, I64])
    b.call(memcpy, [slot, info, c64(SIGINFO_SIZE)])
    b.atomic_rmw("or", rm.field(b, st, "sig_pending"), _bit(b, sig64), "seq_cst")
    b.ret_void()


def _signal_point(rm, never_restarted):
    """rt_signal_point(state, nr) -> 1 to restart system call nr: delivers the pending
    signals (rax holds the call's result).  Each was unblocked when the host took it, so
    the CPU would have run its handler then; the handler runs now, with the current mask
    (for rt_sigsuspend and the p-variants of poll and select: the mask from before the
    call, which the kernel has put back) as the one sigreturn restores."""
    f, b = rm.define("rt_signal_point", I1, [rm.state_p, I64], internal=True)
    st, nr = f.args
    eintr = b.icmp_unsigned("==", b.load(rm.field(b, st, "rax")), c64(-errno.EINTR))
    restartable = eintr
    for n in never_restarted:
        restartable = b.and_(restartable, b.icmp_unsigned("!=", nr, c64(n)))
    restart = b.alloca(I1)
    b.store(restartable, restart)
    cur = _current_mask(rm, b)
    head = f.append_basic_block("next")
    body = f.append_basic_block("one")
    done = f.append_basic_block("done")
    b.branch(head)
    b.position_at_end(head)
    pend = rm.field(b, st, "sig_pending")
    p = b.load(pend)
    b.cbranch(b.icmp_unsigned("==", p, c64(0)), done, body)
    b.position_at_end(body)
    sig64 = b.add(b.cttz(p, ir.Constant(I1, 0)), c64(1))
    bit = _bit(b, sig64)
    b.atomic_rmw("and", pend, b.xor(bit, c64(-1)), "seq_cst")
    info = b.gep(rm.field(b, st, "sig_info"), [c32(0), b.mul(sig64, c64(SIGINFO_SIZE))])
    flags = b.load(_act(rm, b, sig64, 1))
    before = [b.load(rm.field(b, st, n)) for n in abi.CALLEE_SAVED]
    r = b.call(rm.module.globals["rt_deliver"], [st, b.trunc(sig64, I32), info, cur, ir.Constant(I1, 1)])
    with b.if_then(b.icmp_unsigned("!=", r, c32(1))):
        b.ret(ir.Constant(I1, 0))   # the handler jumped away: State says where to
    # A handler that returned with a callee-saved register changed in its ucontext: lifted
    # callers keep those registers across calls of functions that preserve them
    # (translator/preserved.py), so the system call ends by resuming from State alone
    # (rt_syscall unwinds to rt_main once the call is done).
    changed = ir.Constant(I1, 0)
    for n, v in zip(abi.CALLEE_SAVED, before):
        changed = b.or_(changed, b.icmp_unsigned("!=", b.load(rm.field(b, st, n)), v))
    with b.if_then(changed, likely=False):
        b.store(c32(1), rm.field(b, st, "sig_unwind"))
    keep = b.icmp_unsigned("!=", b.and_(flags, c64(SA_RESTART)), c64(0))
    b.store(b.and_(b.load(restart), keep), restart)
    b.branch(head)
    b.position_at_end(done)
    b.ret(b.load(restart))


def _signal_poll(rm):
    """rt_signal_poll(state): the dispatcher found a pending signal (a loop's poll left the
    lifted code with State current and rip at the loop head).  The handlers run now; one that
    does not return leaves rip elsewhere, where the dispatcher goes next."""
    f, b = rm.define("rt_signal_poll", VOID, [rm.state_p])
    b.call(rm.module.globals["rt_signal_point"], [f.args[0], c64(-1)])
    b.store(c32(0), rm.field(b, f.args[0], "sig_unwind"))     # rt_main resumes from State anyway
    b.ret_void()


def _fault(rm):
    """rt_fault(state, sig, pc): a fault found by the lifted code itself (ud2, a divide error,
    hlt, int3) with State current: delivered to a guest handler if there is one (again and
    again while it returns, as re-executing the instruction would), else the process dies
    of it."""
    f, b = rm.define("rt_fault", VOID, [rm.state_p, I32, I64], noreturn=True)
    st, sig, pc = f.args
    sig64 = b.zext(sig, I64)
    handler = b.load(_act(rm, b, sig64, 0))
    with b.if_then(b.icmp_unsigned("<=", handler, c64(1))):
        b.store(pc, rm.field(b, st, "rip"))
        b.call(rm.function("rt_trace_crash", VOID, [rm.state_p, I32, I64, I64, I1]),
               [st, sig, pc, c64(0), ir.Constant(I1, 1)])
        b.call(rm.function("rt_die_signal", VOID, [I32]), [sig])
        b.unreachable()
    info = b.alloca(ir.ArrayType(I8, SIGINFO_SIZE))
    ip = b.ptrtoint(info, I64)
    b.call(rm.function("memset", P8, [P8, I32, I64]), [b.bitcast(info, P8), c32(0), c64(SIGINFO_SIZE)])
    code = b.select(b.icmp_unsigned("==", sig, c32(SIGILL)), c32(ILL_ILLOPN),
                    b.select(b.icmp_unsigned("==", sig, c32(SIGFPE)), c32(FPE_INTDIV), c32(SI_KERNEL)))
    at_pc = b.or_(b.icmp_unsigned("==", sig, c32(SIGILL)), b.icmp_unsigned("==", sig, c32(SIGFPE)))
    _st(b, ip, 0, sig)
    _st(b, ip, 8, code)
    _st(b, ip, 16, b.select(at_pc, pc, c64(0)))
    loop = f.append_basic_block("again")
    b.branch(loop)
    b.position_at_end(loop)
    b.store(pc, rm.field(b, st, "rip"))
    r = b.call(rm.module.globals["rt_deliver"], [st, sig, b.bitcast(info, P8), _current_mask(rm, b), ir.Constant(I1, 1)])
    b.cbranch(b.icmp_unsigned("==", r, c32(1)), loop, b.append_basic_block("away"))
    b.position_at_end(f.blocks[-1])
    _unwind_to_main(rm, b, st)


# -- the system calls ------------------------------------------------------------------------
@emitter
def shim_rt_sigaction(rm: RuntimeModule):
    """A guest handler is recorded in rt_guest_act and the host gets rt_host_signal in its
    place (with the guest's mask and SA_NODEFER; restarting and SA_RESETHAND are done by
    the runtime). SIG_DFL and SIG_IGN go to the kernel as they are."""
    f, b, st, (sig, act, oact, size, *_) = define_shim(rm, "shim_rt_sigaction")
    S = rm.backend.SYS
    valid = b.and_(b.icmp_signed(">", sig, c64(0)), b.icmp_signed("<", sig, c64(NSIG)))
    with b.if_then(b.not_(valid)):
        b.ret(c64(-errno.EINVAL))
    with b.if_then(b.icmp_unsigned("!=", size, c64(8))):
        b.ret(c64(-errno.EINVAL))
    old = [b.load(_act(rm, b, sig, k)) for k in range(4)]
    has_act = b.icmp_unsigned("!=", act, c64(0))
    new = b.alloca(ir.ArrayType(I64, 4))
    newp = b.ptrtoint(new, I64)
    src = b.select(has_act, act, newp)      # (a dummy read when there is no act)
    gact = [_ld(b, src, 8 * k) for k in range(4)]
    guest = b.and_(has_act, b.icmp_unsigned(">", gact[0], c64(1)))
    host_handler = b.ptrtoint(rm.function("rt_host_signal", VOID, [I32, P8, P8]), I64)
    restorer = b.ptrtoint(rm.function("rt_host_restorer", VOID, []), I64)
    hflags = b.or_(c64(SA_SIGINFO | SA_RESTORER), b.and_(gact[1], c64(SA_NODEFER)))
    # with ELF2NATIVE_TRACE, SIG_DFL for a fatal signal keeps the tracing host handler
    traced = b.and_(has_act, crashtrace.traced_default(rm, b, sig, gact[0]))
    t_handler, t_flags, t_restorer = crashtrace.host_action(rm, b)
    for k, (g, t) in enumerate(((host_handler, t_handler), (hflags, t_flags), (restorer, t_restorer))):
        b.store(b.select(guest, g, b.select(traced, t, gact[k])), b.gep(new, [c32(0), c32(k)]))
    b.store(gact[3], b.gep(new, [c32(0), c32(3)]))
    r = rm.backend.syscall(b, S["rt_sigaction"], sig, b.select(has_act, newp, c64(0)), oact, size)
    with b.if_then(b.icmp_unsigned(">=", r, c64(-4095))):
        b.ret(r)
    # the tracing handler is the runtime's: the guest sees SIG_DFL
    with b.if_then(b.and_(b.icmp_unsigned("!=", oact, c64(0)), b.icmp_unsigned("<=", old[0], c64(1)))):
        with b.if_then(b.icmp_unsigned("==", _ld(b, oact, 0), t_handler)):
            for k in range(4):
                _st(b, oact, 8 * k, c64(0))
    # the previous disposition was the guest's own: report it, not rt_host_signal
    with b.if_then(b.and_(b.icmp_unsigned("!=", oact, c64(0)), b.icmp_unsigned(">", old[0], c64(1)))):
        for k in range(4):
            _st(b, oact, 8 * k, old[k])
    with b.if_then(has_act):
        for k in range(4):
            b.store(b.select(guest, gact[k], c64(0)), _act(rm, b, sig, k))
    b.ret(c64(0))
    return f


@emitter
def shim_rt_sigreturn(rm: RuntimeModule):
    """Restores State from the ucontext rt_deliver built (rsp points at it once the handler
    has returned to sa_restorer): registers, flags, the FP area, the signal mask."""
    f, b, st, _ = define_shim(rm, "shim_rt_sigreturn")
    uc = b.load(rm.field(b, st, "rsp"))
    for k, name in enumerate(GREGS):
        b.store(_ld(b, uc, UC_MCONTEXT + 8 * k), rm.field(b, st, name))
    _set_eflags(rm, b, st, _ld(b, uc, UC_MCONTEXT + 8 * REG_EFL))
    fp = _ld(b, uc, MC_FPREGS)
    with b.if_then(b.icmp_unsigned("!=", fp, c64(0))):
        b.store(_ld(b, fp, FX_CWD, I16), rm.field(b, st, "fpu_cw"))
        b.call(rm.module.globals["rt_x87cw_set"], [st])
        b.store(_ld(b, fp, FX_SWD, I16), rm.field(b, st, "fpu_sw"))
        b.store(_ld(b, fp, FX_MXCSR, I32), rm.field(b, st, "mxcsr"))
        b.call(rm.module.globals["rt_fpenv_set"], [st])
        for k in range(16):
            b.store(_ld(b, fp, FX_XMM + 16 * k, ir.IntType(128)), rm.field(b, st, f"xmm{k}"))
    _set_mask(rm, b, _ld(b, uc, UC_SIGMASK))
    b.store(c32(1), rm.field(b, st, "sig_returned"))
    b.ret(b.load(rm.field(b, st, "rax")))
    return f


@emitter
def shim_sigaltstack(rm: RuntimeModule):
    """The alternate signal stack is per thread, in State; used by rt_deliver for handlers
    with SA_ONSTACK."""
    f, b, st, (uss, uoss, *_) = define_shim(rm, "shim_sigaltstack")
    sp = b.load(rm.field(b, st, "rsp"))
    onalt = _on_altstack(rm, b, st, sp)
    size_p, sp_p, fl_p = rm.field(b, st, "ss_size"), rm.field(b, st, "ss_sp"), rm.field(b, st, "ss_flags")
    cur_sp, cur_size, cur_fl = b.load(sp_p), b.load(size_p), b.load(fl_p)
    with b.if_then(b.icmp_unsigned("!=", uss, c64(0))):
        with b.if_then(onalt):
            b.ret(c64(-errno.EPERM))
        nsp, nfl, nsize = _ld(b, uss, 0), _ld(b, uss, 8, I32), _ld(b, uss, 16)
        mode = b.and_(nfl, c32(~SS_AUTODISARM))
        with b.if_then(b.and_(b.icmp_unsigned("!=", mode, c32(0)), b.icmp_unsigned("!=", mode, c32(SS_DISABLE)))):
            b.ret(c64(-errno.EINVAL))
        disable = b.icmp_unsigned("==", mode, c32(SS_DISABLE))
        with b.if_then(b.and_(b.not_(disable), b.icmp_unsigned("<", nsize, c64(MINSIGSTKSZ)))):
            b.ret(c64(-errno.ENOMEM))
        b.store(b.select(disable, c64(0), nsp), sp_p)
        b.store(b.select(disable, c64(0), nsize), size_p)
        b.store(nfl, fl_p)
    with b.if_then(b.icmp_unsigned("!=", uoss, c64(0))):
        _st(b, uoss, 0, cur_sp)
        none = b.icmp_unsigned("==", cur_size, c64(0))
        _st(b, uoss, 8, b.select(none, c32(SS_DISABLE),
                                 b.or_(b.and_(cur_fl, c32(SS_AUTODISARM)), b.select(onalt, c32(SS_ONSTACK), c32(0)))))
        _st(b, uoss, 12, c32(0))
        _st(b, uoss, 16, cur_size)
    b.ret(c64(0))
    return f
