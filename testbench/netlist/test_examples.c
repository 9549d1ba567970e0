/* The example netlists of netlists/: each loads; the source/probe example
 * simulates on the engine; examples whose models are not registered in
 * this build are skipped (they name the component models of models/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

static void test_multi_tile(void **state) {
  (void)state;
  /* 1 source + 16 tiles x 5 instances + 16 probes = 97. */
  const char *const models[] = {"dac", "crossbar", "tia", "adc", "sample_hold", NULL};
  load_example("netlists/04_multi_tile_layer.yaml", models, 97);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_source_probe_sim),
      cmocka_unit_test(test_cell_write_verify),
      cmocka_unit_test(test_mvm_4x4),
      cmocka_unit_test(test_multi_tile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
