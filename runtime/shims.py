"""Emitters of the emulated and translated syscalls, one per table row that names it.

Each emitter defines ``i64 shim_<name>(State*, a0, a1, a2, a3, a4, a5)`` in the runtime
module and returns it; the result is what the guest sees in rax (negative errno on error).
"""
from __future__ import annotations

import errno

from runtime.irkit import I64, RuntimeModule, c64

PROT_EXEC = 4
MAP_PRIVATE, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE, MAP_STACK = 0x2, 0x20, 0x100000, 0x20000
ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS = 0x1001, 0x1002, 0x1003, 0x1004
PAGE = 4096

EMITTERS = {}


def emitter(func):
    EMITTERS[func.__name__] = func
    return func


def define_shim(rm: RuntimeModule, name: str):
    f, b = rm.define(name, I64, [rm.state_p] + [I64] * 6, internal=True)
    return f, b, f.args[0], list(f.args[1:])


def _page_up(b, v):
    return b.and_(b.add(v, c64(PAGE - 1)), c64(-PAGE))


@emitter
def shim_brk(rm: RuntimeModule):
    """brk(addr): the break lives after the guest's bss; growing maps zeroed pages there,
    shrinking unmaps them; a request that cannot be met returns the current break."""
    f, b, st, (addr, *_) = define_shim(rm, "shim_brk")
    start = rm.module.globals["rt_brk_start"]
    cur_g = rm.module.globals["rt_brk_cur"]
    limit = rm.module.globals["rt_brk_limit"]
    S = rm.backend.SYS
    cur = b.load(cur_g)
    ok_range = b.and_(b.icmp_unsigned(">=", addr, b.load(start)), b.icmp_unsigned("<=", addr, b.load(limit)))
    with b.if_then(b.not_(ok_range)):
        b.ret(cur)
    old_top, new_top = _page_up(b, cur), _page_up(b, addr)
    with b.if_else(b.icmp_unsigned(">", new_top, old_top)) as (grow, shrink):
        with grow:
            r = rm.backend.syscall(b, S["mmap"], old_top, b.sub(new_top, old_top), c64(3),
                                   c64(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), c64(-1), c64(0))
            with b.if_then(b.icmp_unsigned("!=", r, old_top)):
                with b.if_then(b.icmp_unsigned("<", r, c64(-4095))):
                    rm.backend.syscall(b, S["munmap"], r, b.sub(new_top, old_top))
                b.ret(cur)
        with shrink:
            with b.if_then(b.icmp_unsigned("<", new_top, old_top)):
                rm.backend.syscall(b, S["munmap"], new_top, b.sub(old_top, new_top))
    b.store(addr, cur_g)
    b.ret(addr)
    return f


def _strip_exec(b, prot):
    return b.and_(prot, c64(~PROT_EXEC))


@emitter
def shim_mmap(rm: RuntimeModule):
    """mmap without PROT_EXEC: guest code only ever runs translated.  An anonymous mapping
    asked with PROT_EXEC (a JIT's code buffer) is refused with EACCES, as a kernel that denies
    execmem (SELinux) refuses it: code generated at run time was never translated, and JITs
    that can fall back to interpreting (PCRE2's, so grep -P) then do, with the same results."""
    f, b, st, a = define_shim(rm, "shim_mmap")
    # (a thread stack of a program whose stack is executable, MAP_STACK, is mapped as usual)
    jit = b.and_(b.icmp_unsigned("!=", b.and_(a[2], c64(PROT_EXEC)), c64(0)),
                 b.icmp_unsigned("==", b.and_(a[3], c64(MAP_ANONYMOUS | MAP_STACK)), c64(MAP_ANONYMOUS)))
    with b.if_then(jit):
        b.ret(c64(-errno.EACCES))
    b.ret(rm.backend.syscall(b, rm.backend.SYS["mmap"], a[0], a[1], _strip_exec(b, a[2]), a[3], a[4], a[5]))
    return f


@emitter
def shim_mprotect(rm: RuntimeModule):
    f, b, st, a = define_shim(rm, "shim_mprotect")
    b.ret(rm.backend.syscall(b, rm.backend.SYS["mprotect"], a[0], a[1], _strip_exec(b, a[2])))
    return f


@emitter
def shim_arch_prctl(rm: RuntimeModule):
    """ARCH_SET_FS/GS and ARCH_GET_FS/GS act on the guest State's segment bases."""
    f, b, st, (code, arg, *_) = define_shim(rm, "shim_arch_prctl")
    bad = f.append_basic_block("einval")
    sw = b.switch(code, bad)
    for value, field, is_set in ((ARCH_SET_FS, "fs_base", True), (ARCH_SET_GS, "gs_base", True),
                                 (ARCH_GET_FS, "fs_base", False), (ARCH_GET_GS, "gs_base", False)):
        bb = f.append_basic_block(f"op_{value:x}")
        sw.add_case(c64(value), bb)
        b.position_at_end(bb)
        p = rm.field(b, st, field)
        if is_set:
            b.store(arg, p)
        else:
            b.store(b.load(p), b.inttoptr(arg, I64.as_pointer()))
        b.ret(c64(0))
    b.position_at_end(bad)
    b.ret(c64(-errno.EINVAL))
    return f
