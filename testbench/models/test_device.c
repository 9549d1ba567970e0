/* Device models (aimc/device.h): conformance of every model, the
 * statistics of the pulse model's noise and variation against its
 * parameters, its physics (asymmetry, saturation, drift, stuck cells), the
 * VCM model's switching directions, and device cards with bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/device.h"
#include "aimc/model.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

typedef union {
  double align;
  char bytes[512];
} cell_buf;

static aimc_device *dev_open(aimc_ctx *ctx, const char *model) {
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, model, &d), AIMC_OK);
  assert_true(aimc_device_cell_size(d) <= sizeof(cell_buf));
  return d;
}

static void dev_set(aimc_ctx *ctx, aimc_device *d, const char *key,
                    const char *value) {
  int rc = aimc_device_set(ctx, d, key, value);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
}

/* Mean and sample standard deviation. */
static void moments(const double *x, int n, double *mean, double *sd) {
  double m = 0, s = 0;
  for (int i = 0; i < n; i++) m += x[i];
  m /= n;
  for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  *mean = m;
  *sd = sqrt(s / (n - 1));
}

/* The `device` choices of the models that own devices are the registry
 * (models/devices.def), in its order, with its first as the default. */
static void check_device_choices(const char *owner) {
  const aimc_model *m = aimc_models_find(owner);
  assert_non_null(m);
  const aimc_param *p = aimc_params_find(m->params, m->n_params, "device");
  assert_non_null(p);
  assert_int_equal(p->type, AIMC_PT_ENUM);
  size_t i = 0;
  for (; p->choices[i]; i++) {
    if (i >= aimc_device_models_count() ||
        strcmp(p->choices[i], aimc_device_models_at(i)->name))
      fail_msg("%s: device choice %zu '%s' is not the registry's", owner, i, p->choices[i]);
  }
  assert_int_equal(i, aimc_device_models_count());
  assert_true(p->def == 0 && p->max == (double)(i - 1));
  assert_ptr_equal(aimc_device_model_default(), aimc_device_models_at(0));
}

/* Every registered device model (models/devices.def): a new one is
 * checked by being listed there. */
static void test_conformance_every_model(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(11);
  /* The two of the papers at least (a registry that lost its list fails). */
  assert_true(aimc_device_models_count() >= 2);
  assert_non_null(aimc_device_model_find("pulse"));
  assert_non_null(aimc_device_model_find("vcm"));
  check_device_choices("cell");
  check_device_choices("crossbar");
  check_device_choices("write_verify");
  char names[256];
  aimc_device_models_names(names, sizeof names, ", ");
  for (size_t m = 0; m < aimc_device_models_count(); m++) {
    const aimc_device_model *model = aimc_device_models_at(m);
    assert_ptr_equal(aimc_device_model_find(model->name), model);
    assert_true(model->summary && *model->summary && model->source && *model->source);
    assert_non_null(strstr(names, model->name));
    aimc_device *d = dev_open(ctx, model->name);
    char err[256];
    /* Defaults inside [min, max] and consistent with each other. */
    assert_int_equal(aimc_params_check(model->params, model->n_params,
                                       d->params, err, sizeof err),
                     0);
    assert_int_equal(model->validate(d->params, err, sizeof err), 0);
    double g_lo, g_hi;
    aimc_device_window(d, &g_lo, &g_hi);
    assert_true(g_lo > 0 && g_lo < g_hi);
    aimc_pulse_limits lim;
    aimc_device_limits(d, &lim);
    /* Deterministic for a fixed seed; energy and time >= 0; re-init restores.
     */
    double trace[2][40];
    for (int run = 0; run < 2; run++) {
      aimc_ctx_reseed(ctx, 5);
      gsl_rng *rng = aimc_ctx_rng(ctx);
      cell_buf c;
      aimc_device_cell_init(d, c.bytes, rng);
      double g0 = aimc_device_g(d, c.bytes);
      for (int k = 0; k < 40; k++) {
        aimc_device_result r;
        double v = (k % 3 == 2 ? -lim.v_reset_max : lim.v_set_max) *
                   (0.5 + 0.5 * gsl_rng_uniform(rng));
        aimc_device_pulse(d, c.bytes, v, lim.width_s, rng, &r);
        assert_true(r.e_J >= 0 && r.t_s >= 0);
        assert_near(r.t_s, lim.width_s, 1e-18);
        aimc_device_read(d, c.bytes, lim.v_read_V, rng, &r);
        assert_true(r.e_J >= 0 && r.t_s >= 0);
        trace[run][k] = aimc_device_g(d, c.bytes);
      }
      aimc_ctx_reseed(ctx, 5);
      aimc_device_cell_init(d, c.bytes, aimc_ctx_rng(ctx));
      assert_near(aimc_device_g(d, c.bytes), g0, 0);
    }
    assert_memory_equal(trace[0], trace[1], sizeof trace[0]);
    aimc_device_free(ctx, d);
  }
  assert_null(aimc_device_model_find("nope"));
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "nope", &d), AIMC_ENOTFOUND);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "nope"));
  /* The message lists the registry. */
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), names));
  /* Names that do not fit are cut, the text stays terminated. */
  char small[6];
  aimc_device_models_names(small, sizeof small, ", ");
  assert_int_equal(strlen(small), 5);
  aimc_ctx_free(ctx);
}

