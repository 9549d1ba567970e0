/* Training loop: learns a synthetic task, is deterministic for a seed and
 * thread count, resumes from a checkpoint to bit-identical weights, writes
 * its CSV log, refuses a checkpoint of another model, rejects bad
 * configs with file:line:col. */
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

#include "aimc/config.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/train.h"
#include "failalloc.h"
#include "testutil.h"

enum { N = 240, LEN = 24, N_IN = 2, CLASSES = 3 };

/* Class c is a sinusoid of period 4, 8 or 16 steps with a random phase
 * and amplitude in channel 0, plus noise in both channels; mean pooling
 * of a memoryless map cannot tell the classes apart (all have zero mean
 * and similar power), a recurrence can. */
static void make_data(aimc_train_data *d, float *x, int *y, int n,
                      unsigned seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  for (int i = 0; i < n; i++) {
    int c = i % CLASSES;
    double ph = 6.283 * gsl_rng_uniform(r), a = 0.7 + 0.6 * gsl_rng_uniform(r);
    for (int t = 0; t < LEN; t++) {
      x[(i * LEN + t) * N_IN] = (float)(a * sin(ph + 6.2832 * t / (4 << c)) +
                                        0.2 * (gsl_rng_uniform(r) - 0.5));
      x[(i * LEN + t) * N_IN + 1] = (float)(0.5 * (gsl_rng_uniform(r) - 0.5));
    }
    y[i] = c;
  }
  gsl_rng_free(r);
  *d = (aimc_train_data){n, LEN, N_IN, CLASSES, x, y};
}

static float X_TR[N * LEN * N_IN], X_VA[N * LEN * N_IN];
static int Y_TR[N], Y_VA[N];
static aimc_train_data TRAIN, VAL;

static int setup(void **state) {
  (void)state;
  make_data(&TRAIN, X_TR, Y_TR, N, 1);
  make_data(&VAL, X_VA, Y_VA, N / 2, 2);
  return 0;
}

static void small_cfg(aimc_train_cfg *c) {
  aimc_train_cfg_defaults(c);
  c->model.h = 8;
  c->model.n = 8;
  c->model.layers = 1;
  c->model.dropout = 0.1;
  c->model.dt_min = 0.05;
  c->model.dt_max = 1;
  c->train.epochs = 8;
  c->train.batch = 16;
  c->train.threads = 2;
  c->train.warmup = 1;
}

static aimc_trainer *run(aimc_ctx *ctx, const aimc_train_cfg *c,
                         const char *ckpt, const char *csv, long steps) {
  aimc_trainer *tr;
  assert_int_equal(aimc_trainer_alloc(ctx, c, &TRAIN, &VAL, ckpt, csv, &tr),
                   AIMC_OK);
  aimc_train_stats s;
  for (long i = 0; i < steps && !aimc_trainer_done(tr); i++)
    assert_int_equal(aimc_trainer_iterate(tr, &s), AIMC_OK);
  return tr;
}

static void test_learns_and_quantizes(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_train_cfg c;
  small_cfg(&c);
  /* 3 epochs float, then 2-bit (ternary) fixed-range QAT of Abar. */
  c.quant.bits_a = c.quant.bits_b = c.quant.bits_c = 2;
  c.quant.bits_d = 4;
  c.quant.fscale = 0.95;
  c.quant.start_epoch = 3;
  c.train.epochs = 12;
  aimc_trainer *tr = run(ctx, &c, NULL, NULL, 1000000);
  double acc_f, acc_q, loss;
  assert_int_equal(
      aimc_trainer_evaluate(tr, &VAL, AIMC_EVAL_FLOAT, 0, &acc_f, &loss),
      AIMC_OK);
  assert_int_equal(
      aimc_trainer_evaluate(tr, &VAL, AIMC_EVAL_QUANT, 0, &acc_q, &loss),
      AIMC_OK);
  print_message("  synthetic 3-class: float %.3f, 2-bit %.3f\n", acc_f, acc_q);
  /* Chance is 1/3; 120 validation samples, so 0.8 is far outside chance
   * (binomial sd 0.043) and leaves room below what it reaches. */
  assert_true(acc_q > 0.8);
  aimc_trainer_free(tr);
  aimc_ctx_free(ctx);
}

static void test_deterministic(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_train_cfg c;
  small_cfg(&c);
  aimc_trainer *a = run(ctx, &c, NULL, NULL, 20),
               *b = run(ctx, &c, NULL, NULL, 20);
  size_t na, nb;
  const double *pa = aimc_trainer_params(a, &na),
               *pb = aimc_trainer_params(b, &nb);
  assert_int_equal(na, nb);
  assert_memory_equal(pa, pb, na * sizeof(double));
  aimc_trainer_free(b);
  c.train.seed = 2; /* another seed gives other weights */
  b = run(ctx, &c, NULL, NULL, 20);
  pb = aimc_trainer_params(b, &nb);
  assert_memory_not_equal(pa, pb, na * sizeof(double));
  aimc_trainer_free(a);
  aimc_trainer_free(b);
  aimc_ctx_free(ctx);
}

/* Stop after k steps (mid-epoch and at an epoch end), resume in a fresh
 * trainer, finish: the weights equal those of an uninterrupted run. */
