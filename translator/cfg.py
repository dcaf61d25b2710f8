"""Stage 2: code discovery with capstone.

Roots: the entry point, FUNC symbols, init/fini arrays, IRELATIVE resolvers, ``.eh_frame``
FDE starts, 8-byte values in data that point into executable segments, and code addresses
taken by rip-relative ``lea`` or by immediates. C++ landing pads (from the FDEs' LSDAs) are
resume points of the function whose FDE holds them: only the unwinder jumps there.
Recursive descent from the roots, one Function per entry; jump tables are recovered by
translator.jumptables. Symbols are a bonus: stripped binaries work the same.
"""
from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Iterator

import capstone
from capstone import x86

from translator.ehframe import EhInfo, parse_eh
from translator.image import Image
from translator.jumptables import JumpTable, recover_jump_table

X = x86
JCC = {X.X86_INS_JAE, X.X86_INS_JA, X.X86_INS_JBE, X.X86_INS_JB, X.X86_INS_JE, X.X86_INS_JGE,
       X.X86_INS_JG, X.X86_INS_JLE, X.X86_INS_JL, X.X86_INS_JNE, X.X86_INS_JNO, X.X86_INS_JNP,
       X.X86_INS_JNS, X.X86_INS_JO, X.X86_INS_JP, X.X86_INS_JS, X.X86_INS_JRCXZ, X.X86_INS_JECXZ,
       X.X86_INS_LOOP, X.X86_INS_LOOPE, X.X86_INS_LOOPNE}
TRAPS = {X.X86_INS_HLT, X.X86_INS_UD2, X.X86_INS_INT3, X.X86_INS_INT1, X.X86_INS_UD1,
         X.X86_INS_UD0}
JUMPS = JCC | {X.X86_INS_JMP, X.X86_INS_LJMP}
CALLS = {X.X86_INS_CALL, X.X86_INS_LCALL}
# A syscall ends its block, and the next instruction is a resume point: a new thread (clone)
# and a signal handler's sigreturn continue there through the dispatcher.
SYSCALLS = {X.X86_INS_SYSCALL}
RETS = {X.X86_INS_RET, X.X86_INS_RETF, X.X86_INS_RETFQ, X.X86_INS_IRET, X.X86_INS_IRETD,
        X.X86_INS_IRETQ, X.X86_INS_SYSRET}
ENDS = JUMPS | CALLS | RETS | TRAPS | SYSCALLS
# Instructions no user-mode x86-64 compiler or libc emits: decoding one means the bytes are
# data, so a speculative code address that leads to one is rejected.
IMPLAUSIBLE = {X.X86_INS_IN, X.X86_INS_INSB, X.X86_INS_INSW, X.X86_INS_INSD, X.X86_INS_OUT,
               X.X86_INS_OUTSB, X.X86_INS_OUTSW, X.X86_INS_OUTSD, X.X86_INS_CLI, X.X86_INS_STI,
               X.X86_INS_IRET, X.X86_INS_IRETD, X.X86_INS_IRETQ, X.X86_INS_RETF, X.X86_INS_RETFQ,
               X.X86_INS_LJMP, X.X86_INS_LCALL, X.X86_INS_INTO, X.X86_INS_SYSENTER,
               X.X86_INS_SYSEXIT, X.X86_INS_SYSRET, X.X86_INS_LGDT, X.X86_INS_LIDT,
               X.X86_INS_LLDT, X.X86_INS_LMSW, X.X86_INS_CLTS, X.X86_INS_INVD, X.X86_INS_WBINVD,
               X.X86_INS_RDMSR, X.X86_INS_WRMSR, X.X86_INS_ENTER}


def implausible(i) -> bool:
    if i.id in IMPLAUSIBLE or "riz" in i.op_str or (i.id == X.X86_INS_INT and i.op_str != "0x80"):
        return True
    return any(r.startswith("mm") for r in i.op_str.replace(",", " ").split())

# Block terminators.
T_FALL = "fall"          # falls into the next block (a leader cut it)
T_JCC = "jcc"            # conditional branch: succs = [taken, fallthrough]
T_JMP = "jmp"            # direct jump inside the function
T_TAIL = "tail"          # direct jump (or fallthrough) to another function's entry
T_CALL = "call"          # direct or indirect call; succs = [return site] (a block, or
                         # another function's named entry: a tail after the return)
