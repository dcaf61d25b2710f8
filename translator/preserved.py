"""Which callee-saved registers each function gives back to its caller unchanged: a summary
computed bottom-up over the call graph, so that after a direct call the caller keeps those
registers in its locals instead of reloading them from State (FunctionLifter.lift_call).

A lifted call stores the caller's changed registers to State and reloads them after the
callee returns; the callee itself loads rbx, rbp, r12-r15 from State to push them and stores
them back after popping them.  A register the callee provably returns as it found it still
equals the caller's local, so the reload, which puts a store-to-load round trip on the
critical path of every use after the call, is dropped.

A register r is preserved by f when, on every path from f's entry to a return (or to a tail
jump into a function that preserves r, with the stack as at entry), either r still holds
its entry value, or r was pushed while it held that value and is popped from that very slot
(the stack depth is followed through push, pop, ``sub/add rsp, imm``, frame pointers and
``leave``).  Calls keep r only if the callee preserves it (the greatest fixpoint: recursion
preserves r if its body does, assuming the recursive call does); an indirect call or an
indirect jump that may leave the function keeps nothing.  A system call writes rax, rcx
and r11 only; a signal handler that changes a callee-saved register in its ucontext makes
the runtime resume from State alone once the call is done (runtime/signals.py,
unwind_if_asked).  A function that returns by another way (longjmp, an unwind, a return to
an address other than its caller's) is caught by the caller's rip check, which then leaves
through State, where every register is exact.

As the psABI does, the analysis assumes a function does not overwrite the stack slots its
own pushes saved (gcc's and clang's code never does; a stack buffer overflow might).

The instructions are read from their text (mnemonic and Intel-syntax operands: what
discovery keeps without capstone's detail): any instruction whose first operand is one of
these registers writes it, except the few that only read it; the implicit writers are
listed.  Treating a read as a write only loses a summary, never correctness.
"""
from __future__ import annotations

import re

from runtime.abi import CALLEE_SAVED
from translator.cfg import CFG, T_CALL, T_IND, T_JCC, T_JMP, T_FALL, T_RET, T_SYSCALL, T_TAIL, Function

ALL = frozenset(CALLEE_SAVED)

# every name of a callee-saved register or of rsp, at any width -> its 64-bit name
_FAMILY = {n: "rbx" for n in ("rbx", "ebx", "bx", "bl", "bh")}
_FAMILY.update({n: "rbp" for n in ("rbp", "ebp", "bp", "bpl")})
_FAMILY.update({n: "rsp" for n in ("rsp", "esp", "sp", "spl")})
for _r in ("r12", "r13", "r14", "r15"):
    _FAMILY.update({_r + s: _r for s in ("", "d", "w", "b")})

# first operand read, not written
_READS_FIRST = frozenset({"cmp", "test", "bt", "push", "call", "jmp"})
# instructions that write registers they do not name first
_WRITES_ALL_NAMED = frozenset({"xchg", "xadd", "cmpxchg"})
_IMPLICIT = {"cpuid": ("rbx",), "enter": ("rbp", "rsp"), "leave": ("rbp", "rsp")}
_WORD = re.compile(r"[a-z0-9]+")
# what _step can act on: a name of one of these registers, or an instruction that writes
# them (or rsp) without naming them (most instructions are neither, and are skipped)
_NAMES = re.compile(r"\b(?:" + "|".join(sorted(_FAMILY, key=len, reverse=True)) + r")\b")
_UNNAMED = frozenset({"pushfq", "pushf", "popfq", "popf", "leave", "enter", "cpuid", "push", "pop"})
_MEM = re.compile(r"\[(rsp|rbp)(?: ([+-]) (0x[0-9a-f]+|\d+))?\]")


