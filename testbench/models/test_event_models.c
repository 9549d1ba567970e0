/* The event models of models/ run on the engine: registry conformance
 * (defaults in range, ports resolve, deterministic, energy >= 0, reset
 * restores device state), the DAC -> crossbar -> TIA -> ADC chain against
 * the documented value convention, ADC mux serialization, a cell under the
 * write_verify controller, the concat join, and bad netlist parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/engine.h"
#include "aimc/netlist.h"
#include "aimc/probe.h"
#include "aimc/quant.h"
#include "aimc/status.h"
#include "aimc/xbar.h"
#include "failalloc.h"
#include "testutil.h"

typedef struct {
  aimc_ctx *ctx;
  aimc_design *d;
  aimc_engine *e;
} rig;

static void rig_open(rig *r, uint64_t seed, const char *text) {
  r->ctx = aimc_ctx_alloc(seed);
  r->d = NULL;
  r->e = NULL;
  int rc = aimc_netlist_parse(r->ctx, "test.yaml", text, NULL, &r->d);
  if (!rc) rc = aimc_engine_alloc(r->ctx, r->d, AIMC_KERNEL_NATIVE, &r->e);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(r->ctx));
}

static void rig_close(rig *r) {
  aimc_engine_free(r->e);
  aimc_design_free(r->ctx, r->d);
  aimc_ctx_free(r->ctx);
}

static int net(rig *r, const char *name) {
  int n = aimc_design_find_net(r->d, name);
  assert_true(n >= 0);
  return n;
}

/* Every registered model (models.def), so a new one is checked by being
 * listed there. */
