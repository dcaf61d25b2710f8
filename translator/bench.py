"""`elf2native bench`: native vs translated vs emulated (QEMU user mode) on one program.

The program is translated (through the cache), then the three versions run in interleaved
order (native, translated, emulated, native, ...) so drifts in machine load hit all three
alike.  Each run's wall time and peak RSS (wait4's ru_maxrss) are recorded; the table gives
medians and the translated/native and emulated/translated ratios.  The outputs (stdout,
stderr, exit status) of every run are compared with the native run's: a mismatch is
reported, never hidden.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import subprocess
import tempfile
import time

QEMU_NAMES = ("qemu-x86_64", "qemu-x86_64-static")


@dataclasses.dataclass
class Column:
    name: str
    times: list[float] = dataclasses.field(default_factory=list)
    rss_kb: list[int] = dataclasses.field(default_factory=list)
    mismatch: str | None = None       # how its output differed from native's, if it did

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def peak_rss_kb(self) -> int | None:
        return max(self.rss_kb) if self.rss_kb else None


@dataclasses.dataclass
class BenchResult:
    program: str
    args: list[str]
    runs: int
    native: Column
    translated: Column
    emulated: Column
    emulator: str | None            # the qemu binary used, None if not found
    translate_seconds: float
    translate_cached: bool
    output_bytes: int
    guest_instructions: int

    @property
    def translated_ratio(self) -> float | None:
        n, t = self.native.median, self.translated.median
        return t / n if n and t else None

    @property
    def emulated_ratio(self) -> float | None:
        t, e = self.translated.median, self.emulated.median
        return e / t if t and e else None

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for c in ("native", "translated", "emulated"):
            col = getattr(self, c)
            d[c]["median"] = col.median
            d[c]["peak_rss_kb"] = col.peak_rss_kb
        d["translated/native"] = self.translated_ratio
        d["emulated/translated"] = self.emulated_ratio
        return d


def find_qemu() -> str | None:
    for name in QEMU_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


# A process forked (or vforked) from this big Python process starts with Python's pages
# counted in its ru_maxrss; a small C helper forks the program itself and reports the
# program's own peak RSS, as GNU time does.
_RSS_HELPER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    pid_t pid = fork();
    if (pid == 0) { execv(argv[2], argv + 2); _exit(127); }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    FILE *f = fopen(argv[1], "w");
    fprintf(f, "%ld\n", ru.ru_maxrss);
    fclose(f);
    if (WIFSIGNALED(status)) { signal(WTERMSIG(status), SIG_DFL); kill(getpid(), WTERMSIG(status)); }
    return WEXITSTATUS(status);
}
"""


def rss_helper(cache_dir: str | None) -> str | None:
    """Build (once) the peak-RSS helper; None when there is no C compiler."""
    import hashlib
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    base = cache_dir or tempfile.gettempdir()
    path = os.path.join(base, f"rss-helper-{hashlib.sha256(_RSS_HELPER.encode()).hexdigest()[:12]}")
    if not os.path.exists(path):
        os.makedirs(base, exist_ok=True)
        src = path + ".c"
        with open(src, "w") as fh:
            fh.write("#include <signal.h>\n" + _RSS_HELPER)
        r = subprocess.run([cc, "-O2", "-o", path + ".tmp", src], capture_output=True)
        if r.returncode != 0:
            return None
        os.replace(path + ".tmp", path)
    return path


