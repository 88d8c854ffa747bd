// The shipped network's third convolution (64 → 64 channels, 3×3, padding 1, 14×14) computed two
// ways on one thread, side by side, for 512 random images: im2col and one sgemm per image (what
// Conv2D does for other shapes), and Winograd's F(2×2, 3×3), WinogradConvolution's method, in C
// — each 4×4 input tile transformed, 16 products of
// [64 × 64] by [64 × tiles] over a few images at once, each 4×4 result transformed back to a 2×2
// output tile — which needs 2.25 times fewer multiplications. Prints microseconds per image for
// each (and Winograd's three parts) and the largest difference between the two outputs.
// Build (Debian's OpenBLAS):
//   cc -O3 benchmarks/winograd_conv.c -o /tmp/winograd_conv -I/usr/include/x86_64-linux-gnu/openblas-pthread -l:libopenblas.a -lpthread -lm
// Usage: /tmp/winograd_conv [IMAGES_PER_PRODUCT]   (default 4)
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { C = 64, F = 64, H = 14, W = 14, HP = H + 2, WP = W + 2, TILES_Y = H / 2, TILES_X = W / 2, TILES = TILES_Y * TILES_X, N = 512 };

void openblas_set_num_threads(int);

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float uniform(void) { return rand() / (float)RAND_MAX - 0.5f; }

// U[ξν][f][c] = (G g Gᵀ)[ξ][ν] for each filter g = w[f][c].
static void transform_filters(const float *w, float *u) {
    for (int f = 0; f < F; f++) {
        for (int c = 0; c < C; c++) {
            const float *g = w + (f * C + c) * 9;
            float t[4][3];
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {
                float row[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
                for (int j = 0; j < 4; j++) u[((i * 4 + j) * F + f) * C + c] = row[j];
            }
        }
    }
}

static void pad_image(const float *x, float *padded) {
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++) memcpy(padded + (c * HP + h + 1) * WP + 1, x + (c * H + h) * W, sizeof(float) * W);
}

// V[ξν][c][tile] = (Bᵀ d B)[ξ][ν] for each 4×4 tile d of the padded image, a row of tiles at a time:
// rows combined first, then even and odd columns, so that every loop runs along the tiles.
static void transform_input(const float *padded, float *v, long ld, int column0) {
    for (int c = 0; c < C; c++) {
        const float *plane = padded + c * HP * WP;
        for (int ty = 0; ty < TILES_Y; ty++) {
            const float *r0 = plane + 2 * ty * WP, *r1 = r0 + WP, *r2 = r1 + WP, *r3 = r2 + WP;
            float even[4][TILES_X + 1], odd[4][TILES_X + 1];
            for (int k = 0; k <= TILES_X; k++) {
                even[0][k] = r0[2 * k] - r2[2 * k]; odd[0][k] = r0[2 * k + 1] - r2[2 * k + 1];
                even[1][k] = r1[2 * k] + r2[2 * k]; odd[1][k] = r1[2 * k + 1] + r2[2 * k + 1];
                even[2][k] = r2[2 * k] - r1[2 * k]; odd[2][k] = r2[2 * k + 1] - r1[2 * k + 1];
                even[3][k] = r1[2 * k] - r3[2 * k]; odd[3][k] = r1[2 * k + 1] - r3[2 * k + 1];
            }
            long at = c * ld + column0 + ty * TILES_X;
            for (int i = 0; i < 4; i++) {
                float *v0 = v + (i * 4 + 0) * C * ld + at, *v1 = v + (i * 4 + 1) * C * ld + at;
                float *v2 = v + (i * 4 + 2) * C * ld + at, *v3 = v + (i * 4 + 3) * C * ld + at;
                for (int tx = 0; tx < TILES_X; tx++) {
                    v0[tx] = even[i][tx] - even[i][tx + 1];
                    v1[tx] = odd[i][tx] + even[i][tx + 1];
                    v2[tx] = even[i][tx + 1] - odd[i][tx];
                    v3[tx] = odd[i][tx] - odd[i][tx + 1];
                }
            }
        }
    }
}

