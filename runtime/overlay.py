"""The file-system overlay of a dynamically linked program: the runtime serves the guest's
opens of its embedded files (every shared object of the module set and ld.so.cache) from
its own copies, and places each embedded module where its translation was made.

* ``open``/``openat`` of an embedded path give the file at that path when it is the very
  file that was translated (same device, inode, size, modification and change times as at
  translation: the usual case on the machine that translated it, where nothing is copied
  and the pages are the page cache's, shared with every other process), and otherwise a
  fresh memfd holding the embedded bytes (so the guest's ld.so reads, fstats and maps
  exactly the bytes that were translated, whatever the host has at that path; writing a
  2 MB libc into a memfd was half of a translated /bin/true's start-up); the file's
  (st_dev, st_ino) is remembered for the module.
* ``mmap`` of such a memfd without MAP_FIXED (ld.so's first mapping of a module, which
  reserves its whole extent) goes to the module's base (translator/dynamic.py), so the
  translated code is live at the addresses it was lifted for.  Later MAP_FIXED mappings
  inside that reservation are ordinary.
* ``mmap`` with PROT_EXEC of any other file is refused with EACCES and one line on stderr
  naming the file and ``--with``: code that was not translated never runs, and the guest
  sees what it sees for an unloadable library (dlopen returns NULL with ld.so's message).

Each hook returns NOT_OURS when the call is not the overlay's, and rt_syscall then serves
it as the table says (runtime/syscalls.py).
"""
from __future__ import annotations

import errno
import os
import posixpath
import stat

from llvmlite import ir

from runtime import overlay_dirs

from runtime.irkit import I1, I8, I32, I64, P8, VOID, Asm, RuntimeModule, c32, c64, loop_advance, loop_range

NOT_OURS = -(1 << 40)       # not a Linux result: the table's row serves the call
O_ACCMODE, O_CLOEXEC = 3, 0x80000
MFD_CLOEXEC = 1
PROT_EXEC = 4
MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE = 0x10, 0x20, 0x100000
AT_FDCWD = -100
STAT_SIZE = 256             # room for the host's struct stat; st_dev at 0 and st_ino at 8 on both hosts
# guest syscall number -> (hook name, argument index of the path) for the opens
OPENS = {2: 0, 257: 1}
MMAP = 9
PATH_MAX = 4096
ALIAS_MAX = 2 * PATH_MAX


# rt_overlay_info, in this order; rt_embedded: (guest path, first byte, end, base, mode, then
# the translated file's identity: st_dev, st_ino, st_size, st_mtime s and ns, st_ctime s and
# ns) per file
INFO = ("files", "origin_len", "dirs")
IDENTITY = 5            # the row's first identity word
IDENTITY_WORDS = 7
FILE_WORDS = IDENTITY + IDENTITY_WORDS
# the identity's words in the host's struct stat (the same offsets on x86-64 and aarch64)
STAT_IDENTITY = (0, 8, 48, 88, 96, 104, 112)
O_RDONLY = 0


def data(asm: Asm, embedded: list[tuple[str, str, int]], origin: str = "") -> None:
    """The overlay's tables: ``embedded`` (guest path, host path of the bytes, base or 0),
    the bytes included by the assembler straight from the files; ``origin``: the program's
    $ORIGIN at translation (a path under the directory this executable runs from is also
    looked up under it; none if it does not fit a path)."""
    asm.section(".rodata.elf2native_embedded")
    for i, (_, host, _) in enumerate(embedded):
        asm.incbin(f"rt_embedded_{i}", host, end=f"rt_embedded_{i}_end")
    usable = origin if len(origin.encode()) < PATH_MAX else ""
    dirs = overlay_dirs.data(asm, [guest for guest, _, _ in embedded])
    asm.section(".rodata.elf2native_overlay")
    paths = [asm.string(posixpath.normpath(guest).encode()) for guest, _, _ in embedded]
    origin_label = asm.string(usable.encode())
    asm.table("rt_overlay_info", [len(embedded), len(usable.encode()), dirs])
    asm.table("rt_origin", [origin_label])
    asm.table("rt_embedded", [v for i, (_, host, base) in enumerate(embedded)
                              for v in (paths[i], f"rt_embedded_{i}", f"rt_embedded_{i}_end", base,
                                        stat.S_IMODE(os.stat(host).st_mode), *identity(host))])
    asm.section(".bss.elf2native_overlay", "bss")
    # (st_dev, st_ino) of what the last open of each file gave (the file itself or a memfd)
    asm.label("rt_embedded_ids")
    asm.lines.append(f".zero {16 * max(len(embedded), 1)}")


