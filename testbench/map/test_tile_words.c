/* The whole tile in words (plan item 4, step 3): for every array of a
 * mapped model, an event tile of dac -> crossbar -> tia -> adc instances
 * in words mode (a small netlist per array, with the array's targets,
 * layout and calibration files) reads the same input words as aimc run's
 * array read (aimc_infer_array_read, sim/infer/convert.c) and gives the
 * same ADC words, bit for bit: ideal; with read, TIA and ADC noise (the
 * TIA drawing the read noise's variance with its own); with read and ADC
 * noise behind a transparent TIA (the ADC draws it); and the dense
 * arrays (read without conversion). Both paths draw from the stream of
 * sample 0 of each instance (aimc_seed_noise keyed by the instance's
 * name): a lone sequence, one read per array from fresh streams. */
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
#include "aimc/engine.h"
#include "aimc/map.h"
#include "aimc/netlist.h"
#include "aimc/status.h"
#include "aimc/xbar_layout.h"
#include "model_fixture.h"
#include "sim/infer/run_ws.h"
#include "testutil.h"

enum { CASE_IDEAL, CASE_TIA_DRAWS, CASE_ADC_DRAWS };

static const char *const PART[AIMC_TILE_PARTS] = {"dac", "xbar", "tia", "adc", "hold"};

/* The runner's workspace for a lone sequence, as ws_init (run.c) makes
 * the parts an array read uses; each part's stream keyed by the event
 * tile's instance name. */
static void ws_make(aimc_ctx *ctx, run_ws *w, const aimc_s4d_model *mdl, const aimc_hw *hw) {
  memset(w, 0, sizeof *w);
  const aimc_mapping *m = hw->map;
  w->mdl = mdl, w->hw = hw, w->m = m;
  w->nb = w->bp = w->bp_max = 1;
  int L = mdl->layers;
  w->mv = aimc_calloc(ctx, m->n_mats + 1, sizeof(mat_view));
  w->ssm = calloc((size_t)L, sizeof(int));
  for (int l = 0; l < L; l++) w->ssm[l] = -1;
  for (size_t i = 0; i < m->n_mats; i++)
    if (m->mats[i].kind == AIMC_OP_SSM || m->mats[i].kind == AIMC_OP_SSM_A)
      w->ssm[m->mats[i].layer] = (int)i;
  assert_int_equal(aimc_infer_part_states_init(ctx, w), AIMC_OK);
  size_t big = 1, tmp = 1;
  for (size_t i = 0; i < m->n_mats; i++) {
    assert_int_equal(aimc_infer_view_init(ctx, w, (int)i), AIMC_OK);
    big = (size_t)m->mats[i].n_in > big ? (size_t)m->mats[i].n_in : big;
    big = (size_t)m->mats[i].n_out > big ? (size_t)m->mats[i].n_out : big;
    for (int si = 0; si < w->mv[i].n_slots; si++) {
      size_t need = aimc_xbar_read_scratch(w->mv[i].plans[si], 1);
      tmp = need > tmp ? need : tmp;
    }
  }
  assert_int_equal(aimc_infer_grid_init(ctx, w), AIMC_OK);
  w->read_tmp = calloc(tmp, sizeof(double));
  w->drive = calloc(big, sizeof(double));
  w->part = calloc(big, sizeof(double));
  w->part_var = calloc(big, sizeof(double));
  size_t streams = m->n_arrays * AIMC_TILE_PARTS;
  w->noise = calloc(streams, sizeof(aimc_xs128p));
  w->noise_key = calloc(streams, sizeof(uint64_t));
  w->bits = calloc(1, sizeof(uint64_t));
  w->z01 = calloc(1, sizeof(double));
  for (size_t i = 0; i < streams; i++) w->noise_key[i] = aimc_hash_str(PART[i % AIMC_TILE_PARTS]);
  w->run_seed = aimc_ctx_seed(ctx);
  w->lanes = (aimc_lanes){1, 1, w->noise, w->bits, w->z01};
}

/* Sample 0's streams, fresh (batch_begin, run.c). */
static void ws_reseed(run_ws *w) {
  uint64_t sample = aimc_seed_noise_sample(w->run_seed, 0);
  for (size_t i = 0; i < w->m->n_arrays * AIMC_TILE_PARTS; i++)
    aimc_xs128p_seed(&w->noise[i], aimc_seed_noise_of(sample, w->noise_key[i]));
}

static void ws_drop(aimc_ctx *ctx, run_ws *w) {
  aimc_infer_views_free(ctx, w);
  aimc_free(ctx, w->mv);
  aimc_free(ctx, w->dac_exact);
  aimc_free(ctx, w->tia_on);
  aimc_free(ctx, w->hold_on);
  void *b[] = {w->ssm, w->read_tmp, w->drive, w->part, w->part_var, w->noise, w->noise_key,
               w->bits, w->z01};
  for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) free(b[i]);
}

