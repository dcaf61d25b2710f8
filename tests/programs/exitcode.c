/* exitcode: exit status from argv.  Usage: exitcode CODE MODE
 * MODE: main   -> return CODE from main
 *       exit   -> exit(CODE) from main
 *       nested -> exit(CODE) from a function 5 calls deep, with atexit handlers
 *       _exit  -> _exit(CODE) (stdio buffers are NOT flushed: only stderr output shows)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void handler1(void) { printf("atexit handler 1\n"); }
static void handler2(void) { printf("atexit handler 2\n"); }

__attribute__((noinline)) static void deep(int level, int code)
{
    printf("deep level %d\n", level);
    if (level < 0)
        return;
    if (level == 0) {
        printf("exiting with %d from nested function\n", code);
        exit(code);
    }
    deep(level - 1, code);
    printf("never printed\n");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: exitcode CODE MODE\n");
        return 2;
    }
    int code = atoi(argv[1]);
    const char *mode = argv[2];
    printf("code=%d mode=%s\n", code, mode);
    if (strcmp(mode, "main") == 0)
        return code;
    if (strcmp(mode, "exit") == 0)
        exit(code);
    if (strcmp(mode, "nested") == 0) {
        atexit(handler1);
        atexit(handler2);
        deep(5, code);
    }
    if (strcmp(mode, "_exit") == 0) {
        fprintf(stderr, "calling _exit(%d)\n", code);
        _exit(code);
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 3;
}
