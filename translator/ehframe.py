"""Exception-handling tables: ``.eh_frame`` FDEs and the landing pads of their LSDAs.

Every FDE starts a function (a certain root for discovery). C++ landing pads are reached
only by the unwinder's indirect jump (libgcc's ``uw_install_context``), never by control
flow, so discovery learns them here: each FDE's LSDA (``.gcc_except_table``, GCC's format)
lists its call sites with their landing pads.

The tables are read from the guest image's memory (``Image.read``); only their location
comes from the file: the ``.eh_frame`` section header, or, without section headers, the
``eh_frame_ptr`` of ``PT_GNU_EH_FRAME`` (``.eh_frame_hdr``). Addresses are computed in
link-time virtual addresses and returned absolute in the guest (``+ image.base``).

Malformed data never raises: a bad CIE, FDE or LSDA is skipped, and a wholly unreadable
file gives an empty EhInfo.
"""
from __future__ import annotations

import bisect
import dataclasses
import struct

from translator.image import Image

# DW_EH_PE_* pointer encodings: the low nibble is the format, 0x70 the application.
PE_OMIT = 0xFF
PE_ABSPTR, PE_ULEB128, PE_UDATA2, PE_UDATA4, PE_UDATA8 = 0x00, 0x01, 0x02, 0x03, 0x04
PE_SLEB128, PE_SDATA2, PE_SDATA4, PE_SDATA8 = 0x09, 0x0A, 0x0B, 0x0C
PE_PCREL, PE_TEXTREL, PE_DATAREL, PE_FUNCREL, PE_ALIGNED = 0x10, 0x20, 0x30, 0x40, 0x50
PE_INDIRECT = 0x80

_FIXED = {PE_UDATA2: "<H", PE_UDATA4: "<I", PE_UDATA8: "<Q",
          PE_SDATA2: "<h", PE_SDATA4: "<i", PE_SDATA8: "<q", PE_ABSPTR: "<Q"}

PT_GNU_EH_FRAME = 0x6474E550
PT_LOAD = 1


class Malformed(Exception):
    """The table being read is not well-formed (caught by the caller, never escapes)."""


@dataclasses.dataclass
class EhInfo:
    fdes: list[tuple[int, int]]     # (first code address, pc_end) of every FDE, sorted, absolute
    landing_pads: list[int]         # every landing pad of every LSDA, sorted, absolute

    @property
    def fde_starts(self) -> list[int]:
        return sorted({lo for lo, _ in self.fdes})

    def fde_containing(self, addr: int) -> tuple[int, int] | None:
        """The FDE range (the innermost, i.e. the latest starting) that contains addr."""
        k = bisect.bisect_right(self.fdes, (addr, 1 << 64))
        while k > 0:
            k -= 1
            lo, hi = self.fdes[k]
            if lo <= addr < hi:
                return lo, hi
            if addr - lo > 1 << 24:
                break
        return None


class _Reader:
    """A cursor over bytes that start at link-time vaddr ``vaddr``."""

    def __init__(self, eh: "_EhParser", data: bytes, vaddr: int, pos: int = 0,
                 end: int | None = None):
        self.eh, self.data, self.vaddr = eh, data, vaddr
        self.pos = pos
        self.end = len(data) if end is None else min(end, len(data))

    @property
    def addr(self) -> int:
        return self.vaddr + self.pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos < 0 or self.pos + n > self.end:
            raise Malformed("read past the end")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self) -> int:
        return self.take(1)[0]

    def fixed(self, fmt: str) -> int:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def uleb(self) -> int:
        v = shift = 0
        while True:
            b = self.u8()
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v
            if shift > 70:
                raise Malformed("uleb128 too long")

    def sleb(self) -> int:
        v = shift = 0
        while True:
            b = self.u8()
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v - (1 << shift) if b & 0x40 else v
            if shift > 70:
                raise Malformed("sleb128 too long")

    def cstr(self) -> bytes:
        k = self.data.find(b"\0", self.pos, self.end)
        if k < 0:
            raise Malformed("unterminated string")
        s = self.data[self.pos:k]
        self.pos = k + 1
        return s

    def encoded(self, enc: int, func: int = 0) -> int:
        """A DW_EH_PE-encoded pointer, as a link-time vaddr (0 stays 0, as in libgcc)."""
        if enc == PE_OMIT:
            return 0
        fmt, app = enc & 0x0F, enc & 0x70
        field = self.addr
        if app == PE_ALIGNED:
            self.pos += (-self.addr) % 8
            field = self.addr
            raw = self.eh.absptr(self.fixed("<Q"), field)
        elif fmt == PE_ULEB128:
            raw = self.uleb()
        elif fmt == PE_SLEB128:
            raw = self.sleb()
        elif fmt in _FIXED:
            raw = self.fixed(_FIXED[fmt])
            if fmt == PE_ABSPTR and app == 0:
                raw = self.eh.absptr(raw, field)
        else:
            raise Malformed(f"pointer format {fmt:#x}")
        if raw == 0:
            return 0
        if app == PE_PCREL:
            v = field + raw
        elif app == PE_FUNCREL:
            v = func + raw
        elif app in (0, PE_ALIGNED, PE_TEXTREL, PE_DATAREL):
            # x86-64 Linux libgcc's text and data bases are 0 outside .eh_frame_hdr
            v = raw
        else:
            raise Malformed(f"pointer application {app:#x}")
        v &= (1 << 64) - 1
        if enc & PE_INDIRECT:
            v = self.eh.load_ptr(v)
        return v


