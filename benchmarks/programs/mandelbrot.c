/* mandelbrot: escape-time iteration over a grid (FP multiply-adds, compares, a bitmap). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3000, iters = 50;
    unsigned long inside = 0, hash = 1469598103934665603ul;
    for (int y = 0; y < n; y++) {
        double ci = 2.0 * y / n - 1.0;
        unsigned char bits = 0;
        for (int x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5, zr = 0, zi = 0, tr = 0, ti = 0;
            int i = 0;
            for (; i < iters && tr + ti <= 4.0; i++) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
            }
            bits = (unsigned char)(bits << 1 | (i == iters));
            inside += i == iters;
            if ((x & 7) == 7) {
                hash = (hash ^ bits) * 1099511628211ul;
                bits = 0;
            }
        }
    }
    printf("%dx%d: %lu points inside, bitmap hash %016lx\n", n, n, inside, hash);
    return 0;
}
