/* The feature cache loader (sim/data/cache.c): the header's CRC first,
 * then the file's own shape against its length (no allocation, no
 * overflow), then the key, then for each file it reads that file's CRC
 * and values (log-mel range, frames >= 1). Files a load does not want are
 * neither read nor checked. Any failure makes the caller rebuild; here the
 * statuses and messages are checked. Files are patched in memory with the
 * CRCs recomputed (or not). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"
#include "testutil.h"

enum { FILES = 3, MELS = 4, ROWS = 6 }; /* frames 2, 3, 1 */
static const size_t FRAMES[FILES] = {2, 3, 1};
static const uint64_t KEY = 0x1234;
#define FRAMES_AT 32                    /* magic, key, n_files, n_mels */
#define CRCS_AT (FRAMES_AT + 8 * FILES) /* u32 per file             */
#define HEAD (CRCS_AT + 4 * FILES + 4)  /* header CRC included      */
#define X_AT HEAD

static char PATH[512], BAD[520];
static const unsigned char ALL[FILES] = {1, 1, 1}, NOT_1[FILES] = {1, 0, 1};

static float value(int i) { return -13.8f + 1.3f * (float)i; }

static int setup(void **state) {
  (void)state;
  float x[ROWS * MELS];
  for (int i = 0; i < ROWS * MELS; i++) x[i] = value(i);
  const char *dir = test_tmpdir("cachecheck");
  snprintf(PATH, sizeof PATH, "%s/features.cache", dir);
  snprintf(BAD, sizeof BAD, "%s/bad.cache", dir);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  int st = aimc_feature_cache_save(ctx, PATH, KEY, FILES, MELS, FRAMES, x);
  aimc_ctx_free(ctx);
  return st;
}

static uint32_t crc(const char *p, size_t n) {
  return (uint32_t)crc32(0L, (const unsigned char *)p, (uInt)n);
}

/* Recomputes the files' CRCs (when the frames still fit the file) and the
 * header's. */
static void fix_crcs(char *d, size_t size) {
  uint64_t f[FILES], sum = 0;
  memcpy(f, d + FRAMES_AT, sizeof f);
  for (int i = 0; i < FILES; i++) sum += f[i] < ROWS ? f[i] : ROWS + 1;
  if (sum == ROWS && size == HEAD + ROWS * MELS * 4)
    for (size_t i = 0, at = X_AT; i < FILES; at += f[i++] * MELS * 4) {
      uint32_t c = crc(d + at, f[i] * MELS * 4);
      memcpy(d + CRCS_AT + 4 * i, &c, 4);
    }
  uint32_t c = crc(d, HEAD - 4);
  memcpy(d + HEAD - 4, &c, 4);
}

/* Loads the files flagged in want from the cache with n bytes at off
 * replaced by v (CRCs recomputed when fix_crc) and its last `cut` bytes
 * cut off; checks the status and, on error, that the message names the
 * file and holds `needle`; on success, that x holds the wanted rows. */
static void load_cut(size_t off, const void *v, size_t n, int fix_crc,
                     size_t cut, const unsigned char *want, int status,
                     const char *needle) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char *d;
  size_t size;
  assert_int_equal(aimc_read_file(ctx, PATH, &d, &size), AIMC_OK);
  if (v) memcpy(d + off, v, n);
  if (fix_crc) fix_crcs(d, size);
  assert_int_equal(aimc_write_file_atomic(ctx, BAD, d, size - cut), AIMC_OK);
  size_t *frames;
  float *x;
  assert_int_equal(
      aimc_feature_cache_load(ctx, BAD, KEY, FILES, MELS, want, &frames, &x),
      status);
  if (status) {
    assert_null(frames);
    assert_null(x);
    const char *msg = aimc_ctx_errmsg(ctx);
    if (!strstr(msg, needle) || !strstr(msg, BAD))
      fail_msg("message '%s' lacks '%s'", msg, needle);
  } else {
    assert_memory_equal(frames, FRAMES, sizeof FRAMES);
    /* x holds the wanted files' rows in order, as the file has them. */
    const char *row = d + X_AT;
    const float *p = x;
    for (int i = 0; i < FILES; row += FRAMES[i++] * MELS * 4)
      if (want[i]) {
        assert_memory_equal(p, row, FRAMES[i] * MELS * 4);
        p += FRAMES[i] * MELS;
      }
    aimc_free(ctx, frames);
    aimc_free(ctx, x);
  }
  aimc_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void load_patched(size_t off, const void *v, size_t n, int fix_crc,
                         int status, const char *needle) {
  load_cut(off, v, n, fix_crc, 0, ALL, status, needle);
}

