"""SSE/SSE2/SSE3/SSE4.1 floating point: scalar and packed arithmetic, compares, conversions,
shuffles, rounding, blends and MXCSR.

The arithmetic, compares and conversions are LLVM's constrained intrinsics (ctx.constrained):
they round as the host FPU's control register says and raise its exception flags, and the
runtime keeps the host's FP environment equal to the guest's MXCSR while translated code runs
(stmxcsr/ldmxcsr sync State.mxcsr with it: rt_fpenv_get/rt_fpenv_set).  So MXCSR.RC, the
sticky flags IE DE ZE OE UE PE, DAZ and FTZ behave as on the CPU.  Where no intrinsic raises
exactly the instruction's flags, the difference is made up on the bits: NaN tests and range
checks never use a float compare, and PE is raised with an addition that is inexact exactly
where the instruction is (round* with a fixed mode, cvtsd2si).

x86 NaN rules are written out rather than left to the host: a NaN operand propagates quieted
(the first operand's when both are NaN), an invalid operation gives the "real indefinite"
(negative quiet NaN), min/max return the second operand when either is NaN or both are zero,
and float to integer conversions give the "integer indefinite" (0x80000000...) when the value
does not fit.  On a host whose SSE is x86's (LiftOptions.host_sse: the x86-64 backend) the
arithmetic is the guest's instruction itself (host_insn), and the hardware applies these rules.
"""
from __future__ import annotations

import struct

from llvmlite import ir

from translator.lift import irtext
from translator.lift.function import Unsupported
from translator.semantics import semantic
from translator.semantics.sse_int import (flat, imm, interleave, is_xmm, lanes, operands, set_low,
                                          shuffle, splat, vt, xmm0)

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


EXP_MASK = {32: 0x7F80_0000, 64: 0x7FF0_0000_0000_0000}


def _shape(t: ir.Type) -> tuple[int, int | None]:
    """(element bits, lanes or None) of a float scalar or vector type."""
    n = t.count if isinstance(t, ir.VectorType) else None
    e = t.element if n else t
    return (64 if isinstance(e, ir.DoubleType) else 32), n


def isnan(b, x: ir.Value) -> ir.Value:
    """NaN test on the bits (b: a builder): it raises no FP exception (a compare would raise DE
    or IE)."""
    bits, n = _shape(x.type)
    mag = b.and_(b.bitcast(x, itype(bits, n)), iconst(bits, n, (1 << (bits - 1)) - 1))
    return b.icmp_unsigned(">", mag, iconst(bits, n, EXP_MASK[bits]))


# fcmp predicates: (LLVM predicate if ordered, if unordered)
_PRED = {"==": ("oeq", "ueq"), "!=": ("one", "une"), "<": ("olt", "ult"), "<=": ("ole", "ule"),
         ">": ("ogt", "ugt"), ">=": ("oge", "uge"), "ord": ("ord", "ord"), "uno": ("uno", "uno")}


def fcmp_strict(ctx, op: str, ordered: bool, a, s, signaling: bool) -> ir.Value:
    """A compare that raises the flags the SSE compare does: a quiet one (ucomis, cmpeq...)
    IE for SNaN only, a signaling one (comis, cmplt..., min/max) IE for any NaN; both DE."""
    bt = ir.VectorType(I1, a.type.count) if isinstance(a.type, ir.VectorType) else I1
    return ctx.constrained("fcmps" if signaling else "fcmp", bt, [a, s], rounding=False,
                           suffix=(a.type,), predicate=_PRED[op][0 if ordered else 1])


def nan_rules(ctx, a, b_, r):
    """x86 NaN propagation for r = a op b_ (float scalars or vectors; b_ None for one operand);
    returns r's integer bits.  Only a NaN result can need fixing, so the hot path is one test
    of r's bits and the rule itself is a cold call (_nan_rule): inline, its integer views of
    a and b kept them in GPRs on the hot path (mandelbrot: 3.0 s against 1.4 s)."""
    b = ctx.b
    bits, n = _shape(r.type)
    nan = isnan(b, r)
    if n is not None:
        nan = b.icmp_unsigned("!=", b.bitcast(nan, ir.IntType(n)), ir.Constant(ir.IntType(n), 0))
    here = b.block
    fix = ctx.new_block(f"nan_fix_{ctx.insn.address:x}")
    done = ctx.new_block(f"nan_done_{ctx.insn.address:x}")
    b.cbranch(nan, fix, done).set_weights([1, 1 << 20])
    b.position_at_end(fix)
    fixed = b.call(_nan_rule(ctx, r.type), [a, a if b_ is None else b_, r])
    b.branch(done)
    b.position_at_end(done)
    out = b.phi(r.type)         # a float phi: the value stays in a vector register
    out.add_incoming(r, here)
    out.add_incoming(fixed, fix)
    return b.bitcast(out, itype(bits, n))


