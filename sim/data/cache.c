/* The feature cache of a digits tree, so log-mel features are computed
 * once. Layout (little-endian host order): magic "AIMCFC01", u64 key (hash
 * of the settings and file list), u64 n_files, u64 n_mels, u64 frames
 * [n_files], float x[sum(frames) * n_mels], u32 CRC-32 of all preceding
 * bytes. Written atomically; any mismatch means "rebuild", never "trust". */
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
  size_t head = 8 + 3 * 8 + n_files * 8;
  uint64_t hdr[3];
  if (size < head + 4 || memcmp(p, CACHE_MAGIC, 8) != 0) {
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: not a feature cache", path);
    goto done;
  }
  memcpy(hdr, p + 8, sizeof hdr);
  if (hdr[0] != key || hdr[1] != n_files || hdr[2] != n_mels) {
    st = aimc_error(ctx, AIMC_EFORMAT,
                    "%s: out of date (settings or audio files changed)", path);
    goto done;
  }
  uint64_t total = 0;
  size_t *fr = aimc_malloc(ctx, (n_files ? n_files : 1) * sizeof *fr);
  if (!fr) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n_files; i++) {
    uint64_t f;
    memcpy(&f, p + 32 + 8 * i, 8);
    fr[i] = (size_t)f;
    total += f;
  }
  size_t data_bytes = (size_t)total * n_mels * sizeof(float);
  uint32_t crc;
  if (total > size || head + data_bytes + 4 != size) {
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: truncated feature cache", path);
  } else if (memcpy(&crc, p + head + data_bytes, 4),
             crc != crc_of(p, head + data_bytes)) {
    st = aimc_error(ctx, AIMC_ECHECKSUM, "%s: feature cache checksum mismatch",
                    path);
  } else if (!(*x = aimc_malloc(ctx, data_bytes ? data_bytes : 1))) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  } else {
    memcpy(*x, p + head, data_bytes);
    *frames = fr;
    fr = NULL;
  }
  aimc_free(ctx, fr);
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
