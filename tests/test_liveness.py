"""Flag liveness (translator/lift/liveness.py): which flags an instruction surely writes.
A shift or rotate by an immediate count that is not zero once masked writes its flags (the
flags computed before it are dead); by cl, or by a count that masks to zero, it may leave
them as they were."""
from __future__ import annotations

import pytest
from capstone import CS_ARCH_X86, CS_MODE_64, Cs

from translator.lift.liveness import effects

_MD = Cs(CS_ARCH_X86, CS_MODE_64)
_MD.detail = True

ROT = frozenset(("cf", "of"))
SHIFT = frozenset(("cf", "of", "sf", "zf", "pf", "af"))


def _insn(code: str):
    return next(_MD.disasm(bytes.fromhex(code), 0x1000))


@pytest.mark.parametrize("code, text, reads, writes", [
    ("66c1c008", "rol ax, 8", set(), ROT),
    ("c1c803", "ror eax, 3", set(), ROT),
    ("d1c0", "rol eax, 1", set(), ROT),
    ("c1e005", "shl eax, 5", set(), SHIFT),
    ("48c1e020", "shl rax, 0x20", set(), SHIFT),        # 6-bit mask for 64-bit operands
    ("0fa4c203", "shld edx, eax, 3", set(), SHIFT),
    ("c1d003", "rcl eax, 3", {"cf"}, ROT),
])
def test_immediate_count_writes_flags(code, text, reads, writes):
    i = _insn(code)
    assert f"{i.mnemonic} {i.op_str}" == text
    assert effects(i, True) == (frozenset(reads), writes)


@pytest.mark.parametrize("code, text", [
    ("d3e0", "shl eax, cl"),
    ("66d3c0", "rol ax, cl"),
    ("c1e020", "shl eax, 0x20"),                        # masks to 0: flags unchanged
    ("c1c000", "rol eax, 0"),
])
def test_count_that_may_be_zero_keeps_flags_live(code, text):
    i = _insn(code)
    assert f"{i.mnemonic} {i.op_str}" == text
    reads, writes = effects(i, True)
    assert writes == frozenset()
    assert ROT <= reads
