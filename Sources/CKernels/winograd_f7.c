#include "CKernels.h"
#include "vectors.h"

// Winograd's F(7×7, 3×3) with the interpolation points ±1, ±2, ±1/2, ±1/4 and ∞ (the
// construction of Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).
// Points in pairs ±a keep the rounding small for so large a tile (a relative error of about 2·10⁻⁵
// in float on the shipped network's layers, where 0, ±1, ±2, ±1/2 and one more point give twice
// that) and halve the work of every transform: the rows of Bᵀ and G for −a are those for a with
// the odd or even terms negated, and so are the columns of Aᵀ.
//
// The transforms run sixteen lanes at a time, sixteen channels or filters of one tile: the image
// is laid out channels-last first, so that each of a tile's 81 values is one load, and the
// products keep the filters along their rows; the output transform gathers an image's outputs,
// sixteen filters to a vector, and turns them back into the filters' planes by transposes in
// registers. Written in C with the compiler's vector types because the width of the vectors is
// chosen at run time (vectors.h).

// The pairs of points, a > 0 first, in the order of the transforms' rows: value 2k is at a_k,
// 2k + 1 at −a_k, and value 8 at ∞.
#define CK_POINT(k) ((k) == 0 ? 1.0f : (k) == 1 ? 2.0f : (k) == 2 ? 0.5f : 0.25f)

// G's row for a_k is f_k·(1, a_k, a_k²) and for −a_k it is −f_k·(1, −a_k, a_k²), with
// f_k = 1 / ∏(a_k − a_j) over the other finite points.
#define CK_G_FACTOR(k) ((k) == 0 ? -32.0f / 135 : (k) == 1 ? 16.0f / 2835 : (k) == 2 ? 256.0f / 135 : -8192.0f / 2835)

// G times three vectors (a filter's column, sixteen filters at a time).
#define CK_G(g0, g1, g2, out)                                                                       \
    do {                                                                                            \
        const ck_v16 ck_ga = (g0), ck_gb = (g1), ck_gc = (g2);                                      \
        for (int ck_k = 0; ck_k < 4; ck_k++) {                                                      \
            const ck_v16 ck_even = ck_ga + ck_gc * (CK_POINT(ck_k) * CK_POINT(ck_k)), ck_odd = ck_gb * CK_POINT(ck_k); \
            (out)[2 * ck_k] = (ck_even + ck_odd) * CK_G_FACTOR(ck_k);                               \
            (out)[2 * ck_k + 1] = (ck_odd - ck_even) * CK_G_FACTOR(ck_k);                           \
        }                                                                                           \
        (out)[8] = ck_gc;                                                                           \
    } while (0)

// Gᵀ times nine vectors: the adjoint of CK_G.
#define CK_G_ADJOINT(y, out)                                                                        \
    do {                                                                                            \
        (out)[0] = (out)[1] = (out)[2] = (ck_v16){};                                                \
        for (int ck_k = 0; ck_k < 4; ck_k++) {                                                      \
            const ck_v16 ck_difference = ((y)[2 * ck_k] - (y)[2 * ck_k + 1]) * CK_G_FACTOR(ck_k);   \
            const ck_v16 ck_sum = ((y)[2 * ck_k] + (y)[2 * ck_k + 1]) * CK_G_FACTOR(ck_k);          \
            (out)[0] += ck_difference;                                                              \
            (out)[1] += ck_sum * CK_POINT(ck_k);                                                    \
            (out)[2] += ck_difference * (CK_POINT(ck_k) * CK_POINT(ck_k));                          \
        }                                                                                           \
        (out)[2] += (y)[8];                                                                         \
    } while (0)

// Both go through the weights laid out `[paddedChannels][9][paddedFilters]` in `scratch`, so that
// sixteen filters are one vector.
CK_CLONES void ck_wf7_filters(const float *weight, int filters, int channels, int turned, int paddedChannels, int paddedFilters,
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
            ck_v16 columns[3][9];
            for (int j = 0; j < 3; j++) CK_G(CK_LOAD16(g + j * paddedFilters), CK_LOAD16(g + (3 + j) * paddedFilters), CK_LOAD16(g + (6 + j) * paddedFilters), columns[j]);
            float *out = u + (long)c * paddedFilters + first;
            for (int i = 0; i < 9; i++) {
                ck_v16 row[9];
                CK_G(columns[0][i], columns[1][i], columns[2][i], row);
                for (int k = 0; k < 9; k++) CK_STORE16(out + (i * 9 + k) * plane, row[k]);
            }
        }
    }
}

