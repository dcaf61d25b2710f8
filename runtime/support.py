"""Runtime support: output for diagnostics, dying like the guest would, memory primitives,
and the instructions served by the runtime (cpuid, rdtsc, xgetbv, 128-bit division)."""
from __future__ import annotations

from llvmlite import ir

from runtime import cpuid
from runtime.irkit import I1, I8, I32, I64, P8, VOID, RuntimeModule, c32, c64, loop_range

SIGILL, SIGTRAP, SIGFPE, SIGSEGV = 4, 5, 8, 11


def build(rm: RuntimeModule):
    _strlen(rm)
    _write_str(rm)
    _write_hex(rm)
    _die_by_signal(rm)
    _mem_functions(rm)
    _cpuid(rm)
    _rdtsc(rm)
    _xgetbv(rm)
    _div128(rm)
    _rounding(rm)
    _fpenv(rm)
    if rm.backend.X87:
        _host_fpu(rm)


def _strlen(rm):
    f, b = rm.define("rt_strlen", I64, [P8], internal=True)
    s = f.args[0]
    head = f.append_basic_block("head")
    done = f.append_basic_block("done")
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64)
    i.add_incoming(c64(0), pre)
    ch = b.load(b.gep(s, [i]))
    nxt = b.add(i, c64(1))
    i.add_incoming(nxt, head)
    b.cbranch(b.icmp_unsigned("==", ch, ir.Constant(I8, 0)), done, head)
    b.position_at_end(done)
    b.ret(i)


def _write_str(rm):
    """rt_write_str(fd, s): write a C string (diagnostics only)."""
    f, b = rm.define("rt_write_str", VOID, [I32, P8], internal=True)
    fd, s = f.args
    n = b.call(rm.function("rt_strlen", I64, [P8]), [s])
    rm.backend.syscall(b, rm.backend.SYS["write"], b.sext(fd, I64), b.ptrtoint(s, I64), n)
    b.ret_void()


def _write_hex(rm):
    """rt_write_hex(fd, v): write 0x%x."""
    f, b = rm.define("rt_write_hex", VOID, [I32, I64], internal=True)
    fd, v = f.args
    buf = b.alloca(ir.ArrayType(I8, 19))
    p = b.bitcast(buf, P8)
    b.store(ir.Constant(I8, ord("0")), p)
    b.store(ir.Constant(I8, ord("x")), b.gep(p, [c64(1)]))
    # 16 digits, then skip leading zeros (keep at least one).
    def digit(b, i):
        shift = b.mul(b.sub(c64(15), i), c64(4))
        nib = b.trunc(b.and_(b.lshr(v, shift), c64(15)), I8)
        ch = b.select(b.icmp_unsigned("<", nib, ir.Constant(I8, 10)),
                      b.add(nib, ir.Constant(I8, ord("0"))), b.add(nib, ir.Constant(I8, ord("a") - 10)))
        b.store(ch, b.gep(p, [b.add(i, c64(2))]))
    loop_range(b, c64(16), digit)
    ctlz = rm.function("llvm.ctlz.i64", I64, [I64, I1])
    lz = b.udiv(b.call(ctlz, [b.or_(v, c64(1)), ir.Constant(I1, 0)]), c64(4))
    # move "0x" to just before the first significant digit
    start = b.gep(p, [lz])
    b.store(ir.Constant(I8, ord("0")), start)
    b.store(ir.Constant(I8, ord("x")), b.gep(start, [c64(1)]))
    rm.backend.syscall(b, rm.backend.SYS["write"], b.sext(fd, I64), b.ptrtoint(start, I64),
                       b.sub(c64(18), lz))
    b.ret_void()


def _die_by_signal(rm):
    """rt_die_signal(sig): reset the handler, unblock, raise; exit 128+sig if we survive."""
    f, b = rm.define("rt_die_signal", VOID, [I32], internal=True, noreturn=True)
    sig = b.sext(f.args[0], I64)
    S = rm.backend.SYS
    act = b.alloca(ir.ArrayType(I64, 4))
    for k in range(4):
        b.store(c64(0), b.gep(act, [c32(0), c32(k)]))
    rm.backend.syscall(b, S["rt_sigaction"], sig, b.ptrtoint(act, I64), c64(0), c64(8))
    mask = b.alloca(I64)
    b.store(b.shl(c64(1), b.sub(sig, c64(1))), mask)
    rm.backend.syscall(b, S["rt_sigprocmask"], c64(1), b.ptrtoint(mask, I64), c64(0), c64(8))
    pid = rm.backend.syscall(b, S["getpid"])
    tid = rm.backend.syscall(b, S["gettid"])
    rm.backend.syscall(b, S["tgkill"], pid, tid, sig)
    rm.backend.syscall(b, S["exit_group"], b.add(sig, c64(128)))
    b.unreachable()


