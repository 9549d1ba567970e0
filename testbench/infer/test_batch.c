/* Batched inference and its noise: (1) the normal deviates of the read/ADC
 * noise are standard normal (moments, tail share, Kolmogorov-Smirnov);
 * (2) a run simulates its samples in batches, yet with ideal devices every
 * sample's logits equal those of a lone run and of the trainer's reference
 * bit for bit; (3) with noise, a sample's result depends only on the seed
 * and its position in the run, not on which samples share its batch. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "aimc/data.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/s4d_reference.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "sim/infer/infer_internal.h"
#include "testutil.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* 2^20 deviates from 8 generators drawn as the run draws them. Tolerances
 * are 5 standard errors of each statistic for n draws: mean 1/sqrt(n),
 * variance sqrt(2/n), fourth moment sqrt((105 - 9)/n) (E z^8 = 105), tail
 * share beyond the base layer's edge r = 3.4426 sqrt(n p (1-p)) with p =
 * 2 Q(r) from GSL; the KS distance stays below 1.95/sqrt(n) (p = 0.001). */
static void test_normal(void **st) {
  (void)st;
  enum { G = 8, N = 1 << 20 };
  aimc_ziggurat z;
  aimc_ziggurat_init(&z);
  assert_true(z.x[AIMC_ZIG_N - 1] > 0 && z.x[AIMC_ZIG_N - 1] < z.x[1]);
  aimc_xs128p g[G];
  uint64_t u[G];
  for (int k = 0; k < G; k++) aimc_xs128p_seed(&g[k], aimc_seed_derive(7, (uint64_t)k));
  double *v = malloc(sizeof(double) * N), m1 = 0, m2 = 0, m4 = 0;
  double r = 3.442619855899;
  size_t tail = 0;
  for (int i = 0; i < N; i += G) aimc_normal_lanes(&z, g, u, v + i, G);
  for (int i = 0; i < N; i++) {
    m1 += v[i], m2 += v[i] * v[i], m4 += v[i] * v[i] * v[i] * v[i];
    tail += fabs(v[i]) > r;
  }
  m1 /= N, m2 /= N, m4 /= N;
  assert_true(fabs(m1) < 5 / sqrt(N));
  assert_true(fabs(m2 - 1) < 5 * sqrt(2.0 / N));
  assert_true(fabs(m4 - 3) < 5 * sqrt(96.0 / N));
  double p = 2 * gsl_cdf_ugaussian_Q(r);
  assert_true(fabs((double)tail - N * p) < 5 * sqrt(N * p * (1 - p)));
  qsort(v, N, sizeof(double), cmp_double);
  double d = 0;
  for (int i = 0; i < N; i++) {
    double c = gsl_cdf_ugaussian_P(v[i]);
    double lo = c - (double)i / N, hi = (double)(i + 1) / N - c;
    d = fmax(d, fmax(lo, hi));
  }
  assert_true(d < 1.95 / sqrt(N));
  free(v);
}

/* Fashion-MNIST rows (28 steps x 28 features, 10 classes), 40 test
 * samples: one batch of 32 and a padded batch of 8. NULL (test skipped)
 * when the Debian package dataset-fashion-mnist is not installed. */
static aimc_dataset *rows(aimc_ctx *ctx) {
  aimc_data_spec spec;
  size_t np;
  const aimc_param *pt = aimc_data_params(&np);
  aimc_params_defaults(pt, np, &spec);
  spec.task = AIMC_TASK_FMNIST_ROWS;
  spec.max_per_split = 40;
  spec.cache = 0;
  aimc_dataset *ds = NULL;
  return aimc_dataset_load(ctx, &spec, &ds) ? NULL : ds;
}

/* A context (seed 3) and the rows, made before each test that reads them
 * and freed after it, also when it fails; ds NULL: the test skips. */
typedef struct {
  aimc_ctx *ctx;
  aimc_dataset *ds;
} rows_fixture;

static int rows_setup(void **st) {
  static rows_fixture f;
  f.ctx = aimc_ctx_alloc(3);
  f.ds = f.ctx ? rows(f.ctx) : NULL;
  *st = &f;
  return f.ctx ? 0 : -1;
}

static int rows_teardown(void **st) {
  rows_fixture *f = *st;
  aimc_dataset_free(f->ctx, f->ds);
  aimc_ctx_free(f->ctx);
  return 0;
}

static void run_all(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                    const aimc_dataset *ds, size_t max, aimc_infer_result *r) {
  aimc_infer_opts o;
  aimc_infer_opts_defaults(&o);
  o.keep_logits = 1;
  o.max_samples = max;
  assert_int_equal(aimc_infer_run(ctx, mdl, hw, ds, &o, r), AIMC_OK);
}

/* One session, its workspace reused sample after sample: sample s gives
 * the logits of sample s of run r (rows' test split), for s < n. */
