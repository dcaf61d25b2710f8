/* zlib: Debian's static zlib compressing and inflating a generated text at three levels. */
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

int main(int argc, char **argv)
{
    size_t n = (size_t)(argc > 1 ? atol(argv[1]) : 24) << 20;
    unsigned char *in = malloc(n);
    unsigned x = 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525 + 1013904223;
        in[i] = "etaoin shrdlu\n0123456789"[(x >> 24) % 24 < 20 ? (x >> 24) % 14 : 14 + (x >> 20) % 10];
    }
    uLongf cap = compressBound(n);
    unsigned char *c = malloc(cap), *d = malloc(n);
    int levels[] = {1, 6, 9};
    for (int k = 0; k < 3; k++) {
        uLongf clen = cap, dlen = n;
        compress2(c, &clen, in, n, levels[k]);
        uncompress(d, &dlen, c, clen);
        printf("level %d: %zu -> %lu bytes, crc %08lx, %s\n", levels[k], n, clen, crc32(0, c, clen),
               dlen == n && crc32(0, d, n) == crc32(0, in, n) ? "ok" : "MISMATCH");
    }
    return 0;
}
