"""Bit tests, scans and counts: bt bts btr btc bsf bsr tzcnt lzcnt popcnt."""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.semantics import semantic

I1, I64 = ir.IntType(1), ir.IntType(64)


@semantic("bt", "bts", "btr", "btc")
def bt(ctx, insn):
    base, off = insn.operands
    b = ctx.b
    bits = base.size * 8
    t = ir.IntType(bits)
    if base.type == X.X86_OP_MEM and off.type == X.X86_OP_REG:
        # A register bit offset addresses memory beyond the operand (signed offset).
        o = ctx.get(off, bits)
        o64 = b.sext(o, I64) if bits < 64 else o
        addr = b.add(ctx.addr(base),
                     b.mul(b.ashr(o64, ir.Constant(I64, bits.bit_length() - 1)),
                           ir.Constant(I64, bits // 8)))
        val = ctx.load(addr, t)
        n = b.and_(o, ir.Constant(t, bits - 1))
        write = lambda v: ctx.store(addr, v)   # noqa: E731
    else:
        val = ctx.get(base)
        n = b.and_(ctx.get(off, bits), ir.Constant(t, bits - 1))
        write = lambda v: ctx.set(base, v)     # noqa: E731
    mask = b.shl(ir.Constant(t, 1), n)
    ctx.set_flag("cf", b.icmp_unsigned("!=", b.and_(val, mask), ir.Constant(t, 0)))
    if insn.id == X.X86_INS_BTS:
        write(b.or_(val, mask))
    elif insn.id == X.X86_INS_BTR:
        write(b.and_(val, b.not_(mask)))
    elif insn.id == X.X86_INS_BTC:
        write(b.xor(val, mask))


@semantic("bsf", "bsr")
def bsf(ctx, insn):
    dst, src = insn.operands
    b = ctx.b
    v = ctx.get(src)
    t = v.type
    zero = b.icmp_unsigned("==", v, ir.Constant(t, 0))
    ctx.set_flag("zf", zero)
    if insn.id == X.X86_INS_BSF:
        r = ctx.intrinsic("llvm.cttz", t, [v, ir.Constant(I1, 1)])
    else:
        r = b.sub(ir.Constant(t, t.width - 1), ctx.intrinsic("llvm.ctlz", t, [v, ir.Constant(I1, 1)]))
    # A zero source leaves the destination unchanged (as Intel and AMD cores do).
    ctx.set(dst, b.select(zero, ctx.get(dst), r))
    for name in ("cf", "of", "sf", "af"):
        ctx.set_flag(name, ir.Constant(I1, 0))
    ctx.set_flag("pf", F.parity(ctx, r))


@semantic("tzcnt", "lzcnt")
def tzcnt(ctx, insn):
    dst, src = insn.operands
    b = ctx.b
    v = ctx.get(src)
    t = v.type
    name = "llvm.cttz" if insn.id == X.X86_INS_TZCNT else "llvm.ctlz"
    r = ctx.intrinsic(name, t, [v, ir.Constant(I1, 0)])
    ctx.set_flag("cf", b.icmp_unsigned("==", v, ir.Constant(t, 0)))
    ctx.set_flag("zf", b.icmp_unsigned("==", r, ir.Constant(t, 0)))
    ctx.set(dst, r)


@semantic("popcnt")
def popcnt(ctx, insn):
    dst, src = insn.operands
    b = ctx.b
    v = ctx.get(src)
    r = ctx.intrinsic("llvm.ctpop", v.type, [v])
    ctx.set_flag("zf", b.icmp_unsigned("==", v, ir.Constant(v.type, 0)))
    for name in ("cf", "of", "sf", "af", "pf"):
        ctx.set_flag(name, ir.Constant(I1, 0))
    ctx.set(dst, r)
