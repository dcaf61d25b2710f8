/* socket: <sys/socket.h> over loopback and Unix sockets: a TCP echo server (bind to
 * 127.0.0.1 port 0, getsockname, listen, accept4 with SOCK_CLOEXEC) and a forked client
 * using send/recv, sendto/recvfrom, sendmsg/recvmsg with a 2-part iovec, MSG_PEEK,
 * MSG_WAITALL, shutdown; getsockopt/setsockopt (SO_REUSEADDR, SO_RCVBUF, SO_TYPE,
 * SO_ERROR, TCP_NODELAY); ECONNREFUSED and EAGAIN; UDP datagrams; socketpair between
 * parent and child; an AF_UNIX server on a path in the working directory (removed at the
 * end); and passing file descriptors with SCM_RIGHTS.  While a child runs, only one of
 * the two processes prints, so the output order is fixed; only byte counts, texts and
 * derived facts are printed (no ports, no fds). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%-48s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) failures++;
}

/* The parent's notes while a child is printing: printed after waitpid. */
static char notes[8192];
static size_t notes_len;

static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(notes + notes_len, sizeof notes - notes_len, fmt, ap);
    va_end(ap);
    if (n > 0) notes_len += (size_t)n < sizeof notes - notes_len ? (size_t)n : sizeof notes - notes_len - 1;
}

static void flush_notes(void)
{
    fputs(notes, stdout);
    notes_len = 0;
    notes[0] = 0;
}

static int reap(pid_t pid, const char *who)
{
    int st = 0;
    pid_t w = waitpid(pid, &st, 0);
    printf("%s: reaped %d, exited %d, status %d\n", who, w == pid, WIFEXITED(st), WEXITSTATUS(st));
    return st;
}

static ssize_t read_exact(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return r < 0 ? r : (ssize_t)got;
        got += r;
    }
    return (ssize_t)got;
}

/* -- TCP ---------------------------------------------------------------------------- */

static int tcp_client(struct sockaddr_in *srv)
{
    int bad = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)srv, sizeof *srv) != 0) { printf("client: connect failed\n"); return 9; }
    int one = 1, v = 0;
    socklen_t len = sizeof v;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    printf("client: TCP_NODELAY set %d\n", v != 0);
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len);
    printf("client: SO_RCVBUF > 0 %d, optlen %u\n", v > 0, len);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    getpeername(s, (struct sockaddr *)&peer, &plen);
    printf("client: peer is the server %d\n", peer.sin_port == srv->sin_port && peer.sin_addr.s_addr == srv->sin_addr.s_addr);

    const char *msgs[] = {"hello", "a second, longer message with spaces", "x", "\xff\x01 binary \x7f"};
    char buf[256];
    for (int k = 0; k < 4; k++) {
        size_t n = strlen(msgs[k]);
        ssize_t w;
        if (k == 0) {
            w = send(s, msgs[k], n, 0);
        } else if (k == 1) {
            w = sendto(s, msgs[k], n, 0, NULL, 0);
        } else {
            struct iovec iov[2] = {{(void *)msgs[k], n / 2}, {(void *)(msgs[k] + n / 2), n - n / 2}};
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
            w = sendmsg(s, &mh, 0);
        }
        memset(buf, 0, sizeof buf);
        ssize_t r;
        if (k == 0) {
            r = recv(s, buf, n, MSG_WAITALL);
        } else if (k == 1) {
            /* peek the first byte, then take the whole reply */
            char c = 0;
            ssize_t p = recv(s, &c, 1, MSG_PEEK);
            printf("client: peeked %zd byte '%c'\n", p, c);
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            r = 0;
            while ((size_t)r < n) {
                ssize_t q = recvfrom(s, buf + r, n - r, 0, (struct sockaddr *)&from, &flen);
                if (q <= 0) break;
                r += q;
            }
        } else {
            /* exactly the reply's size in two parts, so MSG_WAITALL returns when it is all here */
            size_t first = n < 4 ? n : 4;
            struct iovec iov[2] = {{buf, first}, {buf + 128, n - first}};
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
            r = recvmsg(s, &mh, MSG_WAITALL);
            memmove(buf + first, buf + 128, n - first);
        }
        int same = memcmp(buf, msgs[k], n) == 0;
        if (!same) bad++;
        printf("client: message %d sent %zd, echoed %zd, same %d\n", k, w, r, same);
    }
    check("client: shutdown SHUT_WR", shutdown(s, SHUT_WR) == 0);
    ssize_t r = recv(s, buf, sizeof buf, 0);
    printf("client: after shutdown the server closes: recv %zd\n", r);
    close(s);
    return bad + failures;
}

