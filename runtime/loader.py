"""The loader: the host executable's entry. It builds the guest's address space from nothing
(a "minimal process") and enters the dispatcher at the guest entry point.

1. guest segments at their guest addresses (MAP_FIXED_NOREPLACE; a taken range is an error),
   their initial pages moved there from the executable's own mapping of the embedded image
   (mremap: nothing is copied, and pages the guest never touches are never read), then
   protected as the ELF says (never executable);
2. a brk area after the guest's bss (served by shim_brk);
3. a guest stack with argc, argv, envp and an auxv describing the guest (AT_PHDR, AT_ENTRY...;
   the host's AT_RANDOM, AT_PLATFORM, AT_EXECFN are kept, the vDSO is hidden);
4. the initial State, then a large host stack for the lifted code, and the dispatcher.
"""
from __future__ import annotations

import dataclasses

from llvmlite import ir

from runtime import crashtrace, strace
from runtime.irkit import I8, I32, I64, P8, VOID, Asm, RuntimeModule, c32, c64, loop_range
from translator.errors import RT_EXIT_LOAD

PROT_READ, PROT_WRITE = 1, 2
PAGE = 4096         # the guest's page size: the regions' and the blob's alignment (pipeline.guest_layout)
MREMAP_MAYMOVE, MREMAP_FIXED = 1, 2
MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE = 0x2, 0x20, 0x4000
MAP_FIXED_NOREPLACE = 0x100000
AT_NULL, AT_IGNORE, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_ENTRY, AT_SYSINFO_EHDR = \
    0, 1, 3, 4, 5, 7, 9, 33

GUEST_STACK_SIZE = 64 << 20      # reserved, not committed
HOST_STACK_SIZE = 4 << 30        # lifted frames for deep guest recursion; reserved only
BRK_RESERVE = 1 << 40            # how far brk may grow


@dataclasses.dataclass
class GuestLayout:
    """What the loader needs to know about the guest, computed by the translator."""
    regions: list[tuple[int, int, int]]     # page-aligned (start, size, prot)
    copies: list[tuple[int, int, int]]      # (guest address, offset in blob, size), page-aligned
    blob: bytes                             # the regions' initial pages (pipeline.guest_layout)
    entry: int
    phdr: int
    phnum: int
    phent: int
    brk_start: int
    interp_base: int = 0                    # AT_BASE: where the interpreter is mapped (0: none)
    start: int = 0                          # the first guest instruction (the interpreter's entry, or entry)
    # (guest path, host path, module base or 0): files the runtime serves from its own copies
    embedded: list[tuple[str, str, int]] = dataclasses.field(default_factory=list)
    origin: str = ""                        # the program's $ORIGIN when translated (runtime/overlay.py)


# rt_layout: the guest's numbers, in this order (data() writes them, build() reads them)
LAYOUT = ("entry", "phdr", "phnum", "phent", "interp_base", "start", "regions", "copies")


def data(asm: Asm, layout: GuestLayout, blob_path: str, brk_reserve: int = BRK_RESERVE) -> None:
    """The loader's tables for one guest; ``blob_path`` holds layout.blob; brk may grow
    ``brk_reserve`` bytes (the host's BRK_RESERVE, if it has its own)."""
    values = {"entry": layout.entry, "phdr": layout.phdr, "phnum": layout.phnum, "phent": layout.phent,
              "interp_base": layout.interp_base, "start": layout.start or layout.entry,
              "regions": len(layout.regions), "copies": len(layout.copies)}
    asm.section(".rodata.elf2native_layout")
    asm.table("rt_layout", [values[k] for k in LAYOUT])
    asm.table("rt_regions", [v for r in layout.regions for v in r])
    asm.table("rt_copies", [v for c in layout.copies for v in c])
    # page-aligned and a whole number of pages (pipeline.guest_layout): its pages hold
    # nothing else, build() moves them
    asm.incbin("rt_guest_image", blob_path, align=PAGE)
    asm.section(".data.elf2native_brk", "data")
    for name, value in (("rt_brk_start", layout.brk_start), ("rt_brk_cur", layout.brk_start),
                        ("rt_brk_limit", layout.brk_start + brk_reserve)):
        asm.table(name, [value])


def layout_field(rm: RuntimeModule, b: ir.IRBuilder, name: str) -> ir.Value:
    return b.load(b.gep(rm.extern("rt_layout", I64), [c32(0), c32(LAYOUT.index(name))]))


