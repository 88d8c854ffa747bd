#include "CKernels.h"

// Winograd's F(4×4, 3×3) with the interpolation points 0, ±1, ±2 and ∞ (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2015): Bᵀ, G and Aᵀ below are theirs.
//
// The transforms run sixteen lanes at a time, sixteen channels or filters of one tile: the image
// is laid out channels-last first, so that each of a tile's 36 values is one load, and the
// products keep the filters along their rows; each tile's 4×4 outputs are turned back into the
// filters' planes by a transpose in registers. Written in C with the compiler's vector types
// because the width of the vectors is chosen at run time: one copy of each for AVX-512, AVX2 and
// the x86-64 baseline. Contraction into fused multiply-adds is off, so every copy rounds alike
// and a result does not depend on the processor's extensions.

#pragma clang fp contract(off)

#if defined(__x86_64__)
#define CK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CK_CLONES
#endif

typedef float ck_v16 __attribute__((vector_size(64), aligned(4)));
typedef float ck_v4 __attribute__((vector_size(16), aligned(4)));
typedef float ck_v2 __attribute__((vector_size(8), aligned(4)));
typedef int ck_mask16 __attribute__((vector_size(64), aligned(4)));

// Macros rather than functions: a function taking or giving a vector would have one calling
// convention for all the copies, which the compiler refuses for vectors wider than the baseline's.
#define CK_LOAD16(p) (*(const ck_v16 *)(p))
#define CK_STORE16(p, v) (*(ck_v16 *)(p) = (v))

// G times three vectors (a filter's column, sixteen filters at a time). Multiplied by
// reciprocals rather than divided: in training the filters are transformed at every step.
#define CK_G(a, b, c, out)                                                        \
    do {                                                                         \
        const ck_v16 ga = (a), gb = (b), gc = (c);                               \
        (out)[0] = ga * 0.25f;                                                   \
        (out)[1] = -((ga + gb) + gc) * (1.0f / 6);                               \
        (out)[2] = -((ga - gb) + gc) * (1.0f / 6);                               \
        (out)[3] = (ga * (1.0f / 24) + gb * (1.0f / 12)) + gc * (1.0f / 6);      \
        (out)[4] = (ga * (1.0f / 24) - gb * (1.0f / 12)) + gc * (1.0f / 6);      \
        (out)[5] = gc;                                                           \
    } while (0)

// Gᵀ times six vectors: the adjoint of CK_G.
#define CK_G_ADJOINT(y, out)                                                                   \
    do {                                                                                      \
        const ck_v16 sum12 = (y)[1] + (y)[2], sum34 = (y)[3] + (y)[4];                        \
        (out)[0] = ((y)[0] * 0.25f - sum12 * (1.0f / 6)) + sum34 * (1.0f / 24);                \
        (out)[1] = ((y)[2] - (y)[1]) * (1.0f / 6) + ((y)[3] - (y)[4]) * (1.0f / 12);           \
        (out)[2] = (sum34 - sum12) * (1.0f / 6) + (y)[5];                                      \
    } while (0)

// Both go through the weights laid out `[paddedChannels][9][paddedFilters]` in `scratch`, so that
// sixteen filters are one vector.
CK_CLONES void ck_wf4_filters(const float *weight, int filters, int channels, int turned, int paddedChannels, int paddedFilters,
                              float *scratch, float *u) {
    const long plane = (long)paddedChannels * paddedFilters;
    for (long i = 0; i < plane * 9; i++) scratch[i] = 0;
    for (int f = 0; f < filters; f++)
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < 9; t++)
                scratch[((long)c * 9 + t) * paddedFilters + f] =
                    turned ? weight[((long)c * filters + f) * 9 + 8 - t] : weight[((long)f * channels + c) * 9 + t];
    for (int c = 0; c < paddedChannels; c++) {
        for (int first = 0; first < paddedFilters; first += 16) {
            const float *g = scratch + (long)c * 9 * paddedFilters + first;
            ck_v16 columns[3][6];
            for (int j = 0; j < 3; j++) CK_G(CK_LOAD16(g + j * paddedFilters), CK_LOAD16(g + (3 + j) * paddedFilters), CK_LOAD16(g + (6 + j) * paddedFilters), columns[j]);
            float *out = u + (long)c * paddedFilters + first;
            for (int i = 0; i < 6; i++) {
                ck_v16 row[6];
                CK_G(columns[0][i], columns[1][i], columns[2][i], row);
                for (int k = 0; k < 6; k++) CK_STORE16(out + (i * 6 + k) * plane, row[k]);
            }
        }
    }
}

