"""Syscall tracing (``ELF2NATIVE_STRACE=1``) and the warning for denied and unknown calls.

With the variable set (to anything but ``0`` or nothing), every guest system call prints one
line to stderr in strace's style::

    openat(AT_FDCWD, "/etc/passwd", 0) = 3
    read(3, "root:x:0:0:root:/root:/bin/bash\\n"..., 4096) = 1432
    openat(AT_FDCWD, "/nonexistent", 0) = -1 ENOENT (No such file or directory)
    exit_group(0) = ?

Arguments are decoded from the table's C signatures (see ``arg_kind``): strings and buffers
quoted (32 bytes at most, as strace does), pointers in hex, flags in hex, modes in octal.
Guest memory is read with process_vm_readv, so a bad pointer prints as a pointer instead of
crashing the program.  Lines of threads and forked children other than the first start
with ``[pid N]``.  A line is written with one write(2), so threads do not mix lines.

Without the variable, a denied or unknown system call still prints one warning line the
first time the process makes it (denied rows marked ``quiet`` in the table do not: Linux
answers them the same way, or the C library expects the error and carries on).
"""
from __future__ import annotations

import errno as errno_mod
import os

from llvmlite import ir

from runtime.irkit import I1, I8, I32, I64, P8, VOID, RuntimeModule, c32, c64

ENV_VAR = "ELF2NATIVE_STRACE"
NARGS = 6
LINE = 1024            # the line buffer
LIMIT = LINE - 64      # argument text stops here; the result always fits after it
SHOWN = 32             # bytes of a string or buffer shown, as strace's default -s 32
AT_FDCWD = -100
WARN_SLOTS = 1024      # numbers below this warn once; others every time

# argument kinds
(K_SDEC32, K_SDEC64, K_UDEC32, K_UDEC64, K_HEX, K_OCT, K_PTR, K_STR, K_BUF_IN, K_BUF_OUT,
 K_DFD) = range(11)
# line phases (the ``phase`` argument of rt_strace)
PH_DONE, PH_NORETURN, PH_UNFINISHED, PH_RESUMED = range(4)
# calls that do not come back on success: printed before they are made
NORETURN = {"exit": PH_NORETURN, "exit_group": PH_NORETURN,
            "execve": PH_UNFINISHED, "execveat": PH_UNFINISHED}
RETURNS_ADDRESS = {"mmap", "mremap", "brk", "shmat"}
LENGTH_NAMES = ("count", "len", "size", "nbytes", "bufsiz", "buf_len")
HEX_NAMES = ("flags", "flag", "prot", "how", "cmd", "request", "option", "op", "mask", "advice")
ADDRESS_NAMES = ("addr", "start", "brk", "new_addr", "old_addr", "shmaddr", "uaddr", "newsp", "tls")
OCT_NAMES = ("mode",)
UNSIGNED_32 = ("unsigned int", "unsigned", "u32", "uid_t", "gid_t", "qid_t", "umode_t", "__u32")
UNSIGNED_64 = ("unsigned long", "size_t", "u64", "__u64", "aio_context_t", "key_serial_t")


