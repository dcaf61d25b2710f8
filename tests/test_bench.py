"""Smoke test of the benchmark harness (benchmarks are not tests: this only checks that the
harness runs, compares outputs and reports what it measured), on one tiny program, one run."""
import json
import os
import subprocess
import sys

from tests.util import ROOT, build_tiny
from translator.bench import _describe, find_qemu
from translator.bench_suite import read_suite, source


def test_bench_one_tiny_program(tmp_path):
    tiny = build_tiny(tmp_path / "tiny")
    env = dict(os.environ, PYTHONPATH=str(ROOT), ELF2NATIVE_CACHE_DIR=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "translator", "bench", str(tiny), "--runs", "1", "--json"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert len(got["native"]["times"]) == len(got["translated"]["times"]) == 1
    assert got["translated"]["mismatch"] is None       # same stdout, stderr and exit status (7)
    assert got["native"]["peak_rss_kb"] > 0 and got["translated"]["peak_rss_kb"] > 0
    assert got["translated/native"] > 0
    if find_qemu():
        assert got["emulated"]["mismatch"] is None and got["emulated/translated"] > 0
    else:
        assert got["emulated"]["times"] == [] and "qemu-x86_64 not found" in r.stderr


def test_a_mismatch_is_described():
    assert _describe((b"a", b"", 0), (b"a", b"", 0)) is None
    assert _describe((b"a", b"", 0), (b"b", b"", 0)) == "stdout differ"
    assert "exit status 0 native, 1 here" in _describe((b"a", b"", 0), (b"a", b"", 1))


def test_suite_lists_programs_that_exist():
    suite_dir = ROOT / "benchmarks"
    suite = read_suite(suite_dir)
    assert len(suite) >= 10
    for name, libs, args in suite:
        assert source(suite_dir, name).exists(), name
