"""SSE2..SSE4.2 integer: moves, logic, compares, min/max, masks, add/sub, shuffles, unpacks,
byte shifts, palignr, pshufb, ptest, pcmpistri, packs, multiplies, inserts/extracts.

The second XMM input shares lanes with the first half of the time, so compares see equal lanes;
byte lanes draw from edges, 'a' 'b' 'c', NUL and random values, so pcmpistri meets short strings,
matches and ranges. Aligned forms (movdqa, movaps, memory operands of non-VEX SSE) use DATA,
which is 16-byte aligned.
"""
from .layout import XMMS
from .spec import case

XX = ("xmm0", "xmm1")


def _xx(text: str, elem: str = "i8", **kw):
    return case(text, XX, elem=elem, **kw)


def _xm(text: str, elem: str = "i8", **kw):
    return case(text, ("xmm0", "mem"), elem=elem, **kw)


def _small_count(reg: str):
    """Shift count in an XMM register: mostly 0..70 (larger counts give zero), sometimes huge."""
    def prepare(s, rng):
        i = XMMS.index(reg)
        count = rng.choice([0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 2**40 + 1])
        s.xmm[i] = count.to_bytes(8, "little") + s.xmm[i][8:]
    return prepare


def _strings(needle: str, haystack: str | None):
    """Most inputs become C-string shaped: short NUL-terminated strings over a small alphabet,
    the needle often a piece of the haystack (ranges mode reads it as bound pairs)."""
    def prepare(s, rng):
        if rng.random() < 0.25:
            return
        hay = bytes(rng.choice(b"abcab0z") for _ in range(rng.randint(0, 16)))
        if rng.random() < 0.5 and hay:
            i = rng.randrange(len(hay))
            ndl = hay[i:i + rng.randint(1, 4)]
        else:
            ndl = bytes(rng.choice(b"abz09") for _ in range(rng.randint(0, 5)))
        for name, text in ((needle, ndl), (haystack, hay)):
            if name is None:
                continue
            raw = (text + b"\0" + bytes(rng.getrandbits(8) for _ in range(16)))[:16]
            if name == "mem":
                s.mem[0x40:0x50] = raw            # DATA
            else:
                s.xmm[XMMS.index(name)] = raw
    return prepare


