"""The module set of a dynamically linked program, resolved at translation time as ld.so would.

A dynamically linked program is translated together with everything the guest's own ld.so
will map: its PT_INTERP, the breadth-first closure of DT_NEEDED, and what ``--with`` adds for
dlopen.  The search follows glibc 2.36 (elf/dl-load.c ``_dl_map_object``, ``decompose_rpath``,
``_dl_init_paths``, ``open_verify``; elf/dl-cache.c ``search_cache``), for a guest whose CPU is
our CPUID baseline (x86-64-v2) and whose environment has no LD_LIBRARY_PATH:

1. a NEEDED name with a '/' is a path (after $ORIGIN/$LIB/$PLATFORM expansion);
2. if the loading object has no DT_RUNPATH: the DT_RPATH of the loading object, then of its
   loader and so on up, then of the executable (ignored if the executable has a DT_RUNPATH);
3. the DT_RUNPATH of the loading object only;
4. /etc/ld.so.cache (unless the entry is in a system dir and the loader is DF_1_NODEFLIB);
5. the system dirs compiled into the interpreter (unless DF_1_NODEFLIB).

Every directory of 2, 3 and 5 is tried with the hwcaps subdirectories first (HWCAP_SUBDIRS).
A candidate of the other ELF class or another machine is skipped and the search goes on; one
that is no ELF file at all stops ld.so, and stops us with an InputError.  With ``sysroot``
every guest path is looked up inside that directory, symlinks included.  ELF headers and the
dynamic section are read with struct: lief's full parse costs 50 ms for python3.11 alone.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
import struct

from translator.errors import InputError

EM_X86_64 = 62
ET_EXEC, ET_DYN = 2, 3
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_SONAME, DT_RPATH, DT_RUNPATH = 0, 1, 5, 14, 15, 29
DT_FLAGS_1 = 0x6FFFFFFB
DF_1_NODEFLIB, DF_1_PIE = 0x800, 0x08000000
ELFOSABI_SYSV, ELFOSABI_GNU = 0, 3

# What the guest ld.so computes under the x86-64-v2 CPUID baseline with AT_PLATFORM "x86_64":
# glibc-hwcaps subdirectories (best first), then the legacy hwcaps combinations (tls,
# AT_PLATFORM, HWCAP_X86_64; duplicates dropped), then the directory itself.
GLIBC_HWCAPS = ("x86-64-v2",)
HWCAP_SUBDIRS = tuple(f"glibc-hwcaps/{h}/" for h in GLIBC_HWCAPS) + (
    "tls/x86_64/x86_64/", "tls/x86_64/", "tls/", "x86_64/x86_64/", "x86_64/", "")
DST_PLATFORM = "x86_64"
# Debian's glibc 2.36 system dirs (`ld.so --help`); used when the interpreter's own list
# cannot be found in its bytes.  $LIB is the first one without its slashes (Debian patches
# DL_DST_LIB to "lib/x86_64-linux-gnu"; upstream and Fedora have /lib64 and "lib64").
DEFAULT_SYSTEM_DIRS = ("/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/")
LD_SO_CACHE = "/etc/ld.so.cache"
# Libraries a module dlopens by itself, whatever the program does: glibc 2.36's libc loads
# libgcc_s.so.1 for pthread_cancel, pthread_exit and backtrace (sysdeps/generic/framestate.c,
# nptl/unwind-link.c). Each is added, with its closure, when found; the guest fails as it
# does natively when it is not installed.
IMPLICIT = {"libc.so.6": ("libgcc_s.so.1",)}
MAX_SYMLINKS = 40

# ld.so.cache (sysdeps/generic/dl-cache.h)
CACHEMAGIC = b"ld.so-1.7.0"
CACHEMAGIC_VERSION_NEW = b"glibc-ld.so.cache1.1"
CACHE_FLAGS_X86_64_LIBC6 = 0x0303          # FLAG_ELF_LIBC6 | FLAG_X8664_LIB64
CACHE_EXTENSION_MAGIC = 0xEAA42174         # (uint32_t) -358342284
CACHE_EXTENSION_TAG_GLIBC_HWCAPS = 1
DL_CACHE_HWCAP_EXTENSION = 1 << 62
DL_CACHE_HWCAP_ISA_LEVEL_MASK = (1 << 10) - 1
HWCAP_X86_64 = 1 << 1
_DL_HWCAP_PLATFORM = 0xF << 48
_DL_HWCAP_TLS_MASK = 1 << 63
ISA_LEVELS_SUPPORTED = 0b11                # GNU_PROPERTY_X86_ISA_1_BASELINE | _V2


@dataclasses.dataclass
class Module:
    path: str               # the path the guest's ld.so opens (guest namespace); program: as given
    host_path: str          # where the bytes are read here (sysroot joined, symlinks resolved)
    soname: str | None      # DT_SONAME
    kind: str               # "program", "interpreter", "needed", "with", "implicit"
    needed_by: str | None   # path of the first module that needed it
    sha256: str
    size: int


@dataclasses.dataclass
class ModuleSet:
    program: Module
    interpreter: Module | None      # None for a static program
    libraries: list[Module]         # ld.so's breadth-first load order, then --with additions
    ld_so_cache: str | None         # host path of the ld.so.cache used, if any
    origin: str = ""                # the program's $ORIGIN (guest path of its real directory)

    @property
    def modules(self) -> list[Module]:
        return [self.program] + ([self.interpreter] if self.interpreter else []) + self.libraries


# --- ELF ----------------------------------------------------------------------------------

@dataclasses.dataclass
class ElfInfo:
    """What the resolver needs from one ELF file's headers and dynamic section."""
    e_type: int
    interp: str | None = None
    needed: list[str] = dataclasses.field(default_factory=list)
    soname: str | None = None
    rpath: str | None = None
    runpath: str | None = None
    flags_1: int = 0


