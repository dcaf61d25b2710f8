"""The dispatcher: guest address -> translated entry, and the runtime's ways out.

* ``rt_main(state)``: the top-level loop; after any unwind it resumes at ``state.rip``.
* ``rt_call(state, target)``: an indirect guest call; ``rt_resolve(state, target)``: the
  dispatch entry of an indirect call site whose inline cache missed.
* ``rt_jump(state)``: an indirect guest jump to ``state.rip``; a function entry is entered by
  a sibling call, any other address unwinds to ``rt_main`` (returning to every caller, which
  sees ``rip`` is not its return address and returns too).
* ``rt_unimplemented``, ``rt_no_target``, ``rt_trap``: clear messages and the CPU's signal.
"""
from __future__ import annotations

from llvmlite import ir

from runtime.irkit import I32, I64, P8, VOID, Asm, RuntimeModule, c32, c64
from translator.errors import RT_EXIT_NO_TARGET, RT_EXIT_UNSUPPORTED


# rt_dispatch_info: the sizes of the tables, in this order
INFO = ("symbols", "hash_size", "hash_shift")


def data(asm: Asm, entries: list[tuple[int, int, int]], symbols: list[tuple[int, str]]) -> None:
    """The dispatch tables of one program. entries: sorted (guest address, function entry,
    resume index); symbols: (guest address, name) for messages."""
    symbols = sorted(symbols)
    keys, slots = hash_table([a for a, _, _ in entries])
    asm.section(".rodata.elf2native_dispatch")
    # read by lifted call sites through their inline caches (rt_resolve)
    asm.table("rt_dispatch_fns", [f"fn_{fe:x}" for _, fe, _ in entries])
    asm.table("rt_dispatch_ids", [k for _, _, k in entries], width=4)
    # guest address of entry k - 1 at index k; index 0 is 0, which no target equals
    asm.table("rt_dispatch_addrs", [0] + [a for a, _, _ in entries])
    asm.table("rt_hash_keys", keys)
    asm.table("rt_hash_vals", slots, width=4)
    asm.table("rt_dispatch_info", [len(symbols), len(keys), 64 - (len(keys).bit_length() - 1)])
    asm.table("rt_sym_addrs", [a for a, _ in symbols])
    names = [asm.string(s.encode()) for _, s in symbols]
    asm.table("rt_sym_names", names)


def info(rm: RuntimeModule, b: ir.IRBuilder, name: str) -> ir.Value:
    return b.load(b.gep(rm.extern("rt_dispatch_info", I64), [c32(0), c32(INFO.index(name))]))


