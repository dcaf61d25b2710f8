/* setjmp: longjmp out of deep recursion, nested jmp_bufs, 10000 round trips in a loop,
 * volatile locals surviving the jump, and sigsetjmp/siglongjmp. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf outer, inner, loopbuf;
static sigjmp_buf sigbuf;
static long depth_reached;

__attribute__((noinline)) static long dive(long d, long limit)
{
    volatile char pad[32];
    pad[d & 31] = (char)d;
    depth_reached = d;
    if (d == limit) longjmp(outer, (int)(d % 1000) + 1);
    if (d > limit) return 0;
    return dive(d + 1, limit) + pad[d & 31];
}

__attribute__((noinline)) static void thrower(int which, int value)
{
    if (which == 0) longjmp(inner, value);
    longjmp(outer, value);
}

__attribute__((noinline)) static int nested(int which)
{
    volatile int stage = 0;
    int r = setjmp(inner);
    if (r != 0) {
        printf("  inner caught %d at stage %d\n", r, stage);
        return r * 10;
    }
    stage = 1;
    thrower(which, 7 + which);
    return -1;
}

__attribute__((noinline)) static void loop_target(int i)
{
    if (i % 3 == 0) longjmp(loopbuf, 0); /* 0 must arrive as 1 */
    longjmp(loopbuf, i);
}

int main(void)
{
    volatile long limit = 50000;
    int r = setjmp(outer);
    if (r == 0) {
        printf("diving to %ld\n", limit);
        dive(0, limit);
        printf("not reached\n");
    } else {
        printf("longjmp from depth %ld returned %d\n", depth_reached, r);
    }

    r = setjmp(outer);
    if (r == 0) {
        printf("nested(0) -> %d\n", nested(0));
        printf("nested(1) -> %d\n", nested(1));
        printf("not reached\n");
    } else {
        printf("outer caught %d\n", r);
    }

    volatile int count = 0;
    volatile long total = 0;
    volatile unsigned h = 0;
    r = setjmp(loopbuf);
    if (count < 10000) {
        total += r;
        h = (h ^ (unsigned)r) * 16777619u;
        count = count + 1;
        loop_target(count);
    }
    printf("loop: count=%d total=%ld hash=%08x\n", count, total, h);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (sigsetjmp(sigbuf, 1) == 0) {
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        siglongjmp(sigbuf, 5);
    }
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("sigsetjmp restored mask: SIGUSR1 blocked=%d\n", sigismember(&now, SIGUSR1));
    return 0;
}
