"""The translate command as build pipelines use it: batches and their exit codes, the cache,
byte-identical outputs, and outputs that are never half-written or clobbered (SIGINT, bad
input).  Most cases use tests/inputs/tiny.c (no libc: it translates in about a second)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_programs import BY_NAME, native_binary
from tests.util import ROOT, build_tiny, run_program
from translator.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OUTPUT, EXIT_USAGE

CLI = [sys.executable, "-m", "translator", "translate"]


def cli(*args, timeout=600, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=env, **kw)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny(tmp_path_factory.mktemp("tiny") / "tiny")


def test_batch_goes_on_past_failures_and_exits_1(tiny, tmp_path):
    bad = tmp_path / "bad"
    bad.write_text("not a program\n")
    out = tmp_path / "out"
    out.mkdir()
    r = cli(tiny, bad, tmp_path / "missing", "--out-dir", out, "--no-cache", "-j", "2")
    assert r.returncode == EXIT_FAILED, r.stderr
    errors = r.stderr.strip().splitlines()
    assert errors == [f"elf2native: {bad}: not an ELF file", f"elf2native: {tmp_path / 'missing'}: no such file"]
    assert "1 of 3 translated, 2 failed" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == ["tiny.native"]
    assert run_program([out / "tiny.native"]) == (b"tiny\n", b"", 7)


def test_batch_all_good_exits_0_with_json(tiny, tmp_path):
    second = tmp_path / "second"
    second.write_bytes(tiny.read_bytes())
    r = cli(tiny, second, "--out-dir", tmp_path, "--no-cache", "--json", "--report", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["failed"] == 0 and [x["output"] for x in got["results"]] == \
        [str(tmp_path / "tiny.native"), str(tmp_path / "second.native")]
    assert json.loads((tmp_path / "r.json").read_text()) == got["results"]


def test_single_input_keeps_its_own_exit_code(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"")
    r = cli(bad, "-o", tmp_path / "x")
    assert r.returncode == EXIT_BAD_INPUT
    assert r.stderr.strip() == f"elf2native: {bad}: empty file"


def test_o_names_one_output(tiny, tmp_path):
    r = cli(tiny, tiny, "-o", tmp_path / "x")
    assert r.returncode == EXIT_USAGE
    assert "--out-dir" in r.stderr and "Traceback" not in r.stderr


def test_same_input_gives_byte_identical_output(tiny, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli(tiny, "-o", a, "--no-cache").returncode == 0
    assert cli(tiny, "-o", b, "--no-cache").returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_cache_serves_an_unchanged_input(tiny, tmp_path):
    cache = tmp_path / "cache"
    r1 = cli(tiny, "-o", tmp_path / "a", "--cache-dir", cache)
    r2 = cli(tiny, "-o", tmp_path / "b", "--cache-dir", cache)
    assert r1.returncode == r2.returncode == 0
    assert "(cached)" not in r1.stdout and "(cached)" in r2.stdout
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert run_program([tmp_path / "b"]) == (b"tiny\n", b"", 7)
    # a changed input is not served from the cache
    changed = tmp_path / "changed"
    data = bytearray(tiny.read_bytes())
    data[data.index(b"tiny\n")] = ord("T")
    changed.write_bytes(bytes(data))
    r3 = cli(changed, "-o", tmp_path / "c", "--cache-dir", cache)
    assert r3.returncode == 0 and "(cached)" not in r3.stdout
    assert run_program([tmp_path / "c"]) == (b"Tiny\n", b"", 7)


def test_sigint_leaves_the_existing_output_alone(tmp_path):
    """Interrupt a long translation: exit 130, the old output intact, no temporary files."""
    src = native_binary(BY_NAME["hello"], "O2")
    out = tmp_path / "hello.native"
    out.write_bytes(b"OLD")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # SIGINT as a terminal leaves it: a suite started in the background of a shell without
    # job control inherits it ignored, and so would the translator (which then finishes).
    p = subprocess.Popen([*CLI, str(src), "-o", str(out), "--no-cache"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(4)                       # inside discovery or compilation
    assert p.poll() is None, p.communicate()
    os.killpg(p.pid, signal.SIGINT)     # as a terminal's ^C does: the whole process group
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().splitlines()[-1] == "elf2native: interrupted"
    assert "Traceback" not in err
    assert out.read_bytes() == b"OLD"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["hello.native"]


def test_output_on_another_file_system(tiny, tmp_path):
    """The link happens in a temporary directory; the output may live on another file system."""
    import tempfile
    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        pytest.skip("no second file system (/dev/shm) to write to")
    out = other / f"elf2native-test-{os.getpid()}.native"
    try:
        r = cli(tiny, "-o", out, "--no-cache")
        assert r.returncode == 0, r.stderr
        assert run_program([out]) == (b"tiny\n", b"", 7)
    finally:
        out.unlink(missing_ok=True)


def test_out_dir_is_created(tiny, tmp_path):
    out = tmp_path / "new" / "out"
    r = cli(tiny, tiny.with_name("missing"), "--out-dir", out, "--no-cache")
    assert r.returncode == EXIT_FAILED, r.stderr
    assert r.stderr.strip().splitlines() == [f"elf2native: {tiny.with_name('missing')}: no such file"]
    assert sorted(p.name for p in out.iterdir()) == ["tiny.native"]


def test_out_dir_that_cannot_be_created(tiny, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = cli(tiny, "--out-dir", blocker / "out", "--no-cache")
    assert r.returncode == EXIT_OUTPUT, r.stderr
    assert r.stderr.strip().startswith(f"elf2native: {blocker / 'out'}: cannot create the output directory")


def test_input_is_checked_before_the_output(tmp_path):
    """A bad input is reported as an input error even when its output could not be written."""
    bad = tmp_path / "bad"
    bad.write_text("not a program\n")
    r = cli(bad, "-o", tmp_path / "no-such-dir" / "x")
    assert r.returncode == EXIT_BAD_INPUT
    assert r.stderr.strip() == f"elf2native: {bad}: not an ELF file"
