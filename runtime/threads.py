"""Threads and processes: clone, vfork and exit.

Every guest thread has its own State and host stack.  A clone that shares the address space
(CLONE_VM: pthread_create, posix_spawn) maps a region for the child: its host stack below,
its State (a copy of the parent's, rax = 0) at the top.  The host thread's fs base points
at that State (the runtime's per-thread anchor, see the backends' ``thread_state``), and the
child starts in the dispatcher at the instruction after the guest's syscall, a resume point
of the lifted code.  CLONE_SETTLS sets the child's guest fs base; CLONE_PARENT_SETTID and
CLONE_CHILD_CLEARTID work on guest memory, so the host kernel does them as they are.

A clone without CLONE_VM (fork) is a host clone without a new host stack: the child is a
copy of the whole process, runtime included, and continues where the parent does.

``exit`` of a thread with its own region unmaps it as it leaves (rt_exit_thread).
"""
from __future__ import annotations

import errno

from runtime import abi
from runtime.irkit import I64, P8, RuntimeModule, c32, c64
from runtime.shims import define_shim, emitter

CLONE_VM, CLONE_VFORK, CLONE_SETTLS = 0x100, 0x4000, 0x80000
CLONE_PIDFD, CLONE_PARENT_SETTID, CSIGNAL = 0x1000, 0x100000, 0xFF
# struct clone_args (include/uapi/linux/sched.h): u64 fields in this order
CLONE_ARGS = ("flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size",
              "tls", "set_tid", "set_tid_size", "cgroup")
CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1 = 64, 80
SIGCHLD = 17
PROT_RW = 3
MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE, MAP_STACK = 0x2, 0x20, 0x4000, 0x20000
# A thread's host stack: lifted frames are larger than native ones; reserved, not committed.
THREAD_REGION = 256 << 20


def _clone(rm: RuntimeModule, b, st, flags, newsp, ptid, ctid, tls):
    S = rm.backend.SYS

    def has(bit):
        return b.icmp_unsigned("!=", b.and_(flags, c64(bit)), c64(0))

    with b.if_then(b.not_(has(CLONE_VM))):
        # fork: the child continues on its copy of this host stack
        r = rm.backend.syscall(b, S["clone"], *rm.backend.clone_args(
            b.and_(flags, c64(~CLONE_SETTLS)), c64(0), ptid, ctid, c64(0)))
        with b.if_then(b.icmp_unsigned("==", r, c64(0))):
            with b.if_then(b.icmp_unsigned("!=", newsp, c64(0))):
                b.store(newsp, rm.field(b, st, "rsp"))
            with b.if_then(has(CLONE_SETTLS)):
                b.store(tls, rm.field(b, st, "fs_base"))
        b.ret(r)
    base = rm.backend.syscall(b, S["mmap"], c64(0), c64(THREAD_REGION), c64(PROT_RW),
                              c64(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK), c64(-1), c64(0))
    with b.if_then(b.icmp_unsigned(">=", base, c64(-4095))):
        b.ret(base)
    child = b.and_(b.sub(b.add(base, c64(THREAD_REGION)), c64(abi.STATE_SIZE)), c64(-64))
    memcpy = rm.function("memcpy", P8, [P8, P8, I64])
    b.call(memcpy, [b.inttoptr(child, P8), b.bitcast(st, P8), c64(abi.STATE_SIZE)])
    host_top = b.and_(b.sub(child, c64(256)), c64(-16))
    child_st = b.inttoptr(child, rm.state_p)
    b.store(c64(0), rm.field(b, child_st, "rax"))
    with b.if_then(b.icmp_unsigned("!=", newsp, c64(0))):
        b.store(newsp, rm.field(b, child_st, "rsp"))
    with b.if_then(has(CLONE_SETTLS)):
        b.store(tls, rm.field(b, child_st, "fs_base"))
    for name, v in (("self", child), ("host_top", host_top), ("host_base", base),
                    ("host_size", c64(THREAD_REGION)), ("sig_pending", c64(0)),
                    ("ss_sp", c64(0)), ("ss_size", c64(0))):
        b.store(v, rm.field(b, child_st, name))
    b.store(c32(0), rm.field(b, child_st, "ss_flags"))     # CLONE_VM clears sigaltstack
    b.store(c32(0), rm.field(b, child_st, "sig_returned"))
    spawn = rm.function("rt_clone_thread", I64, [I64] * 5)
    r = b.call(spawn, [b.or_(flags, c64(CLONE_SETTLS)), host_top, ptid, ctid, child])
    # a failed clone, or a vfork child that has exec'd or exited: the region is free again
    with b.if_then(b.or_(b.icmp_signed("<", r, c64(0)), has(CLONE_VFORK))):
        rm.backend.syscall(b, S["munmap"], base, c64(THREAD_REGION))
    b.ret(r)