def arg_kind(params: list[str], i: int) -> tuple[int, int]:
    """(kind, aux) of parameter i of a C parameter list; aux is the index of the length
    parameter for an input buffer."""
    decl = params[i]
    name = decl.replace("*", " ").split()[-1]
    ctype = decl[: decl.rfind(name)].strip()
    if "*" in ctype:
        base = ctype.replace("const", "").replace("*", "").strip()
        if base == "char" and ctype.count("*") == 1:
            nxt = params[i + 1] if i + 1 < len(params) else ""
            has_len = nxt.split()[-1:] and nxt.split()[-1].lstrip("*") in LENGTH_NAMES
            if ctype.startswith("const"):
                return (K_BUF_IN, i + 1) if has_len else (K_STR, 0)
            return K_BUF_OUT, 0
        return K_PTR, 0
    if name.endswith("dfd") or name == "dirfd":
        return K_DFD, 0
    if name == "fd" or name.endswith("_fd"):
        return K_SDEC32, 0
    if name in ADDRESS_NAMES:
        return K_PTR, 0
    if any(name == h or name.endswith("_" + h) or name.startswith(h) for h in HEX_NAMES):
        return K_HEX, 0
    if name in OCT_NAMES or ctype == "umode_t":
        return K_OCT, 0
    if ctype in UNSIGNED_32:
        return K_UDEC32, 0
    if ctype in UNSIGNED_64:
        return K_UDEC64, 0
    if ctype in ("int", "pid_t", "clockid_t", "key_t", "mqd_t", "timer_t", "rwf_t"):
        return K_SDEC32, 0
    return K_SDEC64, 0


def errno_names(limit: int = 134) -> tuple[list[str], list[str]]:
    """Names and messages of errno 0..limit-1, from the C library that builds the runtime."""
    names = [errno_mod.errorcode.get(n, "") for n in range(limit)]
    return names, [os.strerror(n) if names[n] else "" for n in range(limit)]


class _Line:
    """Appends text to a stack buffer; ``pos`` is an i64 alloca."""

    def __init__(self, rm: RuntimeModule, b: ir.IRBuilder, buf, pos):
        self.rm, self.b, self.buf, self.pos = rm, b, buf, pos

    def _call(self, name, *args):
        f = self.rm.module.globals[name]
        self.b.store(self.b.call(f, [self.buf, self.b.load(self.pos), *args]), self.pos)

    def s(self, text):
        self._call("rt_fmt_str", self.rm.cstring(text) if isinstance(text, str) else text)

    def num(self, v, base):
        self._call("rt_fmt_num", v, c64(base))

    def dec(self, v):
        self._call("rt_fmt_dec", v)

    def hex(self, v):
        self.s("0x")
        self.num(v, 16)

    def name_or_number(self, name, prefix, n):
        """name, or prefix and n when name is NULL (a number without a table entry)."""
        b = self.b
        with b.if_else(b.icmp_unsigned("==", name, ir.Constant(P8, None))) as (unnamed, named):
            with unnamed:
                self.s(prefix)
                self.num(n, 10)
            with named:
                self.s(name)

    def mem(self, addr, n, cstr):
        self._call("rt_fmt_mem", addr, n, ir.Constant(I1, int(cstr)))