def _nan_rule(ctx, t: ir.Type):
    """The module's private ``sse_nan_rule.<t>(a, b, r)``, for r = a op b with a NaN (in some
    lane): where r is a NaN, a's bits quieted if a is a NaN, else b's if b is, else the real
    indefinite (an invalid operation); other lanes keep r.
    Integer operations only, so it raises no FP exception."""
    module = ctx.lc.module
    name = "sse_nan_rule." + str(t).replace(" ", "").replace("<", "v").replace(">", "")
    decl = module.declare(name, t, [t, t, t])
    if decl.defined is not None:
        return decl
    # preserve_allcc: the caller's values stay in their (vector) registers across the cold
    # call; with the C convention a loop's FP accumulator moved to a callee-saved GPR and
    # paid two GPR<->XMM moves per iteration (spectralnorm).
    decl.cconv = "preserve_allcc"
    fn = irtext.Function(decl, ["", "", ""], ["a", "b", "r"], linkage="private",
                         attrs=" noinline cold")
    b = irtext.Builder(fn, fn.append_basic_block("entry"))
    bits, n = _shape(t)
    a, s, r = fn.args
    q = iconst(bits, n, QUIET[bits])
    fixed = iconst(bits, n, INDEFINITE[bits])
    for x in (s, a):            # a last: the first operand's NaN wins
        xi = b.bitcast(x, itype(bits, n))
        fixed = b.select(isnan(b, x), b.or_(xi, q), fixed)
    fixed = b.select(isnan(b, r), fixed, b.bitcast(r, itype(bits, n)))
    b.ret(b.bitcast(fixed, t))
    return decl


def arith(ctx, op: str, bits: int, n, ai, bi):
    """One arithmetic op on integer-bit inputs (scalar: n None; packed: n lanes)."""
    b = ctx.b
    ft = ftype(bits, n)
    a, s = b.bitcast(ai, ft), b.bitcast(bi, ft)
    if op in ("min", "max"):
        c = fcmp_strict(ctx, "<" if op == "min" else ">", True, a, s, signaling=True)
        return b.select(c, ai, bi)
    if ctx.lc.options.host_sse:
        return b.bitcast(_host_arith(ctx, op, bits, n, a, s), itype(bits, n))
    if op == "sqrt":
        r = ctx.constrained("sqrt", ft, [s])
        return nan_rules(ctx, s, None, r)
    r = ctx.constrained("f" + op, ft, [a, s])
    return nan_rules(ctx, a, s, r)


def host_insn(ctx, mnemonic: str, t: ir.Type, d, s):
    """The guest's SSE instruction run as itself, on a host whose SSE is x86's
    (LiftOptions.host_sse): ``mnemonic s, d`` with d the destination's value (for a scalar
    form the whole register, whose upper lanes the instruction keeps).  The hardware then
    rounds, raises the flags and applies the NaN rules as the guest's CPU does, operands in
    the guest's order: LLVM treats add and mul as commutative and would swap them (with two
    NaNs the result would carry the other one's payload).  Its side effect keeps it in place
    and alive, as the constrained intrinsics are."""
    return ctx.b.asm(t, f"{mnemonic} $2, $0", "=x,0,x", [d, s])


def _host_arith(ctx, op: str, bits: int, n, a, s):
    """a op s (add or mul; sub, div, sqrt keep their order as intrinsics) on an SSE host."""
    ft = ftype(bits, n)
    if op not in ("add", "mul"):
        return ctx.constrained("sqrt", ft, [s]) if op == "sqrt" else ctx.constrained("f" + op, ft, [a, s])
    return host_insn(ctx, f"{op}{'s' if n is None else 'p'}{'d' if bits == 64 else 's'}", ft, a, s)


@semantic("addsd", "subsd", "mulsd", "divsd", "minsd", "maxsd", "sqrtsd",
          "addss", "subss", "mulss", "divss", "minss", "maxss", "sqrtss")