def _mem_functions(rm):
    """memcpy, memmove, memset: LLVM may emit calls to them; there is no libc here.
    Written as byte loops in functions marked no-builtins so they cannot call themselves."""
    def define(name, args):
        f, b = rm.define(name, P8, args)
        f.attributes.add("nobuiltin")
        f.attributes.add("noinline")
        return f, b

    f, b = define("memset", [P8, I32, I64])
    d, v, n = f.args
    ch = b.trunc(v, I8)
    loop_range(b, n, lambda b, i: b.store(ch, b.gep(d, [i]), align=1))
    b.ret(d)

    f, b = define("memcpy", [P8, P8, I64])
    d, s, n = f.args
    loop_range(b, n, lambda b, i: b.store(b.load(b.gep(s, [i]), align=1), b.gep(d, [i]), align=1))
    b.ret(d)

    f, b = define("memmove", [P8, P8, I64])
    d, s, n = f.args
    fwd = b.icmp_unsigned("<=", b.ptrtoint(d, I64), b.ptrtoint(s, I64))
    with b.if_else(fwd) as (then, otherwise):
        with then:
            loop_range(b, n, lambda b, i: b.store(b.load(b.gep(s, [i]), align=1), b.gep(d, [i]), align=1))
        with otherwise:
            def back(b, i):
                j = b.sub(b.sub(n, i), c64(1))
                b.store(b.load(b.gep(s, [j]), align=1), b.gep(d, [j]), align=1)
            loop_range(b, n, back)
    b.ret(d)
    for name in ("memset", "memcpy", "memmove"):
        rm.module.globals[name].attributes.add("nobuiltin")


def _reg(rm, b, state, name):
    return rm.field(b, state, name)


def _cpuid(rm):
    """rt_cpuid(state): answers from runtime/cpuid.py's table."""
    f, b = rm.define("rt_cpuid", VOID, [rm.state_p])
    st = f.args[0]
    leaf = b.trunc(b.load(_reg(rm, b, st, "rax")), I32)
    sub = b.trunc(b.load(_reg(rm, b, st, "rcx")), I32)
    done = f.append_basic_block("done")
    default = f.append_basic_block("default")
    results = []
    leaves = sorted({k[0] for k in cpuid.TABLE})
    sw = b.switch(leaf, default)
    for leaf_v in leaves:
        bb = f.append_basic_block(f"leaf_{leaf_v:x}")
        sw.add_case(c32(leaf_v), bb)
        b.position_at_end(bb)
        subs = sorted(k[1] for k in cpuid.TABLE if k[0] == leaf_v and k[1] is not None)
        if not subs:
            results.append((cpuid.lookup(leaf_v, 0), bb))
            b.branch(done)
            continue
        anyb = f.append_basic_block(f"leaf_{leaf_v:x}_any")
        ssw = b.switch(sub, anyb)
        for s in subs:
            sb = f.append_basic_block(f"leaf_{leaf_v:x}_{s}")
            ssw.add_case(c32(s), sb)
            b.position_at_end(sb)
            results.append((cpuid.TABLE[(leaf_v, s)], sb))
            b.branch(done)
        b.position_at_end(anyb)
        results.append((cpuid.TABLE.get((leaf_v, None), (0, 0, 0, 0)), anyb))
        b.branch(done)
    b.position_at_end(default)
    results.append(((0, 0, 0, 0), default))
    b.branch(done)
    b.position_at_end(done)
    phis = []
    for k in range(4):
        phi = b.phi(I64)
        for vals, bb in results:
            phi.add_incoming(c64(vals[k]), bb)
        phis.append(phi)
    for phi, reg in zip(phis, ("rax", "rbx", "rcx", "rdx")):
        b.store(phi, _reg(rm, b, st, reg))
    b.ret_void()


def _rdtsc(rm):
    f, b = rm.define("rt_rdtsc", VOID, [rm.state_p])
    st = f.args[0]
    t = rm.backend.rdtsc(b)
    b.store(b.and_(t, c64(0xFFFF_FFFF)), _reg(rm, b, st, "rax"))
    b.store(b.lshr(t, c64(32)), _reg(rm, b, st, "rdx"))
    b.ret_void()
    f, b = rm.define("rt_rdtscp", VOID, [rm.state_p])
    st = f.args[0]
    t = rm.backend.rdtsc(b)
    b.store(b.and_(t, c64(0xFFFF_FFFF)), _reg(rm, b, st, "rax"))
    b.store(b.lshr(t, c64(32)), _reg(rm, b, st, "rdx"))
    b.store(c64(0), _reg(rm, b, st, "rcx"))
    b.ret_void()