def build(rm: RuntimeModule):
    """The dispatcher's code, the same for every program; data() writes its tables."""
    fn_p = rm.fn_t.as_pointer()
    fns, ids = rm.extern("rt_dispatch_fns", fn_p), rm.extern("rt_dispatch_ids", I32)
    rm.extern("rt_dispatch_addrs", I64)
    saddrs, snames = rm.extern("rt_sym_addrs", I64), rm.extern("rt_sym_names", P8)

    _bsearch(rm)
    bsearch = rm.module.globals["rt_bsearch"]
    write_str = rm.function("rt_write_str", VOID, [I32, P8])
    write_hex = rm.function("rt_write_hex", VOID, [I32, I64])
    exit_group = rm.backend.SYS["exit_group"]

    # rt_where(pc): write " (symbol+0xoff)" for guest pc when a symbol precedes it
    f, b = rm.define("rt_where", VOID, [I64], internal=True)
    pc = f.args[0]
    k = b.call(bsearch, [b.bitcast(saddrs, I64.as_pointer()), info(rm, b, "symbols"), pc])
    with b.if_then(b.icmp_signed(">=", k, c64(0))):
        b.call(write_str, [c32(2), rm.cstring(" (")])
        b.call(write_str, [c32(2), b.load(b.gep(snames, [c32(0), k]))])
        b.call(write_str, [c32(2), rm.cstring("+")])
        b.call(write_hex, [c32(2), b.sub(pc, b.load(b.gep(saddrs, [c32(0), k])))])
        b.call(write_str, [c32(2), rm.cstring(")")])
    b.ret_void()
    rt_where = f

    def where(b, pc):
        b.call(rt_where, [pc])

    # rt_lookup(addr) -> index or -1, through the hash table of data() (see hash_table)
    hkeys, hvals = rm.extern("rt_hash_keys", I64), rm.extern("rt_hash_vals", I32)
    f, b = rm.define("rt_lookup", I64, [I64], internal=True)
    key = f.args[0]
    mask = b.sub(info(rm, b, "hash_size"), c64(1))
    start = b.and_(b.lshr(b.mul(key, c64(HASH_MUL)), info(rm, b, "hash_shift")), mask)
    pre = b.block
    probe = f.append_basic_block("probe")
    miss = f.append_basic_block("miss")
    hit = f.append_basic_block("hit")
    nxt = f.append_basic_block("next")
    b.branch(probe)
    b.position_at_end(probe)
    h = b.phi(I64)
    h.add_incoming(start, pre)
    k = b.load(b.gep(hkeys, [c32(0), h]))
    b.cbranch(b.icmp_unsigned("==", k, key), hit, nxt)
    b.position_at_end(nxt)
    h.add_incoming(b.and_(b.add(h, c64(1)), mask), nxt)
    b.cbranch(b.icmp_unsigned("==", k, c64(0)), miss, probe)
    b.position_at_end(hit)
    b.ret(b.sext(b.load(b.gep(hvals, [c32(0), h])), I64))
    b.position_at_end(miss)
    b.ret(c64(-1))
    lookup = f

    # rt_no_target(state, target): noreturn
    f, b = rm.define("rt_no_target", VOID, [rm.state_p, I64], noreturn=True)
    b.call(write_str, [c32(2), rm.cstring("elf2native: jump to guest address ")])
    b.call(write_hex, [c32(2), f.args[1]])
    where(b, f.args[1])
    b.call(write_str, [c32(2), rm.cstring(", which was not found as code when translating\n")])
    rm.backend.syscall(b, exit_group, c64(RT_EXIT_NO_TARGET))
    b.unreachable()
    no_target = f

    def checked_lookup(b, state, target):
        """target's dispatch entry k; no entry is rt_no_target."""
        k = b.call(lookup, [target])
        with b.if_then(b.icmp_signed("<", k, c64(0)), likely=False):
            b.call(no_target, [state, target])
            b.unreachable()
        return k

    def enter(b, state, target, tail):
        k = checked_lookup(b, state, target)
        fn = b.load(b.gep(fns, [c32(0), k]))
        idx = b.load(b.gep(ids, [c32(0), k]))
        return fn, idx

    # rt_main(state): the dispatcher loop
    f, b = rm.define("rt_main", VOID, [rm.state_p], noreturn=True)
    state = f.args[0]
    loop = f.append_basic_block("loop")
    b.branch(loop)
    b.position_at_end(loop)
    # a loop's poll left to deliver a pending signal (FunctionLifter.edge)
    with b.if_then(b.icmp_unsigned("!=", b.load(rm.field(b, state, "sig_pending")), c64(0)), likely=False):
        b.call(rm.function("rt_signal_poll", VOID, [rm.state_p]), [state])
    fn, idx = enter(b, state, b.load(rm.field(b, state, "rip")), False)
    rm.call_lifted(b, fn, state, idx)
    b.branch(loop)

    # rt_call(state, target)
    f, b = rm.define("rt_call", VOID, [rm.state_p, I64])
    state, target = f.args
    b.store(target, rm.field(b, state, "rip"))
    fn, idx = enter(b, state, target, False)
    rm.call_lifted(b, fn, state, idx)
    b.ret_void()

    # rt_resolve(state, target) -> k + 1 for dispatch entry k: an indirect call site's inline
    # cache miss (translator/lift/function.py lift_call); no entry is rt_no_target
    f, b = rm.define("rt_resolve", I64, [rm.state_p, I64])
    state, target = f.args
    b.ret(b.add(checked_lookup(b, state, target), c64(1)))

    # rt_jump(state): target in state.rip; lifted code leaves through it by a sibling call,
    # so it returns what a lifted function returns (abi.CALL_RESULTS)
    f, b = rm.define("rt_jump", rm.fn_ret_t, [rm.state_p])
    state = f.args[0]
    fn, idx = enter(b, state, b.load(rm.field(b, state, "rip")), True)
    with b.if_then(b.icmp_unsigned("==", idx, c32(0))):
        b.ret(rm.call_lifted(b, fn, state, idx, tail=True))
    b.ret(rm.state_results(b, state))

    # rt_unimplemented(state, pc)
    f, b = rm.define("rt_unimplemented", VOID, [rm.state_p, I64], noreturn=True)
    b.call(write_str, [c32(2), rm.cstring("elf2native: reached a guest instruction that was not translated at ")])
    b.call(write_hex, [c32(2), f.args[1]])
    where(b, f.args[1])
    b.call(write_str, [c32(2), rm.cstring("\n")])
    rm.backend.syscall(b, exit_group, c64(RT_EXIT_UNSUPPORTED))
    b.unreachable()

    # rt_trap(state, pc, signal): the guest executed hlt/ud2/int3/undecodable bytes/a bad
    # divide: the signal goes to the guest's handler if it has one (runtime/signals.py)
    f, b = rm.define("rt_trap", VOID, [rm.state_p, I64, I32], noreturn=True)
    fault = rm.function("rt_fault", VOID, [rm.state_p, I32, I64], noreturn=True)
    b.call(fault, [f.args[0], f.args[2], f.args[1]])
    b.unreachable()


