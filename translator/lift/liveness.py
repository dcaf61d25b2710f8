"""Flag liveness inside one function, so semantics compute only flags someone reads.

Per instruction, capstone's eflags bits say which flags it tests and which it writes.
Exits: after call and ret flags are dead (compiler output never carries flags across
them) unless --strict-flags; so are they at a jump table's jump beyond what its targets
read (a switch's cases do not read the flags of the jump's address arithmetic); at other
jumps out of the function (tail calls, unknown indirect jumps) every flag is live, because
State is handed over as it is.
"""
from __future__ import annotations

import re

from capstone import x86 as X

from runtime.abi import FLAG_NAMES
from translator.cfg import T_CALL, T_IND, T_JCC, T_JMP, T_FALL, T_RET, T_SYSCALL, T_TAIL, Function
from translator.semantics.shifts import count_mask

ALL = frozenset(FLAG_NAMES)
NONE: frozenset = frozenset()

_TEST = {n: getattr(X, f"X86_EFLAGS_TEST_{n.upper()}") for n in FLAG_NAMES}
_WRITE_BITS = {n: [getattr(X, f"X86_EFLAGS_{k}_{n.upper()}", 0)
                   for k in ("MODIFY", "RESET", "SET", "UNDEFINED")] for n in FLAG_NAMES}
_WRITE = {n: sum(set(v)) for n, v in _WRITE_BITS.items()}

# Instructions whose flag use capstone does not describe.
_READS_ALL = {X.X86_INS_PUSHF, X.X86_INS_PUSHFQ, X.X86_INS_PUSHFD, X.X86_INS_LAHF,
              X.X86_INS_SYSCALL}
# Flag writes that depend on the operand (a shift count of zero writes nothing): not kills,
# unless the count is an immediate that is not zero once masked (count_written).
_MAYBE_WRITE = {X.X86_INS_SHL, X.X86_INS_SAL, X.X86_INS_SHR, X.X86_INS_SAR, X.X86_INS_ROL,
                X.X86_INS_ROR, X.X86_INS_RCL, X.X86_INS_RCR, X.X86_INS_SHLD, X.X86_INS_SHRD}
# Rotates through carry read CF (capstone's eflags leave it out).
_READS_CF = {X.X86_INS_RCL, X.X86_INS_RCR}


def count_written(insn) -> bool:
    """A shift or rotate whose count is an immediate (or the implicit 1) that is not zero
    once masked to 5 bits (6 for 64-bit operands): it surely writes its flags."""
    ops = insn.operands
    if len(ops) == 1:
        return True
    if ops[-1].type != X.X86_OP_IMM:
        return False
    return ops[-1].imm & count_mask(ops[0].size * 8) != 0


# x87 instructions: capstone's eflags field holds FPU flags for them (a union), so their
# EFLAGS effects are listed here.
_FCOMI = {X.X86_INS_FCOMI, X.X86_INS_FCOMPI, X.X86_INS_FUCOMI, X.X86_INS_FUCOMPI}
_FCMOV = {X.X86_INS_FCMOVB: "cf", X.X86_INS_FCMOVNB: "cf", X.X86_INS_FCMOVE: "zf",
          X.X86_INS_FCMOVNE: "zf", X.X86_INS_FCMOVBE: "cf zf", X.X86_INS_FCMOVNBE: "cf zf",
          X.X86_INS_FCMOVU: "pf", X.X86_INS_FCMOVNU: "pf"}


# Capstone 5 gives cmp<pred>{ss,sd,ps,pd} the ids (and the eflags, "writes all") of other
# instructions (cmpeqsd is X86_INS_CMPPD, cmplesd X86_INS_CMPSB...); they touch no flags.
SSE_CMP = re.compile(r"cmp(eq|lt|le|unord|neq|nlt|nle|ord)(ss|sd|ps|pd)$")


def effects(insn, known: bool) -> tuple[frozenset, frozenset]:
    """(flags read, flags surely written) of one instruction."""
    if SSE_CMP.match(insn.mnemonic) or insn.mnemonic in ("cmpss", "cmpps", "cmppd") or \
            insn.mnemonic == "cmpsd" and len(insn.operands) == 3:
        return NONE, NONE
    if not known or insn.id in _READS_ALL:
        return ALL, NONE
    if insn.mnemonic.startswith("f"):      # every x87 mnemonic, and only those, starts with f
        if insn.id in _FCOMI:
            return NONE, frozenset(("zf", "pf", "cf", "of", "sf", "af"))
        if insn.id in _FCMOV:
            return frozenset(_FCMOV[insn.id].split()), NONE
        return NONE, NONE
    ef = insn.eflags
    reads = frozenset(n for n in FLAG_NAMES if ef & _TEST[n])
    writes = frozenset(n for n in FLAG_NAMES if ef & _WRITE[n])
    if insn.id in _READS_CF:
        reads = reads | {"cf"}
    if insn.id in _MAYBE_WRITE and not count_written(insn) or insn.prefix[0] in (0xF2, 0xF3):
        # A zero shift count or rcx == 0 under rep leaves the flags as they were.
        return reads | writes, NONE
    return reads, writes


def live_out(func: Function, known_ids, strict: bool) -> dict[int, frozenset]:
    """Flags live after each instruction (by address)."""
    blocks = func.blocks
    eff = {}
    for b in blocks.values():
        for i in b.insns:
            eff[i.address] = effects(i, i.id in known_ids)

    def exit_live(b) -> frozenset:
        if b.term == T_IND and b.succs and not strict:
            return NONE     # a jump table: what its targets read flows in below
        if b.term in (T_TAIL, T_IND):
            return ALL
        if b.term == T_SYSCALL and b.succs and b.succs[0] not in blocks:
            return ALL      # it goes on into another function (cfg): as a tail
        if b.term in (T_CALL, T_RET):
            return ALL if strict else NONE
        return NONE

    live_in: dict[int, frozenset] = {s: NONE for s in blocks}

    def block_out(b) -> frozenset:
        out = exit_live(b)
        if b.term in (T_JCC, T_JMP, T_FALL, T_IND, T_SYSCALL):
            for t in b.succs:
                if t in live_in:
                    out = out | live_in[t]
        return out

    changed = True
    while changed:
        changed = False
        for s in sorted(blocks, reverse=True):
            b = blocks[s]
            cur = block_out(b)
            for i in reversed(b.insns):
                r, w = eff[i.address]
                cur = (cur - w) | r
            if cur != live_in[s]:
                live_in[s] = cur
                changed = True
    result: dict[int, frozenset] = {}
    for s, b in blocks.items():
        cur = block_out(b)
        for i in reversed(b.insns):
            prev = result.get(i.address)
            result[i.address] = cur if prev is None else prev | cur
            r, w = eff[i.address]
            cur = (cur - w) | r
    return result
