/* The example netlists of netlists/: each loads; the source/probe, 4x4 MVM,
 * S4D element and multi-tile examples simulate on the engine; examples whose models are not registered in
 * this build are skipped (they name the component models of models/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/engine.h"
#include "aimc/fileio.h"
#include "aimc/graph.h"
#include "aimc/netlist.h"
#include "aimc/probe.h"
#include "aimc/status.h"
#include "testutil.h"

static int have_models(const char *const *names) {
  for (; *names; names++)
    if (!aimc_models_find(*names)) return 0;
  return 1;
}

/* 00_source_probe: the source drives "1 2; 3 4; 5 6" every 10 ns from
 * t = 0, so the probe must see exactly those three vectors at 0, 10 and
 * 20 ns (values and times written in the netlist). */
static void test_source_probe_sim(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_load(ctx, "netlists/00_source_probe.yaml", &d), AIMC_OK);
  assert_int_equal(d->clock_period, 10 * AIMC_NS);
  aimc_engine *e;
  int rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (rc) fail_msg("engine: %s", aimc_ctx_errmsg(ctx));
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  aimc_inst *watch = aimc_engine_find(e, "watch");
  assert_non_null(watch);
  assert_int_equal(aimc_probe_count(watch), 3);
  const double want[3][2] = {{1, 2}, {3, 4}, {5, 6}};
  for (size_t k = 0; k < 3; k++) {
    aimc_time t;
    const double *v;
    assert_int_equal(aimc_probe_record(watch, k, &t, &v), AIMC_OK);
    assert_true(t == (aimc_time)k * 10 * AIMC_NS);
    assert_near(v[0], want[k][0], 0);
    assert_near(v[1], want[k][1], 0);
  }
  const char *dir = test_tmpdir("examples");
  char csv[1024];
  snprintf(csv, sizeof csv, "%s/watch.csv", dir);
  assert_int_equal(aimc_probe_write_csv(ctx, watch, csv), AIMC_OK);
  char *text;
  assert_int_equal(aimc_read_file(ctx, csv, &text, NULL), AIMC_OK);
  assert_string_equal(text, "t_s,v0,v1\n0,1,2\n1e-08,3,4\n2e-08,5,6\n");
  aimc_free(ctx, text);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void load_example(const char *path, const char *const *models, size_t n_inst) {
  if (!have_models(models)) {
    print_message("skipping %s: its models are not registered yet\n", path);
    skip();
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  int rc = aimc_netlist_load(ctx, path, &d);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
  assert_int_equal(d->n_inst, n_inst);
  char *dot;
  assert_int_equal(aimc_graph_dot(ctx, d, NULL, &dot), AIMC_OK);
  aimc_free(ctx, dot);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_cell_write_verify(void **state) {
  (void)state;
  const char *const models[] = {"cell", "write_verify", NULL};
  load_example("netlists/01_cell_write_verify.yaml", models, 2);
}

static void test_mvm_4x4(void **state) {
  (void)state;
  const char *const models[] = {"dac", "crossbar", "tia", "adc", NULL};
  load_example("netlists/02_mvm_4x4.yaml", models, 6);
}

/* 02_mvm_4x4 simulated against a hand computation (docs/models/
 * conventions.md): the DAC maps x in [-1, 1] to v = 0.2 V * q8(x) (x in
 * {0, 1} is exact); the ideal crossbar gives I_j = sum_i v_i G_ij with G
 * from netlists/data/mvm4x4_g.csv; the TIA V = 10 kOhm * I (below its 1 V
 * saturation); the 8-bit ADC with v_fs = 1 V, range 1 outputs
 * round(127 V) / 127. Each vector leaves the ADC after DAC 1 ns + array
 * 10 ns + TIA 5 ns + 4 conversions x 5 ns serialized on one ADC = 36 ns,
 * and the source drives one vector every 100 ns. */
static void test_mvm_4x4_sim(void **state) {
  (void)state;
  const char *const models[] = {"dac", "crossbar", "tia", "adc", NULL};
  if (!have_models(models)) skip();
  const double g_uS[4][4] = {{10, 20, 30, 40}, {50, 60, 70, 80}, {15, 25, 35, 45}, {55, 65, 75, 20}};
  const double x[3][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, 1, 1}};
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_load(ctx, "netlists/02_mvm_4x4.yaml", &d), AIMC_OK);
  aimc_engine *e;
  if (aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  aimc_inst *y = aimc_engine_find(e, "y");
  assert_int_equal(aimc_probe_count(y), 3);
  for (size_t k = 0; k < 3; k++) {
    aimc_time t;
    const double *v;
    assert_int_equal(aimc_probe_record(y, k, &t, &v), AIMC_OK);
    assert_true(t == (aimc_time)(100 * k + 36) * AIMC_NS);
    for (int j = 0; j < 4; j++) {
      double i_A = 0;
      for (int i = 0; i < 4; i++) i_A += 0.2 * x[k][i] * g_uS[i][j] * 1e-6;
      double code = round(127 * 1e4 * i_A) / 127;
      assert_near(v[j], code, 1e-12);
    }
  }
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_s4d_element(void **state) {
  (void)state;
  const char *const models[] = {"concat", "digital", "dac", "crossbar", "tia", "adc", "sample_hold", NULL};
  load_example("netlists/03_s4d_imssa_element.yaml", models, 9);
}

/* 8-bit quantizer over [-1, 1] (docs/models/conventions.md: levels
 * k / 127, clipped), written here from the documented formula. */
static double q8(double x) {
  double k = round(127 * x);
  return fmax(-127, fmin(127, k)) / 127;
}

/* 03_s4d_imssa_element simulated against a hand computation. The mode
 * (netlist header): Abar = 0.8 + 0.3i, Bbar = 0.5 + 0.25i, C = 0.5 - 0.5i,
 * D = 0.25, inputs u = 0.6, 0.3, -0.45, 0, 0.15 every 100 ns. The array's
 * expanded real weights W (outputs [x_re, x_im, y] <- inputs [x_re, x_im,
 * y, u]) are derived here from those numbers, each on a column pair
 * G+ = 5 uS + 40 uS max(w, 0), G- = 5 uS + 40 uS max(-w, 0). One step of
 * the chain (conventions.md): v_i = 0.2 V q8(in_i); I_j = sum_i v_i G_ij;
 * V_j = 125 kOhm I_j (below the TIA's 1 V); d_j = q8(V_j / 1 V); state
 * word = q8(d+ - d-) (sample_hold 8 bits over [-1, 1]); in = [state; u],
 * state 0 before step 0. Each state reaches the probe 33 ns after its input
 * (netlist header), so at 100 k + 33 ns. Exact match expected. The same
 * values are also compared with the unquantized complex recurrence x_t =
 * Abar x_{t-1} + Bbar u_t, y_t = Re(C x_t) + D u_t: per step the error
 * grows by at most the largest row sum of W over the state inputs (1.1)
 * plus eps = (0.625 * 0.5 + 2 * 0.5) / 127 (u's DAC rounding times its
 * largest weight, the two ADC roundings of a pair; state words are already
 * on the 8-bit grid, so their DAC and register roundings are exact). */
static void test_s4d_element_sim(void **state) {
  (void)state;
  const char *const models[] = {"concat", "dac", "crossbar", "tia", "adc", "digital", "sample_hold", NULL};
  if (!have_models(models)) skip();
  const double complex a_bar = 0.8 + 0.3 * I, b_bar = 0.5 + 0.25 * I, c = 0.5 - 0.5 * I;
  const double d_skip = 0.25;
  const double u[5] = {0.6, 0.3, -0.45, 0, 0.15};
  const double complex c_a = c * a_bar, c_b = c * b_bar;
  const double w[3][4] = {
      {creal(a_bar), -cimag(a_bar), 0, creal(b_bar)},
      {cimag(a_bar), creal(a_bar), 0, cimag(b_bar)},
      {creal(c_a), -cimag(c_a), 0, creal(c_b) + d_skip},
  };
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  if (aimc_netlist_load(ctx, "netlists/03_s4d_imssa_element.yaml", &d)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  aimc_engine *e;
  if (aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  aimc_inst *y = aimc_engine_find(e, "y");
  assert_int_equal(aimc_probe_count(y), 5);
  double s[3] = {0, 0, 0}, err_bound = 0;
  const double eps = (0.625 * 0.5 + 2 * 0.5) / 127;
  double complex x = 0;
  for (size_t t = 0; t < 5; t++) {
    const double in[4] = {s[0], s[1], s[2], u[t]};
    for (int k = 0; k < 3; k++) {
      double code[2];
      for (int side = 0; side < 2; side++) {
        double i_A = 0;
        for (int i = 0; i < 4; i++) {
          double g_S = 5e-6 + 40e-6 * fmax((side ? -1 : 1) * w[k][i], 0);
          i_A += 0.2 * q8(in[i]) * g_S;
        }
        assert_true(fabs(125e3 * i_A) < 1);
        code[side] = q8(125e3 * i_A);
      }
      s[k] = q8(code[0] - code[1]);
    }
    aimc_time when;
    const double *v;
    assert_int_equal(aimc_probe_record(y, t, &when, &v), AIMC_OK);
    assert_true(when == (aimc_time)(100 * t + 33) * AIMC_NS);
    x = a_bar * x + b_bar * u[t];
    const double ideal[3] = {creal(x), cimag(x), creal(c * x) + d_skip * u[t]};
    err_bound = 1.1 * err_bound + eps;
    for (int k = 0; k < 3; k++) {
      assert_near(v[k], s[k], 1e-12);
      assert_near(v[k], ideal[k], err_bound);
    }
  }
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

/* 05_gather_ports: word 0 = x[1], word 1 = u[0] + x[0], word 2 unfed
 * (0), per the index map data/gather_rows.csv, at both input times. */
static void test_gather_ports_sim(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  if (aimc_netlist_load(ctx, "netlists/05_gather_ports.yaml", &d)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  char *dot;
  assert_int_equal(aimc_graph_dot(ctx, d, NULL, &dot), AIMC_OK);
  aimc_free(ctx, dot);
  aimc_engine *e;
  if (aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  aimc_inst *watch = aimc_engine_find(e, "watch");
  assert_int_equal(aimc_probe_count(watch), 2);
  const double want[2][3] = {{2, 10 + 1, 0}, {4, 40 + 3, 0}};
  for (size_t k = 0; k < 2; k++) {
    aimc_time t;
    const double *v;
    assert_int_equal(aimc_probe_record(watch, k, &t, &v), AIMC_OK);
    assert_true(t == (aimc_time)k * 10 * AIMC_NS);
    for (int c = 0; c < 3; c++) assert_true(v[c] == want[k][c]);
  }
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_multi_tile(void **state) {
  (void)state;
  /* 1 source + 16 tiles x 5 instances + 16 probes = 97. */
  const char *const models[] = {"dac", "crossbar", "tia", "adc", "sample_hold", NULL};
  load_example("netlists/04_multi_tile_layer.yaml", models, 97);
}

/* Four tiles (-D array.tiles=4) simulated: netlists/data/ramp64.csv holds
 * 4 input vectors, so each tile's probe records exactly 4 vectors of 64. */
static void test_multi_tile_sim(void **state) {
  (void)state;
  const char *const models[] = {"dac", "crossbar", "tia", "adc", "sample_hold", NULL};
  if (!have_models(models)) skip();
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  const char *defs[] = {"array.tiles=4"};
  aimc_netlist_opts o = {defs, 1, NULL, NULL};
  assert_int_equal(aimc_netlist_load_opts(ctx, "netlists/04_multi_tile_layer.yaml", &o, &d), AIMC_OK);
  assert_int_equal(d->n_block, 4);
  aimc_engine *e;
  if (aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  for (int k = 0; k < 4; k++) {
    char name[16];
    snprintf(name, sizeof name, "y%d", k);
    aimc_inst *y = aimc_engine_find(e, name);
    assert_int_equal(aimc_probe_count(y), 4);
    assert_int_equal(aimc_probe_width(y), 64);
  }
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_source_probe_sim),
      cmocka_unit_test(test_cell_write_verify),
      cmocka_unit_test(test_mvm_4x4),
      cmocka_unit_test(test_mvm_4x4_sim),
      cmocka_unit_test(test_s4d_element),
      cmocka_unit_test(test_s4d_element_sim),
      cmocka_unit_test(test_multi_tile),
      cmocka_unit_test(test_multi_tile_sim),
      cmocka_unit_test(test_gather_ports_sim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
