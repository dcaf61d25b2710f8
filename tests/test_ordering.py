"""The guest memory-ordering policy (translator/lift/ordering.py, ``--memory-order``): which
instructions carry fences, checked on the lifted IR of tests/inputs/ordering.c's probe()
and on the aarch64 code LLVM makes of it.  (Weak-memory reorderings cannot be observed under
qemu-user on an x86 machine, so the policy is tested by what it emits.)"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from runtime import backends
from translator import codegen
from translator.cfg import discover
from translator.image import load_image
from translator.lift.module import LiftOptions, lift_chunk
from tests.util import build_nolibc

SRC = Path(__file__).resolve().parent / "inputs" / "ordering.c"


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    native = build_nolibc(SRC, tmp_path_factory.mktemp("ordering") / "ordering")
    image = load_image(str(native))
    cfg = discover(image)
    (entry,) = [a for a, n in image.symbols.items() if n == "probe"]
    return cfg, entry


def _lift(probe, memory_order: str, target: str) -> str:
    cfg, entry = probe
    be = backends.get(target)
    lifted = lift_chunk(cfg, [entry], LiftOptions(x87=be.X87, memory_order=memory_order, host_tso=be.TSO))
    assert not lifted.report.unsupported
    return lifted.text


def _fences(text: str) -> dict[str, int]:
    found = re.findall(r"^\s*fence (acquire|release|seq_cst)\s*$", text, re.M)
    return {k: found.count(k) for k in ("acquire", "release", "seq_cst")}


# probe(): two shared reads (the load, the add's read), three shared writes (the store, the
# add's write, stosb); the stack, fs and lea lines need none; the locked add is an atomic
# and, on a host that is not TSO, a full barrier after it.
@pytest.mark.parametrize("target, want", [
    ("x86_64-linux", {"acquire": 2, "release": 3, "seq_cst": 0}),
    ("aarch64-linux", {"acquire": 2, "release": 3, "seq_cst": 1}),
])
def test_tso_fences(probe, target, want):
    text = _lift(probe, "tso", target)
    assert _fences(text) == want
    assert "cmpxchg" in text and "seq_cst" in text      # the locked add is atomic


@pytest.mark.parametrize("target", ["x86_64-linux", "aarch64-linux"])
def test_relaxed_has_no_fences(probe, target):
    text = _lift(probe, "relaxed", target)
    assert _fences(text) == {"acquire": 0, "release": 0, "seq_cst": 0}
    assert "cmpxchg" in text                             # locked instructions stay atomic


def test_aarch64_barriers(probe):
    """On aarch64 the fences become barriers: dmb ishld after each shared load, dmb ish before
    each shared store and after the locked add (LLVM merges that one with the release fence
    of the stosb right after it: three in all); none at all when relaxed."""
    be = backends.get("aarch64-linux")
    tm = codegen.target_machine(be.TRIPLE, 2, be.CPU, be.FEATURES)

    def asm(order):
        import llvmlite.binding as llvm
        mod = llvm.parse_assembly(codegen.no_builtins(_lift(probe, order, "aarch64-linux")))
        mod.triple, mod.data_layout = be.TRIPLE, str(tm.target_data)
        codegen.optimize(mod, tm, 2)
        return tm.emit_assembly(mod)

    tso = asm("tso")
    assert len(re.findall(r"\bdmb\s+ishld\b", tso)) == 2
    assert len(re.findall(r"\bdmb\s+ish\s*$", tso, re.M)) == 3
    assert not re.findall(r"\bdmb\b", asm("relaxed"))
