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
native run is given the same argv[0].  Files written are compared by kind and contents, and
of their modes by what Windows keeps: the owner's write bit (the read-only attribute; the
provider keeps whole modes only for the life of the process, as the table says).  Test IDs
end in "-windows"; cases that do not pass yet are in tests/known_failures.txt."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from tests.test_programs import BY_NAME, describe_differences, native_binary, run_case, snapshot
from tests.util import translate

WINE = shutil.which("wine64") or next((p for p in ("/usr/lib/wine/wine64",) if os.path.exists(p)), None)
TARGET = ("--target", "x86_64-windows")
pytestmark = pytest.mark.skipif(WINE is None, reason="wine64 is not installed (apt install wine64)")

# Every foundation program, then the file-syscall, time, thread and signal programs; signal
# without its parts that fork (NO_FORK), and not process, which forks and execs (both outside
# this host's scope).
FOUNDATION = ("hello", "args", "exitcode", "fileio", "malloc", "strings", "qsort", "switch", "recursion",
              "setjmp", "floats", "intmath", "structs", "funcptr", "wc", "getline", "format", "ctype",
              "timefmt", "hashtable", "crash")
PICO = ("stat", "unistd", "time", "pthread", "atomics", "signal")
PROGRAMS = FOUNDATION + PICO
# Given to both runs: Wine reads the command line and environment in the locale's charset
# (under LANG=C it would drop the high bit of UTF-8 arguments); NO_FORK: programs leave out
# what needs a child process
SAME_ENV = {"LC_CTYPE": "C.UTF-8", "NO_FORK": "1"}


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
        want["files"], got["files"] = windows_modes(want["files"]), windows_modes(got["files"])
        diff = describe_differences(want, got)
        if diff:
            failures.append(f"--- case {i}: argv {[prog.name, *case.args]}\n{diff}")
    if failures:
        pytest.fail("Windows run differs from the native Linux run:\n" + "\n".join(failures), pytrace=False)


def windows_modes(files: dict[str, tuple]) -> dict[str, tuple]:
    """A snapshot (tests/test_programs.py) with each mode cut to what Windows keeps of it."""
    return {rel: (kind, mode & stat.S_IWUSR, data) for rel, (kind, mode, data) in files.items()}


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


# Debian's busybox-static for Windows: the applets that need no fork (tests/test_busybox.py's
# cases of the same names, and gzip -c), each compared with the native busybox.  The output
# is named "busybox" (Wine runs a PE file by any name): busybox finds its applet by argv[0],
# which the provider makes the executable's own path.
BUSYBOX_CASES = ("sort", "sort-numeric", "sort-key", "sha256sum", "md5sum", "wc", "sed-subst", "sed-range",
                 "awk-sum", "awk-printf", "awk-math", "grep-plain", "grep-extended", "cut-fields", "tr-upper",
                 "od-hex", "base64", "gzip-c", "seq", "seq-step", "expr-arith", "expr-match", "printf", "date-epoch")


@pytest.fixture(scope="module")
def busybox_exe(tmp_path_factory):
    from tests.test_busybox import BUSYBOX
    out = tmp_path_factory.mktemp("busybox-windows") / "busybox"
    r = translate(BUSYBOX, out, *TARGET)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


@pytest.mark.xdist_group("busybox")     # after (or before) the Linux translation, whose lifted code it shares
@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c}-windows") for c in BUSYBOX_CASES])
def test_busybox_windows(case, busybox_exe, wine_env, tmp_path):
    from tests.test_busybox import BUSYBOX, CASES, populate
    from tests.util import run_program
    argv, stdin = (["gzip", "-9", "-c", "bin.dat"], "") if case == "gzip-c" else CASES[case]
    # HOME outside the compared tree: Wine writes its XDG directories (.config, .local) there
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "ONLY_HERE": "yes", "HOME": str(home)}
    results = []
    for who in ("native", "windows"):
        d = tmp_path / who / "work"
        d.mkdir(parents=True)
        populate(d)
        if who == "native":
            run = run_program([str(busybox_exe), *argv], stdin=stdin.encode(), cwd=d, env=env, timeout=60,
                              executable=BUSYBOX)
        else:
            run = run_program([WINE, busybox_exe, *argv], stdin=stdin.encode(), cwd=d, env={**env, **wine_env},
                              timeout=120)
        out, err, rc = run
        results.append((out.replace(str(d).encode(), b"<dir>"), err.replace(str(d).encode(), b"<dir>"), rc,
                        windows_modes(snapshot(d))))
    (n_out, n_err, n_rc, n_files), (t_out, t_err, t_rc, t_files) = results
    assert (t_rc, t_out, t_err) == (n_rc, n_out, n_err)
    assert t_files == n_files


def _run_signalled(argv: list, env: dict, sig: int = signal.SIGINT) -> tuple[bytes, int]:
    """Run tests/inputs/console_signal.c's program; at each "ready" line send it sig (as a
    terminal's Ctrl-C does); its whole output and exit status (a death by signal N as 128+N)."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    out = b""
    try:
        for line in iter(proc.stdout.readline, b""):
            out += line
            if line.startswith(b"ready"):
                proc.send_signal(sig)
        rc = proc.wait(timeout=60)
    finally:
        proc.kill()
    return out, 128 - rc if rc < 0 else rc


def test_ctrl_c_is_sigint(wine_env, tmp_path):
    """Ctrl-C reaches the translated program as SIGINT: Wine turns a SIGINT of its process into
    the console's CTRL_C_EVENT, which the provider's console handler sends on as SIGINT (a
    handler runs; with the default action the process ends as one killed by SIGINT)."""
    from tests.util import build_c
    native = build_c(Path(__file__).parent / "inputs" / "console_signal.c", tmp_path / "console_signal")
    exe = tmp_path / "console_signal.exe"
    r = translate(native, exe, *TARGET)
    assert r.returncode == 0, r.stderr[-3000:]
    want = _run_signalled([str(native)], {**os.environ, **SAME_ENV})
    got = _run_signalled([WINE, str(exe)], {**os.environ, **wine_env})
    assert want == (b"ready\nhandled signal 2\nready again\n", 130)
    assert got == want
