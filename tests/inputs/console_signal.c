/* console_signal: a program that waits for signals sent from outside (as a terminal's Ctrl-C
 * sends SIGINT), for tests/test_windows.py: it prints "ready", and at the first SIGINT its
 * handler runs; then, with SIGINT back to its default action, the second one ends it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_sigint(int sig) { got = sig; }

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    while (!got)
        pause();
    printf("handled signal %d\n", (int)got);
    signal(SIGINT, SIG_DFL);
    printf("ready again\n");
    fflush(stdout);
    for (;;)
        pause();
}
