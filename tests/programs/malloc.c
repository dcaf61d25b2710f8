/* malloc: many small blocks (brk heap), large blocks > 1 MiB (mmap path), realloc
 * growth and shrink, calloc zeroing, free in scrambled order; checksums of contents. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile uint64_t seed = 0x9E3779B97F4A7C15ull;
static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return rng_state;
}

static uint32_t fill(unsigned char *p, size_t n, uint32_t tag)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) { p[i] = (unsigned char)(tag + i * 13 + (i >> 8)); h = (h ^ p[i]) * 16777619u; }
    return h;
}
static uint32_t hash(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

#define NSMALL 20000
static unsigned char *small[NSMALL];
static size_t small_len[NSMALL];
static uint32_t small_sum[NSMALL];

int main(void)
{
    rng_state = seed;
    int bad = 0;
    uint32_t acc = 0;
    /* phase 1: many small blocks */
    for (int i = 0; i < NSMALL; i++) {
        small_len[i] = 1 + rng() % 200;
        small[i] = malloc(small_len[i]);
        if (!small[i]) { printf("malloc failed at %d\n", i); return 1; }
        small_sum[i] = fill(small[i], small_len[i], (uint32_t)i);
    }
    /* free every third, scrambled order, then reallocate different sizes */
    for (int k = 0; k < NSMALL; k++) {
        int i = (int)((k * 7919ull) % NSMALL);
        if (i % 3 == 0) { free(small[i]); small[i] = NULL; }
    }
    for (int i = 0; i < NSMALL; i += 3) {
        small_len[i] = 1 + rng() % 500;
        small[i] = malloc(small_len[i]);
        small_sum[i] = fill(small[i], small_len[i], (uint32_t)i * 3);
    }
    for (int i = 0; i < NSMALL; i++) {
        if (hash(small[i], small_len[i]) != small_sum[i]) bad++;
        acc ^= small_sum[i] + (uint32_t)i;
    }
    printf("small blocks: %d corrupt, acc=%08x\n", bad, acc);

    /* phase 2: realloc growth of a block, content preserved */
    size_t n = 16;
    unsigned char *g = malloc(n);
    uint32_t gs = fill(g, n, 77);
    for (int step = 0; step < 22; step++) {
        size_t nn = n * 2;
        g = realloc(g, nn);
        if (hash(g, n) != gs) { printf("realloc lost data at %zu\n", nn); bad++; }
        memset(g + n, (int)step, nn - n);
        n = nn; gs = hash(g, n);
    }
    printf("grown to %zu bytes, hash=%08x\n", n, gs);
    g = realloc(g, 1000);
    printf("shrunk to 1000, hash=%08x\n", hash(g, 1000));
    free(g);

    /* phase 3: large blocks (mmap threshold is 128 KiB by default) */
    for (int round = 0; round < 3; round++) {
        unsigned char *big[6]; size_t bl[6]; uint32_t bs[6];
        for (int j = 0; j < 6; j++) {
            bl[j] = ((size_t)1 << 20) + (size_t)j * 65537 + (size_t)round * 4096 + 123;
            big[j] = malloc(bl[j]);
            if (!big[j]) { printf("big malloc failed\n"); return 1; }
            bs[j] = fill(big[j], bl[j], (uint32_t)(j + round));
        }
        for (int j = 5; j >= 0; j--) {
            if (hash(big[j], bl[j]) != bs[j]) bad++;
            printf("round %d big[%d] %zu bytes hash=%08x\n", round, j, bl[j], bs[j]);
            free(big[j]);
        }
    }
    /* phase 4: calloc must be zeroed, both small and large */
    size_t csizes[] = {1, 17, 4096, 100000, 3 << 20};
    for (int j = 0; j < 5; j++) {
        unsigned char *c = calloc(csizes[j], 1);
        size_t nz = 0;
        for (size_t i = 0; i < csizes[j]; i++) nz += c[i] != 0;
        printf("calloc(%zu): %zu nonzero bytes\n", csizes[j], nz);
        memset(c, 0xAB, csizes[j]);
        free(c);
    }
    /* phase 5: realloc of a large block to larger and back */
    unsigned char *r = malloc(2 << 20);
    uint32_t rs = fill(r, 2 << 20, 5);
    r = realloc(r, 8 << 20);
    printf("big realloc preserved: %s\n", hash(r, 2 << 20) == rs ? "yes" : "no");
    r = realloc(r, 100);
    printf("big->small realloc hash=%08x\n", hash(r, 100));
    free(r);
    for (int i = 0; i < NSMALL; i++) free(small[i]);
    printf("bad=%d\n", bad);
    return bad != 0;
}
