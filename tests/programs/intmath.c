/* intmath: every integer width and signedness: + - * / % with negatives, __int128
 * mul/div/mod, shifts, rotations, overflow builtins, popcount/clz/ctz/bswap/parity,
 * sign/zero extension, comparisons.  Inputs come through volatile so nothing folds. */
#include <stdint.h>
#include <stdio.h>

static volatile int64_t vals[] = {0, 1, -1, 2, -2, 3, 7, -7, 100, -100, 127, -128, 255, 32767, -32768, 65535,
    2147483647, -2147483647 - 1, 4294967295LL, 0x123456789abcdefLL, -0x123456789abcdefLL,
    INT64_MAX, INT64_MIN, 0x5555555555555555LL, (int64_t)0xaaaaaaaaaaaaaaaaULL, 1000000007, -999999937};
#define NV (int)(sizeof vals / sizeof vals[0])

static uint64_t H = 1469598103934665603ULL;
static void mix(uint64_t v) { H = (H ^ v) * 1099511628211ULL; }

#define ROTL(T, W, x, n) ((T)(((T)(x) << ((n) % W)) | ((T)(x) >> ((W - (n) % W) % W))))
#define ROTR(T, W, x, n) ((T)(((T)(x) >> ((n) % W)) | ((T)(x) << ((W - (n) % W) % W))))

#define DIVTEST(T, a, b) do { T x_ = (T)(a), y_ = (T)(b); \
    if (y_ != 0 && !(y_ == (T)-1 && x_ == (T)((uint64_t)1 << (sizeof(T) * 8 - 1)))) { mix((uint64_t)(T)(x_ / y_)); mix((uint64_t)(T)(x_ % y_)); } } while (0)

int main(void)
{
    for (int i = 0; i < NV; i++) {
        for (int j = 0; j < NV; j++) {
            int64_t a = vals[i], b = vals[j];
            /* 8/16/32/64 signed and unsigned, wrapping arithmetic done in unsigned */
            mix((uint8_t)((uint8_t)a + (uint8_t)b)); mix((uint16_t)((uint16_t)a * (uint16_t)b));
            mix((uint32_t)a - (uint32_t)b); mix((uint64_t)a * (uint64_t)b);
            mix((uint64_t)(int64_t)(int8_t)a); mix((uint64_t)(int64_t)(int16_t)b); mix((uint64_t)(int64_t)(int32_t)a);
            DIVTEST(int8_t, a, b); DIVTEST(uint8_t, a, b); DIVTEST(int16_t, a, b); DIVTEST(uint16_t, a, b);
            DIVTEST(int32_t, a, b); DIVTEST(uint32_t, a, b); DIVTEST(int64_t, a, b); DIVTEST(uint64_t, a, b);
            mix((a < b) | (a == b) << 1 | ((uint64_t)a < (uint64_t)b) << 2 | ((int32_t)a <= (int32_t)b) << 3 |
                ((uint16_t)a > (uint16_t)b) << 4 | ((int8_t)a >= (int8_t)b) << 5);
            /* __int128 */
            typedef unsigned __int128 u128;
            __int128 A = (__int128)((u128)a * (u128)(b | 1) * 1000003), B = (__int128)b * 65537 + 3;
            unsigned __int128 UA = (unsigned __int128)(uint64_t)a << 64 | (uint64_t)b, UB = (unsigned __int128)(uint64_t)b * 977 + 1;
            __int128 AB = (__int128)((u128)A * (u128)B);
            mix((uint64_t)AB); mix((uint64_t)(AB >> 64));
            if (B != 0) { mix((uint64_t)(A / B)); mix((uint64_t)(A % B)); mix((uint64_t)((A / B) >> 64)); }
            mix((uint64_t)(UA / UB)); mix((uint64_t)(UA % UB)); mix((uint64_t)((UA / UB) >> 64));
            mix((uint64_t)(UA >> (j % 128))); mix((uint64_t)((UA << (i % 128)) >> 64)); mix((uint64_t)(A >> (j % 128)));
            /* overflow builtins */
            int32_t r32; int64_t r64; uint32_t u32; uint64_t u64; int8_t r8;
            mix(__builtin_add_overflow((int32_t)a, (int32_t)b, &r32) * 2 + (uint64_t)(uint32_t)r32);
            mix(__builtin_sub_overflow(a, b, &r64) + (uint64_t)r64);
            mix(__builtin_mul_overflow(a, b, &r64) + (uint64_t)r64);
            mix(__builtin_mul_overflow((uint32_t)a, (uint32_t)b, &u32) + (uint64_t)u32);
            mix(__builtin_add_overflow((uint64_t)a, (uint64_t)b, &u64) + u64);
            mix(__builtin_mul_overflow((int8_t)a, (int8_t)b, &r8) + (uint64_t)(uint8_t)r8);
            /* shifts and rotations at every width */
            unsigned n = (unsigned)(b & 0xff);
            mix((uint64_t)a << (n % 64)); mix((uint64_t)a >> (n % 64)); mix((uint64_t)(a >> (n % 64)));
            mix((uint32_t)a << (n % 32)); mix((uint32_t)((int32_t)a >> (n % 32))); mix((uint32_t)a >> (n % 32));
            mix((uint16_t)((uint16_t)a >> (n % 16))); mix((uint8_t)((int8_t)a >> (n % 8)));
            mix(ROTL(uint64_t, 64, a, n)); mix(ROTR(uint64_t, 64, a, n)); mix(ROTL(uint32_t, 32, a, n));
            mix(ROTR(uint32_t, 32, a, n)); mix(ROTL(uint16_t, 16, a, n)); mix(ROTL(uint8_t, 8, a, n));
        }
        uint64_t u = (uint64_t)vals[i];
        printf("v[%2d]=%-21lld pop=%2d clz=%2d ctz=%2d clz32=%2d ctz32=%2d parity=%d bswap64=%016llx bswap32=%08x bswap16=%04x ffs=%d clrsb=%d\n",
               i, (long long)vals[i], __builtin_popcountll(u), u ? __builtin_clzll(u) : 64, u ? __builtin_ctzll(u) : 64,
               (uint32_t)u ? __builtin_clz((uint32_t)u) : 32, (uint32_t)u ? __builtin_ctz((uint32_t)u) : 32,
               __builtin_parityll(u), (unsigned long long)__builtin_bswap64(u), __builtin_bswap32((uint32_t)u),
               __builtin_bswap16((uint16_t)u), __builtin_ffsll((long long)u), __builtin_clrsbll((long long)u));
        printf("      hash=%016llx\n", (unsigned long long)H);
    }
    /* a few explicit, human-checkable lines */
    volatile int m7 = -7, p2 = 2, m2 = -2;
    printf("-7/2=%d -7%%2=%d 7/-2=%d 7%%-2=%d -7/-2=%d -7%%-2=%d\n", m7 / p2, m7 % p2, -m7 / m2, -m7 % m2, m7 / m2, m7 % m2);
    volatile __int128 big = (__int128)INT64_MAX * INT64_MAX;
    __int128 q = big / -12345, r = big % -12345;
    printf("int128: hi=%016llx lo=%016llx q.lo=%016llx r=%lld\n", (unsigned long long)(big >> 64),
           (unsigned long long)big, (unsigned long long)q, (long long)r);
    printf("final hash=%016llx\n", (unsigned long long)H);
    return 0;
}
