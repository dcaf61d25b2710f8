"""Stage 5 for the Windows host: link a PE32+ console executable with lld-link.

The executable has no C runtime; it imports kernel32 and kernelbase only, through the import
libraries the backend generates (runtime/backends/x86_64_windows).  Its layout, from the lowest address:

    headers, .rdata (the import tables) | .arena: the guest's fixed range | code and data

``.arena`` is a section without file contents that covers the guest's segments and its brk
area, so the image loader maps that range for the guest before the process heap or anything
else can take it.  lld-link places its standard sections (.text, .rdata, .data...) before
sections of other names, so the objects' own sections are renamed (in their COFF section
tables) to names that sort after ``.arena``, and the image base is chosen just below the
guest's lowest address.  Every step is checked: an image the Windows loader could not map,
or whose arena does not cover the guest, is an error naming the output.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from translator.errors import ToolchainError
from translator.link import Linker

ARENA = ".arena"
GRANULE = 0x10000                  # Windows' allocation granularity: image bases are multiples
# The standard section names lld-link orders first, and what the objects' sections become.
RENAMES = {".text": ".ztext", ".rdata": ".zrdata", ".data": ".zdata", ".bss": ".zbss",
           ".pdata": ".zpdata", ".xdata": ".zxdata"}
MAX_IMAGE = 0xF000_0000            # SizeOfImage is 32 bits


def find_lld_link() -> Linker:
    p = shutil.which("lld-link")
    if p:
        return Linker("lld-link (PATH)", (p,), True)
    if importlib.util.find_spec("ziglang") is not None:
        return Linker("lld-link (ziglang package)", (sys.executable, "-m", "ziglang", "lld-link"), True)
    raise ToolchainError("linker", "no lld-link found for the Windows host: install lld (apt install lld) "
                                   "or `pip install ziglang`")


def rename_sections(obj: bytes) -> bytes:
    """A COFF object with its standard sections renamed (RENAMES; grouped names such as
    ``.rdata$r`` keep their group).  Names longer than 8 bytes live in the string table and
    are left as they are: they are never standard ones."""
    b = bytearray(obj)
    nsec, = struct.unpack_from("<H", b, 2)
    opt, = struct.unpack_from("<H", b, 16)
    for i in range(nsec):
        p = 20 + opt + 40 * i
        raw = bytes(b[p:p + 8]).rstrip(b"\0")
        if raw.startswith(b"/"):
            continue
        base, sep, group = raw.decode("latin-1").partition("$")
        if base in RENAMES:
            new = (RENAMES[base] + sep + group).encode("latin-1")
            if len(new) > 8:
                raise ValueError(f"section {raw!r}: renamed, it would not fit 8 bytes")
            b[p:p + 8] = new.ljust(8, b"\0")
    return bytes(b)


def image_sections(exe: bytes) -> dict[str, tuple[int, int]]:
    """name -> (virtual address, virtual size) of a PE image's sections; and "" -> (image
    base, size of image)."""
    pe, = struct.unpack_from("<I", exe, 0x3C)
    nsec, = struct.unpack_from("<H", exe, pe + 6)
    opt_size, = struct.unpack_from("<H", exe, pe + 20)
    opt = pe + 24
    base, = struct.unpack_from("<Q", exe, opt + 24)
    size_of_image, = struct.unpack_from("<I", exe, opt + 56)
    out = {"": (base, size_of_image)}
    for i in range(nsec):
        p = opt + opt_size + 40 * i
        name = exe[p:p + 8].rstrip(b"\0").decode("latin-1")
        vsize, va = struct.unpack_from("<II", exe, p + 8)
        out[name] = (base + va, vsize)
    return out


def guest_range(layout, brk_reserve: int) -> tuple[int, int]:
    lo = min(start for start, _size, _prot in layout.regions)
    hi = max(max(start + size for start, size, _prot in layout.regions), layout.brk_start + brk_reserve)
    return lo, hi


def _aliases(script: str) -> list[str]:
    """The symbol assignments of bindings.link_inputs's linker script ("HIDDEN(a = b);",
    "a = b;"), as lld-link's /alternatename (a, when undefined, is b)."""
    with open(script) as fh:
        alias = dict(re.findall(r"([^\s()=;]+) = ([^\s()=;]+)", fh.read()))
    out = []
    for a, b in alias.items():
        seen = {a}
        while b in alias and b not in seen:     # lld-link does not follow a chain of them
            seen.add(b)
            b = alias[b]
        out.append(f"/alternatename:{a}={b}")
    return out


def link(objects: list[str], out: str, backend, name: str, layout, cache) -> Linker:
    from translator import codegen
    ld = find_lld_link()
    lo, hi = guest_range(layout, backend.BRK_RESERVE)
    base = (lo & ~(GRANULE - 1)) - GRANULE
    if base < GRANULE or hi - base > MAX_IMAGE:
        raise ToolchainError(name, f"the guest's address range {lo:#x}-{hi:#x} cannot be an arena "
                                   "of a PE image (below 64 KiB, or over 3.75 GiB)")
    provider, libs = backend.provider_files(cache)
    arena = codegen.assemble("\n".join([
        f'.section {ARENA},"bw"', ".globl rt_arena", "rt_arena:", f".zero {hi - base}",
        ".globl rt_arena_end", "rt_arena_end:"]), backend)
    with tempfile.TemporaryDirectory(prefix="elf2native-pe-") as d:
        inputs, options = [], []
        for k, path in enumerate(objects):
            if path.endswith(".ld"):
                options += _aliases(path)
                continue
            with open(path, "rb") as fh:
                data = rename_sections(fh.read())
            inputs.append(os.path.join(d, f"in{k}.o"))
            with open(inputs[-1], "wb") as fh:
                fh.write(data)
        for fname, data in [("arena.o", arena), *((f"lx{k}.o", rename_sections(o)) for k, o in enumerate(provider)),
                            *((f"lib{k}.lib", lib) for k, lib in enumerate(libs))]:
            inputs.append(os.path.join(d, fname))
            with open(inputs[-1], "wb") as fh:
                fh.write(data)
        rsp = os.path.join(d, "link.rsp")
        with open(rsp, "w") as fh:
            fh.write("\n".join(["/nologo", "/entry:lx_entry", "/subsystem:console", "/nodefaultlib",
                                "/fixed", "/Brepro", "/dynamicbase:no", "/highentropyva:no", "/machine:x64",
                                f"/base:{base:#x}", f"/out:{out}", *options,
                                *(f'"{p}"' for p in inputs)]) + "\n")
        r = subprocess.run([*ld.argv, f"@{rsp}"], capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr or r.stdout).strip().splitlines()
        raise ToolchainError(name, f"link failed ({ld.name}): {msg[0] if msg else 'no message'}")
    with open(out, "rb") as fh:
        sections = image_sections(fh.read())
    start, size = sections.get(ARENA, (0, 0))
    if not (start <= lo and start + size >= hi):
        raise ToolchainError(name, f"the PE image's arena {start:#x}-{start + size:#x} does not cover the "
                                   f"guest's range {lo:#x}-{hi:#x}")
    return ld
