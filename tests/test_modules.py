"""translator/modules.py: the module set resolved as glibc's ld.so resolves it.

Most tests compare with the real ld.so (`ld.so --glibc-hwcaps-mask x86-64-v2 --list PROG`:
the guest's CPUID baseline is x86-64-v2) on programs and libraries built here with gcc.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

from translator import modules
from translator.errors import EXIT_BAD_INPUT, InputError

LDSO = "/lib64/ld-linux-x86-64.so.2"
pytestmark = pytest.mark.skipif(not (shutil.which("gcc") and os.path.exists(LDSO)),
                                reason="needs gcc and an x86-64 glibc ld.so")

BAR_C = "int bar(void) { return 42; }\n"
FOO_C = "int bar(void);\nint foo(void) { return bar() + 1; }\n"
MAIN_C = "int foo(void);\nint main(void) { return foo() == 43 ? 0 : 1; }\n"


def gcc(*args, cwd):
    r = subprocess.run(["gcc", *map(str, args)], cwd=cwd, capture_output=True, text=True)
    if r.returncode:
        raise subprocess.CalledProcessError(r.returncode, r.args, stderr=r.stderr)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def build_libs(d: Path, libdir: Path, foo_flags=(), bar_name="libbar.so"):
    """libbar.so (soname libbar.so) and libfoo.so (soname libfoo.so, needs libbar.so)."""
    libdir.mkdir(parents=True, exist_ok=True)
    gcc("-shared", "-fPIC", "-o", libdir / bar_name, write(d / "bar.c", BAR_C), "-Wl,-soname,libbar.so", cwd=d)
    if bar_name != "libbar.so":
        (libdir / "libbar.so").symlink_to(bar_name)
    gcc("-shared", "-fPIC", "-o", libdir / "libfoo.so", write(d / "foo.c", FOO_C), "-Wl,-soname,libfoo.so",
        f"-L{libdir}", "-lbar", *foo_flags, cwd=d)


def build_prog(d: Path, libdir: Path, *flags, name="prog", lib="-lfoo") -> Path:
    gcc("-o", d / name, write(d / "main.c", MAIN_C), f"-L{libdir}", lib, f"-Wl,-rpath-link,{libdir}", *flags, cwd=d)
    return d / name


def libs(ms: modules.ModuleSet) -> list[modules.Module]:
    """The libraries ld.so --list shows: without those libc dlopens by itself."""
    return [m for m in ms.libraries if m.kind != "implicit"]


def listed(ms: modules.ModuleSet) -> list[str]:
    return [m.path for m in libs(ms)]


def ldso_list(prog) -> list[str]:
    """The real ld.so's load order (ldd's way: LD_TRACE_LOADED_OBJECTS): resolved paths
    ("NAME => not found" as "NAME!"), without linux-vdso and the interpreter itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}
    out = subprocess.run([LDSO, "--glibc-hwcaps-mask", "x86-64-v2", str(prog)], capture_output=True,
                         env=dict(env, LD_TRACE_LOADED_OBJECTS="1"), text=True).stdout
    paths = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("linux-vdso"):
            continue
        if "=>" in line:
            name, _, rest = line.partition(" => ")
            paths.append(f"{name}!" if rest.startswith("not found") else rest.rsplit(" (", 1)[0])
        elif line.rsplit(" (", 1)[0] != LDSO:
            paths.append(line.rsplit(" (", 1)[0])
    return paths


def test_bin_ls():
    ms = modules.resolve("/bin/ls")
    assert ms.program.path == "/bin/ls" and ms.program.kind == "program"
    assert ms.interpreter.path == "/lib64/ld-linux-x86-64.so.2" and ms.interpreter.kind == "interpreter"
    assert os.path.samefile(ms.interpreter.host_path, LDSO)
    libc = next(m for m in libs(ms) if m.soname == "libc.so.6")
    assert os.path.exists(libc.path) and libc.kind == "needed" and libc.needed_by == "/bin/ls"
    data = Path(libc.host_path).read_bytes()
    assert libc.sha256 == hashlib.sha256(data).hexdigest() and libc.size == len(data)
    assert ms.ld_so_cache == "/etc/ld.so.cache"
    assert ms.modules == [ms.program, ms.interpreter] + ms.libraries


