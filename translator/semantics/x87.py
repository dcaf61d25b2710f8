"""x87 floating point, modelled in State.

The stack is kept in stack order: State field ``st<i>`` holds ST(i) (as FXSAVE and the signal
frame lay it out), so every register access has a constant index and LLVM forwards the values
within a function; a push or pop moves the eight slots. ``fpu_top`` still counts TOP (for
fnstsw), ``fpu_tag`` has bit i set when ST(i) is valid (stack order, not physical order),
``fpu_sw`` holds the condition codes and exception bits (TOP is merged in by fnstsw) and
``fpu_cw`` the control word, whose rounding control (bits 10-11) fist and frndint honour.
On a host with x86_fp80 (x86-64) values are LLVM ``x86_fp80``; arithmetic rounds to nearest
at full precision (the precision control field is ignored) and NaN choice is left to the
host's x87. On a host without it (aarch64) the registers are doubles: the documented 64-bit
approximation of translator/semantics/x87_float.py (long double computes as double; 80-bit
memory operands are converted, rounding to nearest-even on load; the instructions of
HOST_FPU, which the x86-64 host's own FPU runs, are not lifted there). Every semantic is written once against ``fp(ctx)``, the host's X87Float.
"""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift.function import Unsupported
from translator.semantics import semantic
from translator.semantics.sse_float import mxcsr_get, mxcsr_set, round_by, set_compare_flags, to_int
from translator.semantics.x87_float import C0, C1, C2, C3, FP64, FP80, HOST_FPU, I80, X87Float

I1, I8, I16, I32, I64 = (ir.IntType(n) for n in (1, 8, 16, 32, 64))
F32, F64 = ir.FloatType(), ir.DoubleType()


def fp(ctx) -> X87Float:
    """The host's x87 register type (LiftOptions.x87: the host compiles x86_fp80)."""
    return FP80 if ctx.lc.options.x87 else FP64


# Loaded constants (round to nearest), as raw encodings.
CONSTANTS = {
    "fldz": 0, "fld1": 0x3FFF_8000000000000000,
    "fldl2t": 0x4000_D49A784BCD1B8AFE, "fldl2e": 0x3FFF_B8AA3B295C17F0BC,
    "fldpi": 0x4000_C90FDAA22168C235, "fldlg2": 0x3FFD_9A209A84FBCFF799,
    "fldln2": 0x3FFE_B17217F7D1CF79AC,
}


# -- stack -------------------------------------------------------------------------------------
def _slot(ctx, i: int) -> ir.Value:
    return ctx.b.bitcast(ctx.field(f"st{i}"), fp(ctx).type.as_pointer())


def st(ctx, i: int) -> ir.Value:
    return ctx.b.load(_slot(ctx, i))


def set_st(ctx, i: int, v: ir.Value):
    ctx.b.store(v, _slot(ctx, i))


def _bump(ctx, name: str, fn):
    p = ctx.field(name)
    ctx.b.store(fn(ctx.b.load(p)), p)


def push(ctx, v: ir.Value):
    b = ctx.b
    old = [st(ctx, i) for i in range(7)]
    for i in range(7):
        set_st(ctx, i + 1, old[i])
    set_st(ctx, 0, v)
    _bump(ctx, "fpu_top", lambda t: b.and_(b.sub(t, ir.Constant(I32, 1)), ir.Constant(I32, 7)))
    _bump(ctx, "fpu_tag", lambda t: b.and_(b.or_(b.shl(t, ir.Constant(I32, 1)), ir.Constant(I32, 1)),
                                           ir.Constant(I32, 0xFF)))


def pop(ctx):
    """The old ST(0) becomes ST(7), tagged empty."""
    b = ctx.b
    old = [st(ctx, i) for i in range(8)]
    for i in range(8):
        set_st(ctx, i, old[(i + 1) % 8])
    _bump(ctx, "fpu_top", lambda t: b.and_(b.add(t, ir.Constant(I32, 1)), ir.Constant(I32, 7)))
    _bump(ctx, "fpu_tag", lambda t: b.lshr(t, ir.Constant(I32, 1)))


def st_index(op) -> int:
    if op.type != X.X86_OP_REG or not X.X86_REG_ST0 <= op.reg <= X.X86_REG_ST7:
        raise Unsupported("expected an x87 register")
    return op.reg - X.X86_REG_ST0


