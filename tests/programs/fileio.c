/* fileio: file system calls inside the directory given as argv[1].
 * Raw syscalls (open/write/read/lseek/fstat/pread/pwrite/ftruncate/rename/unlink/mkdir),
 * stdio (fopen/fprintf/fgets/fseek/ftell), readdir (sorted) and errno reporting.
 * It leaves a known set of files behind; the harness compares them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* P() joins dir and name; two rotating buffers so rename(P(..), P(..)) works */
static char path_buf[2][4096];
static int path_idx;
static const char *P(const char *dir, const char *name)
{
    char *b = path_buf[path_idx ^= 1];
    snprintf(b, sizeof path_buf[0], "%s/%s", dir, name);
    return b;
}
#define CHECK(x) do { if ((x) < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); return 1; } } while (0)

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: fileio DIR\n"); return 2; }
    const char *d = argv[1];
    char buf[8192];
    int fd = open(P(d, "data.bin"), O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd);
    unsigned char blk[1000];
    for (int i = 0; i < 1000; i++) blk[i] = (unsigned char)(i * 7 + 3);
    long total = 0;
    for (int i = 0; i < 10; i++) { ssize_t w = write(fd, blk, sizeof blk); CHECK(w); total += w; }
    printf("wrote %ld bytes\n", total);
    struct stat st;
    CHECK(fstat(fd, &st));
    printf("fstat size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    off_t off = lseek(fd, 0, SEEK_CUR); printf("lseek cur=%lld\n", (long long)off);
    off = lseek(fd, 1234, SEEK_SET); printf("lseek set=%lld\n", (long long)off);
    ssize_t r = read(fd, buf, 16);
    printf("read %zd:", r);
    for (int i = 0; i < r; i++) printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    off = lseek(fd, -10, SEEK_END); printf("lseek end-10=%lld\n", (long long)off);
    r = read(fd, buf, sizeof buf); printf("read at end-10 -> %zd\n", r);
    r = read(fd, buf, sizeof buf); printf("read at eof -> %zd\n", r);
    CHECK(pwrite(fd, "HELLO", 5, 100));
    memset(buf, 0, 8); CHECK(pread(fd, buf, 7, 99)); printf("pread: %.5s [%02x %02x]\n", buf + 1, (unsigned char)buf[0], (unsigned char)buf[6]);
    CHECK(ftruncate(fd, 5000));
    CHECK(fstat(fd, &st)); printf("after ftruncate size=%lld\n", (long long)st.st_size);
    off = lseek(fd, 20000, SEEK_SET); CHECK(write(fd, "Z", 1));
    CHECK(fstat(fd, &st)); printf("after sparse write size=%lld\n", (long long)st.st_size);
    CHECK(lseek(fd, 0, SEEK_SET));
    unsigned sum = 0; long n = 0;
    while ((r = read(fd, buf, sizeof buf)) > 0) { for (int i = 0; i < r; i++) sum = sum * 31 + (unsigned char)buf[i]; n += r; }
    printf("checksum over %ld bytes: %08x\n", n, sum);
    CHECK(close(fd));

    FILE *f = fopen(P(d, "text.txt"), "w");
    if (!f) { printf("fopen failed\n"); return 1; }
    for (int i = 0; i < 50; i++) fprintf(f, "line %d: %s %05d %.3f\n", i, (i % 2) ? "odd" : "even", i * i, i / 7.0);
    printf("ftell after writes=%ld\n", ftell(f));
    fclose(f);
    f = fopen(P(d, "text.txt"), "r+");
    fseek(f, 0, SEEK_END); long fsize = ftell(f); printf("text size=%ld\n", fsize);
    fseek(f, 0, SEEK_SET);
    int lines = 0; char line[256];
    while (fgets(line, sizeof line, f)) { if (lines % 10 == 0) printf("got: %s", line); lines++; }
    printf("lines=%d\n", lines);
    fseek(f, 5, SEEK_SET); fputs("XX", f); fclose(f);

    CHECK(mkdir(P(d, "sub"), 0755));
    fd = open(P(d, "sub/inner.txt"), O_CREAT | O_WRONLY | O_EXCL, 0600); CHECK(fd);
    CHECK(write(fd, "inner\n", 6)); close(fd);
    fd = open(P(d, "sub/inner.txt"), O_CREAT | O_WRONLY | O_EXCL, 0600);
    printf("O_EXCL on existing: fd=%d errno=%s\n", fd, strerror(errno));
    fd = open(P(d, "tmp.txt"), O_CREAT | O_WRONLY, 0644); CHECK(fd);
    CHECK(write(fd, "temporary\n", 10)); close(fd);
    CHECK(rename(P(d, "tmp.txt"), P(d, "renamed.txt")));
    fd = open(P(d, "gone.txt"), O_CREAT | O_WRONLY, 0644); CHECK(fd); close(fd);
    CHECK(unlink(P(d, "gone.txt")));
    int rc = stat(P(d, "gone.txt"), &st);
    printf("stat after unlink: %d (%s)\n", rc, strerror(errno));

    errno = 0;
    fd = open(P(d, "missing/file.txt"), O_RDONLY);
    printf("open missing: fd=%d errno=%d %s\n", fd, errno, strerror(errno));
    errno = 0;
    f = fopen(P(d, "no-such-file"), "r");
    if (!f) perror("fopen no-such-file");
    rc = close(-1);
    printf("close(-1)=%d %s\n", rc, strerror(errno));
    rc = unlink(P(d, "nothing"));
    printf("unlink missing=%d %s\n", rc, strerror(errno));
    rc = rmdir(P(d, "sub"));
    printf("rmdir non-empty=%d %s\n", rc, strerror(errno));

    DIR *dir = opendir(d);
    if (!dir) { printf("opendir failed\n"); return 1; }
    char *names[64]; int cnt = 0; struct dirent *de;
    while ((de = readdir(dir)) && cnt < 64) names[cnt++] = strdup(de->d_name);
    closedir(dir);
    qsort(names, cnt, sizeof names[0], cmp_str);
    for (int i = 0; i < cnt; i++) {
        if (strcmp(names[i], ".") && strcmp(names[i], "..")) {
            CHECK(stat(P(d, names[i]), &st));
            printf("entry %s %s size=%lld mode=%o\n", names[i], S_ISDIR(st.st_mode) ? "dir" : "file",
                   S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, st.st_mode & 0777);
        }
        free(names[i]);
    }
    return 0;
}