// y = Aᵀ m A for each tile's 4×4 product m: the 2×2 output tile.
static void transform_output(const float *m, long ld, int column0, float *y) {
    for (int f = 0; f < F; f++) {
        for (int ty = 0; ty < TILES_Y; ty++) {
            const float *p[16];
            for (int e = 0; e < 16; e++) p[e] = m + (e * F + f) * ld + column0 + ty * TILES_X;
            float *y0 = y + (f * H + 2 * ty) * W, *y1 = y0 + W;
            for (int tx = 0; tx < TILES_X; tx++) {
                float a[2][4];
                for (int j = 0; j < 4; j++) {
                    a[0][j] = p[j][tx] + p[4 + j][tx] + p[8 + j][tx];
                    a[1][j] = p[4 + j][tx] - p[8 + j][tx] - p[12 + j][tx];
                }
                for (int i = 0; i < 2; i++) {
                    float *row = i ? y1 : y0;
                    row[2 * tx] = a[i][0] + a[i][1] + a[i][2];
                    row[2 * tx + 1] = a[i][1] - a[i][2] - a[i][3];
                }
            }
        }
    }
}

int main(int argc, char **argv) {
    int group = argc > 1 ? atoi(argv[1]) : 4;
    if (group < 1 || N % group != 0) { fprintf(stderr, "IMAGES_PER_PRODUCT must divide %d\n", N); return 2; }
    openblas_set_num_threads(1);
    float *images = malloc(sizeof(float) * N * C * H * W), *w = malloc(sizeof(float) * F * C * 9);
    for (long i = 0; i < (long)N * C * H * W; i++) images[i] = uniform();
    for (int i = 0; i < F * C * 9; i++) w[i] = uniform();
    float *padded = calloc(C * HP * WP, sizeof(float)), *columns = malloc(sizeof(float) * C * 9 * H * W);
    float *reference = malloc(sizeof(float) * N * F * H * W), *winograd = malloc(sizeof(float) * N * F * H * W);
    float *u = malloc(sizeof(float) * 16 * F * C);
    long ld = (long)group * TILES;
    float *v = malloc(sizeof(float) * 16 * C * ld), *m = malloc(sizeof(float) * 16 * F * ld);
    transform_filters(w, u);
    for (int run = 0; run < 3; run++) {
        double start = seconds();
        for (int n = 0; n < N; n++) {
            pad_image(images + (long)n * C * H * W, padded);
            int row = 0;
            for (int c = 0; c < C; c++)
                for (int ki = 0; ki < 3; ki++)
                    for (int kj = 0; kj < 3; kj++)
                        for (int oh = 0; oh < H; oh++, row += W) memcpy(columns + row, padded + (c * HP + oh + ki) * WP + kj, sizeof(float) * W);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, H * W, C * 9, 1, w, C * 9, columns, H * W, 0, reference + (long)n * F * H * W, H * W);
        }
        double im2col = seconds() - start, inputs = 0, products = 0, outputs = 0;
        for (int n0 = 0; n0 < N; n0 += group) {
            double t0 = seconds();
            for (int b = 0; b < group; b++) {
                pad_image(images + (long)(n0 + b) * C * H * W, padded);
                transform_input(padded, v, ld, b * TILES);
            }
            double t1 = seconds();
            for (int e = 0; e < 16; e++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, (int)ld, C, 1, u + e * F * C, C, v + e * C * ld, (int)ld, 0, m + e * F * ld, (int)ld);
            double t2 = seconds();
            for (int b = 0; b < group; b++) transform_output(m, ld, b * TILES, winograd + (long)(n0 + b) * F * H * W);
            inputs += t1 - t0; products += t2 - t1; outputs += seconds() - t2;
        }
        double largest = 0;
        for (long i = 0; i < (long)N * F * H * W; i++) {
            double d = reference[i] - winograd[i];
            if (d < 0) d = -d;
            if (d > largest) largest = d;
        }
        printf("im2col + sgemm %.1f µs/image | Winograd F(2x2,3x3), %d images a product: %.1f µs/image (input %.1f, products %.1f, output %.1f) | largest difference %.1g\n",
               im2col / N * 1e6, group, (inputs + products + outputs) / N * 1e6, inputs / N * 1e6, products / N * 1e6, outputs / N * 1e6, largest);
    }
    return 0;
}
