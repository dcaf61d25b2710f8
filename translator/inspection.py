"""``elf2native inspect``: what the translator sees in a binary, without compiling it.

The image (segments, entry, symbols), the control flow found (functions, blocks, jump
tables, indirect-call targets, undecodable bytes reached) and, by lifting every function
to IR (the lifter is the judge, not a mnemonic list), which instructions are supported.
Instructions the x86-64-v2 CPUID baseline does not advertise (AVX, AVX-512, ...) are
counted apart: code using them is only reached behind a CPUID check that fails.
"""
from __future__ import annotations

import collections
import dataclasses
import time

from translator import dynamic, heap
from translator.cfg import T_IND, discover
from translator.coverage import coverage
from translator.image import PF_R, PF_W, PF_X, load_image
from translator.lift.module import LiftOptions, lift_chunk
from translator.chunks import _W, run_parallel, split
from translator.report import LiftReport


@dataclasses.dataclass
class Inspection:
    path: str
    kind: str                           # "static", "static-pie", "dynamic" or "dynamic-pie"
    entry: int
    segments: list[dict]
    symbols: int
    stripped: bool
    functions: int
    blocks: int
    instructions: int
    jump_tables: int
    jump_table_entries: int
    unresolved_indirect_jumps: int      # indirect jumps with no table: tail calls through pointers
    indirect_targets: int               # addresses the dispatcher can enter
    undecodable: list[int]
    unsupported: dict[str, int]         # mnemonic -> count, reachable under the baseline
    beyond_baseline: dict[str, int]
    seconds: float
    coverage: dict[str, int] = dataclasses.field(default_factory=dict)   # translator/coverage.py
    function_list: list[dict] = dataclasses.field(default_factory=list)
    # a dynamic program's module set (translator/modules.py); the counts above are the program's own
    modules: list[dict] = dataclasses.field(default_factory=list)

    @property
    def supported(self) -> int:
        return self.instructions - sum(self.unsupported.values()) - sum(self.beyond_baseline.values())

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["entry"] = f"{self.entry:#x}"
        d["undecodable"] = [f"{a:#x}" for a in self.undecodable]
        d["supported"] = self.supported
        d["supported_share"] = round(self.supported / self.instructions, 6) if self.instructions else 1.0
        if not self.function_list:
            del d["function_list"]
        return d


def _lift_only(k: int) -> LiftReport:
    return lift_chunk(_W["cfg"], _W["chunks"][k], LiftOptions(False)).report


def _count(entries) -> dict[str, int]:
    return dict(collections.Counter(text.split()[0] for _, text in entries).most_common())


def inspect(path: str, jobs: int = 0, functions: bool = False, sysroot: str | None = None,
            with_paths=()) -> Inspection:
    t0 = time.perf_counter()
    with heap.long_lived():     # translator/heap.py
        image = load_image(path)
        mods = []
        if image.interp:
            plan = dynamic.plan(image, sysroot, with_paths)
            mods = [{"path": m.path, "soname": m.soname, "kind": m.kind, "sha256": m.sha256, "size": m.size,
                     "base": f"{im.base:#x}"} for m, im in zip(plan.modules.modules, plan.images)]
        cfg = discover(image)
        heap.freeze()
        chunks = split(cfg)
        report = LiftReport()
        for r in run_parallel(_lift_only, len(chunks), jobs, cfg=cfg, chunks=chunks):
            report.merge(r)
    segs = [{"vaddr": f"{s.vaddr:#x}", "memsz": s.memsz, "filesz": len(s.data),
             "flags": ("r" if s.flags & PF_R else "-") + ("w" if s.flags & PF_W else "-")
             + ("x" if s.flags & PF_X else "-")} for s in image.segments]
    funcs = cfg.functions.values()
    tables = [jt for f in funcs for jt in f.jump_tables.values()]
    unresolved = sum(1 for f in funcs for b in f.blocks.values() if b.term == T_IND and not b.succs)
    flist = [{"entry": f"{f.entry:#x}", "name": f.name, "blocks": len(f.blocks), "instructions": f.ninsns,
              "jump_tables": len(f.jump_tables), "resume_points": len(f.resume)} for f in funcs] if functions else []
    return Inspection(
        path=path, kind=("dynamic" if image.interp else "static") + ("-pie" if image.pie else ""),
        entry=image.entry, segments=segs,
        symbols=len(image.symbols), stripped=image.stripped, functions=len(cfg.functions),
        blocks=sum(len(f.blocks) for f in funcs), instructions=report.instructions,
        jump_tables=len(tables), jump_table_entries=sum(len(jt.targets) for jt in tables),
        unresolved_indirect_jumps=unresolved, indirect_targets=len(cfg.dispatch_entries()),
        undecodable=list(cfg.undecodable), unsupported=_count(report.unsupported),
        beyond_baseline=_count(report.beyond_baseline), seconds=time.perf_counter() - t0,
        coverage=coverage(image, cfg), function_list=flist, modules=mods)


def format_text(ins: Inspection) -> str:
    share = 100.0 * ins.supported / ins.instructions if ins.instructions else 100.0
    lines = [
        f"{ins.path}: {ins.kind} x86-64 executable, entry {ins.entry:#x}, "
        f"{ins.symbols} function symbols{' (stripped)' if ins.stripped else ''}",
        "segments:",
        *(f"  {s['vaddr']:>18}  {s['flags']}  memsz {s['memsz']:>9}  filesz {s['filesz']:>9}" for s in ins.segments),
    ]
    if ins.modules:
        lines.append(f"modules: {len(ins.modules)} (the counts below are the program's own code)")
        lines += [f"  {m['kind']:<12} {m['path']:<44} {m['soname'] or '-':<24} {m['size']:>9} bytes  "
                  f"sha256 {m['sha256'][:16]}  base {m['base']}" for m in ins.modules]
    lines += [
        f"functions: {ins.functions}, blocks: {ins.blocks}, instructions: {ins.instructions}",
        f"jump tables: {ins.jump_tables} ({ins.jump_table_entries} entries); indirect jumps without a table: "
        f"{ins.unresolved_indirect_jumps}; dispatcher entries: {ins.indirect_targets}",
        f"supported: {ins.supported} of {ins.instructions} instructions ({share:.2f}%)",
    ]
    total = sum(ins.coverage.values())
    if total:
        lines.append("executable bytes: " + ", ".join(
            f"{k} {v} ({100.0 * v / total:.2f}%)" for k, v in ins.coverage.items()))
    if ins.undecodable:
        lines.append(f"undecodable bytes reached at: {', '.join(f'{a:#x}' for a in ins.undecodable[:10])}"
                     + (" ..." if len(ins.undecodable) > 10 else ""))
    for title, counts in (("unsupported (reachable under the x86-64-v2 baseline)", ins.unsupported),
                          ("beyond the x86-64-v2 baseline (behind CPUID checks)", ins.beyond_baseline)):
        total = sum(counts.values())
        lines.append(f"{title}: {total}" + (":" if counts else ""))
        lines += [f"  {m:<16} {n}" for m, n in counts.items()]
    for f in ins.function_list:
        lines.append(f"  {f['entry']:>18}  {f['name']:<40} {f['blocks']:>5} blocks {f['instructions']:>6} insns"
                     f" {f['jump_tables']} tables")
    return "\n".join(lines)