def set_cc(ctx, **cc):
    """Set condition codes in the status word: set_cc(c0=i1, c3=i1...); unnamed ones keep."""
    b = ctx.b
    bits = {"c0": C0, "c1": C1, "c2": C2, "c3": C3}
    p = ctx.field("fpu_sw")
    sw = b.load(p)
    mask = sum(1 << bits[k] for k in cc)
    sw = b.and_(sw, ir.Constant(I16, 0xFFFF ^ mask))
    for k, v in cc.items():
        sw = b.or_(sw, b.shl(b.zext(v, I16), ir.Constant(I16, bits[k])))
    b.store(sw, p)


IE, DE, ZE = 0, 1, 2


def raise_exc(ctx, bit: int, cond: ir.Value):
    """Set a sticky exception bit of the status word where ``cond`` holds (exceptions are
    masked: no trap, ES stays clear)."""
    b = ctx.b
    _bump(ctx, "fpu_sw", lambda sw: b.or_(sw, b.shl(b.zext(cond, I16), ir.Constant(I16, bit))))


def set_control_word(ctx, cw: ir.Value):
    """fpu_cw, and the host's x87 control word with it: x87 arithmetic is constrained, so it
    rounds as the host's RC and PC say, which are then the guest's (rt_x87cw_set)."""
    ctx.b.store(cw, ctx.field("fpu_cw"))
    ctx.call_rt("rt_x87cw_set", [], sync=False)


def rounding(ctx) -> ir.Value:
    """Control word RC (bits 10-11) as i32: 0 nearest, 1 down, 2 up, 3 toward zero."""
    b = ctx.b
    cw = b.zext(b.load(ctx.field("fpu_cw")), I32)
    return b.and_(b.lshr(cw, ir.Constant(I32, 10)), ir.Constant(I32, 3))


def load_float(ctx, op) -> ir.Value:
    """A memory operand of 4, 8 or 10 bytes as the host's x87 type."""
    a = ctx.addr(op)
    h = fp(ctx)
    if op.size == 10:
        return h.from_m80(ctx, ctx.load(a, I80))
    if op.size in (4, 8):
        bits = op.size * 8
        raw = ctx.load(a, ir.IntType(bits))
        exp, quiet = (0x7F80_0000, 1 << 22) if bits == 32 else (0x7FF << 52, 1 << 51)
        frac = (1 << (23 if bits == 32 else 52)) - 1
        b = ctx.b
        t = raw.type
        snan = b.and_(b.icmp_unsigned("==", b.and_(raw, ir.Constant(t, exp | quiet)), ir.Constant(t, exp)),
                      b.icmp_unsigned("!=", b.and_(raw, ir.Constant(t, frac)), ir.Constant(t, 0)))
        raise_exc(ctx, IE, snan)
        # a denormal single or double operand raises DE (an 80-bit one does not)
        denormal = b.and_(b.icmp_unsigned("==", b.and_(raw, ir.Constant(t, exp)), ir.Constant(t, 0)),
                          b.icmp_unsigned("!=", b.and_(raw, ir.Constant(t, frac)), ir.Constant(t, 0)))
        raise_exc(ctx, DE, denormal)
        # constrained: a plain fpext would let LLVM fold it into a float or double compare or
        # conversion done with SSE, whose flags would land in the guest's MXCSR
        v = b.bitcast(raw, F32 if bits == 32 else F64)
        if v.type == h.type:    # no conversion: quiet a signalling NaN as fpext would
            return b.bitcast(b.select(snan, b.or_(raw, ir.Constant(t, quiet)), raw), h.type)
        return ctx.constrained("fpext", h.type, [v], rounding=False, suffix=(h.type, v.type))
    raise Unsupported("x87 memory operand size")


def load_int(ctx, op) -> ir.Value:
    i = ctx.get(op)     # constrained for the reason given in load_float
    t = fp(ctx).type
    return ctx.constrained("sitofp", t, [i], suffix=(t, i.type))


def operand_value(ctx, op, integer=False) -> ir.Value:
    if op.type == X.X86_OP_MEM:
        return load_int(ctx, op) if integer else load_float(ctx, op)
    return st(ctx, st_index(op))


