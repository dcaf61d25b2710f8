"""A dynamically linked program's translation plan: the module set (translator/modules.py)
placed in the guest's address space, one Image per module.

Every module gets a fixed base, chosen at translation time from its content hash: the
program where the kernel would put it (translator.image), every shared object (the guest's
own ld.so included) in a slot of MODULE_AREA.  The runtime's mmap shim hands that base to
the guest's ld.so when it maps the module (runtime/overlay.py), so the translated code,
lifted at absolute addresses, is the code that runs.  The same bytes always get the same
base, so a library's compiled chunks are shared by every program that uses it (the
per-module cache of translator/pipeline.py).  Base-relative lifting was the alternative:
every guest address computed from a per-module register costs an add on each access and
call and breaks the constant folding of rip-relative addresses the lifter relies on.
"""
from __future__ import annotations

import dataclasses
import hashlib
import struct

from translator import modules as modset
from translator.errors import InputError
from translator.image import Image, load_image

# Where shared objects are placed: below the host executable (0x7e00_0000_0000) and the
# kernel's mmap area, far above a PIE program (0x5555_5555_4000) and its brk.
MODULE_AREA = (0x6000_0000_0000, 0x7000_0000_0000)
MODULE_SLOT = 1 << 30
LD_SO_CACHE = "/etc/ld.so.cache"
PAGE = 4096


def load_extent(path: str) -> int:
    """Bytes the PT_LOAD segments of the ELF at path span, page-aligned (0 if none)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
        if len(head) < 64 or head[:4] != b"\x7fELF":
            raise InputError(path, "not an ELF file")
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        fh.seek(phoff)
        table = fh.read(phentsize * phnum)
    lo, hi = None, 0
    for k in range(phnum):
        p_type, _flags, _off, vaddr, _paddr, _filesz, memsz = struct.unpack_from("<IIQQQQQ", table, k * phentsize)
        if p_type == 1 and memsz:
            lo = vaddr if lo is None else min(lo, vaddr)
            hi = max(hi, vaddr + memsz)
    if lo is None:
        return 0
    return ((hi + PAGE - 1) & ~(PAGE - 1)) - (lo & ~(PAGE - 1))


def assign_bases(mods: list[modset.Module]) -> list[int]:
    """A base per shared object: the slot its content hash names, or the next free one."""
    nslots = (MODULE_AREA[1] - MODULE_AREA[0]) // MODULE_SLOT
    taken: set[int] = set()
    bases = []
    for m in mods:
        need = max(1, -(-load_extent(m.host_path) // MODULE_SLOT))
        slot = int(m.sha256[:12], 16) % nslots
        while any((slot + k) % nslots in taken for k in range(need)) or slot + need > nslots:
            slot = (slot + 1) % nslots
        taken.update(slot + k for k in range(need))
        bases.append(MODULE_AREA[0] + slot * MODULE_SLOT)
    return bases


@dataclasses.dataclass
class Plan:
    modules: modset.ModuleSet
    images: list[Image]             # program, interpreter, libraries: one translation each
    interpreter: Image
    embedded: list[tuple[str, str, int]]    # (guest path, host path, base or 0) served by the runtime

    def key(self) -> str:
        """Identifies the whole set (paths, contents, bases) for the output cache."""
        h = hashlib.sha256(self.modules.origin.encode())
        for m, im in zip(self.modules.modules, self.images):
            h.update(repr((m.path, m.sha256, im.base)).encode())
        hashed = {m.host_path for m in self.modules.modules}
        for path, host, base in self.embedded:
            h.update(repr((path, base)).encode())
            if host not in hashed:          # /etc/ld.so.cache: the modules are hashed above
                with open(host, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
        return h.hexdigest()


def plan(program: Image, sysroot: str | None, with_paths=()) -> Plan:
    ms = modset.resolve(program.path, sysroot, list(with_paths))
    if ms.interpreter is None:
        raise InputError(program.path, "has no interpreter (PT_INTERP)")
    shared = [ms.interpreter, *ms.libraries]
    bases = assign_bases(shared)
    images = [program] + [load_image(m.host_path, base, shared_object=True) for m, base in zip(shared, bases)]
    embedded = [(m.path, m.host_path, base) for m, base in zip(ms.libraries, bases[1:])]
    if ms.ld_so_cache:
        embedded.append((LD_SO_CACHE, ms.ld_so_cache, 0))
    return Plan(ms, images, images[1], embedded)


def describe(module: modset.Module, build) -> dict:
    """One module's line of the report and of `inspect`."""
    return {"path": module.path, "soname": module.soname, "kind": module.kind,
            "sha256": module.sha256, "size": module.size, "base": f"{build.image.base:#x}",
            "functions": build.functions, "instructions": build.report.instructions,
            "unsupported": len(build.report.unsupported),
            "cached": build.cached}
