/* funcptr: tables of function pointers called in loops, callbacks through a generic
 * "apply", function pointers stored in structs, returned from functions, compared, and
 * a tiny bytecode interpreter dispatching through a handler table. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint32_t (*op_fn)(uint32_t, uint32_t);
static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t op_rot(uint32_t a, uint32_t b) { b &= 31; return b ? (a << b) | (a >> (32 - b)) : a; }
static uint32_t op_div(uint32_t a, uint32_t b) { return b ? a / b : a; }
static uint32_t op_max(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t op_mix(uint32_t a, uint32_t b) { return (a ^ (b >> 3)) * 2654435761u; }

static op_fn const table[] = {op_add, op_sub, op_mul, op_xor, op_rot, op_div, op_max, op_mix};
static const char *const table_names[] = {"add", "sub", "mul", "xor", "rot", "div", "max", "mix"};
#define NOPS (int)(sizeof table / sizeof table[0])

/* callbacks */
typedef void (*visit_fn)(void *ctx, int value);
__attribute__((noinline)) static void for_each(const int *v, int n, visit_fn f, void *ctx) { for (int i = 0; i < n; i++) f(ctx, v[i]); }
static void v_sum(void *ctx, int value) { *(long *)ctx += value; }
static void v_max(void *ctx, int value) { if (value > *(int *)ctx) *(int *)ctx = value; }
struct hist { int bucket[4]; };
static void v_hist(void *ctx, int value) { ((struct hist *)ctx)->bucket[(unsigned)value % 4]++; }

/* function returning a function pointer */
static op_fn pick(const char *name)
{
    for (int i = 0; i < NOPS; i++) if (strcmp(name, table_names[i]) == 0) return table[i];
    return NULL;
}

/* objects with "methods" */
struct shape { const char *kind; double (*area)(const struct shape *); double (*perim)(const struct shape *); double a, b; };
static double rect_area(const struct shape *s) { return s->a * s->b; }
static double rect_perim(const struct shape *s) { return 2 * (s->a + s->b); }
static double tri_area(const struct shape *s) { return s->a * s->b / 2; }
static double tri_perim(const struct shape *s) { return s->a + s->b + 1; }

/* bytecode interpreter */
enum { PUSH, ADD, MUL, DUP, SWAP, JNZ, DEC, HALT, NOP };
struct vm { long stack[64]; int sp; int pc; const int *code; int running; };
static void h_push(struct vm *m) { m->stack[m->sp++] = m->code[m->pc++]; }
static void h_add(struct vm *m) { m->sp--; m->stack[m->sp - 1] += m->stack[m->sp]; }
static void h_mul(struct vm *m) { m->sp--; m->stack[m->sp - 1] *= m->stack[m->sp]; }
static void h_dup(struct vm *m) { m->stack[m->sp] = m->stack[m->sp - 1]; m->sp++; }
static void h_swap(struct vm *m) { long t = m->stack[m->sp - 1]; m->stack[m->sp - 1] = m->stack[m->sp - 2]; m->stack[m->sp - 2] = t; }
static void h_jnz(struct vm *m) { int target = m->code[m->pc++]; if (m->stack[m->sp - 1]) m->pc = target; }
static void h_dec(struct vm *m) { m->stack[m->sp - 1]--; }
static void h_halt(struct vm *m) { m->running = 0; }
static void h_nop(struct vm *m) { (void)m; }
static void (*const handlers[])(struct vm *) = {h_push, h_add, h_mul, h_dup, h_swap, h_jnz, h_dec, h_halt, h_nop};

int main(void)
{
    uint32_t acc[NOPS];
    for (int k = 0; k < NOPS; k++) acc[k] = (uint32_t)k + 1;
    for (uint32_t i = 0; i < 100000; i++)
        for (int k = 0; k < NOPS; k++) acc[k] = table[(k + i) % NOPS](acc[k], i * 7 + (uint32_t)k);
    for (int k = 0; k < NOPS; k++) printf("acc[%d]=%08x\n", k, acc[k]);

    int vals[100];
    for (int i = 0; i < 100; i++) vals[i] = (i * 37) % 101 - 50;
    long sum = 0; int mx = -1000; struct hist h = {{0}};
    for_each(vals, 100, v_sum, &sum);
    for_each(vals, 100, v_max, &mx);
    for_each(vals, 100, v_hist, &h);
    printf("sum=%ld max=%d hist=%d,%d,%d,%d\n", sum, mx, h.bucket[0], h.bucket[1], h.bucket[2], h.bucket[3]);

    const char *names[] = {"mul", "rot", "nope", "mix", "add"};
    for (int i = 0; i < 5; i++) {
        op_fn f = pick(names[i]);
        printf("pick(%s): %s", names[i], f ? "found" : "missing");
        if (f) printf(" f(1000,5)=%u same-as-table=%d", f(1000, 5), f == table[i == 0 ? 2 : i == 1 ? 4 : i == 3 ? 7 : 0]);
        printf("\n");
    }

    struct shape shapes[] = {{"rect", rect_area, rect_perim, 3, 4}, {"tri", tri_area, tri_perim, 6, 2}, {"rect", rect_area, rect_perim, 0.5, 10}};
    for (int i = 0; i < 3; i++) printf("%s area=%.2f perim=%.2f\n", shapes[i].kind, shapes[i].area(&shapes[i]), shapes[i].perim(&shapes[i]));

    /* (6 * 7) * 2 + 1, then a 50000-iteration counting loop, in bytecode */
    static const int expr[] = {PUSH, 6, PUSH, 7, MUL, DUP, ADD, PUSH, 1, ADD, NOP, HALT};
    struct vm m = {{0}, 0, 0, expr, 1};
    while (m.running) handlers[m.code[m.pc++]](&m);
    printf("vm1 sp=%d top=%ld\n", m.sp, m.stack[m.sp - 1]);
    static const int count[] = {PUSH, 0, PUSH, 50000, /*4*/ SWAP, PUSH, 3, ADD, SWAP, DEC, JNZ, 4, HALT};
    m = (struct vm){{0}, 0, 0, count, 1};
    long steps = 0;
    while (m.running) { handlers[m.code[m.pc++]](&m); steps++; }
    printf("vm2 steps=%ld acc=%ld n=%ld\n", steps, m.stack[0], m.stack[1]);
    return 0;
}
