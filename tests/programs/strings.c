/* strings: string.h over lengths 0..300 and src/dst alignments 0..15, checked against
 * simple reference loops, with guard bytes around destinations; prints per-function
 * error counts and checksums (comparison results are reduced to their sign). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAXLEN 300
#define NOIDIOM __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
static unsigned char A[1024] __attribute__((aligned(64)));
static unsigned char B[1024] __attribute__((aligned(64)));
static unsigned long err[20];
static uint32_t sum[20];
static const char *names[20] = {"memcpy", "memmove_fwd", "memmove_bwd", "memset", "memcmp", "strlen", "strcpy",
    "strcat", "strcmp", "strncmp", "strchr", "strrchr", "memchr", "strstr", "strspn", "strcspn", "strpbrk"};

static void mix(int f, long v) { sum[f] = (sum[f] ^ (uint32_t)v) * 16777619u; sum[f] ^= sum[f] >> 15; }
static int sgn(int v) { return (v > 0) - (v < 0); }
static long off(const void *p, const void *base) { return p ? (const unsigned char *)p - (const unsigned char *)base : -1; }

NOIDIOM static void fill(unsigned char *p, size_t n, unsigned seed)
{ /* letters 'a'..'p', never NUL */
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)('a' + ((i * 7 + seed * 3 + (i >> 4)) & 15));
}
NOIDIOM static int same(const unsigned char *x, const unsigned char *y, size_t n)
{
    for (size_t i = 0; i < n; i++) if (x[i] != y[i]) return 0;
    return 1;
}
NOIDIOM static int guards_ok(const unsigned char *buf, size_t lo, size_t hi)
{ /* bytes outside [lo, hi) must still be 0xEE */
    for (size_t i = 0; i < sizeof A; i++) if ((i < lo || i >= hi) && buf[i] != 0xEE) return 0;
    return 1;
}
NOIDIOM static void reset(unsigned char *buf) { for (size_t i = 0; i < sizeof A; i++) buf[i] = 0xEE; }

