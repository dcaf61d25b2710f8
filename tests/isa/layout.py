"""The machine state record shared by the test program, the input generator and the comparison.

One record, little-endian, REC_SIZE bytes (the same layout for inputs and outputs):

    off   size  field
    0     8     tag: case index << 32 | input index (copied from input to output)
    8     8     rflags
    16    4     mxcsr
    20    12    padding (zero)
    32    128   16 GPRs in encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15
    160   256   16 XMM registers, 16 bytes each
    416   256   the scratch memory region [MEM, MEM + MEM_SIZE)

The scratch region lives in its own section linked at a fixed address, so every pointer a test
uses is a plain constant, identical in the native and the translated run:

    MEM + 0x00 .. 0x40   below the data pointer (negative displacements)
    DATA = MEM + 0x40    what memory-operand base registers point to; also the fs base
    MEM + 0xc0 .. 0x100  the snippet's stack; rsp starts at STACK_TOP = MEM + 0xe0
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

GPRS = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
XMMS = tuple(f"xmm{i}" for i in range(16))

CODE_BASE = 0x20000000          # section .isa_code: the snippets
MEM_SECTION = 0x30000000        # section .isa_mem: guard + compared region + guard
MEM_SECTION_SIZE = 0x3000
MEM = MEM_SECTION + 0x1000      # start of the compared region
MEM_SIZE = 0x100
DATA = MEM + 0x40
FS_BASE = DATA
STACK_TOP = MEM + 0xE0

OFF_TAG = 0
OFF_FLAGS = 8
OFF_MXCSR = 16
OFF_GPR = 32
OFF_XMM = OFF_GPR + 16 * 8
OFF_MEM = OFF_XMM + 16 * 16
REC_SIZE = OFF_MEM + MEM_SIZE

# RFLAGS bits the harness sets and compares.
FLAG_BITS = {"cf": 0, "pf": 2, "af": 4, "zf": 6, "sf": 7, "df": 10, "of": 11}
ARITH_MASK = sum(1 << FLAG_BITS[f] for f in ("cf", "pf", "af", "zf", "sf", "of"))
COMPARED_FLAGS = ARITH_MASK | (1 << FLAG_BITS["df"])
FLAGS_FIXED = 0x202             # reserved bit 1 and IF, as user space always sees them
MXCSR_DEFAULT = 0x1F80

_HEAD = struct.Struct("<QQI12x16Q")


@dataclass
class State:
    tag: int = 0
    rflags: int = FLAGS_FIXED
    mxcsr: int = MXCSR_DEFAULT
    gpr: list[int] = field(default_factory=lambda: [0] * 16)
    xmm: list[bytes] = field(default_factory=lambda: [bytes(16)] * 16)
    mem: bytearray = field(default_factory=lambda: bytearray(MEM_SIZE))

    def get(self, reg: str) -> int:
        return self.gpr[GPRS.index(reg)]

    def set(self, reg: str, value: int) -> None:
        self.gpr[GPRS.index(reg)] = value & (2**64 - 1)

    def read(self, addr: int, size: int) -> int:
        """Little-endian integer at guest address addr (inside the compared region)."""
        off = addr - MEM
        assert 0 <= off and off + size <= MEM_SIZE, hex(addr)
        return int.from_bytes(self.mem[off:off + size], "little")

    def write(self, addr: int, size: int, value: int) -> None:
        off = addr - MEM
        assert 0 <= off and off + size <= MEM_SIZE, hex(addr)
        self.mem[off:off + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")

    def copy(self) -> "State":
        return State(self.tag, self.rflags, self.mxcsr, list(self.gpr), list(self.xmm),
                     bytearray(self.mem))

    def pack(self) -> bytes:
        head = _HEAD.pack(self.tag, self.rflags, self.mxcsr, *self.gpr)
        return head + b"".join(self.xmm) + bytes(self.mem)

    @classmethod
    def unpack(cls, raw: bytes) -> "State":
        assert len(raw) == REC_SIZE
        tag, rflags, mxcsr, *gpr = _HEAD.unpack_from(raw)
        xmm = [bytes(raw[OFF_XMM + 16 * i:OFF_XMM + 16 * i + 16]) for i in range(16)]
        return cls(tag, rflags, mxcsr, list(gpr), xmm, bytearray(raw[OFF_MEM:OFF_MEM + MEM_SIZE]))


assert _HEAD.size == OFF_XMM and REC_SIZE == 672


def split_records(raw: bytes) -> list[State]:
    """Whole records of a program's stdout (a trailing partial record is dropped)."""
    return [State.unpack(raw[i:i + REC_SIZE]) for i in range(0, len(raw) - REC_SIZE + 1, REC_SIZE)]
