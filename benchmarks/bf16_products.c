// What bfloat16 buys on this processor, on one thread: the peak of float FMAs and of AVX-512
// BF16 dot products (twelve independent register chains of each, no memory), then the Winograd
// products of the shipped network's third convolution ([64 × 64] · [64 × 196], the tiles of four
// 14×14 images, 16 of them) by OpenBLAS's sgemm and by CKernels' bfloat16 product, side by side,
// with the largest error of the latter relative to Σ|a·b|.
// Build with clang, as SwiftPM builds CKernels (the Swift toolchain's; GCC 12 keeps the kernel's
// sums in memory and runs it at less than half the speed), against Debian's OpenBLAS; running it
// needs a processor with AVX-512 BF16:
//   clang -O2 -ISources/CKernels/include benchmarks/bf16_products.c Sources/CKernels/bf16_gemm.c -o /tmp/bf16_products \
//      -I/usr/include/x86_64-linux-gnu/openblas-pthread -l:libopenblas.a -lpthread -lm
// Usage: /tmp/bf16_products
#include "CKernels.h"

#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void openblas_set_num_threads(int);

enum { M = 64, K = 64, N = 196, LD = 204, POSITIONS = 16, ROUNDS = 200, CHAINS = 12 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Multiply-adds per second of CHAINS independent chains of `step`, `n` times.
#define PEAK(NAME, TARGET, TYPE, INIT, STEP, LANES)                                        \
    __attribute__((target(TARGET))) static double NAME(long n) {                         \
        __m512 sum[CHAINS];                                                                \
        for (int c = 0; c < CHAINS; c++) sum[c] = _mm512_setzero_ps();                     \
        TYPE x = INIT;                                                                     \
        double start = now();                                                              \
        for (long i = 0; i < n; i++) {                                                     \
            for (int c = 0; c < CHAINS; c++) sum[c] = STEP;                                \
            for (int c = 0; c < CHAINS; c++) __asm__ volatile("" : "+v"(sum[c]));          \
        }                                                                                  \
        double seconds = now() - start;                                                    \
        float total = 0;                                                                   \
        for (int c = 0; c < CHAINS; c++) total += _mm512_reduce_add_ps(sum[c]);            \
        if (total == 1.5f) puts("");                                                       \
        return (double)CHAINS * n * LANES / seconds;                                       \
    }

PEAK(floatPeak, "avx512f", __m512, _mm512_set1_ps(1), _mm512_fmadd_ps(x, x, sum[c]), 16)
PEAK(bfloat16Peak, "avx512f,avx512bf16", __m512bh, (__m512bh)_mm512_set1_epi32(0x3f803f80), _mm512_dpbf16_ps(sum[c], x, x), 32)

int main(void) {
    if (!ck_bf16_supported()) {
        fprintf(stderr, "this processor has no AVX-512 BF16\n");
        return 1;
    }
    openblas_set_num_threads(1);
    printf("peak, one thread: float FMA %.1f G multiply-adds/s, bfloat16 dot product %.1f G multiply-adds/s\n",
           floatPeak(100000000) / 1e9, bfloat16Peak(100000000) / 1e9);

    float *a = malloc(sizeof(float) * POSITIONS * M * K), *b = malloc(sizeof(float) * POSITIONS * K * LD);
    float *c = malloc(sizeof(float) * POSITIONS * M * LD), *reference = malloc(sizeof(float) * M * LD);
    uint32_t *packed = malloc(sizeof(uint32_t) * POSITIONS * M * ck_bf16_pairs(K));
    uint32_t *scratch = malloc(sizeof(uint32_t) * ck_bf16_scratch_words(K, N));
    srand(1);
    for (long i = 0; i < (long)POSITIONS * M * K; i++) a[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < (long)POSITIONS * K * LD; i++) b[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int e = 0; e < POSITIONS; e++) ck_bf16_pack_rows(a + e * M * K, M, K, K, packed + e * M * ck_bf16_pairs(K));
    double flop = 2.0 * M * N * K * POSITIONS * ROUNDS;
    for (int run = 0; run < 3; run++) {
        double start = now();
        for (int r = 0; r < ROUNDS; r++)
            for (int e = 0; e < POSITIONS; e++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, a + e * M * K, K, b + e * K * LD, LD, 0, c + e * M * LD, LD);
        double sgemm = now() - start;
        start = now();
        for (int r = 0; r < ROUNDS; r++)
            for (int e = 0; e < POSITIONS; e++)
                ck_bf16_gemm(M, N, K, packed + e * M * ck_bf16_pairs(K), b + e * K * LD, LD, c + e * M * LD, LD, scratch);
        double bfloat16 = now() - start;
        printf("[64 x 64] . [64 x 196], 16 products: sgemm %.1f GFLOP/s, bfloat16 %.1f GFLOP/s (%.2fx)\n",
               flop / sgemm / 1e9, flop / bfloat16 / 1e9, sgemm / bfloat16);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, a, K, b, LD, 0, reference, LD);
    double worst = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double magnitude = 0;
            for (int k = 0; k < K; k++) magnitude += fabs(a[i * K + k] * b[k * LD + j]);
            worst = fmax(worst, fabs(c[i * LD + j] - reference[i * LD + j]) / magnitude);
        }
    printf("largest error of bfloat16 relative to the sum of |a.b|: %.1e\n", worst);
    return 0;
}