static void test_good_cache_loads(void **s) {
  (void)s;
  load_patched(0, NULL, 0, 1, AIMC_OK, NULL);
  /* A subset: only files 0 and 2 are read; NULL wants every file. */
  load_cut(0, NULL, 0, 0, 0, NOT_1, AIMC_OK, NULL);
  size_t *frames;
  float *x;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  assert_int_equal(
      aimc_feature_cache_load(ctx, PATH, KEY, FILES, MELS, NULL, &frames, &x),
      AIMC_OK);
  assert_true(x[ROWS * MELS - 1] == value(ROWS * MELS - 1));
  aimc_free(ctx, frames);
  aimc_free(ctx, x);
  aimc_ctx_free(ctx);
}

static void test_feature_values(void **s) {
  (void)s;
  const float bad[] = {NAN, INFINITY, -100.0f, 1e30f, -14.5f};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    /* feature 9: file 1 (frames 2-4), its frame 0, band 1 */
    load_patched(X_AT + 4 * 9, &bad[i], 4, 1, AIMC_ERANGE,
                 "file 1, frame 0 band 1 is");
  /* The floor itself and a loud frame are log-mel values. */
  float edge = -13.81f;
  load_patched(X_AT, &edge, 4, 1, AIMC_OK, NULL);
  /* A file not read is not checked. */
  load_cut(X_AT + 4 * 9, &bad[0], 4, 1, 0, NOT_1, AIMC_OK, NULL);
}

static void test_file_checksums(void **s) {
  (void)s;
  /* A changed feature with the header's CRC right: the file's own CRC
   * catches it when (and only when) the file is read. */
  float other = 3.0f;
  load_cut(X_AT + 4 * 9, &other, 4, 0, 0, ALL, AIMC_ECHECKSUM,
           "checksum mismatch in file 1");
  load_cut(X_AT + 4 * 9, &other, 4, 0, 0, NOT_1, AIMC_OK, NULL);
  /* A file's CRC changed in the header: the header's CRC first. */
  uint32_t wrong = 7;
  load_patched(CRCS_AT + 4, &wrong, 4, 0, AIMC_ECHECKSUM,
               "checksum mismatch in the header");
}

static void test_frames(void **s) {
  (void)s;
  /* Shape against length: more frames than the bytes hold, and sums that
   * would wrap around 2^64. */
  uint64_t huge = (uint64_t)1 << 62, wrap = UINT64_MAX;
  load_patched(
      FRAMES_AT + 8, &huge, 8, 1, AIMC_EFORMAT,
      "frames[1] = 4611686018427387904: more frames than the file holds");
  load_patched(FRAMES_AT, &wrap, 8, 1, AIMC_EFORMAT, "frames[0]");
  /* Frames moved between files keep the length right; a file of no
   * frames is still impossible. */
  uint64_t moved[2] = {0, 5};
  load_patched(FRAMES_AT, moved, sizeof moved, 1, AIMC_ERANGE,
               "frames[0] is 0");
  uint64_t fewer = 1;
  load_patched(FRAMES_AT, &fewer, 8, 1, AIMC_EFORMAT,
               "the header's frames need");
}

static void test_header(void **s) {
  (void)s;
  uint64_t n_files = (uint64_t)1 << 61, zero = 0, other = 1;
  load_patched(16, &n_files, 8, 1, AIMC_EFORMAT,
               "header fields n_files=2305843009213693952");
  load_patched(24, &zero, 8, 1, AIMC_EFORMAT, "n_mels=0");
  load_patched(8, &other, 8, 1, AIMC_EFORMAT, "out of date");
  /* Without the CRC fixed any change is a checksum error first, but for
   * a header length the file cannot hold (n_files sets that length). */
  load_patched(8, &other, 8, 0, AIMC_ECHECKSUM, "checksum mismatch");
  load_patched(24, &zero, 8, 0, AIMC_ECHECKSUM, "checksum mismatch");
  load_patched(16, &n_files, 8, 0, AIMC_EFORMAT, "header fields");
  /* The cache of another format version, and no cache at all. */
  load_patched(6, "01", 2, 1, AIMC_EFORMAT, "feature cache of format 01");
  load_patched(0, "NOTACACHE", 8, 1, AIMC_EFORMAT, "not a feature cache");
  /* Truncated: in the features, in the header. */
  load_cut(0, NULL, 0, 0, 4, ALL, AIMC_EFORMAT,
           "frames[2] = 1: more frames than the file holds");
  load_cut(0, NULL, 0, 0, ROWS * MELS * 4 + 8, ALL, AIMC_EFORMAT,
           "do not fit the file's 64 bytes");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_cache_loads),
      cmocka_unit_test(test_feature_values),
      cmocka_unit_test(test_file_checksums),
      cmocka_unit_test(test_frames),
      cmocka_unit_test(test_header),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
