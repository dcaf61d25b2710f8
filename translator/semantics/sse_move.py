"""SSE/SSE2 data movement between XMM registers, GPRs and memory."""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.semantics import semantic
from translator.semantics.sse_int import is_xmm, set_low
from translator.semantics.strings import is_string_form, string_op

I32, I64, I128 = ir.IntType(32), ir.IntType(64), ir.IntType(128)


@semantic("movdqa", "movdqu", "movaps", "movups", "movapd", "movupd", "lddqu", "movntdq",
          "movntps", "movntpd", "movntdqa")
def mov128(ctx, insn):
    """Full 128-bit moves (alignment is not checked)."""
    dst, src = insn.operands
    ctx.set(dst, ctx.get(src, 128))


@semantic("movd", "movq")
def movd(ctx, insn):
    """movd/movq: to an XMM register zero-extends; from one takes the low bits."""
    dst, src = insn.operands
    if is_xmm(dst):
        bits = 64 if insn.id == X.X86_INS_MOVQ else 32
        v = ctx.get(src, bits) if not is_xmm(src) else ctx.b.trunc(ctx.get(src, 128), ir.IntType(bits))
        ctx.set(dst, ctx.b.zext(v, I128))
    else:
        ctx.set(dst, ctx.b.trunc(ctx.get(src, 128), ir.IntType(dst.size * 8)))


@semantic("movss")
def movss(ctx, insn):
    scalar_move(ctx, insn, 32)


@semantic("movsd")
def movsd(ctx, insn):
    if is_string_form(insn):
        string_op(ctx, insn, "movs", 4)
        return
    scalar_move(ctx, insn, 64)


def scalar_move(ctx, insn, bits):
    """Register to register merges the low element; a load zero-extends; a store writes it."""
    dst, src = insn.operands
    t = ir.IntType(bits)
    if is_xmm(dst) and is_xmm(src):
        set_low(ctx, dst, bits, ctx.b.trunc(ctx.get(src, 128), t))
    elif is_xmm(dst):
        ctx.set(dst, ctx.b.zext(ctx.get(src, bits), I128))
    else:
        ctx.set(dst, ctx.b.trunc(ctx.get(src, 128), t))


@semantic("movhps", "movhpd")
def movhps(ctx, insn):
    dst, src = insn.operands
    b = ctx.b
    if is_xmm(dst):
        old = ctx.get(dst, 128)
        hi = b.shl(b.zext(ctx.get(src, 64), I128), ir.Constant(I128, 64))
        ctx.set(dst, b.or_(b.and_(old, ir.Constant(I128, (1 << 64) - 1)), hi))
    else:
        ctx.set(dst, b.trunc(b.lshr(ctx.get(src, 128), ir.Constant(I128, 64)), I64))


@semantic("movlps", "movlpd")
def movlps(ctx, insn):
    dst, src = insn.operands
    if is_xmm(dst):
        set_low(ctx, dst, 64, ctx.get(src, 64))
    else:
        ctx.set(dst, ctx.b.trunc(ctx.get(src, 128), I64))


@semantic("movhlps")
def movhlps(ctx, insn):
    dst, src = insn.operands
    b = ctx.b
    hi = b.trunc(b.lshr(ctx.get(src, 128), ir.Constant(I128, 64)), I64)
    set_low(ctx, dst, 64, hi)


@semantic("movlhps")
def movlhps(ctx, insn):
    dst, src = insn.operands
    b = ctx.b
    lo = b.shl(b.zext(b.trunc(ctx.get(src, 128), I64), I128), ir.Constant(I128, 64))
    ctx.set(dst, b.or_(b.and_(ctx.get(dst, 128), ir.Constant(I128, (1 << 64) - 1)), lo))
