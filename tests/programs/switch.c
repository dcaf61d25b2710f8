/* switch: dense switches that compile to jump tables (48 cases with fall-through,
 * a second one on characters, one with a sparse range); called over many values
 * including out-of-range ones that take the default.  Then a threaded-code interpreter
 * (computed goto, as CPython's and Lua's eval loops): each handler jumps to the next
 * opcode's label itself. */
#include <stdint.h>
#include <stdio.h>

static unsigned acc_calls;

__attribute__((noinline)) static uint32_t dense(int sel, uint32_t x)
{
    switch (sel) {
    case 0: return x + 11;
    case 1: return x * 48;
    case 2: return x ^ 85;
    case 3: return (x << (122 & 7)) + 1;
    case 4: return x - 159 * 3;
    case 5: x = (x >> (196 & 3)) | 5; /* fall through */
    case 6: return x * x + 233;
    case 7: acc_calls++; x = ~x + 270; break;
    case 8: return x + 307;
    case 9: return x * 344;
    case 10: return x ^ 381;
    case 11: return (x << (418 & 7)) + 1;
    case 12: return x - 455 * 3;
    case 13: return (x >> (492 & 3)) | 5;
    case 14: return x * x + 529;
    case 15: return ~x + 566;
    case 16: x = x + 603; /* fall through */
    case 17: return x * 640;
    case 18: return x ^ 677;
    case 19: return (x << (714 & 7)) + 1;
    case 20: acc_calls++; x = x - 751 * 3; break;
    case 21: return (x >> (788 & 3)) | 5;
    case 22: return x * x + 825;
    case 23: return ~x + 862;
    case 24: return x + 899;
    case 25: return x * 936;
    case 26: return x ^ 973;
    case 27: x = (x << (1010 & 7)) + 1; /* fall through */
    case 28: return x - 1047 * 3;
    case 29: return (x >> (1084 & 3)) | 5;
    case 30: return x * x + 1121;
    case 31: return ~x + 1158;
    case 32: return x + 1195;
    case 33: acc_calls++; x = x * 1232; break;
    case 34: return x ^ 1269;
    case 35: return (x << (1306 & 7)) + 1;
    case 36: return x - 1343 * 3;
    case 37: return (x >> (1380 & 3)) | 5;
    case 38: x = x * x + 1417; /* fall through */
    case 39: return ~x + 1454;
    case 40: return x + 1491;
    case 41: return x * 1528;
    case 42: return x ^ 1565;
    case 43: return (x << (1602 & 7)) + 1;
    case 44: return x - 1639 * 3;
    case 45: return (x >> (1676 & 3)) | 5;
    case 46: acc_calls++; x = x * x + 1713; break;
    case 47: return ~x + 1750;
    default: return x + 0xdead;
    }
    return x ^ 0x5a5a;
}

__attribute__((noinline)) static int classify(int c)
{
    int r = 0;
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': r = 1; break;
    case 'b': r = 2; break; case 'c': r = 3; break; case 'd': r = 4; break;
    case 'f': r = 5; break; case 'g': r = c * 2; break; case 'h': r = 7; break;
    case 'j': r = c - 90; break; case 'k': r = 9; break; case 'l': r = 10; break;
    case 'm': r = c ^ 3; break; case 'n': r = 12; /* fall through */
    case 'p': r += 13; break; case 'q': r = 14; break; case 'r': r = 15; break;
    case 's': r = c + c; break; case 't': r = 17; break; case 'v': r = 18; break;
    case 'w': r = 19; break; case 'x': r = c / 3; break; case 'y': r = 21; break;
    case 'z': r = 22; break;
    default: r = -1; break;
    }
    return r;
}

__attribute__((noinline)) static const char *name(unsigned v)
{
    switch (v) {
    case 1000: return "thousand"; case 1001: return "thousand-one"; case 1002: return "thousand-two";
    case 1003: return "thousand-three"; case 1004: return "thousand-four"; case 1005: return "thousand-five";
    case 1006: return "thousand-six"; case 1007: return "thousand-seven"; case 1008: return "thousand-eight";
    default: return "other";
    }
}

enum { OP_PUSH, OP_ADD, OP_MUL, OP_DUP, OP_SWAP, OP_JNZ, OP_DEC, OP_XOR, OP_HALT };

__attribute__((noinline)) static uint64_t threaded(const int32_t *code, uint64_t seed)
{
    static const void *const labels[] = { &&push, &&add, &&mul, &&dup, &&swap, &&jnz, &&dec, &&xor_, &&halt };
    uint64_t stack[64];
    int sp = 0;
    const int32_t *pc = code;
    stack[sp++] = seed;
#define NEXT goto *labels[*pc++]
    NEXT;
push: stack[sp++] = *pc++; NEXT;
add: sp--; stack[sp - 1] += stack[sp]; NEXT;
mul: sp--; stack[sp - 1] *= stack[sp]; NEXT;
dup: stack[sp] = stack[sp - 1]; sp++; NEXT;
swap: { uint64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } NEXT;
jnz: { int32_t off = *pc++; if (stack[sp - 1] != 0) pc += off; } NEXT;
dec: stack[sp - 1]--; NEXT;
xor_: sp--; stack[sp - 1] ^= stack[sp]; NEXT;
halt: return stack[0] * 3 + sp;
#undef NEXT
}

int main(void)
{
    uint32_t h = 0;
    for (int rep = 0; rep < 200; rep++)
        for (int sel = -5; sel < 60; sel++) {
            uint32_t r = dense(sel, (uint32_t)(rep * 2654435761u) ^ (uint32_t)sel);
            h = (h ^ r) * 16777619u;
            if (rep == 3) printf("dense(%d)=%08x\n", sel, r);
        }
    printf("dense hash=%08x calls=%u\n", h, acc_calls);
    unsigned csum = 0;
    for (int c = 0; c < 256; c++) {
        int r = classify(c);
        csum = csum * 7 + (unsigned)r;
        if (r >= 0) printf("classify('%c')=%d\n", c, r);
    }
    printf("classify sum=%u\n", csum);
    for (unsigned v = 995; v < 1012; v++) printf("name(%u)=%s\n", v, name(v));
    for (int n = 1; n < 40; n += 7) {
        /* [seed n]  loop: swap, *31, +7, dup, ^0x5bd1e995, add, swap, dec, jnz loop; halt */
        const int32_t prog[] = { OP_PUSH, n, OP_SWAP, OP_PUSH, 31, OP_MUL, OP_PUSH, 7, OP_ADD, OP_DUP,
                                 OP_PUSH, 0x5bd1e995, OP_XOR, OP_ADD, OP_SWAP, OP_DEC, OP_JNZ, -16, OP_HALT };
        printf("threaded(%d)=%llu\n", n, (unsigned long long)threaded(prog, n * 12345u + 1));
    }
    return 0;
}
