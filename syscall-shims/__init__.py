"""The syscall table: one row per Linux x86-64 system call.

The table lives in ``x86_64.tbl`` beside this file, one row a line, columns separated by
``|``::

    nr | name | kind | handler | signature | note

* ``nr``: the x86-64 syscall number (arch/x86/entry/syscalls/syscall_64.tbl).
* ``name``: the kernel's name, verbatim (``newfstatat``, ``rt_sigaction``).
* ``kind``: ``passthrough`` (issued to the host kernel as is), ``translated`` (numbers,
  flags or layouts differ on the host; ``handler`` names the translator), ``emulated``
  (served by the runtime; ``handler`` names the emitter ``shim_<name>``), or ``denied``
  (``handler`` names the errno returned, for example ``ENOSYS`` or ``EPERM``, optionally
  followed by ``quiet``: the call is answered without the one-line warning a denied call
  prints, because Linux x86-64 answers it the same way or the C library expects the error
  and carries on; see runtime/strace.py).
* ``signature``: the kernel's C parameter list, used to decode arguments for tracing.
* ``note``: free text; required for ``denied`` rows (the reason) and shown in the
  generated compatibility table.

Lines starting with ``#`` and blank lines are ignored.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

KINDS = ("passthrough", "translated", "emulated", "denied")
TABLE_PATH = Path(__file__).with_name("x86_64.tbl")


@dataclasses.dataclass(frozen=True)
class SyscallRow:
    nr: int
    name: str
    kind: str
    handler: str
    signature: str
    note: str

    @property
    def params(self) -> list[str]:
        """The parameter declarations of the signature, e.g. ``['unsigned int fd', ...]``."""
        sig = self.signature.strip()
        if not sig or sig == "void":
            return []
        return [p.strip() for p in sig.split(",")]

    @property
    def errno(self) -> str:
        """The errno name a denied row returns."""
        return self.handler.split()[0]

    @property
    def quiet(self) -> bool:
        """A denied row that prints no warning (see the module's docstring)."""
        return self.handler.split()[1:] == ["quiet"]

    @property
    def nargs(self) -> int:
        return len(self.params)


class TableError(ValueError):
    pass


def _table_rows(text: str, source: str, ncols: int):
    """(line number, stripped columns) of each row of a '|'-separated table; blank lines and
    '#' comments are skipped, a row with another column count is an error."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.split("|")]
        if len(cols) != ncols:
            raise TableError(f"{source}:{lineno}: expected {ncols} columns, found {len(cols)}")
        yield lineno, cols


def parse_table(text: str, source: str = "<table>") -> list[SyscallRow]:
    rows: list[SyscallRow] = []
    seen_nr: dict[int, str] = {}
    seen_name: dict[str, int] = {}
    for lineno, cols in _table_rows(text, source, 6):
        nr_s, name, kind, handler, signature, note = cols
        try:
            nr = int(nr_s)
        except ValueError:
            raise TableError(f"{source}:{lineno}: bad syscall number {nr_s!r}") from None
        if kind not in KINDS:
            raise TableError(f"{source}:{lineno}: {name}: unknown kind {kind!r}")
        if kind in ("emulated", "translated") and not handler.startswith("shim_"):
            raise TableError(f"{source}:{lineno}: {name}: {kind} rows name a shim_* handler")
        if kind == "denied" and not re.fullmatch(r"E[A-Z0-9]+( quiet)?", handler):
            raise TableError(f"{source}:{lineno}: {name}: denied rows name an errno (and maybe 'quiet')")
        if kind == "denied" and not note:
            raise TableError(f"{source}:{lineno}: {name}: denied rows need a reason in the note")
        if nr in seen_nr:
            raise TableError(f"{source}:{lineno}: number {nr} already used by {seen_nr[nr]}")
        if name in seen_name:
            raise TableError(f"{source}:{lineno}: {name} appears twice")
        seen_nr[nr] = name
        seen_name[name] = nr
        rows.append(SyscallRow(nr, name, kind, handler, signature, note))
    rows.sort(key=lambda r: r.nr)
    return rows


@functools.cache
def load_table() -> tuple[SyscallRow, ...]:
    return tuple(parse_table(TABLE_PATH.read_text(), str(TABLE_PATH)))


def by_name() -> dict[str, SyscallRow]:
    return {r.name: r for r in load_table()}


@dataclasses.dataclass(frozen=True)
class HostRow:
    """One row of a host table (``<host>.tbl``): how a guest call reaches that host."""
    name: str
    nr: int | None          # the host's number for the call of that name, if it has one
    via: str                # "-": the same call by number; else an expression (runtime/hostcalls.py)
    note: str


def parse_host_table(text: str, source: str = "<host table>") -> dict[str, HostRow]:
    rows: dict[str, HostRow] = {}
    for lineno, cols in _table_rows(text, source, 4):
        name, nr_s, via, note = cols
        if name in rows:
            raise TableError(f"{source}:{lineno}: {name} appears twice")
        try:
            nr = None if nr_s == "-" else int(nr_s)
        except ValueError:
            raise TableError(f"{source}:{lineno}: bad syscall number {nr_s!r}") from None
        if nr is None and via == "-" and not note:
            raise TableError(f"{source}:{lineno}: {name}: a call with no host way needs a note")
        rows[name] = HostRow(name, nr, via, note)
    return rows


@functools.cache
def load_host_table(host: str) -> dict[str, HostRow]:
    path = TABLE_PATH.with_name(f"{host}.tbl")
    return parse_host_table(path.read_text(), str(path))


@dataclasses.dataclass(frozen=True)
class ProviderRow:
    """One row of syscall-shims/windows.tbl: the Windows provider's function for a Linux call."""
    name: str
    fn: str                 # the provider's function; "-": none (the call answers ENOSYS)
    note: str


@functools.cache
def load_provider_table() -> dict[str, ProviderRow]:
    """syscall-shims/windows.tbl, notes included: Linux call name -> its row."""
    path = TABLE_PATH.with_name("windows.tbl")
    rows: dict[str, ProviderRow] = {}
    for lineno, (name, fn, note) in _table_rows(path.read_text(), str(path), 3):
        if name in rows:
            raise TableError(f"{path}:{lineno}: {name} appears twice")
        if fn == "-" and not note:
            raise TableError(f"{path}:{lineno}: {name}: a call with no provider function needs a note")
        rows[name] = ProviderRow(name, fn, note)
    return rows


def load_windows_table() -> dict[str, str]:
    """syscall-shims/windows.tbl: Linux call name -> the Windows provider's function ("-":
    none, and the note says what the call answers)."""
    return {name: r.fn for name, r in load_provider_table().items()}
