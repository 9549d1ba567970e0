/* Context: seeding is deterministic, errors carry locations, allocator
 * hooks see every allocation, and fault injection reaches every path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/context.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

static void test_seed_determinism(void **state) {
  (void)state;
  aimc_ctx *a = aimc_ctx_alloc(7), *b = aimc_ctx_alloc(7), *c = aimc_ctx_alloc(8);
  unsigned long same = 0, diff = 0;
  for (int i = 0; i < 100; i++) {
    unsigned long x = gsl_rng_get(aimc_ctx_rng(a));
    same += x == gsl_rng_get(aimc_ctx_rng(b));
    diff += x == gsl_rng_get(aimc_ctx_rng(c));
  }
  assert_int_equal(same, 100);
  assert_true(diff < 3);
  aimc_ctx *f1 = aimc_ctx_fork(a, 1), *f2 = aimc_ctx_fork(a, 2);
  assert_true(aimc_ctx_seed(f1) != aimc_ctx_seed(f2));
  assert_true(aimc_seed_derive(7, 1) == aimc_ctx_seed(f1));
  aimc_ctx_free(f1);
  aimc_ctx_free(f2);
  aimc_ctx_free(a);
  aimc_ctx_free(b);
  aimc_ctx_free(c);
  aimc_ctx_free(NULL);
}

static void test_error_location(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_srcloc loc = {"net.yaml", 3, 7};
  assert_int_equal(aimc_error_at(ctx, AIMC_ERANGE, &loc, "g_min = %s", "200uS"), AIMC_ERANGE);
  assert_string_equal(aimc_ctx_errmsg(ctx), "net.yaml:3:7: g_min = 200uS");
  aimc_ctx_clear_error(ctx);
  assert_string_equal(aimc_ctx_errmsg(ctx), "");
  assert_string_equal(aimc_strerror(AIMC_ERANGE), "value out of range");
  assert_int_equal(aimc_status_exit_code(AIMC_EPARSE), 2);
  assert_int_equal(aimc_status_exit_code(AIMC_EIO), 1);
  /* A corrupt input file is the user's input problem, like a missing one. */
  assert_int_equal(aimc_status_exit_code(AIMC_EFORMAT), 2);
  assert_int_equal(aimc_status_exit_code(AIMC_ECHECKSUM), 2);
  assert_int_equal(aimc_status_exit_code(AIMC_ENOTFOUND), 2);
  assert_int_equal(aimc_status_exit_code(AIMC_ENOMEM), 1);
  assert_int_equal(aimc_status_exit_code(AIMC_OK), 0);
  aimc_ctx_free(ctx);
}

static int strdup_twice(aimc_ctx *ctx, void *user) {
  (void)user;
  char *a = aimc_strdup(ctx, "alpha");
  if (!a) return AIMC_ENOMEM;
  char *b = aimc_strdup(ctx, "beta");
  if (!b) {
    aimc_free(ctx, a);
    return AIMC_ENOMEM;
  }
  aimc_free(ctx, a);
  aimc_free(ctx, b);
  return AIMC_OK;
}

/* Text echoed in messages never reaches a terminal raw (issue #14): control
 * bytes and invalid UTF-8 become \xNN, valid UTF-8 and newlines stay. */
static void test_sanitized_messages(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_error(ctx, AIMC_EINVAL, "'%s'", "a\x1b[2Jb\x01\x7f\xff\xc3(\xce\xbcS\tz\n");
  assert_string_equal(aimc_ctx_errmsg(ctx),
                      "'a\\x1B[2Jb\\x01\\x7F\\xFF\\xC3(\xce\xbcS\tz\n'");
  aimc_srcloc loc = {"f\x1b.yaml", 2, 3};
  aimc_error_at(ctx, AIMC_EINVAL, &loc, "bad \xed\xa0\x80"); /* a UTF-16 surrogate */
  assert_string_equal(aimc_ctx_errmsg(ctx), "f\\x1B.yaml:2:3: bad \\xED\\xA0\\x80");
  /* A long message is cut at a character boundary, never inside one: the
   * 1024-byte buffer would end with the first byte of the mu. */
  char big[2000];
  memset(big, 'a', sizeof big);
  memcpy(big + 1022, "\xce\xbc", 2);
  big[sizeof big - 1] = '\0';
  aimc_error(ctx, AIMC_EINVAL, "%s", big);
  const char *m = aimc_ctx_errmsg(ctx);
  assert_int_equal(strlen(m), 1022);
  assert_int_equal(m[1021], 'a');
  aimc_ctx_free(ctx);
}

static void test_failalloc_sweep(void **state) {
  (void)state;
  /* ctx + two strings: three allocations, so four runs. */
  assert_int_equal(failalloc_sweep(strdup_twice, NULL), 4);
}

static int atomic_write(aimc_ctx *ctx, void *user) {
  return aimc_write_file_atomic(ctx, user, "new", 3);
}

static void test_atomic_write(void **state) {
  (void)state;
  const char *dir = test_tmpdir("atomic");
  char *path = test_write_file(dir, "out.txt", "old");
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  /* A failed atomic write leaves the earlier file untouched. */
  aimc_atomic_file *f;
  assert_int_equal(aimc_atomic_open(ctx, path, &f), 0);
  fputs("partial", aimc_atomic_stream(f));
  aimc_atomic_abort(ctx, f);
  char *data;
  assert_int_equal(aimc_read_file(ctx, path, &data, NULL), 0);
  assert_string_equal(data, "old");
  aimc_free(ctx, data);
  assert_int_equal(failalloc_sweep(atomic_write, path) > 1, 1);
  assert_int_equal(aimc_read_file(ctx, path, &data, NULL), 0);
  assert_string_equal(data, "new");
  aimc_free(ctx, data);
  assert_int_equal(aimc_write_file_atomic(ctx, "/nonexistent/dir/x", "a", 1), AIMC_EIO);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "/nonexistent/dir/x"));
  aimc_ctx_free(ctx);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_determinism),
      cmocka_unit_test(test_error_location),
      cmocka_unit_test(test_sanitized_messages),
      cmocka_unit_test(test_failalloc_sweep),
      cmocka_unit_test(test_atomic_write),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
