/* mman: <sys/mman.h> and the program break: anonymous private mappings, file mappings
 * (MAP_SHARED written through and read back with read(), MAP_PRIVATE copy-on-write),
 * MAP_SHARED|MAP_ANONYMOUS memory shared with a forked child, MAP_FIXED inside an
 * earlier mapping, MAP_FIXED_NOREPLACE, mremap grow/shrink, madvise(MADV_DONTNEED),
 * mprotect with the SIGSEGV caught (si_code, exact si_addr, siglongjmp out), munmap,
 * memfd_create, brk/sbrk, and a 100 MB malloc with every page touched.  Leaves the
 * file "mapped.bin" (written through a shared mapping). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static int failures;
static sigjmp_buf escape;
static volatile void *fault_addr;
static volatile int fault_code, faults;

static void check(const char *what, int ok)
{
    printf("%-48s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    faults++;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(escape, 1);
}

/* Store to p; returns 1 if it faulted (the handler jumped back here). */
static int faulting_store(volatile char *p, char v)
{
    if (sigsetjmp(escape, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}

static int faulting_load(volatile char *p, char *out)
{
    if (sigsetjmp(escape, 1) == 0) {
        *out = *p;
        return 0;
    }
    return 1;
}

static int all_bytes(const char *p, size_t n, char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v) return 0;
    return 1;
}

static void anonymous(void)
{
    char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap anonymous private", p != MAP_FAILED);
    check("page aligned", ((uintptr_t)p & (PAGE - 1)) == 0);
    check("fresh pages are zero", all_bytes(p, 4 * PAGE, 0));
    for (int i = 0; i < 4 * PAGE; i++) p[i] = (char)(i * 7);
    long sum = 0;
    for (int i = 0; i < 4 * PAGE; i++) sum += (unsigned char)p[i];
    printf("anonymous sum: %ld\n", sum);

    /* MAP_FIXED over pages 1..2 of it */
    memset(p, 'A', 4 * PAGE);
    char *q = mmap(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("MAP_FIXED returns the address", q == p + PAGE);
    printf("after MAP_FIXED: page0 'A' %d, page1 zero %d, page2 zero %d, page3 'A' %d\n",
           all_bytes(p, PAGE, 'A'), all_bytes(p + PAGE, PAGE, 0), all_bytes(p + 2 * PAGE, PAGE, 0),
           all_bytes(p + 3 * PAGE, PAGE, 'A'));
#ifdef MAP_FIXED_NOREPLACE
    errno = 0;
    q = mmap(p + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    check("MAP_FIXED_NOREPLACE on a mapping EEXIST", q == MAP_FAILED && errno == EEXIST);
#endif

    /* madvise(MADV_DONTNEED) zeroes private anonymous pages */
    memset(p, 'B', 4 * PAGE);
    check("madvise DONTNEED", madvise(p + PAGE, PAGE, MADV_DONTNEED) == 0);
    printf("after DONTNEED: page0 'B' %d, page1 zero %d, page2 'B' %d\n", all_bytes(p, PAGE, 'B'),
           all_bytes(p + PAGE, PAGE, 0), all_bytes(p + 2 * PAGE, PAGE, 'B'));
    check("madvise WILLNEED", madvise(p, PAGE, MADV_WILLNEED) == 0);

    /* mremap */
    for (int i = 0; i < 4 * PAGE; i++) p[i] = (char)(i % 251);
    char *r = mremap(p, 4 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    check("mremap grow MAYMOVE", r != MAP_FAILED);
    int same = 1;
    for (int i = 0; i < 4 * PAGE; i++)
        if (r[i] != (char)(i % 251)) same = 0;
    printf("mremap preserved contents: %d, new part zero: %d\n", same, all_bytes(r + 4 * PAGE, 60 * PAGE, 0));
    memset(r + 60 * PAGE, 'C', 4 * PAGE);
    char *s = mremap(r, 64 * PAGE, 2 * PAGE, 0);
    check("mremap shrink in place", s == r);
    printf("after shrink: first bytes kept %d\n", s[0] == 0 && s[1] == 1 && s[PAGE + 5] == (char)((PAGE + 5) % 251));

    /* munmap, then touching it faults with SEGV_MAPERR */
    check("munmap", munmap(s, 2 * PAGE) == 0);
    char c;
    int f = faulting_load(s + 100, &c);
    printf("load from unmapped faults: %d, SEGV_MAPERR %d, si_addr exact %d\n", f, fault_code == SEGV_MAPERR,
           fault_addr == s + 100);
    errno = 0;
    check("mmap length 0 EINVAL", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
          errno == EINVAL);
    errno = 0;
    check("mmap bad fd EBADF", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED && errno == EBADF);
    errno = 0;
    check("munmap unaligned EINVAL", munmap((char *)p + 1, PAGE) == -1 && errno == EINVAL);
}

static void protection(void)
{
    char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'x', 3 * PAGE);
    check("mprotect page 1 PROT_READ", mprotect(p + PAGE, PAGE, PROT_READ) == 0);
    int before = faults;
    printf("store to page 0 faults: %d\n", faulting_store(p + 10, 'y'));
    int f = faulting_store(p + PAGE + 8, 'z');
    printf("store to read-only page faults: %d, SEGV_ACCERR %d, si_addr == page+8 %d\n", f,
           fault_code == SEGV_ACCERR, fault_addr == p + PAGE + 8);
    printf("read-only page unchanged: %d, still readable %d\n", p[PAGE + 8] == 'x', p[PAGE] == 'x');
    check("mprotect PROT_NONE", mprotect(p + 2 * PAGE, PAGE, PROT_NONE) == 0);
    char c = 0;
    f = faulting_load(p + 2 * PAGE + 4095, &c);
    printf("load from PROT_NONE faults: %d, SEGV_ACCERR %d, si_addr exact %d\n", f, fault_code == SEGV_ACCERR,
           fault_addr == p + 2 * PAGE + 4095);
    check("mprotect back to RW", mprotect(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) == 0);
    f = faulting_store(p + PAGE + 8, 'w');
    printf("store after restoring faults: %d, value %c\n", f, p[PAGE + 8]);
    printf("faults counted: %d\n", faults - before);
    munmap(p, 3 * PAGE);
}

static void files(void)
{
    /* MAP_SHARED file mapping: write through it, msync, read back with read() */
    int fd = open("mapped.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check("ftruncate 2 pages", ftruncate(fd, 2 * PAGE) == 0);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("mmap file MAP_SHARED", m != MAP_FAILED);
    check("file mapping starts zero", all_bytes(m, 2 * PAGE, 0));
    const char msg[] = "written through a shared mapping\n";
    memcpy(m, msg, sizeof msg - 1);
    for (int i = 0; i < PAGE; i++) m[PAGE + i] = "0123456789abcdef"[i % 16];
    check("msync MS_SYNC", msync(m, 2 * PAGE, MS_SYNC) == 0);
    char buf[64] = {0};
    ssize_t n = pread(fd, buf, sizeof msg - 1, 0);
    printf("read() sees: %zd \"%.*s\"\n", n, (int)(sizeof msg - 2), buf);
    /* and write() is seen through the mapping */
    pwrite(fd, "WRITTEN", 7, 0);
    printf("mapping sees write(): %.7s\n", m);
    munmap(m, 2 * PAGE);
    pwrite(fd, "written", 7, 0);

    /* a mapping with an offset */
    m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
    printf("offset mapping: %.16s\n", m);
    munmap(m, PAGE);

    /* MAP_PRIVATE file mapping: copy-on-write, the file is unchanged */
    char *pm = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check("mmap file MAP_PRIVATE", pm != MAP_FAILED);
    printf("private mapping reads file: %.7s\n", pm);
    memcpy(pm, "PRIVATE", 7);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 7, 0);
    printf("private write: mapping %.7s, file %s\n", pm, buf);
    munmap(pm, 2 * PAGE);

    /* MAP_FIXED file mapping inside an anonymous one */
    char *a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, '-', 3 * PAGE);
    char *fx = mmap(a + PAGE, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, PAGE);
    printf("MAP_FIXED file page: at address %d, text %.8s, neighbours kept %d\n", fx == a + PAGE, a + PAGE,
           a[PAGE - 1] == '-' && a[2 * PAGE] == '-');
    munmap(a, 3 * PAGE);
    close(fd);

    /* memfd */
    int mfd = memfd_create("test", MFD_CLOEXEC);
    check("memfd_create", mfd >= 0);
    ftruncate(mfd, PAGE);
    char *mm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    strcpy(mm, "memfd contents");
    memset(buf, 0, sizeof buf);
    n = pread(mfd, buf, 14, 0);
    printf("memfd read: %zd \"%s\"\n", n, buf);
    munmap(mm, PAGE);
    close(mfd);
}

static void shared_with_child(void)
{
    int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap MAP_SHARED|MAP_ANONYMOUS", shared != MAP_FAILED);
    shared[0] = 1;
    priv[0] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 1; i < 1024; i++) shared[i] = i * i;
        shared[0] = 42;
        priv[0] = 99;
        _exit(shared[0] == 42 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    long sum = 0;
    for (int i = 1; i < 1024; i++) sum += shared[i];
    printf("child exit %d; parent sees shared[0]=%d sum=%ld, private[0]=%d\n", WEXITSTATUS(st), shared[0], sum,
           priv[0]);
    munmap(shared, PAGE);
    munmap(priv, PAGE);
}

static void program_break(void)
{
    char *b0 = sbrk(0);
    char *raw = (char *)syscall(SYS_brk, 0);
    check("sbrk(0) == brk(0)", b0 == raw);
    char *old = sbrk(8 * PAGE);
    char *b1 = sbrk(0);
    printf("sbrk returns old break: %d, break moved by %ld\n", old == b0, (long)(b1 - b0));
    memset(b0, 'k', 8 * PAGE);
    printf("new break memory writable: %d\n", all_bytes(b0, 8 * PAGE, 'k'));
    sbrk(-4 * PAGE);
    char *b2 = sbrk(0);
    printf("shrunk by %ld\n", (long)(b1 - b2));
    printf("kept part intact: %d\n", all_bytes(b0, 4 * PAGE, 'k'));
    sbrk(-4 * PAGE);
    printf("back to start: %d\n", sbrk(0) == b0);
    /* growing again gives zeroed memory */
    sbrk(PAGE);
    printf("regrown memory zero: %d\n", all_bytes(b0, PAGE, 0));
    sbrk(-PAGE);
}

static void big_malloc(void)
{
    size_t size = 100u << 20;
    unsigned char *p = malloc(size);
    check("malloc 100 MB", p != NULL);
    for (size_t i = 0; i < size; i += PAGE) p[i] = (unsigned char)(i >> 12);
    unsigned long sum = 0;
    for (size_t i = 0; i < size; i += PAGE) sum += p[i];
    printf("100 MB touched, page checksum %lu\n", sum);
    p = realloc(p, 2 * size);
    check("realloc to 200 MB", p != NULL);
    p[2 * size - 1] = 1;
    sum = 0;
    for (size_t i = 0; i < size; i += PAGE) sum += p[i];
    printf("after realloc checksum %lu\n", sum);
    free(p);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    anonymous();
    protection();
    files();
    shared_with_child();
    program_break();
    big_malloc();
    signal(SIGSEGV, SIG_DFL);
    printf("failures: %d\n", failures);
    return failures != 0;
}
