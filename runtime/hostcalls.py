"""Guest system calls on a host whose numbers, flags or layouts differ (aarch64): the host
table (``syscall-shims/<host>.tbl``, named by the backend's HOST_TABLE) gives each guest call
the host's number, or an expression in the host's calls, e.g.::

    stat | - | newfstatat(AT_FDCWD, a0, stat(a1), 0)

An expression is ``host_call(arg, ...)``; an argument is a guest argument ``a0``..``a5``, an
integer, a constant of CONSTANTS, or a converter of CONVERTERS applied to arguments.  A
converter gives the host value and may act after a successful call (copy a host struct
out into the guest's layout, translate the result).  A guest call with neither a number nor
an expression answers ENOSYS.
"""
from __future__ import annotations

import ast

from llvmlite import ir

from runtime.irkit import I8, I16, I32, I64, RuntimeModule, c32, c64, loop_advance, loop_range
from runtime.shims import define_shim

CONSTANTS = {"AT_FDCWD": -100, "AT_SYMLINK_NOFOLLOW": 0x100, "AT_REMOVEDIR": 0x200, "SIGCHLD": 17}

# open(2) flags whose values differ: x86-64 (arch/x86 uses the asm-generic fcntl.h values)
# and arm64 (arch/arm64/include/uapi/asm/fcntl.h)
_OFLAGS = ((0o40000, 0o200000),        # O_DIRECT
           (0o100000, 0o400000),       # O_LARGEFILE
           (0o200000, 0o40000),        # O_DIRECTORY
           (0o400000, 0o100000))       # O_NOFOLLOW
F_GETFL, F_SETFL = 3, 4
EPOLL_BATCH = 64      # events one epoll wait returns at most on this host (any count is valid)


def _remap(b, v, pairs):
    moved = 0
    for a, _ in pairs:
        moved |= a
    out = b.and_(v, c64(~moved))
    for a, h in pairs:
        on = b.icmp_unsigned("!=", b.and_(v, c64(a)), c64(0))
        out = b.or_(out, b.select(on, c64(h), c64(0)))
    return out


def oflags_to_host(b, v):
    return _remap(b, v, _OFLAGS)


def oflags_to_guest(b, v):
    return _remap(b, v, [(h, g) for g, h in _OFLAGS])


def _mem(b, base, off, ty):
    return b.inttoptr(b.add(base, c64(off)), ty.as_pointer())


def _copy(b, src, dst, fields):
    """(src offset, dst offset, type) moves between two structs."""
    for so, do, ty in fields:
        b.store(b.load(_mem(b, src, so, ty)), _mem(b, dst, do, ty))


def _buffer(b, size):
    buf = b.alloca(ir.ArrayType(I8, size))
    buf.align = 16
    return b.ptrtoint(buf, I64)


# -- converters: (b, *args) -> (host value, after(b, result) -> result or None) ----------
def conv_oflags(b, v):
    return oflags_to_host(b, v), None


def conv_fcntl_arg(b, cmd, v):
    def after(b, res):
        return b.select(b.icmp_unsigned("==", cmd, c64(F_GETFL)), oflags_to_guest(b, res), res)
    return b.select(b.icmp_unsigned("==", cmd, c64(F_SETFL)), oflags_to_host(b, v), v), after


# struct stat: x86-64 (arch/x86/include/uapi/asm/stat.h) from the generic one
# (include/uapi/asm-generic/stat.h): dev ino | nlink(64) mode uid gid pad rdev size
# blksize(64) blocks times  versus  dev ino | mode nlink(32) uid gid rdev pad size
# blksize(32) pad blocks times
_STAT_X86_SIZE, _STAT_HOST_SIZE = 144, 128
_STAT_FIELDS = ((0, 0, I64), (8, 8, I64), (16, 24, I32), (24, 28, I32), (28, 32, I32),
                (32, 40, I64), (48, 48, I64), (64, 64, I64), (72, 72, I64), (80, 80, I64),
                (88, 88, I64), (96, 96, I64), (104, 104, I64), (112, 112, I64))


def conv_stat(b, guest):
    host = _buffer(b, _STAT_HOST_SIZE)

    def after(b, res):
        b.store(b.zext(b.load(_mem(b, host, 20, I32)), I64), _mem(b, guest, 16, I64))   # st_nlink
        b.store(b.sext(b.load(_mem(b, host, 56, I32)), I64), _mem(b, guest, 56, I64))   # st_blksize
        b.store(c32(0), _mem(b, guest, 36, I32))
        for k in range(3):
            b.store(c64(0), _mem(b, guest, 120 + 8 * k, I64))
        _copy(b, host, guest, _STAT_FIELDS)
    return host, after


def conv_ms_timespec(b, ms):
    """poll's timeout in ms as ppoll's timespec pointer (a negative timeout: none)."""
    ts = _buffer(b, 16)
    ms32 = b.trunc(ms, I32)
    b.store(b.sext(b.sdiv(ms32, c32(1000)), I64), _mem(b, ts, 0, I64))
    b.store(b.mul(b.sext(b.srem(ms32, c32(1000)), I64), c64(1_000_000)), _mem(b, ts, 8, I64))
    return b.select(b.icmp_signed("<", ms32, c32(0)), c64(0), ts), None


