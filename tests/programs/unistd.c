/* unistd: the <unistd.h> system calls, in the working directory: getcwd/chdir,
 * mkdir/rmdir, dup/dup2/dup3 with O_CLOEXEC, pipe/pipe2, read/write/pread/pwrite,
 * readv/writev, lseek, access/faccessat, umask, link/symlink/readlink/unlink,
 * rename/renameat2, truncate/ftruncate, process and user ids (consistency only),
 * getgroups, isatty, sysconf, gethostname, uname.  Leaves "kept.txt" and the
 * symlink "kept.lnk" behind; everything else is removed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%-40s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char cwd[PATH_MAX], sub[PATH_MAX + 8], back[PATH_MAX];

    /* getcwd, mkdir, chdir, rmdir */
    check("getcwd", getcwd(cwd, sizeof cwd) != NULL && cwd[0] == '/');
    char small[2];
    errno = 0;
    check("getcwd small buffer ERANGE", getcwd(small, sizeof small) == NULL && errno == ERANGE);
    check("mkdir d", mkdir("d", 0755) == 0);
    errno = 0;
    check("mkdir d again EEXIST", mkdir("d", 0755) == -1 && errno == EEXIST);
    check("chdir d", chdir("d") == 0);
    snprintf(sub, sizeof sub, "%s/d", cwd);
    check("getcwd after chdir ends in /d", getcwd(back, sizeof back) && strcmp(back, sub) == 0);
    check("chdir ..", chdir("..") == 0);
    check("getcwd back", getcwd(back, sizeof back) && strcmp(back, cwd) == 0);
    check("mkdir d/e", mkdir("d/e", 0700) == 0);
    errno = 0;
    check("rmdir non-empty ENOTEMPTY", rmdir("d") == -1 && (errno == ENOTEMPTY || errno == EEXIST));
    check("rmdir d/e", rmdir("d/e") == 0);
    check("rmdir d", rmdir("d") == 0);
    errno = 0;
    check("chdir missing ENOENT", chdir("d") == -1 && errno == ENOENT);

    /* umask */
    mode_t old = umask(027);
    check("umask returns previous", umask(022) == 027);
    umask(027);
    int fd = open("masked", O_CREAT | O_WRONLY | O_TRUNC, 0666);
    struct stat st;
    fstat(fd, &st);
    printf("mode under umask 027: %03o\n", st.st_mode & 0777);
    close(fd);
    unlink("masked");
    umask(old);
    umask(022);

    /* write, read, lseek, pread, pwrite */
    fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check("open data", fd >= 0);
    ssize_t n = write(fd, "hello, world\n", 13);
    printf("write: %zd\n", n);
    printf("lseek cur: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end: %ld\n", (long)lseek(fd, 0, SEEK_END));
    printf("lseek set 7: %ld\n", (long)lseek(fd, 7, SEEK_SET));
    char buf[64];
    memset(buf, 0, sizeof buf);
    n = read(fd, buf, sizeof buf - 1);
    printf("read after seek: %zd \"%.*s\"\n", n, (int)(n > 0 ? n - 1 : 0), buf);
    n = read(fd, buf, sizeof buf);
    printf("read at eof: %zd\n", n);
    n = pwrite(fd, "WORLD", 5, 7);
    printf("pwrite: %zd, offset unchanged: %d\n", n, lseek(fd, 0, SEEK_CUR) == 13);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, 12, 0);
    printf("pread: %zd \"%s\"\n", n, buf);
    errno = 0;
    check("lseek negative EINVAL", lseek(fd, -100, SEEK_SET) == -1 && errno == EINVAL);
    /* a hole */
    lseek(fd, 100, SEEK_SET);
    write(fd, "!", 1);
    printf("size after hole: %ld\n", (long)file_size("data"));
    n = pread(fd, buf, 4, 50);
    printf("hole reads zeros: %d\n", n == 4 && buf[0] == 0 && buf[3] == 0);

    /* writev, readv */
    struct iovec iov[3] = {{"abc", 3}, {"", 0}, {"defgh\n", 6}};
    ftruncate(fd, 0);
    lseek(fd, 0, SEEK_SET);
    n = writev(fd, iov, 3);
    printf("writev: %zd\n", n);
    char a[4] = {0}, b[8] = {0};
    struct iovec riov[2] = {{a, 3}, {b, 7}};
    lseek(fd, 0, SEEK_SET);
    n = readv(fd, riov, 2);
    printf("readv: %zd \"%s\" \"%.5s\"\n", n, a, b);
    n = preadv(fd, riov, 2, 1);
    printf("preadv at 1: %zd \"%s\"\n", n, a);

    /* dup, dup2, dup3, close-on-exec */
    int d1 = dup(fd);
    check("dup > fd", d1 > fd);
    check("dup shares offset", lseek(fd, 2, SEEK_SET) == 2 && lseek(d1, 0, SEEK_CUR) == 2);
    check("dup has no FD_CLOEXEC", fcntl(d1, F_GETFD) == 0);
    int d2 = dup2(fd, 50);
    check("dup2 to 50", d2 == 50);
    check("dup2 same fd returns it", dup2(50, 50) == 50);
    int d3 = dup3(fd, 51, O_CLOEXEC);
    check("dup3 to 51", d3 == 51);
    check("dup3 sets FD_CLOEXEC", fcntl(51, F_GETFD) == FD_CLOEXEC);
    errno = 0;
    check("dup3 same fd EINVAL", dup3(51, 51, 0) == -1 && errno == EINVAL);
    check("close 50", close(50) == 0);
    errno = 0;
    check("close closed EBADF", close(50) == -1 && errno == EBADF);
    errno = 0;
    check("read bad fd EBADF", read(77, buf, 1) == -1 && errno == EBADF);
    close(51);
    close(d1);
    close(fd);

    /* pipe, pipe2 */
    int p[2];
    check("pipe", pipe(p) == 0);
    check("isatty on pipe is 0", isatty(p[0]) == 0);
    n = write(p[1], "through the pipe", 16);
    memset(buf, 0, sizeof buf);
    ssize_t m = read(p[0], buf, sizeof buf);
    printf("pipe: wrote %zd read %zd \"%s\"\n", n, m, buf);
    close(p[1]);
    printf("read after writer closed: %zd\n", read(p[0], buf, sizeof buf));
    close(p[0]);
    check("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    check("pipe2 FD_CLOEXEC set", fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC);
    check("pipe2 O_NONBLOCK set", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    errno = 0;
    check("empty nonblocking read EAGAIN", read(p[0], buf, 1) == -1 && errno == EAGAIN);
    close(p[0]);
    close(p[1]);

    /* access, faccessat */
    check("access data F_OK", access("data", F_OK) == 0);
    check("access data R_OK|W_OK", access("data", R_OK | W_OK) == 0);
    errno = 0;
    check("access missing ENOENT", access("nope", F_OK) == -1 && errno == ENOENT);
    check("faccessat AT_FDCWD", faccessat(AT_FDCWD, "data", R_OK, 0) == 0);
    check("faccessat eaccess", faccessat(AT_FDCWD, "data", F_OK, AT_EACCESS) == 0);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check("faccessat dirfd", faccessat(dfd, "data", F_OK, 0) == 0);

    /* link, symlink, readlink, unlink, rename, renameat2 */
    struct stat s1, s2;
    check("link", link("data", "hard") == 0);
    stat("data", &s1);
    stat("hard", &s2);
    printf("ino equal after link: %d, nlink: %lu\n", s1.st_ino == s2.st_ino, (unsigned long)s1.st_nlink);
    errno = 0;
    check("link existing EEXIST", link("data", "hard") == -1 && errno == EEXIST);
    check("symlink", symlink("data", "soft") == 0);
    memset(buf, 0, sizeof buf);
    n = readlink("soft", buf, sizeof buf);
    printf("readlink: %zd \"%s\"\n", n, buf);
    memset(buf, 0, sizeof buf);
    n = readlinkat(dfd, "soft", buf, 2);
    printf("readlinkat truncated: %zd \"%s\"\n", n, buf);
    errno = 0;
    check("readlink on file EINVAL", readlink("data", buf, sizeof buf) == -1 && errno == EINVAL);
    check("rename hard -> moved", rename("hard", "moved") == 0);
    check("old name gone", access("hard", F_OK) == -1);
    int fd2 = open("other", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd2, "other", 5);
    close(fd2);
#ifdef RENAME_NOREPLACE
    errno = 0;
    int r = renameat2(AT_FDCWD, "other", dfd, "moved", RENAME_NOREPLACE);
    check("renameat2 NOREPLACE EEXIST", r == -1 && errno == EEXIST);
    r = renameat2(AT_FDCWD, "other", dfd, "moved", RENAME_EXCHANGE);
    check("renameat2 EXCHANGE", r == 0);
    printf("after exchange: other=%ld moved=%ld\n", (long)file_size("other"), (long)file_size("moved"));
#else
    check("renameat", renameat(AT_FDCWD, "other", dfd, "other2") == 0);
    rename("other2", "other");
#endif
    check("renameat over", renameat(dfd, "other", AT_FDCWD, "moved") == 0);
    check("unlink moved", unlink("moved") == 0);
    errno = 0;
    check("unlink missing ENOENT", unlink("moved") == -1 && errno == ENOENT);
    check("unlinkat soft", unlinkat(dfd, "soft", 0) == 0);
    mkdir("dir", 0755);
    errno = 0;
    check("unlink dir EISDIR", unlink("dir") == -1 && (errno == EISDIR || errno == EPERM));
    check("unlinkat AT_REMOVEDIR", unlinkat(dfd, "dir", AT_REMOVEDIR) == 0);

    /* truncate, ftruncate */
    check("truncate to 3", truncate("data", 3) == 0);
    printf("size after truncate: %ld\n", (long)file_size("data"));
    fd = open("data", O_RDWR);
    check("ftruncate to 4096", ftruncate(fd, 4096) == 0);
    printf("size after ftruncate: %ld\n", (long)file_size("data"));
    n = pread(fd, buf, 8, 4000);
    printf("extended part is zeros: %d\n", n == 8 && buf[0] == 0 && buf[7] == 0);
    ftruncate(fd, 0);
    write(fd, "kept\n", 5);
    close(fd);
    check("rename data -> kept.txt", rename("data", "kept.txt") == 0);
    check("symlink kept.lnk", symlinkat("kept.txt", dfd, "kept.lnk") == 0);
    close(dfd);

    /* ids */
    check("getpid == getpid", getpid() == getpid());
    check("getpid > 0", getpid() > 0);
    check("getppid > 0", getppid() > 0);
    check("getppid != getpid", getppid() != getpid());
    check("gettid == getpid (main thread)", gettid() == getpid());
    check("getuid == geteuid", getuid() == geteuid());
    check("getgid == getegid", getgid() == getegid());
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    check("getresuid", getresuid(&ru, &eu, &su) == 0 && ru == getuid() && eu == geteuid());
    check("getresgid", getresgid(&rg, &eg, &sg) == 0 && rg == getgid() && eg == getegid());
    int ng = getgroups(0, NULL);
    check("getgroups count >= 0", ng >= 0);
    gid_t groups[256];
    check("getgroups again same count", ng <= 256 && getgroups(256, groups) == ng);
    check("getpgrp == getpgid(0)", getpgrp() == getpgid(0));
    check("getsid(0) >= 0", getsid(0) >= 0);

    /* system information */
    printf("sysconf(_SC_PAGESIZE): %ld\n", sysconf(_SC_PAGESIZE));
    printf("getpagesize: %d\n", getpagesize());
    check("sysconf(_SC_OPEN_MAX) > 0", sysconf(_SC_OPEN_MAX) > 0);
    check("sysconf(_SC_NPROCESSORS_ONLN) >= 1", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    char host[256];
    check("gethostname returns 0", gethostname(host, sizeof host) == 0);
    check("hostname non-empty", host[0] != 0);
    struct utsname u;
    check("uname", uname(&u) == 0);
    printf("uname sysname: %s\n", u.sysname);
    printf("uname machine: %s\n", u.machine);
    check("uname nodename == hostname", strcmp(u.nodename, host) == 0);

    printf("failures: %d\n", failures);
    return failures != 0;
}
