/* inotify over ReadDirectoryChangesW (the Windows provider: see provider.c; the
 * descriptors, their reads and their readiness are events.c's).
 *
 * A watch of a directory keeps an overlapped ReadDirectoryChangesW going on it; a watch of
 * a file keeps one on the file's directory and takes the records of the file's name.  The
 * records are turned into inotify events when the instance is polled or read: ADDED is
 * IN_CREATE, REMOVED IN_DELETE, MODIFIED IN_MODIFY (or IN_ATTRIB), RENAMED_OLD_NAME and
 * RENAMED_NEW_NAME IN_MOVED_FROM and IN_MOVED_TO with one cookie.  Windows' records do not
 * say whether a name is a directory, and by the time they are read the name may be gone:
 * a second ReadDirectoryChangesW on the directory, for directory names only
 * (FILE_NOTIFY_CHANGE_DIR_NAME), says which of the records are directories' (IN_ISDIR). */
#include "lx.h"

enum { IN_ACCESS = 0x1, IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80,
       IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800,
       IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000, IN_ALL_EVENTS = 0xfff };
#define IN_ONLYDIR 0x01000000u
#define IN_MASK_CREATE 0x10000000u
#define IN_MASK_ADD 0x20000000u
#define IN_ISDIR 0x40000000u
#define IN_ONESHOT 0x80000000u
#define IN_NAMES (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
#define QUEUE_SIZE 16384
#define DIR_NAMES 64

/* FILE_NOTIFY_INFORMATION's actions */
enum { FILE_ACTION_ADDED = 1, FILE_ACTION_REMOVED, FILE_ACTION_MODIFIED, FILE_ACTION_RENAMED_OLD_NAME,
       FILE_ACTION_RENAMED_NEW_NAME };

struct watch {
    struct watch *next;
    int wd, file, dead;            /* file: a file's watch, of its name in its directory */
    u32 mask;
    u64 volume, index;             /* the watched file's identity: one watch per file */
    HANDLE dir, names;             /* the directory, for all its changes and for directory names */
    OVERLAPPED ov, names_ov;
    struct { u32 action, hash; } dirs[DIR_NAMES];   /* directories' records not yet matched, oldest first */
    u32 ndirs;
    WCHAR path[1024], name[260];   /* the directory (full path); a file watch's file */
    DWORD buf[4096], names_buf[1024];
};

struct inotify {
    volatile long lock;
    struct inotify *next_free;
    struct watch *watches;
    int last_wd;
    u32 cookie, used, last;        /* the cookie of the last move; bytes queued; the last event's offset + 1 */
    u64 total;                     /* events queued so far: the level for EPOLLET */
    u8 queue[QUEUE_SIZE];          /* struct inotify_event records, as read returns them */
};

static volatile long free_lock;
static struct inotify *free_instances;
static struct watch *free_watches;