def conv_timeval(b, tv):
    """select's timeval as pselect6's timespec; the time left is written back, as select does."""
    ts = _buffer(b, 16)
    with b.if_then(b.icmp_unsigned("!=", tv, c64(0))):
        b.store(b.load(_mem(b, tv, 0, I64)), _mem(b, ts, 0, I64))
        b.store(b.mul(b.load(_mem(b, tv, 8, I64)), c64(1000)), _mem(b, ts, 8, I64))

    def after(b, res):
        with b.if_then(b.icmp_unsigned("!=", tv, c64(0))):
            b.store(b.load(_mem(b, ts, 0, I64)), _mem(b, tv, 0, I64))
            b.store(b.sdiv(b.load(_mem(b, ts, 8, I64)), c64(1000)), _mem(b, tv, 8, I64))
    return b.select(b.icmp_unsigned("==", tv, c64(0)), c64(0), ts), after


def conv_positive(b, v):
    """epoll_create(size): size must be positive; epoll_create1 takes flags (0)."""
    return b.select(b.icmp_signed(">", b.trunc(v, I32), c32(0)), c64(0), c64(-1)), None


def conv_epoll_event(b, guest):
    """x86-64's struct epoll_event is packed (12 bytes: events, data at 4); arm64's is not
    (16 bytes: data at 8)."""
    host = _buffer(b, 16)
    with b.if_then(b.icmp_unsigned("!=", guest, c64(0))):
        _copy(b, guest, host, ((0, 0, I32), (4, 8, I64)))
    return b.select(b.icmp_unsigned("==", guest, c64(0)), c64(0), host), None


def conv_epoll_events(b, guest):
    host = _buffer(b, 16 * EPOLL_BATCH)

    def after(b, res):
        def one(b, i):
            _copy(b, b.add(host, b.mul(i, c64(16))), b.add(guest, b.mul(i, c64(12))),
                  ((0, 0, I32), (8, 4, I64)))
        loop_range(b, res, one)
    return host, after


def conv_epoll_max(b, n):
    n32 = b.sext(b.trunc(n, I32), I64)
    return b.select(b.icmp_signed(">", n32, c64(EPOLL_BATCH)), c64(EPOLL_BATCH), n32), None


def conv_time_out(b, tloc):
    """time(tloc) through clock_gettime(CLOCK_REALTIME): the seconds are the result."""
    ts = _buffer(b, 16)

    def after(b, res):
        secs = b.load(_mem(b, ts, 0, I64))
        with b.if_then(b.icmp_unsigned("!=", tloc, c64(0))):
            b.store(secs, _mem(b, tloc, 0, I64))
        return secs
    return ts, after


def conv_alarm_in(b, secs):
    """alarm(s) as setitimer(ITIMER_REAL, {0, s}, &old)."""
    it = _buffer(b, 32)
    for off, v in ((0, c64(0)), (8, c64(0)), (16, b.and_(secs, c64(0xFFFF_FFFF))), (24, c64(0))):
        b.store(v, _mem(b, it, off, I64))
    return it, None


def conv_alarm_out(b):
    """The old timer's seconds left, rounded up as alarm(2) does, are the result."""
    old = _buffer(b, 32)

    def after(b, res):
        s = b.load(_mem(b, old, 16, I64))
        us = b.load(_mem(b, old, 24, I64))
        return b.add(s, b.zext(b.icmp_signed(">=", us, c64(500_000)), I64))
    return old, after


def conv_utimbuf(b, ub):
    """utime's struct utimbuf {actime, modtime} as utimensat's two timespecs (NULL: now)."""
    ts = _buffer(b, 32)
    with b.if_then(b.icmp_unsigned("!=", ub, c64(0))):
        for k in range(2):
            b.store(b.load(_mem(b, ub, 8 * k, I64)), _mem(b, ts, 16 * k, I64))
            b.store(c64(0), _mem(b, ts, 16 * k + 8, I64))
    return b.select(b.icmp_unsigned("==", ub, c64(0)), c64(0), ts), None


def conv_timevals(b, tv):
    """utimes' and futimesat's two timevals as utimensat's timespecs (NULL: now); a
    microsecond count outside [0, 10^6) becomes an invalid nanosecond count, so the call
    answers EINVAL as utimes does."""
    ts = _buffer(b, 32)
    with b.if_then(b.icmp_unsigned("!=", tv, c64(0))):
        for k in range(2):
            usec = b.load(_mem(b, tv, 16 * k + 8, I64))
            bad = b.or_(b.icmp_signed("<", usec, c64(0)), b.icmp_signed(">=", usec, c64(1_000_000)))
            b.store(b.load(_mem(b, tv, 16 * k, I64)), _mem(b, ts, 16 * k, I64))
            b.store(b.select(bad, c64(-1), b.mul(usec, c64(1000))), _mem(b, ts, 16 * k + 8, I64))
    return b.select(b.icmp_unsigned("==", tv, c64(0)), c64(0), ts), None


