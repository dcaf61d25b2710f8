"""rt_syscall, generated from the syscall table (syscall-shims/x86_64.tbl).

passthrough rows go to the host kernel unchanged; emulated and translated rows call their
``shim_<name>`` emitter (runtime/shims.py); denied rows return their errno; numbers not in
the table return -ENOSYS.
"""
from __future__ import annotations

import errno as errno_mod

from llvmlite import ir

from runtime import hostcalls, overlay, shims, strace
from runtime import signals as _signals, threads as _threads  # their emitters register
from runtime.irkit import I8, I64, VOID, RuntimeModule, c32, c64

EMITTER_MODULES = (_signals, _threads)

ARG_REGS = ("rdi", "rsi", "rdx", "r10", "r8", "r9")
K_NONE, K_PASS, K_SHIM, K_DENY = 0, 1, 2, 3
SERVE = "rt_serve"      # rt_serve(state, nr, a0..a5) -> result (serve_type)


def serve_type(rm: RuntimeModule) -> ir.FunctionType:
    return ir.FunctionType(I64, [rm.state_p, I64] + [I64] * len(ARG_REGS))


def build(rm: RuntimeModule, table, hooks=None):
    """hooks: guest syscall number -> function(state, a0..a5) that serves the call first and
    returns overlay.NOT_OURS to leave it to the table (runtime/overlay.py)."""
    maxnr = max(r.nr for r in table) + 1
    kinds = [K_NONE] * maxnr
    for r in table:
        kinds[r.nr] = {"passthrough": K_PASS, "emulated": K_SHIM, "translated": K_SHIM,
                       "denied": K_DENY}[r.kind]
    # a host with its own numbers (runtime/hostcalls.py): passthrough rows go by the host's
    # number, through a host expression, or answer ENOSYS
    routes = hostcalls.routes(rm, table) if rm.backend.HOST_TABLE else {}
    host_nr = list(range(maxnr))
    for nr, (how, what) in routes.items():
        if how == "pass":
            host_nr[nr] = what
        else:
            kinds[nr] = K_SHIM
    trace = rm.module.globals["rt_strace"]
    phase_of = rm.module.globals["rt_strace_phase_of"]
    shim_fns = {}
    for r in table:
        if r.kind in ("emulated", "translated"):
            emit = shims.EMITTERS.get(r.handler)
            if emit is None:
                raise KeyError(f"syscall table: {r.name}: no emitter named {r.handler} in runtime/shims.py")
            shim_fns[r.nr] = emit(rm)

    serve = _serve(rm, table, maxnr, kinds, routes, host_nr, shim_fns)

    f, b = rm.define("rt_syscall", VOID, [rm.state_p])
    state = f.args[0]
    rax = rm.field(b, state, "rax")
    entry_nr = b.load(rax)
    entry = b.block
    top = f.append_basic_block("top")
    b.branch(top)
    b.position_at_end(top)
    nr = b.phi(I64)
    nr.add_incoming(entry_nr, entry)
    args = [b.load(rm.field(b, state, n)) for n in ARG_REGS]
    tracing = b.icmp_unsigned("!=", b.load(rm.module.globals["rt_strace_on"]), ir.Constant(I8, 0))
    with b.if_then(tracing, likely=False):
        # calls that may not come back are printed before they are made
        ph = b.call(phase_of, [nr])
        with b.if_then(b.icmp_unsigned("!=", ph, c32(strace.PH_DONE))):
            b.call(trace, [nr, *args, c64(0), ph])
    results = []
    done = f.append_basic_block("done")
    for hnr, hook in sorted((hooks or {}).items()):
        hooked = f.append_basic_block(f"hook_{hnr}")
        after = f.append_basic_block(f"after_hook_{hnr}")
        b.cbranch(b.icmp_unsigned("==", nr, c64(hnr)), hooked, after)
        b.position_at_end(hooked)
        r = b.call(hook, [state, *args])
        served = f.append_basic_block(f"hook_{hnr}_served")
        b.cbranch(b.icmp_signed("!=", r, c64(overlay.NOT_OURS)), served, after)
        b.position_at_end(served)
        results.append((r, served))
        b.branch(done)
        b.position_at_end(after)
    results.append((b.call(serve, [state, nr, *args]), b.block))
    b.branch(done)
    b.position_at_end(done)
    res = b.phi(I64)
    for v, bb in results:
        res.add_incoming(v, bb)
    b.store(res, rax)
    with b.if_then(tracing, likely=False):
        ph = b.call(phase_of, [nr])
        after = b.select(b.icmp_unsigned("==", ph, c32(strace.PH_UNFINISHED)), c32(strace.PH_RESUMED),
                         c32(strace.PH_DONE))
        b.call(trace, [nr, *args, res, after])
    # signals that arrived meanwhile are delivered now; the call is restarted after a
    # handler with SA_RESTART interrupted it (see runtime/signals.py)
    pending = b.icmp_unsigned("!=", b.load(rm.field(b, state, "sig_pending")), c64(0))
    with b.if_then(pending, likely=False):
        again = b.call(rm.module.globals["rt_signal_point"], [state, nr])
        with b.if_then(again):
            nr.add_incoming(nr, b.block)
            b.branch(top)
    _signals.unwind_if_asked(rm, b, state)
    b.ret_void()


