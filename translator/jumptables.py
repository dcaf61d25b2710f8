"""Jump-table recovery for indirect jumps (``jmp reg`` / ``jmp [mem]``).

The compiler's pattern is a bounded index and a table:

    cmp   idx, N ; ja default                 (the bound, in a preceding block)
    lea   base, [rip + table]                 (PIE: 4-byte offsets relative to a base)
    movsxd r, dword ptr [base + idx*4]
    add   r, base
    jmp   r
or, non-PIE: ``jmp qword ptr [idx*8 + table]`` with 8-byte absolute entries.

A tiny abstract interpreter runs over the instructions leading to the jump (the jump's block
and its first-seen predecessors) with values: a constant, or an entry loaded from a table at
an unknown index, plus a constant. Without a bound, entries are read while they point to code
near the function.
"""
from __future__ import annotations

import dataclasses

from capstone import x86 as X

from translator.image import PF_W

MAX_ENTRIES = 4096
NEAR = 1 << 20   # unbounded tables: targets must lie within this distance of the jump


@dataclasses.dataclass
class JumpTable:
    jump_at: int
    table: int
    stride: int          # 4 or 8 bytes per entry
    signed: bool
    add: int             # constant added to each entry (the base for relative tables)
    targets: list[int]
    bounded: bool
    # The instruction that reads the entry, when the targets are the table's entries in
    # order (targets[k] is entry k, for k below len(targets): an unbounded table may have
    # more) and the table is read-only there: the lifter can then switch on the entry's
    # index (translator/lift/tables.py).
    load_at: int | None = None


@dataclasses.dataclass(frozen=True)
class _Const:
    v: int


@dataclasses.dataclass(frozen=True)
class _Scaled:            # unknown index * scale (+ const); index < bound when known
    scale: int
    add: int = 0
    bound: int | None = None


@dataclasses.dataclass(frozen=True)
class _Entry:             # table[idx] (+ add)
    table: int
    stride: int
    size: int
    signed: bool
    add: int = 0
    index: int | None = None     # the index register (canonical id)
    at: int = 0                  # the instruction that reads the entry


M64 = 0xFFFF_FFFF_FFFF_FFFF
MAX_CANDIDATES = 8      # constant definitions of one register tried as a table base


def _reg64(reg: int) -> int:
    """Canonical 64-bit register id for a GPR of any width."""
    return _CANON.get(reg, reg)


_CANON: dict[int, int] = {}
for _names in [("RAX", "EAX", "AX", "AL"), ("RBX", "EBX", "BX", "BL"), ("RCX", "ECX", "CX", "CL"),
               ("RDX", "EDX", "DX", "DL"), ("RSI", "ESI", "SI", "SIL"), ("RDI", "EDI", "DI", "DIL"),
               ("RBP", "EBP", "BP", "BPL"), ("RSP", "ESP", "SP", "SPL")] + [
        (f"R{n}", f"R{n}D", f"R{n}W", f"R{n}B") for n in range(8, 16)]:
    _full = getattr(X, "X86_REG_" + _names[0])
    for _n in _names:
        _CANON[getattr(X, "X86_REG_" + _n)] = _full


def _addr(env, mem, insn):
    """Abstract value of a memory operand's address."""
    if mem.base == X.X86_REG_RIP:
        return _Const((insn.address + insn.size + mem.disp) & M64)
    base = env.get(_reg64(mem.base)) if mem.base else _Const(0)
    idx = env.get(_reg64(mem.index)) if mem.index else None
    if mem.index and idx is None:
        idx = _Scaled(1)
    if isinstance(base, _Const) and mem.index:
        if isinstance(idx, _Scaled):
            return ("tbl", (base.v + mem.disp) & M64, mem.scale * idx.scale, _reg64(mem.index))
        return None
    if mem.index and base is None and isinstance(idx, _Const):
        return None
    if base is None and mem.index:
        return None
    if base is None:
        return None
    if isinstance(base, _Scaled) and mem.index and isinstance(idx, _Const) and mem.scale == 1:
        return ("tbl", (idx.v + mem.disp) & M64, base.scale, _reg64(mem.base))
    if isinstance(base, _Const) and not mem.index:
        return _Const((base.v + mem.disp) & M64)
    return None


