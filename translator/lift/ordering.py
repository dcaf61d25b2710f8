"""Guest memory ordering: which fences the lifted code carries (``--memory-order``).

x86 is TSO: another thread sees one thread's loads and stores in program order, except that
a store may become visible after a later load (the store buffer).  Lock-prefixed
instructions and xchg with memory are full barriers.  Lifted code keeps this as follows.

* Locked read-modify-writes are always sequentially consistent atomics (a seq_cst
  cmpxchg loop, FunctionLifter.lift_locked), whatever the policy.
* ``tso`` (the default on aarch64): a plain instruction that reads shared memory is followed
  by ``fence acquire``; one that writes shared memory is preceded by ``fence release``.
  That is the Lasagne/Risotto mapping of x86 onto Arm: a load's trailing barrier (dmb
  ishld) orders it before every later load and store (load->load, load->store), a store's
  leading barrier (dmb ish) orders every earlier store before it (store->store);
  store->load stays free, as on x86.  On a host that is not TSO itself (``TSO = False`` in
  its backend) every locked instruction is also followed by ``fence seq_cst``: an ARMv8
  load-acquire/store-release pair does not order an earlier plain store before a later
  plain load, and x86's locked instructions do.
* ``relaxed`` (the default on x86-64): no fences for plain accesses.  On an x86-64 host
  the hardware keeps x86's order for the instructions as compiled, but LLVM may reorder
  independent guest accesses within a function (the scheduler may swap two loads); ``tso``
  there emits no instruction, only compiler barriers, and costs up to 11% (fannkuch 1.20
  -> 1.33 s, matmul 1.26 -> 1.37 s, binarytrees 1.51 -> 1.53 s: user time, best of 3, on a
  loaded 2-core machine).  On aarch64, ``relaxed`` is right for single-threaded programs
  and for programs whose threads share data only through locked instructions (mutexes,
  atomics); it is wrong for code that publishes data with plain stores (C11 release stores
  and acquire loads compile to plain movs on x86, and glibc's own thread code uses them).

Accesses the policy treats as private to the thread, so never fenced: the stack through
rsp (push, pop, call, ret, [rsp+...]) and thread-local storage through fs.  A program that
hands another thread a pointer into its stack and then communicates through it with plain
loads and stores, without a lock or atomic in between, is outside the policy.  Fences are
per instruction, not per access: a string instruction (rep movs/stos) is one access here,
as x86's fast-string operations may reorder their own stores.
"""
from __future__ import annotations

import capstone
from capstone import x86 as X

POLICIES = ("tso", "relaxed")
READ, WRITE = capstone.CS_AC_READ, capstone.CS_AC_WRITE

# Memory operands that are addresses, hints or cache maintenance, not data accesses.
_NO_ACCESS = frozenset((X.X86_INS_LEA, X.X86_INS_NOP, X.X86_INS_PREFETCH, X.X86_INS_PREFETCHW,
                        X.X86_INS_PREFETCHNTA, X.X86_INS_PREFETCHT0, X.X86_INS_PREFETCHT1,
                        X.X86_INS_PREFETCHT2, X.X86_INS_CLFLUSH, X.X86_INS_CLFLUSHOPT))
# xlatb reads [rbx+al] with no operand listed; capstone lists cmpxchg8b/16b's operand as
# read only (it is written too).
_XLAT = X.X86_INS_XLATB
_READ_WRITE = frozenset((X.X86_INS_CMPXCHG8B, X.X86_INS_CMPXCHG16B))


def shared_access(insn) -> int:
    """READ and/or WRITE when insn reads or writes memory that other threads may see."""
    if insn.id in _NO_ACCESS:
        return 0
    if insn.id == _XLAT:
        return READ
    acc = 0
    for op in insn.operands:
        if op.type == X.X86_OP_MEM and op.mem.base != X.X86_REG_RSP and op.mem.segment != X.X86_REG_FS:
            acc |= op.access & (READ | WRITE)
    if acc and insn.id in _READ_WRITE:
        acc = READ | WRITE
    return acc
