"""``ELF2NATIVE_TRACE=1``: a guest that dies of a signal says where, on stderr, then dies of it.

    elf2native: SIGSEGV (fault address 0x10) in guest function 0x401500 (main+0x0); last guest pc recorded 0x401540 (main+0x40)
    elf2native: SIGILL at guest pc 0x401105 (main.cold+0x5)

A trap the lifted code raises itself (ud2, a divide error, hlt, int3) knows its guest pc
exactly.  A fault the host CPU takes in translated code is attributed to the guest function
whose translation contains the host pc, with the last guest pc the runtime recorded (at a
call, a system call or, with --signal-polls, a loop's poll).  The message is printed only when the
signal kills the program: a guest handler, if the guest has one, runs as usual.

With the variable set, the loader installs ``rt_trace_signal`` as the host handler of the
fatal signals the guest leaves at SIG_DFL (and shim_rt_sigaction keeps it there when the
guest sets SIG_DFL again, as abort() does); the guest still sees SIG_DFL.
"""
from __future__ import annotations

import signal as signal_mod

from llvmlite import ir

from runtime import abi, dispatch
from runtime.irkit import I1, I8, I32, I64, P8, VOID, RuntimeModule, c32, c64, loop_range

ENV_VAR = "ELF2NATIVE_TRACE"
FATAL = (signal_mod.SIGILL, signal_mod.SIGTRAP, signal_mod.SIGABRT, signal_mod.SIGBUS,
         signal_mod.SIGFPE, signal_mod.SIGSEGV, signal_mod.SIGSYS)
WITH_ADDRESS = (signal_mod.SIGILL, signal_mod.SIGBUS, signal_mod.SIGFPE, signal_mod.SIGSEGV)
SA_SIGINFO, SA_RESTORER, SA_NODEFER, SA_RESETHAND = 0x4, 0x0400_0000, 0x4000_0000, 0x8000_0000
HOST_FLAGS = SA_SIGINFO | SA_RESTORER | SA_NODEFER | SA_RESETHAND
SI_ADDR = 16


def flag(rm: RuntimeModule) -> ir.GlobalVariable:
    """The global the loader sets when ELF2NATIVE_TRACE is on."""
    g = rm.module.globals.get("rt_trace_on")
    return g if g is not None else rm.global_var("rt_trace_on", I8, ir.Constant(I8, 0), internal=False)


def _is_fatal(b, sig):
    r = ir.Constant(I1, 0)
    for s in FATAL:
        r = b.or_(r, b.icmp_unsigned("==", sig, c64(int(s))))
    return r


def traced_default(rm: RuntimeModule, b, sig, handler) -> ir.Value:
    """i1: a SIG_DFL (handler 0) for signal ``sig`` that the host should get as rt_trace_signal."""
    on = b.icmp_unsigned("!=", b.load(flag(rm)), ir.Constant(I8, 0))
    return b.and_(b.and_(on, b.icmp_unsigned("==", handler, c64(0))), _is_fatal(b, sig))


def host_action(rm: RuntimeModule, b) -> tuple[ir.Value, ir.Value, ir.Value]:
    """(handler, flags, restorer) of the host sigaction that installs rt_trace_signal."""
    # loaded from a (writable, external) data word: a function address compared in code would be a GOTPCRELX
    # operand of cmp, which lld relaxes to a 32-bit immediate that the image base exceeds
    g = rm.module.globals.get("rt_trace_handler")
    if g is None:
        fn = rm.function("rt_trace_signal", VOID, [I32, P8, P8])
        g = rm.global_var("rt_trace_handler", P8, fn.bitcast(P8), internal=False)
    handler = b.ptrtoint(b.load(g), I64)
    restorer = b.ptrtoint(rm.function("rt_host_restorer", VOID, []), I64)
    return handler, c64(HOST_FLAGS), restorer


