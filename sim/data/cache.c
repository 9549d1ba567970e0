/* The feature cache of a digits tree, so log-mel features are computed
 * once and a load reads only the files it needs (aimc run on zero_one's
 * test split: 96 of 3840). Layout (little-endian host order):
 *   header: magic "AIMCFC02", u64 key (hash of the settings and the file
 *     lists), u64 n_files, u64 n_mels, u64 frames[n_files], u32 crc[n_files]
 *     (CRC-32 of each file's floats), u32 CRC-32 of the header's
 *     preceding bytes;
 *   then each file's floats x[frames * n_mels], files in order.
 * Written atomically; any mismatch means "rebuild", never "trust": the
 * loader checks the header's CRC, the file's own shape against its length,
 * the key, then the CRC and every value of each file it reads. Files it
 * does not read are neither read nor checked. */
#define _POSIX_C_SOURCE 200809L /* pread */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"

static const char CACHE_MAGIC[8] = {'A', 'I', 'M', 'C', 'F', 'C', '0', '2'};
enum { FIXED = 32 }; /* magic, key, n_files, n_mels */

uint32_t aimc_data_crc32(const void *data, size_t len) {
  const unsigned char *p = data;
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

int aimc_data_feature_ok(double v) {
  return v >= FEATURE_MIN && v <= FEATURE_MAX;
}

/* The header as read. */
typedef struct {
  uint64_t key, n_files, n_mels;
  unsigned char *p; /* the header bytes (aimc_malloc'd)  */
  size_t head;      /* header bytes, its CRC included   */
} cache_head;

static uint64_t frames_of(const cache_head *h, size_t i) {
  uint64_t v;
  memcpy(&v, h->p + FIXED + 8 * i, 8);
  return v;
}

static uint32_t crc_of_file(const cache_head *h, size_t i) {
  uint32_t v;
  memcpy(&v, h->p + FIXED + 8 * h->n_files + 4 * i, 4);
  return v;
}

/* The file's own shape (frames) against its length, with no allocation
 * and no overflow. */
static int check_shape(aimc_ctx *ctx, const char *path, size_t size,
                       const cache_head *h) {
  size_t rows = (size - h->head) / 4 / h->n_mels;
  uint64_t sum = 0;
  for (size_t i = 0; i < h->n_files; i++) {
    uint64_t f = frames_of(h, i);
    if (f > rows - sum)
      return aimc_error(ctx, AIMC_EFORMAT,
                        "%s: frames[%zu] = %llu: more frames than the file "
                        "holds",
                        path, i, (unsigned long long)f);
    sum += f;
  }
  if (h->head + sum * h->n_mels * 4 != size)
    return aimc_error(
        ctx, AIMC_EFORMAT, "%s: %zu bytes, the header's frames need %llu", path,
        size, (unsigned long long)(h->head + sum * h->n_mels * 4));
  return AIMC_OK;
}

/* Reads n bytes at off; a short read (the file shrank) is a format
 * error. */
static int read_at(aimc_ctx *ctx, int fd, const char *path, void *buf, size_t n,
                   size_t off) {
  unsigned char *p = buf;
  while (n) {
    ssize_t got = pread(fd, p, n, (off_t)off);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      return aimc_error(ctx, AIMC_EFORMAT, "%s: truncated feature cache", path);
    p += got;
    n -= (size_t)got;
    off += (size_t)got;
  }
  return AIMC_OK;
}

/* Reads and checks the header: magic and version, CRC, shape. */
static int read_head(aimc_ctx *ctx, int fd, const char *path, size_t size,
                     cache_head *h) {
  unsigned char fixed[FIXED];
  if (size < FIXED + 4 || read_at(ctx, fd, path, fixed, FIXED, 0) ||
      memcmp(fixed, CACHE_MAGIC, 6) != 0)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: not a feature cache", path);
  if (memcmp(fixed, CACHE_MAGIC, 8) != 0)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: feature cache of format %.2s, this build reads "
                      "%.2s",
                      path, (const char *)fixed + 6, CACHE_MAGIC + 6);
  uint64_t hdr[3];
  memcpy(hdr, fixed + 8, sizeof hdr);
  h->key = hdr[0];
  h->n_files = hdr[1];
  h->n_mels = hdr[2];
  /* n_files sets the header's length, so it is bounded before the CRC;
   * every other field after it. */
  int fits = h->n_files <= (size - FIXED - 4) / 12;
  if (fits) {
    h->head = FIXED + 12 * (size_t)h->n_files + 4;
    if (!(h->p = aimc_malloc(ctx, h->head)))
      return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    int st = read_at(ctx, fd, path, h->p, h->head, 0);
    if (st) return st;
    uint32_t crc;
    memcpy(&crc, h->p + h->head - 4, 4);
    if (crc != aimc_data_crc32(h->p, h->head - 4))
      return aimc_error(ctx, AIMC_ECHECKSUM,
                        "%s: feature cache checksum mismatch in the header",
                        path);
  }
  if (!fits || h->n_mels < 1 || h->n_mels > 4096)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: header fields n_files=%llu n_mels=%llu do not fit "
                      "the file's %zu bytes",
                      path, (unsigned long long)h->n_files,
                      (unsigned long long)h->n_mels, size);
  return check_shape(ctx, path, size, h);
}

