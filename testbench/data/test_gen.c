/* The spoken-digit generator: HD names and lists, held-out test speakers,
 * another seed gives other audio, an existing set is never overwritten,
 * and the result loads. (Byte-identical output for one seed is checked
 * across processes by data_cli.sh: libespeak-ng keeps synthesis state
 * between calls, so only a process's first generation is reproducible.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

static aimc_digits_gen small(void) {
  aimc_digits_gen g;
  aimc_digits_gen_defaults(&g);
  g.n_speakers = 3;
  g.n_test_speakers = 1;
  g.n_trials = 1;
  return g;
}

static size_t calls;
static void count_progress(void *user, size_t done, size_t total) {
  (void)user;
  assert_true(done <= total);
  calls++;
}

static int generate(uint64_t seed, const char *dir) {
  aimc_ctx *ctx = aimc_ctx_alloc(seed);
  aimc_digits_gen g = small();
  int st = aimc_digits_generate(ctx, dir, &g, count_progress, NULL);
  aimc_ctx_free(ctx);
  return st;
}

static char *read_all(const char *path, size_t *size) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char *buf = NULL, *copy = NULL;
  if (aimc_read_file(ctx, path, &buf, size) == AIMC_OK) {
    copy = malloc(*size + 1);
    memcpy(copy, buf, *size + 1);
  }
  aimc_free(ctx, buf);
  aimc_ctx_free(ctx);
  return copy;
}

static void test_generate(void **state) {
  (void)state;
#ifndef AIMC_HAVE_ESPEAK
  skip();
#endif
  char a[512], c[512], path[700];
  snprintf(a, sizeof a, "%s", test_tmpdir("gen_a"));
  snprintf(c, sizeof c, "%s", test_tmpdir("gen_c"));
  calls = 0;
  assert_int_equal(generate(7, a), AIMC_OK);
  assert_int_equal(calls, 60); /* 3 speakers x 2 languages x 10 digits */
  assert_int_equal(generate(8, c), AIMC_OK);

  /* Lists: speakers 0-1 train (40 files), speaker 2 test (20 files). */
  size_t size;
  snprintf(path, sizeof path, "%s/test_filenames.txt", a);
  char *test_list = read_all(path, &size);
  assert_non_null(test_list);
  size_t lines = 0;
  for (char *p = test_list; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, 20);
  assert_non_null(
      strstr(test_list, "lang-german_speaker-02_trial-0_digit-5.flac\n"));
  assert_null(strstr(test_list, "speaker-01"));
  free(test_list);

  /* FLAC files; another seed gives other audio. */
  const char *name = "audio/lang-german_speaker-01_trial-0_digit-7.flac";
  size_t sa, sc;
  snprintf(path, sizeof path, "%s/%s", a, name);
  char *fa = read_all(path, &sa);
  snprintf(path, sizeof path, "%s/%s", c, name);
  char *fc = read_all(path, &sc);
  assert_non_null(fa);
  assert_non_null(fc);
  assert_memory_equal(fa, "fLaC", 4);
  assert_true(sa != sc || memcmp(fa, fc, sa) != 0);
  free(fa);
  free(fc);

  /* Never overwritten. */
  assert_int_equal(generate(7, a), AIMC_EINVAL);

  /* It loads as digits20 with 20 classes and a held-out test speaker. */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec s;
  aimc_params_defaults(t, n, &s);
  s.task = AIMC_TASK_DIGITS20;
  snprintf(s.dir, sizeof s.dir, "%s", a);
  aimc_dataset *ds;
  assert_int_equal(aimc_dataset_load(ctx, &s, &ds), AIMC_OK);
  assert_int_equal(aimc_dataset_size(ds), 60);
  assert_int_equal(aimc_dataset_n_classes(ds), 20);
  aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
  assert_int_equal(n, 20);
  /* A spoken digit lasts roughly 0.3-1.5 s: 30-150 frames of 10 ms. */
  for (size_t i = 0; i < aimc_dataset_size(ds); i++) {
    size_t v = aimc_dataset_valid_steps(ds, i);
    if (v < 20 || v > 200)
      fail_msg("%s: %zu frames", aimc_dataset_sample_name(ds, i), v);
  }
  aimc_dataset_free(ctx, ds);

  /* Bad settings are refused before anything is written. */
  aimc_digits_gen g = small();
  g.n_test_speakers = 3;
  assert_int_equal(aimc_digits_generate(ctx, c, &g, NULL, NULL), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "test speakers"));
  aimc_ctx_free(ctx);
}

static int generate_into(aimc_ctx *ctx, void *dir) {
  aimc_digits_gen g = small();
  g.n_speakers = 2;
  return aimc_digits_generate(ctx, dir, &g, NULL, NULL);
}

/* Every allocation of a generation fails cleanly; the lists appear only
 * with the run that completes (earlier runs leave no train list, so the
 * next run is not refused). */
static void test_fault_injection(void **state) {
  (void)state;
#ifndef AIMC_HAVE_ESPEAK
  skip();
#endif
  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("gen_fault"));
  assert_true(failalloc_sweep(generate_into, dir) > 3);
  char path[600];
  snprintf(path, sizeof path, "%s/test_filenames.txt", dir);
  assert_true(test_file_exists(path));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_generate),
                                     cmocka_unit_test(test_fault_injection)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
