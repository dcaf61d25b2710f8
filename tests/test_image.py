"""Bad input dies in the Image stage with one line naming the reason, and a documented code."""
import subprocess
import sys

import pytest

from translator.errors import EXIT_BAD_INPUT

CLI = [sys.executable, "-m", "translator", "translate"]


def run(path, tmp_path):
    out = tmp_path / "out.native"
    r = subprocess.run([*CLI, str(path), "-o", str(out)], capture_output=True, text=True, timeout=120)
    return r, out


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def elf_header(cls=2, data=1, etype=2, machine=62) -> bytes:
    h = bytearray(64)
    h[:4] = b"\x7fELF"
    h[4], h[5], h[6] = cls, data, 1
    h[16:18] = etype.to_bytes(2, "little")
    h[18:20] = machine.to_bytes(2, "little")
    return bytes(h)


CASES = {
    "missing": (None, "no such file"),
    "empty": (b"", "empty file"),
    "not-elf": (b"#!/bin/sh\necho hi\n", "not an ELF file"),
    "truncated-header": (b"\x7fELF\x02\x01\x01" + bytes(20), "truncated ELF header"),
    "32-bit": (elf_header(cls=1), "32-bit ELF is not supported"),
    "aarch64": (elf_header(machine=183), "aarch64 ELF is not supported"),
    "riscv": (elf_header(machine=243), "RISC-V ELF is not supported"),
    "core": (elf_header(etype=4), "core file"),
    "relocatable": (elf_header(etype=1), "relocatable object"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, tmp_path):
    data, reason = CASES[case]
    path = tmp_path / "missing" if data is None else write(tmp_path, case, data)
    r, out = run(path, tmp_path)
    assert r.returncode == EXIT_BAD_INPUT, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"elf2native: {path}: "), r.stderr
    assert reason in lines[0]
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_directory(tmp_path):
    r, _ = run(tmp_path, tmp_path)
    assert r.returncode == EXIT_BAD_INPUT and "is a directory" in r.stderr


def test_dynamic_executable_missing_library(tmp_path):
    """A dynamic program whose library is gone: one line naming the library and the module
    that needs it, exit 3 (translator/modules.py)."""
    lib_src = write(tmp_path, "gone.c", b"int gone(void){return 1;}\n")
    lib = tmp_path / "libgone.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(lib), str(lib_src)], check=True)
    src = write(tmp_path, "d.c", b"int gone(void); int main(void){return gone();}\n")
    exe = tmp_path / "d"
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(src), f"-L{tmp_path}", "-lgone"], check=True)
    lib.unlink()
    r, out = run(exe, tmp_path)
    assert r.returncode == EXIT_BAD_INPUT, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "libgone.so" in lines[0] and str(exe) in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_shared_object_is_refused(tmp_path):
    src = write(tmp_path, "s.c", b"int f(void){return 1;}\n")
    so = tmp_path / "libs.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    r, _ = run(so, tmp_path)
    assert r.returncode == EXIT_BAD_INPUT
    assert "shared" in r.stderr or "dynamically linked" in r.stderr


def test_failed_translation_keeps_existing_output(tmp_path):
    out = tmp_path / "out.native"
    out.write_bytes(b"precious")
    bad = write(tmp_path, "bad", b"not an elf")
    r = subprocess.run([*CLI, str(bad), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == EXIT_BAD_INPUT
    assert out.read_bytes() == b"precious"


def test_section_headers_past_the_end_are_ignored(tmp_path):
    """Translation works from the program headers; broken section headers do not matter."""
    from tests.util import build_tiny, run_program
    tiny = build_tiny(tmp_path / "tiny")
    data = bytearray(tiny.read_bytes())
    data[0x28:0x30] = (len(data) + 100000).to_bytes(8, "little")    # e_shoff
    bad = write(tmp_path, "shoff", bytes(data))
    r, out = run(bad, tmp_path)
    assert r.returncode == 0, r.stderr
    assert run_program([out]) == (b"tiny\n", b"", 7)


def _loads(data: bytes) -> list[int]:
    """File offsets of tiny's PT_LOAD program headers."""
    import struct
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return [phoff + k * phentsize for k in range(phnum)
            if struct.unpack_from("<I", data, phoff + k * phentsize)[0] == 1]


def _set(data: bytearray, ph: int, field: str, value: int):
    import struct
    off = {"offset": 8, "vaddr": 16, "filesz": 32, "memsz": 40}[field]
    struct.pack_into("<Q", data, ph + off, value)


def _get(data, ph: int, field: str) -> int:
    import struct
    return struct.unpack_from("<Q", data, ph + {"offset": 8, "vaddr": 16, "filesz": 32, "memsz": 40}[field])[0]


SEGMENT_CASES = {
    # the second loadable segment moved onto the first
    "overlapping": (lambda d, ph: _set(d, ph[1], "vaddr", _get(d, ph[0], "vaddr")), "overlap"),
    "absurd-address": (lambda d, ph: _set(d, ph[-1], "vaddr", 1 << 62), "outside the user address space"),
    "absurd-size": (lambda d, ph: _set(d, ph[-1], "memsz", 1 << 60), "outside the user address space"),
    "file-larger-than-memory": (lambda d, ph: _set(d, ph[0], "filesz", _get(d, ph[0], "memsz") + 1),
                                "file size larger than memory size"),
    "past-the-end": (lambda d, ph: _set(d, ph[-1], "offset", len(d) + 4096), "extends past the end of the file"),
}


@pytest.mark.parametrize("case", sorted(SEGMENT_CASES))
def test_bad_segments(case, tmp_path):
    from tests.util import build_tiny
    data = bytearray(build_tiny(tmp_path / "tiny").read_bytes())
    loads = _loads(data)
    assert len(loads) >= 2
    mutate, reason = SEGMENT_CASES[case]
    mutate(data, loads)
    path = write(tmp_path, case, bytes(data))
    r, out = run(path, tmp_path)
    assert r.returncode == EXIT_BAD_INPUT, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"elf2native: {path}: ") and reason in lines[0], r.stderr
    assert not out.exists()
