/* Issue #15 (honest accuracy), trainer side: model selection picks the
 * right epoch of a constructed history and the trainer exports exactly
 * that epoch's weights; augmentation is deterministic for a seed and does
 * what each transform says; the corpus fingerprint changes with the file
 * lists and feature settings only, and a model's data check warns, or with
 * strict fails (AIMC_EINVAL, exit code 2), naming both values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "aimc/train.h"
#include "testutil.h"

/* ---- Model selection on constructed histories ---- */

static void test_select_rules(void **state) {
  (void)state;
  /* Epoch 0 is float pre-training (not eligible) and has the lowest loss.
   * Epochs 2 and 3 tie on the loss: the later one wins. Accuracy
   * saturates at epoch 1: the old rule (first epoch reaching the best
   * accuracy) exported epoch 1. */
  const double loss[] = {0.05, 0.30, 0.20, 0.20, 0.25};
  const double acc[] = {0.99, 1.00, 1.00, 1.00, 1.00};
  const int elig[] = {0, 1, 1, 1, 1};
  assert_int_equal(
      aimc_train_select_epoch(AIMC_SELECT_LOSS, loss, acc, elig, 5), 3);
  /* All tie on accuracy: lower loss, then the later epoch. */
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_ACC, loss, acc, elig, 5),
                   3);
  assert_int_equal(
      aimc_train_select_epoch(AIMC_SELECT_LAST, loss, acc, elig, 5), 4);
  /* Without the eligibility mask epoch 0 wins on loss. */
  assert_int_equal(
      aimc_train_select_epoch(AIMC_SELECT_LOSS, loss, acc, NULL, 5), 0);

  const double l2[] = {0.40, 0.30, 0.35, 0.10, NAN};
  const double a2[] = {0.90, 0.95, 1.00, 0.99, NAN};
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_ACC, l2, a2, NULL, 5),
                   2);
  /* A NaN loss (diverged epoch) never wins; LAST takes it regardless. */
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_LOSS, l2, a2, NULL, 5),
                   3);
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_LAST, l2, a2, NULL, 5),
                   4);
  const int e2[] = {1, 1, 1, 0, 0};
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_LOSS, l2, a2, e2, 5), 1);
  const int none[] = {0, 0, 0, 0, 0};
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_LOSS, l2, a2, none, 5),
                   -1);
  assert_int_equal(aimc_train_select_epoch(AIMC_SELECT_LOSS, l2, a2, NULL, 0),
                   -1);
}

/* ---- The trainer exports the epoch the rule picks ---- */

enum { N = 120, LEN = 16, N_IN = 2, CLASSES = 3, EPOCHS = 7, START = 2 };

static void make_data(aimc_train_data *d, float *x, int *y, int n,
                      unsigned seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  for (int i = 0; i < n; i++) {
    int c = i % CLASSES;
    double ph = 6.283 * gsl_rng_uniform(r);
    for (int t = 0; t < LEN; t++) {
      x[(i * LEN + t) * N_IN] = (float)(sin(ph + 6.2832 * t / (4 << c)) +
                                        0.6 * (gsl_rng_uniform(r) - 0.5));
      x[(i * LEN + t) * N_IN + 1] = (float)(gsl_rng_uniform(r) - 0.5);
    }
    y[i] = c;
  }
  gsl_rng_free(r);
  *d = (aimc_train_data){n, LEN, N_IN, CLASSES, x, y};
}

