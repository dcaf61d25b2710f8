/* regex: Debian's static PCRE2 (its interpreter, no JIT) matching several patterns over a
 * generated log text: alternations, classes, backreferences, captures. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *patterns[] = {
    "(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})",
    "\\b(GET|POST|PUT|DELETE) (/[a-z0-9/_-]*)",
    "([a-z]+)@([a-z]+)\\.(com|org|net)",
    "\\b(\\w+) \\1\\b",
    "status=(?:2\\d\\d|3\\d\\d)(?!\\d)",
    "[A-Z][a-z]+(?:\\s+[A-Z][a-z]+)*",
};

int main(int argc, char **argv)
{
    int lines = argc > 1 ? atoi(argv[1]) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    static const char *words[] = {"alpha", "beta", "gamma", "delta", "Omega", "Kappa", "the", "the"};
    static const char *methods[] = {"GET", "POST", "PUT", "DELETE"};
    size_t cap = (size_t)lines * 120 + 1, len = 0;
    char *text = malloc(cap);
    unsigned x = 12345;
    for (int i = 0; i < lines; i++) {
        x = x * 1103515245 + 12345;
        len += snprintf(text + len, cap - len, "%u.%u.%u.%u %s /api/v%u/item_%u %s %s %s@%s.org status=%u\n",
                        x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255, methods[x % 4], x % 3, x % 997,
                        words[x % 8], words[(x >> 3) % 8], words[(x >> 6) % 6], words[(x >> 9) % 6],
                        100 + (x >> 11) % 500);
    }
    pcre2_match_data *md = pcre2_match_data_create(16, NULL);
    unsigned long total = 0, hash = 0;
    for (int r = 0; r < rounds; r++)
        for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
            int err;
            PCRE2_SIZE off;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[p], PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
            if (!re) {
                fprintf(stderr, "pattern %zu: error %d\n", p, err);
                return 1;
            }
            PCRE2_SIZE start = 0;
            while (start < len && pcre2_match(re, (PCRE2_SPTR)text, len, start, 0, md, NULL) > 0) {
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                total++;
                hash = hash * 131 + (ov[1] - ov[0]) + ov[0] % 7;
                start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            }
            pcre2_code_free(re);
        }
    printf("matches=%lu hash=%lu\n", total, hash);
    pcre2_match_data_free(md);
    free(text);
    return 0;
}