/* Whether the header describes these settings and files. */
static int check_match(aimc_ctx *ctx, const char *path, const cache_head *h,
                       uint64_t key, size_t n_files, size_t n_mels) {
  if (h->key != key || h->n_files != n_files || h->n_mels != n_mels)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: out of date (settings or audio files changed)",
                      path);
  for (size_t i = 0; i < n_files; i++)
    if (frames_of(h, i) == 0)
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: frames[%zu] is 0: every audio file has frames",
                        path, i);
  return AIMC_OK;
}

/* Every feature of file i a log-mel value this build can compute. */
static int check_features(aimc_ctx *ctx, const char *path, const float *x,
                          size_t n, size_t n_mels, size_t i) {
  for (size_t e = 0; e < n; e++)
    if (!aimc_data_feature_ok(x[e]))
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: file %zu, frame %zu band %zu is %g: a log-mel "
                        "value lies in [%g, %g]",
                        path, i, e / n_mels, e % n_mels, (double)x[e],
                        FEATURE_MIN, FEATURE_MAX);
  return AIMC_OK;
}

/* Reads the wanted files' floats into x, one after another (a run of
 * wanted files in one read), checking each file's CRC and values. */
static int read_files(aimc_ctx *ctx, int fd, const char *path,
                      const cache_head *h, const unsigned char *want,
                      float *x) {
  size_t M = (size_t)h->n_mels, at = h->head, i = 0;
  while (i < h->n_files) {
    size_t run = 0, j = i;
    for (; j < h->n_files && (!want || want[j]); j++)
      run += (size_t)frames_of(h, j) * M * 4;
    if (j == i) { /* an unwanted file: skipped */
      at += (size_t)frames_of(h, i++) * M * 4;
      continue;
    }
    int st = read_at(ctx, fd, path, x, run, at);
    for (; !st && i < j; i++) {
      size_t n = (size_t)frames_of(h, i) * M;
      if (aimc_data_crc32(x, n * 4) != crc_of_file(h, i))
        return aimc_error(ctx, AIMC_ECHECKSUM,
                          "%s: feature cache checksum mismatch in file %zu",
                          path, i);
      st = check_features(ctx, path, x, n, M, i);
      x += n;
    }
    if (st) return st;
    at += run;
  }
  return AIMC_OK;
}

int aimc_feature_cache_load(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels,
                            const unsigned char *want, size_t **frames,
                            float **x) {
  *frames = NULL;
  *x = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (fd < 0) return AIMC_ENOTFOUND;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return AIMC_ENOTFOUND;
  }
  cache_head h = {0};
  int st = read_head(ctx, fd, path, (size_t)sb.st_size, &h);
  if (!st) st = check_match(ctx, path, &h, key, n_files, n_mels);
  size_t rows = 0;
  for (size_t i = 0; !st && i < n_files; i++)
    if (!want || want[i]) rows += (size_t)frames_of(&h, i);
  size_t *fr = NULL;
  float *xs = NULL;
  if (!st) {
    fr = aimc_malloc(ctx, (n_files ? n_files : 1) * sizeof *fr);
    xs = aimc_malloc(ctx, (rows ? rows * n_mels : 1) * sizeof *xs);
    if (!fr || !xs) st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  }
  if (!st) st = read_files(ctx, fd, path, &h, want, xs);
  for (size_t i = 0; !st && i < n_files; i++) fr[i] = (size_t)frames_of(&h, i);
  close(fd);
  aimc_free(ctx, h.p);
  if (st) {
    aimc_free(ctx, fr);
    aimc_free(ctx, xs);
    return st;
  }
  *frames = fr;
  *x = xs;
  return AIMC_OK;
}

int aimc_feature_cache_save(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels, const size_t *frames,
                            const float *x) {
  size_t head = FIXED + 12 * n_files + 4, total = 0;
  unsigned char *h = aimc_malloc(ctx, head);
  if (!h) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  uint64_t fixed[3] = {key, n_files, n_mels};
  memcpy(h, CACHE_MAGIC, 8);
  memcpy(h + 8, fixed, sizeof fixed);
  for (size_t i = 0; i < n_files; i++) {
    uint64_t f = frames[i];
    uint32_t crc = aimc_data_crc32(x + total * n_mels, frames[i] * n_mels * 4);
    memcpy(h + FIXED + 8 * i, &f, 8);
    memcpy(h + FIXED + 8 * n_files + 4 * i, &crc, 4);
    total += frames[i];
  }
  uint32_t crc = aimc_data_crc32(h, head - 4);
  memcpy(h + head - 4, &crc, 4);
  aimc_atomic_file *f;
  int st = aimc_atomic_open(ctx, path, &f);
  if (!st) {
    FILE *fp = aimc_atomic_stream(f);
    size_t data_bytes = total * n_mels * sizeof *x;
    if (fwrite(h, 1, head, fp) != head ||
        (data_bytes && fwrite(x, 1, data_bytes, fp) != data_bytes)) {
      aimc_atomic_abort(ctx, f);
      st = aimc_error(ctx, AIMC_EIO, "cannot write %s", path);
    } else {
      st = aimc_atomic_commit(ctx, f);
    }
  }
  aimc_free(ctx, h);
  return st;
}