def verify_header(head: bytes) -> str | None:
    """open_verify: None if usable, "skip" for another class or machine (ld.so goes on
    searching), else ld.so's error, which stops it."""
    if len(head) < 64:
        return "file too short"
    e_type, e_machine, e_version = struct.unpack_from("<HHI", head, 16)
    for bad, reason in ((head[:4] != b"\x7fELF", "invalid ELF header"),
                        (head[4] != 2, "skip"),                 # found_other_class
                        (head[5] != 1, "ELF file data encoding not little-endian"),
                        (head[6] != 1, "ELF file version ident does not match current one"),
                        (head[7] not in (ELFOSABI_SYSV, ELFOSABI_GNU), "ELF file OS ABI invalid"),
                        (head[8] != 0 and head[7] != ELFOSABI_GNU, "ELF file ABI version invalid"),
                        (any(head[9:16]), "nonzero padding in e_ident"),
                        (e_version != 1, "ELF file version does not match current one"),
                        (e_machine != EM_X86_64, "skip"),
                        (e_type not in (ET_DYN, ET_EXEC), "only ET_DYN and ET_EXEC can be loaded"),
                        (struct.unpack_from("<H", head, 54)[0] != 56, "ELF file's phentsize not the expected size")):
        if bad:
            return reason
    return None


