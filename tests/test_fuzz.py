"""Fuzzing the front end with mutated ELF files: every case must end in a successful
translation or a clean `Elf2NativeError` (one line, an exit code), never another exception or
a hang.  Seeds: tests/inputs/tiny.c (no libc) and a glibc program's headers.

2,400 cases run the stages that read the input (Image, discovery, lifting) in this process,
each under an alarm; a sample of them also goes through the whole command line."""
import os
import random
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.util import ROOT, build_tiny
from translator.cfg import discover
from translator.errors import Elf2NativeError
from translator.image import load_image
from translator.lift.module import LiftOptions, lift_chunk
from translator.chunks import split

CASES = 2400
CASE_SECONDS = 30       # a case that takes longer is a hang


def _mutants(seed: bytes, rng: random.Random, n: int):
    """Byte flips in the headers, anywhere, truncations, and absurd header fields."""
    size = len(seed)
    phoff = struct.unpack_from("<Q", seed, 0x20)[0]
    phnum = struct.unpack_from("<H", seed, 0x38)[0]
    absurd = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 47, (1 << 63) - 1, (1 << 64) - 1, size, size + 1]
    for k in range(n):
        d = bytearray(seed)
        kind = k % 5
        if kind == 0:                                   # a few bytes of the ELF header or phdrs
            for _ in range(rng.randint(1, 4)):
                d[rng.randrange(min(size, phoff + 56 * phnum))] = rng.randrange(256)
        elif kind == 1:                                 # anywhere
            for _ in range(rng.randint(1, 16)):
                d[rng.randrange(size)] = rng.randrange(256)
        elif kind == 2:                                 # truncated
            d = d[:rng.randrange(size)]
        elif kind == 3:                                 # a program header field set absurd
            ph = phoff + 56 * rng.randrange(phnum)
            field = rng.choice([8, 16, 24, 32, 40, 48])   # offset, vaddr, paddr, filesz, memsz, align
            struct.pack_into("<Q", d, ph + field, rng.choice(absurd + [rng.getrandbits(64)]))
        else:                                           # an ELF header field set absurd
            off, fmt = rng.choice([(0x18, "<Q"), (0x20, "<Q"), (0x28, "<Q"), (0x36, "<H"),
                                   (0x38, "<H"), (0x3A, "<H"), (0x3C, "<H"), (0x3E, "<H"), (0x10, "<H")])
            bits = 64 if fmt == "<Q" else 16
            struct.pack_into(fmt, d, off, rng.choice([v & ((1 << bits) - 1) for v in absurd]))
        yield bytes(d)


def _front_end(path: str):
    image = load_image(path)
    cfg = discover(image)
    for entries in split(cfg):
        lift_chunk(cfg, entries, LiftOptions(False))


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny(tmp_path_factory.mktemp("fuzz") / "tiny")


def test_fuzz_front_end(tiny, tmp_path):
    rng = random.Random(20261121)
    seed = tiny.read_bytes()
    outcomes = {"translated": 0, "clean error": 0}
    bad = []
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for k, data in enumerate(_mutants(seed, rng, CASES)):
            p = tmp_path / "case"
            p.write_bytes(data)
            signal.alarm(CASE_SECONDS)
            try:
                _front_end(str(p))
                outcomes["translated"] += 1
            except Elf2NativeError as e:
                assert "\n" not in e.reason
                outcomes["clean error"] += 1
            except _Hang:
                bad.append((k, "hang"))
            except Exception as e:      # noqa: BLE001 - that is the finding
                bad.append((k, f"{type(e).__name__}: {e}"))
                (tmp_path / f"failing-{k}").write_bytes(data)
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, old)
    print(f"fuzz: {CASES} cases: {outcomes}")
    assert not bad, f"{len(bad)} of {CASES} cases failed uncleanly, first: {bad[:5]}"
    assert outcomes["translated"] > 0 and outcomes["clean error"] > 0


def test_fuzz_command_line(tiny, tmp_path):
    """A sample through the whole command: exit 0 with a runnable output, or a documented
    error code with one line, no traceback, and no output file."""
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    codes = {}
    for k, data in enumerate(_mutants(tiny.read_bytes(), rng, 40)):
        p = tmp_path / f"case{k}"
        p.write_bytes(data)
        out = tmp_path / f"case{k}.native"
        r = subprocess.run([sys.executable, "-m", "translator", "translate", str(p), "-o", str(out), "--no-cache"],
                           capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
        codes[r.returncode] = codes.get(r.returncode, 0) + 1
        assert "Traceback" not in r.stderr, r.stderr
        if r.returncode == 0:
            assert out.exists() and os.access(out, os.X_OK)
        else:
            assert r.returncode in (3, 4, 5), r.stderr
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("elf2native: "), r.stderr
            assert not out.exists()
    print(f"fuzz command line: exit codes {codes}")
