/* sieve: the sieve of Eratosthenes over a byte array, repeated (memory-bound loops). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int limit = argc > 1 ? atoi(argv[1]) : 20000000, reps = argc > 2 ? atoi(argv[2]) : 8;
    unsigned char *composite = malloc(limit + 1);
    long count = 0, sum = 0;
    for (int rep = 0; rep < reps; rep++) {
        memset(composite, 0, limit + 1);
        count = sum = 0;
        for (long i = 2; i <= limit; i++) {
            if (composite[i])
                continue;
            count++;
            sum += i;
            for (long j = i * i; j <= limit; j += i)
                composite[j] = 1;
        }
    }
    printf("%ld primes below %d, sum %ld\n", count, limit, sum);
    return 0;
}
