"""Generates the runtime module for one guest program: loader, dispatcher, syscall layer."""
from __future__ import annotations

from runtime import crashtrace, dispatch, loader, overlay, signals, strace, support, syscalls
from runtime.irkit import RuntimeModule


def runtime_ir(backend, layout: loader.GuestLayout, entries, symbols, table) -> str:
    rm = RuntimeModule("elf2native_runtime", backend)
    support.build(rm)
    strace.build(rm, table)
    loader.build(rm, layout)
    dispatch.build(rm, entries, symbols)
    crashtrace.build(rm)
    signals.build(rm, table)
    syscalls.build(rm, table, overlay.build(rm, layout.embedded, layout.origin))
    return rm.text()
