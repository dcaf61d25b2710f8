"""ELF2NATIVE_STRACE=1 and the warnings for denied and unknown system calls
(runtime/strace.py), on tests/inputs/strace_probe.c: a libc-free program whose calls, and so
whose strace lines, are known from its source."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.util import ROOT, nolibc_probe, run_program

PROBE_SRC = ROOT / "tests" / "inputs" / "strace_probe.c"
STDIN = b"hello\n"

PTRACE_WARNING = ("elf2native: warning: system call ptrace (101) is denied with EPERM: "
                  "the translated process is not the native one")
UNKNOWN_WARNING = "elf2native: warning: unknown system call 1000 answered ENOSYS"


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> tuple[Path, Path]:
    return nolibc_probe(tmp_path_factory, PROBE_SRC)


def _run(exe, **env):
    return run_program([exe], stdin=STDIN, env={**os.environ, **env})


def test_without_strace_only_denied_and_unknown_calls_warn_once(probe):
    native, translated = probe
    n_out, _, n_rc = _run(native)
    out, err, rc = _run(translated)
    assert (out, rc) == (n_out, n_rc) == (out, 7)
    lines = err.decode().splitlines()
    assert len(lines) == 2, lines           # ptrace is made twice, warned about once
    assert lines[0].startswith(PTRACE_WARNING)
    assert lines[1] == UNKNOWN_WARNING


@pytest.mark.parametrize("value", ["", "0"])
def test_strace_off_values(probe, value):
    _, translated = probe
    _, err, _ = _run(translated, ELF2NATIVE_STRACE=value)
    assert len(err.decode().splitlines()) == 2


def test_strace_prints_every_call(probe):
    native, translated = probe
    n_out, _, _ = _run(native)
    out, err, rc = _run(translated, ELF2NATIVE_STRACE="1")
    assert (out, rc) == (n_out, 7)          # tracing changes nothing the program does
    lines = err.decode().splitlines()
    expected = [
        r'write(1, "tab\there \"q\" \\ \001 end\n", 21) = 21',
        r'openat(AT_FDCWD, "/nonexistent/strace-probe", 0x0, 00) = -1 ENOENT (No such file or directory)',
        # strings and buffers show 32 bytes, then "..."
        r'write(1, "0123456789abcdefghijklmnopqrstuv"..., 37) = 37',
        # a buffer the call fills is shown after it, as much as it got
        r'read(0, "hello\n", 64) = 6',
        # a pointer that cannot be read is shown as the pointer, and the program goes on
        r'write(1, 0x10, 5) = -1 EFAULT (Bad address)',
        PTRACE_WARNING,
        'ptrace(0x0, 0, NULL, 0) = -1 EPERM (Operation not permitted)',
        'ptrace(0x0, 0, NULL, 0) = -1 EPERM (Operation not permitted)',
        UNKNOWN_WARNING,
        # a number with no table row: six words in hex
        'syscall_1000(0x0, 0x0, 0x0, 0x0, ',
        # a call that does not return is printed before it is made
        'exit_group(7) = ?',
    ]
    assert len(lines) == len(expected), "\n".join(lines)
    for got, want in zip(lines, expected):
        assert got.startswith(want), (got, want)
    assert re.fullmatch(r"syscall_1000\(0x0, 0x0, 0x0, 0x0, 0x[0-9a-f]+, 0x[0-9a-f]+\) = -1 ENOSYS \(Function not implemented\)",
                        lines[9]), lines[9]


def test_argument_kinds_from_signatures():
    from runtime import strace
    rows = {r.name: r for r in __import__("translator.docs", fromlist=["x"]).load_syscall_shims().load_table()}

    def kinds(name):
        p = rows[name].params
        return [strace.arg_kind(p, i)[0] for i in range(len(p))]
    K = strace
    assert kinds("read") == [K.K_SDEC32, K.K_BUF_OUT, K.K_UDEC64]
    assert kinds("write") == [K.K_SDEC32, K.K_BUF_IN, K.K_UDEC64]
    assert strace.arg_kind(rows["write"].params, 1) == (K.K_BUF_IN, 2)
    assert kinds("openat") == [K.K_DFD, K.K_STR, K.K_HEX, K.K_OCT]
    assert kinds("mmap") == [K.K_PTR, K.K_UDEC64, K.K_HEX, K.K_HEX, K.K_SDEC32, K.K_UDEC64]
    assert kinds("kill") == [K.K_SDEC32, K.K_SDEC32]


def test_errno_names_come_from_the_c_library():
    from runtime import strace
    names, msgs = strace.errno_names()
    assert (names[2], msgs[2]) == ("ENOENT", "No such file or directory")
    assert names[0] == "" and msgs[0] == ""
