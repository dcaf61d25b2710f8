"""Small helpers shared by the end-to-end tests: build C with gcc, run the translator's
command line, run a program and capture what it did."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The translator's command line.  Contract:
#   python -m translator translate IN -o OUT [--report FILE.json]
# exits 0 and writes the executable OUT; on failure it exits non-zero and prints
# "elf2native: PATH: reason" on stderr.
ELF2NATIVE = [sys.executable, "-m", "translator"]

TRANSLATE_TIMEOUT = 900  # seconds; a static glibc binary is ~1 MB of code


def build_c(src, out, flags=("-O2", "-static"), libs=()):
    """Compile the C file `src` into `out` with gcc and `flags`, linking `libs` and libm.

    The result appears atomically (built under a unique name, then os.replace), so
    several processes may build the same output at once.  Raises RuntimeError with
    gcc's messages on failure.  Returns `out` as a Path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    cmd = ["gcc", *flags, "-o", str(tmp), str(src), *libs, "-lm"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"gcc failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


TINY_SRC = ROOT / "tests" / "inputs" / "tiny.c"


def build_nolibc(src, out):
    """A program of tests/inputs/ without libc (its own _start and system calls): it
    translates in about a second."""
    subprocess.run(["gcc", "-nostdlib", "-static", "-O2", "-fno-stack-protector", "-o", str(out), str(src)],
                   check=True)
    return Path(out)


def build_tiny(out):
    """tests/inputs/tiny.c: writes "tiny" and exits 7."""
    return build_nolibc(TINY_SRC, out)


def nolibc_probe(tmp_path_factory, src) -> tuple[Path, Path]:
    """(native, translated) of a libc-free program of tests/inputs/, for a module fixture."""
    d = tmp_path_factory.mktemp(Path(src).stem)
    native = build_nolibc(src, d / "probe")
    out = d / "probe.native"
    r = translate(native, out)
    assert r.returncode == 0, r.stderr
    return native, out


def translate(inp, out, *extra, timeout=TRANSLATE_TIMEOUT):
    """Run `elf2native translate inp -o out *extra` and return the CompletedProcess
    (text mode, stdout and stderr captured).  Does not check the exit status."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [*ELF2NATIVE, "translate", str(inp), "-o", str(out), *map(str, extra)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def _no_core_dumps():
    """A program that crashes must not leave a core file among the files compared."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_program(argv, stdin=b"", cwd=None, env=None, timeout=60, executable=None):
    """Run argv (argv[0] is the program unless `executable` is given, in which case
    argv[0] is only what the program sees) and return (stdout, stderr, returncode)
    with the outputs as bytes.  A negative returncode is a signal.  Raises
    subprocess.TimeoutExpired (after killing the program) on timeout."""
    proc = subprocess.run([str(a) for a in argv], input=stdin, capture_output=True, cwd=cwd, env=env,
                          timeout=timeout, executable=None if executable is None else str(executable),
                          preexec_fn=_no_core_dumps)
    return proc.stdout, proc.stderr, proc.returncode


def same_as_native(native, tmp_path, name: str, *extra):
    """Translate a program of tests/inputs/ and run it as ``name``, then natively: the
    translated run's (stdout, stderr, status), asserted equal to the native run's."""
    out = Path(tmp_path) / f"{name}.native"
    r = translate(native, out, *extra)
    assert r.returncode == 0, r.stderr
    got = run_program([name], executable=out)
    assert got == run_program([name], executable=native)
    return got
