/* Loading one split (aimc_dataset_load_split, what aimc run uses): the
 * same samples, lengths, splits, normalisation and features as a full
 * load, bit for bit, for several tasks and downsample factors; a test-
 * split load reads no training features once the normalisation
 * statistics are kept beside the cache (a corrupt training file in the
 * cache goes unnoticed by it, and is caught by a training load); the
 * statistics kept are those computed from the training files; a corrupt
 * test file, a corrupt or missing statistics file are rebuilt or
 * recomputed with a warning and give the same data. The corpus
 * fingerprint a load takes from its one scan of the audio files is the one
 * aimc_data_fingerprint takes on its own, odd list lines included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/data.h"
#include "aimc/status.h"
#include "data_internal.h"
#include "hdtree.h"
#include "spec_fixture.h"
#include "testutil.h"

static char tree[512], cache[600], stats[600];
static aimc_ctx *CTX; /* frees the data sets */

/* 3 speakers (speaker 2 = the test list), 1 trial: 60 files, the train
 * list's 40 first in the cache. */
static int setup(void **state) {
  (void)state;
  snprintf(tree, sizeof tree, "%s", test_tmpdir("splitload"));
  hdtree_make(tree, 16000, 3, 1);
  snprintf(cache, sizeof cache, "%s/features.cache", tree);
  snprintf(stats, sizeof stats, "%s/features.stats", tree);
  CTX = aimc_ctx_alloc(1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  aimc_ctx_free(CTX);
  return 0;
}

typedef struct {
  int computed, rebuilt, recomputed;
  char warning[512]; /* the last warning */
} log_capture;

static void capture(void *user, aimc_log_level level, const char *msg) {
  log_capture *c = user;
  c->computed += strstr(msg, "computing log-mel") != NULL;
  c->rebuilt += strstr(msg, "rebuilding") != NULL;
  c->recomputed += strstr(msg, "recomputing") != NULL;
  if (level == AIMC_LOG_WARN)
    snprintf(c->warning, sizeof c->warning, "%s", msg);
}

/* Loads split `split` (or everything when split < 0) with the log
 * captured. */
static aimc_dataset *load(const aimc_data_spec *s, int split,
                          log_capture *cap) {
  aimc_ctx *ctx = aimc_ctx_alloc(5);
  memset(cap, 0, sizeof *cap);
  aimc_ctx_set_log(ctx, capture, cap);
  aimc_dataset *ds = NULL;
  int st = split < 0 ? aimc_dataset_load(ctx, s, &ds)
                     : aimc_dataset_load_split(ctx, s, split, &ds);
  if (st) fail_msg("load failed: %s", aimc_ctx_errmsg(ctx));
  aimc_ctx_free(ctx);
  return ds;
}

/* b equals a for split sp, bit for bit: samples, labels, names, lengths,
 * normalisation and every normalised feature. */
static void assert_same_split(const aimc_dataset *a, const aimc_dataset *b,
                              int sp) {
  size_t F = aimc_dataset_n_features(a), L = aimc_dataset_length(a), na, nb;
  assert_int_equal(aimc_dataset_size(b), aimc_dataset_size(a));
  assert_int_equal(aimc_dataset_length(b), L);
  assert_int_equal(aimc_dataset_n_features(b), F);
  assert_int_equal(aimc_dataset_n_classes(b), aimc_dataset_n_classes(a));
  assert_memory_equal(aimc_dataset_feature_mean(b),
                      aimc_dataset_feature_mean(a), F * sizeof(float));
  assert_memory_equal(aimc_dataset_feature_std(b), aimc_dataset_feature_std(a),
                      F * sizeof(float));
  const size_t *ia = aimc_dataset_split(a, sp, &na);
  const size_t *ib = aimc_dataset_split(b, sp, &nb);
  assert_int_equal(nb, na);
  assert_true(na > 0);
  float *xa = malloc(L * F * sizeof *xa), *xb = malloc(L * F * sizeof *xb);
  for (size_t j = 0; j < na; j++) {
    assert_int_equal(ib[j], ia[j]);
    assert_int_equal(aimc_dataset_label(b, ib[j]),
                     aimc_dataset_label(a, ia[j]));
    assert_string_equal(aimc_dataset_sample_name(b, ib[j]),
                        aimc_dataset_sample_name(a, ia[j]));
    assert_int_equal(aimc_dataset_valid_steps(b, ib[j]),
                     aimc_dataset_valid_steps(a, ia[j]));
    aimc_dataset_get(a, ia[j], xa);
    aimc_dataset_get(b, ib[j], xb);
    assert_memory_equal(xb, xa, L * F * sizeof *xa);
  }
  free(xa);
  free(xb);
}

static size_t split_n(const aimc_dataset *ds, int sp) {
  size_t n;
  aimc_dataset_split(ds, sp, &n);
  return n;
}

static aimc_data_spec spec_of(int task, const char *classes, int downsample) {
  aimc_data_spec s = test_data_spec(tree, task);
  snprintf(s.classes, sizeof s.classes, "%s", classes);
  s.downsample = downsample;
  return s;
}

static void test_split_equals_full(void **state) {
  (void)state;
  static const struct {
    int task;
    const char *classes;
  } TASKS[] = {{AIMC_TASK_DIGITS20, ""},
               {AIMC_TASK_ZERO_ONE, ""},
               {AIMC_TASK_CLASSES, "null,seven,zero"}};
  log_capture cap;
  for (size_t t = 0; t < 3; t++)
    for (int k = 1; k <= 2; k++) {
      aimc_data_spec s = spec_of(TASKS[t].task, TASKS[t].classes, k);
      aimc_dataset *full = load(&s, -1, &cap); /* keeps the statistics */
      aimc_dataset *test = load(&s, AIMC_SPLIT_TEST, &cap);
      assert_int_equal(cap.computed, 0);
      assert_int_equal(cap.rebuilt + cap.recomputed, 0);
      assert_same_split(full, test, AIMC_SPLIT_TEST);
      /* The splits whose features were not read are empty. */
      assert_int_equal(split_n(test, AIMC_SPLIT_TRAIN), 0);
      assert_int_equal(split_n(test, AIMC_SPLIT_VAL), 0);
      aimc_dataset *train = load(&s, AIMC_SPLIT_TRAIN, &cap);
      assert_same_split(full, train, AIMC_SPLIT_TRAIN);
      assert_same_split(full, train, AIMC_SPLIT_VAL);
      assert_int_equal(split_n(train, AIMC_SPLIT_TEST), 0);
      aimc_dataset_free(CTX, full);
      aimc_dataset_free(CTX, test);
      aimc_dataset_free(CTX, train);
    }
}

/* The statistics kept for a task are, bit for bit, those a load without
 * any cache computes from the training files. */
static void test_stats_kept_are_trains(void **state) {
  (void)state;
  log_capture cap;
  for (int k = 1; k <= 3; k++) {
    aimc_data_spec s = spec_of(AIMC_TASK_ZERO_ONE, "", k);
    aimc_dataset_free(CTX, load(&s, -1, &cap));
    s.cache = 0;
    aimc_dataset *computed = load(&s, -1, &cap);
    assert_int_equal(cap.computed, 1); /* from the audio, no cache */
    size_t F = aimc_dataset_n_features(computed);
    float mean[64], sd[64];
    aimc_ctx *ctx = aimc_ctx_alloc(1);
    /* The key of this tree's cache, from its header. */
    FILE *f = fopen(cache, "rb");
    uint64_t key;
    assert_int_equal(fseek(f, 8, SEEK_SET), 0);
    assert_int_equal(fread(&key, 8, 1, f), 1);
    fclose(f);
    assert_int_equal(aimc_norm_stats_load(ctx, stats, key, 1u << 0 | 1u << 1,
                                          (uint32_t)k, F, mean, sd),
                     AIMC_OK);
    assert_memory_equal(mean, aimc_dataset_feature_mean(computed),
                        F * sizeof(float));
    assert_memory_equal(sd, aimc_dataset_feature_std(computed),
                        F * sizeof(float));
    /* Not those of another task. */
    assert_int_equal(aimc_norm_stats_load(ctx, stats, key, 1u << 2 | 1u << 3,
                                          (uint32_t)k, F, mean, sd),
                     AIMC_ENOTFOUND);
    aimc_ctx_free(ctx);
    aimc_dataset_free(CTX, computed);
  }
}

/* Flips one byte of a file at `at` (from the end when negative). */
static void flip(const char *path, long at) {
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(fseek(f, at, at < 0 ? SEEK_END : SEEK_SET), 0);
  int c = fgetc(f);
  assert_int_equal(fseek(f, -1, SEEK_CUR), 0);
  fputc(c ^ 0x5a, f);
  fclose(f);
}

static void test_corrupt_and_missing(void **state) {
  (void)state;
  log_capture cap;
  aimc_data_spec s = spec_of(AIMC_TASK_DIGITS20, "", 2);
  aimc_dataset *ref = load(&s, -1, &cap);

  /* A flipped byte in the first training file's features: a test-split
   * load does not read it; a training load finds it and rebuilds. */
  long head = 32 + 12 * 60 + 4;
  flip(cache, head + 5);
  aimc_dataset *ds = load(&s, AIMC_SPLIT_TEST, &cap);
  assert_int_equal(cap.rebuilt, 0);
  assert_same_split(ref, ds, AIMC_SPLIT_TEST);
  aimc_dataset_free(CTX, ds);
  ds = load(&s, AIMC_SPLIT_TRAIN, &cap);
  assert_int_equal(cap.rebuilt, 1);
  assert_non_null(strstr(cap.warning, "checksum mismatch in file 0"));
  assert_same_split(ref, ds, AIMC_SPLIT_TRAIN);
  aimc_dataset_free(CTX, ds);

  /* A flipped byte in the last test file's features: refused, rebuilt. */
  flip(cache, -3);
  ds = load(&s, AIMC_SPLIT_TEST, &cap);
  assert_int_equal(cap.rebuilt, 1);
  assert_int_equal(cap.computed, 1);
  assert_same_split(ref, ds, AIMC_SPLIT_TEST);
  aimc_dataset_free(CTX, ds);

  /* A corrupt statistics file: logged, recomputed from the training
   * files, written again. */
  flip(stats, 40);
  ds = load(&s, AIMC_SPLIT_TEST, &cap);
  assert_int_equal(cap.recomputed, 1);
  assert_non_null(strstr(cap.warning, "statistics checksum mismatch"));
  assert_same_split(ref, ds, AIMC_SPLIT_TEST);
  aimc_dataset_free(CTX, ds);
  ds = load(&s, AIMC_SPLIT_TEST, &cap);
  assert_int_equal(cap.recomputed, 0);
  aimc_dataset_free(CTX, ds);

  /* No statistics file: the training files are read once more and the
   * statistics kept again. */
  assert_int_equal(remove(stats), 0);
  ds = load(&s, AIMC_SPLIT_TEST, &cap);
  assert_int_equal(cap.computed + cap.rebuilt + cap.recomputed, 0);
  assert_true(test_file_exists(stats));
  assert_same_split(ref, ds, AIMC_SPLIT_TEST);
  aimc_dataset_free(CTX, ds);

  /* A cache of the earlier format (one CRC over the whole file) is
   * rebuilt, with a message that says so. */
  free(
      test_write_file(tree, "features.cache",
                      "AIMCFC01, an older cache: one CRC over the whole file"));
  ds = load(&s, AIMC_SPLIT_TEST, &cap);
  assert_int_equal(cap.rebuilt, 1);
  assert_non_null(strstr(cap.warning, "format 01"));
  assert_same_split(ref, ds, AIMC_SPLIT_TEST);
  aimc_dataset_free(CTX, ds);
  aimc_dataset_free(CTX, ref);
}

/* The dataset's fingerprint (from the loader's scan) equals a scan of its
 * own, for every task, split and downsample. */
static void assert_fingerprint(const aimc_data_spec *s, int split) {
  log_capture cap;
  aimc_dataset *ds = load(s, split, &cap);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  uint64_t own = 0;
  assert_int_equal(aimc_data_fingerprint(ctx, s, &own), AIMC_OK);
  assert_true(own != 0);
  assert_true(aimc_dataset_fingerprint(ds) == own);
  aimc_ctx_free(ctx);
  aimc_dataset_free(CTX, ds);
}

static void test_fingerprint_one_scan(void **state) {
  (void)state;
  for (int k = 1; k <= 2; k++) {
    aimc_data_spec s = spec_of(AIMC_TASK_ZERO_ONE, "", k);
    assert_fingerprint(&s, -1);
    assert_fingerprint(&s, AIMC_SPLIT_TEST);
    s = spec_of(AIMC_TASK_DIGITS20, "", k);
    assert_fingerprint(&s, AIMC_SPLIT_TRAIN);
  }
  /* Lists with CRLF ends, a blank line and a name with a trailing space
   * (the loader lists the file, the fingerprint stats "name " and finds
   * none): the two still agree, and differ from the tidy lists'. */
  char odd[512], path[700], line[256];
  snprintf(odd, sizeof odd, "%s", test_tmpdir("fingerprint"));
  hdtree_make(odd, 16000, 3, 1);
  aimc_data_spec s = test_data_spec(odd, AIMC_TASK_ZERO_ONE);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  uint64_t tidy = 0;
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &tidy), AIMC_OK);
  snprintf(path, sizeof path, "%s/train_filenames.txt", odd);
  FILE *in = fopen(path, "r");
  assert_non_null(in);
  char text[8192] = "";
  size_t used = 0;
  for (int i = 0; fgets(line, sizeof line, in); i++) {
    line[strcspn(line, "\n")] = '\0';
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s\r\n%s",
                             line, i == 3 ? " " : "", i == 5 ? "  \n" : "");
  }
  fclose(in);
  FILE *out = fopen(path, "w");
  assert_non_null(out);
  fputs(text, out);
  fclose(out);
  uint64_t own = 0;
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &own), AIMC_OK);
  assert_true(own != tidy);
  aimc_ctx_free(ctx);
  assert_fingerprint(&s, -1);
}

static void test_bad_split(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_data_spec s = spec_of(AIMC_TASK_ZERO_ONE, "", 1);
  aimc_dataset *ds = (aimc_dataset *)&s;
  assert_int_equal(aimc_dataset_load_split(ctx, &s, AIMC_SPLIT_COUNT, &ds),
                   AIMC_EINVAL);
  assert_null(ds);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "no split 3"));
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_equals_full),
      cmocka_unit_test(test_stats_kept_are_trains),
      cmocka_unit_test(test_corrupt_and_missing),
      cmocka_unit_test(test_fingerprint_one_scan),
      cmocka_unit_test(test_bad_split),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
