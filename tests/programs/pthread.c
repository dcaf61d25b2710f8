/* pthread: 8 threads with a mutex-protected counter, a condition-variable producer/consumer
 * queue, a rwlock, a barrier, thread-local storage, pthread_once, joins with return values,
 * detached threads, and pthread_cancel of a thread blocked in a cancellation point.
 * Every printed result is deterministic. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NT 8
#define ITEMS 4000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long tls_value = 7;
static __thread char tls_name[16];

static void *count_up(void *arg)
{
    long id = (long)arg;
    tls_value += id;
    snprintf(tls_name, sizeof tls_name, "t%ld", id);
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return (void *)(tls_value * 100 + (long)strlen(tls_name));
}

/* bounded queue */
static int queue[16], qhead, qtail, qcount, done_producing;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg)
{
    long base = (long)arg;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&qlock);
        while (qcount == 16) pthread_cond_wait(&not_full, &qlock);
        queue[qtail] = (int)(base + i);
        qtail = (qtail + 1) % 16;
        qcount++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&qlock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long long *sum = arg;
    for (;;) {
        pthread_mutex_lock(&qlock);
        while (qcount == 0 && !done_producing) pthread_cond_wait(&not_empty, &qlock);
        if (qcount == 0 && done_producing) {
            pthread_mutex_unlock(&qlock);
            return NULL;
        }
        int v = queue[qhead];
        qhead = (qhead + 1) % 16;
        qcount--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&qlock);
        *sum += v;
    }
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long table[64];

static void *rw_worker(void *arg)
{
    long id = (long)arg;
    long seen = 0;
    for (int i = 0; i < 2000; i++) {
        if (i % 10 == 0) {
            pthread_rwlock_wrlock(&rw);
            for (int k = 0; k < 64; k++) table[k]++;
            pthread_rwlock_unlock(&rw);
        } else {
            pthread_rwlock_rdlock(&rw);
            long first = table[0];
            for (int k = 1; k < 64; k++)
                if (table[k] != first) seen++;      /* a torn update would show here */
            pthread_rwlock_unlock(&rw);
        }
    }
    return (void *)(seen + id - id);
}

static pthread_barrier_t barrier;
static int arrived[NT], after_barrier_ok = 1;

static void *barrier_worker(void *arg)
{
    long id = (long)arg;
    arrived[id] = 1;
    int serial = pthread_barrier_wait(&barrier);
    for (int k = 0; k < NT; k++)
        if (!arrived[k]) __atomic_store_n(&after_barrier_ok, 0, __ATOMIC_SEQ_CST);
    return (void *)(long)(serial == PTHREAD_BARRIER_SERIAL_THREAD);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void init_once(void) { once_runs++; }
static void *call_once(void *arg) { (void)arg; pthread_once(&once, init_once); return NULL; }

static volatile int cleanup_ran;
static void cleanup(void *arg) { cleanup_ran = (int)(long)arg; }

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, (void *)42);
    for (;;) pause();
    pthread_cleanup_pop(0);
    return NULL;
}

static void *detached(void *arg)
{
    __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void)
{
    pthread_t t[NT];
    for (long i = 0; i < NT; i++) pthread_create(&t[i], NULL, count_up, (void *)i);
    long total = 0;
    for (int i = 0; i < NT; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("mutex: counter=%ld joined=%ld main_tls=%ld\n", counter, total, tls_value);

    pthread_t prod[4], cons[4];
    long long sums[4] = {0};
    for (long i = 0; i < 4; i++) pthread_create(&cons[i], NULL, consumer, &sums[i]);
    for (long i = 0; i < 4; i++) pthread_create(&prod[i], NULL, producer, (void *)(i * 100000));
    for (int i = 0; i < 4; i++) pthread_join(prod[i], NULL);
    pthread_mutex_lock(&qlock);
    done_producing = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&qlock);
    long long all = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(cons[i], NULL);
        all += sums[i];
    }
    printf("condvar: consumed sum=%lld\n", all);

    long torn = 0;
    for (long i = 0; i < NT; i++) pthread_create(&t[i], NULL, rw_worker, (void *)i);
    for (int i = 0; i < NT; i++) {
        void *r;
        pthread_join(t[i], &r);
        torn += (long)r;
    }
    printf("rwlock: table[0]=%ld torn=%ld\n", table[0], torn);

    pthread_barrier_init(&barrier, NULL, NT);
    long serials = 0;
    for (long i = 0; i < NT; i++) pthread_create(&t[i], NULL, barrier_worker, (void *)i);
    for (int i = 0; i < NT; i++) {
        void *r;
        pthread_join(t[i], &r);
        serials += (long)r;
    }
    printf("barrier: serial_threads=%ld all_arrived_first=%d\n", serials, after_barrier_ok);

    for (long i = 0; i < NT; i++) pthread_create(&t[i], NULL, call_once, NULL);
    for (int i = 0; i < NT; i++) pthread_join(t[i], NULL);
    printf("once: runs=%d\n", once_runs);

    int detached_runs = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 4; i++) {
        pthread_t d;
        pthread_create(&d, &attr, detached, &detached_runs);
    }
    while (__atomic_load_n(&detached_runs, __ATOMIC_SEQ_CST) < 4) usleep(1000);
    printf("detached: runs=%d\n", detached_runs);

    pthread_t s;
    pthread_create(&s, NULL, sleeper, NULL);
    usleep(20000);
    pthread_cancel(s);
    void *res;
    pthread_join(s, &res);
    printf("cancel: canceled=%d cleanup=%d\n", res == PTHREAD_CANCELED, cleanup_ran);

    /* many short-lived threads: host stacks are reclaimed */
    long sum = 0;
    for (int round = 0; round < 200; round++) {
        pthread_create(&t[0], NULL, count_up, (void *)1);
        void *r;
        pthread_join(t[0], &r);
        sum += (long)r;
    }
    printf("churn: sum=%ld counter=%ld\n", sum, counter);
    return 0;
}
