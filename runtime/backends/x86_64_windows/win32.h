/* The few Win32 types and kernel32 functions the Windows provider uses (declared here: the
 * provider is freestanding, with no SDK headers).  Each function is also listed in
 * kernel32.def, from which the import library is generated at build time. */
#ifndef ELF2NATIVE_WIN32_H
#define ELF2NATIVE_WIN32_H

typedef void *HANDLE;
typedef unsigned long DWORD;          /* 32 bits on Windows (LLP64) */
typedef int BOOL;
typedef unsigned short WCHAR;
typedef unsigned long long SIZE_T;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;
typedef struct { DWORD lo, hi; } FILETIME;
typedef struct {
    DWORD attributes;
    FILETIME creation, access, write;
    DWORD volume_serial, size_high, size_low, links, index_high, index_low;
} BY_HANDLE_FILE_INFORMATION;
typedef struct {
    void *base, *allocation_base;
    DWORD allocation_protect;
    unsigned short partition;
    SIZE_T size;
    DWORD state, protect, type;
} MEMORY_BASIC_INFORMATION;
typedef struct {
    unsigned long long internal, internal_high;
    unsigned long long offset;       /* Offset, OffsetHigh */
    HANDLE event;
} OVERLAPPED;

#define WINAPI __stdcall
#define IMPORT __declspec(dllimport)
#define INVALID_HANDLE ((HANDLE)(long long)-1)

