"""What the overlay shows of its embedded files besides their bytes (runtime/overlay.py):
their metadata and the directories that hold them, so a program that looks before it opens
(Python's import system lists a directory and stats a file before it dlopens it) finds the
embedded files on a host that lacks them (another machine, an empty root).

The host comes first: a path the host has is the host's, for ``stat`` and ``access`` as for a
directory's entries, so on the machine of the translation everything reads as natively.
* ``stat``/``lstat``/``newfstatat``/``statx`` and ``access``/``faccessat``/``faccessat2`` that
  the host answers with ENOENT or ENOTDIR are answered for an embedded file (a regular
  file of its size and its mode at translation; read-only: W_OK gives EROFS) and for a
  directory above embedded files (as the root directory is).
* ``open`` of a directory above embedded files (runtime/overlay.py sends it here) opens the
  host's directory, or the root directory when the host has none; ``getdents64`` on that
  descriptor lists the host's entries, then each entry of the overlay that the host does not
  have (records made at translation, ``data``).
"""
from __future__ import annotations

import errno
import posixpath
import struct
import zlib

from llvmlite import ir

from runtime import overlay
from runtime.irkit import I8, I16, I32, I64, P8, Asm, RuntimeModule, c32, c64, loop_range

# guest (x86-64) syscall numbers -> the argument index of the path
STATS = {4: 0, 6: 0, 262: 1, 332: 1}
ACCESS = {21: 0, 269: 1, 439: 1}
NEWFSTATAT, STATX, OPENAT, GETDENTS64, CLOSE = 262, 332, 257, 217, 3
MEMFD_CREATE, FTRUNCATE = 319, 77
AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW = -100, 0x1000, 0x100
AT_STATX_SYNC_TYPE = 0x6000
O_DIRECTORY, O_CLOEXEC, O_ACCMODE = 0o200000, 0o2000000, 3     # the guest's (x86-64) values
W_OK, X_OK = 2, 1
S_IFREG = 0o100000
ST_MODE = 24                # x86-64 struct stat: st_mode (u32)
STX_MASK, STX_MODE = 0, 28  # struct statx: stx_mask (u32), stx_mode (u16)
STATX_TYPE_MODE = 3
DT_DIR, DT_REG = 4, 8
DIR_WORDS = 3               # rt_overlay_dirs: (guest path, first record, end of records)
DIRFDS = 1024               # descriptors below this are tracked for getdents64
# rt_overlay_dirfds, per descriptor: directory + 1 (0: not one of ours), phase (0: the
# host's entries, 1: the overlay's), hostless (the host has no such directory), the next
# record of the overlay's, (st_dev, st_ino) of the directory opened
DIRFD_WORDS = 6
STAT_SIZE = 256             # room for the guest's struct stat (144 bytes) and the host's


def directories(paths: list[str]) -> dict[str, dict[str, int]]:
    """Each directory above the embedded files at ``paths`` (absolute guest paths): its
    entries, name -> d_type."""
    files = {posixpath.normpath(p) for p in paths if p.startswith("/")}
    dirs: dict[str, dict[str, int]] = {}
    for p in sorted(files):
        child, kind = p, DT_REG
        while child != "/":
            parent, name = posixpath.split(child)
            dirs.setdefault(parent, {})[name] = kind
            child, kind = parent, DT_DIR
    return dirs


def records(path: str, entries: dict[str, int]) -> bytes:
    """linux_dirent64 records of a directory's entries, "." and ".." first (d_ino: a hash of
    the entry's path; d_off: the next record's position)."""
    out = bytearray()
    names = [(".", DT_DIR), ("..", DT_DIR)] + sorted(entries.items())
    for k, (name, kind) in enumerate(names):
        raw = name.encode()
        reclen = (19 + len(raw) + 1 + 7) & ~7
        ino = zlib.crc32(posixpath.join(path, name).encode()) | 1
        out += struct.pack("<QqHB", ino, k + 1, reclen, kind) + raw + bytes(reclen - 19 - len(raw))
    return bytes(out)


