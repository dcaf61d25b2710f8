"""SSE/SSE2/SSE3/SSE4.1 floating point: scalar and packed arithmetic, compares, conversions,
shuffles, rounding, blends and MXCSR.

x86 NaN rules are written out rather than left to the host: a NaN operand propagates quieted
(the first operand's when both are NaN), an invalid operation gives the "real indefinite"
(negative quiet NaN), min/max return the second operand when either is NaN or both are zero,
and float to integer conversions give the "integer indefinite" (0x80000000...) when the value
does not fit. Arithmetic rounds to nearest even (MXCSR's default); conversions to integer and
the round instructions honour MXCSR.RC.
"""
from __future__ import annotations

from llvmlite import ir

from translator.lift.function import Unsupported
from translator.semantics import semantic
from translator.semantics.sse_int import (flat, imm, interleave, is_xmm, lanes, operands, shuffle,
                                          splat, vt, xmm0)

I1, I8, I16, I32, I64, I128 = (ir.IntType(n) for n in (1, 8, 16, 32, 64, 128))
F32, F64 = ir.FloatType(), ir.DoubleType()
FT = {32: F32, 64: F64}
QUIET = {32: 1 << 22, 64: 1 << 51}
INDEFINITE = {32: 0xFFC0_0000, 64: 0xFFF8_0000_0000_0000}


def ftype(bits: int, n: int | None) -> ir.Type:
    return FT[bits] if n is None else ir.VectorType(FT[bits], n)


def itype(bits: int, n: int | None) -> ir.Type:
    return ir.IntType(bits) if n is None else vt(bits, n)


def iconst(bits: int, n: int | None, x: int) -> ir.Constant:
    return ir.Constant(ir.IntType(bits), x) if n is None else splat(vt(bits, n), x)


def merge_low(ctx, old: ir.Value, bits: int, value: ir.Value) -> ir.Value:
    """Replace the low ``bits`` of a 128-bit value with an integer ``value``."""
    b = ctx.b
    keep = ir.Constant(I128, ((1 << 128) - 1) ^ ((1 << bits) - 1))
    return b.or_(b.and_(old, keep), b.zext(value, I128))


def isnan(ctx, x: ir.Value) -> ir.Value:
    return ctx.b.fcmp_unordered("uno", x, x)


def nan_rules(ctx, bits, n, ai, bi, a, b_, r):
    """x86 NaN propagation for r = a op b_ (float values a, b_, r; integer bits ai, bi); returns
    the result's integer bits."""
    b = ctx.b
    ri = b.bitcast(r, itype(bits, n))
    q = iconst(bits, n, QUIET[bits])
    ri = b.select(isnan(ctx, r), iconst(bits, n, INDEFINITE[bits]), ri)
    if b_ is not None:
        ri = b.select(isnan(ctx, b_), b.or_(bi, q), ri)
    return b.select(isnan(ctx, a), b.or_(ai, q), ri)


def arith(ctx, op: str, bits: int, n, ai, bi):
    """One arithmetic op on integer-bit inputs (scalar: n None; packed: n lanes)."""
    b = ctx.b
    ft = ftype(bits, n)
    a, s = b.bitcast(ai, ft), b.bitcast(bi, ft)
    if op in ("min", "max"):
        c = b.fcmp_ordered("<" if op == "min" else ">", a, s)
        return b.select(c, ai, bi)
    if op == "sqrt":
        r = ctx.intrinsic("llvm.sqrt", ft, [s])
        return nan_rules(ctx, bits, n, bi, None, s, None, r)
    r = {"add": b.fadd, "sub": b.fsub, "mul": b.fmul, "div": b.fdiv}[op](a, s)
    return nan_rules(ctx, bits, n, ai, bi, a, s, r)


@semantic("addsd", "subsd", "mulsd", "divsd", "minsd", "maxsd", "sqrtsd",
          "addss", "subss", "mulss", "divss", "minss", "maxss", "sqrtss")
def scalar_arith(ctx, insn):
    m = insn.mnemonic
    bits = 64 if m.endswith("sd") else 32
    dst, src = insn.operands
    old = ctx.get(dst, 128)
    ai = ctx.b.trunc(old, ir.IntType(bits))
    bi = ctx.get(src, bits)
    ctx.set(dst, merge_low(ctx, old, bits, arith(ctx, m[:-2], bits, None, ai, bi)))


@semantic("addpd", "subpd", "mulpd", "divpd", "minpd", "maxpd", "sqrtpd",
          "addps", "subps", "mulps", "divps", "minps", "maxps", "sqrtps")
