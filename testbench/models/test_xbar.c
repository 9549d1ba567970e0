/* The functional crossbar (aimc/xbar.h): MVM, IR drop, read noise and
 * energy against hand-derived answers; programming modes; stuck cells;
 * target files with bad input; dumps; allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/xbar.h"
#include "failalloc.h"
#include "testutil.h"

static aimc_xbar *make(aimc_ctx *ctx, int rows, int cols, gsl_rng *rng) {
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_xbar *x = NULL;
  assert_int_equal(aimc_xbar_alloc(ctx, d, rows, cols, rng, &x), 0);
  aimc_device_free(ctx, d); /* the crossbar keeps its own copy */
  return x;
}

static void test_mvm_known_answers(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_xbar *x = make(ctx, 3, 2, NULL);
  /* G (uS) = [[10, 20], [30, 40], [50, 60]], v = [0.1, 0.2, -0.1] V:
   * I0 = 0.1*10 + 0.2*30 - 0.1*50 = 2 uA, I1 = 2 + 8 - 6 = 4 uA. */
  double g[6] = {10e-6, 20e-6, 30e-6, 40e-6, 50e-6, 60e-6};
  for (int k = 0; k < 6; k++) aimc_xbar_set_g(x, k / 2, k % 2, g[k]);
  double v[3] = {0.1, 0.2, -0.1}, i[2], e = 0;
  aimc_xbar_read_opts o = {0, 0, 10e-9};
  aimc_xbar_mvm(x, v, i, &o, NULL, &e);
  assert_near(i[0], 2e-6, 1e-18);
  assert_near(i[1], 4e-6, 1e-18);
  /* Energy: t sum_i v_i^2 sum_j G_ij = 10ns (0.01*30 + 0.04*70 + 0.01*110) uS.
   */
  assert_near(e, 10e-9 * (0.01 * 30e-6 + 0.04 * 70e-6 + 0.01 * 110e-6), 1e-27);
  /* IR drop: cell (i, j) sees r ((j+1) + (R-i)) in series. For cell (2, 1):
   * 1/(1/60uS + 100 Ohm * 3). */
  o.r_wire_Ohm = 100;
  double v1[3] = {0, 0, 1};
  aimc_xbar_mvm(x, v1, i, &o, NULL, NULL);
  assert_near(i[1], 1.0 / (1.0 / 60e-6 + 300.0), 1e-18);
  assert_true(i[0] < 50e-6 && i[0] > 49e-6);
  /* Back to no IR drop. */
  o.r_wire_Ohm = 0;
  aimc_xbar_mvm(x, v1, i, &o, NULL, NULL);
  assert_near(i[1], 60e-6, 1e-18);
  aimc_xbar_free(x);
  aimc_ctx_free(ctx);
}

/* Read noise: column j has sigma = 0.005 sqrt(sum_i v_i^2 G_ij^2); with
 * n = 20000 reads the sample sd is within 5 sigma/sqrt(2n). */
static void test_read_noise_statistics(void **state) {
  (void)state;
  enum { N = 20000 };
  aimc_ctx *ctx = aimc_ctx_alloc(4);
  aimc_xbar *x = make(ctx, 4, 1, NULL);
  double v[4] = {0.2, 0.1, 0.2, 0.1}, i[1], s = 0, s2 = 0, var = 0;
  for (int r = 0; r < 4; r++) {
    aimc_xbar_set_g(x, r, 0, 20e-6 * (r + 1));
    var += v[r] * v[r] * pow(20e-6 * (r + 1), 2);
  }
  double sigma = 0.005 * sqrt(var);
  double mean_i = 0.2 * 20e-6 + 0.1 * 40e-6 + 0.2 * 60e-6 + 0.1 * 80e-6;
  aimc_xbar_read_opts o = {0, 1, 0};
  for (int k = 0; k < N; k++) {
    aimc_xbar_mvm(x, v, i, &o, aimc_ctx_rng(ctx), NULL);
    s += i[0];
    s2 += i[0] * i[0];
  }
  double m = s / N, sd = sqrt((s2 - N * m * m) / (N - 1));
  assert_near(m, mean_i, 5 * sigma / sqrt(N));
  assert_near(sd, sigma, 5 * sigma / sqrt(2.0 * N));
  aimc_xbar_free(x);
  aimc_ctx_free(ctx);
}