/* Tile part p's params as netlist text (every non-string param, exact). */
static void params_text(const aimc_tile *t, aimc_tile_part p, char *buf, size_t len) {
  const aimc_model *md = t->model[p];
  size_t at = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < md->n_params; i++) {
    const aimc_param *r = &md->params[i];
    if (r->type == AIMC_PT_STRING || r->type == AIMC_PT_ENUM || !strcmp(r->key, "words") ||
        !strcmp(r->key, "v_drive"))
      continue;
    double v = aimc_param_get(r, t->params[p]);
    if (r->type == AIMC_PT_TIME) at += (size_t)snprintf(buf + at, len - at, "%s: %.17gs, ", r->key, v);
    else if (r->type == AIMC_PT_BOOL) at += (size_t)snprintf(buf + at, len - at, "%s: %s, ", r->key, v ? "true" : "false");
    else at += (size_t)snprintf(buf + at, len - at, "%s: %.17g, ", r->key, v);
    assert_true(at < len);
  }
}

static void set_param(aimc_tile *t, aimc_tile_part p, const char *key, const char *text) {
  char err[256];
  const aimc_param *r = aimc_tile_param(t, p, key);
  assert_non_null(r);
  assert_int_equal(aimc_param_set(r, t->params[p], text, err, sizeof err), AIMC_OK);
}

/* Array k as an event tile in words, against the runner's read of the
 * matrices it holds; returns the slots compared. */
static int tile_agrees(aimc_ctx *ctx, run_ws *w, size_t k, const char *card, int read_noise) {
  const aimc_mapping *m = w->m;
  const aimc_tile *t = &m->tiles[k];
  const aimc_map_array *arr = &m->arrays[k];
  int dense = !w->mv[arr->place[0].matrix].calibrated;
  char dir[512];
  snprintf(dir, sizeof dir, "%s/a%zu", test_tmpdir("tile_words"), k);
  char mk[600];
  snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
  assert_int_equal(system(mk), 0);
  /* Its files as aimc map writes them (the layout with each slot's top). */
  assert_int_equal(aimc_map_write_array_files(ctx, m, k, dir), AIMC_OK);
  char tg[600], lay[600], cal[600];
  snprintf(tg, sizeof tg, "%s/array%zu.csv", dir, k);
  snprintf(lay, sizeof lay, "%s/array%zu.layout.json", dir, k);
  snprintf(cal, sizeof cal, "%s/array%zu.cal.csv", dir, k);
  static char text[1 << 15], pd[4096], pt[4096], pa[4096];
  params_text(t, AIMC_TILE_DAC, pd, sizeof pd);
  params_text(t, AIMC_TILE_TIA, pt, sizeof pt);
  params_text(t, AIMC_TILE_ADC, pa, sizeof pa);
  double v_drive = aimc_tile_param_value(t, AIMC_TILE_DAC, "v_fs", m->arch.v_read_V);
  snprintf(text, sizeof text,
           "name: tile\ninstances:\n"
           "  dac: {model: dac, params: {%swords: %d, cal: \"%s\"}}\n"
           "  xbar: {model: crossbar, params: {rows: %d, cols: %d, program: ideal, "
           "read_noise: %s, device_card: \"%s\", targets: \"%s\", layout: \"%s\"}}\n"
           "  tia: {model: tia, params: {%swords: %d, v_drive: %.17gV, cal: \"%s\", "
           "layout: \"%s\"}}\n"
           "  adc: {model: %s, params: {%swords: %d, cal: \"%s\", layout: \"%s\"}}\n"
           "nets:\n  x: {connect: [dac.in], external: true}\n"
           "  d: {connect: [dac.out, xbar.in]}\n  i: {connect: [xbar.out, tia.in]}\n"
           "  v: {connect: [tia.out, adc.in]}\n  y: {connect: [adc.out], external: true}\n"
           "%s",
           pd, dense ? 2 : 1, cal, m->arch.rows, m->arch.cols, read_noise ? "true" : "false",
           card, tg, lay, pt, dense ? 2 : 1, v_drive, cal, lay, t->model[AIMC_TILE_ADC]->name, pa,
           dense ? 2 : 1, cal, lay,
           dense ? ""
                 : "  xv: {connect: [xbar.var, tia.var]}\n  tv: {connect: [tia.var_out, adc.var]}\n");
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int rc = aimc_netlist_parse(ctx, "tile.yaml", text, NULL, &d);
  if (!rc) rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (rc) fail_msg("%s\n%s", aimc_ctx_errmsg(ctx), text);
  /* The inputs: each matrix's words (past full scale on some rows), the
   * array's rows the slots' part of them. */
  double *x = calloc((size_t)m->arch.rows, sizeof *x);
  double **in = calloc(m->n_mats, sizeof *in), **out = calloc(m->n_mats, sizeof *out);
  ws_reseed(w);
  for (int p = 0; p < arr->n_place; p++) {
    const aimc_map_slot *s = &arr->place[p];
    const aimc_map_matrix *mx = &m->mats[s->matrix];
    const mat_view *v = &w->mv[s->matrix];
    if (!in[s->matrix]) {
      in[s->matrix] = calloc((size_t)mx->n_in, sizeof(double));
      out[s->matrix] = calloc((size_t)mx->n_out, sizeof(double));
      /* On the rows' grid: aimc run passes the rows that carry the state
       * (on_grid) to an exact DAC unconverted, as the words are in a run. */
      for (int i = 0; i < mx->n_in; i++) {
        double u = 1.2 * sin(0.7 * i + (double)k);
        aimc_quant_k q = aimc_quant_k_of(&(aimc_quant){v->calibrated ? v->dac_bits[i] : 0,
                                                       v->calibrated ? v->dac_fs[i] : 1});
        in[s->matrix][i] = v->calibrated ? aimc_quant_k_apply(&q, u * v->dac_fs[i]) : u;
      }
      /* aimc run reads the matrix: each of its slots once, in order */
      assert_int_equal(aimc_infer_array_read(w, s->matrix, in[s->matrix], out[s->matrix]), 0);
    }
    for (int i = 0; i < s->n_in; i++) x[s->row0 + i] = in[s->matrix][s->in0 + i];
  }
  assert_int_equal(aimc_engine_drive_net(e, aimc_design_find_net(d, "x"), x, 0), 0);
  assert_int_equal(aimc_engine_run(e), 0);
  const double *y = aimc_engine_net_value(e, aimc_design_find_net(d, "y"));
  int compared = 0;
  for (int p = 0; p < arr->n_place; p++) {
    const aimc_map_slot *s = &arr->place[p];
    if (!w->mv[s->matrix].exclusive) continue; /* partial sums of other arrays added */
    for (int j = 0; j < s->n_out; j++)
      if (memcmp(&y[s->col0 + j], &out[s->matrix][s->out0 + j], sizeof(double)))
        fail_msg("array %zu slot %d column %d: event %.17g, aimc run %.17g", k, p, j,
                 y[s->col0 + j], out[s->matrix][s->out0 + j]);
    compared++;
  }
  for (size_t i = 0; i < m->n_mats; i++) free(in[i]), free(out[i]);
  free(in);
  free(out);
  free(x);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  return compared;
}

