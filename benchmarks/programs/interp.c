/* interp: a bytecode interpreter, the dispatch loop of every scripting VM (a switch through
 * a jump table, unpredictable branches): Collatz step counts of 1..n mixed into a hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, MUL, MOD, LT, JZ, JMP, CALL, RET, XOR, SHL, SHR, HALT };

/* vars: 0 acc, 1 i, 2 n, 3 x, 4 steps */
static const int64_t program[] = {
    /*  0 */ PUSH, 0, STORE, 0,
    /*  4 */ PUSH, 1, STORE, 1,
    /*  8 */ LOAD, 1, LOAD, 2, LT, JZ, 96,                 /* while i < n */
    /* 15 */ LOAD, 1, STORE, 3, PUSH, 0, STORE, 4,          /* x = i, steps = 0 */
    /* 23 */ PUSH, 1, LOAD, 3, LT, JZ, 65,                  /* while 1 < x */
    /* 30 */ LOAD, 3, PUSH, 2, MOD, JZ, 49,                 /* odd? */
    /* 37 */ LOAD, 3, PUSH, 3, MUL, PUSH, 1, ADD, STORE, 3, JMP, 56,
    /* 49 */ LOAD, 3, PUSH, 1, SHR, STORE, 3,               /* even: x >>= 1 */
    /* 56 */ LOAD, 4, PUSH, 1, ADD, STORE, 4, JMP, 23,      /* steps++ */
    /* 65 */ LOAD, 4, LOAD, 1, PUSH, 3, SHL, XOR, CALL, 84, /* mix(steps ^ i << 3) */
    /* 75 */ LOAD, 1, PUSH, 1, ADD, STORE, 1, JMP, 8,       /* i++ */
    /* 84 */ LOAD, 0, ADD, PUSH, 31, MUL, PUSH, 1000000007, MOD, STORE, 0, RET,
    /* 96 */ HALT,
};

int main(int argc, char **argv)
{
    int64_t stack[64], vars[8] = {0}, frames[16];
    int sp = 0, fp = 0;
    size_t pc = 0;
    long executed = 0;
    vars[2] = argc > 1 ? atoll(argv[1]) : 400000;
    for (;;) {
        executed++;
        const int64_t *op = &program[pc];
        switch (op[0]) {
        case PUSH: stack[sp++] = op[1]; pc += 2; break;
        case LOAD: stack[sp++] = vars[op[1]]; pc += 2; break;
        case STORE: vars[op[1]] = stack[--sp]; pc += 2; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; pc++; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; pc++; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; pc++; break;
        case JZ: pc = stack[--sp] ? pc + 2 : (size_t)op[1]; break;
        case JMP: pc = (size_t)op[1]; break;
        case CALL: frames[fp++] = (int64_t)pc + 2; pc = (size_t)op[1]; break;
        case RET: pc = (size_t)frames[--fp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; pc++; break;
        case SHL: sp--; stack[sp - 1] <<= stack[sp]; pc++; break;
        case SHR: sp--; stack[sp - 1] >>= stack[sp]; pc++; break;
        case HALT:
            printf("acc %lld after %ld instructions\n", (long long)vars[0], executed);
            return 0;
        default:
            fprintf(stderr, "bad opcode %lld at %zu\n", (long long)op[0], pc);
            return 1;
        }
    }
}
