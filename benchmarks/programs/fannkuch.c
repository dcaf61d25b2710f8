/* fannkuch-redux: permutations and prefix reversals (integer, branchy, small arrays). */
#include <stdio.h>
#include <stdlib.h>

static int fannkuch(int n, int *maxflips_out)
{
    int perm[16], perm1[16], count[16];
    int maxflips = 0, checksum = 0, r = n, permcount = 0;
    for (int i = 0; i < n; i++)
        perm1[i] = i;
    for (;;) {
        for (; r != 1; r--)
            count[r - 1] = r;
        for (int i = 0; i < n; i++)
            perm[i] = perm1[i];
        int flips = 0, k;
        while ((k = perm[0]) != 0) {
            for (int i = 0, j = k; i < j; i++, j--) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
        }
        if (flips > maxflips)
            maxflips = flips;
        checksum += permcount % 2 == 0 ? flips : -flips;
        for (;;) {
            if (r == n) {
                *maxflips_out = maxflips;
                return checksum;
            }
            int p0 = perm1[0];
            for (int i = 0; i < r; i++)
                perm1[i] = perm1[i + 1];
            perm1[r] = p0;
            if (--count[r] > 0)
                break;
            r++;
        }
        permcount++;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10, reps = argc > 2 ? atoi(argv[2]) : 5;
    int checksum = 0, maxflips = 0;
    for (int k = 0; k < reps; k++)
        checksum = fannkuch(n, &maxflips);
    printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, maxflips);
    return 0;
}
