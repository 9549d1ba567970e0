/* The feature cache of a digits tree, so log-mel features are computed
 * once. Layout (little-endian host order): magic "AIMCFC01", u64 key (hash
 * of the settings and file list), u64 n_files, u64 n_mels, u64 frames
 * [n_files], float x[sum(frames) * n_mels], u32 CRC-32 of all preceding
 * bytes. Written atomically; any mismatch means "rebuild", never "trust":
 * the loader checks the CRC, the file's own shape, the key, then every
 * value, and the caller rebuilds on any error (its warning names why). */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"

static const char CACHE_MAGIC[8] = {'A', 'I', 'M', 'C', 'F', 'C', '0', '1'};

static uint32_t crc_of(const unsigned char *p, size_t len) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (len) {
    uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
    crc = crc32(crc, p, chunk);
    p += chunk;
    len -= chunk;
  }
  return (uint32_t)crc;
}

/* Log-mel values are log(energy + 1e-6) (features.c, LOGMEL_FLOOR),
 * averaged over frames: never below ln(1e-6) = -13.8; a full-scale frame
 * reaches about +20. Anything outside [-14, 100] was not computed here. */
#define FEATURE_MIN (-14.0)
#define FEATURE_MAX 100.0

/* The file's own shape (n_files, n_mels, frames) against its length, with
 * no allocation and no overflow; *total receives the summed frames. */
static int check_shape(aimc_ctx *ctx, const char *path,
                       const unsigned char *p, size_t size, uint64_t *total) {
  uint64_t hdr[3];
  memcpy(hdr, p + 8, sizeof hdr);
  uint64_t n_files = hdr[1], n_mels = hdr[2], sum = 0;
  if (n_mels < 1 || n_mels > 4096 || n_files > (size - 36) / 8)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: header fields n_files=%llu n_mels=%llu do not fit "
                      "the file's %zu bytes",
                      path, (unsigned long long)n_files,
                      (unsigned long long)n_mels, size);
  size_t head = 32 + (size_t)n_files * 8, rows = (size - head - 4) / 4 / n_mels;
  for (size_t i = 0; i < n_files; i++) {
    uint64_t f;
    memcpy(&f, p + 32 + 8 * i, 8);
    if (f > rows - sum)
      return aimc_error(ctx, AIMC_EFORMAT,
                        "%s: frames[%zu] = %llu: more frames than the file "
                        "holds",
                        path, i, (unsigned long long)f);
    sum += f;
  }
  if (head + sum * n_mels * 4 + 4 != size)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: %zu bytes, the header's frames need %llu",
                      path, size,
                      (unsigned long long)(head + sum * n_mels * 4 + 4));
  *total = sum;
  return AIMC_OK;
}

/* Every feature a log-mel value this build can compute. */
static int check_features(aimc_ctx *ctx, const char *path, const float *x,
                          size_t n, size_t n_mels) {
  for (size_t i = 0; i < n; i++) {
    float v;
    memcpy(&v, x + i, sizeof v); /* the file buffer may be unaligned */
    if (!(v >= FEATURE_MIN && v <= FEATURE_MAX))
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: features block, frame %zu band %zu is %g: a "
                        "log-mel value lies in [%g, %g]",
                        path, i / n_mels, i % n_mels, (double)v, FEATURE_MIN,
                        FEATURE_MAX);
  }
  return AIMC_OK;
}

int aimc_feature_cache_load(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels, size_t **frames,
                            float **x) {
  *frames = NULL;
  *x = NULL;
  char *buf;
  size_t size;
  int st = aimc_read_file(ctx, path, &buf, &size);
  if (st) return st == AIMC_ENOMEM ? st : AIMC_ENOTFOUND;
  const unsigned char *p = (const unsigned char *)buf;
  uint64_t hdr[3], total = 0;
  uint32_t crc;
  /* Order: magic, CRC, the file's own shape, then whether it is the
   * cache of these settings and files, then the values. */
  if (size < 8 + 3 * 8 + 4 || memcmp(p, CACHE_MAGIC, 8) != 0) {
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: not a feature cache", path);
    goto done;
  }
  memcpy(&crc, p + size - 4, 4);
  if (crc != crc_of(p, size - 4)) {
    st = aimc_error(ctx, AIMC_ECHECKSUM, "%s: feature cache checksum mismatch",
                    path);
    goto done;
  }
  if ((st = check_shape(ctx, path, p, size, &total)) != AIMC_OK) goto done;
  memcpy(hdr, p + 8, sizeof hdr);
  if (hdr[0] != key || hdr[1] != n_files || hdr[2] != n_mels) {
    st = aimc_error(ctx, AIMC_EFORMAT,
                    "%s: out of date (settings or audio files changed)", path);
    goto done;
  }
  size_t head = 32 + n_files * 8, data_bytes = (size_t)total * n_mels * 4;
  for (size_t i = 0; i < n_files; i++) {
    uint64_t f;
    memcpy(&f, p + 32 + 8 * i, 8);
    if (f == 0) {
      st = aimc_error(ctx, AIMC_ERANGE,
                      "%s: frames[%zu] is 0: every audio file has frames",
                      path, i);
      goto done;
    }
  }
  st = check_features(ctx, path, (const float *)(p + head),
                      (size_t)total * n_mels, n_mels);
  if (st) goto done;
  size_t *fr = aimc_malloc(ctx, (n_files ? n_files : 1) * sizeof *fr);
  *x = aimc_malloc(ctx, data_bytes ? data_bytes : 1);
  if (!fr || !*x) {
    aimc_free(ctx, fr);
    aimc_free(ctx, *x);
    *x = NULL;
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_files; i++) {
    uint64_t f;
    memcpy(&f, p + 32 + 8 * i, 8);
    fr[i] = (size_t)f;
  }
  memcpy(*x, p + head, data_bytes);
  *frames = fr;
done:
  aimc_free(ctx, buf);
  return st;
}

int aimc_feature_cache_save(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels, const size_t *frames,
                            const float *x) {
  size_t total = 0;
  for (size_t i = 0; i < n_files; i++) total += frames[i];
  size_t head = 8 + 3 * 8 + n_files * 8;
  size_t data_bytes = total * n_mels * sizeof(float);
  unsigned char *buf = aimc_malloc(ctx, head + data_bytes + 4);
  if (!buf) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  uint64_t hdr[3] = {key, n_files, n_mels};
  memcpy(buf, CACHE_MAGIC, 8);
  memcpy(buf + 8, hdr, sizeof hdr);
  for (size_t i = 0; i < n_files; i++) {
    uint64_t f = frames[i];
    memcpy(buf + 32 + 8 * i, &f, 8);
  }
  memcpy(buf + head, x, data_bytes);
  uint32_t crc = crc_of(buf, head + data_bytes);
  memcpy(buf + head + data_bytes, &crc, 4);
  int st = aimc_write_file_atomic(ctx, path, buf, head + data_bytes + 4);
  aimc_free(ctx, buf);
  return st;
}
