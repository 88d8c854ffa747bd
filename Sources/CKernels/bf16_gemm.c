#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

int ck_bf16_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
}

// Lanes 0..count-1 set.
static inline __mmask16 ck_first(int count) { return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1); }

// Sixteen floats of a row from `column`, zeros past `n` or for a row that does not exist.
CK_TARGET static inline __m512 ck_load(const float *row, int column, int n) {
    if (!row) return _mm512_setzero_ps();
    return _mm512_maskz_loadu_ps(ck_first(n - column), row + column);
}

// Sixteen words, each `first[i]` and `second[i]` rounded to bfloat16 (to nearest even), first in
// the low half. cvtne2ps gives the sixteen values of its second operand and then those of its
// first; the permutation interleaves them.
CK_TARGET static inline __m512i ck_pairs(__m512 first, __m512 second) {
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                                23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(second, first));
}

CK_TARGET void ck_bf16_pack_rows(const float *a, int rows, int k, int lda, uint32_t *packed) {
    const int pairs = ck_bf16_pairs(k);
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
    for (int r = 0; r < rows; r++) {
        const float *row = a + (long)r * lda;
        uint32_t *out = packed + (long)r * pairs;
        for (int i = 0; i < k; i += 32) {
            __m512 first = ck_load(row, i, k), second = ck_load(row, i + 16, k);
            __m512 even = _mm512_permutex2var_ps(first, evens, second), odd = _mm512_permutex2var_ps(first, odds, second);
            _mm512_mask_storeu_epi32(out + i / 2, ck_first(pairs - i / 2), ck_pairs(even, odd));
        }
    }
}

// Rows 2p and 2p + 1 of b as pairs, sixteen columns to a vector of words, `width` columns a pair
// of rows (n rounded up to sixteen, zeros after n).
CK_TARGET static void ck_pack_columns(const float *b, int k, int n, int ldb, uint32_t *out, int width) {
    for (int p = 0; p < ck_bf16_pairs(k); p++) {
        const float *upper = b + (long)(2 * p) * ldb, *lower = 2 * p + 1 < k ? upper + ldb : 0;
        for (int j = 0; j < width; j += 16) _mm512_storeu_si512(out + (long)p * width + j, ck_pairs(ck_load(upper, j, n), ck_load(lower, j, n)));
    }
}

// Rows [row, row + ROWS) of c for column vectors [vector, vector + VECTORS): sums over all pairs
// in registers, then stored (the last vector masked to n).
#define CK_BLOCK(ROWS, VECTORS)                                                                          \
    CK_TARGET static void ck_block_##ROWS##x##VECTORS(int row, int vector, int n, int pairs, int width, \
                                                      const uint32_t *a, const uint32_t *b, float *c, int ldc) { \
        __m512 sums[ROWS][VECTORS];                                                                      \
        for (int r = 0; r < ROWS; r++)                                                                   \
            for (int v = 0; v < VECTORS; v++) sums[r][v] = _mm512_setzero_ps();                          \
        const uint32_t *column = b + vector * 16;                                                        \
        for (int p = 0; p < pairs; p++) {                                                                \
            __m512bh values[VECTORS];                                                                    \
            for (int v = 0; v < VECTORS; v++) values[v] = (__m512bh)_mm512_loadu_si512(column + (long)p * width + v * 16); \
            for (int r = 0; r < ROWS; r++) {                                                             \
                __m512bh weight = (__m512bh)_mm512_set1_epi32((int)a[(long)(row + r) * pairs + p]);       \
                for (int v = 0; v < VECTORS; v++) sums[r][v] = _mm512_dpbf16_ps(sums[r][v], weight, values[v]); \
            }                                                                                            \
        }                                                                                                \
        for (int r = 0; r < ROWS; r++)                                                                   \
            for (int v = 0; v < VECTORS; v++) {                                                          \
                int first = (vector + v) * 16;                                                           \
                _mm512_mask_storeu_ps(c + (long)(row + r) * ldc + first, ck_first(n - first), sums[r][v]); \
            }                                                                                            \
    }

CK_BLOCK(8, 3)
CK_BLOCK(8, 1)
CK_BLOCK(1, 3)
CK_BLOCK(1, 1)

CK_TARGET void ck_bf16_gemm(int m, int n, int k, const uint32_t *a, const float *b, int ldb, float *c, int ldc, uint32_t *scratch) {
    const int pairs = ck_bf16_pairs(k), vectors = (n + 15) / 16, width = vectors * 16;
    ck_pack_columns(b, k, n, ldb, scratch, width);
    int row = 0;
    for (; row + 8 <= m; row += 8) {
        int vector = 0;
        for (; vector + 3 <= vectors; vector += 3) ck_block_8x3(row, vector, n, pairs, width, a, scratch, c, ldc);
        for (; vector < vectors; vector++) ck_block_8x1(row, vector, n, pairs, width, a, scratch, c, ldc);
    }
    for (; row < m; row++) {
        int vector = 0;
        for (; vector + 3 <= vectors; vector += 3) ck_block_1x3(row, vector, n, pairs, width, a, scratch, c, ldc);
        for (; vector < vectors; vector++) ck_block_1x1(row, vector, n, pairs, width, a, scratch, c, ldc);
    }
}

#else
// Elsewhere there is no AVX-512 BF16: ck_bf16_supported() says so, and nothing calls the rest.
int ck_bf16_supported(void) { return 0; }
void ck_bf16_pack_rows(const float *a, int rows, int k, int lda, uint32_t *packed) {
    (void)a, (void)rows, (void)k, (void)lda, (void)packed;
    __builtin_trap();
}
void ck_bf16_gemm(int m, int n, int k, const uint32_t *a, const float *b, int ldb, float *c, int ldc, uint32_t *scratch) {
    (void)m, (void)n, (void)k, (void)a, (void)b, (void)ldb, (void)c, (void)ldc, (void)scratch;
    __builtin_trap();
}
#endif
