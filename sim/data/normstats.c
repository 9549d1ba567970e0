/* The normalisation statistics of a digits tree, kept beside its feature
 * cache so a reader of the test split need not read the training files'
 * features. The statistics depend on the task's classes and the
 * downsample factor, so the file holds one entry per (class set,
 * downsample) that some load computed. Layout (little-endian host order):
 * magic "AIMCNS01", u64 key (the feature cache's key), u64 n_mels, u64
 * n_entries, n_entries x {u32 HD class mask, u32 downsample, float
 * mean[n_mels], float std[n_mels]}, u32 CRC-32 of all preceding bytes.
 * Entries hold the floats aimc_dataset_normalise computed, so a load that
 * uses them normalises bit for bit as one that computes them. Written
 * atomically; a file of another key is stale (ignored, replaced), and a
 * corrupt one is an error the caller logs before recomputing. */
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"

static const char STATS_MAGIC[8] = {'A', 'I', 'M', 'C', 'N', 'S', '0', '1'};
enum { HEAD = 32, MAX_ENTRIES = 64 }; /* oldest entries dropped beyond */

static size_t entry_bytes(size_t n_mels) { return 8 + 8 * n_mels; }

/* Reads and checks the file; *buf (aimc_malloc'd) and *n_entries on
 * success. AIMC_ENOTFOUND when absent or of another key or n_mels. */
static int stats_read(aimc_ctx *ctx, const char *path, uint64_t key,
                      size_t n_mels, char **buf, size_t *n_entries) {
  size_t size;
  *buf = NULL;
  int st = aimc_read_file(ctx, path, buf, &size);
  if (st) {
    aimc_ctx_clear_error(ctx);
    return st == AIMC_ENOMEM ? st : AIMC_ENOTFOUND;
  }
  const unsigned char *p = (const unsigned char *)*buf;
  uint64_t hdr[3];
  uint32_t crc;
  if (size < HEAD + 4 || memcmp(p, STATS_MAGIC, 8) != 0) {
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: not a statistics file", path);
  } else if (memcpy(&crc, p + size - 4, 4),
             crc != aimc_data_crc32(p, size - 4)) {
    st = aimc_error(ctx, AIMC_ECHECKSUM, "%s: statistics checksum mismatch",
                    path);
  } else if (memcpy(hdr, p + 8, sizeof hdr),
             hdr[0] != key || hdr[1] != n_mels) {
    st = AIMC_ENOTFOUND; /* of another cache: stale, not corrupt */
  } else if (hdr[2] > MAX_ENTRIES ||
             HEAD + hdr[2] * entry_bytes(n_mels) + 4 != size) {
    st = aimc_error(ctx, AIMC_EFORMAT,
                    "%s: %zu bytes do not hold %llu entries of %zu bands", path,
                    size, (unsigned long long)hdr[2], n_mels);
  }
  if (st) {
    aimc_free(ctx, *buf);
    *buf = NULL;
    return st;
  }
  *n_entries = (size_t)hdr[2];
  return AIMC_OK;
}

/* Index of the entry for (mask, downsample) in buf, n if none. */
static size_t find_entry(const char *buf, size_t n, size_t n_mels,
                         uint32_t mask, uint32_t downsample) {
  for (size_t e = 0; e < n; e++) {
    uint32_t tag[2];
    memcpy(tag, buf + HEAD + e * entry_bytes(n_mels), sizeof tag);
    if (tag[0] == mask && tag[1] == downsample) return e;
  }
  return n;
}

int aimc_norm_stats_load(aimc_ctx *ctx, const char *path, uint64_t key,
                         uint32_t class_mask, uint32_t downsample,
                         size_t n_mels, float *mean, float *std) {
  char *buf;
  size_t n;
  int st = stats_read(ctx, path, key, n_mels, &buf, &n);
  if (st) return st;
  size_t e = find_entry(buf, n, n_mels, class_mask, downsample);
  if (e == n) {
    aimc_free(ctx, buf);
    return AIMC_ENOTFOUND;
  }
  const char *at = buf + HEAD + e * entry_bytes(n_mels) + 8;
  memcpy(mean, at, 4 * n_mels);
  memcpy(std, at + 4 * n_mels, 4 * n_mels);
  aimc_free(ctx, buf);
  /* The values as aimc_dataset_normalise gives them: a mean of log-mel
   * values, a standard deviation floored at 1e-6. */
  for (size_t f = 0; f < n_mels; f++)
    if (!aimc_data_feature_ok(mean[f]) || !(std[f] >= 1e-6f && std[f] <= 1e3f))
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: band %zu has mean %g and std %g: not statistics "
                        "of log-mel features",
                        path, f, (double)mean[f], (double)std[f]);
  return AIMC_OK;
}

int aimc_norm_stats_store(aimc_ctx *ctx, const char *path, uint64_t key,
                          uint32_t class_mask, uint32_t downsample,
                          size_t n_mels, const float *mean, const float *std) {
  char *old = NULL;
  size_t n_old = 0, eb = entry_bytes(n_mels);
  int st = stats_read(ctx, path, key, n_mels, &old, &n_old);
  if (st == AIMC_ENOMEM) return st;
  if (st) { /* absent, stale or corrupt: start afresh */
    aimc_ctx_clear_error(ctx);
    n_old = 0;
  }
  if (n_old && find_entry(old, n_old, n_mels, class_mask, downsample) < n_old) {
    aimc_free(ctx, old);
    return AIMC_OK;
  }
  size_t keep = n_old < MAX_ENTRIES ? n_old : MAX_ENTRIES - 1;
  size_t size = HEAD + (keep + 1) * eb + 4;
  unsigned char *buf = aimc_malloc(ctx, size);
  if (!buf) {
    aimc_free(ctx, old);
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  }
  uint64_t hdr[3] = {key, n_mels, keep + 1};
  memcpy(buf, STATS_MAGIC, 8);
  memcpy(buf + 8, hdr, sizeof hdr);
  if (keep) memcpy(buf + HEAD, old + HEAD + (n_old - keep) * eb, keep * eb);
  unsigned char *at = buf + HEAD + keep * eb;
  uint32_t tag[2] = {class_mask, downsample};
  memcpy(at, tag, sizeof tag);
  memcpy(at + 8, mean, 4 * n_mels);
  memcpy(at + 8 + 4 * n_mels, std, 4 * n_mels);
  uint32_t crc = aimc_data_crc32(buf, size - 4);
  memcpy(buf + size - 4, &crc, 4);
  st = aimc_write_file_atomic(ctx, path, buf, size);
  aimc_free(ctx, old);
  aimc_free(ctx, buf);
  return st;
}
