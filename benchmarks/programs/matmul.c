/* matmul: dense double matrix multiply, blocked (FP multiply-adds, strided loads). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 640;
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n * n; i++) {
        a[i] = (double)(i % 97) / 13.0 - 3.0;
        b[i] = (double)(i % 89) / 7.0 + 1.0;
    }
    const int B = 32;
    for (int ii = 0; ii < n; ii += B)
        for (int kk = 0; kk < n; kk += B)
            for (int jj = 0; jj < n; jj += B)
                for (int i = ii; i < ii + B && i < n; i++)
                    for (int k = kk; k < kk + B && k < n; k++) {
                        double aik = a[i * n + k];
                        for (int j = jj; j < jj + B && j < n; j++)
                            c[i * n + j] += aik * b[k * n + j];
                    }
    double trace = 0, sum = 0;
    for (int i = 0; i < n; i++)
        trace += c[i * n + i];
    for (int i = 0; i < n * n; i++)
        sum += c[i];
    printf("trace %.6e sum %.6e\n", trace, sum);
    return 0;
}
