// PNG decoding and encoding through libpng's full API, each call under one setjmp.
#include "CImageCodecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char message[CIC_MESSAGE_SIZE];
    char warning[CIC_MESSAGE_SIZE];  // the first warning, kept as the reason behind a later error
    const unsigned char *data;
    size_t size, offset;
    unsigned char *out;  // encoder output
    size_t out_size, out_capacity;
    int out_of_memory;
} png_context;

static void on_error(png_structp png, png_const_charp text) {
    png_context *context = png_get_error_ptr(png);
    if (context->warning[0] && strcmp(text, "Invalid IHDR data") == 0) {
        // libpng states why IHDR is invalid (e.g. "Image width exceeds user limit") as a warning.
        snprintf(context->message, CIC_MESSAGE_SIZE, "%s", context->warning);
    } else {
        snprintf(context->message, CIC_MESSAGE_SIZE, "%s", text);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    png_context *context = png_get_error_ptr(png);
    if (!context->warning[0]) snprintf(context->warning, CIC_MESSAGE_SIZE, "%s", text);
}

static void read_memory(png_structp png, png_bytep target, png_size_t length) {
    png_context *context = png_get_io_ptr(png);
    if (length > context->size - context->offset) png_error(png, "file is truncated");
    memcpy(target, context->data + context->offset, length);
    context->offset += length;
}

// Adds `count` pixels of a row, the i-th at column `x0 + i * x_step`, to the sums of the
// `factor`-wide blocks of `sums` (one output row). Colour is summed weighted by alpha, so that
// the arbitrary colour of transparent pixels does not bleed into the edge of a cut-out; columns
// past the last whole block are dropped.
static void add_row(const unsigned char *row, png_uint_32 count, png_uint_32 x0, png_uint_32 x_step,
                    png_uint_32 factor, png_uint_32 out_width, int channels, uint64_t *sums) {
    int alpha = channels == 2 || channels == 4;
    for (png_uint_32 i = 0; i < count; i++) {
        png_uint_32 block = (x0 + i * x_step) / factor;
        if (block >= out_width) break;
        const unsigned char *p = row + (size_t)i * channels;
        uint64_t *sum = sums + (size_t)block * channels;
        if (alpha) {
            for (int c = 0; c < channels - 1; c++) sum[c] += (uint64_t)p[c] * p[channels - 1];
            sum[channels - 1] += p[channels - 1];
        } else {
            for (int c = 0; c < channels; c++) sum[c] += p[c];
        }
    }
}

// Adds a whole row of contiguous pixels to `columns`, one 32-bit sum per byte of the row (colour
// weighted by alpha as in `add_row`): a plain vectorisable pass, with the channel count a
// constant where it is inlined. A column sums at most `factor` rows of 255 × 255, which fits
// while `factor` is under 66,051 (the side limit over four pixels of output keeps it there).
static inline void add_to_columns(const unsigned char *row, png_uint_32 width, int channels, uint32_t *columns) {
    size_t count = (size_t)width * channels;
    if (channels == 2 || channels == 4) {
        for (size_t i = 0; i < count; i += channels) {
            uint32_t a = row[i + channels - 1];
            for (int c = 0; c < channels - 1; c++) columns[i + c] += row[i + c] * a;
            columns[i + channels - 1] += a;
        }
    } else {
        for (size_t i = 0; i < count; i++) columns[i] += row[i];
    }
}

// Folds `factor` adjacent pixels of column sums into each block of one output row of `sums`.
static void fold_columns(const uint32_t *columns, png_uint_32 factor, png_uint_32 out_width, int channels,
                         uint64_t *sums) {
    for (png_uint_32 block = 0; block < out_width; block++) {
        const uint32_t *p = columns + (size_t)block * factor * channels;
        for (png_uint_32 i = 0; i < factor; i++, p += channels)
            for (int c = 0; c < channels; c++) sums[(size_t)block * channels + c] += p[c];
    }
}

// Turns `count` pixels of block sums into their means (`block` pixels each).
static void average(const uint64_t *sums, size_t count, int channels, uint64_t block, unsigned char *target) {
    int alpha = channels == 2 || channels == 4;
    for (size_t i = 0; i < count * channels; i += channels) {
        if (alpha) {
            uint64_t weight = sums[i + channels - 1];
            for (int c = 0; c < channels - 1; c++) target[i + c] = weight ? (unsigned char)((sums[i + c] + weight / 2) / weight) : 0;
            target[i + channels - 1] = (unsigned char)((weight + block / 2) / block);
        } else {
            for (int c = 0; c < channels; c++) target[i + c] = (unsigned char)((sums[i + c] + block / 2) / block);
        }
    }
}

// Reads the rest of an image a row at a time, each `factor`×`factor` block averaged into one
// pixel of `out` ((width / factor) × (height / factor), leftover edge pixels dropped): the full
// image is never held. A non-interlaced image needs the column sums of one input row and the
// block sums of one output row (`columns`, `sums`); an
// interlaced one arrives as seven passes over the whole image, each a sparse grid of its pixels,
// so `sums` holds the whole output image and every pass adds its pixels where they belong.
static void read_shrunk(png_structp png, png_uint_32 width, png_uint_32 height, int channels, png_uint_32 factor,
                        int interlaced, unsigned char *row, uint32_t *columns, uint64_t *sums, unsigned char *out) {
    png_uint_32 out_width = width / factor, out_height = height / factor;
    uint64_t block = (uint64_t)factor * factor;
    size_t sums_row = (size_t)out_width * channels;
    if (!interlaced) {
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, row, NULL);
            if (y >= out_height * factor) continue;
            switch (channels) {
            case 1: add_to_columns(row, width, 1, columns); break;
            case 2: add_to_columns(row, width, 2, columns); break;
            case 3: add_to_columns(row, width, 3, columns); break;
            default: add_to_columns(row, width, 4, columns); break;
            }
            if ((y + 1) % factor != 0) continue;
            fold_columns(columns, factor, out_width, channels, sums);
            memset(columns, 0, sizeof *columns * (size_t)width * channels);
            average(sums, out_width, channels, block, out + (size_t)(y / factor) * sums_row);
            memset(sums, 0, sizeof *sums * sums_row);
        }
        return;
    }
    for (int pass = 0; pass < 7; pass++) {
        png_uint_32 rows = PNG_PASS_ROWS(height, pass), columns = PNG_PASS_COLS(width, pass);
        if (rows == 0 || columns == 0) continue;  // libpng skips empty passes
        for (png_uint_32 r = 0; r < rows; r++) {
            png_read_row(png, row, NULL);
            png_uint_32 y = PNG_ROW_FROM_PASS_ROW(r, pass);
            if (y >= out_height * factor) continue;
            add_row(row, columns, PNG_PASS_START_COL(pass), PNG_PASS_COL_OFFSET(pass), factor, out_width, channels,
                    sums + (size_t)(y / factor) * sums_row);
        }
    }
    average(sums, (size_t)out_width * out_height, channels, block, out);
}

