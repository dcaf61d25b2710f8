"""Flag helpers shared by the semantics: eager i1 values, dead ones vanish in LLVM's DCE."""
from __future__ import annotations

from llvmlite import ir

I1 = ir.IntType(1)
I8 = ir.IntType(8)


def _c(v: ir.Value, x: int) -> ir.Constant:
    return ir.Constant(v.type, x & ((1 << v.type.width) - 1))


def parity(ctx, res: ir.Value) -> ir.Value:
    """PF: set when the low byte has an even number of 1 bits."""
    b = ctx.b
    low = b.trunc(res, I8) if res.type.width > 8 else res
    n = ctx.intrinsic("llvm.ctpop", I8, [low])
    return b.icmp_unsigned("==", b.and_(n, ir.Constant(I8, 1)), ir.Constant(I8, 0))


def set_szp(ctx, res: ir.Value):
    b = ctx.b
    if ctx.live("zf"):
        ctx.set_flag("zf", b.icmp_unsigned("==", res, _c(res, 0)))
    if ctx.live("sf"):
        ctx.set_flag("sf", b.icmp_signed("<", res, _c(res, 0)))
    if ctx.live("pf"):
        ctx.set_flag("pf", parity(ctx, res))


def set_logic(ctx, res: ir.Value):
    """and/or/xor/test: CF = OF = 0, AF undefined (we clear it, as the CPU does)."""
    set_szp(ctx, res)
    ctx.set_flag("cf", ir.Constant(I1, 0))
    ctx.set_flag("of", ir.Constant(I1, 0))
    ctx.set_flag("af", ir.Constant(I1, 0))


def set_af(ctx, a: ir.Value, b_: ir.Value, res: ir.Value):
    if not ctx.live("af"):
        return
    b = ctx.b
    x = b.xor(b.xor(a, b_), res)
    ctx.set_flag("af", b.icmp_unsigned("!=", b.and_(x, _c(x, 0x10)), _c(x, 0)))


def set_add(ctx, a: ir.Value, b_: ir.Value, res: ir.Value, carry_in: ir.Value | None = None):
    """Flags of res = a + b_ (+ carry_in)."""
    b = ctx.b
    set_szp(ctx, res)
    set_af(ctx, a, b_, res)
    if ctx.live("cf"):
        if carry_in is None:
            cf = b.icmp_unsigned("<", res, a)
        else:
            # carry out = res < a, or res == a with a carry in (b_ all ones, or the sum wrapped)
            lt = b.icmp_unsigned("<", res, a)
            eq = b.icmp_unsigned("==", res, a)
            cf = b.or_(lt, b.and_(eq, carry_in))
        ctx.set_flag("cf", cf)
    if ctx.live("of"):
        # OF: operands have the same sign and the result's sign differs.
        t = b.and_(b.xor(a, res), b.xor(b_, res))
        ctx.set_flag("of", b.icmp_signed("<", t, _c(t, 0)))


class Compare:
    """The operands of a subtraction whose flags are in the slots (see condition)."""
    __slots__ = ("a", "b", "block")

    def __init__(self, a, b_, block):
        self.a, self.b, self.block = a, b_, block


def set_sub(ctx, a: ir.Value, b_: ir.Value, res: ir.Value, borrow_in: ir.Value | None = None):
    """Flags of res = a - b_ (- borrow_in); also cmp."""
    if borrow_in is None:
        ctx.origin = Compare(a, b_, ctx.b.block)
    try:
        _sub_flags(ctx, a, b_, res, borrow_in)
    finally:
        ctx.origin = None


def _sub_flags(ctx, a, b_, res, borrow_in):
    b = ctx.b
    set_szp(ctx, res)
    set_af(ctx, a, b_, res)
    if ctx.live("cf"):
        if borrow_in is None:
            cf = b.icmp_unsigned("<", a, b_)
        else:
            lt = b.icmp_unsigned("<", a, b_)
            eq = b.icmp_unsigned("==", a, b_)
            cf = b.or_(lt, b.and_(eq, borrow_in))
        ctx.set_flag("cf", cf)
    if ctx.live("of"):
        t = b.and_(b.xor(a, b_), b.xor(a, res))
        ctx.set_flag("of", b.icmp_signed("<", t, _c(t, 0)))


# Conditions that are one icmp of a subtraction's operands, and the flags they read.
_FUSED = {"b": ("ult", ("cf",)), "ae": ("uge", ("cf",)), "e": ("eq", ("zf",)),
          "ne": ("ne", ("zf",)), "be": ("ule", ("cf", "zf")), "a": ("ugt", ("cf", "zf")),
          "l": ("slt", ("sf", "of")), "ge": ("sge", ("sf", "of")),
          "le": ("sle", ("zf", "sf", "of")), "g": ("sgt", ("zf", "sf", "of"))}
_ICMP = {"ult": ("<", False), "uge": (">=", False), "ule": ("<=", False), "ugt": (">", False),
         "eq": ("==", False), "ne": ("!=", False), "slt": ("<", True), "sge": (">=", True),
         "sle": ("<=", True), "sgt": (">", True)}


def condition(ctx, cc: str) -> ir.Value:
    """The i1 value of a condition code (o no b ae e ne be a s ns p np l ge le g).  When the
    flags it reads all come from one cmp/sub in the same IR block, it is that compare's icmp:
    LLVM does not see SF != OF after a subtraction as a signed less-than (matmul's loops paid
    six ALU operations per jl)."""
    b = ctx.b
    fused = _FUSED.get(cc)
    if fused is not None:
        pred, reads = fused
        origin = ctx.flag_origin.get(reads[0])
        if isinstance(origin, Compare) and origin.block is b.block and \
                all(ctx.flag_origin.get(n) is origin for n in reads):
            op, signed = _ICMP[pred]
            cmp = b.icmp_signed if signed else b.icmp_unsigned
            return cmp(op, origin.a, origin.b)
    f = ctx.flag
    neg = cc.startswith("n") and cc not in ("nc",)
    base = {
        "o": lambda: f("of"), "no": lambda: f("of"),
        "b": lambda: f("cf"), "ae": lambda: f("cf"),
        "e": lambda: f("zf"), "ne": lambda: f("zf"),
        "be": lambda: b.or_(f("cf"), f("zf")), "a": lambda: b.or_(f("cf"), f("zf")),
        "s": lambda: f("sf"), "ns": lambda: f("sf"),
        "p": lambda: f("pf"), "np": lambda: f("pf"),
        "l": lambda: b.xor(f("sf"), f("of")), "ge": lambda: b.xor(f("sf"), f("of")),
        "le": lambda: b.or_(f("zf"), b.xor(f("sf"), f("of"))),
        "g": lambda: b.or_(f("zf"), b.xor(f("sf"), f("of"))),
    }[cc]()
    negate = cc in ("no", "ae", "ne", "a", "ns", "np", "ge", "g")
    del neg
    return b.not_(base) if negate else base


CONDITIONS = ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g")
