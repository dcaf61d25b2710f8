"""One freestanding static test program per category, built with gcc from a generated .S file.

Program structure (no libc; `gcc -nostdlib -static -no-pie -O0`):

    _start:      arch_prctl(ARCH_SET_FS, DATA); call isa_form_0; call isa_form_1; ...; exit_group(0)
    isa_form_K:  for each input record of form K:
                     (the category's SETUP, e.g. fninit)
                     call isa_load        memory region, MXCSR, XMMs, GPRs (not rsp) from the record
                     push [isa_in_flags]; popfq
                     save the harness rsp; rsp = the record's rsp
                     jmp isa_snip_K       the snippet, in section .isa_code at a fixed address,
                                          followed by `jmp .Lback_K`
                 .Lback_K:
                     save the snippet's rsp; restore the harness rsp
                     pushfq; pop [isa_out_flags]; cld
                     call isa_store       GPRs, flags, MXCSR, XMMs, memory region to the output record
                 call isa_flush           write(1, ...) the records of form K
                 ret

Flags never cross a call or ret (compiled code never relies on that, and the translator may
treat flags as dead there). Each form's records are written when the form is done, so when a
translated program dies, the forms that completed still compare and the form that killed it is
known without translating again. Records: see layout.py.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import CATEGORIES
from .asm import assemble
from .gen import generate
from .layout import (CODE_BASE, DATA, FS_BASE, GPRS, MEM, MEM_SECTION, MEM_SECTION_SIZE,
                     MEM_SIZE, OFF_FLAGS, OFF_GPR, OFF_MEM, OFF_MXCSR, OFF_XMM, REC_SIZE, State,
                     split_records)
from .spec import Case

REPO = Path(__file__).resolve().parents[2]
BUILD_ROOT = REPO / "tests" / "_build" / "isa"
CC = os.environ.get("CC", "gcc")
SNIPPET_ALIGN = 16


class HarnessError(Exception):
    pass


@dataclass
class Form:
    category: str
    index: int                       # position in the category's CASES (stable)
    case: Case
    inputs: list[State]
    code: bytes = b""
    disasm: list[str] = field(default_factory=list)
    address: int = 0

    @property
    def id(self) -> str:
        return f"{self.category}-{self.case.id}"

    def tag(self, k: int) -> int:
        return self.index << 32 | k


def cases(category: str) -> list[Case]:
    if category not in CATEGORIES:
        raise HarnessError(f"unknown ISA test category {category!r}")
    found = importlib.import_module(f"{__package__}.{category}").CASES
    texts = [c.id for c in found]
    dups = {t for t in texts if texts.count(t) > 1}
    if dups:
        raise HarnessError(f"{category}: duplicate forms {sorted(dups)}")
    return found


def missing_cpu_flags(category: str) -> list[str]:
    """The CPU features a category's file asks for (CPU_FLAGS, named as /proc/cpuinfo names
    them) that this machine's CPU lacks: its native side cannot run there."""
    need = getattr(importlib.import_module(f"{__package__}.{category}"), "CPU_FLAGS", ())
    try:
        with open("/proc/cpuinfo") as fh:
            have = next((set(line.split(":", 1)[1].split()) for line in fh
                         if line.startswith("flags")), set())
    except OSError:
        have = set()
    return [f for f in need if f not in have]


def forms(category: str) -> list[Form]:
    """All forms of a category with their input states (not yet placed or assembled)."""
    out = []
    for i, c in enumerate(cases(category)):
        inputs = generate(category, c)
        for k, s in enumerate(inputs):
            s.tag = i << 32 | k
        out.append(Form(category, i, c, inputs))
    return out


def place(selected: list[Form]) -> None:
    """Assign snippet addresses in .isa_code and assemble each snippet there."""
    off = 0
    for f in selected:
        f.address = CODE_BASE + off
        f.code, f.disasm = assemble(f.case, f.address)
        off += len(f.code) + 5                        # + jmp rel32 back to the harness
        off = (off + SNIPPET_ALIGN - 1) // SNIPPET_ALIGN * SNIPPET_ALIGN


# ---------------------------------------------------------------------------------------------
# Program text

