"""The elf2native command line."""
from __future__ import annotations

import argparse
import json
import os
import sys

from translator import __version__
from translator.lift import ordering
from translator.errors import EXIT_INTERNAL, EXIT_OK, Elf2NativeError

EPILOG = """\
examples:
  elf2native translate ./hello -o hello.native
  elf2native translate ./tool -o tool.native --report tool.json
  elf2native translate bin/* --out-dir out/ -j 2     a batch: continues past failures
  elf2native inspect ./tool            what the translator finds: functions, tables, unsupported
  elf2native bench ./tool -- ARGS      native vs translated vs qemu-x86_64 times
  elf2native demo

exit codes: 0 ok, 1 some inputs of a batch failed, 2 usage, 3 input not translatable,
            4 no linker or link failed, 5 output not writable, 70 internal error,
            130 interrupted
"""


def default_cache_dir() -> str:
    """$ELF2NATIVE_CACHE_DIR, else $XDG_CACHE_HOME/elf2native, else ~/.cache/elf2native."""
    if os.environ.get("ELF2NATIVE_CACHE_DIR"):
        return os.environ["ELF2NATIVE_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "elf2native")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="elf2native", description="Translate Linux x86-64 ELF programs "
                                "ahead of time into host-native executables.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"elf2native {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("translate", help="translate ELF programs", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("inputs", nargs="+", metavar="IN",
                   help="x86-64 Linux ELF executable (static, static-PIE or dynamically linked); "
                        "several for a batch")
    out = t.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", help="output executable, for one input (default: IN.native)")
    out.add_argument("--out-dir", metavar="DIR", help="write each output as DIR/NAME.native")
    t.add_argument("--report", metavar="FILE.json", help="write a JSON report of the translation "
                   "(a list of reports for several inputs)")
    t.add_argument("-j", "--jobs", type=int, default=0, help="parallel workers (default: one per CPU)")
    t.add_argument("--cache-dir", default=None, help=f"object cache (default: {default_cache_dir()})")
    t.add_argument("--no-cache", action="store_true", help="do not read or write the object cache")
    t.add_argument("--target", default=None, help="host triple (default: x86_64-linux)")
    t.add_argument("-O", dest="opt", type=int, choices=range(4), default=2,
                   help="optimisation: 0 none, 1 light, 2 (default) lifted-code pipeline, 3 LLVM's -O3")
    t.add_argument("--strict-flags", action="store_true",
                   help="keep arithmetic flags live across call and ret")
    t.add_argument("--signal-polls", action="store_true",
                   help="deliver asynchronous signals in loops that make no system call "
                        "(each loop polls; 10-25%% slower tight loops)")
    t.add_argument("--memory-order", choices=ordering.POLICIES, default=None,
                   help="tso: plain guest loads and stores keep x86's order as other threads see "
                        "it (barriers; the default on aarch64); relaxed: only locked instructions "
                        "and the host's own order (the default on x86-64, whose hardware is TSO)")
    _module_set_arguments(t)
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar; errors and the summary only")
    t.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    i = sub.add_parser("inspect", help="show what the translator sees in an ELF program",
                       description="Segments, entry, functions and blocks found, jump tables, "
                       "indirect targets and the instructions the lifter does not support, with counts.")
    i.add_argument("input", help="x86-64 Linux ELF executable: static, static-PIE or dynamic")
    i.add_argument("--json", action="store_true", help="print the result as JSON")
    i.add_argument("--functions", action="store_true", help="list every function found")
    _module_set_arguments(i)
    i.add_argument("-j", "--jobs", type=int, default=0, help="parallel workers (default: one per CPU)")
    b = sub.add_parser("bench", help="time a program native, translated and emulated (QEMU)",
                       description="Translate PROGRAM (through the cache), run it native, translated "
                       "and under qemu-x86_64 in interleaved order, each run timed exactly (a blocking "
                       "wait4), and print the median and spread of wall and CPU times, peak "
                       "memory and the ratios; outputs are compared.  --suite DIR runs a whole "
                       "suite (see benchmarks/) and writes DIR/RESULTS.md.",
                       epilog="examples:\n  elf2native bench ./nbody -- 5000000\n"
                       "  elf2native bench --suite benchmarks/ --runs 3",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("program", nargs="?", help="x86-64 Linux ELF executable, static or dynamic")
    b.add_argument("args", nargs="*", help="the program's arguments (after --)")
    b.add_argument("--runs", type=int, default=5, help="runs of each version (default 5)")
    b.add_argument("--suite", metavar="DIR", help="run the suite in DIR (suite.txt, programs/)")
    b.add_argument("--json", action="store_true", help="print the measurements as JSON")
    d = sub.add_parser("demo", help="translate a shipped sample and run it beside the native one")
    d.add_argument("--keep", metavar="DIR", help="keep the sample and its translation in DIR")
    return p


def _module_set_arguments(p) -> None:
    """The options that shape a dynamic program's module set (translate and inspect)."""
    p.add_argument("--sysroot", metavar="DIR", default=None,
                   help="resolve a dynamic program's interpreter and libraries inside DIR "
                        "(an x86-64 root file system), as its ld.so would there")
    p.add_argument("--with", dest="with_paths", metavar="PATH", action="append", default=[],
                   help="also take this shared object, or every shared object in this "
                        "directory, with its own libraries: what the program loads with dlopen "
                        "(repeatable)")


def cmd_translate(args) -> int:
    from translator.batch import translate_all
    if args.output and len(args.inputs) > 1:
        raise UsageError("-o names one output; use --out-dir DIR for several inputs")
    if args.jobs < 0:
        raise UsageError("-j must be 0 (one per CPU) or more")
    return translate_all(args, None if args.no_cache else (args.cache_dir or default_cache_dir()))


def cmd_inspect(args) -> int:
    from translator.inspection import format_text, inspect
    ins = inspect(args.input, args.jobs, args.functions, args.sysroot, args.with_paths)
    if args.json:
        print(json.dumps(ins.as_dict(), indent=2))
    else:
        print(format_text(ins))
    return EXIT_OK


def cmd_bench(args) -> int:
    from pathlib import Path

    from translator.bench import bench, find_qemu, format_table
    from translator.pipeline import Options
    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.suite:
        from translator.bench_suite import main as suite_main
        return suite_main(Path(args.suite), ["--runs", str(args.runs)])
    if not args.program:
        raise UsageError("name a PROGRAM, or --suite DIR")
    if find_qemu() is None:
        print("elf2native: bench: qemu-x86_64 not found (apt install qemu-user); "
              "the emulated column stays empty", file=sys.stderr)
    r = bench(args.program, args.args, args.runs, Options(cache_dir=default_cache_dir()))
    if args.json:
        print(json.dumps(r.as_dict(), indent=2, default=str))
    else:
        print(format_table([r]))
    return EXIT_OK


class UsageError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "translate":
            return cmd_translate(args)
        if args.command == "inspect":
            return cmd_inspect(args)
        if args.command == "bench":
            return cmd_bench(args)
        if args.command == "demo":
            from translator.demo import run_demo
            return run_demo(args.keep)
    except UsageError as e:
        parser.error(str(e))
    except Elf2NativeError as e:
        print(f"elf2native: {e.path}: {e.reason}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("elf2native: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line, plus the traceback only on request
        if os.environ.get("ELF2NATIVE_DEBUG"):
            raise
        print(f"elf2native: internal error: {type(e).__name__}: {e} "
              f"(set ELF2NATIVE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK
