"""BMI1/BMI2 (x86-64-v3's scalar bit manipulation) and movbe.

Undefined per the Intel manual:
- andn, blsi, blsmsk, blsr, bzhi: AF PF;
- bextr: AF SF PF;
- pdep, pext, rorx, sarx, shlx, shrx, mulx, movbe: no flag is written (all compared).
Control operands (bextr's start and length, bzhi's index, the shift counts) get fixed values
in turn: inside, at and beyond the operand's width, with garbage in the bits the instruction
ignores, since random 64-bit values would almost never land inside.
"""
from .spec import case

CPU_FLAGS = ("bmi1", "bmi2", "movbe")     # the native side needs them (tests/isa/harness.py)

# bextr control: start = bits 7:0, length = bits 15:8
CONTROLS = [0x0000, 0x0401, 0x0800, 0x1004, 0x2000, 0x3F01, 0x4000, 0x0820, 0x1F1F, 0x2020,
            0xFF00, 0x00FF, 0x3F3F, 0x4040, 0x0810, 0xDEAD000000001008, 0x0140, 0x013F, 0x011F,
            0x0120, 0x8008, 0x2010, 0xFFFFFFFFFFFF0703, 0x0001]
# bzhi index: bits 7:0
INDEXES = [0, 1, 5, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255, 0x103, 0xFFFFFFFF00000010,
           0xFFFFFFFFFFFFFFFF, 0x1FF, 0x120, 0x7, 0x40, 0x3F, 0x21, 0x80000000000000C0]
# shift counts (masked to 5 or 6 bits)
COUNTS = [0, 1, 5, 31, 32, 33, 63, 64, 65, 0xFF, 0xFFFFFFFFFFFFFFFF, 7, 8, 16, 24, 48,
          0x100000001, 0x1F, 0x3F, 0x20, 0x41, 2, 3, 0x80000000]

BMI1_UNDEF = "af pf"


def _forms() -> list:
    out = [
        case("andn eax, ebx, ecx", ("rbx", "rcx", "flags"), undefined_flags=BMI1_UNDEF),
        case("andn rax, rbx, rcx", ("rbx", "rcx", "flags"), undefined_flags=BMI1_UNDEF),
        case("andn r8, r9, qword ptr [rdi+8]", ("r9", "mem", "flags"), undefined_flags=BMI1_UNDEF),
        case("andn r10d, r11d, dword ptr [rdi]", ("r11", "mem", "flags"), undefined_flags=BMI1_UNDEF),
        case("bextr eax, ebx, ecx", ("rbx", "flags"), fixed={"rcx": CONTROLS},
             undefined_flags="af sf pf"),
        case("bextr rax, rbx, rcx", ("rbx", "flags"), fixed={"rcx": CONTROLS},
             undefined_flags="af sf pf"),
        case("bextr r8, qword ptr [rdi], r9", ("mem", "flags"), fixed={"r9": CONTROLS},
             undefined_flags="af sf pf"),
        case("bzhi eax, ebx, ecx", ("rbx", "flags"), fixed={"rcx": INDEXES}, undefined_flags=BMI1_UNDEF),
        case("bzhi rax, rbx, rcx", ("rbx", "flags"), fixed={"rcx": INDEXES}, undefined_flags=BMI1_UNDEF),
        case("bzhi r8d, dword ptr [rdi+4], r9d", ("mem", "flags"), fixed={"r9": INDEXES},
             undefined_flags=BMI1_UNDEF),
    ]
    for op in ("blsi", "blsmsk", "blsr"):
        out += [
            case(f"{op} eax, ebx", ("rbx", "flags"), undefined_flags=BMI1_UNDEF),
            case(f"{op} rax, rbx", ("rbx", "flags"), undefined_flags=BMI1_UNDEF),
            case(f"{op} r9, qword ptr [rdi+8]", ("mem", "flags"), undefined_flags=BMI1_UNDEF),
        ]
    for op in ("shlx", "shrx", "sarx"):
        out += [
            case(f"{op} eax, ebx, ecx", ("rbx", "flags"), fixed={"rcx": COUNTS}),
            case(f"{op} rax, rbx, rcx", ("rbx", "flags"), fixed={"rcx": COUNTS}),
            case(f"{op} r8, qword ptr [rdi], r9", ("mem", "flags"), fixed={"r9": COUNTS}),
        ]
    out += [
        case("rorx eax, ebx, 0xd", ("rbx", "flags")),
        case("rorx eax, ebx, 0x0", ("rbx", "flags")),
        case("rorx rax, rbx, 0x3f", ("rbx", "flags")),
        case("rorx rax, rbx, 0x1", ("rbx", "flags")),
        case("rorx r11, qword ptr [rdi+8], 0x20", ("mem", "flags")),
        case("mulx r8, r9, rbx", ("rdx", "rbx", "flags")),
        case("mulx eax, ecx, ebx", ("rdx", "rbx", "flags")),
        case("mulx rax, rax, rbx", ("rdx", "rbx", "flags")),
        case("mulx r10, r11, qword ptr [rdi]", ("rdx", "mem", "flags")),
        case("mulx r10d, r11d, dword ptr [rdi+4]", ("rdx", "mem", "flags")),
        case("pdep eax, ebx, ecx", ("rbx", "rcx", "flags")),
        case("pdep rax, rbx, rcx", ("rbx", "rcx", "flags")),
        case("pdep r8, r9, qword ptr [rdi+8]", ("r9", "mem", "flags")),
        case("pext eax, ebx, ecx", ("rbx", "rcx", "flags")),
        case("pext rax, rbx, rcx", ("rbx", "rcx", "flags")),
        case("pext r8, r9, qword ptr [rdi+8]", ("r9", "mem", "flags")),
        case("movbe eax, dword ptr [rdi]", ("mem", "flags")),
        case("movbe rax, qword ptr [rdi+8]", ("mem", "flags")),
        case("movbe ax, word ptr [rdi+2]", ("rax", "mem", "flags")),
        case("movbe dword ptr [rdi+4], ebx", ("rbx", "mem", "flags")),
        case("movbe qword ptr [rdi], rcx", ("rcx", "mem", "flags")),
        case("movbe word ptr [rdi], cx", ("rcx", "mem", "flags")),
    ]
    return out


CASES = _forms()
