"""The linkers translator/link.py falls back on: GNU ld links an x86-64 output when no lld is
installed (found on PATH here, as `ld`); with either linker, the output's symbol table names
each lifted function after its guest symbol, as a profiler reads it."""
from __future__ import annotations

import shutil

import pytest

from tests.util import build_tiny, run_program
from translator import link, pipeline


def _gnu_ld_only(monkeypatch):
    """Hide lld (on PATH and the ziglang package) from translator/link.py."""
    if shutil.which("ld") is None:
        pytest.skip("no GNU ld")
    which = shutil.which
    monkeypatch.setattr(link.shutil, "which", lambda name: None if name == "ld.lld" else which(name))
    monkeypatch.setattr(link.importlib.util, "find_spec", lambda name: None)


def test_gnu_ld_links_a_working_output(tmp_path, monkeypatch):
    _gnu_ld_only(monkeypatch)
    tiny = build_tiny(tmp_path / "tiny")
    out = tmp_path / "tiny.native"
    res = pipeline.translate(str(tiny), str(out), pipeline.Options(cache_dir=None, jobs=1))
    assert res.linker == "GNU ld"
    assert run_program([out]) == (b"tiny\n", b"", 7)


def _function_symbols(path):
    """{name: (binding, value, size)} of the file's FUNC symbols (lief's symbols live only
    as long as their binary)."""
    import lief
    binary = lief.ELF.parse(str(path))
    return {s.name: (s.binding, s.value, s.size) for s in binary.symtab_symbols
            if s.type == lief.ELF.Symbol.TYPE.FUNC}


@pytest.mark.parametrize("linker", ["default", "GNU ld"])
def test_profiler_names_a_function_after_its_guest_symbol(tmp_path, monkeypatch, linker):
    """A profiler names an address by its global symbol: the lifted _start is global under
    its guest name (with its size), its address alias fn_<address> is local."""
    if linker == "GNU ld":
        _gnu_ld_only(monkeypatch)
    tiny = build_tiny(tmp_path / "tiny")
    import lief
    entry = lief.ELF.parse(str(tiny)).entrypoint
    out = tmp_path / "tiny.native"
    pipeline.translate(str(tiny), str(out), pipeline.Options(cache_dir=None, jobs=1))
    syms = _function_symbols(out)
    named = [s for n, s in syms.items() if n.startswith("_start.")]
    assert len(named) == 1
    binding, value, size = named[0]
    assert binding == lief.ELF.Symbol.BINDING.GLOBAL and size > 0
    assert syms[f"fn_{entry:x}"] == (lief.ELF.Symbol.BINDING.LOCAL, value, 0)
