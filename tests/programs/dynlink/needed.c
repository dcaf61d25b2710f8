/* libdlneeded.so: a DT_NEEDED library of dynlink.c, linked with -z lazy and the version
 * script needed.map. Initial-exec TLS used from the program, an IFUNC, a constructor and a
 * destructor, an atexit handler registered by the constructor, a function the preload
 * library overrides, and a symbol with two versions (needed_answer@NEEDED_1, and the
 * default needed_answer@@NEEDED_2 that the program links against). */
#include <stdio.h>
#include <stdlib.h>
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

int needed_answer_v1(void) { return 1; }
int needed_answer_v2(void) { return 2; }
__asm__(".symver needed_answer_v1, needed_answer@NEEDED_1");
__asm__(".symver needed_answer_v2, needed_answer@@NEEDED_2");

static void needed_atexit(void)
{
    static const char msg[] = "libdlneeded: atexit handler\n";
    write(1, msg, sizeof msg - 1);
}

__attribute__((constructor)) static void needed_init(void)
{
    needed_counter = 100;
    atexit(needed_atexit);
    static const char msg[] = "libdlneeded: constructor\n";
    write(1, msg, sizeof msg - 1);
}

__attribute__((destructor)) static void needed_fini(void)
{
    static const char msg[] = "libdlneeded: destructor\n";
    write(1, msg, sizeof msg - 1);
}
