"""Shifts and rotates: shl/sal shr sar rol ror rcl rcr shld shrd.

Counts are masked to 5 bits (6 for 64-bit operands); a masked count of zero leaves the
flags untouched. Work is done in a wider type so no LLVM shift is ever out of range.
"""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.semantics import semantic

I1, I8, I128 = ir.IntType(1), ir.IntType(8), ir.IntType(128)


def count_mask(bits: int) -> int:
    """The CPU masks a shift or rotate count to 5 bits, to 6 for 64-bit operands."""
    return 63 if bits == 64 else 31


def _count(ctx, insn, bits):
    ops = insn.operands
    if len(ops) == 1:                       # shl r/m, 1 (capstone drops the 1)
        c = ir.Constant(ir.IntType(bits), 1)
    else:
        c = ctx.get(ops[-1], 8)
        c = ctx.b.zext(c, ir.IntType(bits)) if bits > 8 else c
    return ctx.b.and_(c, ir.Constant(c.type, count_mask(bits)))


def _keep_flags_if_zero(ctx, count, new: dict):
    """Set flags from ``new`` unless the masked count is zero."""
    b = ctx.b
    nz = b.icmp_unsigned("!=", count, ir.Constant(count.type, 0))
    for name, v in new.items():
        ctx.set_flag(name, b.select(nz, v, ctx.flag(name)))


def _szp(ctx, r):
    b = ctx.b
    zero = ir.Constant(r.type, 0)
    return {"zf": b.icmp_unsigned("==", r, zero), "sf": b.icmp_signed("<", r, zero),
            "pf": F.parity(ctx, r)}


def _bit(ctx, v, n):
    return ctx.b.trunc(ctx.b.lshr(v, ir.Constant(v.type, n)), I1)


@semantic("shl", "sal", "shr", "sar")
def shift(ctx, insn):
    dst = insn.operands[0]
    a = ctx.get(dst)
    bits = a.type.width
    b = ctx.b
    c = _count(ctx, insn, bits)
    c128 = b.zext(c, I128)
    one = ir.Constant(I128, 1)
    cm1 = b.sub(c128, one)
    if insn.id in (X.X86_INS_SHL, X.X86_INS_SAL):
        wide = b.shl(b.zext(a, I128), c128)
        r = b.trunc(wide, a.type)
        cf = b.trunc(b.lshr(wide, ir.Constant(I128, bits)), I1)
        of = b.xor(_bit(ctx, r, bits - 1), cf)
    elif insn.id == X.X86_INS_SHR:
        wide = b.zext(a, I128)
        r = b.trunc(b.lshr(wide, c128), a.type)
        cf = b.trunc(b.lshr(wide, cm1), I1)
        of = _bit(ctx, a, bits - 1)
    else:
        wide = b.sext(a, I128)
        r = b.trunc(b.ashr(wide, c128), a.type)
        cf = b.trunc(b.ashr(wide, cm1), I1)
        of = ir.Constant(I1, 0)
    flags = {"cf": cf, "of": of, "af": ir.Constant(I1, 0), **_szp(ctx, r)}
    _keep_flags_if_zero(ctx, c, flags)
    ctx.set(dst, r)


@semantic("rol", "ror")
def rotate(ctx, insn):
    dst = insn.operands[0]
    a = ctx.get(dst)
    bits = a.type.width
    b = ctx.b
    c = _count(ctx, insn, bits)
    rol = insn.id == X.X86_INS_ROL
    r = ctx.intrinsic("llvm.fshl" if rol else "llvm.fshr", a.type, [a, a, c])
    msb = _bit(ctx, r, bits - 1)
    if rol:
        cf = b.trunc(r, I1)
        of = b.xor(msb, cf)
    else:
        cf = msb
        of = b.xor(msb, _bit(ctx, r, bits - 2))
    _keep_flags_if_zero(ctx, c, {"cf": cf, "of": of})
    ctx.set(dst, r)


@semantic("rcl", "rcr")
def rotate_carry(ctx, insn):
    dst = insn.operands[0]
    a = ctx.get(dst)
    bits = a.type.width
    b = ctx.b
    c = _count(ctx, insn, bits)
    t = ir.IntType(bits + 1)
    v = b.or_(b.zext(a, t), b.shl(b.zext(ctx.flag("cf"), t), ir.Constant(t, bits)))
    # count mod (bits + 1) by conditional subtraction (a urem on i65 would need a libcall)
    m = c
    for _ in range(63 // (bits + 1)):
        ge = b.icmp_unsigned(">=", m, ir.Constant(m.type, bits + 1))
        m = b.select(ge, b.sub(m, ir.Constant(m.type, bits + 1)), m)
    # Rotate the (bits+1)-bit value in 128-bit arithmetic: no shift is out of range and no
    # funnel shift of an odd width (which LLVM lowers with a 128-bit remainder libcall).
    m128 = b.zext(m, I128)
    v128 = b.zext(v, I128)
    rest = b.sub(ir.Constant(I128, bits + 1), m128)
    rcl = insn.id == X.X86_INS_RCL
    if rcl:
        r128 = b.or_(b.shl(v128, m128), b.lshr(v128, rest))
    else:
        r128 = b.or_(b.lshr(v128, m128), b.shl(v128, rest))
    rot = b.trunc(r128, t)
    r = b.trunc(rot, a.type)
    cf = _bit(ctx, rot, bits)
    msb = _bit(ctx, r, bits - 1)
    of = b.xor(msb, cf) if rcl else b.xor(msb, _bit(ctx, r, bits - 2))
    _keep_flags_if_zero(ctx, c, {"cf": cf, "of": of})
    ctx.set(dst, r)


@semantic("shld", "shrd")
def double_shift(ctx, insn):
    dst, src = insn.operands[0], insn.operands[1]
    a = ctx.get(dst)
    bits = a.type.width
    s = ctx.get(src, bits)
    b = ctx.b
    c = _count(ctx, insn, bits)
    c128 = b.zext(c, I128)
    if insn.id == X.X86_INS_SHLD:
        wide = b.or_(b.shl(b.zext(a, I128), ir.Constant(I128, bits)), b.zext(s, I128))
        r = b.trunc(b.lshr(b.shl(wide, c128), ir.Constant(I128, bits)), a.type)
        # CF: the last bit shifted out of the destination, bit (bits - count) of it
        cf = b.trunc(b.lshr(b.zext(a, I128), b.sub(ir.Constant(I128, bits), c128)), I1)
    else:
        wide = b.or_(b.shl(b.zext(s, I128), ir.Constant(I128, bits)), b.zext(a, I128))
        r = b.trunc(b.lshr(wide, c128), a.type)
        cf = b.trunc(b.lshr(wide, b.sub(c128, ir.Constant(I128, 1))), I1)
    of = b.xor(_bit(ctx, r, bits - 1), _bit(ctx, a, bits - 1))
    flags = {"cf": cf, "of": of, "af": ir.Constant(I1, 0), **_szp(ctx, r)}
    _keep_flags_if_zero(ctx, c, flags)
    nz = b.icmp_unsigned("!=", c, ir.Constant(c.type, 0))
    ctx.set(dst, b.select(nz, r, a))