def _serve(rm: RuntimeModule, table, maxnr, kinds, routes, host_nr, shim_fns) -> ir.Function:
    """rt_serve(state, nr, a0..a5) -> result: the call served as the table says, with no
    hook, trace or signal point (rt_syscall adds them; a hook that serves a call by others
    makes them through here: runtime/overlay.py)."""
    kt = ir.ArrayType(I8, maxnr)
    kind_g = rm.global_var("rt_syscall_kind", kt, ir.Constant(kt, bytearray(kinds)), const=True)
    warn = rm.module.globals["rt_syscall_warn"]
    f, b = rm.define(SERVE, I64, serve_type(rm).args, internal=True)
    state, nr, *args = f.args
    results = []
    done = f.append_basic_block("done")
    in_table = b.icmp_unsigned("<", nr, c64(maxnr))
    kind = b.select(in_table, b.load(b.gep(kind_g, [ir.Constant(ir.IntType(32), 0),
                                                    b.select(in_table, nr, c64(0))])), ir.Constant(I8, K_NONE))
    pass_bb = f.append_basic_block("passthrough")
    special = f.append_basic_block("special")
    b.cbranch(b.icmp_unsigned("==", kind, ir.Constant(I8, K_PASS)), pass_bb, special)
    b.position_at_end(pass_bb)
    if routes:
        nt = ir.ArrayType(ir.IntType(16), maxnr)
        nr_g = rm.global_var("rt_host_syscall_nr", nt, ir.Constant(nt, host_nr), const=True)
        hnr = b.zext(b.load(b.gep(nr_g, [ir.Constant(ir.IntType(32), 0), nr])), I64)
    else:
        hnr = nr
    results.append((rm.backend.syscall(b, hnr, *args), pass_bb))
    b.branch(done)
    b.position_at_end(special)
    enosys = f.append_basic_block("enosys")
    sw = b.switch(nr, enosys)
    for r in table:
        if r.kind == "passthrough" and routes.get(r.nr, ("pass",))[0] == "pass":
            continue
        bb = f.append_basic_block(f"sys_{r.name}")
        sw.add_case(c64(r.nr), bb)
        b.position_at_end(bb)
        if r.nr in routes:
            fn = routes[r.nr][1]
            if fn is None:      # no way to make this call on this host
                b.call(warn, [nr])
                results.append((c64(-errno_mod.ENOSYS), bb))
            else:
                results.append((b.call(fn, [state, *args]), b.block))
        elif r.kind == "denied":
            if not r.quiet:
                b.call(warn, [nr])
            results.append((c64(-getattr(errno_mod, r.errno)), bb))
        else:
            results.append((b.call(shim_fns[r.nr], [state, *args]), b.block))
        b.branch(done)
    b.position_at_end(enosys)
    b.call(warn, [nr])
    results.append((c64(-errno_mod.ENOSYS), enosys))
    b.branch(done)
    b.position_at_end(done)
    res = b.phi(I64)
    for v, bb in results:
        res.add_incoming(v, bb)
    b.ret(res)
    return f
