/* aimc device fit (aimc/device_fit.h) round trip: pulse trains simulated
 * from a known, non-default pulse card (asymmetric rates, nonlinear SET,
 * c2c and d2d noise) are written as the CSV `aimc device` writes, fitted,
 * and the card's values recovered within tolerances derived from the
 * sample sizes; the fitted card loads as a device card. Also: the CSV
 * reader names file:line:col, and too few pulses are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/device_fit.h"
#include "aimc/status.h"
#include "testutil.h"

#define N_DEV 16
#define N_PULSE 80 /* per polarity and device */

typedef union {
  double align;
  char bytes[512];
} cell_buf;

static const char *const CARD[][2] = {
    {"alpha_set", "0.03"},  {"alpha_reset", "0.05"}, {"gamma_set", "1.5"},
    {"gamma_reset", "0.8"}, {"g_min", "8uS"},        {"g_max", "90uS"},
    {"sigma_c2c", "0.2"},   {"sigma_d2d", "0.1"},    {"sigma_d2d_g", "0.02"}};

/* N_DEV trains of N_PULSE SET then N_PULSE RESET pulses (half at 1.1 V,
 * half at 1.4 V), each
 * starting with its row 0 (initial state), as concatenated `aimc device`
 * outputs. */
static char *simulate(aimc_ctx *ctx, const aimc_device *d, const char *dir) {
  size_t cap = (size_t)N_DEV * (2 * N_PULSE + 2) * 96, len = 0;
  char *text = malloc(cap);
  gsl_rng *rng = aimc_ctx_rng(ctx);
  for (int k = 0; k < N_DEV; k++) {
    cell_buf c;
    aimc_device_cell_init(d, c.bytes, rng);
    len += snprintf(text + len, cap - len,
                    "pulse,v_V,width_s,g_S,i_read_A,e_pulse_J,e_read_J\n"
                    "0,0,0,%.9g,0,0,0\n",
                    aimc_device_g(d, c.bytes));
    for (int p = 1; p <= 2 * N_PULSE; p++) {
      /* a staircase per polarity: gentle pulses, then ones that saturate */
      int q = (p - 1) % N_PULSE;
      double v = (q < N_PULSE / 2 ? 1.1 : 1.4) * (p <= N_PULSE ? 1 : -1);
      aimc_device_result r;
      aimc_device_pulse(d, c.bytes, v, 100e-9, rng, &r);
      len += snprintf(text + len, cap - len, "%d,%g,1e-07,%.9g,0,0,0\n", p, v,
                      r.g_S);
    }
  }
  char *path = test_write_file(dir, "pulses.csv", text);
  free(text);
  return path;
}