def build(rm: RuntimeModule):
    write_str = rm.function("rt_write_str", VOID, [I32, P8])
    write_hex = rm.function("rt_write_hex", VOID, [I32, I64])
    where = rm.module.globals["rt_where"]
    die = rm.function("rt_die_signal", VOID, [I32])
    names = [signal_mod.Signals(n).name if n in signal_mod.Signals._value2member_map_ else ""
             for n in range(65)]
    names_t = ir.ArrayType(P8, len(names))
    names_g = rm.global_var("rt_signal_names", names_t, ir.Constant(
        names_t, [rm.cstring(n) if n else ir.Constant(P8, None) for n in names]), const=True)

    # rt_trace_crash(state, sig, addr, host_pc, exact): the message, when tracing is on
    f, b = rm.define("rt_trace_crash", VOID, [rm.state_p, I32, I64, I64, I1], internal=True)
    st, sig, addr, host_pc, exact = f.args
    with b.if_then(b.icmp_unsigned("==", b.load(flag(rm)), ir.Constant(I8, 0))):
        b.ret_void()
    sig64 = b.zext(sig, I64)
    b.call(write_str, [c32(2), rm.cstring("elf2native: ")])
    name = b.load(b.gep(names_g, [c32(0), b.select(b.icmp_unsigned("<", sig64, c64(65)), sig64, c64(0))]))
    with b.if_else(b.icmp_unsigned("==", name, ir.Constant(P8, None))) as (unnamed, named):
        with unnamed:
            b.call(write_str, [c32(2), rm.cstring("signal ")])
            b.call(write_hex, [c32(2), sig64])
        with named:
            b.call(write_str, [c32(2), name])
    has_addr = ir.Constant(I1, 0)
    for s in WITH_ADDRESS:
        has_addr = b.or_(has_addr, b.icmp_unsigned("==", sig64, c64(int(s))))
    rip = b.load(rm.field(b, st, "rip"))
    with b.if_else(exact) as (at_pc, in_fn):
        with at_pc:
            b.call(write_str, [c32(2), rm.cstring(" at guest pc ")])
            b.call(write_hex, [c32(2), rip])
            b.call(where, [rip])
        with in_fn:
            with b.if_then(has_addr):
                b.call(write_str, [c32(2), rm.cstring(" (fault address ")])
                b.call(write_hex, [c32(2), addr])
                b.call(write_str, [c32(2), rm.cstring(")")])
            fn = b.call(_containing_function(rm), [host_pc])
            with b.if_then(b.icmp_unsigned("!=", fn, c64(0))):
                b.call(write_str, [c32(2), rm.cstring(" in guest function ")])
                b.call(write_hex, [c32(2), fn])
                b.call(where, [fn])
            b.call(write_str, [c32(2), rm.cstring("; last guest pc recorded ")])
            b.call(write_hex, [c32(2), rip])
            b.call(where, [rip])
    b.call(write_str, [c32(2), rm.cstring("\n")])
    b.ret_void()
    crash = f

    # rt_trace_signal(sig, info, uc): the host handler of fatal signals the guest left at SIG_DFL
    f, b = rm.define("rt_trace_signal", VOID, [I32, P8, P8])
    sig, info, uc = f.args
    st = b.inttoptr(rm.backend.thread_state(b, abi.offset("self")), rm.state_p)
    addr = b.load(b.bitcast(b.gep(info, [c64(SI_ADDR)]), I64.as_pointer()))
    pc = b.load(b.bitcast(b.gep(uc, [c64(rm.backend.HOST_UC_PC)]), I64.as_pointer()))
    b.call(crash, [st, sig, addr, pc, ir.Constant(I1, 0)])
    b.call(die, [sig])
    b.unreachable()

    # rt_trace_install(): called by the loader when tracing is on
    f, b = rm.define("rt_trace_install", VOID, [], internal=True)
    act = b.alloca(ir.ArrayType(I64, 4))
    handler, flags, restorer = host_action(rm, b)
    for k, v in enumerate((handler, flags, restorer, c64(0))):
        b.store(v, b.gep(act, [c32(0), c32(k)]))
    for s in FATAL:
        rm.backend.syscall(b, rm.backend.SYS["rt_sigaction"], c64(int(s)), b.ptrtoint(act, I64), c64(0), c64(8))
    b.ret_void()


def _containing_function(rm: RuntimeModule) -> ir.Function:
    """rt_trace_function(host_pc) -> guest entry of the translated function whose code
    holds host_pc (the nearest function start below it, with another one above it), or 0."""
    f, b = rm.define("rt_trace_function", I64, [I64], internal=True)
    pc = f.args[0]
    keys, vals = rm.module.globals["rt_hash_keys"], rm.module.globals["rt_hash_vals"]
    fns, ids = rm.module.globals["rt_dispatch_fns"], rm.module.globals["rt_dispatch_ids"]
    best, best_fn, above = b.alloca(I64), b.alloca(I64), b.alloca(I1)
    b.store(c64(0), best)
    b.store(c64(0), best_fn)
    b.store(ir.Constant(I1, 0), above)

    def visit(b, i):
        idx = b.load(b.gep(vals, [c32(0), i]))
        with b.if_then(b.icmp_signed(">=", idx, c32(0))):
            fn = b.ptrtoint(b.load(b.gep(fns, [c32(0), idx])), I64)
            entry = b.icmp_unsigned("==", b.load(b.gep(ids, [c32(0), idx])), c32(0))
            better = b.and_(entry, b.and_(b.icmp_unsigned("<=", fn, pc), b.icmp_unsigned(">", fn, b.load(best_fn))))
            with b.if_then(better):
                b.store(fn, best_fn)
                b.store(b.load(b.gep(keys, [c32(0), i])), best)
            with b.if_then(b.icmp_unsigned(">", fn, pc)):
                b.store(ir.Constant(I1, 1), above)
    loop_range(b, dispatch.info(rm, b, "hash_size"), visit)
    b.ret(b.select(b.load(above), b.load(best), c64(0)))
    return f
