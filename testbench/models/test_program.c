/* Programming controllers (aimc/program.h) on populations of devices:
 * write-verify converges within tolerance for >= 99 % of 10,000 devices of
 * the default pulse card (pulse-count distribution printed), converges on
 * the VCM card, and one-shot lands within +-50 % of the intended update
 * for >= 90 % of devices of the default pulse card. The figures printed
 * here are the ones in docs/models/programming.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/program.h"
#include "aimc/status.h"
#include "testutil.h"

typedef union {
  double align;
  char bytes[512];
} cell_buf;

typedef struct {
  int n;
  double within, mean_pulses, e_J, t_s;
  int max_pulses;
  long hist[8]; /* 0, 1, 2-3, ..., >= 64 pulses */
} wv_stats;

/* Targets uniform over the central `frac` of the nominal window; fresh
 * devices (d2d, c2c, read noise on). */
static wv_stats run_wv(aimc_ctx *ctx, const aimc_device *d,
                       const aimc_wv_params *p, int n, double frac) {
  wv_stats s = {.n = n};
  gsl_rng *rng = aimc_ctx_rng(ctx);
  double lo, hi;
  aimc_device_window(d, &lo, &hi);
  double margin = 0.5 * (1 - frac) * (hi - lo);
  for (int k = 0; k < n; k++) {
    cell_buf c;
    aimc_device_cell_init(d, c.bytes, rng);
    double target = lo + margin + frac * (hi - lo) * gsl_rng_uniform(rng);
    aimc_prog_result r;
    aimc_wv_program(d, p, c.bytes, target, rng, &r);
    s.within += fabs(r.err_S) <= p->tol_S;
    s.mean_pulses += r.pulses;
    s.e_J += r.e_J;
    s.t_s += r.t_s;
    if (r.pulses > s.max_pulses) s.max_pulses = r.pulses;
    int b = 0;
    while (b < 7 && r.pulses >= (1 << b)) b++;
    s.hist[b]++;
  }
  s.within /= n;
  s.mean_pulses /= n;
  s.e_J /= n;
  s.t_s /= n;
  return s;
}

static void print_wv(const char *what, const aimc_wv_params *p,
                     const wv_stats *s) {
  printf(
      "%s: write-verify, %d devices, tol %.2g uS: within tol %.2f %%, pulses "
      "mean %.1f max %d, "
      "energy %.3g pJ, time %.3g us per device\n  pulses histogram "
      "[0,1,2-3,4-7,8-15,16-31,32-63,>=64]:",
      what, s->n, p->tol_S * 1e6, 100 * s->within, s->mean_pulses,
      s->max_pulses, s->e_J * 1e12, s->t_s * 1e6);
  for (int b = 0; b < 8; b++) printf(" %ld", s->hist[b]);
  printf("\n");
}

typedef struct {
  int n;
  double hit50, rms_err_S, e_J, t_s;
} os_stats;

/* Current and target states uniform over the central `frac` of the window;
 * intended updates within the tolerance need no pulse and are left out of
 * the +-50 % statistic. */
static os_stats run_oneshot(aimc_ctx *ctx, const aimc_device *d, double tol,
                            int n, double frac) {
  os_stats s = {0};
  gsl_rng *rng = aimc_ctx_rng(ctx);
  aimc_oneshot *o = NULL;
  int rc = aimc_oneshot_fit(ctx, d, 4000, rng, &o);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
  double lo, hi;
  aimc_device_window(d, &lo, &hi);
  double margin = 0.5 * (1 - frac) * (hi - lo);
  for (int k = 0; k < n; k++) {
    cell_buf c;
    aimc_device_cell_init(d, c.bytes, rng);
    aimc_device_set_g(d, c.bytes,
                      lo + margin + frac * (hi - lo) * gsl_rng_uniform(rng));
    double g0 = aimc_device_g(d, c.bytes);
    double target = lo + margin + frac * (hi - lo) * gsl_rng_uniform(rng);
    if (fabs(target - g0) <= tol) continue;
    aimc_prog_result r;
    aimc_oneshot_program(o, c.bytes, target, tol, rng, &r);
    double want = target - g0, got = r.g_S - g0;
    s.n++;
    s.hit50 += fabs(got - want) <= 0.5 * fabs(want);
    s.rms_err_S += r.err_S * r.err_S;
    s.e_J += r.e_J;
    s.t_s += r.t_s;
  }
  s.hit50 /= s.n;
  s.rms_err_S = sqrt(s.rms_err_S / s.n);
  s.e_J /= s.n;
  s.t_s /= s.n;
  aimc_oneshot_free(ctx, o);
  return s;
}