def build(rm: RuntimeModule, table):
    maxnr = max(r.nr for r in table) + 1
    by_nr = {r.nr: r for r in table}
    _formatters(rm)
    kinds, aux = bytearray(maxnr * NARGS), bytearray(maxnr * NARGS)
    nargs, phase, ret_hex = bytearray([NARGS] * maxnr), bytearray(maxnr), bytearray(maxnr)
    kinds[:] = bytes([K_HEX]) * len(kinds)       # numbers not in the table: six hex words
    for r in table:
        params = r.params
        nargs[r.nr] = len(params)
        phase[r.nr] = NORETURN.get(r.name, PH_DONE)
        ret_hex[r.nr] = r.name in RETURNS_ADDRESS
        for i in range(len(params)):
            kinds[r.nr * NARGS + i], aux[r.nr * NARGS + i] = arg_kind(params, i)

    def table_of(name, data):
        ty = ir.ArrayType(I8, len(data))
        return rm.global_var(name, ty, ir.Constant(ty, data), const=True)

    kinds_g, aux_g = table_of("rt_strace_kinds", kinds), table_of("rt_strace_aux", aux)
    nargs_g, phase_g, rhex_g = (table_of("rt_strace_nargs", nargs), table_of("rt_strace_phase", phase),
                                table_of("rt_strace_rethex", ret_hex))
    names_t = ir.ArrayType(P8, maxnr)
    null = ir.Constant(P8, None)
    names_g = rm.global_var("rt_syscall_names", names_t, ir.Constant(
        names_t, [rm.cstring(by_nr[n].name) if n in by_nr else null for n in range(maxnr)]), const=True)
    enames, emsgs = errno_names()
    err_t = ir.ArrayType(P8, len(enames))
    enames_g = rm.global_var("rt_errno_names", err_t, ir.Constant(
        err_t, [rm.cstring(s) if s else null for s in enames]), const=True)
    emsgs_g = rm.global_var("rt_errno_msgs", err_t, ir.Constant(
        err_t, [rm.cstring(s) if s else null for s in emsgs]), const=True)
    rm.global_var("rt_strace_on", I8, ir.Constant(I8, 0), internal=False)
    rm.global_var("rt_strace_pid", I64, c64(0), internal=False)

    def at(b, g, i):
        return b.load(b.gep(g, [c32(0), i]))

    S = rm.backend.SYS
    # rt_strace_phase_of(nr) -> phase of the line printed before the call (0: none)
    f, b = rm.define("rt_strace_phase_of", I32, [I64], internal=True)
    nr = f.args[0]
    known = b.icmp_unsigned("<", nr, c64(maxnr))
    b.ret(b.select(known, b.zext(at(b, phase_g, b.select(known, nr, c64(0))), I32), c32(PH_DONE)))

    # rt_strace(nr, a0..a5, result, phase)
    f, b = rm.define("rt_strace", VOID, [I64] * (2 + NARGS) + [I32], internal=True)
    nr, args, res, ph = f.args[0], list(f.args[1:1 + NARGS]), f.args[1 + NARGS], f.args[2 + NARGS]
    buf = b.bitcast(b.alloca(ir.ArrayType(I8, LINE)), P8)
    pos = b.alloca(I64)
    b.store(c64(0), pos)
    line = _Line(rm, b, buf, pos)
    tid = rm.backend.syscall(b, S["gettid"])
    with b.if_then(b.icmp_unsigned("!=", tid, b.load(rm.module.globals["rt_strace_pid"]))):
        line.s("[pid ")
        line.dec(tid)
        line.s("] ")
    known = b.icmp_unsigned("<", nr, c64(maxnr))
    safe_nr = b.select(known, nr, c64(0))
    name = b.select(known, at(b, names_g, safe_nr), null)
    resumed = b.icmp_unsigned("==", ph, c32(PH_RESUMED))
    with b.if_else(resumed) as (then, other):
        with then:
            line.s("<... ")
            line.s(name)
            line.s(" resumed>")
        with other:
            line.name_or_number(name, "syscall_", nr)
            line.s("(")
            n = b.select(known, b.zext(at(b, nargs_g, safe_nr), I64), c64(NARGS))
            for i in range(NARGS):
                with b.if_then(b.icmp_unsigned("<", c64(i), n)):
                    if i:
                        line.s(", ")
                    kind = b.select(known, at(b, kinds_g, b.add(b.mul(safe_nr, c64(NARGS)), c64(i))),
                                    ir.Constant(I8, K_HEX))
                    _arg(rm, b, line, kind,
                         at(b, aux_g, b.add(b.mul(safe_nr, c64(NARGS)), c64(i))), args, i, res, ph)
    with b.if_else(b.icmp_unsigned("==", ph, c32(PH_UNFINISHED))) as (unfinished, finished):
        with unfinished:
            line.s(" <unfinished ...>")
        with finished:
            line.s(") = ")
            with b.if_else(b.icmp_unsigned("==", ph, c32(PH_NORETURN))) as (noret, ret):
                with noret:
                    line.s("?")
                with ret:
                    _result(rm, b, line, res, b.and_(known, b.icmp_unsigned(
                        "!=", at(b, rhex_g, safe_nr), ir.Constant(I8, 0))), enames_g, emsgs_g, len(enames))
    line.s("\n")
    rm.backend.syscall(b, S["write"], c64(2), b.ptrtoint(buf, I64), b.load(pos))
    b.ret_void()

    _warn(rm, table, maxnr)


