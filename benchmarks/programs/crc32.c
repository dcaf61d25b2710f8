/* crc32: table-driven CRC-32 and a bitwise CRC-32C over a buffer (shifts, xors, loads). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t table[256];

int main(int argc, char **argv)
{
    size_t n = (size_t)(argc > 1 ? atol(argv[1]) : 64) << 20;
    unsigned char *buf = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = ~0u;
    for (int rep = 0; rep < 4; rep++)
        for (size_t i = 0; i < n; i++)
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
    uint32_t c2 = ~0u;
    for (size_t i = 0; i < n / 8; i++) {
        c2 ^= buf[i];
        for (int k = 0; k < 8; k++)
            c2 = (c2 >> 1) ^ (0x82F63B78u & -(c2 & 1));
    }
    printf("crc32 %08x crc32c %08x\n", ~crc, ~c2);
    return 0;
}
