/* The arrays' layouts (aimc/xbar_layout.h): the mapping's layout of every
 * array round-trips its file exactly, derives from the programmed
 * conductances exactly the weights and read-noise factors the runner
 * reads (bit for bit), and a malformed file is refused naming the path
 * and the key (or line:col for bad JSON). */
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
#include "aimc/netlist.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "aimc/xbar_layout.h"
#include "aimc/xbar_read.h"
#include "model_fixture.h"
#include "sim/infer/infer_internal.h"
#include "testutil.h"

static void same_layout(const aimc_xbar_layout *a, const aimc_xbar_layout *b) {
  assert_int_equal(a->rows, b->rows);
  assert_int_equal(a->cols, b->cols);
  assert_int_equal(a->rf, b->rf);
  assert_int_equal(a->cf, b->cf);
  assert_memory_equal(&a->span_S, &b->span_S, sizeof a->span_S);
  assert_int_equal(a->n_slots, b->n_slots);
  for (int s = 0; s < a->n_slots; s++) {
    const aimc_xbar_slot *x = &a->slot[s], *y = &b->slot[s];
    assert_int_equal(x->row0, y->row0);
    assert_int_equal(x->col0, y->col0);
    assert_int_equal(x->n_in, y->n_in);
    assert_int_equal(x->n_out, y->n_out);
    assert_memory_equal(x->row_gain, y->row_gain, sizeof(double) * (size_t)x->n_in);
    assert_memory_equal(x->col_gain, y->col_gain, sizeof(double) * (size_t)x->n_out);
    assert_memory_equal(x->is_value, y->is_value, (size_t)x->n_in * (size_t)x->n_out);
    assert_memory_equal(x->w, y->w, sizeof(double) * (size_t)x->n_in * (size_t)x->n_out);
  }
}

/* Every array of a Gaussian-programmed mapping with read noise: the file
 * round-trips, and the layout's weights from the programmed conductances
 * are the runner's, bit for bit. `split` picks where a pair's devices sit. */
static void check_mapping(int split) {
  aimc_ctx *ctx = aimc_ctx_alloc(11);
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 4, 8, 4, 2, AIMC_MIX_GLU, 4, 6, 21);
  char *card = test_write_file(test_tmpdir("layout"), "card.yaml",
                               "model: pulse\nsigma_d2d: 0\nsigma_d2d_g: 0\nread_noise: 0.02\n");
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = a.cols = 32;
  a.split = split;
  a.prog_mode = AIMC_PROG_GAUSSIAN;
  a.prog_sigma_S = 3e-6;
  a.ni_read_noise = 1;
  snprintf(a.device_card, sizeof a.device_card, "%s", card);
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
  char path[512];
  snprintf(path, sizeof path, "%s/array.layout.json", test_tmpdir("layout"));
  size_t slots = 0;
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_xbar_layout *l = NULL, *back = NULL;
    assert_int_equal(aimc_map_array_layout(ctx, m, k, &l), AIMC_OK);
    assert_int_equal(aimc_xbar_layout_check(ctx, path, l), AIMC_OK);
    assert_int_equal(aimc_xbar_layout_write(ctx, path, l), AIMC_OK);
    assert_int_equal(aimc_xbar_layout_read(ctx, path, &back), AIMC_OK);
    same_layout(l, back);
    double r2 = 0.02 * 0.02;
    for (int s = 0; s < back->n_slots; s++, slots++) {
      const aimc_map_slot *ms = &m->arrays[k].place[s];
      const aimc_map_matrix *mx = &m->mats[ms->matrix];
      const aimc_xbar_slot *t = &back->slot[s];
      size_t n = (size_t)t->n_in * (size_t)t->n_out;
      double *w = calloc(n, sizeof *w);
      float *nv = calloc(n, sizeof *nv);
      aimc_xbar_slot_weights(back, s, hw->g_S[k], r2, w, nv);
      assert_non_null(hw->w[ms->matrix]);
      assert_non_null(hw->nvar[ms->matrix]);
      for (int j = 0; j < t->n_out; j++)
        for (int i = 0; i < t->n_in; i++) {
          int b = ms->block;
          size_t at = aimc_map_matrix_index(mx, b, ms->out0 + j - mx->out_off[b],
                                            ms->in0 + i - mx->in_off[b]);
          size_t e = (size_t)j * (size_t)t->n_in + (size_t)i;
          assert_memory_equal(&w[e], &hw->w[ms->matrix][at], sizeof(double));
          assert_memory_equal(&nv[e], &hw->nvar[ms->matrix][at], sizeof(float));
          assert_int_equal(t->is_value[e], mx->is_value[at]);
        }
      free(w);
      free(nv);
    }
    aimc_xbar_layout_free(ctx, l);
    aimc_xbar_layout_free(ctx, back);
  }
  assert_true(slots >= 2);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  free(card);
  aimc_ctx_free(ctx);
}

