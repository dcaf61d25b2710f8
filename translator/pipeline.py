"""The whole translation: Image -> CFG -> lifted chunks -> objects -> host executable.

Chunks of guest functions are lifted and compiled in parallel worker processes; each
chunk's object is cached under a hash of its inputs, so re-translating an unchanged
binary is fast.
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import tempfile
import time

import syscall_shims
from runtime import backends
from runtime.build import program_asm, runtime_ir
from runtime.loader import PAGE, GuestLayout
from translator import bindings, chunks, codegen, dynamic, heap
from translator.cfg import discover
from translator.errors import InputError, OutputError
from translator.image import PF_R, PF_W, Image, load_image
from translator.link import link
from translator.report import LiftReport


@dataclasses.dataclass
class Options:
    target: str | None = None
    opt: int = 2
    strict_flags: bool = False
    signal_polls: bool = False      # deliver signals in loops without system calls
    memory_order: str | None = None  # tso or relaxed (None: the host's default), translator/lift/ordering.py
    jobs: int = 0                   # 0: one per CPU
    cache_dir: str | None = None    # None: no cache
    sysroot: str | None = None      # resolve a dynamic program's libraries inside this root
    with_paths: tuple[str, ...] = ()    # shared objects (or directories of them) added for dlopen


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
    modules: list[dict] = dataclasses.field(default_factory=list)   # a dynamic program's module set

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
            "modules": self.modules,
        }


def guest_layout(image: Image, mapped: list[Image] = (), embedded=(), origin: str = "") -> GuestLayout:
    """Page-aligned regions (merged where segments share pages) and their initial pages, for
    the program and the images the loader maps with it (a dynamic program's interpreter,
    started as the kernel starts it); ``embedded`` are the (guest path, bytes, base) files
    the runtime serves from its own copies (translator/dynamic.py).

    The blob holds each region's pages up to the last one with file bytes, as the guest
    first sees them (the segments' bytes at their page offsets, zeros around them), so that
    one page-aligned piece of the executable becomes one region: the loader moves those
    pages of its own file mapping there (runtime/loader.py) instead of copying them, and
    the pages a run never touches are never read.  Pages past the file bytes (bss) are
    left to the loader's zero-filled mapping."""
    segments = [s for im in (image, *mapped) for s in im.segments]
    spans = []
    for s in segments:
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
    for lo, hi, _ in merged:
        inside = [s for s in segments if s.data and lo <= s.vaddr < hi]
        if not inside:
            continue
        top = max(s.vaddr + len(s.data) for s in inside)
        pages = bytearray(((top + PAGE - 1) & ~(PAGE - 1)) - lo)
        for s in inside:            # in program header order: where two overlap, the later one's bytes
            pages[s.vaddr - lo:s.vaddr - lo + len(s.data)] = s.data
        copies.append((lo, len(blob), len(pages)))
        blob += pages
    interp = mapped[0] if mapped else None
    return GuestLayout([(lo, hi - lo, prot | 1) for lo, hi, prot in merged], copies, bytes(blob),
                       image.entry, image.phdr, image.phnum, image.phentsize, image.brk_start,
                       interp.base if interp else 0, interp.entry if interp else image.entry,
                       list(embedded), origin)


@dataclasses.dataclass
class ModuleBuild:
    """One module's translation: its compiled chunks and what the runtime needs of it."""
    image: Image
    objects: list[bytes]
    entries: list[tuple[int, int, int]]     # dispatch entries: (guest address, function entry, resume index)
    symbols: list[tuple[int, str]]
    functions: int
    jump_tables: int
    report: LiftReport
    chunks: int
    cached_chunks: int
    cached: bool                            # the whole module came from the cache
    stages: dict[str, float]
    bindings: list[chunks.Binding]          # what each chunk's symbols stand for here


def _module_key(image: Image, options: Options, triple: str) -> str:
    h = hashlib.sha256()
    h.update(codegen.toolchain_hash().encode())
    h.update(chunks.options_key(options, triple))
    h.update(repr((image.base, image.shared_object)).encode())
    h.update(image.sha256)
    return "mod-" + h.hexdigest()


def _cached_module(image: Image, key: str, cache) -> ModuleBuild | None:
    raw = cache.get(key)
    if raw is None:
        return None
    meta = json.loads(raw)
    objects = [cache.get(k) for k in meta["chunks"]]
    if any(o is None for o in objects):
        return None
    return ModuleBuild(image, objects, [tuple(e) for e in meta["entries"]], [tuple(s) for s in meta["symbols"]],
                       meta["functions"], meta["jump_tables"], _report(meta["report"]), len(objects), len(objects),
                       True, {},
                       [chunks.Binding(*b) for b in meta["bindings"]])


def translate_module(image: Image, options: Options, backend, cache, tell=lambda *a: None) -> ModuleBuild:
    """Discovery, then lifting and compiling in parallel chunks; a module translated before
    with the same bytes, base and options comes whole from the cache (libc is compiled once
    for every program that uses it)."""
    key = _module_key(image, options, backend.TRIPLE)
    with cache.building(key):
        got = _cached_module(image, key, cache)
        return got if got is not None else _build_module(image, key, options, backend, cache, tell)


def _report(kept: str) -> LiftReport:
    """A LiftReport from its kept form (the repr of its fields, in the module caches)."""
    report = LiftReport()
    report.instructions, report.unsupported, report.beyond_baseline, report.traps = ast.literal_eval(kept)
    return report


def _lifted_key(image: Image, options: Options, backend) -> str:
    """The key of a module's lifted chunks: what the lifter was given, not the host's triple,
    so hosts that lift alike share it (translator/chunks.py)."""
    h = hashlib.sha256()
    h.update(codegen.toolchain_hash().encode())
    h.update(repr(chunks.lift_options(options, backend)).encode())
    h.update(repr((image.base, image.shared_object)).encode())
    h.update(image.sha256)
    return "lifted-" + h.hexdigest()


def _stored_lift(key: str, cache) -> dict | None:
    raw = cache.get(key)
    if raw is None:
        return None
    meta = json.loads(raw)
    return meta if all(cache.has(c[0]) for c in meta["chunks"]) else None


def _build_module(image: Image, key: str, options: Options, backend, cache, tell) -> ModuleBuild:
    stages: dict[str, float] = {}
    # The chunks of a static program are shared with other programs (its libc); those of a
    # dynamic program's modules are kept apart, as the modules are linked together.
    namespace = image.sha256 if (image.interp or image.shared_object) else b""
    lkey = _lifted_key(image, options, backend)
    lifted = _stored_lift(lkey, cache)
    if lifted is None:
        results, lifted = _lift_module(image, options, backend, cache, tell, namespace, stages)
        cache.put(lkey, json.dumps(lifted).encode())
    else:       # lifted before, for a host that lifts alike: compiled from the kept texts
        t = time.perf_counter()
        tell("compile", 0, len(lifted["chunks"]))
        results = chunks.run_parallel(chunks.stored_chunk, len(lifted["chunks"]), options.jobs,
                                      lambda d, n: tell("compile", d, n), stored=lifted["chunks"],
                                      options=options, cache=cache, backend=backend, namespace=namespace)
        results.sort(key=lambda r: r.index)
        stages["compile"] = time.perf_counter() - t
    report = _report(lifted["report"])
    entries = [tuple(e) for e in lifted["entries"]]
    build = ModuleBuild(image, [r.obj for r in results], entries, sorted(image.symbols.items()),
                        lifted["functions"], lifted["jump_tables"], report, len(results),
                        sum(1 for r in results if r.cached), False, stages, [r.binding for r in results])
    cache.put(key, json.dumps({
        "chunks": [r.key for r in results], "entries": entries, "symbols": build.symbols,
        "bindings": [dataclasses.astuple(b) for b in build.bindings],
        "functions": build.functions, "jump_tables": build.jump_tables, "report": lifted["report"],
    }).encode())
    return build


def _lift_module(image: Image, options: Options, backend, cache, tell, namespace: bytes, stages: dict):
    """Discovery, then lifting and compiling in parallel chunks: the compiled chunks, and
    what a host that lifts alike needs to compile them again (_lifted_key)."""
    t = time.perf_counter()
    tell("discovery")
    cfg = discover(image, loop_heads=options.signal_polls)
    heap.freeze()
    stages["discovery"] = time.perf_counter() - t
    groups = chunks.split(cfg)
    t = time.perf_counter()
    tell("lift+compile", 0, len(groups))
    results = chunks.run_parallel(chunks.compile_chunk, len(groups), options.jobs,
                                  lambda d, n: tell("lift+compile", d, n),
                                  cfg=cfg, chunks=groups, options=options, cache=cache, backend=backend,
                                  namespace=namespace)
    results.sort(key=lambda r: r.index)
    seen: set[str] = set()
    salts = []
    for n, r in enumerate(results):     # equal chunks of one module: one object each
        salt = 0
        while r.key in seen:
            salt += 1
            r = chunks.build_chunk(cfg, groups[r.index], options, backend, cache, namespace, salt, r.index)
        results[n] = r
        salts.append(salt)
        seen.add(r.key)
    stages["lift+compile"] = time.perf_counter() - t
    stages["lift (cpu)"] = sum(r.t_lift for r in results)
    stages["compile (cpu)"] = sum(r.t_comp for r in results)
    report = LiftReport()
    for r in results:
        report.merge(r.report)
    lifted = {
        "chunks": [[r.text_key, salt, r.binding.table, r.binding.functions] for r, salt in zip(results, salts)],
        "entries": sorted((a, fe, k) for a, (fe, k) in cfg.dispatch_entries().items()),
        "functions": len(cfg.functions), "jump_tables": sum(len(f.jump_tables) for f in cfg.functions.values()),
        "report": repr((report.instructions, report.unsupported, report.beyond_baseline, report.traps)),
    }
    return results, lifted


_RUNTIMES: dict[str, list[bytes]] = {}


def runtime_objects(backend, dynamic: bool, cache) -> list[bytes]:
    """The runtime's code for this host (runtime/build.py), compiled once: kept for this
    process and in the cache under the sources it comes from."""
    key = "rt-" + hashlib.sha256(repr((codegen.source_hash(), backend.TRIPLE, dynamic)).encode()).hexdigest()
    objs = _RUNTIMES.get(key)
    if objs is None:
        with cache.building(key):
            raw = cache.get(key)
            if raw is not None and raw.isdigit():
                objs = [cache.get(f"{key}.{k}") for k in range(int(raw))]
            if objs is None or any(o is None for o in objs):
                objs = codegen.compile_with_asm(runtime_ir(backend, syscall_shims.load_table(), dynamic),
                                                backend, 2)
                for k, obj in enumerate(objs):
                    cache.put(f"{key}.{k}", obj)
                cache.put(key, str(len(objs)).encode())
        _RUNTIMES[key] = objs
    return objs


def _output_key(image: Image, options: Options, triple: str, plan=None) -> str:
    """The whole output's cache key: the input's bytes (and a dynamic program's every
    module), the options and every source file the output depends on (translator, runtime
    generators, syscall table)."""
    h = hashlib.sha256()
    h.update(codegen.source_hash().encode())
    h.update(chunks.options_key(options, triple))
    h.update(image.sha256)
    if plan is not None:
        h.update(plan.key().encode())
    return "exe-" + h.hexdigest()


def install(data: bytes, out: str) -> None:
    """Write the executable to out atomically: a temporary file in out's directory (the
    link's temporary directory may be on another file system), then a rename, so an
    interrupted or failed run never leaves a partial file or clobbers out."""
    out_dir = os.path.dirname(os.path.abspath(out)) or "."
    tmp_out = os.path.join(out_dir, f".{os.path.basename(out)}.{os.getpid()}.tmp")
    try:
        with open(tmp_out, "wb") as fh:
            fh.write(data)
        os.chmod(tmp_out, 0o755)
        os.replace(tmp_out, out)
    except OSError as e:
        raise OutputError(out, e.strerror or str(e)) from None
    finally:
        if os.path.exists(tmp_out):
            os.unlink(tmp_out)


def translate(path: str, out: str, options: Options, progress=None) -> Result:
    """Translate the ELF at path into the executable out.  progress(stage, done, total), if
    given, is called as the stages advance.  A dynamically linked program is translated
    with its module set (translator/dynamic.py): every module's code is compiled (or taken
    from the per-module cache) and every module's bytes are embedded."""
    def tell(stage, done=0, total=0):
        if progress:
            progress(stage, done, total)

    stages: dict[str, float] = {}
    backend = backends.get(options.target)
    options = dataclasses.replace(options, memory_order=options.memory_order or backend.MEMORY_ORDER)
    triple = backend.TRIPLE
    cache = codegen.ObjectCache(options.cache_dir)
    t = time.perf_counter()
    with heap.long_lived():     # translator/heap.py
        tell("reading")
        image = load_image(path)        # the input is checked first: a bad one is an input error
        if not os.path.isdir(os.path.dirname(os.path.abspath(out)) or "."):
            raise OutputError(out, "the output directory does not exist")
        if image.interp and not getattr(backend, "DYNAMIC", True):
            raise InputError(path, f"dynamically linked programs are not served on the {options.target} host "
                                   "yet: build the program with -static")
        plan = dynamic.plan(image, options.sysroot, options.with_paths) if image.interp else None
        out_key = _output_key(image, options, triple, plan)
        with cache.building(out_key):
            exe = cache.get(out_key)
            meta = cache.get(out_key + ".result") if exe is not None else None
            if exe is not None and meta is not None:
                install(exe, out)
                res = Result(**json.loads(meta))
                res.input, res.output, res.stages = path, out, {"cached output": time.perf_counter() - t}
                return res
            stages["image"] = time.perf_counter() - t
            return _build_output(path, out, image, plan, out_key, options, backend, cache, stages, tell)


def _build_output(path: str, out: str, image: Image, plan, out_key: str, options: Options, backend, cache,
                  stages: dict[str, float], tell) -> Result:
    """Every module (compiled or from the cache), the runtime and the link."""
    images = plan.images if plan else [image]
    builds = []
    for im in images:
        heap.building()
        b = translate_module(im, options, backend, cache, tell)
        builds.append(b)
        for k, v in b.stages.items():
            stages[k] = stages.get(k, 0.0) + v
    report = LiftReport()
    for b in builds:
        report.merge(b.report)
    with tempfile.TemporaryDirectory(prefix="elf2native-") as tmpdir:
        objects = []
        for m, b in enumerate(builds):
            for k, obj in enumerate(b.objects):
                objects.append(os.path.join(tmpdir, f"m{m}-chunk{k}.o"))
                with open(objects[-1], "wb") as fh:
                    fh.write(obj)
        t = time.perf_counter()
        entries = sorted(e for b in builds for e in b.entries)
        symbols = sorted(s for b in builds for s in b.symbols)
        tell("runtime")
        layout = (guest_layout(image, [plan.interpreter], plan.embedded, plan.modules.origin) if plan
                  else guest_layout(image))
        blob_path = os.path.join(tmpdir, "guest.bin")
        with open(blob_path, "wb") as fh:
            fh.write(layout.blob)
        tables, script = bindings.link_inputs([bd for b in builds for bd in b.bindings], tmpdir)
        objects.append(script)
        data = codegen.assemble(program_asm(layout, blob_path, entries, symbols, backend) + tables, backend)
        for k, obj in enumerate([*runtime_objects(backend, bool(layout.embedded), cache), data]):
            rt_obj = os.path.join(tmpdir, f"runtime{k}.o")
            with open(rt_obj, "wb") as fh:
                fh.write(obj)
            objects.append(rt_obj)
        stages["runtime"] = time.perf_counter() - t
        t = time.perf_counter()
        tell("link")
        exe_path = os.path.join(tmpdir, "out.exe")
        ld = link(objects, exe_path, backend, out, layout, cache)
        with open(exe_path, "rb") as fh:
            exe = fh.read()
        cache.put(out_key, exe)
        install(exe, out)
        stages["link"] = time.perf_counter() - t
    res = Result(path, out, sum(b.functions for b in builds), report.instructions, report.unsupported,
                 report.beyond_baseline, len(entries), sum(b.jump_tables for b in builds), stages, ld.name,
                 sum(b.cached_chunks for b in builds), sum(b.chunks for b in builds),
                 [dynamic.describe(m, b) for m, b in zip(plan.modules.modules, builds)] if plan else [])
    cache.put(out_key + ".result", json.dumps(dataclasses.asdict(res)).encode())
    return res
