#include "CKernels.h"
#include "vectors.h"

// Batch normalisation's sweep over a plane in training, sixteen values to a vector, in copies for
// each instruction set (vectors.h). Each value rounds as the layer defines it: `a·x + b`
// multiplied then added, ReLU's 0 where 0 ≥ v, and the pooling's maxima and positions as
// MaxPool2D picks them (the later of two equal values, the first position on ties).

#define CK_SPLAT16(v) ((ck_v16){} + (v))

CK_CLONES void ck_bn_normalize(const float *x, int height, int width, float a, float b, int epilogue, float *y, int32_t *argmax) {
    const ck_v16 av = CK_SPLAT16(a), bv = CK_SPLAT16(b);
    if (epilogue != CK_EPILOGUE_POOL_RELU) {
        const long count = (long)height * width;
        long i = 0;
        for (; i + 16 <= count; i += 16) {
            const ck_v16 v = av * CK_LOAD16(x + i) + bv;
            CK_STORE16(y + i, epilogue == CK_EPILOGUE_RELU ? CK_RECTIFIED(v) : v);
        }
        for (; i < count; i++) {
            const float v = a * x[i] + b;
            y[i] = epilogue == CK_EPILOGUE_RELU && 0 >= v ? 0 : v;
        }
        return;
    }
    const int outHeight = height / 2, outWidth = width / 2;
    const ck_int16 lanes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const long planeSize = (long)height * width;
    for (int row = 0; row < outHeight; row++) {
        const float *top = x + 2L * row * width, *bottom = top + width;
        for (int j = 0; j < outWidth; j += 16) {
            const int run = outWidth - j < 16 ? outWidth - j : 16;
            // A window's four values: a b over c d. Sixteen windows take 32 values of each row,
            // read past the windows (into the next row) unless that would leave the plane.
            float pairs[2][32];
            const float *upper = top + 2 * j, *lower = bottom + 2 * j;
            if ((2L * row + 1) * width + 2 * j + 32 > planeSize) {
                for (int k = 0; k < 32; k++) pairs[0][k] = k < 2 * run ? upper[k] : 0, pairs[1][k] = k < 2 * run ? lower[k] : 0;
                upper = pairs[0], lower = pairs[1];
            }
            const ck_v16 u0 = CK_LOAD16(upper), u1 = CK_LOAD16(upper + 16), l0 = CK_LOAD16(lower), l1 = CK_LOAD16(lower + 16);
            const ck_v16 va = av * __builtin_shufflevector(u0, u1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) + bv;
            const ck_v16 vb = av * __builtin_shufflevector(u0, u1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31) + bv;
            const ck_v16 vc = av * __builtin_shufflevector(l0, l1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) + bv;
            const ck_v16 vd = av * __builtin_shufflevector(l0, l1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31) + bv;
            const ck_v16 top2 = CK_SELECT(vb >= va, vb, va), bottom2 = CK_SELECT(vd >= vc, vd, vc);
            const ck_v16 largest = CK_RECTIFIED(CK_SELECT(bottom2 >= top2, bottom2, top2));
            const ck_int16 rightUpper = -(vb > va), rightLower = -(vd > vc), lowerWins = -(bottom2 > top2);
            const ck_int16 at = (2 * row * width + 2 * j) + 2 * lanes + rightUpper + lowerWins * (width + rightLower - rightUpper);
            float *out = y + (long)row * outWidth + j;
            int32_t *positions = argmax + (long)row * outWidth + j;
            // Sixteen at once when the lanes past the run fall on outputs of this plane still to
            // be written.
            if ((long)row * outWidth + j + 16 <= (long)outHeight * outWidth) {
                *(ck_v16 *)out = largest;
                *(ck_int16 *)positions = at;
            } else {
                for (int k = 0; k < run; k++) out[k] = largest[k], positions[k] = at[k];
            }
        }
    }
}
