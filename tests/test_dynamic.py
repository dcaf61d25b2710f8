"""Dynamically linked programs: the foundation programs built as gcc builds by default
(dynamic, PIE) are translated with their module set (the guest's own ld.so and libc,
translator/dynamic.py) and compared with the native run like every program of
tests/test_programs.py.

All of them run on one xdist worker, one after the other: the first translation compiles
ld.so and libc into the session-wide cache (ELF2NATIVE_CACHE_DIR), every later one compiles
only its own code (the per-module cache of translator/pipeline.py)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_programs import BY_NAME, check_program, native_binary
from tests.util import run_program, translate

pytestmark = pytest.mark.xdist_group("dynamic")

VARIANT = "O2-dynamic"
PROGRAMS = ["hello", "args", "exitcode", "fileio", "malloc", "strings", "qsort", "switch", "recursion",
            "setjmp", "floats", "intmath", "structs", "funcptr", "wc", "getline", "format", "ctype",
            "timefmt", "hashtable", "crash", "pthread", "atomics", "process", "unistd", "stat", "mman",
            "socket", "time", "zlib", "bzip2", "lzma", "sqlite", "lua"]
# Not signal: it needs --signal-polls, which is part of every module's cache key, so its
# dynamic build would compile ld.so and libc once more (its static builds are tested).


@pytest.mark.parametrize("name", [pytest.param(n, id=f"{n}-{VARIANT}") for n in PROGRAMS])
def test_dynamic_program(name: str, tmp_path: Path):
    report = check_program(BY_NAME[name], VARIANT, tmp_path)
    kinds = {m["kind"]: m for m in report["modules"]}
    assert set(kinds) >= {"program", "interpreter", "needed"}, report["modules"]
    assert any(m["soname"] == "libc.so.6" for m in report["modules"]), report["modules"]


# -- dynamic linking itself: tests/programs/dynlink/ -------------------------------------------

DYNLINK = Path(__file__).resolve().parent / "programs" / "dynlink"


@pytest.fixture(scope="module")
def dynlink(tmp_path_factory):
    """dynlink with libdlneeded.so (DT_NEEDED, RUNPATH $ORIGIN), libdlplugin.so (dlopen,
    TLSDESC) and libdlpreload.so (LD_PRELOAD) built natively in one directory, and the
    program translated next to them with the two loaded at run time named by --with."""
    d = tmp_path_factory.mktemp("dynlink")
    gcc = ["gcc", "-O2", "-fPIC", "-shared"]
    for cmd in ([*gcc, "-Wl,-z,lazy", f"-Wl,--version-script={DYNLINK / 'needed.map'}", "-o", d / "libdlneeded.so",
                 DYNLINK / "needed.c"],
                [*gcc, "-mtls-dialect=gnu2", "-o", d / "libdlplugin.so", DYNLINK / "plugin.c", f"-L{d}", "-ldlneeded"],
                [*gcc, "-o", d / "libdlpreload.so", DYNLINK / "preload.c"],
                ["gcc", "-O2", "-Wl,-z,lazy", "-o", d / "dynlink", DYNLINK / "dynlink.c", f"-L{d}", "-ldlneeded",
                 "-Wl,-rpath,$ORIGIN", "-pthread"]):
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    out = d / "dynlink.native"
    proc = translate(d / "dynlink", out, "--with", d / "libdlplugin.so", "--with", d / "libdlpreload.so",
                     "--report", d / "report.json")
    assert proc.returncode == 0, proc.stderr
    return d, json.loads((d / "report.json").read_text())


DYNLINK_CASES = {
    "lazy": {},
    "bind-now": {"LD_BIND_NOW": "1", "LD_LIBRARY_PATH": "{dir}"},
    "preload": {"LD_PRELOAD": "{dir}/libdlpreload.so"},
}


@pytest.mark.parametrize("case", list(DYNLINK_CASES))
def test_dynlink(dynlink, case):
    """Constructors and destructors, an IFUNC, initial-exec, general-dynamic and TLSDESC
    TLS in two threads, dlopen/dlsym/dlvsym/dladdr/dlclose and their errors, symbol
    versions, dl_iterate_phdr, atexit in the program, in a DT_NEEDED library's constructor
    and in a dlclosed library, lazy and immediate binding, and LD_PRELOAD interposition
    (RTLD_NEXT): the translated run is the native run."""
    d, _ = dynlink
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           **{k: v.format(dir=d) for k, v in DYNLINK_CASES[case].items()}}
    want = run_program([d / "dynlink"], env=env)
    got = run_program([d / "dynlink.native"], env=env)
    assert want[2] == 0, want
    assert (got[0].decode(), got[1].decode(), got[2]) == (want[0].decode(), want[1].decode(), want[2])
    if case == "preload":
        assert b"[preload]" in want[0] and b"greeting from the preload library" in want[0]
    assert b"needed_answer() = 2; @NEEDED_1 1, @NEEDED_2 2, @NEEDED_3 not found" in want[0]
    out = want[0].decode()
    assert -1 < out.find("registered second") < out.find("registered first") < out.find("libdlneeded: atexit")


def test_dlopen_of_a_library_not_translated(dynlink):
    """The program translated without --with for the library it dlopens (which is there,
    next to it, natively loadable): dlopen fails as for an unloadable library (NULL and
    ld.so's message, which the program prints before it exits 1), the runtime says on
    stderr, in one line, which file and what to add; what the program did before is the
    native run's."""
    d, _ = dynlink
    out = d / "dynlink-without-plugin.native"
    proc = translate(d / "dynlink", out)
    assert proc.returncode == 0, proc.stderr
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    want = run_program([d / "dynlink"], env=env)
    got = run_program([out], env=env)
    before = want[0].decode().split("libdlplugin: constructor")[0]
    stdout = got[0].decode()
    assert before.endswith("No such file or directory\n") and stdout.startswith(before), stdout
    assert "dlopen(libdlplugin.so) failed: libdlplugin.so: failed to map segment" in stdout, stdout
    assert got[2] == 1
    lines = got[1].decode().splitlines()
    assert len(lines) == 1 and f"{d}/libdlplugin.so" in lines[0] and "--with" in lines[0], lines


def test_dynlink_module_set(dynlink):
    """The report lists the module set: the program, ld.so, the DT_NEEDED closure and what
    --with added, each once, with its soname and a distinct base."""
    _, report = dynlink
    mods = report["modules"]
    names = [Path(m["path"]).name for m in mods]
    assert names[0] == "dynlink" and len(names) == len(set(names))
    for lib in ("libdlneeded.so", "libdlplugin.so", "libdlpreload.so", "libc.so.6"):
        assert lib in names, names
    bases = [m["base"] for m in mods]
    assert len(set(bases)) == len(bases)


def test_dynlink_moved(dynlink, tmp_path):
    """The output carries its libraries: copied alone to another directory it still finds
    them through its RUNPATH's $ORIGIN (which ld.so computes from this executable's
    directory, runtime/overlay.py maps it to the translated program's directory)."""
    d, _ = dynlink
    moved = tmp_path / "elsewhere" / "dynlink.native"
    moved.parent.mkdir()
    shutil.copy2(d / "dynlink.native", moved)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    want = run_program([d / "dynlink"], env=env)
    got = run_program([moved], env=env)
    assert want[2] == 0, want
    # ld.so names the plugin by the path it opened: under the directory it ran from
    assert got[0].decode().replace(str(moved.parent), str(d)) == want[0].decode()
    assert (got[1], got[2]) == (want[1], want[2])


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("chroot") is None,
                    reason="chroot(2) needs root (CI runs as root)")