static int same(const u8 *a, const u8 *b, u32 n)
{
    for (u32 i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}
static u32 name_hash(const WCHAR *w, int n)
{
    u32 h = 2166136261u;
    for (int i = 0; i < n; i++) h = (h ^ w[i]) * 16777619u;
    return h;
}

/* One struct inotify_event {wd, mask, cookie, len, name} queued: the name (UTF-8) padded
 * with NULs to a multiple of 16, as Linux pads it; the same event as the last one unread
 * is not queued again (as Linux merges them); a full queue ends with IN_Q_OVERFLOW. */
static void queue_event(struct inotify *in, int wd, u32 mask, u32 cookie, const WCHAR *name, int wlen)
{
    char utf8[1024];
    u32 len = 0;
    if (wlen) {
        int n = WideCharToMultiByte(CP_UTF8, 0, name, wlen, utf8, sizeof utf8 - 1, 0, 0);
        if (n <= 0) return;
        len = ((u32)n + 1 + 15) & ~15u;
        memset(utf8 + n, 0, len - (u32)n);
    }
    u32 head[4] = {(u32)wd, mask, cookie, len};
    u8 *last = in->last ? in->queue + in->last - 1 : 0;
    if (last && same(last, (const u8 *)head, 16) && same(last + 16, (const u8 *)utf8, len)) return;
    if (in->used + 16 + len > QUEUE_SIZE - 16) {       /* room is kept for the overflow event */
        u32 overflow[4] = {~0u, IN_Q_OVERFLOW, 0, 0};
        if (last && same(last, (const u8 *)overflow, 16)) return;
        head[0] = ~0u; head[1] = IN_Q_OVERFLOW; head[2] = head[3] = len = 0;
    }
    memcpy(in->queue + in->used, head, 16);
    memcpy(in->queue + in->used + 16, utf8, len);
    in->last = in->used + 1;
    in->used += 16 + len;
    in->total++;
    events_wake();
}

static DWORD filter_of(const struct watch *wt)
{
    DWORD f = FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME;   /* names, and the watch's own */
    if (wt->mask & IN_MODIFY) f |= FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE;
    if (wt->mask & IN_ATTRIB) f |= FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_SECURITY;
    return f;
}
/* the next ReadDirectoryChangesW of the watch: of all its changes, or (names) of directory names */
static BOOL issue(struct watch *wt, int names)
{
    return names ? ReadDirectoryChangesW(wt->names, wt->names_buf, sizeof wt->names_buf, 0,
                                         FILE_NOTIFY_CHANGE_DIR_NAME, 0, &wt->names_ov, 0)
                 : ReadDirectoryChangesW(wt->dir, wt->buf, sizeof wt->buf, 0, filter_of(wt), 0, &wt->ov, 0);
}
/* whether the ReadDirectoryChangesW has finished: n bytes of records, or the error in *err */
static int finished(HANDLE h, OVERLAPPED *ov, DWORD *n, DWORD *err)
{
    WaitForSingleObject(ov->event, 0);        /* a wait lets Wine complete the I/O (an APC of this thread) */
    *err = GetOverlappedResult(h, ov, n, 0) ? 0 : GetLastError();
    return *err != ERROR_IO_INCOMPLETE;
}

static void process(struct inotify *in, struct watch *wt, DWORD n)
{
    u32 cookie = 0;
    for (u8 *p = (u8 *)wt->buf; n && p < (u8 *)wt->buf + n;) {
        const FILE_NOTIFY_INFORMATION *rec = (const FILE_NOTIFY_INFORMATION *)p;
        DWORD next = rec->next_entry_offset, action = rec->action;
        const WCHAR *name = rec->file_name;
        int len = (int)(rec->file_name_length / 2);
        u32 ev = 0, isdir = 0, hash = name_hash(name, len);
        p += next ? next : n;
        if (wt->dead) break;
        if (wt->file) {                           /* a file's watch: its own name's records */
            if (len != wcslen16(wt->name) || hash != name_hash(wt->name, len)) continue;
            ev = action == FILE_ACTION_REMOVED ? IN_DELETE_SELF : action == FILE_ACTION_RENAMED_OLD_NAME ? IN_MOVE_SELF
               : action == FILE_ACTION_MODIFIED ? (wt->mask & IN_MODIFY ? IN_MODIFY : IN_ATTRIB) : 0;
            len = 0;
        } else if (action == FILE_ACTION_MODIFIED) {
            /* a subdirectory is "modified" when its entries change: not an event of Linux's */
            WCHAR full[1300];
            int k = wcslen16(wt->path);
            if (k + len + 2 > 1300) continue;
            memcpy(full, wt->path, 2 * (u64)k);
            full[k] = '\\';
            memcpy(full + k + 1, name, 2 * (u64)len);
            full[k + 1 + len] = 0;
            DWORD attrs = GetFileAttributesW(full);
            if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY)) continue;
            ev = wt->mask & IN_MODIFY ? IN_MODIFY : IN_ATTRIB;
        } else {
            for (u32 i = 0; i < wt->ndirs && !isdir; i++)
                if (wt->dirs[i].action == action && wt->dirs[i].hash == hash) {
                    for (wt->ndirs--; i < wt->ndirs; i++) wt->dirs[i] = wt->dirs[i + 1];
                    isdir = IN_ISDIR;
                }
            ev = action == FILE_ACTION_ADDED ? IN_CREATE : action == FILE_ACTION_REMOVED ? IN_DELETE
               : action == FILE_ACTION_RENAMED_OLD_NAME ? IN_MOVED_FROM : action == FILE_ACTION_RENAMED_NEW_NAME ? IN_MOVED_TO : 0;
            if (ev == IN_MOVED_FROM) cookie = ++in->cookie;
            if (ev == IN_MOVED_TO && !cookie) cookie = ++in->cookie;
        }
        if (!(ev & wt->mask)) continue;
        queue_event(in, wt->wd, ev | isdir, ev & (IN_MOVED_FROM | IN_MOVED_TO) ? cookie : 0, name, len);
        if (ev == IN_MOVED_TO) cookie = 0;
        if (ev == IN_DELETE_SELF || (wt->mask & IN_ONESHOT)) wt->dead = 1;
    }
}

