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
 * a DAC's inl_lsb (drawn from different streams, docs/mapping.md 5a).
 * Then the costs: every row of aimc run's energy.csv against what the
 * event path booked, and the latency against the kernel's clock at the
 * end, with the arch's pipeline off and on. */
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
#include "sim/infer/infer_internal.h"
#include "model_fixture.h"
#include "sim/cli/sim_input.h"
#include "testutil.h"

enum { LEN = 6 };
/* check's `on` bit for write-verify programming (pulsed cells, each with
 * the window it drew, that then drift on it) instead of Gaussian. */
enum { WRITE_VERIFY = 128 };
/* check's `on` bit for the DACs' integral nonlinearity (a hand edit of
 * the tiles' dac, inl_lsb: a mismatch drawn once per chip). */
enum { DAC_INL = 256 };

static void set_param(aimc_tile *t, aimc_tile_part p, const char *key, const char *text) {
  char err[256];
  const aimc_param *r = aimc_tile_param(t, p, key);
  assert_non_null(r);
  assert_int_equal(aimc_param_set(r, t->params[p], text, err, sizeof err), AIMC_OK);
}

/* Adds `param` ("name: value") to every instance of the tile subcircuits
 * whose line starts with `key` (e.g. "tia: {model: tia, params: {"). */
static void add_param(const char *netlist, const char *key, const char *param) {
  FILE *f = fopen(netlist, "rb");
  assert_non_null(f);
  static char text[1 << 20], out[(1 << 20) + 256];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  char *o = out;
  int edits = 0;
  for (const char *p = text, *q; *p; p = q + strlen(key), edits++) {
    if (!(q = strstr(p, key))) {
      o += sprintf(o, "%s", p);
      break;
    }
    o += sprintf(o, "%.*s%s, ", (int)(q - p + strlen(key)), p, param);
  }
  assert_true(edits >= 1);
  f = fopen(netlist, "wb");
  assert_non_null(f);
  fputs(out, f);
  fclose(f);
}

/* The energy the event path booked for energy.csv's row `name`: an
 * instance's, an array's static power (the tile's name), the buffer's. */
static double event_energy(aimc_engine *e, const aimc_sim_result *r, const char *name,
                           aimc_energy_class c) {
  if (c == AIMC_EC_BUFFER) return r->e_buffer_J;
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    const char *n = aimc_inst_name(aimc_engine_inst(e, i));
    if (c == AIMC_EC_STATIC) {
      size_t len = strlen(name);
      if (!strncmp(n, name, len) && !strcmp(n + len, ".xbar")) return r->e_static_array_J;
    } else if (!strcmp(n, name))
      return aimc_inst_energy(aimc_engine_inst(e, i));
  }
  fail_msg("energy.csv's row %s has no instance in the event path", name);
  return 0;
}

/* Energy per instance and latency: aimc run's (aimc_infer_account, the
 * rows of energy.csv and results.json's latency) against what the event
 * path booked and its kernel's clock at the end of the inference. Each
 * row to 1e-12 relative: the event path sums a part's energy read by read
 * where the runner multiplies one read's cost by the reads (the last
 * bits of the sum's order). The latency bit for bit, pipelined or not
 * (the event path's step registers on the layers' inputs). */
static void check_costs(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                        aimc_engine *e, const aimc_sim_result *r) {
  aimc_infer_result ar;
  memset(&ar, 0, sizeof ar);
  if (aimc_infer_account(ctx, mdl, hw, LEN, &ar)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  double worst = 0, sum_run = 0, sum_ev = 0;
  for (size_t i = 0; i < ar.n_inst; i++) {
    double run = ar.inst[i].e_J, ev = event_energy(e, r, ar.inst[i].name, ar.inst[i].eclass);
    double rel = run == ev ? 0 : fabs(run - ev) / fmax(fabs(run), fabs(ev));
    if (rel > 1e-12) print_message("  %s: run %.17g event %.17g\n", ar.inst[i].name, run, ev);
    assert_true(rel <= 1e-12);
    worst = fmax(worst, rel);
    sum_run += run, sum_ev += ev;
  }
  /* Nothing booked in the event path that energy.csv has no row for. */
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    aimc_inst *inst = aimc_engine_inst(e, i);
    int found = 0;
    for (size_t j = 0; j < ar.n_inst && !found; j++)
      found = !strcmp(ar.inst[j].name, aimc_inst_name(inst));
    if (!found && aimc_inst_energy(inst) != 0)
      fail_msg("event instance %s booked %g J, energy.csv has no row for it",
               aimc_inst_name(inst), aimc_inst_energy(inst));
  }
  aimc_time t_run = (aimc_time)ar.cycles_seq * hw->map->arch.clock_fs;
  print_message("  energy: %zu rows, worst relative difference %.3g, total run %.17g event "
                "%.17g J; latency run %.17g s (%llu cycles) event %.17g s\n",
                ar.n_inst, worst, sum_run, sum_ev, aimc_time_to_s(t_run),
                (unsigned long long)ar.cycles_seq, aimc_time_to_s(r->t_fs));
  assert_true(r->t_fs == t_run);
  aimc_infer_result_fini(ctx, &ar);
}

/* on: the non-idealities (bits below); dense: the dense layers on
 * crossbars too (tile_dense, words 2); pipelined: the arch's pipeline;
 * separate: the arch's separate form (A | B | C/D arrays, the state
 * summed and held between the reads) instead of the single form. */
