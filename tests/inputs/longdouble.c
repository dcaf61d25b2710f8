/* long double on a host without 80-bit floats (tests/test_aarch64.py).
 *
 *   longdouble real   computations in `real`: long double, or double when built with
 *                     -DAS_DOUBLE (the expected output of the 64-bit x87 approximation)
 *   longdouble exact  printf and strtod of doubles: must match the native run exactly
 *
 * Inputs come through volatiles so that gcc folds nothing at compile time (a constant
 * folded in 80 bits, then stored, would round twice). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#ifdef AS_DOUBLE
typedef double real;
#define R ""
#define STRTOR strtod
#define SQRT sqrt
#define LDEXP ldexp
#else
typedef long double real;
#define R "L"
#define STRTOR strtold
#define SQRT sqrtl
#define LDEXP ldexpl
#endif

static volatile int vone = 1, vthree = 3, vten = 10;
static volatile long long vbig = 0x7ffffffffffffff0LL;

static void real_mode(void)
{
    real one = vone, three = vthree, ten = vten;
    real x = one + LDEXP(one, -60);            /* 1 + 2^-60: exact in 80 bits only */
    printf("1+2^-60 > 1: %d\n", x > one);
    real third = one / three;
    printf("1/3 = %.30" R "g\n", third);
    printf("1/3 * 3 - 1 = %.17" R "e\n", third * three - one);
    real s = 0;
    for (int i = 1; i <= 100000; i++)
        s += one / (real)i;
    printf("H(100000) = %.25" R "g\n", s);
    real big = 1e300 * one;
    big *= 1e300 * one;                         /* 1e600: beyond double's range */
    printf("1e300*1e300 = %" R "g, /1e300 = %" R "g\n", big, big / (1e300 * one));
    real tiny = LDEXP(one, -1070);
    printf("2^-1070 / 16 = %.17" R "e\n", tiny / 16);
    real fromint = (real)vbig;                  /* fild of 63 bits */
    printf("(real)0x7ffffffffffffff0 = %.0" R "f\n", fromint);
    printf("(long long)(1/3 * 1e18) = %lld\n", (long long)(third * 1e18));
    printf("sqrt(2) = %.25" R "g\n", SQRT(2 * one));
    printf("10^-5 = %.25" R "g\n", one / (ten * ten * ten * ten * ten));
    real parsed = STRTOR("0.1", NULL);
    printf("strtold(0.1) * 10 - 1 = %.17" R "e\n", parsed * ten - one);
}

static const char *const NUMBERS[] = {
    "0", "-0", "1", "0.1", "3.14159265358979323846", "1e308", "1.7976931348623157e308", "2e308",
    "4.9e-324", "2.2250738585072011e-308", "123456789012345678901234567890", "-2.5", "0.5",
    "1.00000000000000011102230246251565404236316680908203125", "nan", "-inf", "0x1.8p3",
    "6.02214076e23", "9007199254740993", "1e-5", "99.995",
};

static void exact_mode(void)
{
    for (size_t i = 0; i < sizeof NUMBERS / sizeof *NUMBERS; i++) {
        char *end;
        double d = strtod(NUMBERS[i], &end);
        printf("%-24s %a | %f | %.3e | %g | %.17g | %.0f | used %zu\n", NUMBERS[i], d, d, d, d, d, d,
               (size_t)(end - NUMBERS[i]));
    }
    printf("%10.4f|%-10.2f|%+.1f|% .5f|%08.3f\n", 3.14159, -2.5, 0.05, 1.0 / 3, -7.25);
    float f = strtof("16777217", NULL);
    printf("strtof(16777217) = %.1f, %f\n", f, 0.1f);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "real"))
        real_mode();
    else if (argc == 2 && !strcmp(argv[1], "exact"))
        exact_mode();
    else {
        fprintf(stderr, "usage: longdouble real|exact\n");
        return 2;
    }
    return 0;
}