# -- loads and stores --------------------------------------------------------------------------
@semantic("fld")
def fld(ctx, insn):
    push(ctx, operand_value(ctx, insn.operands[0]))


@semantic("fild")
def fild(ctx, insn):
    push(ctx, load_int(ctx, insn.operands[0]))


@semantic("fldz", "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2")
def fldconst(ctx, insn):
    push(ctx, fp(ctx).constant(CONSTANTS[insn.mnemonic]))


def narrow(ctx, v: ir.Value, to: ir.Type) -> ir.Value:
    """v rounded to float or double as the control word's RC says: rounded to nearest, then
    moved one step (on the bits) when that went the wrong way for RC down, up or to zero."""
    b = ctx.b
    h = fp(ctx).type
    if to == h:
        return v
    it = ir.IntType(32 if to == F32 else 64)
    rn = ctx.constrained("fptrunc", to, [v], suffix=(to, h))
    back = ctx.constrained("fpext", h, [rn], rounding=False, suffix=(h, to))
    above, below = b.fcmp_ordered(">", back, v), b.fcmp_ordered("<", back, v)
    bits = b.bitcast(rn, it)
    neg = b.icmp_signed("<", bits, ir.Constant(it, 0))
    one = ir.Constant(it, 1)
    # a step toward -inf is +1 on a negative value's bits, -1 on a positive one's (+0 -> -min)
    down = b.select(neg, b.add(bits, one),
                    b.select(b.icmp_unsigned("==", bits, ir.Constant(it, 0)),
                             ir.Constant(it, (1 << (it.width - 1)) | 1), b.sub(bits, one)))
    up = b.select(neg, b.select(b.icmp_unsigned("==", bits, ir.Constant(it, 1 << (it.width - 1))),
                                one, b.sub(bits, one)), b.add(bits, one))
    rc = rounding(ctx)
    toward_zero = b.select(neg, up, down)
    away = b.select(neg, below, above)      # |rn| > |v|
    out = bits
    out = b.select(b.and_(b.icmp_unsigned("==", rc, ir.Constant(I32, 1)), above), down, out)
    out = b.select(b.and_(b.icmp_unsigned("==", rc, ir.Constant(I32, 2)), below), up, out)
    out = b.select(b.and_(b.icmp_unsigned("==", rc, ir.Constant(I32, 3)), away), toward_zero, out)
    return b.bitcast(out, to)


@semantic(*HOST_FPU)
def host_fpu(ctx, insn):
    """fprem/fprem1 (one partial-remainder step of ST0 by ST1; C2 set: not finished),
    f2xm1, fsin, fcos, fpatan, fyl2x, fyl2xp1 and fxtract, run by the host's own FPU on
    State's registers (runtime/support.py _host_fpu), so results, C1 and exceptions are
    the hardware's; not on a host without x86_fp80 (the instruction is then
    rt_unimplemented)."""
    m = insn.mnemonic
    if fp(ctx) is not FP80:
        raise Unsupported(f"{m} needs the host's x87")
    ctx.call_rt("rt_" + m, [], sync=False)
    effect = HOST_FPU[m][0]
    if effect == "popping":
        pop(ctx)
    elif effect == "split":
        push(ctx, st(ctx, 7))


@semantic("fst", "fstp")
def fst(ctx, insn):
    op = insn.operands[0]
    v = st(ctx, 0)
    if op.type == X.X86_OP_MEM:
        if op.size == 10:
            ctx.store(ctx.addr(op), fp(ctx).to_m80(ctx, v))
        elif op.size in (4, 8):
            ctx.store(ctx.addr(op), narrow(ctx, v, F32 if op.size == 4 else F64))
        else:
            raise Unsupported("x87 store size")
    else:
        set_st(ctx, st_index(op), v)
    if insn.mnemonic == "fstp":
        pop(ctx)


@semantic("fist", "fistp", "fisttp")
def fist(ctx, insn):
    """Rounded by the control word (fisttp truncates); out of range or NaN stores the integer
    indefinite."""
    op = insn.operands[0]
    mode = 3 if insn.mnemonic == "fisttp" else rounding(ctx)
    ctx.set(op, to_int(ctx, round_by(ctx, st(ctx, 0), mode), op.size * 8))
    if insn.mnemonic != "fist":
        pop(ctx)


