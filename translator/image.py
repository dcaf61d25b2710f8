"""Stage 1: the Image, what the ELF says, read with lief.

Everything later stages need about the guest is here as plain data; bad input dies here
with an InputError naming the reason.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import warnings

import lief

from translator.errors import InputError

# lief warns (on stderr) for segment types it has no name for; a mangled input is reported
# by our own one-line errors instead.
warnings.filterwarnings("ignore", message=r".* is not a valid TYPE", category=RuntimeWarning)

PF_X, PF_W, PF_R = 1, 2, 4
FUNC_TYPES = (lief.ELF.Symbol.TYPE.FUNC, lief.ELF.Symbol.TYPE.GNU_IFUNC)   # IFUNC: the resolver
# Where a static-PIE guest is placed; the host executable is linked far from it.
PIE_BASE = 0x5555_5555_4000
# The highest guest address we accept (user space on x86-64 with 4-level paging).
USER_TOP = 0x7FFF_FFFF_F000


@dataclasses.dataclass
class Segment:
    vaddr: int          # absolute guest address (load base applied)
    memsz: int
    flags: int          # PF_R | PF_W | PF_X
    data: bytes         # file bytes (filesz); the rest up to memsz is zero

    @property
    def end(self) -> int:
        return self.vaddr + self.memsz

    @property
    def executable(self) -> bool:
        return bool(self.flags & PF_X)

    def contains(self, addr: int) -> bool:
        return self.vaddr <= addr < self.end


@dataclasses.dataclass
class Image:
    path: str
    pie: bool
    base: int                       # load base (0 for ET_EXEC)
    entry: int
    segments: list[Segment]
    phdr: int                       # guest address of the program headers (AT_PHDR)
    phnum: int
    phentsize: int
    symbols: dict[int, str]         # FUNC symbols: address -> name
    tls: tuple[int, int, int, int] | None   # (vaddr, filesz, memsz, align)
    irelative: list[tuple[int, int]]        # (slot, resolver)
    relative: list[tuple[int, int]]         # (slot, value) of R_X86_64_RELATIVE
    init_array: list[int]           # DT_PREINIT_ARRAY, DT_INIT and DT_INIT_ARRAY entries
    fini_array: list[int]           # DT_FINI_ARRAY and DT_FINI entries
    stripped: bool
    # dynamically linked programs and shared objects (translator/modules.py)
    interp: str | None = None               # PT_INTERP: the guest's ld.so
    needed: list[str] = dataclasses.field(default_factory=list)    # DT_NEEDED
    # (slot, value) of R_X86_64_JUMP_SLOT: the PLT address ld.so leaves there for lazy binding
    lazy_slots: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    shared_object: bool = False             # an ET_DYN module that is not a program
    sha256: bytes = b""                     # of the file's bytes (the cache keys)

    def segment_at(self, addr: int) -> Segment | None:
        for s in self.segments:
            if s.contains(addr):
                return s
        return None

    def is_code(self, addr: int) -> bool:
        s = self.segment_at(addr)
        return s is not None and s.executable and addr < s.vaddr + len(s.data)

    def read(self, addr: int, n: int) -> bytes | None:
        s = self.segment_at(addr)
        if s is None or addr + n > s.end:
            return None
        off = addr - s.vaddr
        chunk = s.data[off:off + n]
        return chunk + bytes(n - len(chunk))

    def read_u64(self, addr: int) -> int | None:
        b = self.read(addr, 8)
        return None if b is None else int.from_bytes(b, "little")

    @property
    def brk_start(self) -> int:
        """Where the break starts: the page after the last segment, as the kernel sets it
        (a break that began inside bss's last page would hand out memory that is not
        zeroed when it grows again)."""
        return (max(s.end for s in self.segments) + 0xFFF) & ~0xFFF


def _reject(path: str, reason: str):
    raise InputError(path, reason)


def _check_header(path: str, head: bytes) -> None:
    """Cheap checks on the raw ELF header, before lief, for precise messages."""
    if len(head) == 0:
        _reject(path, "empty file")
    if head[:4] != b"\x7fELF":
        _reject(path, "not an ELF file")
    if len(head) < 64:
        _reject(path, "truncated ELF header")
    if head[4] == 1:
        _reject(path, "32-bit ELF is not supported (only x86-64)")
    if head[4] != 2:
        _reject(path, f"bad ELF class {head[4]}")
    if head[5] != 1:
        _reject(path, "big-endian ELF is not supported (only x86-64)")
    machine = int.from_bytes(head[18:20], "little")
    names = {3: "i386", 40: "ARM", 183: "aarch64", 243: "RISC-V", 8: "MIPS", 21: "PowerPC64",
             22: "s390", 2: "SPARC", 258: "LoongArch"}
    if machine != 62:
        _reject(path, f"{names.get(machine, f'machine {machine}')} ELF is not supported (only x86-64)")
    etype = int.from_bytes(head[16:18], "little")
    if etype == 4:
        _reject(path, "core file, not a program")
    if etype == 1:
        _reject(path, "relocatable object file, not a program (link it first)")
    if etype not in (2, 3):
        _reject(path, f"unknown ELF type {etype}")


def load_image(path: str, base: int | None = None, shared_object: bool = False) -> Image:
    """The Image of the ELF at path.  A program is placed where the kernel would put it
    (PIE: at PIE_BASE); a shared object of a module set (``shared_object``) at ``base``."""
    if not os.path.exists(path):
        _reject(path, "no such file")
    if os.path.isdir(path):
        _reject(path, "is a directory")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        _reject(path, e.strerror or str(e))
    _check_header(path, raw[:64])
    lief.logging.disable()
    try:
        elf = lief.ELF.parse(raw)
    except Exception as e:  # lief raises assorted errors on malformed input
        _reject(path, f"malformed ELF ({e})")
    if elf is None:
        _reject(path, "malformed ELF (cannot parse program headers)")
    return _image_from_elf(path, raw, elf, base, shared_object)


def _dynamic_values(elf, tag) -> list:
    try:
        return [e for e in elf.dynamic_entries if e.tag == tag]
    except Exception:
        return []


def _text(name) -> str:
    """A name read from the file: lief gives bytes where it is not UTF-8."""
    return name.decode("utf-8", "backslashreplace") if isinstance(name, bytes) else name


def _image_from_elf(path: str, raw: bytes, elf, base: int | None, shared_object: bool) -> Image:
    T = lief.ELF.Segment.TYPE
    interp = [s for s in elf.segments if s.type == T.INTERP]
    dynamic = [s for s in elf.segments if s.type == T.DYNAMIC]
    is_dyn = elf.header.file_type == lief.ELF.Header.FILE_TYPE.DYN
    TAG = lief.ELF.DynamicEntry.TAG
    needed = [_text(e.name) for e in _dynamic_values(elf, TAG.NEEDED)]
    if is_dyn and not dynamic:
        _reject(path, "position-independent ELF without a dynamic section")
    if shared_object:
        if not is_dyn:
            _reject(path, "not a shared object (ELF type EXEC)")
    elif is_dyn and not interp:
        # A static-PIE has DT_FLAGS_1 with PIE set and no DT_NEEDED; a shared object has neither.
        if needed:
            _reject(path, "needs shared libraries but has no interpreter (PT_INTERP)")
        if not any(int(e.value) & 0x08000000 for e in _dynamic_values(elf, TAG.FLAGS_1)):
            _reject(path, "shared object, not a program")
    if not is_dyn:
        base = 0
    elif base is None:
        base = PIE_BASE
    interp_path = None
    if interp:
        off, size = interp[0].file_offset, interp[0].physical_size
        interp_path = raw[off:off + size].split(b"\0")[0].decode("utf-8", "replace")
    del dynamic

    segments: list[Segment] = []
    for s in elf.segments:
        if s.type != T.LOAD:
            continue
        vaddr, memsz, filesz, off = s.virtual_address, s.virtual_size, s.physical_size, s.file_offset
        if memsz == 0:
            continue
        if filesz > memsz:
            _reject(path, f"segment at {vaddr:#x} has file size larger than memory size")
        if off + filesz > len(raw):
            _reject(path, f"truncated ELF (segment at {vaddr:#x} extends past the end of the file)")
        a = base + vaddr
        if a < 0x1000 or a + memsz > USER_TOP or memsz > 1 << 36:
            _reject(path, f"segment at {vaddr:#x} of size {memsz:#x} is outside the user address space")
        flags = int(s.flags)
        segments.append(Segment(a, memsz, flags, raw[off:off + filesz]))
    if not segments:
        _reject(path, "no loadable segments")
    segments.sort(key=lambda s: s.vaddr)
    for a, b in zip(segments, segments[1:]):
        if (a.end + 0xFFF) & ~0xFFF > b.vaddr & ~0xFFF and a.end > b.vaddr:
            _reject(path, f"segments at {a.vaddr - base:#x} and {b.vaddr - base:#x} overlap")
    if not any(s.executable for s in segments):
        _reject(path, "no executable segment")

    entry = base + elf.entrypoint
    img_probe = Image(path, is_dyn, base, entry, segments, 0, 0, 0, {}, None, [], [], [], [], True)
    if shared_object and not elf.entrypoint:
        entry = 0       # a library without an entry point (most of them)
    elif not img_probe.is_code(entry):
        _reject(path, f"entry point {elf.entrypoint:#x} is not in an executable segment")

    phdr_seg = [s for s in elf.segments if s.type == T.PHDR]
    phoff = elf.header.program_header_offset
    if phdr_seg:
        phdr = base + phdr_seg[0].virtual_address
    else:
        phdr = 0
        for s in elf.segments:
            if s.type == T.LOAD and s.file_offset <= phoff < s.file_offset + s.physical_size:
                phdr = base + s.virtual_address + (phoff - s.file_offset)
                break

    tls = None
    for s in elf.segments:
        if s.type == T.TLS:
            tls = (base + s.virtual_address, s.physical_size, s.virtual_size, s.alignment)

    symbols: dict[int, str] = {}
    try:
        for sym in elf.symbols:
            if sym.type in FUNC_TYPES and sym.value and img_probe.is_code(base + sym.value):
                symbols.setdefault(base + sym.value, _text(sym.name))
    except Exception:
        symbols = {}  # broken section headers: symbols are a bonus

    irelative, relative, lazy_slots = [], [], []
    R = lief.ELF.Relocation.TYPE
    try:
        relocs = list(elf.relocations)
    except Exception:
        relocs = []
    for r in relocs:
        if r.type == R.X86_64_IRELATIVE:
            irelative.append((base + r.address, base + r.addend))
        elif r.type == R.X86_64_RELATIVE:
            # DT_RELR (and REL) entries keep the addend in the slot itself
            addend = r.addend or (img_probe.read_u64(base + r.address) or 0)
            relative.append((base + r.address, base + addend))
        elif r.type == R.X86_64_JUMP_SLOT and is_dyn:
            value = img_probe.read_u64(base + r.address)
            if value:
                lazy_slots.append((base + r.address, base + value))

    def rebased(v: int) -> int:
        """A link-time address as the image maps it (a 0 stays 0: an empty slot)."""
        return base + v if is_dyn and v else v

    def array(tag):
        try:
            for e in elf.dynamic_entries:
                if e.tag == tag:
                    return [rebased(a) for a in e.array]
        except Exception:
            pass
        try:
            T = lief.ELF.DynamicEntry.TAG
            sec = elf.get_section({T.INIT_ARRAY: ".init_array", T.FINI_ARRAY: ".fini_array",
                                   T.PREINIT_ARRAY: ".preinit_array"}[tag])
        except Exception:
            sec = None
        if sec is None:
            return []
        data = bytes(sec.content)
        vals = [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data) - 7, 8)]
        return [rebased(v) for v in vals]

    TAG = lief.ELF.DynamicEntry.TAG
    # DT_INIT and DT_FINI hold addresses ld.so calls through a pointer (libm's _init)
    init_fn, fini_fn = ([rebased(int(e.value)) for e in _dynamic_values(elf, t)] for t in (TAG.INIT, TAG.FINI))
    init_array = [a for a in (*array(TAG.PREINIT_ARRAY), *init_fn, *array(TAG.INIT_ARRAY)) if a]
    fini_array = [a for a in (*array(TAG.FINI_ARRAY), *fini_fn) if a]
    try:
        stripped = not any(True for _ in elf.symtab_symbols)
    except Exception:
        stripped = True
    return Image(path, is_dyn, base, entry, segments, phdr, elf.header.numberof_segments,
                 elf.header.program_header_size, symbols, tls, irelative, relative,
                 init_array, fini_array, stripped, interp_path, needed, lazy_slots, shared_object,
                 hashlib.sha256(raw).digest())
