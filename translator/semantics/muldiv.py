"""Multiplication and division at every width.

Division faults (#DE: divisor zero or quotient overflow) raise SIGFPE through rt_trap, as
the CPU does. A 128-by-64 division whose dividend does not fit 64 bits calls the runtime
(rt_udiv128 / rt_idiv128), which each host backend implements.
"""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.semantics import semantic

I1, I8, I64, I128 = ir.IntType(1), ir.IntType(8), ir.IntType(64), ir.IntType(128)
SIGFPE = 8           # the divide error (#DE) is delivered as SIGFPE

_LO = {8: X.X86_REG_AL, 16: X.X86_REG_AX, 32: X.X86_REG_EAX, 64: X.X86_REG_RAX}
_HI = {8: X.X86_REG_AH, 16: X.X86_REG_DX, 32: X.X86_REG_EDX, 64: X.X86_REG_RDX}


def _undefined_szap(ctx, r):
    """SF ZF AF PF are undefined after mul/imul; set them like current Intel cores do."""
    F.set_szp(ctx, r)
    ctx.set_flag("af", ir.Constant(I1, 0))


@semantic("mul")
def mul(ctx, insn):
    (src,) = insn.operands
    s = ctx.get(src)
    bits = s.type.width
    b = ctx.b
    w = ir.IntType(bits * 2)
    a = ctx.reg(_LO[bits])
    p = b.mul(b.zext(a, w), b.zext(s, w))
    lo = b.trunc(p, s.type)
    hi = b.trunc(b.lshr(p, ir.Constant(w, bits)), s.type)
    _store_pair(ctx, bits, lo, hi, p)
    over = b.icmp_unsigned("!=", hi, ir.Constant(s.type, 0))
    ctx.set_flag("cf", over)
    ctx.set_flag("of", over)
    _undefined_szap(ctx, lo)


def _store_pair(ctx, bits, lo, hi, p):
    if bits == 8:
        ctx.set_reg(X.X86_REG_AX, ctx.b.trunc(p, ir.IntType(16)))
    else:
        ctx.set_reg(_LO[bits], lo)
        ctx.set_reg(_HI[bits], hi)


@semantic("imul")
def imul(ctx, insn):
    ops = insn.operands
    b = ctx.b
    if len(ops) == 1:
        s = ctx.get(ops[0])
        bits = s.type.width
        w = ir.IntType(bits * 2)
        a = ctx.reg(_LO[bits])
        p = b.mul(b.sext(a, w), b.sext(s, w))
        lo = b.trunc(p, s.type)
        hi = b.trunc(b.lshr(p, ir.Constant(w, bits)), s.type)
        _store_pair(ctx, bits, lo, hi, p)
    else:
        dst = ops[0]
        if len(ops) == 2:
            x, y = ctx.get(dst), ctx.get(ops[1])
        else:
            x = ctx.get(ops[1])
            y = ctx.const(x.type.width, ops[2].imm)
        bits = x.type.width
        w = ir.IntType(bits * 2)
        p = b.mul(b.sext(x, w), b.sext(y, w))
        lo = b.trunc(p, x.type)
        ctx.set(dst, lo)
    over = b.icmp_unsigned("!=", b.sext(lo, w), p)
    ctx.set_flag("cf", over)
    ctx.set_flag("of", over)
    _undefined_szap(ctx, lo)


def _trap_unless(ctx, ok):
    """Continue when ok, else raise the divide error."""
    b = ctx.b
    cont = ctx.new_block(f"div_ok_{ctx.insn.address:x}")
    bad = ctx.new_block(f"div_fault_{ctx.insn.address:x}")
    br = b.cbranch(ok, cont, bad)
    br.set_weights([1000, 1])
    b.position_at_end(bad)
    ctx.die("rt_trap", [ctx.gaddr(ctx.insn.address), ir.Constant(ir.IntType(32), SIGFPE)])
    ctx.terminated = False
    b.position_at_end(cont)