/* The watches' finished records turned into events; watches that ended, removed (IN_IGNORED). */
static void pump(struct inotify *in)
{
    DWORD n, err;
    for (struct watch *wt = in->watches; wt; wt = wt->next) {
        if (wt->names && finished(wt->names, &wt->names_ov, &n, &err)) {
            for (u8 *p = (u8 *)wt->names_buf; !err && n && p < (u8 *)wt->names_buf + n;) {
                const FILE_NOTIFY_INFORMATION *rec = (const FILE_NOTIFY_INFORMATION *)p;
                if (wt->ndirs == DIR_NAMES) {         /* the oldest unmatched one is dropped */
                    wt->ndirs--;
                    for (u32 i = 0; i < wt->ndirs; i++) wt->dirs[i] = wt->dirs[i + 1];
                }
                wt->dirs[wt->ndirs].action = rec->action;
                wt->dirs[wt->ndirs].hash = name_hash(rec->file_name, (int)(rec->file_name_length / 2));
                wt->ndirs++;
                p += rec->next_entry_offset ? rec->next_entry_offset : n;
            }
            if ((err && err != ERROR_NOTIFY_ENUM_DIR) || !issue(wt, 1)) { CloseHandle(wt->names); wt->names = 0; }
        }
        if (!finished(wt->dir, &wt->ov, &n, &err)) continue;
        if (err == ERROR_NOTIFY_ENUM_DIR || (!err && n == 0)) {          /* Windows' buffer overflowed */
            queue_event(in, -1, IN_Q_OVERFLOW, 0, 0, 0);
            err = n = 0;
        }
        if (!err) process(in, wt, n);
        if (err || wt->dead || !issue(wt, 0)) {
            /* the directory is gone (or the watch was IN_ONESHOT's) */
            if (err && (wt->mask & IN_DELETE_SELF) && !wt->dead) queue_event(in, wt->wd, IN_DELETE_SELF, 0, 0, 0);
            wt->dead = 1;
        }
    }
    for (struct watch **p = &in->watches; *p;) {
        struct watch *wt = *p;
        if (!wt->dead) { p = &wt->next; continue; }
        queue_event(in, wt->wd, IN_IGNORED, 0, 0, 0);
        *p = wt->next;
        CancelIoEx(wt->dir, &wt->ov);
        GetOverlappedResult(wt->dir, &wt->ov, &n, 1);      /* done with the buffer before it is reused */
        if (wt->names) {
            CancelIoEx(wt->names, &wt->names_ov);
            GetOverlappedResult(wt->names, &wt->names_ov, &n, 1);
            CloseHandle(wt->names);
        }
        CloseHandle(wt->dir);
        CloseHandle(wt->ov.event);
        CloseHandle(wt->names_ov.event);
        spin_take(&free_lock);
        wt->next = free_watches;
        free_watches = wt;
        spin_drop(&free_lock);
    }
}

