#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

// The only code in cnnclassify that calls libpng and libjpeg. Both libraries report errors with
// longjmp, which must never cross a Swift frame: every function here does one whole job under its
// own setjmp and returns a status, with the library's message (or our own) in `message`. Nothing is
// ever printed; warnings are collected and, where they mean a damaged file, become errors.

#include <stddef.h>
#include <stdint.h>

#define CIC_MESSAGE_SIZE 256

typedef enum {
    CIC_OK = 0,
    CIC_ERROR = 1,        // the data is damaged, truncated or unsupported
    CIC_TOO_LARGE = 2,    // over the pixel limit; refused from the header
    CIC_NO_MEMORY = 3,
} cic_status;

typedef struct {
    int width, height;
    // 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA, or 5 for CMYK as Adobe writes it (inverted); 8 bits
    // each, rows packed.
    int channels;
    // EXIF orientation 1-8 (1 when absent), for JPEG; PNG gives 1.
    int orientation;
    // Size of the image as stored, before any DCT scaling.
    int source_width, source_height;
    unsigned char *pixels;  // malloc'ed; release with cic_release
    char message[CIC_MESSAGE_SIZE];
} cic_image;

// Decodes a PNG of any colour type and bit depth (interlaced or not) to 8 bits per channel:
// palettes become RGB(A), tRNS becomes alpha, gray below 8 bits is scaled up, 16 bits scaled
// down. CRC errors and truncation are errors.
// The longest side a PNG may have (libpng's default) and the most one chunk may hold.
#define CIC_PNG_MAX_SIDE 1000000u
#define CIC_PNG_MAX_CHUNK (8L << 20)

// When `min_long_side` > 0, a non-interlaced image whose longer side is at least 8 × `min_long_side`
// is averaged down by a whole factor as it is read, its longer side kept at least 4 × `min_long_side`.
cic_status cic_decode_png(const unsigned char *data, size_t size, uint64_t max_pixels, int min_long_side, cic_image *out);

// Decodes a baseline or progressive JPEG: grayscale stays gray, YCbCr and RGB become RGB, CMYK
// and YCCK become (inverted) CMYK. Warnings — such as a truncated stream — are errors. When
// `min_long_side` > 0, the image is decoded at the smallest DCT scale (1/2, 1/4, 1/8) whose
// longer side is still at least `min_long_side`. Progressive files with more than `max_scans` scans are
// refused.
// The most working memory libjpeg may use for one image: 256 MiB.
#define CIC_JPEG_MAX_MEMORY (256L << 20)

cic_status cic_decode_jpeg(const unsigned char *data, size_t size, uint64_t max_pixels, int min_long_side, int max_scans,
                           cic_image *out);

void cic_release(cic_image *image);

typedef struct {
    unsigned char *data;  // malloc'ed; release with cic_release_buffer
    size_t size;
    char message[CIC_MESSAGE_SIZE];
} cic_buffer;

// Encodes a PNG. `rows` holds `height` rows of `row_bytes` bytes each, already packed for
// `bit_depth` (1, 2, 4, 8 or 16, big-endian for 16) and `color_type` (libpng's PNG_COLOR_TYPE_*
// values: 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA). For palette images `palette` holds
// `palette_size` RGB triples and `trns` `trns_size` alpha values (may be 0).
cic_status cic_encode_png(const unsigned char *rows, size_t row_bytes, int width, int height, int color_type,
                          int bit_depth, int interlaced, const unsigned char *palette, int palette_size,
                          const unsigned char *trns, int trns_size, cic_buffer *out);

// Encodes a JPEG from 8-bit samples with 1 (gray), 3 (RGB) or 4 (CMYK, Adobe-inverted) channels,
// at `quality` (1-100), progressive or baseline; CMYK is stored as YCCK when `ycck` is set.
// `exif`/`exif_size` (may be 0) are written as an APP1 segment after the "Exif\0\0" header.
cic_status cic_encode_jpeg(const unsigned char *pixels, int width, int height, int channels, int quality,
                           int progressive, int ycck, const unsigned char *exif, size_t exif_size, cic_buffer *out);

void cic_release_buffer(cic_buffer *buffer);

#endif
