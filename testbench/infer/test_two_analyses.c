/* "Two analyses, one answer" (issue #13, plan step 5): a mapped netlist
 * run event by event on one sequence (aimc sim --input's driver,
 * aimc_cli_sim_input: the tiles in words, the gathers, the digital
 * periphery, the single form's wavefront with its flush) gives the logits
 * aimc run's session gives on the same sequence, bit for bit: with ideal
 * hardware and with every non-ideality the two paths share (Gaussian
 * programming with stuck cells, drift, read noise, TIA and ADC noise, IR
 * drop). The same context seed in both; the runner's sequence is sample
 * 0, whose noise streams (aimc_seed_noise keyed by each instance's name)
 * are the ones the engine seeds each instance's lane with. Not compared:
 * a DAC's inl_lsb (drawn from different streams, docs/mapping.md 5a). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/engine.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/netlist.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "sim/cli/sim_input.h"
#include "testutil.h"

enum { LEN = 6 };

static void set_param(aimc_tile *t, aimc_tile_part p, const char *key, const char *text) {
  char err[256];
  const aimc_param *r = aimc_tile_param(t, p, key);
  assert_non_null(r);
  assert_int_equal(aimc_param_set(r, t->params[p], text, err, sizeof err), AIMC_OK);
}

/* Adds `noise: 30nA` to the tile subcircuits' tia instance. */
static void add_tia_noise(const char *netlist) {
  FILE *f = fopen(netlist, "rb");
  assert_non_null(f);
  static char text[1 << 20], out[(1 << 20) + 256];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  const char *key = "tia: {model: tia, params: {";
  char *o = out;
  int edits = 0;
  for (const char *p = text, *q; *p; p = q + strlen(key), edits++) {
    if (!(q = strstr(p, key))) {
      o += sprintf(o, "%s", p);
      break;
    }
    o += sprintf(o, "%.*s%snoise: 30nA, ", (int)(q - p + strlen(key)), p, "");
  }
  assert_true(edits >= 1);
  f = fopen(netlist, "wb");
  assert_non_null(f);
  fputs(out, f);
  fclose(f);
}

/* on: the non-idealities (bits below); dense: the dense layers on
 * crossbars too (tile_dense, words 2). */
static void check(int on, int dense) {
  int noisy = on != 0;
  aimc_ctx *ctx = aimc_ctx_alloc(11);
  char tag[64];
  snprintf(tag, sizeof tag, "two_analyses_%d_%d", on, dense);
  const char *dir = test_tmpdir(tag);
  aimc_s4d_model *mdl = fixture_model(ctx, 6, 5, 4, 4, 2, AIMC_MIX_GLU, 4, 6, 33);
  assert_non_null(mdl);
  char model[600], netlist[600];
  snprintf(model, sizeof model, "%s/m.s4d", dir);
  snprintf(netlist, sizeof netlist, "%s/net/net.yaml", dir);
  assert_int_equal(aimc_s4d_model_write(ctx, mdl, model), AIMC_OK);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = a.cols = 32;
  if (dense) a.dense = AIMC_PLACE_CROSSBAR;
  if (on & 1) a.ni_prog = 1, a.prog_mode = AIMC_PROG_GAUSSIAN, a.prog_sigma_S = 1e-6;
  if (on & 2) {
    a.ni_read_noise = 1;
    snprintf(a.dev_read_noise, sizeof a.dev_read_noise, "0.02");
  }
  if (on & 4) {
    a.ni_drift = 1, a.drift_t_s = 3600;
    snprintf(a.dev_drift_nu, sizeof a.dev_drift_nu, "0.01");
  }
  if (on & 8) a.ni_ir_drop = 1, a.r_wire_Ohm = 1;
  if (on & 16) a.adc_noise_lsb = 0.5;
  if (on & 32) {
    snprintf(a.dev_p_stuck_min, sizeof a.dev_p_stuck_min, "0.01");
    snprintf(a.dev_p_stuck_max, sizeof a.dev_p_stuck_max, "0.01");
  }
  aimc_mapping *m = NULL;
  if (aimc_map_model(ctx, mdl, &a, &m)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  for (size_t k = 0; (on & 64) && k < m->n_arrays; k++)
    set_param(&m->tiles[k], AIMC_TILE_TIA, "noise", "30nA");
  if (aimc_map_write_netlist(ctx, m, model, NULL, netlist)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  /* The TIAs' noise is no arch value: a hand edit of the tile's tia, which
   * aimc run reads back per tile (cli_every_param); the runner here takes
   * it on the mapping's tiles, the event path from the edited netlist. */
  if (on & 64) add_tia_noise(netlist);

  /* aimc run's session: sample 0, a lone sequence. */
  double *x = fixture_inputs(1, LEN, mdl->n_in, 5);
  double run[64], *ev = NULL;
  aimc_hw *hw = NULL;
  aimc_infer_session *s = NULL;
  if (aimc_hw_program(ctx, m, &hw) || aimc_infer_session_open(ctx, mdl, hw, &s) ||
      aimc_infer_session_run(s, x, LEN, 0, run))
    fail_msg("%s", aimc_ctx_errmsg(ctx));

  /* The event engine through the netlist (aimc sim --input's driver). */
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  aimc_sim_result r;
  if (aimc_netlist_load(ctx, netlist, &d) || aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e) ||
      aimc_cli_sim_input(ctx, e, d, x, LEN, &r))
    fail_msg("%s", aimc_ctx_errmsg(ctx));
  ev = (double *)r.logits;
  assert_int_equal(r.n_out, mdl->n_out);
  double dmax = 0;
  int pr = 0, pe = 0, same = 1;
  for (int c = 0; c < mdl->n_out; c++) {
    dmax = fmax(dmax, fabs(run[c] - ev[c]));
    same &= !memcmp(&run[c], &ev[c], sizeof(double));
    if (run[c] > run[pr]) pr = c;
    if (ev[c] > ev[pe]) pe = c;
  }
  print_message("%s%s: %zu arrays, max |logit run - event| = %.3g, class run %d event %d\n",
                noisy ? "noisy" : "ideal", dense ? " (dense on crossbars)" : "", m->n_arrays, dmax, pr, pe);
  if (!same)
    for (int c = 0; c < mdl->n_out; c++)
      print_message("  logit %d: run %.17g event %.17g\n", c, run[c], ev[c]);
  assert_true(same);

  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_infer_session_close(s);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(x);
  aimc_ctx_free(ctx);
}

enum { ALL = 127 }; /* programming, read noise, drift, IR drop, ADC, stuck, TIA */

static void test_ideal(void **st) {
  (void)st;
  check(0, 0);
}

static void test_noisy(void **st) {
  (void)st;
  check(ALL, 0);
}

static void test_ideal_dense(void **st) {
  (void)st;
  check(0, 1);
}

static void test_noisy_dense(void **st) {
  (void)st;
  check(ALL, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ideal),
      cmocka_unit_test(test_noisy),
      cmocka_unit_test(test_ideal_dense),
      cmocka_unit_test(test_noisy_dense),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
