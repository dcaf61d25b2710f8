/* hashtable: an open-addressing string->int table with linear probing, tombstones and
 * resizing, driven by a deterministic stream of inserts, lookups and deletes;
 * cross-checked against a slow list, prints statistics and a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot { char *key; long val; int state; }; /* 0 empty, 1 used, 2 deleted */
struct table { struct slot *s; size_t cap, used, tomb; unsigned long probes, resizes; };

static uint64_t hash_str(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    while (*k) h = (h ^ (unsigned char)*k++) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static void put(struct table *t, char *key, long val);
static void grow(struct table *t)
{
    struct slot *old = t->s;
    size_t oldcap = t->cap;
    t->cap = t->cap ? t->cap * 2 : 16;
    t->s = calloc(t->cap, sizeof *t->s);
    t->used = t->tomb = 0;
    t->resizes++;
    for (size_t i = 0; i < oldcap; i++) if (old[i].state == 1) put(t, old[i].key, old[i].val);
    free(old);
}
static struct slot *find(struct table *t, const char *key)
{
    if (!t->cap) return NULL;
    for (size_t i = hash_str(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        t->probes++;
        if (t->s[i].state == 0) return NULL;
        if (t->s[i].state == 1 && strcmp(t->s[i].key, key) == 0) return &t->s[i];
    }
}
static void put(struct table *t, char *key, long val)
{
    struct slot *e = find(t, key);
    if (e) { e->val = val; free(key); return; }
    if ((t->used + t->tomb + 1) * 4 > t->cap * 3) grow(t);
    size_t i = hash_str(key) & (t->cap - 1);
    while (t->s[i].state == 1) i = (i + 1) & (t->cap - 1);
    if (t->s[i].state == 2) t->tomb--;
    t->s[i] = (struct slot){key, val, 1};
    t->used++;
}
static int del(struct table *t, const char *key)
{
    struct slot *e = find(t, key);
    if (!e) return 0;
    free(e->key); e->key = NULL; e->state = 2; t->used--; t->tomb++;
    return 1;
}

static uint32_t rs = 2463534242u;
static uint32_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 17; rs ^= rs << 5; return rs; }

#define NREF 4000
static long ref[NREF]; /* reference: key "k<i>" -> value, or -1 if absent */

int main(void)
{
    struct table t = {0};
    char key[32];
    for (int i = 0; i < NREF; i++) ref[i] = -1;
    unsigned long hits = 0, misses = 0, dels = 0, errors = 0;
    for (int step = 0; step < 60000; step++) {
        uint32_t r = rnd(), k = r % NREF, op = (r >> 16) % 10;
        snprintf(key, sizeof key, "k%u-%x", k, k * 2654435761u);
        if (op < 5) { put(&t, strdup(key), (long)step); ref[k] = step; }
        else if (op < 8) {
            struct slot *e = find(&t, key);
            if (e) { hits++; if (e->val != ref[k]) errors++; } else { misses++; if (ref[k] != -1) errors++; }
        } else {
            int d = del(&t, key);
            dels += (unsigned)d;
            if (d != (ref[k] != -1)) errors++;
            ref[k] = -1;
        }
    }
    long present = 0; uint64_t sum = 0;
    for (int i = 0; i < NREF; i++) if (ref[i] != -1) { present++; sum = sum * 31 + (uint64_t)ref[i]; }
    uint64_t tsum = 0;
    for (size_t i = 0; i < t.cap; i++) if (t.s[i].state == 1) tsum += hash_str(t.s[i].key) ^ (uint64_t)t.s[i].val;
    printf("size=%zu present=%ld cap=%zu tombstones=%zu resizes=%lu\n", t.used, present, t.cap, t.tomb, t.resizes);
    printf("hits=%lu misses=%lu deletes=%lu errors=%lu probes=%lu\n", hits, misses, dels, errors, t.probes);
    printf("ref checksum=%016llx table checksum=%016llx\n", (unsigned long long)sum, (unsigned long long)tsum);
    for (size_t i = 0; i < t.cap; i++) free(t.s[i].key);
    free(t.s);
    return errors != 0;
}
