"""Input states for one case: edge values, edge pairs and seeded random values.

Deterministic: the generator for a case is seeded from its category and text only, so adding or
reordering cases never changes another case's inputs.

Per case (n inputs, default 24):
  1. diagonal: input j gives every location its j-th edge value (0, 1, -1, min, max, 2, -2 for
     integers of the operand's width; signed zeros, infinities, NaNs, denormals... for floats);
  2. pairs: with two or more locations, the first two take edge pairs that overflow, borrow or
     change sign (max+1, min-1, 0-1, ...), the others random;
  3. random: seeded random values (uniform, small, and powers of two +- a little).
Registers narrower than 64 bits get random, zero or all-ones upper bits, so zero- and
sign-extension and partial-register writes are checked.
"""
from __future__ import annotations

import random
import struct
from typing import Callable

from .layout import (ARITH_MASK, DATA, FLAGS_FIXED, FLAG_BITS, GPRS, MEM, MEM_SIZE,
                     MXCSR_DEFAULT, STACK_TOP, XMMS, State)
from .spec import Case

M64 = 2**64 - 1

# Background values of registers and memory that are not inputs: distinct, recognisable.
BG_GPR = [(0x1111111111111111 * ((i % 15) + 1)) ^ (0x0123456789ABCDEF >> i) for i in range(16)]
BG_XMM = [bytes(((i * 16 + j) * 7 + 3) & 0xFF for j in range(16)) for i in range(16)]
BG_MEM = bytes(((i * 37) + 11) & 0xFF for i in range(MEM_SIZE))
STACK_AREA = (STACK_TOP - 0x20, MEM + MEM_SIZE)


def int_edges(width: int) -> list[int]:
    mask = (1 << width) - 1
    smin = 1 << (width - 1)
    return [0, 1, mask, smin, smin - 1, 2, mask - 1]


# (i, j) indexes into int_edges: max+1, min+1, 0+1, -1+1, min-1, max-1, 1-1, 1+0, min/max
INT_PAIRS = [(4, 1), (3, 1), (0, 1), (2, 1), (3, 2), (4, 2), (1, 2), (1, 0), (3, 4), (4, 3),
             (2, 3), (0, 2)]

F64_SPECIAL = [0.0, 1.0, -0.0, -1.0, float("inf"), float("-inf"), float("nan"), 0.5, 1.5, 2.5,
               -2.5, 1e308, 2.2250738585072014e-308, 5e-324, 2147483648.0, -2147483649.0,
               9.223372036854775807e18, -9.223372036854775808e18, 3.0, 1e-10, 4294967296.5,
               -0.49999999999999994]
F64_SNAN = 0x7FF4000000000001
F32_SNAN = 0x7FA00001


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_bits(x: float) -> int:
    try:
        return struct.unpack("<I", struct.pack("<f", x))[0]
    except OverflowError:
        return 0x7F7FFFFF if x > 0 else 0xFF7FFFFF


def float_edges(bits: int) -> list[int]:
    conv = f64_bits if bits == 64 else f32_bits
    vals = [conv(x) for x in F64_SPECIAL]
    vals.insert(7, F64_SNAN if bits == 64 else F32_SNAN)
    vals.insert(8, (1 << (bits - 1)) | (vals[6]))  # negative quiet NaN
    if bits == 32:
        vals[11:14] = [0x7F7FFFFF, 0x00800000, 0x00000001]  # max, min normal, min denormal
    return vals


def rand_int(rng: random.Random, width: int) -> int:
    mask = (1 << width) - 1
    r = rng.random()
    if r < 0.5:
        return rng.getrandbits(width)
    if r < 0.75:
        return rng.randint(-40, 40) & mask
    v = (1 << rng.randint(0, width - 1)) + rng.randint(-3, 3)
    return (-v if rng.random() < 0.5 else v) & mask


def rand_float(rng: random.Random, bits: int) -> int:
    ebits, mbits = (11, 52) if bits == 64 else (8, 23)
    bias = (1 << (ebits - 1)) - 1
    r = rng.random()
    if r < 0.3:
        return rng.choice(float_edges(bits))
    if r < 0.4:
        return rng.getrandbits(bits)
    exp = bias + rng.randint(-40, 40)
    return (rng.getrandbits(1) << (bits - 1)) | (exp << mbits) | rng.getrandbits(mbits)


