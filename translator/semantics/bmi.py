"""BMI1 and BMI2 (x86-64-v3's scalar bit manipulation): andn bextr blsi blsmsk blsr bzhi,
which write flags, and pdep pext rorx sarx shlx shrx mulx, which write none.

VEX-encoded, with their operands in Intel order (destination first); 32-bit forms zero-extend
their destination like every 32-bit write.  Shift and index amounts beyond the operand give
what the CPU gives, never LLVM's poison: every shift here is by a masked or checked amount.
pdep and pext are loops over the mask's set bits (no target-independent LLVM operation does
them), so they run on every host.
"""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.semantics import semantic

I1 = ir.IntType(1)


def _c(t: ir.Type, x: int) -> ir.Constant:
    return ir.Constant(t, x & ((1 << t.width) - 1))


def _flags(ctx, res: ir.Value, cf: ir.Value, zf: ir.Value | None = None):
    """The BMI1 flag pattern: ZF and SF from the result (or ZF given), CF given, OF cleared;
    AF and PF are undefined (AF cleared, PF from the result, as for the logic group)."""
    F.set_szp(ctx, res)
    if zf is not None:
        ctx.set_flag("zf", zf)
    ctx.set_flag("cf", cf)
    ctx.set_flag("of", ir.Constant(I1, 0))
    ctx.set_flag("af", ir.Constant(I1, 0))


def _low_mask(ctx, t: ir.Type, n: ir.Value) -> ir.Value:
    """(1 << n) - 1 for n < width, all ones for larger n."""
    b = ctx.b
    w = t.width
    inside = b.icmp_unsigned("<", n, _c(t, w))
    shifted = b.shl(_c(t, 1), b.select(inside, n, _c(t, 0)))
    return b.select(inside, b.sub(shifted, _c(t, 1)), _c(t, -1))


@semantic("andn")
def andn(ctx, insn):
    """dst = ~src1 & src2."""
    dst, src1, src2 = insn.operands
    b = ctx.b
    r = b.and_(b.not_(ctx.get(src1)), ctx.get(src2))
    _flags(ctx, r, ir.Constant(I1, 0))
    ctx.set(dst, r)


@semantic("bextr")
def bextr(ctx, insn):
    """dst = the len bits of src from bit start (start = ctl[7:0], len = ctl[15:8]); bits
    beyond the operand read as zero."""
    dst, src, ctl = insn.operands
    b = ctx.b
    v, c = ctx.get(src), ctx.get(ctl)
    t = v.type
    start = b.and_(c, _c(t, 0xFF))
    length = b.and_(b.lshr(c, _c(t, 8)), _c(t, 0xFF))
    inside = b.icmp_unsigned("<", start, _c(t, t.width))
    shifted = b.select(inside, b.lshr(v, b.select(inside, start, _c(t, 0))), _c(t, 0))
    r = b.and_(shifted, _low_mask(ctx, t, length))
    _flags(ctx, r, ir.Constant(I1, 0))
    ctx.set(dst, r)


@semantic("bzhi")
def bzhi(ctx, insn):
    """dst = src with the bits from index n = idx[7:0] up cleared; CF: n is beyond the
    operand (then dst = src)."""
    dst, src, idx = insn.operands
    b = ctx.b
    v = ctx.get(src)
    t = v.type
    n = b.and_(ctx.get(idx), _c(t, 0xFF))
    r = b.and_(v, _low_mask(ctx, t, n))
    _flags(ctx, r, b.icmp_unsigned(">=", n, _c(t, t.width)))
    ctx.set(dst, r)


