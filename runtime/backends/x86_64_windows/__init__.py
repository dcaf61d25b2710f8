"""The x86-64 Windows host (PE32+ console executables, WSL1's pico provider without a driver).

The runtime's IR is the same as on the Linux hosts; its host system calls, made with Linux
x86-64 numbers and structures, are calls of ``lx_syscall`` in the pico provider (the C
files beside this one, freestanding C over kernel32; provider.c says which does what), which serves them over the
Windows API: the rows of syscall-shims/windows.tbl.  The provider is also the executable's
entry (``lx_entry``): it builds a Linux initial stack from the Windows command line and
environment and calls the loader's ``rt_start``.

The executable (translator/link.py ``link_pe``) has no C runtime and imports kernel32 only,
through import libraries generated at build time from kernel32.def and kernelbase.def.  The guest's fixed
address range (its segments and the brk area) is the executable's own ``.arena`` section: a
section without file contents that the image loader maps before the process heap exists,
so the range is the guest's by construction (under Wine 0x400000 is otherwise inside the
process heap's reservation).

Calls between the runtime, the lifted code and the provider use the Microsoft x64
convention (the default of this triple); the module-level asm below follows it.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from llvmlite import ir

from runtime.backends import x86_64_linux as _x86
from runtime.irkit import I64, call_extern, call_syscall_function
from translator.errors import ToolchainError

TRIPLE = "x86_64-pc-windows-msvc"
OBJECT_FORMAT = "coff"
CPU = _x86.CPU
FEATURES = _x86.FEATURES
# The image base is chosen per program, just below the guest's range (translator/link.py).
IMAGE_BASE = None
HOST_TABLE = None               # Linux x86-64 numbers, served by the provider
DYNAMIC = False                 # dynamically linked programs: not served yet (their overlay needs memfd)
X87 = True
TSO = True
SSE = True
MEMORY_ORDER = "relaxed"
SYS = _x86.SYS
ARCH_SET_FS = _x86.ARCH_SET_FS
# Committed memory counts against Windows' commit limit: a smaller lifted-code stack than
# the Linux hosts' 4 GiB reservation, and a brk area the arena can hold (glibc's malloc
# goes on with mmap when brk cannot grow).
HOST_STACK_SIZE = 256 << 20
BRK_RESERVE = 256 << 20
# The provider hands the runtime's host signal handlers a Linux-shaped ucontext.
HOST_UC_SIGMASK = _x86.HOST_UC_SIGMASK
HOST_UC_PC = _x86.HOST_UC_PC

HERE = Path(__file__).resolve().parent
TABLE = "windows"               # syscall-shims/windows.tbl
DLLS = ("kernel32", "kernelbase")     # <name>.def beside this file -> <name>.lib

rdtsc = _x86.rdtsc
div128 = _x86.div128
fpenv_get = _x86.fpenv_get
fpenv_set = _x86.fpenv_set
fpenv_from_host_ucontext = _x86.fpenv_from_host_ucontext
x87_host = _x86.x87_host
x87_control_set = _x86.x87_control_set


def syscall(b: ir.IRBuilder, nr: ir.Value | int, *args: ir.Value) -> ir.Value:
    """A Linux system call served by the provider: lx_syscall(nr, a0..a5) (negative errno)."""
    return call_syscall_function(b, "lx_syscall", nr, args)


def clone_args(flags, newsp, ptid, ctid, tls):
    return flags, newsp, ptid, ctid, tls


def set_thread_state(b: ir.IRBuilder, state_addr: ir.Value):
    """This thread's State, in a TLS slot of the provider (gs is the TEB: never written)."""
    call_extern(b, "lx_set_thread_state", ir.VoidType(), [state_addr])


def thread_state(b: ir.IRBuilder, self_offset: int) -> ir.Value:
    return call_extern(b, "lx_thread_state", I64, [])