@dataclasses.dataclass
class _Cie:
    fde_enc: int = PE_ABSPTR
    lsda_enc: int = PE_OMIT
    has_z: bool = False
    signal_frame: bool = False      # 'S': the FDE starts one byte before the code (a
                                    # signal return trampoline, whose return address is
                                    # not a call's, is looked up at pc, not pc - 1)


class _EhParser:
    def __init__(self, image: Image):
        self.image = image
        self.base = image.base
        self.reloc = dict(image.relative) if image.base else {}    # PIE, shared object

    # -- guest memory in link-time vaddrs ---------------------------------------------
    def absptr(self, raw: int, field: int) -> int:
        """An 8-byte absolute pointer stored at vaddr ``field``: in a PIE, its relocation."""
        if self.reloc:
            v = self.reloc.get(field + self.base)
            if v is not None:
                return v - self.base
        return raw

    def load_ptr(self, v: int) -> int:
        raw = self.image.read_u64(v + self.base)
        if raw is None:
            raise Malformed("indirect pointer outside the image")
        return self.absptr(raw, v)

    def reader_at(self, vaddr: int) -> _Reader:
        """A reader over the rest of the segment that holds vaddr."""
        seg = self.image.segment_at(vaddr + self.base)
        if seg is None:
            raise Malformed(f"{vaddr:#x} is outside the image")
        off = vaddr + self.base - seg.vaddr
        return _Reader(self, seg.data, seg.vaddr - self.base, off)

    # -- .eh_frame --------------------------------------------------------------------
    def parse(self, start: int, size: int | None) -> EhInfo:
        r = self.reader_at(start)
        if size is not None:
            r.end = min(r.end, r.pos + size)
        cies: dict[int, _Cie | None] = {}
        fdes: list[tuple[int, int]] = []
        pads: set[int] = set()
        while r.end - r.pos >= 4:
            here = r.pos
            length = r.fixed("<I")
            if length == 0:
                if size is None:
                    break       # the terminator; without a section size, the end
                continue
            wide = length == 0xFFFFFFFF
            if wide:
                if r.end - r.pos < 8:
                    break
                length = r.fixed("<Q")
            body = r.pos
            nxt = body + length
            if nxt > r.end:
                break           # truncated: nothing after this can be trusted
            try:
                rec = _Reader(self, r.data, r.vaddr, body, nxt)
                cie_id = rec.fixed("<Q" if wide else "<I")
                if cie_id == 0:
                    cies[here] = self._cie(rec)
                else:
                    cie_at = body - cie_id
                    if cie_at not in cies:
                        cies[cie_at] = self._cie_at(r.data, r.vaddr, cie_at, r.end)
                    cie = cies[cie_at]
                    if cie is not None:
                        self._fde(rec, cie, fdes, pads)
            except (Malformed, struct.error, IndexError, ValueError, OverflowError):
                pass            # skip this entry
            r.pos = nxt
        fdes.sort()
        return EhInfo(fdes, sorted(pads))

    def chain(self, data: bytes, vaddr: int, pos: int) -> tuple[int, int]:
        """(FDEs, end) of the run of well-formed records from pos: each CIE parses, each
        FDE points back to one of the run's CIEs."""
        cies: set[int] = set()
        n = 0
        r = _Reader(self, data, vaddr, pos)
        try:
            while True:
                here = r.pos
                length = r.fixed("<I")
                if length == 0 or length == 0xFFFFFFFF or here + 4 + length > r.end:
                    break
                body = r.pos
                cie_id = r.fixed("<I")
                if cie_id == 0:
                    if self._cie(_Reader(self, data, vaddr, body + 4, body + length)) is None:
                        break
                    cies.add(here)
                elif body - cie_id in cies:
                    n += 1
                else:
                    break
                r.pos = body + length
        except (Malformed, struct.error, IndexError, ValueError, OverflowError):
            pass
        return n, r.pos

    def _cie_at(self, data: bytes, vaddr: int, at: int, end: int) -> _Cie | None:
        """The CIE an FDE points to (possibly not yet seen, or never seen: None)."""
        try:
            r = _Reader(self, data, vaddr, at, end)
            length = r.fixed("<I")
            wide = length == 0xFFFFFFFF
            if wide:
                length = r.fixed("<Q")
            r.end = min(r.end, r.pos + length)
            if r.fixed("<Q" if wide else "<I") != 0:
                return None
            return self._cie(r)
        except (Malformed, struct.error, IndexError, ValueError, OverflowError):
            return None

    def _cie(self, r: _Reader) -> _Cie | None:
        version = r.u8()
        if version not in (1, 3, 4):
            return None
        aug = r.cstr()
        if b"eh" in aug:
            r.take(8)
        if version == 4:
            r.take(2)               # address size, segment selector size
        r.uleb()                    # code alignment
        r.sleb()                    # data alignment
        if version == 1:
            r.u8()                  # return address register
        else:
            r.uleb()
        cie = _Cie()
        if not aug.startswith(b"z"):
            # no augmentation data: FDEs hold plain absolute pointers and no LSDA
            return cie if aug in (b"", b"eh") else None
        cie.has_z = True
        alen = r.uleb()
        adata = _Reader(self, r.data, r.vaddr, r.pos, r.pos + alen)
        if adata.end != r.pos + alen:
            return None
        for c in aug[1:]:
            ch = chr(c)
            if ch == "L":
                cie.lsda_enc = adata.u8()
            elif ch == "P":
                penc = adata.u8()
                adata.encoded(penc)    # the personality routine: not needed here
            elif ch == "R":
                cie.fde_enc = adata.u8()
            elif ch == "S":
                cie.signal_frame = True
            elif ch in "BG":
                pass                # BTI, MTE: no data
            else:
                break               # unknown: the 'z' length lets FDEs be read anyway
        return cie

    def _fde(self, r: _Reader, cie: _Cie, fdes: list, pads: set) -> None:
        pc_begin = r.encoded(cie.fde_enc)
        pc_range = r.encoded(cie.fde_enc & 0x0F)
        if pc_begin == 0 or pc_range == 0 or pc_range > 1 << 32:
            return              # a discarded function's FDE, or nonsense
        code = pc_begin + 1 if cie.signal_frame else pc_begin
        fdes.append((code + self.base, pc_begin + pc_range + self.base))
        if not cie.has_z:
            return
        alen = r.uleb()
        aug = _Reader(self, r.data, r.vaddr, r.pos, r.pos + alen)
        if cie.lsda_enc == PE_OMIT or aug.end != r.pos + alen:
            return
        try:
            lsda = aug.encoded(cie.lsda_enc, func=pc_begin)
            if lsda:
                for lp in self._lsda(lsda, pc_begin):
                    pads.add(lp + self.base)
        except (Malformed, struct.error, IndexError, ValueError, OverflowError):
            pass                # a bad LSDA: keep the FDE

    # -- .gcc_except_table --------------------------------------------------------------
    def _lsda(self, at: int, func: int) -> list[int]:
        """Landing pads (link-time vaddrs) of the LSDA at ``at`` for a function at func."""
        r = self.reader_at(at)
        lp_enc = r.u8()
        lp_start = func if lp_enc == PE_OMIT else r.encoded(lp_enc, func=func)
        tt_enc = r.u8()
        if tt_enc != PE_OMIT:
            r.uleb()                # offset of the type table: not needed
        cs_enc = r.u8()
        cs_len = r.uleb()
        table = _Reader(self, r.data, r.vaddr, r.pos, r.pos + cs_len)
        if table.end != r.pos + cs_len:
            raise Malformed("call-site table past the end")
        cs_fmt = cs_enc & 0x0F      # call-site fields are offsets: no application
        out = []
        while table.pos < table.end:
            table.encoded(cs_fmt)   # start
            table.encoded(cs_fmt)   # length
            lp = table.encoded(cs_fmt)
            table.uleb()            # action
            if lp:
                out.append((lp_start + lp) & ((1 << 64) - 1))
        return out


