/* Error bars of the report's line figures (report_average and
 * report_errors_note, sim/report/errorbars.c) on a hand-made sweep table
 * whose per-seed values are known, and the captions aimc_report_write
 * writes for --errors se and std. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#include "aimc/report.h"
#include "aimc/status.h"
#include "report_impl.h"
#include "testutil.h"

/* Four points of accuracy, as `aimc sweep` would aggregate them (mean and
 * sample std, n - 1, of the seeds' values; a single seed's std is 0):
 *   P0 sigma 0,   rows 16, seeds .90 .80 .85 .95: mean .875, squared
 *      deviations .025^2 + .075^2 + .025^2 + .075^2 = .0125, s^2 = .0125/3
 *   P1 sigma 0,   rows 32, seeds .70 .90: mean .80, s^2 = (.1^2 + .1^2)/1
 *      = .02
 *   P2 sigma 5uS, rows 16, seed .60: mean .60, s = 0, n = 1
 *   P3 sigma 5uS, rows 32, seeds .50 .60 .70: mean .60, s^2 = .02/2 = .01
 * The std values are written with 17 digits, as the sweep writes them. */
static char *write_table(const char *dir) {
  static const struct {
    const char *sigma, *rows;
    int n;
    double mean, var;
  } P[] = {{"0", "16", 4, 0.875, 0.0125 / 3},
           {"0", "32", 2, 0.80, 0.02},
           {"5uS", "16", 1, 0.60, 0},
           {"5uS", "32", 3, 0.60, 0.01}};
  char json[4096];
  size_t len = (size_t)snprintf(json, sizeof json,
                                "{\"name\": \"errors\", \"varied\": "
                                "[\"sigma\", \"rows\"], \"points\": [");
  for (size_t i = 0; i < 4; i++)
    len += (size_t)snprintf(
        json + len, sizeof json - len,
        "%s{\"settings\": {\"sigma\": \"%s\", \"rows\": \"%s\"}, "
        "\"n_seeds\": %d, \"mean\": {\"accuracy\": %.17g, \"latency_s\": "
        "1e-6}, \"std\": {\"accuracy\": %.17g, \"latency_s\": 0}}",
        i ? ", " : "", P[i].sigma, P[i].rows, P[i].n, P[i].mean,
        sqrt(P[i].var));
  snprintf(json + len, sizeof json - len, "]}");
  return test_write_file(dir, "results.json", json);
}

/* Mean and bar of the points with sel[i] == 0. */
static void check(const rtable *t, const size_t sel[4],
                  aimc_report_errors errors, double want_mean,
                  double want_err) {
  double mean, err;
  report_average(t, sel, 0, AIMC_SWEEP_M_accuracy, errors, &mean, &err);
  assert_near(mean, want_mean, 1e-12);
  if (isnan(want_err))
    assert_true(isnan(err));
  else
    assert_near(err, want_err, 1e-12);
}

