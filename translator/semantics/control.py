"""Control flow: the lifter builds the branches; these return the condition or target."""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.lift.regs import RCX
from translator.semantics import semantic

I1, I64 = ir.IntType(1), ir.IntType(64)

_JCC = {"jo": "o", "jno": "no", "jb": "b", "jae": "ae", "je": "e", "jne": "ne", "jbe": "be",
        "ja": "a", "js": "s", "jns": "ns", "jp": "p", "jnp": "np", "jl": "l", "jge": "ge",
        "jle": "le", "jg": "g"}


@semantic(*_JCC)
def jcc(ctx, insn):
    """Conditional jump: returns the i1 condition."""
    return F.condition(ctx, _JCC[insn.mnemonic.split()[-1]])


@semantic("jrcxz", "jecxz")
def jrcxz(ctx, insn):
    bits = 64 if insn.id == X.X86_INS_JRCXZ else 32
    v = ctx.gpr64(RCX)
    if bits == 32:
        v = ctx.b.trunc(v, ir.IntType(32))
    return ctx.b.icmp_unsigned("==", v, ir.Constant(v.type, 0))


@semantic("loop", "loope", "loopne")
def loop(ctx, insn):
    b = ctx.b
    rcx = b.sub(ctx.gpr64(RCX), ir.Constant(I64, 1))
    ctx.set_gpr64(RCX, rcx)
    c = b.icmp_unsigned("!=", rcx, ir.Constant(I64, 0))
    if insn.id == X.X86_INS_LOOPE:
        c = b.and_(c, ctx.flag("zf"))
    elif insn.id == X.X86_INS_LOOPNE:
        c = b.and_(c, b.not_(ctx.flag("zf")))
    return c


def _target(ctx, op):
    if op.type == X.X86_OP_IMM:
        return ir.Constant(I64, op.imm & 0xFFFF_FFFF_FFFF_FFFF)
    return ctx.get(op, 64)


@semantic("jmp")
def jmp(ctx, insn):
    """Returns the target address (a constant for direct jumps)."""
    return _target(ctx, insn.operands[0])


@semantic("call")
def call(ctx, insn):
    """Pushes the return address and returns the target."""
    t = _target(ctx, insn.operands[0])    # read before the push: call [rsp+8] uses the old rsp
    ctx.push(ctx.gaddr(ctx.next_pc))
    return t


@semantic("ret")
def ret(ctx, insn):
    """Pops the return address (and ret imm16's bytes) and returns it."""
    t = ctx.pop(64)
    if insn.operands:
        from translator.lift.regs import RSP
        ctx.set_gpr64(RSP, ctx.b.add(ctx.gpr64(RSP), ir.Constant(I64, insn.operands[0].imm)))
    return t