def _xgetbv(rm):
    """XCR0 = x87 | SSE (no AVX state)."""
    f, b = rm.define("rt_xgetbv", VOID, [rm.state_p])
    st = f.args[0]
    b.store(c64(3), _reg(rm, b, st, "rax"))
    b.store(c64(0), _reg(rm, b, st, "rdx"))
    b.ret_void()


def _div128(rm):
    """rt_udiv128 / rt_idiv128(state, hi, lo, d, pc) -> {q, r}; a quotient that does not fit
    64 bits is the CPU's divide error: SIGFPE."""
    st_t = ir.LiteralStructType([I64, I64])
    for signed in (False, True):
        name = "rt_idiv128" if signed else "rt_udiv128"
        f, b = rm.define(name, st_t, [rm.state_p, I64, I64, I64, I64])
        st, hi, lo, d, pc = f.args
        if signed:
            # |dividend| / |d| must fit 63 bits (or be exactly 2^63 with a negative quotient);
            # checked in 128-bit arithmetic without division.
            I128 = ir.IntType(128)
            num = b.or_(b.shl(b.zext(hi, I128), ir.Constant(I128, 64)), b.zext(lo, I128))
            neg_n = b.icmp_signed("<", hi, c64(0))
            neg_d = b.icmp_signed("<", d, c64(0))
            an = b.select(neg_n, b.sub(ir.Constant(I128, 0), num), num)
            ad = b.zext(b.select(neg_d, b.sub(c64(0), d), d), I128)
            limit = b.select(b.xor(neg_n, neg_d), ir.Constant(I128, 1 << 63),
                             ir.Constant(I128, (1 << 63) - 1))
            # an / ad <= limit  <=>  an < (limit + 1) * ad
            ok = b.icmp_unsigned("<", an, b.mul(b.add(limit, ir.Constant(I128, 1)), ad))
        else:
            ok = b.icmp_unsigned("<", hi, d)
        with b.if_then(b.not_(ok), likely=False):
            b.store(pc, _reg(rm, b, st, "rip"))
            # #DE: the guest's SIGFPE handler runs if it has one (runtime/signals.py)
            b.call(rm.function("rt_fault", VOID, [rm.state_p, I32, I64], noreturn=True), [st, c32(SIGFPE), pc])
            b.unreachable()
        q, r = rm.backend.div128(b, hi, lo, d, signed)
        res = b.insert_value(ir.Constant(st_t, ir.Undefined), q, 0)
        res = b.insert_value(res, r, 1)
        b.ret(res)


def _fpenv(rm):
    """rt_fpenv_get(state): State.mxcsr = the host FP environment; rt_fpenv_set(state): the
    reverse.  The lifted SSE arithmetic is constrained (it rounds and raises flags as the
    host FPU says), so the host environment is the guest's MXCSR while translated code runs;
    State.mxcsr is brought up to date where the guest can see it (stmxcsr, fxsave, a signal
    frame) and written back where the guest sets it (ldmxcsr, fxrstor, sigreturn)."""
    f, b = rm.define("rt_fpenv_get", VOID, [rm.state_p])
    p = rm.field(b, f.args[0], "mxcsr")
    b.store(rm.backend.fpenv_get(rm, b, b.load(p)), p)
    b.ret_void()
    f, b = rm.define("rt_fpenv_set", VOID, [rm.state_p])
    rm.backend.fpenv_set(rm, b, b.load(rm.field(b, f.args[0], "mxcsr")))
    b.ret_void()
    # rt_x87cw_set(state): the same for the x87 control word (RC and PC of x87 arithmetic)
    f, b = rm.define("rt_x87cw_set", VOID, [rm.state_p])
    rm.backend.x87_control_set(rm, b, b.load(rm.field(b, f.args[0], "fpu_cw")))
    b.ret_void()


def _host_fpu(rm):
    """rt_<op>(state) for the x87 instructions the host's FPU runs (HOST_FPU: the partial
    remainder needs the FPU's own algorithm, the transcendental ones its own rounding), on
    State's ST0 and ST1: the results are stored back as the stack effect says (the lifter
    then pops or pushes, translator/semantics/x87.py), the condition codes the instruction
    defines are the host's, and the exceptions it raised are added to the sticky flags."""
    from translator.semantics.x87_float import HOST_FPU
    I16 = ir.IntType(16)
    for op, (effect, cc_bits) in HOST_FPU.items():
        f, b = rm.define(f"rt_{op}", VOID, [rm.state_p])
        st = f.args[0]
        p0 = b.bitcast(rm.field(b, st, "st0"), P8)
        # fxtract leaves the significand in ST7, which its push then discards
        p1 = b.bitcast(rm.field(b, st, "st7" if effect == "split" else "st1"), P8)
        hsw = rm.backend.x87_host(rm, b, op, p0, p1)
        p = rm.field(b, st, "fpu_sw")
        cc = sum(1 << c for c in cc_bits)
        sw = b.and_(b.load(p), ir.Constant(I16, 0xFFFF ^ cc))
        sw = b.or_(sw, b.and_(hsw, ir.Constant(I16, cc | 0x3F)))
        b.store(sw, p)
        b.ret_void()


