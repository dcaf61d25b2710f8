"""Stage 3: lifting a chunk of guest functions into one LLVM module (IR text)."""
from __future__ import annotations

import dataclasses

from translator.cfg import CFG
from translator.lift import irtext
from translator.lift.function import FunctionLifter, LiftContext
from translator.report import LiftReport
from translator.semantics import load_all

TRIPLE_NEUTRAL = ""   # lifted IR is host-independent; the target is set when compiling


@dataclasses.dataclass(frozen=True)
class LiftOptions:
    strict_flags: bool = False
    signal_polls: bool = False      # loops poll for pending signals (FunctionLifter.edge)
    x87: bool = True                # the host compiles x86_fp80 (else x87 registers are doubles)
    memory_order: str = "relaxed"   # translator/lift/ordering.py (the host's MEMORY_ORDER)
    host_tso: bool = True           # the host orders memory as x86 does (its backend's TSO)


def lift_chunk(cfg: CFG, entries: list[int], options: LiftOptions, name: str) -> tuple[str, LiftReport]:
    load_all()
    module = irtext.Module(name)
    lc = LiftContext(module, options, cfg.functions)
    report = LiftReport()
    for e in entries:
        f = cfg.functions[e]
        report.instructions += f.ninsns
        FunctionLifter(lc, f, report).lift()
    # strictfp: SSE arithmetic is constrained (translator/semantics/sse_float.py), so the
    # host FPU's rounding and exception flags, kept equal to the guest's MXCSR, apply
    return module.render(' strictfp "no-builtins"'), report