@pytest.mark.parametrize("binary", ["/bin/ls", "/usr/bin/python3.11", "/usr/bin/sqlite3"])
def test_system_binary_matches_ldso(binary):
    if not os.path.exists(binary):
        pytest.skip(f"{binary} is not installed")
    assert listed(modules.resolve(binary)) == ldso_list(binary)


def test_resolution_time():
    binary = "/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11") else "/bin/ls"
    t0 = time.perf_counter()
    modules.resolve(binary)
    assert time.perf_counter() - t0 < 1.0


# prog's tags, libfoo's link flags, whether ld.so finds everything
CASES = {
    "runpath": (["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/lib"],
                ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN"], True),
    # libfoo has no path of its own: libbar comes from the executable's RPATH
    "rpath-inherited": (["-Wl,--disable-new-dtags", "-Wl,-rpath,${ORIGIN}/lib"], [], True),
    # ... but an executable's RUNPATH is not used for its libraries' dependencies
    "runpath-not-inherited": (["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/lib"], [], False),
    # a loader with a DT_RUNPATH does not use its loaders' DT_RPATH
    "runpath-blocks-rpath": (["-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/lib"],
                             ["-Wl,--enable-new-dtags", "-Wl,-rpath,/nonexistent"], False),
    "rpath-both": (["-Wl,--disable-new-dtags", "-Wl,-rpath,/nonexistent:$ORIGIN/../x/../x/lib/"],
                   ["-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN"], True),
}


@pytest.mark.parametrize("case", CASES)
def test_origin_matches_ldso(tmp_path, case):
    prog_flags, foo_flags, ok = CASES[case]
    d = tmp_path / "x"
    d.mkdir()
    build_libs(d, d / "lib", foo_flags)
    prog = build_prog(d, d / "lib", *prog_flags)
    expected = ldso_list(prog)
    if not ok:
        assert "libbar.so!" in expected
        with pytest.raises(InputError) as e:
            modules.resolve(str(prog))
        assert e.value.path == str(d / "lib" / "libfoo.so") and "needs libbar.so," in e.value.reason
        return
    assert subprocess.run([prog]).returncode == 0
    ms = modules.resolve(str(prog))
    assert listed(ms) == expected
    foo, libc, bar = libs(ms)
    assert (foo.soname, libc.soname, bar.soname) == ("libfoo.so", "libc.so.6", "libbar.so")
    assert foo.needed_by == str(prog) and bar.needed_by == foo.path
    assert os.path.samefile(bar.host_path, d / "lib" / "libbar.so")


def test_rpath_of_the_loaders_loader(tmp_path):
    """prog -> libfoo (DT_RPATH $ORIGIN/../deps) -> libbar (none) -> libbaz, found in deps/."""
    lib, deps = tmp_path / "lib", tmp_path / "deps"
    deps.mkdir()
    gcc("-shared", "-fPIC", "-o", deps / "libbaz.so", write(tmp_path / "baz.c", "int baz(void) { return 41; }\n"),
        "-Wl,-soname,libbaz.so", cwd=tmp_path)
    lib.mkdir()
    gcc("-shared", "-fPIC", "-o", lib / "libbar.so", write(tmp_path / "bar.c", "int baz(void);\nint bar(void) "
        "{ return baz() + 1; }\n"), "-Wl,-soname,libbar.so", f"-L{deps}", "-lbaz", cwd=tmp_path)
    gcc("-shared", "-fPIC", "-o", lib / "libfoo.so", write(tmp_path / "foo.c", FOO_C), "-Wl,-soname,libfoo.so",
        f"-L{lib}", "-lbar", "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../deps", f"-Wl,-rpath-link,{deps}",
        cwd=tmp_path)
    prog = build_prog(tmp_path, lib, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/lib", f"-Wl,-rpath-link,{deps}")
    ms = modules.resolve(str(prog))
    assert listed(ms) == ldso_list(prog)
    assert libs(ms)[-1].path == str(lib / ".." / "deps" / "libbaz.so")
    assert libs(ms)[-1].needed_by == str(lib / "libbar.so")


def patched(src: Path, dst: Path, offset: int, value: bytes) -> None:
    data = bytearray(src.read_bytes())
    data[offset:offset + len(value)] = value
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(data))


def test_other_class_and_machine_skipped_hwcaps_first(tmp_path):
    """Wrong-class and wrong-machine candidates earlier in the path are skipped;
    glibc-hwcaps/x86-64-v2 wins over its directory and x86-64-v3 is not searched."""
    lib, bad = tmp_path / "lib", tmp_path / "bad"
    build_libs(tmp_path, lib)
    patched(lib / "libfoo.so", bad / "libfoo.so", 4, b"\x01")                        # ELFCLASS32
    patched(lib / "libbar.so", bad / "libbar.so", 18, struct.pack("<H", 183))        # EM_AARCH64
    patched(Path("/lib/x86_64-linux-gnu/libc.so.6"), bad / "libc.so.6", 18, struct.pack("<H", 183))
    patched(lib / "libbar.so", lib / "glibc-hwcaps" / "x86-64-v2" / "libbar.so", 0, b"")
    patched(lib / "libbar.so", lib / "glibc-hwcaps" / "x86-64-v3" / "libbar.so", 0, b"junk")
    patched(lib / "libfoo.so", lib / "tls" / "x86_64" / "libfoo.so", 0, b"")        # legacy hwcaps
    patched(lib / "libfoo.so", lib / "x86_64" / "libfoo.so", 0, b"")
    prog = build_prog(tmp_path, lib, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/bad:$ORIGIN/lib")
    ms = modules.resolve(str(prog))
    assert listed(ms) == ldso_list(prog)
    assert listed(ms) == [
        str(lib / "tls" / "x86_64" / "libfoo.so"), "/lib/x86_64-linux-gnu/libc.so.6",
        str(lib / "glibc-hwcaps" / "x86-64-v2" / "libbar.so")]


def test_not_elf_stops_the_search(tmp_path):
    build_libs(tmp_path, tmp_path / "lib")
    write(tmp_path / "bad" / "libfoo.so", "/* GNU ld script: the library is elsewhere */\nINPUT(libfoo.so.1)\n")
    prog = build_prog(tmp_path, tmp_path / "lib", "-Wl,-rpath,$ORIGIN/bad:$ORIGIN/lib")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}
    real = subprocess.run([LDSO, "--list", str(prog)], env=env, capture_output=True, text=True)
    assert real.returncode != 0 and "invalid ELF header" in real.stdout + real.stderr
    with pytest.raises(InputError) as e:
        modules.resolve(str(prog))
    assert e.value.path == str(prog) and "invalid ELF header" in e.value.reason
    assert str(tmp_path / "bad" / "libfoo.so") in e.value.reason


def test_needed_with_slash(tmp_path):
    """A DT_NEEDED with a '/' (a library without DT_SONAME linked by path) is opened as is."""
    build_libs(tmp_path, tmp_path / "lib", ["-Wl,-rpath,$ORIGIN"])
    gcc("-shared", "-fPIC", "-o", tmp_path / "lib" / "libnoname.so", write(tmp_path / "n.c", "int n;\n"),
        cwd=tmp_path)
    prog = build_prog(tmp_path, tmp_path / "lib", "-Wl,--no-as-needed", str(tmp_path / "lib" / "libnoname.so"),
                      "-Wl,-rpath,$ORIGIN/lib")
    ms = modules.resolve(str(prog))
    expected = ldso_list(prog)
    assert str(tmp_path / "lib" / "libnoname.so") in expected
    assert listed(ms) == expected


def test_missing_library(tmp_path):
    build_libs(tmp_path, tmp_path / "lib")
    prog = build_prog(tmp_path, tmp_path / "lib", "-Wl,-rpath,$ORIGIN/lib")
    (tmp_path / "lib" / "libfoo.so").unlink()
    with pytest.raises(InputError) as e:
        modules.resolve(str(prog))
    assert e.value.exit_code == EXIT_BAD_INPUT
    assert e.value.path == str(prog)
    assert "needs libfoo.so, which was not found" in e.value.reason
    assert str(tmp_path / "lib") in e.value.reason and "/etc/ld.so.cache" in e.value.reason


def test_nodeflib(tmp_path):
    """DF_1_NODEFLIB: neither the cache's entries in system dirs nor the system dirs."""
    prog = tmp_path / "nodeflib"
    gcc("-o", prog, write(tmp_path / "z.c", "int zlibVersion(void);\nint main(void){return !zlibVersion();}\n"),
        "-lz", "-Wl,-z,nodefaultlib", cwd=tmp_path)
    assert "libz.so.1!" in ldso_list(prog)
    with pytest.raises(InputError) as e:
        modules.resolve(str(prog))
    assert "needs libz.so.1," in e.value.reason and "/usr/lib/x86_64-linux-gnu" not in e.value.reason


def test_static_program(tmp_path):
    prog = tmp_path / "static"
    try:
        gcc("-static", "-o", prog, write(tmp_path / "s.c", "int main(void){return 0;}\n"), cwd=tmp_path)
    except subprocess.CalledProcessError as e:
        pytest.skip(f"no static libc: {e.stderr}")
    ms = modules.resolve(str(prog))
    assert ms.interpreter is None and libs(ms) == [] and ms.modules == [ms.program]


def test_missing_interpreter(tmp_path):
    prog = tmp_path / "prog"
    gcc("-o", prog, write(tmp_path / "m.c", "int main(void){return 0;}\n"),
        "-Wl,--dynamic-linker=/nonexistent/ld.so", cwd=tmp_path)
    with pytest.raises(InputError) as e:
        modules.resolve(str(prog))
    assert e.value.path == str(prog) and "/nonexistent/ld.so" in e.value.reason


def test_sysroot(tmp_path):
    root = tmp_path / "root"
    libdir = root / "lib" / "x86_64-linux-gnu"
    build_libs(tmp_path, libdir, bar_name="libbar.so.1")
    prog = build_prog(tmp_path, libdir)
    (libdir / "libbar.so").unlink()
    (libdir / "libbar.so").symlink_to("/lib/x86_64-linux-gnu/libbar.so.1")   # absolute: inside the root
    shutil.copy(os.path.realpath(LDSO), libdir / "ld-linux-x86-64.so.2")
    shutil.copy("/lib/x86_64-linux-gnu/libc.so.6", libdir / "libc.so.6")
    (root / "lib64").mkdir()
    (root / "lib64" / "ld-linux-x86-64.so.2").symlink_to("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    ms = modules.resolve(str(prog), sysroot=str(root))
    assert ms.program.path == str(prog) and ms.ld_so_cache is None
    assert ms.interpreter.path == LDSO
    assert ms.interpreter.host_path == str(libdir / "ld-linux-x86-64.so.2")
    assert listed(ms) == [
        "/lib/x86_64-linux-gnu/libfoo.so", "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libbar.so"]
    assert [m.host_path for m in libs(ms)] == [
        str(libdir / "libfoo.so"), str(libdir / "libc.so.6"), str(libdir / "libbar.so.1")]
    # a --with of a file already in the set (a host path inside the root) adds nothing
    again = modules.resolve(str(prog), sysroot=str(root), with_paths=[str(libdir / "libbar.so.1")])
    assert listed(again) == listed(ms)
    # libz.so.1 is on the host but not in the root
    zprog = tmp_path / "zprog"
    gcc("-o", zprog, write(tmp_path / "z.c", "int zlibVersion(void);\nint main(void){return !zlibVersion();}\n"),
        "-lz", cwd=tmp_path)
    with pytest.raises(InputError) as e:
        modules.resolve(str(zprog), sysroot=str(root))
    assert e.value.path == str(zprog) and "needs libz.so.1, which was not found" in e.value.reason


def test_with_directory_and_file(tmp_path):
    d = tmp_path / "dynload"
    build_libs(tmp_path, d, ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN"])
    write(d / "README.txt", "not a library\n")
    build_libs(tmp_path / "sub", d / "sub")                # not searched: not recursive
    base = listed(modules.resolve("/bin/ls"))

    ms = modules.resolve("/bin/ls", with_paths=[str(d)])
    assert listed(ms) == base + [str(d / "libbar.so"), str(d / "libfoo.so")]
    assert [(m.kind, m.needed_by) for m in libs(ms)[-2:]] == [("with", None), ("with", None)]

    ms = modules.resolve("/bin/ls", with_paths=[str(d / "libfoo.so")])
    assert listed(ms) == base + [str(d / "libfoo.so"), str(d / "libbar.so")]
    assert [(m.kind, m.needed_by) for m in libs(ms)[-2:]] == [("with", None), ("needed", str(d / "libfoo.so"))]

    # a NEEDED name matching the DT_SONAME of a loaded object is that object, not another file
    other = tmp_path / "other"
    build_libs(tmp_path / "o", other)
    ms = modules.resolve("/bin/ls", with_paths=[str(other / "libbar.so"), str(d / "libfoo.so")])
    assert listed(ms) == base + [str(other / "libbar.so"), str(d / "libfoo.so")]

    for bad in (tmp_path / "nonexistent.so", d / "README.txt", Path("/bin/ls")):
        with pytest.raises(InputError) as e:
            modules.resolve("/bin/ls", with_paths=[str(bad)])
        assert e.value.path == str(bad)


def test_with_uses_the_programs_rpath(tmp_path):
    """A dlopen'ed object's dependencies are searched in its own DT_RPATH and then in the
    executable's; a --with path through a symlink keeps the symlink's name."""
    build_libs(tmp_path, tmp_path / "plugins")
    build_libs(tmp_path, tmp_path / "lib")
    prog = tmp_path / "prog"
    gcc("-o", prog, write(tmp_path / "p.c", "int main(void) { return 0; }\n"), "-Wl,--disable-new-dtags",
        "-Wl,-rpath,$ORIGIN/lib", cwd=tmp_path)
    (tmp_path / "link").symlink_to("plugins")
    ms = modules.resolve(str(prog), with_paths=[str(tmp_path / "link" / "libfoo.so")])
    assert [(m.path, m.kind, m.needed_by) for m in libs(ms)[-2:]] == [
        (str(tmp_path / "link" / "libfoo.so"), "with", None),
        (str(tmp_path / "lib" / "libbar.so"), "needed", str(tmp_path / "link" / "libfoo.so"))]


def test_sysroot_ld_so_cache(tmp_path):
    """The root's etc/ld.so.cache is used, and its entries are guest paths."""
    root = tmp_path / "root"
    build_libs(tmp_path, root / "opt" / "foo")
    libdir = root / "lib" / "x86_64-linux-gnu"
    libdir.mkdir(parents=True)
    for f in (os.path.realpath(LDSO), "/lib/x86_64-linux-gnu/libc.so.6"):
        shutil.copy(f, libdir)
    (root / "lib64").symlink_to("lib/x86_64-linux-gnu")
    write(root / "etc" / "ld.so.cache", "")
    (root / "etc" / "ld.so.cache").write_bytes(new_cache([("libfoo.so", "/opt/foo/libfoo.so", 0),
                                                          ("libbar.so", "/opt/foo/libbar.so", 0)]))
    prog = build_prog(tmp_path, root / "opt" / "foo")
    ms = modules.resolve(str(prog), sysroot=str(root))
    assert ms.ld_so_cache == str(root / "etc" / "ld.so.cache")
    assert listed(ms) == [
        "/opt/foo/libfoo.so", "/lib/x86_64-linux-gnu/libc.so.6", "/opt/foo/libbar.so"]
    assert ms.interpreter.host_path == str(libdir / "ld-linux-x86-64.so.2")


# --- ld.so.cache -----------------------------------------------------------------------------

def test_real_ld_so_cache():
    cache = modules.parse_ld_so_cache(Path("/etc/ld.so.cache").read_bytes())
    assert cache is not None and cache.new_format
    assert any(e.key == "libc.so.6" for e in cache.entries)
    libc = cache.lookup("libc.so.6")
    assert libc and os.path.exists(libc)
    assert cache.lookup("libdoesnotexist.so.9") is None


EXT = modules.DL_CACHE_HWCAP_EXTENSION


def new_cache(entries, hwcaps=(), base=0) -> bytes:
    """A "glibc-ld.so.cache1.1" image (to be placed at file offset `base`): entries are
    (key, value, hwcap) with hwcap "x86-64-vN" meaning that glibc-hwcaps name."""
    strings = bytearray()
    start = 48 + 24 * len(entries)

    def s(text):
        strings.extend(text.encode() + b"\0")
        return start + len(strings) - len(text) - 1
    names = {h: s(h) for h in hwcaps}
    body = b""
    for key, value, hw in entries:
        hwcap = EXT | sorted(hwcaps).index(hw) if isinstance(hw, str) else hw
        body += struct.pack("<iIIIQ", modules.CACHE_FLAGS_X86_64_LIBC6, s(key), s(value), 0, hwcap)
    ext_offset = (start + len(strings) + 3) & ~3
    ext = struct.pack("<IIIIII", modules.CACHE_EXTENSION_MAGIC, 1, modules.CACHE_EXTENSION_TAG_GLIBC_HWCAPS,
                      0, base + ext_offset + 24, 4 * len(hwcaps))
    ext += struct.pack(f"<{len(hwcaps)}I", *(base + names[h] for h in sorted(hwcaps)))
    head = modules.CACHEMAGIC_VERSION_NEW + struct.pack("<IIB3xI12x", len(entries), len(strings), 2,
                                                        base + ext_offset if hwcaps else 0)
    data = head + body + bytes(strings)
    return data + b"\0" * (ext_offset - len(data)) + (ext if hwcaps else b"")


def test_cache_glibc_hwcaps_priority():
    data = new_cache([("libq.so.1", "/v3/libq.so.1", "x86-64-v3"),
                      ("libq.so.1", "/v2/libq.so.1", "x86-64-v2"),
                      ("libq.so.1", "/plain/libq.so.1", 0),
                      ("libr.so.1", "/v2-isa-v4/libr.so.1", EXT | (3 << 32) | 0),
                      ("libr.so.1", "/plain/libr.so.1", 0),
                      ("libs.so.1", "/avx512/libs.so.1", 1 << 2),       # legacy hwcap avx512_1
                      ("libs.so.1", "/plain/libs.so.1", 0)],
                     hwcaps=("x86-64-v2", "x86-64-v3"))
    cache = modules.parse_ld_so_cache(data)
    assert cache.hwcaps == ["x86-64-v2", "x86-64-v3"]
    assert cache.lookup("libq.so.1") == "/v2/libq.so.1"
    assert cache.lookup("libq.so.01") == "/v2/libq.so.1"         # _dl_cache_libcmp: numeric
    assert cache.lookup("libr.so.1") == "/plain/libr.so.1"
    assert cache.lookup("libs.so.1") == "/plain/libs.so.1"


def test_cache_old_format_with_new_appended():
    old_strings = b"libold.so.2\0/old/libold.so.2\0"
    old = modules.CACHEMAGIC + b"\0" + struct.pack("<I", 1)
    old += struct.pack("<iII", modules.CACHE_FLAGS_X86_64_LIBC6, 0, 12)
    only_old = modules.parse_ld_so_cache(old + old_strings)
    assert not only_old.new_format and only_old.lookup("libold.so.2") == "/old/libold.so.2"
    old += b"\0" * 4                                             # ALIGN_CACHE to 8
    both = modules.parse_ld_so_cache(old + new_cache([("libnew.so.1", "/new/libnew.so.1", 0)], base=len(old)))
    assert both.new_format and both.lookup("libnew.so.1") == "/new/libnew.so.1"
    assert both.lookup("libold.so.2") is None
    assert modules.parse_ld_so_cache(b"garbage" * 10) is None


def test_host_path_in_root(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f").write_text("x")
    (tmp_path / "abs").symlink_to("/a/b")
    (tmp_path / "a" / "rel").symlink_to("b/../b")
    (tmp_path / "loop").symlink_to("/loop")
    root = str(tmp_path)
    assert modules.host_path_in_root(root, "/abs/f") == str(tmp_path / "a" / "b" / "f")
    assert modules.host_path_in_root(root, "/a/rel/f") == str(tmp_path / "a" / "b" / "f")
    assert modules.host_path_in_root(root, "/../../a/b/f") == str(tmp_path / "a" / "b" / "f")
    assert modules.host_path_in_root(root, "/loop") is None
    assert modules.host_path_in_root(root, "/a/b/f/x") is None


def test_implicit_libgcc_s():
    """libc dlopens libgcc_s.so.1 for pthread_cancel and backtrace: it is in the set of
    every program that uses libc, found as libc would find it, after everything else."""
    gcc_s = modules.resolve("/bin/ls")
    implicit = [m for m in gcc_s.libraries if m.kind == "implicit"]
    found = subprocess.run(["gcc", "-print-file-name=libgcc_s.so.1"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(found):
        pytest.skip("libgcc_s.so.1 is not installed")
    assert [m.soname for m in implicit] == ["libgcc_s.so.1"]
    assert implicit[0].needed_by.endswith("/libc.so.6")
    assert gcc_s.libraries[-1] is implicit[0]
    assert os.path.realpath(implicit[0].host_path) == os.path.realpath(found)
