/* getline: read stdin line by line with getline(3); print each line's number, length
 * and reversed text for short lines; sum of integers found with strtol; keep all lines
 * and print them sorted at the end.  Exercises stdio buffering of stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0, numsum = 0, total = 0;
    size_t nkeep = 0, capkeep = 16;
    char **keep = malloc(capkeep * sizeof *keep);
    while ((n = getline(&line, &cap, stdin)) != -1) {
        lineno++;
        total += n;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        for (char *p = line; *p;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end != p) { numsum += v; p = end; } else p++;
        }
        if (n < 40 && lineno % 5 == 1) {
            char rev[64];
            for (ssize_t i = 0; i < n; i++) rev[i] = line[n - 1 - i];
            rev[n] = '\0';
            printf("%4ld len=%3zd rev=[%s]\n", lineno, n, rev);
        }
        if (nkeep == capkeep) keep = realloc(keep, (capkeep *= 2) * sizeof *keep);
        keep[nkeep++] = strdup(line);
    }
    free(line);
    printf("lines=%ld bytes=%ld numsum=%ld eof=%d\n", lineno, total, numsum, feof(stdin) != 0);
    qsort(keep, nkeep, sizeof *keep, cmp);
    for (size_t i = 0; i < nkeep; i += (nkeep / 10) + 1) printf("sorted[%zu]=%.60s\n", i, keep[i]);
    for (size_t i = 0; i < nkeep; i++) free(keep[i]);
    free(keep);
    return 0;
}
