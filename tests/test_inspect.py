"""`elf2native inspect`: what the translator sees, checked against the ELF itself (lief, objdump's
view of the symbols) and against the rule that reachable code under the CPUID baseline has no
unsupported instruction: for a test program and for Debian's busybox-static."""
import json
import os
import subprocess
import sys
from pathlib import Path

import lief
import pytest

from tests.test_programs import BY_NAME, native_binary
from translator.errors import EXIT_BAD_INPUT

CLI = [sys.executable, "-m", "translator", "inspect"]
BUSYBOX = Path("/bin/busybox")


def inspect(path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, str(path), *extra], capture_output=True, text=True, timeout=900)


def test_inspect_json_matches_the_elf():
    binary = native_binary(BY_NAME["switch"], "O2")
    r = inspect(binary, "--json", "--functions")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    elf = lief.ELF.parse(str(binary))
    assert got["kind"] == "static"
    assert int(got["entry"], 16) == elf.entrypoint
    loads = [s for s in elf.segments if s.type == lief.ELF.Segment.TYPE.LOAD]
    assert [int(s["vaddr"], 16) for s in got["segments"]] == [s.virtual_address for s in loads]
    assert [s["memsz"] for s in got["segments"]] == [s.virtual_size for s in loads]
    # main is found as a function, under its own name
    found = {int(f["entry"], 16): f["name"] for f in got["function_list"]}
    main = [s.value for s in elf.symbols if s.name == "main"]
    assert len(main) == 1 and found[main[0]] == "main"
    assert got["functions"] == len(got["function_list"])
    assert got["jump_tables"] >= 1      # switch.c is made of switch statements
    assert got["unsupported"] == {}
    assert got["supported"] + sum(got["beyond_baseline"].values()) == got["instructions"]


def test_inspect_text_names_the_counts():
    binary = native_binary(BY_NAME["hello"], "O2-stripped")
    r = inspect(binary)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{binary}: static x86-64 executable")
    assert "(stripped)" in r.stdout
    assert "unsupported (reachable under the x86-64-v2 baseline): 0" in r.stdout


def test_inspect_bad_input(tmp_path):
    p = tmp_path / "not-elf"
    p.write_text("#!/bin/sh\n")
    r = inspect(p)
    assert r.returncode == EXIT_BAD_INPUT
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"elf2native: {p}: not an ELF file"), r.stderr


@pytest.mark.skipif(not BUSYBOX.exists() and not os.environ.get("CI"),
                    reason="busybox-static is not installed (scripts/setup-and-test.sh installs it)")
def test_busybox_has_no_unsupported_instruction():
    assert BUSYBOX.exists(), "busybox-static is not installed"
    r = inspect(BUSYBOX, "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["unsupported"] == {}, got["unsupported"]
    assert got["functions"] > 1000
    # every byte of the executable segments is classified, and discovery explains nearly all
    cov = got["coverage"]
    exec_bytes = sum(s["memsz"] for s in got["segments"] if s["flags"].endswith("x"))
    assert sum(cov.values()) == exec_bytes
    assert cov["code"] / exec_bytes > 0.9, cov
    print(f"busybox: {got['supported']} of {got['instructions']} instructions supported "
          f"({100 * got['supported_share']:.2f}%), beyond the baseline: {got['beyond_baseline']}; "
          f"executable bytes: {cov}")


def test_inspect_lists_the_module_set_with_dlopen_libraries(tmp_path):
    """A dynamic program: its module set, as ld.so resolves it, plus what --with adds."""
    binary = native_binary(BY_NAME["hello"], "O2-dynamic")
    src = tmp_path / "plugin.c"
    src.write_text("int plugin_answer(void) { return 42; }\n")
    lib = tmp_path / "libplugin.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-Wl,-soname,libplugin.so.1", "-o", lib, src], check=True)
    r = inspect(binary, "--json", "--with", lib)
    assert r.returncode == 0, r.stderr
    mods = json.loads(r.stdout)["modules"]
    kinds = [m["kind"] for m in mods]
    assert kinds[0] == "program" and "interpreter" in kinds, kinds
    sonames = {m["soname"] for m in mods}
    assert {"libc.so.6", "libplugin.so.1"} <= sonames, sonames
    plugin = next(m for m in mods if m["soname"] == "libplugin.so.1")
    assert plugin["size"] == lib.stat().st_size and len(plugin["sha256"]) == 64
    r = inspect(binary, "--with", tmp_path / "missing.so")
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert str(tmp_path / "missing.so") in r.stderr
