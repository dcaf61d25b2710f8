"""The linkers translator/link.py falls back on: GNU ld links an x86-64 output when no lld is
installed (found on PATH here, as `ld`)."""
from __future__ import annotations

import shutil

import pytest

from tests.util import build_tiny, run_program
from translator import link, pipeline


def test_gnu_ld_links_a_working_output(tmp_path, monkeypatch):
    if shutil.which("ld") is None:
        pytest.skip("no GNU ld")
    which = shutil.which
    monkeypatch.setattr(link.shutil, "which", lambda name: None if name == "ld.lld" else which(name))
    monkeypatch.setattr(link.importlib.util, "find_spec", lambda name: None)
    tiny = build_tiny(tmp_path / "tiny")
    out = tmp_path / "tiny.native"
    res = pipeline.translate(str(tiny), str(out), pipeline.Options(cache_dir=None, jobs=1))
    assert res.linker == "GNU ld"
    assert run_program([out]) == (b"tiny\n", b"", 7)