static void test_trainer_exports_selected(void **state) {
  (void)state;
  static float xt[N * LEN * N_IN], xv[N * LEN * N_IN];
  static int yt[N], yv[N];
  aimc_train_data tr_d, va_d;
  make_data(&tr_d, xt, yt, N, 1);
  make_data(&va_d, xv, yv, N / 3, 2);
  for (int kind = 0; kind < 3; kind++) {
    aimc_ctx *ctx = aimc_ctx_alloc(1);
    aimc_train_cfg c;
    aimc_train_cfg_defaults(&c);
    c.model.h = 6;
    c.model.n = 4;
    c.model.layers = 1;
    c.model.dt_min = 0.05;
    c.model.dt_max = 1;
    c.quant.bits_a = c.quant.bits_b = c.quant.bits_c = c.quant.bits_d = 3;
    c.quant.fscale = 0.95;
    c.quant.start_epoch = START;
    c.train.epochs = EPOCHS;
    c.train.batch = 16;
    c.train.threads = 2;
    c.train.lr = 0.03; /* a noisy trajectory: the rules disagree */
    c.train.select = kind;
    aimc_trainer *tr;
    assert_int_equal(aimc_trainer_alloc(ctx, &c, &tr_d, &va_d, NULL, NULL, &tr),
                     AIMC_OK);
    double vl[EPOCHS], va[EPOCHS], *snap[EPOCHS];
    int elig[EPOCHS], e = 0;
    size_t np;
    aimc_train_stats s;
    while (!aimc_trainer_done(tr)) {
      assert_int_equal(aimc_trainer_iterate(tr, &s), AIMC_OK);
      if (!s.epoch_done) continue;
      vl[e] = s.val_loss;
      va[e] = s.val_acc;
      elig[e] = e >= START;
      const double *p = aimc_trainer_params(tr, &np);
      snap[e] = malloc(np * sizeof(double));
      memcpy(snap[e], p, np * sizeof(double));
      e++;
    }
    assert_int_equal(e, EPOCHS);
    int want = aimc_train_select_epoch(kind, vl, va, elig, EPOCHS);
    assert_true(want >= START);
    double l, a;
    assert_int_equal(aimc_trainer_selected(tr, &l, &a), want);
    assert_true(l == vl[want] && a == va[want]);
    assert_int_equal(aimc_trainer_use_best(tr), want);
    const double *p = aimc_trainer_params(tr, &np);
    assert_memory_equal(p, snap[want], np * sizeof(double));
    print_message("select %d: epoch %d (val loss %.4f acc %.3f)\n", kind, want,
                  l, a);
    for (int i = 0; i < EPOCHS; i++) free(snap[i]);
    aimc_trainer_free(tr);
    aimc_ctx_free(ctx);
  }
}

/* With train.val_chips and programming noise, the validation figures of an
 * epoch are the mean over that many noisy chips with fixed seeds: the last
 * epoch's equal a recomputation from the final weights. */
static void test_noisy_validation(void **state) {
  (void)state;
  static float xt[N * LEN * N_IN], xv[N * LEN * N_IN];
  static int yt[N], yv[N];
  aimc_train_data tr_d, va_d;
  make_data(&tr_d, xt, yt, N, 1);
  make_data(&va_d, xv, yv, N / 3, 2);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_train_cfg c;
  aimc_train_cfg_defaults(&c);
  c.model.h = 6;
  c.model.n = 4;
  c.model.layers = 1;
  c.quant.bits_a = c.quant.bits_b = c.quant.bits_c = c.quant.bits_d = 2;
  c.quant.fscale = 0.95;
  c.noise.sigma_S = 20e-6;
  c.train.epochs = 2;
  c.train.batch = 16;
  c.train.threads = 2;
  c.train.val_chips = 3;
  aimc_trainer *tr;
  assert_int_equal(aimc_trainer_alloc(ctx, &c, &tr_d, &va_d, NULL, NULL, &tr),
                   AIMC_OK);
  aimc_train_stats s;
  double last_loss = NAN, last_acc = NAN;
  while (!aimc_trainer_done(tr)) {
    assert_int_equal(aimc_trainer_iterate(tr, &s), AIMC_OK);
    if (s.epoch_done) last_loss = s.val_loss, last_acc = s.val_acc;
  }
  double sl = 0, sa = 0, a, l, q;
  for (int k = 0; k < 3; k++) {
    assert_int_equal(aimc_trainer_evaluate(
                         tr, &va_d, AIMC_EVAL_NOISY,
                         aimc_seed_derive(1, 8100000 + (uint64_t)k), &a, &l),
                     AIMC_OK);
    sl += l;
    sa += a;
  }
  assert_true(fabs(sl / 3 - last_loss) < 1e-12 &&
              fabs(sa / 3 - last_acc) < 1e-12);
  /* And it is not the noiseless figure (20 uS moves the loss). */
  assert_int_equal(aimc_trainer_evaluate(tr, &va_d, AIMC_EVAL_QUANT, 0, &q, &l),
                   AIMC_OK);
  assert_true(fabs(l - last_loss) > 1e-9);
  aimc_trainer_free(tr);
  aimc_ctx_free(ctx);
}