CK_CLONES void ck_wf7_filter_gradient(const float *du, int filters, int channels, int paddedChannels, int paddedFilters,
                                      float *scratch, float *weightGradient) {
    const long plane = (long)paddedChannels * paddedFilters;
    for (int c = 0; c < channels; c++) {
        for (int first = 0; first < paddedFilters; first += 16) {
            const float *u = du + (long)c * paddedFilters + first;
            // Gᵀ·dU a column at a time, then each of its three rows times G.
            ck_v16 columns[9][3];
            for (int k = 0; k < 9; k++) {
                ck_v16 column[9];
                for (int i = 0; i < 9; i++) column[i] = CK_LOAD16(u + (i * 9 + k) * plane);
                CK_G_ADJOINT(column, columns[k]);
            }
            float *g = scratch + (long)c * 9 * paddedFilters + first;
            for (int p = 0; p < 3; p++) {
                ck_v16 row[9], out[3];
                for (int k = 0; k < 9; k++) row[k] = columns[k][p];
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
#define CK_INTERLEAVE16(from, to)                                                                   \
    do {                                                                                            \
        for (int i = 0; i < 8; i++) {                                                               \
            (to)[2 * i] = __builtin_shufflevector((from)[i], (from)[i + 8], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); \
            (to)[2 * i + 1] = __builtin_shufflevector((from)[i], (from)[i + 8], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); \
        }                                                                                           \
    } while (0)

#define CK_TRANSPOSE16(r, scratch)                                                                  \
    do {                                                                                            \
        CK_INTERLEAVE16(r, scratch);                                                                \
        CK_INTERLEAVE16(scratch, r);                                                                \
        CK_INTERLEAVE16(r, scratch);                                                                \
        CK_INTERLEAVE16(scratch, r);                                                                \
    } while (0)

// Sixteen channels at a time: sixteen runs of a row, one from each channel, transposed into the
// row's pixels. Reads up to fifteen floats past a row, but not past the image.
CK_CLONES void ck_wf7_pad(const float *image, int channels, int height, int width, int paddedChannels, float *padded) {
    const long paddedWidth = 7 * ((width + 6) / 7) + 2, planeSize = (long)height * width, end = channels * planeSize;
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
                        // The hardware's prefetching does not follow sixteen planes read a row at
                        // a time: fetch this run's row four rows on, or in the next sixteen planes.
                        __builtin_prefetch(image + at + (y + 4 < height ? 4 * width : 16 * planeSize - (long)(height - 4) * width));
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

// Bᵀ times nine vectors. Bᵀ's row for a_k is (c·a_k, c, c'·a_k, c', c''·a_k, c'', a_k, 1, 0) for
// three numbers c, c', c'' of the pair, and its row for −a_k the same with the even terms negated.
#define CK_BT(d, out)                                                                               \
    do {                                                                                            \
        static const float ck_bt[4][3] = {{-1.0f / 16, 81.0f / 64, -69.0f / 16}, {-1.0f / 64, 21.0f / 64, -21.0f / 16}, \
                                          {-1.0f / 4, 69.0f / 16, -81.0f / 16}, {-1.0f, 21.0f / 4, -21.0f / 4}}; \
        for (int ck_k = 0; ck_k < 4; ck_k++) {                                                      \
            const ck_v16 ck_even = ((d)[0] * ck_bt[ck_k][0] + (d)[2] * ck_bt[ck_k][1]) + ((d)[4] * ck_bt[ck_k][2] + (d)[6]); \
            const ck_v16 ck_odd = ((d)[1] * ck_bt[ck_k][0] + (d)[3] * ck_bt[ck_k][1]) + ((d)[5] * ck_bt[ck_k][2] + (d)[7]); \
            (out)[2 * ck_k] = ck_odd + ck_even * CK_POINT(ck_k);                                    \
            (out)[2 * ck_k + 1] = ck_odd - ck_even * CK_POINT(ck_k);                                \
        }                                                                                           \
        (out)[8] = (((d)[0] * (1.0f / 16) - (d)[2] * (85.0f / 64)) + ((d)[4] * (357.0f / 64) - (d)[6] * (85.0f / 16))) + (d)[8]; \
    } while (0)

// A times seven vectors (the adjoint of Aᵀ, whose row i is each point to the power i).
#define CK_A(y, out)                                                                                \
    do {                                                                                            \
        for (int ck_k = 0; ck_k < 4; ck_k++) {                                                      \
            const float ck_a = CK_POINT(ck_k), ck_a2 = ck_a * ck_a, ck_a3 = ck_a2 * ck_a, ck_a4 = ck_a2 * ck_a2, ck_a5 = ck_a4 * ck_a, ck_a6 = ck_a4 * ck_a2; \
            const ck_v16 ck_even = ((y)[0] + (y)[2] * ck_a2) + ((y)[4] * ck_a4 + (y)[6] * ck_a6);   \
            const ck_v16 ck_odd = ((y)[1] * ck_a + (y)[3] * ck_a3) + (y)[5] * ck_a5;                \
            (out)[2 * ck_k] = ck_even + ck_odd;                                                     \
            (out)[2 * ck_k + 1] = ck_even - ck_odd;                                                 \
        }                                                                                           \
        (out)[8] = (y)[6];                                                                          \
    } while (0)

// The loops of ck_wf7_tiles for one transform, `side` values along each side of a tile (9 for
// Bᵀ, 7 for A), unrolled: with the side known, every index is a constant.
#define CK_TILES(transform, side)                                                                   \
    do {                                                                                            \
        const int ck_frame = (side) == 9 ? 0 : 1;                                                   \
        for (int ty = 0; ty < tilesY; ty++) {                                                       \
            for (int tx = 0; tx < tilesX; tx++) {                                                   \
                float *column = v + (long)(ty * tilesX + tx) * lanes;                               \
                for (int c = 0; c < lanes; c += 16) {                                               \
                    const float *p = padded + (7 * ty + ck_frame) * line + (long)(7 * tx + ck_frame) * lanes + c; \
                    ck_v16 rows[9][9];                                                              \
                    _Pragma("clang loop unroll(full)") for (int i = 0; i < (side); i++) {           \
                        ck_v16 d[9];                                                                \
                        _Pragma("clang loop unroll(full)") for (int k = 0; k < (side); k++) d[k] = CK_LOAD16(p + i * line + k * lanes); \
                        transform(d, rows[i]);                                                      \
                    }                                                                               \
                    _Pragma("clang loop unroll(full)") for (int j = 0; j < 9; j++) {                \
                        ck_v16 d[9], out[9];                                                        \
                        _Pragma("clang loop unroll(full)") for (int i = 0; i < (side); i++) d[i] = rows[i][j]; \
                        transform(d, out);                                                          \
                        _Pragma("clang loop unroll(full)") for (int k = 0; k < 9; k++) CK_STORE16(column + (k * 9 + j) * elementStride + c, out[k]); \
                    }                                                                               \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    } while (0)

// The 81 values of each tile, sixteen channels at a time, from an image laid out by ck_wf7_pad:
// `Bᵀ d B` from the tile's 9×9 inputs (`side` 9), or `A dy Aᵀ` from its 7×7 outputs' gradient
// inside the frame (`side` 7); value e of tile t, channel c at `v[e · elementStride + t · lanes + c]`.
CK_CLONES static void ck_wf7_tiles(const float *padded, int tilesY, int tilesX, int lanes, int side, float *v, long elementStride) {
    const long line = (long)(7 * tilesX + 2) * lanes;
    if (side == 9) {
        CK_TILES(CK_BT, 9);
    } else {
        CK_TILES(CK_A, 7);
    }
}

void ck_wf7_input(const float *padded, int tilesY, int tilesX, int paddedChannels, float *v, long elementStride) {
    ck_wf7_tiles(padded, tilesY, tilesX, paddedChannels, 9, v, elementStride);
}

void ck_wf7_output_gradient(const float *padded, int tilesY, int tilesX, int paddedFilters, float *m, long elementStride) {
    ck_wf7_tiles(padded, tilesY, tilesX, paddedFilters, 7, m, elementStride);
}

// Aᵀ times nine vectors: output i is Σ a^i·(m(a) ± m(−a)), + for even i, − for odd, over the
// pairs, plus m(∞) for the last.
#define CK_AT(m, out)                                                                               \
    do {                                                                                            \
        ck_v16 ck_sums[4], ck_differences[4];                                                       \
        for (int ck_k = 0; ck_k < 4; ck_k++) ck_sums[ck_k] = (m)[2 * ck_k] + (m)[2 * ck_k + 1], ck_differences[ck_k] = (m)[2 * ck_k] - (m)[2 * ck_k + 1]; \
        float ck_power[4] = {1, 1, 1, 1};                                                           \
        for (int ck_i = 0; ck_i < 7; ck_i++) {                                                      \
            const ck_v16 *ck_s = ck_i % 2 == 0 ? ck_sums : ck_differences;                          \
            (out)[ck_i] = (ck_s[0] + ck_s[1] * ck_power[1]) + (ck_s[2] * ck_power[2] + ck_s[3] * ck_power[3]); \
            for (int ck_k = 0; ck_k < 4; ck_k++) ck_power[ck_k] *= CK_POINT(ck_k);                  \
        }                                                                                           \
        (out)[6] += (m)[8];                                                                         \
    } while (0)

// Lane by lane the larger of the two (`b` where `a < b`), as a max-pooling layer picks it.
#define CK_LARGER(a, b) CK_SELECT((a) < (b), b, a)

// Writes `count` pixels, a vector of sixteen filters each, into the planes of the first `filters`
// of them (`count` floats each, one after the other), sixteen pixels at a time.
#define CK_SCATTER_PLANES(pixels, count, filters, out)                                              \
    do {                                                                                            \
        for (int ck_start = 0; ck_start < (count); ck_start += 16) {                                \
            const int ck_run = (count) - ck_start < 16 ? (count) - ck_start : 16;                   \
            ck_v16 ck_block[16], ck_scratch[16];                                                    \
            for (int ck_i = 0; ck_i < 16; ck_i++) ck_block[ck_i] = ck_i < ck_run ? (pixels)[ck_start + ck_i] : (ck_v16){}; \
            CK_TRANSPOSE16(ck_block, ck_scratch);                                                   \
            for (int ck_l = 0; ck_l < (filters); ck_l++) {                                          \
                float *ck_o = (out) + (long)ck_l * (count) + ck_start;                              \
                if (ck_run == 16) {                                                                 \
                    CK_STORE16(ck_o, ck_block[ck_l]);                                               \
                } else {                                                                            \
                    for (int ck_i = 0; ck_i < ck_run; ck_i++) ck_o[ck_i] = ck_block[ck_l][ck_i];    \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    } while (0)

CK_CLONES void ck_wf7_output(const float *m, long elementStride, int filters, int paddedFilters, int tilesY, int tilesX,
                             int outHeight, int outWidth, const float *bias, int epilogue, float *scratch, float *out) {
    ck_v16 *pixels = (ck_v16 *)scratch;
    const int pooledHeight = outHeight / 2, pooledWidth = outWidth / 2;
    for (int first = 0; first < filters; first += 16) {
        const int count = filters - first < 16 ? filters - first : 16;
        float biases[16] = {0};
        for (int l = 0; l < count && bias; l++) biases[l] = bias[first + l];
        const ck_v16 b = CK_LOAD16(biases);
        for (int ty = 0; ty < tilesY; ty++) {
            for (int tx = 0; tx < tilesX; tx++) {
                const float *tile = m + (long)(ty * tilesX + tx) * paddedFilters + first;
                ck_v16 rows[9][7];
                for (int i = 0; i < 9; i++) {
                    ck_v16 values[9];
                    for (int k = 0; k < 9; k++) values[k] = CK_LOAD16(tile + (i * 9 + k) * elementStride);
                    CK_AT(values, rows[i]);
                }
                const int top = 7 * ty, left = 7 * tx;
                const int rows7 = outHeight - top < 7 ? outHeight - top : 7, columns7 = outWidth - left < 7 ? outWidth - left : 7;
                for (int j = 0; j < columns7; j++) {
                    ck_v16 values[9], column[7];
                    for (int i = 0; i < 9; i++) values[i] = rows[i][j];
                    CK_AT(values, column);
                    for (int i = 0; i < rows7; i++) pixels[(top + i) * outWidth + left + j] = column[i];
                }
            }
        }
        if (epilogue == CK_EPILOGUE_POOL_RELU) {
            // In place: window q's maximum goes where none of the windows after it reads. The bias
            // is added after the maximum, the same float as adding it to each of the four
            // (rounding a sum is monotonic).
            for (int y = 0; y < pooledHeight; y++) {
                for (int x = 0; x < pooledWidth; x++) {
                    const ck_v16 *window = pixels + 2 * y * outWidth + 2 * x;
                    const ck_v16 largest = CK_LARGER(CK_LARGER(window[0], window[outWidth]), CK_LARGER(window[1], window[outWidth + 1]));
                    pixels[y * pooledWidth + x] = CK_RECTIFIED(largest + b);
                }
            }
            CK_SCATTER_PLANES(pixels, pooledHeight * pooledWidth, count, out + (long)first * pooledHeight * pooledWidth);
            continue;
        }
        const int positions = outHeight * outWidth;
        for (int p = 0; p < positions; p++) pixels[p] = epilogue == CK_EPILOGUE_RELU ? CK_RECTIFIED(pixels[p] + b) : pixels[p] + b;
        CK_SCATTER_PLANES(pixels, positions, count, out + (long)first * positions);
    }
}
