// Runs each of CKernels/winograd_f7.c's functions in every copy this processor can run (AVX-512,
// AVX2, the x86-64 baseline) on the same random data, and prints one line per function: "same"
// when every copy gave the same bytes, "differ" otherwise. Built and run by WinogradCopiesTests.
#include "../../Sources/CKernels/winograd_f7.c"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPIES(name, ...)                                                  \
    void name##_avx512(__VA_ARGS__) __asm__(#name ".avx512f.0");           \
    void name##_avx2(__VA_ARGS__) __asm__(#name ".avx2.1");                \
    void name##_baseline(__VA_ARGS__) __asm__(#name ".default.2");

COPIES(ck_wf7_filters, const float *, int, int, int, int, int, float *, float *)
COPIES(ck_wf7_filter_gradient, const float *, int, int, int, int, float *, float *)
COPIES(ck_wf7_pad, const float *, int, int, int, int, float *)
COPIES(ck_wf7_tiles, const float *, int, int, int, int, float *, long)
COPIES(ck_wf7_output, const float *, long, int, int, int, int, int, int, const float *, int, float *, float *)

enum { channels = 21, filters = 18, paddedChannels = 32, paddedFilters = 32, height = 9, width = 16 };
enum { tilesY = (height + 6) / 7, tilesX = (width + 6) / 7, tiles = tilesY * tilesX };

static float *randomFloats(long count) {
    float *values = malloc(count * sizeof(float));
    for (long i = 0; i < count; i++) values[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return values;
}

// Output space for each copy, zeroed, with the count of bytes to compare.
static float *outputs[3];
static long outputBytes;
static void clear(long count) {
    outputBytes = count * (long)sizeof(float);
    for (int k = 0; k < 3; k++) { free(outputs[k]); outputs[k] = calloc(count + 16, sizeof(float)); }
}

static int available[3];
static void report(const char *what) {
    int same = 1;
    for (int k = 1; k < 3; k++)
        if (available[k] && memcmp(outputs[0], outputs[k], outputBytes) != 0) same = 0;
    printf("%s: %s\n", what, same ? "same" : "differ");
}

int main(void) {
    __builtin_cpu_init();
    available[0] = 1;
    available[1] = __builtin_cpu_supports("avx2");
    available[2] = __builtin_cpu_supports("avx512f");
    const long plane = (long)paddedChannels * paddedFilters, paddedSize = (7L * tilesY + 2) * (7 * tilesX + 2) * paddedChannels;
    const long elementStride = tiles * paddedChannels + 16;
    float *weight = randomFloats(filters * channels * 9), *scratch = malloc(plane * 9 * sizeof(float));
    float *image = randomFloats(channels * height * width), *padded = randomFloats(paddedSize);
    float *products = randomFloats(81 * elementStride), *filterGradients = randomFloats(81 * plane), *bias = randomFloats(filters);
    float *pixels = malloc(16L * height * width * sizeof(float));
    for (int turned = 0; turned < 2; turned++) {
        clear(81 * plane);
        if (available[2]) ck_wf7_filters_avx512(weight, filters, channels, turned, paddedChannels, paddedFilters, scratch, outputs[2]);
        if (available[1]) ck_wf7_filters_avx2(weight, filters, channels, turned, paddedChannels, paddedFilters, scratch, outputs[1]);
        ck_wf7_filters_baseline(weight, filters, channels, turned, paddedChannels, paddedFilters, scratch, outputs[0]);
        report(turned ? "filters, turned" : "filters");
    }
    clear(filters * channels * 9);
    if (available[2]) ck_wf7_filter_gradient_avx512(filterGradients, filters, channels, paddedChannels, paddedFilters, scratch, outputs[2]);
    if (available[1]) ck_wf7_filter_gradient_avx2(filterGradients, filters, channels, paddedChannels, paddedFilters, scratch, outputs[1]);
    ck_wf7_filter_gradient_baseline(filterGradients, filters, channels, paddedChannels, paddedFilters, scratch, outputs[0]);
    report("filter gradient");
    clear(paddedSize);
    if (available[2]) ck_wf7_pad_avx512(image, channels, height, width, paddedChannels, outputs[2]);
    if (available[1]) ck_wf7_pad_avx2(image, channels, height, width, paddedChannels, outputs[1]);
    ck_wf7_pad_baseline(image, channels, height, width, paddedChannels, outputs[0]);
    report("pad");
    for (int side = 7; side <= 9; side += 2) {
        clear(81 * elementStride);
        if (available[2]) ck_wf7_tiles_avx512(padded, tilesY, tilesX, paddedChannels, side, outputs[2], elementStride);
        if (available[1]) ck_wf7_tiles_avx2(padded, tilesY, tilesX, paddedChannels, side, outputs[1], elementStride);
        ck_wf7_tiles_baseline(padded, tilesY, tilesX, paddedChannels, side, outputs[0], elementStride);
        report(side == 9 ? "input tiles" : "output gradient tiles");
    }
    for (int epilogue = CK_EPILOGUE_NONE; epilogue <= CK_EPILOGUE_POOL_RELU; epilogue++) {
        clear((long)filters * height * width);
        if (available[2]) ck_wf7_output_avx512(products, elementStride, filters, paddedFilters, tilesY, tilesX, height, width, bias, epilogue, pixels, outputs[2]);
        if (available[1]) ck_wf7_output_avx2(products, elementStride, filters, paddedFilters, tilesY, tilesX, height, width, bias, epilogue, pixels, outputs[1]);
        ck_wf7_output_baseline(products, elementStride, filters, paddedFilters, tilesY, tilesX, height, width, bias, epilogue, pixels, outputs[0]);
        report(epilogue == CK_EPILOGUE_NONE ? "output" : epilogue == CK_EPILOGUE_RELU ? "output, ReLU" : "output, pooled");
    }
    printf("copies compared: %d\n", available[0] + available[1] + available[2]);
    return 0;
}