def scalar_arith(ctx, insn):
    m = insn.mnemonic
    bits = 64 if m.endswith("sd") else 32
    dst, src = insn.operands
    if ctx.lc.options.host_sse:
        t = ir.VectorType(FT[bits], 128 // bits)
        s = ctx.b.bitcast(ctx.get(src, bits), FT[bits])
        ctx.set(dst, host_insn(ctx, m, t, ctx.xmm_lanes(dst.reg, t), s))
        return
    low = ctx.b.extract_element(ctx.xmm_lanes(dst.reg, ir.VectorType(FT[bits], 128 // bits)),
                                ir.Constant(I32, 0))
    ai = ctx.b.bitcast(low, ir.IntType(bits))
    bi = ctx.get(src, bits)
    set_low(ctx, dst, bits, arith(ctx, m[:-2], bits, None, ai, bi))


@semantic("addpd", "subpd", "mulpd", "divpd", "minpd", "maxpd", "sqrtpd",
          "addps", "subps", "mulps", "divps", "minps", "maxps", "sqrtps")
def packed_arith(ctx, insn):
    m = insn.mnemonic
    bits = 64 if m.endswith("pd") else 32
    dst, a, s = operands(ctx, insn)
    if ctx.lc.options.host_sse:
        t = ftype(bits, 128 // bits)
        ctx.set(dst, host_insn(ctx, m, t, ctx.b.bitcast(a, t), ctx.b.bitcast(s, t)))
        return
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
    set_compare_flags(ctx, a, s, signaling=insn.mnemonic.startswith("comis"))


def set_compare_flags(ctx, a, s, signaling: bool | None = None):
    """ZF PF CF from an unordered compare; with ``signaling`` set (True: comis, False: ucomis)
    the compares are the constrained ones that raise the SSE flags, else plain (x87)."""
    b = ctx.b

    def cmp(op):
        if signaling is None:
            return b.fcmp_unordered(op, a, s)
        return fcmp_strict(ctx, op, False, a, s, signaling)
    ctx.set_flag("zf", cmp("=="))
    ctx.set_flag("pf", cmp("uno"))
    ctx.set_flag("cf", cmp("<"))
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


SIGNALING = {"lt", "le", "nlt", "nle"}     # the others raise IE only for SNaN


def fcompare(ctx, pred: str, a, s):
    ordered, op = PREDICATES[pred]
    return fcmp_strict(ctx, op, ordered, a, s, signaling=pred in SIGNALING)


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
        set_low(ctx, dst, bits, r)
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


def _bits_of(v: float, bits: int) -> int:
    return int.from_bytes(struct.pack("<d" if bits == 64 else "<f", v), "little")


def _next_above_exact(k: int, bits: int) -> bool:
    """Whether 2^k + 1 is a float of the given width (its significand has 53 or 24 bits)."""
    return k < (53 if bits == 64 else 24)


def sse_to_int(ctx, x: ir.Value, ibits: int, truncate: bool) -> ir.Value:
    """cvt(t)s[sd]2si and the packed forms: truncated (cvtt) or rounded as MXCSR.RC says; a
    NaN or a value out of range gives the integer indefinite.  The flags (IE, PE) are the
    host conversion's; the range check is on the bits, so it raises none of its own."""
    b = ctx.b
    bits, n = _shape(x.type)
    if not truncate:
        # rounded without PE (nearbyint), which cvtsd2si raises only for a valid, inexact
        # conversion: raised below once the range is known
        x0 = x
        x = ctx.constrained("nearbyint", x.type, [x])
    it = itype(ibits, n)
    xi = b.bitcast(x, itype(bits, n))
    mag = b.and_(xi, iconst(bits, n, (1 << (bits - 1)) - 1))
    neg = b.icmp_signed("<", xi, iconst(bits, n, 0))
    # positive: x < 2^(k-1); negative: x > -2^(k-1) - 1 (bit patterns of non-negative floats
    # order as the values do)
    top = 2.0 ** (ibits - 1)
    pos_ok = b.icmp_unsigned("<", mag, iconst(bits, n, _bits_of(top, bits)))
    if _next_above_exact(ibits - 1, bits):
        neg_ok = b.icmp_unsigned("<", mag, iconst(bits, n, _bits_of(top + 1, bits)))
    else:       # no float between 2^(k-1) and 2^(k-1) + 1
        neg_ok = b.icmp_unsigned("<=", mag, iconst(bits, n, _bits_of(top, bits)))
    ok = b.select(neg, neg_ok, pos_ok)
    if not ctx.lc.options.host_sse:
        # Another host's conversion need not raise x86's flags for a value out of range
        # (aarch64 converts to 64 bits and narrows: PE where x86 raises IE), so such a
        # value is not given to it, and IE is raised here.
        x = b.select(ok, x, _fconst(x.type, 0.0))
        raise_invalid(ctx, b.not_(ok), x.type)
    r = ctx.constrained("fptosi", it, [x], rounding=False, suffix=(it, x.type))
    if not truncate:
        raise_inexact(ctx, b.and_(ok, inexact(ctx, x0, x)), x.type)
    return b.select(ok, r, iconst(ibits, n, 1 << (ibits - 1)))


@semantic("cvtsi2sd", "cvtsi2ss")
def cvtsi2f(ctx, insn):
    dst, src = insn.operands
    bits = 64 if insn.mnemonic.endswith("sd") else 32
    i = ctx.get(src)
    v = ctx.constrained("sitofp", FT[bits], [i], suffix=(FT[bits], i.type))
    set_low(ctx, dst, bits, ctx.b.bitcast(v, ir.IntType(bits)))


@semantic("cvttsd2si", "cvttss2si", "cvtsd2si", "cvtss2si")
def cvtf2si(ctx, insn):
    m = insn.mnemonic
    dst, src = insn.operands
    bits = 64 if m.endswith("sd2si") else 32
    x = ctx.b.bitcast(ctx.get(src, bits), FT[bits])
    ctx.set(dst, sse_to_int(ctx, x, dst.size * 8, m.startswith("cvtt")))


def fp_convert(ctx, x: ir.Value, to: ir.Type) -> ir.Value:
    """float <-> double (scalar or vector), rounding as MXCSR says, raising its flags."""
    if _shape(to)[0] < _shape(x.type)[0]:
        r = ctx.constrained("fptrunc", to, [x], suffix=(to, x.type))
    else:
        r = ctx.constrained("fpext", to, [x], rounding=False, suffix=(to, x.type))
    return r


@semantic("cvtsd2ss", "cvtss2sd")
def cvtf2f(ctx, insn):
    b = ctx.b
    dst, src = insn.operands
    if insn.mnemonic == "cvtsd2ss":
        r = fp_convert(ctx, b.bitcast(ctx.get(src, 64), F64), F32)
        bits = 32
    else:
        r = fp_convert(ctx, b.bitcast(ctx.get(src, 32), F32), F64)
        bits = 64
    set_low(ctx, dst, bits, b.bitcast(r, ir.IntType(bits)))


def _low_lanes(ctx, op, bits, n):
    """The low n lanes of an xmm or the n-lane memory operand."""
    return ctx.b.bitcast(ctx.get(op, bits * n), vt(bits, n))


@semantic("cvtdq2pd", "cvtdq2ps", "cvtps2pd", "cvtpd2ps")
def cvt_packed(ctx, insn):
    b = ctx.b
    m = insn.mnemonic
    dst, src = insn.operands
    if m in ("cvtdq2pd", "cvtdq2ps"):
        i = _low_lanes(ctx, src, 32, 2) if m == "cvtdq2pd" else lanes(ctx, ctx.get(src, 128), 32)
        to = ftype(64, 2) if m == "cvtdq2pd" else ftype(32, 4)
        r = ctx.constrained("sitofp", to, [i], suffix=(to, i.type))
    elif m == "cvtps2pd":
        r = fp_convert(ctx, b.bitcast(_low_lanes(ctx, src, 32, 2), ftype(32, 2)), ftype(64, 2))
    else:
        r = fp_convert(ctx, b.bitcast(ctx.get(src, 128), ftype(64, 2)), ftype(32, 2))
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
    r = sse_to_int(ctx, x, 32, m.startswith("cvtt"))
    if n == 2:
        ctx.set(dst, b.zext(b.bitcast(r, I64), I128))
    else:
        ctx.set(dst, flat(ctx, r))


# -- rounding ----------------------------------------------------------------------------------
FIXED_ROUNDING = ("roundeven", "floor", "ceil", "trunc")


def inexact(ctx, x: ir.Value, r: ir.Value) -> ir.Value:
    """Whether rounding x to the integral r lost something, on the bits (no FP exception):
    r differs from x as the CPU reads it (MXCSR.DAZ reads a denormal as a signed zero), and x
    is not a NaN."""
    b = ctx.b
    bits, n = _shape(x.type)
    xi = b.bitcast(x, itype(bits, n))
    sign = iconst(bits, n, 1 << (bits - 1))
    mag = b.and_(xi, iconst(bits, n, (1 << (bits - 1)) - 1))
    denormal = b.and_(b.icmp_unsigned("!=", mag, iconst(bits, n, 0)),
                      b.icmp_unsigned("<", mag, iconst(bits, n, 1 << (23 if bits == 32 else 52))))
    daz = b.trunc(b.lshr(b.load(ctx.field("mxcsr")), ir.Constant(I32, 6)), I1)
    if n:
        daz = b.icmp_unsigned("!=", b.select(daz, iconst(bits, n, 1), iconst(bits, n, 0)), iconst(bits, n, 0))
    seen = b.select(b.and_(denormal, daz), b.and_(xi, sign), xi)
    return b.and_(b.icmp_unsigned("!=", b.bitcast(r, itype(bits, n)), seen), b.not_(isnan(ctx.b, x)))


def _fconst(t: ir.Type, v: float) -> ir.Constant:
    """v as a float of type t, or in every lane of the vector type t."""
    bits, n = _shape(t)
    c = ir.Constant(FT[bits], v)
    return ir.Constant(t, [c] * n) if n else c


def raise_inexact(ctx, where: ir.Value, t: ir.Type):
    """Raise PE (and nothing else) where ``where`` holds: 1 + 2^-60 is inexact, 1 + 0 is not."""
    tiny, zero, one = (_fconst(t, v) for v in (2.0 ** -60, 0.0, 1.0))
    ctx.constrained("fadd", t, [one, ctx.b.select(where, tiny, zero)])


def raise_invalid(ctx, where: ir.Value, t: ir.Type):
    """Raise IE (and nothing else) where ``where`` holds: inf - inf is invalid, 0 - 0 is not."""
    inf, zero = _fconst(t, float("inf")), _fconst(t, 0.0)
    v = ctx.b.select(where, inf, zero)
    ctx.constrained("fsub", t, [v, v])


def _round(ctx, x, i: int, bits, n):
    """round{sd,ss,pd,ps} by imm i: bit 2 set takes MXCSR.RC, else bits 1:0 are the mode;
    bit 3 suppresses the precision exception.  x86's NaN rule: a NaN comes out quieted."""
    b = ctx.b
    xi = b.bitcast(x, itype(bits, n))
    if i & 4:
        r = ctx.constrained("nearbyint" if i & 8 else "rint", x.type, [x])
    else:
        r = ctx.constrained(FIXED_ROUNDING[i & 3], x.type, [x], rounding=False)
        if not i & 8:
            # the fixed-mode intrinsics never raise PE
            raise_inexact(ctx, inexact(ctx, x, r), x.type)
    r = b.bitcast(r, itype(bits, n))
    return b.select(isnan(ctx.b, x), b.or_(xi, iconst(bits, n, QUIET[bits])), r)


@semantic("roundsd", "roundss")
def round_scalar(ctx, insn):
    dst, src = insn.operands[:2]
    bits = 64 if insn.mnemonic == "roundsd" else 32
    x = ctx.b.bitcast(ctx.get(src, bits), FT[bits])
    r = _round(ctx, x, imm(insn), bits, None)
    set_low(ctx, dst, bits, r)


@semantic("roundpd", "roundps")
def round_packed(ctx, insn):
    dst, src = insn.operands[:2]
    bits = 64 if insn.mnemonic == "roundpd" else 32
    n = 128 // bits
    x = ctx.b.bitcast(ctx.get(src, 128), ftype(bits, n))
    ctx.set(dst, flat(ctx, _round(ctx, x, imm(insn), bits, n)))


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
# The host FP environment is the guest's MXCSR while translated code runs (see
# runtime/support.py _fpenv); State.mxcsr is synced with it here.
def mxcsr_get(ctx) -> ir.Value:
    ctx.call_rt("rt_fpenv_get", [], sync=False)
    return ctx.b.load(ctx.field("mxcsr"))


def mxcsr_set(ctx, v: ir.Value):
    ctx.b.store(v, ctx.field("mxcsr"))
    ctx.call_rt("rt_fpenv_set", [], sync=False)


@semantic("stmxcsr")
def stmxcsr(ctx, insn):
    ctx.set(insn.operands[0], mxcsr_get(ctx))


@semantic("ldmxcsr")
def ldmxcsr(ctx, insn):
    mxcsr_set(ctx, ctx.get(insn.operands[0], 32))