@semantic("fxch")
def fxch(ctx, insn):
    i = st_index(insn.operands[-1]) if insn.operands else 1
    a, b_ = st(ctx, 0), st(ctx, i)
    set_st(ctx, 0, b_)
    set_st(ctx, i, a)


@semantic("fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu")
def fcmov(ctx, insn):
    b = ctx.b
    m = insn.mnemonic[5:]
    neg = m.startswith("n")
    base = m[1:] if neg else m
    c = {"b": lambda: ctx.flag("cf"), "e": lambda: ctx.flag("zf"), "u": lambda: ctx.flag("pf"),
         "be": lambda: b.or_(ctx.flag("cf"), ctx.flag("zf"))}[base]()
    if neg:
        c = b.not_(c)
    set_st(ctx, 0, b.select(c, st(ctx, st_index(insn.operands[-1])), st(ctx, 0)))


# -- arithmetic --------------------------------------------------------------------------------
_ARITH = ("fadd", "faddp", "fsub", "fsubp", "fsubr", "fsubrp", "fmul", "fmulp", "fdiv", "fdivp",
          "fdivr", "fdivrp", "fiadd", "fisub", "fisubr", "fimul", "fidiv", "fidivr")


@semantic(*[m for m in _ARITH if m != "faddp"])
def farith(ctx, insn):
    """dest = dest op other (the r forms: other op dest); p forms pop after."""
    b = ctx.b
    m = insn.mnemonic
    integer = m.startswith("fi")
    name = m[2:] if integer else m[1:]
    popping = name.endswith("p")
    name = name.rstrip("p")
    rev = name.endswith("r")
    op_name = name[:-1] if rev else name
    ops = insn.operands
    if popping:
        dest, other = st_index(ops[0]) if ops else 1, st(ctx, 0)
    elif len(ops) == 2:
        dest, other = st_index(ops[0]), st(ctx, st_index(ops[1]))
    elif len(ops) == 1:
        dest, other = 0, operand_value(ctx, ops[0], integer)
    else:
        raise Unsupported(m)
    x = st(ctx, dest)
    lhs, rhs = (other, x) if rev else (x, other)
    t = fp(ctx).type
    r = ctx.constrained("f" + op_name, t, [lhs, rhs])   # RC and PC from the control word
    if op_name == "div":
        zero = ir.Constant(t, 0.0)
        finite_nonzero = b.and_(b.fcmp_ordered("!=", lhs, zero),
                                b.fcmp_ordered("<", ctx.intrinsic("llvm.fabs", t, [lhs]),
                                               ir.Constant(t, float("inf"))))
        raise_exc(ctx, ZE, b.and_(b.fcmp_ordered("==", rhs, zero), finite_nonzero))
    set_st(ctx, dest, r)
    if popping:
        pop(ctx)


@semantic("fchs", "fabs", "fsqrt", "frndint")
def funary(ctx, insn):
    m = insn.mnemonic
    x = st(ctx, 0)
    if m == "fchs":
        r = ctx.b.fneg(x)
    elif m == "fabs":
        r = ctx.intrinsic("llvm.fabs", x.type, [x])
    elif m == "fsqrt":
        r = ctx.constrained("sqrt", x.type, [x])
    else:
        r = round_by(ctx, x, rounding(ctx))
    set_st(ctx, 0, r)


@semantic("fscale")
def fscale(ctx, insn):
    """ST(0) * 2^trunc(ST(1)); the exponent is clamped (beyond +-65536 the result is already
    zero or infinite); a NaN in either comes out as the x87 picks it."""
    b = ctx.b
    x, y = st(ctx, 0), st(ctx, 1)
    ft = x.type
    t = ctx.intrinsic("llvm.trunc", ft, [y])
    lim = 65536.0
    t = b.select(b.fcmp_ordered(">", t, ir.Constant(ft, lim)), ir.Constant(ft, lim), t)
    t = b.select(b.fcmp_ordered("<", t, ir.Constant(ft, -lim)), ir.Constant(ft, -lim), t)
    t = b.select(b.fcmp_unordered("uno", t, t), ir.Constant(ft, 0.0), t)
    r = ctx.intrinsic("llvm.ldexp", ft, [x, b.fptosi(t, I32)])
    nan = b.fcmp_unordered("uno", x, y)
    set_st(ctx, 0, b.select(nan, b.fadd(x, y), r))