CASES = [
    # moves
    _xx("movdqa xmm0, xmm1"),
    case("movdqa xmm2, xmmword ptr [rdi]", ("xmm2", "mem")),
    case("movdqa xmmword ptr [rdi+0x10], xmm3", ("xmm3", "mem")),
    case("movdqu xmm0, xmmword ptr [rdi+1]", ("xmm0", "mem")),
    case("movdqu xmmword ptr [rdi+3], xmm1", ("xmm1", "mem")),
    _xx("movdqu xmm0, xmm1"),
    _xx("movaps xmm0, xmm1"),
    case("movaps xmm4, xmmword ptr [rdi]", ("xmm4", "mem")),
    case("movaps xmmword ptr [rdi-0x20], xmm5", ("xmm5", "mem")),
    case("movups xmm5, xmmword ptr [rdi+7]", ("xmm5", "mem")),
    case("movups xmmword ptr [rdi-5], xmm6", ("xmm6", "mem")),
    case("movups xmm8, xmm15", ("xmm8", "xmm15")),
    case("movd xmm0, eax", ("xmm0", "rax")),
    case("movd eax, xmm0", ("rax", "xmm0")),
    case("movq xmm0, rax", ("xmm0", "rax")),
    case("movq rax, xmm0", ("rax", "xmm0")),
    case("movq r9, xmm12", ("r9", "xmm12")),
    _xx("movq xmm0, xmm1"),
    case("movq xmm2, qword ptr [rdi]", ("xmm2", "mem")),
    case("movq qword ptr [rdi+8], xmm3", ("xmm3", "mem")),
    case("movd xmm1, dword ptr [rdi]", ("xmm1", "mem")),
    case("movd dword ptr [rdi+4], xmm1", ("xmm1", "mem")),
    case("movhlps xmm0, xmm1", XX),
    case("movlhps xmm0, xmm1", XX),
    # logic
    _xx("pxor xmm0, xmm1"),
    case("pxor xmm0, xmm0", ("xmm0",)),
    _xx("por xmm0, xmm1"),
    _xx("pand xmm0, xmm1"),
    _xx("pandn xmm0, xmm1"),
    _xm("pxor xmm0, xmmword ptr [rdi]"),
    _xm("pand xmm0, xmmword ptr [rdi+0x10]"),
    case("por xmm8, xmm15", ("xmm8", "xmm15")),
    _xx("xorps xmm0, xmm1"),
    _xx("andps xmm0, xmm1"),
    _xx("andnps xmm0, xmm1"),
    _xx("orps xmm0, xmm1"),
    # compares
    _xx("pcmpeqb xmm0, xmm1"),
    _xx("pcmpeqw xmm0, xmm1", "i16"),
    _xx("pcmpeqd xmm0, xmm1", "i32"),
    _xx("pcmpeqq xmm0, xmm1", "i64"),
    _xm("pcmpeqb xmm0, xmmword ptr [rdi]"),
    case("pcmpeqb xmm0, xmm0", ("xmm0",)),
    _xx("pcmpgtb xmm0, xmm1"),
    _xx("pcmpgtw xmm0, xmm1", "i16"),
    _xx("pcmpgtd xmm0, xmm1", "i32"),
    _xx("pcmpgtq xmm0, xmm1", "i64"),
    # min max
    _xx("pminub xmm0, xmm1"),
    _xx("pmaxub xmm0, xmm1"),
    _xm("pminub xmm0, xmmword ptr [rdi]"),
    _xx("pminsw xmm0, xmm1", "i16"),
    _xx("pmaxsw xmm0, xmm1", "i16"),
    _xx("pminsb xmm0, xmm1"),
    _xx("pmaxsb xmm0, xmm1"),
    _xx("pminuw xmm0, xmm1", "i16"),
    _xx("pminud xmm0, xmm1", "i32"),
    _xx("pmaxud xmm0, xmm1", "i32"),
    _xx("pminsd xmm0, xmm1", "i32"),
    _xx("pmaxsd xmm0, xmm1", "i32"),
    # masks
    case("pmovmskb eax, xmm0", ("rax", "xmm0")),
    case("pmovmskb r10d, xmm9", ("r10", "xmm9")),
    case("movmskps eax, xmm0", ("rax", "xmm0"), elem="i32"),
    case("movmskpd ecx, xmm1", ("rcx", "xmm1"), elem="i64"),
    # add sub
    _xx("paddb xmm0, xmm1"),
    _xx("paddw xmm0, xmm1", "i16"),
    _xx("paddd xmm0, xmm1", "i32"),
    _xx("paddq xmm0, xmm1", "i64"),
    _xx("psubb xmm0, xmm1"),
    _xx("psubw xmm0, xmm1", "i16"),
    _xx("psubd xmm0, xmm1", "i32"),
    _xx("psubq xmm0, xmm1", "i64"),
    _xm("paddb xmm0, xmmword ptr [rdi]"),
    _xm("psubb xmm0, xmmword ptr [rdi+0x10]"),
    _xx("paddusb xmm0, xmm1"),
    _xx("psubusb xmm0, xmm1"),
    _xx("paddsb xmm0, xmm1"),
    _xx("psubsw xmm0, xmm1", "i16"),
    _xx("paddusw xmm0, xmm1", "i16"),
    _xx("psubusw xmm0, xmm1", "i16"),
    # shuffles and unpacks
    _xx("pshufd xmm0, xmm1, 0x1b", "i32"),
    _xx("pshufd xmm0, xmm1, 0"),
    _xm("pshufd xmm0, xmmword ptr [rdi], 0x4e", "i32"),
    _xx("pshuflw xmm0, xmm1, 0xb1", "i16"),
    _xx("pshufhw xmm0, xmm1, 0x1b", "i16"),
    _xx("shufps xmm0, xmm1, 0x44", "i32"),
    _xx("punpcklbw xmm0, xmm1"),
    _xx("punpcklwd xmm0, xmm1", "i16"),
    _xx("punpckldq xmm0, xmm1", "i32"),
    _xx("punpcklqdq xmm0, xmm1", "i64"),
    _xx("punpckhbw xmm0, xmm1"),
    _xx("punpckhwd xmm0, xmm1", "i16"),
    _xx("punpckhdq xmm0, xmm1", "i32"),
    _xx("punpckhqdq xmm0, xmm1", "i64"),
    _xm("punpcklbw xmm0, xmmword ptr [rdi]"),
    # shifts by immediate and by register
    case("pslldq xmm0, 3", ("xmm0",)),
    case("pslldq xmm0, 0", ("xmm0",)),
    case("pslldq xmm0, 0xf", ("xmm0",)),
    case("pslldq xmm0, 0x10", ("xmm0",)),
    case("psrldq xmm0, 5", ("xmm0",)),
    case("psrldq xmm0, 0x11", ("xmm0",)),
    case("psrldq xmm3, 8", ("xmm3",)),
    case("psllw xmm0, 3", ("xmm0",), elem="i16"),
    case("pslld xmm0, 0x1f", ("xmm0",), elem="i32"),
    case("psllq xmm0, 0x21", ("xmm0",), elem="i64"),
    case("psrlw xmm0, 0x10", ("xmm0",), elem="i16"),
    case("psrld xmm0, 7", ("xmm0",), elem="i32"),
    case("psrlq xmm0, 1", ("xmm0",), elem="i64"),
    case("psraw xmm0, 0xf", ("xmm0",), elem="i16"),
    case("psrad xmm0, 0x20", ("xmm0",), elem="i32"),
    case("psllq xmm0, xmm1", XX, elem="i64", prepare=_small_count("xmm1")),
    case("psrlw xmm0, xmm1", XX, elem="i16", prepare=_small_count("xmm1")),
    case("psrad xmm0, xmm1", XX, elem="i32", prepare=_small_count("xmm1")),
    # palignr pshufb ptest
    _xx("palignr xmm0, xmm1, 5"),
    _xx("palignr xmm0, xmm1, 0"),
    _xx("palignr xmm0, xmm1, 0x10"),
    _xx("palignr xmm0, xmm1, 0x1f"),
    _xm("palignr xmm0, xmmword ptr [rdi], 8"),
    _xx("pshufb xmm0, xmm1"),
    _xm("pshufb xmm0, xmmword ptr [rdi]"),
    case("ptest xmm0, xmm1", XX + ("flags",)),
    case("ptest xmm0, xmm0", ("xmm0", "flags")),
    case("ptest xmm2, xmmword ptr [rdi]", ("xmm2", "mem", "flags")),
    # SSE4.2 implicit-length string compare (rcx = index; CF ZF SF OF set, AF PF cleared)
    *[case(f"pcmpistri xmm0, xmm1, {imm:#x}", XX + ("rcx", "flags"), n=32,
           prepare=_strings("xmm0", "xmm1"))
      for imm in (0x0, 0x4, 0x8, 0xc, 0x1a, 0x3a, 0x40, 0x48, 0x4c, 0x12, 0x1, 0x18)],
    case("pcmpistri xmm0, xmmword ptr [rdi], 0xc", ("xmm0", "mem", "rcx", "flags"), n=32,
         prepare=_strings("xmm0", "mem")),
    case("pcmpistrm xmm0, xmm1, 0x40", XX + ("flags",), n=32, prepare=_strings("xmm0", "xmm1")),
    case("pcmpistrm xmm0, xmm1, 0x8", XX + ("flags",), n=32, prepare=_strings("xmm0", "xmm1")),
    # packs, multiplies, averages, sums
    _xx("packuswb xmm0, xmm1", "i16"),
    _xx("packsswb xmm0, xmm1", "i16"),
    _xx("packssdw xmm0, xmm1", "i32"),
    _xx("pmullw xmm0, xmm1", "i16"),
    _xx("pmulhw xmm0, xmm1", "i16"),
    _xx("pmulhuw xmm0, xmm1", "i16"),
    _xx("pmuludq xmm0, xmm1", "i32"),
    _xx("pmulld xmm0, xmm1", "i32"),
    _xx("pmaddwd xmm0, xmm1", "i16"),
    _xx("psadbw xmm0, xmm1"),
    _xx("pavgb xmm0, xmm1"),
    # inserts, extracts, extensions
    case("pinsrw xmm0, eax, 3", ("xmm0", "rax"), elem="i16"),
    case("pextrw eax, xmm0, 5", ("rax", "xmm0"), elem="i16"),
    case("pinsrb xmm0, eax, 0xf", ("xmm0", "rax")),
    case("pextrb eax, xmm0, 7", ("rax", "xmm0")),
    case("pinsrd xmm0, ecx, 2", ("xmm0", "rcx"), elem="i32"),
    case("pextrd ecx, xmm0, 1", ("rcx", "xmm0"), elem="i32"),
    case("pinsrq xmm0, rcx, 1", ("xmm0", "rcx"), elem="i64"),
    case("pextrq rcx, xmm0, 1", ("rcx", "xmm0"), elem="i64"),
    _xx("pmovzxbw xmm0, xmm1"),
    _xx("pmovsxbw xmm0, xmm1"),
    _xx("pmovzxwd xmm0, xmm1", "i16"),
    _xx("pmovsxdq xmm0, xmm1", "i32"),
    _xx("pblendw xmm0, xmm1, 0xa5", "i16"),
    _xx("pabsb xmm0, xmm1"),
    _xx("psignb xmm0, xmm1"),
]
