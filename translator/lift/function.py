"""Lifting one guest function into one LLVM function.

``void @fn_<hex>(State* noalias %state, i32 %entry)``: ``entry`` 0 starts at the guest entry,
k > 0 resumes at the function's k-th resume point (used by the dispatcher after an unwind).

Registers live in allocas that LLVM's SROA turns into SSA values: loaded from State at entry
and after every call, stored back before calls, syscalls, returns and jumps out.
Semantics reach operands, registers, flags and memory through the methods of this class.
"""
from __future__ import annotations

import bisect
import re

from capstone import x86 as X
from llvmlite import ir

from runtime import abi
from translator.cfg import (T_BAD, T_CALL, T_FALL, T_IND, T_JCC, T_JMP, T_RET, T_SYSCALL, T_TAIL, T_TRAP,
                            Block, Function)

from translator.lift import dirty, irtext, ordering, tables
from translator.lift.liveness import SSE_CMP, live_out
from translator.lift.regs import GPR, RSP, XMM
from translator.semantics import SEMANTICS
from translator.semantics.system import SIGILL, TRAP_SIGNALS

I1, I8, I16, I32, I64, I128 = (ir.IntType(n) for n in (1, 8, 16, 32, 64, 128))
VOID = ir.VoidType()
FLAGS = abi.FLAG_NAMES
# An XMM register's local is a vector, not the i128 semantics see: SSA values of a vector type
# live in the host's vector registers, where an i128 is split over two GPRs (a loop carrying an
# FP value paid two GPR<->XMM moves per use; mandelbrot ran 30% slower).
XMM_LOCAL = ir.VectorType(ir.DoubleType(), 2)



def int_t(bits: int) -> ir.IntType:
    return ir.IntType(bits)


class Unsupported(Exception):
    """Raised by a semantic for an operand form it does not handle."""


# The prefix of a chunk's own symbols in its lifted text; chunks.py replaces it by one made of
# the chunk's cache key.  No guest address is in the text: a function's lifted code names the
# functions it calls and defines by number (PLACEHOLDER + "F<n>" defined here, "X<n>"
# called), and takes every guest address it needs from the chunk's address table
# (PLACEHOLDER + "T", one i64 slot per address; a function's own addresses are the slot of
# their run of contiguous code plus an offset, FunctionLifter.gaddr).  The output binds the names and fills the table for the addresses of
# its own module (Binding), so the same code at other addresses (libc in two static
# programs) lifts to the same text and is compiled once.
PLACEHOLDER = "__E2N_"
# A defined function's symbol starts with its guest symbol, where it has one, so that a
# profile of the translated program names the guest's functions ("lua_geti.c0ef…_F4").
_NOT_IN_SYMBOL = re.compile(r"[^A-Za-z0-9_.]")  # kept to what LLVM IR and linker scripts take bare
SYMBOL_MAX = 160


def symbol_name(f) -> str:
    """The guest symbol's part of a defined function's symbol ("" for none)."""
    if f.name == f"fn_{f.entry:x}":
        return ""
    name = _NOT_IN_SYMBOL.sub("_", f.name)[:SYMBOL_MAX]
    if not name:
        return ""
    return ("_" if name[0].isdigit() or name[0] == "." else "") + name + "."
RUN_GAP = 32    # bytes of padding between two blocks of one run of a function's code (gaddr)


class LiftContext:
    """Module-level things shared by the functions of one chunk."""

    def __init__(self, module: irtext.Module, options, entries, defined=(), image_span=(0, 0),
                 preserved=None):
        self.module = module
        self.options = options
        self.entries = entries          # guest addresses that have a lifted function
        self.defined = frozenset(defined)   # those lifted in this chunk
        self.image_span = image_span        # [lo, hi): the module's addresses (in_image)
        # function entry -> GPR indices of the callee-saved registers it gives back
        # unchanged (translator/preserved.py): a direct call does not reload them
        self.preserved = {e: frozenset(abi.GPR_NAMES.index(n) for n in regs)
                          for e, regs in (preserved or {}).items()}
        self.state_p = PTR
        self.fences = options.memory_order == "tso"     # translator/lift/ordering.py
        self.fn_names: dict[int, str] = {}  # guest function address -> its name here
        self.slots: dict[int, int] = {}     # guest address -> its slot in the address table
        self.table = irtext.Value(ir.PointerType(I64), f"@{PLACEHOLDER}T")
        self.locals = 0                     # numbers the chunk's private globals

    def guest_fn(self, addr: int) -> irtext.Declaration:
        name = self.fn_names.get(addr)
        if name is None:
            kind = "F" if addr in self.defined else "X"
            name = f"{PLACEHOLDER}{kind}{len(self.fn_names)}"
            if kind == "F":
                name = symbol_name(self.entries[addr]) + name
            self.fn_names[addr] = name
        return self.module.declare(name, RESULTS_T, abi.call_arg_types(PTR))

    def in_image(self, value: int) -> bool:
        """An immediate or displacement that may be an address of the module (non-PIE code
        has them: ``mov $table, %edi``, ``jmp *table(,%rax,8)``) is taken from the address
        table like any other (the same value, in text that does not depend on it)."""
        return self.image_span[0] <= value & 0xFFFF_FFFF_FFFF_FFFF < self.image_span[1]

    def slot(self, addr: int) -> int:
        k = self.slots.get(addr)
        if k is None:
            k = self.slots[addr] = len(self.slots)
        return k

    def local_name(self, kind: str) -> str:
        """A name for a private global of this chunk (an inline cache, a case map)."""
        self.locals += 1
        return f"{kind}{self.locals}"

    def declare_table(self):
        """The address table's declaration, once every function is lifted: a constant array
        defined by the output (its loads are invariant; they are not guest memory, so they
        alias no guest access)."""
        self.module.constants.append(
            f"@{PLACEHOLDER}T = external hidden constant [{max(1, len(self.slots))} x i64], align 8")

    def rt(self, name: str, ret: ir.Type, args: list[ir.Type], noreturn=False) -> irtext.Declaration:
        return self.module.declare(name, ret, args, " noreturn cold" if noreturn else "")


