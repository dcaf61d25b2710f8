"""The syscall table (syscall-shims/x86_64.tbl), its loader, and the page generated from it."""
from __future__ import annotations

import errno
import re
from collections import Counter

import pytest

from translator import docs

syscall_shims = docs.load_syscall_shims()

# The spec: every "common" and "64" entry of the kernel's arch/x86/entry/syscalls/syscall_64.tbl
# (Linux 7.0), as "<number> <abi> <name>", copied from that file (entry point columns left out).
# The x32 entries (512-547) are not x86-64 system calls and are not listed.
KERNEL_SYSCALL_64_TBL = """
0 common read
1 common write
2 common open
3 common close
4 common stat
5 common fstat
6 common lstat
7 common poll
8 common lseek
9 common mmap
10 common mprotect
11 common munmap
12 common brk
13 64 rt_sigaction
14 common rt_sigprocmask
15 64 rt_sigreturn
16 64 ioctl
17 common pread64
18 common pwrite64
19 64 readv
20 64 writev
21 common access
22 common pipe
23 common select
24 common sched_yield
25 common mremap
26 common msync
27 common mincore
28 common madvise
29 common shmget
30 common shmat
31 common shmctl
32 common dup
33 common dup2
34 common pause
35 common nanosleep
36 common getitimer
37 common alarm
38 common setitimer
39 common getpid
40 common sendfile
41 common socket
42 common connect
43 common accept
44 common sendto
45 64 recvfrom
46 64 sendmsg
47 64 recvmsg
48 common shutdown
49 common bind
50 common listen
51 common getsockname
52 common getpeername
53 common socketpair
54 64 setsockopt
55 64 getsockopt
56 common clone
57 common fork
58 common vfork
59 64 execve
60 common exit
61 common wait4
62 common kill
63 common uname
64 common semget
65 common semop
66 common semctl
67 common shmdt
68 common msgget
69 common msgsnd
70 common msgrcv
71 common msgctl
72 common fcntl
73 common flock
74 common fsync
75 common fdatasync
76 common truncate
77 common ftruncate
78 common getdents
79 common getcwd
80 common chdir
81 common fchdir
82 common rename
83 common mkdir
84 common rmdir
85 common creat
86 common link
87 common unlink
88 common symlink
89 common readlink
90 common chmod
91 common fchmod
92 common chown
93 common fchown
94 common lchown
95 common umask
96 common gettimeofday
97 common getrlimit
98 common getrusage
99 common sysinfo
100 common times
101 64 ptrace
102 common getuid
103 common syslog
104 common getgid
105 common setuid
106 common setgid
107 common geteuid
108 common getegid
109 common setpgid
110 common getppid
111 common getpgrp
112 common setsid
113 common setreuid
114 common setregid
115 common getgroups
116 common setgroups
117 common setresuid
118 common getresuid
119 common setresgid
120 common getresgid
121 common getpgid
122 common setfsuid
123 common setfsgid
124 common getsid
125 common capget
126 common capset
127 64 rt_sigpending
128 64 rt_sigtimedwait
129 64 rt_sigqueueinfo
130 common rt_sigsuspend
131 64 sigaltstack
132 common utime
133 common mknod
134 64 uselib
135 common personality
136 common ustat
137 common statfs
138 common fstatfs
139 common sysfs
140 common getpriority
141 common setpriority
142 common sched_setparam
143 common sched_getparam
144 common sched_setscheduler
145 common sched_getscheduler
146 common sched_get_priority_max
147 common sched_get_priority_min
148 common sched_rr_get_interval
149 common mlock
150 common munlock
151 common mlockall
152 common munlockall
153 common vhangup
154 common modify_ldt
155 common pivot_root
156 64 _sysctl
157 common prctl
158 common arch_prctl
159 common adjtimex
160 common setrlimit
161 common chroot
162 common sync
163 common acct
164 common settimeofday
165 common mount
166 common umount2
167 common swapon
168 common swapoff
169 common reboot
170 common sethostname
171 common setdomainname
172 common iopl
173 common ioperm
174 64 create_module
175 common init_module
176 common delete_module
177 64 get_kernel_syms
178 64 query_module
179 common quotactl
180 64 nfsservctl
181 common getpmsg
182 common putpmsg
183 common afs_syscall
184 common tuxcall
185 common security
186 common gettid
187 common readahead
188 common setxattr
189 common lsetxattr
190 common fsetxattr
191 common getxattr
192 common lgetxattr
193 common fgetxattr
194 common listxattr
195 common llistxattr
196 common flistxattr
197 common removexattr
198 common lremovexattr
199 common fremovexattr
200 common tkill
201 common time
202 common futex
203 common sched_setaffinity
204 common sched_getaffinity
205 64 set_thread_area
206 64 io_setup
207 common io_destroy
208 common io_getevents
209 64 io_submit
210 common io_cancel
211 64 get_thread_area
212 common lookup_dcookie
213 common epoll_create
214 64 epoll_ctl_old
215 64 epoll_wait_old
216 common remap_file_pages
217 common getdents64
218 common set_tid_address
219 common restart_syscall
220 common semtimedop
221 common fadvise64
222 64 timer_create
223 common timer_settime
224 common timer_gettime
225 common timer_getoverrun
226 common timer_delete
227 common clock_settime
228 common clock_gettime
229 common clock_getres
230 common clock_nanosleep
231 common exit_group
232 common epoll_wait
233 common epoll_ctl
234 common tgkill
235 common utimes
236 64 vserver
237 common mbind
238 common set_mempolicy
239 common get_mempolicy
240 common mq_open
241 common mq_unlink
242 common mq_timedsend
243 common mq_timedreceive
244 64 mq_notify
245 common mq_getsetattr
246 64 kexec_load
247 64 waitid
248 common add_key
249 common request_key
250 common keyctl
251 common ioprio_set
252 common ioprio_get
253 common inotify_init
254 common inotify_add_watch
255 common inotify_rm_watch
256 common migrate_pages
257 common openat
258 common mkdirat
259 common mknodat
260 common fchownat
261 common futimesat
262 common newfstatat
263 common unlinkat
264 common renameat
265 common linkat
266 common symlinkat
267 common readlinkat
268 common fchmodat
269 common faccessat
270 common pselect6
271 common ppoll
272 common unshare
273 64 set_robust_list
274 64 get_robust_list
275 common splice
276 common tee
277 common sync_file_range
278 64 vmsplice
279 64 move_pages
280 common utimensat
281 common epoll_pwait
282 common signalfd
283 common timerfd_create
284 common eventfd
285 common fallocate
286 common timerfd_settime
287 common timerfd_gettime
288 common accept4
289 common signalfd4
290 common eventfd2
291 common epoll_create1
292 common dup3
293 common pipe2
294 common inotify_init1
295 64 preadv
296 64 pwritev
297 64 rt_tgsigqueueinfo
298 common perf_event_open
299 64 recvmmsg
300 common fanotify_init
301 common fanotify_mark
302 common prlimit64
303 common name_to_handle_at
304 common open_by_handle_at
305 common clock_adjtime
306 common syncfs
307 64 sendmmsg
308 common setns
309 common getcpu
310 64 process_vm_readv
311 64 process_vm_writev
312 common kcmp
313 common finit_module
314 common sched_setattr
315 common sched_getattr
316 common renameat2
317 common seccomp
318 common getrandom
319 common memfd_create
320 common kexec_file_load
321 common bpf
322 64 execveat
323 common userfaultfd
324 common membarrier
325 common mlock2
326 common copy_file_range
327 64 preadv2
328 64 pwritev2
329 common pkey_mprotect
330 common pkey_alloc
331 common pkey_free
332 common statx
333 common io_pgetevents
334 common rseq
335 common uretprobe
336 common uprobe
424 common pidfd_send_signal
425 common io_uring_setup
426 common io_uring_enter
427 common io_uring_register
428 common open_tree
429 common move_mount
430 common fsopen
431 common fsconfig
432 common fsmount
433 common fspick
434 common pidfd_open
435 common clone3
436 common close_range
437 common openat2
438 common pidfd_getfd
439 common faccessat2
440 common process_madvise
441 common epoll_pwait2
442 common mount_setattr
443 common quotactl_fd
444 common landlock_create_ruleset
445 common landlock_add_rule
446 common landlock_restrict_self
447 common memfd_secret
448 common process_mrelease
449 common futex_waitv
450 common set_mempolicy_home_node
451 common cachestat
452 common fchmodat2
453 common map_shadow_stack
454 common futex_wake
455 common futex_wait
456 common futex_requeue
457 common statmount
458 common listmount
459 common lsm_get_self_attr
460 common lsm_set_self_attr
461 common lsm_list_modules
462 common mseal
463 common setxattrat
464 common getxattrat
465 common listxattrat
466 common removexattrat
467 common open_tree_attr
468 common file_getattr
469 common file_setattr
470 common listns
471 common rseq_slice_yield
"""