u32 inotify_poll(void *obj, u64 *level)
{
    struct inotify *in = obj;
    spin_take(&in->lock);
    pump(in);
    u32 ready = in->used ? POLLIN | POLLRDNORM : 0;
    *level = in->total;
    spin_drop(&in->lock);
    return ready;
}

/* read: whole events, as many as fit (EINVAL if not even the first does) */
i64 inotify_read(void *obj, void *buf, u64 n)
{
    struct inotify *in = obj;
    u32 done = 0;
    spin_take(&in->lock);
    pump(in);
    while (done < in->used) {
        u32 size = 16 + ((u32 *)(in->queue + done))[3];
        if (done + size > n) break;
        done += size;
    }
    memcpy(buf, in->queue, done);
    for (u32 i = done; i < in->used; i++) in->queue[i - done] = in->queue[i];
    in->used -= done;
    in->last = in->last > done ? in->last - done : 0;
    i64 r = in->used + done == 0 ? -EAGAIN : done == 0 ? -EINVAL : (i64)done;
    spin_drop(&in->lock);
    return r;
}

void inotify_release(void *obj)
{
    struct inotify *in = obj;
    spin_take(&in->lock);
    for (struct watch *wt = in->watches; wt; wt = wt->next) wt->dead = 1;
    pump(in);
    spin_drop(&in->lock);
    spin_take(&free_lock);
    in->next_free = free_instances;
    free_instances = in;
    spin_drop(&free_lock);
}