static void test_programming_modes(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(9);
  gsl_rng *rng = aimc_ctx_rng(ctx);
  aimc_xbar *x = make(ctx, 32, 32, rng);
  double t[32 * 32];
  for (int k = 0; k < 32 * 32; k++) t[k] = 10e-6 + 80e-6 * gsl_rng_uniform(rng);
  aimc_xbar_set_targets(x, t);
  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  aimc_prog_totals tot;
  /* Ideal: exact (per-device windows cover 10-90 uS). */
  assert_int_equal(aimc_xbar_program(x, &o, rng, &tot), 0);
  assert_true(tot.max_err_S < 1e-12);
  assert_int_equal(tot.cells, 1024);
  assert_int_equal(tot.pulses, 0);
  /* Gaussian: RMS error ~ sigma (5 uS; 1024 cells: sd of the estimate is
   * sigma/sqrt(2n) = 0.11 uS, tolerance 0.6 uS; clipping is negligible). */
  o.mode = AIMC_XBAR_PROG_GAUSSIAN;
  o.sigma_g_S = 5e-6;
  assert_int_equal(aimc_xbar_program(x, &o, rng, &tot), 0);
  assert_near(tot.rms_err_S, 5e-6, 0.6e-6);
  /* Write-verify: every cell within tolerance here (see test_program for
   * the 10,000-device statistics), energy and time counted. */
  o.mode = AIMC_XBAR_PROG_WRITE_VERIFY;
  assert_int_equal(aimc_xbar_program(x, &o, rng, &tot), 0);
  assert_true(tot.converged >= 1010);
  assert_true(tot.pulses > 1024 && tot.e_J > 0 && tot.t_s > 0);
  long hist = 0;
  for (int b = 0; b < 8; b++) hist += tot.hist[b];
  assert_int_equal(hist, 1024);
  for (int k = 0; k < 32 * 32; k++)
    if (fabs(aimc_xbar_gmatrix(x)[k] - t[k]) > o.wv.tol_S) hist--;
  assert_int_equal(hist, tot.converged);
  /* One-shot: one pulse at most per cell. */
  o.mode = AIMC_XBAR_PROG_ONE_SHOT;
  assert_int_equal(aimc_xbar_program(x, &o, rng, &tot), 0);
  assert_true(tot.pulses <= 1024);
  aimc_xbar_free(x);
  aimc_ctx_free(ctx);
}

