"""The whole translation: Image -> CFG -> lifted chunks -> objects -> host executable.

Chunks of guest functions are lifted and compiled in parallel worker processes; each
chunk's object is cached under a hash of its inputs, so re-translating an unchanged
binary is fast.
"""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import tempfile
import time

import syscall_shims
from runtime import backends
from runtime.build import runtime_ir
from runtime.loader import GuestLayout
from translator import codegen
from translator.cfg import CFG, discover
from translator.errors import OutputError
from translator.image import PF_R, PF_W, Image, load_image
from translator.link import link
from translator.lift.module import LiftOptions, lift_chunk
from translator.report import LiftReport

CHUNK_INSNS = 6000      # guest instructions per compiled chunk
PAGE = 4096


@dataclasses.dataclass
class Options:
    target: str | None = None
    opt: int = 2
    strict_flags: bool = False
    jobs: int = 0                   # 0: one per CPU
    cache_dir: str | None = None    # None: no cache


@dataclasses.dataclass
class Result:
    input: str
    output: str
    functions: int
    instructions: int
    unsupported: list[tuple[int, str]]
    beyond_baseline: list[tuple[int, str]]
    indirect_targets: int
    jump_tables: int
    stages: dict[str, float]
    linker: str
    cached_chunks: int
    chunks: int

    @property
    def seconds(self) -> float:
        """Wall time (the "cpu" entries overlap with lift+compile)."""
        return sum(v for k, v in self.stages.items() if "cpu" not in k)

    def report(self) -> dict:
        return {
            "input": self.input, "output": self.output,
            "functions": self.functions, "instructions": self.instructions,
            "unsupported": [{"address": f"{a:#x}", "mnemonic": m} for a, m in self.unsupported],
            "beyond_baseline": {"count": len(self.beyond_baseline),
                                "mnemonics": sorted({m.split()[0] for _, m in self.beyond_baseline})},
            "indirect_targets": self.indirect_targets, "jump_tables": self.jump_tables,
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
            "linker": self.linker, "chunks": self.chunks, "cached_chunks": self.cached_chunks,
        }


def guest_layout(image: Image) -> GuestLayout:
    """Page-aligned regions (merged where segments share pages) and the bytes to copy."""
    spans = []
    for s in image.segments:
        lo = s.vaddr & ~(PAGE - 1)
        hi = (s.end + PAGE - 1) & ~(PAGE - 1)
        prot = (1 if s.flags & PF_R else 0) | (2 if s.flags & PF_W else 0)
        spans.append([lo, hi, prot])
    spans.sort()
    merged: list[list[int]] = []
    for lo, hi, prot in spans:
        if merged and lo < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
            merged[-1][2] |= prot
        else:
            merged.append([lo, hi, prot])
    blob = bytearray()
    copies = []
    for s in image.segments:
        if s.data:
            copies.append((s.vaddr, len(blob), len(s.data)))
            blob += s.data
            blob += bytes((-len(blob)) % 16)
    return GuestLayout([(lo, hi - lo, prot | 1) for lo, hi, prot in merged], copies, bytes(blob),
                       image.entry, image.phdr, image.phnum, image.phentsize, image.brk_start)


def _chunks(cfg: CFG) -> list[list[int]]:
    out, cur, n = [], [], 0
    for e, f in cfg.functions.items():
        cur.append(e)
        n += f.ninsns
        if n >= CHUNK_INSNS:
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    return out


def _chunk_key(cfg: CFG, entries: list[int], options: Options, triple: str) -> str:
    h = hashlib.sha256()
    h.update(codegen.toolchain_hash().encode())
    h.update(repr((triple, options.opt, options.strict_flags)).encode())
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


