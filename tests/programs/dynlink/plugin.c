/* libdlplugin.so: loaded by dlopen from dynlink.c, never DT_NEEDED.
 * Its TLS is dynamic TLS (general dynamic: __tls_get_addr; or TLSDESC when built with
 * -mtls-dialect=gnu2), it registers an atexit handler, and its destructor runs at dlclose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread long plugin_tls = 5;
__thread char plugin_tls_name[32] = "plugin-tls";
static int loaded;

extern const char *needed_greeting(void);   /* resolved in libdlneeded (already loaded) */

long plugin_step(long by)
{
    plugin_tls += by;
    return plugin_tls;
}

const char *plugin_name(void) { return plugin_tls_name; }

const char *plugin_uses_needed(void) { return needed_greeting(); }

static void plugin_atexit(void) { printf("libdlplugin: atexit handler\n"); fflush(stdout); }

__attribute__((constructor)) static void plugin_init(void)
{
    loaded = 1;
    atexit(plugin_atexit);      /* runs at dlclose (__cxa_atexit with the DSO handle) */
    printf("libdlplugin: constructor\n");
}

__attribute__((destructor)) static void plugin_fini(void) { printf("libdlplugin: destructor\n"); }