def _arg(rm, b, line, kind, aux, args, i, res, ph):
    v = args[i]
    f = b.function
    done = f.append_basic_block(f"arg{i}_done")
    cases = {}
    sw = b.switch(kind, done)
    for k in range(11):
        bb = f.append_basic_block(f"arg{i}_kind{k}")
        sw.add_case(ir.Constant(I8, k), bb)
        cases[k] = bb
    b.position_at_end(cases[K_SDEC32])
    line.dec(b.sext(b.trunc(v, I32), I64))
    b.branch(done)
    b.position_at_end(cases[K_SDEC64])
    line.dec(v)
    b.branch(done)
    b.position_at_end(cases[K_UDEC32])
    line.num(b.and_(v, c64(0xFFFF_FFFF)), 10)
    b.branch(done)
    b.position_at_end(cases[K_UDEC64])
    line.num(v, 10)
    b.branch(done)
    b.position_at_end(cases[K_HEX])
    line.hex(v)
    b.branch(done)
    b.position_at_end(cases[K_OCT])
    line.s("0")
    line.num(v, 8)
    b.branch(done)
    b.position_at_end(cases[K_PTR])
    _pointer(b, line, v)
    b.branch(done)
    b.position_at_end(cases[K_STR])
    line.mem(v, c64(SHOWN + 1), True)
    b.branch(done)
    b.position_at_end(cases[K_BUF_IN])
    # the length is the argument after the buffer (aux); args are i64, pick by index
    length = args[0]
    for j in range(1, NARGS):
        length = b.select(b.icmp_unsigned("==", aux, ir.Constant(I8, j)), args[j], length)
    line.mem(v, length, False)
    b.branch(done)
    b.position_at_end(cases[K_BUF_OUT])
    shown = b.and_(b.icmp_unsigned("==", ph, c32(PH_DONE)),
                   b.icmp_signed(">", res, c64(0)))
    with b.if_else(shown) as (then, other):
        with then:
            line.mem(v, res, False)
        with other:
            _pointer(b, line, v)
    b.branch(done)
    b.position_at_end(cases[K_DFD])
    with b.if_else(b.icmp_unsigned("==", b.trunc(v, I32), c32(AT_FDCWD))) as (then, other):
        with then:
            line.s("AT_FDCWD")
        with other:
            line.dec(b.sext(b.trunc(v, I32), I64))
    b.branch(done)
    b.position_at_end(done)


def _pointer(b, line, v):
    with b.if_else(b.icmp_unsigned("==", v, c64(0))) as (then, other):
        with then:
            line.s("NULL")
        with other:
            line.hex(v)


def _result(rm, b, line, res, as_hex, enames_g, emsgs_g, nerr):
    is_err = b.icmp_unsigned(">=", res, c64(-4095))
    with b.if_else(is_err) as (err, ok):
        with err:
            e = b.sub(c64(0), res)
            line.s("-1 ")
            in_range = b.icmp_unsigned("<", e, c64(nerr))
            idx = b.select(in_range, e, c64(0))
            name = b.select(in_range, b.load(b.gep(enames_g, [c32(0), idx])), ir.Constant(P8, None))
            line.name_or_number(name, "errno ", e)
            with b.if_then(b.icmp_unsigned("!=", name, ir.Constant(P8, None))):
                line.s(" (")
                line.s(b.load(b.gep(emsgs_g, [c32(0), idx])))
                line.s(")")
        with ok:
            with b.if_else(as_hex) as (h, d):
                with h:
                    line.hex(res)
                with d:
                    line.dec(res)


