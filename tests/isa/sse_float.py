"""SSE/SSE2/SSE4.1 floating point: scalar and packed arithmetic, conversions, compares, moves.

Every form takes MXCSR as an input: the four rounding modes, FTZ and DAZ, and sticky exception
flags already set; the resulting MXCSR (exception flags included) is compared. Float lanes draw
from signed zeros, infinities, quiet and signalling NaNs (both signs), denormals, the largest
and smallest normals, halfway cases (0.5, 1.5, 2.5), integer-conversion boundaries (2^31, 2^63)
and random values. rcpss/rsqrtss are absent on purpose: their results differ between CPUs.
"""
from .spec import case

XX = ("xmm0", "xmm1", "mxcsr")


def _d(text: str, **kw):
    return case(text, XX, elem="f64", **kw)


def _s(text: str, **kw):
    return case(text, XX, elem="f32", **kw)


def _dm(text: str, **kw):
    return case(text, ("xmm0", "mem", "mxcsr"), elem="f64", **kw)


def _sm(text: str, **kw):
    return case(text, ("xmm0", "mem", "mxcsr"), elem="f32", **kw)


ARITH = ("add", "sub", "mul", "div", "sqrt", "min", "max")
PREDICATES = ("eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord")

CASES = [
    # scalar arithmetic
    *[_d(f"{op}sd xmm0, xmm1") for op in ARITH],
    *[_s(f"{op}ss xmm0, xmm1") for op in ARITH],
    _dm("addsd xmm0, qword ptr [rdi]"),
    _dm("divsd xmm0, qword ptr [rdi+8]"),
    _dm("sqrtsd xmm0, qword ptr [rdi]"),
    _sm("mulss xmm0, dword ptr [rdi+4]"),
    _sm("subss xmm0, dword ptr [rdi]"),
    case("addsd xmm8, xmm15", ("xmm8", "xmm15", "mxcsr"), elem="f64"),
    # a sequence where the result's register is free to choose: with two NaNs, the first
    # operand's payload must win however the host allocates (add and mul commute in LLVM)
    _d("addsd xmm1, xmm0; mulsd xmm0, xmm1"),
    _s("mulps xmm1, xmm0; addps xmm0, xmm1"),
    # int -> float
    case("cvtsi2sd xmm0, eax", ("xmm0", "rax", "mxcsr"), elem="f64"),
    case("cvtsi2sd xmm0, rax", ("xmm0", "rax", "mxcsr"), elem="f64"),
    case("cvtsi2sd xmm0, dword ptr [rdi]", ("xmm0", "mem", "mxcsr"), elem="f64"),
    case("cvtsi2sd xmm1, qword ptr [rdi+8]", ("xmm1", "mem", "mxcsr"), elem="f64"),
    case("cvtsi2ss xmm0, eax", ("xmm0", "rax", "mxcsr"), elem="f32"),
    case("cvtsi2ss xmm0, rax", ("xmm0", "rax", "mxcsr"), elem="f32"),
    # float -> int (truncating, and rounding per MXCSR); out of range gives the indefinite value
    case("cvttsd2si eax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f64"),
    case("cvttsd2si rax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f64"),
    case("cvttss2si eax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f32"),
    case("cvttss2si rax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f32"),
    case("cvtsd2si eax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f64"),
    case("cvtsd2si rax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f64"),
    case("cvtss2si eax, xmm0", ("rax", "xmm0", "mxcsr"), elem="f32"),
    case("cvtss2si rcx, xmm1", ("rcx", "xmm1", "mxcsr"), elem="f32"),
    case("cvttsd2si eax, qword ptr [rdi]", ("rax", "mem", "mxcsr"), elem="f64"),
    case("cvttsd2si r9, xmm10", ("r9", "xmm10", "mxcsr"), elem="f64"),
    # float <-> float
    _d("cvtsd2ss xmm0, xmm1"),
    _s("cvtss2sd xmm0, xmm1"),
    _dm("cvtsd2ss xmm0, qword ptr [rdi]"),
    case("cvtss2sd xmm2, dword ptr [rdi]", ("xmm2", "mem", "mxcsr"), elem="f32"),
    # compares into RFLAGS (ZF PF CF; OF SF AF cleared)
    case("ucomisd xmm0, xmm1", XX + ("flags",), elem="f64"),
    case("comisd xmm0, xmm1", XX + ("flags",), elem="f64"),
    case("ucomiss xmm0, xmm1", XX + ("flags",), elem="f32"),
    case("comiss xmm0, xmm1", XX + ("flags",), elem="f32"),
    case("ucomisd xmm0, qword ptr [rdi]", ("xmm0", "mem", "mxcsr", "flags"), elem="f64"),
    case("comiss xmm0, dword ptr [rdi]", ("xmm0", "mem", "mxcsr", "flags"), elem="f32"),
    # compares into masks
    *[_d(f"cmp{p}sd xmm0, xmm1") for p in PREDICATES],
    *[_s(f"cmp{p}ss xmm0, xmm1") for p in ("eq", "lt", "unord", "nle")],
    *[_d(f"cmp{p}pd xmm0, xmm1") for p in ("lt", "neq")],
    *[_s(f"cmp{p}ps xmm0, xmm1") for p in ("eq", "unord", "le")],
    # moves
    _d("movsd xmm0, xmm1"),
    _dm("movsd xmm0, qword ptr [rdi]"),
    case("movsd qword ptr [rdi+8], xmm1", ("xmm1", "mem"), elem="f64"),
    _s("movss xmm0, xmm1"),
    _sm("movss xmm0, dword ptr [rdi]"),
    case("movss dword ptr [rdi+4], xmm1", ("xmm1", "mem"), elem="f32"),
    _d("movapd xmm0, xmm1"),
    _dm("movupd xmm0, xmmword ptr [rdi+8]"),
    _dm("movhpd xmm0, qword ptr [rdi]"),
    _dm("movlpd xmm0, qword ptr [rdi]"),
    _sm("movhps xmm0, qword ptr [rdi+8]"),
    _sm("movlps xmm0, qword ptr [rdi]"),
    case("movhpd qword ptr [rdi], xmm1", ("xmm1", "mem"), elem="f64"),
    _d("movddup xmm0, xmm1"),
    # packed arithmetic
    *[_d(f"{op}pd xmm0, xmm1") for op in ARITH],
    *[_s(f"{op}ps xmm0, xmm1") for op in ARITH],
    _dm("mulpd xmm0, xmmword ptr [rdi]"),
    _sm("addps xmm0, xmmword ptr [rdi+0x10]"),
    _d("haddpd xmm0, xmm1"),
    _s("haddps xmm0, xmm1"),
    # packed logic and shuffles (bit patterns of floats)
    _d("andpd xmm0, xmm1"),
    _d("andnpd xmm0, xmm1"),
    _d("orpd xmm0, xmm1"),
    _d("xorpd xmm0, xmm1"),
    _d("unpcklpd xmm0, xmm1"),
    _d("unpckhpd xmm0, xmm1"),
    _s("unpcklps xmm0, xmm1"),
    _s("unpckhps xmm0, xmm1"),
    _d("shufpd xmm0, xmm1, 1"),
    _d("blendpd xmm0, xmm1, 2"),
    _s("blendps xmm0, xmm1, 0xa"),
    # packed conversions
    case("cvtdq2pd xmm0, xmm1", XX, elem="i32"),
    case("cvtdq2ps xmm0, xmm1", XX, elem="i32"),
    _s("cvttps2dq xmm0, xmm1"),
    _s("cvtps2dq xmm0, xmm1"),
    _s("cvtps2pd xmm0, xmm1"),
    _d("cvtpd2ps xmm0, xmm1"),
    _d("cvttpd2dq xmm0, xmm1"),
    _d("cvtpd2dq xmm0, xmm1"),
    # SSE4.1 rounding: nearest, down, up, truncate, per MXCSR; bit 3 suppresses precision
    *[_d(f"roundsd xmm0, xmm1, {imm}") for imm in (0, 1, 2, 3, 4, 9)],
    *[_s(f"roundss xmm0, xmm1, {imm}") for imm in (0, 3, 4)],
    _d("roundpd xmm0, xmm1, 0xa"),
    _s("roundps xmm0, xmm1, 1"),
]
