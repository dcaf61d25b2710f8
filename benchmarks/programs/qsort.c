/* qsort: libc qsort with comparator callbacks (indirect calls into translated code) on
 * integers, doubles and strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int cmp_dbl(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000000;
    int *ints = malloc(n * sizeof *ints);
    double *dbls = malloc(n * sizeof *dbls);
    int ns = n / 4;
    char **strs = malloc(ns * sizeof *strs), *pool = malloc(ns * 16);
    unsigned x = 2463534242u;
    for (int i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        ints[i] = (int)x;
        dbls[i] = (double)x / 7.0 - 1e9;
    }
    for (int i = 0; i < ns; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        strs[i] = pool + 16 * i;
        snprintf(strs[i], 16, "k%08x%04d", x, i % 9973);
    }
    qsort(ints, n, sizeof *ints, cmp_int);
    qsort(dbls, n, sizeof *dbls, cmp_dbl);
    qsort(strs, ns, sizeof *strs, cmp_str);
    printf("%d %d %d\n%.3f %.3f\n%s %s\n", ints[0], ints[n / 2], ints[n - 1], dbls[0], dbls[n - 1], strs[0], strs[ns - 1]);
    return 0;
}
