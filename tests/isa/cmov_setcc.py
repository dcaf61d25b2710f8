"""Conditions: setcc and cmovcc for all 16 condition codes.

Flags are inputs (all clear, all set, then random), so every condition is seen both true and
false. cmovcc with a 32-bit destination zero-extends it even when the condition is false.
"""
from .spec import case

CONDITIONS = ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g")
# Alternative spellings of the same encodings, as compilers and disassemblers print them.
ALIASES = ("c", "nc", "z", "nz", "nae", "nb", "na", "nbe", "pe", "po", "nge", "nl", "ng", "nle")

CASES = [
    *[case(f"set{cc} al", ("rax", "flags")) for cc in CONDITIONS],
    *[case(f"set{cc} byte ptr [rdi+1]", ("mem", "flags")) for cc in CONDITIONS],
    *[case(f"set{cc} r9b", ("r9", "flags")) for cc in ("b", "e", "l", "g")],
    *[case(f"cmov{cc} eax, ebx", ("rax", "rbx", "flags")) for cc in CONDITIONS],
    *[case(f"cmov{cc} rcx, rdx", ("rcx", "rdx", "flags")) for cc in CONDITIONS],
    *[case(f"cmov{cc} ax, bx", ("rax", "rbx", "flags")) for cc in CONDITIONS],
    *[case(f"cmov{cc} esi, dword ptr [rdi+4]", ("rsi", "mem", "flags")) for cc in CONDITIONS],
    *[case(f"cmov{cc} r8, qword ptr [rdi]", ("r8", "mem", "flags")) for cc in ("e", "ne", "b", "a")],
    *[case(f"set{cc} dl", ("rdx", "flags")) for cc in ALIASES],
    *[case(f"cmov{cc} r10d, r11d", ("r10", "r11", "flags")) for cc in ALIASES],
]
