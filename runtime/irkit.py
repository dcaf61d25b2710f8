"""Small helpers for writing runtime code with llvmlite's IR builder."""
from __future__ import annotations

from llvmlite import ir

I1, I8, I16, I32, I64 = (ir.IntType(n) for n in (1, 8, 16, 32, 64))
VOID = ir.VoidType()
P8 = I8.as_pointer()


def c64(v: int) -> ir.Constant:
    return ir.Constant(I64, v & 0xFFFF_FFFF_FFFF_FFFF)


def c32(v: int) -> ir.Constant:
    return ir.Constant(I32, v & 0xFFFF_FFFF)


class RuntimeModule:
    """The runtime's LLVM module with a registry of its functions and globals."""

    def __init__(self, name: str, backend):
        from runtime import abi
        self.module = ir.Module(name=name, context=ir.Context())
        self.backend = backend
        self.state_t = abi.state_type(self.module.context)
        self.state_p = self.state_t.as_pointer()
        # a lifted function's type (abi.CALL_ARGS, abi.CALL_RESULTS; call_lifted)
        self.fn_ret_t = abi.call_result_type()
        self.fn_t = ir.FunctionType(self.fn_ret_t, abi.call_arg_types(self.state_p))
        self.asm_lines: list[str] = []
        self._strings: dict[bytes, ir.GlobalVariable] = {}

    # -- definitions -----------------------------------------------------------------------
    def function(self, name: str, ret: ir.Type, args: list[ir.Type], internal=False,
                 noreturn=False) -> ir.Function:
        f = self.module.globals.get(name)
        if f is None:
            f = ir.Function(self.module, ir.FunctionType(ret, args), name)
        if internal:
            f.linkage = "internal"
        if noreturn:
            f.attributes.add("noreturn")
        return f

    def define(self, name: str, ret: ir.Type, args: list[ir.Type], **kw) -> tuple[ir.Function, ir.IRBuilder]:
        f = self.function(name, ret, args, **kw)
        b = ir.IRBuilder(f.append_basic_block("entry"))
        return f, b

    def global_var(self, name: str, ty: ir.Type, init=None, const=False, align=None,
                   internal=True) -> ir.GlobalVariable:
        g = ir.GlobalVariable(self.module, ty, name)
        g.initializer = init if init is not None else ir.Constant(ty, None)
        g.global_constant = const
        if internal:
            g.linkage = "internal"
        if align:
            g.align = align
        return g

    def cstring(self, text: bytes | str) -> ir.Value:
        """A pointer (i8*) to a constant NUL-terminated string."""
        data = text.encode() if isinstance(text, str) else text
        g = self._strings.get(data)
        if g is None:
            arr = ir.ArrayType(I8, len(data) + 1)
            g = self.global_var(f"str.{len(self._strings)}", arr,
                                ir.Constant(arr, bytearray(data + b"\0")), const=True)
            self._strings[data] = g
        return g.bitcast(P8)

    def extern(self, name: str, element: ir.Type) -> ir.GlobalVariable:
        """A table of the program's data (runtime/build.py program_asm), [0 x element]: the
        runtime's code is the same for every program, its data is assembled per program."""
        g = self.module.globals.get(name)
        if g is None:
            g = self.extern_scalar(name, ir.ArrayType(element, 0))
        return g

    def extern_scalar(self, name: str, ty: ir.Type) -> ir.GlobalVariable:
        """A global the program's data defines; hidden, so the code addresses it directly
        (through the GOT, a static link relaxes the access to a 32-bit absolute address,
        and the runtime lives above 4 GiB)."""
        g = ir.GlobalVariable(self.module, ty, name)
        g.storage_class = "hidden"
        return g

    def field(self, b: ir.IRBuilder, state: ir.Value, name: str) -> ir.Value:
        from runtime import abi
        return abi.field_ptr(b, state, name)

    def call_lifted(self, b: ir.IRBuilder, fn: ir.Value, state: ir.Value, entry: ir.Value,
                    tail: bool = False) -> ir.Value:
        """Enter a lifted function from the runtime: State is complete here, and the
        registers the convention passes are copies of its values (abi.CALL_ARGS)."""
        from runtime import abi
        args = [b.load(self.field(b, state, n)) for n in abi.CALL_ARGS]
        return b.call(fn, [state, entry] + args, tail=tail)

    def state_results(self, b: ir.IRBuilder, state: ir.Value) -> ir.Value:
        """A lifted function's result made of State's values (abi.CALL_RESULTS), for a
        runtime function that leaves like one without having entered one."""
        from runtime import abi
        v = ir.Constant(self.fn_ret_t, None)
        for k, n in enumerate(abi.CALL_RESULTS):
            v = b.insert_value(v, b.load(self.field(b, state, n)), k)
        return v

    def text(self) -> str:
        return str(self.module) + "\n" + module_asm(self.asm_lines)