static void print_os(const char *what, const os_stats *s) {
  printf(
      "%s: one-shot, %d devices: within +-50 %% of intended update %.2f %%, "
      "residual RMS %.3g uS, "
      "energy %.3g pJ, time %.3g us per device\n",
      what, s->n, 100 * s->hit50, s->rms_err_S * 1e6, s->e_J * 1e12,
      s->t_s * 1e6);
}

static void test_write_verify_pulse_card(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(2024);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_wv_params p;
  aimc_wv_defaults(&p);
  wv_stats s = run_wv(ctx, d, &p, 10000, 1.0);
  print_wv("pulse", &p, &s);
  assert_true(s.within >= 0.99);
  assert_true(s.e_J > 0 && s.t_s > 0 && s.max_pulses <= p.max_pulses);
  /* The width schedule converges too (fewer devices: same mechanism). */
  p.schedule = AIMC_WV_WIDTH;
  s = run_wv(ctx, d, &p, 2000, 1.0);
  print_wv("pulse (width schedule)", &p, &s);
  assert_true(s.within >= 0.95);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_write_verify_vcm_card(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(7);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "vcm", &d), 0);
  aimc_wv_params p;
  aimc_wv_defaults(&p);
  /* The VCM cell SETs abruptly from HRS and saturates below its nominal
   * g_max (~90 of 98 uS at 1.6 V): targets span the central 80 % of the
   * window, tolerance 2 uS (2.4 % of the window), budget 200 pulses. */
  p.tol_S = 2e-6;
  p.max_pulses = 200;
  wv_stats s = run_wv(ctx, d, &p, 2000, 0.8);
  print_wv("vcm", &p, &s);
  assert_true(s.within >= 0.97);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_one_shot(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(99);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  os_stats s = run_oneshot(ctx, d, 1e-6, 10000, 1.0);
  print_os("pulse", &s);
  assert_true(s.hit50 >= 0.90);
  aimc_device_free(ctx, d);
  assert_int_equal(aimc_device_alloc(ctx, "vcm", &d), 0);
  s = run_oneshot(ctx, d, 2e-6, 2000, 0.8);
  print_os("vcm", &s);
  assert_true(s.hit50 >= 0.6); /* measured ~0.8; abrupt SET limits it */
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_iterate_contract(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_wv_params p;
  aimc_wv_defaults(&p);
  cell_buf c;
  aimc_device_cell_init(d, c.bytes, NULL);
  /* Noiseless device already at its target: one verify, no pulse. */
  aimc_wv w;
  aimc_wv_init(&w, d, &p, c.bytes, aimc_device_g(d, c.bytes));
  assert_int_equal(aimc_wv_test(&w), 1);
  aimc_wv_iterate(&w, NULL);
  assert_int_equal(aimc_wv_test(&w), 0);
  assert_int_equal(w.res.pulses, 0);
  assert_int_equal(w.res.reads, p.n_reads);
  assert_int_equal(w.res.converged, 1);
  aimc_prog_result before = w.res;
  aimc_wv_iterate(&w, NULL); /* no-op once done */
  assert_memory_equal(&before, &w.res, sizeof before);
  /* An unreachable target spends exactly the budget and reports failure. */
  p.max_pulses = 7;
  aimc_wv_program(d, &p, c.bytes, 1.0, NULL, &w.res);
  assert_int_equal(w.res.pulses, 7);
  assert_int_equal(w.res.converged, 0);
  /* One-shot: no pulse when the device is already within tolerance. */
  aimc_oneshot *o = NULL;
  assert_int_equal(aimc_oneshot_fit(ctx, d, 50, aimc_ctx_rng(ctx), &o),
                   AIMC_ERANGE);
  assert_int_equal(aimc_oneshot_fit(ctx, d, 500, aimc_ctx_rng(ctx), &o), 0);
  assert_near(aimc_oneshot_voltage(o, 50e-6, 50.5e-6, 1e-6), 0, 0);
  assert_true(aimc_oneshot_voltage(o, 50e-6, 70e-6, 1e-6) > 0);
  assert_true(aimc_oneshot_voltage(o, 50e-6, 30e-6, 1e-6) < 0);
  aimc_oneshot_free(ctx, o);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iterate_contract),
      cmocka_unit_test(test_write_verify_pulse_card),
      cmocka_unit_test(test_write_verify_vcm_card),
      cmocka_unit_test(test_one_shot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
