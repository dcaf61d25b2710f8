"""Address-free chunks: two static programs link libc at other addresses, and the second
one's translation finds most of its chunks compiled by the first (translator/chunks.py)."""
from __future__ import annotations

import json

from tests.util import build_c, run_program, translate

PROGRAMS = {
    "first": r'''
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], 0, 10) : 3;
    printf("first %ld %s\n", n * 3, argv[0]);
    return (int)(n % 7);
}
''',
    "second": r'''
#include <stdio.h>
#include <string.h>
static const char text[] = "a longer string in the second program's read-only data";
static int weigh(const char *s) { return (int)strlen(s) * 5; }
int main(int argc, char **argv) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s/%d", text, weigh(argv[0]) + argc);
    puts(buf);
    fprintf(stderr, "second %zu\n", strlen(buf));
    return 3;
}
''',
}


def test_static_programs_share_libc_chunks(tmp_path):
    reports = {}
    for name, src in PROGRAMS.items():
        c = tmp_path / f"{name}.c"
        c.write_text(src)
        native = build_c(c, tmp_path / name)
        out = tmp_path / f"{name}.native"
        r = translate(native, out, "--report", tmp_path / f"{name}.json")
        assert r.returncode == 0, r.stderr
        reports[name] = json.loads((tmp_path / f"{name}.json").read_text())
        for args in ([], ["12"]):
            # the same argv[0] (the programs print it)
            assert run_program([native, *args], executable=out) == run_program([native, *args])
    second = reports["second"]
    # Everything but the program's own code and the few libc functions it links apart from
    # the first (measured: 105 of 125 chunks, 85% of the instructions).
    assert second["cached_chunks"] >= 0.7 * second["chunks"], second