def parse_elf(data: bytes) -> ElfInfo:
    """Read PT_INTERP and the dynamic section (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH,
    DT_FLAGS_1) of a verified ELF64 little-endian file."""
    e_type, = struct.unpack_from("<H", data, 16)
    e_phoff, = struct.unpack_from("<Q", data, 32)
    e_phnum, = struct.unpack_from("<H", data, 56)
    info, loads, dynamic = ElfInfo(e_type), [], None
    for i in range(e_phnum):
        if e_phoff + 56 * (i + 1) > len(data):
            break
        p_type, _, off, vaddr, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", data, e_phoff + 56 * i)
        if p_type == PT_LOAD:
            loads.append((vaddr, off, filesz))
        elif p_type == PT_INTERP:
            info.interp = data[off:off + filesz].split(b"\0")[0].decode("utf-8", "surrogateescape")
        elif p_type == PT_DYNAMIC:
            dynamic = (off, filesz)
    if dynamic is None:
        return info
    entries = []
    for off in range(dynamic[0], min(dynamic[0] + dynamic[1], len(data) - 15), 16):
        tag, val = struct.unpack_from("<qQ", data, off)
        if tag == DT_NULL:
            break
        entries.append((tag, val))
    strtab = next((v for t, v in entries if t == DT_STRTAB), None)
    stroff = next((off + strtab - vaddr for vaddr, off, filesz in loads
                   if strtab is not None and vaddr <= strtab < vaddr + filesz), None)

    def string(val: int) -> str:
        if stroff is None:
            raise ValueError("DT_STRTAB outside the file")
        end = data.find(b"\0", stroff + val)
        return data[stroff + val:end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")

    fields = {DT_SONAME: "soname", DT_RPATH: "rpath", DT_RUNPATH: "runpath"}
    for tag, val in entries:
        if tag == DT_NEEDED:
            info.needed.append(string(val))
        elif tag in fields:
            setattr(info, fields[tag], string(val))
        elif tag == DT_FLAGS_1:
            info.flags_1 = val
    return info


def system_dirs(interp_data: bytes | None) -> tuple[str, ...]:
    """The interpreter's compiled-in system search path (its SYSTEM_DIRS string), else
    Debian's."""
    for m in re.finditer(rb"(?:/(?:[\w.+-]+/)+\0){2,}", interp_data or b""):
        dirs = tuple(d.decode() for d in m.group().split(b"\0") if d)
        if all("lib" in d for d in dirs):
            return dirs
    return DEFAULT_SYSTEM_DIRS


# --- ld.so.cache ---------------------------------------------------------------------------

def _libcmp_key(name: str) -> str:
    """_dl_cache_libcmp compares digit runs numerically: "libx.so.01" == "libx.so.1"."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), name)


@dataclasses.dataclass
class CacheEntry:
    flags: int
    key: str
    value: str
    hwcap: int          # 0 in the old format


@dataclasses.dataclass
class LdSoCache:
    """A parsed ld.so.cache: its entries in file order and its glibc-hwcaps names."""
    entries: list[CacheEntry]
    hwcaps: list[str]
    new_format: bool

    def lookup(self, name: str) -> str | None:
        """search_cache: the best x86-64 libc6 entry for `name` under the x86-64-v2 baseline."""
        if not hasattr(self, "_index"):
            self._index: dict[str, list[CacheEntry]] = {}
            for e in self.entries:
                self._index.setdefault(_libcmp_key(e.key), []).append(e)
        hwcap_exclude = ~(HWCAP_X86_64 | _DL_HWCAP_PLATFORM | _DL_HWCAP_TLS_MASK)
        best, best_priority = None, 0
        for e in self._index.get(_libcmp_key(name), []):
            if e.flags != CACHE_FLAGS_X86_64_LIBC6:
                continue
            named = self.new_format and ((e.hwcap >> 32) & ~DL_CACHE_HWCAP_ISA_LEVEL_MASK) == (
                DL_CACHE_HWCAP_EXTENSION >> 32)
            if self.new_format:
                if named and (1 << ((e.hwcap >> 32) & DL_CACHE_HWCAP_ISA_LEVEL_MASK)) & ~ISA_LEVELS_SUPPORTED:
                    continue
                if not named and best is not None:
                    break                   # named entries come first; plain ones cannot win
                if not named and e.hwcap & hwcap_exclude:
                    continue
                if e.hwcap & _DL_HWCAP_PLATFORM:
                    continue                # AT_PLATFORM "x86_64" is no cache platform
                if named:
                    index = e.hwcap & 0xFFFFFFFF
                    hw = self.hwcaps[index] if index < len(self.hwcaps) else None
                    if hw not in GLIBC_HWCAPS:
                        continue
                    priority = GLIBC_HWCAPS.index(hw) + 1
                    if best is not None and priority >= best_priority:
                        continue
                    best_priority = priority
            best = e.value
            if not named:
                break
        return best


def parse_ld_so_cache(data: bytes) -> LdSoCache | None:
    """Parse "glibc-ld.so.cache1.1", or "ld.so-1.7.0" with or without the new format
    appended; None if the data is neither (ld.so then ignores the cache)."""
    def cstr(off: int) -> str:
        end = data.find(b"\0", off)
        return data[off:end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")

    base = 0
    if data[:len(CACHEMAGIC)] == CACHEMAGIC and len(data) > 16:
        nlibs, = struct.unpack_from("<I", data, 12)
        if (len(data) - 16) // 12 < nlibs:
            return None
        base = (16 + nlibs * 12 + 7) & ~7        # ALIGN_CACHE: the new format may follow
        if data[base:base + len(CACHEMAGIC_VERSION_NEW)] != CACHEMAGIC_VERSION_NEW:
            strings = 16 + nlibs * 12
            return LdSoCache([CacheEntry(f, cstr(strings + k), cstr(strings + v), 0) for f, k, v in
                              (struct.unpack_from("<iII", data, 16 + 12 * i) for i in range(nlibs))],
                             [], False)
    if data[base:base + len(CACHEMAGIC_VERSION_NEW)] != CACHEMAGIC_VERSION_NEW or len(data) < base + 48:
        return None
    nlibs, _, flags, ext_offset = struct.unpack_from("<IIB3xI", data, base + 20)
    if (len(data) - base - 48) // 24 < nlibs or flags not in (0, 2):   # 2: little-endian
        return None
    entries = []
    for i in range(nlibs):
        f, k, v, _, hwcap = struct.unpack_from("<iIIIQ", data, base + 48 + 24 * i)
        entries.append(CacheEntry(f, cstr(base + k), cstr(base + v), hwcap))
    hwcaps: list[str] = []
    if ext_offset and ext_offset + 8 <= len(data):
        magic, count = struct.unpack_from("<II", data, ext_offset)
        for i in range(count if magic == CACHE_EXTENSION_MAGIC else 0):
            tag, _, off, size = struct.unpack_from("<IIII", data, ext_offset + 8 + 16 * i)
            if tag == CACHE_EXTENSION_TAG_GLIBC_HWCAPS:
                hwcaps = [cstr(s) for s in struct.unpack_from(f"<{size // 4}I", data, off)]
    return LdSoCache(entries, hwcaps, True)


# --- resolution ----------------------------------------------------------------------------

def host_path_in_root(root: str, path: str) -> str | None:
    """The host path of guest `path` with symlinks resolved inside `root` (an absolute target
    is relative to the root, ".." stops at it); None if it does not exist (or loops)."""
    todo = [p for p in reversed(path.split("/")) if p not in ("", ".")]
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop()
        if part == "..":
            if done:
                done.pop()
            continue
        host = os.path.join(root, *done, part)
        try:
            st = os.lstat(host)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > MAX_SYMLINKS:
                return None
            target = os.readlink(host)
            if target.startswith("/"):
                done = []
            todo.extend(p for p in reversed(target.split("/")) if p not in ("", "."))
        elif todo and not stat.S_ISDIR(st.st_mode):
            return None
        else:
            done.append(part)
    return os.path.join(root, *done)


@dataclasses.dataclass
class _Loaded:
    module: Module
    elf: ElfInfo
    loader: _Loaded | None          # l_loader: the object that first needed it
    origin: str                     # $ORIGIN: directory of the guest path
    file_id: tuple[int, int]
    names: set[str]                 # every name it matched so far (l_libname, l_name, soname)
    dirs: dict[str, list[str]] = dataclasses.field(default_factory=dict)


class _Resolver:
    def __init__(self, sysroot: str | None):
        self.root = os.path.realpath(sysroot) if sysroot else "/"
        self.loaded: list[_Loaded] = []
        self.main: _Loaded | None = None
        self.cache: LdSoCache | None = None
        self.cache_path: str | None = None
        self.system_dirs = DEFAULT_SYSTEM_DIRS

    def guest(self, path: str) -> str:
        """A --with path as a guest path: a host path inside the root is made relative to it;
        anything else is a guest path already."""
        if self.root == "/":
            return os.path.abspath(path)
        real = os.path.realpath(path)
        if (real + "/").startswith(self.root + "/"):
            rel = os.path.relpath(real, self.root)
            return "/" if rel == "." else "/" + rel
        return path if path.startswith("/") else "/" + path

    def open(self, guest: str, who: str, what: str) -> tuple[str, bytes] | None:
        """open_verify of one candidate: (host path, bytes), None to go on searching."""
        host = host_path_in_root(self.root, guest)
        if host is None or not os.path.isfile(host):
            return None
        try:
            with open(host, "rb") as f:
                head = f.read(64)
                problem = verify_header(head)
                if problem == "skip":
                    return None
                if problem:
                    raise InputError(who, f"{what}: {guest}: {problem}")
                return host, head + f.read()
        except PermissionError:
            return None

    def add(self, guest: str, host: str, data: bytes, kind: str, loader: _Loaded | None,
            name: str | None, who: str) -> _Loaded | None:
        """Map one found file: None if that file is already in the set (same st_dev/st_ino)."""
        st = os.stat(host)
        for l in self.loaded:
            if l.file_id == (st.st_dev, st.st_ino):
                l.names.add(name or guest)
                return None
        elf = self.parse(data, guest, who)
        if kind != "program" and kind != "interpreter" and (elf.e_type != ET_DYN or elf.flags_1 & DF_1_PIE):
            raise InputError(who, f"{guest}: cannot dynamically load "
                             f"{'position-independent ' if elf.e_type == ET_DYN else ''}executable")
        needed_by = loader.module.path if loader and kind in ("needed", "implicit") else None
        module = Module(guest, host, elf.soname, kind, needed_by, hashlib.sha256(data).hexdigest(), len(data))
        names = {guest} | ({name} if name else set()) | ({elf.soname} if elf.soname else set())
        l = _Loaded(module, elf, loader, os.path.dirname(guest) or "/", (st.st_dev, st.st_ino), names)
        self.loaded.append(l)
        return l

    @staticmethod
    def parse(data: bytes, guest: str, who: str) -> ElfInfo:
        try:
            return parse_elf(data)
        except (ValueError, struct.error) as e:
            raise InputError(who, f"{guest}: bad program headers or dynamic section ({e})") from None

    def expand(self, l: _Loaded, s: str) -> str:
        """Replace $ORIGIN, ${ORIGIN}, $LIB, $PLATFORM (is_dst: no identifier character may
        follow a bare name); an unknown $NAME stays as it is."""
        values = {"ORIGIN": l.origin, "PLATFORM": DST_PLATFORM, "LIB": self.system_dirs[0].strip("/")}
        return re.sub(r"\$(?:\{(ORIGIN|PLATFORM|LIB)\}|(ORIGIN|PLATFORM|LIB)(?![A-Za-z0-9_]))",
                      lambda m: values[m.group(1) or m.group(2)], s)

    def search_dirs(self, l: _Loaded, tag: str) -> list[str]:
        """decompose_rpath of l's DT_RPATH or DT_RUNPATH: expanded, "dir/", no duplicates.
        Relative entries (and empty ones, meaning ".") depend on the guest's working
        directory at run time and are left out."""
        if tag not in l.dirs:
            value = l.elf.rpath if tag == "RPATH" else l.elf.runpath
            dirs: list[str] = []
            for part in (value or "").split(":"):
                d = self.expand(l, part).rstrip("/") + "/" if part else ""
                if d.startswith("/") and d not in dirs:
                    dirs.append(d)
            l.dirs[tag] = dirs
        return l.dirs[tag]

    def try_dirs(self, dirs, name, who) -> tuple[str, str, bytes] | None:
        for d in dirs:
            for sub in HWCAP_SUBDIRS:
                found = self.open(d + sub + name, who, f"needs {name}")
                if found:
                    return (d + sub + name,) + found
        return None

    def map_object(self, loader: _Loaded, name: str, kind: str = "needed") -> None:
        """_dl_map_object for one DT_NEEDED entry of `loader` (or a name it dlopens)."""
        who = loader.module.path
        if any(name in l.names for l in self.loaded):
            return
        if "/" in name:
            path = self.expand(loader, name)
            path = path if path.startswith("/") else os.path.join(os.getcwd() if self.root == "/" else "/", path)
            found = self.open(path, who, f"needs {name}")
            found = (path,) + found if found else None
            searched = [path]
        else:
            found, searched = None, []
            sources: list[tuple[str, list[str]]] = []
            if not loader.elf.runpath:
                chain, l = [], loader
                while l is not None:
                    chain.append(l)
                    l = l.loader
                if self.main not in chain:
                    chain.append(self.main)
                sources += [("RPATH", self.search_dirs(l, "RPATH")) for l in chain
                            if not (l is self.main and l.elf.runpath)]
            sources.append(("RUNPATH", self.search_dirs(loader, "RUNPATH")))
            nodeflib = bool(loader.elf.flags_1 & DF_1_NODEFLIB)
            for what, dirs in sources:
                searched += [f"{d.rstrip('/')} ({what})" for d in dirs]
                found = found or self.try_dirs(dirs, name, who)
            if not found and self.cache:
                searched.append(LD_SO_CACHE)
                cached = self.cache.lookup(name)
                if cached and not (nodeflib and any(cached.startswith(d) for d in self.system_dirs)):
                    found = self.open(cached, who, f"needs {name}")
                    found = (cached,) + found if found else None
            if not found and not nodeflib:
                searched += [d.rstrip("/") or "/" for d in self.system_dirs]
                found = self.try_dirs(self.system_dirs, name, who)
        if not found:
            raise InputError(who, f"needs {name}, which was not found (searched: {', '.join(searched)})")
        self.add(*found, kind, loader, name, who)

    def closure(self, first: _Loaded) -> None:
        """_dl_map_object_deps: breadth first from `first`."""
        queue = [first]
        while queue:
            l = queue.pop(0)
            start = len(self.loaded)
            for name in l.elf.needed:
                self.map_object(l, name)
            queue += self.loaded[start:]


def resolve(program: str, sysroot: str | None = None, with_paths: list[str] = ()) -> ModuleSet:
    """Resolve `program`'s module set as the guest's ld.so will load it.

    `sysroot`: the directory that is the guest's "/" (default: this machine's).
    `with_paths`: guest paths of shared objects, or of directories whose x86-64 shared
    objects are all added (not recursively), each with its DT_NEEDED closure, as dlopen would
    (a host path inside `sysroot` is taken as the guest path it is there).
    The program is a host path; its $ORIGIN is its real directory (the kernel's
    /proc/self/exe), made a guest path if it lies inside `sysroot`.
    """
    r = _Resolver(sysroot)
    try:
        with open(program, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(program, e.strerror or str(e)) from None
    if verify_header(data[:64]):
        raise InputError(program, "not an x86-64 ELF program")
    real = os.path.realpath(program)
    r.main = r.add(program, real, data, "program", None, None, program)
    # $ORIGIN of the executable comes from /proc/self/exe: symlinks resolved
    inside = r.root != "/" and real.startswith(r.root + "/")
    r.main.origin = os.path.dirname("/" + os.path.relpath(real, r.root) if inside else real)
    if not r.main.elf.interp:
        return ModuleSet(r.main.module, None, [], None, r.main.origin)
    interp = r.main.elf.interp
    found = r.open(interp, program, "interpreter")
    if found is None:
        raise InputError(program, f"needs the interpreter {interp}, which was not found")
    l_interp = r.add(interp, *found, "interpreter", None, interp, program)
    r.system_dirs = system_dirs(found[1])
    cache_host = host_path_in_root(r.root, LD_SO_CACHE)
    if cache_host and os.path.isfile(cache_host):
        with open(cache_host, "rb") as f:
            r.cache = parse_ld_so_cache(f.read())
        r.cache_path = cache_host if r.cache else None
    r.closure(r.main)
    for path in with_paths:
        guest = r.guest(path)
        host = host_path_in_root(r.root, guest)
        if host is None:
            raise InputError(path, "--with: no such file or directory")
        is_dir = os.path.isdir(host)
        for member in [guest.rstrip("/") + "/" + e for e in sorted(os.listdir(host))] if is_dir else [guest]:
            try:
                found = r.open(member, path, "--with")
            except InputError:
                found = None
            elf = r.parse(found[1], member, path) if found else None
            if not elf or elf.e_type != ET_DYN or elf.flags_1 & DF_1_PIE:
                if not is_dir:                   # a file named by --with must be a library
                    raise InputError(path, "--with: not an x86-64 shared object")
                continue                         # other files in a directory are ignored
            added = r.add(member, *found, "with", None, None, path)
            if added:
                r.closure(added)
    for l in list(r.loaded):
        for name in IMPLICIT.get(l.elf.soname, ()):
            start = len(r.loaded)
            try:
                r.map_object(l, name, "implicit")
            except InputError:
                continue            # not installed: the guest fails there as it does natively
            for added in r.loaded[start:]:
                r.closure(added)
    libraries = [l.module for l in r.loaded if l is not r.main and l is not l_interp]
    return ModuleSet(r.main.module, l_interp.module, libraries, r.cache_path, r.main.origin)