SYSCALL(sys_inotify_init1)
{
    UNUSED_ARGS;
    if (a0 & ~(i64)(O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
    spin_take(&free_lock);
    struct inotify *in = free_instances;
    if (in) free_instances = in->next_free;
    spin_drop(&free_lock);
    if (!in) in = palloc(sizeof *in);
    in->lock = 0;
    in->watches = 0;
    in->last_wd = 0;
    in->cookie = in->used = in->last = 0;
    in->total = 0;
    int fd = anon_open(FD_INOTIFY, a0, in);
    if (fd < 0) inotify_release(in);
    return fd;
}
SYSCALL(sys_inotify_init) { UNUSED_ARGS; return sys_inotify_init1(0, 0, 0, 0, 0, 0); }

/* A new watch of path (a directory, or a file: then of its directory), its reads started. */
static i64 new_watch(struct watch *wt, const WCHAR *path, int file)
{
    int k = wcslen16(path);
    memcpy(wt->path, path, 2 * (u64)k + 2);
    wt->file = file;
    wt->name[0] = 0;
    if (file) {                               /* the directory: up to the last separator */
        while (k > 0 && wt->path[k - 1] != '\\') k--;
        if (k == 0 || wcslen16(path + k) >= 260) return -ENAMETOOLONG;
        memcpy(wt->name, path + k, 2 * (u64)wcslen16(path + k) + 2);
        wt->path[k > 3 ? k - 1 : k] = 0;      /* "C:\" keeps its separator */
    }
    wt->ov = (OVERLAPPED){0, 0, 0, CreateEventW(0, 1, 0, 0)};
    wt->names_ov = (OVERLAPPED){0, 0, 0, CreateEventW(0, 1, 0, 0)};
    wt->dir = CreateFileW(wt->path, FILE_LIST_DIRECTORY, FILE_SHARE_ALL, 0, OPEN_EXISTING,
                          FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, 0);
    wt->names = 0;
    i64 r = wt->dir == INVALID_HANDLE ? win_errno() : issue(wt, 0) ? 0 : win_errno();
    if (r == 0 && !file && (wt->mask & IN_NAMES)) {
        wt->names = CreateFileW(wt->path, FILE_LIST_DIRECTORY, FILE_SHARE_ALL, 0, OPEN_EXISTING,
                                FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, 0);
        if (wt->names == INVALID_HANDLE || !issue(wt, 1)) {
            if (wt->names != INVALID_HANDLE) CloseHandle(wt->names);
            wt->names = 0;                    /* then IN_ISDIR is not known */
        }
    }
    if (r < 0) {
        if (wt->dir != INVALID_HANDLE) CloseHandle(wt->dir);
        CloseHandle(wt->ov.event);
        CloseHandle(wt->names_ov.event);
    }
    return r;
}

SYSCALL(sys_inotify_add_watch)
{
    UNUSED_ARGS;
    BY_HANDLE_FILE_INFORMATION fi;
    WCHAR full[1024];
    u32 mask = (u32)a2;
    if (!fd_ok(a0)) return -EBADF;
    struct inotify *in = anon_obj(a0, FD_INOTIFY);
    if (!in || !(mask & IN_ALL_EVENTS) || ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))) return -EINVAL;
    PATH_ARG(path, a1);
    DWORD n = GetFullPathNameW(path, 1024, full, 0);
    if (n == 0 || n >= 1024) return n ? -ENAMETOOLONG : win_errno();
    DWORD attrs = GetFileAttributesW(full);
    if (attrs == INVALID_FILE_ATTRIBUTES) return win_errno();
    int file = !(attrs & FILE_ATTRIBUTE_DIRECTORY);
    if (file && (mask & IN_ONLYDIR)) return -ENOTDIR;
    HANDLE h = CreateFileW(full, 0, FILE_SHARE_ALL, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, 0);
    if (h == INVALID_HANDLE) return win_errno();
    BOOL ok = GetFileInformationByHandle(h, &fi);
    CloseHandle(h);
    if (!ok) return win_errno();
    u64 index = (u64)fi.index_high << 32 | fi.index_low;
    mask &= IN_ALL_EVENTS | IN_ONESHOT;
    spin_take(&in->lock);
    struct watch *wt = in->watches;
    while (wt && (wt->volume != fi.volume_serial || wt->index != index || wt->dead)) wt = wt->next;
    i64 r;
    if (wt) {                                 /* the file's watch: its mask replaced or added to */
        r = (a2 & IN_MASK_CREATE) ? -EEXIST : wt->wd;
        if (r > 0) wt->mask = (a2 & IN_MASK_ADD) ? wt->mask | mask : mask;
    } else {
        spin_take(&free_lock);
        wt = free_watches;
        if (wt) free_watches = wt->next;
        spin_drop(&free_lock);
        if (!wt) wt = palloc(sizeof *wt);
        wt->mask = mask;
        wt->volume = fi.volume_serial;
        wt->index = index;
        wt->dead = 0;
        wt->ndirs = 0;
        r = new_watch(wt, full, file);
        if (r == 0) {                         /* at the end: the watches' events are taken in the order added */
            struct watch **end = &in->watches;
            while (*end) end = &(*end)->next;
            wt->wd = r = ++in->last_wd;
            wt->next = 0;
            *end = wt;
        } else {
            spin_take(&free_lock);
            wt->next = free_watches;
            free_watches = wt;
            spin_drop(&free_lock);
        }
    }
    spin_drop(&in->lock);
    return r;
}

SYSCALL(sys_inotify_rm_watch)
{
    UNUSED_ARGS;
    if (!fd_ok(a0)) return -EBADF;
    struct inotify *in = anon_obj(a0, FD_INOTIFY);
    if (!in) return -EINVAL;
    spin_take(&in->lock);
    pump(in);                                 /* the events so far come first */
    struct watch *wt = in->watches;
    while (wt && wt->wd != (int)a1) wt = wt->next;
    if (wt) {
        wt->dead = 1;                         /* removed, with its IN_IGNORED, by pump */
        pump(in);
    }
    spin_drop(&in->lock);
    return wt ? 0 : -EINVAL;
}