CK_CLONES void ck_wf4_filter_gradient(const float *du, int filters, int channels, int paddedChannels, int paddedFilters,
                                      float *scratch, float *weightGradient) {
    const long plane = (long)paddedChannels * paddedFilters;
    for (int c = 0; c < channels; c++) {
        for (int first = 0; first < paddedFilters; first += 16) {
            const float *u = du + (long)c * paddedFilters + first;
            // Gᵀ·dU a column at a time, then each of its three rows times G.
            ck_v16 columns[6][3];
            for (int k = 0; k < 6; k++) {
                ck_v16 column[6];
                for (int i = 0; i < 6; i++) column[i] = CK_LOAD16(u + (i * 6 + k) * plane);
                CK_G_ADJOINT(column, columns[k]);
            }
            float *g = scratch + (long)c * 9 * paddedFilters + first;
            for (int p = 0; p < 3; p++) {
                const ck_v16 row[6] = {columns[0][p], columns[1][p], columns[2][p], columns[3][p], columns[4][p], columns[5][p]};
                ck_v16 out[3];
                CK_G_ADJOINT(row, out);
                for (int q = 0; q < 3; q++) CK_STORE16(g + (3 * p + q) * paddedFilters, out[q]);
            }
        }
    }
    for (int f = 0; f < filters; f++)
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < 9; t++) weightGradient[((long)f * channels + c) * 9 + t] = scratch[((long)c * 9 + t) * paddedFilters + f];
}

// One round of a transpose of sixteen vectors: rows i and i + 8 of `from` interleaved into rows
// 2i and 2i + 1 of `to`. Four rounds transpose them (each turns the bits of a value's row and
// lane, four of each, left by one).
#define CK_INTERLEAVE16(from, to)                                                                                         \
    do {                                                                                                                  \
        for (int i = 0; i < 8; i++) {                                                                                     \
            (to)[2 * i] = __builtin_shufflevector((from)[i], (from)[i + 8], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); \
            (to)[2 * i + 1] = __builtin_shufflevector((from)[i], (from)[i + 8], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); \
        }                                                                                                                 \
    } while (0)

#define CK_TRANSPOSE16(r, scratch)        \
    do {                                  \
        CK_INTERLEAVE16(r, scratch);      \
        CK_INTERLEAVE16(scratch, r);      \
        CK_INTERLEAVE16(r, scratch);      \
        CK_INTERLEAVE16(scratch, r);      \
    } while (0)

// Sixteen channels at a time: sixteen runs of a row, one from each channel, transposed into the
// row's pixels. Reads up to fifteen floats past a row, but not past the image.
CK_CLONES void ck_wf4_pad(const float *image, int channels, int height, int width, int paddedChannels, float *padded) {
    const long paddedWidth = 4 * ((width + 3) / 4) + 2, planeSize = (long)height * width, end = channels * planeSize;
    for (int c = 0; c < channels; c += 16) {
        const int count = channels - c < 16 ? channels - c : 16;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x += 16) {
                const int run = width - x < 16 ? width - x : 16;
                ck_v16 pixels[16], scratch[16];
                for (int l = 0; l < 16; l++) {
                    const long at = (c + l) * planeSize + (long)y * width + x;
                    if (l >= count) {
                        pixels[l] = (ck_v16){};
                    } else if (at + 16 <= end) {
                        pixels[l] = CK_LOAD16(image + at);
                    } else {
                        float last[16] = {0};
                        for (int i = 0; i < run; i++) last[i] = image[at + i];
                        pixels[l] = CK_LOAD16(last);
                    }
                }
                CK_TRANSPOSE16(pixels, scratch);
                float *out = padded + ((y + 1) * paddedWidth + x + 1) * paddedChannels + c;
                for (int i = 0; i < run; i++) CK_STORE16(out + i * paddedChannels, pixels[i]);
            }
        }
    }
}

// Bᵀ times six vectors.
#define CK_BT(d0, d1, d2, d3, d4, d5, out)                                         \
    do {                                                                          \
        const ck_v16 b0 = (d0), b1 = (d1), b2 = (d2), b3 = (d3), b4 = (d4), b5 = (d5); \
        (out)[0] = (4 * b0 - 5 * b2) + b4;                                        \
        (out)[1] = (b3 + b4) - 4 * (b1 + b2);                                     \
        (out)[2] = (b4 - b3) + 4 * (b1 - b2);                                     \
        (out)[3] = (b4 - b2) + 2 * (b3 - b1);                                     \
        (out)[4] = (b4 - b2) - 2 * (b3 - b1);                                     \
        (out)[5] = (4 * b1 - 5 * b3) + b5;                                        \
    } while (0)