HASH_MUL = 0x9E3779B97F4A7C15      # Fibonacci hashing: the top bits of addr * HASH_MUL


def hash_table(addrs: list[int]) -> tuple[list[int], list[int]]:
    """An open-addressing table (linear probing, at most half full, 0 = empty) mapping each
    guest address to its index in ``addrs``; built at translation time, read-only at run
    time, so threads share it without locks.  Indirect calls look up their target here:
    one or two probes instead of a binary search over every entry."""
    size = 16
    while size < 2 * len(addrs):
        size *= 2
    bits = size.bit_length() - 1
    keys, vals = [0] * size, [-1] * size
    for idx, a in enumerate(addrs):
        h = ((a * HASH_MUL) & 0xFFFF_FFFF_FFFF_FFFF) >> (64 - bits)
        while keys[h]:
            h = (h + 1) & (size - 1)
        keys[h], vals[h] = a, idx
    return keys, vals


def _bsearch(rm: RuntimeModule):
    """rt_bsearch(arr, n, key): index of the greatest element <= key, or -1."""
    f, b = rm.define("rt_bsearch", I64, [I64.as_pointer(), I64, I64], internal=True)
    arr, n, key = f.args
    head = f.append_basic_block("head")
    body = f.append_basic_block("body")
    done = f.append_basic_block("done")
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    lo = b.phi(I64)
    hi = b.phi(I64)
    lo.add_incoming(c64(0), pre)
    hi.add_incoming(n, pre)
    b.cbranch(b.icmp_unsigned("<", lo, hi), body, done)
    b.position_at_end(body)
    mid = b.lshr(b.add(lo, hi), c64(1))
    v = b.load(b.gep(arr, [mid]))
    le = b.icmp_unsigned("<=", v, key)
    lo.add_incoming(b.select(le, b.add(mid, c64(1)), lo), body)
    hi.add_incoming(b.select(le, hi, mid), body)
    b.branch(head)
    b.position_at_end(done)
    b.ret(b.sub(lo, c64(1)))
