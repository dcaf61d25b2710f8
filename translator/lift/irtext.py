"""A lean LLVM IR text builder with the subset of llvmlite's IRBuilder API the lifter uses.

llvmlite.ir builds a Python object graph per instruction and formats it at the end, which
costs tens of microseconds per instruction; lifting emits millions. This builder appends
formatted lines to blocks directly (opaque pointers, byte-offset GEPs). Types and constants
are llvmlite's (``ir.IntType``, ``ir.Constant``...), so semantics are written exactly as
with llvmlite; only the builder and the module/function containers differ.
"""
from __future__ import annotations

from llvmlite import ir

VOID = ir.VoidType()


def tstr(t: ir.Type) -> str:
    """Type text, with every pointer opaque."""
    if isinstance(t, ir.PointerType):
        return "ptr"
    if isinstance(t, ir.VectorType) and isinstance(t.element, ir.PointerType):
        return f"<{t.count} x ptr>"
    return str(t)


class Value:
    __slots__ = ("type", "ref")

    def __init__(self, type_: ir.Type, ref: str):
        self.type = type_
        self.ref = ref

    def get_reference(self) -> str:
        return self.ref


class _ValueAt(Value):
    """A value that remembers the instruction defining it (for position_before/after)."""
    __slots__ = ("_instr",)


def ref(v) -> str:
    return v.get_reference()


def typed(v) -> str:
    return f"{tstr(v.type)} {v.get_reference()}"


class Instr:
    __slots__ = ("text", "weights", "block")

    def __init__(self, text: str):
        self.text = text
        self.weights = None
        self.block = None

    def set_weights(self, weights):
        self.weights = weights


class Phi(_ValueAt):
    __slots__ = ("incoming",)

    def __init__(self, type_, ref_):
        super().__init__(type_, ref_)
        self.incoming = []

    def add_incoming(self, value, block):
        self.incoming.append((value, block))


class PhiInstr(Instr):
    __slots__ = ("phi",)

    def __init__(self, phi: Phi):
        super().__init__("")
        self.phi = phi

    def render(self) -> str:
        inc = ", ".join(f"[{ref(v)}, %{blk.name}]" for v, blk in self.phi.incoming)
        return f"{self.phi.ref} = phi {tstr(self.phi.type)} {inc}"


class SwitchInstr(Instr):
    __slots__ = ("value", "default", "cases")

    def __init__(self, value, default):
        super().__init__("")
        self.value, self.default, self.cases = value, default, []

    def add_case(self, val, block):
        self.cases.append((val, block))

    def render(self) -> str:
        t = tstr(self.value.type)
        cases = " ".join(f"{t} {ref(v)}, label %{blk.name}" for v, blk in self.cases)
        return f"switch {typed(self.value)}, label %{self.default.name} [{cases}]"


class Block:
    __slots__ = ("name", "instrs", "terminator")

    def __init__(self, name: str):
        self.name = name
        self.instrs: list[Instr] = []
        self.terminator: Instr | None = None

    @property
    def is_terminated(self) -> bool:
        return self.terminator is not None


class Declaration:
    """A function known to the module: declared, or defined by a Function."""

    def __init__(self, module: "Module", name: str, ret: ir.Type, args: list[ir.Type],
                 attrs: str = "", meta: int = 0):
        self.module, self.name, self.ret, self.args, self.attrs = module, name, ret, args, attrs
        self.meta = meta        # trailing metadata parameters (constrained FP intrinsics)
        self.cconv = ""         # a calling convention for calls and the definition
        self.type = ir.PointerType(ir.FunctionType(ret, args))
        self.defined: "Function | None" = None

    def get_reference(self) -> str:
        return f"@{self.name}"

    def render_declare(self) -> str:
        args = ", ".join([tstr(a) for a in self.args] + ["metadata"] * self.meta)
        return f"declare {tstr(self.ret)} @{self.name}({args}){self.attrs}"


