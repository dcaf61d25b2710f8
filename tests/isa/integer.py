"""Integer core: ALU, moves, extensions, exchanges, stack, flags transfer, addressing forms."""
from .layout import DATA, MEM, STACK_TOP
from .spec import case

LOGIC = ("and", "or", "xor")
ALU = ("add", "adc", "sub", "sbb", "and", "or", "xor", "cmp")


def _alu_undef(op: str) -> str:
    return "af" if op in LOGIC else ""


def _alu_forms(op: str) -> list:
    u = _alu_undef(op)
    return [
        case(f"{op} al, bl", ("rax", "rbx", "flags"), undefined_flags=u),
        case(f"{op} ax, bx", ("rax", "rbx", "flags"), undefined_flags=u),
        case(f"{op} eax, ebx", ("rax", "rbx", "flags"), undefined_flags=u),
        case(f"{op} rax, rbx", ("rax", "rbx", "flags"), undefined_flags=u),
        case(f"{op} ah, dl", ("rax", "rdx", "flags"), undefined_flags=u),
        case(f"{op} r9b, r10b", ("r9", "r10", "flags"), undefined_flags=u),
        case(f"{op} al, 0x80", ("rax", "flags"), undefined_flags=u),
        case(f"{op} ecx, -2", ("rcx", "flags"), undefined_flags=u),
        case(f"{op} rcx, -0x789abcdf", ("rcx", "flags"), undefined_flags=u),
        case(f"{op} dx, 0x7ff1", ("rdx", "flags"), undefined_flags=u),
        case(f"{op} dword ptr [rdi+4], esi", ("mem", "rsi", "flags"), undefined_flags=u),
        case(f"{op} rsi, qword ptr [rdi-8]", ("rsi", "mem", "flags"), undefined_flags=u),
        case(f"{op} byte ptr [rdi+1], 0x5a", ("mem", "flags"), undefined_flags=u),
    ]


def _eq_half(a: str, b: str, width: int):
    """Half of the inputs get b's low `width` bits equal to a's (cmpxchg succeeds)."""
    m = (1 << width) - 1

    def prepare(s, rng):
        if rng.random() < 0.5:
            s.set(b, (s.get(b) & ~m) | (s.get(a) & m))
    return prepare


def _mem_eq_half(reg: str, addr: int, size: int):
    def prepare(s, rng):
        if rng.random() < 0.5:
            s.write(addr, size, s.get(reg))
    return prepare


def _mem_eq_pair_half(lo: str, hi: str, addr: int, size: int):
    """cmpxchg8b/16b: half the time memory equals hi:lo (each half `size` bytes)."""
    def prepare(s, rng):
        if rng.random() < 0.5:
            s.write(addr, size, s.get(lo))
            s.write(addr + size, size, s.get(hi))
    return prepare


def _popf_safe(s, rng):
    """popfq from the stack slot: only arithmetic flags and DF (TF traps, AC faults unaligned)."""
    s.write(STACK_TOP, 8, (s.read(STACK_TOP, 8) & 0xCD5) | 0x202 | (rng.getrandbits(1) << 10))


def _popf_rax_safe(s, rng):
    s.set("rax", (s.get("rax") & 0xFFFFFFFFFFFF0CD5) | 0x202)