def _sections(raw: bytes) -> dict[str, tuple[int, int]]:
    """name -> (sh_addr, sh_size) from the section headers ({} without usable ones)."""
    if len(raw) < 64:
        return {}
    shoff, = struct.unpack_from("<Q", raw, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", raw, 0x3A)
    if shoff == 0 or shentsize < 64:
        return {}
    if shnum == 0 and shoff + 64 <= len(raw):
        shnum = struct.unpack_from("<Q", raw, shoff + 0x20)[0]      # extended numbering
    if shstrndx == 0xFFFF and shoff + 64 <= len(raw):
        shstrndx = struct.unpack_from("<I", raw, shoff + 0x28)[0]
    if shnum == 0 or shnum > 1 << 16 or shoff + shnum * shentsize > len(raw) or shstrndx >= shnum:
        return {}
    hdrs = []
    for k in range(shnum):
        name, typ, _, addr, off, size = struct.unpack_from("<IIQQQQ", raw, shoff + k * shentsize)
        hdrs.append((name, typ, addr, off, size))
    _, _, _, stroff, strsize = hdrs[shstrndx]
    strtab = raw[stroff:stroff + strsize]
    out = {}
    for name, typ, addr, off, size in hdrs:
        if typ == 8 or addr == 0:   # SHT_NOBITS, or not loaded
            continue
        end = strtab.find(b"\0", name)
        if name < len(strtab) and end > name:
            out.setdefault(strtab[name:end].decode("latin-1"), (addr, size))
    return out


def _eh_frame_from_hdr(raw: bytes, p: _EhParser) -> int | None:
    """.eh_frame's vaddr from PT_GNU_EH_FRAME's header (its eh_frame_ptr)."""
    phoff, = struct.unpack_from("<Q", raw, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", raw, 0x36)
    if phentsize < 56:
        return None
    for k in range(phnum):
        at = phoff + k * phentsize
        if at + 56 > len(raw):
            return None
        typ, _, _, vaddr = struct.unpack_from("<IIQQ", raw, at)
        if typ != PT_GNU_EH_FRAME:
            continue
        r = p.reader_at(vaddr)
        if r.u8() != 1:
            return None
        enc = r.u8()
        r.take(2)                   # fde_count and table encodings
        if enc & 0x70 == PE_DATAREL:    # datarel here is relative to the header
            return vaddr + r.encoded(enc & ~0x70 & 0xFF)
        return r.encoded(enc) or None
    return None


def _scan_for_eh_frame(p: _EhParser) -> int | None:
    """.eh_frame's vaddr found by its contents, when nothing in the file says where it is
    (a static executable has no PT_GNU_EH_FRAME): the start of the longest chain of
    well-formed CIEs and FDEs that begins with a CIE (length, id 0, version 1, "z...")."""
    best, best_n = None, 0
    for seg in p.image.segments:
        if seg.executable:
            continue
        data, vaddr = seg.data, seg.vaddr - p.base
        covered = k = 0
        while (k := data.find(b"\0\0\0\0\x01z", k + 1)) >= 0:
            start = k - 4
            if start < covered or (vaddr + start) % 4:
                continue
            n, end = p.chain(data, vaddr, start)
            covered = max(covered, end)
            if n > best_n:
                best, best_n = vaddr + start, n
    return best


def parse_eh(image: Image) -> EhInfo:
    """The FDEs and landing pads of the image's ELF (empty when it has no usable tables)."""
    try:
        with open(image.path, "rb") as f:
            raw = f.read()
        p = _EhParser(image)
        secs = _sections(raw)
        if ".eh_frame" in secs:
            start, size = secs[".eh_frame"]
            return p.parse(start, size)
        start = _eh_frame_from_hdr(raw, p)
        if start is None:
            start = _scan_for_eh_frame(p)
        if start is not None:
            return p.parse(start, None)
    except Exception:   # the tables are a bonus: an unreadable file gives none
        pass
    return EhInfo([], [])