static void test_registry_conformance(void **state) {
  (void)state;
  /* The tile's parts at least (a registry that lost its list fails). */
  const char *const parts[] = {"crossbar", "dac", "tia", "adc", "adc_flash", "sample_hold"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (!aimc_models_find(parts[i])) fail_msg("model %s is not registered", parts[i]);
  for (size_t m = 0; m < aimc_models_count(); m++) {
    const aimc_model *model = aimc_models_at(m);
    assert_ptr_equal(aimc_models_find(model->name), model);
    assert_true(model->summary && *model->summary && model->source &&
                *model->source);
    char params[4096] __attribute__((aligned(16)));
    char err[256];
    assert_true(model->params_size <= sizeof params);
    aimc_params_defaults(model->params, model->n_params, params);
    if (aimc_params_check(model->params, model->n_params, params, err,
                          sizeof err))
      fail_msg("%s: default out of range: %s", model->name, err);
    /* A source has no default stimulus: it must be given values: or file:. */
    int needs_input = strcmp(model->name, "source") == 0;
    if (model->validate && !needs_input && model->validate(params, err, sizeof err))
      fail_msg("%s: defaults do not validate: %s", model->name, err);
    for (size_t i = 0; i < model->n_params; i++)
      assert_true(model->params[i].doc && *model->params[i].doc);
    for (size_t p = 0; p < model->n_ports; p++)
      assert_true(aimc_model_port_width(model, (int)p, params) >= 1);
  }
}

/* Each model alone, inputs driven from outside: deterministic for a seed,
 * energy >= 0, outputs finite. */
static void run_alone(const char *model, const char *params, double *out,
                      size_t n_out, double *energy) {
  char text[1024];
  const aimc_model *m = aimc_models_find(model);
  int in = aimc_model_port_find(m, "in"), o = aimc_model_port_find(m, "out");
  snprintf(text, sizeof text,
           "name: alone\ninstances:\n  m: {model: %s, params: {%s}}\nnets:\n  "
           "a: {connect: [m.in], external: true}\n  b: {connect: [m.out], "
           "external: true}\n",
           model, params);
  rig r;
  rig_open(&r, 42, text);
  aimc_inst *inst = aimc_engine_find(r.e, "m");
  int w_in = aimc_inst_port_width(inst, in),
      w_out = aimc_inst_port_width(inst, o);
  double v[64];
  for (int k = 0; k < w_in && k < 64; k++)
    v[k] = 0.1 * (k + 1) * (k % 2 ? -1 : 1);
  if (strcmp(model, "cell") == 0) v[0] = 1.2, v[1] = 100e-9, v[2] = 0.2;
  if (strcmp(model, "crossbar") == 0 || strcmp(model, "dac") == 0 ||
      strcmp(model, "tia") == 0)
    for (int k = 0; k < w_in && k < 64; k++)
      v[k] *= strcmp(model, "tia") ? 1 : 1e-4;
  assert_int_equal(aimc_engine_drive_net(r.e, net(&r, "a"), v, 0), 0);
  assert_int_equal(aimc_engine_run(r.e), 0);
  const double *y = aimc_engine_net_value(r.e, net(&r, "b"));
  for (size_t k = 0; k < n_out && (int)k < w_out; k++) {
    assert_true(isfinite(y[k]));
    out[k] = y[k];
  }
  *energy = aimc_inst_energy(inst);
  assert_true(*energy >= 0);
  rig_close(&r);
}

static void test_each_model_alone(void **state) {
  (void)state;
  struct {
    const char *model, *params;
  } cases[] = {
      {"cell", ""},
      {"crossbar", "rows: 4, cols: 3, program: gaussian, sigma_g: 5uS"},
      {"dac", "n: 4, inl_lsb: 0.5"},
      {"tia", "n: 4, noise: 1nA"},
      {"adc", "n: 4, noise: 1mV"},
      {"adc_flash", "n: 4, noise: 1mV"},
      {"sample_hold", "n: 4"},
      {"digital", "n_in: 4, n_out: 2, op: diff"},
      {"buffer", "n: 4"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double a[8] = {0}, b[8] = {0}, ea, eb;
    run_alone(cases[i].model, cases[i].params, a, 8, &ea);
    run_alone(cases[i].model, cases[i].params, b, 8, &eb);
    if (memcmp(a, b, sizeof a) || ea != eb)
      fail_msg("%s is not deterministic", cases[i].model);
    if (strcmp(cases[i].model, "buffer") && strcmp(cases[i].model, "digital") &&
        strcmp(cases[i].model, "sample_hold"))
      assert_true(ea > 0);
  }
}

/* DAC -> crossbar -> TIA -> ADC with ideal devices reproduces the value
 * convention of the headers: v = q_dac(x)/range * v_fs; I = v G;
 * V = gain I; d = q_adc(V / v_fs_adc * range_adc). Expected codes are
 * computed here from those formulas, independently of the models' code. */
static void test_chain_convention_and_latency(void **state) {
  (void)state;
  const char *dir = test_tmpdir("chain");
  char *targets = test_write_file(dir, "g.csv", "10e-6,80e-6\n60e-6,20e-6\n");
  char text[2048];
  snprintf(
      text, sizeof text,
      "name: chain\n"
      "instances:\n"
      "  dac:  {model: dac, params: {n: 2, bits: 4, v_fs: 0.2V, t_settle: "
      "1ns}}\n"
      "  xbar: {model: crossbar, params: {rows: 2, cols: 2, read_noise: false, "
      "targets: %s,"
      " t_settle: 10ns}}\n"
      "  tia:  {model: tia, params: {n: 2, gain: 20kOhm, t_settle: 5ns}}\n"
      "  adc:  {model: adc, params: {n: 2, bits: 6, v_fs: 0.5V, range: 4, "
      "n_adc: 1, t_conv: 3ns}}\n"
      "nets:\n  x: {connect: [dac.in], external: true}\n  v: [dac.out, "
      "xbar.in]\n  i: [xbar.out, tia.in]\n"
      "  u: [tia.out, adc.in]\n  y: {connect: [adc.out], external: true}\n",
      targets);
  rig r;
  rig_open(&r, 1, text);
  double x[2] = {0.6, -0.3};
  assert_int_equal(aimc_engine_drive_net(r.e, net(&r, "x"), x, 0), 0);
  aimc_quant qd = {4, 1.0}, qa = {6, 4.0};
  double g[2][2] = {{10e-6, 80e-6}, {60e-6, 20e-6}}, want[2];
  for (int j = 0; j < 2; j++) {
    double i = 0;
    for (int k = 0; k < 2; k++)
      i += aimc_quant_apply(&qd, x[k]) * 0.2 * g[k][j];
    want[j] = aimc_quant_apply(&qa, 20e3 * i / 0.5 * 4.0);
  }
  /* Latency: 1 + 10 + 5 ns, then two conversions on one ADC: 6 ns. */
  aimc_time t_out = 22 * AIMC_NS;
  assert_int_equal(aimc_engine_run_until(r.e, t_out - 1), 0);
  assert_near(aimc_engine_net_value(r.e, net(&r, "y"))[0], 0, 0);
  assert_int_equal(aimc_engine_run_until(r.e, t_out), 0);
  const double *y = aimc_engine_net_value(r.e, net(&r, "y"));
  assert_near(y[0], want[0], 1e-12);
  assert_near(y[1], want[1], 1e-12);
  assert_true(want[0] != 0 && want[1] != 0);
  /* Energies: DAC 2 x 50 fJ; ADC 2 x 2 pJ; crossbar read = sum v^2 (10ns
   * sum_j G + 2 columns x 0.2 fF default line capacitance). */
  assert_near(aimc_engine_energy(r.e, AIMC_EC_DAC), 2 * 50e-15, 1e-27);
  assert_near(aimc_engine_energy(r.e, AIMC_EC_ADC), 2 * 2e-12, 1e-24);
  double v0 = aimc_quant_apply(&qd, 0.6) * 0.2,
         v1 = aimc_quant_apply(&qd, -0.3) * 0.2;
  assert_near(aimc_engine_energy(r.e, AIMC_EC_ARRAY),
              10e-9 * (v0 * v0 * 90e-6 + v1 * v1 * 80e-6) +
                  (v0 * v0 + v1 * v1) * 2 * 0.2e-15,
              1e-25);
  /* The instance's array is reachable and programmed to the targets. */
  aimc_xbar *xb = aimc_crossbar_xbar(aimc_engine_find(r.e, "xbar"));
  assert_non_null(xb);
  assert_near(aimc_xbar_g(xb, 1, 0), 60e-6, 1e-15);
  assert_null(aimc_crossbar_xbar(aimc_engine_find(r.e, "dac")));
  rig_close(&r);
  free(targets);
}

static void test_adc_mux_and_reset(void **state) {
  (void)state;
  for (int n_adc = 1; n_adc <= 4; n_adc *= 4) {
    char text[1024];
    snprintf(text, sizeof text,
             "name: mux\ninstances:\n  adc: {model: adc, params: {n: 4, n_adc: "
             "%d, t_conv: 5ns}}\n"
             "nets:\n  u: {connect: [adc.in], external: true}\n  y: {connect: "
             "[adc.out], external: true}\n",
             n_adc);
    rig r;
    rig_open(&r, 1, text);
    double u[4] = {0.5, 0.5, 0.5, 0.5};
    aimc_engine_drive_net(r.e, net(&r, "u"), u, 0);
    /* ceil(4 / n_adc) conversions of 5 ns. */
    aimc_time t = (4 / n_adc) * 5 * AIMC_NS;
    aimc_engine_run_until(r.e, t - 1);
    assert_near(aimc_engine_net_value(r.e, net(&r, "y"))[3], 0, 0);
    aimc_engine_run_until(r.e, t);
    assert_true(aimc_engine_net_value(r.e, net(&r, "y"))[3] > 0);
    rig_close(&r);
  }
  /* Reset restores the crossbar's devices (same d2d draws, same programming).
   */
  rig r;
  const char *dir = test_tmpdir("reset");
  char text[1024], dump[512];
  snprintf(dump, sizeof dump, "%s/cells.csv", dir);
  snprintf(text, sizeof text,
           "name: rs\ninstances:\n  xbar: {model: crossbar, params: {rows: 8, "
           "cols: 8,"
           " program: gaussian, sigma_g: 3uS, dump_cells: %s}}\nnets:\n"
           "  v: {connect: [xbar.in], external: true}\n  i: {connect: "
           "[xbar.out], external: true}\n",
           dump);
  rig_open(&r, 3, text);
  assert_true(
      test_file_exists(dump)); /* 8 x 8 cells written after programming */
  aimc_xbar *xb = aimc_crossbar_xbar(aimc_engine_find(r.e, "xbar"));
  double before[64];
  memcpy(before, aimc_xbar_gmatrix(xb), sizeof before);
  aimc_xbar_set_g(xb, 0, 0, 77e-6);
  assert_int_equal(aimc_engine_reset(r.e), 0);
  assert_memory_equal(
      before,
      aimc_xbar_gmatrix(aimc_crossbar_xbar(aimc_engine_find(r.e, "xbar"))),
      sizeof before);
  rig_close(&r);
}

/* A flash ADC (adc_flash.c) costs (2^bits - 1) e_cmp per conversion and
 * one comparison time per round whatever the bits. Hand-derived: n = 4
 * channels on n_adc = 2 converters, bits = 4, e_cmp = 100 fJ, t_conv =
 * 1 ns: 4 conversions x 15 comparators x 100 fJ = 6 pJ, 2 rounds = 2 ns;
 * bits 3: 4 x 7 x 100 fJ = 2.8 pJ; bits 6: 4 x 63 x 100 fJ = 25.2 pJ;
 * bits 0 is priced as 8: 4 x 255 x 100 fJ = 102 pJ; the time stays 2 ns.
 * The event model books the same cost, and converts as the adc does (one
 * shared conversion, adc_common.h). */
static void test_adc_flash_cost(void **state) {
  (void)state;
  const aimc_model *m = aimc_models_find("adc_flash");
  assert_non_null(m);
  char params[2048] __attribute__((aligned(16))), err[256];
  assert_true(m->params_size <= sizeof params);
  aimc_params_defaults(m->params, m->n_params, params);
  const char *set[][2] = {{"n", "4"}, {"n_adc", "2"}, {"e_cmp", "100fJ"}, {"t_conv", "1ns"}};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(aimc_param_set(aimc_params_find(m->params, m->n_params, set[i][0]),
                                    params, set[i][1], err, sizeof err),
                     0);
  const aimc_param *bits = aimc_params_find(m->params, m->n_params, "bits");
  struct {
    const char *bits;
    double e_J;
  } cases[] = {{"4", 6e-12}, {"3", 2.8e-12}, {"6", 25.2e-12}, {"0", 102e-12}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(aimc_param_set(bits, params, cases[i].bits, err, sizeof err), 0);
    aimc_op_cost c = aimc_model_op_cost(m, params, &(aimc_op_use){.n = 4});
    assert_near(c.e_J, cases[i].e_J, 1e-12 * cases[i].e_J);
    assert_true(c.t_fs == 2 * AIMC_NS);
  }
  /* The event model: the same energy and latency, and the adc's words. */
  const char *fmt =
      "name: f\ninstances:\n  adc: {model: %s, params: {n: 4, n_adc: 2, bits: 4, %s}}\n"
      "nets:\n  u: {connect: [adc.in], external: true}\n"
      "  y: {connect: [adc.out], external: true}\n";
  double u[4] = {0.31, -0.52, 0.9, 2.0}, words[2][4];
  const char *models[2][2] = {{"adc_flash", "e_cmp: 100fJ, t_conv: 1ns"},
                              {"adc", "e_conv: 1pJ, t_conv: 1ns"}};
  for (int k = 0; k < 2; k++) {
    char text[512];
    snprintf(text, sizeof text, fmt, models[k][0], models[k][1]);
    rig r;
    rig_open(&r, 1, text);
    aimc_engine_drive_net(r.e, net(&r, "u"), u, 0);
    aimc_engine_run_until(r.e, 2 * AIMC_NS - 1);
    assert_near(aimc_engine_net_value(r.e, net(&r, "y"))[0], 0, 0);
    aimc_engine_run_until(r.e, 2 * AIMC_NS);
    memcpy(words[k], aimc_engine_net_value(r.e, net(&r, "y")), sizeof words[k]);
    if (k == 0) assert_near(aimc_inst_energy(aimc_engine_find(r.e, "adc")), 6e-12, 1e-24);
    rig_close(&r);
  }
  /* 4 bits over range 1: levels k / 7; 0.31 -> 2/7, -0.52 -> -4/7, 2.0 clips. */
  assert_near(words[0][0], 2.0 / 7, 1e-15);
  assert_near(words[0][1], -4.0 / 7, 1e-15);
  assert_near(words[0][3], 1, 1e-15);
  assert_memory_equal(words[0], words[1], sizeof words[0]);
}

/* TIA bandwidth: f_3db = 100 MHz settles (to 0.1 %) in ln(1000) / (2 pi
 * 1e8) s = 10.994 ns; the output is V = gain * I = 10 kOhm * 20 uA. */
static void test_tia_bandwidth(void **state) {
  (void)state;
  rig r;
  rig_open(&r, 1,
           "name: t\ninstances:\n  tia: {model: tia, params: {n: 1, f_3db: "
           "100MHz}}\nnets:\n  i: {connect: [tia.in], external: true}\n"
           "  v: {connect: [tia.out], external: true}\n");
  double i = 20e-6;
  aimc_engine_drive_net(r.e, net(&r, "i"), &i, 0);
  aimc_time t =
      aimc_time_from_s(log(1000.0) / (2 * 3.14159265358979323846 * 1e8));
  aimc_engine_run_until(r.e, t - 1);
  assert_near(aimc_engine_net_value(r.e, net(&r, "v"))[0], 0, 0);
  aimc_engine_run_until(r.e, t);
  assert_near(aimc_engine_net_value(r.e, net(&r, "v"))[0], 0.2, 1e-12);
  rig_close(&r);
}

static void test_cell_write_verify(void **state) {
  (void)state;
  rig r;
  rig_open(&r, 5,
           "name: wv\ninstances:\n  wv: {model: write_verify, params: {target: "
           "40uS, tol: 1uS}}\n"
           "  cell: {model: cell}\nnets:\n  p: [wv.out, cell.in]\n  c: "
           "[cell.out, wv.in]\n");
  assert_int_equal(aimc_engine_run(r.e), 0);
  /* The last verify read (within guard * tol = 0.5 uS of the target, up
   * to read noise) is on the current net: I = v_read G, v_read = 0.2 V. */
  double g = aimc_engine_net_value(r.e, net(&r, "c"))[0] / 0.2;
  assert_near(g, 40e-6, 0.5e-6 + 1e-12);
  assert_true(aimc_engine_energy(r.e, AIMC_EC_DEVICE) > 0);
  assert_true(aimc_engine_energy(r.e, AIMC_EC_PROGRAMMING) > 0);
  rig_close(&r);
}

static void expect_error(const char *text, const char *needle1,
                         const char *needle2) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int rc = aimc_netlist_parse(ctx, "bad.yaml", text, NULL, &d);
  if (!rc) rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  assert_int_not_equal(rc, 0);
  assert_int_equal(aimc_status_exit_code(rc), 2);
  if (!strstr(aimc_ctx_errmsg(ctx), needle1) ||
      !strstr(aimc_ctx_errmsg(ctx), needle2))
    fail_msg("'%s' lacks '%s' / '%s'", aimc_ctx_errmsg(ctx), needle1, needle2);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_bad_parameters(void **state) {
  (void)state;
  expect_error(
      "name: b\ninstances:\n  d: {model: dac, params: {bits: 17}}\nnets:\n  x: "
      "{connect: [d.in], external: true}\n  y: {connect: [d.out], external: "
      "true}\n",
      "bits", "bad.yaml:3:");
  expect_error(
      "name: b\ninstances:\n  d: {model: digital, params: {n_in: 3, n_out: 2, "
      "op: diff}}\n"
      "nets:\n  x: {connect: [d.in], external: true}\n  y: {connect: [d.out], "
      "external: true}\n",
      "n_in", "bad.yaml:3:");
  expect_error(
      "name: b\ninstances:\n  c: {model: crossbar, params: {rows: 2, cols: 2, "
      "device: vcm,"
      " device_card: configs/devices/pulse_default.yaml}}\nnets:\n  x: "
      "{connect: [c.in], external: true}\n  y: {connect: [c.out], external: "
      "true}\n",
      "device_card", "c");
  expect_error(
      "name: b\ninstances:\n  c: {model: crossbar, params: {rows: 2, cols: 3,"
      " targets: /nonexistent/g.csv}}\nnets:\n  x: {connect: [c.in], external: "
      "true}\n  y: {connect: [c.out], external: true}\n",
      "/nonexistent/g.csv", "c");
  expect_error(
      "name: b\ninstances:\n  t: {model: tia, params: {t_settle: "
      "-1ns}}\nnets:\n  x: {connect: [t.in], external: true}\n  y: {connect: "
      "[t.out], external: true}\n",
      "t_settle", "bad.yaml:3:");
}

/* concat joins: one output per pair of arrivals, [a; b] from the values
 * on the nets at the joining arrival, t_op later (2 ns here). Schedule
 * (drives from outside): a at 0 (waits); b at 10 -> [a; b] at 12; a and b
 * at 20 together -> one output at 22; a at 30, a again at 35 (replaces
 * it), b at 40 -> [second a; b] at 42. Primed on a: b alone at 0 gives
 * [0 0; b] at 2. n != n_a + n_b is refused, naming the three. */
static void test_concat_join(void **state) {
  (void)state;
  static const char *fmt =
      "name: j\ninstances:\n  c: {model: concat, params: {n_a: 2, n_b: 1, n: "
      "3, t_op: 2ns, primed: %s}}\n  y: {model: probe, params: {n: 3}}\n"
      "nets:\n  a: {connect: [c.a], external: true}\n"
      "  b: {connect: [c.b], external: true}\n  o: [c.out, y.in]\n";
  char text[512];
  snprintf(text, sizeof text, fmt, "none");
  rig r;
  rig_open(&r, 1, text);
  const struct {
    int net_b;
    double v[2];
    aimc_time t_ns;
  } drives[] = {{0, {1, 2}, 0}, {1, {3}, 10},    {0, {4, 5}, 20},
                {1, {6}, 20},   {0, {7, 8}, 30}, {0, {9, 10}, 35},
                {1, {11}, 40}};
  for (size_t k = 0; k < sizeof drives / sizeof drives[0]; k++)
    assert_int_equal(
        aimc_engine_drive_net(r.e, net(&r, drives[k].net_b ? "b" : "a"),
                              drives[k].v, drives[k].t_ns * AIMC_NS),
        0);
  assert_int_equal(aimc_engine_run(r.e), 0);
  aimc_inst *y = aimc_engine_find(r.e, "y");
  const double want[3][4] = {{12, 1, 2, 3}, {22, 4, 5, 6}, {42, 9, 10, 11}};
  assert_int_equal(aimc_probe_count(y), 3);
  for (size_t k = 0; k < 3; k++) {
    aimc_time t;
    const double *v;
    assert_int_equal(aimc_probe_record(y, k, &t, &v), 0);
    assert_true(t == (aimc_time)want[k][0] * AIMC_NS);
    for (int i = 0; i < 3; i++) assert_near(v[i], want[k][1 + i], 0);
  }
  rig_close(&r);
  snprintf(text, sizeof text, fmt, "a");
  rig_open(&r, 1, text);
  double b = 5;
  assert_int_equal(aimc_engine_drive_net(r.e, net(&r, "b"), &b, 0), 0);
  assert_int_equal(aimc_engine_run(r.e), 0);
  y = aimc_engine_find(r.e, "y");
  assert_int_equal(aimc_probe_count(y), 1);
  aimc_time t;
  const double *v;
  assert_int_equal(aimc_probe_record(y, 0, &t, &v), 0);
  assert_true(t == 2 * AIMC_NS);
  assert_near(v[0], 0, 0);
  assert_near(v[1], 0, 0);
  assert_near(v[2], 5, 0);
  rig_close(&r);
  expect_error(
      "name: b\ninstances:\n  c: {model: concat, params: {n_a: 2, n_b: 1, "
      "n: 4}}\nnets:\n  a: {connect: [c.a], external: true}\n  b: {connect: "
      "[c.b], external: true}\n  o: {connect: [c.out], external: true}\n",
      "n must equal n_a + n_b", "bad.yaml:3:");
}

/* Every model that allocates (crossbar, cell, write_verify, dac, digital)
 * fails cleanly at every allocation of load + engine + run + reset. */
static int whole_design(aimc_ctx *ctx, void *user) {
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int rc = aimc_netlist_parse(ctx, "fa.yaml", user, NULL, &d);
  if (!rc) rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (!rc) rc = aimc_engine_run(e);
  if (!rc) rc = aimc_engine_reset(e);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  return rc;
}

static void test_fault_injection(void **state) {
  (void)state;
  const char *text =
      "name: fa\ninstances:\n"
      "  wv: {model: write_verify, params: {target: 30uS, device: vcm}}\n"
      "  cell: {model: cell, params: {device: vcm}}\n"
      "  dac: {model: dac, params: {n: 2, inl_lsb: 1}}\n"
      "  xbar: {model: crossbar, params: {rows: 2, cols: 2, program: "
      "one_shot}}\n"
      "  dig: {model: digital, params: {n_in: 2, n_out: 2, op: accumulate}}\n"
      "nets:\n  p: [wv.out, cell.in]\n  c: [cell.out, wv.in]\n"
      "  x: {connect: [dac.in], external: true}\n  v: [dac.out, xbar.in]\n"
      "  i: {connect: [xbar.out], external: true}\n"
      "  a: {connect: [dig.in], external: true}\n  b: {connect: [dig.out], "
      "external: true}\n";
  assert_true(failalloc_sweep(whole_design, (void *)text) > 10);
}

/* The event TIA senses with its eval on the instance's noise stream (the
 * one aimc run gives it for sample 0): gain * (I + noise) in volts, bit
 * for bit the eval's, and v_sat at the rails. */
static void test_tia_event_is_its_eval(void **state) {
  (void)state;
  rig r;
  rig_open(&r, 77,
           "name: t\ninstances:\n  t: {model: tia, params: {n: 4, gain: 20kOhm, noise: 2uA, "
           "v_sat: 1V}}\nnets:\n  i: {connect: [t.in], external: true}\n"
           "  v: {connect: [t.out], external: true}\n");
  const aimc_model *md = aimc_models_find("tia");
  const void *params = aimc_inst_params(aimc_engine_find(r.e, "t"));
  aimc_xs128p g;
  aimc_xs128p_seed(&g, aimc_seed_noise(77, 0, aimc_hash_str("t")));
  double i_A[4] = {1e-6, -3e-6, 2e-5, -1e-3}; /* the last far past v_sat */
  for (int read = 0; read < 3; read++) {
    aimc_engine_drive_net(r.e, net(&r, "i"), i_A, 0);
    assert_int_equal(aimc_engine_run(r.e), 0);
    const double *v = aimc_engine_net_value(r.e, net(&r, "v"));
    double u[4];
    aimc_eval e = {params, NULL, 4, NULL, NULL, NULL, NULL, NULL, 0, NULL};
    assert_int_equal(md->eval(&e, i_A, u, &g), 0);
    for (int k = 0; k < 4; k++) {
      assert_true(u[k] * 1.0 == v[k]); /* units of 1 A: volts = u * v_fs / 1 */
      if (k < 3) assert_true(fabs(v[k] - 2e4 * i_A[k]) < 2e4 * 2e-6 * 6); /* 6 sigma */
    }
    assert_true(v[3] == -1.0);
  }
  rig_close(&r);
}

/* Reset gives back the hardware as made: a cell's device (same d2d
 * draw, initial state), a DAC's static errors. */
static void test_reset_keeps_devices(void **state) {
  (void)state;
  rig r;
  rig_open(&r, 8,
           "name: c\ninstances:\n  cell: {model: cell}\n"
           "nets:\n  p: {connect: [cell.in], external: true}\n"
           "  c: {connect: [cell.out], external: true}\n");
  double cmd[3] = {1.3, 100e-9, 0.2}, first, again;
  aimc_engine_drive_net(r.e, net(&r, "p"), cmd, 0);
  aimc_engine_run(r.e);
  first = aimc_engine_net_value(r.e, net(&r, "c"))[0];
  assert_int_equal(aimc_engine_reset(r.e), 0);
  cmd[0] = 0; /* read only: after a reset the cell is back at g_min */
  cmd[1] = 0;
  aimc_engine_drive_net(r.e, net(&r, "p"), cmd, 0);
  aimc_engine_run(r.e);
  again = aimc_engine_net_value(r.e, net(&r, "c"))[0];
  assert_true(first > 2 * again);
  /* g_min = 5 uS with 2 % d2d and 0.5 % read noise: 5 sigma is ~10 %. */
  assert_near(again / 0.2, 5e-6, 5e-6 * 0.1);
  rig_close(&r);
  /* A DAC keeps its static (INL) errors over a reset. */
  rig_open(
      &r, 8,
      "name: d\ninstances:\n  dac: {model: dac, params: {n: 3, inl_lsb: 2}}\n"
      "nets:\n  x: {connect: [dac.in], external: true}\n"
      "  v: {connect: [dac.out], external: true}\n");
  double x[3] = {0.5, 0, -0.5}, v1[3];
  aimc_engine_drive_net(r.e, net(&r, "x"), x, 0);
  aimc_engine_run(r.e);
  memcpy(v1, aimc_engine_net_value(r.e, net(&r, "v")), sizeof v1);
  assert_true(v1[1] != 0); /* the INL offset of channel 1 */
  assert_int_equal(aimc_engine_reset(r.e), 0);
  aimc_engine_drive_net(r.e, net(&r, "x"), x, 0);
  aimc_engine_run(r.e);
  assert_memory_equal(v1, aimc_engine_net_value(r.e, net(&r, "v")), sizeof v1);
  rig_close(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry_conformance),
      cmocka_unit_test(test_each_model_alone),
      cmocka_unit_test(test_chain_convention_and_latency),
      cmocka_unit_test(test_adc_mux_and_reset),
      cmocka_unit_test(test_adc_flash_cost),
      cmocka_unit_test(test_tia_bandwidth),
      cmocka_unit_test(test_tia_event_is_its_eval),
      cmocka_unit_test(test_cell_write_verify),
      cmocka_unit_test(test_concat_join),
      cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_fault_injection),
      cmocka_unit_test(test_reset_keeps_devices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