def _formatters(rm):
    """rt_fmt_*(buf, pos, ...) -> new pos: append to a line, never past LIMIT."""
    def put(b, buf, pos, ch):
        """Store ch at pos if there is room; returns the next pos."""
        room = b.icmp_unsigned("<", pos, c64(LIMIT))
        with b.if_then(room):
            b.store(ch, b.gep(buf, [pos]))
        return b.select(room, b.add(pos, c64(1)), pos)

    # rt_fmt_str(buf, pos, s)
    f, b = rm.define("rt_fmt_str", I64, [P8, I64, P8], internal=True)
    buf, pos0, s = f.args
    pos, i = b.alloca(I64), b.alloca(I64)
    b.store(pos0, pos)
    b.store(c64(0), i)
    head, body, done = (f.append_basic_block(n) for n in ("head", "body", "done"))
    b.branch(head)
    b.position_at_end(head)
    ch = b.load(b.gep(s, [b.load(i)]))
    b.cbranch(b.icmp_unsigned("==", ch, ir.Constant(I8, 0)), done, body)
    b.position_at_end(body)
    b.store(put(b, buf, b.load(pos), ch), pos)
    b.store(b.add(b.load(i), c64(1)), i)
    b.branch(head)
    b.position_at_end(done)
    b.ret(b.load(pos))

    # rt_fmt_num(buf, pos, v, base): unsigned, digits 0-9a-f, no prefix
    f, b = rm.define("rt_fmt_num", I64, [P8, I64, I64, I64], internal=True)
    buf, pos0, v0, base = f.args
    digits = b.bitcast(b.alloca(ir.ArrayType(I8, 24)), P8)
    v, n, pos = b.alloca(I64), b.alloca(I64), b.alloca(I64)
    b.store(v0, v)
    b.store(c64(0), n)
    b.store(pos0, pos)
    conv, out_head, out_body, done = (f.append_basic_block(x) for x in ("conv", "out_head", "out_body", "done"))
    b.branch(conv)
    b.position_at_end(conv)
    cur = b.load(v)
    d = b.trunc(b.urem(cur, base), I8)
    ch = b.select(b.icmp_unsigned("<", d, ir.Constant(I8, 10)), b.add(d, ir.Constant(I8, ord("0"))),
                  b.add(d, ir.Constant(I8, ord("a") - 10)))
    b.store(ch, b.gep(digits, [b.load(n)]))
    b.store(b.add(b.load(n), c64(1)), n)
    nxt = b.udiv(cur, base)
    b.store(nxt, v)
    b.cbranch(b.icmp_unsigned("==", nxt, c64(0)), out_head, conv)
    b.position_at_end(out_head)
    b.cbranch(b.icmp_unsigned("==", b.load(n), c64(0)), done, out_body)
    b.position_at_end(out_body)
    k = b.sub(b.load(n), c64(1))
    b.store(k, n)
    b.store(put(b, buf, b.load(pos), b.load(b.gep(digits, [k]))), pos)
    b.branch(out_head)
    b.position_at_end(done)
    b.ret(b.load(pos))

    # rt_fmt_dec(buf, pos, v): signed decimal
    f, b = rm.define("rt_fmt_dec", I64, [P8, I64, I64], internal=True)
    buf, pos, v = f.args
    neg = b.icmp_signed("<", v, c64(0))
    p = b.select(neg, put(b, buf, pos, ir.Constant(I8, ord("-"))), pos)
    mag = b.select(neg, b.sub(c64(0), v), v)
    b.ret(b.call(rm.module.globals["rt_fmt_num"], [buf, p, mag, c64(10)]))

    # rt_fmt_mem(buf, pos, addr, n, cstr): "quoted" guest bytes, at most SHOWN of n (up to
    # the NUL for a C string); a pointer that cannot be read prints as the pointer
    f, b = rm.define("rt_fmt_mem", I64, [P8, I64, I64, I64, I1], internal=True)
    buf, pos0, addr, n0, cstr = f.args
    tmp = b.bitcast(b.alloca(ir.ArrayType(I8, SHOWN + 1)), P8)
    want = b.select(b.icmp_unsigned("<", n0, c64(SHOWN + 1)), n0, c64(SHOWN + 1))
    got = _read_guest(rm, b, tmp, addr, want)
    with b.if_then(b.icmp_signed("<=", got, c64(0))):
        with b.if_then(b.or_(b.icmp_unsigned("==", addr, c64(0)), b.icmp_unsigned("!=", n0, c64(0)))):
            with b.if_else(b.icmp_unsigned("==", addr, c64(0))) as (isnull, bad):
                with isnull:
                    b.ret(b.call(rm.module.globals["rt_fmt_str"], [buf, pos0, rm.cstring("NULL")]))
                with bad:
                    p = b.call(rm.module.globals["rt_fmt_str"], [buf, pos0, rm.cstring("0x")])
                    b.ret(b.call(rm.module.globals["rt_fmt_num"], [buf, p, addr, c64(16)]))
    pos, i = b.alloca(I64), b.alloca(I64)
    b.store(put(b, buf, pos0, ir.Constant(I8, ord('"'))), pos)
    b.store(c64(0), i)
    head, body, close = (f.append_basic_block(x) for x in ("head", "body", "close"))
    limit = b.select(b.icmp_signed("<", got, c64(SHOWN)), b.select(b.icmp_signed("<", got, c64(0)), c64(0), got),
                     c64(SHOWN))
    b.branch(head)
    b.position_at_end(head)
    idx = b.load(i)
    more = b.icmp_unsigned("<", idx, limit)
    ch = b.load(b.gep(tmp, [b.select(more, idx, c64(0))]))
    at_nul = b.and_(cstr, b.icmp_unsigned("==", ch, ir.Constant(I8, 0)))
    b.cbranch(b.and_(more, b.not_(at_nul)), body, close)
    b.position_at_end(body)
    b.store(_escape(b, buf, b.load(pos), ch, put), pos)
    b.store(b.add(idx, c64(1)), i)
    b.branch(head)
    b.position_at_end(close)
    p = put(b, buf, b.load(pos), ir.Constant(I8, ord('"')))
    # "..." when bytes were left out: a string with no NUL among the bytes shown, or a
    # buffer longer than SHOWN
    truncated = b.select(cstr, b.and_(b.not_(at_nul), b.icmp_unsigned(">=", idx, c64(SHOWN))),
                         b.icmp_unsigned(">", n0, c64(SHOWN)))
    with b.if_then(truncated):
        b.ret(b.call(rm.module.globals["rt_fmt_str"], [buf, p, rm.cstring("...")]))
    b.ret(p)


