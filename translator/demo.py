"""`elf2native demo`: build the shipped sample, translate it, run both, compare."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from importlib import resources

from translator.errors import EXIT_FAILED, EXIT_OK, ToolchainError


def _run(argv):
    t = time.perf_counter()
    r = subprocess.run(argv, capture_output=True)
    return r, time.perf_counter() - t


def run_demo(keep: str | None = None) -> int:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise ToolchainError("gcc", "no C compiler found to build the demo sample (apt install gcc)")
    work = keep or tempfile.mkdtemp(prefix="elf2native-demo-")
    os.makedirs(work, exist_ok=True)
    src = os.path.join(work, "demo.c")
    with resources.files("translator.samples").joinpath("demo.c").open("rb") as fh, open(src, "wb") as out:
        out.write(fh.read())
    native = os.path.join(work, "demo")
    r = subprocess.run([cc, "-O2", "-static", "-o", native, src], capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolchainError(cc, f"building the sample failed (is libc6-dev installed?): "
                                 f"{r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
    from translator.pipeline import Options, translate
    from translator.cli import default_cache_dir
    print(f"translating {native} ...", flush=True)
    res = translate(native, native + ".native", Options(cache_dir=default_cache_dir()))
    print(f"  {res.functions} functions, {res.instructions} instructions, "
          f"{len(res.unsupported)} unsupported, {res.seconds:.1f} s ({res.linker})")
    a, ta = _run([native, "demo-arg"])
    b, tb = _run([native + ".native", "demo-arg"])
    for title, r, t in (("native", a, ta), ("translated", b, tb)):
        print(f"--- {title} (exit {r.returncode}, {t * 1000:.0f} ms) ---")
        print(r.stdout.decode(errors="replace"), end="")
    same = (a.stdout, a.stderr, a.returncode) == (b.stdout, b.stderr, b.returncode)
    print("--- outputs are identical ---" if same else "--- OUTPUTS DIFFER ---")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return EXIT_OK if same else EXIT_FAILED
