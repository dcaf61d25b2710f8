/* format: snprintf with integer/string/char conversions, flags, widths, precisions,
 * length modifiers, %n, truncation; sscanf with numbers, scansets, %n, bases;
 * strtol/strtoul/strtoll edge cases with errno; atoi. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char buf[256];
    static const long long nums[] = {0, 1, -1, 42, -42, 255, 65535, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 1234567890123LL};
    for (int i = 0; i < 12; i++) {
        long long v = nums[i];
        int n = snprintf(buf, sizeof buf, "[%d|%5d|%-5d|%05d|%+d|% d|%x|%#x|%X|%#o|%lld|%llu|%llx|%hd|%hhd|%hhu|%.3d|%*d]",
                         (int)v, (int)v, (int)v, (int)v, (int)v, (int)v, (unsigned)v, (unsigned)v, (unsigned)v,
                         (unsigned)v, v, (unsigned long long)v, (unsigned long long)v, (short)v, (signed char)v,
                         (unsigned char)v, (int)v, 8, (int)v);
        printf("%2d n=%3d %s\n", i, n, buf);
    }
    printf("%s|%10s|%-10s|%.3s|%*.*s|%c|%5c|%%|%-3c|\n", "str", "right", "left", "truncate", 8, 2, "xyz", 'A', 'B', 'C');
    printf("%zu %zd %jd %ju %td %" PRId64 " %" PRIx32 " %" PRIuMAX "\n", (size_t)123, (ssize_t)-5, (intmax_t)-9,
           (uintmax_t)9, (ptrdiff_t)-77, (int64_t)-1234567890123, (uint32_t)0xdeadbeef, UINTMAX_MAX);
    printf("%p %p\n", (void *)0, (void *)0x1234abcd);
    int pos1 = 0, pos2 = 0;
    printf("abc%ndefgh%n|\n", &pos1, &pos2);
    printf("n: %d %d\n", pos1, pos2);
    char small[8];
    const char *volatile longstr = "overflowing";
    int want = snprintf(small, sizeof small, "%s-%d", longstr, 12345);
    printf("truncated: want=%d got=\"%s\" len=%zu\n", want, small, strlen(small));
    printf("snprintf(NULL,0)=%d\n", snprintf(NULL, 0, "%d %s", 1000000, "abc"));

    /* sscanf */
    int a, b, c, n;
    char word[32], rest[64];
    unsigned u; long l; double d; float f; char ch;
    int r = sscanf("  12 -34 0x1F word rest of line", "%d %i %i %31s %63[^\n]", &a, &b, &c, word, rest);
    printf("sscanf1 r=%d a=%d b=%d c=%d word=%s rest=[%s]\n", r, a, b, c, word, rest);
    r = sscanf("3.25e2,-0.5;x", "%lf,%f;%c", &d, &f, &ch);
    printf("sscanf2 r=%d d=%g f=%g ch=%c\n", r, d, (double)f, ch);
    r = sscanf("key=value123 tail", "%31[a-z]=%31[a-z]%u%n", word, rest, &u, &n);
    printf("sscanf3 r=%d key=%s val=%s u=%u n=%d\n", r, word, rest, u, n);
    r = sscanf("0777 ff 101", "%o %x %ld", &u, &a, &l);
    printf("sscanf4 r=%d o=%u x=%d l=%ld\n", r, u, a, l);
    r = sscanf("abc", "%d", &a);
    printf("sscanf5 (no match) r=%d\n", r);
    r = sscanf("", "%d", &a);
    printf("sscanf6 (empty) r=%d\n", r);
    r = sscanf("2024-01-31T23:59:58Z", "%4d-%2d-%2dT%2d:%2d:%2d%c", &a, &b, &c, &n, &pos1, &pos2, &ch);
    printf("sscanf7 r=%d %d/%d/%d %d:%d:%d %c\n", r, a, b, c, n, pos1, pos2, ch);

    /* strtol family */
    static const char *const sv[] = {"0", "-0", "123abc", "  -456", "+789", "0x7fffffff", "0X80000000", "0777", "08",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "-1", "zzz", "", "   ", "1e5", "0b101", "z"};
    static const int bases[] = {10, 0, 16, 8, 36, 2};
    for (int i = 0; i < (int)(sizeof sv / sizeof sv[0]); i++) {
        printf("\"%s\":", sv[i]);
        for (int k = 0; k < 6; k++) {
            char *end;
            errno = 0;
            long v = strtol(sv[i], &end, bases[k]);
            int e = errno;
            errno = 0;
            unsigned long uv = strtoul(sv[i], NULL, bases[k]);
            int e2 = errno;
            printf(" b%d=%ld/%lu%s%s+%d", bases[k], v, uv, e == ERANGE ? "R" : "", e2 == ERANGE ? "r" : "", (int)(end - sv[i]));
        }
        printf(" atoi=%d\n", (sv[i][0] && strlen(sv[i]) < 10) ? atoi(sv[i]) : 0);
    }
    return 0;
}