ENTRY_ASM = [
    ".text",
    ".globl rt_switch_stack",
    "rt_switch_stack:",           # (new_sp, fn, arg): runs fn(arg) on new_sp, never returns
    "  movq %rcx, %rsp",
    "  subq $32, %rsp",           # the callee's home space for its register arguments
    "  movq %r8, %rcx",
    "  callq *%rdx",
    "  ud2",
    # (rt_clone_thread and rt_exit_thread are the provider's: threads on CreateThread)
    ".globl rt_host_restorer",
    "rt_host_restorer:",
    "  ud2",
    # __chkstk (rax = the frame's size): touch each page of a new frame from the top, so
    # the guard page of a Windows thread stack grows it in order; every register survives
    ".globl __chkstk",
    "__chkstk:",
    "  pushq %rcx",
    "  pushq %rax",
    "  leaq 24(%rsp), %rcx",
    "1:",
    "  cmpq $4096, %rax",
    "  jb 2f",
    "  subq $4096, %rcx",
    "  orq $0, (%rcx)",
    "  subq $4096, %rax",
    "  jmp 1b",
    "2:",
    "  subq %rax, %rcx",
    "  orq $0, (%rcx)",
    "  popq %rax",
    "  popq %rcx",
    "  ret",
] + _x86.fp_helpers("%ecx", "%rcx", "%rdx", elf=False)


# -- the provider's objects ------------------------------------------------------------------

def _table_source() -> str:
    """lx_table.inc: the provider's dispatch table, from syscall-shims/windows.tbl."""
    import syscall_shims
    rows = syscall_shims.load_windows_table()
    by_name = {r.name: r.nr for r in syscall_shims.load_table()}
    slots: dict[int, str] = {}
    for name, fn in rows.items():
        if name not in by_name:
            raise KeyError(f"windows.tbl: {name} is not a Linux x86-64 system call")
        if fn != "-":
            slots[by_name[name]] = fn
    size = max(slots) + 1
    lines = ["/* generated from syscall-shims/windows.tbl by runtime/backends/x86_64_windows */"]
    lines += [f"SYSCALL({fn});" for fn in sorted(set(slots.values()))]
    lines.append(f"static const syscall_fn LX_TABLE[{size}] = {{")
    lines += [f"    [{nr}] = {fn}," for nr, fn in sorted(slots.items())]
    lines.append("};")
    return "\n".join(lines) + "\n"


def _sources_key() -> str:
    h = hashlib.sha256()
    for p in sorted(HERE.iterdir()):
        if p.suffix in (".c", ".h", ".def"):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    h.update(_table_source().encode())
    return h.hexdigest()


def _zig(*args: str, cwd: str) -> None:
    r = subprocess.run([sys.executable, "-m", "ziglang", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr or r.stdout).strip().splitlines()
        raise ToolchainError("windows provider", f"zig {args[0]} failed: {msg[0] if msg else 'no message'}")


def provider_files(cache) -> tuple[list[bytes], list[bytes]]:
    """(the provider's objects, the import libraries): built with the ziglang package's
    clang and dlltool once per source version, then taken from the translation cache."""
    key = "winprov-" + _sources_key()
    sources = sorted(p.name for p in HERE.glob("*.c"))
    names = [f"{key}.{src}.o" for src in sources] + [f"{key}.{dll}.lib" for dll in DLLS]
    with cache.building(key):
        got = [cache.get(n) for n in names]
        if any(g is None for g in got):
            with tempfile.TemporaryDirectory(prefix="elf2native-win-") as d:
                with open(os.path.join(d, "lx_table.inc"), "w") as fh:
                    fh.write(_table_source())
                for src in sources:
                    _zig("cc", "--target=x86_64-windows-gnu", "-ffreestanding", "-nostdlib", "-fno-builtin",
                         "-mno-stack-arg-probe", "-O2", "-Wall", "-Werror", "-I", d, "-c", str(HERE / src),
                         "-o", f"{src}.o", cwd=d)
                for dll in DLLS:
                    _zig("dlltool", "-d", str(HERE / f"{dll}.def"), "-l", f"{dll}.lib", "-m", "i386:x86-64", cwd=d)
                got = [Path(d, f"{src}.o").read_bytes() for src in sources] + \
                      [Path(d, f"{dll}.lib").read_bytes() for dll in DLLS]
            for n, data in zip(names, got):
                cache.put(n, data)
        return got[:len(sources)], got[len(sources):]