static void test_pulse_asymmetry_and_saturation(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_device *d = dev_open(ctx, "pulse");
  cell_buf c;
  aimc_device_result r;
  /* Nominal noiseless cell at x = 0.5 (52.5 uS). Known answers from the
   * closed form with gamma = 1 at v = v_ref, w = w_ref (s = 1):
   * SET:   x' = 1 - 0.5 exp(-0.02) -> dG = 95uS * 0.5 (1 - e^-0.02)
   * RESET: x' = 0.5 exp(-0.04)     -> dG = -95uS * 0.5 (1 - e^-0.04). */
  aimc_device_cell_init(d, c.bytes, NULL);
  aimc_device_set_g(d, c.bytes, 52.5e-6);
  aimc_device_pulse(d, c.bytes, 1.0, 100e-9, NULL, &r);
  assert_near(r.g_S - 52.5e-6, 95e-6 * 0.5 * -expm1(-0.02), 1e-15);
  aimc_device_set_g(d, c.bytes, 52.5e-6);
  aimc_device_pulse(d, c.bytes, -1.0, 100e-9, NULL, &r);
  assert_near(r.g_S - 52.5e-6, -95e-6 * 0.5 * -expm1(-0.04), 1e-15);
  /* Energy of a pulse: V^2 * mean(G) * w. */
  assert_near(r.e_J, 1.0 * 0.5 * (52.5e-6 + r.g_S) * 100e-9, 1e-24);
  /* Below threshold nothing moves. */
  aimc_device_pulse(d, c.bytes, 0.55, 100e-9, NULL, &r);
  assert_near(r.g_S, aimc_device_g(d, c.bytes), 0);
  /* Saturation: repeated SET approaches g_max from below with shrinking steps.
   */
  aimc_device_cell_init(d, c.bytes, NULL);
  double prev = aimc_device_g(d, c.bytes), prev_step = 1;
  for (int k = 0; k < 300; k++) {
    aimc_device_pulse(d, c.bytes, 1.2, 100e-9, NULL, &r);
    double step = r.g_S - prev;
    assert_true(step >= 0 && step <= prev_step + 1e-18);
    assert_true(r.g_S <= 100e-6 + 1e-18);
    prev = r.g_S;
    prev_step = step;
  }
  assert_near(prev, 100e-6, 1e-7);
  for (int k = 0; k < 300; k++)
    aimc_device_pulse(d, c.bytes, -1.2, 100e-9, NULL, &r);
  assert_near(r.g_S, 5e-6, 1e-7);
  /* Two half-width pulses equal one full pulse (exact integration). */
  aimc_device_set_g(d, c.bytes, 30e-6);
  aimc_device_pulse(d, c.bytes, 1.1, 50e-9, NULL, &r);
  aimc_device_pulse(d, c.bytes, 1.1, 50e-9, NULL, &r);
  double two = r.g_S;
  aimc_device_set_g(d, c.bytes, 30e-6);
  aimc_device_pulse(d, c.bytes, 1.1, 100e-9, NULL, &r);
  assert_near(two, r.g_S, 1e-15);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_pulse_levels_drift_stuck(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_device *d = dev_open(ctx, "pulse");
  cell_buf c;
  aimc_device_result r;
  /* Drift: x(t) = x0 ((t + t0)/t0)^-nu, in two steps as in one. */
  aimc_device_cell_init(d, c.bytes, NULL);
  aimc_device_set_g(d, c.bytes, 52.5e-6);
  aimc_device_age(d, c.bytes, 400);
  aimc_device_age(d, c.bytes, 600);
  assert_near(aimc_device_g(d, c.bytes),
              5e-6 + 95e-6 * 0.5 * pow(1001.0, -0.005), 1e-15);
  assert_true(aimc_device_g(d, c.bytes) < 52.5e-6); /* drifts toward g_min */
  /* Finite levels: n_levels = 5 gives G in {5, 28.75, 52.5, 76.25, 100} uS. */
  dev_set(ctx, d, "n_levels", "5");
  aimc_device_cell_init(d, c.bytes, NULL);
  aimc_device_set_g(d, c.bytes, 60e-6);
  assert_near(aimc_device_g(d, c.bytes), 52.5e-6, 1e-15);
  dev_set(ctx, d, "n_levels", "0");
  /* Stuck cells never move, whatever the pulses, writes and drift. */
  dev_set(ctx, d, "p_stuck_max", "1");
  aimc_device_cell_init(d, c.bytes, aimc_ctx_rng(ctx));
  double g0 = aimc_device_g(d, c.bytes);
  assert_int_equal(aimc_device_stuck(d, c.bytes), 1);
  for (int k = 0; k < 50; k++)
    aimc_device_pulse(d, c.bytes, k % 2 ? 2.0 : -2.0, 1e-6, aimc_ctx_rng(ctx),
                      &r);
  aimc_device_set_g(d, c.bytes, 5e-6);
  aimc_device_age(d, c.bytes, 1e4);
  assert_near(aimc_device_g(d, c.bytes), g0, 0);
  /* Stuck rates: 20000 cells, p = 0.3 / 0.2; binomial sigma sqrt(p(1-p)/n)
   * <= 0.0033, tolerance 5 sigma. */
  dev_set(ctx, d, "p_stuck_max", "0.2");
  dev_set(ctx, d, "p_stuck_min", "0.3");
  int lo = 0, hi = 0, n = 20000;
  for (int k = 0; k < n; k++) {
    aimc_device_cell_init(d, c.bytes, aimc_ctx_rng(ctx));
    lo += aimc_device_stuck(d, c.bytes) < 0;
    hi += aimc_device_stuck(d, c.bytes) > 0;
  }
  assert_near((double)lo / n, 0.3, 5 * sqrt(0.3 * 0.7 / n));
  assert_near((double)hi / n, 0.2, 5 * sqrt(0.2 * 0.8 / n));
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

/* Noise and variation match their parameters. With n samples of a
 * Gaussian of sigma s, the sample mean has sigma s/sqrt(n) and the sample
 * sd has sigma ~ s/sqrt(2n); tolerances are 5 of those sigmas. */
static void test_pulse_statistics(void **state) {
  (void)state;
  enum { N = 20000 };
  aimc_ctx *ctx = aimc_ctx_alloc(17);
  gsl_rng *rng = aimc_ctx_rng(ctx);
  aimc_device *d = dev_open(ctx, "pulse");
  static double x[N];
  double mean, sd;
  cell_buf c;
  aimc_device_result r;
  /* c2c: from x = 0 at v_ref, w_ref the update is dx0 (1 + 0.2 xi), dx0 = 1 -
   * e^-0.02. */
  dev_set(ctx, d, "sigma_d2d", "0");
  dev_set(ctx, d, "sigma_d2d_g", "0");
  double dx0 = -expm1(-0.02);
  for (int k = 0; k < N; k++) {
    aimc_device_cell_init(d, c.bytes, rng);
    aimc_device_pulse(d, c.bytes, 1.0, 100e-9, rng, &r);
    x[k] = (r.g_S - 5e-6) / 95e-6 / dx0;
  }
  moments(x, N, &mean, &sd);
  assert_near(mean, 1.0, 5 * 0.2 / sqrt(N));
  assert_near(sd, 0.2, 5 * 0.2 / sqrt(2.0 * N));
  /* d2d of alpha_set: noiseless pulse from x = 0 gives -ln(1 - x) = a_set,
   * a_set = 0.02 (1 + 0.1 xi). */
  dev_set(ctx, d, "sigma_d2d", "0.1");
  for (int k = 0; k < N; k++) {
    aimc_device_cell_init(d, c.bytes, rng);
    aimc_device_pulse(d, c.bytes, 1.0, 100e-9, NULL, &r);
    x[k] = -log1p(-(r.g_S - 5e-6) / 95e-6) / 0.02;
  }
  moments(x, N, &mean, &sd);
  assert_near(mean, 1.0, 5 * 0.1 / sqrt(N));
  assert_near(sd, 0.1, 5 * 0.1 / sqrt(2.0 * N));
  /* d2d of the window: g_max (1 + 0.02 xi), read by setting a huge target. */
  dev_set(ctx, d, "sigma_d2d_g", "0.02");
  for (int k = 0; k < N; k++) {
    aimc_device_cell_init(d, c.bytes, rng);
    aimc_device_set_g(d, c.bytes, 1.0);
    x[k] = aimc_device_g(d, c.bytes) / 100e-6;
  }
  moments(x, N, &mean, &sd);
  assert_near(mean, 1.0, 5 * 0.02 / sqrt(N));
  assert_near(sd, 0.02, 5 * 0.02 / sqrt(2.0 * N));
  /* Read noise: relative sigma 0.005 at a fixed state. */
  aimc_device_cell_init(d, c.bytes, NULL);
  aimc_device_set_g(d, c.bytes, 40e-6);
  for (int k = 0; k < N; k++) {
    aimc_device_read(d, c.bytes, 0.2, rng, &r);
    x[k] = r.i_A / (0.2 * 40e-6);
    assert_near(r.e_J, fabs(0.2 * r.i_A) * 10e-9, 1e-30);
  }
  moments(x, N, &mean, &sd);
  assert_near(mean, 1.0, 5 * 0.005 / sqrt(N));
  assert_near(sd, 0.005, 5 * 0.005 / sqrt(2.0 * N));
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_vcm_switching(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_device *d = dev_open(ctx, "vcm");
  cell_buf c;
  aimc_device_result r;
  double g_lo, g_hi;
  aimc_device_window(d, &g_lo, &g_hi);
  aimc_device_cell_init(d, c.bytes, NULL);
  assert_near(aimc_device_g(d, c.bytes), g_lo, 1e-12); /* starts in HRS */
  /* SET raises G, RESET lowers it, never outside the window; the energy is
   * at least that of the final state's current over the pulse (lower bound:
   * V^2 min(G) w), and a read costs V I t_read. */
  double prev = g_lo;
  for (int k = 0; k < 20; k++) {
    aimc_device_pulse(d, c.bytes, 1.3, 100e-9, NULL, &r);
    assert_true(r.g_S >= prev && r.g_S <= g_hi * (1 + 1e-12));
    assert_true(r.e_J >= 1.3 * 1.3 * fmin(prev, r.g_S) * 100e-9 * (1 - 1e-9));
    prev = r.g_S;
  }
  assert_true(prev > 4 * g_lo);
  for (int k = 0; k < 20; k++) {
    aimc_device_pulse(d, c.bytes, -1.5, 100e-9, NULL, &r);
    assert_true(r.g_S <= prev && r.g_S >= g_lo * (1 - 1e-12));
    prev = r.g_S;
  }
  assert_true(prev < 0.5 * g_hi);
  /* RESET depth grows with amplitude (gradual, amplitude-controlled). */
  aimc_device_set_g(d, c.bytes, 80e-6);
  aimc_device_pulse(d, c.bytes, -1.3, 100e-9, NULL, &r);
  double shallow = r.g_S;
  aimc_device_set_g(d, c.bytes, 80e-6);
  aimc_device_pulse(d, c.bytes, -1.5, 100e-9, NULL, &r);
  assert_true(r.g_S < shallow && shallow < 80e-6);
  /* set_g round trip; drift lowers G; reads are ohmic (I = V G). */
  aimc_device_set_g(d, c.bytes, 50e-6);
  assert_near(aimc_device_g(d, c.bytes), 50e-6, 1e-12);
  aimc_device_read(d, c.bytes, 0.2, NULL, &r);
  assert_near(r.i_A, 0.2 * 50e-6, 1e-15);
  aimc_device_age(d, c.bytes, 1e3);
  assert_true(aimc_device_g(d, c.bytes) < 50e-6);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_bad_input(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_device *d = dev_open(ctx, "pulse");
  /* g_min >= g_max: names both and the values; the device is unchanged. */
  assert_int_equal(aimc_device_set(ctx, d, "g_min", "200uS"), AIMC_ERANGE);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "g_min"));
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "g_max"));
  double lo, hi;
  aimc_device_window(d, &lo, &hi);
  assert_near(lo, 5e-6, 0);
  /* Negative pulse width, out of range: key, value and range. */
  assert_int_equal(aimc_device_set(ctx, d, "w_ref", "-5ns"), AIMC_ERANGE);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "w_ref"));
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "-5ns"));
  assert_int_equal(aimc_device_set(ctx, d, "n_levels", "-1"), AIMC_ERANGE);
  assert_int_equal(aimc_device_set(ctx, d, "nope", "1"), AIMC_ENOTFOUND);
  /* Cards: the shipped ones load; bad ones give file:line:col. */
  const char *cards[] = {"configs/devices/pulse_default.yaml",
                         "configs/devices/pulse_taox_faulty.yaml",
                         "configs/devices/vcm_default.yaml"};
  for (size_t i = 0; i < 3; i++) {
    aimc_device *card = NULL;
    int rc = aimc_device_load(ctx, cards[i], &card);
    if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
    aimc_device_free(ctx, card);
  }
  /* The default cards hold exactly the model defaults. */
  aimc_device *card = NULL;
  assert_int_equal(aimc_device_load(ctx, cards[0], &card), 0);
  assert_memory_equal(card->params, d->params, d->model->params_size);
  aimc_device_free(ctx, card);
  const char *dir = test_tmpdir("cards");
  struct {
    const char *text, *needle;
  } bad[] = {
      {"model: pulse\ng_min: 200uS\n", "g_max"},
      {"model: pulse\nw_ref: -5ns\n", ":2:"},
      {"model: pulse\nbits: 0\n", ":2:"},
      {"model: memristor\n", ":1:"},
      {"g_min: 5uS\n", "model"},
      {"model: vcm\nn_init: 1e29\n", "n_init"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *path = test_write_file(dir, "bad.yaml", bad[i].text);
    aimc_device *out = (aimc_device *)1;
    assert_int_not_equal(aimc_device_load(ctx, path, &out), 0);
    assert_null(out);
    if (!strstr(aimc_ctx_errmsg(ctx), bad[i].needle) ||
        !strstr(aimc_ctx_errmsg(ctx), "bad.yaml"))
      fail_msg("card %zu: message '%s' lacks '%s'", i, aimc_ctx_errmsg(ctx),
               bad[i].needle);
    free(path);
  }
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static int load_card(aimc_ctx *ctx, void *user) {
  aimc_device *d = NULL, *copy = NULL;
  int rc = aimc_device_load(ctx, user, &d);
  if (!rc) rc = aimc_device_clone(ctx, d, &copy);
  aimc_device_free(ctx, copy);
  aimc_device_free(ctx, d);
  return rc;
}

static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(load_card, "configs/devices/vcm_default.yaml") >
              2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conformance_every_model),
      cmocka_unit_test(test_pulse_asymmetry_and_saturation),
      cmocka_unit_test(test_pulse_levels_drift_stuck),
      cmocka_unit_test(test_pulse_statistics),
      cmocka_unit_test(test_vcm_switching),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