def _step(env: dict, i) -> None:
    ops = i.operands
    if i.id == X.X86_INS_CDQE:       # cltq: sign-extends a loaded 32-bit entry
        s = env.get(_reg64(X.X86_REG_RAX))
        if isinstance(s, _Entry):
            env[_reg64(X.X86_REG_RAX)] = dataclasses.replace(s, signed=True)
        else:
            env.pop(_reg64(X.X86_REG_RAX), None)
        return
    if not ops or ops[0].type != X.X86_OP_REG:
        return
    dst = _reg64(ops[0].reg)
    val = None
    iid = i.id
    if iid == X.X86_INS_LEA:
        m = ops[1].mem
        if m.base == X.X86_REG_RIP:
            val = _Const((i.address + i.size + m.disp) & M64)
        elif not m.base and m.index:
            val = _Scaled(m.scale)
        else:
            base = env.get(_reg64(m.base)) if m.base else _Const(0)
            idx = env.get(_reg64(m.index)) if m.index else _Const(0)
            if isinstance(base, _Scaled) and isinstance(idx, _Scaled) and base == idx and not m.disp:
                val = _Scaled(base.scale * (m.scale + 1), (base.add * (m.scale + 1)) & M64, base.bound)
            elif m.scale == 1 and isinstance(base, _Const) and isinstance(idx, _Scaled):
                val = _Scaled(idx.scale, (idx.add + base.v + m.disp) & M64, idx.bound)
            elif m.scale == 1 and isinstance(idx, _Const) and isinstance(base, _Scaled):
                val = _Scaled(base.scale, (base.add + idx.v + m.disp) & M64, base.bound)
            elif m.scale == 1 and isinstance(base, _Const) and isinstance(idx, _Entry):
                # lea r, [base + entry]: a relative table's entry plus its base
                val = dataclasses.replace(idx, add=(idx.add + base.v + m.disp) & M64)
            elif m.scale == 1 and isinstance(idx, _Const) and isinstance(base, _Entry):
                val = dataclasses.replace(base, add=(base.add + idx.v + m.disp) & M64)
            else:
                a = _addr(env, m, i)
                val = a if isinstance(a, _Const) else None
    elif iid in (X.X86_INS_MOV, X.X86_INS_MOVSXD, X.X86_INS_MOVZX, X.X86_INS_MOVSX) and len(ops) == 2:
        src = ops[1]
        if src.type == X.X86_OP_IMM:
            val = _Const(src.imm & M64)
        elif src.type == X.X86_OP_REG:
            s = env.get(_reg64(src.reg))
            if iid == X.X86_INS_MOV and ops[0].size == 4 and s is not None and not isinstance(s, _Const):
                val = s   # mov eax, eax: zero-extension keeps the index unknown
            else:
                val = s
            if iid == X.X86_INS_MOVSXD and isinstance(s, _Entry):
                val = dataclasses.replace(s, signed=True)
        elif src.type == X.X86_OP_MEM:
            a = _addr(env, src.mem, i)
            if iid == X.X86_INS_MOVZX and src.size in (1, 2):
                # a byte or word zero-extended (a class table lookup): an index below 2**bits
                val = _Scaled(1, 0, 1 << (8 * src.size))
            elif isinstance(a, tuple):
                signed = iid in (X.X86_INS_MOVSXD, X.X86_INS_MOVSX)
                val = _Entry(a[1], a[2], src.size, signed, 0, a[3], i.address)
    elif iid == X.X86_INS_ADD and len(ops) == 2:
        a = env.get(dst)
        if ops[1].type == X.X86_OP_REG:
            b = env.get(_reg64(ops[1].reg))
        elif ops[1].type == X.X86_OP_IMM:
            b = _Const(ops[1].imm & M64)
        else:
            b = None
        if isinstance(a, (_Entry, _Scaled)) and isinstance(b, _Const):
            val = dataclasses.replace(a, add=(a.add + b.v) & M64)
        elif isinstance(b, _Scaled) and isinstance(a, _Const):
            val = dataclasses.replace(b, add=(b.add + a.v) & M64)
        elif isinstance(b, _Entry) and isinstance(a, _Const):
            val = dataclasses.replace(b, add=(b.add + a.v) & M64)
        elif isinstance(a, _Const) and isinstance(b, _Const):
            val = _Const((a.v + b.v) & M64)
    elif iid == X.X86_INS_SHL and len(ops) == 2 and ops[1].type == X.X86_OP_IMM:
        a = env.get(dst)
        k = ops[1].imm
        if a is None:
            val = _Scaled(1 << k)
        elif isinstance(a, _Scaled):
            val = _Scaled(a.scale << k, (a.add << k) & M64, a.bound)
    elif iid == X.X86_INS_AND and len(ops) == 2 and ops[1].type == X.X86_OP_IMM:
        mask = ops[1].imm & M64
        a = env.get(dst)
        if (mask & (mask + 1)) == 0 and mask < MAX_ENTRIES and not isinstance(a, _Const):
            val = _Scaled(1, 0, mask + 1)     # an index in 0..mask
        else:
            val = _Const(a.v & mask) if isinstance(a, _Const) else None
    env[dst] = val
    if val is None:
        env.pop(dst, None)


