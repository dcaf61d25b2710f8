"""The generated pages under docs/, rendered from the registries they describe.

Each generated page has a render function returning its text and an entry in ``GENERATED``
(path relative to the repository root -> render function). To add a page, write its render
function and add one entry. ``python -m translator.docs`` rewrites every page;
``python -m translator.docs --check`` writes nothing and exits 1 if any page is out of date.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Callable

from translator import syscall_page
from translator.syscall_page import KIND_MEANINGS  # noqa: F401 (the page's own names)

REPO_ROOT = Path(__file__).resolve().parent.parent
REGENERATE = "python -m translator.docs"
SYSCALL_SHIMS_INIT = REPO_ROOT / "syscall-shims" / "__init__.py"


def load_syscall_shims() -> ModuleType:
    """The ``syscall_shims`` package of this checkout, installed or not.

    The package lives in the ``syscall-shims`` directory (pyproject.toml maps the name), so
    ``import syscall_shims`` only works once the project is installed. Without an install, the
    package is loaded from its file and registered under its name.
    """
    try:
        import syscall_shims
    except ModuleNotFoundError as e:
        if e.name != "syscall_shims":
            raise
        spec = importlib.util.spec_from_file_location(
            "syscall_shims", SYSCALL_SHIMS_INIT,
            submodule_search_locations=[str(SYSCALL_SHIMS_INIT.parent)])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered before it runs: dataclasses look their module up in sys.modules.
        sys.modules["syscall_shims"] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules["syscall_shims"]
            raise
        return module
    found = Path(syscall_shims.__file__).resolve()
    if found != SYSCALL_SHIMS_INIT.resolve():
        raise ImportError(
            f"elf2native: syscall_shims is imported from {found}, not from this checkout "
            f"({SYSCALL_SHIMS_INIT}); install this checkout (pip install -e .) or run "
            f"without the other install")
    return syscall_shims


# ---------------------------------------------------------------------------------------------
# docs/syscalls.md: translator/syscall_page.py


def render_syscalls() -> str:
    return syscall_page.render(load_syscall_shims(), REGENERATE)


# ---------------------------------------------------------------------------------------------
# docs/instructions.md


def _tested_forms() -> dict[str, tuple[int, int]]:
    """mnemonic -> (forms, cases) in the per-instruction differential tests (tests/isa)."""
    sys.path.insert(0, str(REPO_ROOT))
    try:
        from tests.isa import CATEGORIES
        from tests.isa.harness import cases
    finally:
        sys.path.pop(0)
    out: dict[str, list[int]] = {}
    for cat in CATEGORIES:
        for c in cases(cat):
            words = c.text.replace(";", " ").split()
            m = next((w for w in words if w not in ("rep", "repe", "repz", "repne", "repnz", "lock")), "")
            e = out.setdefault(m.lower(), [0, 0])
            e[0] += 1
            e[1] += c.n
    return {k: (v[0], v[1]) for k, v in out.items()}


def render_instructions() -> str:
    from runtime import cpuid
    from translator.semantics import load_all
    sems = sorted(load_all().values(), key=lambda s: (s.category, s.mnemonic))
    tested = _tested_forms()
    by_cat = Counter(s.category for s in sems)
    out = [
        "# Supported x86-64 instructions",
        "",
        f"This page is generated from the semantics registry (`translator/semantics/`) and the "
        f"per-instruction tests (`tests/isa/`) by `translator/docs.py`: do not edit it by hand; "
        f"run `{REGENERATE}` to regenerate it.",
        "",
        f"CPUID baseline: {cpuid.BASELINE} (`runtime/cpuid.py`). {len(sems)} mnemonics have "
        f"semantics; {sum(1 for s in sems if s.mnemonic in tested)} of them are exercised by the "
        f"differential tests ({sum(v[0] for v in tested.values())} forms, "
        f"{sum(v[1] for v in tested.values())} cases, counting every test snippet).",
        "",
        "| category | mnemonics |",
        "|---|---:|",
    ]
    for cat, n in sorted(by_cat.items()):
        out.append(f"| {cat} | {n} |")
    out += ["", "| mnemonic | category | tested forms | tested cases |", "|---|---|---:|---:|"]
    for s in sems:
        forms, n = tested.get(s.mnemonic, (0, 0))
        out.append(f"| `{s.mnemonic}` | {s.category} | {forms} | {n} |")
    return "\n".join(out) + "\n"


GENERATED: dict[str, Callable[[], str]] = {
    "docs/syscalls.md": render_syscalls,
    "docs/instructions.md": render_instructions,
}


def stale_pages() -> list[str]:
    """The generated pages whose file differs from what would be generated."""
    stale = []
    for rel, render in GENERATED.items():
        path = REPO_ROOT / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != render():
            stale.append(rel)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description="Regenerate the generated pages under docs/.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated page is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages()
        for rel in stale:
            print(f"elf2native: {rel} is out of date; run {REGENERATE}", file=sys.stderr)
        return 1 if stale else 0
    for rel, render in GENERATED.items():
        path = REPO_ROOT / rel
        text = render()
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
