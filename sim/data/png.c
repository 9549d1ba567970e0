/* A spectrogram as an 8-bit RGB PNG, written with zlib only (PNG spec,
 * ISO/IEC 15948: signature, IHDR, one IDAT of filter-0 rows, IEND; each
 * chunk carries a CRC-32 of its type and data). */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* Appends one chunk (length, type, data, CRC) at *at. */
static void put_chunk(unsigned char *buf, size_t *at, const char *type,
                      const unsigned char *data, size_t len) {
  unsigned char *p = buf + *at;
  put32(p, (uint32_t)len);
  memcpy(p + 4, type, 4);
  if (len && data != p + 8) memcpy(p + 8, data, len); /* else in place */
  put32(p + 8 + len,
        (uint32_t)crc32(crc32(0L, Z_NULL, 0), p + 4, (uInt)(len + 4)));
  *at += len + 12;
}

/* Dark blue -> purple -> red -> orange -> pale yellow for v in [0, 1]. */
static void colour(double v, unsigned char rgb[3]) {
  static const double STOPS[5][3] = {{10, 10, 60},
                                     {100, 30, 130},
                                     {200, 50, 80},
                                     {245, 150, 40},
                                     {250, 245, 170}};
  double x = fmin(fmax(v, 0.0), 1.0) * 4.0;
  int i = x >= 4.0 ? 3 : (int)x;
  double f = x - i;
  for (int c = 0; c < 3; c++)
    rgb[c] = (unsigned char)lround(STOPS[i][c] * (1 - f) + STOPS[i + 1][c] * f);
}

int aimc_data_write_png(aimc_ctx *ctx, const char *path, const float *x,
                        size_t frames, size_t bands, int scale) {
  if (frames == 0 || bands == 0 || scale < 1 || scale > 64 ||
      frames * (size_t)scale > 100000 || bands * (size_t)scale > 100000)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: cannot draw %zu x %zu values at scale %d", path,
                      frames, bands, scale);
  size_t w = frames * (size_t)scale, h = bands * (size_t)scale;
  size_t raw_len = h * (1 + 3 * w);
  uLong z_cap = compressBound((uLong)raw_len);
  unsigned char *raw = aimc_malloc(ctx, raw_len);
  unsigned char *png = aimc_malloc(ctx, z_cap + 128);
  int st = AIMC_OK;
  if (!raw || !png) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory for the PNG");
    goto done;
  }
  float lo = x[0], hi = x[0];
  for (size_t i = 0; i < frames * bands; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  double span = hi > lo ? hi - lo : 1.0;
  for (size_t r = 0; r < h; r++) {
    size_t band = bands - 1 - r / (size_t)scale; /* low bands at the bottom */
    unsigned char *row = raw + r * (1 + 3 * w);
    row[0] = 0; /* filter type: none */
    for (size_t c = 0; c < w; c++)
      colour((x[(c / (size_t)scale) * bands + band] - lo) / span,
             row + 1 + 3 * c);
  }
  static const unsigned char SIGNATURE[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  unsigned char ihdr[13] = {0};
  put32(ihdr, (uint32_t)w);
  put32(ihdr + 4, (uint32_t)h);
  ihdr[8] = 8; /* bit depth */
  ihdr[9] = 2; /* colour type: RGB */
  size_t at = 8;
  memcpy(png, SIGNATURE, 8);
  put_chunk(png, &at, "IHDR", ihdr, sizeof ihdr);
  uLongf z_len = z_cap;
  /* Compress straight into the IDAT chunk's data field. */
  if (compress2(png + at + 8, &z_len, raw, (uLong)raw_len, 6) != Z_OK) {
    st = aimc_error(ctx, AIMC_EFAIL, "%s: zlib compression failed", path);
    goto done;
  }
  put_chunk(png, &at, "IDAT", png + at + 8, z_len);
  put_chunk(png, &at, "IEND", NULL, 0);
  st = aimc_write_file_atomic(ctx, path, png, at);
done:
  aimc_free(ctx, raw);
  aimc_free(ctx, png);
  return st;
}
