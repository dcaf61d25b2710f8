/* atomics: 4 threads hammer the lock-prefixed instructions and xchg under contention, where a
 * locked instruction's commit can fail and must be retried with its inputs intact: a
 * glibc-style three-state lock (lock cmpxchg to take it, xchg to wait and to release) guarding
 * a plain counter and an "inside" count that would show two owners at once; compare-exchange
 * loops (whose failure writes rax) at every width and on 16 bytes (cmpxchg16b); lock xadd,
 * inc, dec, add, sub, or, and, xor, bts and btr.  Build with -pthread -mcx16.
 * Every printed value is fixed by the arithmetic, whatever the interleaving. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NT 4
#define LOCK_ITERS 100000
#define ITERS 50000

static int lock;
static long guarded, overlaps;
static int inside;
static uint8_t cas8;
static uint16_t cas16;
static uint32_t cas32;
static uint64_t cas64;
static unsigned __int128 cas128 __attribute__((aligned(16)));
static long xadd_sum, incdec, addsub;
static uint64_t orbits, andbits = ~0ull, xorbits;
static uint64_t btsword;

static void take(void)
{
    int expected = 0;
    if (__atomic_compare_exchange_n(&lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    while (__atomic_exchange_n(&lock, 2, __ATOMIC_ACQUIRE) != 0)
        ;
}

static void release(void)
{
    __atomic_exchange_n(&lock, 0, __ATOMIC_RELEASE);
}

#define CAS_INC(var)                                                                        \
    do {                                                                                    \
        __typeof__(var) old = __atomic_load_n(&var, __ATOMIC_RELAXED);                      \
        while (!__atomic_compare_exchange_n(&var, &old, (__typeof__(var))(old + 1), 0,      \
                                            __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))            \
            ;                                                                               \
    } while (0)

static void *work(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < LOCK_ITERS; i++) {      /* a tight loop: the most contention */
        take();
        if (__atomic_fetch_add(&inside, 1, __ATOMIC_SEQ_CST) != 0)
            __atomic_fetch_add(&overlaps, 1, __ATOMIC_SEQ_CST);
        guarded++;
        __atomic_fetch_sub(&inside, 1, __ATOMIC_SEQ_CST);
        release();
    }
    for (int i = 0; i < ITERS; i++) {
        CAS_INC(cas8);
        CAS_INC(cas16);
        CAS_INC(cas32);
        CAS_INC(cas64);
        unsigned __int128 old = cas128;
        while (!__sync_bool_compare_and_swap(&cas128, old, old + ((unsigned __int128)1 << 64) + 3))
            old = cas128;

        __atomic_fetch_add(&xadd_sum, i, __ATOMIC_SEQ_CST);      /* lock xadd */
        __atomic_add_fetch(&incdec, 1, __ATOMIC_SEQ_CST);        /* lock inc/add */
        if (i & 1)
            __atomic_sub_fetch(&incdec, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&addsub, 5, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&addsub, 2, __ATOMIC_SEQ_CST);
        __atomic_or_fetch(&orbits, 1ull << ((i + id) % 64), __ATOMIC_SEQ_CST);
        __atomic_and_fetch(&andbits, ~(1ull << ((i * 7 + id) % 61)), __ATOMIC_SEQ_CST);
        __atomic_xor_fetch(&xorbits, (uint64_t)i * 0x9E3779B97F4A7C15ull, __ATOMIC_SEQ_CST);
        uint64_t bit = 1ull << (id * 16 + i % 16);
        if (!(__atomic_fetch_or(&btsword, bit, __ATOMIC_SEQ_CST) & bit))   /* lock bts */
            __atomic_fetch_and(&btsword, ~bit, __ATOMIC_SEQ_CST);            /* lock btr */
    }
    return NULL;
}

int main(void)
{
    pthread_t t[NT];
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, work, (void *)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    printf("lock: guarded=%ld overlaps=%ld inside=%d lock=%d\n", guarded, overlaps, inside, lock);
    printf("cas: 8=%u 16=%u 32=%u 64=%llu 128=%llu:%llu\n", cas8, cas16, cas32,
           (unsigned long long)cas64, (unsigned long long)(cas128 >> 64), (unsigned long long)cas128);
    printf("rmw: xadd=%ld incdec=%ld addsub=%ld or=%#llx and=%#llx xor=%#llx bts=%#llx\n", xadd_sum,
           incdec, addsub, (unsigned long long)orbits, (unsigned long long)andbits,
           (unsigned long long)xorbits, (unsigned long long)btsword);
    return 0;
}
