/* crash: dies the way argv[1] says, after writing (and flushing) a line: a translated
 * program must die with the same signal as the native one. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "none";
    printf("about to %s\n", how);
    fflush(stdout);
    volatile int zero = 0;
    if (!strcmp(how, "segv"))
        return *(volatile int *)(long)(16 + zero);
    if (!strcmp(how, "fpe"))
        return 7 / zero;
    if (!strcmp(how, "abort"))
        abort();
    if (!strcmp(how, "raise"))
        raise(SIGTERM);
    if (!strcmp(how, "ud2"))
        __builtin_trap();
    return 0;
}
