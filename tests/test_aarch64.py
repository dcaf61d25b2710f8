"""The aarch64 Linux host: programs of tests/programs/ translated with
``--target aarch64-linux`` run under qemu-aarch64 and must behave exactly like the native
x86-64 run (stdout, stderr, exit status, files written), as in tests/test_programs.py; and
the x87 64-bit approximation of this host (translator/semantics/x87_float.py), stated by
tests/inputs/longdouble.c.

Each program is translated once per module (O2, through the translation cache); test IDs
end in "-aarch64".  Cases that do not pass yet are listed in tests/known_failures.txt."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.test_programs import BY_NAME, describe_differences, native_binary, run_case
from tests.test_dynamic import check_lister
from tests.util import build_c, build_tiny, run_program, translate

QEMU = shutil.which("qemu-aarch64")
TARGET = ("--target", "aarch64-linux")
pytestmark = pytest.mark.skipif(QEMU is None, reason="qemu-aarch64 is not installed (apt install qemu-user)")

# Every foundation program (libc only: stdio, files, directories, argv, exit status, malloc,
# strings, qsort, jump tables, setjmp, floats, ...), then the file-syscall, signal and thread
# programs, at O2, built as gcc builds by default (dynamic, PIE: the guest's ld.so and libc.so.6
# are compiled for this host once per cache, then each program is its own code); and STATIC
# of them also built -static, each a full translation with its libc (about 60 s of CPU).
# Not listed: process, for qemu-user's limits (it runs vfork as fork, so the parent does not see
# the child's write, and execve of an aarch64 program needs binfmt_misc on an x86 machine), and
# mman (MAP_FIXED_NOREPLACE over a mapping does not answer EEXIST under qemu-aarch64; not yet
# known whether qemu-user or this host's path is at fault).
FOUNDATION = ("hello", "args", "exitcode", "fileio", "malloc", "strings", "qsort", "switch", "recursion",
              "setjmp", "floats", "intmath", "structs", "funcptr", "wc", "getline", "format", "ctype",
              "timefmt", "hashtable", "crash")
PICO = ("unistd", "stat", "signal", "pthread", "atomics")
STATIC = ("hello", "setjmp", "floats", "crash", "signal", "pthread", "atomics")
# (signal, translated with --signal-polls, static only: dynamic, it would compile libc again)
VARIANTS = {"O2": STATIC, "O2-dynamic": tuple(n for n in FOUNDATION + PICO if n != "signal")}
# Programs that print long doubles: on this host those are the x87 64-bit approximation's
# (translator/semantics/x87_float.py), so the reference is the native build with
# -DLONG_DOUBLE_AS_DOUBLE, where each long double printed is first rounded to double.
AS_DOUBLE = {"floats"}
LONG_DOUBLE_SRC = Path(__file__).resolve().parent / "inputs" / "longdouble.c"


def _launcher() -> tuple[str, ...]:
    return (QEMU, "-0")


def _without_qemu_report(run: dict) -> dict:
    """qemu-user reports each guest process killed by a signal on stderr ("qemu: uncaught
    target signal 11 (Segmentation fault) - core dumped"; a forked child's too): the
    emulator's lines, not the program's, so they are dropped (the exit status still says
    how the main process ended)."""
    err = re.sub(rb"(?m)^qemu: uncaught target signal \d+ \([^)\n]*\)( - core dumped)?\n", b"", run["stderr"])
    return {**run, "stderr": err}


def test_tiny_aarch64(tmp_path: Path):
    """A libc-free program: the runtime, loader and raw system calls on this host."""
    native = build_tiny(tmp_path / "tiny")
    out = tmp_path / "tiny.arm64"
    r = translate(native, out, *TARGET)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[18:20] == (183).to_bytes(2, "little"), "not an aarch64 ELF (e_machine)"
    want = run_program(["tiny"], executable=native)
    got = run_program([QEMU, "-0", "tiny", out])
    assert got == want


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """(name, variant) -> (native, translated or the failed translation's stderr), translated once."""
    cache = {}

    def get(name, variant):
        if (name, variant) not in cache:
            native = native_binary(BY_NAME[name], variant)
            out = tmp_path_factory.mktemp(name) / f"{name}.arm64"
            r = translate(native, out, *TARGET, *BY_NAME[name].options)
            cache[name, variant] = (native, out if r.returncode == 0 else r.stderr[-3000:])
        return cache[name, variant]
    return get


# the dynamic builds on one worker, one after the other: the first compiles ld.so and libc
@pytest.mark.parametrize("name,variant", [
    pytest.param(n, v, id=f"{n}-{v}-aarch64",
                 marks=[pytest.mark.xdist_group("aarch64-dynamic")] if v.endswith("dynamic") else [])
    for v, names in VARIANTS.items() for n in names])
def test_program_aarch64(name: str, variant: str, translated, tmp_path: Path):
    prog = BY_NAME[name]
    native, out = translated(name, variant)
    if not isinstance(out, Path):
        pytest.fail(f"translation for aarch64 failed:\n{out}", pytrace=False)
    home = tmp_path / "home"
    home.mkdir()
    failures = []
    reference = native_binary(prog, "O2-ld64") if name in AS_DOUBLE else native
    for i, case in enumerate(prog.cases):
        want = run_case(reference, prog, case, tmp_path / f"case{i}" / "native", home, timeout=60)
        got = _without_qemu_report(run_case(out, prog, case, tmp_path / f"case{i}" / "aarch64", home,
                                            timeout=prog.timeout, launcher=_launcher()))
        diff = describe_differences(want, got)
        if diff:
            failures.append(f"--- case {i}: argv {[prog.name, *case.args]}\n{diff}")
    if failures:
        pytest.fail("aarch64 run differs from the native x86-64 run:\n" + "\n".join(failures), pytrace=False)


@pytest.mark.xdist_group("aarch64-dynamic")
def test_plugins_listed_aarch64(tmp_path: Path):
    """Plugins found by listing their directory (tests/test_dynamic.py check_lister), on
    this host, whose file system has no x86-64 libraries: as a translated Python finds its
    extension modules in lib-dynload."""
    check_lister(tmp_path, *TARGET, launcher=(QEMU,))


def test_host_table_aarch64():
    """Every passthrough guest call has a row in syscall-shims/aarch64.tbl, and the rows'
    expressions build valid IR: numbers where aarch64 has the call, expressions where not."""
    import llvmlite.binding as llvm

    import syscall_shims
    from runtime import backends, hostcalls
    from runtime.irkit import RuntimeModule
    rm = RuntimeModule("host_table", backends.get("aarch64-linux"))
    table = syscall_shims.load_table()
    routes = hostcalls.routes(rm, table)
    nr = {r.name: r.nr for r in table}
    assert routes[nr["read"]] == ("pass", 63)
    assert routes[nr["openat"]][0] == "shim" and routes[nr["open"]][0] == "shim"
    assert routes[nr["stat"]][0] == "shim" and routes[nr["fork"]][0] == "shim"
    for name in ("getdents", "utime", "utimes", "futimesat"):     # through newer calls
        assert routes[nr[name]][0] == "shim", name
    assert routes[nr["ustat"]] == ("absent", None)
    llvm.parse_assembly(rm.text()).verify()


@pytest.fixture(scope="module")
def long_double(tmp_path_factory):
    """tests/inputs/longdouble.c built natively with long double (80-bit) and with
    -DAS_DOUBLE (every long double a double), and the first translated for aarch64."""
    d = tmp_path_factory.mktemp("longdouble")
    ld80 = build_c(LONG_DOUBLE_SRC, d / "longdouble")
    ld64 = build_c(LONG_DOUBLE_SRC, d / "longdouble-as-double", ("-O2", "-static", "-DAS_DOUBLE"))
    out = d / "longdouble.arm64"
    r = translate(ld80, out, *TARGET)
    assert r.returncode == 0, r.stderr[-3000:]
    return ld80, ld64, out


def test_long_double_is_double_aarch64(long_double):
    """The approximation, stated: x87 registers are doubles on this host, so long double
    arithmetic gives what the same program computes with double (its native -DAS_DOUBLE
    build), not the native 80-bit results, from which it must differ."""
    ld80, ld64, out = long_double
    want80 = run_program(["longdouble", "real"], executable=ld80)
    want64 = run_program(["longdouble", "real"], executable=ld64)
    assert want80[2] == want64[2] == 0
    assert want80[0] != want64[0], "the program no longer tells 80-bit from 64-bit long double"
    got = run_program([QEMU, "-0", "longdouble", out, "real"])
    assert got == want64


def test_printf_strtod_exact_aarch64(long_double):
    """printf's %f %e %g %a and strtod/strtof of doubles (glibc's code reaches x87 there)
    match the native run exactly."""
    ld80, _, out = long_double
    want = run_program(["longdouble", "exact"], executable=ld80)
    got = run_program([QEMU, "-0", "longdouble", out, "exact"])
    assert got == want