static void test_round_trip(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(42);
  aimc_device *d = NULL, *back = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  for (size_t i = 0; i < sizeof CARD / sizeof CARD[0]; i++)
    assert_int_equal(aimc_device_set(ctx, d, CARD[i][0], CARD[i][1]), 0);
  const char *dir = test_tmpdir("devfit");
  char *csv = simulate(ctx, d, dir);
  aimc_pulse_data data;
  assert_int_equal(aimc_pulse_data_load(ctx, csv, &data), 0);
  assert_int_equal(data.n_devices, N_DEV);
  assert_int_equal(data.n, N_DEV * 2 * N_PULSE);
  aimc_device *base = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &base), 0);
  aimc_device_fit_result r;
  assert_int_equal(aimc_device_fit(ctx, base, &data, &r), 0);
  printf("g_min %.4g g_max %.4g alpha %.4g/%.4g gamma %.3f/%.3f c2c %.3f "
         "d2d %.3f d2d_g %.4f (rms %.3f)\n",
         r.g_min, r.g_max, r.alpha_set, r.alpha_reset, r.gamma_set,
         r.gamma_reset, r.sigma_c2c, r.sigma_d2d, r.sigma_d2d_g, r.rms_rel);
  /* Means over N_DEV devices whose values scatter by sigma_d2d (rates) and
   * sigma_d2d_g (edges): standard error sigma / sqrt(N_DEV) (2.5 % and
   * 0.5 %); tolerance 4 standard errors plus 2 % for what the per-device
   * fits add. */
  double se_a = 0.1 / sqrt(N_DEV), se_g = 0.02 / sqrt(N_DEV);
  assert_near(r.alpha_set / 0.03, 1, 4 * se_a + 0.02);
  assert_near(r.alpha_reset / 0.05, 1, 4 * se_a + 0.02);
  assert_near(r.g_min / 8e-6, 1, 4 * se_g + 0.02);
  assert_near(r.g_max / 90e-6, 1, 4 * se_g + 0.02);
  /* sigma_c2c from N_DEV * 2 * N_PULSE residuals: SE sigma / sqrt(2N)
   * = 0.0025; 5 SE. Spreads from N_DEV devices: SE sigma / sqrt(2 N_DEV)
   * (0.018 for d2d, 0.0035 for the edges); 3.5 SE. */
  assert_near(r.sigma_c2c, 0.2, 5 * 0.2 / sqrt(2.0 * data.n));
  assert_near(r.sigma_d2d, 0.1, 3.5 * 0.1 / sqrt(2.0 * N_DEV));
  assert_near(r.sigma_d2d_g, 0.02, 3.5 * 0.02 / sqrt(2.0 * N_DEV) + 0.002);
  /* The exponents (nonlinearity): no closed-form SE; over seeds 1-6 and 42
   * they fell within +-0.012 (SET) and +-0.006 (RESET); 4-5x that. */
  assert_near(r.gamma_set, 1.5, 0.06);
  assert_near(r.gamma_reset, 0.8, 0.03);
  /* The written card loads and holds the fitted values. */
  char out[600];
  snprintf(out, sizeof out, "%s/fit.yaml", dir);
  assert_int_equal(aimc_device_fit_write(ctx, base, &r, "test", out), 0);
  assert_int_equal(aimc_device_load(ctx, out, &back), 0);
  double lo, hi;
  aimc_device_window(back, &lo, &hi);
  assert_near(lo, r.g_min, 1e-6 * r.g_min);
  assert_near(hi, r.g_max, 1e-6 * r.g_max);
  aimc_device_free(ctx, back);
  aimc_pulse_data_fini(ctx, &data);
  aimc_device_free(ctx, base);
  aimc_device_free(ctx, d);
  free(csv);
  aimc_ctx_free(ctx);
}

static void test_bad_csv(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("devfit_bad");
  struct {
    const char *text, *msg;
    int rc;
  } cases[] = {
      {"pulse,v_V,g_S\n0,0,5e-6\n", ":1:1: the header lacks column 'width_s'",
       AIMC_EPARSE},
      {"v_V,width_s,g_S\n0,0,5e-6\n1,1e-7,abc\n",
       ":3:8: g_S 'abc' is not a number", AIMC_EPARSE},
      {"v_V,width_s,g_S\n0,0,5e-6\n1,1e-7\n", ":3:1: 2 fields, the header has 3",
       AIMC_EPARSE},
      {"v_V,width_s,g_S\n0,0,5e-6\n1,-1e-7,6e-6\n",
       ":3:3: width_s = -1e-07 must be >= 0", AIMC_ERANGE},
      {"v_V,width_s,g_S\n1,1e-7,6e-6\n", ":2:1: a pulse before any initial",
       AIMC_EPARSE},
      {"1,1e-7,6e-6\n", ":1:1: data before the header", AIMC_EPARSE},
      {"v_V,width_s,g_S\n", ": no pulses", AIMC_EPARSE},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char *path = test_write_file(dir, "bad.csv", cases[c].text);
    aimc_pulse_data d;
    int rc = aimc_pulse_data_load(ctx, path, &d);
    if (rc != cases[c].rc || !strstr(aimc_ctx_errmsg(ctx), cases[c].msg))
      fail_msg("case %zu: rc %d, message '%s'", c, rc, aimc_ctx_errmsg(ctx));
    assert_non_null(strstr(aimc_ctx_errmsg(ctx), "bad.csv"));
    free(path);
  }
  /* Too few moving pulses: refused, naming the device. */
  char *path = test_write_file(dir, "few.csv",
                               "v_V,width_s,g_S\n0,0,5e-6\n1,1e-7,6e-6\n"
                               "-1,1e-7,5.5e-6\n");
  aimc_pulse_data d;
  assert_int_equal(aimc_pulse_data_load(ctx, path, &d), 0);
  aimc_device *base = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &base), 0);
  aimc_device_fit_result r;
  assert_int_equal(aimc_device_fit(ctx, base, &d, &r), AIMC_EFAIL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "device 1 has 1 SET"));
  aimc_device_free(ctx, base);
  aimc_pulse_data_fini(ctx, &d);
  free(path);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_csv),
      cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