CASES = [f for op in ALU for f in _alu_forms(op)] + [
    # test
    case("test al, bl", ("rax", "rbx", "flags"), undefined_flags="af"),
    case("test ax, bx", ("rax", "rbx", "flags"), undefined_flags="af"),
    case("test eax, ebx", ("rax", "rbx", "flags"), undefined_flags="af"),
    case("test rax, rbx", ("rax", "rbx", "flags"), undefined_flags="af"),
    case("test al, 0x81", ("rax", "flags"), undefined_flags="af"),
    case("test cx, 0x8001", ("rcx", "flags"), undefined_flags="af"),
    case("test dword ptr [rdi], esi", ("mem", "rsi", "flags"), undefined_flags="af"),
    case("test r9, r10", ("r9", "r10", "flags"), undefined_flags="af"),
    # neg not inc dec
    *[case(f"{op} {r}", (base, "flags"))
      for op in ("neg", "not", "inc", "dec")
      for r, base in (("al", "rax"), ("ax", "rax"), ("eax", "rax"), ("rax", "rax"), ("bh", "rbx"))],
    case("neg dword ptr [rdi]", ("mem", "flags")),
    case("not qword ptr [rdi+8]", ("mem", "flags")),
    case("inc word ptr [rdi+2]", ("mem", "flags")),
    case("dec byte ptr [rdi-1]", ("mem", "flags")),
    case("inc r11d", ("r11", "flags")),
    case("dec r12", ("r12", "flags")),
    # lea
    case("lea eax, [rbx+rcx*4+8]", ("rbx", "rcx")),
    case("lea rax, [rbx+rcx*8-0x80]", ("rbx", "rcx")),
    case("lea ax, [rbx+rcx]", ("rbx", "rcx")),
    case("lea r10d, [r11+r11*2]", ("r11",)),
    case("lea rax, [rcx*2]", ("rcx",)),
    case("lea rdx, [rsi+0x7fffffff]", ("rsi",)),
    case("lea rax, [rip + data+8]", ("rax",)),
    # mov
    case("mov al, bl", ("rax", "rbx")),
    case("mov ah, bl", ("rax", "rbx")),
    case("mov ax, bx", ("rax", "rbx")),
    case("mov eax, ebx", ("rax", "rbx")),
    case("mov rax, rbx", ("rax", "rbx")),
    case("mov r8b, sil", ("r8", "rsi")),
    case("mov eax, 0x80000000", ("rax",)),
    case("mov rax, -1", ("rax",)),
    case("movabs rax, 0x123456789abcdef0", ("rax",)),
    case("mov byte ptr [rdi+1], bh", ("mem", "rbx")),
    case("mov qword ptr [rdi], -5", ("mem",)),
    case("mov rsi, qword ptr [rdi+0x10]", ("rsi", "mem")),
    case("mov ax, word ptr [rdi-2]", ("rax", "mem")),
    case("mov dword ptr [rdi+0x20], 0x12345678", ("mem",)),
    # movzx movsx movsxd
    case("movzx eax, bl", ("rax", "rbx")),
    case("movzx eax, bx", ("rax", "rbx")),
    case("movzx rax, bl", ("rax", "rbx")),
    case("movzx ax, bl", ("rax", "rbx")),
    case("movzx ecx, bh", ("rcx", "rbx")),
    case("movzx eax, byte ptr [rdi+5]", ("rax", "mem")),
    case("movzx rdx, word ptr [rdi]", ("rdx", "mem")),
    case("movsx eax, bl", ("rax", "rbx")),
    case("movsx eax, bh", ("rax", "rbx")),
    case("movsx rax, bx", ("rax", "rbx")),
    case("movsx ax, bl", ("rax", "rbx")),
    case("movsx rcx, byte ptr [rdi]", ("rcx", "mem")),
    case("movsxd rax, ebx", ("rax", "rbx")),
    case("movsxd rcx, dword ptr [rdi+4]", ("rcx", "mem")),
    # xchg bswap
    case("xchg eax, ebx", ("rax", "rbx")),
    case("xchg rax, rbx", ("rax", "rbx")),
    case("xchg ax, bx", ("rax", "rbx")),
    case("xchg al, bh", ("rax", "rbx")),
    case("xchg eax, eax", ("rax",)),
    case("xchg dword ptr [rdi], ecx", ("mem", "rcx")),
    case("bswap eax", ("rax",)),
    case("bswap rax", ("rax",)),
    case("bswap r9", ("r9",)),
    # cmpxchg xadd
    case("cmpxchg bl, cl", ("rax", "rbx", "rcx", "flags"), prepare=_eq_half("rax", "rbx", 8)),
    case("cmpxchg bx, cx", ("rax", "rbx", "rcx", "flags"), prepare=_eq_half("rax", "rbx", 16)),
    case("cmpxchg ebx, ecx", ("rax", "rbx", "rcx", "flags"), prepare=_eq_half("rax", "rbx", 32)),
    case("cmpxchg rbx, rcx", ("rax", "rbx", "rcx", "flags"), prepare=_eq_half("rax", "rbx", 64)),
    case("cmpxchg dword ptr [rdi], ecx", ("rax", "mem", "rcx", "flags"), width=32,
         prepare=_mem_eq_half("rax", DATA, 4)),
    case("lock cmpxchg qword ptr [rdi], rcx", ("rax", "mem", "rcx", "flags"),
         prepare=_mem_eq_half("rax", DATA, 8)),
    case("cmpxchg8b qword ptr [rdi]", ("rax", "rdx", "rbx", "rcx", "mem", "flags"), width=32,
         prepare=_mem_eq_pair_half("rax", "rdx", DATA, 4)),
    case("cmpxchg16b xmmword ptr [rdi]", ("rax", "rdx", "rbx", "rcx", "mem", "flags"),
         prepare=_mem_eq_pair_half("rax", "rdx", DATA, 8)),
    case("lock cmpxchg16b xmmword ptr [rdi+0x10]", ("rax", "rdx", "rbx", "rcx", "mem", "flags"),
         prepare=_mem_eq_pair_half("rax", "rdx", DATA + 0x10, 8)),
    case("xadd al, bl", ("rax", "rbx", "flags")),
    case("xadd eax, ebx", ("rax", "rbx", "flags")),
    case("xadd rax, rbx", ("rax", "rbx", "flags")),
    case("xadd dword ptr [rdi], ecx", ("mem", "rcx", "flags")),
    case("lock xadd qword ptr [rdi+8], rcx", ("mem", "rcx", "flags")),
    # sign extension of rax into rax / rdx
    case("cbw", ("rax",), width=8),
    case("cwde", ("rax",), width=16),
    case("cdqe", ("rax",), width=32),
    case("cwd", ("rax", "rdx"), width=16),
    case("cdq", ("rax", "rdx"), width=32),
    case("cqo", ("rax", "rdx"), width=64),
    # flags transfer
    case("lahf", ("rax", "flags")),
    case("sahf", ("rax", "flags"), width=16),
    case("pushfq", ("flags", "stack")),
    case("pushfq; pop rax", ("flags", "rax"), df=1),
    case("popfq", ("stack", "flags"), prepare=_popf_safe),
    case("push rax; popfq", ("rax", "flags"), prepare=_popf_rax_safe),
    # push pop
    case("push rax", ("rax", "stack")),
    case("push r12", ("r12", "stack")),
    case("push -0x80", ("stack",)),
    case("push 0x12345678", ("stack",)),
    case("push qword ptr [rdi]", ("mem",)),
    case("push rsp", ("stack",)),
    case("push ax", ("rax", "stack")),
    case("pop rcx", ("rcx", "stack")),
    case("pop r13", ("r13", "stack")),
    case("pop qword ptr [rdi+8]", ("mem",)),
    case("pop cx", ("rcx", "stack")),
    case("pop rsp", ("stack",)),
    case("push rbx; pop rax", ("rax", "rbx")),
    # enter leave (rbp points into the stack area so nested-level copies read it)
    case("enter 0x10, 0", ("rbp", "stack"), fixed={"rbp": STACK_TOP + 0x10}),
    case("enter 0x20, 1", ("stack",), fixed={"rbp": STACK_TOP + 0x10}),
    case("enter 0x8, 2", ("stack",), fixed={"rbp": STACK_TOP + 0x18}),
    case("leave", ("stack",), fixed={"rbp": STACK_TOP + 0x8}),
    case("enter 0x18, 0; leave", ("rbp", "stack")),
    # xlat: al indexes a 256-byte table at MEM
    case("xlatb", ("rax", "mem"), width=8, fixed={"rbx": MEM}),
    # rip-relative and fs-relative (fs base = DATA)
    case("mov eax, dword ptr [rip + data+8]", ("rax", "mem")),
    case("add qword ptr [rip + data-0x10], rbx", ("mem", "rbx", "flags")),
    case("cmp byte ptr [rip + data+3], 0x7f", ("mem", "flags")),
    case("mov qword ptr [rip + data+0x18], rcx", ("rcx", "mem")),
    case("mov eax, dword ptr fs:[8]", ("rax", "mem")),
    case("mov ecx, dword ptr fs:[0x10]", ("rcx", "mem")),
    case("mov rax, qword ptr fs:[0]", ("rax", "mem")),
    case("add dword ptr fs:[4], ebx", ("mem", "rbx", "flags")),
    case("mov qword ptr fs:[0x28], rdx", ("rdx", "mem")),
    case("mov rax, qword ptr fs:[rcx*8+8]", ("rax", "mem"), fixed={"rcx": [0, 1, 2, 3]}),
    # scaled-index memory forms
    case("mov eax, dword ptr [rdi+rcx*4+4]", ("rax", "mem"), fixed={"rcx": [0, 1, 2, 3, 5]}),
    case("add qword ptr [rdi+rsi*8-8], rax", ("mem", "rax", "flags"), fixed={"rsi": [0, 1, 2, 4]}),
    case("movzx eax, byte ptr [rdi+rdx]", ("rax", "mem"), fixed={"rdx": [0, 1, 7, 0x3f]}),
    # no architectural effect: memory and registers unchanged (clflushopt and clwb are not
    # in every x86-64 CPU, so only the baseline forms run here)
    case("clflush byte ptr [rdi+0x40]", ("mem",)),
    case("mfence", ("rax",)),
    case("lfence; sfence", ("rax",)),
    case("prefetcht0 byte ptr [rdi]", ("mem",)),
]
