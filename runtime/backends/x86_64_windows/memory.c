/* Linux's 4 KiB mappings over VirtualAlloc, and the arena (the Windows provider: see provider.c) */
#include "lx.h"

/* ---- memory: Linux's 4 KiB mappings over VirtualAlloc, and the arena ----------------- */
u8 *arena_mapped;                     /* one byte per arena page: mapped by the guest */

static int in_arena(u64 a, u64 len)
{
    return a >= (u64)rt_arena && a + len <= (u64)rt_arena_end && a + len >= a;
}
static DWORD win_prot(i64 prot)
{
    return (prot & PROT_WRITE) ? PAGE_READWRITE : (prot & PROT_READ) ? PAGE_READONLY : PAGE_NOACCESS;
}

/* Apply fn to each run of committed pages of [a, a+len) (VirtualProtect and VirtualFree act
 * within one allocation); returns 0, or -ENOMEM if part of the range is not mapped. */
static i64 each_region(u64 a, u64 len, int (*fn)(u64, u64, DWORD), DWORD arg)
{
    u64 end = a + len;
    while (a < end) {
        MEMORY_BASIC_INFORMATION m;
        if (!VirtualQuery((void *)a, &m, sizeof m) || m.state != MEM_COMMIT) return -ENOMEM;
        u64 stop = (u64)m.base + m.size;
        if (stop > end) stop = end;
        if (!fn(a, stop - a, arg)) return -ENOMEM;
        a = stop;
    }
    return 0;
}
static int protect_run(u64 a, u64 n, DWORD prot) { DWORD old; return VirtualProtect((void *)a, n, prot, &old); }
static int decommit_run(u64 a, u64 n, DWORD unused) { (void)unused; return VirtualFree((void *)a, n, MEM_DECOMMIT); }

i64 read_at(int fd, void *buf, u64 n, i64 off);

SYSCALL(sys_mmap)
{
    u64 addr = (u64)a0, len = page_up((u64)a1);
    i64 prot = a2, flags = a3, fd = a4, off = a5;
    (void)UNUSED_ARGS;
    if (a1 == 0 || (off & (PAGE - 1)) || len < (u64)a1) return -EINVAL;
    if (!(flags & MAP_ANONYMOUS)) {
        if (!fd_ok(fd)) return -EBADF;
        if ((flags & MAP_SHARED) && (prot & PROT_WRITE)) return -ENODEV;   /* no write-back */
    }
    void *p = 0;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & (PAGE - 1)) return -EINVAL;
        if (in_arena(addr, len)) {
            u64 first = (addr - (u64)rt_arena) / PAGE, n = len / PAGE;
            for (u64 i = 0; (flags & MAP_FIXED_NOREPLACE) && i < n; i++)
                if (arena_mapped[first + i]) return -EEXIST;
            protect_run(addr, len, PAGE_READWRITE);
            memset((void *)addr, 0, len);
            memset(arena_mapped + first, 1, n);
            p = (void *)addr;
        } else {
            p = VirtualAlloc((void *)addr, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
            if (!p && (flags & MAP_FIXED_NOREPLACE)) return -EEXIST;
            if (!p) {      /* over pages of an earlier mapping (or of one unmapped) */
                p = VirtualAlloc((void *)addr, len, MEM_COMMIT, PAGE_READWRITE);
                if (!p) return -ENOMEM;
                memset(p, 0, len);
            }
        }
    } else {
        if (addr && !(addr & 0xFFFF))
            p = VirtualAlloc((void *)addr, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!p) p = VirtualAlloc(0, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!p) return -ENOMEM;
    }
    if (!(flags & MAP_ANONYMOUS)) {      /* a private copy of the file's pages */
        i64 r = read_at((int)fd, p, len, off);
        if (r < 0) return r;
    }
    if (win_prot(prot) != PAGE_READWRITE) protect_run((u64)p, len, win_prot(prot));
    return (i64)p;
}

SYSCALL(sys_munmap)
{
    u64 addr = (u64)a0, len = page_up((u64)a1);
    UNUSED_ARGS;
    if ((addr & (PAGE - 1)) || a1 == 0) return -EINVAL;
    if (in_arena(addr, len)) {
        protect_run(addr, len, PAGE_NOACCESS);
        memset(arena_mapped + (addr - (u64)rt_arena) / PAGE, 0, len / PAGE);
        return 0;
    }
    each_region(addr, len, decommit_run, 0);    /* pages not mapped are no error, as on Linux */
    return 0;
}