def identity(host: str) -> tuple[int, ...]:
    """What tells the file at host apart from any other, or from itself once changed: a
    write changes the change time, which nobody can set back."""
    st = os.stat(host)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9,
            st.st_ctime_ns // 10**9, st.st_ctime_ns % 10**9)


def _info(rm: RuntimeModule, b: ir.IRBuilder, name: str) -> ir.Value:
    return b.load(b.gep(rm.extern("rt_overlay_info", I64), [c32(0), c32(INFO.index(name))]))


def _file(rm: RuntimeModule, b: ir.IRBuilder, i: ir.Value, k: int) -> ir.Value:
    """Word k of embedded file i's row (0 path, 1 first byte, 2 end, 3 base, 4 mode)."""
    return b.load(b.gep(rm.extern("rt_embedded", I64), [c32(0), b.add(b.mul(i, c64(FILE_WORDS)), c64(k))]))


def build(rm: RuntimeModule) -> dict[int, ir.Function]:
    """Define the hooks (the same code for every dynamic program; data() writes what they
    read); returns guest syscall number -> hook(state, a0..a5) -> result or NOT_OURS."""
    be = rm.backend
    S = be.SYS
    ids = rm.extern("rt_embedded_ids", I64)

    lookup = _lookup(rm)
    f, b = rm.define("rt_overlay_open", I64, [I64, I64], internal=True)
    i, flags = f.args
    with b.if_then(b.icmp_unsigned("!=", b.and_(flags, c64(O_ACCMODE)), c64(0))):
        b.ret(c64(-errno.EROFS))
    # the file that was translated, if it is still there
    fd = be.syscall(b, S["openat"], c64(AT_FDCWD), _file(rm, b, i, 0),
                    b.or_(c64(O_RDONLY), b.and_(flags, c64(O_CLOEXEC))), c64(0))
    with b.if_then(b.icmp_signed(">=", fd, c64(0))):
        same, words = _stat_words(rm, b, fd, STAT_IDENTITY)
        for k, w in enumerate(words):
            same = b.and_(same, b.icmp_unsigned("==", w, _file(rm, b, i, IDENTITY + k)))
        with b.if_then(same):
            b.store(words[0], _id_slot(b, ids, i, 0))
            b.store(words[1], _id_slot(b, ids, i, 1))
            b.ret(fd)
        be.syscall(b, S["close"], fd)
    mfd_flags = b.select(b.icmp_unsigned("!=", b.and_(flags, c64(O_CLOEXEC)), c64(0)), c64(MFD_CLOEXEC), c64(0))
    fd = be.syscall(b, S["memfd_create"], _file(rm, b, i, 0), mfd_flags)
    with b.if_then(b.icmp_signed("<", fd, c64(0))):
        b.ret(fd)
    start = _file(rm, b, i, 1)
    with b.if_then(b.not_(b.call(_write_all(rm), [fd, start, b.sub(_file(rm, b, i, 2), start)]))):
        be.syscall(b, S["close"], fd)
        b.ret(c64(-errno.EIO))
    be.syscall(b, S["lseek"], fd, c64(0), c64(0))
    dev, ino = _file_id(rm, b, fd)
    b.store(dev, _id_slot(b, ids, i, 0))
    b.store(ino, _id_slot(b, ids, i, 1))
    b.ret(fd)

    hooks = {}
    for nr, k in OPENS.items():
        h, hb = rm.define(f"rt_overlay_open_{nr}", I64, [rm.state_p] + [I64] * 6, internal=True)
        args = list(h.args[1:])
        found = hb.call(lookup, [hb.inttoptr(args[k], P8)])
        with hb.if_then(hb.icmp_signed(">=", found, c64(0))):
            hb.ret(hb.call(f, [found, args[k + 1]]))
        with hb.if_then(hb.icmp_signed("<", found, c64(-1))):     # a directory above embedded files
            hb.ret(hb.call(overlay_dirs.open_dir(rm), [h.args[0], c64(nr), *args, hb.sub(c64(-2), found),
                                                       args[k + 1]]))
        hb.ret(c64(NOT_OURS))
        hooks[nr] = h

    # mmap
    h, b = rm.define("rt_overlay_mmap", I64, [rm.state_p] + [I64] * 6, internal=True)
    addr, length, prot, mflags, fd, off = h.args[1:]
    with b.if_then(b.icmp_unsigned("!=", b.and_(mflags, c64(MAP_ANONYMOUS)), c64(0))):
        b.ret(c64(NOT_OURS))
    fd32 = b.trunc(fd, I32)
    with b.if_then(b.icmp_signed("<", fd32, c32(0))):
        b.ret(c64(NOT_OURS))
    fdv = b.sext(fd32, I64)
    dev, ino = _file_id(rm, b, fdv)

    def match(b, i):
        same = b.and_(b.icmp_unsigned("==", dev, b.load(_id_slot(b, ids, i, 0))),
                      b.icmp_unsigned("==", ino, b.load(_id_slot(b, ids, i, 1))))
        with b.if_then(same):
            base = _file(rm, b, i, 3)
            fixed = b.icmp_unsigned("!=", b.and_(mflags, c64(MAP_FIXED | MAP_FIXED_NOREPLACE)), c64(0))
            with b.if_then(b.and_(b.icmp_unsigned("!=", base, c64(0)), b.not_(fixed))):
                b.ret(be.syscall(b, S["mmap"], base, length, b.and_(prot, c64(~PROT_EXEC)),
                                 b.or_(mflags, c64(MAP_FIXED_NOREPLACE)), fdv, off))
            b.ret(c64(NOT_OURS))
    loop_range(b, _info(rm, b, "files"), match)
    with b.if_then(b.icmp_unsigned("!=", b.and_(prot, c64(PROT_EXEC)), c64(0))):
        b.call(_refuse(rm), [fdv])
        b.ret(c64(-errno.EACCES))
    b.ret(c64(NOT_OURS))
    hooks[MMAP] = h
    hooks.update(overlay_dirs.hooks(rm, lookup))
    return hooks


