"""String instructions movs stos lods scas cmps, with rep / repe / repne prefixes.

Each element step honours DF; a rep prefix becomes a loop on rcx (repe/repne also stop on
ZF for scas and cmps). The element size is the mnemonic's suffix.
"""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.lift.regs import RAX, RCX, RDI, RSI
from translator.semantics import semantic

I1, I64 = ir.IntType(1), ir.IntType(64)
REP, REPNE = 0xF3, 0xF2
SIZES = {"b": 1, "w": 2, "d": 4, "q": 8}


def _step(ctx, size):
    """+size or -size by DF."""
    b = ctx.b
    return b.select(ctx.flag("df"), ir.Constant(I64, -size), ir.Constant(I64, size))


def _advance(ctx, reg, size):
    ctx.set_gpr64(reg, ctx.b.add(ctx.gpr64(reg), _step(ctx, size)))


def _acc(ctx, size):
    return ctx.b.trunc(ctx.gpr64(RAX), ir.IntType(size * 8)) if size < 8 else ctx.gpr64(RAX)


def _elem(kind, ctx, size):
    """One element of the operation; returns nothing."""
    t = ir.IntType(size * 8)
    b = ctx.b
    if kind == "movs":
        ctx.store(ctx.gpr64(RDI), ctx.load(ctx.gpr64(RSI), t))
        _advance(ctx, RSI, size)
        _advance(ctx, RDI, size)
    elif kind == "stos":
        ctx.store(ctx.gpr64(RDI), _acc(ctx, size))
        _advance(ctx, RDI, size)
    elif kind == "lods":
        v = ctx.load(ctx.gpr64(RSI), t)
        reg = {1: X.X86_REG_AL, 2: X.X86_REG_AX, 4: X.X86_REG_EAX, 8: X.X86_REG_RAX}[size]
        ctx.set_reg(reg, v)
        _advance(ctx, RSI, size)
    elif kind == "scas":
        a = _acc(ctx, size)
        m = ctx.load(ctx.gpr64(RDI), t)
        F.set_sub(ctx, a, m, b.sub(a, m))
        _advance(ctx, RDI, size)
    elif kind == "cmps":
        s = ctx.load(ctx.gpr64(RSI), t)
        d = ctx.load(ctx.gpr64(RDI), t)
        F.set_sub(ctx, s, d, b.sub(s, d))
        _advance(ctx, RSI, size)
        _advance(ctx, RDI, size)


def string_op(ctx, insn, kind, size):
    b = ctx.b
    prefix = insn.prefix[0]
    if prefix not in (REP, REPNE):
        _elem(kind, ctx, size)
        return
    conditional = kind in ("scas", "cmps")
    a = insn.address
    head = ctx.new_block(f"rep_head_{a:x}")
    body = ctx.new_block(f"rep_body_{a:x}")
    done = ctx.new_block(f"rep_done_{a:x}")
    b.branch(head)
    b.position_at_end(head)
    rcx = ctx.gpr64(RCX)
    b.cbranch(b.icmp_unsigned("==", rcx, ir.Constant(I64, 0)), done, body)
    b.position_at_end(body)
    _elem(kind, ctx, size)
    ctx.set_gpr64(RCX, b.sub(ctx.gpr64(RCX), ir.Constant(I64, 1)))
    if conditional:
        zf = ctx.flag("zf")
        go_on = zf if prefix == REP else b.not_(zf)
        b.cbranch(go_on, head, done)
    else:
        b.branch(head)
    b.position_at_end(done)


def _make(kind):
    def sem(ctx, insn):
        string_op(ctx, insn, kind, SIZES[insn.mnemonic.split()[-1][-1]])
    sem.__name__ = kind
    sem.__doc__ = f"{kind} with optional rep prefix"
    return sem


for _kind in ("movs", "stos", "lods", "scas", "cmps"):
    _names = [_kind + s for s in SIZES if not (_kind in ("movs", "cmps") and s == "d")]
    semantic(*_names)(_make(_kind))


def is_string_form(insn) -> bool:
    """movsd/cmpsd name both a string instruction and an SSE2 scalar-double one."""
    return all(op.type == X.X86_OP_MEM for op in insn.operands) or not insn.operands


@semantic("cmpsd")
def cmpsd(ctx, insn):
    """cmpsd: the string compare (dword), or SSE2's scalar-double compare."""
    if is_string_form(insn):
        string_op(ctx, insn, "cmps", 4)
    else:
        from translator.semantics.sse_float import cmpsd_sse
        cmpsd_sse(ctx, insn)
