/* Fashion-MNIST reader on small IDX files made here (known pixels, so the
 * sequences and the normalisation are checked by hand), every bad-input
 * case (missing, wrong magic, truncated, count mismatch, bad label), and
 * the real Debian package when it is installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "aimc/data.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "spec_fixture.h"
#include "testutil.h"

static void put32(unsigned char *p, unsigned v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

/* Writes a gzip IDX file: magic, dims, then `len` bytes of data (cut to
 * `keep` bytes of payload to make truncated files). */
static void write_idx(const char *dir, const char *name, unsigned magic,
                      unsigned n, int images, const unsigned char *data,
                      size_t keep) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  gzFile gz = gzopen(path, "wb");
  unsigned char head[16];
  put32(head, magic);
  put32(head + 4, n);
  put32(head + 8, 28);
  put32(head + 12, 28);
  gzwrite(gz, head, images ? 16 : 8);
  if (keep) gzwrite(gz, data, (unsigned)keep);
  gzclose(gz);
}

/* Image k of the fake set: pixel (r, c) = (k + r + c) % 256; label k % 10. */
static unsigned char pixel(unsigned k, unsigned r, unsigned c) {
  return (unsigned char)((k + r + c) % 256);
}

static void make_set(const char *dir, unsigned n_train, unsigned n_test) {
  static unsigned char img[10 * 784], lab[10];
  for (int part = 0; part < 2; part++) {
    unsigned n = part ? n_test : n_train, base = part ? n_train : 0;
    for (unsigned k = 0; k < n; k++) {
      for (unsigned p = 0; p < 784; p++)
        img[k * 784 + p] = pixel(base + k, p / 28, p % 28);
      lab[k] = (unsigned char)((base + k) % 10);
    }
    const char *prefix = part ? "t10k" : "train";
    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte.gz", prefix);
    write_idx(dir, name, 0x803, n, 1, img, (size_t)n * 784);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte.gz", prefix);
    write_idx(dir, name, 0x801, n, 0, lab, n);
  }
}

static void test_rows_and_pixels(void **state) {
  (void)state;
  const char *dir = test_tmpdir("fmnist");
  make_set(dir, 8, 2);
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_data_spec s = test_data_spec(dir, AIMC_TASK_FMNIST_ROWS);
  aimc_dataset *ds;
  assert_int_equal(aimc_dataset_load(ctx, &s, &ds), AIMC_OK);
  assert_int_equal(aimc_dataset_size(ds), 10);
  assert_int_equal(aimc_dataset_length(ds), 28);
  assert_int_equal(aimc_dataset_n_features(ds), 28);
  assert_int_equal(aimc_dataset_n_classes(ds), 10);
  assert_string_equal(aimc_dataset_class_name(ds, 9), "Ankle boot");
  size_t n_tr, n_va, n_te;
  const size_t *tr = aimc_dataset_split(ds, AIMC_SPLIT_TRAIN, &n_tr);
  aimc_dataset_split(ds, AIMC_SPLIT_VAL, &n_va);
  const size_t *te = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n_te);
  /* 25 % of 8 training images = 2 for validation; 2 test images. */
  assert_int_equal(n_tr, 6);
  assert_int_equal(n_va, 2);
  assert_int_equal(n_te, 2);
  assert_int_equal(te[0], 8);
  assert_int_equal(aimc_dataset_label(ds, 9), 9);
  assert_string_equal(aimc_dataset_sample_name(ds, 9), "fmnist-test-1");
  /* No speakers: the default val_speakers (-1) draws random images, as 0
   * does; asking for whole speakers is refused. */
  assert_int_equal(aimc_dataset_speaker(ds, 3), -1);
  assert_int_equal(aimc_dataset_split_speakers(ds, AIMC_SPLIT_TRAIN), 0);
  {
    aimc_data_spec d = s;
    size_t tab;
    const aimc_param *t = aimc_data_params(&tab);
    aimc_params_defaults(t, tab, &d);
    d.task = AIMC_TASK_FMNIST_ROWS;
    snprintf(d.dir, sizeof d.dir, "%s", dir);
    d.val_fraction = 0.25;
    aimc_dataset *dd;
    assert_int_equal(aimc_dataset_load(ctx, &d, &dd), AIMC_OK);
    size_t m;
    aimc_dataset_split(dd, AIMC_SPLIT_VAL, &m);
    assert_int_equal(m, 2);
    aimc_dataset_free(ctx, dd);
    d.val_speakers = 2;
    assert_int_equal(aimc_dataset_load(ctx, &d, &dd), AIMC_EINVAL);
    assert_non_null(strstr(aimc_ctx_errmsg(ctx), "has no speakers"));
  }
  /* Per-feature (column c) statistics over the rows of the 8 training
   * images (train and validation splits, never test): pixel (k + r + c)
   * / 255 for k = 0..7, r = 0..27. */
  const float *mean = aimc_dataset_feature_mean(ds);
  const float *sd = aimc_dataset_feature_std(ds);
  for (size_t j = 0; j < n_tr; j++) assert_true(tr[j] < 8);
  for (int c = 0; c < 28; c += 9) {
    double m = 0, m2 = 0;
    for (unsigned k = 0; k < 8; k++)
      for (int r = 0; r < 28; r++) {
        double v = pixel(k, (unsigned)r, (unsigned)c) / 255.0;
        m += v;
        m2 += v * v;
      }
    m /= 28.0 * 8;
    m2 /= 28.0 * 8;
    assert_near(mean[c], m, 1e-5);
    assert_near(sd[c], sqrt(m2 - m * m), 1e-4);
  }
  /* Sample 9, step (row) 5, feature (column) 7: normalised pixel. */
  float x[28 * 28];
  aimc_dataset_get(ds, 9, x);
  assert_near(x[5 * 28 + 7], (pixel(9, 5, 7) / 255.0 - mean[7]) / sd[7], 1e-4);
  aimc_dataset_free(ctx, ds);

  s = test_data_spec(dir, AIMC_TASK_FMNIST_PIXELS);
  assert_int_equal(aimc_dataset_load(ctx, &s, &ds), AIMC_OK);
  assert_int_equal(aimc_dataset_length(ds), 784);
  assert_int_equal(aimc_dataset_n_features(ds), 1);
  aimc_dataset_get(ds, 3, x);
  /* Pixel-by-pixel: step t is pixel (t / 28, t % 28). */
  mean = aimc_dataset_feature_mean(ds);
  sd = aimc_dataset_feature_std(ds);
  assert_near(x[100], (pixel(3, 100 / 28, 100 % 28) / 255.0 - mean[0]) / sd[0],
              1e-4);
  aimc_dataset_free(ctx, ds);
  aimc_ctx_free(ctx);
}

