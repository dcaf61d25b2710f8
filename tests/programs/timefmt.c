/* timefmt: gmtime_r/strftime/timegm on fixed time_t values (no clock, no time zone
 * files: only UTC functions are used), asctime, difftime, and calendar arithmetic. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void)
{
    static const time_t when[] = {0, 1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 1000000000, 1234567890,
                                  2147483647, 2147483648LL, -1, -86401, 4102444800LL /* 2100-01-01 */,
                                  253402300799LL /* 9999-12-31 */, 1709251199 /* 2024-02-29 23:59:59 */};
    static const char *fmts[] = {"%Y-%m-%d %H:%M:%S", "%a %A %b %B", "%j %U %W %u %w", "%y %C %e %D",
                                 "%G-W%V-%u %g", "%I:%M %p %r", "%c", "%x %X", "%R %T %F", "%h %n%t%%"};
    char buf[128];
    for (size_t i = 0; i < sizeof when / sizeof when[0]; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        if (!gmtime_r(&when[i], &tm)) { printf("%lld: gmtime failed\n", (long long)when[i]); continue; }
        printf("t=%lld yday=%d wday=%d isdst=%d\n", (long long)when[i], tm.tm_yday, tm.tm_wday, tm.tm_isdst);
        for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
            size_t n = strftime(buf, sizeof buf, fmts[k], &tm);
            printf("  [%s] -> %zu [%s]\n", fmts[k], n, buf);
        }
        time_t back = timegm(&tm);
        printf("  timegm round trip %s\n", back == when[i] ? "ok" : "MISMATCH");
        char abuf[64];
        printf("  asctime_r: %s", asctime_r(&tm, abuf));
    }
    /* normalisation: 2023-01-31 + 1 month, day 0, negative seconds, leap years */
    struct tm t = {.tm_year = 123, .tm_mon = 1, .tm_mday = 31, .tm_hour = 25, .tm_min = -5, .tm_sec = 3600};
    time_t tt = timegm(&t);
    strftime(buf, sizeof buf, "%F %T %a yday=%j", &t);
    printf("normalised: %lld %s\n", (long long)tt, buf);
    static const int years[] = {1896, 1900, 1904, 2000, 2023, 2024, 2100, 2400};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        int y = years[i];
        struct tm f = {.tm_year = y - 1900, .tm_mon = 1, .tm_mday = 29, .tm_hour = 12};
        timegm(&f);
        printf("year %d: Feb 29 -> month %d day %d\n", y, f.tm_mon + 1, f.tm_mday);
    }
    printf("difftime=%.1f\n", difftime(when[7], when[6]));
    printf("small buffer strftime=%zu\n", strftime(buf, 5, "%Y-%m-%d", &t));
    return 0;
}