static void session_is_run(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                           const aimc_dataset *ds, const aimc_infer_result *r, size_t n) {
  size_t ns;
  const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &ns);
  float xf[28 * 28];
  double x[28 * 28], lone[10];
  aimc_infer_session *ses = NULL;
  assert_int_equal(aimc_infer_session_open(ctx, mdl, hw, &ses), AIMC_OK);
  for (size_t s = 0; s < n; s++) {
    aimc_dataset_get(ds, idx[s], xf);
    for (int k = 0; k < 28 * 28; k++) x[k] = xf[k];
    assert_int_equal(aimc_infer_session_run(ses, x, 28, s, lone), AIMC_OK);
    assert_memory_equal(r->logits + s * 10, lone, sizeof lone);
  }
  aimc_infer_session_close(ses);
}

static void test_batch_ideal(void **st) {
  rows_fixture *f = *st;
  aimc_ctx *ctx = f->ctx;
  const aimc_dataset *ds = f->ds;
  if (!ds) skip();
  aimc_s4d_model *mdl = fixture_model(ctx, 28, 10, 8, 4, 2, AIMC_MIX_GLU, 2, 6, 5);
  /* Single form; dense layers on 16-row crossbars (the encoder's 28
   * inputs split over two arrays: partial column sums added; these sum in
   * another order than the reference, so only batched == lone there); the
   * separate form. */
  int forms[] = {AIMC_FORM_SINGLE, AIMC_FORM_SINGLE, AIMC_FORM_SEPARATE};
  int rows_[] = {64, 16, 64};
  for (int v = 0; v < 3; v++) {
    aimc_arch a;
    aimc_arch_defaults(&a);
    a.form = forms[v];
    a.rows = rows_[v];
    a.dense = v == 1 ? AIMC_PLACE_CROSSBAR : AIMC_PLACE_DIGITAL;
    aimc_mapping *m = NULL;
    aimc_hw *hw = NULL;
    assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
    assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
    aimc_infer_result r;
    run_all(ctx, mdl, hw, ds, 0, &r);
    assert_int_equal(r.n_samples, 40);
    size_t n;
    const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
    float xf[28 * 28];
    double x[28 * 28], lone[10], ref[10];
    for (size_t s = 0; s < r.n_samples; s++) {
      aimc_dataset_get(ds, idx[s], xf);
      for (int k = 0; k < 28 * 28; k++) x[k] = xf[k];
      assert_int_equal(aimc_infer_sequence(ctx, mdl, hw, x, 28, lone), AIMC_OK);
      assert_int_equal(aimc_s4d_model_forward(ctx, mdl, x, 28, ref), AIMC_OK);
      assert_memory_equal(r.logits + s * 10, lone, sizeof lone);
      if (a.dense == AIMC_PLACE_DIGITAL)
        assert_memory_equal(r.logits + s * 10, ref, sizeof ref);
      else /* 1 ulp per sum, as in test_infer_golden */
        for (int c = 0; c < 10; c++) assert_near(r.logits[s * 10 + c], ref[c], 1e-9 * (1 + fabs(ref[c])));
    }
    aimc_infer_result_fini(ctx, &r);
    aimc_hw_free(ctx, hw);
    aimc_mapping_free(ctx, m);
  }
  aimc_s4d_model_free(ctx, mdl);
}

static void test_batch_noise(void **st) {
  rows_fixture *f = *st;
  aimc_ctx *ctx = f->ctx;
  const aimc_dataset *ds = f->ds;
  if (!ds) skip();
  aimc_s4d_model *mdl = fixture_model(ctx, 28, 10, 8, 4, 1, AIMC_MIX_GLU, 2, 0, 5);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.ni_read_noise = 1;
  snprintf(a.dev_read_noise, sizeof a.dev_read_noise, "0.05"); /* fed into the card */
  a.adc_noise_lsb = 0.5;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  /* Samples 0-4 alone in a batch of 5, and among 40 in batches of 32 + 8:
   * the same draws, so the same logits. */
  aimc_infer_result all, few, again;
  run_all(ctx, mdl, hw, ds, 0, &all);
  run_all(ctx, mdl, hw, ds, 5, &few);
  assert_memory_equal(all.logits, few.logits, 5 * 10 * sizeof(double));
  /* The noise is on: a run with another seed differs (and the ideal
   * logits differ from the noisy ones). */
  aimc_ctx *other = aimc_ctx_alloc(4);
  run_all(other, mdl, hw, ds, 5, &again);
  assert_true(memcmp(few.logits, again.logits, 5 * 10 * sizeof(double)) != 0);
  /* A lone run is sample 0 of a run. */
  size_t n;
  const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
  float xf[28 * 28];
  double x[28 * 28], lone[10];
  aimc_dataset_get(ds, idx[0], xf);
  for (int k = 0; k < 28 * 28; k++) x[k] = xf[k];
  assert_int_equal(aimc_infer_sequence(ctx, mdl, hw, x, 28, lone), AIMC_OK);
  assert_memory_equal(all.logits, lone, sizeof lone);
  /* One session, sample after sample (its workspace reused): sample s of
   * the run each time. */
  session_is_run(ctx, mdl, hw, ds, &all, 5);
  aimc_infer_result_fini(ctx, &all);
  aimc_infer_result_fini(ctx, &few);
  aimc_infer_result_fini(other, &again);
  aimc_ctx_free(other);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
}