def packed_arith(ctx, insn):
    m = insn.mnemonic
    bits = 64 if m.endswith("pd") else 32
    dst, a, s = operands(ctx, insn)
    r = arith(ctx, m[:-2], bits, 128 // bits, lanes(ctx, a, bits), lanes(ctx, s, bits))
    ctx.set(dst, flat(ctx, r))


@semantic("andpd", "andps", "andnpd", "andnps", "orpd", "orps", "xorpd", "xorps")
def flogic(ctx, insn):
    dst, a, s = operands(ctx, insn)
    b = ctx.b
    m = insn.mnemonic[:-2]
    if m == "xor" and is_xmm(insn.operands[1]) and insn.operands[1].reg == dst.reg:
        r = ir.Constant(I128, 0)
    else:
        r = {"and": lambda: b.and_(a, s), "andn": lambda: b.and_(b.not_(a), s),
             "or": lambda: b.or_(a, s), "xor": lambda: b.xor(a, s)}[m]()
    ctx.set(dst, r)


# -- compares ----------------------------------------------------------------------------------
@semantic("ucomisd", "ucomiss", "comisd", "comiss")
def comis(ctx, insn):
    """ZF PF CF: unordered 111, less 001, equal 100, greater 000; OF SF AF cleared."""
    bits = 64 if insn.mnemonic.endswith("sd") else 32
    a = ctx.b.bitcast(ctx.get(insn.operands[0], bits), FT[bits])
    s = ctx.b.bitcast(ctx.get(insn.operands[1], bits), FT[bits])
    set_compare_flags(ctx, a, s)


def set_compare_flags(ctx, a, s):
    b = ctx.b
    ctx.set_flag("zf", b.fcmp_unordered("==", a, s))
    ctx.set_flag("pf", b.fcmp_unordered("uno", a, s))
    ctx.set_flag("cf", b.fcmp_unordered("<", a, s))
    for f in ("of", "sf", "af"):
        ctx.set_flag(f, ir.Constant(I1, 0))


# Predicates 0-7 of cmpps/cmppd/cmpss/cmpsd: (ordered?, LLVM op).
PREDICATES = {"eq": (True, "=="), "lt": (True, "<"), "le": (True, "<="), "unord": (False, "uno"),
              "neq": (False, "!="), "nlt": (False, ">="), "nle": (False, ">"), "ord": (True, "ord")}
PRED_NAMES = ("eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord")


def _compare_form(insn):
    """(predicate name, 'ss'|'sd'|'ps'|'pd'): capstone prints the predicate in the mnemonic
    (cmpltsd) and gives these forms unrelated ids, so the mnemonic text is the truth."""
    m = insn.mnemonic
    if not m.startswith("cmp") or m[-2:] not in ("ss", "sd", "ps", "pd"):
        raise Unsupported(m)
    pred = m[3:-2]
    if pred == "":
        pred = PRED_NAMES[imm(insn) & 7]
    if pred not in PREDICATES:
        raise Unsupported(m)
    return pred, m[-2:]


def fcompare(ctx, pred: str, a, s):
    ordered, op = PREDICATES[pred]
    return (ctx.b.fcmp_ordered if ordered else ctx.b.fcmp_unordered)(op, a, s)


def cmp_fp(ctx, insn):
    """cmp<pred>{ss,sd,ps,pd}: each lane all ones where the predicate holds."""
    b = ctx.b
    pred, form = _compare_form(insn)
    bits = 64 if form[1] == "d" else 32
    dst, src = insn.operands[0], insn.operands[1]
    old = ctx.get(dst, 128)
    if form[0] == "s":
        a = b.bitcast(b.trunc(old, ir.IntType(bits)), FT[bits])
        s = b.bitcast(ctx.get(src, bits), FT[bits])
        r = b.sext(fcompare(ctx, pred, a, s), ir.IntType(bits))
        ctx.set(dst, merge_low(ctx, old, bits, r))
    else:
        n = 128 // bits
        a = b.bitcast(old, ftype(bits, n))
        s = b.bitcast(ctx.get(src, 128), ftype(bits, n))
        ctx.set(dst, flat(ctx, b.sext(fcompare(ctx, pred, a, s), vt(bits, n))))


# Capstone 5 gives cmp<pred>xx the ids of cmppd + predicate (cmpeqsd is X86_INS_CMPPD,
# cmpltss X86_INS_CMPPS, cmpnltpd X86_INS_CMPSS...); those three ids are registered here and
# cmp_fp reads the form from the mnemonic. X86_INS_CMPSD is the string instruction's id too:
# sse_move delegates the SSE2 form to cmpsd_sse.
semantic("cmppd", "cmpps", "cmpss")(cmp_fp)


def cmpsd_sse(ctx, insn):
    """cmpsd xmm, xmm/m64, imm (and every cmp<pred>xx form capstone gives the same id)."""
    cmp_fp(ctx, insn)


# -- conversions -------------------------------------------------------------------------------
def mxcsr_rc(ctx) -> ir.Value:
    """MXCSR.RC (bits 13-14) as i32: 0 nearest, 1 down, 2 up, 3 toward zero."""
    b = ctx.b
    v = b.load(ctx.field("mxcsr"))
    return b.and_(b.lshr(v, ir.Constant(I32, 13)), ir.Constant(I32, 3))


ROUND_INTRINSICS = ("llvm.roundeven", "llvm.floor", "llvm.ceil", "llvm.trunc")


def round_by(ctx, x: ir.Value, mode: ir.Value | int) -> ir.Value:
    """Round to an integral value by an x86 rounding-control value (constant or i32)."""
    if isinstance(mode, int):
        return ctx.intrinsic(ROUND_INTRINSICS[mode], x.type, [x])
    b = ctx.b
    r = [ctx.intrinsic(name, x.type, [x]) for name in ROUND_INTRINSICS]
    out = r[3]
    for k in (2, 1, 0):
        out = b.select(b.icmp_unsigned("==", mode, ir.Constant(I32, k)), r[k], out)
    return out


def to_int(ctx, x: ir.Value, bits: int) -> ir.Value:
    """fptosi of an already integral value; out of range or NaN gives the integer indefinite.
    Works on scalars and vectors."""
    b = ctx.b
    n = x.type.count if isinstance(x.type, ir.VectorType) else None
    et = x.type.element if n else x.type
    lo = ir.Constant(et, -float(2 ** (bits - 1)))
    hi = ir.Constant(et, float(2 ** (bits - 1)))
    if n:
        lo, hi = ir.Constant(x.type, [lo] * n), ir.Constant(x.type, [hi] * n)
    ok = b.and_(b.fcmp_ordered(">=", x, lo), b.fcmp_ordered("<", x, hi))
    it = itype(bits, n)
    return b.select(ok, b.fptosi(x, it), iconst(bits, n, 1 << (bits - 1)))


@semantic("cvtsi2sd", "cvtsi2ss")
def cvtsi2f(ctx, insn):
    dst, src = insn.operands
    bits = 64 if insn.mnemonic.endswith("sd") else 32
    v = ctx.b.sitofp(ctx.get(src), FT[bits])
    ctx.set(dst, merge_low(ctx, ctx.get(dst, 128), bits, ctx.b.bitcast(v, ir.IntType(bits))))


@semantic("cvttsd2si", "cvttss2si", "cvtsd2si", "cvtss2si")
def cvtf2si(ctx, insn):
    m = insn.mnemonic
    dst, src = insn.operands
    bits = 64 if m.endswith("sd2si") else 32
    x = ctx.b.bitcast(ctx.get(src, bits), FT[bits])
    x = round_by(ctx, x, 3 if m.startswith("cvtt") else mxcsr_rc(ctx))
    ctx.set(dst, to_int(ctx, x, dst.size * 8))


@semantic("cvtsd2ss", "cvtss2sd")
def cvtf2f(ctx, insn):
    b = ctx.b
    dst, src = insn.operands
    if insn.mnemonic == "cvtsd2ss":
        r = b.fptrunc(b.bitcast(ctx.get(src, 64), F64), F32)
        bits = 32
    else:
        r = b.fpext(b.bitcast(ctx.get(src, 32), F32), F64)
        bits = 64
    ctx.set(dst, merge_low(ctx, ctx.get(dst, 128), bits, b.bitcast(r, ir.IntType(bits))))


def _low_lanes(ctx, op, bits, n):
    """The low n lanes of an xmm or the n-lane memory operand."""
    return ctx.b.bitcast(ctx.get(op, bits * n), vt(bits, n))


@semantic("cvtdq2pd", "cvtdq2ps", "cvtps2pd", "cvtpd2ps")
def cvt_packed(ctx, insn):
    b = ctx.b
    m = insn.mnemonic
    dst, src = insn.operands
    if m == "cvtdq2pd":
        r = b.sitofp(_low_lanes(ctx, src, 32, 2), ftype(64, 2))
    elif m == "cvtdq2ps":
        r = b.sitofp(lanes(ctx, ctx.get(src, 128), 32), ftype(32, 4))
    elif m == "cvtps2pd":
        r = b.fpext(b.bitcast(_low_lanes(ctx, src, 32, 2), ftype(32, 2)), ftype(64, 2))
    else:
        r = b.fptrunc(b.bitcast(ctx.get(src, 128), ftype(64, 2)), ftype(32, 2))
        ctx.set(dst, b.zext(b.bitcast(r, I64), I128))
        return
    ctx.set(dst, flat(ctx, r))


@semantic("cvttps2dq", "cvtps2dq", "cvttpd2dq", "cvtpd2dq")
def cvt_packed_int(ctx, insn):
    b = ctx.b
    m = insn.mnemonic
    dst, src = insn.operands
    bits = 64 if "pd" in m else 32
    n = 128 // bits
    x = b.bitcast(ctx.get(src, 128), ftype(bits, n))
    x = round_by(ctx, x, 3 if m.startswith("cvtt") else mxcsr_rc(ctx))
    r = to_int(ctx, x, 32)
    if n == 2:
        ctx.set(dst, b.zext(b.bitcast(r, I64), I128))
    else:
        ctx.set(dst, flat(ctx, r))


# -- rounding ----------------------------------------------------------------------------------
def _round_mode(ctx, insn):
    i = imm(insn)
    return mxcsr_rc(ctx) if i & 4 else i & 3


def _round(ctx, x, mode, bits, n):
    """Round, keeping x86's NaN rule (a NaN input comes out quieted)."""
    b = ctx.b
    xi = b.bitcast(x, itype(bits, n))
    r = b.bitcast(round_by(ctx, x, mode), itype(bits, n))
    return b.select(isnan(ctx, x), b.or_(xi, iconst(bits, n, QUIET[bits])), r)


@semantic("roundsd", "roundss")
def round_scalar(ctx, insn):
    dst, src = insn.operands[:2]
    bits = 64 if insn.mnemonic == "roundsd" else 32
    x = ctx.b.bitcast(ctx.get(src, bits), FT[bits])
    r = _round(ctx, x, _round_mode(ctx, insn), bits, None)
    ctx.set(dst, merge_low(ctx, ctx.get(dst, 128), bits, r))


@semantic("roundpd", "roundps")
def round_packed(ctx, insn):
    dst, src = insn.operands[:2]
    bits = 64 if insn.mnemonic == "roundpd" else 32
    n = 128 // bits
    x = ctx.b.bitcast(ctx.get(src, 128), ftype(bits, n))
    ctx.set(dst, flat(ctx, _round(ctx, x, _round_mode(ctx, insn), bits, n)))


# -- shuffles and blends -----------------------------------------------------------------------
@semantic("shufps")
def shufps(ctx, insn):
    dst, a, s = operands(ctx, insn)
    i = imm(insn)
    idx = [i & 3, (i >> 2) & 3, 4 + ((i >> 4) & 3), 4 + ((i >> 6) & 3)]
    ctx.set(dst, flat(ctx, shuffle(ctx, lanes(ctx, a, 32), lanes(ctx, s, 32), idx)))


@semantic("shufpd")
def shufpd(ctx, insn):
    dst, a, s = operands(ctx, insn)
    i = imm(insn)
    ctx.set(dst, flat(ctx, shuffle(ctx, lanes(ctx, a, 64), lanes(ctx, s, 64), [i & 1, 2 + ((i >> 1) & 1)])))


@semantic("unpcklps", "unpckhps", "unpcklpd", "unpckhpd")
def unpck(ctx, insn):
    dst, a, s = operands(ctx, insn)
    m = insn.mnemonic
    ctx.set(dst, interleave(ctx, a, s, 64 if m.endswith("pd") else 32, m[5] == "h"))


@semantic("blendps", "blendpd")
def blend(ctx, insn):
    dst, a, s = operands(ctx, insn)
    bits = 64 if insn.mnemonic == "blendpd" else 32
    n = 128 // bits
    i = imm(insn)
    idx = [k + n if i >> k & 1 else k for k in range(n)]
    ctx.set(dst, flat(ctx, shuffle(ctx, lanes(ctx, a, bits), lanes(ctx, s, bits), idx)))


@semantic("blendvps", "blendvpd")
def blendv(ctx, insn):
    dst, a, s = operands(ctx, insn)
    b = ctx.b
    bits = 64 if insn.mnemonic == "blendvpd" else 32
    sel = b.icmp_signed("<", lanes(ctx, xmm0(ctx), bits), splat(vt(bits), 0))
    ctx.set(dst, flat(ctx, b.select(sel, lanes(ctx, s, bits), lanes(ctx, a, bits))))


@semantic("haddpd", "haddps", "hsubpd", "hsubps")
def hadd(ctx, insn):
    m = insn.mnemonic
    bits = 64 if m.endswith("pd") else 32
    n = 128 // bits
    dst, a, s = operands(ctx, insn)
    av, sv = lanes(ctx, a, bits), lanes(ctx, s, bits)
    ev = shuffle(ctx, av, sv, list(range(0, 2 * n, 2)))
    od = shuffle(ctx, av, sv, list(range(1, 2 * n, 2)))
    ctx.set(dst, flat(ctx, arith(ctx, m[1:4], bits, n, ev, od)))


@semantic("addsubpd", "addsubps")
def addsub(ctx, insn):
    m = insn.mnemonic
    bits = 64 if m.endswith("pd") else 32
    n = 128 // bits
    dst, a, s = operands(ctx, insn)
    av, sv = lanes(ctx, a, bits), lanes(ctx, s, bits)
    add = arith(ctx, "add", bits, n, av, sv)
    sub = arith(ctx, "sub", bits, n, av, sv)
    ctx.set(dst, flat(ctx, shuffle(ctx, sub, add, [k + n if k & 1 else k for k in range(n)])))


@semantic("movddup")
def movddup(ctx, insn):
    dst, src = insn.operands
    lo = ctx.get(src, 64)
    v = ctx.b.zext(lo, I128)
    ctx.set(dst, ctx.b.or_(v, ctx.b.shl(v, ir.Constant(I128, 64))))


@semantic("movshdup", "movsldup")
def movsdup(ctx, insn):
    dst, src = insn.operands
    v = lanes(ctx, ctx.get(src, 128), 32)
    idx = [1, 1, 3, 3] if insn.mnemonic == "movshdup" else [0, 0, 2, 2]
    ctx.set(dst, flat(ctx, shuffle(ctx, v, v, idx)))


@semantic("insertps")
def insertps(ctx, insn):
    dst, src = insn.operands[:2]
    b = ctx.b
    i = imm(insn)
    if is_xmm(src):
        e = b.extract_element(lanes(ctx, ctx.get(src, 128), 32), ir.Constant(I32, (i >> 6) & 3))
    else:
        e = ctx.get(src, 32)
    v = b.insert_element(lanes(ctx, ctx.get(dst, 128), 32), e, ir.Constant(I32, (i >> 4) & 3))
    zero = [k for k in range(4) if i >> k & 1]
    if zero:
        v = shuffle(ctx, v, splat(vt(32), 0), [4 if k in zero else k for k in range(4)])
    ctx.set(dst, flat(ctx, v))


@semantic("dppd", "dpps")
def dp(ctx, insn):
    """Dot product: lanes picked by imm[7:4] multiplied and summed (in lane order, pairwise for
    dpps as the hardware does), the sum written to the lanes picked by imm[3:0]."""
    m = insn.mnemonic
    bits = 64 if m == "dppd" else 32
    n = 128 // bits
    b = ctx.b
    i = imm(insn)
    dst, a, s = operands(ctx, insn)
    it = ir.IntType(bits)
    zero = ir.Constant(it, 0)
    prod = arith(ctx, "mul", bits, n, lanes(ctx, a, bits), lanes(ctx, s, bits))
    t = [b.extract_element(prod, ir.Constant(I32, k)) if i >> (4 + k) & 1 else zero for k in range(n)]

    def add(x, y):
        return arith(ctx, "add", bits, None, x, y)
    total = add(t[0], t[1]) if n == 2 else add(add(t[0], t[1]), add(t[2], t[3]))
    out = ir.Constant(vt(bits, n), None)
    for k in range(n):
        out = b.insert_element(out, total if i >> k & 1 else zero, ir.Constant(I32, k))
    ctx.set(dst, flat(ctx, out))


# -- MXCSR -------------------------------------------------------------------------------------
@semantic("stmxcsr")
def stmxcsr(ctx, insn):
    ctx.set(insn.operands[0], ctx.b.load(ctx.field("mxcsr")))


@semantic("ldmxcsr")
def ldmxcsr(ctx, insn):
    ctx.b.store(ctx.get(insn.operands[0], 32), ctx.field("mxcsr"))