T_SYSCALL = "syscall"    # syscall; succs = [next instruction], a resume point (or as T_CALL)
T_RET = "ret"
T_IND = "indirect"       # indirect jump; jump table in Function.jump_tables if recovered
T_TRAP = "trap"          # hlt, ud2, int3: the guest dies here
T_BAD = "bad"            # undecodable bytes: the guest dies if it gets here


@dataclasses.dataclass
class Block:
    start: int
    insns: list            # Insn (translator/cfg.py): decoded once, capstone's detail on demand
    term: str
    succs: list[int]       # successor block starts (for T_TAIL: the callee entry)

    @property
    def end(self) -> int:
        if not self.insns:
            return self.start
        last = self.insns[-1]
        return last.address + last.size


@dataclasses.dataclass
class Function:
    entry: int
    name: str
    blocks: dict[int, Block]
    resume: list[int]                  # mid-function entry points (return sites, loop heads...)
    jump_tables: dict[int, JumpTable]  # keyed by the address of the indirect jmp

    @property
    def ninsns(self) -> int:
        return sum(len(b.insns) for b in self.blocks.values())


@dataclasses.dataclass
class CFG:
    image: Image
    functions: dict[int, Function]
    undecodable: list[int]
    # function entry -> the callee-saved registers it gives back unchanged (preserved.py)
    preserved: dict[int, frozenset] = dataclasses.field(default_factory=dict)

    def dispatch_entries(self) -> dict[int, tuple[int, int]]:
        """Guest address -> (function entry, resume index; 0 = the entry itself)."""
        out: dict[int, tuple[int, int]] = {}
        for f in self.functions.values():
            out[f.entry] = (f.entry, 0)
        for f in sorted(self.functions.values(), key=lambda f: f.entry):
            for i, a in enumerate(f.resume, 1):
                out.setdefault(a, (f.entry, i))
        return out


class Insn:
    """One decoded instruction, small: what discovery reads most (address, size, id,
    mnemonic, operand text, bytes) as plain attributes, and every other attribute of
    capstone's instruction (operands, regs_access, prefixes...) from a decode of its bytes
    with capstone's detail, made when first asked for (or for a whole block at once,
    with_details).  A module's CFG holds every instruction until its translation ends:
    capstone's own objects, each with its detail, take about ten times the memory."""
    __slots__ = ("address", "size", "id", "mnemonic", "op_str", "bytes", "_full")

    def __init__(self, cs_insn):
        self.address = cs_insn.address
        self.size = cs_insn.size
        self.id = cs_insn.id
        self.mnemonic = sys.intern(cs_insn.mnemonic)
        self.op_str = cs_insn.op_str
        self.bytes = bytes(cs_insn.bytes)
        self._full = None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._full is None:
            self._full = next(_detail_md().disasm(self.bytes, self.address, 1))
        return getattr(self._full, name)

    def __repr__(self) -> str:
        return f"<{self.address:#x}: {self.mnemonic} {self.op_str}>"


@functools.cache
def _detail_md():
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.detail = True
    return md


def with_details(insns: list[Insn]) -> None:
    """Decode the details of consecutive instructions (a block's) in one call to capstone."""
    todo = [i for i in insns if i._full is None]
    if not todo:
        return
    if any(b.address != a.address + a.size for a, b in zip(todo, todo[1:])):
        return      # each is decoded when first asked for
    for i, f in zip(todo, _detail_md().disasm(b"".join(i.bytes for i in todo), todo[0].address)):
        i._full = f


def drop_details(insns: list[Insn]) -> None:
    """Forget the instructions' details (a lifted function's: a worker lifts many functions,
    and their details would stay with it)."""
    for i in insns:
        i._full = None