KERNEL_ENTRIES = [line.split() for line in KERNEL_SYSCALL_64_TBL.strip().splitlines()]
KERNEL_NUMBERS = [(int(nr), name) for nr, _abi, name in KERNEL_ENTRIES]


@pytest.fixture(scope="module")
def rows():
    return syscall_shims.load_table()


# --- the spec literal itself -----------------------------------------------------------------

def test_kernel_list_is_well_formed():
    assert all(len(entry) == 3 for entry in KERNEL_ENTRIES)
    assert {abi for _nr, abi, _name in KERNEL_ENTRIES} == {"common", "64"}
    numbers = [nr for nr, _name in KERNEL_NUMBERS]
    assert numbers == sorted(set(numbers))
    # 0-336 without holes, then the block the kernel restarted at 424 ("don't use 387-423").
    assert [n for n in numbers if n < 424] == list(range(337))
    assert [n for n in numbers if n >= 424] == list(range(424, 472))
    assert len({name for _nr, name in KERNEL_NUMBERS}) == len(KERNEL_NUMBERS)


# --- the table ---------------------------------------------------------------------------------

def test_table_parses(rows):
    assert rows
    assert [r.nr for r in rows] == sorted(r.nr for r in rows)
    assert all(r.kind in syscall_shims.KINDS for r in rows)


