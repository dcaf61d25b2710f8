"""Multiply and divide: mul, imul (one, two, three operands), div, idiv.

Undefined per the Intel manual: mul/imul SF ZF AF PF (CF OF defined); div/idiv all of CF OF SF
ZF AF PF. Division inputs never raise #DE: after generation each input is adjusted (zero divisor
becomes 1; a quotient that does not fit gets its high dividend half reduced modulo the divisor
for div, replaced by the sign extension of the low half for idiv, and the low half bumped for
MIN / -1).
"""
from .layout import DATA
from .spec import case

MUL_UNDEF = "sf zf af pf"
DIV_UNDEF = "cf of sf zf af pf"


def _signed(v: int, w: int) -> int:
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def _div_ok(hi: int, lo: int, d: int, w: int, signed: bool) -> bool:
    if d == 0:
        return False
    if not signed:
        return (hi << w | lo) // d < (1 << w)
    n = _signed(hi << w | lo, 2 * w)
    dd = _signed(d, w)
    q = abs(n) // abs(dd) * (1 if (n < 0) == (dd < 0) else -1)
    return -(1 << (w - 1)) <= q < (1 << (w - 1))


def div_prepare(width: int, signed: bool, divisor: str | int):
    """Adjust an input so `div/idiv <divisor>` does not fault. divisor: a register or an address."""
    m = (1 << width) - 1

    def get_d(s) -> int:
        return s.get(divisor) & m if isinstance(divisor, str) else s.read(divisor, width // 8)

    def set_d(s, v: int) -> None:
        if isinstance(divisor, str):
            s.set(divisor, (s.get(divisor) & ~m) | v)
        else:
            s.write(divisor, width // 8, v)

    def halves(s) -> tuple[int, int]:
        if width == 8:
            ax = s.get("rax") & 0xFFFF
            return ax >> 8, ax & 0xFF
        return s.get("rdx") & m, s.get("rax") & m

    def set_halves(s, hi: int, lo: int) -> None:
        if width == 8:
            s.set("rax", (s.get("rax") & ~0xFFFF) | hi << 8 | lo)
        else:
            s.set("rdx", (s.get("rdx") & ~m) | hi)
            s.set("rax", (s.get("rax") & ~m) | lo)

    def prepare(s, rng) -> None:
        if get_d(s) == 0:
            set_d(s, 1)
        d = get_d(s)
        hi, lo = halves(s)
        if _div_ok(hi, lo, d, width, signed):
            return
        if signed:
            hi = m if lo >> (width - 1) else 0
            if not _div_ok(hi, lo, d, width, signed):   # MIN / -1
                lo = (lo + 1) & m
                hi = m if lo >> (width - 1) else 0
        else:
            hi = hi % d
        set_halves(s, hi, lo)
        assert _div_ok(*halves(s), get_d(s), width, signed)
    return prepare


def _forms() -> list:
    out = []
    for op in ("mul", "imul"):
        for r, w in (("bl", 8), ("bx", 16), ("ebx", 32), ("rbx", 64)):
            out.append(case(f"{op} {r}", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF))
        out.append(case(f"{op} dword ptr [rdi]", ("rax", "mem", "flags"), undefined_flags=MUL_UNDEF))
        out.append(case(f"{op} qword ptr [rdi+8]", ("rax", "mem", "flags"), undefined_flags=MUL_UNDEF))
        out.append(case(f"{op} byte ptr [rdi+1]", ("rax", "mem", "flags"), undefined_flags=MUL_UNDEF))
    out += [
        case("imul ax, bx", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul eax, ebx", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul rax, rbx", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul r9, r10", ("r9", "r10", "flags"), undefined_flags=MUL_UNDEF),
        case("imul ecx, dword ptr [rdi+4]", ("rcx", "mem", "flags"), undefined_flags=MUL_UNDEF),
        case("imul rcx, qword ptr [rdi]", ("rcx", "mem", "flags"), undefined_flags=MUL_UNDEF),
        case("imul ax, bx, 0x7fff", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul eax, ebx, -3", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul eax, ebx, 0x7f", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul rax, rbx, 0x12345", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul rax, rbx, -0x80000000", ("rax", "rbx", "flags"), undefined_flags=MUL_UNDEF),
        case("imul ecx, dword ptr [rdi], 0x10", ("rcx", "mem", "flags"), undefined_flags=MUL_UNDEF),
        case("imul r10, qword ptr [rdi], -0x80", ("r10", "mem", "flags"), undefined_flags=MUL_UNDEF),
    ]
    for op, signed in (("div", False), ("idiv", True)):
        for r, w in (("bl", 8), ("bx", 16), ("ebx", 32), ("rbx", 64)):
            inputs = ("rax", "rbx", "flags") if w == 8 else ("rax", "rdx", "rbx", "flags")
            out.append(case(f"{op} {r}", inputs, undefined_flags=DIV_UNDEF, n=32,
                            prepare=div_prepare(w, signed, "rbx")))
        out.append(case(f"{op} r11", ("rax", "rdx", "r11", "flags"), undefined_flags=DIV_UNDEF,
                        n=32, prepare=div_prepare(64, signed, "r11")))
        out.append(case(f"{op} dword ptr [rdi]", ("rax", "rdx", "mem", "flags"), width=32,
                        undefined_flags=DIV_UNDEF, n=32, prepare=div_prepare(32, signed, DATA)))
        out.append(case(f"{op} qword ptr [rdi+8]", ("rax", "rdx", "mem", "flags"),
                        undefined_flags=DIV_UNDEF, n=32, prepare=div_prepare(64, signed, DATA + 8)))
        out.append(case(f"{op} byte ptr [rdi+1]", ("rax", "mem", "flags"), width=16,
                        undefined_flags=DIV_UNDEF, n=32, prepare=div_prepare(8, signed, DATA + 1)))
    return out


CASES = _forms()