class Decoder:
    """Decodes instructions from the image once each (Insn)."""

    def __init__(self, image: Image):
        self.image = image
        self.md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        self.cache: dict[int, Insn] = {}
        self.bad: set[int] = set()

    def at(self, addr: int) -> Insn | None:
        """The instruction at addr, or None if the bytes do not decode."""
        insn = self.cache.get(addr)
        if insn is not None or addr in self.bad:
            return insn
        seg = self.image.segment_at(addr)
        if seg is None or not seg.executable or addr >= seg.vaddr + len(seg.data):
            self.bad.add(addr)
            return None
        off = addr - seg.vaddr
        # Decode a run at once: capstone's per-call overhead dominates single decodes.
        for n, i in enumerate(self.md.disasm(seg.data[off:off + 1024], addr)):
            if i.address in self.cache or n >= 96:
                break
            self.cache[i.address] = Insn(i)
        insn = self.cache.get(addr)
        if insn is None:
            self.bad.add(addr)
        return insn


def _is_terminator(i) -> bool:
    return i.id in ENDS


def _imm_target(i) -> int | None:
    """The immediate target of a direct branch or call, else None."""
    text = i.op_str
    if text.startswith("0x") and " " not in text:
        return int(text, 16) & 0xFFFF_FFFF_FFFF_FFFF     # cheaper than capstone's details
    if not text[:1].isdigit():
        return None     # a register or memory operand
    ops = i.operands
    if len(ops) == 1 and ops[0].type == X.X86_OP_IMM:
        return ops[0].imm & 0xFFFF_FFFF_FFFF_FFFF
    return None


def code_refs(i, image: Image) -> Iterator[int]:
    """Code addresses an instruction takes: rip-relative lea and immediates.

    Works on the operand text, which is cheap; capstone's operand details are not.
    """
    if i.id in JUMPS or i.id in CALLS:
        return
    text = i.op_str
    if i.id == X.X86_INS_LEA:
        k = text.find("[rip ")
        if k >= 0 and "*" not in text:
            rest = text[k + 5:-1].split()
            if len(rest) == 2:
                d = int(rest[1], 16)
                t = i.address + i.size + (d if rest[0] == "+" else -d)
                if image.is_code(t):
                    yield t
        return
    if "0x" not in text:
        return
    for part in text.split(", "):
        if part.startswith("0x") and len(part) >= 6:
            v = int(part, 16)
            if v >= 0x1000 and image.is_code(v):
                yield v