static void test_stuck_cells_and_dump(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(2);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  assert_int_equal(aimc_device_set(ctx, d, "p_stuck_max", "0.1"), 0);
  assert_int_equal(aimc_device_set(ctx, d, "p_stuck_min", "0.1"), 0);
  aimc_xbar *x = NULL;
  assert_int_equal(aimc_xbar_alloc(ctx, d, 16, 16, aimc_ctx_rng(ctx), &x), 0);
  double before[256], t[256];
  memcpy(before, aimc_xbar_gmatrix(x), sizeof before);
  for (int k = 0; k < 256; k++) t[k] = 50e-6;
  aimc_xbar_set_targets(x, t);
  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  o.mode = AIMC_XBAR_PROG_WRITE_VERIFY;
  aimc_prog_totals tot;
  assert_int_equal(aimc_xbar_program(x, &o, aimc_ctx_rng(ctx), &tot), 0);
  assert_true(tot.stuck > 20 && tot.stuck < 80);
  int stuck = 0;
  for (int k = 0; k < 256; k++)
    if (aimc_device_stuck(d, aimc_xbar_cell(x, k / 16, k % 16))) {
      stuck++;
      assert_near(aimc_xbar_gmatrix(x)[k], before[k], 0);
    }
  assert_int_equal(stuck, tot.stuck);
  const char *dir = test_tmpdir("xbar");
  char path[512];
  snprintf(path, sizeof path, "%s/cells.csv", dir);
  assert_int_equal(aimc_xbar_dump(x, path), 0);
  char *text;
  assert_int_equal(aimc_read_file(ctx, path, &text, NULL), 0);
  assert_true(strncmp(text, "row,col,g_S,target_S,stuck\n", 27) == 0);
  int lines = 0;
  for (char *p = text; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, 257);
  aimc_free(ctx, text);
  aimc_xbar_free(x);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_target_files(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_xbar *x = make(ctx, 2, 3, NULL);
  const char *dir = test_tmpdir("targets");
  char *ok = test_write_file(dir, "ok.csv",
                             "# targets\n1e-5,2e-5,3e-5\n\n4e-5, 5e-5 ,6e-5\n");
  assert_int_equal(aimc_xbar_load_targets(x, ok), 0);
  assert_near(aimc_xbar_targets(x)[4], 5e-5, 0);
  assert_near(aimc_xbar_targets(x)[5], 6e-5, 0);
  struct {
    const char *text, *where;
  } bad[] = {
      {"1e-5,2e-5\n4e-5,5e-5,6e-5\n", ":1:"},     /* too few columns  */
      {"1e-5,2e-5,3e-5,4e-5\n", ":1:"},           /* too many columns */
      {"1e-5,2e-5,3e-5\n", "expected rows = 2"},  /* too few rows     */
      {"1e-5,2e-5,3e-5\n1,2,3\n1,2,3\n", ":3:1"}, /* too many rows    */
      {"1e-5,abc,3e-5\n1,2,3\n", ":1:6"},         /* not a number     */
      {"1e-5,-2e-5,3e-5\n1,2,3\n", ":1:6"},       /* negative         */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *path = test_write_file(dir, "bad.csv", bad[i].text);
    assert_int_not_equal(aimc_xbar_load_targets(x, path), 0);
    if (!strstr(aimc_ctx_errmsg(ctx), bad[i].where) ||
        !strstr(aimc_ctx_errmsg(ctx), "bad.csv"))
      fail_msg("case %zu: '%s' lacks '%s'", i, aimc_ctx_errmsg(ctx),
               bad[i].where);
    free(path);
  }
  /* Failed loads leave the targets as they were. */
  assert_near(aimc_xbar_targets(x)[5], 6e-5, 0);
  assert_int_not_equal(aimc_xbar_load_targets(x, "/nonexistent/t.csv"), 0);
  free(ok);
  aimc_xbar_free(x);
  aimc_ctx_free(ctx);
}

static int alloc_program(aimc_ctx *ctx, void *user) {
  (void)user;
  aimc_device *d = NULL;
  aimc_xbar *x = NULL;
  int rc = aimc_device_alloc(ctx, "pulse", &d);
  if (!rc) rc = aimc_xbar_alloc(ctx, d, 4, 4, NULL, &x);
  if (!rc) {
    aimc_xbar_prog_opts o;
    aimc_xbar_prog_defaults(&o);
    o.mode = AIMC_XBAR_PROG_ONE_SHOT;
    o.oneshot_samples = 200;
    rc = aimc_xbar_program(x, &o, aimc_ctx_rng(ctx), NULL);
  }
  aimc_xbar_free(x);
  aimc_device_free(ctx, d);
  return rc;
}

static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(alloc_program, NULL) > 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mvm_known_answers),
      cmocka_unit_test(test_read_noise_statistics),
      cmocka_unit_test(test_programming_modes),
      cmocka_unit_test(test_stuck_cells_and_dump),
      cmocka_unit_test(test_target_files),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
