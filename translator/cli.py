"""The elf2native command line."""
from __future__ import annotations

import argparse
import json
import os
import sys

from translator import __version__
from translator.errors import EXIT_INTERNAL, EXIT_OK, Elf2NativeError

EPILOG = """\
examples:
  elf2native translate ./hello -o hello.native
  elf2native translate ./tool -o tool.native --report tool.json
  elf2native demo

exit codes: 0 ok, 2 usage, 3 input not translatable, 4 no linker or link failed,
            5 output not writable, 70 internal error
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
    t = sub.add_parser("translate", help="translate an ELF program", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("input", help="static x86-64 Linux ELF executable (or static-PIE)")
    t.add_argument("-o", "--output", help="output executable (default: INPUT.native)")
    t.add_argument("--report", metavar="FILE.json", help="write a JSON report of the translation")
    t.add_argument("-j", "--jobs", type=int, default=0, help="parallel workers (default: one per CPU)")
    t.add_argument("--cache-dir", default=None, help=f"object cache (default: {default_cache_dir()})")
    t.add_argument("--no-cache", action="store_true", help="do not read or write the object cache")
    t.add_argument("--target", default=None, help="host triple (default: x86_64-linux)")
    t.add_argument("-O", dest="opt", type=int, choices=range(4), default=2, help="LLVM optimisation level")
    t.add_argument("--strict-flags", action="store_true",
                   help="keep arithmetic flags live across call and ret")
    d = sub.add_parser("demo", help="translate a shipped sample and run it beside the native one")
    d.add_argument("--keep", metavar="DIR", help="keep the sample and its translation in DIR")
    return p


def cmd_translate(args) -> int:
    from translator.pipeline import Options, translate
    out = args.output or args.input + ".native"
    cache = None if args.no_cache else (args.cache_dir or default_cache_dir())
    opts = Options(target=args.target, opt=args.opt, strict_flags=args.strict_flags,
                   jobs=args.jobs, cache_dir=cache)
    res = translate(args.input, out, opts)
    if args.report:
        try:
            with open(args.report, "w") as fh:
                json.dump(res.report(), fh, indent=2)
                fh.write("\n")
        except OSError as e:
            from translator.errors import OutputError
            raise OutputError(args.report, e.strerror or str(e)) from None
    print(f"{out}: {res.functions} functions, {res.instructions} instructions, "
          f"{len(res.unsupported)} unsupported, {res.seconds:.1f} s")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "translate":
            return cmd_translate(args)
        if args.command == "demo":
            from translator.demo import run_demo
            return run_demo(args.keep)
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