# -- compares and classification ---------------------------------------------------------------
def _cc_compare(ctx, a, s, unordered=False):
    """Condition codes of a compare; an ordered compare (fcom) signals IE on any NaN, an
    unordered one (fucom) on a signalling NaN only."""
    b = ctx.b
    if unordered:
        raise_exc(ctx, IE, b.or_(fp(ctx).is_snan(ctx, a), fp(ctx).is_snan(ctx, s)))
    else:
        raise_exc(ctx, IE, b.fcmp_unordered("uno", a, s))
    set_cc(ctx, c0=b.fcmp_unordered("<", a, s), c2=b.fcmp_unordered("uno", a, s),
           c3=b.fcmp_unordered("==", a, s), c1=ir.Constant(I1, 0))


@semantic("fcom", "fcomp", "fucom", "fucomp", "ficom", "ficomp")
def fcom(ctx, insn):
    ops = insn.operands
    s = operand_value(ctx, ops[0], insn.mnemonic.startswith("fi")) if ops else st(ctx, 1)
    _cc_compare(ctx, st(ctx, 0), s, insn.mnemonic.startswith("fu"))
    if insn.mnemonic.endswith("p"):
        pop(ctx)


@semantic("fcompp", "fucompp")
def fcompp(ctx, insn):
    _cc_compare(ctx, st(ctx, 0), st(ctx, 1), insn.mnemonic == "fucompp")
    pop(ctx)
    pop(ctx)


@semantic("ftst")
def ftst(ctx, insn):
    _cc_compare(ctx, st(ctx, 0), fp(ctx).constant(0.0))


@semantic("fcomi", "fucomi", "fcompi", "fucompi")
def fcomi(ctx, insn):
    i = st_index(insn.operands[-1]) if insn.operands else 1
    set_compare_flags(ctx, st(ctx, 0), st(ctx, i))
    if insn.mnemonic.endswith("pi"):
        pop(ctx)


@semantic("fxam")
def fxam(ctx, insn):
    """C3 C2 C0: unsupported 000, NaN 001, normal 010, infinity 011, zero 100, empty 101,
    denormal 110; C1 the sign."""
    b = ctx.b
    k = fp(ctx).classify(ctx, st(ctx, 0))
    empty = b.icmp_unsigned("==", b.and_(b.load(ctx.field("fpu_tag")), ir.Constant(I32, 1)),
                            ir.Constant(I32, 0))
    zero, denormal, inf, nan, normal = (k[c] for c in ("zero", "denormal", "inf", "nan", "normal"))
    c3 = b.or_(empty, b.or_(zero, denormal))
    c2 = b.and_(b.not_(empty), b.or_(normal, b.or_(inf, denormal)))
    c0 = b.or_(empty, b.and_(b.not_(empty), b.or_(nan, inf)))
    set_cc(ctx, c0=c0, c1=k["sign"], c2=c2, c3=c3)


# -- control -----------------------------------------------------------------------------------
@semantic("fnstsw")
def fnstsw(ctx, insn):
    ctx.set(insn.operands[0], status_word(ctx))


@semantic("fnstcw")
def fnstcw(ctx, insn):
    ctx.set(insn.operands[0], ctx.b.load(ctx.field("fpu_cw")))


@semantic("fldcw")
def fldcw(ctx, insn):
    set_control_word(ctx, ctx.get(insn.operands[0], 16))


@semantic("fninit")
def fninit(ctx, insn):
    b = ctx.b
    set_control_word(ctx, ir.Constant(I16, 0x037F))
    b.store(ir.Constant(I16, 0), ctx.field("fpu_sw"))
    b.store(ir.Constant(I32, 0), ctx.field("fpu_top"))
    b.store(ir.Constant(I32, 0), ctx.field("fpu_tag"))


@semantic("fnclex")
def fnclex(ctx, insn):
    _bump(ctx, "fpu_sw", lambda sw: ctx.b.and_(sw, ir.Constant(I16, 0x7F00)))


@semantic("wait", "fnop")
def fwait(ctx, insn):
    """No unmasked x87 exceptions are modelled: nothing to wait for."""


@semantic("ffree", "ffreep")
def ffree(ctx, insn):
    """ST(i) tagged empty (ffreep: then a pop, as compilers use it to drop ST0)."""
    i = st_index(insn.operands[0])
    _bump(ctx, "fpu_tag", lambda t: ctx.b.and_(t, ir.Constant(I32, 0xFF ^ (1 << i))))
    if insn.mnemonic == "ffreep":
        pop(ctx)


@semantic("fincstp", "fdecstp")
def fincdec(ctx, insn):
    """Rotate the stack without changing tags' registers."""
    b = ctx.b
    old = [st(ctx, i) for i in range(8)]
    inc = insn.mnemonic == "fincstp"
    step = 1 if inc else 7
    for i in range(8):
        set_st(ctx, i, old[(i + step) % 8])
    _bump(ctx, "fpu_top", lambda t: b.and_(b.add(t, ir.Constant(I32, step)), ir.Constant(I32, 7)))

    def rot(t):
        if inc:
            return b.and_(b.or_(b.lshr(t, ir.Constant(I32, 1)), b.shl(t, ir.Constant(I32, 7))),
                          ir.Constant(I32, 0xFF))
        return b.and_(b.or_(b.shl(t, ir.Constant(I32, 1)), b.lshr(t, ir.Constant(I32, 7))),
                      ir.Constant(I32, 0xFF))
    _bump(ctx, "fpu_tag", rot)


# -- environment and whole-state save/restore ----------------------------------------------------
def status_word(ctx) -> ir.Value:
    """FSW with TOP in bits 11-13."""
    b = ctx.b
    sw = b.and_(b.load(ctx.field("fpu_sw")), ir.Constant(I16, 0xFFFF ^ 0x3800))
    top = b.trunc(b.and_(b.load(ctx.field("fpu_top")), ir.Constant(I32, 7)), I16)
    return b.or_(sw, b.shl(top, ir.Constant(I16, 11)))


def _set_status_word(ctx, sw: ir.Value):
    b = ctx.b
    b.store(b.and_(sw, ir.Constant(I16, 0xFFFF ^ 0x3800)), ctx.field("fpu_sw"))
    b.store(b.zext(b.and_(b.lshr(sw, ir.Constant(I16, 11)), ir.Constant(I16, 7)), I32),
            ctx.field("fpu_top"))


def _physical_valid(ctx) -> ir.Value:
    """8-bit mask: bit j set when physical register j is in use (our tags are in stack order:
    ST(i) is physical (TOP + i) mod 8)."""
    b = ctx.b
    tag = b.and_(b.load(ctx.field("fpu_tag")), ir.Constant(I32, 0xFF))
    top = b.and_(b.load(ctx.field("fpu_top")), ir.Constant(I32, 7))
    rot = b.or_(b.shl(tag, top), b.lshr(tag, b.sub(ir.Constant(I32, 8), top)))
    return b.and_(rot, ir.Constant(I32, 0xFF))


def _set_physical_valid(ctx, phys: ir.Value):
    """Inverse of _physical_valid, with TOP already set."""
    b = ctx.b
    top = b.and_(b.load(ctx.field("fpu_top")), ir.Constant(I32, 7))
    p = b.and_(phys, ir.Constant(I32, 0xFF))
    rot = b.or_(b.lshr(p, top), b.shl(p, b.sub(ir.Constant(I32, 8), top)))
    b.store(b.and_(rot, ir.Constant(I32, 0xFF)), ctx.field("fpu_tag"))


def _full_tags(ctx, phys: ir.Value) -> ir.Value:
    """The 16-bit tag word: 00 (valid) or 11 (empty) per physical register."""
    b = ctx.b
    w = ir.Constant(I32, 0)
    for j in range(8):
        empty = b.xor(b.and_(b.lshr(phys, ir.Constant(I32, j)), ir.Constant(I32, 1)), ir.Constant(I32, 1))
        w = b.or_(w, b.mul(empty, ir.Constant(I32, 3 << (2 * j))))
    return b.trunc(w, I16)