def _imm(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        return None


def _disp(text: str, base: str, whole: bool) -> int | None:
    """The displacement of ``[base]`` or ``[base +/- imm]`` in text (all of it, with whole),
    or None for any other address."""
    m = _MEM.fullmatch(text) if whole else _MEM.search(text)
    if m is None or m.group(1) != base:
        return None
    off = _imm(m.group(3)) if m.group(3) else 0
    return -off if m.group(2) == "-" else off


def _lose(s: "_State", reg: str):
    """reg is written with a value other than its entry value (rsp: by an untracked amount)."""
    if reg == "rsp":
        s.depth = None
        return
    s.held = s.held - {reg}
    if reg == "rbp":
        s.fp = None


class _State:
    """What is known at a point of a function: ``held``, the callee-saved registers that
    hold their entry values; ``slots``, (depth, register) for stack slots holding a
    register's entry value; ``depth``, rsp minus rsp at entry (None: unknown); ``fp``, the
    depth rbp points at (None: unknown)."""
    __slots__ = ("held", "slots", "depth", "fp")

    def __init__(self, held, slots, depth, fp):
        self.held, self.slots, self.depth, self.fp = held, slots, depth, fp

    def key(self):
        return (self.held, self.slots, self.depth, self.fp)

    def join(self, other: "_State") -> "_State":
        return _State(self.held & other.held, self.slots & other.slots,
                      self.depth if self.depth == other.depth else None,
                      self.fp if self.fp == other.fp else None)


def _clobber_slot(s: _State, depth: int | None):
    if depth is None:
        return
    s.slots = frozenset(p for p in s.slots if p[0] != depth)


def _drop_below(s: _State):
    """A callee (or a signal frame) may write below the stack pointer."""
    if s.depth is not None:
        s.slots = frozenset(p for p in s.slots if p[0] >= s.depth)


def _step(s: _State, insn) -> None:
    """Apply one instruction (not a block's call, syscall or jump) to s, in place."""
    m = insn.mnemonic.rsplit(" ", 1)[-1]       # without a lock or rep prefix
    ops = insn.op_str
    first = ops.split(",", 1)[0].strip()
    reg = _FAMILY.get(first)
    if m == "push":
        if s.depth is not None:
            s.depth -= 8
            _clobber_slot(s, s.depth)
            if reg in s.held:
                s.slots = s.slots | {(s.depth, reg)}
        return
    if m == "pop":
        if reg is not None and reg != "rsp":
            restored = s.depth is not None and (s.depth, reg) in s.slots
            s.held = s.held | {reg} if restored else s.held - {reg}
            if reg == "rbp":
                s.fp = None
        if s.depth is not None and reg != "rsp":
            s.depth += 8
        elif reg == "rsp":
            s.depth = None
        return
    if m in ("pushfq", "pushf"):
        if s.depth is not None:
            s.depth -= 8
            _clobber_slot(s, s.depth)
        return
    if m in ("popfq", "popf"):
        if s.depth is not None:
            s.depth += 8
        return
    if m == "leave":            # mov rsp, rbp; pop rbp
        s.depth = s.fp
        restored = s.depth is not None and (s.depth, "rbp") in s.slots
        s.held = s.held | {"rbp"} if restored else s.held - {"rbp"}
        s.fp = None
        if s.depth is not None:
            s.depth += 8
        return
    for r in _IMPLICIT.get(m, ()):
        _lose(s, r)
    if m in _WRITES_ALL_NAMED:
        for w in _WORD.findall(ops):
            if w in _FAMILY:
                _lose(s, _FAMILY[w])
        return
    if reg is None:
        # a store to the stack may overwrite a saved slot
        if first.endswith("]") and "[rsp" in first and s.depth is not None:
            off = _disp(first, "rsp", whole=False)
            if off is None:
                s.slots = frozenset()
            else:
                for d in range(s.depth + off - 7, s.depth + off + 8):
                    if d % 8 == 0:
                        _clobber_slot(s, d)
        return
    if m in _READS_FIRST:
        return
    if reg == "rsp":
        rest = ops.split(",", 1)[1].strip() if "," in ops else ""
        if m in ("sub", "add") and s.depth is not None and _imm(rest) is not None:
            s.depth += -_imm(rest) if m == "sub" else _imm(rest)
        elif m == "mov" and rest == "rbp":
            s.depth = s.fp
        elif m == "lea" and s.fp is not None and (off := _disp(rest, "rbp", whole=True)) is not None:
            s.depth = s.fp + off
        elif m == "lea" and s.depth is not None and (off := _disp(rest, "rsp", whole=True)) is not None:
            s.depth += off
        else:
            s.depth = None
        return
    _lose(s, reg)
    if reg == "rbp" and m == "mov" and ops.split(",", 1)[1].strip() == "rsp":
        s.fp = s.depth


def _function(f: Function, cfg: CFG, summary: dict[int, frozenset]) -> frozenset:
    """The registers f preserves, given the current summaries of its callees."""
    result = ALL
    entry = _State(ALL, frozenset(), 0, None)
    at: dict[int, _State] = {f.entry: entry}
    work = [f.entry]

    def exit_into(s: _State, callee: int | None):
        nonlocal result
        if s.depth != 0 or callee is None:
            result = frozenset()
        else:
            result &= s.held & summary.get(callee, frozenset())

    while work and result:
        start = work.pop()
        blk = f.blocks.get(start)
        if blk is None:
            continue
        s = _State(*at[start].key())
        body = blk.insns
        if blk.term in (T_CALL, T_SYSCALL, T_RET, T_IND, T_JMP, T_JCC) or \
                (blk.term == T_TAIL and body and body[-1].mnemonic == "jmp"):
            body = body[:-1]
        for insn in body:
            if insn.mnemonic in _UNNAMED or _NAMES.search(insn.op_str):
                _step(s, insn)
        last = blk.insns[-1] if blk.insns else None
        succs = list(blk.succs)
        if blk.term == T_CALL:
            target = _direct(last)
            s.held = s.held & summary.get(target, frozenset()) if target in cfg.functions else frozenset()
            _drop_below(s)
        elif blk.term == T_SYSCALL:     # writes rax, rcx and r11
            _drop_below(s)
        elif blk.term == T_RET:
            result = result & s.held if s.depth == 0 and not last.op_str else frozenset()   # ret imm16: no
            continue
        elif blk.term == T_TAIL:
            exit_into(s, succs[0] if succs else None)
            continue
        elif blk.term == T_IND:
            jt = f.jump_tables.get(last.address) if last is not None else None
            if jt is None or not jt.bounded:
                result = frozenset()
                continue
        elif blk.term not in (T_JCC, T_JMP, T_FALL):
            continue                    # a trap: the path ends here
        for succ in succs:
            if succ not in f.blocks:
                exit_into(s, succ if succ in cfg.functions else None)
                continue
            old = at.get(succ)
            new = s if old is None else old.join(s)
            if old is None or new.key() != old.key():
                at[succ] = _State(*new.key())
                work.append(succ)
    return result


def _direct(insn) -> int | None:
    text = insn.op_str if insn is not None else ""
    if text.startswith("0x") and " " not in text:
        return int(text, 16)
    return None


def summarize(cfg: CFG) -> dict[int, frozenset]:
    """Function entry -> the callee-saved registers (64-bit names) it preserves."""
    summary = {e: ALL for e in cfg.functions}
    callees: dict[int, list[int]] = {e: [] for e in cfg.functions}
    callers: dict[int, set[int]] = {e: set() for e in cfg.functions}
    for f in cfg.functions.values():
        for blk in f.blocks.values():
            targets = [_direct(blk.insns[-1])] if blk.term == T_CALL else []
            targets += [s for s in blk.succs if s not in f.blocks]
            for t in targets:
                if t in callers:
                    callers[t].add(f.entry)     # itself too: recursion goes round again
                    callees[f.entry].append(t)
    # callees before their callers (a depth-first post-order), so that most functions are
    # looked at once; a function whose summary shrinks sends its callers round again
    order: list[int] = []
    seen: set[int] = set()
    for root in cfg.functions:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(callees[root]))]
        while stack:
            e, it = stack[-1]
            nxt = next((c for c in it if c not in seen), None)
            if nxt is None:
                order.append(e)
                stack.pop()
            else:
                seen.add(nxt)
                stack.append((nxt, iter(callees[nxt])))
    queued = set(order)
    work = order[::-1]          # popped from the end: callees first
    while work:
        e = work.pop()
        queued.discard(e)
        new = _function(cfg.functions[e], cfg, summary)
        if new != summary[e]:
            summary[e] = new
            for c in callers[e]:
                if c not in queued:
                    queued.add(c)
                    work.append(c)
    return summary