class Discovery:
    def __init__(self, image: Image, loop_heads: bool = False):
        self.image = image
        self.loop_heads = loop_heads      # make loop heads resume points (--signal-polls)
        self.dec = Decoder(image)
        self.entries: set[int] = set()
        self.functions: dict[int, Function] = {}
        self._eh: EhInfo | None = None
        self._anchors: set[int] | None = None

    # -- roots -------------------------------------------------------------------------
    @property
    def eh(self) -> EhInfo:
        """The FDEs and landing pads of .eh_frame (read once)."""
        if self._eh is None:
            self._eh = parse_eh(self.image)
        return self._eh

    def certain_roots(self) -> list[int]:
        img = self.image
        roots = [img.entry, *img.symbols, *img.init_array, *img.fini_array,
                 *(r for _, r in img.irelative), *self.eh.fde_starts,
                 *(v for _, v in img.lazy_slots)]     # PLT entries ld.so binds lazily
        return [r for r in roots if img.is_code(r)]

    def data_pointer_roots(self) -> list[int]:
        img = self.image
        out = []
        if img.pie:
            out = [v for _, v in img.relative if img.is_code(v)]
        else:
            for s in img.segments:
                if s.executable:
                    continue
                data = s.data
                start = (-s.vaddr) % 8
                for off in range(start, len(data) - 7, 8):
                    v = int.from_bytes(data[off:off + 8], "little")
                    if v and img.is_code(v):
                        out.append(v)
        return out

    def plausible(self, addr: int) -> bool:
        """A speculative code address is kept when its first block decodes to instructions
        compilers emit (no traps, privileged or MMX instructions)."""
        a = addr
        for _ in range(64):
            i = self.dec.at(a)
            if i is None or i.id in TRAPS or implausible(i):
                return False
            if _is_terminator(i):
                return True
            a += i.size
        return True

    def junk(self, f: Function, owner) -> bool:
        """Whether a function found from a speculative code address is data read as code: it
        reaches an instruction no user-mode program executes (in, out, far returns, int n),
        or decodes out of step with known code (an instruction that starts inside one of
        theirs).  Its first block passed plausible(); this looks at all of it."""
        for b in f.blocks.values():
            for i in b.insns:
                if implausible(i):
                    return True
                if i.address not in owner and inside_insn(self.dec, owner, i.address):
                    return True
        return False

    # -- one function ------------------------------------------------------------------
    def explore(self, entry: int, spec_out: set[int], call_out: set[int],
                extra: set[int] = frozenset()) -> Function:
        """One function: its blocks from entry (and the absorbed resume points in extra).
        Code pointers it takes go to spec_out, direct call targets to call_out.

        An unbounded jump table read past its end gives targets inside the instructions of
        real code: the table is cut before the first such entry and the function explored
        again (each round shortens a table, so this ends)."""
        limits: dict[int, int] = {}
        while True:
            spec: set[int] = set()
            calls: set[int] = set()
            f = self._explore(entry, spec, calls, extra, limits)
            cut = {}
            starts = {i.address for b in f.blocks.values() for i in b.insns}
            for jt in f.jump_tables.values():
                if not jt.bounded:
                    for k, t in enumerate(jt.targets):
                        if inside_insn(self.dec, starts, t):
                            cut[jt.jump_at] = k
                            break
            if not cut:
                spec_out |= spec
                call_out |= calls
                return f
            limits.update(cut)

    def _explore(self, entry: int, spec_out: set[int], call_out: set[int], extra,
                 limits: dict[int, int]) -> Function:
        leaders = {entry, *extra}
        work = [entry, *sorted(extra)]
        seen_insn: set[int] = set()
        pred: dict[int, int | None] = {entry: None}
        jump_tables: dict[int, JumpTable] = {}
        resume: list[int] = sorted(extra)
        for x in extra:
            pred.setdefault(x, None)
        deferred: list = []     # indirect jumps no table was found for yet

        def add_table(i, jt):
            jump_tables[i.address] = jt
            for t in jt.targets:
                pred.setdefault(t, i.address)
                if t not in leaders:
                    leaders.add(t)
                    work.append(t)
                if t not in resume:
                    resume.append(t)

        while work or deferred:
            if not work:
                # Everything reachable is decoded: retry the jumps whose table base may be
                # set up in code seen only later (before a loop the jump is in).
                retry, deferred = deferred, []
                preds = self._insn_preds(seen_insn, jump_tables)
                for i in retry:
                    jt = recover_jump_table(self, entry, i, pred, preds, limits.get(i.address))
                    if jt is not None:
                        add_table(i, jt)
                if not work:
                    break
                continue
            a = work.pop()
            while True:
                if a in seen_insn:
                    break
                i = self._code_at(a)
                if i is None:
                    break
                seen_insn.add(a)
                for r in code_refs(i, self.image):
                    spec_out.add(r)
                nxt = a + i.size
                if i.id in JCC:
                    t = _imm_target(i)
                    for s in (t, nxt):
                        if s is not None and s not in leaders:
                            leaders.add(s)
                            pred.setdefault(s, a)
                            work.append(s)
                    break
                if i.id in CALLS or i.id in SYSCALLS:
                    t = _imm_target(i) if i.id in CALLS else None
                    if t is not None:
                        call_out.add(t)
                    if nxt != entry and nxt in self.anchors:
                        # It returns (if it does) into code the file names as another
                        # function's entry, such as the next .cold fragment after a call of
                        # _Unwind_Resume: a tail into it (FunctionLifter.resume_after), not
                        # part of this function, so a function's extent never depends on
                        # what the linker put after it.
                        break
                    if nxt not in leaders:
                        leaders.add(nxt)
                        pred.setdefault(nxt, None)
                        work.append(nxt)
                    resume.append(nxt)
                    break
                if i.id in JUMPS:
                    t = _imm_target(i)
                    if t is not None:
                        if t not in self.entries and t not in leaders:
                            leaders.add(t)
                            pred.setdefault(t, a)
                            work.append(t)
                    else:
                        jt = recover_jump_table(self, entry, i, pred, limit=limits.get(i.address))
                        if jt is not None:
                            add_table(i, jt)
                        else:
                            deferred.append(i)
                    break
                if i.id in RETS or i.id in TRAPS:
                    break
                if nxt in self.entries and nxt != entry:
                    break   # falls into another function: a tail jump
                a = nxt
        blocks = self._cut_blocks(entry, leaders, jump_tables)
        if self.loop_heads:
            # a loop's head is a resume point: a pending signal makes the back edge leave to
            # the dispatcher, which delivers it and comes back here (FunctionLifter.edge)
            resume += [s for blk in blocks.values() if blk.term in (T_JMP, T_JCC)
                       for s in blk.succs if s <= blk.start]
        resume = [r for r in dict.fromkeys(resume) if r in blocks]
        return Function(entry, self.image.symbols.get(entry, f"fn_{entry:x}"), blocks, resume,
                        jump_tables)

    @property
    def anchors(self) -> set[int]:
        """Addresses known to start code from the file's own records: the certain roots
        (symbols, entry, DT_INIT/DT_FINI and their arrays, IRELATIVE resolvers, FDE starts,
        PLT entries).  Entries found by heuristics are not among them: one may itself be the
        mistake."""
        if self._anchors is None:
            self._anchors = set(self.certain_roots())
        return self._anchors

    def _code_at(self, a: int):
        """The instruction at a, or None where there is none to run: undecodable bytes, or an
        instruction that would run into an anchor (the padding after a call that does not
        return, decoded together with the next function's or section's first bytes, such as
        .fini after a library's last __stack_chk_fail call)."""
        i = self.dec.at(a)
        if i is not None and i.size > 1:
            anchors = self.anchors
            if any(a + k in anchors for k in range(1, i.size)):
                return None
        return i

    def _insn_preds(self, seen: set[int], jump_tables: dict[int, JumpTable]) -> dict[int, list[int]]:
        """Instruction -> the function's instructions that can execute just before it."""
        preds: dict[int, list[int]] = {}
        for a in seen:
            i = self.dec.at(a)
            nxt = a + i.size
            if i.id in JCC:
                succ = [_imm_target(i), nxt]
            elif i.id in JUMPS:
                jt = jump_tables.get(a)
                succ = [_imm_target(i)] if jt is None else jt.targets
            elif i.id in RETS or i.id in TRAPS:
                succ = []
            else:
                succ = [nxt]
            for t in succ:
                if t in seen:
                    preds.setdefault(t, []).append(a)
        return preds

    def _cut_blocks(self, entry, leaders, jump_tables) -> dict[int, Block]:
        blocks: dict[int, Block] = {}
        for start in sorted(leaders):
            insns = []
            a = start
            term, succs = T_FALL, []
            while True:
                i = self._code_at(a)
                if i is None:
                    term = T_BAD
                    break
                insns.append(i)
                nxt = a + i.size
                if i.id in JCC:
                    term, succs = T_JCC, [_imm_target(i), nxt]
                    break
                if i.id in CALLS:
                    term, succs = T_CALL, [nxt]
                    break
                if i.id in SYSCALLS:
                    term, succs = T_SYSCALL, [nxt]
                    break
                if i.id in JUMPS:
                    t = _imm_target(i)
                    if t is None:
                        term = T_IND
                        jt = jump_tables.get(i.address)
                        succs = list(dict.fromkeys(jt.targets)) if jt else []
                    elif t in self.entries and t != entry:
                        term, succs = T_TAIL, [t]
                    else:
                        term, succs = T_JMP, [t]
                    break
                if i.id in RETS:
                    term = T_RET
                    break
                if i.id in TRAPS:
                    term = T_TRAP
                    break
                if nxt in self.entries and nxt != entry:
                    term, succs = T_TAIL, [nxt]
                    break
                if nxt in leaders:
                    term, succs = T_FALL, [nxt]
                    break
                a = nxt
            if term == T_BAD and not insns:
                blocks[start] = Block(start, [], T_BAD, [])
                continue
            blocks[start] = Block(start, insns, term, succs)
        return blocks

    def _indirect_spans(self) -> list[tuple[int, int, int]]:
        """Address ranges of functions with indirect jumps that no jump table explains:
        code pointers inside them are computed-goto labels of that function.  A range runs
        to the end of the function's FDE when it has one: its labels may all lie past the
        code decoded so far (in a PIE, the label table is filled by relocations, so the
        first computed goto is all that is decoded before the labels are known)."""
        spans = []
        for f in self.functions.values():
            if any(b.term == T_IND and not b.succs for b in f.blocks.values()):
                hi = max(b.end for b in f.blocks.values())
                fde = self.eh.fde_containing(f.entry)
                if fde is not None and fde[0] == f.entry:
                    hi = max(hi, fde[1])
                spans.append((f.entry, hi, f.entry))
        return spans

    # -- whole program -----------------------------------------------------------------
    def run(self) -> CFG:
        certain = self.certain_roots()
        spec: set[int] = set(self.data_pointer_roots())
        self.entries = set(certain)
        extra: dict[int, set[int]] = {}        # function entry -> absorbed code pointers
        for pad in filter(self.image.is_code, self.eh.landing_pads):
            # Certain, as the unwinder jumps there: a resume point of its FDE's function
            # (an entry of its own when no discovered FDE holds it).
            fde = self.eh.fde_containing(pad)
            if fde is not None and fde[0] in self.entries and fde[0] != pad:
                extra.setdefault(fde[0], set()).add(pad)
            else:
                self.entries.add(pad)
        queue = sorted(self.entries)
        rejected: set[int] = set()
        owner: dict[int, int] = {}             # instruction address -> first function owning it
        done: set[int] = set()
        def explore_now(e, speculative=False):
            nonlocal spec
            done.add(e)
            new_spec: set[int] = set()
            calls: set[int] = set()
            f = self.explore(e, new_spec, calls, extra.get(e, set()))
            if speculative and self.junk(f, owner):
                self.entries.discard(e)
                return
            self.functions[e] = f
            for b in f.blocks.values():
                for i in b.insns:
                    owner.setdefault(i.address, e)
            for c in sorted(calls):
                if c not in self.entries and self.image.is_code(c) and self.dec.at(c) is not None:
                    self.entries.add(c)
                    queue.append(c)
            spec |= new_spec

        while True:
            while queue:
                e = queue.pop(0)
                if e not in done:
                    explore_now(e)
            pending = sorted(a for a in spec if a not in self.entries and a not in rejected)
            if not pending:
                break
            spans = self._indirect_spans()
            for a in pending:
                rejected.add(a)      # each speculative root is considered once
                o = owner.get(a)
                if o is None and inside_insn(self.dec, owner, a):
                    continue     # mid-instruction of known code: not a code address
                if o is None and self.plausible(a):
                    o = _span_owner(spans, a)
                if o is not None:
                    # A code pointer inside a known function (a jump-table or computed-goto
                    # label): make it a resume point of that function, not a new function.
                    if a not in self.functions[o].blocks or a not in self.functions[o].resume:
                        extra.setdefault(o, set()).add(a)
                        done.discard(o)
                        queue.append(o)
                elif self.plausible(a):
                    # Explore now, so later roots that this one reaches are absorbed.
                    self.entries.add(a)
                    explore_now(a, speculative=True)
            queue = sorted(set(queue))
        undecodable = sorted({b.start for f in self.functions.values() for b in f.blocks.values()
                              if b.term == T_BAD})
        funcs = {e: self.functions[e] for e in sorted(self.functions)}
        return CFG(self.image, funcs, undecodable)


def inside_insn(dec: Decoder, starts, a: int) -> bool:
    """Whether a lies strictly inside one of the instructions starting at ``starts`` (a may
    itself start an instruction too: a decode out of step with real code)."""
    return any(a - k in starts and dec.at(a - k).size > k for k in range(1, 15))


def _span_owner(spans: list[tuple[int, int, int]], a: int) -> int | None:
    for lo, hi, e in spans:
        if lo <= a < hi:
            return e
    return None


def discover(image: Image, loop_heads: bool = False) -> CFG:
    from translator.preserved import summarize
    cfg = Discovery(image, loop_heads).run()
    cfg.preserved = summarize(cfg)
    return cfg
