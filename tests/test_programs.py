"""End-to-end differential tests: every C program in tests/programs/ is built with gcc in
several variants, translated with `elf2native translate`, and the native and translated
executables are run side by side with the same argv, environment, stdin and a fresh,
identical working directory.  stdout, stderr, exit status and the files left in the
working directory must be identical.

Native builds are cached in tests/_build/native/ under a key made of the source, the gcc
flags and the toolchain, so they are built once (race-free under pytest-xdist)."""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.util import build_c, run_program, translate

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"
BUILD_DIR = Path(__file__).resolve().parent / "_build" / "native"

VARIANTS = {
    "O0": ["-O0", "-static"],
    "O2": ["-O2", "-static"],
    "O2-stripped": ["-O2", "-static", "-s"],
    "O2-pie": ["-O2", "-static-pie"],
    # gcc's default: dynamically linked, PIE (tests/test_dynamic.py)
    "O2-dynamic": ["-O2"],
    "O0-dynamic": ["-O0"],
    # the expected output on a host whose x87 registers are doubles (tests/test_aarch64.py)
    "O2-ld64": ["-O2", "-static", "-DLONG_DOUBLE_AS_DOUBLE"],
}
# -O0 code linked with the shared libc (translated once per cache, tests/test_dynamic.py), and
# -O2 linked statically (a full translation with libc each): the static libc's code is the
# same at -O0, so the static -O0 builds are kept for the programs where -O0 differs most
BASE = ("O0-dynamic", "O2")
STATIC_O0 = ("O0", "O2")
STRIPPED = ("O2-stripped",)
PIE = ("O2-pie",)

REPORT_KEYS = ("functions", "instructions", "unsupported", "indirect_targets", "stages")


def _lcg_bytes(seed: int, n: int) -> bytes:
    """Deterministic pseudo-random bytes (independent of Python's random module)."""
    out = bytearray()
    x = seed
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(x >> 56)
    return bytes(out)


def _text_lines(seed: int, nlines: int, final_newline: bool) -> bytes:
    words = ["alpha", "beta", "42", "-17", "0x1f", "9999999", "\t", "ünïcödé", "x" * 70, "end.", "  "]
    rnd = _lcg_bytes(seed, nlines * 13)
    lines = []
    for i in range(nlines):
        r = rnd[i * 13:(i + 1) * 13]
        lines.append(" ".join(words[b % len(words)] for b in r[1:1 + r[0] % 12]))
    text = "\n".join(lines) + ("\n" if final_newline else "")
    return text.encode()


def _wc_input() -> bytes:
    # text with CRLF, tabs, NUL and high bytes, then a binary tail
    return _text_lines(11, 4000, True).replace(b"beta", b"be\r\nta") + b"\0\0 \xff\xfe" + _lcg_bytes(5, 70000)


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...] = ()
    stdin: bytes = b""
    mkdirs: tuple[str, ...] = ()  # created (empty) in the working directory before the run


@dataclass(frozen=True)
class Program:
    name: str
    variants: tuple[str, ...] = BASE
    cases: tuple[Case, ...] = (Case(),)
    timeout: int = 120  # per translated run, seconds
    libs: tuple[str, ...] = ()  # gcc arguments after the source: static libraries and their -I
    options: tuple[str, ...] = ()   # elf2native translate options

    @property
    def source(self) -> Path:
        return PROGRAMS_DIR / f"{self.name}.c"