// A times four vectors: the adjoint of Aᵀ.
#define CK_A(y0, y1, y2, y3, out)                                                 \
    do {                                                                         \
        const ck_v16 q0 = (y0), q1 = (y1), q2 = (y2), q3 = (y3);                  \
        const ck_v16 even = q0 + q2, odd = q1 + q3;                              \
        const ck_v16 even4 = q0 + 4 * q2, odd2 = 2 * q1 + 8 * q3;                \
        (out)[0] = q0;                                                           \
        (out)[1] = even + odd;                                                   \
        (out)[2] = even - odd;                                                   \
        (out)[3] = even4 + odd2;                                                 \
        (out)[4] = even4 - odd2;                                                 \
        (out)[5] = q3;                                                           \
    } while (0)

// The 36 values of each tile, sixteen channels at a time, from an image laid out by ck_wf4_pad:
// `Bᵀ d B` from the tile's 6×6 inputs (`side` 6), or `A dy Aᵀ` from its 4×4 outputs' gradient
// inside the frame (`side` 4); value e of tile t, channel c at `v[e · elementStride + t · lanes + c]`.
CK_CLONES static void ck_wf4_tiles(const float *padded, int tilesY, int tilesX, int lanes, int side, float *v, long elementStride) {
    const long line = (long)(4 * tilesX + 2) * lanes;
    const int frame = side == 6 ? 0 : 1;
    for (int ty = 0; ty < tilesY; ty++) {
        for (int tx = 0; tx < tilesX; tx++) {
            float *column = v + (long)(ty * tilesX + tx) * lanes;
            for (int c = 0; c < lanes; c += 16) {
                const float *p = padded + (4 * ty + frame) * line + (long)(4 * tx + frame) * lanes + c;
                ck_v16 rows[6][6];
                for (int i = 0; i < side; i++) {
                    const float *r = p + i * line;
                    if (side == 6) {
                        CK_BT(CK_LOAD16(r), CK_LOAD16(r + lanes), CK_LOAD16(r + 2 * lanes), CK_LOAD16(r + 3 * lanes),
                              CK_LOAD16(r + 4 * lanes), CK_LOAD16(r + 5 * lanes), rows[i]);
                    } else {
                        CK_A(CK_LOAD16(r), CK_LOAD16(r + lanes), CK_LOAD16(r + 2 * lanes), CK_LOAD16(r + 3 * lanes), rows[i]);
                    }
                }
                for (int j = 0; j < 6; j++) {
                    ck_v16 out[6];
                    if (side == 6) {
                        CK_BT(rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j], rows[5][j], out);
                    } else {
                        CK_A(rows[0][j], rows[1][j], rows[2][j], rows[3][j], out);
                    }
                    for (int k = 0; k < 6; k++) CK_STORE16(column + (k * 6 + j) * elementStride + c, out[k]);
                }
            }
        }
    }
}

void ck_wf4_input(const float *padded, int tilesY, int tilesX, int paddedChannels, float *v, long elementStride) {
    ck_wf4_tiles(padded, tilesY, tilesX, paddedChannels, 6, v, elementStride);
}

void ck_wf4_output_gradient(const float *padded, int tilesY, int tilesX, int paddedFilters, float *m, long elementStride) {
    ck_wf4_tiles(padded, tilesY, tilesX, paddedFilters, 4, m, elementStride);
}

// Aᵀ times six vectors.
#define CK_AT(m0, m1, m2, m3, m4, m5, out)                                                              \
    do {                                                                                               \
        const ck_v16 a0 = (m0), a5 = (m5), sum12 = (m1) + (m2), difference12 = (m1) - (m2);            \
        const ck_v16 sum34 = (m3) + (m4), difference34 = (m3) - (m4);                                  \
        (out)[0] = (a0 + sum12) + sum34;                                                               \
        (out)[1] = difference12 + 2 * difference34;                                                    \
        (out)[2] = sum12 + 4 * sum34;                                                                  \
        (out)[3] = (difference12 + 8 * difference34) + a5;                                             \
    } while (0)

// Lane by lane the larger of the two (`b` where `a < b`), as a max-pooling layer picks it.
#define CK_LARGER(a, b) ((ck_v16)((((a) < (b)) & (ck_mask16)(b)) | (~((a) < (b)) & (ck_mask16)(a))))

// ReLU as the layer does it: 0 where 0 ≥ x (−0 included), x elsewhere (NaN included).
#define CK_RECTIFIED(x) ((ck_v16)(~((ck_v16){} >= (x)) & (ck_mask16)(x)))

