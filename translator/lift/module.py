"""Stage 3: lifting a chunk of guest functions into one LLVM module (IR text)."""
from __future__ import annotations

import dataclasses

from translator.cfg import CFG, drop_details, with_details
from translator.lift import irtext
from translator.lift.function import PLACEHOLDER, FunctionLifter, LiftContext
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
    host_sse: bool = False          # the host's SSE arithmetic is x86's own (its backend's SSE)


@dataclasses.dataclass
class Lifted:
    """A chunk's lifted text and what its placeholders stand for (function.PLACEHOLDER)."""
    text: str
    report: LiftReport
    table: list[int]                # the address table: guest address of each slot
    functions: dict[str, int]       # [symbol.]PLACEHOLDER"F<n>" (defined here), PLACEHOLDER"X<n>"
                                    # (called) -> guest address


def lift_chunk(cfg: CFG, entries: list[int], options: LiftOptions, name: str = "chunk") -> Lifted:
    load_all()
    module = irtext.Module(name)
    segments = cfg.image.segments
    span = (min(sg.vaddr for sg in segments), max(sg.end for sg in segments)) if segments else (0, 0)
    lc = LiftContext(module, options, cfg.functions, entries, span, cfg.preserved)
    report = LiftReport()
    for e in entries:
        f = cfg.functions[e]
        report.instructions += f.ninsns
        for blk in f.blocks.values():
            with_details(blk.insns)
        FunctionLifter(lc, f, report).lift()
        for blk in f.blocks.values():
            drop_details(blk.insns)
    # strictfp: SSE arithmetic is constrained (translator/semantics/sse_float.py), so the
    # host FPU's rounding and exception flags, kept equal to the guest's MXCSR, apply
    lc.declare_table()
    return Lifted(module.render(' strictfp "no-builtins"'), report, list(lc.slots),
                  {name: a for a, name in lc.fn_names.items()})