PROGRAMS = [
    Program("hello", STATIC_O0 + STRIPPED + PIE),
    Program("args", BASE, (Case(()), Case(("one", "two words", "", "ünïcödé", "--flag=x", "a" * 300, "-", "'\"$HOME")))),
    Program("exitcode", BASE, tuple(Case((str(code), mode)) for code, mode in [
        ("0", "main"), ("1", "exit"), ("42", "nested"), ("255", "main"), ("256", "exit"), ("300", "main"),
        ("7", "_exit"), ("0", "nested"), ("9", "bogus")])),
    Program("fileio", BASE, (Case(("sandbox",), mkdirs=("sandbox",)),)),
    Program("malloc"),
    Program("strings", BASE + PIE),
    Program("qsort", BASE + STRIPPED + PIE),
    Program("switch", BASE + STRIPPED),
    Program("recursion"),
    Program("setjmp", STATIC_O0 + STRIPPED),
    Program("floats", STATIC_O0),
    Program("intmath"),
    Program("structs"),
    Program("funcptr", BASE + STRIPPED + PIE),
    Program("wc", BASE, (Case(stdin=_wc_input()), Case(stdin=b""), Case(stdin=b"no newline at end"))),
    Program("getline", BASE, (Case(stdin=_text_lines(3, 3000, False)), Case(stdin=b""),
                              Case(stdin=b"y" * 100000 + b"\n\n\nshort 1 2 3\n"))),
    Program("format"),
    Program("ctype"),
    Program("timefmt"),
    Program("hashtable"),
    Program("crash", STATIC_O0, tuple(Case((how,)) for how in ("segv", "fpe", "abort", "raise", "ud2", "none"))),
    # the pico provider: signals, threads, processes (runtime/signals.py, runtime/threads.py)
    Program("signal", STATIC_O0, options=("--signal-polls",)),
    Program("pthread", ("O2",), libs=("-pthread",)),
    Program("atomics", ("O2",), libs=("-pthread", "-mcx16")),
    Program("process", ("O2",)),
    Program("unistd", ("O2",)),
    Program("stat", ("O2",)),
    Program("mman", ("O2",)),
    Program("socket", ("O2",)),
    Program("time", ("O2",)),
]
# Tiny drivers of real libraries, linked statically from Debian's -dev packages (installed
# by scripts/setup-and-test.sh): their code is what the distribution ships, not ours.
LIBRARY_INPUT = _text_lines(7, 1500, True) + _lcg_bytes(9, 12000) + bytes(range(256)) * 40
PROGRAMS += [
    Program("zlib", ("O2",), (Case(stdin=LIBRARY_INPUT), Case(stdin=b""), Case(("sub/x.gz",), stdin=b"a" * 5000, mkdirs=("sub",))),
            libs=("-lz",)),
    Program("bzip2", ("O2",), (Case(stdin=LIBRARY_INPUT), Case(stdin=b"")), libs=("-lbz2",)),
    Program("lzma", ("O2",), (Case(stdin=LIBRARY_INPUT), Case(stdin=b"")), libs=("-llzma",)),
    Program("sqlite", ("O2",), (Case(), Case(("other.db", "50"))), libs=("-lsqlite3",)),
    Program("lua", ("O2",), (Case(),), libs=("-I/usr/include/lua5.4", "-llua5.4")),
]
BY_NAME = {p.name: p for p in PROGRAMS}


# -- building ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _toolchain_key(libs: tuple[str, ...] = ()) -> str:
    """Identifies the compiler and the static libraries, so the cache is dropped when they change."""
    parts = [subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout]
    for lib in ("libc.a", "libm.a", *(f"lib{a[2:]}.a" for a in libs if a.startswith("-l"))):
        path = subprocess.run(["gcc", f"-print-file-name={lib}"], capture_output=True, text=True).stdout.strip()
        try:
            st = os.stat(path)
            parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(path)
    return "\n".join(parts)


