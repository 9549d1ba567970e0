/* The converters' per-channel calibration (aimc/calibration.h): a file
 * round-trips exactly, every malformed row is refused with file:line:col,
 * and the dac and adc event models convert each channel at its own full
 * scale and resolution (range 0), or at one range when it is set. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/calibration.h"
#include "aimc/context.h"
#include "aimc/engine.h"
#include "aimc/lanes.h"
#include "aimc/model.h"
#include "aimc/netlist.h"
#include "aimc/quant.h"
#include "aimc/status.h"
#include "testutil.h"

static void test_round_trip(void **state) {
  (void)state;
  const char *dir = test_tmpdir("cal");
  char path[512];
  snprintf(path, sizeof path, "%s/rt.cal.csv", dir);
  double fs[3] = {1.0 / 3, 2.5e-7, 7}, got[3];
  int bits[3] = {0, 4, 16}, gb[3];
  FILE *o = fopen(path, "w");
  assert_non_null(o);
  aimc_cal_write_header(o);
  aimc_cal_write(o, "adc", 3, fs, bits);
  aimc_cal_write(o, "dac", 3, fs, bits);
  fclose(o);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  assert_int_equal(aimc_cal_read(ctx, path, "dac", 3, got, gb), 0);
  assert_memory_equal(got, fs, sizeof fs);
  assert_memory_equal(gb, bits, sizeof bits);
  aimc_cal_apply_range(0, 3, got);
  assert_memory_equal(got, fs, sizeof fs);
  aimc_cal_apply_range(2, 3, got);
  for (int c = 0; c < 3; c++) assert_true(got[c] == 2);
  aimc_ctx_free(ctx);
}

/* Each bad file fails with its status and a message holding `want`. */
static void test_bad_files(void **state) {
  (void)state;
  static const struct {
    const char *text, *want;
    int status;
  } CASES[] = {
      {"dac,0,1,2\n", "bad.cal.csv:1:1: expected the header", AIMC_EFORMAT},
      {AIMC_CAL_HEADER "\ndac,0,1,2\n", "no row for dac channel 1", AIMC_ESHAPE},
      {AIMC_CAL_HEADER "\ndac,0,1,2\ndac,0,1,2\ndac,1,1,2\n", "bad.cal.csv:3:1: dac channel 0 again",
       AIMC_ESHAPE},
      {AIMC_CAL_HEADER "\ndac,0,-1,2\ndac,1,1,2\n", "bad.cal.csv:2:7: range is not a full scale",
       AIMC_EFORMAT},
      {AIMC_CAL_HEADER "\ndac,0,nan,2\ndac,1,1,2\n", "bad.cal.csv:2:7: range", AIMC_EFORMAT},
      {AIMC_CAL_HEADER "\ndac,0,1,17\ndac,1,1,2\n", "bad.cal.csv:2:9: bits is not a resolution",
       AIMC_EFORMAT},
      {AIMC_CAL_HEADER "\ndac,2,1,2\n", "bad.cal.csv:2:5: channel is not a channel in 0..1",
       AIMC_EFORMAT},
      {AIMC_CAL_HEADER "\ndac,x,1,2\n", "bad.cal.csv:2:5: channel", AIMC_EFORMAT},
      {AIMC_CAL_HEADER "\ndac,0,1\n", "bad.cal.csv:2:", AIMC_ESHAPE},
      {AIMC_CAL_HEADER "\ndac,0,1,2,3\n", "more than 4 fields", AIMC_ESHAPE},
  };
  const char *dir = test_tmpdir("calbad");
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    char *path = test_write_file(dir, "bad.cal.csv", CASES[i].text);
    aimc_ctx *ctx = aimc_ctx_alloc(1);
    double fs[2];
    int bits[2];
    int st = aimc_cal_read(ctx, path, "dac", 2, fs, bits);
    if (st != CASES[i].status || !strstr(aimc_ctx_errmsg(ctx), CASES[i].want))
      fail_msg("case %zu: status %d, message '%s'; want %d and '%s'", i, st,
               aimc_ctx_errmsg(ctx), CASES[i].status, CASES[i].want);
    aimc_ctx_free(ctx);
    free(path);
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  double fs[2];
  int bits[2];
  assert_int_equal(aimc_cal_read(ctx, "/nonexistent/x.cal.csv", "dac", 2, fs, bits),
                   AIMC_ENOTFOUND);
  /* A NUL byte would hide the rows after it. */
  char *path = test_write_file(dir, "nul.cal.csv", AIMC_CAL_HEADER "\ndac,0,1,2\n");
  FILE *f = fopen(path, "ab");
  assert_non_null(f);
  fputs("dac,1,1,2", f);
  fputc('\0', f);
  fputs("\ndac,1,1,3\n", f);
  fclose(f);
  assert_int_equal(aimc_cal_read(ctx, path, "dac", 2, fs, bits), AIMC_EFORMAT);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "NUL byte"));
  free(path);
  aimc_ctx_free(ctx);
}

/* A dac with range 0 drives each row at its own calibration: word x of a
 * channel at full scale f and b bits becomes q_b,f(x) / f * v_fs; an adc
 * with range 0 converts back at its columns' calibration; range 2 on the
 * dac gives every row full scale 2. Another part's rows are ignored. */
