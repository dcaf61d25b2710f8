"""Per-instruction differential tests (see tests/isa/__init__.py and tests/isa/README.md).

test_isa[<category>-<form id>]              one item per instruction form (the text without
                                            whitespace: integer-adc_eax,ebx): all its inputs,
                                            native vs translated, undefined flags masked.
test_isa_native[<category>]                  the harness itself: the native program builds, runs,
                                            is deterministic, and a wrong result is caught.
test_isa_aarch64[<category>-<form id>-aarch64]  the same forms translated for the aarch64 Linux
                                            host and run under qemu-aarch64 (all categories but
                                            x87: see AARCH64_APART).

ELF2NATIVE_ISA_VIA=qemu-x86_64 runs the "translated" side under that emulator instead of the
translator (to check the harness itself). Each category is built once, run natively once, translated once and run translated once per
session (session-scoped cache). Under xdist use `--dist loadgroup` so a category stays on one
worker:  python -m pytest tests/test_isa.py -n 2 --dist loadgroup
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

try:
    from tests.isa import CATEGORIES
except ImportError:  # run as a rootdir-relative file without the repo root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.isa import CATEGORIES

from tests.isa.compare import bad_inputs, compare_form, differences, report
from tests.isa.harness import cases, missing_cpu_flags
from tests.isa.layout import FLAG_BITS
from tests.isa.runner import CategoryRun, native_run, on_aarch64, translated_run, via_emulator

VIA = os.environ.get("ELF2NATIVE_ISA_VIA")


QEMU_AARCH64 = shutil.which("qemu-aarch64")
# Categories not compared on the aarch64 host, and why.
AARCH64_APART = {
    "x87": "that host computes x87 arithmetic in 64-bit doubles (translator/semantics/x87_float.py), "
           "so 80-bit results differ by design; tests/test_aarch64.py states the approximation",
}


def _params(categories=CATEGORIES, suffix=""):
    for cat in categories:
        for i, c in enumerate(cases(cat)):
            yield pytest.param(cat, i, id=f"{cat}-{c.id}{suffix}",
                               marks=pytest.mark.xdist_group(f"isa-{cat}{suffix}"))


class _Runs:
    """Session cache: category -> CategoryRun, computed on first use."""

    def __init__(self, workdir: Path, helpers=(None, None), where=""):
        self.workdir = workdir
        self.helpers = helpers      # translate/run_program: another host's, or an emulator's (runner.py)
        self.where = where
        self.runs: dict[str, CategoryRun] = {}
        self.failures: dict[str, Exception] = {}

    def get(self, category: str) -> CategoryRun:
        _skip_without_cpu(category)
        if category in self.failures:
            raise self.failures[category]
        if category not in self.runs:
            try:
                built, run = native_run(category)
                translated_run(category, built, run, self.workdir / category, *self.helpers)
            except Exception as e:  # remembered so each form reports it without retrying
                self.failures[category] = e
                raise
            self.runs[category] = run
        return self.runs[category]

    def pytest_terminal_summary(self, terminalreporter):
        if not self.runs:
            return
        tr = terminalreporter
        tr.section("per-instruction differential tests")
        for cat, run in self.runs.items():
            t = run.timings
            tr.write_line(f"{cat}{self.where}: {run.compared} cases compared in {len(run.forms)} forms, "
                          f"{run.mismatched} differ, {len(run.errors)} forms without records; "
                          f"native build+run {t.get('native_build', 0) + t.get('native_run', 0):.1f}s, "
                          f"translate {t.get('translate', 0):.1f}s ({t.get('attempts', 0):.0f} attempts)")
        total = sum(r.compared for r in self.runs.values())
        tr.write_line(f"total{self.where}: {total} cases compared")


def _skip_without_cpu(category: str):
    missing = missing_cpu_flags(category)
    if missing:
        pytest.skip(f"this machine's CPU lacks {', '.join(missing)}: the {category} forms cannot "
                    "run natively here")


@pytest.fixture(scope="session")
def isa_runs(request, tmp_path_factory) -> _Runs:
    runs = _Runs(tmp_path_factory.mktemp("isa"), via_emulator(VIA) if VIA else (None, None))
    request.config.pluginmanager.register(runs, "elf2native-isa-summary")
    return runs  # stays registered: the summary hook runs after all fixtures are torn down


@pytest.fixture(scope="session")
def isa_runs_aarch64(request, tmp_path_factory) -> _Runs:
    if QEMU_AARCH64 is None:
        pytest.skip("qemu-aarch64 is not installed (apt install qemu-user)")
    runs = _Runs(tmp_path_factory.mktemp("isa-aarch64"), on_aarch64(QEMU_AARCH64), " (aarch64 host)")
    request.config.pluginmanager.register(runs, "elf2native-isa-aarch64-summary")
    return runs


@pytest.mark.parametrize("category,index", list(_params()))
def test_isa(isa_runs: _Runs, category: str, index: int, record_property):
    _compare(isa_runs, category, index, record_property)


@pytest.mark.parametrize("category,index", list(_params(
    [c for c in CATEGORIES if c not in AARCH64_APART], "-aarch64")))
def test_isa_aarch64(isa_runs_aarch64: _Runs, category: str, index: int, record_property):
    """The form translated for the aarch64 host, under qemu-aarch64, against the native run."""
    _compare(isa_runs_aarch64, category, index, record_property)


def _compare(runs: _Runs, category: str, index: int, record_property):
    run = runs.get(category)
    form = run.forms[index]
    if index in run.errors:
        pytest.fail(f"{form.id}: {run.errors[index]}", pytrace=False)
    bad = bad_inputs(form, run.native[index], run.translated[index])
    run.compared += len(form.inputs)
    run.mismatched += len(bad)
    record_property("isa_cases", len(form.inputs))
    if bad:
        pytest.fail("\n".join(report(form, bad)), pytrace=False)


@pytest.mark.parametrize("category", CATEGORIES)
def test_isa_native(category: str):
    """The native side alone: builds, runs, same records twice, and a wrong result is caught."""
    from tests.isa.harness import run_native

    _skip_without_cpu(category)
    built, first = native_run(category)
    assert set(first.native) == {f.index for f in built.forms}
    second = run_native(built).records
    for f in built.forms:
        assert len(first.native[f.index]) == len(f.inputs) >= 16, f.id
        for k, (a, b) in enumerate(zip(first.native[f.index], second[f.index])):
            assert a.pack() == b.pack(), f"{f.id}: input #{k} gave different records in two runs"
        assert compare_form(f, first.native[f.index], second[f.index]) == []

    # A deliberately wrong "translated" result must be reported, and only where it is wrong.
    f = built.forms[0]
    native = first.native[f.index]
    wrong = [r.copy() for r in native]
    wrong[3].gpr[5] ^= 1 << 40                 # rbp
    wrong[5].xmm[7] = bytes(16)
    wrong[5].mem[0x45] ^= 0xFF
    wrong[7].rflags ^= 1 << FLAG_BITS["df"]
    report = "\n".join(compare_form(f, native, wrong))
    assert "3 of 24" in report and "rbp: native" in report and "input #3" in report, report
    d5 = differences(f, f.inputs[5], native[5], wrong[5])
    if native[5].xmm[7] != bytes(16):
        assert any(line.startswith("xmm7:") for line in d5), d5
    assert any(line.startswith("mem[DATA+0x5..DATA+0x5]") for line in d5), d5
    assert any("DF" in line for line in differences(f, f.inputs[7], native[7], wrong[7]))