class Loc:
    """One input location: its edge values and a random value source."""

    def __init__(self, edges: list, rand: Callable[[random.Random], object],
                 apply: Callable[[State, object], None], pairs=None):
        self.edges, self.rand, self.apply, self.pairs = edges, rand, apply, pairs


def _lanes_value(elem: str, rng: random.Random, correlate: bytes | None = None) -> bytes:
    bits = int(elem[1:])
    lanes = 128 // bits
    if elem[0] == "f":
        edges = float_edges(bits)
        pick = lambda: rand_float(rng, bits)  # noqa: E731
    else:
        edges = int_edges(bits) + ([0x61, 0x62, 0x63, 0x00] if bits == 8 else [])
        pick = lambda: rng.choice(edges) if rng.random() < 0.35 else rand_int(rng, bits)  # noqa: E731
    out = b""
    for i in range(lanes):
        if correlate is not None and rng.random() > 0.35:
            out += correlate[i * bits // 8:(i + 1) * bits // 8]
        else:
            out += pick().to_bytes(bits // 8, "little")
    return out


def _uniform_lanes(elem: str, value: int) -> bytes:
    bits = int(elem[1:])
    return value.to_bytes(bits // 8, "little") * (128 // bits)


def _xmm_edges(elem: str) -> list[bytes]:
    bits = int(elem[1:])
    edges = float_edges(bits) if elem[0] == "f" else int_edges(bits)
    return [_uniform_lanes(elem, e) for e in edges]


def _gpr_loc(case: Case, reg: str) -> Loc:
    width, shift = case.reg_use(reg) or (case.default_width(), 0)
    field_mask = ((1 << width) - 1) << shift

    def embed(rng: random.Random, v: int) -> int:
        if width == 64:
            return v
        r = rng.random()
        upper = rng.getrandbits(64) if r < 0.5 else (0 if r < 0.75 else M64)
        return (upper & ~field_mask & M64) | (v << shift)

    return Loc([lambda rng, e=e: embed(rng, e) for e in int_edges(width)],
               lambda rng: embed(rng, rand_int(rng, width)),
               lambda s, v: s.set(reg, v), INT_PAIRS)


def _mem_loc(case: Case, base: State) -> Loc:
    ops = [op for op in case.mem_operands(dict(zip(GPRS, base.gpr))) if op.size]
    op = ops[0] if ops and not case.is_lea else None

    def region(rng: random.Random) -> bytes:
        return bytes(rng.getrandbits(8) for _ in range(MEM_SIZE))

    def apply(s: State, v) -> None:
        fill, val = v
        s.mem[:] = fill
        if op is not None and val is not None:
            s.write(op.addr, op.size, int.from_bytes(val, "little") if isinstance(val, bytes) else val)

    if op is None:
        return Loc([lambda rng: (region(rng), None)], lambda rng: (region(rng), None), apply)
    if op.size == 16:
        return Loc([lambda rng, e=e: (region(rng), e) for e in _xmm_edges(case.elem)],
                   lambda rng: (region(rng), _lanes_value(case.elem, rng)), apply)
    width = 8 * op.size
    if case.elem[0] == "f" and int(case.elem[1:]) == width:     # a scalar float operand
        return Loc([lambda rng, e=e: (region(rng), e) for e in float_edges(width)],
                   lambda rng: (region(rng), rand_float(rng, width)), apply)
    return Loc([lambda rng, e=e: (region(rng), e) for e in int_edges(width)],
               lambda rng: (region(rng), rand_int(rng, width)), apply, INT_PAIRS)


def _locations(case: Case, base: State) -> list[Loc]:
    locs = []
    for name in case.inputs:
        if name in GPRS:
            locs.append(_gpr_loc(case, name))
        elif name in XMMS:
            idx = XMMS.index(name)
            locs.append(Loc([lambda rng, e=e: e for e in _xmm_edges(case.elem)],
                            lambda rng: _lanes_value(case.elem, rng),
                            lambda s, v, idx=idx: s.xmm.__setitem__(idx, v)))
        elif name == "flags":
            locs.append(Loc([lambda rng: 0, lambda rng: ARITH_MASK],
                            lambda rng: rng.getrandbits(12) & ARITH_MASK,
                            lambda s, v: setattr(s, "rflags", (s.rflags & ~ARITH_MASK) | v)))
        elif name == "mxcsr":
            modes = [MXCSR_DEFAULT | rc << 13 for rc in range(4)]

            def rand_mxcsr(rng: random.Random) -> int:
                v = MXCSR_DEFAULT | rng.randrange(4) << 13
                v |= 0x8000 if rng.random() < 0.25 else 0      # FTZ
                v |= 0x40 if rng.random() < 0.25 else 0        # DAZ
                return v | (rng.getrandbits(6) if rng.random() < 0.3 else 0)  # sticky flags
            locs.append(Loc([lambda rng, m=m: m for m in modes], rand_mxcsr,
                            lambda s, v: setattr(s, "mxcsr", v)))
        elif name == "stack":
            lo, hi = STACK_AREA

            def apply_stack(s: State, v: bytes, lo=lo, hi=hi) -> None:
                s.mem[lo - MEM:hi - MEM] = v
            rand_stack = lambda rng: bytes(rng.getrandbits(8) for _ in range(hi - lo))  # noqa: E731
            locs.append(Loc([lambda rng: bytes(hi - lo), lambda rng: b"\xff" * (hi - lo)],
                            rand_stack, apply_stack))
        elif name == "mem":
            locs.append(_mem_loc(case, base))
    return locs


def base_state(case: Case) -> State:
    """Registers, flags and memory before any input location is filled."""
    s = State(rflags=FLAGS_FIXED | (case.df << FLAG_BITS["df"]), gpr=list(BG_GPR),
              xmm=list(BG_XMM), mem=bytearray(BG_MEM))
    s.set("rsp", STACK_TOP)
    if not case.is_lea:
        for i, reg in enumerate(case.bracket_regs()):
            s.set(reg, DATA if i == 0 else 1)
    for reg, val in case.fixed.items():
        s.set(reg, val if isinstance(val, int) else list(val)[0])
    return s


def _correlate(case: Case, s: State, rng: random.Random) -> None:
    """Make later XMM inputs share lanes with the first one half of the time (equal lanes)."""
    xmms = [XMMS.index(x) for x in case.inputs if x in XMMS]
    if len(xmms) >= 2:
        for idx in xmms[1:]:
            if rng.random() < 0.5:
                s.xmm[idx] = _lanes_value(case.elem, rng, correlate=s.xmm[xmms[0]])


def generate(category: str, case: Case) -> list[State]:
    rng = random.Random(f"isa:{category}:{case.text}")
    base = base_state(case)
    locs = _locations(case, base)
    n = case.n
    combos: list[list] = []
    if locs:
        ndiag = min(max(len(loc.edges) for loc in locs), n // 2)
        for j in range(ndiag):
            combos.append([loc.edges[j % len(loc.edges)](rng) for loc in locs])
        if len(locs) >= 2:
            a, b = locs[0], locs[1]
            pairs = a.pairs if a.pairs and b.pairs else [
                (i, j) for i in range(len(a.edges)) for j in range(len(b.edges)) if i != j]
            if not a.pairs or not b.pairs:
                pairs = random.Random(case.text).sample(pairs, min(len(pairs), 12))
            for i, j in pairs[:max(0, min(12, n - ndiag - 4))]:
                combos.append([a.edges[i % len(a.edges)](rng), b.edges[j % len(b.edges)](rng)]
                              + [loc.rand(rng) for loc in locs[2:]])
    while len(combos) < n:
        combos.append([loc.rand(rng) for loc in locs])

    states = []
    for k, combo in enumerate(combos):
        s = base.copy()
        for reg, val in case.fixed.items():
            if not isinstance(val, int):
                seq = list(val)
                s.set(reg, seq[k % len(seq)])
        for loc, v in zip(locs, combo):
            loc.apply(s, v)
        if k >= ndiag_of(locs, n):
            _correlate(case, s, rng)
        if case.prepare:
            case.prepare(s, rng)
        states.append(s)
    return states


def ndiag_of(locs: list[Loc], n: int) -> int:
    return min(max((len(loc.edges) for loc in locs), default=0), n // 2)