def conv_dirents(b, buf):
    """getdents through getdents64, converting the records in place: a linux_dirent64
    (ino, off, reclen, type, name) and a linux_dirent (ino, off, reclen, name, NUL, pad,
    type in the last byte) of one name have the same length, 20 + strlen(name) rounded up
    to 8, so the name moves down a byte and the type goes to the record's end."""
    def record(b, pos):
        rec = b.add(buf, pos)
        reclen = b.zext(b.load(_mem(b, rec, 16, I16)), I64)
        dtype = b.load(_mem(b, rec, 18, I8))

        def down(b, k):
            at = b.add(rec, k)
            b.store(b.load(_mem(b, at, 19, I8)), _mem(b, at, 18, I8))
        loop_range(b, b.sub(reclen, c64(19)), down)
        b.store(dtype, _mem(b, b.add(rec, reclen), -1, I8))
        return reclen
    return buf, lambda b, res: loop_advance(b, res, record)


# struct utsname (include/uapi/linux/utsname.h): six 65-byte fields; machine is the fifth
_UTS_MACHINE, _UTS_LEN = 4 * 65, 65


def conv_utsname(b, buf):
    """uname: the machine is the guest's, "x86_64", not the host's."""
    def after(b, res):
        name = b"x86_64".ljust(_UTS_LEN, b"\0")
        for off in range(0, _UTS_LEN - 1, 8):
            b.store(c64(int.from_bytes(name[off:off + 8], "little")), _mem(b, buf, _UTS_MACHINE + off, I64))
        b.store(ir.Constant(I8, 0), _mem(b, buf, _UTS_MACHINE + _UTS_LEN - 1, I8))
    return buf, after


CONVERTERS = {name[5:]: f for name, f in globals().items() if name.startswith("conv_")}


def _parse(expr: str):
    node = ast.parse(expr, mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"host call expression expected: {expr!r}")
    return node


def emit_via(rm: RuntimeModule, guest_name: str, via: str, host: dict) -> ir.Function:
    """``i64 host_<guest_name>(State*, a0..a5)`` serving the guest call through ``via``."""
    call = _parse(via)
    hrow = host.get(call.func.id)
    if hrow is None or hrow.nr is None:
        raise KeyError(f"host table: {guest_name}: {call.func.id} is not a host call")
    f, b, st, args = define_shim(rm, f"host_{guest_name}")
    afters = []

    def value(node):
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return c64(CONSTANTS[node.id])
            if node.id.startswith("a") and node.id[1:].isdigit():
                return args[int(node.id[1:])]
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return c64(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return b.sub(c64(0), value(node.operand))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CONVERTERS:
            v, after = CONVERTERS[node.func.id](b, *[value(a) for a in node.args])
            if after is not None:
                afters.append(after)
            return v
        raise ValueError(f"host table: {guest_name}: cannot evaluate {ast.unparse(node)!r}")

    host_args = [value(a) for a in call.args]
    if call.func.id == "clone":
        host_args = list(rm.backend.clone_args(*host_args))
    res = rm.backend.syscall(b, hrow.nr, *host_args)
    if guest_name == "dup2":
        # dup2(fd, fd): fd if it is open (dup3 answers EINVAL), EBADF if not
        same = b.icmp_unsigned("==", b.trunc(args[0], I32), b.trunc(args[1], I32))
        with b.if_then(same):
            r = rm.backend.syscall(b, host["fcntl"].nr, args[0], c64(1))
            b.ret(b.select(b.icmp_signed("<", r, c64(0)), r, b.and_(args[0], c64(0xFFFF_FFFF))))
    failed = b.icmp_unsigned(">=", res, c64(-4095))
    with b.if_then(failed):
        b.ret(res)
    for after in afters:
        r = after(b, res)
        if r is not None:
            res = r
    b.ret(res)
    return f


def host_way(name: str, host_table: str) -> tuple[str, object]:
    """How the passthrough guest call ``name`` reaches a host whose calls are given by
    ``syscall-shims/<host_table>.tbl``: ("pass", host nr) as the same call, ("via",
    expression) through other host calls, or ("absent", None): ENOSYS."""
    import syscall_shims
    h = syscall_shims.load_host_table(host_table).get(name)
    if h is None:
        raise KeyError(f"host table {host_table}.tbl has no row for {name}")
    if h.via != "-":
        return "via", h.via
    if h.nr is not None:
        return "pass", h.nr
    return "absent", None


def routes(rm: RuntimeModule, table):
    """guest nr -> ("pass", host nr) | ("shim", function) | ("absent", None) for the
    passthrough rows of the guest table, on a host with a host table (see host_way)."""
    import syscall_shims
    host = syscall_shims.load_host_table(rm.backend.HOST_TABLE)
    out = {}
    for r in table:
        if r.kind == "passthrough":
            how, what = host_way(r.name, rm.backend.HOST_TABLE)
            out[r.nr] = ("shim", emit_via(rm, r.name, what, host)) if how == "via" else (how, what)
    return out
