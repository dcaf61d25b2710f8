"""Chunks: a module's functions in groups of about CHUNK_INSNS guest instructions, each
lifted and compiled to one object in a worker process, and cached under a key of everything
that goes into it (its instructions and CFG, the options, and the sources of the lifter and
code generator: codegen.lifter_hash).  The translation's other stages (translator/pipeline.py)
are not in the key, so changing them keeps every compiled chunk."""
from __future__ import annotations

import ast
import hashlib
import multiprocessing
import os
import signal
import time

from translator import codegen
from translator.cfg import CFG
from translator.lift.module import LiftOptions, lift_chunk
from translator.report import LiftReport

CHUNK_INSNS = 6000      # guest instructions per compiled chunk, at most
MIN_CHUNK_INSNS = 1500  # ... and at least (a module smaller than that is one chunk)
CHUNKS_PER_MODULE = 8   # a small module is cut in about this many, so every core has work


def split(cfg: CFG) -> list[list[int]]:
    """The module's functions in chunks of about ``size`` instructions, in address order.
    The cut depends on the module alone (never on the number of cores), so chunks are
    found in the cache on any machine."""
    total = sum(f.ninsns for f in cfg.functions.values())
    size = max(MIN_CHUNK_INSNS, min(CHUNK_INSNS, total // CHUNKS_PER_MODULE))
    out, cur, n = [], [], 0
    for e, f in cfg.functions.items():
        cur.append(e)
        n += f.ninsns
        if n >= size:
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    return out


def options_key(options, triple: str) -> bytes:
    """What of the options goes into every cache key (chunks, modules, whole outputs)."""
    return repr((triple, options.opt, options.strict_flags, options.signal_polls,
                 options.memory_order)).encode()


def chunk_key(cfg: CFG, entries: list[int], options, triple: str) -> str:
    h = hashlib.sha256()
    h.update(codegen.lifter_hash().encode())
    h.update(options_key(options, triple))
    for e in entries:
        f = cfg.functions[e]
        h.update(repr((e, f.resume)).encode())
        for start in sorted(f.blocks):
            b = f.blocks[start]
            h.update(repr((start, b.term, b.succs)).encode())
            for i in b.insns:
                h.update(i.address.to_bytes(8, "little"))
                h.update(bytes(i.bytes))
    return h.hexdigest()


# Worker state, inherited through fork.
_W: dict = {}


def compile_chunk(k: int):
    cfg, chunks, options, triple, cache, backend = (_W[n] for n in
                                                    ("cfg", "chunks", "options", "triple", "cache", "backend"))
    entries = chunks[k]
    t0 = time.perf_counter()
    key = chunk_key(cfg, entries, options, triple)
    obj = cache.get(key)
    report = LiftReport()
    cached = obj is not None
    t_lift = t_comp = 0.0
    if obj is None:
        text, report = lift_chunk(cfg, entries, LiftOptions(options.strict_flags, options.signal_polls,
                                                          backend.X87, options.memory_order, backend.TSO),
                                  f"chunk{k}")
        t1 = time.perf_counter()
        t_lift = t1 - t0
        obj = codegen.compile_ir(text, backend, options.opt)
        t_comp = time.perf_counter() - t1
        cache.put(key, obj)
        cache.put(key + ".report", repr((report.instructions, report.unsupported,
                                         report.beyond_baseline, report.traps)).encode())
    else:
        raw = cache.get(key + ".report")
        if raw is not None:
            report.instructions, report.unsupported, report.beyond_baseline, report.traps = \
                ast.literal_eval(raw.decode())
    return k, key, obj, report, cached, t_lift, t_comp


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