CK_CLONES void ck_wf4_output(const float *m, long elementStride, int filters, int paddedFilters, int tilesY, int tilesX,
                             int outHeight, int outWidth, const float *bias, int epilogue, float *out) {
    const int pooledHeight = outHeight / 2, pooledWidth = outWidth / 2;
    for (int first = 0; first < filters; first += 16) {
        const int count = filters - first < 16 ? filters - first : 16;
        float biases[16] = {0};
        for (int l = 0; l < count && bias; l++) biases[l] = bias[first + l];
        const ck_v16 b = CK_LOAD16(biases);
        for (int ty = 0; ty < tilesY; ty++) {
            for (int tx = 0; tx < tilesX; tx++) {
                const float *tile = m + (long)(ty * tilesX + tx) * paddedFilters;
                ck_v16 rows[6][4];
                for (int i = 0; i < 6; i++) {
                    const float *r = tile + first + i * 6 * elementStride;
                    CK_AT(CK_LOAD16(r), CK_LOAD16(r + elementStride), CK_LOAD16(r + 2 * elementStride), CK_LOAD16(r + 3 * elementStride),
                          CK_LOAD16(r + 4 * elementStride), CK_LOAD16(r + 5 * elementStride), rows[i]);
                }
                // The tile's 4×4 outputs, each a vector over sixteen filters: result[4y + x].
                ck_v16 result[16];
                for (int j = 0; j < 4; j++) {
                    ck_v16 column[4];
                    CK_AT(rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j], rows[5][j], column);
                    for (int i = 0; i < 4; i++) result[4 * i + j] = column[i];
                }
                if (epilogue == CK_EPILOGUE_POOL_RELU) {
                    // Each tile's 4×4 holds four whole 2×2 windows; the bias is added after the
                    // maximum, the same float as adding it to each of the four (rounding a sum is
                    // monotonic).
                    float pooled[4][16];
                    for (int w = 0; w < 4; w++) {
                        const int at = 8 * (w / 2) + 2 * (w % 2);
                        const ck_v16 largest = CK_LARGER(CK_LARGER(result[at], result[at + 4]), CK_LARGER(result[at + 1], result[at + 5]));
                        CK_STORE16(pooled[w], CK_RECTIFIED(largest + b));
                    }
                    const int y = 2 * ty, x = 2 * tx, plane = pooledHeight * pooledWidth;
                    float *o = out + ((long)first * pooledHeight + y) * pooledWidth + x;
                    if (y + 2 <= pooledHeight && x + 2 <= pooledWidth) {
                        for (int l = 0; l < count; l++, o += plane) {
                            o[0] = pooled[0][l], o[1] = pooled[1][l];
                            o[pooledWidth] = pooled[2][l], o[pooledWidth + 1] = pooled[3][l];
                        }
                    } else {
                        for (int w = 0; w < 4; w++) {
                            if (y + w / 2 >= pooledHeight || x + w % 2 >= pooledWidth) continue;
                            for (int l = 0; l < count; l++) o[(long)l * plane + (w / 2) * pooledWidth + w % 2] = pooled[w][l];
                        }
                    }
                    continue;
                }
                for (int i = 0; i < 16; i++) result[i] = epilogue == CK_EPILOGUE_RELU ? CK_RECTIFIED(result[i] + b) : result[i] + b;
                ck_v16 scratch[16];
                CK_TRANSPOSE16(result, scratch);
                // Now a vector for each filter: its 4×4 outputs, row by row.
                const int top = 4 * ty, left = 4 * tx;
                const int rows4 = outHeight - top < 4 ? outHeight - top : 4, columns4 = outWidth - left < 4 ? outWidth - left : 4;
                for (int l = 0; l < count; l++) {
                    float *o = out + ((long)(first + l) * outHeight + top) * outWidth + left;
                    const ck_v16 v = result[l];
                    const ck_v4 row[4] = {__builtin_shufflevector(v, v, 0, 1, 2, 3), __builtin_shufflevector(v, v, 4, 5, 6, 7),
                                          __builtin_shufflevector(v, v, 8, 9, 10, 11), __builtin_shufflevector(v, v, 12, 13, 14, 15)};
                    for (int i = 0; i < rows4; i++) {
                        if (columns4 == 4) {
                            *(ck_v4 *)(o + i * outWidth) = row[i];
                        } else {
                            *(ck_v2 *)(o + i * outWidth) = __builtin_shufflevector(row[i], row[i], 0, 1);
                        }
                    }
                }
            }
        }
    }
}