def test_one_row_per_kernel_syscall(rows):
    table = [(r.nr, r.name) for r in rows]
    missing = sorted(set(KERNEL_NUMBERS) - set(table))
    extra = sorted(set(table) - set(KERNEL_NUMBERS))
    assert not missing and not extra, f"missing {missing}, not in the kernel's table {extra}"
    assert table == KERNEL_NUMBERS


@pytest.mark.parametrize("name, nr", [
    ("read", 0), ("write", 1), ("open", 2), ("close", 3), ("fstat", 5), ("mmap", 9),
    ("brk", 12), ("rt_sigaction", 13), ("ioctl", 16), ("clone", 56), ("fork", 57),
    ("execve", 59), ("exit", 60), ("uname", 63), ("arch_prctl", 158), ("gettid", 186),
    ("futex", 202), ("set_tid_address", 218), ("exit_group", 231), ("openat", 257),
    ("newfstatat", 262), ("set_robust_list", 273), ("prlimit64", 302), ("getrandom", 318),
    ("rseq", 334), ("io_uring_setup", 425), ("clone3", 435), ("mseal", 462),
])
def test_well_known_numbers(name, nr):
    assert syscall_shims.by_name()[name].nr == nr


def test_every_row_has_a_signature(rows):
    for r in rows:
        assert r.signature, r.name
        assert "__user" not in r.signature, r.name
        assert r.nargs <= 6, r.name
        if r.signature != "void":
            assert all(p and p != "void" for p in r.params), r.name