def data(asm: Asm, paths: list[str]) -> int:
    """The directories' table and records; returns how many directories."""
    dirs = directories(paths)
    asm.section(".rodata.elf2native_overlay_dirs")
    rows = []
    for k, (path, entries) in enumerate(sorted(dirs.items())):
        asm.label(f"rt_overlay_dir_{k}")
        blob = records(path, entries)
        asm.lines.append(".byte " + ",".join(str(c) for c in blob))
        asm.label(f"rt_overlay_dir_{k}_end", 1)
        rows += [asm.string(path.encode()), f"rt_overlay_dir_{k}", f"rt_overlay_dir_{k}_end"]
    asm.table("rt_overlay_dirs", rows)
    asm.section(".bss.elf2native_overlay_dirs", "bss")
    asm.label("rt_overlay_dirfds")
    asm.lines.append(f".zero {8 * DIRFD_WORDS * DIRFDS}")
    return len(dirs)


def _serve(rm: RuntimeModule) -> ir.Function:
    """rt_serve (runtime/syscalls.py): a call as the table serves it, on any host."""
    from runtime import syscalls
    return rm.function(syscalls.SERVE, I64, list(syscalls.serve_type(rm).args), internal=True)


def _call(b, serve, state, nr: int, *args) -> ir.Value:
    args = [a if isinstance(a, ir.Value) else c64(a) for a in args]
    return b.call(serve, [state, c64(nr), *args, *[c64(0)] * (6 - len(args))])


def _ptr(b, p) -> ir.Value:
    return b.ptrtoint(p, I64)


def _dir_row(rm, b, d, k) -> ir.Value:
    return b.load(b.gep(rm.extern("rt_overlay_dirs", I64), [c32(0), b.add(b.mul(d, c64(DIR_WORDS)), c64(k))]))


def _slot(rm, b, fd, k) -> ir.Value:
    """Pointer to word k of descriptor fd's entry in rt_overlay_dirfds."""
    return b.gep(rm.extern("rt_overlay_dirfds", I64), [c32(0), b.add(b.mul(fd, c64(DIRFD_WORDS)), c64(k))])


def _missing(b, r) -> ir.Value:
    return b.or_(b.icmp_signed("==", r, c64(-errno.ENOENT)), b.icmp_signed("==", r, c64(-errno.ENOTDIR)))


def open_dir(rm: RuntimeModule) -> ir.Function:
    """rt_overlay_open_dir(state, nr, a0..a5, d, flags): the guest's open (call nr) of
    directory d: the host's directory, else the root directory (read-only opens); the
    descriptor is remembered for getdents64."""
    f = rm.module.globals.get("rt_overlay_open_dir")
    if f is not None:
        return f
    serve = _serve(rm)
    f, b = rm.define("rt_overlay_open_dir", I64, [rm.state_p, I64] + [I64] * 6 + [I64, I64], internal=True)
    state, nr, *rest = f.args
    args, d, flags = rest[:6], rest[6], rest[7]
    r0 = b.call(serve, [state, nr, *args])
    fallback = b.and_(_missing(b, r0), b.icmp_unsigned("==", b.and_(flags, c64(O_ACCMODE)), c64(0)))
    root = b.alloca(I64)
    b.store(r0, root)
    with b.if_then(fallback):
        b.store(_call(b, serve, state, OPENAT, AT_FDCWD, _ptr(b, rm.cstring("/")),
                      b.or_(c64(O_DIRECTORY), b.and_(flags, c64(O_CLOEXEC))), 0), root)
    fd = b.load(root)
    with b.if_then(b.and_(b.icmp_signed(">=", fd, c64(0)), b.icmp_signed("<", fd, c64(DIRFDS)))):
        dev, ino = overlay._file_id(rm, b, fd)
        hostless = b.zext(fallback, I64)
        for k, v in enumerate((b.add(d, c64(1)), hostless, hostless, _dir_row(rm, b, d, 1), dev, ino)):
            b.store(v, _slot(rm, b, fd, k))
    b.ret(fd)
    return f


def hooks(rm: RuntimeModule, lookup: ir.Function) -> dict[int, ir.Function]:
    out = {}
    for nr, k in STATS.items():
        out[nr] = _stat_hook(rm, lookup, nr, k)
    for nr, k in ACCESS.items():
        out[nr] = _access_hook(rm, lookup, nr, k)
    out[GETDENTS64] = _getdents_hook(rm)
    return out


