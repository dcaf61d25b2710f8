"""The x87 register type of the host, for translator/semantics/x87.py.

A host whose LLVM compiles ``x86_fp80`` (x86-64) keeps the x87 registers in it: 80-bit
arithmetic, exactly the guest's. A host without it (aarch64: ``X87 = False`` in its
runtime backend, ``LiftOptions.x87`` False) uses the documented 64-bit approximation:

- the registers hold IEEE doubles (the first 8 bytes of State's 16-byte ``st<i>`` slots), so
  x87 arithmetic has a 53-bit significand and double's exponent range: long double results
  are those of the same code compiled with ``double``;
- 80-bit memory operands (``fld``/``fstp m80``, fxsave/fxrstor) are converted with integer
  operations: on the way in rounded to nearest-even (tiny values become double denormals or
  zero; infinities, NaNs with their payload's top bits, and zeros keep their sign), except
  that a finite value beyond double's range becomes +-DBL_MAX, not infinity, so LDBL_MAX
  stays finite (glibc's isinfl and printf's infinity test compare with it); on the way out
  exact;
- ``fild``/``fist`` are exact for integers of at most 53 bits (fild of a wider one rounds);
- the loaded constants (fldpi...) are the doubles nearest to the 80-bit ones;
- x87 rounding and exception flags are the host FPU's, which holds the guest's MXCSR
  (glibc's fesetround and fetestexcept set and read both units alike).
"""
from __future__ import annotations

import dataclasses
import math
import struct

from llvmlite import ir

I1, I16, I32, I64, I128 = (ir.IntType(n) for n in (1, 16, 32, 64, 128))
I80 = ir.IntType(80)
F64 = ir.DoubleType()
DBL_MAX_BITS = 0x7FEF_FFFF_FFFF_FFFF


C0, C1, C2, C3 = 8, 9, 10, 14      # condition code bits of the status word
# The x87 instructions a host with an x87 (X87 = True) runs on its own FPU, exact results and
# flags (translator/semantics/x87.py host_fpu, runtime/support.py _host_fpu): mnemonic ->
# (stack effect, the condition codes it defines). "unary": ST0 replaced; "popping": the
# result goes to ST1, then a pop; "split": fxtract's exponent to ST0, then its significand
# pushed.
HOST_FPU = {
    "fprem": ("unary", (C0, C1, C2, C3)), "fprem1": ("unary", (C0, C1, C2, C3)),
    "f2xm1": ("unary", (C1,)), "fsin": ("unary", (C1, C2)), "fcos": ("unary", (C1, C2)),
    "fpatan": ("popping", (C1,)), "fyl2x": ("popping", (C1,)), "fyl2xp1": ("popping", (C1,)),
    "fxtract": ("split", (C1,)),
}


def f80_bits(x: float) -> int:
    """The x86 extended-precision encoding of a Python float (exact)."""
    (d,) = struct.unpack("<Q", struct.pack("<d", x))
    sign = d >> 63
    if math.isnan(x):
        return (sign << 79) | (0x7FFF << 64) | (0xC << 60) | ((d & ((1 << 51) - 1)) << 11)
    if math.isinf(x):
        return (sign << 79) | (0x7FFF << 64) | (1 << 63)
    if x == 0:
        return sign << 79
    m, e = math.frexp(abs(x))              # abs(x) = m * 2**e, 0.5 <= m < 1
    mant = int(m * (1 << 64))               # exact: 53 significant bits
    return (sign << 79) | ((e - 1 + 16383) << 64) | mant


def f80_value(bits: int) -> float:
    """The double nearest to an 80-bit encoding (finite, normal ones: the x87 constants)."""
    sign = -1.0 if bits >> 79 else 1.0
    exp, mant = (bits >> 64) & 0x7FFF, bits & ((1 << 64) - 1)
    return sign * math.ldexp(float(mant), exp - 16383 - 63)    # float(int) rounds to nearest-even


class X86FP80(ir.types._BaseFloatType):
    """LLVM's ``x86_fp80`` (llvmlite has no class for it). Constants are given as Python floats
    or as the raw 80-bit encoding (an int)."""
    null = "0xK00000000000000000000"
    intrinsic_name = "f80"

    def __str__(self):
        return "x86_fp80"

    def format_constant(self, value):
        bits = value if isinstance(value, int) else f80_bits(value)
        return f"0xK{bits:020X}"