static void run_chain(const char *dac_range, const double *x, double *v, double *y) {
  const char *dir = test_tmpdir("calchain");
  char *cal = test_write_file(dir, "c.cal.csv",
                              AIMC_CAL_HEADER "\nadc,0,0.5,3\ntia,0,9,9\ndac,1,4,3\n"
                                              "dac,0,1,0\nadc,1,8,0\n");
  char text[1024];
  snprintf(text, sizeof text,
           "name: cal\n"
           "instances:\n"
           "  dac: {model: dac, params: {n: 2, bits: 0, range: %s, v_fs: 0.2V, cal: %s}}\n"
           "  adc: {model: adc, params: {n: 2, bits: 0, range: 0, v_fs: 0.2V, cal: %s}}\n"
           "nets:\n  x: {connect: [dac.in], external: true}\n  v: [dac.out, adc.in]\n"
           "  y: {connect: [adc.out], external: true}\n",
           dac_range, cal, cal);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int rc = aimc_netlist_parse(ctx, "test.yaml", text, NULL, &d);
  if (!rc) rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (!rc) rc = aimc_engine_drive_net(e, aimc_design_find_net(d, "x"), x, 0);
  if (!rc) rc = aimc_engine_run(e);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
  memcpy(v, aimc_engine_net_value(e, aimc_design_find_net(d, "v")), 2 * sizeof *v);
  memcpy(y, aimc_engine_net_value(e, aimc_design_find_net(d, "y")), 2 * sizeof *y);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
  free(cal);
}

static void test_event_models_per_channel(void **state) {
  (void)state;
  double x[2] = {0.3, 3.1}, v[2], y[2];
  run_chain("0", x, v, y);
  aimc_quant q3 = {3, 4.0};
  double d1 = aimc_quant_apply(&q3, x[1]);
  assert_true(v[0] == 0.3 / 1 * 0.2);
  assert_true(v[1] == d1 / 4 * 0.2);
  /* The adc: channel 0 at full scale 0.5, 3 bits; channel 1 exact at 8. */
  aimc_quant a0 = {3, 0.5};
  assert_true(y[0] == aimc_quant_apply(&a0, v[0] / 0.2 * 0.5));
  assert_true(y[1] == v[1] / 0.2 * 8);
  run_chain("2", x, v, y);
  aimc_quant r3 = {3, 2.0};
  assert_true(v[0] == 0.3 / 2 * 0.2);
  assert_true(v[1] == aimc_quant_apply(&r3, x[1]) / 2 * 0.2);
}

/* range 0 without a calibration file is refused when the netlist is read. */
static void test_range0_needs_cal(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  int rc = aimc_netlist_parse(ctx, "test.yaml",
                              "name: c\ninstances:\n  adc: {model: adc, params: {n: 2, range: 0}}\n",
                              NULL, &d);
  assert_int_not_equal(rc, 0);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "range: 0 takes each channel's full scale from cal"));
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

/* The tia's calibration is each column's full-scale current: gain 0
 * senses column c at v_fs / i_fs[c] in an event run, and evaluates (aimc
 * run) at a × fs / i_fs[c] of a column's own calibration (a = amperes per
 * unit, fs its full scale), exactly 1 when i_fs[c] = a × fs. */
static void test_tia_full_scale_current(void **state) {
  (void)state;
  const char *dir = test_tmpdir("caltia");
  char *cal = test_write_file(dir, "t.cal.csv", AIMC_CAL_HEADER "\ntia,0,1e-6,0\ntia,1,2e-6,0\n");
  char text[1024];
  snprintf(text, sizeof text,
           "name: t\ninstances:\n"
           "  tia: {model: tia, params: {n: 2, gain: 0, v_fs: 1V, v_sat: 5V, cal: %s}}\n"
           "nets:\n  i: {connect: [tia.in], external: true}\n"
           "  v: {connect: [tia.out], external: true}\n",
           cal);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  double i[2] = {0.5e-6, 0.5e-6};
  int rc = aimc_netlist_parse(ctx, "test.yaml", text, NULL, &d);
  if (!rc) rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (!rc) rc = aimc_engine_drive_net(e, aimc_design_find_net(d, "i"), i, 0);
  if (!rc) rc = aimc_engine_run(e);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
  const double *v = aimc_engine_net_value(e, aimc_design_find_net(d, "v"));
  assert_true(v[0] == 1 / 1e-6 * 0.5e-6);
  assert_true(v[1] == 1 / 2e-6 * 0.5e-6);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
  free(cal);

  const aimc_model *m = aimc_models_find("tia");
  void *p = calloc(1, m->params_size);
  aimc_params_defaults(m->params, m->n_params, p);
  char err[128];
  assert_int_equal(aimc_param_set(aimc_params_find(m->params, m->n_params, "gain"), p, "0", err,
                                  sizeof err), 0);
  double fs[2] = {2, 2}, amps[2] = {1e-6, 1e-6}, i_fs[2] = {4e-6, 2e-6}, y[2] = {1, 1}, out[2];
  aimc_eval ev = {p, NULL, 2, fs, NULL, NULL, amps, NULL, 0, i_fs};
  aimc_xs128p g;
  aimc_xs128p_seed(&g, 1);
  assert_int_equal(m->eval(&ev, y, out, &g), 0);
  assert_true(out[0] == 0.5);
  assert_true(out[1] == 1);
  free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_event_models_per_channel),
      cmocka_unit_test(test_range0_needs_cal),
      cmocka_unit_test(test_tia_full_scale_current),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
