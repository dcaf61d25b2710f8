/* libdlpreload.so: LD_PRELOADed in one of dynlink.c's cases; it overrides a function of
 * libdlneeded and interposes on libc's puts. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

const char *needed_greeting(void) { return "greeting from the preload library"; }

int puts(const char *s)
{
    static int (*real_puts)(const char *);
    if (!real_puts)
        real_puts = (int (*)(const char *))dlsym(RTLD_NEXT, "puts");
    fputs("[preload] ", stdout);
    return real_puts(s);
}
