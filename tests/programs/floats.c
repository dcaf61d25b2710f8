/* floats: printf of floats and doubles (%f %e %g %a, widths, precisions, flags),
 * strtod/strtof of tricky strings (endptr, errno), arithmetic, int<->double
 * conversions with rounding modes of C casts, special values, libm (link with -lm). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -DLONG_DOUBLE_AS_DOUBLE: every long double value rounded to double, the expected output of
 * a host where x87 registers are doubles (translator/semantics/x87_float.py; tests/test_aarch64.py) */
#ifdef LONG_DOUBLE_AS_DOUBLE
#define LD(x) ((long double)(double)(x))
#else
#define LD(x) (x)
#endif

volatile double vin[] = {0.0, -0.0, 1.0, -1.5, 0.1, 2.5, 3.5, -2.5, 1e-310, 123456789.125, 1e22, 1e300,
                         DBL_MAX, DBL_MIN, DBL_EPSILON, 0.3333333333333333, 6.02214076e23, -7.25e-5};
#define NV (int)(sizeof vin / sizeof vin[0])

static void bits(const char *what, double d)
{
    uint64_t u; memcpy(&u, &d, 8);
    printf("%s=%016llx\n", what, (unsigned long long)u);
}

int main(void)
{
    for (int i = 0; i < NV; i++) {
        double d = vin[i];
        printf("[%d] %f|%.0f|%.3f|%12.4f|%-12.2f|%+f|%e|%.10e|%E|%g|%.15g|%.17g|%G|%a|%A|%.3a\n", i,
               d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d);
        float f = (float)d;
        printf("    float %g %.9g %a\n", f, f, f);
    }
    printf("special: %f %f %f %e %g %a\n", INFINITY, -INFINITY, NAN, INFINITY, -NAN, INFINITY);
    printf("widths: [%10.3f] [%-10.3f] [%010.3f] [%+.2e] [% .4g] [%#.0f] [%#g] [%*.*f]\n",
           3.14159, 3.14159, -3.14159, 12345.678, 0.0001234, 3.0, 1.5, 12, 5, 2.0 / 3.0);
    printf("long double: %Lf %.20Lg %La\n", LD((long double)1 / 3), LD((long double)2 / 7), LD((long double)0.1));

    static const char *tricky[] = {"0", "-0", "1e-400", "1e400", "-1e400", "4.9e-324", "2.4703282292062328e-324",
        "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308", "0x1p-1074", "0x1.fffffffffffffp1023",
        "0x1.8p1", "inf", "-Infinity", "nan", "NaN(123)", "  +3.25xyz", ".5", "5.", "1e", "1e+", "e5", "", "  ", "-",
        "0.1", "0.30000000000000004", "9007199254740993", "123456789012345678901234567890", "1.00000000000000011102230246251565",
        "3.14159265358979323846264338327950288", "0x", "0x.8", "1_000", "7e-1", "00001.5000", "2.5E+3"};
    int nt = (int)(sizeof tricky / sizeof tricky[0]);
    for (int i = 0; i < nt; i++) {
        char *end;
        errno = 0;
        double d = strtod(tricky[i], &end);
        int e1 = errno;
        errno = 0;
        float f = strtof(tricky[i], NULL);
        int e2 = errno;
        printf("strtod(\"%s\") = %.17g %a consumed=%d erange=%d | strtof %.9g erange=%d\n", tricky[i], d, d,
               (int)(end - tricky[i]), e1 == ERANGE, (double)f, e2 == ERANGE);
    }

    /* arithmetic */
    double acc = 0.0, prod = 1.0;
    float facc = 0.0f;
    for (int i = 1; i <= 1000; i++) {
        acc += 1.0 / i;
        prod *= 1.0 + 1.0 / (i * i);
        facc += 1.0f / (float)i;
    }
    printf("harmonic(1000)=%.17g prod=%.17g float=%.9g\n", acc, prod, (double)facc);
    bits("0.1+0.2", 0.1 + vin[4] * 2);
    double x = vin[9];
    printf("x/3=%.17g x*x=%.17g fma-free x*x-x=%.17g\n", x / 3, x * x, x * x - x);
    printf("compare: %d %d %d %d\n", vin[0] == vin[1], NAN == NAN, vin[2] < vin[3], isnan(NAN) != 0);

    /* conversions */
    static const double cv[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2147483647.9, -2147483648.9, 4294967295.5,
                                9.2233720368547748e18, -9.2233720368547758e18, 1e-5, 123.999999};
    for (int i = 0; i < (int)(sizeof cv / sizeof cv[0]); i++) {
        volatile double d = cv[i];
        long long ll = (d > -9.3e18 && d < 9.2e18) ? (long long)d : 0;
        unsigned long long ull = (d >= 0 && d < 1.8e19) ? (unsigned long long)d : 0;
        int iv = (d > -2147483649.0 && d < 2147483648.0) ? (int)d : 0;
        printf("conv %.17g -> int %d ll %lld ull %llu lround %ld rint %.1f floor %.1f ceil %.1f trunc %.1f\n",
               d, iv, ll, ull, lround(d), rint(d), floor(d), ceil(d), trunc(d));
    }
    static const long long iv[] = {0, 1, -1, 9007199254740993LL, -9007199254740993LL, 0x7fffffffffffffffLL};
    for (int i = 0; i < 6; i++)
        printf("i2d %lld -> %.17g float %.9g\n", iv[i], (double)iv[i], (double)(float)iv[i]);
    volatile unsigned long long big = 18446744073709551615ull;
    printf("u64max -> %.17g\n", (double)big);

    /* libm: sqrt is exactly rounded, so compare bits; others rounded to 12 digits */
    for (int i = 1; i <= 10; i++) {
        double v = vin[2] * i * 1.75;
        bits("sqrt", sqrt(v));
        printf("  v=%.3f sin=%.12g cos=%.12g exp=%.12g log=%.12g pow=%.12g atan2=%.12g fmod=%.12g\n",
               v, sin(v), cos(v), exp(v), log(v), pow(v, 1.5), atan2(v, 3.0), fmod(v * 10, 3.0));
    }
    printf("sqrtf(2)=%a hypot=%.15g cbrt=%.15g\n", (double)sqrtf(2.0f), hypot(3.0, 4.0), cbrt(27.0));
    printf("frexp/ldexp: ");
    int e;
    double m = frexp(vin[9], &e);
    printf("%a %d %a\n", m, e, ldexp(m, e));
    return 0;
}