def build(rm: RuntimeModule):
    """rt_start: the same code for every guest; what it maps and copies is in data()'s tables."""
    be = rm.backend
    S = be.SYS
    blob = rm.extern("rt_guest_image", I8)
    state = rm.global_var("rt_main_state", rm.state_t, align=64)
    for name in ("rt_brk_start", "rt_brk_cur", "rt_brk_limit"):
        rm.extern_scalar(name, I64)
    envp_g = rm.global_var("rt_envp", I64.as_pointer(), internal=False)
    argv0_g = rm.global_var("rt_argv0", P8, internal=False)
    rm.asm_lines.extend(be.ENTRY_ASM)

    f, b = rm.define("rt_start", VOID, [I64.as_pointer()], noreturn=True)
    sp = f.args[0]
    argc = b.load(sp)
    argv = b.gep(sp, [c64(1)])
    envp = b.gep(argv, [b.add(argc, c64(1))])
    b.store(envp, envp_g)
    b.store(b.inttoptr(b.load(argv), P8), argv0_g)
    # count envp entries, find auxv
    envc = _count_until_zero(b, envp, 1)
    auxv = b.gep(envp, [b.add(envc, c64(1))])
    auxc = _count_until_zero(b, auxv, 2)        # (key, value) pairs up to AT_NULL
    # ELF2NATIVE_STRACE: trace every system call (runtime/strace.py)
    with b.if_then(_env_flag(rm, b, envp, envc, strace.ENV_VAR)):
        b.store(ir.Constant(I8, 1), rm.module.globals["rt_strace_on"])
        b.store(be.syscall(b, S["getpid"]), rm.module.globals["rt_strace_pid"])
    # ELF2NATIVE_TRACE: a fatal signal says where the guest was (runtime/crashtrace.py)
    with b.if_then(_env_flag(rm, b, envp, envc, crashtrace.ENV_VAR)):
        b.store(ir.Constant(I8, 1), crashtrace.flag(rm))
        b.call(rm.function("rt_trace_install", VOID, [], internal=True), [])

    # 1. guest segments
    fail = rm.define("rt_map_failed", VOID, [], internal=True, noreturn=True)
    regions, copies = rm.extern("rt_regions", I64), rm.extern("rt_copies", I64)

    def word(b, table, i, k):      # word k of the i-th triple
        return b.load(b.gep(table, [c32(0), b.add(b.mul(i, c64(3)), c64(k))]))

    def map_region(b, i):
        start, size = word(b, regions, i, 0), word(b, regions, i, 1)
        r = be.syscall(b, S["mmap"], start, size, c64(PROT_READ | PROT_WRITE),
                       c64(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), c64(-1), c64(0))
        with b.if_then(b.icmp_unsigned("!=", r, start), likely=False):
            b.call(fail[0], [])
            b.unreachable()
    loop_range(b, layout_field(rm, b, "regions"), map_region)
    memcpy = rm.function("memcpy", P8, [P8, P8, I64])

    def fill_region(b, i):
        """A region's initial pages: the executable's own (private, copy-on-write) pages of
        the blob moved there, so nothing is copied or read before the guest touches it (a
        fork has fewer private pages to share, an exec none to copy); where the move is
        refused (a blob the linker did not align, a kernel or emulator without it), copied."""
        dst, src, size = word(b, copies, i, 0), b.gep(blob, [c32(0), word(b, copies, i, 1)]), word(b, copies, i, 2)
        r = be.syscall(b, S["mremap"], b.ptrtoint(src, I64), size, size,
                       c64(MREMAP_MAYMOVE | MREMAP_FIXED), dst)
        with b.if_then(b.icmp_unsigned("!=", r, dst), likely=False):
            b.call(memcpy, [b.inttoptr(dst, P8), src, size])
    loop_range(b, layout_field(rm, b, "copies"), fill_region)
    loop_range(b, layout_field(rm, b, "regions"), lambda b, i: be.syscall(
        b, S["mprotect"], word(b, regions, i, 0), word(b, regions, i, 1),
        b.and_(word(b, regions, i, 2), c64(PROT_READ | PROT_WRITE))))

    # 3. guest stack
    gstack = be.syscall(b, S["mmap"], c64(0), c64(GUEST_STACK_SIZE), c64(PROT_READ | PROT_WRITE),
                        c64(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE), c64(-1), c64(0))
    top = b.add(gstack, c64(GUEST_STACK_SIZE - 64))
    words = b.add(b.add(b.add(argc, envc), c64(3)), b.mul(b.add(auxc, c64(1)), c64(2)))
    gsp = b.and_(b.sub(top, b.mul(words, c64(8))), c64(-16))
    gp = b.inttoptr(gsp, I64.as_pointer())
    b.store(argc, gp)
    n_ptrs = b.add(b.add(argc, envc), c64(2))    # argv..NULL envp..NULL copied as they are
    loop_range(b, n_ptrs, lambda b, i: b.store(b.load(b.gep(argv, [i])), b.gep(gp, [b.add(i, c64(1))])))
    gaux = b.gep(gp, [b.add(n_ptrs, c64(1))])
    subst = {key: layout_field(rm, b, name) for key, name in
             ((AT_PHDR, "phdr"), (AT_PHENT, "phent"), (AT_PHNUM, "phnum"), (AT_BASE, "interp_base"),
              (AT_ENTRY, "entry"))}

    def copy_aux(b, i):
        k = b.load(b.gep(auxv, [b.mul(i, c64(2))]))
        v = b.load(b.gep(auxv, [b.add(b.mul(i, c64(2)), c64(1))]))
        for key, val in subst.items():
            v = b.select(b.icmp_unsigned("==", k, c64(key)), val, v)
        k = b.select(b.icmp_unsigned("==", k, c64(AT_SYSINFO_EHDR)), c64(AT_IGNORE), k)
        b.store(k, b.gep(gaux, [b.mul(i, c64(2))]))
        b.store(v, b.gep(gaux, [b.add(b.mul(i, c64(2)), c64(1))]))
    loop_range(b, auxc, copy_aux)
    b.store(c64(AT_NULL), b.gep(gaux, [b.mul(auxc, c64(2))]))
    b.store(c64(0), b.gep(gaux, [b.add(b.mul(auxc, c64(2)), c64(1))]))

    # 4. initial State (the rest is zero: rdx = 0 means no rtld_fini for _start)
    b.store(gsp, rm.field(b, state, "rsp"))
    b.store(layout_field(rm, b, "start"), rm.field(b, state, "rip"))
    b.store(c32(0x1F80), rm.field(b, state, "mxcsr"))
    b.store(ir.Constant(ir.IntType(16), 0x37F), rm.field(b, state, "fpu_cw"))
    host_stack = getattr(be, "HOST_STACK_SIZE", HOST_STACK_SIZE)
    hstack = be.syscall(b, S["mmap"], c64(0), c64(host_stack), c64(PROT_READ | PROT_WRITE),
                        c64(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE), c64(-1), c64(0))
    htop = b.add(hstack, c64(host_stack - 256))
    st_addr = b.ptrtoint(state, I64)
    b.store(st_addr, rm.field(b, state, "self"))
    b.store(htop, rm.field(b, state, "host_top"))
    be.set_thread_state(b, st_addr)
    main = rm.function("rt_main", VOID, [rm.state_p], noreturn=True)
    switch = rm.function("rt_switch_stack", VOID, [I64, P8, P8], noreturn=True)
    b.call(switch, [htop, b.bitcast(main, P8), b.bitcast(state, P8)])
    b.unreachable()

    f, b = fail
    b.call(rm.function("rt_write_str", VOID, [I32, P8]),
           [c32(2), rm.cstring("elf2native: cannot map the guest's memory: the address range is taken\n")])
    be.syscall(b, S["exit_group"], c64(RT_EXIT_LOAD))
    b.unreachable()


