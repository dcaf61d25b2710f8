"""Per-instruction differential tests: keystone-assembled snippets run natively and translated.

One file per instruction category holds `CASES = [case(...), ...]`; CATEGORIES below is the
explicit list of those files. harness.py builds one test program per category, compare.py
compares the register file, flags, MXCSR, XMM registers and scratch memory record by record,
tests/test_isa.py drives it under pytest, `python -m tests.isa.count` prints the counts.
See tests/isa/README.md for adding an instruction form.
"""
from .spec import case

CATEGORIES = (
    "integer",
    "shifts",
    "bits",
    "bmi",
    "muldiv",
    "cmov_setcc",
    "string_ops",
    "sse_int",
    "sse_float",
    "x87",
)

__all__ = ["CATEGORIES", "case"]