static void tcp(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    check("socket AF_INET SOCK_STREAM", ls >= 0);
    int one = 1, v = 0;
    socklen_t len = sizeof v;
    check("setsockopt SO_REUSEADDR", setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    getsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &v, &len);
    printf("SO_REUSEADDR reads back %d, optlen %u\n", v != 0, len);
    len = sizeof v;
    getsockopt(ls, SOL_SOCKET, SO_TYPE, &v, &len);
    printf("SO_TYPE is SOCK_STREAM %d\n", v == SOCK_STREAM);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check("bind 127.0.0.1:0", bind(ls, (struct sockaddr *)&addr, sizeof addr) == 0);
    socklen_t alen = sizeof addr;
    check("getsockname", getsockname(ls, (struct sockaddr *)&addr, &alen) == 0);
    char ip[32];
    inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
    printf("bound to %s, port assigned %d, addrlen %u\n", ip, addr.sin_port != 0, alen);
    check("listen", listen(ls, 8) == 0);

    /* nothing pending: a non-blocking accept fails with EAGAIN */
    fcntl(ls, F_SETFL, O_NONBLOCK);
    errno = 0;
    check("accept with nothing pending EAGAIN", accept(ls, NULL, NULL) == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
    fcntl(ls, F_SETFL, 0);

    pid_t pid = fork();
    if (pid == 0) {
        close(ls);
        _exit(tcp_client(&addr));
    }
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int c = accept4(ls, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    note("server: accept4 ok %d, FD_CLOEXEC %d, peer is loopback %d\n", c >= 0, fcntl(c, F_GETFD) == FD_CLOEXEC,
         peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    char buf[512];
    long total = 0;
    int round = 0;
    for (;;) {
        ssize_t r;
        if (round % 3 == 0) {
            r = recv(c, buf, sizeof buf, 0);
        } else if (round % 3 == 1) {
            r = recvfrom(c, buf, sizeof buf, 0, NULL, NULL);
        } else {
            struct iovec iov[2] = {{buf, 3}, {buf + 3, sizeof buf - 3}};
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
            r = recvmsg(c, &mh, 0);
        }
        if (r <= 0) break;
        total += r;
        ssize_t w;
        if (round % 2 == 0) {
            w = send(c, buf, r, 0);
        } else {
            struct iovec iov[2] = {{buf, r / 2}, {buf + r / 2, r - r / 2}};
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
            w = sendmsg(c, &mh, 0);
        }
        if (w != r) note("server: short echo\n");
        round++;
    }
    note("server: echoed %ld bytes, then saw end of stream\n", total);
    shutdown(c, SHUT_RDWR);
    close(c);
    reap(pid, "tcp client");
    flush_notes();
    close(ls);

    /* a closed port refuses: bind one, note its port, close it, connect */
    int tmp = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a2 = {.sin_family = AF_INET};
    a2.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(tmp, (struct sockaddr *)&a2, sizeof a2);
    alen = sizeof a2;
    getsockname(tmp, (struct sockaddr *)&a2, &alen);
    close(tmp);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    errno = 0;
    check("connect to a closed port ECONNREFUSED", connect(s, (struct sockaddr *)&a2, sizeof a2) == -1 && errno == ECONNREFUSED);
    len = sizeof v;
    v = -1;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
    printf("SO_ERROR after the refused connect: %d\n", v);
    close(s);
}

/* -- UDP ---------------------------------------------------------------------------- */

static void udp(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in aa = {.sin_family = AF_INET}, ba = {.sin_family = AF_INET}, from;
    aa.sin_addr.s_addr = ba.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(a, (struct sockaddr *)&aa, sizeof aa);
    bind(b, (struct sockaddr *)&ba, sizeof ba);
    socklen_t l = sizeof aa;
    getsockname(a, (struct sockaddr *)&aa, &l);
    l = sizeof ba;
    getsockname(b, (struct sockaddr *)&ba, &l);
    int v = 0;
    socklen_t len = sizeof v;
    getsockopt(a, SOL_SOCKET, SO_TYPE, &v, &len);
    printf("udp: SO_TYPE is SOCK_DGRAM %d\n", v == SOCK_DGRAM);

    ssize_t w1 = sendto(b, "first datagram", 14, 0, (struct sockaddr *)&aa, sizeof aa);
    ssize_t w2 = sendto(b, "second", 6, 0, (struct sockaddr *)&aa, sizeof aa);
    char buf[64];
    memset(buf, 0, sizeof buf);
    socklen_t fl = sizeof from;
    ssize_t r1 = recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("udp: sent %zd and %zd; received %zd \"%s\" from the sender %d\n", w1, w2, r1, buf,
           from.sin_port == ba.sin_port && from.sin_addr.s_addr == ba.sin_addr.s_addr);
    memset(buf, 0, sizeof buf);
    ssize_t r2 = recv(a, buf, 3, MSG_TRUNC);
    printf("udp: truncated receive reports the datagram size %zd, kept \"%s\"\n", r2, buf);

    /* connected UDP: send/recv without addresses */
    check("udp connect", connect(a, (struct sockaddr *)&ba, sizeof ba) == 0);
    ssize_t w = send(a, "reply", 5, 0);
    memset(buf, 0, sizeof buf);
    fl = sizeof from;
    ssize_t r = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("udp: connected send %zd, received %zd \"%s\" from a %d\n", w, r, buf, from.sin_port == aa.sin_port);
    struct msghdr mh;
    struct iovec iov[2] = {{"two ", 4}, {"parts", 5}};
    memset(&mh, 0, sizeof mh);
    mh.msg_name = &aa;
    mh.msg_namelen = sizeof aa;
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    w = sendmsg(b, &mh, 0);
    char x[5] = {0}, y[16] = {0};
    struct iovec riov[2] = {{x, 4}, {y, 15}};
    memset(&mh, 0, sizeof mh);
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    mh.msg_iov = riov;
    mh.msg_iovlen = 2;
    r = recvmsg(a, &mh, 0);
    printf("udp: sendmsg %zd, recvmsg %zd \"%s\"+\"%s\", namelen %u\n", w, r, x, y, mh.msg_namelen);
    close(a);
    close(b);
}

/* -- Unix sockets ------------------------------------------------------------------- */

static void pair(void)
{
    int sv[2];
    check("socketpair AF_UNIX SOCK_STREAM", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char buf[128];
        ssize_t r;
        while ((r = read(sv[1], buf, sizeof buf)) > 0) {
            for (ssize_t i = 0; i < r; i++)
                if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
            write(sv[1], buf, r);
        }
        _exit(r == 0 ? 0 : 1);
    }
    close(sv[1]);
    const char *words[] = {"upper", "case me", "please"};
    for (int k = 0; k < 3; k++) {
        char buf[64] = {0};
        size_t n = strlen(words[k]);
        write(sv[0], words[k], n);
        ssize_t r = read_exact(sv[0], buf, n);
        printf("socketpair: %s -> %zd \"%s\"\n", words[k], r, buf);
    }
    shutdown(sv[0], SHUT_WR);
    char c;
    printf("socketpair: end of stream after shutdown: %zd\n", read(sv[0], &c, 1));
    reap(pid, "socketpair child");
    close(sv[0]);

    /* datagram pair keeps message boundaries */
    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
    printf("dgram pair CLOEXEC %d\n", fcntl(sv[0], F_GETFD) == FD_CLOEXEC);
    send(sv[0], "one", 3, 0);
    send(sv[0], "three", 5, 0);
    char b1[16] = {0}, b2[16] = {0};
    ssize_t r1 = recv(sv[1], b1, sizeof b1, 0), r2 = recv(sv[1], b2, sizeof b2, 0);
    printf("dgram pair: %zd \"%s\", %zd \"%s\"\n", r1, b1, r2, b2);
    close(sv[0]);
    close(sv[1]);
}

static void unix_server(void)
{
    const char *path = "srv.sock";
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, path);
    check("bind AF_UNIX path", bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0);
    errno = 0;
    int ls2 = socket(AF_UNIX, SOCK_STREAM, 0);
    check("bind same path again EADDRINUSE", bind(ls2, (struct sockaddr *)&sa, sizeof sa) == -1 && errno == EADDRINUSE);
    close(ls2);
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    getsockname(ls, (struct sockaddr *)&got, &gl);
    printf("unix: getsockname path \"%s\"\n", got.sun_path);
    listen(ls, 4);
    pid_t pid = fork();
    if (pid == 0) {
        close(ls);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) _exit(3);
        write(s, "ping", 4);
        char buf[8] = {0};
        if (read_exact(s, buf, 4) != 4 || memcmp(buf, "pong", 4) != 0) _exit(4);
        close(s);
        _exit(0);
    }
    int c = accept(ls, NULL, NULL);
    char buf[8] = {0};
    ssize_t r = read_exact(c, buf, 4);
    write(c, "pong", 4);
    printf("unix: server read %zd \"%s\"\n", r, buf);
    reap(pid, "unix client");
    close(c);
    close(ls);
    check("unlink the socket path", unlink(path) == 0);
}

static int send_fd(int sock, int fd, const char *data)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    return (int)sendmsg(sock, &mh, 0);
}

