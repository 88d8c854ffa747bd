#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

int ck_crc32_folding_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

#define CK_FOLDING __attribute__((target("pclmul,sse4.1")))

// x times x^(k·8) modulo the polynomial, k given by the constants' pair: the low half of x by the
// low constant, the high half by the high one, added (xor) to the next sixteen bytes.
CK_FOLDING static inline __m128i ck_fold(__m128i x, __m128i constants, __m128i next) {
    return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, constants, 0x00), _mm_clmulepi64_si128(x, constants, 0x11)), next);
}

CK_FOLDING static inline __m128i ck_load16(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }

// Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction"
// (Intel, 2009), for the bit-reflected polynomial 0xEDB88320: four lanes of sixteen bytes folded
// 64 bytes on, then into one, folded on sixteen bytes at a time, and reduced to 32 bits by a
// last fold and Barrett's reduction. The constants are x^k mod P for the distances folded over.
CK_FOLDING uint32_t ck_crc32_fold(uint32_t crc, const uint8_t *p, size_t n, size_t *consumed) {
    *consumed = 0;
    if (n < 64) return crc;
    const __m128i fold64 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
    const __m128i fold16 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
    const __m128i fold4 = _mm_set_epi64x(0, 0x163cd6124);
    const __m128i barrett = _mm_set_epi64x(0x1f7011641, 0x1db710641);
    const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1 = _mm_xor_si128(ck_load16(p), _mm_cvtsi32_si128((int)~crc));
    __m128i x2 = ck_load16(p + 16), x3 = ck_load16(p + 32), x4 = ck_load16(p + 48);
    size_t at = 64;
    for (; at + 64 <= n; at += 64) {
        x1 = ck_fold(x1, fold64, ck_load16(p + at));
        x2 = ck_fold(x2, fold64, ck_load16(p + at + 16));
        x3 = ck_fold(x3, fold64, ck_load16(p + at + 32));
        x4 = ck_fold(x4, fold64, ck_load16(p + at + 48));
    }
    x1 = ck_fold(ck_fold(ck_fold(x1, fold16, x2), fold16, x3), fold16, x4);
    for (; at + 16 <= n; at += 16) x1 = ck_fold(x1, fold16, ck_load16(p + at));
    // 128 bits to 64, then to 32 with 32 zero bits appended, then Barrett's reduction.
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), _mm_clmulepi64_si128(x1, fold16, 0x10));
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), _mm_clmulepi64_si128(_mm_and_si128(x1, low32), fold4, 0x00));
    __m128i quotient = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, low32), barrett, 0x10), low32);
    x1 = _mm_xor_si128(x1, _mm_clmulepi64_si128(quotient, barrett, 0x00));
    *consumed = at;
    return ~(uint32_t)_mm_extract_epi32(x1, 1);
}

#else
// Elsewhere zlib's tables do all of it.
int ck_crc32_folding_supported(void) { return 0; }
uint32_t ck_crc32_fold(uint32_t crc, const uint8_t *p, size_t n, size_t *consumed) {
    (void)p, (void)n;
    *consumed = 0;
    return crc;
}
#endif