static void test_differential(void **st) {
  (void)st;
  check_mapping(AIMC_SPLIT_DIFFERENTIAL);
}

static void test_rails(void **st) {
  (void)st;
  check_mapping(AIMC_SPLIT_RAILS);
}

/* A good file with one edit is refused, the message naming `expect`. */
static void refused(const char *text, const char *expect) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char *path = test_write_file(test_tmpdir("layout"), "bad.layout.json", text);
  aimc_xbar_layout *l = NULL;
  int st = aimc_xbar_layout_read(ctx, path, &l);
  assert_true(st == AIMC_EFORMAT || st == AIMC_ESHAPE);
  assert_null(l);
  const char *msg = aimc_ctx_errmsg(ctx);
  if (!strstr(msg, expect) || !strstr(msg, path)) fail_msg("message '%s' lacks '%s'", msg, expect);
  free(path);
  aimc_ctx_free(ctx);
}

#define HEAD "{\"rows\": 8, \"cols\": 8, \"pair\": \"cols\", \"span_S\": 1e-4, \"exact_zeros\": true,\n"
#define SLOT(ROW0, N_IN, GAIN, VALS)                                                 \
  "{\"row0\": " ROW0 ", \"col0\": 0, \"n_in\": " N_IN ", \"n_out\": 2,\n"            \
  " \"row_gain\": [1, " GAIN "], \"col_gain\": [2, 3], \"values\": [" VALS "],\n"          \
  " \"w\": [0.5, 0, 0, -0.25]}"

static void test_bad_files(void **st) {
  (void)st;
  /* The good file reads. */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char *good = test_write_file(test_tmpdir("layout"), "good.layout.json",
                               HEAD "\"slots\": [" SLOT("0", "2", "0.5", "\"10\", \"01\"") "]}");
  aimc_xbar_layout *l = NULL;
  assert_int_equal(aimc_xbar_layout_read(ctx, good, &l), AIMC_OK);
  assert_int_equal(l->cf, 2);
  assert_int_equal(l->slot[0].is_value[1], 0);
  aimc_xbar_layout_free(ctx, l);
  free(good);
  aimc_ctx_free(ctx);
  refused(HEAD "\"slots\": [}", ":2:11: not valid JSON");
  refused(HEAD "\"slots\": [" SLOT("0", "2", "0.5", "\"10\", \"0x\"") "]}", "slots[0].values[1]");
  refused(HEAD "\"slots\": [" SLOT("0", "2", "0.5", "\"10\"") "]}", "slots[0].values");
  refused(HEAD "\"slots\": [" SLOT("0", "3", "0.5", "\"10\", \"01\"") "]}", "slots[0].row_gain");
  refused(HEAD "\"slots\": [" SLOT("7", "2", "0.5", "\"10\", \"01\"") "]}", "outside");
  refused(HEAD "\"slots\": [" SLOT("0", "2", "0.5", "\"10\", \"01\"") ", " SLOT(
              "1", "2", "0.5", "\"10\", \"01\"") "]}",
          "overlaps");
  refused(HEAD "\"slots\": [" SLOT("0", "2", "\"x\"", "\"10\", \"01\"") "]}",
          "slots[0].row_gain[1]");
  refused(HEAD "\"slots\": [" SLOT("-1", "2", "0.5", "\"10\", \"01\"") "]}", "slots[0].row0");
  refused(HEAD "\"slots\": [" SLOT("0.5", "2", "0.5", "\"10\", \"01\"") "]}", "slots[0].row0");
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"rows\", \"span_S\": 1e-4, \"slots\": []}",
          "exact_zeros: missing");
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"diag\", \"span_S\": 1e-4, \"slots\": []}",
          "pair");
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"rows\", \"span_S\": 0, \"exact_zeros\": false, \"slots\": []}",
          "span_S");
  refused("{\"rows\": 8, \"pair\": \"rows\", \"span_S\": 1, \"slots\": []}", "cols: missing");
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"rows\", \"span_S\": 1}", "slots");
}

/* Writes array k's files as aimc map does; its targets and layout's
 * paths into t, l. */
static void write_array(aimc_ctx *ctx, const aimc_mapping *m, size_t k, char *t, char *l,
                        size_t len) {
  const char *dir = test_tmpdir("layout");
  snprintf(t, len, "%s/array%zu.csv", dir, k);
  snprintf(l, len, "%s/array%zu.layout.json", dir, k);
  assert_int_equal(aimc_map_write_array_files(ctx, m, k, dir), AIMC_OK);
}