IMPORT HANDLE WINAPI GetStdHandle(DWORD);
IMPORT BOOL WINAPI WriteFile(HANDLE, const void *, DWORD, DWORD *, OVERLAPPED *);
IMPORT BOOL WINAPI ReadFile(HANDLE, void *, DWORD, DWORD *, OVERLAPPED *);
IMPORT void WINAPI ExitProcess(unsigned);
IMPORT void *WINAPI VirtualAlloc(void *, SIZE_T, DWORD, DWORD);
IMPORT BOOL WINAPI VirtualFree(void *, SIZE_T, DWORD);
IMPORT BOOL WINAPI VirtualProtect(void *, SIZE_T, DWORD, DWORD *);
IMPORT SIZE_T WINAPI VirtualQuery(const void *, MEMORY_BASIC_INFORMATION *, SIZE_T);
IMPORT WCHAR *WINAPI GetCommandLineW(void);
IMPORT WCHAR *WINAPI GetEnvironmentStringsW(void);
IMPORT DWORD WINAPI GetEnvironmentVariableW(const WCHAR *, WCHAR *, DWORD);
IMPORT int WINAPI WideCharToMultiByte(unsigned, DWORD, const WCHAR *, int, char *, int, const char *, BOOL *);
IMPORT int WINAPI MultiByteToWideChar(unsigned, DWORD, const char *, int, WCHAR *, int);
IMPORT HANDLE WINAPI CreateFileW(const WCHAR *, DWORD, DWORD, void *, DWORD, DWORD, HANDLE);
IMPORT BOOL WINAPI CloseHandle(HANDLE);
IMPORT BOOL WINAPI SetFilePointerEx(HANDLE, LONGLONG, LONGLONG *, DWORD);
IMPORT BOOL WINAPI SetEndOfFile(HANDLE);
IMPORT BOOL WINAPI FlushFileBuffers(HANDLE);
IMPORT DWORD WINAPI GetFileType(HANDLE);
IMPORT BOOL WINAPI GetFileInformationByHandle(HANDLE, BY_HANDLE_FILE_INFORMATION *);
IMPORT DWORD WINAPI GetFileAttributesW(const WCHAR *);
IMPORT BOOL WINAPI DeleteFileW(const WCHAR *);
IMPORT BOOL WINAPI CreateDirectoryW(const WCHAR *, void *);
IMPORT BOOL WINAPI RemoveDirectoryW(const WCHAR *);
IMPORT BOOL WINAPI MoveFileExW(const WCHAR *, const WCHAR *, DWORD);
IMPORT DWORD WINAPI GetCurrentDirectoryW(DWORD, WCHAR *);
IMPORT BOOL WINAPI SetCurrentDirectoryW(const WCHAR *);
IMPORT DWORD WINAPI GetModuleFileNameW(HANDLE, WCHAR *, DWORD);
IMPORT BOOL WINAPI GetConsoleMode(HANDLE, DWORD *);
IMPORT DWORD WINAPI GetLastError(void);
IMPORT DWORD WINAPI GetCurrentProcessId(void);
IMPORT DWORD WINAPI GetCurrentThreadId(void);
IMPORT HANDLE WINAPI GetCurrentProcess(void);
IMPORT BOOL WINAPI GetProcessTimes(HANDLE, FILETIME *, FILETIME *, FILETIME *, FILETIME *);
IMPORT BOOL WINAPI GetThreadTimes(HANDLE, FILETIME *, FILETIME *, FILETIME *, FILETIME *);
IMPORT HANDLE WINAPI GetCurrentThread(void);
IMPORT DWORD WINAPI TlsAlloc(void);
IMPORT void *WINAPI TlsGetValue(DWORD);
IMPORT BOOL WINAPI TlsSetValue(DWORD, void *);
IMPORT BOOL WINAPI QueryPerformanceCounter(LONGLONG *);
IMPORT BOOL WINAPI QueryPerformanceFrequency(LONGLONG *);
IMPORT void WINAPI GetSystemTimePreciseAsFileTime(FILETIME *);
IMPORT void WINAPI Sleep(DWORD);
IMPORT BOOL WINAPI SwitchToThread(void);
IMPORT BOOL WINAPI GetComputerNameA(char *, DWORD *);
IMPORT BOOL WINAPI DuplicateHandle(HANDLE, HANDLE, HANDLE, HANDLE *, DWORD, BOOL, DWORD);
IMPORT BOOL WINAPI CreatePipe(HANDLE *, HANDLE *, void *, DWORD);
typedef struct {
    DWORD attributes;
    FILETIME creation, access, write;
    DWORD size_high, size_low, reserved0, reserved1;
    WCHAR name[260], alternate[14];
} WIN32_FIND_DATAW;
IMPORT HANDLE WINAPI FindFirstFileW(const WCHAR *, WIN32_FIND_DATAW *);
IMPORT BOOL WINAPI FindNextFileW(HANDLE, WIN32_FIND_DATAW *);
IMPORT BOOL WINAPI FindClose(HANDLE);
typedef struct {
    DWORD length, load;
    ULONGLONG total_phys, avail_phys, total_page_file, avail_page_file, total_virtual, avail_virtual, avail_extended;
} MEMORYSTATUSEX;
IMPORT BOOL WINAPI GlobalMemoryStatusEx(MEMORYSTATUSEX *);
IMPORT BOOL WINAPI GetProcessAffinityMask(HANDLE, ULONGLONG *, ULONGLONG *);
IMPORT ULONGLONG WINAPI GetTickCount64(void);
IMPORT BOOL WINAPI K32GetProcessMemoryInfo(HANDLE, void *, DWORD);
typedef DWORD(WINAPI *THREAD_START)(void *);
IMPORT HANDLE WINAPI CreateThread(void *, SIZE_T, THREAD_START, void *, DWORD, DWORD *);
IMPORT DWORD WINAPI ResumeThread(HANDLE);
IMPORT void WINAPI ExitThread(DWORD);
IMPORT DWORD WINAPI WaitForSingleObject(HANDLE, DWORD);
/* files' metadata (metadata.c) */
typedef struct { LONGLONG creation, access, write, change; DWORD attributes; } FILE_BASIC_INFO;
IMPORT BOOL WINAPI SetFileAttributesW(const WCHAR *, DWORD);
IMPORT BOOL WINAPI SetFileTime(HANDLE, const FILETIME *, const FILETIME *, const FILETIME *);
IMPORT DWORD WINAPI GetFinalPathNameByHandleW(HANDLE, WCHAR *, DWORD, DWORD);
IMPORT BOOL WINAPI LockFileEx(HANDLE, DWORD, DWORD, DWORD, DWORD, OVERLAPPED *);
IMPORT BOOL WINAPI UnlockFileEx(HANDLE, DWORD, DWORD, DWORD, OVERLAPPED *);
IMPORT BOOL WINAPI CreateSymbolicLinkW(const WCHAR *, const WCHAR *, DWORD);
IMPORT BOOL WINAPI CreateHardLinkW(const WCHAR *, const WCHAR *, void *);
/* kernelbase (the api-ms-win-core-synch-l1-2-0 set): kernelbase.def */
IMPORT BOOL WINAPI WaitOnAddress(volatile void *, void *, SIZE_T, DWORD);
IMPORT void WINAPI WakeByAddressSingle(void *);
IMPORT void WINAPI WakeByAddressAll(void *);
typedef long(WINAPI *VECTORED_HANDLER)(void *);
IMPORT void *WINAPI AddVectoredExceptionHandler(DWORD, VECTORED_HANDLER);
typedef BOOL(WINAPI *CONSOLE_HANDLER)(DWORD);
IMPORT BOOL WINAPI SetConsoleCtrlHandler(CONSOLE_HANDLER, BOOL);

