/* strsearch: substring search in a large text with libc (strstr, memchr, strlen: glibc's SSE
 * routines) and a hand-written Horspool search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long horspool(const char *text, size_t n, const char *pat, size_t m)
{
    size_t shift[256];
    for (int i = 0; i < 256; i++)
        shift[i] = m;
    for (size_t i = 0; i + 1 < m; i++)
        shift[(unsigned char)pat[i]] = m - 1 - i;
    long found = 0;
    for (size_t i = 0; i + m <= n;) {
        if (text[i + m - 1] == pat[m - 1] && memcmp(text + i, pat, m - 1) == 0)
            found++;
        i += shift[(unsigned char)text[i + m - 1]];
    }
    return found;
}

int main(int argc, char **argv)
{
    size_t n = (size_t)(argc > 1 ? atol(argv[1]) : 32) << 20;
    int reps = argc > 2 ? atoi(argv[2]) : 6;
    static const char *words[] = {"lorem", "ipsum", "dolor", "sit", "amet", "needle", "haystack", "translate",
                                  "native", "emulate", "qemu", "x86", "aarch64", "lifted", "code", "fast"};
    char *text = malloc(n + 1);
    size_t len = 0;
    unsigned x = 12345;
    while (len + 12 < n) {
        x = x * 1103515245 + 12345;
        const char *w = words[(x >> 16) % 16];
        size_t wl = strlen(w);
        memcpy(text + len, w, wl);
        len += wl;
        text[len++] = (x >> 8) % 7 ? ' ' : '\n';
    }
    text[len] = 0;
    long total = 0;
    static const char *pats[] = {"needle haystack", "qemu x86 native", "fast code", "aarch64 lifted emulate"};
    for (int r = 0; r < reps; r++) {
        for (int p = 0; p < 4; p++) {
            const char *s = text;
            while ((s = strstr(s, pats[p])) != NULL)
                total++, s++;
            total += horspool(text, len, pats[p], strlen(pats[p]));
        }
        for (const char *s = text; (s = memchr(s, '\n', text + len - s)) != NULL; s++)
            total++;
        total += (long)strlen(text);
    }
    printf("%ld\n", total);
    return 0;
}
