/* Energy and latency against a hand computation (docs/energy-latency.md
 * gives the formulas): one channel, one mode, one layer on one 4x8 array,
 * 5 time steps, round per-operation figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "sim/infer/infer_internal.h"
#include "testutil.h"

static void test_hand_example(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 1, 2, 1, 1, 1, AIMC_MIX_LINEAR, 4, 6, 1);
  /* Only Abar's real part is non-zero: 0.25 on the fixed range 0.5 ->
   * wn = 0.5 -> G+ = 5uS + 0.5 * 95uS = 52.5uS on the (re,re) and (im,im)
   * weights; every other device of the 4 x 3 block (x2 devices) and the 2
   * idle columns of the 4 rows at 5uS. */
  mdl->a_re[0] = 0.25;
  mdl->a_im[0] = mdl->b_re[0] = mdl->b_im[0] = mdl->c_re[0] = mdl->c_im[0] = 0;
  mdl->d[0] = 0;
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = 4, a.cols = 8;
  a.e_dac_J = 1e-12, a.e_tia_J = 2e-12, a.e_adc_J = 3e-12, a.e_reg_bit_J = 62.5e-15;
  a.e_mac_J = 0.1e-12, a.e_buffer_J = 0.25e-12, a.p_static_W = 1e-3;
  a.v_read_V = 0.5, a.c_wire_F = 1e-15;
  a.clock_fs = AIMC_NS, a.t_dac_fs = AIMC_NS, a.t_settle_fs = 3 * AIMC_NS;
  a.t_tia_fs = AIMC_NS, a.t_adc_fs = 2 * AIMC_NS, a.t_reg_fs = AIMC_NS;
  a.t_digital_fs = AIMC_NS, a.cols_per_adc = 2, a.pipeline = 0;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->n_arrays, 1);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  aimc_infer_result r;
  memset(&r, 0, sizeof r);
  const int len = 5;
  assert_int_equal(aimc_infer_account(ctx, mdl, hw, len, &r), AIMC_OK);
  /* Reads: len + 1 (single form: the output lags one read) = 6.
   * DAC: 4 rows x 1pJ x 6 = 24pJ. TIA: 3 columns x 2pJ x 6 = 36pJ.
   * ADC: 3 x 3pJ x 6 = 54pJ. Array: the 4 driven rows across all 8
   * columns, V^2 (t_settle sum(G) + rows x cols x c_wire) = 0.25 V^2 x (3ns
   * x (30 x 5uS + 2 x 52.5uS = 255uS) + 4 x 8 x 1fF) = 0.19125pJ + 0.008pJ
   * per read, x 6 = 1.1955pJ.
   * Register: 2 state words of 6 bits (adc_bits 0: the model's state
   * quantizer, act_bits 6) x 6 reads x 62.5fJ = 4.5pJ.
   * Digital, by the periphery's instances (e_mac = e_op = 0.1pJ): per
   * step the encoder (1 MAC + 1 bias add), GELU 1, mix 1 + 1, residual
   * 1, norm 4, pool 1: 11 x 5 steps = 55; once the mean 1 and the
   * decoder 2 x 1 MACs + 2 bias adds: 60 x 0.1pJ = 6pJ. Buffer: 5 x (1
   * input + 2 x 1 layer words) = 15 x 0.25pJ = 3.75pJ. */
  assert_near(r.e_inf_J[AIMC_EC_DAC], 24e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_TIA], 36e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_ADC], 54e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_ARRAY], 1.1955e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_REGISTER], 4.5e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_DIGITAL], 6e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_BUFFER], 3.75e-12, 1e-24);
  /* Latency: a read is DAC 1 + settle 3 + TIA 1 + ADC: 3 columns on
   * ceil(3/2) = 2 ADCs -> 2 conversions in series x 2 = 4 -> 9 cycles;
   * the layer adds the register (1) and its periphery's instances, each
   * t_digital = 1 cycle: GELU, mix, residual, norm and, after the last
   * layer, the pool's running sum (5) -> 15; the encoder 1: a step is 16
   * cycles. A sequence is (5 + 1 lag) steps + the mean and the decoder
   * (2) = 98 cycles = 98 ns. */
  assert_int_equal(r.cycles_step, 16);
  assert_int_equal(r.cycles_seq, 98);
  assert_near(r.latency_seq_s, 98e-9, 1e-21);
  /* Static: 1mW x 1 array x 98ns = 98pJ. Total 24 + 36 + 54 + 1.1955 + 4.5 + 6 + 3.75
   * + 98 = 227.4455pJ. */
  assert_near(r.e_inf_J[AIMC_EC_STATIC], 98e-12, 1e-24);
  assert_near(r.e_inf_total_J, 227.4455e-12, 1e-23);
  /* Per instance: the one tile's five parts, its static power, the eight
   * periphery instances and the buffers (1 x 6 + 8 + 1 rows), as derived
   * above, adding up to the total. */
  assert_int_equal(r.n_inst, 15);
  const double want[15] = {24e-12,  1.1955e-12, 36e-12,  54e-12,  4.5e-12,
                           98e-12,  1e-12,      0.5e-12, 1e-12,   0.5e-12,
                           2e-12,   0.5e-12,    0.1e-12, 0.4e-12, 3.75e-12};
  const char *suffix[15] = {".dac",     ".xbar",    ".tia",    ".adc",      ".hold",
                            "",         "encoder",  "l0_gelu", "l0_mix",    "l0_residual",
                            "l0_norm",  "pool",     "mean",    "decoder",   "buffer"};
  double sum = 0;
  for (int i = 0; i < 15; i++) {
    assert_near(r.inst[i].e_J, want[i], 1e-24);
    size_t n = strlen(r.inst[i].name), ns = strlen(suffix[i]);
    assert_true(n >= ns && !strcmp(r.inst[i].name + n - ns, suffix[i]));
    sum += r.inst[i].e_J;
  }
  assert_near(sum, r.e_inf_total_J, 1e-23);
  /* Ops: 2 x (6 reads x 12 analog MACs + 12 digital MACs) = 168. */
  assert_int_equal(r.ops_inf, 168);
  assert_near(r.tops_per_w, 168 / 227.4455e-12 / 1e12, 1e-9);
  /* Pipelined, a step is the slowest stage (15), and the encoder is a
   * pipeline stage of its own: the layer works on the input one step after
   * the encoder took it, so 5 inputs + 1 (encoder) + 1 (flush read) = 7
   * steps: 7 x 15 + 2 = 107. */
  aimc_infer_result_fini(ctx, &r);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  a.pipeline = 1;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  assert_int_equal(aimc_infer_account(ctx, mdl, hw, len, &r), AIMC_OK);
  assert_int_equal(r.cycles_step, 15);
  assert_int_equal(r.cycles_seq, 107);
  /* A periphery instance's own figures price it alone: the GELU at
   * 1pJ per word costs 5 x 1pJ, its neighbours keep theirs. */
  aimc_infer_result_fini(ctx, &r);
  aimc_periph *gelu = (aimc_periph *)aimc_map_periph_find(m, AIMC_PERIPH_GELU, 0);
  gelu->p.e_op = 1e-12;
  assert_int_equal(aimc_infer_account(ctx, mdl, hw, len, &r), AIMC_OK);
  assert_near(r.inst[7].e_J, 5e-12, 1e-24);
  assert_near(r.inst[6].e_J, 1e-12, 1e-24);
  assert_near(r.e_inf_J[AIMC_EC_DIGITAL], 10.5e-12, 1e-24);
  aimc_infer_result_fini(ctx, &r);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_hand_example)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