static void test_resume_identical(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_train_cfg c;
  small_cfg(&c);
  c.train.epochs = 4;
  c.train.checkpoint_steps = 1;
  c.quant.bits_a = 3;
  c.quant.start_epoch = 1;
  c.noise.sigma_rel = 0.02; /* noise draws must resume too */
  c.prune.fraction = 0.25;
  c.prune.at_epoch = 2;
  const char *dir = test_tmpdir("resume");
  char ck[512], csv[512], csv2[512];
  snprintf(ck, sizeof ck, "%s/t.ckpt", dir);
  snprintf(csv, sizeof csv, "%s/a.csv", dir);
  snprintf(csv2, sizeof csv2, "%s/b.csv", dir);
  aimc_trainer *full = run(ctx, &c, NULL, csv, 1000000);
  size_t n;
  const double *pf = aimc_trainer_params(full, &n);
  long stops[] = {7, 15, 31}; /* 15 steps per epoch: mid, end, mid */
  for (int s = 0; s < 3; s++) {
    aimc_trainer *a = run(ctx, &c, ck, NULL, stops[s]);
    aimc_trainer_free(a); /* "killed" */
    aimc_trainer *b;
    assert_int_equal(aimc_trainer_alloc(ctx, &c, &TRAIN, &VAL, ck, csv2, &b),
                     AIMC_OK);
    assert_int_equal(aimc_trainer_resume(b, ck), AIMC_OK);
    aimc_train_stats st;
    while (!aimc_trainer_done(b))
      assert_int_equal(aimc_trainer_iterate(b, &st), AIMC_OK);
    const double *pb = aimc_trainer_params(b, &n);
    assert_memory_equal(pf, pb, n * sizeof(double));
    aimc_trainer_free(b);
  }
  /* The CSV logs agree too, apart from the wall-clock columns. */
  char *ta, *tb;
  assert_int_equal(aimc_read_file(ctx, csv, &ta, NULL), AIMC_OK);
  assert_int_equal(aimc_read_file(ctx, csv2, &tb, NULL), AIMC_OK);
  assert_non_null(strstr(ta, "epoch,step,lr,train_loss"));
  int rows = 0;
  for (char *p = ta; *p; p++) rows += *p == '\n';
  assert_int_equal(rows, 1 + 4);
  aimc_free(ctx, ta);
  aimc_free(ctx, tb);
  /* A checkpoint of another model is refused and changes nothing. */
  aimc_train_cfg other = c;
  other.model.h = 6;
  aimc_trainer *o;
  assert_int_equal(
      aimc_trainer_alloc(ctx, &other, &TRAIN, &VAL, NULL, NULL, &o), AIMC_OK);
  size_t no;
  const double *po = aimc_trainer_params(o, &no);
  double first = po[0];
  assert_int_equal(aimc_trainer_resume(o, ck), AIMC_ESHAPE);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "another model"));
  assert_true(po[0] == first);
  aimc_trainer_free(o);
  /* A corrupt checkpoint: checksum error. */
  char *data;
  size_t size;
  assert_int_equal(aimc_read_file(ctx, ck, &data, &size), AIMC_OK);
  data[size - 40] ^= 1;
  assert_int_equal(aimc_write_file_atomic(ctx, ck, data, size), AIMC_OK);
  aimc_free(ctx, data);
  assert_int_equal(aimc_trainer_alloc(ctx, &c, &TRAIN, &VAL, NULL, NULL, &o),
                   AIMC_OK);
  assert_int_equal(aimc_trainer_resume(o, ck), AIMC_ECHECKSUM);
  aimc_trainer_free(o);
  aimc_trainer_free(full);
  aimc_ctx_free(ctx);
}

static void expect_cfg_error(const char *yaml, int status, const char *needle) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_cfg *cfg;
  assert_int_equal(aimc_cfg_parse(ctx, "t.yaml", yaml, &cfg), AIMC_OK);
  aimc_train_cfg c;
  aimc_train_cfg_defaults(&c);
  static const char *const IGNORE[] = {"data", "output", NULL};
  int st = aimc_train_cfg_bind(ctx, aimc_cfg_root(cfg), &c, IGNORE);
  if (st != status || !strstr(aimc_ctx_errmsg(ctx), needle))
    fail_msg("'%s' gave %d '%s', expected %d with '%s'", yaml, st,
             aimc_ctx_errmsg(ctx), status, needle);
  aimc_cfg_free(cfg);
  aimc_ctx_free(ctx);
}

static void test_config_errors(void **state) {
  (void)state;
  expect_cfg_error("model:\n  h: 8\n  colour: red\n", AIMC_EINVAL,
                   "t.yaml:3:3");
  expect_cfg_error("quant:\n  bits_a: 9\n", AIMC_ERANGE, "bits_a");
  expect_cfg_error("quant:\n  bits_b: 0.5\n", AIMC_EPARSE, "bits_b");
  expect_cfg_error("model:\n  n: 7\n", AIMC_ESHAPE, "even");
  expect_cfg_error("modle:\n  n: 8\n", AIMC_EINVAL, "unknown section 'modle'");
  expect_cfg_error("model:\n  mix: glue\n", AIMC_ERANGE, "glu");
  /* A valid one binds. */
  expect_cfg_error(
      "model: {h: 8, mix: glu}\nquant: {bits_a: 2, fscale: 0.9}\ndata: {}\n",
      AIMC_OK, "");
}

static int alloc_and_step(aimc_ctx *ctx, void *user) {
  (void)user;
  aimc_train_cfg c;
  small_cfg(&c);
  c.prune.fraction = 0.5;
  aimc_trainer *tr;
  int st = aimc_trainer_alloc(ctx, &c, &TRAIN, &VAL, NULL, NULL, &tr);
  if (st) return st;
  aimc_train_stats s;
  st = aimc_trainer_iterate(tr, &s);
  aimc_s4d_model *m = NULL;
  if (!st) st = aimc_trainer_export(tr, &m);
  aimc_s4d_model_free(ctx, m);
  aimc_trainer_free(tr);
  return st;
}

/* Every allocation of alloc / iterate / export can fail cleanly. */
static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(alloc_and_step, NULL) > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_learns_and_quantizes),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_resume_identical),
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
