"""Stage 4: LLVM IR text -> optimized host object file, with a content-hash cache."""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
from pathlib import Path

import llvmlite
import llvmlite.binding as llvm


@functools.cache
def _init():
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()     # the runtime's inline and module-level asm
    try:
        llvm.initialize_all_targets()
        llvm.initialize_all_asmprinters()
    except Exception:
        pass
    # DAG store merging turns two adjacent 8-byte loads of the guest stack (two pops) into
    # one 16-byte load; right after the two 8-byte pushes that stored them, that load cannot
    # be forwarded from the store buffer and stalls (perf on translated lua: 58% of
    # luaD_precall's samples on one such movups; the same in malloc's _int_free). Off, over
    # 3-5 interleaved runs: binarytrees -4%, sqlite -3%, interp -4%, qsort -3%, lua -2%,
    # vcalls within noise (-2%..+5%), regex +1..3%.
    llvm.set_option("", "-combiner-store-merging=false")
    return True


@functools.cache
def target_machine(triple: str, opt: int, cpu: str = "", features: str = ""):
    _init()
    target = llvm.Target.from_triple(triple)
    return target.create_target_machine(cpu=cpu, features=features, opt=opt, reloc="pic",
                                        codemodel="small")


def no_builtins(text: str) -> str:
    """Mark every function definition "no-builtins": there is no libc to call, so LLVM must
    not turn loops into strlen/memcmp/... calls (memcpy/memmove/memset are in the runtime)."""
    return text.replace(")\n{\n", ") \"no-builtins\"\n{\n")


def foreign(triple: str) -> bool:
    """True when triple is not this machine's architecture: llvmlite can then compile IR
    but not parse asm for it (LLVM aborts), so modules with asm go through an assembler."""
    return triple.split("-")[0] != llvm.get_process_triple().split("-")[0]


def compile_with_asm(text: str, backend, opt: int = 2) -> list[bytes]:
    """Objects of a module with module-level asm (the runtime).  For a foreign target the
    asm lines are assembled apart (such a module has no inline asm: its backend calls
    functions written in the module-level asm instead)."""
    if not foreign(backend.TRIPLE):
        return [compile_ir(text, backend, opt)]
    from runtime.irkit import asm_unescape
    from translator.link import assemble
    asm, rest = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith('module asm "'):
            asm.append(asm_unescape(line[len('module asm "'):].rstrip().removesuffix('"')) + "\n")
        else:
            rest.append(line)
    return [compile_ir("".join(rest), backend, opt), assemble("".join(asm), backend.TRIPLE)]


def assemble(asm: str, backend) -> bytes:
    """An object of assembly text (data tables): LLVM's own assembler for this machine,
    an assembler program for another (translator/link.py)."""
    if foreign(backend.TRIPLE):
        from translator.link import assemble as assemble_apart
        return assemble_apart(asm, backend.TRIPLE)
    from runtime.irkit import coff_asm, module_asm
    if getattr(backend, "OBJECT_FORMAT", "elf") == "coff":
        asm = coff_asm(asm)
    return compile_ir(module_asm(asm.splitlines()), backend, 0)


def compile_ir(text: str, backend, opt: int = 2) -> bytes:
    triple = backend.TRIPLE
    tm = target_machine(triple, opt, backend.CPU, backend.FEATURES)
    mod = llvm.parse_assembly(no_builtins(text))
    mod.triple = triple
    mod.data_layout = str(tm.target_data)
    mod.verify()
    if opt > 0:
        optimize(mod, tm, opt)
    return tm.emit_object(mod)


