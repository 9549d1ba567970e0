/* The feature cache loader (sim/data/cache.c): the CRC first, then the
 * file's own shape against its length (no allocation, no overflow), then
 * the key, then the values (log-mel range, frames >= 1). Any failure makes
 * the caller rebuild; here the statuses and messages are checked. Files
 * are patched in memory with the CRC recomputed. */
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
#define X_AT (32 + 8 * FILES) /* magic, key, n_files, n_mels, frames */

static char PATH[512], BAD[520];

static int setup(void **state) {
  (void)state;
  float x[ROWS * MELS];
  for (int i = 0; i < ROWS * MELS; i++) x[i] = -13.8f + 1.3f * (float)i;
  const char *dir = test_tmpdir("cachecheck");
  snprintf(PATH, sizeof PATH, "%s/features.cache", dir);
  snprintf(BAD, sizeof BAD, "%s/bad.cache", dir);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  int st = aimc_feature_cache_save(ctx, PATH, KEY, FILES, MELS, FRAMES, x);
  aimc_ctx_free(ctx);
  return st;
}

/* Loads the cache with n bytes at off replaced by v (CRC recomputed when
 * fix_crc); checks the status and, on error, that the message names the
 * file and holds `needle`. */
static void load_patched(size_t off, const void *v, size_t n, int fix_crc,
                         int want, const char *needle) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char *d;
  size_t size;
  assert_int_equal(aimc_read_file(ctx, PATH, &d, &size), AIMC_OK);
  if (v) memcpy(d + off, v, n);
  if (fix_crc) {
    uint32_t c = (uint32_t)crc32(0L, (unsigned char *)d, (uInt)(size - 4));
    memcpy(d + size - 4, &c, 4);
  }
  assert_int_equal(aimc_write_file_atomic(ctx, BAD, d, size), AIMC_OK);
  aimc_free(ctx, d);
  size_t *frames;
  float *x;
  assert_int_equal(
      aimc_feature_cache_load(ctx, BAD, KEY, FILES, MELS, &frames, &x), want);
  if (want) {
    assert_null(frames);
    assert_null(x);
    const char *msg = aimc_ctx_errmsg(ctx);
    if (!strstr(msg, needle) || !strstr(msg, BAD))
      fail_msg("message '%s' lacks '%s'", msg, needle);
  } else {
    assert_memory_equal(frames, FRAMES, sizeof FRAMES);
    assert_true(x[ROWS * MELS - 1] == -13.8f + 1.3f * (ROWS * MELS - 1));
    aimc_free(ctx, frames);
    aimc_free(ctx, x);
  }
  aimc_ctx_free(ctx);
}

static void test_good_cache_loads(void **s) {
  (void)s;
  load_patched(0, NULL, 0, 1, AIMC_OK, NULL);
}

static void test_feature_values(void **s) {
  (void)s;
  const float bad[] = {NAN, INFINITY, -100.0f, 1e30f, -14.5f};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    /* feature 9: frame 2, band 1 */
    load_patched(X_AT + 4 * 9, &bad[i], 4, 1, AIMC_ERANGE,
                 "features block, frame 2 band 1 is");
  /* The floor itself and a loud frame are log-mel values. */
  float edge = -13.81f;
  load_patched(X_AT, &edge, 4, 1, AIMC_OK, NULL);
}

static void test_frames(void **s) {
  (void)s;
  /* Shape against length: more frames than the bytes hold, and sums that
   * would wrap around 2^64. */
  uint64_t huge = (uint64_t)1 << 62, wrap = UINT64_MAX;
  load_patched(32 + 8, &huge, 8, 1, AIMC_EFORMAT,
               "frames[1] = 4611686018427387904: more frames than the file holds");
  load_patched(32, &wrap, 8, 1, AIMC_EFORMAT, "frames[0]");
  /* Frames moved between files keep the length right; a file of no
   * frames is still impossible. */
  uint64_t moved[2] = {0, 5};
  load_patched(32, moved, sizeof moved, 1, AIMC_ERANGE, "frames[0] is 0");
  uint64_t fewer = 1;
  load_patched(32, &fewer, 8, 1, AIMC_EFORMAT, "the header's frames need");
}

static void test_header(void **s) {
  (void)s;
  uint64_t n_files = (uint64_t)1 << 61, zero = 0, other = 1;
  load_patched(16, &n_files, 8, 1, AIMC_EFORMAT,
               "header fields n_files=2305843009213693952");
  load_patched(24, &zero, 8, 1, AIMC_EFORMAT, "n_mels=0");
  load_patched(8, &other, 8, 1, AIMC_EFORMAT, "out of date");
  /* Without the CRC fixed any change is a checksum error first. */
  load_patched(8, &other, 8, 0, AIMC_ECHECKSUM, "checksum mismatch");
  load_patched(16, &n_files, 8, 0, AIMC_ECHECKSUM, "checksum mismatch");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_cache_loads),
      cmocka_unit_test(test_feature_values),
      cmocka_unit_test(test_frames),
      cmocka_unit_test(test_header),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
