"""Run a category natively and translated, and collect the records of both.

The translated program may die on an instruction the translator gets wrong. Since every form
writes its records when it finishes, the forms before it still compare; the form that died is
reported, and the forms after it are rebuilt into a smaller program, translated and run again
(at most `max_restarts` times).

    python -m tests.isa.runner [--native-only | --via EMULATOR | --aarch64] [CATEGORY ...]

--via qemu-x86_64 stands an emulator in for the translator (the "translated" program is a
script running the guest under it): it checks the harness's translated path, the masks for
undefined flags, and gives a second opinion on an instruction.

--aarch64 translates for the aarch64 Linux host and runs the result under qemu-aarch64: the
same records, the same comparison, so a semantic or a lowering that differs between the
hosts shows as the form it breaks.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .harness import Built, Form, HarnessError, build, forms, parse, run_native
from .layout import State

TRANSLATE_TIMEOUT = float(os.environ.get("ELF2NATIVE_ISA_TRANSLATE_TIMEOUT", "900"))
RUN_TIMEOUT = float(os.environ.get("ELF2NATIVE_ISA_RUN_TIMEOUT", "120"))
MAX_RESTARTS = int(os.environ.get("ELF2NATIVE_ISA_MAX_RESTARTS", "5"))


@dataclass
class CategoryRun:
    category: str
    forms: dict[int, Form]
    native: dict[int, list[State]]
    translated: dict[int, list[State]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)   # form index -> why no translated records
    timings: dict[str, float] = field(default_factory=dict)
    compared: int = 0                                       # input records compared so far
    mismatched: int = 0


def native_run(category: str) -> tuple[Built, CategoryRun]:
    t0 = time.monotonic()
    built = build(category)
    t1 = time.monotonic()
    out = run_native(built)
    t2 = time.monotonic()
    run = CategoryRun(category, {f.index: f for f in built.forms}, out.records)
    run.timings.update(native_build=t1 - t0, native_run=t2 - t1)
    return built, run


def _tail(data: bytes | str | None, n: int = 1500) -> str:
    if not data:
        return ""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return text[-n:].strip()


def translated_run(category: str, built: Built, run: CategoryRun, workdir: Path,
                   translate: Callable | None = None, run_program: Callable | None = None,
                   max_restarts: int = MAX_RESTARTS) -> CategoryRun:
    """Fill run.translated / run.errors by translating and running built (and its remainders)."""
    if translate is None or run_program is None:
        from tests.util import run_program, translate  # noqa: F811 (the shared test helpers)
    workdir.mkdir(parents=True, exist_ok=True)
    remaining = list(built.forms)
    attempt = 0
    t_translate = t_run = 0.0
    while remaining:
        current = built if attempt == 0 else build(category, remaining)
        out_exe = workdir / f"isa_{category}.{attempt}.native"
        t0 = time.monotonic()
        try:
            cp = translate(current.exe, out_exe, timeout=TRANSLATE_TIMEOUT)
            failed = cp.returncode != 0 or not out_exe.exists()
            why = f"exit status {cp.returncode}\n{_tail(cp.stderr)}" if failed else ""
        except subprocess.TimeoutExpired:
            failed, why = True, f"timed out after {TRANSLATE_TIMEOUT:.0f}s"
        t_translate += time.monotonic() - t0
        if failed:
            for f in remaining:
                run.errors[f.index] = (f"translating {current.exe} failed ({len(remaining)} forms "
                                       f"from {remaining[0].id!r} on): {why}")
            break
        t0 = time.monotonic()
        try:
            stdout, stderr, rc = run_program([str(out_exe)], timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            stdout, stderr, rc = e.stdout or b"", e.stderr or b"", f"timeout ({RUN_TIMEOUT:.0f}s)"
        t_run += time.monotonic() - t0
        try:
            outcome = parse(current, stdout if isinstance(stdout, bytes) else stdout.encode())
        except HarnessError as e:
            for f in remaining:
                run.errors[f.index] = f"translated program's output is malformed: {e}"
            break
        run.translated.update(outcome.records)
        if outcome.first_incomplete is None:
            if rc != 0:
                last = remaining[-1]
                run.errors.setdefault(last.index, f"all records came back but the translated "
                                      f"program then exited with {rc}: {_tail(stderr)}")
            break
        pos = next(i for i, f in enumerate(remaining) if f.index == outcome.first_incomplete)
        dead = remaining[pos]
        run.errors[dead.index] = (f"the translated program ({out_exe}) died in this form: "
                                  f"status {rc}\n{_tail(stderr)}")
        remaining = remaining[pos + 1:]
        attempt += 1
        if remaining and attempt > max_restarts:
            for f in remaining:
                run.errors[f.index] = (f"not run: the translated program died {attempt} times in "
                                       f"earlier forms of {category} (limit "
                                       "ELF2NATIVE_ISA_MAX_RESTARTS)")
            break
    run.timings.update(translate=t_translate, translated_run=t_run, attempts=attempt + 1)
    return run


def on_aarch64(qemu: str = "qemu-aarch64") -> tuple[Callable, Callable]:
    """translate/run_program for the aarch64 Linux host: --target aarch64-linux, and the
    output run under qemu-aarch64."""
    from tests.util import run_program as run_here, translate as translate_here

    def translate(inp, out, *extra, timeout=None):
        return translate_here(inp, out, "--target", "aarch64-linux", *extra, timeout=timeout)

    def run_program(argv, stdin=b"", cwd=None, env=None, timeout=60):
        argv = [str(a) for a in argv]
        return run_here([qemu, "-0", Path(argv[0]).name, *argv], stdin=stdin, cwd=cwd, env=env,
                        timeout=timeout)
    return translate, run_program


def via_emulator(emulator: str) -> tuple[Callable, Callable]:
    """translate/run_program stand-ins that run the guest under an emulator."""
    def translate(inp, out, *extra, timeout=None):
        Path(out).write_text(f"#!/bin/sh\nexec {emulator} {Path(inp).resolve()} \"$@\"\n")
        Path(out).chmod(0o755)
        return subprocess.CompletedProcess([emulator, str(inp)], 0, "", "")

    def run_program(argv, stdin=b"", cwd=None, env=None, timeout=60):
        p = subprocess.run([str(a) for a in argv], input=stdin, capture_output=True, cwd=cwd,
                           env=env, timeout=timeout)
        return p.stdout, p.stderr, p.returncode
    return translate, run_program


def main(argv: list[str]) -> int:
    from . import CATEGORIES
    from .compare import compare_form
    from .harness import missing_cpu_flags

    native_only = "--native-only" in argv
    via = argv[argv.index("--via") + 1] if "--via" in argv else None
    helpers = via_emulator(via) if via else on_aarch64() if "--aarch64" in argv else (None, None)
    where = f" under {via}" if via else " on the aarch64 host" if "--aarch64" in argv else ""
    cats = [a for a in argv if not a.startswith("-") and a != via] or list(CATEGORIES)
    status = 0
    for cat in cats:
        missing = missing_cpu_flags(cat)
        if missing:
            print(f"{cat}: skipped, this machine's CPU lacks {', '.join(missing)}")
            continue
        built, run = native_run(cat)
        n = sum(len(f.inputs) for f in built.forms)
        print(f"{cat}: {len(built.forms)} forms, {n} cases, build {run.timings['native_build']:.2f}s,"
              f" native run {run.timings['native_run']:.2f}s ({built.exe})")
        if native_only:
            continue
        translated_run(cat, built, run, built.exe.parent / "translated", *helpers)
        bad = 0
        for idx, f in run.forms.items():
            lines = [f"{f.id}: {run.errors[idx]}"] if idx in run.errors else \
                compare_form(f, run.native[idx], run.translated[idx])
            if lines:
                bad += 1
                print("\n".join(lines))
        print(f"{cat}: {len(run.forms) - bad}/{len(run.forms)} forms agree{where} "
              f"(translate {run.timings.get('translate', 0):.1f}s)")
        status |= bad > 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["CategoryRun", "native_run", "translated_run", "forms"]
