/* Programming: Gaussian residuals match sigma, stuck cells, the programmed
 * state round trip, and fault injection through program + run. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "model_fixture.h"
#include "testutil.h"

static aimc_s4d_model *small(aimc_ctx *ctx) {
  return fixture_model(ctx, 3, 4, 8, 4, 2, AIMC_MIX_GLU, 4, 6, 21);
}

/* The default architecture with Gaussian programming, sigma 2 uS. */
static aimc_arch gaussian_arch(void) {
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.prog_mode = AIMC_PROG_GAUSSIAN;
  a.prog_sigma_S = 2e-6;
  return a;
}

/* Maps mdl onto a and programs the devices. */
static aimc_hw *map_and_program(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                                const aimc_arch *a, aimc_mapping **m) {
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, a, m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, *m, &hw), AIMC_OK);
  return hw;
}

static void test_gaussian_residuals(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_s4d_model *mdl = small(ctx);
  aimc_arch a = gaussian_arch();
  a.exact_zeros = 0; /* structural zeros programmed too */
  aimc_mapping *m = NULL;
  aimc_hw *hw = map_and_program(ctx, mdl, &a, &m);
  const aimc_prog_stats *ps = aimc_hw_prog_stats(hw);
  /* Every used device programmed once: 2 x (2 layers x 8 channels x
   * 10 x 9 weights) = 2880. */
  assert_int_equal(ps->devices, 2880);
  assert_int_equal(ps->pulses, 2880);
  /* Arrays program in parallel, devices of an array in series: 64 x 64
   * differential holds 32 logical columns, so 3 channel blocks of 9
   * outputs -> 3 x 180 = 540 devices in the fullest array. */
  assert_near(ps->t_s, 540 * a.t_pulse_s, 1e-15);
  /* Residuals: N(0, sigma) clipped at the window edges. Devices at g_min
   * (most of them) lose their negative half to the clip, so the mean is
   * positive and the rms below sigma; the rms stays within
   * [sigma / sqrt(2) - 5 se, sigma + 5 se], se = sigma / sqrt(2 n). */
  double se = a.prog_sigma_S / sqrt(2.0 * 2880);
  assert_true(ps->resid_rms_S > a.prog_sigma_S / sqrt(2) - 5 * se);
  assert_true(ps->resid_rms_S < a.prog_sigma_S + 5 * se);
  assert_true(ps->resid_mean_S > 0);
  aimc_hw_free(ctx, hw);
  /* Save and load: same conductances, so the same logits. */
  const char *dir = test_tmpdir("prog");
  char path[512];
  snprintf(path, sizeof path, "%s/p.bin", dir);
  double *x = fixture_inputs(1, 10, 3, 4), l1[4], l2[4];
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  assert_int_equal(aimc_hw_save(ctx, hw, path), AIMC_OK);
  assert_int_equal(aimc_infer_sequence(ctx, mdl, hw, x, 10, l1), AIMC_OK);
  aimc_hw_free(ctx, hw);
  assert_int_equal(aimc_hw_load(ctx, m, path, &hw), AIMC_OK);
  assert_int_equal(aimc_infer_sequence(ctx, mdl, hw, x, 10, l2), AIMC_OK);
  assert_memory_equal(l1, l2, sizeof l1);
  aimc_hw_free(ctx, hw);
  /* A corrupted byte is a checksum error. */
  FILE *f = fopen(path, "r+b");
  fseek(f, 100, SEEK_SET);
  fputc(0x5a, f);
  fclose(f);
  assert_int_equal(aimc_hw_load(ctx, m, path, &hw), AIMC_ECHECKSUM);
  free(x);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

/* The default (programming.exact_zeros): only the devices of model values
 * get a pulse; those of the structural zeros stay at their target. */
static void test_exact_zeros(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_s4d_model *mdl = small(ctx);
  aimc_arch a = gaussian_arch();
  assert_int_equal(a.exact_zeros, 1);
  aimc_mapping *m = NULL;
  aimc_hw *hw = map_and_program(ctx, mdl, &a, &m);
  const aimc_prog_stats *ps = aimc_hw_prog_stats(hw);
  /* Placed devices as in test_gaussian_residuals (2880); model values per
   * channel block of M = 4 modes: 4 per mode in A (a_re, -a_im, a_im,
   * a_re), 2 per mode in B and in C (re, im), and D: 8 M + 1 = 33; so
   * 2 devices x 2 layers x 8 channels x 33 = 1056 pulses. */
  assert_int_equal(ps->devices, 2880);
  assert_int_equal(ps->pulses, 1056);
  /* Unpulsed devices have residual 0: the rms over all devices is that of
   * the 1056 pulsed ones (in [sigma / sqrt(2), sigma], see above, with
   * 5 se margins) scaled by sqrt(1056 / 2880). */
  double f = sqrt(1056.0 / 2880), se = a.prog_sigma_S / sqrt(2.0 * 1056);
  assert_true(ps->resid_rms_S > f * (a.prog_sigma_S / sqrt(2) - 5 * se));
  assert_true(ps->resid_rms_S < f * (a.prog_sigma_S + 5 * se));
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

static void test_stuck(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_s4d_model *mdl = small(ctx);
  aimc_arch a;
  aimc_arch_defaults(&a);
  /* The device card's stuck probabilities, fed by the arch's device.*
   * keys; every cell of every array is drawn, as the event crossbar
   * draws its cells. */
  snprintf(a.dev_p_stuck_min, sizeof a.dev_p_stuck_min, "0.05");
  snprintf(a.dev_p_stuck_max, sizeof a.dev_p_stuck_max, "0.05");
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  /* Binomial(cells, 0.1): accept +- 5 sd. */
  double cells = (double)m->n_arrays * a.rows * a.cols, mean = 0.1 * cells,
         sd = sqrt(cells * 0.1 * 0.9);
  uint64_t s = aimc_hw_prog_stats(hw)->stuck;
  assert_true(s > mean - 5 * sd && s < mean + 5 * sd);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

static int program_and_run(aimc_ctx *ctx, void *user) {
  const aimc_s4d_model *mdl = user;
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.prog_mode = AIMC_PROG_GAUSSIAN;
  a.prog_sigma_S = 1e-6;
  a.ni_read_noise = 1;
  a.form = AIMC_FORM_SEPARATE;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  double x[3 * 5] = {0.5, -1, 1, 0, 2, -2, 0.25, 1, 1, -0.5, 0, 0, 1, 1, 1}, lg[4];
  int st = aimc_map_model(ctx, mdl, &a, &m);
  if (!st) st = aimc_hw_program(ctx, m, &hw);
  if (!st) st = aimc_infer_sequence(ctx, mdl, hw, x, 5, lg);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  return st;
}

static void test_fault_injection(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 4, 2, 2, 1, AIMC_MIX_LINEAR, 4, 6, 2);
  assert_true(failalloc_sweep(program_and_run, mdl) > 20);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gaussian_residuals),
      cmocka_unit_test(test_exact_zeros),
      cmocka_unit_test(test_stuck),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