ESCAPES = {ord("\n"): "n", ord("\t"): "t", ord("\r"): "r", ord('"'): '"', ord("\\"): "\\",
           0x0B: "v", 0x0C: "f"}


def _escape(b, buf, pos, ch, put):
    """Append ch as strace shows it: printable ASCII as is, C escapes, else \\ooo octal."""
    f = b.function
    out = b.alloca(I64)
    b.store(pos, out)
    done = f.append_basic_block("esc_done")
    plain = f.append_basic_block("esc_plain")
    octal = f.append_basic_block("esc_octal")
    printable = b.and_(b.icmp_unsigned(">=", ch, ir.Constant(I8, 0x20)), b.icmp_unsigned("<", ch, ir.Constant(I8, 0x7F)))
    sw = b.switch(ch, octal)
    for code, letter in ESCAPES.items():
        bb = f.append_basic_block(f"esc_{code}")
        sw.add_case(ir.Constant(I8, code), bb)
        b.position_at_end(bb)
        p = put(b, buf, b.load(out), ir.Constant(I8, ord("\\")))
        b.store(put(b, buf, p, ir.Constant(I8, ord(letter))), out)
        b.branch(done)
    b.position_at_end(octal)
    with b.if_then(printable):
        b.branch(plain)
    p = put(b, buf, b.load(out), ir.Constant(I8, ord("\\")))
    for shift in (6, 3, 0):
        d = b.and_(b.lshr(ch, ir.Constant(I8, shift)), ir.Constant(I8, 7))
        p = put(b, buf, p, b.add(d, ir.Constant(I8, ord("0"))))
    b.store(p, out)
    b.branch(done)
    b.position_at_end(plain)
    b.store(put(b, buf, b.load(out), ch), out)
    b.branch(done)
    b.position_at_end(done)
    return b.load(out)


