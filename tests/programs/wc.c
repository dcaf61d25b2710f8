/* wc: read all of stdin with read(2) in odd-sized chunks; count lines, words, bytes,
 * byte histogram classes, longest line; print an FNV-1a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    static unsigned char buf[4093];
    unsigned long lines = 0, words = 0, bytes = 0, longest = 0, cur = 0, zeros = 0, high = 0, reads = 0;
    uint32_t h = 2166136261u;
    int inword = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf - (reads % 7));
        if (n < 0) { perror("read"); return 1; }
        if (n == 0) break;
        reads++;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            h = (h ^ c) * 16777619u;
            bytes++;
            zeros += c == 0;
            high += c >= 0x80;
            if (c == '\n') { lines++; if (cur > longest) longest = cur; cur = 0; } else cur++;
            int space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
            if (!space && !inword) words++;
            inword = !space;
        }
    }
    if (cur > longest) longest = cur;
    printf("%lu %lu %lu\n", lines, words, bytes);
    printf("longest line=%lu nul bytes=%lu high bytes=%lu\n", longest, zeros, high);
    printf("fnv1a=%08x\n", h);
    fprintf(stderr, "wc: done\n");
    return 0;
}
