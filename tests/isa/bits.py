"""Bit instructions: bt bts btr btc, bsf bsr, lzcnt tzcnt, popcnt.

Undefined per the Intel manual:
- bt/bts/btr/btc: OF SF AF PF (CF is the bit, ZF unaffected);
- bsf/bsr: CF OF SF AF PF; the destination when the source is zero (ZF=1);
- lzcnt/tzcnt: OF SF AF PF (CF and ZF defined);
- popcnt: none (OF SF AF CF PF cleared, ZF set from the source).
Memory forms with a register bit offset address beyond the operand (offset / width words away,
signed), so their offsets are kept small: -64..200.
"""
from .spec import case

BT_UNDEF = "of sf af pf"
BS_UNDEF = "cf of sf af pf"
CNT_UNDEF = "of sf af pf"
# register bit offsets for memory forms: small, negative (as 32- and 64-bit values), with garbage
# above bit 31 for the 32-bit forms
OFFSETS32 = [0, 1, 5, 31, 32, 33, 63, 64, 100, 200, 0xFFFFFFFF, 0xFFFFFFC0, 0xFFFFFFE1,
             0xDEADBEEF0000001F, 0x123456780000004F, 7, 15, 16, 17, 127, 128, 0xFFFFFFF8, 48, 96]
OFFSETS64 = [0, 1, 5, 31, 32, 33, 63, 64, 100, 200, 2**64 - 1, 2**64 - 64, 2**64 - 31, 7, 15,
             16, 17, 127, 128, 2**64 - 8, 48, 96, 150, 190]


def _zero_src(reg: str, width: int, dest: str):
    m = (1 << width) - 1
    return lambda s: dest if s.get(reg) & m == 0 else ""


def _zero_mem(addr_of, size: int, dest: str):
    return lambda s: dest if s.read(addr_of, size) == 0 else ""


def _forms() -> list:
    from .layout import DATA

    out = []
    for op in ("bt", "bts", "btr", "btc"):
        for d, s in (("ax", "bx"), ("eax", "ebx"), ("rax", "rbx")):
            out.append(case(f"{op} {d}, {s}", ("rax", "rbx", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} eax, 5", ("rax", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} rax, 0x3f", ("rax", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} cx, 0x1f", ("rcx", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} dword ptr [rdi], 0x13", ("mem", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} qword ptr [rdi+8], 0x2a", ("mem", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} word ptr [rdi+2], 7", ("mem", "flags"), undefined_flags=BT_UNDEF))
        out.append(case(f"{op} dword ptr [rdi], ecx", ("mem", "flags"), fixed={"rcx": OFFSETS32},
                        undefined_flags=BT_UNDEF))
        out.append(case(f"{op} qword ptr [rdi], rcx", ("mem", "flags"), fixed={"rcx": OFFSETS64},
                        undefined_flags=BT_UNDEF))
    out.append(case("lock bts dword ptr [rdi], ecx", ("mem", "flags"), fixed={"rcx": OFFSETS32},
                    undefined_flags=BT_UNDEF))
    out.append(case("lock btr qword ptr [rdi], 0x3", ("mem", "flags"), undefined_flags=BT_UNDEF))

    for op in ("bsf", "bsr"):
        for d, s, w in (("ax", "bx", 16), ("eax", "ebx", 32), ("rax", "rbx", 64)):
            out.append(case(f"{op} {d}, {s}", ("rax", "rbx", "flags"), undefined_flags=BS_UNDEF,
                            undefined_regs=_zero_src("rbx", w, "rax")))
        out.append(case(f"{op} ecx, dword ptr [rdi]", ("rcx", "mem", "flags"), undefined_flags=BS_UNDEF,
                        undefined_regs=_zero_mem(DATA, 4, "rcx")))
        out.append(case(f"{op} r8, r9", ("r8", "r9", "flags"), undefined_flags=BS_UNDEF,
                        undefined_regs=_zero_src("r9", 64, "r8")))
    for op, undef in (("lzcnt", CNT_UNDEF), ("tzcnt", CNT_UNDEF), ("popcnt", "")):
        for d, s in (("ax", "bx"), ("eax", "ebx"), ("rax", "rbx")):
            out.append(case(f"{op} {d}, {s}", ("rax", "rbx", "flags"), undefined_flags=undef))
        out.append(case(f"{op} ecx, dword ptr [rdi]", ("rcx", "mem", "flags"), undefined_flags=undef))
        out.append(case(f"{op} r10, qword ptr [rdi+8]", ("r10", "mem", "flags"), undefined_flags=undef))
    return out


CASES = _forms()