static void expect_error(const char *dir, int status, const char *needle) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_data_spec s = test_data_spec(dir, AIMC_TASK_FMNIST_ROWS);
  aimc_dataset *ds = (aimc_dataset *)&s;
  assert_int_equal(aimc_dataset_load(ctx, &s, &ds), status);
  assert_null(ds);
  if (!strstr(aimc_ctx_errmsg(ctx), needle))
    fail_msg("message '%s' lacks '%s'", aimc_ctx_errmsg(ctx), needle);
  aimc_ctx_free(ctx);
}

static void test_bad_inputs(void **state) {
  (void)state;
  unsigned char img[784 * 2] = {0}, lab[2] = {0, 12};
  const char *dir = test_tmpdir("fmnist_bad");
  expect_error(dir, AIMC_ENOTFOUND, "train-images-idx3-ubyte.gz");

  make_set(dir, 2, 1);
  write_idx(dir, "train-images-idx3-ubyte.gz", 0x801, 2, 1, img, 2 * 784);
  expect_error(dir, AIMC_EFORMAT, "wrong IDX magic number 0x00000801");

  make_set(dir, 2, 1);
  write_idx(dir, "t10k-images-idx3-ubyte.gz", 0x803, 1, 1, img, 300);
  expect_error(dir, AIMC_EFORMAT, "t10k-images-idx3-ubyte.gz: truncated");

  make_set(dir, 2, 1);
  write_idx(dir, "train-labels-idx1-ubyte.gz", 0x801, 1, 0, lab, 1);
  expect_error(dir, AIMC_EFORMAT, "1 labels for 2 images");

  make_set(dir, 2, 1);
  write_idx(dir, "train-labels-idx1-ubyte.gz", 0x801, 2, 0, lab, 2);
  expect_error(dir, AIMC_EFORMAT, "label 12 of item 1");

  /* Not gzip at all: zlib reads it as plain bytes, so the magic fails. */
  make_set(dir, 2, 1);
  char *p = test_write_file(dir, "train-images-idx3-ubyte.gz", "hello");
  free(p);
  expect_error(dir, AIMC_EFORMAT, "train-images-idx3-ubyte.gz");
}

static int load_small(aimc_ctx *ctx, void *user) {
  aimc_data_spec s = test_data_spec(user, AIMC_TASK_FMNIST_ROWS);
  aimc_dataset *ds;
  int st = aimc_dataset_load(ctx, &s, &ds);
  aimc_dataset_free(ctx, ds);
  return st;
}

static void test_fault_injection(void **state) {
  (void)state;
  const char *dir = test_tmpdir("fmnist_fault");
  make_set(dir, 4, 2);
  char copy[512];
  snprintf(copy, sizeof copy, "%s", dir);
  assert_true(failalloc_sweep(load_small, copy) > 5);
}

/* The real set (Debian dataset-fashion-mnist), when installed. */
static void test_real_package(void **state) {
  (void)state;
  if (!test_file_exists(
          "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    skip();
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_data_spec s = test_data_spec("", AIMC_TASK_FMNIST_ROWS);
  s.val_fraction = 0.1;
  aimc_dataset *ds;
  assert_int_equal(aimc_dataset_load(ctx, &s, &ds), AIMC_OK);
  size_t n;
  /* Fashion-MNIST: 60000 training and 10000 test images (Xiao et al.);
   * 10 % of the training images for validation. */
  assert_int_equal(aimc_dataset_size(ds), 70000);
  aimc_dataset_split(ds, AIMC_SPLIT_TRAIN, &n);
  assert_int_equal(n, 54000);
  aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
  assert_int_equal(n, 10000);
  /* The test set has exactly 1000 images per class. */
  const size_t *te = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
  size_t count[10] = {0};
  for (size_t j = 0; j < n; j++) count[aimc_dataset_label(ds, te[j])]++;
  for (int c = 0; c < 10; c++) assert_int_equal(count[c], 1000);
  aimc_dataset_free(ctx, ds);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_and_pixels),
      cmocka_unit_test(test_bad_inputs),
      cmocka_unit_test(test_fault_injection),
      cmocka_unit_test(test_real_package),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