cic_status cic_decode_png(const unsigned char *data, size_t size, uint64_t max_pixels, int min_long_side, cic_image *out) {
    memset(out, 0, sizeof *out);
    out->orientation = 1;
    png_context context = {0};
    context.data = data;
    context.size = size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(out->message, CIC_MESSAGE_SIZE, "out of memory");
        return CIC_NO_MEMORY;
    }
    // Volatile: assigned after setjmp and read after a longjmp back to it.
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    unsigned char *volatile row = NULL;
    uint64_t *volatile sums = NULL;
    uint32_t *volatile columns = NULL;
    volatile cic_status status = CIC_ERROR;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        free(row);
        free(sums);
        free(columns);
        png_destroy_read_struct(&png, &info, NULL);
        snprintf(out->message, CIC_MESSAGE_SIZE, "%s", context.message);
        return status;
    }
    png_set_read_fn(png, &context, read_memory);
    // A damaged checksum anywhere, ancillary chunks included, is an error rather than a warning.
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    // Each IDAT chunk's CRC already covers the compressed stream, so zlib's Adler-32 of the
    // inflated pixels is a second check of the same bytes, and a tenth of a large image's time.
#ifdef PNG_IGNORE_ADLER32
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    // No side may exceed libpng's own default limit or the pixel limit (libpng states that reason
    // as a warning), and the area is checked below.
    png_uint_32 side = max_pixels < CIC_PNG_MAX_SIDE ? (png_uint_32)max_pixels : CIC_PNG_MAX_SIDE;
    png_set_user_limits(png, side, side);
    // Ancillary chunks this tool never looks at (text, palettes of suggestions, calibration,
    // colour profiles, ...) are skipped unread, and no chunk may claim more than a few megabytes:
    // libpng's own crasher files hold text chunks of gigabytes.
    static const png_byte unused[] = "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0"
                                     "sPLT\0sRGB\0sTER\0tEXt\0tIME\0zTXt";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, unused, (int)(sizeof unused / 5));
    png_set_chunk_malloc_max(png, CIC_PNG_MAX_CHUNK);
    png_set_chunk_cache_max(png, 100);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    out->source_width = (int)width;
    out->source_height = (int)height;
    if ((uint64_t)width * height > max_pixels) {
        snprintf(context.message, CIC_MESSAGE_SIZE, "image is %ux%u pixels, over the limit of %llu pixels",
                 width, height, (unsigned long long)max_pixels);
        status = CIC_TOO_LARGE;
        png_longjmp(png, 1);
    }
    int color_type = png_get_color_type(png, info), bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png);
    // Far larger than needed: averaged down by a whole factor as it is read, its longer side kept
    // at least four times `min_long_side` so that the finer resampling later has pixels to work
    // on. Interlaced passes are then taken as they come rather than combined by libpng, which
    // would need the whole image.
    png_uint_32 longer = width > height ? width : height, shorter = width > height ? height : width;
    png_uint_32 factor = min_long_side > 0 ? longer / (4u * (png_uint_32)min_long_side) : 1;
    if (factor > shorter) factor = shorter;
    int interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    if (factor < 2) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * channels) png_error(png, "unexpected row layout");
    if (factor >= 2) {
        row = malloc(row_bytes);
        sums = calloc((size_t)(width / factor) * (interlaced ? height / factor : 1) * channels, sizeof *sums);
        columns = interlaced ? NULL : calloc((size_t)width * channels, sizeof *columns);
        pixels = malloc((size_t)(width / factor) * (height / factor) * channels);
        if (!row || !sums || (!interlaced && !columns) || !pixels) {
            snprintf(context.message, CIC_MESSAGE_SIZE, "out of memory for a %ux%u image", width, height);
            status = CIC_NO_MEMORY;
            png_longjmp(png, 1);
        }
        read_shrunk(png, width, height, channels, factor, interlaced, row, columns, sums, pixels);
        png_read_end(png, NULL);
        free(row);
        free(sums);
        free(columns);
        png_destroy_read_struct(&png, &info, NULL);
        out->width = (int)(width / factor);
        out->height = (int)(height / factor);
        out->channels = channels;
        out->pixels = pixels;
        return CIC_OK;
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        snprintf(context.message, CIC_MESSAGE_SIZE, "out of memory for a %ux%u image", width, height);
        status = CIC_NO_MEMORY;
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->pixels = pixels;
    return CIC_OK;
}