def test_shim_handlers_are_named_after_their_row(rows):
    # The runtime defines one emitter shim_<name> per emulated or translated row.
    for r in rows:
        if r.kind in ("emulated", "translated"):
            assert r.handler == f"shim_{r.name}", r.name


def test_passthrough_rows_name_no_handler(rows):
    assert all(r.handler == "-" for r in rows if r.kind == "passthrough")


def test_denied_rows_name_a_real_errno_and_a_reason(rows):
    for r in rows:
        if r.kind == "denied":
            assert isinstance(getattr(errno, r.errno, None), int), f"{r.name}: {r.handler}"
            assert r.handler in (r.errno, r.errno + " quiet"), r.name
            assert r.note, r.name


def test_threads_and_signals_are_served(rows):
    by_name = syscall_shims.by_name()
    for name in ("clone", "clone3", "vfork", "exit", "rt_sigaction", "rt_sigreturn", "sigaltstack"):
        assert by_name[name].kind == "emulated", name
    assert by_name["rt_sigsuspend"].kind == "passthrough"


def test_quiet_denials_are_what_linux_answers_or_what_libc_expects(rows):
    # A denied row prints a warning when called (runtime/strace.py) unless it is quiet: the
    # numbers Linux x86-64 itself answers ENOSYS, and rseq, which glibc registers at every
    # start and does without on ENOSYS.  Anything else denied must warn.
    for r in rows:
        if r.kind == "denied" and r.quiet:
            assert r.errno == "ENOSYS", r.name
            assert r.note.startswith(("obsolete", "never implemented", "32-bit only")) or r.name == "rseq", r.name
    assert not syscall_shims.by_name()["ptrace"].quiet


# --- the parser --------------------------------------------------------------------------------

GOOD_ROW = "0 | read | passthrough | - | unsigned int fd, char *buf, size_t count |"


def test_parser_accepts_comments_and_blank_lines():
    rows = syscall_shims.parse_table(f"# header\n\n{GOOD_ROW}\n  # indented comment\n")
    assert [(r.nr, r.name, r.nargs) for r in rows] == [(0, "read", 3)]


@pytest.mark.parametrize("text, message", [
    ("0 | read | passthrough | - | unsigned int fd", "expected 6 columns, found 5"),
    ("0 | read | passthrough | - | void | note | extra", "expected 6 columns, found 7"),
    (f"{GOOD_ROW}\n0 | write | passthrough | - | void |", "number 0 already used by read"),
    (f"{GOOD_ROW}\n1 | read | passthrough | - | void |", "read appears twice"),
    ("0 | read | native | - | void |", "unknown kind 'native'"),
    ("x | read | passthrough | - | void |", "bad syscall number 'x'"),
    ("9 | mmap | emulated | mmap | void |", "emulated rows name a shim_\\* handler"),
    ("0 | read | denied | nope | void | why", "denied rows name an errno"),
    ("0 | read | denied | ENOSYS | void |", "denied rows need a reason"),
])
def test_parser_rejects_bad_tables(text, message):
    with pytest.raises(syscall_shims.TableError, match=message):
        syscall_shims.parse_table(text, "bad.tbl")


def test_parser_errors_name_the_line():
    with pytest.raises(syscall_shims.TableError, match=r"^bad\.tbl:3: "):
        syscall_shims.parse_table(f"# header\n{GOOD_ROW}\n0 | write | passthrough | - | void |",
                                  "bad.tbl")


# --- the generated page ------------------------------------------------------------------------

def test_every_kind_has_a_meaning_on_the_page():
    assert set(docs.KIND_MEANINGS) == set(syscall_shims.KINDS)


def test_syscalls_page_is_up_to_date():
    page = docs.REPO_ROOT / "docs" / "syscalls.md"
    assert page.read_text(encoding="utf-8") == docs.render_syscalls(), (
        f"docs/syscalls.md is out of date: run {docs.REGENERATE}")


def test_syscalls_page_lists_every_row(rows):
    page = docs.render_syscalls()
    for r in rows:
        assert f"| {r.nr} | `{r.name}` | {r.kind} |" in page


