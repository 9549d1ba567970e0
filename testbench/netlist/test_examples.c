/* The example netlists of netlists/: each loads; the source/probe example
 * simulates on the engine; examples whose models are not registered in
 * this build are skipped (they name the component models of models/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
  const char *const models[] = {"digital", "dac", "crossbar", "tia", "adc", "sample_hold", NULL};
  load_example("netlists/03_s4d_imssa_element.yaml", models, 7);
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
  aimc_netlist_opts o = {defs, 1, NULL};
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
      cmocka_unit_test(test_multi_tile),
      cmocka_unit_test(test_multi_tile_sim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