static void check_form(int on, int dense, int pipelined, int separate) {
  int noisy = on != 0;
  aimc_ctx *ctx = aimc_ctx_alloc(11);
  char tag[64];
  snprintf(tag, sizeof tag, "two_analyses_%d_%d_%d_%d", on, dense, pipelined, separate);
  const char *dir = test_tmpdir(tag);
  aimc_s4d_model *mdl = fixture_model(ctx, 6, 5, 4, 4, 2, AIMC_MIX_GLU, 4, 6, 33);
  assert_non_null(mdl);
  char model[600], netlist[600], arch[600];
  snprintf(model, sizeof model, "%s/m.s4d", dir);
  snprintf(netlist, sizeof netlist, "%s/net/net.yaml", dir);
  assert_int_equal(aimc_s4d_model_write(ctx, mdl, model), AIMC_OK);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = a.cols = 32;
  a.pipeline = pipelined;
  if (separate) a.form = AIMC_FORM_SEPARATE;
  if (dense) a.dense = AIMC_PLACE_CROSSBAR;
  if (on & 1) a.ni_prog = 1, a.prog_mode = AIMC_PROG_GAUSSIAN, a.prog_sigma_S = 1e-6;
  if (on & WRITE_VERIFY) a.ni_prog = 1, a.prog_mode = AIMC_PROG_WRITE_VERIFY;
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
  for (size_t k = 0; (on & DAC_INL) && k < m->n_arrays; k++)
    set_param(&m->tiles[k], AIMC_TILE_DAC, "inl_lsb", "0.5");
  /* The arch beside it: the event path's static power and buffers. */
  snprintf(arch, sizeof arch, "%s/arch.yaml", dir);
  if (aimc_arch_write(ctx, &a, arch) || aimc_map_write_netlist(ctx, m, model, arch, netlist))
    fail_msg("%s", aimc_ctx_errmsg(ctx));
  /* The TIAs' noise is no arch value: a hand edit of the tile's tia, which
   * aimc run reads back per tile (cli_every_param); the runner here takes
   * it on the mapping's tiles, the event path from the edited netlist. */
  if (on & 64) add_param(netlist, "tia: {model: tia, params: {", "noise: 30nA");
  if (on & DAC_INL) add_param(netlist, "dac: {model: dac, params: {", "inl_lsb: 0.5");

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
  print_message("%s%s%s%s: %zu arrays, max |logit run - event| = %.3g, class run %d event %d\n",
                noisy ? "noisy" : "ideal", dense ? " (dense on crossbars)" : "",
                pipelined ? ", pipelined" : "", separate ? ", separate form" : "", m->n_arrays, dmax, pr, pe);
  if (!same)
    for (int c = 0; c < mdl->n_out; c++)
      print_message("  logit %d: run %.17g event %.17g\n", c, run[c], ev[c]);
  assert_true(same);
  check_costs(ctx, mdl, hw, e, &r);

  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_infer_session_close(s);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(x);
  aimc_ctx_free(ctx);
}

static void check(int on, int dense, int pipelined) { check_form(on, dense, pipelined, 0); }

enum { ALL = 127 }; /* programming, read noise, drift, IR drop, ADC, stuck, TIA */

static void test_ideal(void **st) {
  (void)st;
  check(0, 0, 0);
}

static void test_noisy(void **st) {
  (void)st;
  check(ALL, 0, 0);
}

static void test_ideal_dense(void **st) {
  (void)st;
  check(0, 1, 0);
}

static void test_noisy_dense(void **st) {
  (void)st;
  check(ALL, 1, 0);
}

static void test_ideal_pipelined(void **st) {
  (void)st;
  check(0, 0, 1);
}

static void test_noisy_pipelined(void **st) {
  (void)st;
  check(ALL, 0, 1);
}

static void test_noisy_write_verify(void **st) {
  (void)st;
  check(ALL | WRITE_VERIFY, 0, 0);
}

static void test_noisy_dac_inl(void **st) {
  (void)st;
  check(ALL | DAC_INL, 0, 0);
}

static void test_noisy_dense_pipelined(void **st) {
  (void)st;
  check(ALL, 1, 1);
}

static void test_separate(void **st) {
  (void)st;
  check_form(0, 0, 0, 1);
}

static void test_separate_noisy(void **st) {
  (void)st;
  check_form(ALL, 0, 0, 1);
}

static void test_separate_noisy_dense(void **st) {
  (void)st;
  check_form(ALL, 1, 0, 1);
}

static void test_separate_pipelined(void **st) {
  (void)st;
  check_form(0, 0, 1, 1);
}

static void test_separate_noisy_dense_pipelined(void **st) {
  (void)st;
  check_form(ALL, 1, 1, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ideal),
      cmocka_unit_test(test_noisy),
      cmocka_unit_test(test_ideal_dense),
      cmocka_unit_test(test_noisy_dense),
      cmocka_unit_test(test_ideal_pipelined),
      cmocka_unit_test(test_noisy_pipelined),
      cmocka_unit_test(test_noisy_dense_pipelined),
      cmocka_unit_test(test_noisy_write_verify),
      cmocka_unit_test(test_noisy_dac_inl),
      cmocka_unit_test(test_separate),
      cmocka_unit_test(test_separate_noisy),
      cmocka_unit_test(test_separate_noisy_dense),
      cmocka_unit_test(test_separate_pipelined),
      cmocka_unit_test(test_separate_noisy_dense_pipelined),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