static int recv_fd(int sock, char *data, size_t n)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {data, n};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    if (recvmsg(sock, &mh, 0) <= 0) return -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm), sizeof fd);
            return fd;
        }
    }
    return -1;
}

static void pass_fds(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int p[2];
    pipe(p);
    int f = open("passed.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(f, "0123456789", 10);
    lseek(f, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        close(p[0]);
        close(p[1]);
        close(f);
        char tag[16] = {0};
        int wfd = recv_fd(sv[1], tag, sizeof tag - 1);
        if (wfd < 0 || strcmp(tag, "pipe") != 0) _exit(5);
        const char *msg = "written by the child through a passed fd";
        write(wfd, msg, strlen(msg));
        close(wfd);
        memset(tag, 0, sizeof tag);
        int ffd = recv_fd(sv[1], tag, sizeof tag - 1);
        if (ffd < 0 || strcmp(tag, "file") != 0) _exit(6);
        char buf[8] = {0};
        if (read(ffd, buf, 4) != 4 || memcmp(buf, "0123", 4) != 0) _exit(7);
        write(ffd, "AB", 2);
        close(ffd);
        _exit(0);
    }
    close(sv[1]);
    printf("scm_rights: sent pipe fd %d\n", send_fd(sv[0], p[1], "pipe") == 4);
    close(p[1]);
    char buf[128] = {0};
    ssize_t r = read_exact(p[0], buf, sizeof buf - 1);
    printf("scm_rights: read %zd \"%s\"\n", r, buf);
    printf("scm_rights: sent file fd %d\n", send_fd(sv[0], f, "file") == 4);
    reap(pid, "scm_rights child");
    /* the passed descriptor shares the open file description: the offset moved */
    printf("scm_rights: shared offset now %ld\n", (long)lseek(f, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    pread(f, buf, 10, 0);
    printf("scm_rights: file now \"%s\"\n", buf);
    close(f);
    close(p[0]);
    close(sv[0]);
    unlink("passed.txt");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    alarm(20);
    tcp();
    udp();
    pair();
    unix_server();
    pass_fds();
    printf("failures: %d\n", failures);
    return failures != 0;
}