def _page_tables(page: str) -> list[list[list[str]]]:
    """The Markdown tables of a page: rows of cells, the header row first (no separator)."""
    tables, current = [], None
    for line in page.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if current is None:
                current = []
                tables.append(current)
            if not set("".join(cells)) <= set("-:"):
                current.append(cells)
        else:
            current = None
    return tables


@pytest.fixture(scope="module")
def page_counts():
    """host -> way label -> count, from the summary table of the rendered page."""
    header, *body = _page_tables(docs.render_syscalls())[0]
    assert header[:2] == ["way", "meaning"]
    hosts = header[2:]
    return {h: {row[0]: int(row[2 + i]) for row in body} for i, h in enumerate(hosts)}


def test_syscalls_page_has_a_column_per_host(page_counts):
    from runtime import backends
    assert list(page_counts) == ["x86_64-linux", "aarch64-linux", "x86_64-windows"]
    assert len(page_counts) == len(backends.BACKENDS)
    header = _page_tables(docs.render_syscalls())[1][0]
    assert header == ["nr", "name", "kind", *page_counts, "note"]


def test_syscalls_page_counts_add_up(rows, page_counts):
    """Every host's ways cover each guest call once; the runtime's own kinds (translated,
    emulated, denied) are the same on every host, and x86_64-linux passes the rest through."""
    kinds = Counter(r.kind for r in rows)
    for host, counts in page_counts.items():
        ways = {k: v for k, v in counts.items() if k not in ("**served**", "total")}
        assert sum(ways.values()) == counts["total"] == len(rows), host
        assert counts["**served**"] == len(rows) - counts["denied"] - counts["not served (`ENOSYS`)"]
        for kind in ("translated", "emulated", "denied"):
            assert counts[kind] == kinds[kind], (host, kind)
    assert page_counts["x86_64-linux"]["passthrough"] == kinds["passthrough"]


def test_syscalls_page_aarch64_counts_are_the_runtimes_routes(rows, page_counts):
    """aarch64-linux: the counts are those of the routes the runtime builds its dispatch from
    (runtime/hostcalls.routes over syscall-shims/aarch64.tbl)."""
    from runtime import backends, hostcalls
    from runtime.irkit import RuntimeModule
    routes = hostcalls.routes(RuntimeModule("page", backends.get("aarch64-linux")), rows)
    how = Counter(what for what, _ in routes.values())
    counts = page_counts["aarch64-linux"]
    assert counts["passthrough"] == how["pass"]
    assert counts["passthrough, through other calls"] == how["shim"]
    assert counts["not served (`ENOSYS`)"] == how["absent"]
    assert how["pass"] + how["shim"] + how["absent"] == sum(r.kind == "passthrough" for r in rows)


def test_syscalls_page_windows_counts_are_the_providers_table(rows, page_counts):
    """x86_64-windows: a passthrough call is served by the provider when windows.tbl gives it
    a function (the provider's dispatch table, lx_table.inc, has its number); every other
    passthrough call answers ENOSYS there; emulated and denied calls never reach it."""
    from runtime.backends import x86_64_windows
    table = syscall_shims.load_windows_table()
    passthrough = [r for r in rows if r.kind == "passthrough"]
    with_fn = sum(table.get(r.name, "-") != "-" for r in passthrough)
    slots = {int(nr) for nr in re.findall(r"^    \[(\d+)\] = \w+,$", x86_64_windows._table_source(), re.M)}
    counts = page_counts["x86_64-windows"]
    assert counts["Windows provider"] == with_fn == len(slots & {r.nr for r in passthrough})
    assert counts["not served (`ENOSYS`)"] == len(passthrough) - with_fn
    assert counts["passthrough"] == counts["passthrough, through other calls"] == 0