/* ---- Augmentation ---- */

enum { AL = 40, AF = 8 };

static void ramp(float *x) {
  for (int t = 0; t < AL; t++)
    for (int f = 0; f < AF; f++) x[t * AF + f] = (float)(1 + t + 100 * f);
}

static void test_augment_deterministic(void **state) {
  (void)state;
  float x[AL * AF], a[AL * AF], b[AL * AF];
  ramp(x);
  aimc_train_augment_cfg c;
  aimc_train_cfg cfg;
  aimc_train_cfg_defaults(&cfg);
  c = cfg.augment;
  /* Defaults: every transform off, the output is the input. */
  aimc_train_augment(&c, AL, AF, x, a, 7);
  assert_memory_equal(a, x, sizeof x);
  c.shift = 5;
  c.speed = 0.15;
  c.noise_prob = 0.5;
  c.time_masks = 2;
  c.freq_masks = 1;
  int differ = 0;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    aimc_train_augment(&c, AL, AF, x, a, seed);
    aimc_train_augment(&c, AL, AF, x, b, seed);
    assert_memory_equal(a, b, sizeof a); /* same seed, same bits */
    aimc_train_augment(&c, AL, AF, x, b, seed + 1000);
    differ += memcmp(a, b, sizeof a) != 0;
  }
  assert_int_equal(differ, 20);
}

static void test_augment_transforms(void **state) {
  (void)state;
  float x[AL * AF], a[AL * AF];
  ramp(x);
  aimc_train_cfg cfg;
  aimc_train_cfg_defaults(&cfg);
  /* Shift alone: out[t] = x[t - s] for one s in [-3, 3], zeros where the
   * source is outside; over seeds, several shifts occur. */
  aimc_train_augment_cfg c = cfg.augment;
  c.shift = 3;
  int seen[7] = {0};
  for (uint64_t seed = 1; seed <= 60; seed++) {
    aimc_train_augment(&c, AL, AF, x, a, seed);
    int s = (int)a[(AL / 2) * AF] - (int)x[(AL / 2) * AF];
    s = -s; /* a[t] = x[t - s] = 1 + t - s + ... */
    assert_true(s >= -3 && s <= 3);
    seen[s + 3]++;
    for (int t = 0; t < AL; t++)
      for (int f = 0; f < AF; f++) {
        int src = t - s;
        float want = src < 0 || src >= AL ? 0.0f : x[src * AF + f];
        assert_true(a[t * AF + f] == want);
      }
  }
  int kinds = 0;
  for (int i = 0; i < 7; i++) kinds += seen[i] > 0;
  assert_true(kinds >= 5);
  /* Masks alone: every output value is the input's or 0; with one time
   * mask of up to 4 steps at most 4 rows are zeroed. */
  c = cfg.augment;
  c.time_masks = 1;
  c.time_mask_max = 4;
  c.freq_masks = 1;
  c.freq_mask_max = 2;
  for (uint64_t seed = 1; seed <= 30; seed++) {
    aimc_train_augment(&c, AL, AF, x, a, seed);
    int zero_rows = 0;
    for (int t = 0; t < AL; t++) {
      int z = 0;
      for (int f = 0; f < AF; f++) {
        assert_true(a[t * AF + f] == 0 || a[t * AF + f] == x[t * AF + f]);
        z += a[t * AF + f] == 0;
      }
      zero_rows += z == AF;
      assert_true(z == AF || z <= 2); /* a band mask zeroes <= 2 per row */
    }
    assert_true(zero_rows <= 4);
  }
  /* Noise at exactly 20 dB on unit-variance features: sd 0.1. Over
   * 320 x 40 draws the sample sd has a standard error of
   * 0.1/sqrt(2*12800) = 6e-4; tolerance 0.004 (over 6 se). */
  enum { BIG = 320 };
  static float z[BIG * AL], o[BIG * AL];
  memset(z, 0, sizeof z);
  c = cfg.augment;
  c.noise_prob = 1;
  c.snr_min_dB = c.snr_max_dB = 20;
  aimc_train_augment(&c, BIG, AL, z, o, 99);
  double s2 = 0;
  for (int i = 0; i < BIG * AL; i++) s2 += (double)o[i] * o[i];
  double sd = sqrt(s2 / (BIG * AL));
  assert_true(fabs(sd - 0.1) < 0.004);
  /* noise_prob 0: no noise whatever the seed. */
  c.noise_prob = 0;
  aimc_train_augment(&c, BIG, AL, z, o, 99);
  assert_memory_equal(o, z, sizeof z);
  /* Speed alone keeps step 0 (source 0 * rate = 0). */
  c = cfg.augment;
  c.speed = 0.2;
  aimc_train_augment(&c, AL, AF, x, a, 5);
  assert_memory_equal(a, x, AF * sizeof(float));
}

