"""The CPUID baseline the translated program sees: x86-64-v2.

SSE, SSE2, SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B, LAHF/SAHF; no AVX, no AVX-512,
no XSAVE-managed state, no BMI, no RTM. glibc's ifunc resolvers read these bits, so the
string functions they pick are ones whose instructions we translate and test. Widen this
table only together with tested semantics.
"""
from __future__ import annotations

# Feature bits, by (leaf, register): the names are the Intel SDM's.
LEAF1_ECX = {"SSE3": 0, "SSSE3": 9, "CX16": 13, "SSE4_1": 19, "SSE4_2": 20, "POPCNT": 23}
LEAF1_EDX = {"FPU": 0, "TSC": 4, "CX8": 8, "CMOV": 15, "CLFSH": 19, "MMX": 23, "FXSR": 24,
             "SSE": 25, "SSE2": 26}
EXT1_ECX = {"LAHF_SAHF": 0}
EXT1_EDX = {"SYSCALL": 11, "NX": 20, "LM": 29}


def _bits(d: dict[str, int]) -> int:
    return sum(1 << b for b in d.values())


def _vendor(s: str) -> tuple[int, int, int]:
    b = s.encode()
    return tuple(int.from_bytes(b[i:i + 4], "little") for i in (0, 4, 8))


_GENU, _INEI, _NTEL = _vendor("GenuineIntel")

# (leaf, subleaf or None for "any") -> (eax, ebx, ecx, edx)
TABLE: dict[tuple[int, int | None], tuple[int, int, int, int]] = {
    (0x0, None): (0xB, _GENU, _NTEL, _INEI),
    # family 6 model 0x55 stepping 4; CLFLUSH line 8 qwords; 1 logical processor
    (0x1, None): (0x00050654, (1 << 16) | (8 << 8), _bits(LEAF1_ECX), _bits(LEAF1_EDX)),
    # leaf 2: one iteration, descriptor 0xFF = "use leaf 4"
    (0x2, None): (0x0000FF01, 0, 0, 0),
    # deterministic cache parameters: L1d 32K, L1i 32K, L2 1M, L3 32M (EAX type/level,
    # EBX ways-1 << 22 | partitions-1 << 12 | line-1, ECX sets-1)
    (0x4, 0): (0x00000121, (7 << 22) | 63, 63, 0),
    (0x4, 1): (0x00000122, (7 << 22) | 63, 63, 0),
    (0x4, 2): (0x00000143, (15 << 22) | 63, 1023, 0),
    (0x4, 3): (0x00000163, (15 << 22) | 63, 32767, 0),
    (0x4, None): (0, 0, 0, 0),
    (0x7, None): (0, 0, 0, 0),
    # topology: one thread per core, one core
    (0xB, 0): (0, 1, 0x100, 0),
    (0xB, 1): (0, 1, 0x201, 0),
    (0xB, None): (0, 0, 0, 0),
    (0x80000000, None): (0x80000008, 0, 0, 0),
    (0x80000001, None): (0, 0, _bits(EXT1_ECX), _bits(EXT1_EDX)),
    (0x80000008, None): (0x00003030, 0, 0, 0),
}

# Leaves not listed return zeros, as do subleaves not listed unless (leaf, None) says.
BASELINE = "x86-64-v2"


def lookup(leaf: int, subleaf: int) -> tuple[int, int, int, int]:
    return TABLE.get((leaf, subleaf), TABLE.get((leaf, None), (0, 0, 0, 0)))
