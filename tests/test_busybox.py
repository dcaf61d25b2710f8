"""Debian's busybox-static, translated, runs its applets like the native one.

/bin/busybox (stripped, static, a shell that forks and execs itself) is translated once per
session; every case then runs the native and the translated busybox with the same argv
(argv[0] "busybox"), stdin and environment, in two fresh directories holding the same files,
and compares stdout, stderr, exit status and the files left behind.

A case is one line in CASES: (name, argv after "busybox", stdin).  Add one the same way.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import time
from pathlib import Path

import pytest

from tests.test_programs import snapshot
from tests.util import run_program, translate

BUSYBOX = Path("/bin/busybox")
MTIME = 1_600_000_000          # 2020-09-13 12:26:40 UTC: every file of the tree has it

# CI installs busybox-static (scripts/setup-and-test.sh), so there a missing one fails
# One xdist group: every case runs on the worker that translated busybox (the module fixture),
# so the suite translates it once, not once per worker at the same time.
pytestmark = [pytest.mark.skipif(not BUSYBOX.exists() and not os.environ.get("CI"),
                                 reason="busybox-static is not installed (scripts/setup-and-test.sh installs it)"),
              pytest.mark.xdist_group("busybox")]

TEXT = "the quick brown fox\njumps over\nthe lazy dog\nLine four here\nfive\nsix six six\n"
NUMS = "10\n3\n25\n-4\n3\n100\n7\n"
DUPS = "a\na\nb\nc\nc\nc\nd\n"
PASSWD = "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbob:x:1000:1000:Bob:/home/bob:/bin/sh\n"
LEFT = "1 apple\n2 banana\n3 cherry\n"
RIGHT = "1 red\n2 yellow\n4 green\n"


def populate(d: Path):
    """The tree every case starts from; all mtimes are MTIME."""
    files = {
        "a.txt": TEXT, "b.txt": TEXT.replace("fox", "cat").replace("six", "seven"),
        "nums.txt": NUMS, "dups.txt": DUPS, "passwd.txt": PASSWD,
        "left.txt": LEFT, "right.txt": RIGHT,
        "dir/one.txt": "needle in one\n", "dir/sub/two.txt": "two\nneedle\n", "dir/sub/three.c": "int x;\n",
        "bin.dat": bytes(range(256)) * 4,
    }
    for name, data in files.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
    (d / "a.txt.gz").write_bytes(gzip.compress(TEXT.encode() * 50, mtime=MTIME))
    (d / "a.txt.bz2").write_bytes(bz2.compress(TEXT.encode() * 50))
    (d / "a.txt.xz").write_bytes(lzma.compress(TEXT.encode() * 50))
    os.symlink("a.txt", d / "link.txt")
    for p in sorted(d.rglob("*"), reverse=True):
        os.utime(p, (MTIME, MTIME), follow_symlinks=False)
    os.utime(d, (MTIME, MTIME))


def sh(script: str, stdin: str = ""):
    return (["sh", "-c", script], stdin)


CASES: dict[str, tuple[list[str], str]] = {
    # -- the shell --------------------------------------------------------------------------
    "sh-for": sh("for i in 1 2 3; do echo $i; done"),
    "sh-function": sh('f() { echo "arg:$1"; return 3; }; f x; echo $?'),
    "sh-arith": sh("echo $((3*7+2)) $((10/3)) $((10%3)) $((1<<10)) $((-7/2)) $((0x10))"),
    "sh-pipe": sh("echo a b c | tr a-z A-Z | rev"),
    "sh-subshell": sh("(cd dir && pwd | sed 's|.*/||'); pwd | sed 's|.*/||'"),
    "sh-command-substitution": sh('x=$(echo sub); y=`echo back`; echo "$x $y $(echo $(echo nested))"'),
    "sh-redirections": sh("echo out > f1; echo err >&2; cat f1 >> f2; cat f2 f2; cat < f1; echo both > f3 2>&1"),
    "sh-trap-exit": sh('trap "echo trapped" EXIT; echo body'),
    "sh-exec": sh("exec echo replaced; echo never"),
    "sh-while": sh('x=5; while [ $x -gt 0 ]; do x=$((x-1)); printf "%d," $x; done; echo'),
    "sh-until": sh("i=0; until [ $i -ge 3 ]; do i=$((i+1)); done; echo $i"),
    "sh-case": sh("for w in foo bar baz; do case $w in f*) echo f:$w;; ba[rz]) echo b:$w;; esac; done"),
    "sh-logic": sh("false || echo or; true && echo and; ! false; echo $?"),
    "sh-read": sh('read a b; echo "[$b][$a]"', "one two three\n"),
    "sh-heredoc": sh("cat <<EOF\nhere $((1+1))\nEOF"),
    "sh-glob": sh('for f in *.txt; do echo "$f"; done'),
    "sh-positional": sh("set -- a b c; echo $# $2; shift; echo $@"),
    "sh-exit-status": sh("exit 42"),
    "sh-kill-self": sh("kill -TERM $$; echo not reached"),
    "sh-background-wait": sh("sleep 0.05 & wait $!; echo waited $?"),
    "sh-trap-signal": sh('trap "echo got USR1" USR1; kill -USR1 $$; echo after'),
    "sh-parameter-expansion": sh('v=abcdef; echo ${v#ab} ${v%ef} ${v:-x} ${u:-def} ${#v} ${v%%c*}'),
    "sh-nested-arith": sh("echo $(( $(echo 6) * 7 ))"),
    "sh-pipe-while-read": sh("seq 1 5 | while read n; do echo $((n*n)); done"),
    "sh-nested-sh": sh('echo start; sh -c "echo nested; exit 3"; echo "nested rc $?"'),
    "sh-umask": sh("umask 027; touch newf; mkdir newd; stat -c '%a %n' newf newd"),
    "sh-timeout": sh("timeout 1 sleep 5; echo $?"),
    "sh-printf": sh('printf "%s=%d\\n" a 1 b 2; printf "%5.2f|%-4s|%x\\n" 3.14159 ab 255'),
    "sh-eval": sh('cmd="echo evaluated"; eval $cmd; eval "x=3"; echo $x'),
    "sh-test": sh("[ -f a.txt ] && echo file; [ -d dir ] && echo dir; [ -L link.txt ] && echo link; "
                  "[ 3 -lt 10 ] && echo lt; [ abc = abc ] && echo eq; test -z '' && echo empty"),
    "sh-local": sh("f() { local v=inner; echo $v; }; v=outer; f; echo $v"),
    "sh-break-continue": sh("for i in 1 2 3 4 5; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done"),
    "sh-ifs": sh('IFS=:; set -- $(echo a:b:c); echo $2; IFS=" "'),
    "sh-redirect-fd": sh("exec 3> fd3.txt; echo to3 >&3; exec 3>&-; cat fd3.txt"),
    "sh-pipefail-status": sh("false | true; echo $?; true | false; echo $?"),
    "sh-script-file": sh("printf 'echo from file $1\\nexit 5\\n' > s.sh; sh s.sh arg; echo rc=$?"),
    "sh-xargs-applets": sh("ls dir | xargs -n 1 echo item"),
    "sh-error": sh("nosuchcommand_x 2>&1 | sed 's/^.*nosuchcommand_x/X/'; echo rc"),
    "sh-stdin-script": (["sh"], "echo from stdin\nx=$((2+3))\necho $x\n"),
    # an applet the shell execs keeps its argv (and, translated, is the translated busybox:
    # test_exec_runs_the_translated_busybox)
    "sh-exec-argv": sh("exec cat /proc/self/cmdline"),
    # -- text -------------------------------------------------------------------------------
    "awk-sum": (["awk", "{s+=$1} END {print s, NR}", "nums.txt"], ""),
    "awk-fields": (["awk", "-F:", "{print $1, $3}", "passwd.txt"], ""),
    "awk-printf": (["awk", 'BEGIN{printf "%.3f %d %s\\n", 3.14159*2, 7/2, substr("hello", 2, 3)}'], ""),
    "awk-length": (["awk", "{print length($0), NF}", "a.txt"], ""),
    "awk-nr": (["awk", "NR%2==0", "a.txt"], ""),
    "awk-arrays": (["awk", "{c[$1]++} END {for (k in c) n++; print n, c[\"c\"]}", "dups.txt"], ""),
    "awk-functions": (["awk", 'function sq(x) { return x*x } BEGIN { print sq(12), toupper("abc"), index("hello","ll") }'], ""),
    "awk-gsub": (["awk", '{gsub(/o/, "0"); print}', "a.txt"], ""),
    "awk-math": (["awk", "BEGIN{print int(-3.7), sqrt(2), exp(1), log(10), sin(0), 2^10}"], ""),
    "sed-subst": (["sed", "s/o/0/g", "a.txt"], ""),
    "sed-range": (["sed", "-n", "2,3p", "a.txt"], ""),
    "sed-delete": (["sed", "1d;$d", "a.txt"], ""),
    "sed-groups": (["sed", "-e", r"s/\(the\) \([a-z]*\)/\2 \1/", "a.txt"], ""),
    "sed-line-numbers": (["sed", "=", "dups.txt"], ""),
    "sed-in-place": sh("cp a.txt c.txt; sed -i 's/the/THE/' c.txt; cat c.txt"),
    "sed-regex-ext": (["sed", "-E", "s/(s+)i/<\\1>/g", "a.txt"], ""),
    "grep-plain": (["grep", "o", "a.txt"], ""),
    "grep-count": (["grep", "-c", "o", "a.txt"], ""),
    "grep-invert": (["grep", "-v", "o", "a.txt"], ""),
    "grep-ni": (["grep", "-n", "-i", "LINE", "a.txt"], ""),
    "grep-extended": (["grep", "-E", "(qu|la)[a-z]+", "a.txt"], ""),
    "egrep": (["egrep", "^[a-j]", "a.txt"], ""),
    "grep-recursive": (["grep", "-r", "needle", "dir"], ""),
    "grep-files": (["grep", "-l", "six", "a.txt", "b.txt", "nums.txt"], ""),
    "grep-word": (["grep", "-w", "six", "a.txt"], ""),
    "grep-no-match": (["grep", "nomatch", "a.txt"], ""),
    "grep-missing-file": (["grep", "x", "nosuchfile"], ""),
    "grep-stdin": (["grep", "-o", "[0-9]*", ], "a1 b22 c333\n"),
    "sort": (["sort", "a.txt"], ""),
    "sort-reverse": (["sort", "-r", "a.txt"], ""),
    "sort-numeric": (["sort", "-n", "nums.txt"], ""),
    "sort-unique": (["sort", "-u", "dups.txt"], ""),
    "sort-key": (["sort", "-t:", "-k3,3n", "passwd.txt"], ""),
    "sort-numeric-reverse": (["sort", "-nr", "nums.txt"], ""),
    "uniq": (["uniq", "dups.txt"], ""),
    "uniq-count": (["uniq", "-c", "dups.txt"], ""),
    "uniq-dups": (["uniq", "-d", "dups.txt"], ""),
    "cut-fields": (["cut", "-d:", "-f1,3", "passwd.txt"], ""),
    "cut-chars": (["cut", "-c2-4", "a.txt"], ""),
    "tr-upper": (["tr", "a-z", "A-Z"], TEXT),
    "tr-delete": (["tr", "-d", "aeiou"], TEXT),
    "tr-squeeze": (["tr", "-s", " x"], "a   b  xxx c\n"),
    "head-lines": (["head", "-n", "2", "a.txt"], ""),
    "head-bytes": (["head", "-c", "10", "a.txt"], ""),
    "tail-lines": (["tail", "-n", "2", "a.txt"], ""),
    "tail-bytes": (["tail", "-c", "5", "a.txt"], ""),
    "tail-from": (["tail", "-n", "+3", "a.txt"], ""),
    "wc": (["wc", "a.txt", "nums.txt"], ""),
    "wc-lines": (["wc", "-l"], TEXT),
    "wc-words-chars": (["wc", "-c", "-w", "a.txt"], ""),
    "rev": (["rev", "a.txt"], ""),
    "fold": (["fold", "-w", "5", "a.txt"], ""),
    "paste": (["paste", "left.txt", "right.txt"], ""),
    "paste-serial": (["paste", "-s", "-d,", "nums.txt"], ""),
    "join": (["join", "left.txt", "right.txt"], ""),
    "comm": sh("sort a.txt > s1; sort b.txt > s2; comm s1 s2; comm -12 s1 s2"),
    "nl": (["nl", "a.txt"], ""),
    "od-chars": (["od", "-c", "a.txt"], ""),
    "od-hex": (["od", "-A", "x", "-t", "x1", "-N", "40", "bin.dat"], ""),
    "hexdump": (["hexdump", "-C", "-n", "64", "bin.dat"], ""),
    "base64": (["base64", "bin.dat"], ""),
    "base64-decode": sh("base64 bin.dat | base64 -d | cmp - bin.dat && echo same"),
    "diff": (["diff", "a.txt", "b.txt"], ""),
    "diff-unified": (["diff", "-u", "a.txt", "b.txt"], ""),
    "diff-same": (["diff", "a.txt", "a.txt"], ""),
    "cmp": (["cmp", "a.txt", "b.txt"], ""),
    "xargs": (["xargs", "echo", "args:"], "a b\nc\n"),
    "xargs-n": (["xargs", "-n", "2", "echo"], "1 2 3 4 5\n"),
    "printf": (["printf", "%s-%05d-%.2e\\n", "x", "42", "12345.678"], ""),
    "expr-arith": (["expr", "3", "+", "4", "*", "5"], ""),
    "expr-string": (["expr", "length", "abcdef"], ""),
    "expr-match": (["expr", "abc123", ":", "[a-z]*\\([0-9]*\\)"], ""),
    "expr-false": (["expr", "0"], ""),
    "seq": (["seq", "5"], ""),
    "seq-step": (["seq", "2", "3", "14"], ""),
    "seq-sep": (["seq", "-s", ",", "1", "4"], ""),
    "test-true": (["test", "-e", "a.txt"], ""),
    "test-false": (["test", "5", "-gt", "10"], ""),
    "echo-e": (["echo", "-e", "tab\\there\\nnext"], ""),
    "tac": (["tac", "a.txt"], ""),
    "shuf-seeded-count": sh("seq 100 | shuf | sort -n | uniq | wc -l"),
    "strings": (["strings", "-n", "8", "a.txt.gz"], ""),
    # -- files ------------------------------------------------------------------------------
    "ls-l": (["ls", "-l", "dir", "dir/sub"], ""),
    "ls-la-sorted": (["ls", "-la", "--full-time", "."], ""),
    "ls-recursive": (["ls", "-R", "dir"], ""),
    "cp-a": sh("cp -a dir copy && ls -lR copy"),
    "mv": sh("mv a.txt moved.txt && ls"),
    "rm-r": sh("rm -r dir && ls"),
    "mkdir-p": sh("mkdir -p x/y/z && find x | sort"),
    "ln-s": sh("ln -s dir/one.txt l1 && readlink l1 && cat l1"),
    "ln-hard": sh("ln a.txt hard && stat -c '%h %s' a.txt hard"),
    "find-name": (["find", ".", "-name", "*.txt"], ""),
    "find-type": (["find", "dir", "-type", "f"], ""),
    "find-exec": (["find", "dir", "-name", "*.c", "-exec", "cat", "{}", ";"], ""),
    "find-size": (["find", ".", "-size", "+1k", "-type", "f"], ""),
    "du": (["du", "-s", "dir"], ""),
    "stat": (["stat", "-c", "%s %a %F %Y %n", "a.txt", "dir", "link.txt"], ""),
    "touch": sh("touch -d '2021-01-02 03:04:05' t.txt && TZ=UTC stat -c '%y %s' t.txt"),
    "chmod": sh("chmod 640 a.txt && chmod u+x,g-r nums.txt && stat -c '%a %n' a.txt nums.txt"),
    "dd": sh("dd if=bin.dat of=part.bin bs=16 count=3 skip=2 2>/dev/null; od -A d -t u1 part.bin | head -2"),
    "dd-conv": sh("dd if=a.txt conv=ucase 2>/dev/null"),
    "cat-n": (["cat", "-n", "a.txt", "dups.txt"], ""),
    "basename-dirname": sh("basename /a/b/c.txt .txt; dirname /a/b/c.txt"),
    "realpath": sh("cd dir/sub && realpath ../one.txt | sed 's|.*/dir|dir|'"),
    "truncate": sh("truncate -s 7 a.txt && cat a.txt; echo; stat -c %s a.txt"),
    "tee": sh("echo teed | tee t1 t2 > /dev/null; cat t1 t2"),
    "cpio": sh("find dir | sort | cpio -o -H newc 2>/dev/null | cpio -t 2>/dev/null"),
    # -- archives and checksums ------------------------------------------------------------
    "tar-create-list": sh("tar cf x.tar dir && tar tf x.tar"),
    "tar-verbose": sh("tar cf x.tar a.txt nums.txt && tar tvf x.tar"),
    "tar-extract": sh("tar cf x.tar dir && mkdir out && tar xf x.tar -C out && find out | sort && cat out/dir/sub/two.txt"),
    "tar-gzip": sh("tar czf x.tgz dir && tar tzf x.tgz"),
    "gzip-roundtrip": sh("gzip -c a.txt | gunzip | cmp - a.txt && echo ok"),
    "gzip-file": sh("gzip -9 nums.txt && ls && gunzip nums.txt.gz && cat nums.txt"),
    "gunzip": (["gunzip", "-c", "a.txt.gz"], ""),
    "zcat": (["zcat", "a.txt.gz"], ""),
    "bzip2-d": (["bzip2", "-d", "-c", "a.txt.bz2"], ""),
    "bunzip2": sh("bunzip2 a.txt.bz2 && wc -c a.txt"),
    "xz-d": (["xz", "-d", "-c", "a.txt.xz"], ""),
    "md5sum": (["md5sum", "a.txt", "bin.dat"], ""),
    "sha1sum": (["sha1sum", "a.txt", "bin.dat"], ""),
    "sha256sum": (["sha256sum", "a.txt", "bin.dat"], ""),
    "sha512sum": (["sha512sum", "a.txt", "bin.dat"], ""),
    "sha256sum-check": sh("sha256sum a.txt > sums && sha256sum -c sums"),
    "cksum": (["cksum", "a.txt", "bin.dat"], ""),
    "sha3sum": (["sha3sum", "a.txt"], ""),
    "expand": (["expand", "-t", "4"], "a\tb\tc\n\td\n"),
    "dos2unix": sh("printf 'a\\r\\nb\\r\\n' > w.txt; dos2unix w.txt; od -c w.txt"),
    "fgrep": (["fgrep", "a.b", "-"], "a.b\naxb\n"),
    "md5sum-stdin": (["md5sum"], TEXT * 100),
    # -- system -----------------------------------------------------------------------------
    "date-epoch": (["date", "-u", "-d", "@1700000000"], ""),
    "date-format": (["date", "-u", "-d", "@86400", "+%Y-%m-%d %H:%M:%S %j %a"], ""),
    "env-i": (["env", "-i", "A=1", "B=two", "env"], ""),
    "id-consistent": sh('[ "$(id -u)" = "$(id -u)" ] && [ "$(id -un)" = "$(whoami)" ] && echo same'),
    "uname": (["uname", "-s", "-m"], ""),
    "sleep": (["sleep", "0.01"], ""),
    "timeout-kills": (["timeout", "0.2", "sleep", "3"], ""),
    "kill-l": (["kill", "-l", "9"], ""),
    "true": (["true"], ""),
    "false": (["false"], ""),
    "unknown-applet": (["nosuchapplet"], ""),
    "yes-head": sh("yes abc | head -n 3"),
    "which-missing": (["which", "nosuchprogram_x"], ""),
    "nproc-positive": sh("[ $(nproc) -ge 1 ] && echo ok"),
    "usleep": (["usleep", "1000"], ""),
    "factor": (["factor", "360", "97", "1000001"], ""),
    "cal": (["cal", "2", "2024"], ""),
}


@pytest.fixture(scope="module")
def translated_busybox(tmp_path_factory) -> Path:
    assert BUSYBOX.exists(), "busybox-static is not installed"
    out = tmp_path_factory.mktemp("busybox") / "busybox"
    t0 = time.monotonic()
    r = translate(BUSYBOX, out)
    assert r.returncode == 0, r.stderr
    print(f"busybox translated in {time.monotonic() - t0:.1f} s")
    return out


def _run(exe: Path, argv: list[str], stdin: str, d: Path):
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "HOME": str(d), "ONLY_HERE": "yes"}
    return run_program(["busybox", *argv], stdin=stdin.encode(), cwd=d, env=env, timeout=60, executable=exe)


@pytest.mark.parametrize("case", list(CASES))
def test_busybox(case, translated_busybox, tmp_path):
    argv, stdin = CASES[case]
    results = []
    for who, exe in (("native", BUSYBOX), ("translated", translated_busybox)):
        d = tmp_path / who / "work"     # the same path length and name for both
        d.mkdir(parents=True)
        populate(d)
        out, err, rc = _run(exe, argv, stdin, d)
        results.append((out.replace(str(d).encode(), b"<dir>"), err.replace(str(d).encode(), b"<dir>"),
                        rc, snapshot(d)))
    (n_out, n_err, n_rc, n_files), (t_out, t_err, t_rc, t_files) = results
    assert t_rc == n_rc, (n_rc, t_rc, t_err)
    assert t_out == n_out
    assert t_err == n_err
    assert t_files == n_files


def test_exec_runs_the_translated_busybox(translated_busybox, tmp_path):
    """The shell execs /proc/self/exe for an applet: that is the translated busybox again."""
    out, err, rc = _run(translated_busybox, ["sh", "-c", "exec readlink /proc/self/exe"], "", tmp_path)
    assert (out.decode().strip(), err, rc) == (str(translated_busybox), b"", 0)
