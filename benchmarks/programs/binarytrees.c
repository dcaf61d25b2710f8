/* binary-trees: allocate and walk many short-lived trees (malloc/free, pointer chasing). */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *l, *r; };

static struct node *make(int d)
{
    struct node *n = malloc(sizeof *n);
    if (d > 0) {
        n->l = make(d - 1);
        n->r = make(d - 1);
    } else {
        n->l = n->r = NULL;
    }
    return n;
}

static long check(const struct node *n) { return 1 + (n->l ? check(n->l) + check(n->r) : 0); }

static void release(struct node *n)
{
    if (n->l) {
        release(n->l);
        release(n->r);
    }
    free(n);
}

int main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : 18, min = 4;
    struct node *stretch = make(max + 1);
    printf("stretch tree of depth %d\t check: %ld\n", max + 1, check(stretch));
    release(stretch);
    struct node *longlived = make(max);
    for (int d = min; d <= max; d += 2) {
        long iters = 1L << (max - d + min), sum = 0;
        for (long i = 0; i < iters; i++) {
            struct node *t = make(d);
            sum += check(t);
            release(t);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iters, d, sum);
    }
    printf("long lived tree of depth %d\t check: %ld\n", max, check(longlived));
    release(longlived);
    return 0;
}
