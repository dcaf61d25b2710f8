"""`elf2native bench`: native vs translated vs emulated (QEMU user mode) on one program.

The program is translated (through the cache), then the three versions run in interleaved
order (native, translated, emulated, native, ...) so drifts in machine load hit all three
alike.  Every run is timed exactly: a small C helper forks the program, reads the monotonic
clock before the fork and after a blocking ``wait4``, and reports the wall time, the child's
user+sys CPU time and its peak RSS (``ru_maxrss``).  The timeout is the helper's alarm, not a
polling wait.  The table gives, per column, the median and the spread (min-max) of the runs,
wall and CPU, and the translated/native and emulated/translated ratios of the medians.  The
outputs (stdout, stderr, exit status) of every run are compared with the native run's: a
mismatch is reported, never hidden.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

QEMU_NAMES = ("qemu-x86_64", "qemu-x86_64-static")


@dataclasses.dataclass
class Column:
    name: str
    times: list[float] = dataclasses.field(default_factory=list)       # wall seconds, one per run
    cpu_times: list[float] = dataclasses.field(default_factory=list)   # user+sys seconds
    rss_kb: list[int] = dataclasses.field(default_factory=list)
    mismatch: str | None = None       # how its output differed from native's, if it did
    timed_out: bool = False           # a run passed the timeout: the column runs no more

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu_times) if self.cpu_times else None

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

    @property
    def translated_cpu_ratio(self) -> float | None:
        n, t = self.native.cpu_median, self.translated.cpu_median
        return t / n if n and t else None

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for c in ("native", "translated", "emulated"):
            col = getattr(self, c)
            d[c]["median"] = col.median
            d[c]["cpu_median"] = col.cpu_median
            d[c]["peak_rss_kb"] = col.peak_rss_kb
        d["translated/native"] = self.translated_ratio
        d["translated/native cpu"] = self.translated_cpu_ratio
        d["emulated/translated"] = self.emulated_ratio
        return d


def find_qemu() -> str | None:
    for name in QEMU_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


# The run helper.  A process forked (or vforked) from this big Python process starts with
# Python's pages counted in its ru_maxrss, and a Python wait with a timeout polls (its wall
# times come out rounded up to the next poll): a small C helper forks the program itself,
# waits for it with a blocking wait4 and reports the program's own wall time, CPU time and
# peak RSS, as GNU time does.  The timeout is an alarm in the helper that kills the program.
#   helper REPORT SECONDS PROGRAM ARGS...
# writes "wall_ns user_us sys_us maxrss_kb timed_out" to REPORT and exits as the program did.
_RUN_HELPER = r"""
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static volatile pid_t child;
static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) { (void)sig; timed_out = 1; kill(child, SIGKILL); }
int main(int argc, char **argv)
{
    if (argc < 4) return 125;
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) { signal(SIGALRM, SIG_DFL); execv(argv[3], argv + 3); _exit(127); }
    if (pid < 0) return 126;
    child = pid;
    double limit = atof(argv[2]);
    struct itimerval it = {{0, 0}, {(long)limit, (long)((limit - (long)limit) * 1e6)}};
    if (limit > 0) setitimer(ITIMER_REAL, &it, 0);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {}
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *f = fopen(argv[1], "w");
    if (!f) return 125;
    fprintf(f, "%lld %lld %lld %ld %d\n",
            (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
            (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec,
            ru.ru_maxrss, (int)timed_out);
    fclose(f);
    if (WIFSIGNALED(status)) { signal(WTERMSIG(status), SIG_DFL); kill(getpid(), WTERMSIG(status)); }
    return WEXITSTATUS(status);
}
"""


def run_helper(cache_dir: str | None) -> str | None:
    """Build (once) the run helper; None when there is no C compiler."""
    import hashlib
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    base = cache_dir or tempfile.gettempdir()
    path = os.path.join(base, f"run-helper-{hashlib.sha256(_RUN_HELPER.encode()).hexdigest()[:12]}")
    if not os.path.exists(path):
        os.makedirs(base, exist_ok=True)
        src = f"{path}.{os.getpid()}.c"
        with open(src, "w") as fh:
            fh.write(_RUN_HELPER)
        r = subprocess.run([cc, "-O2", "-o", f"{path}.{os.getpid()}.tmp", src], capture_output=True)
        os.unlink(src)
        if r.returncode != 0:
            return None
        os.replace(f"{path}.{os.getpid()}.tmp", path)
    return path


@dataclasses.dataclass
class Run:
    """One measured run."""
    wall: float                 # seconds, from before the fork to after the blocking wait
    cpu: float                  # the program's user+sys seconds
    rss_kb: int | None          # its peak RSS, None without the helper
    timed_out: bool
    observed: tuple             # (stdout, stderr, exit status)


def _run(argv: list[str], cwd: str, stdin: bytes, timeout: float, helper: str | None) -> Run:
    """Run once and measure it exactly (the helper, or a blocking wait4 here without one)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp, \
            tempfile.NamedTemporaryFile("r") as report:
        inp.write(stdin)
        inp.seek(0)
        program = shutil.which(argv[0]) or argv[0]
        if helper:
            p = subprocess.run([helper, report.name, repr(float(timeout)), program, *argv[1:]],
                               cwd=cwd, stdin=inp, stdout=out, stderr=err)
            fields = report.read().split()
            if len(fields) != 5:
                raise RuntimeError(f"bench helper failed on {program} (status {p.returncode})")
            wall_ns, user_us, sys_us, rss, timed_out = map(int, fields)
            run = Run(wall_ns / 1e9, (user_us + sys_us) / 1e6, rss, bool(timed_out), ())
            status = p.returncode
        else:
            t0 = time.perf_counter()
            p = subprocess.Popen([program, *argv[1:]], cwd=cwd, stdin=inp, stdout=out, stderr=err)
            killed = threading.Event()
            watchdog = threading.Timer(timeout, lambda: (killed.set(), p.kill()))
            watchdog.start()
            _, wstatus, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            watchdog.cancel()
            status = p.returncode = os.waitstatus_to_exitcode(wstatus)
            # ru_maxrss would count this Python process's pages: left out without the helper
            run = Run(wall, ru.ru_utime + ru.ru_stime, None, killed.is_set(), ())
        out.seek(0)
        err.seek(0)
        run.observed = (out.read(), err.read(), status)
        return run


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
        helper = run_helper(opts.cache_dir)
        for _ in range(runs):
            for name, cmd in argv.items():
                col = cols[name]
                if col.timed_out:
                    continue
                run = _run(cmd, cwd, stdin, timeout, helper)
                if run.timed_out:
                    col.timed_out = True
                    col.mismatch = f"timed out after {timeout:g} s"
                    continue
                col.times.append(run.wall)
                col.cpu_times.append(run.cpu)
                if run.rss_kb is not None:
                    col.rss_kb.append(run.rss_kb)
                if name == "native":
                    reference = reference or run.observed
                    if run.observed != reference:
                        col.mismatch = "the native program's own output varies between runs"
                elif col.mismatch is None and reference is not None:
                    col.mismatch = _describe(reference, run.observed)
        return BenchResult(program, list(args), runs, cols["native"], cols["translated"], cols["emulated"],
                           qemu, t_translate, "cached output" in res.stages, os.path.getsize(exe), res.instructions)


def _fmt(v, spec: str, none: str = "-") -> str:
    return none if v is None else format(v, spec)


def _spread(values: list[float]) -> str:
    """median [min-max], or - for no runs."""
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def _table(head: tuple, rows: list[tuple]) -> str:
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    line = lambda cells: "  ".join(c.ljust(w) if i in (0, len(head) - 1) else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head), *(line(r) for r in rows)])


