/* Dynamic linking end to end, run natively and translated: the work is glibc's ld.so's.
 * Built with libdlneeded.so as DT_NEEDED (RUNPATH $ORIGIN) and libdlplugin.so loaded by
 * dlopen; run with and without LD_BIND_NOW and LD_PRELOAD=libdlpreload.so (see
 * tests/test_dynamic.py). Prints only what is the same in every run: no addresses. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern __thread int needed_tls;
extern __thread char needed_tls_buf[64];
extern int needed_counter;
int needed_add(int, int);
int needed_bump(void);
const char *needed_greeting(void);
int needed_answer(void);            /* the default version, NEEDED_2 */

__thread int main_tls = 1000;
static long (*step)(long);
static const char *(*name)(void);

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int each_module(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    const char *n = base(info->dlpi_name);
    int tls = 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        tls |= info->dlpi_phdr[i].p_type == PT_TLS;
    if (strstr(n, "libdl") || strncmp(n, "libc.so", 7) == 0)
        printf("  module %s: %d program headers, TLS %s\n", n, info->dlpi_phnum, tls ? "yes" : "no");
    ++*(int *)data;
    return 0;
}

static void *thread_main(void *arg)
{
    (void)arg;
    /* every thread has its own copies, initialised from each module's TLS image */
    printf("thread: main_tls %d, needed_tls %d, buf %s\n", main_tls, needed_tls, needed_tls_buf);
    main_tls += 1;
    needed_bump();
    long a = step(1), b = step(10);
    printf("thread: plugin step %ld %ld, name %s\n", a, b, name());
    printf("thread: after: main_tls %d, needed_tls %d\n", main_tls, needed_tls);
    return NULL;
}

static void main_atexit_first(void) { puts("main: atexit handler registered first"); fflush(stdout); }
static void main_atexit_second(void) { puts("main: atexit handler registered second"); fflush(stdout); }

int main(void)
{
    atexit(main_atexit_first);
    atexit(main_atexit_second);
    printf("needed_counter %d (set by the constructor)\n", needed_counter);
    int (*v1)(void) = (int (*)(void))dlvsym(RTLD_DEFAULT, "needed_answer", "NEEDED_1");
    int (*v2)(void) = (int (*)(void))dlvsym(RTLD_DEFAULT, "needed_answer", "NEEDED_2");
    printf("needed_answer() = %d; @NEEDED_1 %d, @NEEDED_2 %d, @NEEDED_3 %s\n", needed_answer(),
           v1 ? v1() : -1, v2 ? v2() : -1,
           dlvsym(RTLD_DEFAULT, "needed_answer", "NEEDED_3") ? "found" : "not found");
    printf("needed_add(2, 3) = %d (an IFUNC)\n", needed_add(2, 3));
    printf("needed_greeting: %s\n", needed_greeting());
    puts("puts through the PLT");
    main_tls += 2;
    int before = needed_tls, after = needed_bump();
    printf("main: main_tls %d, needed_tls %d -> %d\n", main_tls, before, after);
    strcpy(needed_tls_buf, "changed in main");

    void *h = dlopen("libdlnothere.so", RTLD_NOW);
    printf("dlopen(libdlnothere.so): %s, %s\n", h ? "loaded" : "NULL", h ? "" : dlerror());

    h = dlopen("libdlplugin.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("dlopen(libdlplugin.so) failed: %s\n", dlerror());
        return 1;
    }
    step = (long (*)(long))dlsym(h, "plugin_step");
    name = (const char *(*)(void))dlsym(h, "plugin_name");
    const char *(*uses)(void) = (const char *(*)(void))dlsym(h, "plugin_uses_needed");
    void *missing = dlsym(h, "plugin_missing");
    printf("dlsym(plugin_missing): %s, %s\n", missing ? "found" : "NULL", missing ? "" : dlerror());
    if (!step || !name || !uses)
        return 2;
    long a = step(2), b = step(3);
    printf("main: plugin step %ld %ld, name %s, uses: %s\n", a, b, name(), uses());

    Dl_info info;
    if (dladdr((void *)step, &info))
        printf("dladdr(plugin_step): %s in %s\n", info.dli_sname, base(info.dli_fname));

    int count = 0;
    dl_iterate_phdr(each_module, &count);
    printf("dl_iterate_phdr: %s\n", count >= 4 ? "at least 4 modules" : "too few modules");

    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    long c = step(0);
    printf("main: after the thread: main_tls %d, needed_tls %d, buf %s, plugin step %ld\n",
           main_tls, needed_tls, needed_tls_buf, c);

    printf("dlclose: %d\n", dlclose(h));
    void *again = dlopen("libdlplugin.so", RTLD_NOLOAD);
    printf("after dlclose, RTLD_NOLOAD: %s\n", again ? "still loaded" : "unloaded");
    fflush(stdout);
    return 0;
}
