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

#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "aimc/xbar_layout.h"
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

#define HEAD "{\"rows\": 8, \"cols\": 8, \"pair\": \"cols\", \"span_S\": 1e-4,\n"
#define SLOT(ROW0, N_IN, GAIN, VALS)                                                 \
  "{\"row0\": " ROW0 ", \"col0\": 0, \"n_in\": " N_IN ", \"n_out\": 2,\n"            \
  " \"row_gain\": [1, " GAIN "], \"col_gain\": [2, 3], \"values\": [" VALS "]}"

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
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"diag\", \"span_S\": 1e-4, \"slots\": []}",
          "pair");
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"rows\", \"span_S\": 0, \"slots\": []}",
          "span_S");
  refused("{\"rows\": 8, \"pair\": \"rows\", \"span_S\": 1, \"slots\": []}", "cols: missing");
  refused("{\"rows\": 8, \"cols\": 8, \"pair\": \"rows\", \"span_S\": 1}", "slots");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_differential),
      cmocka_unit_test(test_rails),
      cmocka_unit_test(test_bad_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