void cic_release(cic_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

static void write_memory(png_structp png, png_bytep source, png_size_t length) {
    png_context *context = png_get_io_ptr(png);
    if (context->out_size + length > context->out_capacity) {
        size_t capacity = (context->out_capacity + length) * 2;
        unsigned char *grown = realloc(context->out, capacity);
        if (!grown) {
            context->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        context->out = grown;
        context->out_capacity = capacity;
    }
    memcpy(context->out + context->out_size, source, length);
    context->out_size += length;
}

static void flush_memory(png_structp png) { (void)png; }

cic_status cic_encode_png(const unsigned char *rows, size_t row_bytes, int width, int height, int color_type,
                          int bit_depth, int interlaced, const unsigned char *palette, int palette_size,
                          const unsigned char *trns, int trns_size, cic_buffer *out) {
    memset(out, 0, sizeof *out);
    png_context context = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(out->message, CIC_MESSAGE_SIZE, "out of memory");
        return CIC_NO_MEMORY;
    }
    png_bytep *volatile row_pointers = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(row_pointers);
        free(context.out);
        png_destroy_write_struct(&png, &info);
        snprintf(out->message, CIC_MESSAGE_SIZE, "%s", context.message);
        return context.out_of_memory ? CIC_NO_MEMORY : CIC_ERROR;
    }
    png_set_write_fn(png, &context, write_memory, flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color entries[256];
        for (int i = 0; i < palette_size && i < 256; i++) {
            entries[i].red = palette[3 * i];
            entries[i].green = palette[3 * i + 1];
            entries[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, entries, palette_size);
        if (trns_size > 0) png_set_tRNS(png, info, trns, trns_size, NULL);
    }
    png_write_info(png, info);
    row_pointers = malloc(sizeof(png_bytep) * (size_t)height);
    if (!row_pointers) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) row_pointers[y] = (png_bytep)rows + (size_t)y * row_bytes;
    png_write_image(png, row_pointers);
    png_write_end(png, info);
    free(row_pointers);
    png_destroy_write_struct(&png, &info);
    out->data = context.out;
    out->size = context.out_size;
    return CIC_OK;
}

void cic_release_buffer(cic_buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
}