/* ---- Corpus fingerprint and the data check ---- */

static void write_text(aimc_ctx *ctx, const char *path, const char *text) {
  assert_int_equal(aimc_write_file_atomic(ctx, path, text, strlen(text)),
                   AIMC_OK);
}

static void corpus(aimc_ctx *ctx, const char *dir, const char *train,
                   int audio_bytes) {
  char p[600];
  snprintf(p, sizeof p, "%s/audio", dir);
  assert_int_equal(aimc_mkdirs(ctx, p), AIMC_OK);
  snprintf(p, sizeof p, "%s/train_filenames.txt", dir);
  write_text(ctx, p, train);
  snprintf(p, sizeof p, "%s/test_filenames.txt", dir);
  write_text(ctx, p, "b.flac\n");
  char buf[64];
  memset(buf, 'x', sizeof buf);
  snprintf(p, sizeof p, "%s/audio/a.flac", dir);
  assert_int_equal(aimc_write_file_atomic(ctx, p, buf, (size_t)audio_bytes),
                   AIMC_OK);
}

static void test_fingerprint_and_check(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *root = test_tmpdir("fingerprint");
  char a[512], b[512], c[512];
  snprintf(a, sizeof a, "%s/a", root);
  snprintf(b, sizeof b, "%s/b", root);
  snprintf(c, sizeof c, "%s/c", root);
  corpus(ctx, a, "a.flac\n", 10);
  corpus(ctx, b, "a.flac\n", 10); /* a copy: the same corpus */
  corpus(ctx, c, "a.flac\n", 11); /* same names, other audio */
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec s;
  aimc_params_defaults(t, n, &s);
  snprintf(s.dir, sizeof s.dir, "%s", a);
  uint64_t fa, fb, fc, f;
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &fa), AIMC_OK);
  assert_true(fa != 0);
  snprintf(s.dir, sizeof s.dir, "%s", b);
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &fb), AIMC_OK);
  assert_true(fa == fb);
  snprintf(s.dir, sizeof s.dir, "%s", c);
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &fc), AIMC_OK);
  assert_true(fc != fa);
  /* Not part of it: seed-dependent split share, cap, length, cache. */
  snprintf(s.dir, sizeof s.dir, "%s", a);
  s.val_fraction = 0.3;
  s.max_per_split = 7;
  s.length = 99;
  s.cache = !s.cache;
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &f), AIMC_OK);
  assert_true(f == fa);
  /* Part of it: feature settings and the task. */
  s.n_mels += 1;
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &f), AIMC_OK);
  assert_true(f != fa);
  s.n_mels -= 1;
  s.task = AIMC_TASK_DIGITS20;
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &f), AIMC_OK);
  assert_true(f != fa);
  /* A list edit changes it. */
  char p[600];
  snprintf(p, sizeof p, "%s/train_filenames.txt", b);
  write_text(ctx, p, "a.flac\nb.flac\n");
  aimc_params_defaults(t, n, &s);
  snprintf(s.dir, sizeof s.dir, "%s", b);
  assert_int_equal(aimc_data_fingerprint(ctx, &s, &f), AIMC_OK);
  assert_true(f != fa);
  /* No lists: not found, naming the file. */
  snprintf(s.dir, sizeof s.dir, "%s/none", root);
  assert_int_not_equal(aimc_data_fingerprint(ctx, &s, &f), AIMC_OK);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "train_filenames.txt"));

  /* A model trained on corpus a at length 30. */
  aimc_s4d_model *m;
  assert_int_equal(
      aimc_s4d_model_alloc(ctx, 2, 2, 2, 1, 1, AIMC_MIX_LINEAR, &m), AIMC_OK);
  aimc_params_defaults(t, n, &s);
  snprintf(s.dir, sizeof s.dir, "%s", a);
  assert_int_equal(aimc_s4d_model_set_data(ctx, m, &s, 30), AIMC_OK);
  assert_true(m->data_fingerprint == fa);
  assert_int_equal(m->data_length, 30);
  assert_string_equal(m->data_dir, a);
  assert_non_null(strstr(m->data_spec, "length=0"));
  assert_null(strstr(m->data_spec, "dir="));
  /* Same corpus (a copy, elsewhere) and length: silent, even strict. */
  snprintf(s.dir, sizeof s.dir, "%s", a);
  assert_int_equal(aimc_s4d_model_check_data(ctx, m, "m.s4d", &s, 30, 1),
                   AIMC_OK);
  /* Corpus c: a warning (status OK), or strict: EINVAL naming both. */
  snprintf(s.dir, sizeof s.dir, "%s", c);
  assert_int_equal(aimc_s4d_model_check_data(ctx, m, "m.s4d", &s, 30, 0),
                   AIMC_OK);
  assert_int_equal(aimc_s4d_model_check_data(ctx, m, "m.s4d", &s, 30, 1),
                   AIMC_EINVAL);
  const char *msg = aimc_ctx_errmsg(ctx);
  char fps[40];
  assert_non_null(strstr(msg, c));
  assert_non_null(strstr(msg, a));
  snprintf(fps, sizeof fps, "%016llx", (unsigned long long)fa);
  assert_non_null(strstr(msg, fps));
  snprintf(fps, sizeof fps, "%016llx", (unsigned long long)fc);
  assert_non_null(strstr(msg, fps));
  /* Another length: strict error with both lengths. */
  snprintf(s.dir, sizeof s.dir, "%s", a);
  assert_int_equal(aimc_s4d_model_check_data(ctx, m, "m.s4d", &s, 31, 1),
                   AIMC_EINVAL);
  assert_non_null(
      strstr(aimc_ctx_errmsg(ctx), "sequence length 31 but trained at 30"));
  assert_int_equal(aimc_status_exit_code(AIMC_EINVAL), 2);
  /* A model without a fingerprint (older file): fine, unless strict. */
  m->data_fingerprint = 0;
  assert_int_equal(aimc_s4d_model_check_data(ctx, m, "m.s4d", &s, 31, 0),
                   AIMC_OK);
  assert_int_equal(aimc_s4d_model_check_data(ctx, m, "m.s4d", &s, 31, 1),
                   AIMC_EINVAL);
  aimc_s4d_model_free(ctx, m);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_select_rules),
      cmocka_unit_test(test_trainer_exports_selected),
      cmocka_unit_test(test_noisy_validation),
      cmocka_unit_test(test_augment_deterministic),
      cmocka_unit_test(test_augment_transforms),
      cmocka_unit_test(test_fingerprint_and_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