def _rounding(rm):
    """trunc/floor/ceil/roundeven (and ldexp for long double), which LLVM may lower to libm
    calls (always for x86_fp80): exact, through a 64-bit integer conversion."""
    from translator.semantics.x87_float import F80
    types = ((ir.DoubleType(), ""), (ir.FloatType(), "f"))
    for t, sfx in types:
        _round_family(rm, t, sfx)
    if rm.backend.X87:      # hosts without x86_fp80 hold x87 registers in doubles (fscale: ldexp)
        _round_family(rm, F80, "l")
        _ldexp(rm, F80)
    else:
        _ldexp(rm, ir.DoubleType())


def _round_family(rm, t, sfx):
    def fconst(x):
        return ir.Constant(t, x)

    def intrinsic(b, name, args):
        f = rm.function(f"{name}.{ {'double': 'f64', 'float': 'f32'}.get(str(t), 'f80') }", t, [t] * len(args))
        return b.call(f, args)

    # truncX(x): |x| < 2^63 -> convert through i64 and restore the sign (for -0.0)
    f, b = rm.define(f"trunc{sfx}", t, [t])
    x = f.args[0]
    small = b.fcmp_ordered("<", intrinsic(b, "llvm.fabs", [x]), fconst(2.0 ** 63))
    with b.if_then(b.not_(small)):
        b.ret(x)
    r = b.sitofp(b.fptosi(x, I64), t)
    b.ret(intrinsic(b, "llvm.copysign", [r, x]))
    trunc = f

    f, b = rm.define(f"floor{sfx}", t, [t])
    x = f.args[0]
    tr = b.call(trunc, [x])
    b.ret(b.select(b.fcmp_ordered(">", tr, x), b.fsub(tr, fconst(1.0)), tr))

    f, b = rm.define(f"ceil{sfx}", t, [t])
    x = f.args[0]
    tr = b.call(trunc, [x])
    b.ret(b.select(b.fcmp_ordered("<", tr, x), b.fadd(tr, fconst(1.0)), tr))

    f, b = rm.define(f"roundeven{sfx}", t, [t])
    x = f.args[0]
    small = b.fcmp_ordered("<", intrinsic(b, "llvm.fabs", [x]), fconst(2.0 ** 62))
    with b.if_then(b.not_(small)):
        b.ret(x)
    tr = b.call(trunc, [x])
    d = intrinsic(b, "llvm.fabs", [b.fsub(x, tr)])
    odd = b.trunc(b.fptosi(tr, I64), I1)
    up = b.or_(b.fcmp_ordered(">", d, fconst(0.5)), b.and_(b.fcmp_ordered("==", d, fconst(0.5)), odd))
    away = b.fadd(tr, intrinsic(b, "llvm.copysign", [fconst(1.0), x]))
    b.ret(intrinsic(b, "llvm.copysign", [b.select(up, away, tr), x]))
    for alias in ("rint", "nearbyint"):      # the default rounding mode is to nearest-even
        g, gb = rm.define(f"{alias}{sfx}", t, [t])
        gb.ret(gb.call(f, [g.args[0]]))


def _ldexp(rm, t):
    """ldexpl(x, n) (x86_fp80) or ldexp(x, n) (double) = x * 2^n in at most three exact
    power-of-two steps."""
    if str(t) == "double":
        name, it, bias, shift, ibit, step = "ldexp", I64, 1023, 52, 0, 1000
    else:
        name, it, bias, shift, ibit, step = "ldexpl", ir.IntType(80), 16383, 64, 1 << 63, 16000
    f, b = rm.define(name, t, [t, I32])
    x, n = f.args
    v = x
    rest = n
    for _ in range(3):
        k = b.select(b.icmp_signed(">", rest, c32(step)), c32(step),
                     b.select(b.icmp_signed("<", rest, c32(-step)), c32(-step), rest))
        exp = b.zext(b.add(k, c32(bias)), it)
        p2 = b.bitcast(b.or_(b.shl(exp, ir.Constant(it, shift)), ir.Constant(it, ibit)), t)
        v = b.fmul(v, p2)
        rest = b.sub(rest, k)
    b.ret(v)
