"""x87: loads and stores of every format, arithmetic, compares, status and control words.

The harness record holds no x87 registers, so every snippet leaves the register stack as it
found it (empty: the category's SETUP runs `fninit` before each input) and shows its results in
memory (`fstp tbyte` keeps all 64 significand bits), in RFLAGS (fcomi) or in ax (fnstsw).
Operands are at DATA (rdi) and DATA+8, results at DATA+0x10.., a control word at DATA+0x20
for the forms that load one (rounding modes and precision control vary; exceptions stay masked).
"""
import struct

from .gen import float_edges, int_edges, rand_float, rand_int
from .layout import DATA
from .spec import case

SETUP = ("fninit",)

F80_SPECIAL = [
    (0, 0, 0), (1, 0, 0), (0, 0x3FFF, 1 << 63), (1, 0x3FFF, 1 << 63), (0, 0x7FFF, 1 << 63),
    (1, 0x7FFF, 1 << 63), (0, 0x7FFF, 0xC000000000000000), (0, 0x7FFF, 0xA000000000000001),
    (0, 0x7FFE, 2**64 - 1), (0, 0x0001, 1 << 63), (0, 0x0000, 1), (0, 0x3FFE, 2**64 - 1),
    (0, 0x403E, 1 << 63), (1, 0x401D, 0xC000000000000000),
]


def _f80(rng) -> bytes:
    if rng.random() < 0.4:
        sign, exp, mant = rng.choice(F80_SPECIAL)
    else:
        sign, exp, mant = rng.getrandbits(1), 0x3FFF + rng.randint(-70, 70), (1 << 63) | rng.getrandbits(63)
    return mant.to_bytes(8, "little") + ((sign << 15) | exp).to_bytes(2, "little")