def asm_escape(line: str) -> str:
    """A line of assembly as the text of an LLVM IR string (quotes and backslashes as \\XX)."""
    return line.replace("\\", "\\5C").replace('"', "\\22")


def module_asm(lines) -> str:
    """Lines of assembly as LLVM IR module-level asm."""
    return "".join(f'module asm "{asm_escape(line)}"\n' for line in lines)


def asm_unescape(text: str) -> str:
    return text.replace("\\22", '"').replace("\\5C", "\\")


class Asm:
    """Assembly text of the program's data tables (GNU syntax, the same on every host)."""

    def __init__(self):
        self.lines: list[str] = []
        self._labels = 0

    def section(self, name: str, kind: str = "rodata") -> None:
        flags = {"rodata": '"a",@progbits', "data": '"aw",@progbits', "bss": '"aw",@nobits'}[kind]
        self.lines.append(f".section {name},{flags}")

    def label(self, name: str, align: int = 8) -> None:
        self.lines += [f".balign {align}", f".globl {name}", f".hidden {name}", f"{name}:"]

    def table(self, name: str, values, width: int = 8, align: int = 8) -> None:
        """name: values as words of ``width`` bytes (ints or symbol names); an empty table
        still gets one zero word, so every table has an address."""
        self.label(name, align)
        directive = {8: ".quad", 4: ".long"}[width]
        vals = [str(v) if isinstance(v, str) else str(v & ((1 << 8 * width) - 1)) for v in values] or ["0"]
        for k in range(0, len(vals), 16):
            self.lines.append(f"{directive} {','.join(vals[k:k + 16])}")

    def string(self, data: bytes) -> str:
        """A local label of the NUL-terminated bytes (in the current section)."""
        self._labels += 1
        name = f".Lstr{self._labels}"
        self.lines += [f"{name}:", ".byte " + ",".join(str(c) for c in data + b"\0")]
        return name

    def incbin(self, name: str, path: str, end: str | None = None, align: int = 16) -> None:
        self.label(name, align)
        self.lines.append('.incbin "' + path.replace("\\", "\\\\").replace('"', '\\"') + '"')
        if end:
            self.label(end, 1)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


_COFF_SECTIONS = {'"a",@progbits': '.rdata,"dr"', '"aw",@progbits': '.data,"dw"', '"aw",@nobits': '.bss,"bw"'}


def coff_asm(text: str) -> str:
    """Asm's text (ELF directives) for a COFF object: each section becomes the standard one
    of its kind (.rdata, .data, .bss: PE section names are short, and the linker orders by
    name), and symbol visibility goes (a PE executable exports nothing)."""
    out = []
    for line in text.splitlines():
        if line.startswith(".hidden "):
            continue
        flags = line.split(",", 1)[1] if line.startswith(".section ") and "," in line else None
        if flags in _COFF_SECTIONS:
            line = ".section " + _COFF_SECTIONS[flags]
        out.append(line)
    return "\n".join(out) + "\n"


def if_then(b: ir.IRBuilder, cond: ir.Value):
    """``with if_then(b, c):`` — llvmlite's if_then, re-exported for brevity."""
    return b.if_then(cond)


def loop_advance(b: ir.IRBuilder, limit: ir.Value, body):
    """off = 0; while off < limit (unsigned): off += body(b, off) — off is i64, and body
    returns the step (i64), e.g. the bytes a write took or a record's length."""
    head = b.append_basic_block("loop_head")
    step = b.append_basic_block("loop_body")
    done = b.append_basic_block("loop_done")
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    off = b.phi(I64)
    off.add_incoming(c64(0), pre)
    b.cbranch(b.icmp_unsigned("<", off, limit), step, done)
    b.position_at_end(step)
    n = body(b, off)
    off.add_incoming(b.add(off, n), b.block)
    b.branch(head)
    b.position_at_end(done)


def loop_range(b: ir.IRBuilder, count: ir.Value, body):
    """for i in range(count): body(b, i) — i is i64."""
    def once(b, i):
        body(b, i)
        return c64(1)
    loop_advance(b, count, once)


def call_extern(b: ir.IRBuilder, name: str, ret: ir.Type, args: list[ir.Value]) -> ir.Value:
    """A call of the function ``name`` (declared in b's module on first use), e.g. a helper
    of a backend's module-level asm or a host provider's C function."""
    module = b.function.module
    f = module.globals.get(name)
    if f is None:
        f = ir.Function(module, ir.FunctionType(ret, [a.type for a in args]), name)
    return b.call(f, args)


def call_syscall_function(b: ir.IRBuilder, name: str, nr, args) -> ir.Value:
    """A host system call made by calling ``name``(nr, a0..a5) (i64 each; missing arguments
    are 0); returns its i64 result."""
    if isinstance(nr, int):
        nr = c64(nr)
    args = [a if a.type == I64 else b.zext(a, I64) for a in args]
    args += [c64(0)] * (6 - len(args))
    return call_extern(b, name, I64, [nr, *args])
