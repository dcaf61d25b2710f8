"""What binds the compiled chunks of an output to its modules' addresses.

A chunk's object names no guest address (translator/chunks.py): it reads them from its
address table and calls functions by number.  For one output this stage writes
- the tables, one per chunk, as one blob in the output's read-only data, with the symbol
  ``<prefix>T`` of each chunk at its table;
- a linker script of symbol assignments: ``fn_<guest address>`` (what the dispatcher's table
  names) for each function a chunk defines (``[guest symbol.]<prefix>F<n>``), and each chunk's
  called functions (``<prefix>X<n>``) to those.
The tables' assembly goes with the program's other data tables (runtime/build.program_asm).
The linker takes the script as one more input (GNU ld and lld read a file that is no object
as a script that adds to the default one).  The aliases are hidden (local in the output's
symbol table) except ``fn_<address>`` of a function with no guest symbol, so that a
profiler, which names an address by its global symbol, shows "_int_free.c…_F3" rather than
"fn_41bac0" or "c…_X12", and "fn_41bac0" where the guest has no name for it.
"""
from __future__ import annotations

import os

from runtime.irkit import Asm
from translator.lift.function import PLACEHOLDER


def link_inputs(bindings, tmpdir: str) -> tuple[str, str]:
    """(assembly of the tables, path of the linker script) for every chunk binding of the
    output; the tables' bytes and the script are files in tmpdir."""
    blob = bytearray()
    asm = Asm()
    asm.section(".rodata.e2n_chunk_tables")
    blob_path = os.path.join(tmpdir, "chunk-tables.bin")
    asm.incbin("rt_chunk_tables", blob_path)
    script = []
    for bd in bindings:
        asm.lines += [f".globl {bd.prefix}T", f".hidden {bd.prefix}T",
                      f".set {bd.prefix}T, rt_chunk_tables + {len(blob)}"]
        blob += b"".join(a.to_bytes(8, "little") for a in bd.table) or bytes(8)    # slots: 64-bit
        for name, a in bd.functions.items():
            sym = name.replace(PLACEHOLDER, bd.prefix)
            if not name.startswith(PLACEHOLDER):    # a guest symbol's function: its name
                script.append(f"HIDDEN(fn_{a:x} = {sym});")
            elif PLACEHOLDER + "F" in name:
                script.append(f"fn_{a:x} = {sym};")
            else:
                script.append(f"HIDDEN({sym} = fn_{a:x});")
    with open(blob_path, "wb") as fh:
        fh.write(blob)
    script_path = os.path.join(tmpdir, "chunk-symbols.ld")
    with open(script_path, "w") as fh:
        fh.write("\n".join(script) + "\n")
    return asm.text(), script_path
