/* zlib: deflate/inflate round trips of stdin at every level and strategy, raw/zlib/gzip
 * wrappers, streaming with small buffers, crc32/adler32, and a .gz file left in the
 * working directory (gzopen/gzwrite) for the harness to compare byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_all.h"
#include <zlib.h>

/* deflate with windowBits wb (raw < 0, zlib 8..15, gzip +16), feeding 977-byte pieces
 * and draining through a 1009-byte output window, then inflate the same way. */
static int round_trip(const unsigned char *in, size_t n, int level, int wb, int strategy)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, level, Z_DEFLATED, wb, 8, strategy) != Z_OK)
        return printf("deflateInit2 failed\n"), 1;
    size_t cap = deflateBound(&s, n) + 64, clen = 0, pos = 0;
    unsigned char *c = malloc(cap);
    int rc;
    do {
        size_t piece = n - pos < 977 ? n - pos : 977;
        s.next_in = (unsigned char *)in + pos;
        s.avail_in = piece;
        pos += piece;
        int flush = pos == n ? Z_FINISH : Z_NO_FLUSH;
        do {
            s.next_out = c + clen;
            s.avail_out = cap - clen < 1009 ? cap - clen : 1009;
            size_t before = s.avail_out;
            rc = deflate(&s, flush);
            clen += before - s.avail_out;
        } while (s.avail_out == 0);
    } while (pos < n);
    deflateEnd(&s);
    if (rc != Z_STREAM_END)
        return printf("deflate did not finish: %d\n", rc), 1;

    unsigned char *d = malloc(n + 1);
    memset(&s, 0, sizeof s);
    inflateInit2(&s, wb);
    s.next_in = c;
    s.avail_in = clen;
    size_t dlen = 0;
    do {
        s.next_out = d + dlen;
        s.avail_out = n + 1 - dlen < 1009 ? n + 1 - dlen : 1009;
        size_t before = s.avail_out;
        rc = inflate(&s, Z_NO_FLUSH);
        dlen += before - s.avail_out;
    } while (rc == Z_OK && s.avail_out == 0);
    inflateEnd(&s);
    int same = rc == Z_STREAM_END && dlen == n && memcmp(in, d, n) == 0;
    printf("level %d wbits %3d strategy %d: %zu -> %zu bytes, crc %08lx, %s\n", level, wb, strategy, n, clen,
           crc32(0, c, clen), same ? "round trip ok" : "ROUND TRIP FAILED");
    free(c);
    free(d);
    return !same;
}

int main(int argc, char **argv)
{
    size_t n;
    unsigned char *in = read_all(stdin, &n);
    printf("zlib %s, input %zu bytes, crc32 %08lx, adler32 %08lx\n", zlibVersion(), n, crc32(0, in, n),
           adler32(1, in, n));
    int bad = 0;
    for (int level = 0; level <= 9; level++)
        bad |= round_trip(in, n, level, 15, Z_DEFAULT_STRATEGY);
    bad |= round_trip(in, n, 6, -15, Z_DEFAULT_STRATEGY);
    bad |= round_trip(in, n, 6, 31, Z_DEFAULT_STRATEGY);
    bad |= round_trip(in, n, 9, 9, Z_FILTERED);
    bad |= round_trip(in, n, 6, 15, Z_HUFFMAN_ONLY);
    bad |= round_trip(in, n, 6, 15, Z_RLE);
    bad |= round_trip(in, n, 6, 15, Z_FIXED);

    uLongf clen = compressBound(n);
    unsigned char *c = malloc(clen);
    compress2(c, &clen, in, n, Z_BEST_COMPRESSION);
    uLongf dlen = n;
    unsigned char *d = malloc(n + 1);
    int rc = uncompress(d, &dlen, c, clen);
    printf("compress2/uncompress: %lu bytes, rc %d, %s\n", clen, rc, dlen == n && !memcmp(d, in, n) ? "same" : "DIFFERENT");
    /* a corrupt stream must be reported, not crash */
    if (clen > 20) {
        c[clen / 2] ^= 0x55;
        dlen = n;
        rc = uncompress(d, &dlen, c, clen);
        printf("corrupted stream: rc %d (%s)\n", rc, rc == Z_DATA_ERROR ? "Z_DATA_ERROR" : "other");
    }

    const char *out = argc > 1 ? argv[1] : "out.gz";
    gzFile g = gzopen(out, "wb9");
    if (!g)
        return printf("gzopen %s failed\n", out), 1;
    gzwrite(g, in, n);
    gzprintf(g, "-- %d bytes --\n", (int)n);
    gzclose(g);
    g = gzopen(out, "rb");
    size_t total = 0;
    int got;
    while ((got = gzread(g, d, 4096)) > 0)
        total += got;
    gzclose(g);
    printf("%s: gzread gives back %zu bytes\n", out, total);
    return bad;
}
