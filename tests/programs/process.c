/* process: fork, vfork, posix_spawn, execve of /proc/self/exe and of another program,
 * a pipeline of forked children joined by pipes and dup2, exit statuses, a child killed
 * by a signal, wait4/waitid, process groups and sessions. */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void stage(int in, int out, int mode)
{
    if (in != 0) { dup2(in, 0); close(in); }
    if (out != 1) { dup2(out, 1); close(out); }
    char line[64];
    long sum = 0;
    if (mode == 0) {
        for (int i = 1; i <= 1000; i++) printf("%d\n", i);
    } else if (mode == 1) {
        while (fgets(line, sizeof line, stdin)) printf("%ld\n", 2 * atol(line));
    } else {
        while (fgets(line, sizeof line, stdin)) sum += atol(line);
        printf("pipeline sum=%ld\n", sum);
    }
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        printf("exec'd again with %s\n", argc > 2 ? argv[2] : "-");
        return 5;
    }
    setvbuf(stdout, NULL, _IONBF, 0);

    /* a pipeline of three forked children */
    int p1[2], p2[2];
    pipe(p1);
    pipe(p2);
    pid_t a = fork();
    if (a == 0) { close(p1[0]); close(p2[0]); close(p2[1]); stage(0, p1[1], 0); }
    pid_t b = fork();
    if (b == 0) { close(p1[1]); close(p2[0]); stage(p1[0], p2[1], 1); }
    pid_t c = fork();
    if (c == 0) { close(p1[0]); close(p1[1]); close(p2[1]); stage(p2[0], 1, 2); }
    close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
    int st;
    pid_t order[] = {a, b, c}, got[3];
    int sts[3];
    for (int k = 0; k < 3; k++) got[k] = waitpid(order[k], &sts[k], 0);
    for (int k = 0; k < 3; k++)     /* after all three: their output is done */
        printf("reaped %c same=%d status=%d\n", "abc"[k], got[k] == order[k], WEXITSTATUS(sts[k]));

    /* exit statuses and a signal */
    int codes[] = {0, 3, 255};
    for (int k = 0; k < 3; k++) {
        pid_t p = fork();
        if (p == 0) exit(codes[k]);
        waitpid(p, &st, 0);
        printf("exit %d: exited=%d status=%d\n", codes[k], WIFEXITED(st), WEXITSTATUS(st));
    }
    pid_t k = fork();
    if (k == 0) { for (;;) pause(); }
    kill(k, SIGKILL);
    struct rusage ru;
    pid_t w = wait4(k, &st, 0, &ru);
    printf("killed: same=%d signaled=%d sig=%d\n", w == k, WIFSIGNALED(st), WTERMSIG(st));
    k = fork();
    if (k == 0) { abort(); }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, k, &si, WEXITED);
    printf("waitid: code_is_dumped_or_killed=%d status=%d\n", si.si_code == CLD_DUMPED || si.si_code == CLD_KILLED, si.si_status);

    /* vfork */
    volatile int touched = 0;
    pid_t v = vfork();
    if (v == 0) { touched = 1; _exit(7); }
    waitpid(v, &st, 0);
    printf("vfork: status=%d parent_sees_child_write=%d\n", WEXITSTATUS(st), touched);

    /* execve of the running program, through /proc/self/exe, in a forked child */
    pid_t e = fork();
    if (e == 0) {
        char *args[] = {"self", "again", "from-exec", NULL};
        execve("/proc/self/exe", args, environ);
        _exit(99);
    }
    waitpid(e, &st, 0);
    printf("exec self: status=%d\n", WEXITSTATUS(st));

    /* posix_spawn of another program (run as it is) */
    pid_t sp;
    char *eargs[] = {"sh", "-c", "echo spawned $0 $1; exit 4", "x", "y", NULL};
    int r = posix_spawn(&sp, "/bin/sh", NULL, NULL, eargs, environ);
    waitpid(sp, &st, 0);
    printf("posix_spawn: r=%d status=%d\n", r, WEXITSTATUS(st));

    /* process groups and sessions */
    pid_t g = fork();
    if (g == 0) {
        int ok1 = setpgid(0, 0) == 0 && getpgrp() == getpid();
        pid_t s = setsid();
        printf("child: own group=%d setsid_failed_as_leader=%d\n", ok1, s == -1);
        _exit(0);
    }
    waitpid(g, &st, 0);
    pid_t g2 = fork();
    if (g2 == 0) {
        pid_t s = setsid();
        printf("child2: new session=%d sid_is_pid=%d\n", s == getpid(), getsid(0) == getpid());
        _exit(0);
    }
    waitpid(g2, &st, 0);
    printf("parent: ppid_positive=%d\n", getppid() > 0);
    return 0;
}
