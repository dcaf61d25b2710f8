"""Capstone register ids mapped onto State slots: which GPR, which bits."""
from __future__ import annotations

import dataclasses

from capstone import x86 as X

from runtime.abi import GPR_NAMES


@dataclasses.dataclass(frozen=True)
class GprView:
    index: int      # index into GPR_NAMES
    bits: int       # 8, 16, 32 or 64
    shift: int      # 8 for ah/bh/ch/dh, else 0


GPR: dict[int, GprView] = {}
XMM: dict[int, int] = {}

_LEGACY = {"rax": ("eax", "ax", "al", "ah"), "rcx": ("ecx", "cx", "cl", "ch"),
           "rdx": ("edx", "dx", "dl", "dh"), "rbx": ("ebx", "bx", "bl", "bh"),
           "rsp": ("esp", "sp", "spl", None), "rbp": ("ebp", "bp", "bpl", None),
           "rsi": ("esi", "si", "sil", None), "rdi": ("edi", "di", "dil", None)}


def _reg(name: str) -> int:
    return getattr(X, "X86_REG_" + name.upper())


for _i, _name in enumerate(GPR_NAMES):
    GPR[_reg(_name)] = GprView(_i, 64, 0)
    if _name in _LEGACY:
        _d, _w, _b, _h = _LEGACY[_name]
        GPR[_reg(_d)] = GprView(_i, 32, 0)
        GPR[_reg(_w)] = GprView(_i, 16, 0)
        GPR[_reg(_b)] = GprView(_i, 8, 0)
        if _h:
            GPR[_reg(_h)] = GprView(_i, 8, 8)
    else:
        GPR[_reg(_name + "d")] = GprView(_i, 32, 0)
        GPR[_reg(_name + "w")] = GprView(_i, 16, 0)
        GPR[_reg(_name + "b")] = GprView(_i, 8, 0)

for _i in range(16):
    XMM[_reg(f"xmm{_i}")] = _i

RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI = range(8)