def test_syscalls_page_cells_and_host_notes(rows):
    """Each call's row names how each host serves it, and every note of windows.tbl (and of the
    aarch64 rows the runtime uses) is on the page, marked with its host."""
    page = docs.render_syscalls()
    call = {r[1].strip("`"): dict(zip(("x86_64-linux", "aarch64-linux", "x86_64-windows", "note"), r[3:]))
            for r in _page_tables(page)[1][1:]}
    assert call["read"]["x86_64-linux"] == "same call"
    assert call["read"]["aarch64-linux"] == "same call (63)"
    assert call["open"]["aarch64-linux"] == "via `openat(AT_FDCWD, a0, oflags(a1), a2)`"
    assert call["ustat"]["aarch64-linux"] == "ENOSYS"
    assert call["mmap"]["x86_64-windows"] == "`shim_mmap`"
    assert call["ptrace"]["aarch64-linux"] == "`EPERM`"

    def on_page(note):
        return note.replace("\\", "\\\\").replace("|", "\\|")
    windows = syscall_shims.load_provider_table()
    for r in rows:
        cells, w = call[r.name], windows.get(r.name)
        served = "ENOSYS" if w is None or w.fn == "-" else f"`{w.fn}`"
        if r.kind == "passthrough":
            assert cells["x86_64-windows"] == served, r.name
            if w is not None and w.note:
                assert f"*x86_64-windows:* {on_page(w.note)}" in cells["note"], r.name
            aarch64_note = syscall_shims.load_host_table("aarch64")[r.name].note
            if aarch64_note:
                assert f"*aarch64-linux:* {on_page(aarch64_note)}" in cells["note"], r.name
        elif w is not None and w.note:       # the provider's row serves the runtime's own calls
            assert f"*x86_64-windows:* the runtime's own calls ({served}): {on_page(w.note)}" in cells["note"], r.name


def test_main_writes_pages_and_check_reports_stale_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(docs, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(docs, "GENERATED", {"docs/page.md": lambda: "generated\n"})
    assert docs.main(["--check"]) == 1
    assert "docs/page.md is out of date" in capsys.readouterr().err
    assert not (tmp_path / "docs" / "page.md").exists()
    assert docs.main([]) == 0
    assert (tmp_path / "docs" / "page.md").read_text() == "generated\n"
    assert docs.main(["--check"]) == 0
    (tmp_path / "docs" / "page.md").write_text("edited by hand\n")
    assert docs.main(["--check"]) == 1


def test_windows_table_names_linux_calls_and_provider_functions(rows):
    """syscall-shims/windows.tbl: every row is a Linux x86-64 call, and every function it
    names is defined by the Windows provider (runtime/backends/x86_64_windows/*.c)."""
    import re
    from pathlib import Path
    from runtime.backends import x86_64_windows
    names = {r.name for r in rows}
    table = syscall_shims.load_windows_table()
    assert set(table) <= names, sorted(set(table) - names)
    sources = "".join(p.read_text() for p in Path(x86_64_windows.HERE).glob("*.c"))
    defined = set(re.findall(r"^SYSCALL\((\w+)\)\s*$|^SYSCALL\((\w+)\) \{", sources, re.M))
    defined = {a or b for a, b in defined}
    used = {fn for fn in table.values() if fn != "-"}
    assert used <= defined, sorted(used - defined)


def test_windows_imports_are_the_def_files():
    """The import libraries come from kernel32.def and kernelbase.def: they list exactly the
    functions win32.h declares (an extra name would be imported for nothing, a missing one
    would not link)."""
    import re
    from pathlib import Path
    from runtime.backends import x86_64_windows
    here = Path(x86_64_windows.HERE)
    declared = set(re.findall(r"^IMPORT [^;]*?WINAPI \*?(\w+)\(", (here / "win32.h").read_text(), re.M))
    listed = set()
    for dll in x86_64_windows.DLLS:
        text = (here / f"{dll}.def").read_text()
        exports = text.split("EXPORTS", 1)[1]
        listed |= {ln.strip() for ln in exports.splitlines() if ln.strip() and not ln.startswith(";")}
    assert declared == listed, (sorted(declared - listed), sorted(listed - declared))
