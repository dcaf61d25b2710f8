"""The callee-saved register summaries (translator/preserved.py) of hand-written functions,
and a program that keeps rbx and r12 across calls of each, run natively and translated."""
from __future__ import annotations

from pathlib import Path

import pytest

from translator.cfg import discover
from translator.image import load_image
from translator.preserved import ALL
from tests.util import build_nolibc, same_as_native

SRC = Path(__file__).resolve().parent / "inputs" / "preserved.S"

EXPECTED = {
    "saves": ALL,
    "clobbers_rbx": ALL - {"rbx"},
    "shrink_wrapped": ALL,
    "frame": ALL,
    "leaves": ALL - {"rbx"},
    "recursive": ALL,
    "calls_syscall": ALL,
    "indirect": frozenset({"rbx"}),
    "tail_to_clobber": ALL - {"rbx"},
    "tail_to_saves": ALL,
    "overwrites_slot": ALL - {"rbx"},
    "unbalanced": frozenset(),
    "writers": ALL - {"rbx", "r13", "r14"},
}


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    return build_nolibc(SRC, tmp_path_factory.mktemp("preserved") / "preserved")


def test_summaries(native):
    image = load_image(str(native))
    by_name = {name: a for a, name in image.symbols.items()}
    cfg = discover(image)
    got = {name: cfg.preserved[by_name[name]] for name in EXPECTED}
    assert got == EXPECTED


def test_kept_across_calls(native, tmp_path):
    got = same_as_native(native, tmp_path, "preserved")
    assert got[2] == 37, got