def _host_first(rm: RuntimeModule, lookup, name: str, nr: int, k: int):
    """A hook(state, a0..a5) that returns the host's answer to call nr unless that is ENOENT
    or ENOTDIR for a path (argument k) the overlay has; returns (hook, builder, what the
    overlay has there: rt_overlay_lookup's answer) to go on with."""
    h, b = rm.define(name, I64, [rm.state_p] + [I64] * 6, internal=True)
    state, *args = h.args
    r = b.call(_serve(rm), [state, c64(nr), *args])
    with b.if_then(b.not_(_missing(b, r))):
        b.ret(r)
    found = b.call(lookup, [b.inttoptr(args[k], P8)])
    with b.if_then(b.icmp_signed("==", found, c64(-1))):
        b.ret(r)
    return h, b, found


def _stat_hook(rm: RuntimeModule, lookup, nr: int, k: int) -> ir.Function:
    """stat, lstat, newfstatat, statx: the host's answer, unless it lacks what the overlay has."""
    serve = _serve(rm)
    h, b, found = _host_first(rm, lookup, f"rt_overlay_stat_{nr}", nr, k)
    state, *args = h.args
    statx = nr == STATX
    buf = args[4] if statx else args[k + 1]

    def stat_of(dirfd, path, empty):
        if statx:
            at = b.or_(b.and_(args[2], c64(AT_STATX_SYNC_TYPE)), c64(AT_EMPTY_PATH if empty else 0))
            return _call(b, serve, state, STATX, dirfd, path, at, args[3], buf)
        return _call(b, serve, state, NEWFSTATAT, dirfd, path, buf, AT_EMPTY_PATH if empty else 0)

    with b.if_then(b.icmp_signed("<", found, c64(-1))):     # a directory: as the root is
        b.ret(stat_of(c64(AT_FDCWD), _ptr(b, rm.cstring("/")), False))
    # an embedded file: a memfd of its size says what the host's calls say of such a file
    size = b.sub(overlay._file(rm, b, found, 2), overlay._file(rm, b, found, 1))
    fd = _call(b, serve, state, MEMFD_CREATE, _ptr(b, rm.cstring("elf2native-stat")), overlay.MFD_CLOEXEC)
    with b.if_then(b.icmp_signed("<", fd, c64(0))):
        b.ret(fd)
    _call(b, serve, state, FTRUNCATE, fd, size)
    res = stat_of(fd, _ptr(b, rm.cstring("")), True)
    _call(b, serve, state, CLOSE, fd)
    mode = b.or_(overlay._file(rm, b, found, 4), c64(S_IFREG))
    with b.if_then(b.icmp_signed(">=", res, c64(0))):
        if statx:
            mask = b.load(b.inttoptr(b.add(buf, c64(STX_MASK)), I32.as_pointer()))
            with b.if_then(b.icmp_unsigned("!=", b.and_(mask, c32(STATX_TYPE_MODE)), c32(0))):
                b.store(b.trunc(mode, I16), b.inttoptr(b.add(buf, c64(STX_MODE)), I16.as_pointer()))
        else:
            b.store(b.trunc(mode, I32), b.inttoptr(b.add(buf, c64(ST_MODE)), I32.as_pointer()))
    b.ret(res)
    return h


def _access_hook(rm: RuntimeModule, lookup, nr: int, k: int) -> ir.Function:
    """access, faccessat, faccessat2: the host's answer, unless it lacks what the overlay has
    (readable, never writable, executable as its mode says)."""
    h, b, found = _host_first(rm, lookup, f"rt_overlay_access_{nr}", nr, k)
    args = h.args[1:]
    how = args[k + 1]
    with b.if_then(b.icmp_unsigned("!=", b.and_(how, c64(W_OK)), c64(0))):
        b.ret(c64(-errno.EROFS))
    with b.if_then(b.icmp_signed(">=", found, c64(0))):
        no_x = b.icmp_unsigned("==", b.and_(overlay._file(rm, b, found, 4), c64(0o111)), c64(0))
        with b.if_then(b.and_(no_x, b.icmp_unsigned("!=", b.and_(how, c64(X_OK)), c64(0)))):
            b.ret(c64(-errno.EACCES))
    b.ret(c64(0))
    return h