_LOAD_STORE = f"""
isa_load:
    mov rax, qword ptr [rip + isa_cur_in]
    xor ecx, ecx
1:  mov rdx, qword ptr [rax + rcx + {OFF_MEM}]
    mov qword ptr [rcx + {MEM:#x}], rdx
    add rcx, 8
    cmp rcx, {MEM_SIZE}
    jb 1b
    ldmxcsr dword ptr [rax + {OFF_MXCSR}]
    mov rdx, qword ptr [rax + {OFF_FLAGS}]
    mov qword ptr [rip + isa_in_flags], rdx
    mov rdx, qword ptr [rax + {OFF_GPR + 8 * 4}]
    mov qword ptr [rip + isa_in_rsp], rdx
{chr(10).join(f"    movdqu xmm{i}, xmmword ptr [rax + {OFF_XMM + 16 * i}]" for i in range(16))}
{chr(10).join(f"    mov {r}, qword ptr [rax + {OFF_GPR + 8 * i}]" for i, r in enumerate(GPRS) if r not in ("rax", "rsp"))}
    mov rax, qword ptr [rax + {OFF_GPR}]
    ret

isa_store:
    mov qword ptr [rip + isa_tmp_rax], rax
    mov rax, qword ptr [rip + isa_cur_out]
{chr(10).join(f"    mov qword ptr [rax + {OFF_GPR + 8 * i}], {r}" for i, r in enumerate(GPRS) if r not in ("rax", "rsp"))}
{chr(10).join(f"    movdqu xmmword ptr [rax + {OFF_XMM + 16 * i}], xmm{i}" for i in range(16))}
    stmxcsr dword ptr [rax + {OFF_MXCSR}]
    mov rdx, qword ptr [rip + isa_tmp_rax]
    mov qword ptr [rax + {OFF_GPR}], rdx
    mov rdx, qword ptr [rip + isa_out_rsp]
    mov qword ptr [rax + {OFF_GPR + 8 * 4}], rdx
    mov rdx, qword ptr [rip + isa_out_flags]
    mov qword ptr [rax + {OFF_FLAGS}], rdx
    mov rsi, qword ptr [rip + isa_cur_in]
    mov rdx, qword ptr [rsi]
    mov qword ptr [rax], rdx
    xor ecx, ecx
1:  mov rdx, qword ptr [rcx + {MEM:#x}]
    mov qword ptr [rax + rcx + {OFF_MEM}], rdx
    add rcx, 8
    cmp rcx, {MEM_SIZE}
    jb 1b
    add rax, {REC_SIZE}
    mov qword ptr [rip + isa_cur_out], rax
    add rsi, {REC_SIZE}
    mov qword ptr [rip + isa_cur_in], rsi
    ret

isa_flush:
    mov rsi, qword ptr [rip + isa_flushed]
    mov rdx, qword ptr [rip + isa_cur_out]
    sub rdx, rsi
    jz 2f
1:  mov eax, 1
    mov edi, 1
    syscall
    test rax, rax
    jle isa_write_failed
    add rsi, rax
    sub rdx, rax
    jnz 1b
2:  mov qword ptr [rip + isa_flushed], rsi
    ret

isa_write_failed:
    mov eax, 231
    mov edi, 3
    syscall
    hlt
"""


def setup(category: str) -> tuple[str, ...]:
    """Instructions a category runs before each input (x87: `fninit`), from its SETUP."""
    return tuple(getattr(importlib.import_module(f"{__package__}.{category}"), "SETUP", ()))


def _form_text(f: Form) -> str:
    k = f.index
    pre = "".join(f"\n    {line}" for line in setup(f.category))
    return f"""
isa_form_{k}:
    mov qword ptr [rip + isa_count], {len(f.inputs)}
.Lloop_{k}:{pre}
    call isa_load
    push qword ptr [rip + isa_in_flags]
    popfq
    mov qword ptr [rip + isa_saved_rsp], rsp
    mov rsp, qword ptr [rip + isa_in_rsp]
    jmp isa_snip_{k}
.Lback_{k}:
    mov qword ptr [rip + isa_out_rsp], rsp
    mov rsp, qword ptr [rip + isa_saved_rsp]
    pushfq
    pop qword ptr [rip + isa_out_flags]
    cld
    call isa_store
    dec qword ptr [rip + isa_count]
    jnz .Lloop_{k}
    call isa_flush
    ret
"""


