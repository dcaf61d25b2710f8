"""C++ end to end: tests/programs/cxx.cpp (iostream, std::map, virtual calls, exceptions
thrown through several frames with destructors run while unwinding) built with g++
``-O2 -static`` and ``-O2`` (dynamic: with libstdc++, libm and libgcc_s), translated, and run natively and translated: stdout, stderr and
exit status must be identical.

The unwinder reaches C++ landing pads only by an indirect jump, so discovery must find them
in the LSDAs of .eh_frame (translator/ehframe.py); the unit tests here check that parser on
the same binary.
"""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.util import run_program, translate
from translator.ehframe import parse_eh
from translator.image import load_image

SRC = Path(__file__).resolve().parent / "programs" / "cxx.cpp"
# dynamically linked, with libstdc++, libm, libgcc_s and libc (v.at() throws from libstdc++
# and the program catches it)
VARIANTS = {"O2": ["-O2", "-static"], "O2-dynamic": ["-O2"]}
BUILD_FLAGS = {**VARIANTS, "O2-pie": ["-O2", "-static-pie"]}    # the last only parsed here

# one worker translates each variant once (the module fixture), the others go on meanwhile
pytestmark = pytest.mark.xdist_group("cxx")

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None,
                               reason="g++ is not installed (CI installs it)")


class Builds:
    """Native builds and translations, each made once per module, on first use."""

    def __init__(self, root: Path):
        self.root = root
        self.natives: dict[str, Path] = {}
        self.translated: dict[str, tuple[Path, dict]] = {}

    def native(self, variant: str) -> Path:
        if variant not in self.natives:
            out = self.root / f"cxx-{variant}"
            cmd = ["g++", *BUILD_FLAGS[variant], "-o", str(out), str(SRC)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
            self.natives[variant] = out
        return self.natives[variant]

    def translation(self, variant: str) -> tuple[Path, dict]:
        if variant not in self.translated:
            native = self.native(variant)
            out, report = native.with_suffix(".native"), native.with_suffix(".json")
            proc = translate(native, out, "--report", report)
            assert proc.returncode == 0, proc.stderr
            self.translated[variant] = (out, json.loads(report.read_text()))
        return self.translated[variant]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    return Builds(tmp_path_factory.mktemp("cxx"))


@needs_gxx
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cxx(builds, variant):
    native = builds.native(variant)
    translated, _ = builds.translation(variant)
    for args in ([], ["one", "two"]):
        want = run_program([native, *args])
        got = run_program([translated, *args])
        assert want[2] == 0, want[0].decode()[-2000:]     # the program's own checks pass
        assert got[1] == want[1]
        assert got[0] == want[0]
        assert got[2] == want[2]
    assert b"caught MyError 42, rethrowing" in want[0] and b"leave level3" in want[0]


@needs_gxx
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cxx_report(builds, variant):
    _, report = builds.translation(variant)
    # (libstdc++'s std::random_device, always linked, has rdrand and rdseed behind CPUID
    # checks: the baseline does not advertise them)
    assert report["unsupported"] == [], report["unsupported"]
    # stage times: the whole pipeline's; fewer when another test's worker translated the same
    # program or its libraries first (the caches are session-wide): the output cache's alone,
    # or reading and linking only, every module's code taken from the module cache
    stages = report["stages"]
    assert stages.get("cached output", 0) > 0 or (stages["image"] > 0 and stages["link"] > 0), stages


# -- translator/ehframe.py ----------------------------------------------------------------

@needs_gxx
def test_ehframe_landing_pads(builds):
    img = load_image(str(builds.native("O2")))
    eh = parse_eh(img)
    # the program alone has dozens of landing pads; libstdc++ brings hundreds more
    assert len(eh.landing_pads) >= 200
    assert len(eh.fdes) >= 1000
    for pad in eh.landing_pads:
        fde = eh.fde_containing(pad)
        assert fde is not None and fde[0] < pad < fde[1], hex(pad)
        assert img.is_code(pad)
    assert all(img.is_code(lo) and lo < hi for lo, hi in eh.fdes)
    # each FDE is a function of the symbol table (the binary is not stripped)
    assert sum(lo in img.symbols for lo, _ in eh.fdes) >= 0.95 * len(eh.fdes)
    # the signal return trampoline's FDE ('S' augmentation) starts one byte before its code:
    # its first code address is the symbol (else discovery decodes from the wrong byte)
    restorers = [a for a, n in img.symbols.items() if n == "__restore_rt"]
    assert restorers and all(eh.fde_containing(a)[0] == a for a in restorers)
    # main catches exceptions: some landing pad lies in main (or its .cold part)
    mains = [a for a, n in img.symbols.items() if n in ("main", "main.cold")]
    assert any(eh.fde_containing(p)[0] in mains for p in eh.landing_pads)


@needs_gxx
@pytest.mark.parametrize("variant", ["O2", "O2-pie"])
def test_ehframe_without_section_headers(builds, tmp_path, variant):
    """Without section headers .eh_frame is found through PT_GNU_EH_FRAME (a static-PIE has
    one), or else by its contents (a static executable has none): the same result."""
    native = builds.native(variant)
    img = load_image(str(native))
    want = parse_eh(img)
    assert len(want.landing_pads) >= 200 and all(img.is_code(p) for p in want.landing_pads)
    raw = bytearray(native.read_bytes())
    raw[0x28:0x30] = bytes(8)                        # e_shoff
    raw[0x3C:0x40] = bytes(4)                        # e_shnum, e_shstrndx
    stripped = tmp_path / "noshdr"
    stripped.write_bytes(raw)
    got = parse_eh(load_image(str(stripped)))
    assert got.fdes == want.fdes
    assert got.landing_pads == want.landing_pads


def _section(raw: bytes, name: bytes) -> tuple[int, int]:
    shoff, = struct.unpack_from("<Q", raw, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", raw, 0x3C)
    hdr = [struct.unpack_from("<IIQQQQ", raw, shoff + 64 * k) for k in range(shnum)]
    strtab = hdr[shstrndx][4]
    for nm, _, _, _, off, size in hdr:
        if raw[strtab + nm:strtab + nm + len(name) + 1] == name + b"\0":
            return off, size
    raise KeyError(name)


@needs_gxx
def test_ehframe_malformed_never_raises(builds, tmp_path):
    """Corrupted tables lose FDEs or landing pads, and never raise."""
    native = builds.native("O2")
    good = native.read_bytes()
    want = parse_eh(load_image(str(native)))
    for name in (b".eh_frame", b".gcc_except_table"):
        off, size = _section(good, name)
        for seed in range(4):
            raw = bytearray(good)
            x = seed + 1
            for _ in range(300):          # scatter garbage bytes over the section
                x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
                raw[off + (x >> 20) % size] = (x >> 8) & 0xFF
            if seed == 3:
                raw[off + size // 2:off + size] = b"\xff" * (size - size // 2)
            path = tmp_path / f"bad-{name.decode()}-{seed}"
            path.write_bytes(raw)
            got = parse_eh(load_image(str(path)))
            assert len(got.fdes) <= len(want.fdes) + 300
    # a zero word (a terminator) in the middle of .eh_frame, maybe inside an entry
    off, size = _section(good, b".eh_frame")
    raw = bytearray(good)
    raw[off + size // 3:off + size // 3 + 4] = bytes(4)
    path = tmp_path / "terminated"
    path.write_bytes(raw)
    assert parse_eh(load_image(str(path))).fdes