def _tags_from_full(ctx, tw: ir.Value) -> ir.Value:
    b = ctx.b
    phys = ir.Constant(I32, 0)
    t = b.zext(tw, I32)
    for j in range(8):
        two = b.and_(b.lshr(t, ir.Constant(I32, 2 * j)), ir.Constant(I32, 3))
        valid = b.zext(b.icmp_unsigned("!=", two, ir.Constant(I32, 3)), I32)
        phys = b.or_(phys, b.shl(valid, ir.Constant(I32, j)))
    return phys


def _at(ctx, base: ir.Value, off: int) -> ir.Value:
    return ctx.b.add(base, ir.Constant(ir.IntType(64), off))


@semantic("fnstenv")
def fnstenv(ctx, insn):
    """The 28-byte protected-mode environment (instruction and operand pointers read as 0);
    afterwards every x87 exception is masked, as the CPU does."""
    b = ctx.b
    a = ctx.addr(insn.operands[0])
    cw = b.load(ctx.field("fpu_cw"))
    ctx.store(a, b.zext(cw, I32))
    ctx.store(_at(ctx, a, 4), b.zext(status_word(ctx), I32))
    ctx.store(_at(ctx, a, 8), b.or_(b.zext(_full_tags(ctx, _physical_valid(ctx)), I32),
                                    ir.Constant(I32, 0xFFFF0000)))
    for off in (12, 16, 20, 24):
        ctx.store(_at(ctx, a, off), ir.Constant(I32, 0xFFFF0000 if off == 24 else 0))
    set_control_word(ctx, b.or_(cw, ir.Constant(I16, 0x3F)))


@semantic("fldenv")
def fldenv(ctx, insn):
    """Loads control, status and tag words. The register slots are not rotated when the
    loaded TOP differs from the current one (glibc restores what it saved)."""
    a = ctx.addr(insn.operands[0])
    set_control_word(ctx, ctx.load(a, I16))
    _set_status_word(ctx, ctx.load(_at(ctx, a, 4), I16))
    _set_physical_valid(ctx, _tags_from_full(ctx, ctx.load(_at(ctx, a, 8), I16)))


_F80_SLOT = ir.ArrayType(ir.IntType(8), 16)


@semantic("fxsave", "fxsave64")
def fxsave(ctx, insn):
    """The 512-byte FXSAVE area: x87 control/status/abridged tags, MXCSR, ST(0..7), XMM0..15."""
    b = ctx.b
    a = ctx.addr(insn.operands[0])
    ctx.store(a, b.load(ctx.field("fpu_cw")))
    ctx.store(_at(ctx, a, 2), status_word(ctx))
    ctx.store(_at(ctx, a, 4), b.trunc(_physical_valid(ctx), ir.IntType(8)))
    ctx.store(_at(ctx, a, 5), ir.Constant(ir.IntType(8), 0))
    ctx.store(_at(ctx, a, 6), ir.Constant(I16, 0))
    ctx.store(_at(ctx, a, 8), ir.Constant(ir.IntType(128), 0))
    ctx.store(_at(ctx, a, 24), mxcsr_get(ctx))
    ctx.store(_at(ctx, a, 28), ir.Constant(I32, 0xFFFF))
    for i in range(8):
        ctx.store(_at(ctx, a, 32 + 16 * i), b.zext(fp(ctx).to_m80(ctx, st(ctx, i)), ir.IntType(128)))
    for i in range(16):
        ctx.store(_at(ctx, a, 160 + 16 * i), ctx.xmm_reg(X.X86_REG_XMM0 + i))


@semantic("fxrstor", "fxrstor64")
def fxrstor(ctx, insn):
    b = ctx.b
    a = ctx.addr(insn.operands[0])
    set_control_word(ctx, ctx.load(a, I16))
    _set_status_word(ctx, ctx.load(_at(ctx, a, 2), I16))
    _set_physical_valid(ctx, b.zext(ctx.load(_at(ctx, a, 4), ir.IntType(8)), I32))
    mxcsr_set(ctx, ctx.load(_at(ctx, a, 24), I32))
    for i in range(8):
        set_st(ctx, i, fp(ctx).from_m80(ctx, ctx.load(_at(ctx, a, 32 + 16 * i), I80)))
    for i in range(16):
        ctx.set_xmm_reg(X.X86_REG_XMM0 + i, ctx.load(_at(ctx, a, 160 + 16 * i), ir.IntType(128)))
