"""ELF2NATIVE_TRACE=1 (runtime/crashtrace.py): a guest that dies of a signal says where, on
tests/inputs/crash_probe.c, a libc-free program whose addresses are read from its own symbols
and disassembly."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.util import ROOT, nolibc_probe, run_program

PROBE_SRC = ROOT / "tests" / "inputs" / "crash_probe.c"
HEX = r"0x[0-9a-f]+"


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> tuple[Path, Path]:
    return nolibc_probe(tmp_path_factory, PROBE_SRC)


def _run(exe, how, trace=True):
    env = {**os.environ, "ELF2NATIVE_TRACE": "1" if trace else "0"}
    return run_program([exe], stdin=how, env=env)


def _ud2_address(native: Path) -> int:
    dis = subprocess.run(["objdump", "-d", str(native)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^\s*([0-9a-f]+):\s+0f 0b\s+ud2", dis, re.M).group(1), 16)


@pytest.mark.parametrize("how, sig", [(b"s", -11), (b"i", -4), (b"a", -6)])
def test_without_trace_nothing_is_added(probe, how, sig):
    native, translated = probe
    assert _run(native, how) == _run(translated, how, trace=False) == (b"", b"", sig)


def test_segv_names_the_function_and_the_fault_address(probe):
    _, translated = probe
    out, err, rc = _run(translated, b"s")
    assert rc == -11
    assert re.fullmatch(rf"elf2native: SIGSEGV \(fault address 0x10\) in guest function {HEX} "
                        rf"\((fault_here|_start)\+0x0\); last guest pc recorded {HEX} \(_start\+{HEX}\)\n",
                        err.decode()), err


def test_a_trap_gives_its_exact_guest_pc(probe):
    native, translated = probe
    _, err, rc = _run(translated, b"i")
    assert rc == -4
    ud2 = _ud2_address(native)
    assert re.fullmatch(rf"elf2native: SIGILL at guest pc {ud2:#x} \(_start(\.cold)?\+{HEX}\)\n", err.decode()), err


def test_a_signal_from_a_system_call(probe):
    _, translated = probe
    _, err, rc = _run(translated, b"a")
    assert rc == -6
    assert re.fullmatch(rf"elf2native: SIGABRT; last guest pc recorded {HEX} \(_start\+{HEX}\)\n", err.decode()), err


def test_the_guest_still_sees_sig_dfl(probe):
    native, translated = probe
    assert _run(native, b"q") == _run(translated, b"q") == (b"dfl\n", b"", 0)
