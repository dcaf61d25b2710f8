"""Chunks: a module's functions in groups of a few functions (split), each lifted and
compiled to one object in a worker process.  A chunk's lifted text names no guest
address (translator/lift/function.py, PLACEHOLDER), so its object is cached under a hash of
that text (with the options and the sources of the lifter and code generator,
codegen.lifter_hash) and serves every module that has the same code at other addresses: the
libc of two static programs is compiled once.  The output binds each chunk's placeholders
to its own addresses (Binding).  The translation's other stages (translator/pipeline.py) are
not in the key, so changing them keeps every compiled chunk.

A chunk's lifted text is also kept, under a key without the host (text_key): hosts whose
lifter options are the same (x86_64-linux and x86_64-windows) lift the same text, so a
module translated for one host is compiled for the other from its stored texts
(stored_chunk), with neither discovery nor lifting again."""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import signal
import time
import zlib

from translator import codegen
from translator.cfg import CFG
from translator.lift.function import PLACEHOLDER
from translator.lift.module import LiftOptions, Lifted, lift_chunk
from translator.report import LiftReport

CHUNK_INSNS = 6000      # guest instructions per compiled chunk, at most
MIN_CHUNK_INSNS = 300   # ... and at least, but where a function of the module ends it
CUT_EVERY = 4           # from MIN_CHUNK_INSNS on, a chunk ends after one function in about this many


def _shape(f) -> int:
    """A hash of a function's instructions by kind and length: the same wherever its code
    is linked (displacements and targets left out), so chunk cuts fall at the same
    functions in every program with that code."""
    h = 0
    for start in sorted(f.blocks):
        h = zlib.crc32(bytes(b for i in f.blocks[start].insns for b in (i.id & 0xFF, i.id >> 8, i.size)), h)
    return h


def split(cfg: CFG) -> list[list[int]]:
    """The module's functions in chunks, in address order.  Where a chunk ends depends on its
    functions' code alone (from MIN_CHUNK_INSNS on, after a function whose _shape says so;
    at CHUNK_INSNS at the latest), never on the number of cores or on the code before it,
    so a run of functions makes the same chunks in every module that has it.  Chunks are
    small (a few functions: one function that differs makes its whole chunk differ) but
    not single functions (each object costs LLVM about 3 ms more)."""
    out, cur, n = [], [], 0
    for e, f in cfg.functions.items():
        cur.append(e)
        n += f.ninsns
        if n >= CHUNK_INSNS or (n >= MIN_CHUNK_INSNS and _shape(f) % CUT_EVERY == 0):
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    return out


def options_key(options, triple: str) -> bytes:
    """What of the options goes into every cache key (chunks, modules, whole outputs)."""
    return repr((triple, options.opt, options.strict_flags, options.signal_polls,
                 options.memory_order)).encode()


def chunk_key(text: str, options, triple: str, namespace: bytes = b"", salt: int = 0) -> str:
    """The cache key of a chunk's object: its lifted text, the options, the lifter.
    ``namespace`` keeps apart the chunks of modules linked together (two modules of one
    program with the same chunk need two objects: each binds its own addresses); ``salt``
    does so for two equal chunks of one module."""
    h = hashlib.sha256()
    h.update(codegen.lifter_hash().encode())
    h.update(options_key(options, triple))
    h.update(repr((namespace, salt)).encode())
    h.update(text.encode())
    return h.hexdigest()


@dataclasses.dataclass
class Binding:
    """What a chunk's symbols stand for in this module: ``prefix`` + "T" is its address table
    (guest address of each slot), the ``functions`` it defines ("[guest symbol.]" + prefix +
    "F<n>") and calls (prefix + "X<n>"), with function.PLACEHOLDER where the prefix goes."""
    prefix: str
    table: list[int]
    functions: dict[str, int]


@dataclasses.dataclass
class Built:
    index: int
    key: str
    obj: bytes
    report: LiftReport
    cached: bool
    t_lift: float
    t_comp: float
    binding: Binding
    text_key: str = ""      # where its lifted text is kept (text_key)


def lift_options(options, backend) -> LiftOptions:
    """What the lifter is given: the translation's options and its host's properties."""
    return LiftOptions(options.strict_flags, options.signal_polls, backend.X87, options.memory_order,
                       backend.TSO, backend.SSE)


def text_key(text: str) -> str:
    """The cache key of a lifted text: the same on every host that lifts it alike."""
    return "txt-" + hashlib.sha256(codegen.lifter_hash().encode() + text.encode()).hexdigest()


def build_chunk(cfg: CFG, entries: list[int], options, backend, cache, namespace: bytes = b"",
                salt: int = 0, index: int = 0) -> Built:
    """Lift the chunk and keep its text; compile it unless its object is cached."""
    t0 = time.perf_counter()
    lifted = lift_chunk(cfg, entries, lift_options(options, backend))
    tkey = text_key(lifted.text)
    if not cache.has(tkey):
        cache.put(tkey, zlib.compress(lifted.text.encode(), 1))
    return _compile(lifted, tkey, options, backend, cache, namespace, salt, index, time.perf_counter() - t0)


def _compile(lifted: Lifted, tkey: str, options, backend, cache, namespace: bytes, salt: int, index: int,
             t_lift: float) -> Built:
    t1 = time.perf_counter()
    key = chunk_key(lifted.text, options, backend.TRIPLE, namespace, salt)
    prefix = f"c{key[:24]}_"
    obj = cache.get(key)
    cached = obj is not None
    if obj is None:
        obj = codegen.compile_ir(lifted.text.replace(PLACEHOLDER, prefix), backend, options.opt)
        cache.put(key, obj)
    return Built(index, key, obj, lifted.report, cached, t_lift, time.perf_counter() - t1,
                 Binding(prefix, lifted.table, lifted.functions), tkey)


def stored_chunk(k: int) -> Built:
    """Chunk k of a module lifted before (for a host that lifts alike): compiled from its
    kept text (_W["stored"][k]: text key, salt, address table, functions)."""
    tkey, salt, table, functions = _W["stored"][k]
    raw = _W["cache"].get(tkey)
    if raw is None:
        raise FileNotFoundError(f"lifted text {tkey} left the cache")
    lifted = Lifted(zlib.decompress(raw).decode(), LiftReport(), table, functions)
    return _compile(lifted, tkey, _W["options"], _W["backend"], _W["cache"], _W["namespace"], salt, k, 0.0)


# Worker state, inherited through fork.
_W: dict = {}


def compile_chunk(k: int) -> Built:
    return build_chunk(_W["cfg"], _W["chunks"][k], _W["options"], _W["backend"], _W["cache"],
                       _W["namespace"], 0, k)


def _ignore_sigint():
    """Workers leave ^C to the parent, which stops the pool: one message, no tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_parallel(func, count: int, jobs: int, progress=None, **state) -> list:
    """[func(k) for k in range(count)] in forked worker processes (jobs: 0 = one per CPU),
    in completion order; ``state`` is what func finds in _W (inherited, not pickled)."""
    _W.update(state)
    jobs = jobs or os.cpu_count() or 1
    results = []
    try:
        if jobs > 1 and count > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(min(jobs, count), initializer=_ignore_sigint) as pool:
                for r in pool.imap_unordered(func, range(count)):
                    results.append(r)
                    if progress:
                        progress(len(results), count)
        else:
            for k in range(count):
                results.append(func(k))
                if progress:
                    progress(len(results), count)
    finally:
        _W.clear()
    return results