X86FP80._create_instance()
F80 = X86FP80()


def _c(t, v):
    return ir.Constant(t, v)


def f80_to_f64(ctx, raw: ir.Value) -> ir.Value:
    """An 80-bit encoding (i80) as the nearest double (ties to even)."""
    b = ctx.b
    sign = b.shl(b.trunc(b.lshr(raw, _c(I80, 79)), I64), _c(I64, 63))
    exp = b.and_(b.trunc(b.lshr(raw, _c(I80, 64)), I32), _c(I32, 0x7FFF))
    m = b.trunc(raw, I64)
    # infinity is only 1<<63 with the top exponent; anything else there is a NaN (pseudo-
    # infinities and pseudo-NaNs too, which the x87 rejects as invalid)
    frac = b.and_(b.lshr(m, _c(I64, 11)), _c(I64, (1 << 52) - 1))
    nan_frac = b.select(b.icmp_unsigned("==", frac, _c(I64, 0)), _c(I64, 1 << 51), frac)
    special = b.or_(_c(I64, 0x7FF << 52),
                    b.select(b.icmp_unsigned("==", m, _c(I64, 1 << 63)), _c(I64, 0), nan_frac))
    # finite: value = m * 2^(max(exp, 1) - 16383 - 63); normalise m, then round at bit s
    zero = b.icmp_unsigned("==", m, _c(I64, 0))
    lz = ctx.intrinsic("llvm.ctlz", I64, [m, _c(I1, 1)])
    mn = b.shl(m, lz)
    e = b.sub(b.select(b.icmp_unsigned("==", exp, _c(I32, 0)), _c(I32, 1), exp), b.trunc(lz, I32))
    d = b.sub(e, _c(I32, 16383 - 1023))                     # double's biased exponent
    normal = b.icmp_signed(">=", d, _c(I32, 1))
    sub_shift = b.sub(_c(I32, 12), d)                        # denormal: 12 - d >= 12
    sub_shift = b.select(b.icmp_signed(">", sub_shift, _c(I32, 66)), _c(I32, 66), sub_shift)
    s = b.zext(b.select(normal, _c(I32, 11), sub_shift), I128)
    wide = b.zext(mn, I128)
    q = b.lshr(wide, s)
    half = b.shl(_c(I128, 1), b.sub(s, _c(I128, 1)))
    rem = b.and_(wide, b.sub(b.shl(half, _c(I128, 1)), _c(I128, 1)))
    odd = b.icmp_unsigned("!=", b.and_(q, _c(I128, 1)), _c(I128, 0))
    up = b.or_(b.icmp_unsigned(">", rem, half), b.and_(b.icmp_unsigned("==", rem, half), odd))
    base = b.select(normal, b.shl(b.zext(b.sub(d, _c(I32, 1)), I64), _c(I64, 52)), _c(I64, 0))
    # the rounding carry runs into the exponent (up to the next binade); a finite value
    # beyond double's range saturates to the largest double, so that LDBL_MAX stays finite
    # (glibc's isinfl and isfinite compare a long double with it)
    finite = b.add(b.add(base, b.trunc(q, I64)), b.zext(up, I64))
    too_big = b.or_(b.icmp_signed(">=", d, _c(I32, 0x7FF)), b.icmp_unsigned(">", finite, _c(I64, DBL_MAX_BITS)))
    finite = b.select(too_big, _c(I64, DBL_MAX_BITS), finite)
    finite = b.select(zero, _c(I64, 0), finite)
    bits = b.select(b.icmp_unsigned("==", exp, _c(I32, 0x7FFF)), special, finite)
    return b.bitcast(b.or_(sign, bits), F64)


def f64_to_f80(ctx, v: ir.Value) -> ir.Value:
    """A double's 80-bit encoding (i80), exact."""
    b = ctx.b
    bits = b.bitcast(v, I64)
    sign = b.lshr(bits, _c(I64, 63))
    de = b.and_(b.lshr(bits, _c(I64, 52)), _c(I64, 0x7FF))
    frac = b.and_(bits, _c(I64, (1 << 52) - 1))
    e0, fz = b.icmp_unsigned("==", de, _c(I64, 0)), b.icmp_unsigned("==", frac, _c(I64, 0))
    lz = ctx.intrinsic("llvm.ctlz", I64, [frac, _c(I1, 0)])
    m_normal = b.or_(_c(I64, 1 << 63), b.shl(frac, _c(I64, 11)))     # also inf and NaN
    m_denormal = b.shl(frac, b.select(fz, _c(I64, 0), lz))
    e = b.select(b.icmp_unsigned("==", de, _c(I64, 0x7FF)), _c(I64, 0x7FFF), b.add(de, _c(I64, 16383 - 1023)))
    e = b.select(e0, b.select(fz, _c(I64, 0), b.sub(_c(I64, 16383 - 1074 + 63), lz)), e)
    m = b.select(e0, m_denormal, m_normal)
    out = b.or_(b.shl(b.zext(sign, I80), _c(I80, 79)), b.shl(b.zext(e, I80), _c(I80, 64)))
    return b.or_(out, b.zext(m, I80))