def _env_flag(rm: RuntimeModule, b: ir.IRBuilder, envp, envc, name: str) -> ir.Value:
    """i1: the environment sets ``name`` to something other than "" or "0"."""
    prefix = (name + "=").encode()
    found = b.alloca(ir.IntType(1))
    b.store(ir.Constant(ir.IntType(1), 0), found)

    def look(b, i):
        entry = b.inttoptr(b.load(b.gep(envp, [i])), P8)
        # byte by byte; a shorter entry stops at its NUL, which never equals a prefix byte
        cont = b.function.append_basic_block("env_next")
        for k, ch in enumerate(prefix):
            bb = b.function.append_basic_block("env_cmp")
            b.cbranch(b.icmp_unsigned("==", b.load(b.gep(entry, [c64(k)])), ir.Constant(I8, ch)), bb, cont)
            b.position_at_end(bb)
        v0 = b.load(b.gep(entry, [c64(len(prefix))]))
        v1 = b.load(b.gep(entry, [c64(len(prefix) + 1)]))
        empty = b.icmp_unsigned("==", v0, ir.Constant(I8, 0))
        zero = b.and_(b.icmp_unsigned("==", v0, ir.Constant(I8, ord("0"))), b.icmp_unsigned("==", v1, ir.Constant(I8, 0)))
        b.store(b.not_(b.or_(empty, zero)), found)
        b.branch(cont)
        b.position_at_end(cont)
    loop_range(b, envc, look)
    return b.load(found)


def _count_until_zero(b: ir.IRBuilder, p: ir.Value, stride: int) -> ir.Value:
    """Number of entries (``stride`` words each) before the one whose first word is 0."""
    head = b.append_basic_block("count_head")
    done = b.append_basic_block("count_done")
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64)
    i.add_incoming(c64(0), pre)
    v = b.load(b.gep(p, [b.mul(i, c64(stride))]))
    i.add_incoming(b.add(i, c64(1)), head)
    b.cbranch(b.icmp_unsigned("==", v, c64(0)), done, head)
    b.position_at_end(done)
    return i