def _run(argv: list[str], cwd: str, stdin: bytes, timeout: float, helper: str | None) -> tuple[float, int | None, tuple]:
    """Run once: (wall seconds, peak RSS in KiB or None, (stdout, stderr, status))."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp, \
            tempfile.NamedTemporaryFile("r") as rss:
        inp.write(stdin)
        inp.seek(0)
        cmd = [helper, rss.name, shutil.which(argv[0]) or argv[0], *argv[1:]] if helper else argv
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, stdin=inp, stdout=out, stderr=err, timeout=timeout)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        text = rss.read().strip() if helper else ""
        return wall, int(text) if text else None, (out.read(), err.read(), p.returncode)


def _describe(want: tuple, got: tuple) -> str | None:
    names = ("stdout", "stderr", "exit status")
    diff = [n for n, a, b in zip(names, want, got) if a != b]
    if not diff:
        return None
    if "exit status" in diff:
        return f"{', '.join(diff)} differ (exit status {want[2]} native, {got[2]} here)"
    return f"{', '.join(diff)} differ"


def bench(program: str, args: list[str], runs: int = 5, translate_options=None, stdin: bytes = b"",
          timeout: float = 600, work_dir: str | None = None) -> BenchResult:
    from translator.pipeline import Options, translate
    opts = translate_options or Options()
    with tempfile.TemporaryDirectory(prefix="elf2native-bench-") as tmp:
        exe = os.path.join(tmp, os.path.basename(program) + ".native")
        t0 = time.perf_counter()
        res = translate(program, exe, opts)
        t_translate = time.perf_counter() - t0
        qemu = find_qemu()
        cols = {"native": Column("native"), "translated": Column("translated"), "emulated": Column("emulated")}
        argv = {"native": [os.path.abspath(program), *args], "translated": [exe, *args]}
        if qemu:
            argv["emulated"] = [qemu, os.path.abspath(program), *args]
        cwd = work_dir or tmp
        reference = None
        helper = rss_helper(opts.cache_dir)
        for _ in range(runs):
            for name, cmd in argv.items():
                wall, rss, observed = _run(cmd, cwd, stdin, timeout, helper)
                col = cols[name]
                col.times.append(wall)
                if rss is not None:
                    col.rss_kb.append(rss)
                if name == "native":
                    reference = reference or observed
                    if observed != reference:
                        col.mismatch = "the native program's own output varies between runs"
                elif col.mismatch is None:
                    col.mismatch = _describe(reference, observed)
        return BenchResult(program, list(args), runs, cols["native"], cols["translated"], cols["emulated"],
                           qemu, t_translate, "cached output" in res.stages, os.path.getsize(exe), res.instructions)


def _fmt(v, spec: str, none: str = "-") -> str:
    return none if v is None else format(v, spec)


def format_table(results: list[BenchResult]) -> str:
    head = ("program", "native s", "translated s", "emulated s", "native MB", "translated MB",
            "emulated MB", "translated/native", "emulated/translated", "translate s", "output MB", "outputs")
    rows = []
    for r in results:
        mism = [f"{c.name}: {c.mismatch}" for c in (r.translated, r.emulated) if c.mismatch]
        mism += [f"native: {r.native.mismatch}"] if r.native.mismatch else []
        rows.append((os.path.basename(r.program), _fmt(r.native.median, ".3f"), _fmt(r.translated.median, ".3f"),
                     _fmt(r.emulated.median, ".3f"), _fmt(_mb(r.native.peak_rss_kb), ".1f"),
                     _fmt(_mb(r.translated.peak_rss_kb), ".1f"), _fmt(_mb(r.emulated.peak_rss_kb), ".1f"),
                     _fmt(r.translated_ratio, ".2f"), _fmt(r.emulated_ratio, ".2f"),
                     f"{r.translate_seconds:.1f}" + (" (cached)" if r.translate_cached else ""),
                     f"{r.output_bytes / 1e6:.1f}", "; ".join(mism) or "identical"))
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    line = lambda cells: "  ".join(c.ljust(w) if i in (0, len(head) - 1) else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head), *(line(r) for r in rows)])


def _mb(kb: int | None) -> float | None:
    return None if kb is None else kb / 1024


def geomean(values: list[float]) -> float | None:
    vals = [v for v in values if v]
    if not vals:
        return None
    prod = 1.0
    for v in vals:
        prod *= v
    return prod ** (1 / len(vals))
