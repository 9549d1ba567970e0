/* Drift, stuck cells and read noise in `aimc run` are the tile's device
 * model's (issue #13): the runner's drifted weights are the card's drift
 * law and the event crossbar's read of the same array, the card's stuck
 * probability is the run's stuck count, the card's read noise scales the
 * run's noise, and the arch keys that duplicated the card are refused
 * with what to use instead. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/device.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "aimc/xbar.h"
#include "model_fixture.h"
#include "sim/infer/infer_internal.h"
#include "testutil.h"

/* A pulse card without device-to-device spread (the event crossbar's ideal
 * programming is then exact) and with the given extra lines. */
static char *card(const char *name, const char *extra) {
  char text[1024];
  snprintf(text, sizeof text,
           "model: pulse\nsigma_d2d: 0\nsigma_d2d_g: 0\ndrift_nu: 0.02\ndrift_t0: 10s\n%s", extra);
  return test_write_file(test_tmpdir("physics"), name, text);
}

static aimc_s4d_model *small(aimc_ctx *ctx) {
  return fixture_model(ctx, 3, 4, 8, 4, 1, AIMC_MIX_GLU, 4, 6, 21);
}

/* Map and program mdl on the default arch with card `path`. */
static void program(aimc_ctx *ctx, const aimc_s4d_model *mdl, aimc_arch *a, const char *path,
                    aimc_mapping **m, aimc_hw **hw) {
  snprintf(a->device_card, sizeof a->device_card, "%s", path);
  assert_int_equal(aimc_map_model(ctx, mdl, a, m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, *m, hw), AIMC_OK);
}

static double max_abs(const double *w, size_t n) {
  double mx = 0;
  for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs(w[i]));
  return mx;
}

/* Known answer from the card's law (models/device_pulse.c, Ielmini 2007):
 * the state x = (G - g_min) / span scales by ((t + t0) / t0)^-nu, so every
 * weight gain (G+ - G-) / span scales by it; the old arch formula
 * (t / 1 s)^-nu gives 0.794 here, the card's 0.832. */
static void test_drift_is_the_cards_law(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(5);
  aimc_s4d_model *mdl = small(ctx);
  char *path = card("drift.yaml", "");
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.ni_drift = 1;
  a.drift_t_s = 1e5;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  program(ctx, mdl, &a, path, &m, &hw);
  double f = pow((1e5 + 10) / 10, -0.02);
  for (size_t mi = 0; mi < m->n_mats; mi++) {
    const aimc_map_matrix *mx = &m->mats[mi];
    size_t n = mx->w_off[mx->n_blocks];
    const double *w = aimc_hw_weights(hw, mi);
    assert_ptr_not_equal(w, mx->w); /* drifted, not the exact weights */
    double tol = 1e-12 * max_abs(mx->w, n);
    for (size_t i = 0; i < n; i++) assert_near(w[i], f * mx->w[i], tol);
  }
  /* Editing the card's drift exponent moves the weights. */
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  snprintf(a.dev_drift_nu, sizeof a.dev_drift_nu, "0.04");
  program(ctx, mdl, &a, path, &m, &hw);
  double f2 = pow((1e5 + 10) / 10, -0.04);
  const aimc_map_matrix *mx = &m->mats[0];
  size_t n0 = mx->w_off[mx->n_blocks];
  double tol0 = 1e-12 * max_abs(mx->w, n0);
  for (size_t i = 0; i < n0; i++) assert_near(aimc_hw_weights(hw, 0)[i], f2 * mx->w[i], tol0);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(path);
  aimc_ctx_free(ctx);
}

/* The event crossbar (models/xbar.c, as the crossbar instance builds it:
 * the card's cells, ideal programming to the mapped targets, then
 * aimc_xbar_age) and aimc run read array 0 alike: for inputs x on each
 * placed block, the differential column currents over the column's
 * amperes per unit equal sum_i W_ji x_i of the runner's weights. */