PATH_INSNS = 160     # a table's base, index and bound are set up well within this


def _path(disc, jmp, pred: dict[int, int], depth: int = 6) -> list:
    """Instructions leading to jmp, block by block backwards: the block that falls through
    into the current one if there is one (the straight-line path a compiler emits), else
    the first-seen jump into it."""
    dec = disc.dec
    chain: list = []
    addr = jmp.address
    for _ in range(depth):
        start = _block_start(disc, addr, pred)
        run = []
        a = start
        while a < addr:
            i = dec.at(a)
            if i is None:
                break
            run.append(i)
            a += i.size
        chain = run + chain
        if len(chain) >= PATH_INSNS:
            return chain[-PATH_INSNS:]
        before = _block_start(disc, start, pred, strictly_before=True)
        if before is not None:
            last = _last_insn(dec, before, start)
            if last is not None and not _leaves(dec, before, start):
                addr = last.address
                chain = [last] + chain
                continue
        p = pred.get(start)
        if p is None or dec.at(p) is None:
            break
        chain = [dec.at(p)] + chain
        addr = p
    return chain


def _leaves(dec, start: int, end: int) -> bool:
    """Whether the straight line from start to end passes a jmp or ret (padding after a
    ret is not a fallthrough into the next block)."""
    a = start
    while a < end:
        i = dec.at(a)
        if i is None or i.id in (X.X86_INS_JMP, X.X86_INS_RET):
            return True
        a += i.size
    return False


def _last_insn(dec, start: int, end: int):
    """The instruction that ends exactly at ``end`` when decoding linearly from ``start``."""
    a, last = start, None
    while a < end:
        i = dec.at(a)
        if i is None:
            return None
        last = i
        a += i.size
    return last if a == end else None


def _block_start(disc, addr: int, pred: dict[int, int], strictly_before: bool = False) -> int | None:
    """The nearest known leader at or before addr (before it, with strictly_before) whose
    linear decode reaches addr; addr itself (None with strictly_before) if there is none."""
    for leader in sorted(pred, reverse=True):
        if leader < addr or (leader == addr and not strictly_before):
            if _reaches(disc, leader, addr):
                return leader
    return None if strictly_before else addr


def _reaches(disc, start: int, addr: int) -> bool:
    """Whether the straight line from start falls through to addr. It stops at the first
    jmp or ret: no block runs past one, and without the stop a leader of a far part of the
    function (a .cold part a megabyte away) would decode everything in between, for each
    jump (python3.11's discovery spent minutes here)."""
    a = start
    while a < addr:
        i = disc.dec.at(a)
        if i is None or i.id in (X.X86_INS_JMP, X.X86_INS_RET):
            return False
        a += i.size
    return a == addr


def _loc(op):
    """A register or memory operand as a comparable location."""
    if op.type == X.X86_OP_REG:
        return ("reg", _reg64(op.reg))
    if op.type == X.X86_OP_MEM:
        m = op.mem
        return ("mem", m.base, m.index, m.scale, m.disp, m.segment)
    return None