/* The event crossbar of array k, reading words through its layout, gives
 * what aimc run's read of each slot gives (its plan on the runner's
 * weights, sim/infer/convert.c), bit for bit, over a few input vectors. */
static void event_reads_as_runner(const aimc_mapping *m, const aimc_hw *hw, size_t k,
                                  const char *card, double r_wire) {
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  char t[512], l[512], text[4096];
  write_array(ctx, m, k, t, l, sizeof t);
  snprintf(text, sizeof text,
           "name: xb\ninstances:\n  x: {model: crossbar, params: {rows: %d, cols: %d, "
           "program: ideal, read_noise: false, r_wire: %gOhm, device_card: \"%s\", "
           "targets: \"%s\", layout: \"%s\"}}\nnets:\n  v: {connect: [x.in], external: true}\n"
           "  i: {connect: [x.out], external: true}\n",
           m->arch.rows, m->arch.cols, r_wire, card, t, l);
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int rc = aimc_netlist_parse(ctx, "xb.yaml", text, NULL, &d);
  if (!rc) rc = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  if (rc) fail_msg("%s", aimc_ctx_errmsg(ctx));
  int nv = aimc_design_find_net(d, "v"), ni = aimc_design_find_net(d, "i");
  const aimc_map_array *arr = &m->arrays[k];
  double *x = calloc((size_t)m->arch.rows, sizeof *x), *want = calloc(512, sizeof *want);
  aimc_lanes one = {1, 1, NULL, NULL, NULL};
  for (int trial = 0; trial < 3; trial++) {
    for (int r = 0; r < m->arch.rows; r++) x[r] = sin(1.3 * r + trial) * (trial + 1);
    assert_int_equal(aimc_engine_drive_net(e, nv, x, 0), 0);
    assert_int_equal(aimc_engine_run(e), 0);
    const double *got = aimc_engine_net_value(e, ni);
    for (int p = 0; p < arr->n_place; p++) {
      const aimc_map_slot *s = &arr->place[p];
      const aimc_map_matrix *mx = &m->mats[s->matrix];
      int b = s->block;
      size_t at = aimc_map_matrix_index(mx, b, s->out0 - mx->out_off[b], s->in0 - mx->in_off[b]);
      aimc_xbar_read_src src = {s->n_in, s->n_out, (size_t)(mx->in_off[b + 1] - mx->in_off[b]),
                                aimc_hw_weights(hw, (size_t)s->matrix) + at, NULL,
                                mx->is_value + at, mx->row_gain + s->in0};
      aimc_xbar_plan *plan = NULL;
      assert_int_equal(aimc_xbar_plan_build(ctx, &src, &plan), AIMC_OK);
      double *scratch = calloc(aimc_xbar_read_scratch(plan, 1), sizeof *scratch);
      aimc_xbar_read(plan, x + s->row0, 0, want, NULL, &one, scratch);
      assert_memory_equal(got + s->col0, want, sizeof(double) * (size_t)s->n_out);
      free(scratch);
      aimc_xbar_plan_free(ctx, plan);
    }
  }
  free(x);
  free(want);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

/* Ideal devices read the model's weights (as the reference does); a wire
 * resistance makes both derive them from the conductances it leaves. */
static void test_event_crossbar_reads_as_runner(void **st) {
  (void)st;
  for (int wires = 0; wires < 2; wires++) {
    aimc_ctx *ctx = aimc_ctx_alloc(4);
    aimc_s4d_model *mdl = fixture_model(ctx, 3, 4, 8, 4, 2, AIMC_MIX_GLU, 4, 6, 21);
    char *card = test_write_file(test_tmpdir("layout"), "quiet.yaml",
                                 "model: pulse\nsigma_d2d: 0\nsigma_d2d_g: 0\np_stuck_min: 0\n"
                                 "p_stuck_max: 0\n");
    aimc_arch a;
    aimc_arch_defaults(&a);
    a.rows = a.cols = 32;
    a.ni_ir_drop = wires;
    a.r_wire_Ohm = wires ? 2.0 : 0;
    snprintf(a.device_card, sizeof a.device_card, "%s", card);
    aimc_mapping *m = NULL;
    aimc_hw *hw = NULL;
    assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
    assert_int_equal(aimc_hw_program(ctx, m, &hw), AIMC_OK);
    assert_true((hw->w[0] != NULL) == (wires == 1)); /* derived only with wires */
    for (size_t k = 0; k < m->n_arrays; k++) event_reads_as_runner(m, hw, k, card, a.r_wire_Ohm);
    aimc_hw_free(ctx, hw);
    aimc_mapping_free(ctx, m);
    aimc_s4d_model_free(ctx, mdl);
    free(card);
    aimc_ctx_free(ctx);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_differential),
      cmocka_unit_test(test_rails),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_event_crossbar_reads_as_runner),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