int main(void)
{
    unsigned char tmp[1024] = {0};     /* read at len == 0 (tmp[len / 2]) before any copy */
    for (size_t len = 0; len <= MAXLEN; len++) {
        for (int sa = 0; sa < 16; sa++) {
            unsigned char *s = A + 64 + sa;
            for (int da = 0; da < 16; da++) {
                unsigned char *d = B + 64 + da;
                reset(A); reset(B); fill(s, len, (unsigned)(len + sa)); s[len] = 0;
                memcpy(d, s, len);
                if (!same(d, s, len) || !guards_ok(B, 64 + da, 64 + da + len)) err[0]++;
                mix(0, len ? d[len - 1] : 0);
                /* overlapping memmove inside A, forward (dst > src) and backward */
                if (da != sa || len % 7 == 0) {
                    unsigned char *src = A + 64 + sa, *dst = A + 64 + da + (len % 13);
                    memcpy(tmp, src, len);
                    memmove(dst, src, len);
                    if (!same(dst, tmp, len)) err[1]++;
                    fill(A + 64, len + 40, (unsigned)len);
                    src = A + 64 + da + (len % 13); dst = A + 64 + sa;
                    memcpy(tmp, src, len);
                    memmove(dst, src, len);
                    if (!same(dst, tmp, len)) err[2]++;
                    mix(1, tmp[len / 2]); mix(2, dst[len / 2]);
                }
                reset(A); fill(s, len, (unsigned)(len + sa)); s[len] = 0;
                if (sa == 0) {
                    memset(d, da * 11 + 1, len);
                    for (size_t i = 0; i < len; i++) if (d[i] != (unsigned char)(da * 11 + 1)) { err[3]++; break; }
                    if (!guards_ok(B, 64 + da, 64 + da + len)) err[3]++;
                    mix(3, B[64 + da + len]);
                }
                /* memcmp/strcmp/strncmp: equal, then differing at position len*da/16 */
                reset(B); memcpy(d, s, len + 1);
                int c1 = memcmp(d, s, len), c2 = strcmp((char *)d, (char *)s), c3 = strncmp((char *)d, (char *)s, len);
                if (c1 || c2 || c3) err[4]++;
                if (len > 0) {
                    size_t pos = len * (size_t)da / 16;
                    d[pos] = (unsigned char)(d[pos] + ((sa & 1) ? 1 : -1) + (sa == 5 ? 0x80 : 0));
                    int want = d[pos] > s[pos] ? 1 : -1;
                    if (sgn(memcmp(d, s, len)) != want) err[4]++;
                    if (sgn(strcmp((char *)d, (char *)s)) != want) err[8]++;
                    if (sgn(strncmp((char *)d, (char *)s, len)) != want) err[9]++;
                    if (strncmp((char *)d, (char *)s, pos) != 0) err[9]++;
                    mix(4, sgn(memcmp(s, d, len))); mix(8, sgn(strcmp((char *)s, (char *)d)));
                    mix(9, sgn(strncmp((char *)s, (char *)d, pos + 1)));
                }
                if (da != 0) continue;
                /* single-buffer functions: only vary the source alignment */
                if (strlen((char *)s) != len) err[5]++;
                mix(5, (long)strlen((char *)s + len / 3));
                reset(B); d = B + 64 + (len % 16);
                strcpy((char *)d, (char *)s);
                if (!same(d, s, len + 1) || !guards_ok(B, 64 + len % 16, 64 + len % 16 + len + 1)) err[6]++;
                mix(6, d[len / 2]);
                strcat((char *)d, "XYZ");
                if (strlen((char *)d) != len + 3 || strcmp((char *)d + len, "XYZ")) err[7]++;
                mix(7, (long)strlen((char *)d));
                for (int ch = 'a'; ch <= 'q'; ch++) {
                    long o1 = off(strchr((char *)s, ch), s), o2 = off(strrchr((char *)s, ch), s), o3 = off(memchr(s, ch, len), s);
                    long r1 = -1, r2 = -1;
                    for (size_t i = 0; i < len; i++) { if (s[i] == ch) { if (r1 < 0) r1 = (long)i; r2 = (long)i; } }
                    if (o1 != r1) err[10]++;
                    if (o2 != r2) err[11]++;
                    if (o3 != r1) err[12]++;
                    mix(10, o1); mix(11, o2); mix(12, o3);
                }
                if (off(strchr((char *)s, 0), s) != (long)len) err[10]++;
                if (len >= 8) {
                    char needle[9];
                    memcpy(needle, s + len - 8, 8); needle[8] = 0;
                    char *h = strstr((char *)s, needle);
                    if (!h || memcmp(h, needle, 8)) err[13]++;
                    mix(13, off(h, s));
                    needle[3] = 'z';
                    if (strstr((char *)s, needle)) err[13]++;
                }
                if (strstr((char *)s, "") != (char *)s) err[13]++;
                size_t sp = strspn((char *)s, "abcdefgh"), cs = strcspn((char *)s, "mnop");
                size_t rsp = 0, rcs = 0;
                while (rsp < len && s[rsp] >= 'a' && s[rsp] <= 'h') rsp++;
                while (rcs < len && !(s[rcs] >= 'm' && s[rcs] <= 'p')) rcs++;
                if (sp != rsp) err[14]++;
                if (cs != rcs) err[15]++;
                char *pb = strpbrk((char *)s, "ponm");
                if (off(pb, s) != (rcs == len ? -1 : (long)rcs)) err[16]++;
                mix(14, (long)sp); mix(15, (long)cs); mix(16, off(pb, s));
            }
        }
    }
    unsigned long total = 0;
    for (int f = 0; f < 17; f++) {
        printf("%-12s errors=%lu checksum=%08x\n", names[f], err[f], sum[f]);
        total += err[f];
    }
    printf("total errors=%lu\n", total);
    return total != 0;
}