def _bound(chain, index: int | None) -> int | None:
    """Number of entries from the nearest ``cmp idx, imm`` + unsigned branch before the jump,
    where idx is the table's index register or a location its value was copied from."""
    related = {("reg", index)}
    # the load of the entry itself: the jump (jmp [table + idx*8]) or, walking back, the
    # first indexed load into a related register (movsxd r, [base + idx*4])
    entry_loaded = bool(chain) and chain[-1].operands and chain[-1].operands[0].type == X.X86_OP_MEM
    for k in range(len(chain) - 1, 0, -1):
        j = chain[k]
        c = chain[k - 1]
        ops = j.operands
        if len(ops) == 2 and ops[0].type == X.X86_OP_REG and ("reg", _reg64(ops[0].reg)) in related:
            if j.id in (X.X86_INS_MOV, X.X86_INS_MOVSXD, X.X86_INS_MOVZX) and \
                    ops[1].type == X.X86_OP_MEM and ops[1].mem.index and not entry_loaded:
                entry_loaded = True
            elif j.id in (X.X86_INS_MOV, X.X86_INS_MOVSXD, X.X86_INS_MOVZX) and \
                    ops[1].type == X.X86_OP_MEM and ops[1].mem.index:
                # the index was itself loaded from a table (glibc's printf: a class byte
                # per character, then a table of offsets): a bound on the earlier index
                # says nothing of this one
                related.discard(("reg", _reg64(ops[0].reg)))
                if not related:
                    return None
            elif j.id in (X.X86_INS_MOV, X.X86_INS_MOVSXD, X.X86_INS_MOVZX):
                related.add(_loc(ops[1]))
            elif j.id == X.X86_INS_LEA and not ops[1].mem.base and ops[1].mem.index:
                related.add(("reg", _reg64(ops[1].mem.index)))
        if j.id in (X.X86_INS_JA, X.X86_INS_JAE, X.X86_INS_JBE, X.X86_INS_JB) and \
                c.id == X.X86_INS_CMP and len(c.operands) == 2 and c.operands[1].type == X.X86_OP_IMM \
                and _loc(c.operands[0]) in related:
            n = c.operands[1].imm & 0xFFFF_FFFF
            if j.id in (X.X86_INS_JA, X.X86_INS_JBE):
                n += 1
            return n if 0 < n <= MAX_ENTRIES else None
    return None


def _read_entry(image, addr: int, stride: int, size: int, signed: bool) -> int | None:
    b = image.read(addr, size)
    if b is None:
        return None
    return int.from_bytes(b, "little", signed=signed)


def _jump_value(chain, jmp, env: dict):
    """The abstract value of jmp's target after running chain from env."""
    for i in chain:
        if i.address != jmp.address:
            _step(env, i)
    op = jmp.operands[0]
    if op.type == X.X86_OP_MEM:
        a = _addr(env, op.mem, jmp)
        return _Entry(a[1], 8, 8, False, 0, a[3], jmp.address) if isinstance(a, tuple) and a[2] == 8 else None
    if op.type == X.X86_OP_REG:
        return env.get(_reg64(op.reg))
    return None


CALLEE_SAVED = {X.X86_REG_RBX, X.X86_REG_RBP, X.X86_REG_RSP, X.X86_REG_R12, X.X86_REG_R13,
                X.X86_REG_R14, X.X86_REG_R15}


def _reaching_constants(disc, chain, insn_preds: dict[int, list[int]]) -> dict[int, tuple[list[int], bool]]:
    """For each register the chain reads before writing it: (the distinct constants among
    its definitions reaching the chain's start, walking back through the function's
    instructions, in the order found; whether every reaching definition is one of them).
    A table base loaded before the loop that jumps through it has one constant and is
    exact; where other values reach too (the caller's, a call's, a computed one), the caller
    validates each constant against the table it would give."""
    dec = disc.dec
    needed, written = set(), set()
    for i in chain:
        reads, writes = i.regs_access()
        needed |= {_reg64(r) for r in reads} - written
        written |= {_reg64(r) for r in writes}
    needed &= set(_CANON.values())
    out = {}
    for reg in needed:
        values: list[int] = []
        exact = True                    # every reaching definition is a constant
        seen: set[int] = set()
        work = list(insn_preds.get(chain[0].address, ())) or [None]
        while work and len(values) <= MAX_CANDIDATES:
            a = work.pop()
            if a is None:
                exact = False           # the function's entry: the caller's value
                continue
            if a in seen:
                continue
            seen.add(a)
            i = dec.at(a)
            if i.id == X.X86_INS_CALL and reg not in CALLEE_SAVED:
                exact = False           # clobbered by the call (psABI: caller-saved)
                continue
            if reg in {_reg64(r) for r in i.regs_access()[1]}:
                env: dict = {}
                _step(env, i)
                v = env.get(reg)
                if isinstance(v, _Const):
                    if v.v not in values:
                        values.append(v.v)
                else:
                    exact = False
                continue
            work.extend(insn_preds.get(a, ()) or [None])
        if values and len(values) <= MAX_CANDIDATES:
            out[reg] = (values, exact)
    return out


