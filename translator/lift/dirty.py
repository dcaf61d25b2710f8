"""Which registers can differ from State at each write-back point of a lifted function.

A lifted function keeps registers in locals and writes back to State before every call,
syscall and exit (FunctionLifter.sync_store).  Writing back every register the function
writes anywhere costs a store per register per call; a register not written since State was
last loaded on any path into the write-back point still equals State there, so its store is
redundant (LLVM cannot drop it: a guest store in between may alias State, as far as it
knows).  This is a forward "may be dirty" analysis over the function's IR blocks:

* a write marks a register dirty in the IR block where it happens;
* a reload (the prologue, the block after a call or syscall, a resume landing, a reload
  after a runtime call) makes every register clean;
* dirty_in(block) is the union of its predecessors' dirty_out.
"""
from __future__ import annotations

import re

from translator.lift import irtext

_LABEL = re.compile(r"label %([\w.$-]+)")


class Tracker:
    """Records, while lifting, the writes and reloads in each IR block and the dirty set
    each write-back point has from its own block; solve() adds what flows in."""

    def __init__(self):
        self.writes: dict[object, set] = {}       # block -> written since its last reload
        self.reloaded: set = set()                # blocks with a reload (anywhere)
        self.points: dict[int, tuple] = {}        # id(anchor) -> (block, local set, after reload)

    def write(self, block, reg):
        self.writes.setdefault(block, set()).add(reg)

    def reload(self, block):
        """A reload at the current end of block (or at its start, before any write)."""
        self.reloaded.add(block)
        self.writes[block] = set()

    def point(self, block, anchor):
        self.points[id(anchor)] = (block, frozenset(self.writes.get(block, ())), block in self.reloaded)

    def solve(self, blocks) -> dict[int, frozenset]:
        """id(anchor) -> registers that may differ from State there.  blocks: the function's
        IR blocks (irtext.Block), with their terminators in place."""
        by_name = {blk.name: blk for blk in blocks}
        preds: dict[object, list] = {blk: [] for blk in blocks}
        for blk in blocks:
            for succ in successors(blk):
                if succ in by_name:
                    preds[by_name[succ]].append(blk)
        dirty_in: dict[object, frozenset] = {blk: frozenset() for blk in blocks}
        dirty_out: dict[object, frozenset] = {}

        def out(blk):
            local = frozenset(self.writes.get(blk, ()))
            return local if blk in self.reloaded else local | dirty_in[blk]

        for blk in blocks:
            dirty_out[blk] = out(blk)
        changed = True
        while changed:
            changed = False
            for blk in blocks:
                new_in = frozenset().union(*(dirty_out[p] for p in preds[blk]))
                if new_in != dirty_in[blk]:
                    dirty_in[blk] = new_in
                    dirty_out[blk] = out(blk)
                    changed = True
        result = {}
        for key, (blk, local, after_reload) in self.points.items():
            result[key] = local if after_reload else local | dirty_in.get(blk, frozenset())
        return result


def successors(blk) -> list[str]:
    """Names of the blocks blk's terminator can branch to."""
    term = blk.instrs[-1] if blk.instrs else None
    if term is None:
        return []
    if isinstance(term, irtext.SwitchInstr):
        return [term.default.name] + [b.name for _, b in term.cases]
    return _LABEL.findall(term.text)