def optimize(mod, tm, opt: int):
    """-O1/-O2: a function pipeline made for lifted code; -O3: LLVM's whole -O3 pipeline.

    Lifted functions are already optimized guest code whose registers and flags live in
    allocas: what pays off is SROA (registers into SSA), instcombine (flag and address
    arithmetic), GVN (repeated State and guest loads), DSE (dead State stores) and CFG
    clean-up.  LLVM's default module pipeline adds loop and inlining passes that cost about
    as much again for the same code size (measured on glibc chunks: 1.7 s against 4.0 s of
    optimization for 550 KB of objects, the same size within 1%)."""
    pto = llvm.create_pipeline_tuning_options(speed_level=min(opt, 3))
    pb = llvm.create_pass_builder(tm, pto)
    if opt >= 3:
        pb.getModulePassManager().run(mod, pb)
        return
    fpm = llvm.create_new_function_pass_manager()
    fpm.add_sroa_pass()
    fpm.add_instruction_combine_pass()
    fpm.add_simplify_cfg_pass()
    if opt >= 2:
        fpm.add_sccp_pass()
        fpm.add_jump_threading_pass()
        fpm.add_new_gvn_pass()
        fpm.add_dead_store_elimination_pass()
        fpm.add_instruction_combine_pass()
        fpm.add_simplify_cfg_pass()
    fpm.add_aggressive_dce_pass()
    for f in mod.functions:
        if not f.is_declaration:
            fpm.run(f, pb)


PYTHON_SOURCES = (".py", ".tbl")
PROVIDER_SOURCES = (".c", ".h", ".def")     # a C provider's (the Windows host): in outputs only


def _hash_sources(subs: tuple[str, ...], suffixes: tuple[str, ...] = PYTHON_SOURCES) -> str:
    h = hashlib.sha256()
    h.update(llvmlite.__version__.encode())
    root = Path(__file__).resolve().parent.parent
    for sub in subs:
        for p in sorted((root / sub).rglob("*")) if (root / sub).is_dir() else [root / sub]:
            if p.suffix in suffixes:
                h.update(p.relative_to(root).as_posix().encode())
                h.update(p.read_bytes())
    return h.hexdigest()


# what makes a chunk's object: discovery's CFG, the lifter, the code generator, the State ABI
LIFTER_SOURCES = ("translator/lift", "translator/semantics", "translator/chunks.py", "translator/codegen.py",
                  "translator/cfg.py", "translator/jumptables.py", "translator/ehframe.py", "translator/image.py",
                  "translator/heap.py", "translator/report.py", "runtime/abi.py", "runtime/backends")


@functools.cache
def lifter_hash() -> str:
    """Changes whenever the lifter, the code generator, the State ABI or LLVM changes: part
    of every chunk's cache key."""
    return _hash_sources(LIFTER_SOURCES)


@functools.cache
def toolchain_hash() -> str:
    """Changes whenever anything of the translator changes: part of every module's cache key
    (its entries and report come from the whole translator; its chunks are found again by
    their own keys)."""
    return _hash_sources(("translator", "runtime/abi.py", "runtime/backends"))


@functools.cache
def source_hash() -> str:
    """Changes whenever anything that goes into an output changes: part of the key of the
    cached whole output (the runtime is generated per program from runtime/ and the table)."""
    return _hash_sources(("translator", "runtime", "syscall-shims"), PYTHON_SOURCES + PROVIDER_SOURCES)


class ObjectCache:
    """Objects stored by content hash under a directory (None: no cache)."""

    def __init__(self, directory: str | None):
        self.dir = Path(directory) if directory else None

    def path(self, key: str) -> Path | None:
        return None if self.dir is None else self.dir / key[:2] / f"{key}.o"

    def has(self, key: str) -> bool:
        """Whether key is cached, without reading it."""
        p = self.path(key)
        return p is not None and p.exists()

    def get(self, key: str) -> bytes | None:
        p = self.path(key)
        if p is not None and p.exists():
            try:
                return p.read_bytes()
            except OSError:
                return None
        return None

    @contextlib.contextmanager
    def building(self, key: str):
        """Held while ``key`` is being built: another process that needs the same module or
        output (a parallel build, the other test worker) waits, then finds it cached instead
        of compiling it again.  An flock, so a killed builder releases it."""
        p = self.path(key)
        fd = -1
        if p is not None:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(p.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                pass    # without the lock the work is only done twice
        try:
            yield
        finally:
            if fd >= 0:
                os.close(fd)

    def put(self, key: str, data: bytes):
        p = self.path(key)
        if p is None:
            return
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, p)
        except OSError:
            pass    # a cache that cannot be written is only slower