def native_binary(prog: Program, variant: str) -> Path:
    """Build (or reuse) the native executable for prog at variant."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    flags = VARIANTS[variant]
    h = hashlib.sha256()
    headers = b"".join(p.read_bytes() for p in sorted(PROGRAMS_DIR.glob("*.h")))
    for part in (prog.source.read_bytes(), headers, "\0".join(flags + list(prog.libs)).encode(),
                 _toolchain_key(prog.libs).encode()):
        h.update(hashlib.sha256(part).digest())
    out = BUILD_DIR / f"{prog.name}-{variant}-{h.hexdigest()[:16]}"
    if not out.exists():
        build_c(prog.source, out, flags, prog.libs)
    return out


# -- running and comparing ----------------------------------------------------------------

def _env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C", "HOME": str(home),
            "ELF2NATIVE_TEST_VAR": "value with spaces=and=equals ünï"}


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root: relative path -> (kind, permission bits, content)."""
    tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            st = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = ("symlink", 0, os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ("dir", stat.S_IMODE(st.st_mode), None)
            elif stat.S_ISREG(st.st_mode):
                tree[rel] = ("file", stat.S_IMODE(st.st_mode), path.read_bytes())
            else:
                tree[rel] = ("other", stat.S_IMODE(st.st_mode), None)
    return tree


def run_case(binary: Path, prog: Program, case: Case, workdir: Path, home: Path, timeout: int,
             launcher: tuple[str, ...] = (), argv0: str | None = None, env: dict | None = None):
    """Run binary for one case in a fresh working directory; return everything observable.
    With a launcher (an emulator such as ``qemu-aarch64 -0``), the command is launcher,
    the program's argv[0], binary, then the case's arguments; a launcher ending in "--"
    (one that cannot set argv[0], such as wine64) runs binary then the arguments.  argv0:
    what the program gets as argv[0] (default: its name); env: variables added."""
    cwd = workdir / "cwd"
    if cwd.exists():
        shutil.rmtree(cwd)
    cwd.mkdir(parents=True)
    for d in case.mkdirs:
        (cwd / d).mkdir(parents=True)
    try:
        if launcher and launcher[-1] == "--":
            argv, exe = [*launcher[:-1], binary, *case.args], None
        elif launcher:
            argv, exe = [*launcher, argv0 or prog.name, binary, *case.args], None
        else:
            argv, exe = [argv0 or prog.name, *case.args], binary
        out, err, rc = run_program(argv, stdin=case.stdin, cwd=cwd, env={**_env(home), **(env or {})},
                                   timeout=timeout, executable=exe)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{binary} {' '.join(case.args)}: timed out after {timeout}s")
    return {"stdout": out, "stderr": err, "exit status": rc, "files": snapshot(cwd)}


def _text_diff(a: bytes, b: bytes, limit: int = 60) -> str:
    la = a.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    lb = b.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(la, lb, "native", "translated", n=2))
    if len(diff) > limit:
        diff = diff[:limit] + [f"... ({len(diff) - limit} more diff lines)\n"]
    return "".join(diff) or f"(same text, different bytes: {len(a)} vs {len(b)} bytes)\n"


def describe_differences(native: dict, translated: dict) -> str:
    msgs = []
    for key in ("stdout", "stderr"):
        if native[key] != translated[key]:
            msgs.append(f"{key} differs:\n{_text_diff(native[key], translated[key])}")
    if native["exit status"] != translated["exit status"]:
        msgs.append(f"exit status differs: native {native['exit status']}, translated {translated['exit status']}")
    nf, tf = native["files"], translated["files"]
    if nf != tf:
        for rel in sorted(set(nf) | set(tf)):
            if nf.get(rel) != tf.get(rel):
                n, t = nf.get(rel), tf.get(rel)
                what = ("missing in translated run" if t is None else "only in translated run" if n is None
                        else f"native {n[0]} mode {n[1]:o} ({len(n[2] or b'')} bytes), "
                             f"translated {t[0]} mode {t[1]:o} ({len(t[2] or b'')} bytes)")
                msgs.append(f"file {rel}: {what}")
    return "\n".join(msgs)


