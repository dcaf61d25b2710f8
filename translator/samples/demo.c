/* The sample `elf2native demo` builds, translates and runs beside the native build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(int argc, char **argv) {
    int v[16];
    unsigned x = 12345;
    for (int i = 0; i < 16; i++) { x = x * 1103515245u + 12345u; v[i] = (int)(x >> 16) % 1000; }
    qsort(v, 16, sizeof v[0], cmp);
    printf("hello from a translated program (argc=%d)\nsorted:", argc);
    for (int i = 0; i < 16; i++) printf(" %d", v[i]);
    double s = 0;
    for (int i = 1; i <= 1000000; i++) s += 1.0 / ((double)i * i);
    printf("\nsum 1/n^2 = %.12f\n", s);
    char buf[64];
    snprintf(buf, sizeof buf, "%s-%x-%.3e", argc > 1 ? argv[1] : "none", 48879, 6.02214076e23);
    printf("%s (%zu chars)\n", buf, strlen(buf));
    return 0;
}
