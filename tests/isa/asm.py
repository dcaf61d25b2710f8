"""Assemble a case's snippet with keystone, at its final address, and check the result.

Two keystone 0.9.2 pitfalls are handled here rather than trusted:
- `[rip + sym + N]` drops N and measures from the wrong place, so `[rip + data+N]` is rewritten
  to a plain displacement computed from the instruction's own address and length;
- an absolute `[N]` or `fs:[N]` is encoded rip-relative with a wrong displacement, so it is
  rewritten to `[N+riz*1]` (SIB, no base, no index) when that happens;
- some immediates are read as hex (`enter 16, 1` becomes `enter 0x16, 1`), so every number in
  the text must come back from capstone's decoding with the same value.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .layout import DATA
from .spec import RIP_DATA, Case

_ABSOLUTE = re.compile(r"\[\s*(-?\s*(?:0x[0-9a-f]+|\d+))\s*\]")
_NUM = re.compile(r"(?<![\w.])(-?)\s*(0x[0-9a-f]+|\d+)(?![\w.])")


class AsmError(Exception):
    pass


@lru_cache(maxsize=1)
def _engines():
    from capstone import CS_ARCH_X86, CS_MODE_64, Cs
    from keystone import KS_ARCH_X86, KS_MODE_64, Ks

    cs = Cs(CS_ARCH_X86, CS_MODE_64)
    cs.detail = True
    return Ks(KS_ARCH_X86, KS_MODE_64), cs


def _ks(text: str, addr: int) -> bytes:
    ks, _ = _engines()
    try:
        enc, _count = ks.asm(text, addr)
    except Exception as e:  # keystone raises KsError with a terse message
        raise AsmError(f"keystone cannot assemble {text!r}: {e}") from None
    if not enc:
        raise AsmError(f"keystone produced no bytes for {text!r}")
    return bytes(enc)


def _decode_values(insn) -> set[int]:
    from capstone.x86 import X86_OP_IMM, X86_OP_MEM

    vals: set[int] = set()
    for op in insn.operands:
        if op.type == X86_OP_IMM:
            vals.add(op.imm)
        elif op.type == X86_OP_MEM:
            vals.update({op.mem.disp, op.mem.scale})
    # capstone omits the implicit 1 of the one-bit shift forms (D0/D1) from the operands
    if insn.bytes[0] in (0xD0, 0xD1) or (len(insn.bytes) > 1 and insn.bytes[1] in (0xD0, 0xD1)):
        vals.add(1)
    return vals


def _rip_based(code: bytes, addr: int) -> bool:
    from capstone.x86 import X86_OP_MEM, X86_REG_RIP

    _, cs = _engines()
    return any(op.type == X86_OP_MEM and op.mem.base == X86_REG_RIP
               for insn in cs.disasm(code, addr) for op in insn.operands)


def _same(v: int, decoded: set[int]) -> bool:
    for bits in (8, 16, 32, 64):
        m = (1 << bits) - 1
        if any((v & m) == (d & m) and d.bit_length() <= bits + 1 for d in decoded):
            return True
    return v in decoded


def _check(source: str, code: bytes, addr: int, rip_target: int | None = None) -> str:
    _, cs = _engines()
    insns = list(cs.disasm(code, addr))
    if len(insns) != 1 or insns[0].size != len(code):
        raise AsmError(f"{source!r} did not assemble to exactly one instruction: {code.hex()}")
    insn = insns[0]
    decoded = _decode_values(insn)
    if rip_target is not None:
        from capstone.x86 import X86_OP_MEM, X86_REG_RIP
        mems = [op.mem for op in insn.operands if op.type == X86_OP_MEM]
        if not mems or mems[0].base != X86_REG_RIP or \
                insn.address + insn.size + mems[0].disp != rip_target:
            raise AsmError(f"{source!r}: rip-relative operand does not reach {rip_target:#x}")
    checked = re.sub(r"st\(\d\)", "st", RIP_DATA.sub("rip", source.lower()))
    for sign, num in _NUM.findall(checked):
        v = int(num, 0) * (-1 if sign else 1)
        if not _same(v, decoded) and not _same(-v, decoded):
            raise AsmError(f"{source!r}: keystone encoded {insn.mnemonic} {insn.op_str} "
                           f"({code.hex()}); the value {sign}{num} is lost (write it in hex?)")
    return f"{insn.mnemonic} {insn.op_str}".strip()


def assemble(case: Case, addr: int) -> tuple[bytes, list[str]]:
    """Machine code of the snippet placed at addr, and capstone's reading of each instruction."""
    out = b""
    seen: list[str] = []
    for text in case.instructions:
        here = addr + len(out)
        m = RIP_DATA.search(text.lower())
        if m:
            off = int(m.group(2), 0) if m.group(2) else 0
            target = DATA + (-off if m.group(1) == "-" else off)
            probe = _ks(RIP_DATA.sub("rip + 0x7ffffff0", text.lower()), here)
            disp = target - (here + len(probe))
            code = _ks(RIP_DATA.sub(f"rip {'-' if disp < 0 else '+'} {hex(abs(disp))}", text.lower()),
                       here)
            if len(code) != len(probe):
                raise AsmError(f"{text!r}: length changed while fixing the rip displacement")
        else:
            code, target = _ks(text, here), None
            if _ABSOLUTE.search(text.lower()) and _rip_based(code, here):
                code = _ks(_ABSOLUTE.sub(r"[\1+riz*1]", text.lower()), here)
        seen.append(_check(text, code, here, target))
        out += code
    return out, seen
