/* Golden equivalence: with ideal devices, no noise and converters at the
 * quantizer's resolution, the simulated hardware gives the same logits as
 * the trainer's quantized-digital reference aimc_s4d_model_forward. The
 * expected values are the reference's outputs (an independent
 * implementation in trainer/), not numbers copied from the simulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/s4d_reference.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "testutil.h"

enum { NSEQ = 6, LEN = 24, NIN = 3, NOUT = 4 };

/* Largest |hw - ref| over NSEQ sequences, relative to the reference's
 * logit range. */
static double max_rel_diff(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                           const aimc_arch *arch, int *exact) {
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, arch, &m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  double *x = fixture_inputs(NSEQ, LEN, NIN, 99);
  double worst = 0, lo = 1e300, hi = -1e300;
  double ref[NSEQ][NOUT], sim[NSEQ][NOUT];
  *exact = 1;
  for (int s = 0; s < NSEQ; s++) {
    const double *xs = x + (size_t)s * LEN * NIN;
    assert_int_equal(aimc_s4d_model_forward(ctx, mdl, xs, LEN, ref[s]), AIMC_OK);
    assert_int_equal(aimc_infer_sequence(ctx, mdl, hw, xs, LEN, sim[s]), AIMC_OK);
    for (int c = 0; c < NOUT; c++) {
      lo = ref[s][c] < lo ? ref[s][c] : lo;
      hi = ref[s][c] > hi ? ref[s][c] : hi;
      if (sim[s][c] != ref[s][c]) *exact = 0;
    }
  }
  for (int s = 0; s < NSEQ; s++)
    for (int c = 0; c < NOUT; c++) {
      double d = fabs(sim[s][c] - ref[s][c]) / (hi - lo);
      worst = d > worst ? d : worst;
    }
  free(x);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  return worst;
}

static void check_equal(int form, int split, int dense, aimc_mix_kind mix) {
  aimc_ctx *ctx = aimc_ctx_alloc(5);
  int bits[] = {2, 5}, act[] = {6, 0};
  for (int b = 0; b < 2; b++)
    for (int a = 0; a < 2; a++) {
      aimc_s4d_model *mdl =
          fixture_model(ctx, NIN, NOUT, 4, 3, 2, mix, bits[b], act[a], 11 + b);
      assert_non_null(mdl);
      aimc_arch arch;
      aimc_arch_defaults(&arch);
      arch.rows = arch.cols = 32;
      arch.form = form;
      arch.split = split;
      arch.dense = dense;
      int exact;
      double d = max_rel_diff(ctx, mdl, &arch, &exact);
      /* Digital dense layers: the SSM path adds exactly what the reference
       * adds, so the logits are bit-identical. Dense layers on crossbars
       * sum in another order (1 ulp per sum): 1e-9 relative. */
      if (dense == AIMC_PLACE_DIGITAL && !exact)
        fail_msg("form %d split %d bits %d act %d: not bit-identical (%g)", form,
                 split, bits[b], act[a], d);
      if (d > 1e-9) fail_msg("relative difference %g > 1e-9", d);
      aimc_s4d_model_free(ctx, mdl);
    }
  aimc_ctx_free(ctx);
}

static void test_single_differential(void **s) {
  (void)s;
  check_equal(AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL, AIMC_PLACE_DIGITAL, AIMC_MIX_LINEAR);
}
static void test_single_rails_glu(void **s) {
  (void)s;
  check_equal(AIMC_FORM_SINGLE, AIMC_SPLIT_RAILS, AIMC_PLACE_DIGITAL, AIMC_MIX_GLU);
}
static void test_separate(void **s) {
  (void)s;
  check_equal(AIMC_FORM_SEPARATE, AIMC_SPLIT_DIFFERENTIAL, AIMC_PLACE_DIGITAL, AIMC_MIX_GLU);
}
static void test_dense_on_crossbar(void **s) {
  (void)s;
  check_equal(AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL, AIMC_PLACE_CROSSBAR, AIMC_MIX_LINEAR);
}

/* The comparison can fail: a coarser ADC than the model's quantizer, or
 * programming noise, must change the logits. */
static void test_detects_differences(void **s) {
  (void)s;
  aimc_ctx *ctx = aimc_ctx_alloc(5);
  aimc_s4d_model *mdl = fixture_model(ctx, NIN, NOUT, 4, 3, 2, AIMC_MIX_LINEAR, 4, 6, 3);
  aimc_arch arch;
  aimc_arch_defaults(&arch);
  arch.adc_bits = 3;
  int exact;
  assert_true(max_rel_diff(ctx, mdl, &arch, &exact) > 1e-6);
  aimc_arch_defaults(&arch);
  arch.prog_mode = AIMC_PROG_GAUSSIAN;
  arch.prog_sigma_S = 5e-6;
  assert_true(max_rel_diff(ctx, mdl, &arch, &exact) > 1e-6);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_differential),
      cmocka_unit_test(test_single_rails_glu),
      cmocka_unit_test(test_separate),
      cmocka_unit_test(test_dense_on_crossbar),
      cmocka_unit_test(test_detects_differences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
