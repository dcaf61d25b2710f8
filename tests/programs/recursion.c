/* recursion: depth-100000 recursion (a plain sum that -O2 may turn into a loop, and one
 * that keeps real frames), mutual recursion, Ackermann(2,n) and (3,n), and fib. */
#include <stdio.h>

volatile long depth_input = 100000;

__attribute__((noinline)) static long sum_plain(long n)
{
    if (n == 0) return 0;
    return n + sum_plain(n - 1);
}

__attribute__((noinline)) static long sum_framed(long n)
{
    volatile long keep = n * 3;   /* lives across the call: forces a real frame */
    if (n == 0) return 0;
    long r = sum_framed(n - 1);
    return r + keep - 2 * n;
}

__attribute__((noinline)) static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
__attribute__((noinline)) static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned long ack_calls;
__attribute__((noinline)) static unsigned long ack(unsigned long m, unsigned long n)
{
    ack_calls++;
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* recursion that passes and fills an array on the way down and checks it on the way up */
__attribute__((noinline)) static unsigned walk(unsigned *path, int d, unsigned x)
{
    path[d] = x;
    if (d == 0) return x;
    unsigned r = walk(path, d - 1, x * 1103515245u + 12345u);
    return r ^ (path[d] == x ? (unsigned)d : 0xffffffffu);
}

static unsigned path[100001];

int main(void)
{
    long n = depth_input;
    printf("sum_plain(%ld)=%ld\n", n, sum_plain(n));
    printf("sum_framed(%ld)=%ld\n", n, sum_framed(n));
    printf("is_even(%ld)=%d is_odd(%ld)=%d\n", n, is_even((unsigned)n), n + 1, is_odd((unsigned)n + 1));
    for (unsigned long k = 0; k <= 2000; k += 250) {
        ack_calls = 0;
        unsigned long a = ack(2, k);
        printf("ack(2,%lu)=%lu calls=%lu\n", k, a, ack_calls);
    }
    for (unsigned long k = 0; k <= 7; k++) {
        ack_calls = 0;
        unsigned long a = ack(3, k);
        printf("ack(3,%lu)=%lu calls=%lu\n", k, a, ack_calls);
    }
    printf("fib(27)=%u\n", fib(27));
    printf("walk=%08x\n", walk(path, (int)n, 1));
    return 0;
}