class Function:
    def __init__(self, decl: Declaration, arg_attrs: list[str], arg_names: list[str],
                 linkage: str = "", attrs: str = ""):
        self.decl = decl
        decl.defined = self
        self.linkage = linkage + " " if linkage else ""     # e.g. "private"
        self.attrs = attrs                                  # e.g. " noinline cold"
        self.args = [Value(t, f"%{n}") for t, n in zip(decl.args, arg_names)]
        self.arg_attrs = arg_attrs
        self.blocks: list[Block] = []
        self._names: dict[str, int] = {}
        self.counter = 0

    def append_basic_block(self, name: str) -> Block:
        """A new block.  Its label is the name's kind numbered in order of creation, never the
        guest address a name may end with: a function's text does not depend on where it sits
        in the guest, so the same code of two programs lifts to the same text (chunks.py)."""
        head, _, tail = name.rpartition("_")
        if head and tail and all(c in "0123456789abcdef" for c in tail):
            name = head
        k = self._names.get(name, 0)
        self._names[name] = k + 1
        blk = Block(f"{name}.{k}" if k else name)
        self.blocks.append(blk)
        return blk

    def render(self, out: list[str], attrs: str, weights: dict):
        d = self.decl
        params = ", ".join(f"{tstr(t)}{(' ' + a) if a else ''} {v.ref}"
                           for t, a, v in zip(d.args, self.arg_attrs, self.args))
        cc = d.cconv + " " if d.cconv else ""
        out.append(f"define {self.linkage}{cc}{tstr(d.ret)} @{d.name}({params}){self.attrs}{attrs} {{")
        for blk in self.blocks:
            out.append(f"{blk.name}:")
            for ins in blk.instrs:
                text = ins.render() if isinstance(ins, (PhiInstr, SwitchInstr)) else ins.text
                if ins.weights:
                    md = weights.setdefault(tuple(ins.weights), len(weights))
                    text += f", !prof !{md}"
                out.append("  " + text)
        out.append("}")


class Module:
    def __init__(self, name: str):
        self.name = name
        self.globals: dict[str, Declaration] = {}
        self.constants: list[str] = []
        self._lines: set[str] = set()       # module-level lines emitted once (word, external_array)

    def int_table(self, name: str, width: int, values: list[int]) -> Value:
        """A private constant array of i<width> (a lookup table); returns its address."""
        body = ", ".join(f"i{width} {v}" for v in values)
        self.constants.append(f"@{name} = private unnamed_addr constant [{len(values)} x i{width}] [{body}]")
        return Value(ir.PointerType(ir.IntType(width)), f"@{name}")

    def word(self, name: str) -> Value:
        """A private, zero-initialized i64 variable (e.g. an inline cache), declared once;
        its address."""
        line = f"@{name} = private global i64 0, align 8"
        if line not in self._lines:
            self._lines.add(line)
            self.constants.append(line)
        return Value(ir.PointerType(ir.IntType(64)), f"@{name}")

    def external_array(self, name: str, element: ir.Type) -> Value:
        """The address of an array defined elsewhere (by the runtime), declared once."""
        line = f"@{name} = external constant [0 x {tstr(element)}]"
        if line not in self._lines:
            self._lines.add(line)
            self.constants.append(line)
        return Value(ir.PointerType(element), f"@{name}")

    def declare(self, name: str, ret: ir.Type, args: list[ir.Type], attrs: str = "",
                meta: int = 0) -> Declaration:
        d = self.globals.get(name)
        if d is None:
            d = self.globals[name] = Declaration(self, name, ret, args, attrs, meta)
        return d

    def render(self, fn_attrs: str = "") -> str:
        out = [f"; ModuleID = '{self.name}'", *self.constants]
        for d in self.globals.values():
            if d.defined is None:
                out.append(d.render_declare())
        weights: dict[tuple, int] = {}
        for d in self.globals.values():
            if d.defined is not None:
                d.defined.render(out, fn_attrs, weights)
        for w, k in weights.items():
            out.append(f"!{k} = !{{!\"branch_weights\", {', '.join(f'i32 {x}' for x in w)}}}")
        return "\n".join(out) + "\n"


