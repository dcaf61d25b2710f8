/* ctype: every classification function and toupper/tolower over EOF and 0..255 in the
 * C locale (the static binary never calls setlocale, but we call it with "C" anyway),
 * plus a small tokenizer built on them. */
#include <ctype.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    const char *loc = setlocale(LC_ALL, "C");
    printf("locale=%s\n", loc ? loc : "(null)");
    uint32_t h = 2166136261u;
    for (int c = -1; c < 256; c++) {
        unsigned mask = (unsigned)(!!isalnum(c) << 0 | !!isalpha(c) << 1 | !!isblank(c) << 2 | !!iscntrl(c) << 3 |
                                   !!isdigit(c) << 4 | !!isgraph(c) << 5 | !!islower(c) << 6 | !!isprint(c) << 7 |
                                   !!ispunct(c) << 8 | !!isspace(c) << 9 | !!isupper(c) << 10 | !!isxdigit(c) << 11 |
                                   !!isascii(c) << 12);
        int up = toupper(c), lo = tolower(c);
        h = (h ^ mask) * 16777619u;
        h = (h ^ (uint32_t)up) * 16777619u;
        h = (h ^ (uint32_t)lo) * 16777619u;
        if (c < 0 || c % 16 == 0 || (c >= 'A' && c <= 'C') || c == '_' || c == ' ' || c == 0x7f || c == 0xe9)
            printf("c=%4d mask=%04x upper=%d lower=%d\n", c, mask, up, lo);
    }
    printf("ctype hash=%08x\n", h);

    const char *text = "The 3 quick_brown foxes, jumped over 42 lazy-dogs!\tTabs\nand\vvertical\ftabs; 0xFF hex.";
    int words = 0, nums = 0, puncts = 0, spaces = 0;
    char tok[64];
    for (const char *p = text; *p;) {
        unsigned char c = (unsigned char)*p;
        int n = 0;
        if (isalpha(c) || c == '_') {
            while (isalnum((unsigned char)*p) || *p == '_') tok[n++] = (char)toupper((unsigned char)*p++);
            tok[n] = 0; words++;
            printf("word %s\n", tok);
        } else if (isdigit(c)) {
            while (isxdigit((unsigned char)*p) || *p == 'x') tok[n++] = *p++;
            tok[n] = 0; nums++;
            printf("number %s\n", tok);
        } else if (ispunct(c)) { puncts++; p++; }
        else if (isspace(c)) { spaces++; p++; }
        else p++;
    }
    printf("words=%d nums=%d puncts=%d spaces=%d\n", words, nums, puncts, spaces);
    return 0;
}
