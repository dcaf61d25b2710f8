"""Shifts and rotates: shl shr sar rol ror rcl rcr (by 1, imm8, cl), shld shrd.

Undefined per the Intel manual (computed from the actual masked count of each input):
- count 0 (after masking to 5 bits, 6 for 64-bit operands): no flag changes, all defined;
- shl/shr/sar: AF undefined; OF undefined unless count == 1; for shl/shr CF undefined when
  count >= operand width (only reachable for 8- and 16-bit operands);
- rol/ror/rcl/rcr: OF undefined unless count == 1 (SF ZF AF PF are not affected);
- shld/shrd: AF undefined, OF undefined unless count == 1; count > width (16-bit only): the
  destination and all of CF OF SF ZF AF PF undefined.
"""
from .spec import case

SHIFTS = ("shl", "shr", "sar")
ROTATES = ("rol", "ror", "rcl", "rcr")
REGS = {8: "al", 16: "ax", 32: "eax", 64: "rax"}
# cl values: small, at and around each width, above the mask, with garbage in rcx's upper bits
COUNTS = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 0x7F, 0xFF,
          0xABCDEF05, 0x1234567800000021, 0x11, 0x1F]


def _masked(count: int, width: int) -> int:
    return count & (0x3F if width == 64 else 0x1F)


def shift_undef(op: str, width: int, count_of):
    def undefined(s) -> str:
        c = _masked(count_of(s), width)
        if c == 0:
            return ""
        u = []
        if op in SHIFTS:
            u.append("af")
            if op != "sar" and c >= width:
                u.append("cf")
        if c != 1:
            u.append("of")
        return " ".join(u)
    return undefined


def double_undef(width: int, count_of):
    def undefined(s) -> str:
        c = _masked(count_of(s), width)
        if c == 0:
            return ""
        if c > width:
            return "cf of sf zf af pf"
        return "af" if c == 1 else "af of"
    return undefined


def double_undef_regs(width: int, count_of, dest: str):
    return lambda s: dest if _masked(count_of(s), width) > width else ""


def _cl(s) -> int:
    return s.get("rcx") & 0xFF


def _const(n: int):
    return lambda s: n


def _forms() -> list:
    out = []
    for op in SHIFTS + ROTATES:
        for w, r in REGS.items():
            out.append(case(f"{op} {r}, 1", ("rax", "flags"), undefined_flags=shift_undef(op, w, _const(1))))
            out.append(case(f"{op} {r}, cl", ("rax", "flags"), fixed={"rcx": COUNTS},
                            undefined_flags=shift_undef(op, w, _cl)))
        for w, r, imm in ((8, "bl", 3), (16, "bx", 0xc), (32, "ebx", 0x1f), (64, "rbx", 0x21),
                          (8, "bh", 9)):
            out.append(case(f"{op} {r}, {imm:#x}" if imm > 9 else f"{op} {r}, {imm}", ("rbx", "flags"),
                            undefined_flags=shift_undef(op, w, _const(imm))))
        out.append(case(f"{op} r10d, 0x25", ("r10", "flags"),
                        undefined_flags=shift_undef(op, 32, _const(0x25))))
    # memory destinations
    out += [
        case("shl dword ptr [rdi], cl", ("mem", "flags"), fixed={"rcx": COUNTS},
             undefined_flags=shift_undef("shl", 32, _cl)),
        case("sar qword ptr [rdi+8], 1", ("mem", "flags"), undefined_flags=shift_undef("sar", 64, _const(1))),
        case("shr byte ptr [rdi+1], 3", ("mem", "flags"), undefined_flags=shift_undef("shr", 8, _const(3))),
        case("rol word ptr [rdi], 3", ("mem", "flags"), undefined_flags=shift_undef("rol", 16, _const(3))),
        case("rcr byte ptr [rdi], cl", ("mem", "flags"), fixed={"rcx": COUNTS},
             undefined_flags=shift_undef("rcr", 8, _cl)),
        case("ror qword ptr [rdi], cl", ("mem", "flags"), fixed={"rcx": COUNTS},
             undefined_flags=shift_undef("ror", 64, _cl)),
        case("rcl dword ptr [rdi+4], 1", ("mem", "flags"), undefined_flags=shift_undef("rcl", 32, _const(1))),
    ]
    # double-precision shifts
    for op in ("shld", "shrd"):
        for w, (d, s) in {16: ("ax", "bx"), 32: ("eax", "ebx"), 64: ("rax", "rbx")}.items():
            out.append(case(f"{op} {d}, {s}, cl", ("rax", "rbx", "flags"), fixed={"rcx": COUNTS},
                            undefined_flags=double_undef(w, _cl),
                            undefined_regs=double_undef_regs(w, _cl, "rax")))
            for imm in (1, 0xd if w == 16 else 0x1d if w == 32 else 0x3b):
                out.append(case(f"{op} {d}, {s}, {imm:#x}" if imm > 9 else f"{op} {d}, {s}, {imm}",
                                ("rax", "rbx", "flags"), undefined_flags=double_undef(w, _const(imm))))
        out.append(case(f"{op} dword ptr [rdi], ebx, cl", ("mem", "rbx", "flags"), fixed={"rcx": COUNTS},
                        undefined_flags=double_undef(32, _cl)))
        out.append(case(f"{op} qword ptr [rdi+8], rbx, 7", ("mem", "rbx", "flags"),
                        undefined_flags=double_undef(64, _const(7))))
        out.append(case(f"{op} r8, r9, cl", ("r8", "r9", "flags"), fixed={"rcx": COUNTS},
                        undefined_flags=double_undef(64, _cl)))
    return out


CASES = _forms()