def _work(k: int):
    cfg, chunks, options, triple, cache, tmpdir = (_W[n] for n in
                                                   ("cfg", "chunks", "options", "triple", "cache", "tmpdir"))
    entries = chunks[k]
    t0 = time.perf_counter()
    key = _chunk_key(cfg, entries, options, triple)
    obj = cache.get(key)
    report = LiftReport()
    cached = obj is not None
    t_lift = t_comp = 0.0
    if obj is None:
        text, report = lift_chunk(cfg, entries, LiftOptions(options.strict_flags), f"chunk{k}")
        t1 = time.perf_counter()
        t_lift = t1 - t0
        obj = codegen.compile_ir(text, backends.get(triple), options.opt)
        t_comp = time.perf_counter() - t1
        cache.put(key, obj)
        cache.put(key + ".report", repr((report.instructions, report.unsupported,
                                         report.beyond_baseline, report.traps)).encode())
    else:
        raw = cache.get(key + ".report")
        if raw is not None:
            import ast
            report.instructions, report.unsupported, report.beyond_baseline, report.traps = \
                ast.literal_eval(raw.decode())
    path = os.path.join(tmpdir, f"chunk{k}.o")
    with open(path, "wb") as fh:
        fh.write(obj)
    return k, path, report, cached, t_lift, t_comp


def translate(path: str, out: str, options: Options, progress=None) -> Result:
    stages: dict[str, float] = {}
    t = time.perf_counter()
    image = load_image(path)
    stages["image"] = time.perf_counter() - t
    t = time.perf_counter()
    cfg = discover(image)
    stages["discovery"] = time.perf_counter() - t
    backend = backends.get(options.target)
    triple = backend.TRIPLE
    cache = codegen.ObjectCache(options.cache_dir)
    chunks = _chunks(cfg)
    out_dir = os.path.dirname(os.path.abspath(out)) or "."
    if not os.path.isdir(out_dir):
        raise OutputError(out, "the output directory does not exist")
    report = LiftReport()
    with tempfile.TemporaryDirectory(prefix="elf2native-") as tmpdir:
        _W.update(cfg=cfg, chunks=chunks, options=options, triple=triple, cache=cache, tmpdir=tmpdir)
        jobs = options.jobs or os.cpu_count() or 1
        t = time.perf_counter()
        results = []
        if jobs > 1 and len(chunks) > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(min(jobs, len(chunks))) as pool:
                for r in pool.imap_unordered(_work, range(len(chunks))):
                    results.append(r)
                    if progress:
                        progress(len(results), len(chunks))
        else:
            for k in range(len(chunks)):
                results.append(_work(k))
                if progress:
                    progress(len(results), len(chunks))
        _W.clear()
        results.sort()
        stages["lift+compile"] = time.perf_counter() - t
        stages["lift (cpu)"] = sum(r[4] for r in results)
        stages["compile (cpu)"] = sum(r[5] for r in results)
        objects = [r[1] for r in results]
        for r in results:
            report.merge(r[2])
        t = time.perf_counter()
        entries = sorted((a, fe, k) for a, (fe, k) in cfg.dispatch_entries().items())
        symbols = sorted((a, n) for a, n in image.symbols.items())
        rt_text = runtime_ir(backend, guest_layout(image), entries, symbols, syscall_shims.load_table())
        rt_obj = os.path.join(tmpdir, "runtime.o")
        with open(rt_obj, "wb") as fh:
            fh.write(codegen.compile_ir(rt_text, backend, 2))
        objects.append(rt_obj)
        stages["runtime"] = time.perf_counter() - t
        t = time.perf_counter()
        tmp_out = os.path.join(out_dir, f".{os.path.basename(out)}.{os.getpid()}.tmp")
        try:
            ld = link(objects, tmp_out, backend)
            os.chmod(tmp_out, 0o755)
            os.replace(tmp_out, out)
        finally:
            if os.path.exists(tmp_out):
                os.unlink(tmp_out)
        stages["link"] = time.perf_counter() - t
    indirect = len(cfg.dispatch_entries())
    njt = sum(len(f.jump_tables) for f in cfg.functions.values())
    return Result(path, out, len(cfg.functions), report.instructions, report.unsupported,
                  report.beyond_baseline, indirect, njt, stages, ld.name,
                  sum(1 for r in results if r[3]), len(chunks))
