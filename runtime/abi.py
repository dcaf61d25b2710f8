"""The guest State: one struct, defined once, shared by the lifter and the runtime.

Every lifted function takes ``State*`` as its first argument. Field order and offsets are
part of the ABI between lifted code and the runtime (tests/test_abi.py checks them).
"""
from __future__ import annotations

import dataclasses

from llvmlite import ir

# General-purpose registers in x86 encoding order (ModRM numbering).
GPR_NAMES = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
FLAG_NAMES = ("cf", "pf", "af", "zf", "sf", "of", "df")
# RFLAGS bit of each flag.
FLAG_BITS = {"cf": 0, "pf": 2, "af": 4, "zf": 6, "sf": 7, "df": 10, "of": 11}

I8, I16, I32, I64, I128 = ir.IntType(8), ir.IntType(16), ir.IntType(32), ir.IntType(64), ir.IntType(128)

# The calling convention of lifted functions (and of every runtime function that enters or
# leaves one): ``{i64 rax, i64 rsp} @fn(State* noalias, i32 entry, i64 rsp, i64 rdi,
# i64 rsi, i64 rdx)``.  State is complete at every call and every return, as it always was;
# the registers in CALL_ARGS and CALL_RESULTS travel in host registers as well, as copies of
# State's values, so that a callee's first use of the stack pointer or of an argument, and a
# caller's first use of the result, wait for no store-to-load round trip through State (on
# an x86-64 host these four arguments, with State* and the entry, are the six that the
# host's C convention passes in registers; the two results come back in rax and rdx).
CALL_ARGS = ("rsp", "rdi", "rsi", "rdx")
CALL_RESULTS = ("rax", "rsp")
# The psABI's callee-saved registers but rsp: a caller keeps those a direct callee gives back
# unchanged (translator/preserved.py), and the runtime honours a signal handler's change to
# one of them (runtime/signals.py).
CALLEE_SAVED = ("rbx", "rbp", "r12", "r13", "r14", "r15")


def call_result_type() -> ir.LiteralStructType:
    return ir.LiteralStructType([I64] * len(CALL_RESULTS))


def call_arg_types(state_p: ir.Type) -> list[ir.Type]:
    """The parameter types of a lifted function: State*, the entry, then CALL_ARGS."""
    return [state_p, I32] + [I64] * len(CALL_ARGS)


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: ir.Type
    size: int
    align: int
    offset: int = -1


def _layout(fields: list[tuple[str, ir.Type, int, int]]) -> list[Field]:
    out, off = [], 0
    for name, ty, size, align in fields:
        off = (off + align - 1) // align * align
        out.append(Field(name, ty, size, align, off))
        off += size
    return out


_FIELDS = _layout(
    [(n, I64, 8, 8) for n in GPR_NAMES]
    + [("rip", I64, 8, 8)]
    + [(n, I8, 1, 1) for n in FLAG_NAMES] + [("pad0", I8, 1, 1)]
    + [("fs_base", I64, 8, 8), ("gs_base", I64, 8, 8)]
    + [(f"xmm{i}", I128, 16, 16) for i in range(16)]
    + [("mxcsr", I32, 4, 4), ("fpu_cw", I16, 2, 2), ("fpu_sw", I16, 2, 2),
       ("fpu_top", I32, 4, 4), ("fpu_tag", I32, 4, 4)]
    + [(f"st{i}", ir.ArrayType(I8, 16), 16, 16) for i in range(8)]
    # Runtime-private fields (not guest-visible).
    + [("self", I64, 8, 8),             # this State's address, read through the host's
                                        # thread pointer (the runtime's per-thread anchor)
       ("host_top", I64, 8, 8),         # top of this thread's host stack (rt_main restarts there)
       ("host_base", I64, 8, 8), ("host_size", I64, 8, 8),   # a thread's own mapping (0: main)
       ("sig_pending", I64, 8, 8),      # bit s-1: signal s arrived and awaits delivery
       ("sig_returned", I32, 4, 4),     # set by rt_sigreturn for the innermost delivery
       ("sig_unwind", I32, 4, 4),       # a handler changed a callee-saved register (signals.py)
       ("ss_flags", I32, 4, 4), ("ss_sp", I64, 8, 8), ("ss_size", I64, 8, 8),  # sigaltstack
       ("sig_info", ir.ArrayType(I8, 64 * 128), 64 * 128, 16)]   # siginfo of each pending signal
)

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
FIELD_INDEX: dict[str, int] = {f.name: i for i, f in enumerate(_FIELDS)}
STATE_SIZE = (_FIELDS[-1].offset + _FIELDS[-1].size + 15) // 16 * 16


def offset(name: str) -> int:
    return FIELDS[name].offset


def state_type(context: ir.Context | None = None) -> ir.Type:
    """The State struct as an LLVM type (``%State``, identified in ``context``); padding is
    explicit, and the struct packed, so LLVM's layout equals ours."""
    if context is not None:
        t = context.get_identified_type("State")
        if t.is_opaque:
            t.set_body(*state_type().elements)
            t.packed = True
        return t
    members, off = [], 0
    for f in _FIELDS:
        if f.offset > off:
            members.append(ir.ArrayType(I8, f.offset - off))
        members.append(f.type)
        off = f.offset + f.size
    if STATE_SIZE > off:
        members.append(ir.ArrayType(I8, STATE_SIZE - off))
    return ir.LiteralStructType(members, packed=True)


def _member_indices() -> dict[str, int]:
    idx, off, out = 0, 0, {}
    for f in _FIELDS:
        if f.offset > off:
            idx += 1
        out[f.name] = idx
        idx += 1
        off = f.offset + f.size
    return out


MEMBER_INDEX = _member_indices()


def field_ptr(builder: ir.IRBuilder, state: ir.Value, name: str) -> ir.Value:
    """Pointer to a State field."""
    return builder.gep(state, [ir.Constant(I32, 0), ir.Constant(I32, MEMBER_INDEX[name])],
                       inbounds=True, name=name + "_p")
