"""The semantics registry: one decorated Python function per instruction.

A semantic is ``def sem(ctx, insn)`` registered with ``@semantic("add", "sub", ...)`` under
capstone's mnemonic names (resolved to capstone instruction ids). It emits host-independent
LLVM IR through ``ctx`` (translator.lift.function.FunctionLifter); it never emits x86
intrinsics or inline asm. Registering the same instruction twice is an import-time error.

Control-flow semantics (jcc, jmp, call, ret) return what the lifter needs to branch: the
condition (i1) or the target address (i64); the lifter builds the branch itself.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

from capstone import x86 as X

CATEGORIES = ("integer", "shifts", "muldiv", "bits", "bmi", "control", "strings", "system", "sse_move",
              "sse_int", "sse_float", "x87")


@dataclasses.dataclass(frozen=True)
class Semantic:
    mnemonic: str
    insn_id: int
    category: str
    func: Callable
    doc: str


SEMANTICS: dict[int, Semantic] = {}


class RegistryError(Exception):
    pass


def insn_id(mnemonic: str) -> int:
    try:
        return getattr(X, "X86_INS_" + mnemonic.upper())
    except AttributeError:
        raise RegistryError(f"capstone has no x86 instruction named {mnemonic!r}") from None


def semantic(*mnemonics: str):
    """Register the decorated function as the semantics of each mnemonic."""
    def deco(func):
        category = func.__module__.rsplit(".", 1)[-1]
        if category not in CATEGORIES:
            raise RegistryError(f"{func.__module__}: not a semantics category file")
        for m in mnemonics:
            iid = insn_id(m)
            if iid in SEMANTICS:
                old = SEMANTICS[iid]
                raise RegistryError(f"{m} registered twice: {old.func.__module__}.{old.func.__name__} "
                                    f"and {func.__module__}.{func.__name__}")
            SEMANTICS[iid] = Semantic(m, iid, category, func, (func.__doc__ or "").strip())
        return func
    return deco


def load_all() -> dict[int, Semantic]:
    """Import every category file (registration happens at import)."""
    for c in CATEGORIES:
        importlib.import_module(f"translator.semantics.{c}")
    return SEMANTICS
