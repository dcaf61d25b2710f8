"""docs/syscalls.md: every Linux x86-64 system call, and how each host serves it.

The guest table (syscall-shims/x86_64.tbl) says what the runtime does with a call: a
translated, emulated or denied call is the runtime's on every host (runtime/syscalls.py). A
passthrough call is issued to the host, and each host says how:

* a host with a host table (the backend's ``HOST_TABLE``, e.g. syscall-shims/aarch64.tbl)
  issues it by its own number, through an expression in its calls, or answers ENOSYS
  (runtime/hostcalls.host_way, as the runtime decides);
* a host served by a provider (the backend's ``TABLE``: syscall-shims/windows.tbl) hands it
  to the provider function of its row; without one (no row, or "-") the provider answers
  ENOSYS (runtime/backends/x86_64_windows: the dispatch table lx_table.inc);
* any other host (x86_64-linux) issues it as the same call.

The rows of a provider table for calls the guest does not pass through serve the runtime's
own host calls (its mmap, rt_sigaction, clone...); their notes are shown as such.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from types import ModuleType

# What each kind of guest row means; one entry per syscall_shims.KINDS.
KIND_MEANINGS = {
    "passthrough": "issued to the host kernel as the same call (on aarch64-linux by aarch64's "
                   "number for it)",
    "translated": "issued to the host kernel after translating numbers, flags or layouts",
    "emulated": "served by the elf2native runtime",
    "denied": "not issued: the guest gets the error shown, and the process prints a one-line "
              "warning the first time it makes the call (not for the rows marked *no warning*)",
}

# The ways a host serves a call, in the summary's order: the guest kinds, and the other ways
# a passthrough call takes on a host with a host table or a provider.
WAYS = {
    "passthrough": KIND_MEANINGS["passthrough"],
    "via": "issued through other host calls: the host table's expression (`aarch64.tbl`) over "
           "the calls the host has",
    "provider": "served by the Windows provider: the function named in `windows.tbl` "
                "(runtime/backends/x86_64_windows/)",
    "translated": KIND_MEANINGS["translated"],
    "emulated": KIND_MEANINGS["emulated"],
    "denied": KIND_MEANINGS["denied"],
    "enosys": "passed through, but this host has no way to make the call: the guest gets "
              "`ENOSYS` (on aarch64-linux with the warning a denied call prints)",
}
WAY_LABELS = {"via": "passthrough, through other calls", "provider": "Windows provider",
              "enosys": "not served (`ENOSYS`)"}


@dataclasses.dataclass(frozen=True)
class Way:
    """How one host serves one guest call."""
    way: str        # a key of WAYS
    cell: str       # Markdown for the call's cell in the host's column
    note: str = ""  # the host table's note for the call, "" if none


def hosts() -> dict[str, ModuleType]:
    """Host name (as --target takes it: x86_64-linux...) -> its backend, in the backends' order."""
    from runtime import backends
    names: dict[str, str] = {}
    for name, triple in backends.ALIASES.items():
        if "-" in name:
            names.setdefault(triple, name)
    return {names[triple]: be for triple, be in backends.BACKENDS.items()}


def _runtime_way(r) -> Way:
    """A call the runtime serves the same way on every host (not passthrough)."""
    if r.kind == "denied":
        return Way("denied", f"`{r.errno}`" + (", *no warning*" if r.quiet else ""))
    return Way(r.kind, f"`{r.handler}`")