def recover_jump_table(disc, func_entry: int, jmp, pred: dict[int, int], insn_preds=None,
                       limit: int | None = None) -> JumpTable | None:
    """The jump table behind the indirect jmp, or None.  ``insn_preds`` (instruction ->
    its predecessors, once the function is decoded) lets registers set up before a loop be
    found; ``limit``: at most this many entries when no bound is found."""
    chain = _path(disc, jmp, pred)
    jt = _table(disc, func_entry, jmp, chain, {}, limit, False)
    if jt is not None or not insn_preds or not chain:
        return jt
    consts = _reaching_constants(disc, chain, insn_preds)
    # one constant reaching by every path: as good as one set in the chain
    unique = {r: _Const(v[0]) for r, (v, exact) in consts.items() if exact and len(v) == 1}
    jt = _table(disc, func_entry, jmp, chain, dict(unique), limit, False)
    if jt is not None:
        return jt
    # several definitions reach (a register reused for other values elsewhere in a large
    # function, glibc's dl_main): each constant among them is a candidate base, kept only
    # if it gives a bounded table whose every entry is code in the function
    found = []
    for reg, (values, _) in consts.items():
        for v in values:
            t = _table(disc, func_entry, jmp, chain, {**unique, reg: _Const(v)}, limit, True)
            if t is not None:
                found.append(t)
    if not found:
        return None
    targets = sorted({t for jt in found for t in jt.targets})
    first = found[0]
    return JumpTable(jmp.address, first.table, first.stride, first.signed, first.add, targets, True)


def _table(disc, func_entry: int, jmp, chain, env: dict, limit: int | None, strict: bool) -> JumpTable | None:
    """The table the jump's value gives when the chain runs from env; ``strict``: only a
    bounded table of 4- or 8-byte entries, each of them code inside the function."""
    image = disc.image
    ent = _jump_value(chain, jmp, env)
    if isinstance(ent, _Scaled):
        return None if strict else _computed_targets(disc, jmp, ent, limit)
    if not isinstance(ent, _Entry):
        return None
    if ent.size not in (4, 8) or ent.stride != ent.size:
        return None
    n = _bound(chain, ent.index)
    if strict and n is None:
        return None
    targets = []
    count = n if n is not None else MAX_ENTRIES if limit is None else limit
    lo, hi = _extent(disc, func_entry)
    for k in range(count):
        v = _read_entry(image, ent.table + k * ent.stride, ent.stride, ent.size, ent.signed)
        if v is None:
            if strict:
                return None
            break
        t = (v + ent.add) & M64
        if not image.is_code(t) or disc.dec.at(t) is None:
            if n is not None:
                return None     # a bounded table with a bad entry is not a table
            break
        if (n is None or strict) and not lo <= t < hi:
            if strict:
                return None
            break       # an unbounded table ends where its targets leave the function
        if n is None and not disc.plausible(t):
            break       # an unbounded table ends at an entry that does not lead to real code
        targets.append(t)
    if not targets:
        return None
    # The entries read are in order, from the first; an unbounded table's index may go past
    # the last one recovered, where the lifter's switch leaves for the address match.
    in_order = (n is None or len(targets) == n) and _read_only(image, ent.table, len(targets) * ent.stride)
    return JumpTable(jmp.address, ent.table, ent.stride, ent.signed, ent.add, targets, n is not None,
                     ent.at if in_order else None)


def _read_only(image, start: int, size: int) -> bool:
    """Whether [start, start + size) lies in one segment the program cannot write."""
    return any(s.vaddr <= start and start + size <= s.end and not s.flags & PF_W for s in image.segments)


def _extent(disc, func_entry: int) -> tuple[int, int]:
    """[entry, next known function entry): where an unbounded table's targets may lie."""
    later = [e for e in disc.entries if e > func_entry]
    return func_entry, (min(later) if later else func_entry + NEAR)


def _computed_targets(disc, jmp, v: _Scaled, limit: int | None = None) -> JumpTable | None:
    """``jmp base + index * scale``: code laid out in equal slots (glibc's hand-written copy
    loops), with the index bounded by an ``and`` mask or, failing that, by decodable code."""
    image = disc.image
    if v.scale < 2 or not image.is_code(v.add):
        return None
    targets = []
    for k in range(v.bound if v.bound is not None else 256 if limit is None else limit):
        t = (v.add + k * v.scale) & M64
        if not image.is_code(t) or disc.dec.at(t) is None or abs(t - jmp.address) > NEAR or \
                (v.bound is None and not disc.plausible(t)):
            if v.bound is not None:
                return None
            break
        targets.append(t)
    if not targets:
        return None
    return JumpTable(jmp.address, v.add, v.scale, False, 0, targets, v.bound is not None)