def _value(kind: str, rng) -> bytes:
    if kind == "f80":
        return _f80(rng)
    bits = int(kind[1:])
    if kind[0] == "f":
        v = rng.choice(float_edges(bits)) if rng.random() < 0.4 else rand_float(rng, bits)
    elif rng.random() < 0.3:
        v = rng.choice(int_edges(bits))
    elif rng.random() < 0.5:
        v = rand_int(rng, bits)
    else:       # an integer-valued float's worth: what fist/frndint round to
        v = rand_int(rng, min(bits, 24))
    return v.to_bytes(bits // 8, "little")


def operands(*kinds: str, cw: bool = False):
    """prepare(): the operands one after the other from DATA (8 bytes apart, 16 after a tbyte),
    and a control word at DATA+0x20 if cw."""
    def prepare(s, rng):
        off = 0
        for kind in kinds:
            raw = _value(kind, rng)
            s.mem[0x40 + off:0x40 + off + len(raw)] = raw
            off += 8 if kind != "f80" else 16
        if cw:
            rc, pc = rng.randrange(4), rng.choice((0, 2, 3))
            s.write(DATA + 0x20, 2, 0x007F | pc << 8 | rc << 10)
    return prepare


def _halfway(s, rng):
    """frndint / fist inputs: x.5 values and neighbours, both signs."""
    if rng.random() < 0.6:
        x = rng.randint(-100, 100) + rng.choice((0.5, 0.25, 0.75, 0.0, 0.4999999999999999))
        s.mem[0x40:0x48] = struct.pack("<d", x)


def _both(*preps):
    def prepare(s, rng):
        for p in preps:
            p(s, rng)
    return prepare


def _forms() -> list:
    m, mf = ("mem",), ("mem", "flags")
    out = [
        # loads and stores across formats
        case("fld dword ptr [rdi]; fstp qword ptr [rdi+0x10]", m, prepare=operands("f32")),
        case("fld qword ptr [rdi]; fstp dword ptr [rdi+0x10]", m, prepare=operands("f64")),
        case("fld qword ptr [rdi]; fstp tbyte ptr [rdi+0x10]", m, prepare=operands("f64")),
        case("fld tbyte ptr [rdi]; fstp qword ptr [rdi+0x10]", m, prepare=operands("f80")),
        case("fld tbyte ptr [rdi]; fstp tbyte ptr [rdi+0x10]", m, prepare=operands("f80")),
        case("fld qword ptr [rdi]; fst qword ptr [rdi+0x10]; fstp st(0)", m, prepare=operands("f64")),
        case("fild word ptr [rdi]; fstp qword ptr [rdi+0x10]", m, prepare=operands("i16")),
        case("fild dword ptr [rdi]; fstp tbyte ptr [rdi+0x10]", m, prepare=operands("i32")),
        case("fild qword ptr [rdi]; fstp tbyte ptr [rdi+0x10]", m, prepare=operands("i64")),
        case("fild qword ptr [rdi]; fstp qword ptr [rdi+0x10]", m, prepare=operands("i64")),
        case("fld qword ptr [rdi]; fistp word ptr [rdi+0x10]", m, prepare=_both(operands("f64"), _halfway)),
        case("fld qword ptr [rdi]; fistp dword ptr [rdi+0x10]", m, prepare=_both(operands("f64"), _halfway)),
        case("fld qword ptr [rdi]; fistp qword ptr [rdi+0x10]", m, prepare=_both(operands("f64"), _halfway)),
        case("fld qword ptr [rdi]; fist dword ptr [rdi+0x10]; fstp st(0)", m,
             prepare=_both(operands("f64"), _halfway)),
        case("fld qword ptr [rdi]; fisttp dword ptr [rdi+0x10]", m, prepare=_both(operands("f64"), _halfway)),
        case("fld qword ptr [rdi]; fisttp qword ptr [rdi+0x10]", m, prepare=_both(operands("f64"), _halfway)),
        case("fldz; fld1; fstp qword ptr [rdi+0x10]; fstp qword ptr [rdi+0x18]", m),
        case("fldpi; fstp tbyte ptr [rdi+0x10]", m),
        case("fldl2e; fldln2; fstp tbyte ptr [rdi+0x10]; fstp tbyte ptr [rdi+0x20]", m),
        # arithmetic with a memory operand; results kept at full precision
        *[case(f"fld qword ptr [rdi]; {op} qword ptr [rdi+8]; fstp tbyte ptr [rdi+0x10]", m,
               prepare=operands("f64", "f64"))
          for op in ("fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr")],
        case("fld qword ptr [rdi]; fadd dword ptr [rdi+8]; fstp qword ptr [rdi+0x10]", m,
             prepare=operands("f64", "f32")),
        case("fld qword ptr [rdi]; fiadd dword ptr [rdi+8]; fstp tbyte ptr [rdi+0x10]", m,
             prepare=operands("f64", "i32")),
        case("fld qword ptr [rdi]; fimul word ptr [rdi+8]; fstp tbyte ptr [rdi+0x10]", m,
             prepare=operands("f64", "i16")),
        case("fld qword ptr [rdi]; fidiv dword ptr [rdi+8]; fstp tbyte ptr [rdi+0x10]", m,
             prepare=operands("f64", "i32")),
        # register-stack arithmetic
        *[case(f"fld qword ptr [rdi]; fld qword ptr [rdi+8]; {op} st(1), st(0); fstp tbyte ptr [rdi+0x10]",
               m, prepare=operands("f64", "f64"))
          for op in ("faddp", "fsubp", "fsubrp", "fmulp", "fdivp", "fdivrp")],
        case("fld qword ptr [rdi]; fld qword ptr [rdi+8]; fadd st(0), st(1); fstp tbyte ptr [rdi+0x10]; "
             "fstp st(0)", m, prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi]; fld st(0); fmulp st(1), st(0); fstp tbyte ptr [rdi+0x10]", m,
             prepare=operands("f64")),
        case("fld tbyte ptr [rdi]; fld qword ptr [rdi+0x10]; fdivp st(1), st(0); fstp tbyte ptr [rdi+0x20]",
             m, prepare=operands("f80", "f64")),
        # one-operand functions
        *[case(f"fld qword ptr [rdi]; {op}; fstp tbyte ptr [rdi+0x10]", m, prepare=operands("f64"))
          for op in ("fsqrt", "fabs", "fchs")],
        case("fld qword ptr [rdi]; frndint; fstp qword ptr [rdi+0x10]", m,
             prepare=_both(operands("f64"), _halfway)),
        case("fld tbyte ptr [rdi]; fsqrt; fstp tbyte ptr [rdi+0x10]", m, prepare=operands("f80")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fscale; fstp tbyte ptr [rdi+0x10]; fstp st(0)",
             m, prepare=operands("f64", "f64")),
        *[case(f"fld qword ptr [rdi+8]; fld qword ptr [rdi]; {op}; fnstsw ax; fstp tbyte ptr [rdi+0x10]; "
               "fstp st(0)", ("rax", "mem"), prepare=operands("f64", "f64")) for op in ("fprem", "fprem1")],
        # run by the host's FPU (HOST_FPU): results, C1 and the exception flags
        *[case(f"fld qword ptr [rdi]; {op}; fnstsw ax; fstp tbyte ptr [rdi+0x10]", ("rax", "mem"),
               prepare=operands("f64")) for op in ("f2xm1", "fsin", "fcos")],
        case("fld tbyte ptr [rdi]; f2xm1; fnstsw ax; fstp tbyte ptr [rdi+0x10]", ("rax", "mem"),
             prepare=operands("f80")),
        *[case(f"fld qword ptr [rdi+8]; fld qword ptr [rdi]; {op}; fnstsw ax; fstp tbyte ptr [rdi+0x10]",
               ("rax", "mem"), prepare=operands("f64", "f64")) for op in ("fpatan", "fyl2x", "fyl2xp1")],
        case("fld tbyte ptr [rdi+0x10]; fld tbyte ptr [rdi]; fyl2x; fnstsw ax; fstp tbyte ptr [rdi+0x20]",
             ("rax", "mem"), prepare=operands("f80", "f80")),
        case("fld tbyte ptr [rdi]; fxtract; fnstsw ax; fstp tbyte ptr [rdi+0x10]; fstp tbyte ptr [rdi+0x20]",
             ("rax", "mem"), prepare=operands("f80")),
        case("fld qword ptr [rdi]; fld qword ptr [rdi+8]; ffreep st(0); fstp tbyte ptr [rdi+0x10]", m,
             prepare=operands("f64", "f64")),
        case("fldcw word ptr [rdi+0x20]; fld qword ptr [rdi+8]; fld qword ptr [rdi]; fpatan; "
             "fstp tbyte ptr [rdi+0x10]", m, prepare=operands("f64", "f64", cw=True)),
        case("fld qword ptr [rdi]; fld qword ptr [rdi+8]; fxch st(1); fstp qword ptr [rdi+0x10]; "
             "fstp qword ptr [rdi+0x18]", m, prepare=operands("f64", "f64")),
        # compares into RFLAGS and the status word
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fcomip st(0), st(1); fstp st(0)", mf,
             prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fucomip st(0), st(1); fstp st(0)", mf,
             prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fucomi st(0), st(1); fstp st(0); fstp st(0)", mf,
             prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fcompp; fnstsw ax", ("rax", "mem"),
             prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi]; fcomp qword ptr [rdi+8]; fnstsw ax", ("rax", "mem"),
             prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fucompp; fnstsw ax", ("rax", "mem"),
             prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi]; ftst; fnstsw ax; fstp st(0)", ("rax", "mem"), prepare=operands("f64")),
        case("fld tbyte ptr [rdi]; fxam; fnstsw ax; fstp st(0)", ("rax", "mem"), prepare=operands("f80")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fcmovb st(0), st(1); fstp qword ptr [rdi+0x10]; "
             "fstp st(0)", mf, prepare=operands("f64", "f64")),
        case("fld qword ptr [rdi+8]; fld qword ptr [rdi]; fcmovnbe st(0), st(1); fstp qword ptr [rdi+0x10]; "
             "fstp st(0)", mf, prepare=operands("f64", "f64")),
        # control word: rounding and precision control
        case("fldcw word ptr [rdi+0x20]; fld qword ptr [rdi]; frndint; fstp qword ptr [rdi+0x10]", m,
             prepare=_both(operands("f64", cw=True), _halfway)),
        case("fldcw word ptr [rdi+0x20]; fld qword ptr [rdi]; fistp dword ptr [rdi+0x10]", m,
             prepare=_both(operands("f64", cw=True), _halfway)),
        case("fldcw word ptr [rdi+0x20]; fld qword ptr [rdi]; fdiv qword ptr [rdi+8]; "
             "fstp tbyte ptr [rdi+0x10]", m, prepare=operands("f64", "f64", cw=True)),
        case("fldcw word ptr [rdi+0x20]; fild qword ptr [rdi]; fstp dword ptr [rdi+0x10]", m,
             prepare=operands("i64", cw=True)),
        case("fldcw word ptr [rdi+0x20]; fnstcw word ptr [rdi+0x10]", m, prepare=operands(cw=True)),
        case("fnstcw word ptr [rdi+0x10]; fnstsw word ptr [rdi+0x12]", m),
        case("fld1; fldz; fdivp st(1), st(0); fnstsw ax; fstp qword ptr [rdi+0x10]", ("rax", "mem")),
    ]
    return out


CASES = _forms()