def program_text(category: str, selected: list[Form]) -> str:
    total = sum(len(f.inputs) for f in selected) * REC_SIZE
    lines = [f"# generated by tests/isa/harness.py: category {category}, {len(selected)} forms",
             ".intel_syntax noprefix", "", ".text", ".globl _start", "_start:",
             "    mov eax, 158", "    mov edi, 0x1002", f"    mov esi, {FS_BASE:#x}", "    syscall",
             "    test rax, rax", "    jnz isa_write_failed",
             "    lea rax, [rip + isa_inputs]", "    mov qword ptr [rip + isa_cur_in], rax",
             "    lea rax, [rip + isa_outputs]", "    mov qword ptr [rip + isa_cur_out], rax",
             "    mov qword ptr [rip + isa_flushed], rax"]
    lines += [f"    call isa_form_{f.index}" for f in selected]
    lines += ["    mov eax, 231", "    xor edi, edi", "    syscall", "    hlt", _LOAD_STORE]
    lines += [_form_text(f) for f in selected]
    lines += ['.section .isa_code,"ax",@progbits']
    for f in selected:
        lines.append(f".org {f.address - CODE_BASE:#x}")
        lines.append(f"isa_snip_{f.index}:    # {f.case.text}   ({' ; '.join(f.disasm)})")
        lines.append("    .byte " + ", ".join(f"{b:#04x}" for b in f.code))
        lines.append(f"    jmp .Lback_{f.index}")
    lines += ['.section .rodata', '.balign 16', 'isa_inputs:', '    .incbin "inputs.bin"',
              '.bss', '.balign 16', f'isa_outputs: .skip {total}']
    for var in ("cur_in", "cur_out", "flushed", "count", "saved_rsp", "in_rsp", "in_flags",
                "out_rsp", "out_flags", "tmp_rax"):
        lines.append(f"isa_{var}: .skip 8")
    lines += ['.section .isa_mem,"aw",@nobits', f'isa_mem: .skip {MEM_SECTION_SIZE:#x}',
              '.section .note.GNU-stack,"",@progbits', ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Build, run, parse

@dataclass
class Built:
    category: str
    forms: list[Form]
    exe: Path


def build(category: str, selected: list[Form] | None = None, root: Path = BUILD_ROOT) -> Built:
    """Build (or reuse, by content hash) the program for the selected forms of a category."""
    selected = forms(category) if selected is None else selected
    if not selected:
        raise HarnessError(f"{category}: no forms to build")
    place(selected)
    text = program_text(category, selected)
    blob = b"".join(s.pack() for f in selected for s in f.inputs)
    key = hashlib.sha256(text.encode() + blob).hexdigest()[:16]
    out_dir = root / f"{category}-{key}"
    exe = out_dir / f"isa_{category}"
    if not exe.exists():
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{category}-", dir=root))
        (tmp / "prog.S").write_text(text)
        (tmp / "inputs.bin").write_bytes(blob)
        (tmp / "forms.txt").write_text("".join(
            f"{f.index}\t{f.address:#x}\t{len(f.inputs)}\t{f.case.text}\t{' ; '.join(f.disasm)}\n"
            for f in selected))
        cmd = [CC, "-nostdlib", "-static", "-no-pie", "-O0", "-Wl,--build-id=none",
               f"-Wl,--section-start=.isa_code={CODE_BASE:#x}",
               f"-Wl,--section-start=.isa_mem={MEM_SECTION:#x}",
               "-o", f"isa_{category}", "prog.S"]
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if r.returncode != 0:
            raise HarnessError(f"{category}: building the test program failed ({' '.join(cmd)} "
                               f"in {tmp}):\n{r.stderr[-3000:]}")
        try:
            tmp.rename(out_dir)
        except OSError:                      # built concurrently by another worker: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
    return Built(category, selected, exe)


@dataclass
class Outcome:
    """Records per form index for the forms whose records all came back."""
    records: dict[int, list[State]]
    first_incomplete: int | None     # form index where output stopped, None if all complete


def parse(built: Built, stdout: bytes) -> Outcome:
    recs = split_records(stdout)
    by_form: dict[int, list[State]] = {}
    pos = 0
    for f in built.forms:
        got = recs[pos:pos + len(f.inputs)]
        if len(got) < len(f.inputs):
            return Outcome(by_form, f.index)
        for k, r in enumerate(got):
            if r.tag != f.tag(k):
                raise HarnessError(f"{f.id}: output record {pos + k} has tag {r.tag:#x}, "
                                   f"expected {f.tag(k):#x} (output stream out of step)")
        by_form[f.index] = got
        pos += len(f.inputs)
    if len(stdout) != pos * REC_SIZE:
        raise HarnessError(f"{built.category}: {len(stdout) - pos * REC_SIZE} unexpected bytes "
                           "after the last record")
    return Outcome(by_form, None)


def run_native(built: Built, timeout: float = 120) -> Outcome:
    r = subprocess.run([str(built.exe)], capture_output=True, timeout=timeout)
    out = parse(built, r.stdout)
    if r.returncode != 0 or out.first_incomplete is not None:
        where = (f" during form {forms_by_index(built)[out.first_incomplete].case.text!r}"
                 if out.first_incomplete is not None else "")
        raise HarnessError(f"{built.category}: native program {built.exe} exited with "
                           f"{r.returncode}{where}: a case is wrong (fault, #DE, bad pointer?)\n"
                           f"{r.stderr.decode(errors='replace')[-2000:]}")
    return out


def forms_by_index(built: Built) -> dict[int, Form]:
    return {f.index: f for f in built.forms}


__all__ = ["Built", "Form", "HarnessError", "Outcome", "build", "cases", "forms", "parse",
           "program_text", "run_native", "DATA"]