static void test_event_crossbar_agrees(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(6);
  aimc_s4d_model *mdl = small(ctx);
  char *path = card("agree.yaml", "");
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.ni_drift = 1;
  a.drift_t_s = 3600;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  program(ctx, mdl, &a, path, &m, &hw);
  aimc_device *dev = NULL;
  assert_int_equal(aimc_device_load(ctx, path, &dev), AIMC_OK);
  aimc_xbar *x = NULL;
  assert_int_equal(aimc_xbar_alloc(ctx, dev, a.rows, a.cols, NULL, &x), AIMC_OK);
  assert_int_equal(aimc_xbar_set_targets(x, m->arrays[0].g_target_S), AIMC_OK);
  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  assert_int_equal(aimc_xbar_program(x, &o, NULL, NULL), AIMC_OK);
  aimc_xbar_age(x, a.drift_t_s);
  double span = a.g_max_S - a.g_min_S, v[4096] = {0}, cur[4096];
  const aimc_map_array *arr = &m->arrays[0];
  int checked = 0;
  for (int p = 0; p < arr->n_place; p++) {
    const aimc_map_slot *s = &arr->place[p];
    const aimc_map_matrix *mx = &m->mats[s->matrix];
    const double *w = aimc_hw_weights(hw, (size_t)s->matrix);
    int b = s->block;
    memset(v, 0, sizeof v);
    double xin[64];
    for (int i = 0; i < s->n_in; i++) {
      xin[i] = sin(1.7 * i + p); /* any inputs */
      v[s->row0 + i] = xin[i] * mx->row_gain[s->in0 + i];
    }
    aimc_xbar_read_opts ro = {0, 0, 1};
    aimc_xbar_mvm(x, v, cur, &ro, NULL, NULL);
    for (int j = 0; j < s->n_out; j++) {
      int c = 2 * (s->col0 + j); /* differential: G+ at c, G- at c + 1 */
      double ev = (cur[c] - cur[c + 1]) * mx->col_gain[s->out0 + j] / span, run = 0, scale = 0;
      for (int i = 0; i < s->n_in; i++) {
        double wi = w[aimc_map_matrix_index(mx, b, s->out0 + j - mx->out_off[b],
                                            s->in0 + i - mx->in_off[b])];
        run += wi * xin[i];
        scale += fabs(wi * xin[i]);
      }
      assert_near(ev, run, 1e-12 * (scale + 1e-300));
      checked++;
    }
  }
  assert_true(checked > 0);
  aimc_xbar_free(x);
  aimc_device_free(ctx, dev);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(path);
  aimc_ctx_free(ctx);
}

/* Stuck cells are the card's: none with the default card, Binomial(cells,
 * p) with p_stuck_min = p in the card, each at the cell's own lowest
 * conductance (the card's g_min without spread), and the arch's
 * device.p_stuck_min overrides the card. */
static void test_stuck_is_the_cards(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(7);
  aimc_s4d_model *mdl = small(ctx);
  char *none = card("none.yaml", ""), *some = card("some.yaml", "p_stuck_min: 0.02\n");
  aimc_arch a;
  aimc_arch_defaults(&a);
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  program(ctx, mdl, &a, none, &m, &hw);
  assert_int_equal(aimc_hw_prog_stats(hw)->stuck, 0);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  program(ctx, mdl, &a, some, &m, &hw);
  double cells = (double)m->n_arrays * a.rows * a.cols, mean = 0.02 * cells,
         sd = sqrt(cells * 0.02 * 0.98);
  uint64_t s = aimc_hw_prog_stats(hw)->stuck;
  assert_true(s > mean - 5 * sd && s < mean + 5 * sd);
  uint64_t seen = 0;
  for (size_t k = 0; k < m->n_arrays; k++)
    for (size_t c = 0; c < cells / (double)m->n_arrays; c++)
      if (hw->stuck[k][c]) {
        assert_true(hw->g_S[k][c] == 5e-6);
        seen++;
      }
  assert_int_equal(seen, s);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  snprintf(a.dev_p_stuck_min, sizeof a.dev_p_stuck_min, "0");
  program(ctx, mdl, &a, some, &m, &hw);
  assert_int_equal(aimc_hw_prog_stats(hw)->stuck, 0);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(none);
  free(some);
  aimc_ctx_free(ctx);
}

/* Logits of one sequence with read noise on and card `path`. */
static void noisy_logits(const aimc_s4d_model *mdl, const char *path, int on, double *lg,
                         float *nvar0) {
  aimc_ctx *ctx = aimc_ctx_alloc(8);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.ni_read_noise = on;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  program(ctx, mdl, &a, path, &m, &hw);
  double x[3 * 6];
  for (int i = 0; i < 18; i++) x[i] = sin(0.9 * i);
  assert_int_equal(aimc_infer_sequence(ctx, mdl, hw, x, 6, lg), AIMC_OK);
  const aimc_map_matrix *mx = &m->mats[0];
  for (size_t i = 0; i < 64 && nvar0; i++)
    nvar0[i] = hw->nvar[0] && i < mx->w_off[mx->n_blocks] ? hw->nvar[0][i] : 0;
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_ctx_free(ctx);
}

/* The read noise is the card's read_noise: editing it changes the logits,
 * its square scales every variance factor, and a card without read noise
 * reads exactly as a run without it. */
static void test_read_noise_is_the_cards(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(9);
  aimc_s4d_model *mdl = small(ctx);
  char *quiet = card("quiet.yaml", "read_noise: 0\n"), *lo = card("lo.yaml", "read_noise: 0.01\n"),
       *hi = card("hi.yaml", "read_noise: 0.1\n");
  double l_off[4], l_quiet[4], l_lo[4], l_hi[4];
  float v_lo[64], v_hi[64];
  noisy_logits(mdl, lo, 0, l_off, NULL);
  noisy_logits(mdl, quiet, 1, l_quiet, NULL);
  noisy_logits(mdl, lo, 1, l_lo, v_lo);
  noisy_logits(mdl, hi, 1, l_hi, v_hi);
  assert_memory_equal(l_off, l_quiet, sizeof l_off);
  assert_memory_not_equal(l_off, l_lo, sizeof l_off);
  assert_memory_not_equal(l_lo, l_hi, sizeof l_lo);
  int n = 0;
  for (int i = 0; i < 64; i++)
    if (v_lo[i] > 0) {
      assert_near(v_hi[i] / v_lo[i], 100.0, 1e-4); /* (0.1 / 0.01)^2 */
      n++;
    }
  assert_true(n > 0);
  aimc_s4d_model_free(ctx, mdl);
  free(quiet);
  free(lo);
  free(hi);
  aimc_ctx_free(ctx);
}

