/* Finds its plugins as Python's import system finds extension modules: it lists a
 * directory, stats and checks each shared object it finds there, then dlopens it and
 * calls its plugin_name().  Run with the directory as its argument. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *kind(mode_t m) {
    return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : "other";
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: lister DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    struct stat st;
    if (stat(dir, &st) != 0) {
        printf("stat(%s): %s\n", dir, strerror(errno));
        return 1;
    }
    printf("%s: %s\n", dir, kind(st.st_mode));
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir: %s\n", strerror(errno));
        return 1;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (lstat(path, &st) != 0) {
            printf("%s: lstat: %s\n", names[i], strerror(errno));
            continue;
        }
        printf("%s: %s", names[i], kind(st.st_mode));
        size_t len = strlen(names[i]);
        if (S_ISREG(st.st_mode) && len > 3 && strcmp(names[i] + len - 3, ".so") == 0) {
            printf(", %lld bytes, mode %o, readable %s, executable %s", (long long)st.st_size,
                   (unsigned)(st.st_mode & 07777), access(path, R_OK) == 0 ? "yes" : "no",
                   faccessat(AT_FDCWD, path, X_OK, 0) == 0 ? "yes" : "no");
            void *h = dlopen(path, RTLD_NOW);
            const char *(*name)(void) = h ? (const char *(*)(void))dlsym(h, "plugin_name") : NULL;
            printf(", plugin %s", name ? name() : dlerror());
        }
        printf("\n");
    }
    printf("missing.so: %s\n", access("missing.so", F_OK) == 0 ? "there" : strerror(errno));
    return 0;
}
