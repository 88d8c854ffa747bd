#ifndef CKERNELS_H
#define CKERNELS_H

// Kernels written for particular instruction set extensions: each checked for at run time, or
// compiled once per extension with the copy to run picked when the program loads.

#include <stddef.h>
#include <stdint.h>

// zlib's CRC-32 by carry-less multiplication (PCLMULQDQ), for processors that have it.
int ck_crc32_folding_supported(void);

// `crc` (as zlib's crc32 takes and gives it) continued over the first multiple of sixteen bytes
// of `p[0..<n]`, their count in `consumed`; nothing (0) when `n` is under 64.
uint32_t ck_crc32_fold(uint32_t crc, const uint8_t *p, size_t n, size_t *consumed);

// Winograd's F(7×7, 3×3) for a 3×3 convolution of stride 1 and padding 1: C channels and F
// filters rounded up to `paddedChannels` and `paddedFilters` (multiples of 16), an H × W image in
// ⌈H/7⌉ × ⌈W/7⌉ tiles of 7×7 outputs. The transforms; the 81 products between them,
// `[tiles × paddedChannels] · [paddedChannels × paddedFilters]`, are the caller's.

// The filters `G g Gᵀ` as `u[81][paddedChannels][paddedFilters]` (zeros past C and F), from
// `weight[F][C][3][3]`, or when `turned` from `weight[C][F][3][3]` with each filter turned by half
// a turn (the convolution that gives the input gradient of the other). `scratch` holds
// `paddedChannels × 9 × paddedFilters` floats.
void ck_wf7_filters(const float *weight, int filters, int channels, int turned, int paddedChannels, int paddedFilters,
                    float *scratch, float *u);

// One image `[C][H][W]` into the inside of `padded`, channels last:
// `[7⌈H/7⌉ + 2][7⌈W/7⌉ + 2][paddedChannels]`, whose frame and extra channels the caller keeps zero.
void ck_wf7_pad(const float *image, int channels, int height, int width, int paddedChannels, float *padded);

// Each tile's `Bᵀ d B` from `padded`: value e of tile t, channel c at
// `v[e · elementStride + t · paddedChannels + c]`.
void ck_wf7_input(const float *padded, int tilesY, int tilesX, int paddedChannels, float *v, long elementStride);

#define CK_EPILOGUE_NONE 0
#define CK_EPILOGUE_RELU 1
#define CK_EPILOGUE_POOL_RELU 2

// One image's output `[F][H][W]` (`[F][⌊H/2⌋][⌊W/2⌋]` with CK_EPILOGUE_POOL_RELU: 2×2 max-pooling
// of stride 2, then ReLU), `Aᵀ m A` plus the bias (when not null), from the products: value e of
// tile t, filter f at `m[e · elementStride + t · paddedFilters + f]`. `scratch` holds 16·H·W floats.
void ck_wf7_output(const float *m, long elementStride, int filters, int paddedFilters, int tilesY, int tilesX,
                   int outHeight, int outWidth, const float *bias, int epilogue, float *scratch, float *out);

// The weight gradient's side. Each tile's `A dy Aᵀ` (the gradient of its 81 products) from one
// image's output gradient laid out by ck_wf7_pad (F channels rounded up to `paddedFilters`): value
// e of tile t, filter f at `m[e · elementStride + t · paddedFilters + f]`.
void ck_wf7_output_gradient(const float *padded, int tilesY, int tilesX, int paddedFilters, float *m, long elementStride);

// `Gᵀ dU G` for each filter and channel, from the gradient of the transformed filters
// `du[81][paddedChannels][paddedFilters]`, into `weightGradient[F][C][3][3]`; `scratch` as for
// ck_wf7_filters.
void ck_wf7_filter_gradient(const float *du, int filters, int channels, int paddedChannels, int paddedFilters,
                            float *scratch, float *weightGradient);

// Batch normalisation's sweep over one `height × width` plane in training: `a·x + b`, then
// `epilogue`: nothing, ReLU, or 2×2 max-pooling of stride 2 then ReLU, which writes
// `⌊height/2⌋ × ⌊width/2⌋` values and, in `argmax`, each one's position in the plane (the first
// of the window's maxima).
void ck_bn_normalize(const float *x, int height, int width, float a, float b, int epilogue, float *y, int32_t *argmax);

#endif