@dataclasses.dataclass(frozen=True)
class X87Float:
    """How the lifter holds x87 registers on one kind of host."""
    type: ir.Type           # the registers' LLVM type
    int_type: ir.IntType    # its bit pattern
    quiet_bit: int          # a NaN is quiet when this bit of the pattern is set
    exp_bits: int
    frac_bits: int          # below the exponent (x86_fp80's include its explicit integer bit)

    def constant(self, value: float | int) -> ir.Constant:
        """A constant from a Python float or an 80-bit encoding (rounded to the type)."""
        if isinstance(value, int) and self.type is not F80:
            value = f80_value(value)
        return ir.Constant(self.type, value)

    def from_m80(self, ctx, raw: ir.Value) -> ir.Value:
        """An 80-bit memory operand's value (i80 in)."""
        return ctx.b.bitcast(raw, F80) if self.type is F80 else f80_to_f64(ctx, raw)

    def to_m80(self, ctx, v: ir.Value) -> ir.Value:
        """A register's 80-bit encoding (i80 out)."""
        return ctx.b.bitcast(v, I80) if self.type is F80 else f64_to_f80(ctx, v)

    def is_snan(self, ctx, v: ir.Value) -> ir.Value:
        b = ctx.b
        t = self.int_type
        bits = b.bitcast(v, t)
        # the top exponent (and x86_fp80's integer bit) with the quiet bit clear
        want = ((1 << self.exp_bits) - 1) << self.frac_bits | (1 << 63 if self.type is F80 else 0)
        payload = (1 << self.quiet_bit) - 1
        return b.and_(b.icmp_unsigned("==", b.and_(bits, _c(t, want | 1 << self.quiet_bit)), _c(t, want)),
                      b.icmp_unsigned("!=", b.and_(bits, _c(t, payload)), _c(t, 0)))

    def classify(self, ctx, v: ir.Value) -> dict[str, ir.Value]:
        """fxam's classes as i1: sign, zero, denormal, inf, nan, normal (x86_fp80's unnormals
        and pseudo-values are none of the last five: "unsupported")."""
        b = ctx.b
        t = self.int_type
        bits = b.bitcast(v, t)
        emax = (1 << self.exp_bits) - 1
        exp = b.and_(b.lshr(bits, _c(t, self.frac_bits)), _c(t, emax))
        sign = b.icmp_unsigned("!=", b.lshr(bits, _c(t, self.exp_bits + self.frac_bits)), _c(t, 0))
        mant = b.and_(bits, _c(t, (1 << self.frac_bits) - 1))
        if self.type is F80:    # the integer bit is explicit: a normal number has it set
            ibit = b.icmp_signed("<", b.trunc(bits, I64), _c(I64, 0))
            frac = b.and_(mant, _c(t, (1 << 63) - 1))
        else:
            ibit, frac = _c(I1, 1), mant
        e0 = b.icmp_unsigned("==", exp, _c(t, 0))
        top = b.icmp_unsigned("==", exp, _c(t, emax))
        m0 = b.icmp_unsigned("==", mant, _c(t, 0))
        frac0 = b.icmp_unsigned("==", frac, _c(t, 0))
        return {"sign": sign, "zero": b.and_(e0, m0), "denormal": b.and_(e0, b.not_(m0)),
                "inf": b.and_(top, b.and_(ibit, frac0)), "nan": b.and_(top, b.and_(ibit, b.not_(frac0))),
                "normal": b.and_(b.not_(b.or_(e0, top)), ibit)}


FP80 = X87Float(F80, I80, quiet_bit=62, exp_bits=15, frac_bits=64)
FP64 = X87Float(F64, I64, quiet_bit=51, exp_bits=11, frac_bits=52)