static void test_average(void **state) {
  (void)state;
  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-errors"));
  char *path = write_table(dir);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  rtable t;
  assert_int_equal(rtable_load(ctx, path, &t), AIMC_OK);
  const size_t P0[4] = {0, 1, 1, 1}, P1[4] = {1, 0, 1, 1},
               P2[4] = {1, 1, 0, 1}, SIGMA0[4] = {0, 0, 1, 1},
               SIGMA5[4] = {1, 1, 0, 0};
  const aimc_report_errors SE = AIMC_REPORT_ERRORS_SE,
                           STD = AIMC_REPORT_ERRORS_STD;
  /* One point: std = s; se = s / sqrt(n). P0: s = sqrt(.0125/3) =
   * .0645497, se = s / 2 = .0322749. P1: s = sqrt(.02) = .1414214, se =
   * s / sqrt(2) = .1 exactly. */
  check(&t, P0, STD, 0.875, sqrt(0.0125 / 3));
  check(&t, P0, SE, 0.875, sqrt(0.0125 / 3) / 2);
  check(&t, P1, STD, 0.80, sqrt(0.02));
  check(&t, P1, SE, 0.80, 0.1);
  /* One seed: no spread to estimate, so no bar in either mode (its std of
   * 0 is not a zero-width bar, and n - 1 = 0 is never divided by). */
  check(&t, P2, STD, 0.60, NAN);
  check(&t, P2, SE, 0.60, NAN);
  /* Sigma 0 averages P0 and P1 (rows not shown): mean (.875 + .80) / 2 =
   * .8375; std = sqrt((s0^2 + s1^2) / 2) = sqrt((.0041667 + .02) / 2) =
   * .1099242; se of the mean of two means = sqrt(s0^2/4 + s1^2/2) / 2 =
   * sqrt(.0010417 + .01) / 2 = .0525397. */
  check(&t, SIGMA0, STD, 0.8375, sqrt((0.0125 / 3 + 0.02) / 2));
  check(&t, SIGMA0, SE, 0.8375, sqrt(0.0125 / 12 + 0.01) / 2);
  /* Sigma 5uS averages P2 (one seed) and P3: the mean is known (.60), its
   * error is not. */
  check(&t, SIGMA5, SE, 0.60, NAN);
  check(&t, SIGMA5, STD, 0.60, NAN);

  /* The note: seed counts 1 to 4 over the points. */
  char note[96];
  assert_int_equal(report_errors_note(&t, AIMC_SWEEP_M_accuracy, SE, note,
                                      sizeof note),
                   1);
  assert_string_equal(note, "mean ± standard error over 1-4 seeds");
  report_errors_note(&t, AIMC_SWEEP_M_accuracy, STD, note, sizeof note);
  assert_string_equal(note, "mean ± std over 1-4 seeds");
  /* Only P2 left (the others' accuracy unknown): no bars at all. */
  t.mean[0 * AIMC_SWEEP_N_METRICS + AIMC_SWEEP_M_accuracy] = NAN;
  t.mean[1 * AIMC_SWEEP_N_METRICS + AIMC_SWEEP_M_accuracy] = NAN;
  t.mean[3 * AIMC_SWEEP_N_METRICS + AIMC_SWEEP_M_accuracy] = NAN;
  assert_int_equal(report_errors_note(&t, AIMC_SWEEP_M_accuracy, SE, note,
                                      sizeof note),
                   0);
  assert_non_null(strstr(note, "no error bars"));
  /* A seed count the table lacks cannot be divided by: no bar. */
  t.mean[1 * AIMC_SWEEP_N_METRICS + AIMC_SWEEP_M_accuracy] = 0.80;
  t.n_seeds[1] = NAN;
  check(&t, P1, SE, 0.80, NAN);
  check(&t, P1, STD, 0.80, NAN);
  rtable_fini(ctx, &t);
  aimc_ctx_free(ctx);
  free(path);
}

/* The accuracy figure's caption says what its bars show. */
static void test_captions(void **state) {
  (void)state;
  char dir[512], out[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-errors-caption"));
  char *path = write_table(dir);
  snprintf(out, sizeof out, "%s/rep", dir);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_report_opts o = {.out_dir = out}; /* errors 0: standard error */
  assert_int_equal(aimc_report_write(ctx, path, &o), AIMC_OK);
  char *html = test_read_file(out, "report.html");
  assert_non_null(strstr(html, "mean ± standard error over 1-4 seeds"));
  assert_non_null(strstr(html, "a point with one seed has no bar"));
  free(html);
  o.errors = AIMC_REPORT_ERRORS_STD;
  assert_int_equal(aimc_report_write(ctx, path, &o), AIMC_OK);
  html = test_read_file(out, "report.html");
  assert_non_null(strstr(html, "mean ± std over 1-4 seeds"));
  assert_null(strstr(html, "standard error"));
  free(html);
  aimc_ctx_free(ctx);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_average),
      cmocka_unit_test(test_captions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
