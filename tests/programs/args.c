/* args: argc, every argv entry (argv[0] too: the harness runs both sides with the
 * same argv[0]), a chosen environment variable through getenv, environ and the
 * third argument of main, and an unset one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *find_env(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=\"%s\" (len %zu)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "non-NULL");

    const char *name = "ELF2NATIVE_TEST_VAR";
    const char *g = getenv(name);
    const char *p = find_env(envp, name);
    const char *q = find_env(environ, name);
    printf("getenv(%s)=%s\n", name, g ? g : "(unset)");
    printf("envp agrees: %s\n", (p && g && strcmp(p, g) == 0) ? "yes" : "no");
    printf("environ agrees: %s\n", (q && g && strcmp(q, g) == 0) ? "yes" : "no");
    printf("envp == environ: %s\n", envp == environ ? "yes" : "no");
    const char *u = getenv("ELF2NATIVE_SURELY_UNSET");
    printf("getenv(ELF2NATIVE_SURELY_UNSET)=%s\n", u ? u : "(unset)");

    /* echo argv joined back together, to stress string handling */
    size_t total = 0;
    for (int i = 1; i < argc; i++)
        total += strlen(argv[i]) + 1;
    char *joined = malloc(total + 1);
    joined[0] = '\0';
    for (int i = 1; i < argc; i++) {
        strcat(joined, argv[i]);
        if (i + 1 < argc)
            strcat(joined, "|");
    }
    printf("joined=[%s]\n", joined);
    fprintf(stderr, "args: %d arguments\n", argc - 1);
    free(joined);
    return 0;
}
