/* lzma: liblzma's .xz encoder at several presets (with and without "extreme"), every
 * integrity check (none, CRC32, CRC64, SHA-256), the raw LZMA2 and BCJ x86 filters, the
 * stream decoder with small buffers, and an .xz file left in the working directory. */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_all.h"

/* decode an .xz stream feeding 333-byte pieces and draining 555-byte windows */
static int decode(const unsigned char *c, size_t clen, unsigned char *d, size_t cap, size_t *dlen)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
        return -1;
    size_t pos = 0;
    *dlen = 0;
    lzma_ret rc = LZMA_OK;
    while (rc == LZMA_OK) {
        if (s.avail_in == 0 && pos < clen) {
            s.next_in = c + pos;
            s.avail_in = clen - pos < 333 ? clen - pos : 333;
            pos += s.avail_in;
        }
        s.next_out = d + *dlen;
        s.avail_out = cap - *dlen < 555 ? cap - *dlen : 555;
        size_t before = s.avail_out;
        rc = lzma_code(&s, pos == clen && s.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
        *dlen += before - s.avail_out;
    }
    lzma_end(&s);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n;
    unsigned char *in = read_all(stdin, &n);
    printf("liblzma %s, input %zu bytes, crc32 %08x, crc64 %016llx\n", lzma_version_string(), n,
           lzma_crc32(in, n, 0), (unsigned long long)lzma_crc64(in, n, 0));
    size_t cap = lzma_stream_buffer_bound(n);
    unsigned char *c = malloc(cap), *d = malloc(n + 1);
    static const lzma_check checks[] = {LZMA_CHECK_NONE, LZMA_CHECK_CRC32, LZMA_CHECK_CRC64, LZMA_CHECK_SHA256};
    static const uint32_t presets[] = {0, 1, 3, 6, 6 | LZMA_PRESET_EXTREME};
    int bad = 0;
    for (int k = 0; k < 5; k++) {
        size_t clen = 0, dlen = 0;
        lzma_check check = checks[k % 4];
        lzma_ret rc = lzma_easy_buffer_encode(presets[k], check, NULL, in, n, c, &clen, cap);
        int rd = decode(c, clen, d, n + 1, &dlen);
        int ok = rc == LZMA_OK && rd == LZMA_STREAM_END && dlen == n && !memcmp(d, in, n);
        printf("preset %u%s check %d: %zu bytes, crc32 %08x, %s\n", presets[k] & 0xff,
               presets[k] & LZMA_PRESET_EXTREME ? "e" : "", check, clen, lzma_crc32(c, clen, 0),
               ok ? "round trip ok" : "ROUND TRIP FAILED");
        bad |= !ok;
    }
    /* raw BCJ x86 + LZMA2 */
    lzma_options_lzma opt;
    lzma_lzma_preset(&opt, 2);
    lzma_filter filters[] = {{LZMA_FILTER_X86, NULL}, {LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    size_t clen = 0, dlen = 0, ipos = 0;
    lzma_ret rc = lzma_raw_buffer_encode(filters, NULL, in, n, c, &clen, cap);
    lzma_ret rd = lzma_raw_buffer_decode(filters, NULL, c, &ipos, clen, d, &dlen, n + 1);
    printf("raw x86+lzma2: %zu bytes, rc %d/%d, %s\n", clen, rc, rd, dlen == n && !memcmp(d, in, n) ? "same" : "DIFFERENT");
    /* garbage must be reported */
    memset(c, 0x5a, 64);
    printf("garbage: rc %d\n", decode(c, 64, d, n + 1, &dlen));

    const char *out = argc > 1 ? argv[1] : "out.xz";
    clen = 0;
    lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, in, n, c, &clen, cap);
    FILE *f = fopen(out, "wb");
    fwrite(c, 1, clen, f);
    fclose(f);
    printf("%s: %zu bytes\n", out, clen);
    return bad;
}
