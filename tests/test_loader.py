"""The loader's minimal process (runtime/loader.py): a program's segments are where the kernel
would put them, with the same kind of memory behind each.  The initial pages of the guest's
segments are the executable's own pages (moved, not copied: pages the guest never touches
are never read), private and copy-on-write, so a guest that writes its data leaves the
executable as it was; bss is zero-filled anonymous memory."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.util import ROOT, build_nolibc, run_program, translate

SRC = ROOT / "tests" / "inputs" / "segments.c"
NAMES = ("text", "rodata", "data", "bss")


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    d = tmp_path_factory.mktemp("segments")
    native = build_nolibc(SRC, d / "segments")
    out = d / "segments.native"
    r = translate(native, out)
    assert r.returncode == 0, r.stderr
    return native, out


def _segments(stdout: bytes, executable: Path) -> dict[str, tuple[str, str]]:
    """name -> (read/write permissions, what is behind it) of the mapping holding each
    segment's byte, from the probe's /proc/self/maps and its addresses."""
    lines = stdout.decode().splitlines()
    where = {}
    for ln in lines[-len(NAMES):]:
        name, addr = ln.split()
        where[name] = int(addr, 16)
    found = {}
    for ln in lines[:-len(NAMES)]:
        fields = ln.split()
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        path = fields[5] if len(fields) > 5 else ""
        backing = "this executable" if path == str(executable) else path or "anonymous"
        for name, a in where.items():
            if lo <= a < hi:
                found[name] = (fields[1][:2], backing)
    return found


def test_segments_are_mapped_as_the_kernel_maps_them(programs):
    native, out = programs
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    got = run_program([out])
    want = run_program([native])
    assert got[1:] == want[1:] == (b"", 107)
    assert _segments(got[0], out) == _segments(want[0], native) == {
        "text": ("r-", "this executable"), "rodata": ("r-", "this executable"),
        "data": ("rw", "this executable"), "bss": ("rw", "anonymous")}
    # the guest wrote its data page: a private copy, the file is unchanged
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert run_program([out])[1:] == (b"", 107)
