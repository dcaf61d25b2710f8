"""Test case entries: one `case(...)` line per instruction form.

    case("adc eax, ebx", inputs=("rax", "rbx", "flags"))
    case("add byte ptr [rdi+3], ah", inputs=("rax", "mem", "flags"), undefined_flags="")
    case("bsf eax, ebx", inputs=("rbx", "flags"), undefined_flags="cf of sf af pf",
         undefined_regs=lambda s: "rax" if s.get("rbx") & 0xffffffff == 0 else "")

text             Intel syntax as keystone reads it; several instructions separated by ";".
                 `[rip + data+N]` addresses DATA+N rip-relatively (the harness computes the
                 displacement, keystone gets a plain number); `fs:[N]` is DATA+N (fs base = DATA).
inputs           locations filled with edge and seeded random values:
                   a GPR name ("rax"; the width and byte position, e.g. ah, come from the text),
                   "flags" (CF PF AF ZF SF OF), "mem" (the memory operand, or the whole region),
                   "stack" (the stack area), "xmm0".."xmm15", "mxcsr" (rounding mode and FTZ/DAZ).
undefined_flags  flags the Intel manual leaves undefined: "af of", or a function of the input
                 State returning such a string.
undefined_regs   registers whose result the manual leaves undefined (same two forms).
fixed            register -> value, or a sequence of values used in turn across inputs.
                 Registers inside [...] (except in lea) are fixed automatically: the base to
                 DATA, an index to 1, unless given here.
width            operand width for inputs the text does not name (implicit operands).
elem             XMM lane kind for edge values: i8 i16 i32 i64 f32 f64 (default i8).
df               initial direction flag.
n                number of inputs (at least 16).
prepare          function(State, random.Random) adjusting a generated input (e.g. no #DE).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

from .layout import DATA, FS_BASE, GPRS, XMMS

MIN_INPUTS = 16
DEFAULT_INPUTS = 24

Undefined = Union[str, Callable[["object"], str]]

# alias -> (64-bit register, width in bits, bit shift)
REG_ALIASES: dict[str, tuple[str, int, int]] = {}
for _r, _e, _x, _l, _h in (("rax", "eax", "ax", "al", "ah"), ("rcx", "ecx", "cx", "cl", "ch"),
                           ("rdx", "edx", "dx", "dl", "dh"), ("rbx", "ebx", "bx", "bl", "bh")):
    REG_ALIASES.update({_r: (_r, 64, 0), _e: (_r, 32, 0), _x: (_r, 16, 0), _l: (_r, 8, 0),
                        _h: (_r, 8, 8)})
for _r, _e, _x, _l in (("rsp", "esp", "sp", "spl"), ("rbp", "ebp", "bp", "bpl"),
                       ("rsi", "esi", "si", "sil"), ("rdi", "edi", "di", "dil")):
    REG_ALIASES.update({_r: (_r, 64, 0), _e: (_r, 32, 0), _x: (_r, 16, 0), _l: (_r, 8, 0)})
for _i in range(8, 16):
    REG_ALIASES.update({f"r{_i}": (f"r{_i}", 64, 0), f"r{_i}d": (f"r{_i}", 32, 0),
                        f"r{_i}w": (f"r{_i}", 16, 0), f"r{_i}b": (f"r{_i}", 8, 0)})

PTR_SIZES = {"byte": 1, "word": 2, "dword": 4, "qword": 8, "xmmword": 16, "oword": 16}
LOCATIONS = set(GPRS) | set(XMMS) | {"flags", "mem", "stack", "mxcsr"}
FLAG_NAMES = {"cf", "pf", "af", "zf", "sf", "of", "df"}

_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_MEMOP = re.compile(r"(?:(\w+)\s+ptr\s*)?(?:([fg]s):)?\[([^\]]*)\]")
RIP_DATA = re.compile(r"rip\s*\+\s*data\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?")


@dataclass(frozen=True)
class MemOperand:
    size: int | None          # bytes, from "<size> ptr"; None if the text gives none
    addr: int                 # guest address with the fixed register values
    rip_relative: bool


@dataclass(frozen=True)
class Case:
    text: str
    inputs: tuple[str, ...]
    undefined_flags: Undefined = ""
    undefined_regs: Undefined = ""
    fixed: dict = field(default_factory=dict)
    width: int | None = None
    elem: str = "i8"
    df: int = 0
    n: int = DEFAULT_INPUTS
    prepare: Callable | None = None

    @property
    def id(self) -> str:
        """The text without whitespace (test IDs must have none): `adc_eax,ebx`,
        `add_byte[rdi+3],ah`, `rep_movsb;cld`."""
        t = re.sub(r"\s+ptr\b", "", self.text.lower())
        t = re.sub(r"\s*([,;+\-*\[\]:])\s*", r"\1", t)
        return re.sub(r"\s+", "_", t.strip())

    @property
    def instructions(self) -> list[str]:
        return [part.strip() for part in self.text.split(";") if part.strip()]

    @property
    def is_lea(self) -> bool:
        return all(i.split()[0] == "lea" for i in self.instructions)

    def reg_use(self, reg64: str) -> tuple[int, int] | None:
        """(width, shift) of the first alias of reg64 named outside brackets in the text."""
        outside = re.sub(r"\[[^\]]*\]", " ", self.text.lower())
        for word in _WORD.findall(outside):
            alias = REG_ALIASES.get(word)
            if alias and alias[0] == reg64:
                return alias[1], alias[2]
        return None

    def bracket_regs(self) -> list[str]:
        """64-bit registers named inside [...], in order, without repeats ('rip' excluded)."""
        regs: list[str] = []
        for inner in re.findall(r"\[([^\]]*)\]", self.text.lower()):
            for word in _WORD.findall(inner):
                if word in REG_ALIASES and REG_ALIASES[word][0] not in regs:
                    regs.append(REG_ALIASES[word][0])
        return regs

    def default_width(self) -> int:
        """Operand width of implicit operands: `width`, else the widest register or ptr named."""
        if self.width:
            return self.width
        widths = [REG_ALIASES[w][1] for w in _WORD.findall(re.sub(r"\[[^\]]*\]", " ", self.text.lower()))
                  if w in REG_ALIASES]
        widths += [8 * PTR_SIZES[m.group(1)] for m in _MEMOP.finditer(self.text.lower())
                   if m.group(1) in PTR_SIZES and PTR_SIZES[m.group(1)] <= 8]
        return max(widths, default=64)

    def mem_operands(self, regs: dict[str, int]) -> list[MemOperand]:
        """Memory operands with their addresses, given the fixed register values."""
        out = []
        for m in _MEMOP.finditer(self.text.lower()):
            size = PTR_SIZES.get(m.group(1) or "")
            inner = m.group(3)
            rip = RIP_DATA.search(inner)
            if rip:
                off = int(rip.group(2), 0) if rip.group(2) else 0
                addr = DATA + (-off if rip.group(1) == "-" else off)
            else:
                expr = _WORD.sub(lambda w: str(regs[REG_ALIASES[w.group(0)][0]])
                                 if w.group(0) in REG_ALIASES else w.group(0), inner)
                if not re.fullmatch(r"[0-9a-fx+\-*\s]*", expr):
                    raise ValueError(f"{self.text!r}: cannot evaluate address [{inner}]")
                addr = eval(expr, {"__builtins__": {}})  # digits and + - * only
                if m.group(2) == "fs":
                    addr += FS_BASE
            out.append(MemOperand(size, addr, bool(rip)))
        return out

    def undefined(self, state) -> tuple[set[str], set[str]]:
        """(flag names, register names) left undefined for this input state."""
        def names(spec: Undefined) -> set[str]:
            text = spec(state) if callable(spec) else spec
            return set(text.replace(",", " ").split())
        return names(self.undefined_flags), names(self.undefined_regs)


def case(text: str, inputs: Sequence[str] = (), *, undefined_flags: Undefined = "",
         undefined_regs: Undefined = "", fixed: dict | None = None, width: int | None = None,
         elem: str = "i8", df: int = 0, n: int = DEFAULT_INPUTS,
         prepare: Callable | None = None) -> Case:
    inputs = tuple(inputs)
    bad = [i for i in inputs if i not in LOCATIONS]
    if bad:
        raise ValueError(f"{text!r}: unknown input locations {bad}")
    if isinstance(undefined_flags, str) and not set(undefined_flags.split()) <= FLAG_NAMES:
        raise ValueError(f"{text!r}: unknown flags in {undefined_flags!r}")
    if n < MIN_INPUTS:
        raise ValueError(f"{text!r}: at least {MIN_INPUTS} inputs per form")
    if elem not in ("i8", "i16", "i32", "i64", "f32", "f64"):
        raise ValueError(f"{text!r}: unknown elem {elem!r}")
    fixed = dict(fixed or {})
    if not set(fixed) <= set(GPRS):
        raise ValueError(f"{text!r}: fixed registers must be 64-bit GPR names")
    return Case(text.strip(), inputs, undefined_flags, undefined_regs, fixed, width, elem, df, n,
                prepare)
