"""Generates the runtime: its code (loader, dispatcher, syscall layer), the same for every
guest program of a host, and one program's data, the tables that code reads.

The code is an LLVM module compiled once per host and kind (static or dynamic program) and
cached (translator/pipeline.py); the data is assembly text (tables of numbers and symbol
names, the guest's bytes and embedded files by ``.incbin``), assembled per program in a
fraction of the time the code would take to compile again."""
from __future__ import annotations

from runtime import crashtrace, dispatch, loader, overlay, signals, strace, support, syscalls
from runtime.irkit import Asm, RuntimeModule


def runtime_ir(backend, table, dynamic: bool) -> str:
    """The runtime's code; ``dynamic``: with the file-system overlay of a dynamically linked
    program's embedded modules (runtime/overlay.py)."""
    rm = RuntimeModule("elf2native_runtime", backend)
    support.build(rm)
    strace.build(rm, table)
    loader.build(rm)
    dispatch.build(rm)
    crashtrace.build(rm)
    signals.build(rm, table)
    syscalls.build(rm, table, overlay.build(rm) if dynamic else {})
    return rm.text()


def program_asm(layout: loader.GuestLayout, blob_path: str, entries, symbols, backend) -> str:
    """One program's data for runtime_ir(..., dynamic=bool(layout.embedded)): ``blob_path``
    holds layout.blob; entries and symbols as dispatch.data takes them."""
    asm = Asm()
    loader.data(asm, layout, blob_path, getattr(backend, "BRK_RESERVE", loader.BRK_RESERVE))
    dispatch.data(asm, entries, symbols)
    if layout.embedded:
        overlay.data(asm, layout.embedded, layout.origin)
    return asm.text()
