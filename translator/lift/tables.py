"""Indirect jumps: recovered jump tables, computed gotos and the way out for any other target
(IndirectJumps, a part of FunctionLifter).

Jump tables are switched on their index, as the guest's own code does.

A recovered table's jump target is matched against guest addresses (FunctionLifter's
_switch_run: a byte map from address to case, then LLVM's table of cases), so a guest switch
costs three loads and a jump.  When the table is read-only and its entries are known in order
(JumpTable.load_at), and the entry is read in the jump's own block, the entry's index is known
there: the offset of the read from the table's start.  The jump then becomes a switch on that
index (LLVM's jump table: one load and one jump, as native), the address match staying behind
it for an index outside the table.
"""
from __future__ import annotations

import bisect

from capstone import x86 as X
from llvmlite import ir

from runtime import abi
from translator.cfg import Block

I32, I64 = ir.IntType(32), ir.IntType(64)
DENSE_MIN_CASES = 4          # indirect jumps with this many known targets ...
DENSE_MAX_SPAN = 1 << 16     # ... within this many bytes switch through a byte map


# What may lie between the entry's read and the jump: instructions that write no register
# but their explicit destination (and flags), which jump-table recovery follows (its _step:
# a write to the entry's register that it does not model loses the table), so the jump's
# target is still the entry plus the table's constant.  Lua's dispatch decodes the next
# instruction's operands there (shr, and, shl).
_BETWEEN = {X.X86_INS_MOV, X.X86_INS_MOVSXD, X.X86_INS_MOVSX, X.X86_INS_MOVZX, X.X86_INS_ADD,
            X.X86_INS_LEA, X.X86_INS_CDQE, X.X86_INS_NOP, X.X86_INS_SUB, X.X86_INS_AND,
            X.X86_INS_OR, X.X86_INS_XOR, X.X86_INS_SHL, X.X86_INS_SHR, X.X86_INS_SAR}


def index_loads(func) -> dict[int, object]:
    """Instruction address -> the table whose entry it reads, for the tables of func whose
    entry is read in the block of their jump, with only _BETWEEN's instructions between: the
    jump's target is then that entry plus the table's constant."""
    out = {}
    for blk in func.blocks.values():
        if not blk.insns:
            continue
        jt = func.jump_tables.get(blk.insns[-1].address)
        if jt is None or jt.load_at is None:
            continue
        at = next((k for k, i in enumerate(blk.insns) if i.address == jt.load_at), None)
        if at is not None and all(i.id in _BETWEEN for i in blk.insns[at + 1:-1]):
            out[jt.load_at] = jt
    return out


def entry_offset(fl, insn, jt) -> ir.Value:
    """The byte offset from the table's start of the entry insn reads (before it runs)."""
    op = next(o for o in insn.operands if o.type == X.X86_OP_MEM)
    fl.insn = insn
    return fl.b.sub(fl.addr(op), fl.gaddr(jt.table))


def switch_on_index(fl, jt, offset: ir.Value, other: ir.Block):
    """Switch to the block of the entry at offset; anything else (an offset outside the
    table or between entries) goes to other."""
    b = fl.b
    n, stride = len(jt.targets), jt.stride
    inside = b.and_(b.icmp_unsigned("<", offset, ir.Constant(I64, n * stride)),
                    b.icmp_unsigned("==", b.and_(offset, ir.Constant(I64, stride - 1)), ir.Constant(I64, 0)))
    key = b.select(inside, b.lshr(offset, ir.Constant(I64, stride.bit_length() - 1)), ir.Constant(I64, n))
    sw = b.switch(key, other)
    for k, t in enumerate(jt.targets):
        if t in fl.blocks:
            sw.add_case(ir.Constant(I64, k), fl.blocks[t])


