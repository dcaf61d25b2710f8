"""Discovery (translator/cfg.py, translator/jumptables.py) on a hand-written program whose
layout is the one gcc gives big programs: a function's cold part far below it, and a jump
table whose target block ends in another table."""
from __future__ import annotations

import re
from pathlib import Path

from translator.cfg import Discovery, discover
from translator.lift.module import LiftOptions, lift_chunk
from translator.image import load_image
from tests.util import build_nolibc, run_program, same_as_native, translate

FARCOLD = Path(__file__).resolve().parent / "inputs" / "farcold.S"


def test_tables_found_without_decoding_the_code_between(tmp_path):
    native = build_nolibc(FARCOLD, tmp_path / "farcold")
    image = load_image(str(native))
    f = next(a for a, name in image.symbols.items() if name == "f")
    disc = Discovery(image)
    fn = disc.explore(f, set(), set())
    tables = sorted((len(jt.targets), jt.bounded) for jt in fn.jump_tables.values())
    assert tables == [(2, True), (4, True)]
    # the 8,000 instructions between the cold part and f are never decoded: a straight line
    # ends at a ret (before, each table's backward slice decoded them all)
    assert len(disc.dec.cache) < 1000, len(disc.dec.cache)


def test_bounded_tables_switch_on_their_index(tmp_path):
    """Both of f's tables are read-only with their entries in order, each read in its jump's
    block: the lifted jump is a switch on the entry's index, the address match behind it."""
    native = build_nolibc(FARCOLD, tmp_path / "farcold")
    image = load_image(str(native))
    f = next(a for a, name in image.symbols.items() if name == "f")
    cfg = discover(image)
    tables = cfg.functions[f].jump_tables.values()
    assert sorted(len(jt.targets) for jt in tables if jt.load_at is not None) == [2, 4]
    text = lift_chunk(cfg, [f], LiftOptions()).text
    assert len(re.findall(r"switch i64 %\S+, label %table_miss", text)) == 2, text


def test_far_cold_part_translates(tmp_path):
    native = build_nolibc(FARCOLD, tmp_path / "farcold")
    out = tmp_path / "farcold.native"
    r = translate(native, out)
    assert r.returncode == 0, r.stderr
    assert run_program(["farcold"], executable=out) == run_program(["farcold"], executable=native)


ANCHOR = Path(__file__).resolve().parent / "inputs" / "anchor.S"


def test_decoding_stops_at_code_the_file_names(tmp_path):
    native = build_nolibc(ANCHOR, tmp_path / "anchor")
    image = load_image(str(native))
    init = image.init_array[0]
    assert init not in image.symbols
    cfg = Discovery(image).run()
    assert init in cfg.functions
    for f in cfg.functions.values():
        for b in f.blocks.values():
            for i in b.insns:
                assert not i.address < init < i.address + i.size, (hex(i.address), i.mnemonic, i.op_str)
                assert i.mnemonic != "in", hex(i.address)
    out = tmp_path / "anchor.native"
    r = translate(native, out)
    assert r.returncode == 0, r.stderr
    assert run_program(["anchor"], executable=out) == run_program(["anchor"], executable=native)


RETINTO = Path(__file__).resolve().parent / "inputs" / "retinto.S"


def test_return_site_at_another_functions_entry(tmp_path):
    """A function ends at a call (or syscall) whose return site starts another named
    function: its extent does not depend on what the linker put after it, and a callee that
    does return goes on into the next function."""
    native = build_nolibc(RETINTO, tmp_path / "retinto")
    image = load_image(str(native))
    by_name = {name: a for a, name in image.symbols.items()}
    cfg = discover(image)
    for name, nxt in (("first", "second"), ("second", "third")):
        f = cfg.functions[by_name[name]]
        assert max(b.end for b in f.blocks.values()) == by_name[nxt], name
        assert by_name[nxt] in cfg.functions
    got = same_as_native(native, tmp_path, "retinto")
    assert got[2] == 42, got


DISPATCH = Path(__file__).resolve().parent / "inputs" / "dispatch.S"


def test_unbounded_table_switches_on_its_index(tmp_path):
    """A threaded-code dispatch shaped like Lua's: the index is masked, not compared, and
    the next operand is decoded between the entry's read and the jump.  Each jump switches
    on the entry's index over the three entries recovered; the fourth entry (another
    function) runs through the address match behind the switch."""
    native = build_nolibc(DISPATCH, tmp_path / "dispatch")
    image = load_image(str(native))
    interp = next(a for a, name in image.symbols.items() if name == "interp")
    cfg = discover(image)
    tables = list(cfg.functions[interp].jump_tables.values())
    assert [(len(jt.targets), jt.bounded, jt.load_at is not None) for jt in tables] == [(3, False, True)] * 3
    text = lift_chunk(cfg, [interp], LiftOptions()).text
    assert len(re.findall(r"switch i64 %\S+, label %table_miss", text)) == 3, text
    got = same_as_native(native, tmp_path, "dispatch")
    assert got[2] == 156, got
