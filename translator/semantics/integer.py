"""Integer ALU, moves and stack instructions."""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift import flags as F
from translator.lift.function import Unsupported
from translator.lift.regs import GPR as GPR_VIEW, RAX, RDX, RSP, RBP
from translator.semantics import semantic

I1, I8, I16, I32, I64, I128 = (ir.IntType(n) for n in (1, 8, 16, 32, 64, 128))


def _binop(ctx, insn):
    dst, src = insn.operands
    a = ctx.get(dst)
    bits = a.type.width
    s = ctx.get(src, bits) if src.type != X.X86_OP_IMM else ctx.imm(src, bits)
    return dst, a, s


@semantic("add")
def add(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    r = ctx.b.add(a, s)
    F.set_add(ctx, a, s, r)
    ctx.set(dst, r)


@semantic("adc")
def adc(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    cf = ctx.flag("cf")
    r = ctx.b.add(ctx.b.add(a, s), ctx.b.zext(cf, a.type))
    F.set_add(ctx, a, s, r, cf)
    ctx.set(dst, r)


@semantic("sub")
def sub(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    r = ctx.b.sub(a, s)
    F.set_sub(ctx, a, s, r)
    ctx.set(dst, r)


@semantic("sbb")
def sbb(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    cf = ctx.flag("cf")
    r = ctx.b.sub(ctx.b.sub(a, s), ctx.b.zext(cf, a.type))
    F.set_sub(ctx, a, s, r, cf)
    ctx.set(dst, r)


@semantic("cmp")
def cmp(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    F.set_sub(ctx, a, s, ctx.b.sub(a, s))


@semantic("and", "or", "xor")
def logic(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    if insn.id == X.X86_INS_XOR and dst.type == X.X86_OP_REG and src_same(insn):
        r = ctx.const(a.type.width, 0)
    else:
        op = {X.X86_INS_AND: ctx.b.and_, X.X86_INS_OR: ctx.b.or_, X.X86_INS_XOR: ctx.b.xor}[insn.id]
        r = op(a, s)
    F.set_logic(ctx, r)
    ctx.set(dst, r)


def src_same(insn) -> bool:
    a, b = insn.operands
    return b.type == X.X86_OP_REG and a.reg == b.reg


@semantic("test")
def test(ctx, insn):
    dst, a, s = _binop(ctx, insn)
    F.set_logic(ctx, ctx.b.and_(a, s))


@semantic("inc", "dec")
def incdec(ctx, insn):
    dst = insn.operands[0]
    a = ctx.get(dst)
    one = ctx.const(a.type.width, 1)
    cf = ctx.flag("cf")
    if insn.id == X.X86_INS_INC:
        r = ctx.b.add(a, one)
        F.set_add(ctx, a, one, r)
    else:
        r = ctx.b.sub(a, one)
        F.set_sub(ctx, a, one, r)
    ctx.set_flag("cf", cf)     # inc/dec leave CF alone
    ctx.set(dst, r)


@semantic("neg")
def neg(ctx, insn):
    dst = insn.operands[0]
    a = ctx.get(dst)
    zero = ctx.const(a.type.width, 0)
    r = ctx.b.sub(zero, a)
    F.set_sub(ctx, zero, a, r)
    ctx.set(dst, r)


@semantic("not")
def not_(ctx, insn):
    dst = insn.operands[0]
    ctx.set(dst, ctx.b.not_(ctx.get(dst)))


# Segment selectors a Linux x86-64 user process sees (__USER_CS, __USER_DS; data segments null).
SELECTORS = {X.X86_REG_CS: 0x33, X.X86_REG_SS: 0x2B, X.X86_REG_DS: 0, X.X86_REG_ES: 0,
             X.X86_REG_FS: 0, X.X86_REG_GS: 0}


@semantic("mov", "movabs")
def mov(ctx, insn):
    """Moves; reading a segment register gives the selector Linux loads (writing one is
    not supported)."""
    dst, src = insn.operands
    if src.type == X.X86_OP_REG and src.reg in SELECTORS:
        ctx.set(dst, ctx.const(dst.size * 8, SELECTORS[src.reg]))
        return
    if dst.type == X.X86_OP_REG and dst.reg not in _GPR_OK:
        raise Unsupported("segment register load")
    ctx.set(dst, ctx.get(src, dst.size * 8))


@semantic("movzx")
def movzx(ctx, insn):
    dst, src = insn.operands
    ctx.set(dst, ctx.b.zext(ctx.get(src), ir.IntType(dst.size * 8)))


@semantic("movsx", "movsxd")
def movsx(ctx, insn):
    dst, src = insn.operands
    v = ctx.get(src)
    if v.type.width == dst.size * 8:
        ctx.set(dst, v)
    else:
        ctx.set(dst, ctx.b.sext(v, ir.IntType(dst.size * 8)))


@semantic("lea")
def lea(ctx, insn):
    dst, src = insn.operands
    a = ctx.addr(src, segment=False)
    bits = dst.size * 8
    ctx.set(dst, a if bits == 64 else ctx.b.trunc(a, ir.IntType(bits)))


@semantic("xchg")
def xchg(ctx, insn):
    a_op, b_op = insn.operands
    a, b = ctx.get(a_op), ctx.get(b_op)
    if a_op.type == X.X86_OP_REG and b_op.type == X.X86_OP_REG and a_op.reg == b_op.reg:
        ctx.set(a_op, a)       # xchg eax, eax still zero-extends
        return
    ctx.set(a_op, b)
    ctx.set(b_op, a)


@semantic("xadd")
def xadd(ctx, insn):
    dst, src = insn.operands
    a, s = ctx.get(dst), ctx.get(src)
    r = ctx.b.add(a, s)
    F.set_add(ctx, a, s, r)
    ctx.set(src, a)
    ctx.set(dst, r)


@semantic("cmpxchg")
def cmpxchg(ctx, insn):
    dst, src = insn.operands
    bits = dst.size * 8
    b = ctx.b
    cur = ctx.get(dst)
    acc_reg = _ACC[bits]
    acc = ctx.reg(acc_reg)
    r = b.sub(acc, cur)
    F.set_sub(ctx, acc, cur, r)
    eq = b.icmp_unsigned("==", acc, cur)
    if dst.type == X.X86_OP_MEM:
        ctx.set(dst, b.select(eq, ctx.get(src), cur))   # memory is written either way
    else:
        # A register destination is written only on success (a 32-bit one zero-extends).
        v = GPR_VIEW[dst.reg]
        before = ctx.gpr64(v.index)
        ctx.set(dst, ctx.get(src))
        ctx.set_gpr64(v.index, b.select(eq, ctx.gpr64(v.index), before))
    old_rax = ctx.gpr64(RAX)
    ctx.set_reg(acc_reg, cur)        # on failure the accumulator receives the old value
    ctx.set_gpr64(RAX, b.select(eq, old_rax, ctx.gpr64(RAX)))


_ACC = {8: X.X86_REG_AL, 16: X.X86_REG_AX, 32: X.X86_REG_EAX, 64: X.X86_REG_RAX}


@semantic("cmpxchg16b", "cmpxchg8b")
def cmpxchg_wide(ctx, insn):
    (dst,) = insn.operands
    half = 64 if insn.id == X.X86_INS_CMPXCHG16B else 32
    b = ctx.b
    wide = ir.IntType(half * 2)
    ht = ir.IntType(half)
    addr = ctx.addr(dst)
    cur = ctx.load(addr, wide)

    def pair(lo_reg, hi_reg):
        lo = b.trunc(ctx.gpr64(lo_reg), ht)
        hi = b.trunc(ctx.gpr64(hi_reg), ht)
        return b.or_(b.zext(lo, wide), b.shl(b.zext(hi, wide), ir.Constant(wide, half)))
    expect = pair(RAX, RDX)
    from translator.lift.regs import RBX, RCX
    new = pair(RBX, RCX)
    ctx.store(addr, b.select(b.icmp_unsigned("==", cur, expect), new, cur))
    cur = ctx.committed(cur)
    eq = b.icmp_unsigned("==", cur, expect)
    ctx.set_flag("zf", eq)
    lo = b.trunc(cur, ht)
    hi = b.trunc(b.lshr(cur, ir.Constant(wide, half)), ht)
    old_rax, old_rdx = ctx.gpr64(RAX), ctx.gpr64(RDX)
    ctx.set_gpr64(RAX, b.select(eq, old_rax, b.zext(lo, I64)))
    ctx.set_gpr64(RDX, b.select(eq, old_rdx, b.zext(hi, I64)))


@semantic("push")
def push(ctx, insn):
    (src,) = insn.operands
    if src.type == X.X86_OP_IMM:
        ctx.push(ctx.const(src.size * 8, src.imm) if src.size == 2 else ctx.imm(src, 64))
        return
    if src.type == X.X86_OP_REG and src.reg not in _GPR_OK:
        raise Unsupported("push of a segment register")
    ctx.push(ctx.get(src))


@semantic("pop")
def pop(ctx, insn):
    (dst,) = insn.operands
    v = ctx.pop(dst.size * 8)
    if dst.type == X.X86_OP_MEM and dst.mem.base == X.X86_REG_RSP:
        raise Unsupported("pop into an rsp-relative address")
    ctx.set(dst, v)


@semantic("pushfq", "pushf")
def pushf(ctx, insn):
    ctx.push(ctx.rflags(64) if insn.id == X.X86_INS_PUSHFQ else ctx.rflags(16))


@semantic("popfq", "popf")
def popf(ctx, insn):
    bits = 64 if insn.id == X.X86_INS_POPFQ else 16
    ctx.set_rflags(ctx.pop(bits))


@semantic("lahf")
def lahf(ctx, insn):
    ctx.set_reg(X.X86_REG_AH, ctx.b.trunc(ctx.rflags(64), I8))


@semantic("sahf")
def sahf(ctx, insn):
    ah = ctx.reg(X.X86_REG_AH)
    b = ctx.b
    for name, bit in (("cf", 0), ("pf", 2), ("af", 4), ("zf", 6), ("sf", 7)):
        ctx.set_flag(name, b.trunc(b.lshr(ah, ir.Constant(I8, bit)), I1))


@semantic("leave")
def leave(ctx, insn):
    ctx.set_gpr64(RSP, ctx.gpr64(RBP))
    ctx.set_gpr64(RBP, ctx.pop(64))


@semantic("enter")
def enter(ctx, insn):
    """enter size, level: with a nesting level, the enclosing frame pointers are copied."""
    size, level = insn.operands[0].imm & 0xFFFF, insn.operands[1].imm & 31
    b = ctx.b
    ctx.push(ctx.gpr64(RBP))
    frame = ctx.gpr64(RSP)
    if level:
        for i in range(1, level):
            ctx.push(ctx.load(b.sub(ctx.gpr64(RBP), ir.Constant(I64, 8 * i)), I64))
        ctx.push(frame)
    ctx.set_gpr64(RBP, frame)
    ctx.set_gpr64(RSP, b.sub(ctx.gpr64(RSP), ir.Constant(I64, size)))


@semantic("cbw", "cwde", "cdqe")
def cbw(ctx, insn):
    bits = {X.X86_INS_CBW: 8, X.X86_INS_CWDE: 16, X.X86_INS_CDQE: 32}[insn.id]
    src = ctx.b.trunc(ctx.gpr64(RAX), ir.IntType(bits))
    reg = {8: X.X86_REG_AX, 16: X.X86_REG_EAX, 32: X.X86_REG_RAX}[bits]
    ctx.set_reg(reg, ctx.b.sext(src, ir.IntType(bits * 2)))


@semantic("cwd", "cdq", "cqo")
def cwd(ctx, insn):
    bits = {X.X86_INS_CWD: 16, X.X86_INS_CDQ: 32, X.X86_INS_CQO: 64}[insn.id]
    t = ir.IntType(bits)
    v = ctx.b.trunc(ctx.gpr64(RAX), t) if bits < 64 else ctx.gpr64(RAX)
    sign = ctx.b.ashr(v, ir.Constant(t, bits - 1))
    reg = {16: X.X86_REG_DX, 32: X.X86_REG_EDX, 64: X.X86_REG_RDX}[bits]
    ctx.set_reg(reg, sign)


@semantic("bswap")
def bswap(ctx, insn):
    (dst,) = insn.operands
    v = ctx.get(dst)
    ctx.set(dst, ctx.intrinsic("llvm.bswap", v.type, [v]))


@semantic("movbe")
def movbe(ctx, insn):
    dst, src = insn.operands
    v = ctx.get(src)
    ctx.set(dst, ctx.intrinsic("llvm.bswap", v.type, [v]))


@semantic("xlatb")
def xlatb(ctx, insn):
    from translator.lift.regs import RBX
    b = ctx.b
    al = b.zext(b.trunc(ctx.gpr64(RAX), I8), I64)
    ctx.set_reg(X.X86_REG_AL, ctx.load(b.add(ctx.gpr64(RBX), al), I8))


def _cc_of(mnemonic: str, prefix: str) -> str:
    cc = mnemonic[len(prefix):]
    return {"c": "b", "nc": "ae", "z": "e", "nz": "ne", "na": "be", "nbe": "a", "nae": "b",
            "nb": "ae", "pe": "p", "po": "np", "nge": "l", "nl": "ge", "ng": "le",
            "nle": "g"}.get(cc, cc)


@semantic(*("cmov" + c for c in F.CONDITIONS))
def cmov(ctx, insn):
    dst, src = insn.operands
    cond = F.condition(ctx, _cc_of(insn.mnemonic, "cmov"))
    old = ctx.get(dst)
    new = ctx.get(src)
    # A 32-bit cmov writes (zero-extends) the destination even when the condition is false.
    ctx.set(dst, ctx.b.select(cond, new, old))


@semantic(*("set" + c for c in F.CONDITIONS))
def setcc(ctx, insn):
    (dst,) = insn.operands
    cond = F.condition(ctx, _cc_of(insn.mnemonic, "set"))
    ctx.set(dst, ctx.b.zext(cond, I8))


@semantic("clc", "stc", "cmc", "cld", "std")
def flag_ops(ctx, insn):
    i = insn.id
    if i == X.X86_INS_CLC:
        ctx.set_flag("cf", ir.Constant(I1, 0))
    elif i == X.X86_INS_STC:
        ctx.set_flag("cf", ir.Constant(I1, 1))
    elif i == X.X86_INS_CMC:
        ctx.set_flag("cf", ctx.b.not_(ctx.flag("cf")))
    elif i == X.X86_INS_CLD:
        ctx.set_flag("df", ir.Constant(I1, 0))
    else:
        ctx.set_flag("df", ir.Constant(I1, 1))


_GPR_OK = set()


def _init_gpr_ok():
    from translator.lift.regs import GPR, XMM
    _GPR_OK.update(GPR)
    _GPR_OK.update(XMM)


_init_gpr_ok()
