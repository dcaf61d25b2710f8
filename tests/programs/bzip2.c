/* bzip2: BZ2_bzBuffToBuffCompress/Decompress at every block size and work factor, the
 * streaming API with small buffers and the small-memory decompressor, and a .bz2 file
 * left in the working directory. */
#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_all.h"

static unsigned checksum(const unsigned char *p, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(int argc, char **argv)
{
    size_t n;
    unsigned char *in = read_all(stdin, &n);
    printf("bzip2 %s, input %zu bytes\n", BZ2_bzlibVersion(), n);
    unsigned cap = n + n / 100 + 600;
    char *c = malloc(cap), *d = malloc(n + 1);
    int bad = 0;
    for (int block = 1; block <= 9; block += 4) {
        for (int wf = 0; wf <= 250; wf += 125) {
            unsigned clen = cap, dlen = n + 1;
            int rc = BZ2_bzBuffToBuffCompress(c, &clen, (char *)in, n, block, 0, wf);
            int rd = BZ2_bzBuffToBuffDecompress(d, &dlen, c, clen, (block / 4) & 1, 0);
            int ok = rc == BZ_OK && rd == BZ_OK && dlen == n && !memcmp(d, in, n);
            printf("block %d work %3d: %u bytes, hash %08x, %s\n", block, wf, clen, checksum((unsigned char *)c, clen),
                   ok ? "round trip ok" : "ROUND TRIP FAILED");
            bad |= !ok;
        }
    }
    /* streaming: 1000-byte pieces in, 777-byte windows out */
    bz_stream s;
    memset(&s, 0, sizeof s);
    BZ2_bzCompressInit(&s, 5, 0, 30);
    size_t pos = 0, clen = 0;
    int rc;
    do {
        size_t piece = n - pos < 1000 ? n - pos : 1000;
        s.next_in = (char *)in + pos;
        s.avail_in = piece;
        pos += piece;
        int action = pos == n ? BZ_FINISH : BZ_RUN;
        do {
            s.next_out = c + clen;
            s.avail_out = cap - clen < 777 ? cap - clen : 777;
            unsigned before = s.avail_out;
            rc = BZ2_bzCompress(&s, action);
            clen += before - s.avail_out;
        } while (action == BZ_FINISH ? rc == BZ_FINISH_OK : s.avail_in > 0);
    } while (pos < n);
    BZ2_bzCompressEnd(&s);
    printf("streamed: %zu bytes, hash %08x, rc %d\n", clen, checksum((unsigned char *)c, clen), rc);
    /* a truncated stream must be reported */
    unsigned dlen = n + 1;
    rc = BZ2_bzBuffToBuffDecompress(d, &dlen, c, clen / 2, 0, 0);
    printf("truncated stream: rc %d\n", rc);

    const char *out = argc > 1 ? argv[1] : "out.bz2";
    FILE *f = fopen(out, "wb");
    int err;
    BZFILE *b = BZ2_bzWriteOpen(&err, f, 9, 0, 0);
    BZ2_bzWrite(&err, b, in, n);
    unsigned lo_in, lo_out;
    BZ2_bzWriteClose(&err, b, 0, &lo_in, &lo_out);
    fclose(f);
    printf("%s: %u bytes in, %u bytes out, err %d\n", out, lo_in, lo_out, err);
    return bad;
}
