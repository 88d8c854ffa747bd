#ifndef CKERNELS_H
#define CKERNELS_H

// Kernels written for one instruction set extension, each checked for at run time.

#include <stddef.h>
#include <stdint.h>

// Matrix products in bfloat16 with float sums, for CPUs with AVX-512 BF16 (`vdpbf16ps`), which
// multiplies twice as many pairs per instruction as a float FMA. The float products through
// CBLAS stay the reference; these are an optional faster path for inference.

// Whether this CPU (and the operating system, for the AVX-512 registers) can run the rest.
int ck_bf16_supported(void);

// Rows of `a` (`rows × k` floats, `lda` apart) as bfloat16 pairs along k, rounded to nearest
// even: `rows × ck_bf16_pairs(k)` words, a zero after an odd k's last value.
void ck_bf16_pack_rows(const float *a, int rows, int k, int lda, uint32_t *packed);

static inline int ck_bf16_pairs(int k) { return (k + 1) / 2; }

// Words of scratch space `ck_bf16_gemm` needs for `k × n` values of b.
static inline long ck_bf16_scratch_words(int k, int n) { return (long)ck_bf16_pairs(k) * ((n + 15) / 16) * 16; }

// `c = a · b` (`m × n`, `ldc` apart), with `a` packed by ck_bf16_pack_rows (`m × k`) and `b`
// `k × n` floats `ldb` apart, rounded to bfloat16 into `scratch` first. Only the `m × n` values
// of c are written. Requires ck_bf16_supported().
void ck_bf16_gemm(int m, int n, int k, const uint32_t *a, const float *b, int ldb, float *c, int ldc, uint32_t *scratch);

// zlib's CRC-32 by carry-less multiplication (PCLMULQDQ), for processors that have it.
int ck_crc32_folding_supported(void);

// `crc` (as zlib's crc32 takes and gives it) continued over the first multiple of sixteen bytes
// of `p[0..<n]`, their count in `consumed`; nothing (0) when `n` is under 64.
uint32_t ck_crc32_fold(uint32_t crc, const uint8_t *p, size_t n, size_t *consumed);

#endif