#define STD_INPUT_HANDLE ((DWORD)-10)
#define STD_OUTPUT_HANDLE ((DWORD)-11)
#define STD_ERROR_HANDLE ((DWORD)-12)
#define MEM_COMMIT 0x1000
#define MEM_RESERVE 0x2000
#define MEM_DECOMMIT 0x4000
#define MEM_RELEASE 0x8000
#define MEM_FREE 0x10000
#define MEM_IMAGE 0x1000000
#define PAGE_NOACCESS 0x01
#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04
#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define FILE_SHARE_ALL 7              /* read, write, delete */
#define CREATE_NEW 1
#define CREATE_ALWAYS 2
#define OPEN_EXISTING 3
#define OPEN_ALWAYS 4
#define TRUNCATE_EXISTING 5
#define FILE_ATTRIBUTE_READONLY 0x1
#define FILE_ATTRIBUTE_DIRECTORY 0x10
#define FILE_ATTRIBUTE_REPARSE_POINT 0x400
#define FILE_WRITE_ATTRIBUTES 0x100
#define FILE_READ_ATTRIBUTES 0x80
#define LOCKFILE_FAIL_IMMEDIATELY 1
#define LOCKFILE_EXCLUSIVE_LOCK 2
#define ERROR_PATH_NOT_FOUND 3
#define ERROR_LOCK_VIOLATION 33
#define ERROR_ALREADY_EXISTS 183
#define SYMBOLIC_LINK_FLAG_DIRECTORY 1
#define SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE 2
#define FILE_ATTRIBUTE_NORMAL 0x80
#define FILE_FLAG_BACKUP_SEMANTICS 0x02000000u
#define INVALID_FILE_ATTRIBUTES ((DWORD)-1)
#define FILE_TYPE_DISK 1
#define FILE_TYPE_CHAR 2
#define FILE_TYPE_PIPE 3
#define MOVEFILE_REPLACE_EXISTING 1
#define CP_UTF8 65001
#define DUPLICATE_SAME_ACCESS 2
#define CREATE_SUSPENDED 4
#define INFINITE 0xFFFFFFFFu
#define ERROR_TIMEOUT 1460

/* file-descriptor events (events.c, inotify.c) */
typedef struct {
    DWORD next_entry_offset, action, file_name_length;   /* bytes */
    WCHAR file_name[1];
} FILE_NOTIFY_INFORMATION;
IMPORT HANDLE WINAPI CreateEventW(void *, BOOL, BOOL, const WCHAR *);
IMPORT BOOL WINAPI PeekNamedPipe(HANDLE, void *, DWORD, DWORD *, DWORD *, DWORD *);
IMPORT BOOL WINAPI GetNamedPipeHandleStateW(HANDLE, DWORD *, DWORD *, DWORD *, DWORD *, WCHAR *, DWORD);
IMPORT BOOL WINAPI GetNumberOfConsoleInputEvents(HANDLE, DWORD *);
IMPORT BOOL WINAPI ReadDirectoryChangesW(HANDLE, void *, DWORD, BOOL, DWORD, DWORD *, OVERLAPPED *, void *);
IMPORT BOOL WINAPI GetOverlappedResult(HANDLE, OVERLAPPED *, DWORD *, BOOL);
IMPORT BOOL WINAPI CancelIoEx(HANDLE, OVERLAPPED *);
IMPORT DWORD WINAPI GetFullPathNameW(const WCHAR *, DWORD, WCHAR *, WCHAR **);
#define FILE_LIST_DIRECTORY 0x1
#define FILE_FLAG_OVERLAPPED 0x40000000u
#define FILE_NOTIFY_CHANGE_FILE_NAME 0x1
#define FILE_NOTIFY_CHANGE_DIR_NAME 0x2
#define FILE_NOTIFY_CHANGE_ATTRIBUTES 0x4
#define FILE_NOTIFY_CHANGE_SIZE 0x8
#define FILE_NOTIFY_CHANGE_LAST_WRITE 0x10
#define FILE_NOTIFY_CHANGE_SECURITY 0x100
#define ERROR_BROKEN_PIPE 109
#define ERROR_NO_DATA 232
#define ERROR_PIPE_NOT_CONNECTED 233
#define ERROR_OPERATION_ABORTED 995
#define ERROR_IO_INCOMPLETE 996
#define ERROR_NOTIFY_ENUM_DIR 1022

#endif
