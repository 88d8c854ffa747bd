// JPEG decoding and encoding through libjpeg(-turbo), each call under one setjmp.
#include "CImageCodecs.h"

#include <stdio.h>  // before jpeglib.h, which uses FILE without including it

#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr manager;  // first, so the library's pointer to it is a pointer to this
    jmp_buf jump;
    char message[CIC_MESSAGE_SIZE];
    int max_scans;
    struct jpeg_progress_mgr progress;
} jpeg_context;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_context *context = (jpeg_context *)cinfo->err;
    if (!context->message[0]) (*cinfo->err->format_message)(cinfo, context->message);
    longjmp(context->jump, 1);
}

// libjpeg reports a truncated or damaged stream as a warning and fills the rest of the image with
// grey. Such an image is an error, and decoding stops at the first warning: a damaged stream can
// otherwise keep the decoder busy for many seconds (libjpeg-turbo's own fuzzing "time bombs").
static void on_message(j_common_ptr cinfo, int level) {
    jpeg_context *context = (jpeg_context *)cinfo->err;
    if (level < 0) {
        (*cinfo->err->format_message)(cinfo, context->message);
        longjmp(context->jump, 1);
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

// Refuses progressive files with an absurd number of scans, each of which costs a pass over the
// whole image (the same guard as djpeg -maxscans), in case the count made beforehand was misled.
static void on_progress(j_common_ptr cinfo) {
    jpeg_context *context = (jpeg_context *)cinfo->err;
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (cinfo->is_decompressor && decompress->input_scan_number > context->max_scans) {
        snprintf(context->message, CIC_MESSAGE_SIZE, "progressive JPEG has more than %d scans", context->max_scans);
        longjmp(context->jump, 1);
    }
}

// The number of scans (SOS markers) in the stream, counted up to `limit + 1` by walking its
// marker segments and the entropy-coded data between them, where a 0xFF byte is always followed
// by a stuffed 0x00 or a restart marker: so that a file with too many scans is refused before the
// first is decoded, rather than after `limit` passes over a large image.
static int count_scans(const unsigned char *data, size_t size, int limit) {
    int scans = 0;
    size_t i = 2;  // past SOI
    while (scans <= limit && i + 4 <= size) {
        const unsigned char *next = memchr(data + i, 0xFF, size - i - 1);
        if (!next) break;
        i = (size_t)(next - data);
        unsigned char marker = data[i + 1];
        if (marker == 0xFF) { i += 1; continue; }  // fill byte
        if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }
        if (marker == 0xD9) break;  // EOI
        if (marker == 0xDA) scans++;
        if (i + 4 > size) break;
        i += 2 + (size_t)(data[i + 2] << 8 | data[i + 3]);
    }
    return scans;
}

static uint32_t read_u16(const unsigned char *p, int little) {
    return little ? (uint32_t)(p[0] | p[1] << 8) : (uint32_t)(p[0] << 8 | p[1]);
}

static uint32_t read_u32(const unsigned char *p, int little) {
    return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

// The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" segment, or 1.
static int exif_orientation(const unsigned char *data, size_t size) {
    if (size < 14 || memcmp(data, "Exif\0\0", 6) != 0) return 1;
    const unsigned char *tiff = data + 6;
    size_t length = size - 6;
    int little;
    if (memcmp(tiff, "II*\0", 4) == 0) little = 1;
    else if (memcmp(tiff, "MM\0*", 4) == 0) little = 0;
    else return 1;
    uint32_t ifd = read_u32(tiff + 4, little);
    if (ifd > length - 2) return 1;
    uint32_t entries = read_u16(tiff + ifd, little);
    for (uint32_t i = 0; i < entries; i++) {
        size_t entry = ifd + 2 + 12 * (size_t)i;
        if (entry + 12 > length) return 1;
        if (read_u16(tiff + entry, little) == 0x0112) {
            uint32_t value = read_u16(tiff + entry + 8, little);
            return value >= 1 && value <= 8 ? (int)value : 1;
        }
    }
    return 1;
}

cic_status cic_decode_jpeg(const unsigned char *data, size_t size, uint64_t max_pixels, int min_long_side, int max_scans,
                           cic_image *out) {
    memset(out, 0, sizeof *out);
    out->orientation = 1;
    struct jpeg_decompress_struct cinfo;
    jpeg_context context;
    memset(&context, 0, sizeof context);
    context.max_scans = max_scans;
    cinfo.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = on_error_exit;
    context.manager.emit_message = on_message;
    context.manager.output_message = on_output_message;
    unsigned char *volatile pixels = NULL;
    volatile cic_status status = CIC_ERROR;
    if (setjmp(context.jump)) {
        free(pixels);
        jpeg_destroy_decompress(&cinfo);
        snprintf(out->message, CIC_MESSAGE_SIZE, "%s", context.message);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    // Bounds libjpeg's own working memory (a progressive image's coefficients, above all): past
    // it, decoding fails with "Insufficient memory" instead of growing.
    cinfo.mem->max_memory_to_use = CIC_JPEG_MAX_MEMORY;
    context.progress.progress_monitor = on_progress;
    cinfo.progress = &context.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    out->source_width = (int)cinfo.image_width;
    out->source_height = (int)cinfo.image_height;
    if ((uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(context.message, CIC_MESSAGE_SIZE, "image is %ux%u pixels, over the limit of %llu pixels",
                 cinfo.image_width, cinfo.image_height, (unsigned long long)max_pixels);
        status = CIC_TOO_LARGE;
        longjmp(context.jump, 1);
    }
    if (count_scans(data, size, max_scans) > max_scans) {
        snprintf(context.message, CIC_MESSAGE_SIZE, "progressive JPEG has more than %d scans", max_scans);
        longjmp(context.jump, 1);
    }
    for (jpeg_saved_marker_ptr marker = cinfo.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1) {
            int orientation = exif_orientation(marker->data, marker->data_length);
            if (orientation != 1) {
                out->orientation = orientation;
                break;
            }
        }
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    if (min_long_side > 0) {
        unsigned int longer = cinfo.image_width > cinfo.image_height ? cinfo.image_width : cinfo.image_height;
        unsigned int denominator = 1;
        while (denominator < 8 && longer / (denominator * 2) >= (unsigned int)min_long_side) denominator *= 2;
        cinfo.scale_num = 1;
        cinfo.scale_denom = denominator;
    }
    jpeg_start_decompress(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * cinfo.output_components;
    pixels = malloc(row_bytes * cinfo.output_height);
    if (!pixels) {
        snprintf(context.message, CIC_MESSAGE_SIZE, "out of memory for a %ux%u image", cinfo.output_width, cinfo.output_height);
        status = CIC_NO_MEMORY;
        longjmp(context.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + cinfo.output_scanline * row_bytes;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = cinfo.out_color_space == JCS_CMYK ? 5 : cinfo.output_components;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return CIC_OK;
}

cic_status cic_encode_jpeg(const unsigned char *pixels, int width, int height, int channels, int quality,
                           int progressive, int ycck, const unsigned char *exif, size_t exif_size, cic_buffer *out) {
    memset(out, 0, sizeof *out);
    struct jpeg_compress_struct cinfo;
    jpeg_context context;
    memset(&context, 0, sizeof context);
    cinfo.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = on_error_exit;
    context.manager.emit_message = on_message;
    context.manager.output_message = on_output_message;
    unsigned char *volatile buffer = NULL;
    unsigned char *volatile segment = NULL;
    unsigned long buffer_size = 0;
    if (setjmp(context.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        free(segment);
        snprintf(out->message, CIC_MESSAGE_SIZE, "%s", context.message);
        return CIC_ERROR;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (channels == 4 && ycck) jpeg_set_colorspace(&cinfo, JCS_YCCK);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    if (exif_size > 0) {
        segment = malloc(exif_size + 6);
        if (!segment) {
            snprintf(context.message, CIC_MESSAGE_SIZE, "out of memory");
            longjmp(context.jump, 1);
        }
        memcpy(segment, "Exif\0\0", 6);
        memcpy(segment + 6, exif, exif_size);
        jpeg_write_marker(&cinfo, JPEG_APP0 + 1, segment, (unsigned int)(exif_size + 6));
        free(segment);
        segment = NULL;
    }
    size_t row_bytes = (size_t)width * channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    out->data = buffer;
    out->size = buffer_size;
    return CIC_OK;
}
