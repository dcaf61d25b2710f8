"""Print the number of instruction forms and test cases (inputs) per ISA test category.

    python -m tests.isa.count             plain text
    python -m tests.isa.count --markdown  a table for the docs
"""
from __future__ import annotations

import sys

from . import CATEGORIES
from .harness import cases


def counts() -> list[tuple[str, int, int]]:
    """(category, forms, cases) for every category, in CATEGORIES order."""
    return [(cat, len(cs), sum(c.n for c in cs)) for cat in CATEGORIES for cs in [cases(cat)]]


def main(argv: list[str]) -> int:
    rows = counts()
    total = ("total", sum(r[1] for r in rows), sum(r[2] for r in rows))
    if "--markdown" in argv:
        print("| category | forms | cases |\n|---|---:|---:|")
        for cat, forms, n in rows + [total]:
            print(f"| {cat} | {forms} | {n} |")
    else:
        for cat, forms, n in rows + [total]:
            print(f"{cat:12s} {forms:5d} forms {n:7d} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
