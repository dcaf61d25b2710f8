"""Stage 5: link the objects into one static, freestanding host executable.

The linker is found, not assumed: ``ld.lld`` on PATH, the ``ziglang`` package's lld, or GNU
ld (x86-64 hosts only).
"""
from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import subprocess
import sys
import tempfile

from translator.errors import ToolchainError


@dataclasses.dataclass(frozen=True)
class Linker:
    name: str
    argv: tuple[str, ...]
    lld: bool


def find_linker(emulation: str) -> Linker:
    p = shutil.which("ld.lld")
    if p:
        return Linker("ld.lld (PATH)", (p,), True)
    if importlib.util.find_spec("ziglang") is not None:
        return Linker("ld.lld (ziglang package)", (sys.executable, "-m", "ziglang", "ld.lld"), True)
    p = shutil.which("ld")
    if p and emulation == "elf_x86_64":
        return Linker("GNU ld", (p,), False)
    if emulation != "elf_x86_64":
        raise ToolchainError("linker", f"no linker for {emulation} found: GNU ld links x86-64 "
                                       "only; install lld (apt install lld) or `pip install ziglang`")
    raise ToolchainError("linker", "no linker found: install lld (apt install lld) or "
                                   "`pip install ziglang`, or GNU binutils on x86-64")


def link(objects: list[str], out: str, backend, name: str | None = None, layout=None, cache=None) -> Linker:
    """Link objects into out; errors name ``name`` (the user's output path) if given.  A
    PE host (backend.OBJECT_FORMAT "coff") also needs the guest's layout and the cache."""
    if getattr(backend, "OBJECT_FORMAT", "elf") == "coff":
        from translator import link_pe
        return link_pe.link(objects, out, backend, name or out, layout, cache)
    ld = find_linker(backend.LINK_EMULATION)
    base = f"{backend.IMAGE_BASE:#x}"
    args = [*ld.argv, "-m", backend.LINK_EMULATION, "-static", "-nostdlib", "-e", "_start",
            "--build-id=none", "-z", "noexecstack", "-o", out]
    # GNU ld cannot relax every GOTPCRELX of LLVM's PIC objects in a static link (it stops
    # with "failed to convert GOTPCREL relocation"): it keeps those GOT entries instead.
    args += [f"--image-base={base}"] if ld.lld else [f"-Ttext-segment={base}", "--no-relax"]
    args += objects
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr or r.stdout).strip().splitlines()
        raise ToolchainError(name or out, f"link failed ({ld.name}): {msg[0] if msg else 'no message'}")
    return ld


def find_assembler(triple: str) -> tuple[str, ...]:
    """An assembler for triple, for modules with inline or module-level asm compiled for
    another machine (llvmlite has only the native asm parser): llvm-mc on PATH, else the
    ``ziglang`` package's clang."""
    p = shutil.which("llvm-mc")
    if p:
        return (p, f"-triple={triple}", "-filetype=obj")
    if importlib.util.find_spec("ziglang") is not None:
        arch = triple.split("-")[0]
        return (sys.executable, "-m", "ziglang", "cc", f"--target={arch}-linux-none", "-c", "-x", "assembler")
    raise ToolchainError("assembler", f"no assembler for {triple} found: install llvm (apt install llvm) "
                                      "or `pip install ziglang`")


def assemble(asm: str, triple: str) -> bytes:
    """Assembly text -> object file bytes."""
    argv = find_assembler(triple)
    with tempfile.TemporaryDirectory(prefix="elf2native-as-") as d:
        src, obj = f"{d}/in.s", f"{d}/out.o"
        with open(src, "w") as fh:
            fh.write(asm)
        r = subprocess.run([*argv, src, "-o", obj], capture_output=True, text=True)
        if r.returncode != 0:
            msg = (r.stderr or r.stdout).strip().splitlines()
            raise ToolchainError("assembler", f"assembly failed: {msg[0] if msg else 'no message'}")
        with open(obj, "rb") as fh:
            return fh.read()