def test_self_contained_in_an_empty_root(tmp_path):
    """A translated dynamic program runs in an empty root file system: no ld.so, no libc,
    no /etc/ld.so.cache, no /proc there; every module and the cache come from the output."""
    native = native_binary(BY_NAME["floats"], VARIANT)
    root = tmp_path / "root"
    root.mkdir()
    out = root / "floats.native"
    proc = translate(native, out)
    assert proc.returncode == 0, proc.stderr
    want = run_program([native])
    got = run_program(["chroot", root, "/floats.native"])
    assert sorted(p.name for p in root.iterdir()) == ["floats.native"]
    assert got == want


def check_lister(tmp_path: Path, *options: str, launcher: tuple = ()) -> None:
    """tests/programs/dynlink/lister.c finds its plugins as Python finds extension modules:
    it lists their directory, stats and checks each shared object, then dlopens it.  The
    program translated (with ``options``) and run by ``launcher`` finds the embedded plugins
    by listing too, where the host has a directory without them (the host's other entries
    and the overlay's are listed) and where it has no such directory at all
    (runtime/overlay_dirs.py): the output is the native run's with the plugins there."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    for name, mode in (("alpha", 0o755), ("beta", 0o640)):
        lib = plugins / f"lib{name}.so"
        proc = subprocess.run(["gcc", "-O2", "-fPIC", "-shared", f"-DNAME=\"{name}\"", "-o", lib,
                               DYNLINK / "lister_plugin.c"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        lib.chmod(mode)
    lister = tmp_path / "lister"
    proc = subprocess.run(["gcc", "-O2", "-o", lister, DYNLINK / "lister.c"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "lister.native"
    proc = translate(lister, out, "--with", plugins, *options)
    assert proc.returncode == 0, proc.stderr
    argv = [str(plugins)]
    only_plugins = run_program([lister, *argv])
    (plugins / "README").write_text("not a plugin\n")
    with_readme = run_program([lister, *argv])
    assert only_plugins[2] == 0 and b"libbeta.so: file, " in only_plugins[0], only_plugins
    assert b"mode 640, readable yes, executable no, plugin beta" in only_plugins[0], only_plugins
    stash = tmp_path / "stash"
    stash.mkdir()
    for lib in plugins.glob("*.so"):
        lib.rename(stash / lib.name)
    assert run_program([*launcher, out, *argv]) == with_readme
    shutil.rmtree(plugins)
    assert run_program([*launcher, out, *argv]) == only_plugins


def test_plugins_listed_where_the_host_has_none(tmp_path):
    check_lister(tmp_path)


def test_libraries_mapped_from_their_own_files(tmp_path):
    """Where the host still has the very file that was translated (the usual case on the
    machine that translated the program), ld.so maps it from there as natively, shared with
    every other process; nothing is copied (runtime/overlay.py).  Where it has not, the
    embedded copy serves (test_self_contained_in_an_empty_root, check_lister)."""
    src = Path(__file__).resolve().parent / "inputs" / "libc_maps.c"
    native = tmp_path / "libc_maps"
    proc = subprocess.run(["gcc", "-O2", "-o", native, src], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "libc_maps.native"
    proc = translate(native, out)
    assert proc.returncode == 0, proc.stderr
    want = run_program([native])
    assert want[2] == 0 and b"/libc.so.6\n" in want[0], want
    assert run_program([out]) == want
