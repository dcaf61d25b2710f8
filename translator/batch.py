"""`elf2native translate IN...`: one input or a batch, with progress, a summary and reports.

A batch goes on past failures (each one line on stderr, `elf2native: PATH: reason`) and exits
1 if any input failed; a single input exits with its own error's code.  Each translation
uses the -j workers for its chunks; outputs are written atomically by the pipeline.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback

from translator.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, Elf2NativeError, OutputError


def output_paths(inputs: list[str], output: str | None, out_dir: str | None) -> list[str]:
    if output:
        return [output]
    if out_dir:
        return [os.path.join(out_dir, os.path.basename(os.path.normpath(p)) + ".native") for p in inputs]
    return [p + ".native" for p in inputs]


class _Progress:
    """A tqdm bar on stderr for the current input's stages (only on a terminal)."""

    def __init__(self, enabled: bool):
        self.bar = None
        self.enabled = enabled
        self.name = ""

    def start(self, name: str):
        self.name = name
        if self.enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=1, desc=name, unit="chunk", leave=False, file=sys.stderr,
                            dynamic_ncols=True)

    def __call__(self, stage: str, done: int, total: int):
        if self.bar is None:
            return
        self.bar.set_description_str(f"{self.name}: {stage}")
        if total:
            self.bar.total = total
            self.bar.n = done
        self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def write(self, line: str, err: bool = False):
        stream = sys.stderr if err else sys.stdout
        if self.bar is not None:
            from tqdm import tqdm
            tqdm.write(line, file=stream)
        else:
            print(line, file=stream, flush=True)


def _summary(rows: list[dict]) -> str:
    head = ("input", "status", "functions", "instructions", "unsupported", "seconds")
    body = [(r["input"], "ok" if "error" not in r else f"error {r['exit_code']}",
             str(r.get("functions", "")), str(r.get("instructions", "")),
             str(len(r["unsupported"])) if "unsupported" in r else "",
             f"{r['seconds']:.1f}") for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    ok = sum(1 for r in rows if "error" not in r)
    return "\n".join([fmt.format(*head), *(fmt.format(*b) for b in body),
                      f"{ok} of {len(rows)} translated, {len(rows) - ok} failed"])


def translate_all(args, cache_dir: str | None) -> int:
    from translator.pipeline import Options, translate
    opts = Options(target=args.target, opt=args.opt, strict_flags=args.strict_flags,
                   signal_polls=args.signal_polls, memory_order=args.memory_order,
                   jobs=args.jobs, cache_dir=cache_dir, sysroot=args.sysroot,
                   with_paths=tuple(args.with_paths))
    outs = output_paths(args.inputs, args.output, args.out_dir)
    if args.out_dir:
        try:
            os.makedirs(args.out_dir, exist_ok=True)    # as `install -D` and `cp -t` users expect
        except OSError as e:
            raise OutputError(args.out_dir, f"cannot create the output directory: {e.strerror or e}") from None
    single = len(args.inputs) == 1
    progress = _Progress(not args.quiet and not args.json and sys.stderr.isatty())
    rows: list[dict] = []
    codes: list[int] = []
    taken: set[str] = set()
    for path, out in zip(args.inputs, outs):
        t0 = time.perf_counter()
        progress.start(path)
        try:
            if os.path.abspath(out) in taken:
                raise OutputError(out, "another input of this batch has the same output name")
            taken.add(os.path.abspath(out))
            res = translate(path, out, opts, progress)
            row = res.report()
            row["seconds"] = round(res.seconds, 3)
            code = EXIT_OK
            line = (f"{out}: {res.functions} functions, {res.instructions} instructions, "
                    f"{len(res.unsupported)} unsupported, {res.seconds:.1f} s"
                    + (" (cached)" if "cached output" in res.stages else ""))
        except Elf2NativeError as e:
            if single:
                raise
            code, line = e.exit_code, f"elf2native: {e.path}: {e.reason}"
            row = {"input": path, "output": out, "error": e.reason, "exit_code": code}
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:     # a bug: this input fails, the batch goes on
            if single:
                raise
            if os.environ.get("ELF2NATIVE_DEBUG"):
                traceback.print_exc()
            code = EXIT_INTERNAL
            line = f"elf2native: {path}: internal error: {type(e).__name__}: {e}"
            row = {"input": path, "output": out, "error": f"internal error: {type(e).__name__}: {e}",
                   "exit_code": code}
        finally:
            progress.close()
        row.setdefault("seconds", round(time.perf_counter() - t0, 3))
        rows.append(row)
        codes.append(code)
        if code != EXIT_OK:
            progress.write(line, err=True)
        elif not args.json:
            progress.write(line)
    if args.report:
        try:
            with open(args.report, "w") as fh:
                json.dump(rows[0] if single else rows, fh, indent=2)
                fh.write("\n")
        except OSError as e:
            raise OutputError(args.report, e.strerror or str(e)) from None
    if args.json:
        print(json.dumps({"results": rows, "failed": sum(1 for c in codes if c)}, indent=2))
    elif not single:
        print(_summary(rows))
    if single:
        return codes[0]
    return EXIT_FAILED if any(codes) else EXIT_OK