class IndirectJumps:
    """FunctionLifter's lowering of indirect jumps."""

    def lift_indirect_jump(self, blk: Block, target: ir.Value):
        """A recovered jump table or a known local label becomes a switch; anything else
        leaves through the dispatcher."""
        b = self.b
        table = blk.insns and blk.insns[-1].address in self.func.jump_tables
        if not table and any(a in self.blocks for a in self.func.resume):
            # A computed goto may go to any label of the function: every such jump goes to
            # one switch over the labels (_computed_goto_switch).  A switch at each jump
            # made jumps x labels edges: python3.11's eval loop, 250 such jumps and 946
            # labels, gave PHIs with 4 million operands and a compile that never ended.
            if self.goto_bb is None:
                self.goto_bb = self.new_block("computed_goto")
                self.goto_target = self._eb.alloca(I64, name="goto_target")
                self.goto_insn = blk.insns[-1]
            b.store(target, self.goto_target)
            b.branch(self.goto_bb)
            return
        offset = self.entry_offsets.pop(blk.insns[-1].address, None) if table else None
        if offset is not None:
            other = self.new_block(f"table_miss_{blk.start:x}")
            switch_on_index(self, self.func.jump_tables[blk.insns[-1].address], offset, other)
            b.position_at_end(other)
        self._switch_or_leave(f"{blk.start:x}", [a for a in blk.succs if a in self.blocks], target, blk.insns[-1])

    def _computed_goto_switch(self):
        b = self.b
        b.position_at_end(self.goto_bb)
        self.insn = self.goto_insn
        self.flag_origin.clear()
        target = b.load(self.goto_target)
        # The labels are the function's resume points (cfg._indirect_spans): such a jump has
        # no successors of its own (cfg._cut_blocks).
        cases = [a for a in self.func.resume if a in self.blocks]
        self._switch_or_leave("goto", cases, target, self.goto_insn)

    def _switch_or_leave(self, label: str, cases: list[int], target: ir.Value, insn):
        """A switch of target over cases (guest blocks of this function); where it matches
        none, rip = target and leave through the jump's inline cache.  One switch for each
        run of the function's code the cases are in (gaddr): offsets inside a run are the
        same in every program, the distance between runs is not."""
        b = self.b
        if cases:
            miss = self.new_block(f"miss_{label}")
            runs: dict[int, list[int]] = {}
            for a in cases:
                runs.setdefault(self._run_of(a), []).append(a)
            groups = list(runs.values())
            for n, group in enumerate(groups):
                other = miss if n == len(groups) - 1 else self.new_block(f"switch_{label}")
                self._switch_run(group, target, other)
                b.position_at_end(other)
        self.set_rip(target)
        self._jump_cached(insn, target)

    def _run_of(self, a: int) -> int:
        return self._runs[bisect.bisect_right(self._runs, a) - 1]

    def _switch_run(self, cases: list[int], target: ir.Value, other: ir.Block):
        b = self.b
        lo, span = min(cases), max(cases) - min(cases) + 1
        if len(cases) >= DENSE_MIN_CASES and span <= DENSE_MAX_SPAN:
            # Guest addresses are sparse cases (LLVM lowers them to a compare tree); a
            # byte map from address to case number makes a dense switch: a jump table.
            width = 8 if len(cases) < 255 else 16
            slots = [0] * span
            for k, a in enumerate(cases, 1):
                slots[a - lo] = k
            tab = self.lc.module.int_table(self.lc.local_name("cases"), width, slots)
            off = b.sub(target, self.gaddr(lo))
            inside = b.icmp_unsigned("<", off, ir.Constant(I64, span))
            k = b.load(b.gep_index(tab, b.select(inside, off, ir.Constant(I64, 0))))
            key = b.select(inside, b.zext(k, I32), ir.Constant(I32, 0))
            sw = b.switch(key, other)
            for n, a in enumerate(cases, 1):
                sw.add_case(ir.Constant(I32, n), self.blocks[a])
        else:
            run = self._run_of(lo)
            sw = b.switch(b.sub(target, self.gaddr(run)), other)
            for a in cases:
                sw.add_case(ir.Constant(I64, a - run), self.blocks[a])

    def _jump_cached(self, insn, target: ir.Value):
        """Leave for a computed target through the branch's inline cache: a function entry
        seen before is entered by a sibling call, anything else goes to rt_jump (which enters
        a function or unwinds to the dispatcher).  Only function entries are cached.  Static
        glibc's calls to ifunc-selected memcmp, strlen... are such jumps (strsearch spent 8%
        in rt_jump)."""
        b = self.b
        cache, k1, hit = self._inline_cache(insn, target)
        direct = self.new_block(f"ij_hit_{insn.address:x}")
        slow = self.new_block(f"ij_miss_{insn.address:x}")
        b.cbranch(hit, direct, slow).set_weights([1000, 1])
        b.position_at_end(direct)
        fn, _ = self._dispatch_entry(k1)
        self.exit_to(fn, self.call_args(ir.Constant(I32, 0)), flags=True)
        b.position_at_end(slow)
        resolved = self._resolve(target)
        _, idx = self._dispatch_entry(resolved)
        entry = b.icmp_unsigned("==", idx, ir.Constant(I32, 0))
        b.store_atomic(b.select(entry, resolved, ir.Constant(I64, 0)), cache, "monotonic", 8)
        self.exit_to(self.lc.rt("rt_jump", abi.call_result_type(), [self.lc.state_p]), [], flags=True)
