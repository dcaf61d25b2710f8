/* hello: the smallest useful program: stdout, stderr, a clean exit. */
#include <stdio.h>

int main(void)
{
    printf("Hello, world!\n");
    fprintf(stderr, "hello on stderr\n");
    for (int i = 1; i <= 3; i++)
        printf("line %d of %d\n", i, 3);
    return 0;
}
