/* qsort: ints (ascending, descending), strings via strcmp, structs by multiple keys,
 * bsearch, and an already-sorted / all-equal input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile uint32_t seed = 12345;
static uint32_t st;
static uint32_t rng(void) { st = st * 1103515245u + 12345u; return st >> 8; }

static int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct rec { char name[12]; int age; double score; };
static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->age != y->age) return x->age - y->age;
    if (x->score != y->score) return x->score < y->score ? 1 : -1; /* score descending */
    return strcmp(x->name, y->name);
}

static uint32_t hash_ints(const int *v, int n)
{
    uint32_t h = 0;
    for (int i = 0; i < n; i++) h = h * 31 + (uint32_t)v[i];
    return h;
}

#define N 5000
static int v[N];
static char *words[1000];
static struct rec recs[300];

int main(void)
{
    st = seed;
    for (int i = 0; i < N; i++) v[i] = (int)(rng() % 20001) - 10000;
    qsort(v, N, sizeof v[0], cmp_int);
    int ok = 1;
    for (int i = 1; i < N; i++) ok &= v[i - 1] <= v[i];
    printf("ints ascending sorted=%d min=%d max=%d median=%d hash=%08x\n", ok, v[0], v[N - 1], v[N / 2], hash_ints(v, N));
    int key = v[1234], *found = bsearch(&key, v, N, sizeof v[0], cmp_int);
    printf("bsearch %d: %s value=%d\n", key, found ? "found" : "missing", found ? *found : 0);
    key = 10001;
    printf("bsearch 10001: %s\n", bsearch(&key, v, N, sizeof v[0], cmp_int) ? "found" : "missing");
    qsort(v, N, sizeof v[0], cmp_int_desc);
    printf("ints descending first=%d last=%d hash=%08x\n", v[0], v[N - 1], hash_ints(v, N));
    qsort(v, N, sizeof v[0], cmp_int_desc); /* already sorted */
    printf("re-sort hash=%08x\n", hash_ints(v, N));
    for (int i = 0; i < N; i++) v[i] = 7;
    qsort(v, N, sizeof v[0], cmp_int);
    printf("all-equal hash=%08x\n", hash_ints(v, N));

    for (int i = 0; i < 1000; i++) {
        int len = 1 + (int)(rng() % 10);
        words[i] = malloc((size_t)len + 1);
        for (int j = 0; j < len; j++) words[i][j] = (char)('a' + rng() % 26);
        words[i][len] = '\0';
    }
    qsort(words, 1000, sizeof words[0], cmp_str);
    for (int i = 0; i < 1000; i += 97) printf("word[%d]=%s\n", i, words[i]);
    ok = 1;
    for (int i = 1; i < 1000; i++) ok &= strcmp(words[i - 1], words[i]) <= 0;
    printf("strings sorted=%d\n", ok);
    for (int i = 0; i < 1000; i++) free(words[i]);

    for (int i = 0; i < 300; i++) {
        snprintf(recs[i].name, sizeof recs[i].name, "n%04u", rng() % 10000);
        recs[i].age = 18 + (int)(rng() % 10);
        recs[i].score = (double)(rng() % 1000) / 8.0;
    }
    qsort(recs, 300, sizeof recs[0], cmp_rec);
    for (int i = 0; i < 300; i += 23)
        printf("rec[%3d] %s age=%d score=%.3f\n", i, recs[i].name, recs[i].age, recs[i].score);
    return 0;
}