def _getdents_hook(rm: RuntimeModule) -> ir.Function:
    """getdents64 on a directory of the overlay's: the host's entries, then the overlay's
    that the host does not have."""
    serve = _serve(rm)
    h, b = rm.define("rt_overlay_getdents64", I64, [rm.state_p] + [I64] * 6, internal=True)
    state, fd, buf, count = h.args[:4]
    fd = b.sext(b.trunc(fd, I32), I64)
    count = b.and_(count, c64(0xFFFF_FFFF))
    with b.if_then(b.or_(b.icmp_signed("<", fd, c64(0)), b.icmp_signed(">=", fd, c64(DIRFDS)))):
        b.ret(c64(overlay.NOT_OURS))
    with b.if_then(b.icmp_unsigned("==", b.load(_slot(rm, b, fd, 0)), c64(0))):
        b.ret(c64(overlay.NOT_OURS))
    dev, ino = overlay._file_id(rm, b, fd)
    same = b.and_(b.icmp_unsigned("==", dev, b.load(_slot(rm, b, fd, 4))),
                  b.icmp_unsigned("==", ino, b.load(_slot(rm, b, fd, 5))))
    with b.if_then(b.not_(same)):       # closed and reused since: not ours any more
        b.store(c64(0), _slot(rm, b, fd, 0))
        b.ret(c64(overlay.NOT_OURS))
    with b.if_then(b.icmp_unsigned("==", b.load(_slot(rm, b, fd, 1)), c64(0))):
        r = _call(b, serve, state, GETDENTS64, fd, buf, count)
        with b.if_then(b.icmp_signed("!=", r, c64(0))):
            b.ret(r)
        b.store(c64(1), _slot(rm, b, fd, 1))
    d = b.sub(b.load(_slot(rm, b, fd, 0)), c64(1))
    end = _dir_row(rm, b, d, 2)
    hostless = b.icmp_unsigned("!=", b.load(_slot(rm, b, fd, 2)), c64(0))
    scratch = b.ptrtoint(b.alloca(ir.ArrayType(I8, STAT_SIZE)), I64)
    out = b.alloca(I64)
    b.store(c64(0), out)
    f = h
    head, body, take, skip, done = (f.append_basic_block(n) for n in ("rec", "rec_body", "take", "skip", "recs_done"))
    b.branch(head)
    b.position_at_end(head)
    cur = b.load(_slot(rm, b, fd, 3))
    b.cbranch(b.icmp_unsigned("<", cur, end), body, done)
    b.position_at_end(body)
    reclen = b.zext(b.load(b.inttoptr(b.add(cur, c64(16)), I16.as_pointer())), I64)
    name = b.add(cur, c64(19))
    on_host = b.alloca(ir.IntType(1))
    b.store(ir.Constant(ir.IntType(1), 0), on_host)
    with b.if_then(b.not_(hostless)):       # listed among the host's entries already
        st = _call(b, serve, state, NEWFSTATAT, fd, name, scratch, AT_SYMLINK_NOFOLLOW)
        b.store(b.icmp_signed(">=", st, c64(0)), on_host)
    b.cbranch(b.load(on_host), skip, take)
    b.position_at_end(take)
    n = b.load(out)
    full = f.append_basic_block("full")
    copy = f.append_basic_block("copy")
    b.cbranch(b.icmp_unsigned(">", b.add(n, reclen), count), full, copy)
    b.position_at_end(full)
    with b.if_then(b.icmp_unsigned("==", n, c64(0))):
        b.ret(c64(-errno.EINVAL))       # too small for the next record, as the kernel says
    b.branch(done)
    b.position_at_end(copy)
    src, dst = b.inttoptr(cur, P8), b.inttoptr(b.add(buf, n), P8)
    loop_range(b, reclen, lambda b, j: b.store(b.load(b.gep(src, [j])), b.gep(dst, [j])))
    b.store(b.add(n, reclen), out)
    b.branch(skip)
    b.position_at_end(skip)
    b.store(b.add(cur, reclen), _slot(rm, b, fd, 3))
    b.branch(head)
    b.position_at_end(done)
    b.ret(b.load(out))
    return h