@semantic("div", "idiv")
def div(ctx, insn):
    (src,) = insn.operands
    d = ctx.get(src)
    bits = d.type.width
    signed = insn.id == X.X86_INS_IDIV
    b = ctx.b
    t = d.type
    zero = ir.Constant(t, 0)
    _trap_unless(ctx, b.icmp_unsigned("!=", d, zero))
    if bits == 8:
        dividend = ctx.reg(X.X86_REG_AX)
        hi_part = None
    else:
        lo_v, hi_v = ctx.reg(_LO[bits]), ctx.reg(_HI[bits])
        hi_part = hi_v
    if bits < 64:
        w = ir.IntType(bits * 2)
        if bits > 8:
            dividend = b.or_(b.zext(lo_v, w), b.shl(b.zext(hi_v, w), ir.Constant(w, bits)))
        ext = b.sext if signed else b.zext
        dd = ext(d, w)
        if signed:
            # INT_MIN / -1 traps before LLVM sees it (sdiv overflow is UB).
            minv = ir.Constant(w, 1 << (bits * 2 - 1))
            ok = b.not_(b.and_(b.icmp_unsigned("==", dividend, minv),
                               b.icmp_signed("==", dd, ir.Constant(w, -1))))
            _trap_unless(ctx, ok)
            q = b.sdiv(dividend, dd)
            r = b.srem(dividend, dd)
            fits = b.icmp_unsigned("==", b.sext(b.trunc(q, t), w), q)
        else:
            q = b.udiv(dividend, dd)
            r = b.urem(dividend, dd)
            fits = b.icmp_unsigned("==", b.zext(b.trunc(q, t), w), q)
        _trap_unless(ctx, fits)
        qt, rt = b.trunc(q, t), b.trunc(r, t)
    else:
        qt, rt = _div128(ctx, lo_v, hi_part, d, signed)
    if bits == 8:
        ctx.set_reg(X.X86_REG_AL, qt)
        ctx.set_reg(X.X86_REG_AH, rt)
    else:
        ctx.set_reg(_LO[bits], qt)
        ctx.set_reg(_HI[bits], rt)


def _div128(ctx, lo, hi, d, signed):
    """rdx:rax / d. Dividends that fit 64 bits divide inline; others go to the runtime."""
    b = ctx.b
    if signed:
        small = b.icmp_unsigned("==", hi, b.ashr(lo, ir.Constant(I64, 63)))
        # INT64_MIN / -1 overflows: send it to the runtime, which faults.
        small = b.and_(small, b.not_(b.and_(
            b.icmp_unsigned("==", lo, ir.Constant(I64, 1 << 63)),
            b.icmp_signed("==", d, ir.Constant(I64, -1)))))
    else:
        small = b.icmp_unsigned("==", hi, ir.Constant(I64, 0))
    fast = ctx.new_block(f"div_fast_{ctx.insn.address:x}")
    slow = ctx.new_block(f"div_slow_{ctx.insn.address:x}")
    done = ctx.new_block(f"div_done_{ctx.insn.address:x}")
    br = b.cbranch(small, fast, slow)
    br.set_weights([1000, 1])
    b.position_at_end(fast)
    q1 = b.sdiv(lo, d) if signed else b.udiv(lo, d)
    r1 = b.srem(lo, d) if signed else b.urem(lo, d)
    b.branch(done)
    b.position_at_end(slow)
    # rt_udiv128/rt_idiv128(state, hi, lo, d, pc) -> quotient, remainder in state scratch.
    name = "rt_idiv128" if signed else "rt_udiv128"
    ret_t = ir.LiteralStructType([I64, I64])
    f = ctx.lc.rt(name, ret_t, [ctx.lc.state_p, I64, I64, I64, I64])
    pc = ctx.gaddr(ctx.insn.address)
    ctx.set_rip(pc)
    res = b.call(f, [ctx.state, hi, lo, d, pc])
    q2, r2 = b.extract_value(res, 0), b.extract_value(res, 1)
    slow_end = b.block
    b.branch(done)
    b.position_at_end(done)
    q = b.phi(I64)
    q.add_incoming(q1, fast)
    q.add_incoming(q2, slow_end)
    r = b.phi(I64)
    r.add_incoming(r1, fast)
    r.add_incoming(r2, slow_end)
    return q, r
