"""Compare output records (native vs translated) and describe differences readably."""
from __future__ import annotations

from .harness import Form
from .layout import (ARITH_MASK, COMPARED_FLAGS, DATA, FLAG_BITS, GPRS, MEM, MEM_SIZE, XMMS,
                     State)

MAX_DETAILED = 4


def _flag_names(value: int, mask: int = COMPARED_FLAGS) -> str:
    on = [f.upper() for f, b in FLAG_BITS.items() if (mask >> b) & 1 and (value >> b) & 1]
    return " ".join(on) or "-"


def _addr(off: int) -> str:
    rel = MEM + off - DATA
    return f"DATA{rel:+#x}"


def differences(form: Form, inp: State, native: State, translated: State) -> list[str]:
    """One line per differing register, flag set, MXCSR, XMM register or memory byte run."""
    undef_flags, undef_regs = form.case.undefined(inp)
    out = []
    for i, reg in enumerate(GPRS):
        if reg not in undef_regs and native.gpr[i] != translated.gpr[i]:
            out.append(f"{reg}: native {native.gpr[i]:#018x}  translated {translated.gpr[i]:#018x}")
    mask = COMPARED_FLAGS & ~sum(1 << FLAG_BITS[f] for f in undef_flags)
    diff = (native.rflags ^ translated.rflags) & mask
    if diff:
        out.append(f"flags {_flag_names(diff, diff)} differ: native [{_flag_names(native.rflags, mask)}]"
                   f"  translated [{_flag_names(translated.rflags, mask)}]"
                   + (f"  (undefined, not compared: {' '.join(sorted(undef_flags))})" if undef_flags else ""))
    if native.mxcsr != translated.mxcsr and "mxcsr" not in undef_regs:
        out.append(f"mxcsr: native {native.mxcsr:#06x}  translated {translated.mxcsr:#06x}")
    for i, x in enumerate(XMMS):
        if x not in undef_regs and native.xmm[i] != translated.xmm[i]:
            out.append(f"{x}: native {native.xmm[i][::-1].hex()}  translated {translated.xmm[i][::-1].hex()}"
                       "  (high to low)")
    off = 0
    while off < MEM_SIZE:
        if native.mem[off] != translated.mem[off]:
            end = off
            while end < MEM_SIZE and native.mem[end] != translated.mem[end]:
                end += 1
            out.append(f"mem[{_addr(off)}..{_addr(end - 1)}]: native {native.mem[off:end].hex()}"
                       f"  translated {translated.mem[off:end].hex()}  (bytes in address order)")
            off = end
        off += 1
    return out


def describe_input(form: Form, s: State) -> str:
    """The input values of the case's listed locations."""
    parts = []
    for loc in form.case.inputs:
        if loc in GPRS:
            parts.append(f"{loc}={s.get(loc):#x}")
        elif loc in XMMS:
            parts.append(f"{loc}={s.xmm[XMMS.index(loc)][::-1].hex()}")
        elif loc == "flags":
            parts.append(f"flags=[{_flag_names(s.rflags, ARITH_MASK)}]")
        elif loc == "mxcsr":
            parts.append(f"mxcsr={s.mxcsr:#06x}")
        elif loc in ("mem", "stack"):
            ops = [op for op in form.case.mem_operands(dict(zip(GPRS, s.gpr))) if op.size]
            if loc == "mem" and ops and MEM <= ops[0].addr < MEM + MEM_SIZE:
                parts.append(f"mem[{_addr(ops[0].addr - MEM)}]={s.read(ops[0].addr, ops[0].size):#x}")
            else:
                parts.append(f"{loc}=<random bytes>")
    for reg in form.case.fixed:
        parts.append(f"{reg}={s.get(reg):#x}")
    if (s.rflags >> FLAG_BITS["df"]) & 1:
        parts.append("DF=1")
    return " ".join(parts)


def bad_inputs(form: Form, native: list[State], translated: list[State]) -> list[tuple]:
    """(input number, input State, difference lines) for every input whose results differ."""
    bad = []
    for k, (inp, n, t) in enumerate(zip(form.inputs, native, translated)):
        d = differences(form, inp, n, t)
        if d:
            bad.append((k, inp, d))
    return bad


def report(form: Form, bad: list[tuple]) -> list[str]:
    if not bad:
        return []
    lines = [f"{form.id}: {len(bad)} of {len(form.inputs)} inputs differ "
             f"(snippet at {form.address:#x}: {' ; '.join(form.disasm)})"]
    for k, inp, d in bad[:MAX_DETAILED]:
        lines.append(f"  input #{k}: {describe_input(form, inp)}")
        lines.extend(f"    {line}" for line in d)
    if len(bad) > MAX_DETAILED:
        lines.append(f"  ... and {len(bad) - MAX_DETAILED} more inputs (inputs #"
                     + ", #".join(str(k) for k, _, _ in bad[MAX_DETAILED:]) + ")")
    return lines


def compare_form(form: Form, native: list[State], translated: list[State]) -> list[str]:
    """Empty when all records agree; otherwise a readable report, one block per bad input."""
    return report(form, bad_inputs(form, native, translated))