/* Every array of a mapping of the fixture model, in case `how`; dense
 * layers on crossbars too. Returns the slots compared (calibrated and
 * dense). */
static void check(int how) {
  aimc_ctx *ctx = aimc_ctx_alloc(7);
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 4, 8, 4, 2, AIMC_MIX_GLU, 4, 6, 21);
  int noisy = how != CASE_IDEAL;
  char *card = test_write_file(test_tmpdir("tile_words"), "card.yaml",
                               noisy ? "model: pulse\nsigma_d2d: 0\nsigma_d2d_g: 0\n"
                                       "p_stuck_min: 0\np_stuck_max: 0\nread_noise: 0.05\n"
                                     : "model: pulse\nsigma_d2d: 0\nsigma_d2d_g: 0\n"
                                       "p_stuck_min: 0\np_stuck_max: 0\n");
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = a.cols = 32;
  a.ni_read_noise = noisy;
  a.dense = AIMC_PLACE_CROSSBAR;
  snprintf(a.device_card, sizeof a.device_card, "%s", card);
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_tile *t = &m->tiles[k];
    if (noisy) set_param(t, AIMC_TILE_ADC, "noise_lsb", "0.7");
    if (how == CASE_TIA_DRAWS) set_param(t, AIMC_TILE_TIA, "noise", "30nA");
  }
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  run_ws w;
  ws_make(ctx, &w, mdl, hw);
  int calibrated = 0, dense = 0, tia_on = 0, compared = 0;
  for (size_t k = 0; k < m->n_arrays; k++) {
    int n = tile_agrees(ctx, &w, k, card, noisy);
    compared += n;
    if (w.mv[m->arrays[k].place[0].matrix].calibrated) calibrated += n, tia_on += w.tia_on[k];
    else dense += n;
  }
  print_message("case %d: %zu arrays, %d slots compared (%d calibrated, %d dense), %d tias on\n",
                how, m->n_arrays, compared, calibrated, dense, tia_on);
  assert_true(calibrated >= 2);
  assert_true(dense >= 1);
  assert_int_equal(tia_on > 0, how == CASE_TIA_DRAWS);
  ws_drop(ctx, &w);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(card);
  aimc_ctx_free(ctx);
}

static void test_ideal(void **st) {
  (void)st;
  check(CASE_IDEAL);
}

static void test_noise_tia_draws(void **st) {
  (void)st;
  check(CASE_TIA_DRAWS);
}

static void test_noise_adc_draws(void **st) {
  (void)st;
  check(CASE_ADC_DRAWS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ideal),
      cmocka_unit_test(test_noise_tia_draws),
      cmocka_unit_test(test_noise_adc_draws),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