def format_times(results: list[BenchResult]) -> str:
    """Wall and CPU seconds, median [min-max] per column, and the ratios of the medians."""
    head = ("program", "native wall s", "translated wall s", "emulated wall s", "translated/native",
            "emulated/translated", "native CPU s", "translated CPU s", "translated/native CPU")
    rows = [(os.path.basename(r.program), _spread(r.native.times), _spread(r.translated.times),
             _spread(r.emulated.times), _fmt(r.translated_ratio, ".3f"), _fmt(r.emulated_ratio, ".2f"),
             _spread(r.native.cpu_times), _spread(r.translated.cpu_times), _fmt(r.translated_cpu_ratio, ".3f"))
            for r in results]
    return _table(head, rows)


def format_sizes(results: list[BenchResult]) -> str:
    """Peak memory, translation time, output size and whether the outputs matched."""
    head = ("program", "native MB", "translated MB", "emulated MB", "translate s", "output MB",
            "guest instructions", "outputs")
    rows = []
    for r in results:
        mism = [f"{c.name}: {c.mismatch}" for c in (r.translated, r.emulated) if c.mismatch]
        mism += [f"native: {r.native.mismatch}"] if r.native.mismatch else []
        rows.append((os.path.basename(r.program), _fmt(_mb(r.native.peak_rss_kb), ".1f"),
                     _fmt(_mb(r.translated.peak_rss_kb), ".1f"), _fmt(_mb(r.emulated.peak_rss_kb), ".1f"),
                     f"{r.translate_seconds:.1f}" + (" (cached)" if r.translate_cached else ""),
                     f"{r.output_bytes / 1e6:.1f}", str(r.guest_instructions), "; ".join(mism) or "identical"))
    return _table(head, rows)


def format_table(results: list[BenchResult]) -> str:
    return format_times(results) + "\n\n" + format_sizes(results)


def format_line(r: BenchResult) -> str:
    """One line of progress: the medians and the ratio."""
    return (f"{os.path.basename(r.program)}: native {_fmt(r.native.median, '.3f')} s, translated "
            f"{_fmt(r.translated.median, '.3f')} s ({_fmt(r.translated_ratio, '.3f')}x), emulated "
            f"{_fmt(r.emulated.median, '.3f')} s; outputs "
            f"{'; '.join(c.mismatch for c in (r.native, r.translated, r.emulated) if c.mismatch) or 'identical'}")


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
