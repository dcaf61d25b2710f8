/* libdlneeded.so: a DT_NEEDED library of dynlink.c, linked with -z lazy.
 * Initial-exec TLS used from the program, an IFUNC, a constructor and a destructor,
 * and a function the preload library overrides. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__thread int needed_tls = 17;           /* static TLS: in the initial TLS block */
__thread char needed_tls_buf[64] = "needed-tls";

int needed_counter;

static int add_plain(int a, int b) { return a + b; }
static int add_twice(int a, int b) { return 2 * (a + b); }

/* IFUNC: the resolver runs during relocation processing (IRELATIVE or a symbol's
 * STT_GNU_IFUNC); its choice depends on an environment-free condition */
static int (*resolve_add(void))(int, int) { return sizeof(long) == 8 ? add_plain : add_twice; }
int needed_add(int a, int b) __attribute__((ifunc("resolve_add")));

const char *needed_greeting(void) { return "greeting from libdlneeded"; }

int needed_bump(void) { return ++needed_tls; }

__attribute__((constructor)) static void needed_init(void)
{
    needed_counter = 100;
    static const char msg[] = "libdlneeded: constructor\n";
    write(1, msg, sizeof msg - 1);
}

__attribute__((destructor)) static void needed_fini(void)
{
    static const char msg[] = "libdlneeded: destructor\n";
    write(1, msg, sizeof msg - 1);
}