SYSCALL(sys_mprotect)
{
    u64 addr = (u64)a0, len = page_up((u64)a1);
    UNUSED_ARGS;
    if (addr & (PAGE - 1)) return -EINVAL;
    if (len == 0) return 0;
    if (in_arena(addr, len)) {
        for (u64 i = 0; i < len / PAGE; i++)
            if (!arena_mapped[(addr - (u64)rt_arena) / PAGE + i]) return -ENOMEM;
        protect_run(addr, len, win_prot(a2));
        return 0;
    }
    return each_region(addr, len, protect_run, win_prot(a2));
}

SYSCALL(sys_madvise)
{
    UNUSED_ARGS;
    if (a2 == 4 /* MADV_DONTNEED: the pages read as zero again */ && in_arena((u64)a0, page_up((u64)a1))) {
        u64 addr = (u64)a0, len = page_up((u64)a1);
        MEMORY_BASIC_INFORMATION m;
        VirtualQuery((void *)addr, &m, sizeof m);
        if (m.protect == PAGE_READWRITE) memset((void *)addr, 0, len);
    } else if (a2 == 4) {
        u64 addr = (u64)a0, len = page_up((u64)a1), end = addr + len;
        while (addr < end) {
            MEMORY_BASIC_INFORMATION m;
            if (!VirtualQuery((void *)addr, &m, sizeof m) || m.state != MEM_COMMIT) return -ENOMEM;
            u64 stop = (u64)m.base + m.size < end ? (u64)m.base + m.size : end;
            VirtualFree((void *)addr, stop - addr, MEM_DECOMMIT);
            VirtualAlloc((void *)addr, stop - addr, MEM_COMMIT, m.protect);
            addr = stop;
        }
    }
    return 0;
}


/* mremap(old, old_size, new_size, flags, new_addr): shrink in place; grow in place where the
 * pages after the mapping are free; else (MREMAP_MAYMOVE) a new mapping with the same
 * protection, the contents copied, the old one unmapped; MREMAP_FIXED at new_addr.  The
 * mapping keeps its protection (read off the first page). */
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
SYSCALL(sys_mremap)
{
    u64 old = (u64)a0, osize = page_up((u64)a1), nsize = page_up((u64)a2), flags = (u64)a3, to = (u64)a4;
    UNUSED_ARGS;
    if ((old & (PAGE - 1)) || a2 == 0 || osize == 0 || (flags & ~3ull) ||
        ((flags & MREMAP_FIXED) && (!(flags & MREMAP_MAYMOVE) || (to & (PAGE - 1)))))
        return -EINVAL;     /* old_size 0 (a second view of a shared mapping) and MREMAP_DONTUNMAP: not served */
    MEMORY_BASIC_INFORMATION m;
    if (!VirtualQuery((void *)old, &m, sizeof m) || m.state != MEM_COMMIT) return -EFAULT;
    if (in_arena(old, osize) && !arena_mapped[(old - (u64)rt_arena) / PAGE]) return -EFAULT;
    i64 prot = m.protect == PAGE_READWRITE ? PROT_READ | PROT_WRITE : m.protect == PAGE_READONLY ? PROT_READ : 0;
    i64 anon = MAP_ANONYMOUS | 2;       /* MAP_PRIVATE */
    if (!(flags & MREMAP_FIXED)) {
        if (nsize <= osize) {
            if (nsize < osize) sys_munmap((i64)(old + nsize), (i64)(osize - nsize), 0, 0, 0, 0);
            return (i64)old;
        }
        i64 tail = sys_mmap((i64)(old + osize), (i64)(nsize - osize), prot, anon | MAP_FIXED_NOREPLACE, -1, 0);
        if (tail == (i64)(old + osize)) return (i64)old;
        if (tail >= 0) sys_munmap(tail, (i64)(nsize - osize), 0, 0, 0, 0);
        if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    } else if (to < old + osize && old < to + nsize) {
        return -EINVAL;     /* the two ranges overlap */
    }
    i64 fresh = sys_mmap((i64)to, (i64)nsize, PROT_READ | PROT_WRITE, anon | ((flags & MREMAP_FIXED) ? MAP_FIXED : 0), -1, 0);
    if (fresh < 0) return fresh;
    if (!(prot & PROT_READ)) protect_run(old, osize, PAGE_READONLY);
    memcpy((void *)fresh, (void *)old, osize < nsize ? osize : nsize);
    if (prot != (PROT_READ | PROT_WRITE)) protect_run((u64)fresh, nsize, win_prot(prot));
    sys_munmap((i64)old, (i64)osize, 0, 0, 0, 0);
    return fresh;
}