def check_report(path: Path) -> None:
    if not path.exists():
        pytest.fail(f"the translator wrote no report at {path}", pytrace=False)
    report = json.loads(path.read_text())
    if not isinstance(report, dict):
        pytest.fail("the report is not a JSON object", pytrace=False)
    missing = [k for k in REPORT_KEYS if k not in report]
    if missing:
        pytest.fail(f"the report lacks keys {missing}", pytrace=False)
    unsupported = report["unsupported"]
    if not isinstance(unsupported, list):
        pytest.fail(f"report['unsupported'] is not a list: {unsupported!r:.200}", pytrace=False)
    libraries = sum(m.get("unsupported", 0) for m in report.get("modules", ()) if m.get("kind") != "program")
    if unsupported and len(unsupported) == libraries:
        # a dynamic program's shared libraries hold all of their code, not only what the
        # program uses (libm.so.6's x87 long double functions): not executed, they only
        # have to be reported; the program's own code must have none
        return
    if unsupported:
        shown = ", ".join(f"{u.get('address')} {u.get('mnemonic')}" if isinstance(u, dict) else repr(u)
                          for u in unsupported[:20])
        more = f" and {len(unsupported) - 20} more" if len(unsupported) > 20 else ""
        pytest.fail(f"{len(unsupported)} unsupported instructions: {shown}{more}", pytrace=False)


# -- tests ---------------------------------------------------------------------------------

# The library programs first: they translate longest, so parallel workers finish together.
# The dynamic builds run on the worker of tests/test_dynamic.py's group, after it: the first
# of them compiles ld.so and libc.so.6, the others reuse them.
PARAMS = [pytest.param(p, v, id=f"{p.name}-{v}",
                       marks=[pytest.mark.xdist_group("dynamic")] if v.endswith("-dynamic") else [])
          for p in sorted(PROGRAMS, key=lambda p: not p.libs) for v in p.variants]


@pytest.mark.parametrize("prog,variant", PARAMS)
def test_program(prog: Program, variant: str, tmp_path: Path):
    check_program(prog, variant, tmp_path)


def check_program(prog: Program, variant: str, tmp_path: Path) -> dict:
    """Build prog at variant, translate it, run every case natively and translated and
    fail on any difference; returns the translation's report."""
    native = native_binary(prog, variant)
    translated = tmp_path / f"{prog.name}-{variant}.native"
    report = tmp_path / "report.json"
    proc = translate(native, translated, "--report", report, *prog.options)
    if proc.returncode != 0:
        pytest.fail(f"translation failed with status {proc.returncode}\n"
                    f"stderr:\n{proc.stderr[-4000:]}\nstdout:\n{proc.stdout[-2000:]}", pytrace=False)
    if not (translated.is_file() and os.access(translated, os.X_OK)):
        pytest.fail(f"the translator exited 0 but wrote no executable at {translated}", pytrace=False)
    check_report(report)

    home = tmp_path / "home"
    home.mkdir()
    failures = []
    for i, case in enumerate(prog.cases):
        want = run_case(native, prog, case, tmp_path / f"case{i}" / "native", home, timeout=60)
        got = run_case(translated, prog, case, tmp_path / f"case{i}" / "translated", home, timeout=prog.timeout)
        diff = describe_differences(want, got)
        if diff:
            stdin = f", stdin {len(case.stdin)} bytes" if case.stdin else ""
            failures.append(f"--- case {i}: argv {[prog.name, *case.args]}{stdin}\n{diff}")
    if failures:
        pytest.fail("translated run differs from native run:\n" + "\n".join(failures), pytrace=False)
    return json.loads(report.read_text())


@pytest.mark.parametrize("prog", [pytest.param(p, id=p.name) for p in PROGRAMS])
def test_native_deterministic(prog: Program, tmp_path: Path):
    """The corpus itself: every variant built natively gives identical results, run twice.
    A failure here means the program (not the translator) is wrong: undefined behaviour,
    uninitialised memory, or output that depends on addresses, time or the build."""
    home = tmp_path / "home"
    home.mkdir()
    for i, case in enumerate(prog.cases):
        first = None
        for variant in prog.variants:
            binary = native_binary(prog, variant)
            for rep in range(2):
                got = run_case(binary, prog, case, tmp_path / f"case{i}-{variant}-{rep}", home, timeout=60)
                if first is None:
                    first = (variant, got)
                    continue
                diff = describe_differences(first[1], got)
                if diff:
                    pytest.fail(f"case {i}: {variant} run {rep} differs from {first[0]} run 0 "
                                f"(in the diff, native={first[0]}, translated={variant}):\n{diff}", pytrace=False)
