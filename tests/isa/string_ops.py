"""String instructions: movs stos lods scas cmps, with rep/repe/repne, both directions.

rsi points into a source buffer (MEM+0x10..0x50), rdi into a destination buffer
(MEM+0x60..0xa0); with DF=1 they point at the last element, so up to 64 bytes are touched
either way. rcx takes counts from 0 to the buffer's length in elements (rep uses all 64 bits of
rcx, so it carries no garbage). For scas and cmps the memory is arranged so the loop stops at a
random element (or runs out), half the time at the first one for the single forms.
"""
from .layout import MEM
from .spec import case

SRC, DST, LEN = MEM + 0x10, MEM + 0x60, 0x40
SIZES = {1: "b", 2: "w", 4: "d", 8: "q"}
PTR = {1: "byte", 2: "word", 4: "dword", 8: "qword"}
COUNTS_BYTES = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 47, 48, 55, 63, 64, 4, 6, 24, 12]


def counts(size: int) -> list[int]:
    return sorted({c // size for c in COUNTS_BYTES if c // size <= LEN // size} | {LEN // size})


def pointers(size: int, df: int) -> dict:
    off = LEN - size if df else 0
    return {"rsi": SRC + off, "rdi": DST + off}


def _name(op: str, size: int) -> str:
    """keystone has no `movsd`/`rep movsd` string spelling (SSE's movsd wins): use operands."""
    if op == "movs" and size == 4:
        return "movs dword ptr [rdi], dword ptr [rsi]"
    return f"{op}{SIZES[size]}"


def _stop_prepare(op: str, size: int, df: int, repeat: bool, until_equal: bool):
    """Arrange memory so the scas/cmps loop stops at a random element (or never)."""
    mask = (1 << (8 * size)) - 1
    step = -size if df else size

    def prepare(s, rng):
        count = s.get("rcx") if repeat else 1
        stop = rng.randint(0, count) if repeat else rng.randint(0, 1)
        for i in range(count):
            dst = s.get("rdi") + i * step
            want = s.get("rax") & mask if op == "scas" else s.read(s.get("rsi") + i * step, size)
            # repe runs while equal, repne while different; element `stop` ends the loop
            equal = (i < stop) if until_equal else (i == stop)
            if equal:
                s.write(dst, size, want)
            elif s.read(dst, size) == want:
                s.write(dst, size, want ^ (1 << rng.randrange(8 * size)))
    return prepare


def _dir(text: str, df: int) -> str:
    """Backward forms set DF in the snippet itself: `std; rep movsb`."""
    return f"std; {text}" if df else text


def _forms() -> list:
    out = []
    for size in SIZES:
        for df in (0, 1):
            out.append(case(_dir(_name("movs", size), df), ("mem", "flags"), fixed=pointers(size, df)))
    for size, df in ((1, 0), (2, 0), (4, 0), (8, 0), (1, 1), (8, 1)):
        out.append(case(_dir(f"rep {_name('movs', size)}", df), ("mem", "flags"),
                        fixed={**pointers(size, df), "rcx": counts(size)}))
    for size in SIZES:
        out.append(case(_name("stos", size), ("rax", "mem", "flags"), width=8 * size,
                        fixed=pointers(size, 0)))
    for size, df in ((1, 0), (2, 0), (4, 0), (8, 0), (1, 1), (4, 1)):
        out.append(case(_dir(f"rep {_name('stos', size)}", df), ("rax", "mem", "flags"), width=8 * size,
                        fixed={**pointers(size, df), "rcx": counts(size)}))
    for size in SIZES:
        out.append(case(_name("lods", size), ("rax", "mem", "flags"), width=8 * size,
                        fixed=pointers(size, 0)))
    out.append(case("std; lodsq", ("rax", "mem", "flags"), fixed=pointers(8, 1)))
    out.append(case("rep lodsb", ("rax", "mem", "flags"), width=8,
                    fixed={**pointers(1, 0), "rcx": counts(1)}))

    for op in ("scas", "cmps"):
        inputs = ("rax", "mem", "flags") if op == "scas" else ("mem", "flags")
        for size in (1, 8):
            out.append(case(_name(op, size), inputs, width=8 * size, fixed=pointers(size, 0),
                            prepare=_stop_prepare(op, size, 0, False, False)))
        for prefix, size, df in (("repne", 1, 0), ("repne", 1, 1), ("repe", 1, 0), ("repne", 2, 0),
                                 ("repne", 4, 0), ("repne", 8, 0), ("repe", 8, 0), ("repe", 4, 0),
                                 ("repe", 2, 1)):
            out.append(case(_dir(f"{prefix} {_name(op, size)}", df), inputs, width=8 * size,
                            fixed={**pointers(size, df), "rcx": counts(size)},
                            prepare=_stop_prepare(op, size, df, True, prefix == "repe")))
    # direction flag cleared in the snippet, set and cleared, alone
    out += [
        case("std; movsq; cld", ("mem", "flags"), fixed=pointers(8, 1)),
        case("cld; movsw", ("mem", "flags"), df=1, fixed=pointers(2, 0)),
        case("std", ("flags",)),
        case("cld", ("flags",), df=1),
    ]
    return out


CASES = _forms()
