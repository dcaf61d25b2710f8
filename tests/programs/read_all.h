/* read_all: the whole of a stream into a malloc'd buffer (the library drivers' input). */
#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_all(FILE *f, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    *n = len;
    return buf;
}