def _id_slot(b: ir.IRBuilder, ids: ir.Value, i: ir.Value, k: int) -> ir.Value:
    """Where rt_embedded_ids keeps word k (0 st_dev, 1 st_ino) of embedded file i."""
    return b.gep(ids, [c32(0), b.add(b.mul(i, c64(2)), c64(k))])


def _stat_words(rm: RuntimeModule, b: ir.IRBuilder, fd, offsets) -> tuple[ir.Value, list[ir.Value]]:
    """(the host's fstat of fd succeeded, the 8-byte words of its struct stat at offsets)."""
    buf = b.alloca(ir.ArrayType(I64, STAT_SIZE // 8))
    r = rm.backend.syscall(b, rm.backend.SYS["fstat"], fd, b.ptrtoint(buf, I64))
    return b.icmp_signed(">=", r, c64(0)), [b.load(b.gep(buf, [c32(0), c32(off // 8)])) for off in offsets]


def _file_id(rm: RuntimeModule, b: ir.IRBuilder, fd) -> tuple[ir.Value, ir.Value]:
    """(st_dev, st_ino) of fd from the host's fstat; (-1, -1) if it fails."""
    ok, (dev, ino) = _stat_words(rm, b, fd, (0, 8))
    return b.select(ok, dev, c64(-1)), b.select(ok, ino, c64(-1))


def _streq(rm: RuntimeModule) -> ir.Function:
    f = rm.module.globals.get("rt_streq")
    if f is not None:
        return f
    f, b = rm.define("rt_streq", I1, [P8, P8], internal=True)
    x, y = f.args

    def byte(b, i):
        cx = b.load(b.gep(x, [i]))
        with b.if_then(b.icmp_unsigned("!=", cx, b.load(b.gep(y, [i])))):
            b.ret(ir.Constant(I1, 0))
        with b.if_then(b.icmp_unsigned("==", cx, ir.Constant(I8, 0))):
            b.ret(ir.Constant(I1, 1))
    loop_range(b, c64(-1), byte)        # ends at the NUL or the first difference
    b.ret(ir.Constant(I1, 0))
    return f


def _find(rm: RuntimeModule, table: str, words: int, count: str) -> ir.Function:
    """rt_overlay_find_<table>(path): the index of the row of ``table`` (its first word a
    guest path) that names path, or -1."""
    streq = _streq(rm)
    f, b = rm.define(f"rt_overlay_find_{table}", I64, [P8], internal=True)
    rows = rm.extern(table, I64)

    def check(b, i):
        row_path = b.inttoptr(b.load(b.gep(rows, [c32(0), b.mul(i, c64(words))])), P8)
        with b.if_then(b.call(streq, [f.args[0], row_path])):
            b.ret(i)
    loop_range(b, _info(rm, b, count), check)
    b.ret(c64(-1))
    return f


def _lookup(rm: RuntimeModule) -> ir.Function:
    """rt_overlay_lookup(path): what the overlay has at path: embedded file i (i >= 0), the
    directory d above embedded files (-2 - d), or nothing (-1).  A path under the directory
    of /proc/self/exe is looked up as the same path under the program's $ORIGIN when it was
    translated (where ld.so, computing $ORIGIN here, looks for the libraries)."""
    files = _find(rm, "rt_embedded", FILE_WORDS, "files")
    dirs = _find(rm, "rt_overlay_dirs", overlay_dirs.DIR_WORDS, "dirs")
    f, b = rm.define("rt_overlay_lookup", I64, [P8], internal=True)
    path = b.alloca(I64)
    b.store(b.ptrtoint(f.args[0], I64), path)
    clean = b.bitcast(b.alloca(ir.ArrayType(I8, PATH_MAX)), P8)
    with b.if_then(b.call(_normalize(rm), [f.args[0], clean])):
        b.store(b.ptrtoint(clean, I64), path)
    path = b.inttoptr(b.load(path), P8)

    def both(b, p):
        i = b.call(files, [p])
        with b.if_then(b.icmp_signed(">=", i, c64(0))):
            b.ret(i)
        d = b.call(dirs, [p])
        with b.if_then(b.icmp_signed(">=", d, c64(0))):
            b.ret(b.sub(c64(-2), d))
    both(b, path)
    with b.if_then(b.icmp_unsigned("!=", _info(rm, b, "origin_len"), c64(0))):
        alias = b.bitcast(b.alloca(ir.ArrayType(I8, ALIAS_MAX)), P8)
        with b.if_then(b.call(_origin_alias(rm), [path, alias])):
            both(b, alias)
    b.ret(c64(-1))
    return f


def _goto(b: ir.IRBuilder, block) -> None:
    """Branch to block from inside a ``with b.if_then(...)`` (whose end is then unreachable)."""
    b.branch(block)
    b.position_at_end(b.append_basic_block("unreachable"))
    b.unreachable()


def _normalize(rm: RuntimeModule) -> ir.Function:
    """rt_path_normalize(path, out): for an absolute path, out = path with empty and "."
    components dropped and ".." taking off the component before it (as posixpath.normpath,
    which made the paths of the tables), and true; false for a relative or too long path."""
    f, b = rm.define("rt_path_normalize", I1, [P8, P8], internal=True)
    src, dst = f.args
    slash = ir.Constant(I8, ord("/"))
    dot = ir.Constant(I8, ord("."))
    nul = ir.Constant(I8, 0)
    no = ir.Constant(I1, 0)
    with b.if_then(b.icmp_unsigned("!=", b.load(src), slash)):
        b.ret(no)
    i, out = b.alloca(I64), b.alloca(I64)
    b.store(c64(0), i)
    b.store(c64(1), out)
    b.store(slash, dst)
    at = lambda b, p, k: b.load(b.gep(p, [k]))
    head, comp, finish = (f.append_basic_block(n) for n in ("component", "component_body", "normalized"))
    b.branch(head)
    # head: skip the slashes; at the NUL, finish
    b.position_at_end(head)
    c = at(b, src, b.load(i))
    with b.if_then(b.icmp_unsigned("==", c, slash)):
        b.store(b.add(b.load(i), c64(1)), i)
        _goto(b, head)
    b.cbranch(b.icmp_unsigned("==", c, nul), finish, comp)
    b.position_at_end(comp)
    start = b.load(i)
    n = b.alloca(I64)                    # the component's length
    b.store(c64(0), n)
    scan, scanned = f.append_basic_block("scan"), f.append_basic_block("scanned")
    b.branch(scan)
    b.position_at_end(scan)
    ch = at(b, src, b.add(start, b.load(n)))
    ends = b.or_(b.icmp_unsigned("==", ch, slash), b.icmp_unsigned("==", ch, nul))
    with b.if_then(b.not_(ends)):
        b.store(b.add(b.load(n), c64(1)), n)
        _goto(b, scan)
    b.branch(scanned)
    b.position_at_end(scanned)
    length = b.load(n)
    b.store(b.add(start, length), i)
    first_dot = b.icmp_unsigned("==", at(b, src, start), dot)
    is_dot = b.and_(b.icmp_unsigned("==", length, c64(1)), first_dot)
    is_dotdot = b.and_(b.and_(b.icmp_unsigned("==", length, c64(2)), first_dot),
                       b.icmp_unsigned("==", at(b, src, b.add(start, c64(1))), dot))
    with b.if_then(is_dot):
        _goto(b, head)
    with b.if_then(is_dotdot):          # back to the '/' before the last component (or the root)
        pop, popped = f.append_basic_block("pop"), f.append_basic_block("popped")
        b.branch(pop)
        b.position_at_end(pop)
        o = b.load(out)
        more = b.and_(b.icmp_unsigned(">", o, c64(1)), b.icmp_unsigned("!=", at(b, dst, b.sub(o, c64(1))), slash))
        with b.if_then(more):
            b.store(b.sub(o, c64(1)), out)
            _goto(b, pop)
        b.branch(popped)
        b.position_at_end(popped)
        o = b.load(out)
        b.store(b.select(b.icmp_unsigned(">", o, c64(1)), b.sub(o, c64(1)), o), out)
        _goto(b, head)
    o = b.load(out)
    with b.if_then(b.icmp_unsigned(">=", b.add(b.add(o, length), c64(2)), c64(PATH_MAX))):
        b.ret(no)
    sep = b.icmp_unsigned(">", o, c64(1))
    with b.if_then(sep):
        b.store(slash, b.gep(dst, [o]))
    o = b.add(o, b.zext(sep, I64))
    loop_range(b, length, lambda b, k: b.store(at(b, src, b.add(start, k)), b.gep(dst, [b.add(o, k)])))
    b.store(b.add(o, length), out)
    b.branch(head)
    b.position_at_end(finish)
    b.store(nul, b.gep(dst, [b.load(out)]))
    b.ret(ir.Constant(I1, 1))
    return f


def _origin_alias(rm: RuntimeModule) -> ir.Function:
    """rt_origin_alias(path, out): if path lies under the directory of /proc/self/exe,
    out = origin + the rest of path, and true; else false."""
    be = rm.backend
    f, b = rm.define("rt_origin_alias", I1, [P8, P8], internal=True)
    path, out = f.args
    here = b.bitcast(b.alloca(ir.ArrayType(I8, PATH_MAX)), P8)
    n = be.syscall(b, be.SYS["readlinkat"], c64(AT_FDCWD), b.ptrtoint(rm.cstring("/proc/self/exe"), I64),
                   b.ptrtoint(here, I64), c64(PATH_MAX - 1))
    no = ir.Constant(I1, 0)
    with b.if_then(b.icmp_signed("<=", n, c64(0))):
        b.ret(no)
    last = b.alloca(I64)                 # the last '/' of the link: the directory's length
    b.store(c64(-1), last)
    loop_range(b, n, lambda b, j: b.store(
        b.select(b.icmp_unsigned("==", b.load(b.gep(here, [j])), ir.Constant(I8, ord("/"))), j, b.load(last)), last))
    dlen = b.load(last)
    with b.if_then(b.icmp_signed("<", dlen, c64(0))):
        b.ret(no)
    # path[:dlen] == here[:dlen] (a mismatch at path's NUL at the latest) and path[dlen] == '/'
    def same(b, i):
        with b.if_then(b.icmp_unsigned("!=", b.load(b.gep(path, [i])), b.load(b.gep(here, [i])))):
            b.ret(no)
    loop_range(b, dlen, same)
    with b.if_then(b.icmp_unsigned("!=", b.load(b.gep(path, [dlen])), ir.Constant(I8, ord("/")))):
        b.ret(no)
    origin = b.inttoptr(b.load(b.gep(rm.extern("rt_origin", I64), [c32(0), c32(0)])), P8)
    olen = _info(rm, b, "origin_len")
    loop_range(b, olen, lambda b, k: b.store(b.load(b.gep(origin, [k])), b.gep(out, [k])))
    # the rest of path, its NUL included, within ALIAS_MAX
    def copy(b, j):
        ch = b.load(b.gep(path, [b.add(dlen, j)]))
        b.store(ch, b.gep(out, [b.add(olen, j)]))
        with b.if_then(b.icmp_unsigned("==", ch, ir.Constant(I8, 0))):
            b.ret(ir.Constant(I1, 1))
    loop_range(b, b.sub(c64(ALIAS_MAX), olen), copy)
    b.ret(no)
    return f


def _write_all(rm: RuntimeModule) -> ir.Function:
    f = rm.module.globals.get("rt_write_all")
    if f is not None:
        return f
    f, b = rm.define("rt_write_all", I1, [I64, I64, I64], internal=True)
    fd, data, size = f.args

    def write(b, off):
        r = rm.backend.syscall(b, rm.backend.SYS["write"], fd, b.add(data, off), b.sub(size, off))
        with b.if_then(b.icmp_signed("<=", r, c64(0))):
            b.ret(ir.Constant(I1, 0))
        return r
    loop_advance(b, size, write)
    b.ret(ir.Constant(I1, 1))
    return f


def _refuse(rm: RuntimeModule) -> ir.Function:
    """One line: which file was mapped executable without being part of the translation."""
    f, b = rm.define("rt_overlay_refuse", VOID, [I64], internal=True)
    fd = f.args[0]
    name = b.alloca(ir.ArrayType(I8, 40))
    link = b.alloca(ir.ArrayType(I8, 4096))
    prefix = b"/proc/self/fd/"
    for k, ch in enumerate(prefix):
        b.store(ir.Constant(I8, ch), b.gep(name, [c32(0), c32(k)]))
    # the fd's decimal digits, most significant first
    digits = b.alloca(ir.ArrayType(I8, 24))
    count = b.alloca(I64)
    b.store(c64(0), count)
    v = b.alloca(I64)
    b.store(fd, v)
    head, body, out = (f.append_basic_block(x) for x in ("digits", "digit", "digits_done"))
    b.branch(head)
    b.position_at_end(head)
    b.cbranch(b.icmp_unsigned("==", b.load(v), c64(0)), out, body)
    b.position_at_end(body)
    cur = b.load(v)
    b.store(b.trunc(b.add(b.urem(cur, c64(10)), c64(48)), I8), b.gep(digits, [c32(0), b.load(count)]))
    b.store(b.add(b.load(count), c64(1)), count)
    b.store(b.udiv(cur, c64(10)), v)
    b.branch(head)
    b.position_at_end(out)
    nd = b.load(count)
    with b.if_then(b.icmp_unsigned("==", nd, c64(0))):
        b.store(ir.Constant(I8, 48), b.gep(digits, [c32(0), c32(0)]))
        b.store(c64(1), count)
    nd = b.load(count)
    loop_range(b, nd, lambda b, j: b.store(b.load(b.gep(digits, [c32(0), b.sub(b.sub(nd, c64(1)), j)])),
                                           b.gep(name, [c64(0), b.add(c64(len(prefix)), j)])))
    b.store(ir.Constant(I8, 0), b.gep(name, [c64(0), b.add(c64(len(prefix)), nd)]))
    r = rm.backend.syscall(b, rm.backend.SYS["readlinkat"], c64(AT_FDCWD), b.ptrtoint(name, I64),
                           b.ptrtoint(link, I64), c64(4095))
    ln = b.select(b.icmp_signed(">", r, c64(0)), r, c64(0))
    b.store(ir.Constant(I8, 0), b.gep(link, [c64(0), ln]))
    write_str = rm.function("rt_write_str", VOID, [I32, P8])
    text = b.bitcast(link, P8)
    b.call(write_str, [c32(2), rm.cstring("elf2native: ")])
    b.call(write_str, [c32(2), text])
    b.call(write_str, [c32(2), rm.cstring(": not part of this translation; translate the program with --with ")])
    b.call(write_str, [c32(2), text])
    b.call(write_str, [c32(2), rm.cstring(" to load it\n")])
    b.ret_void()
    return f
