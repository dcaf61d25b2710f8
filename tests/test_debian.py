"""Debian's own dynamically linked binaries (coreutils, grep, sed, gzip, xz, sqlite3, bash, python3),
translated with their module sets and run beside the originals on the same files: stdout, stderr, exit status
and the files left must be identical.  Nobody here wrote these programs or their libraries.

They run on the worker of the "dynamic" group (tests/test_dynamic.py): ld.so and libc.so.6
are compiled once per cache, each binary then compiles its own code and its other libraries
(libpcre2, libselinux, libacl, liblzma, libsqlite3, libreadline, libtinfo, libexpat, libcrypto and
python's extension modules from lib-dynload, given with --with)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from tests.util import run_program, translate

pytestmark = pytest.mark.xdist_group("dynamic")

TEXT = "".join(f"line {k} {'alpha beta gamma'.split()[k % 3]} {k * 7919 % 1000}\n" for k in range(400))
NUMS = "".join(f"{(k * 2654435761) % 100003}\n" for k in range(500))
PASSWD = "".join(f"user{k}:x:{1000 + k}:{100 + k % 7}:User {k}:/home/user{k}:/bin/sh\n" for k in range(60))
BLOB = hashlib.sha256(b"seed").digest() * 2000
SQL_QUERY = ("with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000) "
             "select count(*), sum(i * i) % 1000003, group_concat(i % 7, '') like '%0123%', "
             "printf('%.3f', avg(i) / 3.0), hex(zeroblob(3)), upper('ok') from n;")
SQL_SCRIPT = ("create table t(id integer primary key, name text, score real);\n"
              + "".join(f"insert into t(name, score) values ('n{k}', {k * 1.25});\n" for k in range(300))
              + "create index t_score on t(score);\nbegin; update t set score = score * 2 where id % 3 = 0; commit;\n"
              "select count(*), round(sum(score), 2), max(name) from t where score > 100;\n"
              "select name from t order by score desc limit 3;\n.schema\n")
BASH_SCRIPT = ('f() { local n=$1; (( n <= 1 )) && echo 1 && return; echo $(( n * $(f $((n - 1))) )); }; '
               'echo "fact: $(f 10)"; for a in "$@"; do printf "[%s]" "$a"; done; echo; '
               'declare -A m=([k]=v [x]=y); echo "${m[k]}${m[x]} ${#m[@]}"; s="Hello World"; '
               'echo "${s,,} ${s^^} ${s/World/there} ${s:6:3}"; read -r line; echo "read: $line"; '
               'echo $(( 2**40 / 3 )) $(( -7 % 3 )); case "$1" in o*) echo case-match;; esac; '
               'echo one two three | tr " " "\\n" | sort -r | head -2; x=$(cat a.txt | wc -l); echo "lines $x"; '
               'echo to-err >&2; exit 3')
BASH_LIB = '''#!/bin/bash
set -u
count=0
for f in tree/*; do count=$((count + 1)); done
echo "entries: $count"
while IFS=: read -r name _ uid gid _; do
  (( uid % 10 == 0 )) && echo "$name $uid $gid"
done < passwd.txt
arr=(zeta alpha mu)
IFS=$'\\n' sorted=($(printf '%s\\n' "${arr[@]}" | sort)); unset IFS
echo "${sorted[*]}"
trap 'echo "trap on exit $?"' EXIT
printf '%05d|%-6s|%x\\n' 42 ab 255 > out.txt
[[ -s out.txt ]] && cat out.txt
echo "arg: $1"
exit 4
'''

PYTHON = "/usr/bin/python3.11"      # Debian's (zlib, math, _sha256... are built into it)
DYNLOAD = Path("/usr/lib/python3.11/lib-dynload")
# The extension modules the script imports, loaded by python with dlopen (_hashlib brings
# OpenSSL's libcrypto, about as big as python itself).
PY_WITH = ("_json", "_sqlite3", "_decimal", "_hashlib")
PY_SCRIPT = """
import sys
import json, json.decoder, sqlite3, decimal, zlib, hashlib, hmac, _json, _sqlite3, _decimal, _hashlib
print([m.__file__ for m in (_json, _sqlite3, _decimal, _hashlib)], json.decoder.c_scanstring is not None)
d = {"a": [1, 2.5, None, True, -0.0, 1e300], "b": "\u00fcn\u00efc\u00f6d\u00e9", "c": {"x": [[]], "y": {}}}
s = json.dumps(d, sort_keys=True)
print(s, json.loads(s) == d, json.dumps(json.loads('[1, "\\u263a", {"k": 0.1}]'), indent=1, ensure_ascii=False))
con = sqlite3.connect(":memory:")
con.execute("create table t(a integer primary key, b text)")
con.executemany("insert into t(b) values (?)", [(str(k) * (k % 5 + 1),) for k in range(500)])
con.execute("create index tb on t(b)")
print(con.execute("select count(*), sum(a), max(b), group_concat(a) from t where b like '7%' and a % 2 = 0").fetchone())
print(sqlite3.sqlite_version_info >= (3, 0), con.execute("select typeof(1.5), 7 / 2, 7 % 3, hex('py')").fetchall())
decimal.getcontext().prec = 60
D = decimal.Decimal
print(D(1) / D(7), D(2).sqrt(), D("1.10") + D("2.205"), D("123.456").quantize(D("0.1")), D(10) ** -30)
data = b"".join(str(k * k).encode() for k in range(20000))
z = zlib.compress(data, 9)
print(len(data), len(z), zlib.decompress(z) == data, zlib.crc32(data), zlib.adler32(data))
print(hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest()[:40])
print(type(hashlib.sha256()).__module__, hashlib.sha3_256(data).hexdigest()[:32], hashlib.blake2b(data).hexdigest()[:32],
      hmac.new(b"key", data, "sha384").hexdigest()[:32], hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 2000).hex()[:32],
      hashlib.new("sha512_256", b"abc").hexdigest()[:32] if "sha512_256" in hashlib.algorithms_available else "-")
