/* structs: nested structs, arrays of structs, pass/return by value in every psABI
 * class (INTEGER, SSE, mixed, MEMORY), bitfields, unions, flexible array members,
 * struct copy and compound literals. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct small { int a, b; };                          /* one INTEGER reg */
struct pair { long x; long y; };                     /* two INTEGER regs */
struct vec2 { double x, y; };                        /* two SSE regs */
struct mixed { double d; int i; };                   /* SSE + INTEGER */
struct fmix { float f[2]; long l; };                 /* SSE + INTEGER */
struct big { long v[5]; char tag[8]; };              /* MEMORY (sret) */
struct inner { short s; char c[3]; };
struct outer { struct inner in[3]; struct vec2 pos; struct small sm; unsigned char flags; };
struct bits { unsigned a : 3; signed b : 5; unsigned c : 12; unsigned long long d : 40; signed e : 1; };
union pun { uint64_t u; double d; float f[2]; unsigned char b[8]; };
struct flex { int n; int data[]; };

static volatile int seed = 3;

__attribute__((noinline)) static struct small mk_small(int a, int b) { return (struct small){a * 2, b - 1}; }
__attribute__((noinline)) static struct pair add_pair(struct pair p, struct pair q) { return (struct pair){p.x + q.x, p.y * q.y}; }
__attribute__((noinline)) static struct vec2 rot90(struct vec2 v) { return (struct vec2){-v.y, v.x}; }
__attribute__((noinline)) static struct mixed scale(struct mixed m, int k) { m.d *= k; m.i += k; return m; }
__attribute__((noinline)) static struct fmix fswap(struct fmix m) { float t = m.f[0]; m.f[0] = m.f[1]; m.f[1] = t; m.l = -m.l; return m; }
__attribute__((noinline)) static struct big mk_big(struct big b, int k)
{
    for (int i = 0; i < 5; i++) b.v[i] = b.v[i] * k + i;
    b.tag[k % 7] = (char)('A' + k);
    return b;
}
/* many args: the tail goes on the stack, structs included */
__attribute__((noinline)) static double many(int a, double b, struct small c, struct vec2 d, long e, struct big f,
                                              float g, struct mixed h, int i, int j, int k, double l, double m, double n,
                                              double o, double p, double q, double r, struct pair s)
{
    return a + b + c.a + c.b + d.x + d.y + e + f.v[0] + f.v[4] + g + h.d + h.i + i + j + k + l + m + n + o + p + q + r + s.x - s.y;
}
__attribute__((noinline)) static void update(struct outer *o, int k)
{
    for (int i = 0; i < 3; i++) { o->in[i].s = (short)(o->in[i].s * 3 + k); o->in[i].c[i] ^= (char)k; }
    o->pos = rot90(o->pos);
    o->sm = mk_small(o->sm.b, o->sm.a);
    o->flags = (unsigned char)(o->flags * 5 + 1);
}

int main(void)
{
    int s = seed;
    struct small sm = mk_small(s, 10);
    printf("small %d %d\n", sm.a, sm.b);
    struct pair p = {s, 7}, q = {100, -3};
    for (int i = 0; i < 4; i++) p = add_pair(p, q);
    printf("pair %ld %ld\n", p.x, p.y);
    struct vec2 v = {1.5, -s};
    for (int i = 0; i < 5; i++) v = rot90(v);
    printf("vec2 %g %g\n", v.x, v.y);
    struct mixed m = scale((struct mixed){0.25, s}, 8);
    printf("mixed %g %d\n", m.d, m.i);
    struct fmix fm = fswap((struct fmix){{1.25f, -2.5f}, 99});
    printf("fmix %g %g %ld\n", fm.f[0], fm.f[1], fm.l);
    struct big b = {{1, 2, 3, 4, 5}, "abcdefg"};
    for (int k = 1; k < 5; k++) b = mk_big(b, k + s);
    printf("big %ld %ld %ld %ld %ld %s\n", b.v[0], b.v[1], b.v[2], b.v[3], b.v[4], b.tag);
    printf("many %.6f\n", many(1, 2.5, sm, v, 4, b, 0.5f, m, 7, 8, 9, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, p));

    struct outer arr[10];
    memset(arr, 0, sizeof arr);
    for (int i = 0; i < 10; i++) {
        arr[i] = (struct outer){{{(short)i, {1, 2, 3}}, {(short)(i * 2), {4, 5, 6}}, {(short)-i, {7, 8, 9}}}, {i, -i}, {i, i * i}, (unsigned char)i};
        for (int k = 0; k < 20; k++) update(&arr[i], k);
    }
    for (int i = 0; i < 10; i += 3) {
        struct outer o = arr[i]; /* struct copy */
        printf("outer[%d] s=%d,%d,%d c=%d,%d,%d pos=%g,%g sm=%d,%d flags=%u\n", i, o.in[0].s, o.in[1].s, o.in[2].s,
               o.in[0].c[0], o.in[1].c[1], o.in[2].c[2], o.pos.x, o.pos.y, o.sm.a, o.sm.b, o.flags);
    }
    printf("sizeof outer=%zu inner=%zu bits=%zu big=%zu mixed=%zu\n", sizeof(struct outer), sizeof(struct inner),
           sizeof(struct bits), sizeof(struct big), sizeof(struct mixed));

    struct bits bf = {0};
    unsigned long long h = 0;
    for (int i = 0; i < 1000; i++) {
        bf.a += (unsigned)i; bf.b = (signed)((i * 7) % 31) - 15; bf.c ^= (unsigned)i * 37u;
        bf.d += 0x123456789ULL * (unsigned)i; bf.e = (i & 1) ? -1 : 0;
        h = h * 31 + bf.a + (unsigned long long)(bf.b + 100) + bf.c + bf.d + (unsigned long long)(bf.e + 2);
    }
    printf("bits a=%u b=%d c=%u d=%llx e=%d hash=%llx\n", bf.a, bf.b, bf.c, (unsigned long long)bf.d, bf.e, h);
    unsigned char raw[sizeof bf];
    memcpy(raw, &bf, sizeof bf);
    printf("bits raw:");
    for (size_t i = 0; i < sizeof bf; i++) printf(" %02x", raw[i]);
    printf("\n");

    union pun u;
    u.d = -1.0 / 3;
    printf("pun u=%016llx b0=%02x b7=%02x\n", (unsigned long long)u.u, u.b[0], u.b[7]);
    u.f[0] = 1.0f; u.f[1] = -0.0f;
    printf("pun floats u=%016llx\n", (unsigned long long)u.u);
    u.u = 0x400921fb54442d18ULL;
    printf("pun pi=%.15f\n", u.d);

    struct flex *fl = malloc(sizeof *fl + 50 * sizeof(int));
    fl->n = 50;
    for (int i = 0; i < fl->n; i++) fl->data[i] = i * i - s;
    long t = 0;
    for (int i = 0; i < fl->n; i++) t += fl->data[i];
    printf("flex sum=%ld\n", t);
    free(fl);
    return 0;
}