PTR = ir.PointerType(I8)
RESULTS_T = abi.call_result_type()      # what a lifted function returns (abi.CALL_RESULTS)
_ARG_INDEX = [abi.GPR_NAMES.index(n) for n in abi.CALL_ARGS]
_RESULT_INDEX = [abi.GPR_NAMES.index(n) for n in abi.CALL_RESULTS]


class FunctionLifter(tables.IndirectJumps):
    def __init__(self, lc: LiftContext, func: Function, report):
        self.lc = lc
        self.func = func
        self.report = report
        self.strict_flags = lc.options.strict_flags
        self.fn = irtext.Function(lc.guest_fn(func.entry), ["noalias", ""] + [""] * len(abi.CALL_ARGS),
                                  ["state", "entry"] + [f"arg_{n}" for n in abi.CALL_ARGS])
        self.state, self.entry_arg, *self.reg_args = self.fn.args
        self.uses_xmm = any("xmm" in i.op_str for b in func.blocks.values() for i in b.insns) or \
            any(i.id in _IMPLICIT_XMM for b in func.blocks.values() for i in b.insns)
        self.blocks: dict[int, ir.Block] = {}
        self.index_loads = tables.index_loads(func)   # entry read -> its table (lift/tables.py)
        self.entry_offsets: dict[int, ir.Value] = {}   # jump address -> its entry's offset
        self.insn = None
        self.terminated = False
        self.atomic = None      # the memory operand of the locked instruction being lifted
        # What the function touches, so State is synced only for those (see _finish).
        self.gpr_read: set[int] = set()
        self.gpr_written: set[int] = set()
        self.xmm_read: set[int] = set()
        self.xmm_written: set[int] = set()
        self.flags_read: set[str] = set()
        self.flags_written: set[str] = set()
        self.segs_read: set[str] = set()
        self._syncs: list[tuple[str, ir.Instruction, bool]] = []
        self.dirty = dirty.Tracker()    # registers written since State was loaded (dirty.py)
        self.live_flags: dict[int, frozenset] = {}
        self.cur_live = frozenset(FLAGS)
        # Which compare each flag slot's value came from (flags.set_sub), so a condition on
        # flags of one compare becomes one icmp (flags.condition); reset where slots reload.
        self.flag_origin: dict[str, object] = {}
        self.origin = None
        # The function's code as runs of contiguous blocks (gaddr), and their start addresses.
        self._runs: list[int] = []
        self._run_ends: list[int] = []
        for blk in sorted(func.blocks.values(), key=lambda blk: blk.start):
            if self._runs and blk.start <= self._run_ends[-1] + RUN_GAP:
                self._run_ends[-1] = max(self._run_ends[-1], blk.end)
            else:
                self._runs.append(blk.start)
                self._run_ends.append(max(blk.end, blk.start + 1))
        self._bases: dict[int, ir.Value] = {}

    # -- State access ----------------------------------------------------------------------
    def field(self, name: str) -> ir.Value:
        """Pointer to a State field (computed once, at the top of the entry block)."""
        p = self._fields.get(name)
        if p is None:
            self._eb.position_at_start(self._entry_bb)
            f = abi.FIELDS[name]
            p = self._fields[name] = self._eb.gep_bytes(self.state, f.offset, f.type)
        return p

    def sync_store(self, anchor: ir.Instruction, flags: bool):
        """Before anchor, write back to State what this function changed (what it may have
        changed since State was last loaded, on any path to anchor)."""
        self._syncs.append(("store", anchor, flags or self.strict_flags, frozenset()))
        self.dirty.point(self.b.block, anchor)

    def sync_load(self, anchor: ir.Instruction, flags: bool, keep: frozenset = frozenset()):
        """After anchor, reload from State what this function uses (but the GPRs in keep:
        the locals still equal State there)."""
        self._syncs.append(("load", anchor, flags or self.strict_flags, keep))
        self.flag_origin.clear()
        self.dirty.reload(self.b.block)

    def sync_load_at(self, block: ir.Block, flags: bool):
        """At the start of block (a resume point: nothing written there yet), reload."""
        self._syncs.append(("load_at", block, flags, frozenset()))
        self.dirty.reload(block)

    def _emit_store(self, flags: bool, changed: frozenset):
        b = self.b
        for i in sorted(self.gpr_written):
            if ("g", i) in changed:
                b.store(b.load(self.gpr[i]), self.field(abi.GPR_NAMES[i]))
        for i in sorted(self.xmm_written):
            if ("x", i) in changed:
                b.store(b.bitcast(b.load(self.xmm[i]), I128), self.field(f"xmm{i}"))
        if flags:
            for n in FLAGS:
                if n in self.flags_written:
                    b.store(b.zext(b.load(self.flags[n]), I8), self.field(n))

    def _emit_load(self, flags: bool, passed: dict[int, ir.Value] | None = None,
                   keep: frozenset = frozenset()):
        """Load what this function uses from State, but the GPRs in keep; a register in
        ``passed`` (index -> its value, the copies the calling convention passes) is taken
        from there instead."""
        b = self.b
        passed = passed or {}
        for i in sorted((self.gpr_read | self.gpr_written) - keep):
            v = passed.get(i)
            b.store(b.load(self.field(abi.GPR_NAMES[i])) if v is None else v, self.gpr[i])
        for i in sorted(self.xmm_read | self.xmm_written):
            b.store(b.bitcast(b.load(self.field(f"xmm{i}")), XMM_LOCAL), self.xmm[i])
        if flags:
            for n in FLAGS:
                if n in self.flags_read or n in self.flags_written:
                    b.store(b.trunc(b.load(self.field(n)), I1), self.flags[n])
        for n in sorted(self.segs_read):
            b.store(b.load(self.field(n)), self.seg[n])

    def _finish(self):
        """Insert the State syncs recorded while lifting, now that we know what is used."""
        b = self.b
        # Create every field pointer first: they go to the top of the entry block, which
        # would move the builder's insertion point if it were in the entry block.
        for i in self.gpr_read | self.gpr_written:
            self.field(abi.GPR_NAMES[i])
        for i in self.xmm_read | self.xmm_written:
            self.field(f"xmm{i}")
        for n in FLAGS:
            self.field(n)
        for n in self.segs_read:
            self.field(n)
        b.position_before(self._entry_bb.terminator)
        self._emit_load(True, dict(zip(_ARG_INDEX, self.reg_args)))
        self.dirty.reload(self._entry_bb)
        dirty_at = self.dirty.solve(self.fn.blocks)
        for kind, anchor, flags, keep in self._syncs:
            if kind == "store":
                b.position_before(anchor)
                self._emit_store(flags, dirty_at[id(anchor)])
            elif kind == "load":
                b.position_after(anchor)
                self._emit_load(flags, keep=keep)
            else:
                b.position_at_start(anchor)
                self._emit_load(flags)

    def set_rip(self, value: ir.Value):
        self.b.store(value, self.field("rip"))

    def gaddr(self, a: int) -> ir.Value:
        """Guest address ``a`` as an i64 (see PLACEHOLDER): an address in this function's code
        is the table slot of the start of its run of contiguous blocks (a function's cold
        part lies elsewhere, at a distance that depends on the program), loaded once in the
        prologue, plus the offset; any other one is its own slot, loaded where it is used."""
        b = self.b
        k = bisect.bisect_right(self._runs, a) - 1
        if k >= 0 and a < self._run_ends[k]:
            start = self._runs[k]
            base = self._bases.get(start)
            if base is None:
                self._eb.position_at_start(self._entry_bb)
                base = self._bases[start] = self._table_load(self._eb, start)
            return b.add(base, ir.Constant(I64, a - start)) if a != start else base
        return self._table_load(b, a)

    def _table_load(self, b, a: int) -> ir.Value:
        k = self.lc.slot(a & 0xFFFF_FFFF_FFFF_FFFF)
        return b.load(b.gep_index(self.lc.table, ir.Constant(I64, k)), align=8, invariant=True)

    # -- registers -------------------------------------------------------------------------
    def gpr64(self, index: int) -> ir.Value:
        self.gpr_read.add(index)
        return self.b.load(self.gpr[index])

    def set_gpr64(self, index: int, value: ir.Value):
        self.gpr_written.add(index)
        self.dirty.write(self.b.block, ("g", index))
        self.b.store(value, self.gpr[index])

    def reg(self, capstone_reg: int) -> ir.Value:
        """Read a GPR of any width."""
        v = GPR.get(capstone_reg)
        if v is None:
            raise Unsupported(f"register {self.insn.reg_name(capstone_reg)}")
        full = self.gpr64(v.index)
        if v.bits == 64:
            return full
        if v.shift:
            full = self.b.lshr(full, ir.Constant(I64, v.shift))
        return self.b.trunc(full, int_t(v.bits))

    def set_reg(self, capstone_reg: int, value: ir.Value):
        """Write a GPR of any width: 32-bit writes zero-extend, 8/16-bit writes merge."""
        v = GPR.get(capstone_reg)
        if v is None:
            raise Unsupported(f"register {self.insn.reg_name(capstone_reg)}")
        b = self.b
        if v.bits == 64:
            self.set_gpr64(v.index, value)
        elif v.bits == 32:
            self.set_gpr64(v.index, b.zext(value, I64))
        else:
            old = self.gpr64(v.index)
            mask = ((1 << v.bits) - 1) << v.shift
            new = b.zext(value, I64)
            if v.shift:
                new = b.shl(new, ir.Constant(I64, v.shift))
            self.set_gpr64(v.index, b.or_(b.and_(old, ir.Constant(I64, ~mask & (2**64 - 1))), new))

    def xmm_reg(self, capstone_reg: int) -> ir.Value:
        i = XMM[capstone_reg]
        self.xmm_read.add(i)
        return self.b.bitcast(self.b.load(self.xmm[i]), I128)

    def xmm_lanes(self, capstone_reg: int, t: ir.VectorType) -> ir.Value:
        """An XMM register as a vector of type t, without the i128 view: a loop-carried
        register whose every use goes through i128 becomes an i128 phi (two GPRs)."""
        i = XMM[capstone_reg]
        self.xmm_read.add(i)
        return self.b.bitcast(self.b.load(self.xmm[i]), t)

    def set_xmm_reg(self, capstone_reg: int, value: ir.Value):
        i = XMM[capstone_reg]
        self.xmm_written.add(i)
        self.dirty.write(self.b.block, ("x", i))
        self.b.store(self.b.bitcast(value, XMM_LOCAL), self.xmm[i])

    def flag(self, name: str) -> ir.Value:
        self.flags_read.add(name)
        return self.b.load(self.flags[name])

    def live(self, name: str) -> bool:
        """Is this flag read after the current instruction? Dead flags need no IR."""
        return name in self.cur_live

    def set_flag(self, name: str, value: ir.Value):
        if name not in self.cur_live:
            return
        self.flags_written.add(name)
        self.flag_origin[name] = self.origin
        self.b.store(value, self.flags[name])

    def seg_base(self, name: str) -> ir.Value:
        self.segs_read.add(name)
        return self.b.load(self.seg[name])

    def rflags(self, bits: int) -> ir.Value:
        """RFLAGS assembled from the flag slots (bit 1 is always set, IF reads as set)."""
        b = self.b
        t = int_t(bits)
        v = ir.Constant(t, 0x202)
        for name, bit in abi.FLAG_BITS.items():
            v = b.or_(v, b.shl(b.zext(self.flag(name), t), ir.Constant(t, bit)))
        return v

    def set_rflags(self, value: ir.Value):
        b = self.b
        for name, bit in abi.FLAG_BITS.items():
            self.set_flag(name, b.trunc(b.lshr(value, ir.Constant(value.type, bit)), I1))

    # -- operands --------------------------------------------------------------------------
    @property
    def ops(self):
        return self.insn.operands

    @property
    def next_pc(self) -> int:
        return self.insn.address + self.insn.size

    def const(self, bits: int, value: int) -> ir.Constant:
        return ir.Constant(int_t(bits), value & ((1 << bits) - 1))

    def imm(self, op, bits: int) -> ir.Value:
        """An immediate operand at ``bits``; one that may be an address of the module comes
        from the address table (LiftContext.in_image)."""
        if bits >= 32 and self.lc.in_image(op.imm):
            v = self.gaddr(op.imm)
            return v if bits == 64 else self.b.trunc(v, int_t(bits))
        return self.const(bits, op.imm)

    def addr(self, op, segment: bool = True) -> ir.Value:
        """The effective address of a memory operand, as i64 (with the fs/gs base unless
        ``segment`` is false, as for lea)."""
        m = op.mem
        b = self.b
        if m.base == X.X86_REG_RIP:
            a = self.gaddr(self.next_pc + m.disp)
        else:
            a = None
            if m.base:
                a = self.reg(m.base)
                if a.type.width != 64:
                    a = b.zext(a, I64)   # 32-bit address size
            if m.index:
                idx = self.reg(m.index)
                if idx.type.width != 64:
                    idx = b.zext(idx, I64)
                if m.scale != 1:
                    idx = b.shl(idx, ir.Constant(I64, m.scale.bit_length() - 1))
                a = idx if a is None else b.add(a, idx)
            disp = self.gaddr(m.disp) if self.lc.in_image(m.disp) else ir.Constant(I64, m.disp & 0xFFFF_FFFF_FFFF_FFFF)
            if a is None:
                a = disp
            elif m.disp:
                a = b.add(a, disp)
        if not segment:
            return a
        if m.segment == X.X86_REG_FS:
            a = b.add(a, self.seg_base("fs_base"))
        elif m.segment == X.X86_REG_GS:
            a = b.add(a, self.seg_base("gs_base"))
        return a

    def ptr(self, address: ir.Value, ty: ir.Type) -> ir.Value:
        return self.b.inttoptr(address, ty.as_pointer())

    def load(self, address: ir.Value, ty: ir.Type) -> ir.Value:
        if self.atomic is not None:
            return self._atomic_load(address, ty)
        return self.b.load(self.ptr(address, ty), align=1)

    def store(self, address: ir.Value, value: ir.Value):
        if self.atomic is not None:
            return self._atomic_store(address, value)
        self.b.store(value, self.ptr(address, value.type), align=1)

    # -- locked instructions ---------------------------------------------------------------
    def _atomic_load(self, address, ty):
        """In a locked instruction the memory operand is read once, atomically."""
        a = self.atomic
        if "old" not in a:
            a["ptr"] = self.ptr(address, ty)
            a["old"] = self.b.load_atomic(a["ptr"], "monotonic", ty.width // 8)
        return a["old"]

    def _atomic_store(self, address, value):
        """... and written by a compare-and-exchange against what was read; if another
        thread wrote in between, the instruction runs again (lift_locked)."""
        a = self.atomic
        if "old" not in a:
            self._atomic_load(address, value.type)
        r = self.b.cmpxchg(a["ptr"], a["old"], value, "seq_cst", "seq_cst")
        a["ok"] = self.b.extract_value(r, 1)
        a["seen"] = self.b.extract_value(r, 0)

    def committed(self, old: ir.Value) -> ir.Value:
        """After a semantic's store: in a locked instruction, the value its cmpxchg found
        (equal to ``old`` whenever the commit succeeds); else ``old``.  Results computed from
        it come after the cmpxchg: LLVM's ARMv8.0 expansion of a 128-bit cmpxchg
        (CMP_SWAP_128) clobbers the flags, and a comparison made before it and kept in the
        flags across it came out wrong (cmpxchg16b lost updates on aarch64)."""
        return self.atomic.get("seen", old) if self.atomic else old

    def lift_locked(self, sem, insn):
        """A lock-prefixed read-modify-write (or xchg with memory) is atomic: its semantic
        runs in a loop that reads the operand, computes, and commits with cmpxchg; the
        registers and flags it writes are put back before each retry."""
        b = self.b
        reads, writes = insn.regs_access()
        saved = {}
        # Every register the instruction names is put back, not only those capstone lists
        # as written: it lists none for cmpxchg, whose failure writes rax.  (A retry that
        # kept that rax compared against the wrong value: glibc's mutex could be taken
        # twice.)  Registers the semantic leaves alone cost nothing once optimized.
        for r in (*reads, *writes):
            v = GPR.get(r)
            if v is not None and v.index not in saved:
                saved[v.index] = self.gpr64(v.index)
        flags = {"cf": self.flag("cf")}     # adc and sbb read it; the rest only write flags
        head = self.new_block("locked")
        b.branch(head)
        b.position_at_end(head)
        for i, v in saved.items():
            self.set_gpr64(i, v)
        for n, v in flags.items():
            b.store(v, self.flags[n])
        self.atomic = {}
        try:
            r = sem.func(self, insn)
        finally:
            ok, self.atomic = self.atomic.get("ok"), None
        if ok is not None:
            done = self.new_block("locked_done")
            b.cbranch(ok, done, head)
            b.position_at_end(done)
        return r

    def get(self, op, bits: int | None = None) -> ir.Value:
        """Read an operand (register, immediate or memory) at its own width or ``bits``."""
        bits = bits or op.size * 8
        if op.type == X.X86_OP_REG:
            if op.reg in XMM:
                v = self.xmm_reg(op.reg)
                return v if bits == 128 else self.b.trunc(v, int_t(bits))
            v = self.reg(op.reg)
            if v.type.width != bits:
                v = self.b.trunc(v, int_t(bits)) if v.type.width > bits else self.b.zext(v, int_t(bits))
            return v
        if op.type == X.X86_OP_IMM:
            return self.imm(op, bits)
        if op.type == X.X86_OP_MEM:
            return self.load(self.addr(op), int_t(bits))
        raise Unsupported("operand type")

    def set(self, op, value: ir.Value):
        if op.type == X.X86_OP_REG:
            if op.reg in XMM:
                if not isinstance(value.type, ir.VectorType) and value.type.width != 128:
                    value = self.b.zext(value, I128)
                self.set_xmm_reg(op.reg, value)
            else:
                self.set_reg(op.reg, value)
        elif op.type == X.X86_OP_MEM:
            self.store(self.addr(op), value)
        else:
            raise Unsupported("write to an immediate")

    # -- stack -----------------------------------------------------------------------------
    def push(self, value: ir.Value):
        b = self.b
        sp = b.sub(self.gpr64(RSP), ir.Constant(I64, value.type.width // 8))
        self.store(sp, value)
        self.set_gpr64(RSP, sp)

    def pop(self, bits: int = 64) -> ir.Value:
        b = self.b
        sp = self.gpr64(RSP)
        v = self.load(sp, int_t(bits))
        self.set_gpr64(RSP, b.add(sp, ir.Constant(I64, bits // 8)))
        return v

    # -- runtime calls ---------------------------------------------------------------------
    def call_rt(self, name: str, args: list[ir.Value], ret: ir.Type = VOID, sync=True,
                noreturn=False) -> ir.Value:
        """Call a runtime function taking State*; with sync, State is made current first
        and registers are reloaded after."""
        f = self.lc.rt(name, ret, [self.lc.state_p] + [a.type for a in args], noreturn)
        r = self.b.call(f, [self.state] + list(args))
        if sync:
            # The runtime never changes the arithmetic flags, so they stay in SSA.
            self.sync_store(r, flags=noreturn)
            if not noreturn:
                self.sync_load(r, flags=False)
        return r

    def die(self, name: str, args: list[ir.Value]):
        """A noreturn runtime call ends the current block."""
        self.set_rip(self.gaddr(self.insn.address))
        self.call_rt(name, args, noreturn=True)
        self.b.unreachable()
        self.terminated = True

    def intrinsic(self, name: str, ret: ir.Type, args: list[ir.Value]) -> ir.Value:
        """Call a target-independent LLVM intrinsic, e.g. ``llvm.ctpop`` (the type suffix is
        taken from the return type)."""
        full = f"{name}.{_mangle(ret)}"
        f = self.lc.module.declare(full, ret, [a.type for a in args])
        return self.b.call(f, args)

    def constrained(self, op: str, ret: ir.Type, args: list[ir.Value], rounding: bool = True,
                    suffix: tuple = (), predicate: str | None = None) -> ir.Value:
        """A constrained floating-point intrinsic, ``llvm.experimental.constrained.<op>``: it
        rounds as the host's FP control register says and raises the host's exception flags,
        which the runtime keeps equal to the guest's MXCSR (rt_fpenv_get/rt_fpenv_set).
        ``suffix``: the overload types (default: the return type); ``predicate``: fcmp's."""
        types = suffix or (ret,)
        name = f"llvm.experimental.constrained.{op}." + ".".join(_mangle(t) for t in types)
        meta = ([predicate] if predicate else []) + (["round.dynamic"] if rounding else []) + ["fpexcept.strict"]
        f = self.lc.module.declare(name, ret, [a.type for a in args], meta=len(meta))
        return self.b.call(f, args, meta=meta)

    def new_block(self, name: str) -> ir.Block:
        return self.fn.append_basic_block(name)

    # -- lifting ---------------------------------------------------------------------------
    def lift(self) -> irtext.Function:
        fn = self.fn
        entry_bb = fn.append_basic_block("prologue")
        self._entry_bb = entry_bb
        self._fields: dict[str, ir.Value] = {}
        self._eb = irtext.Builder(fn, entry_bb)
        self.b = irtext.Builder(fn, entry_bb)
        b = self.b
        self.gpr = [b.alloca(I64, name=n) for n in abi.GPR_NAMES]
        self.flags = {n: b.alloca(I1, name=n) for n in FLAGS}
        self.seg = {n: b.alloca(I64, name=n) for n in ("fs_base", "gs_base")}
        self.xmm = [b.alloca(XMM_LOCAL, name=f"xmm{i}") for i in range(16)] if self.uses_xmm else []
        self.live_flags = live_out(self.func, SEMANTICS, self.strict_flags)
        for start in sorted(self.func.blocks):
            self.blocks[start] = fn.append_basic_block(f"bb_{start:x}")
        start_bb = self.blocks[self.func.entry]
        self.resume_bbs: dict[int, ir.Block] = {}     # resume address -> landing block
        self.poll_bbs: dict[int, ir.Block] = {}       # loop head -> its signal poll
        self.poll_exit = None                          # the polls' way out to the dispatcher
        self.goto_bb = None                            # the computed gotos' shared switch
        if self.func.resume:
            self.resume_switch_bb = fn.append_basic_block("resume")
            is0 = b.icmp_unsigned("==", self.entry_arg, ir.Constant(I32, 0))
            br = b.cbranch(is0, start_bb, self.resume_switch_bb)
            br.set_weights([1000, 1])
        else:
            b.branch(start_bb)
        # Lift what is reachable from the entry and the resume points: code after an
        # instruction that ends the block (unsupported, beyond the CPUID baseline) is dead.
        todo = [self.func.entry] + [a for a in reversed(self.func.resume) if a in self.blocks]
        lifted: set[int] = set()
        while todo:
            start = todo.pop()
            if start in lifted or start not in self.blocks:
                continue
            lifted.add(start)
            blk = self.func.blocks[start]
            self.lift_block(blk)
            if not self.terminated:
                todo.extend(reversed(blk.succs))
        if self.goto_bb is not None:
            self._computed_goto_switch()
        if self.func.resume:
            self._resume_switch()
        fn.blocks = [blk for blk in fn.blocks if blk.instrs]     # drop never-lifted blocks
        self._finish()
        return fn

    def _resume_switch(self):
        """Entry k > 0 resumes at resume point k. Return sites land on the block that reloads
        registers after their call, other points on a landing block that reloads them: either
        way no register value from the entry flows in, so this costs the optimizer little."""
        b = self.b
        for a in self.func.resume:
            if a not in self.resume_bbs and a in self.blocks:
                land = self.new_block(f"land_{a:x}")
                b.position_at_end(land)
                b.branch(self.blocks[a])
                self.sync_load_at(land, True)
                self.resume_bbs[a] = land
        b.position_at_end(self.resume_switch_bb)
        sw = b.switch(self.entry_arg, self.blocks[self.func.entry])
        for k, a in enumerate(self.func.resume, 1):
            if a in self.resume_bbs:
                sw.add_case(ir.Constant(I32, k), self.resume_bbs[a])

    def lift_block(self, blk: Block):
        b = self.b
        b.position_at_end(self.blocks[blk.start])
        self.terminated = False
        self.flag_origin.clear()
        body = blk.insns
        last = body[-1] if body and blk.term not in (T_FALL, T_TAIL, T_BAD) else None
        if blk.term == T_TAIL and body and body[-1].id in (X.X86_INS_JMP,):
            last = body[-1]
        for insn in body:
            jt = self.index_loads.get(insn.address)
            if jt is not None:
                self.entry_offsets[jt.jump_at] = tables.entry_offset(self, insn, jt)
            if insn is last:
                break
            self.lift_insn(insn)
            if self.terminated:
                return
        self.terminate(blk, last)

    def lift_insn(self, insn):
        """Lift one instruction; returns what a control-flow semantic returns (its condition
        or target), or None when the instruction could not be lifted (the block then ends in
        rt_unimplemented)."""
        self.insn = insn
        self.cur_live = self.live_flags.get(insn.address, ALL_FLAGS)
        sem = semantic_of(insn)
        try:
            if sem is not None:
                if _locked(insn):
                    r = self.lift_locked(sem, insn)
                    if self.lc.fences and not self.lc.options.host_tso:
                        self.b.fence("seq_cst")
                    return r
                access = ordering.shared_access(insn) if self.lc.fences else 0
                if access & ordering.WRITE:
                    self.b.fence("release")
                r = sem.func(self, insn)
                if access & ordering.READ and not self.b.block.is_terminated:
                    self.b.fence("acquire")
                return r
        except Unsupported:
            if self.b.block.is_terminated:
                self.b.position_at_end(self.new_block("dead"))
        self.report.add_unsupported(insn)
        self.die("rt_unimplemented", [self.gaddr(insn.address)])
        return None

    # -- the calling convention (abi.CALL_ARGS, abi.CALL_RESULTS) ---------------------------
    def call_args(self, entry: ir.Value) -> list[ir.Value]:
        """A lifted function's arguments after State*: the entry, then the registers the
        convention passes (copies of what State holds once sync_store has run)."""
        return [entry] + [self.gpr64(i) for i in _ARG_INDEX]

    def call_guest(self, fn: ir.Value, entry: ir.Value, tail: bool = False) -> ir.Value:
        return self.b.call(fn, [self.state] + self.call_args(entry), tail=tail)

    def take_results(self, results: ir.Value):
        """After a call of a lifted function, whose return left State complete: the returned
        copies replace State's values in the locals (no store back: State has them)."""
        for k, i in enumerate(_RESULT_INDEX):     # a store that no read follows is dropped
            self.b.store(self.b.extract_value(results, k), self.gpr[i])

    def ret_results(self) -> irtext.Instr:
        """Return to the caller (State is made complete before it, by a sync_store of the
        returned instruction)."""
        b = self.b
        v = ir.Constant(RESULTS_T, None)
        for k, i in enumerate(_RESULT_INDEX):
            v = b.insert_value(v, self.gpr64(i), k)
        return b.ret(v)

    def tail_into(self, entry: int):
        """Go on at another function's entry (a guest jump or fall into it)."""
        self.exit_to(self.lc.guest_fn(entry), self.call_args(ir.Constant(I32, 0)), flags=True)

    def exit_to(self, fn: irtext.Declaration, args: list, flags: bool):
        """Leave this function by a sibling call (guest jump to another function, or the
        runtime's rt_jump), returning what it returns."""
        c = self.b.call(fn, [self.state] + args, tail=True)
        self.sync_store(c, flags)
        self.b.ret(c)

    def terminate(self, blk: Block, last):
        b = self.b
        term = blk.term
        if term == T_FALL:
            b.branch(self.blocks[blk.succs[0]])
        elif term == T_JMP:
            self.insn = last
            b.branch(self.edge(blk, blk.succs[0]))
        elif term == T_TAIL:
            if last is not None:
                self.insn = last
            self.tail_into(blk.succs[0])
        elif term == T_JCC:
            cond = self.lift_insn(last)
            if cond is None:
                return
            b.cbranch(cond, self.edge(blk, blk.succs[0]), self.edge(blk, blk.succs[1]))
        elif term == T_CALL:
            self.lift_call(blk, last)
        elif term == T_SYSCALL:
            if self.lift_insn(last) is None:
                return
            self.resume_after(blk, last, flags=True)
        elif term == T_RET:
            target = self.lift_insn(last)
            if target is None:
                return
            self.set_rip(target)
            self.sync_store(self.ret_results(), flags=False)
        elif term == T_IND:
            target = self.lift_insn(last)
            if target is None:
                return
            self.lift_indirect_jump(blk, target)
        elif term in (T_TRAP, T_BAD):
            if last is not None:
                self.insn = last
                self.report.add_trap(last)
                self.die("rt_trap", [self.gaddr(last.address),
                                     ir.Constant(I32, TRAP_SIGNALS.get(last.id, SIGILL))])
            else:               # undecodable bytes: the CPU raises #UD, SIGILL
                addr = self.gaddr(blk.end)
                self.set_rip(addr)
                self.call_rt("rt_trap", [addr, ir.Constant(I32, SIGILL)],
                             noreturn=True)
                b.unreachable()
        else:
            raise AssertionError(term)

    def edge(self, blk: Block, succ: int) -> ir.Block:
        """Where a branch from blk to succ goes.  A backward branch (a loop's back edge) first
        polls for a pending asynchronous signal when translating with --signal-polls, so that
        a loop without system calls still runs the guest's handler: if one is pending, the
        function leaves to the dispatcher with rip at the loop head (a resume point, see
        cfg), which delivers it and resumes there.  Measured on the benchmarks (sha256, fannkuch), the polls and the loop heads'
        resume points cost 10-25% in tight loops, so it is not the default."""
        if succ > blk.start or not self.lc.options.signal_polls:
            return self.blocks[succ]
        poll = self.poll_bbs.get(succ)
        if poll is None:
            b = self.b
            here = b.block
            if self.poll_exit is None:
                self.poll_exit = self.new_block("signal_exit")
                b.position_at_end(self.poll_exit)
                self.poll_target = b.phi(I64)
                self.set_rip(self.poll_target)
                self.sync_store(self.ret_results(), flags=True)
            poll = self.poll_bbs[succ] = self.new_block("poll")
            b.position_at_end(poll)
            # volatile: the flag is set by the host signal handler, behind the optimizer's back
            pending = b.load(self.field("sig_pending"), volatile=True)
            head = self.gaddr(succ)
            br = b.cbranch(b.icmp_unsigned("!=", pending, ir.Constant(I64, 0)), self.poll_exit, self.blocks[succ])
            br.set_weights([1, 1000])
            self.poll_target.add_incoming(head, poll)
            b.position_at_end(here)
        return poll

    def lift_call(self, blk: Block, insn):
        target = self.lift_insn(insn)     # pushes the return address
        if target is None:
            return
        keep = frozenset()
        if isinstance(target, ir.Constant) and target.constant in self.lc.entries:
            c = self.call_guest(self.lc.guest_fn(target.constant), ir.Constant(I32, 0))
            keep = self.lc.preserved.get(target.constant, keep)
        else:
            if isinstance(target, ir.Constant):     # a direct call to no known function
                target = self.gaddr(target.constant)
            c = self.indirect_call(insn, target)
        self.sync_store(c, flags=False)
        self.resume_after(blk, insn, flags=self.strict_flags, results=c, keep=keep)

    def _inline_cache(self, insn, target: ir.Value):
        """An indirect branch's inline cache: one atomic word per branch holding k + 1 for the
        dispatch entry k it last reached (a pair of words could be seen torn by another
        thread).  Returns (cache address, k + 1 read from it, i1 hit: entry k is target)."""
        b, module = self.b, self.lc.module
        cache = module.word(self.lc.local_name("ic"))
        k1 = b.load_atomic(cache, "monotonic", 8)
        addrs = module.external_array("rt_dispatch_addrs", I64)     # [0] = 0: no target
        return cache, k1, b.icmp_unsigned("==", b.load(b.gep_index(addrs, k1)), target)

    def _dispatch_entry(self, k1: ir.Value):
        """(function, resume index) of dispatch entry k1 - 1."""
        b, module = self.b, self.lc.module
        k = b.sub(k1, ir.Constant(I64, 1))
        fns = module.external_array("rt_dispatch_fns", self.lc.guest_fn(self.func.entry).type)
        return (b.load(b.gep_index(fns, k)),
                b.load(b.gep_index(module.external_array("rt_dispatch_ids", I32), k)))

    def _resolve(self, target: ir.Value) -> ir.Value:
        """k + 1 of target's dispatch entry, from the runtime (no entry: a clear death)."""
        return self.b.call(self.lc.rt("rt_resolve", I64, [self.lc.state_p, I64]), [self.state, target])

    def indirect_call(self, insn, target: ir.Value):
        """call through a register or memory: a hit of the call site's inline cache calls the
        entry's function directly, a miss asks rt_resolve and fills the cache.  Against a call
        of rt_call for every indirect call (a hash probe, and one indirect branch shared by
        every call site): qsort's comparator calls spent 25% of the time there."""
        b = self.b
        cache, k1, hit = self._inline_cache(insn, target)
        here = b.block
        miss = self.new_block(f"ic_miss_{insn.address:x}")
        go = self.new_block(f"ic_call_{insn.address:x}")
        b.cbranch(hit, go, miss).set_weights([1000, 1])
        b.position_at_end(miss)
        resolved = self._resolve(target)
        b.store_atomic(resolved, cache, "monotonic", 8)
        b.branch(go)
        b.position_at_end(go)
        k1p = b.phi(I64)
        k1p.add_incoming(k1, here)
        k1p.add_incoming(resolved, miss)
        self.set_rip(target)
        fn, idx = self._dispatch_entry(k1p)
        return self.call_guest(fn, idx)

    def resume_after(self, blk: Block, insn, flags: bool, results: ir.Value | None = None,
                     keep: frozenset = frozenset()):
        """The instruction after a call or syscall is a resume point: registers are reloaded
        from State there (after a call, those the callee returned are taken from its
        results, and those it preserves, keep, stay), and if State's rip is not that address
        (a longjmp, a signal handler that did not return, an unwind) this function returns
        to its caller too."""
        b = self.b
        ret_addr = insn.address + insn.size
        after = self.new_block(f"after_{insn.address:x}")
        if results is None:
            b.branch(after)
            self.resume_bbs.setdefault(ret_addr, after)
            self.sync_load_at(after, flags)
        else:
            self.sync_load(results, flags, keep)
            self.take_results(results)
            b.branch(after)
            if ret_addr not in self.resume_bbs:     # the dispatcher's way in: all from State
                land = self.resume_bbs[ret_addr] = self.new_block(f"land_{ret_addr:x}")
                b.position_at_end(land)
                b.branch(after)
                self.sync_load_at(land, True)
        b.position_at_end(after)
        rip = b.load(self.field("rip"))
        ok = b.icmp_unsigned("==", rip, self.gaddr(ret_addr))
        unwind = self.new_block(f"unwind_{insn.address:x}")
        succ = blk.succs[0]
        tail = succ not in self.blocks      # the return site is another function's entry (cfg)
        into = self.new_block(f"into_{succ:x}") if tail else self.blocks[succ]
        br = b.cbranch(ok, into, unwind)
        br.set_weights([1000, 1])
        b.position_at_end(unwind)
        self.ret_results()
        if tail:
            b.position_at_end(into)
            self.tail_into(succ)

ALL_FLAGS = frozenset(FLAGS)
_LOCK_PREFIX = 0xF0


def _locked(insn) -> bool:
    """A lock prefix, or xchg with a memory operand (locked without one)."""
    if insn.prefix[0] == _LOCK_PREFIX:
        return any(op.type == X.X86_OP_MEM for op in insn.operands)
    return insn.id == X.X86_INS_XCHG and any(op.type == X.X86_OP_MEM for op in insn.operands)


def _mangle(t: ir.Type) -> str:
    """LLVM's overloaded-intrinsic suffix for a type (i64, f64, v16i8, v2f64, f80)."""
    if isinstance(t, ir.VectorType):
        return f"v{t.count}{_mangle(t.element)}"
    if isinstance(t, ir.IntType):
        return f"i{t.width}"
    return {"double": "f64", "float": "f32", "x86_fp80": "f80", "half": "f16"}.get(str(t), str(t))
# cmp<pred>{ss,sd,ps,pd} go by mnemonic to the SSE compare (see liveness.SSE_CMP).


def semantic_of(insn):
    if SSE_CMP.match(insn.mnemonic):
        return SEMANTICS.get(X.X86_INS_CMPPS)
    return SEMANTICS.get(insn.id)


# Instructions that use an XMM register without naming it.
_IMPLICIT_XMM = {X.X86_INS_PBLENDVB, X.X86_INS_BLENDVPS, X.X86_INS_BLENDVPD, X.X86_INS_PCMPISTRM,
                 X.X86_INS_PCMPESTRM, X.X86_INS_FXSAVE, X.X86_INS_FXSAVE64, X.X86_INS_FXRSTOR,
                 X.X86_INS_FXRSTOR64}
