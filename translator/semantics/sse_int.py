"""SSE2..SSE4.2 integer instructions on XMM registers (and crc32).

XMM values are i128; a semantic bitcasts them to lane vectors (``<16 x i8>``, ``<8 x i16>``...)
to work on lanes. Shift counts, saturation and the pcmpXstrX string compares are written with
plain compares and selects, so the IR stays host-independent.
"""
from __future__ import annotations

from capstone import x86 as X
from llvmlite import ir

from translator.lift.function import Unsupported
from translator.semantics import semantic

I1, I8, I16, I32, I64, I128 = (ir.IntType(n) for n in (1, 8, 16, 32, 64, 128))


# -- lane helpers (also used by sse_float) -----------------------------------------------------
def vt(bits: int, n: int | None = None) -> ir.VectorType:
    return ir.VectorType(ir.IntType(bits), n or 128 // bits)


def lanes(ctx, v: ir.Value, bits: int) -> ir.Value:
    """An i128 as a vector of ``bits``-wide integer lanes."""
    return ctx.b.bitcast(v, vt(bits, v.type.width // bits))


def flat(ctx, v: ir.Value) -> ir.Value:
    """A 128-bit vector as i128."""
    return ctx.b.bitcast(v, I128)


def splat(t: ir.VectorType, x: int) -> ir.Constant:
    w = t.element.width
    return ir.Constant(t, [ir.Constant(t.element, x & ((1 << w) - 1))] * t.count)


def vsplat(ctx, t: ir.VectorType, x: ir.Value) -> ir.Value:
    """Broadcast a scalar value to every lane."""
    v = ctx.b.insert_element(ir.Constant(t, None), x, ir.Constant(I32, 0))
    return ctx.b.shuffle_vector(v, ir.Constant(t, None), ir.Constant(vt(32, t.count), [0] * t.count))


def shuffle(ctx, a: ir.Value, b: ir.Value, idx: list[int]) -> ir.Value:
    return ctx.b.shuffle_vector(a, b, ir.Constant(vt(32, len(idx)), idx))


def operands(ctx, insn):
    """(dst op, dst i128, src i128) of a two-operand xmm, xmm/m128 instruction."""
    dst, src = insn.operands[0], insn.operands[1]
    return dst, ctx.get(dst, 128), ctx.get(src, 128)


def merge_low(ctx, old: ir.Value, bits: int, value: ir.Value) -> ir.Value:
    """Replace the low ``bits`` of a 128-bit value with an integer ``value``."""
    b = ctx.b
    keep = ir.Constant(I128, ((1 << 128) - 1) ^ ((1 << bits) - 1))
    return b.or_(b.and_(old, keep), b.zext(value, I128))


def set_low(ctx, dst, bits: int, value: ir.Value):
    """Write ``value`` (an integer, or a float of that width) to the low ``bits`` of XMM
    register ``dst``, keeping the rest.  32 and 64 bits are a lane insert on the register's
    vector view, which stays in a vector register (movss, movsd); an and/or on the i128
    would send the value through GPRs."""
    b = ctx.b
    if bits in (32, 64):
        ft = ir.FloatType() if bits == 32 else ir.DoubleType()
        v = ctx.xmm_lanes(dst.reg, ir.VectorType(ft, 128 // bits))
        ctx.set(dst, b.insert_element(v, b.bitcast(value, ft), ir.Constant(I32, 0)))
    else:
        ctx.set(dst, merge_low(ctx, ctx.get(dst, 128), bits, value))


def imm(insn) -> int:
    op = insn.operands[-1]
    if op.type != X.X86_OP_IMM:
        raise Unsupported("expected an immediate")
    return op.imm & 0xFF


def is_xmm(op) -> bool:
    return op.type == X.X86_OP_REG and X.X86_REG_XMM0 <= op.reg <= X.X86_REG_XMM15


def xmm0(ctx) -> ir.Value:
    return ctx.xmm_reg(X.X86_REG_XMM0)


def mask_of(ctx, c: ir.Value, t: ir.VectorType) -> ir.Value:
    """A vector of i1 as all-ones / zero lanes of type ``t``."""
    return ctx.b.sext(c, t)


def _lanewise(ctx, insn, bits, fn):
    dst, a, s = operands(ctx, insn)
    ctx.set(dst, flat(ctx, fn(lanes(ctx, a, bits), lanes(ctx, s, bits))))


# -- logic -------------------------------------------------------------------------------------
@semantic("pxor", "por", "pand", "pandn")
def plogic(ctx, insn):
    dst, a, s = operands(ctx, insn)
    b = ctx.b
    m = insn.mnemonic
    if m == "pxor" and is_xmm(insn.operands[1]) and insn.operands[1].reg == dst.reg:
        r = ir.Constant(I128, 0)
    elif m == "pxor":
        r = b.xor(a, s)
    elif m == "por":
        r = b.or_(a, s)
    elif m == "pand":
        r = b.and_(a, s)
    else:
        r = b.and_(b.not_(a), s)
    ctx.set(dst, r)


# -- add / sub ---------------------------------------------------------------------------------
_WIDTH = {"b": 8, "w": 16, "d": 32, "q": 64}


@semantic("paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq")
def paddsub(ctx, insn):
    op = ctx.b.add if insn.mnemonic.startswith("padd") else ctx.b.sub
    _lanewise(ctx, insn, _WIDTH[insn.mnemonic[-1]], op)


def clamp(ctx, v: ir.Value, lo: int, hi: int, signed: bool) -> ir.Value:
    b = ctx.b
    cmp = b.icmp_signed if signed else b.icmp_unsigned
    v = b.select(cmp("<", v, splat(v.type, lo)), splat(v.type, lo), v)
    return b.select(cmp(">", v, splat(v.type, hi)), splat(v.type, hi), v)


def _bounds(bits: int, signed: bool) -> tuple[int, int]:
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


@semantic("paddusb", "paddusw", "paddsb", "paddsw", "psubusb", "psubusw", "psubsb", "psubsw")
def psat(ctx, insn):
    """Saturating add/sub: computed at twice the width, clamped, truncated."""
    m = insn.mnemonic
    bits = _WIDTH[m[-1]]
    signed = "us" not in m
    b = ctx.b

    def fn(x, y):
        wide = vt(bits * 2, x.type.count)
        ext = b.sext if signed else b.zext
        r = (b.add if m.startswith("padd") else b.sub)(ext(x, wide), ext(y, wide))
        return b.trunc(clamp(ctx, r, *_bounds(bits, signed), True), x.type)
    _lanewise(ctx, insn, bits, fn)


# -- compares, min/max -------------------------------------------------------------------------
@semantic("pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpeqq", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pcmpgtq")
def pcmp(ctx, insn):
    m = insn.mnemonic
    b = ctx.b

    def fn(x, y):
        c = b.icmp_signed("==" if "eq" in m else ">", x, y)
        return b.sext(c, x.type)
    _lanewise(ctx, insn, _WIDTH[m[-1]], fn)


@semantic("pminub", "pmaxub", "pminsw", "pmaxsw", "pminud", "pminsd", "pmaxud", "pmaxsd",
          "pminuw", "pmaxuw", "pminsb", "pmaxsb")
def pminmax(ctx, insn):
    m = insn.mnemonic
    b = ctx.b
    cmp = b.icmp_signed if m[4] == "s" else b.icmp_unsigned

    def fn(x, y):
        return b.select(cmp("<" if m.startswith("pmin") else ">", x, y), x, y)
    _lanewise(ctx, insn, _WIDTH[m[-1]], fn)


# -- masks -------------------------------------------------------------------------------------
def sign_mask(ctx, v: ir.Value, bits: int) -> ir.Value:
    """The sign bits of the lanes of an i128, as an integer (pmovmskb, movmskps)."""
    b = ctx.b
    n = 128 // bits
    neg = b.icmp_signed("<", lanes(ctx, v, bits), splat(vt(bits), 0))
    return b.bitcast(neg, ir.IntType(n))


@semantic("pmovmskb", "movmskps", "movmskpd")
def movmsk(ctx, insn):
    dst, src = insn.operands
    bits = {"pmovmskb": 8, "movmskps": 32, "movmskpd": 64}[insn.mnemonic]
    ctx.set(dst, ctx.b.zext(sign_mask(ctx, ctx.get(src, 128), bits), ir.IntType(dst.size * 8)))


# -- shuffles ----------------------------------------------------------------------------------
@semantic("pshufd")
def pshufd(ctx, insn):
    dst, src = insn.operands[:2]
    i = imm(insn)
    v = lanes(ctx, ctx.get(src, 128), 32)
    ctx.set(dst, flat(ctx, shuffle(ctx, v, v, [(i >> (2 * k)) & 3 for k in range(4)])))


@semantic("pshuflw", "pshufhw")
def pshufw(ctx, insn):
    dst, src = insn.operands[:2]
    i = imm(insn)
    v = lanes(ctx, ctx.get(src, 128), 16)
    sel = [(i >> (2 * k)) & 3 for k in range(4)]
    idx = sel + [4, 5, 6, 7] if insn.mnemonic == "pshuflw" else [0, 1, 2, 3] + [4 + s for s in sel]
    ctx.set(dst, flat(ctx, shuffle(ctx, v, v, idx)))


@semantic("pshufb")
def pshufb(ctx, insn):
    """Byte gather with a variable index: bit 7 of an index byte zeroes the lane."""
    dst, a, s = operands(ctx, insn)
    b = ctx.b
    av, sv = lanes(ctx, a, 8), lanes(ctx, s, 8)
    idx = b.and_(sv, splat(vt(8), 15))
    r = ir.Constant(vt(8), None)
    for k in range(16):
        e = b.extract_element(av, b.extract_element(idx, ir.Constant(I32, k)))
        r = b.insert_element(r, e, ir.Constant(I32, k))
    neg = b.icmp_signed("<", sv, splat(vt(8), 0))
    ctx.set(dst, flat(ctx, b.select(neg, splat(vt(8), 0), r)))


@semantic("palignr")
def palignr(ctx, insn):
    dst, a, s = operands(ctx, insn)
    b = ctx.b
    n = imm(insn)
    if n >= 32:
        ctx.set(dst, ir.Constant(I128, 0))
        return
    i256 = ir.IntType(256)
    cat = b.or_(b.shl(b.zext(a, i256), ir.Constant(i256, 128)), b.zext(s, i256))
    ctx.set(dst, b.trunc(b.lshr(cat, ir.Constant(i256, 8 * n)), I128))


def interleave(ctx, a: ir.Value, s: ir.Value, bits: int, high: bool) -> ir.Value:
    n = 128 // bits
    base = n // 2 if high else 0
    idx = [x for k in range(n // 2) for x in (base + k, n + base + k)]
    return flat(ctx, shuffle(ctx, lanes(ctx, a, bits), lanes(ctx, s, bits), idx))


@semantic("punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq",
          "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq")
def punpck(ctx, insn):
    m = insn.mnemonic
    bits = {"bw": 8, "wd": 16, "dq": 32, "qdq": 64}[m[7:]]
    dst, a, s = operands(ctx, insn)
    ctx.set(dst, interleave(ctx, a, s, bits, m[6] == "h"))


@semantic("packuswb", "packsswb", "packssdw", "packusdw")
def pack(ctx, insn):
    m = insn.mnemonic
    bits = 16 if m.endswith("wb") else 32
    dst, a, s = operands(ctx, insn)
    n = 128 // bits
    cat = shuffle(ctx, lanes(ctx, a, bits), lanes(ctx, s, bits), list(range(2 * n)))
    signed = m[4] == "s"
    c = clamp(ctx, cat, *_bounds(bits // 2, signed), True)
    ctx.set(dst, flat(ctx, ctx.b.trunc(c, vt(bits // 2))))


# -- shifts ------------------------------------------------------------------------------------
@semantic("psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad")
def pshift(ctx, insn):
    """Count from an immediate or the low 64 bits of an XMM/m128 operand; counts past the lane
    width give zero (logical) or the sign (arithmetic)."""
    m = insn.mnemonic
    bits = _WIDTH[m[-1]]
    b = ctx.b
    dst, src = insn.operands
    v = lanes(ctx, ctx.get(dst, 128), bits)
    t = v.type
    if src.type == X.X86_OP_IMM:
        count = ir.Constant(I64, src.imm & 0xFF)
    else:
        count = ctx.get(src, 64)
    big = b.icmp_unsigned(">", count, ir.Constant(I64, bits - 1))
    if m.startswith("psra"):
        c = b.select(big, ir.Constant(I64, bits - 1), count)
        r = b.ashr(v, vsplat(ctx, t, b.trunc(c, t.element)))
    else:
        c = b.select(big, ir.Constant(I64, 0), count)
        r = (b.shl if m.startswith("psll") else b.lshr)(v, vsplat(ctx, t, b.trunc(c, t.element)))
        r = b.select(big, splat(t, 0), r)
    ctx.set(dst, flat(ctx, r))


@semantic("pslldq", "psrldq")
def pbyteshift(ctx, insn):
    dst = insn.operands[0]
    n = imm(insn)
    if n > 15:
        ctx.set(dst, ir.Constant(I128, 0))
        return
    op = ctx.b.shl if insn.mnemonic == "pslldq" else ctx.b.lshr
    ctx.set(dst, op(ctx.get(dst, 128), ir.Constant(I128, 8 * n)))


# -- multiplies and averages -------------------------------------------------------------------
@semantic("pmullw", "pmulld")
def pmull(ctx, insn):
    _lanewise(ctx, insn, 16 if insn.mnemonic == "pmullw" else 32, ctx.b.mul)


@semantic("pmulhw", "pmulhuw")
def pmulh(ctx, insn):
    b = ctx.b
    ext = b.zext if insn.mnemonic == "pmulhuw" else b.sext

    def fn(x, y):
        w = vt(32, 8)
        p = b.mul(ext(x, w), ext(y, w))
        return b.trunc(b.lshr(p, splat(w, 16)), x.type)
    _lanewise(ctx, insn, 16, fn)


@semantic("pmuludq", "pmuldq")
def pmuludq(ctx, insn):
    b = ctx.b
    signed = insn.mnemonic == "pmuldq"

    def fn(x, y):
        if signed:
            sh = splat(x.type, 32)
            x, y = b.ashr(b.shl(x, sh), sh), b.ashr(b.shl(y, sh), sh)
        else:
            lo = splat(x.type, 0xFFFF_FFFF)
            x, y = b.and_(x, lo), b.and_(y, lo)
        return b.mul(x, y)
    _lanewise(ctx, insn, 64, fn)


@semantic("pmaddwd")
def pmaddwd(ctx, insn):
    b = ctx.b

    def fn(x, y):
        w = vt(32, 8)
        p = b.mul(b.sext(x, w), b.sext(y, w))
        return b.add(shuffle(ctx, p, p, [0, 2, 4, 6]), shuffle(ctx, p, p, [1, 3, 5, 7]))
    _lanewise(ctx, insn, 16, fn)


@semantic("pmaddubsw")
def pmaddubsw(ctx, insn):
    """Unsigned bytes of the destination times signed bytes of the source, pairs added with
    signed saturation."""
    b = ctx.b

    def fn(x, y):
        w = vt(32, 16)
        p = b.mul(b.zext(x, w), b.sext(y, w))
        s = b.add(shuffle(ctx, p, p, list(range(0, 16, 2))), shuffle(ctx, p, p, list(range(1, 16, 2))))
        return b.trunc(clamp(ctx, s, -0x8000, 0x7FFF, True), vt(16))
    _lanewise(ctx, insn, 8, fn)


@semantic("psadbw")
def psadbw(ctx, insn):
    b = ctx.b

    def fn(x, y):
        w = vt(16, 16)
        d = b.sub(b.zext(x, w), b.zext(y, w))
        d = b.select(b.icmp_signed("<", d, splat(w, 0)), b.sub(splat(w, 0), d), d)
        out = []
        for half in range(2):
            acc = b.extract_element(d, ir.Constant(I32, 8 * half))
            for k in range(1, 8):
                acc = b.add(acc, b.extract_element(d, ir.Constant(I32, 8 * half + k)))
            out.append(b.zext(acc, I64))
        r = ir.Constant(vt(64), None)
        for k, e in enumerate(out):
            r = b.insert_element(r, e, ir.Constant(I32, k))
        return r
    dst, a, s = operands(ctx, insn)
    ctx.set(dst, flat(ctx, fn(lanes(ctx, a, 8), lanes(ctx, s, 8))))


@semantic("pavgb", "pavgw")
def pavg(ctx, insn):
    b = ctx.b
    bits = 8 if insn.mnemonic == "pavgb" else 16

    def fn(x, y):
        w = vt(bits * 2, x.type.count)
        s = b.add(b.add(b.zext(x, w), b.zext(y, w)), splat(w, 1))
        return b.trunc(b.lshr(s, splat(w, 1)), x.type)
    _lanewise(ctx, insn, bits, fn)


# -- SSSE3 sign/abs/horizontal -----------------------------------------------------------------
@semantic("pabsb", "pabsw", "pabsd")
def pabs(ctx, insn):
    b = ctx.b
    dst, src = insn.operands
    v = lanes(ctx, ctx.get(src, 128), _WIDTH[insn.mnemonic[-1]])
    z = splat(v.type, 0)
    ctx.set(dst, flat(ctx, b.select(b.icmp_signed("<", v, z), b.sub(z, v), v)))


@semantic("psignb", "psignw", "psignd")
def psign(ctx, insn):
    b = ctx.b

    def fn(x, y):
        z = splat(x.type, 0)
        r = b.select(b.icmp_signed("<", y, z), b.sub(z, x), x)
        return b.select(b.icmp_signed("==", y, z), z, r)
    _lanewise(ctx, insn, _WIDTH[insn.mnemonic[-1]], fn)


@semantic("phaddw", "phaddd", "phsubw", "phsubd", "phaddsw", "phsubsw")
def phadd(ctx, insn):
    m = insn.mnemonic
    bits = _WIDTH[m[-1]]
    b = ctx.b
    n = 128 // bits

    def fn(x, y):
        ev = shuffle(ctx, x, y, list(range(0, 2 * n, 2)))
        od = shuffle(ctx, x, y, list(range(1, 2 * n, 2)))
        if m.endswith("sw"):
            w = vt(32, n)
            r = (b.add if "add" in m else b.sub)(b.sext(ev, w), b.sext(od, w))
            return b.trunc(clamp(ctx, r, -0x8000, 0x7FFF, True), x.type)
        return (b.add if "add" in m else b.sub)(ev, od)
    _lanewise(ctx, insn, bits, fn)


# -- SSE4.1 ------------------------------------------------------------------------------------
@semantic("ptest")
def ptest(ctx, insn):
    b = ctx.b
    a, s = ctx.get(insn.operands[0], 128), ctx.get(insn.operands[1], 128)
    zero = ir.Constant(I128, 0)
    ctx.set_flag("zf", b.icmp_unsigned("==", b.and_(a, s), zero))
    ctx.set_flag("cf", b.icmp_unsigned("==", b.and_(b.not_(a), s), zero))
    for f in ("of", "sf", "af", "pf"):
        ctx.set_flag(f, ir.Constant(I1, 0))


@semantic("pblendw")
def pblendw(ctx, insn):
    dst, a, s = operands(ctx, insn)
    i = imm(insn)
    r = shuffle(ctx, lanes(ctx, a, 16), lanes(ctx, s, 16), [k + 8 if i >> k & 1 else k for k in range(8)])
    ctx.set(dst, flat(ctx, r))


@semantic("pblendvb")
def pblendvb(ctx, insn):
    dst, a, s = operands(ctx, insn)
    b = ctx.b
    sel = b.icmp_signed("<", lanes(ctx, xmm0(ctx), 8), splat(vt(8), 0))
    ctx.set(dst, flat(ctx, b.select(sel, lanes(ctx, s, 8), lanes(ctx, a, 8))))


@semantic("pinsrb", "pinsrw", "pinsrd", "pinsrq")
def pinsr(ctx, insn):
    dst, src = insn.operands[:2]
    bits = {"b": 8, "w": 16, "d": 32, "q": 64}[insn.mnemonic[-1]]
    n = 128 // bits
    v = lanes(ctx, ctx.get(dst, 128), bits)
    v = ctx.b.insert_element(v, ctx.get(src, bits), ir.Constant(I32, imm(insn) % n))
    ctx.set(dst, flat(ctx, v))


@semantic("pextrb", "pextrw", "pextrd", "pextrq", "extractps")
def pextr(ctx, insn):
    dst, src = insn.operands[:2]
    m = insn.mnemonic
    bits = 32 if m == "extractps" else {"b": 8, "w": 16, "d": 32, "q": 64}[m[-1]]
    n = 128 // bits
    e = ctx.b.extract_element(lanes(ctx, ctx.get(src, 128), bits), ir.Constant(I32, imm(insn) % n))
    if dst.type == X.X86_OP_REG and dst.size * 8 > bits:
        e = ctx.b.zext(e, ir.IntType(dst.size * 8))
    ctx.set(dst, e)


@semantic("pmovzxbw", "pmovzxbd", "pmovzxbq", "pmovzxwd", "pmovzxwq", "pmovzxdq",
          "pmovsxbw", "pmovsxbd", "pmovsxbq", "pmovsxwd", "pmovsxwq", "pmovsxdq")
def pmovx(ctx, insn):
    m = insn.mnemonic
    frm, to = _WIDTH[m[-2]], _WIDTH[m[-1]]
    n = 128 // to
    dst, src = insn.operands
    v = ctx.b.bitcast(ctx.get(src, frm * n), vt(frm, n))
    ext = ctx.b.zext if m[4] == "z" else ctx.b.sext
    ctx.set(dst, flat(ctx, ext(v, vt(to, n))))


# -- crc32 -------------------------------------------------------------------------------------
CRC32C_POLY = 0x82F63B78


@semantic("crc32")
def crc32(ctx, insn):
    """CRC-32C (Castagnoli, reflected), no initial or final inversion: bit by bit."""
    b = ctx.b
    dst, src = insn.operands
    crc = ctx.get(dst, 32)
    data = ctx.get(src)
    width = data.type.width
    poly = ir.Constant(I32, CRC32C_POLY)
    one = ir.Constant(I32, 1)
    for chunk in range(0, width, 32):
        part = data if width <= 32 else b.lshr(data, ir.Constant(data.type, chunk))
        part = b.trunc(part, I32) if part.type.width > 32 else b.zext(part, I32) if part.type.width < 32 else part
        crc = b.xor(crc, part)
        for _ in range(min(32, width)):
            low = b.and_(crc, one)
            crc = b.xor(b.lshr(crc, one), b.and_(poly, b.sub(ir.Constant(I32, 0), low)))
    ctx.set(dst, crc if dst.size == 4 else b.zext(crc, I64))


# -- SSE4.2 string compares --------------------------------------------------------------------
@semantic("pcmpistri", "pcmpistrm", "pcmpestri", "pcmpestrm")
def pcmpstr(ctx, insn):
    """imm8: [1:0] ub/uw/sb/sw, [3:2] equal any / ranges / equal each / equal ordered,
    [5:4] polarity, [6] most significant index or byte mask."""
    b = ctx.b
    m = insn.mnemonic
    i8 = imm(insn)
    bits = 16 if i8 & 1 else 8
    signed = bool(i8 & 2)
    agg = (i8 >> 2) & 3
    pol = (i8 >> 4) & 3
    n = 128 // bits
    t = vt(bits, n)
    bool_t = ir.VectorType(I1, n)
    av = lanes(ctx, ctx.get(insn.operands[0], 128), bits)
    bv = lanes(ctx, ctx.get(insn.operands[1], 128), bits)
    nconst = ir.Constant(I32, n)

    if m[4] == "i":
        def length(v):
            z = b.bitcast(b.icmp_unsigned("==", v, splat(t, 0)), ir.IntType(n))
            z = b.or_(b.zext(z, I32), ir.Constant(I32, 1 << n))
            return ctx.intrinsic("llvm.cttz", I32, [z, ir.Constant(I1, 0)])
        la, lb = length(av), length(bv)
    else:
        wide = bool(insn.rex & 8)

        def length(reg):
            v = ctx.reg(reg)
            v = v if wide else b.trunc(v, I32)
            neg = b.icmp_signed("<", v, ir.Constant(v.type, 0))
            v = b.select(neg, b.sub(ir.Constant(v.type, 0), v), v)
            # |min| wraps to itself (negative): it saturates to n as well
            big = b.icmp_unsigned(">", v, ir.Constant(v.type, n))
            v = b.select(big, ir.Constant(v.type, n), v)
            return b.trunc(v, I32) if wide else v
        la, lb = length(X.X86_REG_RAX), length(X.X86_REG_RDX)

    iota = ir.Constant(vt(32, n), list(range(n)))
    a_valid = b.icmp_unsigned("<", iota, vsplat(ctx, vt(32, n), la))
    b_valid = b.icmp_unsigned("<", iota, vsplat(ctx, vt(32, n), lb))
    true_v = ir.Constant(bool_t, [ir.Constant(I1, 1)] * n)
    false_v = ir.Constant(bool_t, [ir.Constant(I1, 0)] * n)
    cmp = b.icmp_signed if signed else b.icmp_unsigned

    def a_elem(j):
        return vsplat(ctx, t, b.extract_element(av, ir.Constant(I32, j)))

    def a_ok(j):
        return b.icmp_unsigned("<", ir.Constant(I32, j), la)

    if agg == 0:        # equal any
        res = false_v
        for j in range(n):
            hit = b.and_(b.icmp_unsigned("==", bv, a_elem(j)), vsplat(ctx, bool_t, a_ok(j)))
            res = b.or_(res, hit)
        res = b.and_(res, b_valid)
    elif agg == 1:      # ranges
        res = false_v
        for j in range(0, n, 2):
            ge = cmp(">=", bv, a_elem(j))
            le = cmp("<=", bv, a_elem(j + 1))
            res = b.or_(res, b.and_(b.and_(ge, le), vsplat(ctx, bool_t, a_ok(j + 1))))
        res = b.and_(res, b_valid)
    elif agg == 2:      # equal each
        eq = b.icmp_unsigned("==", av, bv)
        both = b.and_(a_valid, b_valid)
        neither = b.and_(b.not_(a_valid), b.not_(b_valid))
        res = b.select(both, eq, neither)
    else:               # equal ordered
        res = true_v
        for i in range(n):
            e = b.and_(b_valid, b.icmp_unsigned("==", bv, a_elem(i)))
            e = b.select(vsplat(ctx, bool_t, a_ok(i)), e, true_v)
            res = b.and_(res, shuffle(ctx, e, true_v, [j + i if j + i < n else n for j in range(n)]))

    if pol == 1:
        res = b.not_(res)
    elif pol == 3:
        res = b.xor(res, b_valid)
    r = b.zext(b.bitcast(res, ir.IntType(n)), I32)

    if m.endswith("i"):
        if i8 & 0x40:
            lz = ctx.intrinsic("llvm.ctlz", I32, [r, ir.Constant(I1, 0)])
            idx = b.sub(ir.Constant(I32, 31), lz)
        else:
            idx = ctx.intrinsic("llvm.cttz", I32, [r, ir.Constant(I1, 0)])
        idx = b.select(b.icmp_unsigned("==", r, ir.Constant(I32, 0)), nconst, idx)
        ctx.set_reg(X.X86_REG_ECX, idx)
    else:
        if i8 & 0x40:
            out = flat(ctx, b.sext(res, t))
        else:
            out = b.zext(r, I128)
        ctx.set_xmm_reg(X.X86_REG_XMM0, out)
    ctx.set_flag("cf", b.icmp_unsigned("!=", r, ir.Constant(I32, 0)))
    ctx.set_flag("zf", b.icmp_unsigned("<", lb, nconst))
    ctx.set_flag("sf", b.icmp_unsigned("<", la, nconst))
    ctx.set_flag("of", b.trunc(r, I1))
    ctx.set_flag("af", ir.Constant(I1, 0))
    ctx.set_flag("pf", ir.Constant(I1, 0))