def _read_guest(rm, b, dst, addr, n):
    """Copy n guest bytes at addr to dst with process_vm_readv on ourselves: a bad address
    gives an error or a short count instead of a fault.  Returns the count (or -errno)."""
    S = rm.backend.SYS
    iov_t = ir.ArrayType(I64, 2)
    local, remote = b.alloca(iov_t), b.alloca(iov_t)
    for iov, base in ((local, b.ptrtoint(dst, I64)), (remote, addr)):
        b.store(base, b.gep(iov, [c32(0), c32(0)]))
        b.store(n, b.gep(iov, [c32(0), c32(1)]))
    pid = rm.backend.syscall(b, S["getpid"])
    return rm.backend.syscall(b, S["process_vm_readv"], pid, b.ptrtoint(local, I64), c64(1),
                              b.ptrtoint(remote, I64), c64(1), c64(0))


def _warn(rm, table, maxnr):
    """rt_syscall_warn(nr): the one-line warning for a denied (not quiet) or unknown call,
    once per number below WARN_SLOTS."""
    by_nr = {r.nr: r for r in table}
    warned = rm.global_var("rt_syscall_warned", ir.ArrayType(I8, WARN_SLOTS))
    texts_t = ir.ArrayType(P8, maxnr)
    texts = []
    for n in range(maxnr):
        r = by_nr.get(n)
        if r is not None and r.kind == "denied" and not r.quiet:
            texts.append(rm.cstring(f"elf2native: warning: system call {r.name} ({r.nr}) is denied "
                                    f"with {r.errno}: {r.note}\n"))
        else:
            texts.append(ir.Constant(P8, None))
    texts_g = rm.global_var("rt_syscall_warnings", texts_t, ir.Constant(texts_t, texts), const=True)
    f, b = rm.define("rt_syscall_warn", VOID, [I64], internal=True)
    nr = f.args[0]
    slot = b.icmp_unsigned("<", nr, c64(WARN_SLOTS))
    flag = b.gep(warned, [c32(0), b.select(slot, nr, c64(0))])
    with b.if_then(b.and_(slot, b.icmp_unsigned("!=", b.load(flag), ir.Constant(I8, 0)))):
        b.ret_void()
    with b.if_then(slot):
        b.store(ir.Constant(I8, 1), flag)
    write_str = rm.function("rt_write_str", VOID, [I32, P8])
    known = b.icmp_unsigned("<", nr, c64(maxnr))
    text = b.select(known, b.load(b.gep(texts_g, [c32(0), b.select(known, nr, c64(0))])), ir.Constant(P8, None))
    with b.if_else(b.icmp_unsigned("==", text, ir.Constant(P8, None))) as (unknown, denied):
        with unknown:
            # one write for the whole line
            buf = b.bitcast(b.alloca(ir.ArrayType(I8, LINE)), P8)
            pos = b.alloca(I64)
            b.store(c64(0), pos)
            line = _Line(rm, b, buf, pos)
            line.s("elf2native: warning: unknown system call ")
            line.num(nr, 10)
            line.s(" answered ENOSYS\n")
            rm.backend.syscall(b, rm.backend.SYS["write"], c64(2), b.ptrtoint(buf, I64), b.load(pos))
        with denied:
            b.call(write_str, [c32(2), text])
    b.ret_void()
