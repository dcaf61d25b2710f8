"""Python's cyclic garbage collector and the translator's long-lived data.

A static glibc program's CFG is about a million Python objects (capstone instructions, blocks,
functions) that live until the translation ends.  Every full collection walks all of them,
and the collector runs them often while the CFG grows and while the workers lift: measured on
the -O2 hello world (125,000 instructions, on a loaded 2-core machine), discovery took
10.5-10.7 s with the collector as Python sets it and 6.6-7.9 s without it, and lifting four
chunks 8.3-9.1 s against 4.2-5.0 s.

So the collector is off while the CFG is built, then the CFG is frozen (gc.freeze: moved out
of every generation, so collections see only what lifting allocates) before the workers fork;
this also keeps the workers from writing to the CFG's pages (copy-on-write).  On leaving, the
frozen objects are returned to the collector."""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def long_lived():
    """Within: the collector is off until freeze() is called, then on for new objects only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def freeze() -> None:
    """Everything allocated so far is long-lived: take it out of collections, collect the rest."""
    gc.freeze()
    gc.enable()


def building() -> None:
    """Another long-lived structure (the next module's CFG) is about to be built."""
    gc.disable()