@emitter
def shim_clone(rm: RuntimeModule):
    """clone(flags, newsp, parent_tid, child_tid, tls): see the module's docstring."""
    f, b, st, (flags, newsp, ptid, ctid, tls, _) = define_shim(rm, "shim_clone")
    _clone(rm, b, st, flags, newsp, ptid, ctid, tls)
    return f


@emitter
def shim_clone3(rm: RuntimeModule):
    """clone3(args, size) served by the clone path: flags | exit_signal, the top of the given
    stack, parent_tid, child_tid, tls; CLONE_PIDFD stores the pidfd where args.pidfd says.
    What clone cannot express (flags above bit 31: CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP;
    set_tid; CLONE_PIDFD together with CLONE_PARENT_SETTID) answers ENOSYS, on which callers
    fall back to clone as on kernels before 5.3."""
    f, b, st, (uargs, size, *_) = define_shim(rm, "shim_clone3")
    with b.if_then(b.icmp_unsigned("<", size, c64(CLONE_ARGS_SIZE_VER0))):
        b.ret(c64(-errno.EINVAL))
    p = b.inttoptr(uargs, I64.as_pointer())
    a = {name: b.load(b.gep(p, [c64(i)])) for i, name in enumerate(CLONE_ARGS[:8])}
    has_set_tid = b.icmp_unsigned(">=", size, c64(CLONE_ARGS_SIZE_VER1))
    set_tid_size = b.select(has_set_tid, b.load(b.gep(p, [c64(CLONE_ARGS.index("set_tid_size"))])), c64(0))
    flags = a["flags"]
    stack, stack_size = a["stack"], a["stack_size"]
    bad = b.or_(b.icmp_unsigned("!=", b.and_(flags, c64(CSIGNAL)), c64(0)),
                b.icmp_unsigned(">", a["exit_signal"], c64(64)))
    bad = b.or_(bad, b.icmp_unsigned("!=", b.icmp_unsigned("==", stack, c64(0)),
                                     b.icmp_unsigned("==", stack_size, c64(0))))
    with b.if_then(bad):
        b.ret(c64(-errno.EINVAL))
    pidfd = b.icmp_unsigned("!=", b.and_(flags, c64(CLONE_PIDFD)), c64(0))
    settid = b.icmp_unsigned("!=", b.and_(flags, c64(CLONE_PARENT_SETTID)), c64(0))
    inexpressible = b.or_(b.icmp_unsigned("!=", b.lshr(flags, c64(32)), c64(0)),
                          b.or_(b.icmp_unsigned("!=", set_tid_size, c64(0)), b.and_(pidfd, settid)))
    with b.if_then(inexpressible):
        b.ret(c64(-errno.ENOSYS))
    newsp = b.select(b.icmp_unsigned("==", stack, c64(0)), c64(0), b.add(stack, stack_size))
    ptid = b.select(pidfd, a["pidfd"], a["parent_tid"])
    _clone(rm, b, st, b.or_(flags, a["exit_signal"]), newsp, ptid, a["child_tid"], a["tls"])
    return f


@emitter
def shim_vfork(rm: RuntimeModule):
    """vfork = clone(CLONE_VM | CLONE_VFORK | SIGCHLD): the child gets its own State and host
    stack and runs on the parent's guest stack, as vfork's child does, until it execs."""
    f, b, st, _ = define_shim(rm, "shim_vfork")
    _clone(rm, b, st, c64(CLONE_VM | CLONE_VFORK | SIGCHLD), c64(0), c64(0), c64(0), c64(0))
    return f


@emitter
def shim_exit(rm: RuntimeModule):
    """exit(status) ends the calling thread; one with its own region unmaps it as it goes."""
    f, b, st, (status, *_) = define_shim(rm, "shim_exit")
    base = b.load(rm.field(b, st, "host_base"))
    with b.if_then(b.icmp_unsigned("!=", base, c64(0))):
        leave = rm.function("rt_exit_thread", I64, [I64, I64, I64], noreturn=True)
        b.call(leave, [base, b.load(rm.field(b, st, "host_size")), status])
        b.unreachable()
    b.ret(rm.backend.syscall(b, rm.backend.SYS["exit"], status))
    return f