@semantic("blsi", "blsmsk", "blsr")
def blsx(ctx, insn):
    """blsi: src & -src (lowest set bit); blsmsk: src ^ (src - 1) (mask up to it); blsr:
    src & (src - 1) (reset it).  CF: blsi src != 0, the others src == 0; blsmsk clears ZF."""
    dst, src = insn.operands
    b = ctx.b
    v = ctx.get(src)
    t = v.type
    zero = b.icmp_unsigned("==", v, _c(t, 0))
    if insn.id == X.X86_INS_BLSI:
        _flags(ctx, r := b.and_(v, b.neg(v)), b.not_(zero))
    elif insn.id == X.X86_INS_BLSMSK:
        _flags(ctx, r := b.xor(v, b.sub(v, _c(t, 1))), zero, zf=ir.Constant(I1, 0))
    else:
        _flags(ctx, r := b.and_(v, b.sub(v, _c(t, 1))), zero)
    ctx.set(dst, r)


@semantic("shlx", "shrx", "sarx")
def shiftx(ctx, insn):
    """Shifts by a register count masked to the operand (5 or 6 bits); no flags."""
    dst, src, count = insn.operands
    b = ctx.b
    v = ctx.get(src)
    t = v.type
    n = b.and_(ctx.get(count), _c(t, t.width - 1))
    op = {X.X86_INS_SHLX: b.shl, X.X86_INS_SHRX: b.lshr, X.X86_INS_SARX: b.ashr}[insn.id]
    ctx.set(dst, op(v, n))


@semantic("rorx")
def rorx(ctx, insn):
    """Rotate right by an immediate (masked to the operand); no flags."""
    dst, src, imm = insn.operands
    v = ctx.get(src)
    t = v.type
    ctx.set(dst, ctx.intrinsic("llvm.fshr", t, [v, v, _c(t, imm.imm & (t.width - 1))]))


@semantic("mulx")
def mulx(ctx, insn):
    """hi:lo = rdx (edx) * src, unsigned; no flags.  When both destinations are one register
    it gets the high half."""
    hi, lo, src = insn.operands
    b = ctx.b
    v = ctx.get(src)
    t = v.type
    d = ctx.reg(X.X86_REG_RDX if t.width == 64 else X.X86_REG_EDX)
    wide_t = ir.IntType(2 * t.width)
    prod = b.mul(b.zext(d, wide_t), b.zext(v, wide_t))
    ctx.set(lo, b.trunc(prod, t))
    ctx.set(hi, b.trunc(b.lshr(prod, _c(wide_t, t.width)), t))


@semantic("pdep", "pext")
def pdep_pext(ctx, insn):
    """pdep: the low bits of src, in order, to the mask's set bits; pext: the bits of src
    at the mask's set bits, in order, to the low bits.  A loop over the set bits."""
    dst, src, mask = insn.operands
    b = ctx.b
    s, m0 = ctx.get(src), ctx.get(mask)
    t = s.type
    zero, one = _c(t, 0), _c(t, 1)
    entry = b.block
    head = ctx.new_block(f"{insn.mnemonic}_head_{insn.address:x}")
    body = ctx.new_block(f"{insn.mnemonic}_body_{insn.address:x}")
    done = ctx.new_block(f"{insn.mnemonic}_done_{insn.address:x}")
    b.branch(head)
    b.position_at_end(head)
    m, res, out = b.phi(t), b.phi(t), b.phi(t)    # bits left, result, next bit of the packed side
    b.cbranch(b.icmp_unsigned("==", m, zero), done, body)
    b.position_at_end(body)
    low = b.and_(m, b.neg(m))
    if insn.id == X.X86_INS_PDEP:
        add = b.select(b.icmp_unsigned("!=", b.and_(s, out), zero), low, zero)
    else:
        add = b.select(b.icmp_unsigned("!=", b.and_(s, low), zero), out, zero)
    for phi, first, nxt in ((m, m0, b.and_(m, b.sub(m, one))), (res, zero, b.or_(res, add)),
                            (out, one, b.shl(out, one))):
        phi.add_incoming(first, entry)
        phi.add_incoming(nxt, body)
    b.branch(head)
    b.position_at_end(done)
    ctx.set(dst, res)