_ICMP_S = {"==": "eq", "!=": "ne", "<": "slt", "<=": "sle", ">": "sgt", ">=": "sge"}
_ICMP_U = {"==": "eq", "!=": "ne", "<": "ult", "<=": "ule", ">": "ugt", ">=": "uge"}
_FCMP_O = {"==": "oeq", "!=": "one", "<": "olt", "<=": "ole", ">": "ogt", ">=": "oge", "ord": "ord",
           "uno": "uno"}
_FCMP_U = {"==": "ueq", "!=": "une", "<": "ult", "<=": "ule", ">": "ugt", ">=": "uge", "ord": "ord",
           "uno": "uno"}


def _bool_type(t: ir.Type) -> ir.Type:
    if isinstance(t, ir.VectorType):
        return ir.VectorType(ir.IntType(1), t.count)
    return ir.IntType(1)


class Builder:
    def __init__(self, function: Function, block: Block | None = None):
        self.function = function
        self.block: Block | None = None
        self._at = 0
        if block is not None:
            self.position_at_end(block)

    # -- positioning -----------------------------------------------------------------------
    def position_at_end(self, block: Block):
        self.block = block
        self._at = len(block.instrs)

    def position_at_start(self, block: Block):
        self.block = block
        self._at = 0

    def _locate(self, instr) -> tuple[Block, int]:
        blk = instr.block
        for k in range(len(blk.instrs) - 1, -1, -1):
            if blk.instrs[k] is instr:
                return blk, k
        raise ValueError("instruction not in its block")

    def position_before(self, instr):
        self.block, self._at = self._locate(getattr(instr, "_instr", instr))

    def position_after(self, instr):
        blk, k = self._locate(getattr(instr, "_instr", instr))
        self.block, self._at = blk, k + 1

    # -- emission --------------------------------------------------------------------------
    def _name(self) -> str:
        f = self.function
        f.counter += 1
        return f"%v{f.counter}"

    def _emit(self, ins: Instr) -> Instr:
        ins.block = self.block
        self.block.instrs.insert(self._at, ins)
        self._at += 1
        return ins

    def _value(self, t: ir.Type, text: str) -> Value:
        name = self._name()
        v = _ValueAt(t, name)
        v._instr = self._emit(Instr(f"{name} = {text}"))
        return v

    def _terminate(self, text_or_instr) -> Instr:
        ins = text_or_instr if isinstance(text_or_instr, Instr) else Instr(text_or_instr)
        self._emit(ins)
        self.block.terminator = ins
        return ins

    # arithmetic and logic
    def _bin(self, op, a, b):
        return self._value(a.type, f"{op} {typed(a)}, {ref(b)}")

    def add(self, a, b, name=""): return self._bin("add", a, b)
    def sub(self, a, b, name=""): return self._bin("sub", a, b)
    def mul(self, a, b, name=""): return self._bin("mul", a, b)
    def udiv(self, a, b, name=""): return self._bin("udiv", a, b)
    def sdiv(self, a, b, name=""): return self._bin("sdiv", a, b)
    def urem(self, a, b, name=""): return self._bin("urem", a, b)
    def srem(self, a, b, name=""): return self._bin("srem", a, b)
    def and_(self, a, b, name=""): return self._bin("and", a, b)
    def or_(self, a, b, name=""): return self._bin("or", a, b)
    def xor(self, a, b, name=""): return self._bin("xor", a, b)
    def shl(self, a, b, name=""): return self._bin("shl", a, b)
    def lshr(self, a, b, name=""): return self._bin("lshr", a, b)
    def ashr(self, a, b, name=""): return self._bin("ashr", a, b)
    def fadd(self, a, b, name="", flags=()): return self._bin("fadd", a, b)
    def fsub(self, a, b, name="", flags=()): return self._bin("fsub", a, b)
    def fmul(self, a, b, name="", flags=()): return self._bin("fmul", a, b)
    def fdiv(self, a, b, name="", flags=()): return self._bin("fdiv", a, b)
    def frem(self, a, b, name="", flags=()): return self._bin("frem", a, b)

    def not_(self, v, name=""):
        return self._value(v.type, f"xor {typed(v)}, {ref(ir.Constant(v.type, -1) if not isinstance(v.type, ir.VectorType) else _all_ones(v.type))}")

    def neg(self, v, name=""):
        return self._value(v.type, f"sub {tstr(v.type)} {ref(ir.Constant(v.type, None))}, {ref(v)}")

    def fneg(self, v, name="", flags=()):
        return self._value(v.type, f"fneg {typed(v)}")

    # casts
    def _cast(self, op, v, t):
        if op == "bitcast" and isinstance(t, ir.PointerType) and isinstance(v.type, ir.PointerType):
            return _retype(v, t)
        if op in ("trunc", "zext", "sext", "bitcast") and str(v.type) == str(t):
            return v      # width-generic semantics may ask for a no-op cast
        return self._value(t, f"{op} {typed(v)} to {tstr(t)}")

    def trunc(self, v, t, name=""): return self._cast("trunc", v, t)
    def zext(self, v, t, name=""): return self._cast("zext", v, t)
    def sext(self, v, t, name=""): return self._cast("sext", v, t)
    def bitcast(self, v, t, name=""): return self._cast("bitcast", v, t)
    def inttoptr(self, v, t, name=""): return self._cast("inttoptr", v, t)
    def ptrtoint(self, v, t, name=""): return self._cast("ptrtoint", v, t)
    def fptosi(self, v, t, name=""): return self._cast("fptosi", v, t)
    def fptoui(self, v, t, name=""): return self._cast("fptoui", v, t)
    def sitofp(self, v, t, name=""): return self._cast("sitofp", v, t)
    def uitofp(self, v, t, name=""): return self._cast("uitofp", v, t)
    def fptrunc(self, v, t, name=""): return self._cast("fptrunc", v, t)
    def fpext(self, v, t, name=""): return self._cast("fpext", v, t)

    # comparisons and selection
    def icmp_signed(self, op, a, b, name=""):
        return self._value(_bool_type(a.type), f"icmp {_ICMP_S[op]} {typed(a)}, {ref(b)}")

    def icmp_unsigned(self, op, a, b, name=""):
        return self._value(_bool_type(a.type), f"icmp {_ICMP_U[op]} {typed(a)}, {ref(b)}")

    def fcmp_ordered(self, op, a, b, name="", flags=()):
        return self._value(_bool_type(a.type), f"fcmp {_FCMP_O[op]} {typed(a)}, {ref(b)}")

    def fcmp_unordered(self, op, a, b, name="", flags=()):
        return self._value(_bool_type(a.type), f"fcmp {_FCMP_U[op]} {typed(a)}, {ref(b)}")

    def select(self, c, a, b, name="", flags=()):
        return self._value(a.type, f"select {typed(c)}, {typed(a)}, {typed(b)}")

    # vectors and aggregates
    def extract_element(self, vec, idx, name=""):
        return self._value(vec.type.element, f"extractelement {typed(vec)}, {typed(idx)}")

    def insert_element(self, vec, val, idx, name=""):
        return self._value(vec.type, f"insertelement {typed(vec)}, {typed(val)}, {typed(idx)}")

    def shuffle_vector(self, a, b, mask, name=""):
        t = ir.VectorType(a.type.element, mask.type.count)
        return self._value(t, f"shufflevector {typed(a)}, {typed(b)}, {typed(mask)}")

    def extract_value(self, agg, idx, name=""):
        return self._value(agg.type.elements[idx], f"extractvalue {typed(agg)}, {idx}")

    def insert_value(self, agg, val, idx, name=""):
        return self._value(agg.type, f"insertvalue {typed(agg)}, {typed(val)}, {idx}")

    # memory
    def alloca(self, t, size=None, name=""):
        return self._value(ir.PointerType(t), f"alloca {tstr(t)}")

    def load(self, ptr, name="", align=None, typ=None, volatile=False, invariant=False):
        t = typ or ptr.type.pointee
        a = f", align {align}" if align else ""
        v = "volatile " if volatile else ""
        md = ", !invariant.load !{}" if invariant else ""
        return self._value(t, f"load {v}{tstr(t)}, ptr {ref(ptr)}{a}{md}")

    def store(self, value, ptr, align=None):
        a = f", align {align}" if align else ""
        return self._emit(Instr(f"store {typed(value)}, ptr {ref(ptr)}{a}"))

    def load_atomic(self, ptr, ordering: str, align: int, typ=None):
        t = typ or ptr.type.pointee
        return self._value(t, f"load atomic {tstr(t)}, ptr {ref(ptr)} {ordering}, align {align}")

    def store_atomic(self, value, ptr, ordering: str, align: int):
        return self._emit(Instr(f"store atomic {typed(value)}, ptr {ref(ptr)} {ordering}, align {align}"))

    def cmpxchg(self, ptr, cmp, new, ordering: str, failordering: str):
        """{old value, success}"""
        t = ir.LiteralStructType([cmp.type, ir.IntType(1)])
        return self._value(t, f"cmpxchg ptr {ref(ptr)}, {typed(cmp)}, {typed(new)} {ordering} {failordering}")

    def gep_bytes(self, base, offset: int, pointee: ir.Type):
        """Pointer ``offset`` bytes past ``base`` (typed for later loads and stores)."""
        return self._value(ir.PointerType(pointee),
                           f"getelementptr inbounds i8, ptr {ref(base)}, i64 {offset}")

    def gep_index(self, base, index):
        """&base[index] for a pointer to elements (index: i64)."""
        t = base.type.pointee
        return self._value(base.type, f"getelementptr inbounds {tstr(t)}, ptr {ref(base)}, {typed(index)}")

    def fence(self, ordering, targetscope=None, name=""):
        return self._emit(Instr(f"fence {ordering}"))

    # calls
    def call(self, fn, args, name="", cconv=None, tail=False, fastmath=(), attrs=(), arg_attrs=None,
             meta=()):
        """A call; ``meta`` are trailing metadata string arguments (constrained FP intrinsics).
        Every call is strictfp: lifted functions run in the guest's FP environment."""
        ret = fn.type.pointee.return_type
        argtext = ", ".join([typed(a) for a in args] + [f'metadata !"{m}"' for m in meta])
        cc = getattr(fn, "cconv", "") or cconv or ""
        text = f"{'tail ' if tail else ''}call {cc + ' ' if cc else ''}{tstr(ret)} {ref(fn)}({argtext}) strictfp"
        if isinstance(ret, ir.VoidType):
            ins = self._emit(Instr(text))
            v = _ValueAt(ret, "")
            v._instr = ins
            return v
        return self._value(ret, text)

    def asm(self, ret, template: str, constraints: str, args):
        """Inline assembly returning ret, touching no memory but the FP environment: like a
        constrained intrinsic it stays in place and alive (sideeffect), and guest loads and
        stores move freely around it (without the memory attribute LLVM would take it to
        read and write all memory: a loop-invariant load stayed in matmul's inner loop)."""
        argtext = ", ".join(typed(a) for a in args)
        return self._value(ret, f'call {tstr(ret)} asm sideeffect "{template}", "{constraints}"({argtext})'
                                ' strictfp nounwind memory(inaccessiblemem: readwrite)')

    # control flow
    def phi(self, t, name=""):
        p = Phi(t, self._name())
        ins = PhiInstr(p)
        p._instr = ins
        self._emit(ins)
        return p

    def branch(self, target):
        return self._terminate(f"br label %{target.name}")

    def cbranch(self, cond, t, f):
        return self._terminate(f"br {typed(cond)}, label %{t.name}, label %{f.name}")

    def switch(self, value, default):
        return self._terminate(SwitchInstr(value, default))

    def ret_void(self):
        return self._terminate("ret void")

    def ret(self, v):
        return self._terminate(f"ret {typed(v)}")

    def unreachable(self):
        return self._terminate("unreachable")


def _retype(v: Value, t: ir.Type) -> Value:
    out = _ValueAt(t, v.ref)
    out._instr = getattr(v, "_instr", None)
    return out


def _all_ones(t: ir.VectorType) -> ir.Constant:
    return ir.Constant(t, [ir.Constant(t.element, -1)] * t.count)
