// The floor under decoding a PNG with libpng: zlib's inflate of the file's pixel data alone (its
// IDAT chunks, concatenated), with no filtering, no conversion and no libpng. Prints the best of
// five runs. Adler-32 is not checked, as the tool's decoder does not check it either.
// Build: cc -O2 benchmarks/inflate_idat.c -o /tmp/inflate_idat -lz
// Usage: /tmp/inflate_idat FILE.png
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static unsigned long big_endian32(const unsigned char *p) {
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s FILE.png\n", argv[0]); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    unsigned char *bytes = malloc(size), *stream = malloc(size);
    if (!bytes || !stream || fread(bytes, 1, size, file) != (size_t)size) { fprintf(stderr, "%s: cannot read\n", argv[1]); return 1; }
    fclose(file);
    if (size < 8 || memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) != 0) { fprintf(stderr, "%s: not a PNG\n", argv[1]); return 1; }
    long streamSize = 0;
    for (long at = 8; at + 12 <= size;) {
        unsigned long length = big_endian32(bytes + at);
        if (length > (unsigned long)(size - at - 12)) { fprintf(stderr, "%s: truncated chunk\n", argv[1]); return 1; }
        if (memcmp(bytes + at + 4, "IDAT", 4) == 0) { memcpy(stream + streamSize, bytes + at + 8, length); streamSize += length; }
        at += 12 + (long)length;
    }
    double best = 1e9;
    unsigned long long inflated = 0;
    static unsigned char out[1 << 16];
    for (int run = 0; run < 5; run++) {
        z_stream z;
        memset(&z, 0, sizeof z);
        // Raw deflate past the two-byte zlib header, so that Adler-32 is not computed.
        if (streamSize < 2 || inflateInit2(&z, -15) != Z_OK) { fprintf(stderr, "%s: no zlib stream\n", argv[1]); return 1; }
        z.next_in = stream + 2;
        z.avail_in = (uInt)(streamSize - 2);
        inflated = 0;
        double start = seconds();
        int status;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            status = inflate(&z, Z_NO_FLUSH);
            inflated += sizeof out - z.avail_out;
        } while (status == Z_OK);
        double elapsed = seconds() - start;
        inflateEnd(&z);
        if (status != Z_STREAM_END) { fprintf(stderr, "%s: damaged stream (%d)\n", argv[1], status); return 1; }
        if (elapsed < best) best = elapsed;
    }
    printf("%s: %ld bytes of deflate -> %llu bytes in %.1f ms (%.2f GB/s)\n", argv[1], streamSize, inflated, best * 1e3, inflated / best / 1e9);
    return 0;
}