def host_ways(shims: ModuleType, backend: ModuleType) -> dict[str, Way]:
    """Guest call name -> how ``backend`` serves it, from the tables the runtime is built from."""
    from runtime.hostcalls import host_way
    rows = shims.load_table()
    provider_table = getattr(backend, "TABLE", None)        # "windows": a provider's table
    provider = shims.load_provider_table() if provider_table else {}
    unknown = set(provider) - {r.name for r in rows}
    if unknown:     # as runtime/backends/x86_64_windows refuses them
        raise KeyError(f"{provider_table}.tbl: not Linux x86-64 system calls: {sorted(unknown)}")
    out = {}
    for r in rows:
        p = provider.get(r.name)
        if r.kind != "passthrough":
            way = _runtime_way(r)
            if p and p.note:        # the provider's row serves the runtime's own calls
                fn = "ENOSYS" if p.fn == "-" else f"`{p.fn}`"
                way = dataclasses.replace(way, note=f"the runtime's own calls ({fn}): {p.note}")
        elif backend.HOST_TABLE:
            how, what = host_way(r.name, backend.HOST_TABLE)
            cell = {"pass": f"same call ({what})", "via": f"via `{what}`", "absent": "ENOSYS"}[how]
            way = Way({"pass": "passthrough", "via": "via", "absent": "enosys"}[how], cell,
                      shims.load_host_table(backend.HOST_TABLE)[r.name].note)
        elif provider_table:
            if p is None or p.fn == "-":
                way = Way("enosys", "ENOSYS", p.note if p else "")
            else:
                way = Way("provider", f"`{p.fn}`", p.note)
        else:
            way = Way("passthrough", "same call")
        out[r.name] = way
    return out


def _cell(text: str) -> str:
    """Text for one cell of a Markdown table."""
    return text.replace("\\", "\\\\").replace("|", "\\|").strip()


def render(shims: ModuleType, regenerate: str) -> str:
    rows = shims.load_table()
    ways = {name: host_ways(shims, be) for name, be in hosts().items()}
    counts = {name: Counter(w.way for w in per.values()) for name, per in ways.items()}
    tables = [be.HOST_TABLE or getattr(be, "TABLE", None) for be in hosts().values()]
    sources = ["syscall-shims/x86_64.tbl"] + [f"syscall-shims/{t}.tbl" for t in tables if t]
    names = list(ways)
    out = [
        "# Linux x86-64 system calls",
        "",
        f"This page is generated from {', '.join(f'`{s}`' for s in sources)} by "
        f"`translator/syscall_page.py`: do not edit it by hand; run `{regenerate}` to "
        f"regenerate it.",
        "",
        "elf2native serves every system call of Linux x86-64 in one of the ways below, on each "
        "host it translates for. Numbers that Linux x86-64 does not define are not listed; they "
        "fail with `ENOSYS`, as on Linux.",
        "",
        "| way | meaning | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for way, meaning in WAYS.items():
        label = WAY_LABELS.get(way, way)
        out.append(f"| {label} | {_cell(meaning)} | " + " | ".join(str(counts[n][way]) for n in names) + " |")
    served = [len(rows) - counts[n]["denied"] - counts[n]["enosys"] for n in names]
    out += [
        "| **served** | all but the denied and the not served | " + " | ".join(map(str, served)) + " |",
        "| total | | " + " | ".join(str(len(rows)) for _ in names) + " |",
        "",
        "## All system calls",
        "",
        "*kind* is the call's row in the guest table. Each host's column says how that host "
        "serves the call: the same call (on aarch64-linux with its number there), `via` an "
        "expression in other host calls, the Windows provider's function, the runtime's "
        "handler (`shim_*`), the errno of a denied call, or ENOSYS. Notes from a host's table "
        "follow the guest table's, marked with the host's name. On x86_64-windows the guest's "
        "emulated and denied calls never reach the provider; a note there about *the runtime's "
        "own calls* describes the provider's function (or its ENOSYS) that serves the calls of "
        "that name the runtime makes itself.",
        "",
        "| nr | name | kind | " + " | ".join(names) + " | note |",
        "|---:|---|---|" + "---|" * len(names) + "---|",
    ]
    for r in rows:
        notes = [r.note] + [f"*{n}:* {ways[n][r.name].note}" for n in names if ways[n][r.name].note]
        cells = " | ".join(_cell(ways[n][r.name].cell) for n in names)
        out.append(f"| {r.nr} | `{r.name}` | {r.kind} | {cells} | "
                   f"{'<br>'.join(_cell(t) for t in notes if t)} |")
    return "\n".join(out) + "\n"