print(sorted(hashlib.algorithms_available)[:3], "done", file=sys.stderr)
sys.exit(5)
"""

# name -> (binary, argv after argv[0], stdin)
CASES = {
    "sort-n": ("sort", ["-n", "nums.txt"], b""),
    "sort-k-u": ("sort", ["-t:", "-k4,4n", "-k1,1r", "-u", "passwd.txt"], b""),
    "sha256sum": ("sha256sum", ["a.txt", "b.bin"], b""),
    "sha256sum-check": ("sha256sum", ["-c", "sums.txt"], b""),
    "md5sum-stdin": ("md5sum", ["-"], BLOB),
    "wc": ("wc", ["a.txt", "b.bin", "nums.txt"], b""),
    "cut": ("cut", ["-d:", "-f1,3-4", "passwd.txt"], b""),
    "tr": ("tr", ["a-z", "A-Z"], TEXT.encode()),
    "tr-delete": ("tr", ["-d", "0-9\n"], TEXT.encode()),
    "ls-l": ("ls", ["-l", "--time-style=+%Y-%m-%d", "-n", "tree"], b""),
    "ls-R": ("ls", ["-R", "-a", "tree"], b""),
    "cat": ("cat", ["a.txt", "-", "nums.txt"], b"from stdin\n"),
    "cat-missing": ("cat", ["a.txt", "no-such-file"], b""),
    "head-c": ("head", ["-c", "100", "b.bin"], b""),
    "head-n": ("head", ["-n", "5", "a.txt", "nums.txt"], b""),
    "date": ("date", ["-u", "-d", "@1234567890", "+%Y-%m-%d %H:%M:%S %A %j"], b""),
    "grep-P": ("grep", ["-P", "-n", r"^line \d+ (?:alpha|gamma) \d{3}$", "a.txt"], b""),
    "grep-c-v": ("grep", ["-c", "-v", "beta", "a.txt"], b""),
    "sed": ("sed", ["-E", "s/^line ([0-9]+) ([a-z]+)/\\2 \\1/;5q", "a.txt"], b""),
    "sed-in-place": ("sed", ["-i", "s/alpha/ALPHA/g", "a.txt"], b""),
    "gzip": ("gzip", ["-c", "-9", "a.txt"], b""),
    "gzip-roundtrip": ("gzip", ["-k", "b.bin"], b""),
    "gunzip": ("gzip", ["-d", "-c", "a.gz"], b""),
    "xz": ("xz", ["-c", "-6", "a.txt"], b""),
    "xz-decompress": ("xz", ["-d", "-c", "a.xz"], b""),
    # libsqlite3, libreadline, libtinfo, libz, libm
    "sqlite3-memory": ("sqlite3", [":memory:", SQL_QUERY], b""),
    "sqlite3-file": ("sqlite3", ["-batch", "made.db"], SQL_SCRIPT.encode()),
    "sqlite3-csv": ("sqlite3", ["-csv", "-header", ":memory:",
                                ".import --csv passwd.csv users", "select name, uid from users where uid % 7 = 3;"],
                    b""),
    # libtinfo; pipes and command substitution fork and run the host's own programs
    "bash-c": ("bash", ["-c", BASH_SCRIPT, "arg0", "one", "two words"], b"a line from stdin\n"),
    "bash-script": ("bash", ["script.sh", "x"], b""),
    # python3.11 with json, sqlite3, decimal and hashlib from lib-dynload (libsqlite3 shared with
    # sqlite3; _hashlib with OpenSSL's libcrypto)
    "python3-modules": (PYTHON, ["-I", "-c", PY_SCRIPT], b""),
}
# translate options of a binary beyond its own module set: what it loads with dlopen
WITH = {PYTHON: [DYNLOAD / f"{m}.cpython-311-x86_64-linux-gnu.so" for m in PY_WITH]}
BINARIES = sorted({b for b, _, _ in CASES.values()})
ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "HOME": "/nonexistent"}


def populate(d: Path) -> None:
    (d / "a.txt").write_text(TEXT)
    (d / "nums.txt").write_text(NUMS)
    (d / "passwd.txt").write_text(PASSWD)
    (d / "b.bin").write_bytes(BLOB)
    (d / "sums.txt").write_text(f"{hashlib.sha256(TEXT.encode()).hexdigest()}  a.txt\n"
                                f"{'0' * 64}  nums.txt\n")
    import gzip
    import lzma
    (d / "a.gz").write_bytes(gzip.compress(TEXT.encode(), mtime=0))
    (d / "a.xz").write_bytes(lzma.compress(TEXT.encode()))
    (d / "passwd.csv").write_text("name,x,uid,gid,gecos,home,shell\n" + PASSWD.replace(":", ","))
    (d / "script.sh").write_text(BASH_LIB)
    for p in d.iterdir():   # fixed times: gzip stores a.txt's mtime in its header
        os.utime(p, (1_600_000_000, 1_600_000_000))
    tree = d / "tree"
    for sub in ("x", "y/z"):
        (tree / sub).mkdir(parents=True)
    for k, rel in enumerate(("one", "x/two", "y/three", "y/z/four")):
        (tree / rel).write_text("." * (k * 300))
    for p in sorted(tree.rglob("*"), reverse=True) + [tree]:
        os.utime(p, (1_600_000_000, 1_600_000_000 + len(str(p))))


def snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() if p.is_file() else None for p in sorted(d.rglob("*"))}


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """binary name -> its translation (or the failed translation's stderr), made once."""
    out_dir = tmp_path_factory.mktemp("debian")
    made = {}

    def get(name):
        if name not in made:
            out = out_dir / f"{Path(name).name}.native"
            extra = [a for lib in WITH.get(name, ()) for a in ("--with", lib)]
            r = translate(shutil.which(name), out, *extra)
            made[name] = out if r.returncode == 0 else r.stderr[-3000:]
        return made[name]
    return get


@pytest.mark.parametrize("case", list(CASES))
def test_debian_binary(case, translated, tmp_path):
    binary, args, stdin = CASES[case]
    native = shutil.which(binary)
    if native is None:
        pytest.skip(f"{binary} is not installed (scripts/setup-and-test.sh installs it)")
    out = translated(binary)
    if not isinstance(out, Path):
        pytest.fail(f"translation of {native} failed:\n{out}", pytrace=False)
    results = []
    for who, exe in (("native", native), ("translated", out)):
        d = tmp_path / who / "work"         # the same path length for both
        d.mkdir(parents=True)
        populate(d)
        o, e, rc = run_program([Path(binary).name, *args], stdin=stdin, cwd=d, env=ENV, executable=exe)
        results.append((o, e, rc, snapshot(d)))
    (n_out, n_err, n_rc, n_files), (t_out, t_err, t_rc, t_files) = results
    assert (t_rc, t_err.decode(errors="replace")) == (n_rc, n_err.decode(errors="replace"))
    assert t_out == n_out
    assert t_files == n_files
