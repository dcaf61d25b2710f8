"""The x86-64 Windows host: programs of tests/programs/ translated with
``--target x86_64-windows`` into PE executables, run under Wine (wine64), must behave exactly
like the native Linux run (stdout, stderr, exit status, files written), as in
tests/test_programs.py.

The programs are built -static (dynamic programs are not served on this host yet); each is
a full translation with its libc, whose chunks the translation cache shares between them.
Wine runs with a prefix made once per test session (``WINEDEBUG=-all``), the guest's root
``/`` mapped to ``Z:\\`` (Wine's drive for the Unix root), so native and translated runs
see the same files; output is read through pipes, never a pty.  The translated program gets
the Linux path of the .exe as argv[0] (the provider maps the Windows path back), so the
native run is given the same argv[0].  Test IDs end in "-windows"; cases that do not pass
yet are in tests/known_failures.txt."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_programs import BY_NAME, describe_differences, native_binary, run_case
from tests.util import translate

WINE = shutil.which("wine64") or next((p for p in ("/usr/lib/wine/wine64",) if os.path.exists(p)), None)
TARGET = ("--target", "x86_64-windows")
pytestmark = pytest.mark.skipif(WINE is None, reason="wine64 is not installed (apt install wine64)")

# Every foundation program, then the file-syscall, time and thread programs.  Not listed
# yet: signal, which forks and does not finish under Wine (where it waits is not known yet:
# its output is buffered), and unistd and process (fork and exec are outside this host's
# scope).
FOUNDATION = ("hello", "args", "exitcode", "fileio", "malloc", "strings", "qsort", "switch", "recursion",
              "setjmp", "floats", "intmath", "structs", "funcptr", "wc", "getline", "format", "ctype",
              "timefmt", "hashtable", "crash")
PICO = ("stat", "time", "pthread", "atomics")
PROGRAMS = FOUNDATION + PICO
# Given to both runs: Wine reads the command line and environment in the locale's charset
# (under LANG=C it would drop the high bit of UTF-8 arguments)
SAME_ENV = {"LC_CTYPE": "C.UTF-8"}


@pytest.fixture(scope="session")
def wine_env(tmp_path_factory):
    """A Wine prefix for the session, shared by the xdist workers (made once, under a lock),
    with a wineserver that lives while a worker uses it: the last worker to finish stops it
    and Wine's services (a count of users in a file, under the same lock)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base     # this session's own
    prefix = shared / "wineprefix"
    users = shared / "wineprefix.users"
    env = {"WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "ELF2NATIVE_ROOT": "Z:\\", **SAME_ENV}
    quiet = {"env": {**os.environ, **env}, "stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    server = os.path.join(os.path.dirname(os.path.realpath(WINE)), "wineserver")

    def count(delta: int) -> int:
        n = int(users.read_text() or 0) if users.exists() else 0
        users.write_text(str(n + delta))
        return n + delta

    with open(shared / "wineprefix.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if count(+1) == 1:
            # A persistent wineserver, and Wine's services started by wineboot, both with no
            # pipe of a test: a service started by a test's run would hold that run's stdout
            # open, and reading it to the end would wait for the service.
            subprocess.Popen([server, "-p"], **quiet)
            subprocess.run([WINE, "wineboot", "--init"], timeout=300, check=False, **quiet)
    try:
        if not (prefix / "drive_c").is_dir():
            pytest.fail("wineboot made no Wine prefix", pytrace=False)
        yield env
    finally:
        with open(shared / "wineprefix.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if count(-1) == 0:
                subprocess.run([server, "-k"], timeout=60, check=False, **quiet)


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """name -> (native, translated .exe or the failed translation's stderr), translated once."""
    cache = {}

    def get(name):
        if name not in cache:
            native = native_binary(BY_NAME[name], "O2")
            out = tmp_path_factory.mktemp(name) / f"{name}.exe"
            r = translate(native, out, *TARGET, *BY_NAME[name].options)
            cache[name] = (native, out if r.returncode == 0 else r.stderr[-3000:])
        return cache[name]
    return get


@pytest.mark.parametrize("name", [pytest.param(n, id=f"{n}-windows") for n in PROGRAMS])
def test_program_windows(name: str, translated, wine_env, tmp_path: Path):
    prog = BY_NAME[name]
    native, out = translated(name)
    if not isinstance(out, Path):
        pytest.fail(f"translation for Windows failed:\n{out}", pytrace=False)
    home = tmp_path / "home"
    home.mkdir()
    failures = []
    for i, case in enumerate(prog.cases):
        want = run_case(native, prog, case, tmp_path / f"case{i}" / "native", home, timeout=60, argv0=str(out),
                        env=SAME_ENV)
        got = run_case(out, prog, case, tmp_path / f"case{i}" / "windows", home, timeout=prog.timeout,
                       launcher=(WINE, "--"), env=wine_env)
        if want["exit status"] < 0:     # killed by signal N: the Windows process exits 128 + N
            want["exit status"] = 128 - want["exit status"]
        diff = describe_differences(want, got)
        if diff:
            failures.append(f"--- case {i}: argv {[prog.name, *case.args]}\n{diff}")
    if failures:
        pytest.fail("Windows run differs from the native Linux run:\n" + "\n".join(failures), pytrace=False)


def test_pe_format(translated, wine_env):
    """A PE32+ console executable importing kernel32 and kernelbase only, whose .arena section covers the
    guest's range (translator/link_pe.py), and which Wine maps there (it runs)."""
    from translator.link_pe import image_sections
    native, out = translated("hello")
    assert isinstance(out, Path), out
    data = out.read_bytes()
    assert data[:2] == b"MZ"
    pe = int.from_bytes(data[0x3C:0x40], "little")
    assert data[pe:pe + 4] == b"PE\0\0" and int.from_bytes(data[pe + 4:pe + 6], "little") == 0x8664
    assert int.from_bytes(data[pe + 24:pe + 26], "little") == 0x20B, "not PE32+"
    assert int.from_bytes(data[pe + 24 + 68:pe + 24 + 70], "little") == 3, "not a console program"
    sections = image_sections(data)
    start, size = sections[".arena"]
    assert start <= 0x400000 < start + size
    dlls = {s.lower() for s in __import__("re").findall(rb"[A-Za-z0-9_]+\.dll", data)}
    assert dlls == {b"kernel32.dll", b"kernelbase.dll"}, dlls