/* The noise streams of a session's tile parts after sample 7. */
static void streams_after(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                          aimc_xs128p *out) {
  double x[3 * 6], lg[4];
  for (int i = 0; i < 18; i++) x[i] = cos(0.7 * i);
  aimc_infer_session *s = NULL;
  assert_int_equal(aimc_infer_session_open(ctx, mdl, hw, &s), AIMC_OK);
  assert_int_equal(aimc_infer_session_run(s, x, 6, 7, lg), AIMC_OK);
  for (size_t k = 0; k < hw->map->n_arrays; k++)
    for (int p = 0; p < AIMC_TILE_PARTS; p++)
      out[k * AIMC_TILE_PARTS + p] = aimc_infer_session_stream(s, k, (aimc_tile_part)p);
  aimc_infer_session_close(s);
}

/* Every tile part draws its noise from its own stream for the sample,
 * the one aimc_seed_noise gives its netlist instance ("l0_ssm_1.adc"):
 * silencing one tile's ADC leaves every other part's draws where they
 * were, and that ADC's stream untouched at its seed. */
static void test_noise_stream_per_instance(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(5);
  aimc_s4d_model *mdl = small(ctx);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = a.cols = 24; /* several arrays */
  a.ni_converter = 1;
  a.adc_noise_lsb = 0.5;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  size_t n = m->n_arrays * AIMC_TILE_PARTS;
  assert_true(m->n_arrays >= 2);
  aimc_xs128p *noisy = calloc(n, sizeof *noisy), *quiet = calloc(n, sizeof *quiet);
  streams_after(ctx, mdl, hw, noisy);
  aimc_tile *t1 = &m->tiles[1];
  char err[128];
  assert_int_equal(aimc_param_set(aimc_tile_param(t1, AIMC_TILE_ADC, "noise_lsb"),
                                  t1->params[AIMC_TILE_ADC], "0", err, sizeof err),
                   AIMC_OK);
  streams_after(ctx, mdl, hw, quiet);
  for (size_t k = 0; k < m->n_arrays; k++) {
    char name[96], array[64];
    aimc_map_array_name(m, k, array, sizeof array);
    snprintf(name, sizeof name, "%s.adc", array);
    aimc_xs128p seed;
    aimc_xs128p_seed(&seed, aimc_seed_noise(aimc_ctx_seed(ctx), 7, aimc_hash_str(name)));
    const aimc_xs128p *adc_n = &noisy[k * AIMC_TILE_PARTS + AIMC_TILE_ADC],
                      *adc_q = &quiet[k * AIMC_TILE_PARTS + AIMC_TILE_ADC];
    assert_memory_not_equal(adc_n, &seed, sizeof seed); /* it drew */
    if (k == 1) {
      assert_memory_equal(adc_q, &seed, sizeof seed); /* silenced: no draw */
      continue;
    }
    for (int p = 0; p < AIMC_TILE_PARTS; p++)
      assert_memory_equal(&noisy[k * AIMC_TILE_PARTS + p], &quiet[k * AIMC_TILE_PARTS + p],
                          sizeof *noisy);
  }
  free(noisy);
  free(quiet);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

/* The arch keys that duplicated the card are refused where they are
 * written, with the card's key to use instead. */
static void test_removed_keys(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("physics");
  char *path = test_write_file(dir, "old.yaml", "nonideal:\n  drift: true\n  stuck_frac: 0.02\n");
  aimc_arch a;
  aimc_arch_defaults(&a);
  assert_int_equal(aimc_arch_load(ctx, path, &a), AIMC_EINVAL);
  const char *msg = aimc_ctx_errmsg(ctx);
  assert_non_null(strstr(msg, ":3:3:"));
  assert_non_null(strstr(msg, "device.p_stuck_min"));
  assert_non_null(aimc_arch_removed("nonideal", "read_noise_rel"));
  assert_non_null(aimc_arch_removed("nonideal", "drift_nu"));
  assert_non_null(aimc_arch_removed("nonideal", "stuck"));
  assert_null(aimc_arch_removed("nonideal", "drift_t"));
  /* A device.* value the card does not take is refused at load. */
  char *bad = test_write_file(dir, "bad.yaml", "device:\n  drift_nu: 7\n");
  assert_int_equal(aimc_arch_load(ctx, bad, &a), AIMC_ERANGE);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "drift_nu"));
  free(path);
  free(bad);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_drift_is_the_cards_law),
      cmocka_unit_test(test_event_crossbar_agrees),
      cmocka_unit_test(test_stuck_is_the_cards),
      cmocka_unit_test(test_read_noise_is_the_cards),
      cmocka_unit_test(test_removed_keys),
      cmocka_unit_test(test_noise_stream_per_instance),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
