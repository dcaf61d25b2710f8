"""How much of the executable segments discovery explains: each byte is code (inside an
instruction of a discovered block), padding (runs of zero bytes, int3 or nop forms between
functions), or data (anything else: tables, strings, or code nobody reaches)."""
from __future__ import annotations

import capstone

from translator.cfg import CFG
from translator.image import Image

PADDING_MNEMONICS = {"nop", "int3"}


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _is_padding(md: capstone.Cs, data: bytes, addr: int) -> bool:
    if not data.strip(b"\x00") or not data.strip(b"\xcc"):
        return True
    used = 0
    for _, size, mnemonic, _ in md.disasm_lite(data, addr):
        if mnemonic not in PADDING_MNEMONICS:
            return False
        used += size
    return used == len(data)


def coverage(image: Image, cfg: CFG) -> dict[str, int]:
    """Bytes of the executable segments classified as code, padding and data."""
    code = _merge([(i.address, i.address + i.size) for f in cfg.functions.values()
                   for blk in f.blocks.values() for i in blk.insns])
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    out = {"code": 0, "padding": 0, "data": 0}
    for seg in image.segments:
        if not seg.executable:
            continue
        lo, hi = seg.vaddr, seg.vaddr + len(seg.data)
        pos = lo
        for a, b in code + [(hi, hi)]:
            a, b = max(a, lo), min(b, hi)
            if a < pos and b <= pos:
                continue
            if a > pos:
                gap = seg.data[pos - lo:a - lo]
                out["padding" if _is_padding(md, gap, pos) else "data"] += len(gap)
            if b > a:
                out["code"] += b - max(a, pos)
            pos = max(pos, b)
        out["padding"] += seg.memsz - len(seg.data)     # the zero fill past the file bytes
    return out
