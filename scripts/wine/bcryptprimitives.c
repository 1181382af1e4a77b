/* Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng Rust's standard library imports for random numbers
 * (HashMap seeds). This stand-in, copied into a throwaway Wine prefix by scripts/test-windows.sh, answers
 * from RtlGenRandom (advapi32's SystemFunction036), which Wine has. Never shipped: Windows 10+ has the real one. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