/* A lone sequence converts its tiles' ADCs side by side (read_across.c),
 * each tile's stream in the order a batch draws it: sample s of a session
 * is sample s of a run, bit for bit, whatever the tiles hold. The single
 * form's 10 x 18 blocks on 16 x 24 arrays (a block per tile: one round)
 * and on 32 x 64 arrays (three per tile: rounds, the last with fewer
 * tiles); the separate form on 8 x 8 arrays (matrices split over tiles:
 * slots of different widths, partial sums added), dense layers there
 * too; with ADC and read noise, read noise alone (the ADCs draw only its
 * variance), and neither; with every tile's TIAs noisy (they draw the read
 * noise) and with every other tile's (the ADCs then convert slot by slot). */
static void test_lone_across(void **st) {
  rows_fixture *f = *st;
  aimc_ctx *ctx = f->ctx;
  const aimc_dataset *ds = f->ds;
  if (!ds) skip();
  aimc_s4d_model *mdl = fixture_model(ctx, 28, 10, 8, 4, 1, AIMC_MIX_GLU, 2, 0, 5);
  static const struct {
    int rows, cols, form, dense;
    double adc_lsb, read;
    int tia; /* 1: every tile's TIA noisy (it draws the read noise), 2: every other's */
  } CASES[] = {{16, 24, AIMC_FORM_SINGLE, AIMC_PLACE_DIGITAL, 0.5, 0.05, 0},
               {32, 64, AIMC_FORM_SINGLE, AIMC_PLACE_DIGITAL, 0.5, 0.05, 0},
               {8, 8, AIMC_FORM_SEPARATE, AIMC_PLACE_CROSSBAR, 0.5, 0.05, 0},
               {8, 6, AIMC_FORM_SEPARATE, AIMC_PLACE_CROSSBAR, 0.5, 0.05, 0},
               {32, 64, AIMC_FORM_SINGLE, AIMC_PLACE_DIGITAL, 0, 0.05, 0},
               {16, 24, AIMC_FORM_SINGLE, AIMC_PLACE_DIGITAL, 0, 0, 0},
               {16, 24, AIMC_FORM_SINGLE, AIMC_PLACE_DIGITAL, 0.5, 0.05, 1},
               {32, 64, AIMC_FORM_SINGLE, AIMC_PLACE_DIGITAL, 0.5, 0.05, 2}};
  for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
    aimc_arch a;
    aimc_arch_defaults(&a);
    a.rows = CASES[c].rows, a.cols = CASES[c].cols;
    a.form = CASES[c].form;
    a.dense = CASES[c].dense;
    a.adc_noise_lsb = CASES[c].adc_lsb;
    a.ni_read_noise = CASES[c].read > 0;
    snprintf(a.dev_read_noise, sizeof a.dev_read_noise, "%g", CASES[c].read);
    aimc_mapping *m = NULL;
    aimc_hw *hw = NULL;
    int rc = aimc_map_model(ctx, mdl, &a, &m);
    if (rc) fprintf(stderr, "case %zu: %s\n", c, aimc_ctx_errmsg(ctx));
    assert_int_equal(rc, AIMC_OK);
    assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
    assert_true(m->n_arrays > 1);
    for (size_t k = 0; CASES[c].tia && k < m->n_arrays; k += (size_t)CASES[c].tia) {
      char err[256];
      const aimc_param *r = aimc_tile_param(&m->tiles[k], AIMC_TILE_TIA, "noise");
      assert_non_null(r);
      void *tia = m->tiles[k].params[AIMC_TILE_TIA];
      assert_int_equal(aimc_param_set(r, tia, "30nA", err, sizeof err), AIMC_OK);
    }
    aimc_infer_result r;
    run_all(ctx, mdl, hw, ds, 4, &r);
    session_is_run(ctx, mdl, hw, ds, &r, 4);
    aimc_infer_result_fini(ctx, &r);
    aimc_hw_free(ctx, hw);
    aimc_mapping_free(ctx, m);
  }
  aimc_s4d_model_free(ctx, mdl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normal),
      cmocka_unit_test_setup_teardown(test_batch_ideal, rows_setup, rows_teardown),
      cmocka_unit_test_setup_teardown(test_batch_noise, rows_setup, rows_teardown),
      cmocka_unit_test_setup_teardown(test_lone_across, rows_setup, rows_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
