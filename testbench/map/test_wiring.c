/* The wiring of a mapped netlist (sim/map/wiring.c) equals the mapping:
 * every array's row gather, evaluated with the gather model's own eval on
 * the index map, puts on each row the word docs/mapping.md's layout says
 * (a single-form channel block reads [x^_{t-1}; u_t; u_{t-1}], the state
 * from the array's own held columns; the separate form's A rows the state
 * sum, B rows u_t, CD rows [x_t; u_t]; a dense layer's rows its input),
 * and every output bus is the sum of the held columns of each matrix
 * output (a dense column cut along its rows adds its pieces). Each source
 * word carries a distinct value, so a word from the wrong channel, port
 * or array shows. Then the index map files `aimc map` writes read back
 * to the same maps, and an edited one is refused. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/design.h"
#include "aimc/fileio.h"
#include "aimc/gather.h"
#include "aimc/map.h"
#include "aimc/netlist.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "sim/map/map_internal.h"

/* A distinct value for word w of net `net` (tile outputs: by array and
 * column), as the test's own reading of the net names. */
static double value_of(const aimc_mapping *m, const char *net, int w) {
  int l;
  char rest[64], name[64];
  static const char *const LAYER_NETS[] = {"in", "u_prev", "state", "act"};
  if (sscanf(net, "l%d_%63s", &l, rest) == 2)
    for (int i = 0; i < 4; i++)
      if (!strcmp(rest, LAYER_NETS[i])) return 1e6 * (i + 1) + 1e3 * l + w;
  if (!strcmp(net, "features")) return 5e6 + w;
  if (!strcmp(net, "pooled")) return 6e6 + w;
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_map_array_name(m, k, name, sizeof name);
    size_t n = strlen(name);
    if (!strncmp(net, name, n) && !strcmp(net + n, "_out")) return 1e4 * (double)(k + 1) + w;
  }
  fail_msg("unknown net %s", net);
  return 0;
}

/* The sum of the held words of matrix mi's output o, over the arrays
 * holding a piece of it. */
static double held(const aimc_mapping *m, int mi, int o) {
  double v = 0;
  int pieces = 0;
  for (size_t k = 0; k < m->n_arrays; k++)
    for (int p = 0; p < m->arrays[k].n_place; p++) {
      const aimc_map_slot *s = &m->arrays[k].place[p];
      if (s->matrix != mi || o < s->out0 || o >= s->out0 + s->n_out) continue;
      v += 1e4 * (double)(k + 1) + s->col0 + (o - s->out0);
      pieces++;
    }
  assert_true(pieces >= 1);
  return v;
}

/* What matrix mi's input i is, from docs/mapping.md's layout. */
static double want_row(const aimc_mapping *m, int mi, int i) {
  const aimc_map_matrix *mx = &m->mats[mi];
  int h = 0, l = mx->layer;
  while (h + 1 < mx->n_blocks && mx->in_off[h + 1] <= i) h++;
  int li = i - mx->in_off[h], bi = mx->in_off[h + 1] - mx->in_off[h];
  switch (mx->kind) {
    case AIMC_OP_SSM:
      if (li < bi - 2) return held(m, mi, mx->out_off[h] + li);
      return (li == bi - 2 ? 1e6 : 2e6) + 1e3 * l + h;
    case AIMC_OP_SSM_A: return 3e6 + 1e3 * l + i;
    case AIMC_OP_SSM_B: return 1e6 + 1e3 * l + h;
    case AIMC_OP_SSM_CD: return li < bi - 1 ? 3e6 + 1e3 * l + (mx->in_off[h] - h + li) : 1e6 + 1e3 * l + h;
    case AIMC_OP_ENCODER: return 5e6 + i;
    case AIMC_OP_MIX: return 4e6 + 1e3 * l + i;
    default: return 6e6 + i;
  }
}

/* Evaluates gather g with the gather model on the test's values. */
static double *eval_wire(aimc_ctx *ctx, const aimc_mapping *m, const aimc_map_wire *g) {
  aimc_gather_map map;
  assert_int_equal(aimc_map_wire_map(ctx, g, &map), AIMC_OK);
  double *in = calloc((size_t)map.n_in + 1, sizeof *in), *out = calloc((size_t)g->n, sizeof *out);
  for (int k = 0; k < g->n_ports; k++)
    for (int w = 0; w < g->port[k].width; w++) in[map.off[k] + w] = value_of(m, g->port[k].net, w);
  aimc_gather_params p;
  aimc_map_wire_params(g, "", &p);
  aimc_eval e = {.params = &p, .state = &map, .n = g->n};
  assert_int_equal(aimc_gather_model()->eval(&e, in, out, NULL), AIMC_OK);
  free(in);
  aimc_gather_map_fini(ctx, &map);
  return out;
}

static const aimc_map_wire *find_wire(const aimc_map_wiring *w, const char *name) {
  for (size_t i = 0; i < w->n; i++)
    if (!strcmp(w->wire[i].name, name)) return &w->wire[i];
  fail_msg("no wire %s", name);
  return NULL;
}

static void check_mapping(aimc_ctx *ctx, const aimc_mapping *m) {
  aimc_map_wiring w;
  assert_int_equal(aimc_map_build_wiring(ctx, m, &w), AIMC_OK);
  char name[64], gname[96];
  /* Rows: every slot's inputs; rows no slot uses get 0. */
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_map_array_name(m, k, name, sizeof name);
    snprintf(gname, sizeof gname, "%s_wire", name);
    const aimc_map_wire *g = find_wire(&w, gname);
    assert_int_equal(g->n, m->arch.rows);
    double *rows = eval_wire(ctx, m, g), *want = calloc((size_t)g->n, sizeof *want);
    for (int p = 0; p < m->arrays[k].n_place; p++) {
      const aimc_map_slot *s = &m->arrays[k].place[p];
      for (int i = 0; i < s->n_in; i++) want[s->row0 + i] = want_row(m, s->matrix, s->in0 + i);
    }
    for (int r = 0; r < g->n; r++)
      if (rows[r] != want[r]) fail_msg("%s row %d: %.17g, want %.17g", name, r, rows[r], want[r]);
    free(rows);
    free(want);
  }
  /* Output buses: the y of every block (single form, CD), a dense
   * matrix's every output, the state parts [A x; B u]. */
  for (int l = 0; l < m->layers; l++) {
    int mi = aimc_map_find_matrix(m, AIMC_OP_SSM, l);
    if (mi < 0) mi = aimc_map_find_matrix(m, AIMC_OP_SSM_CD, l);
    snprintf(gname, sizeof gname, "l%d_y_wire", l);
    double *y = eval_wire(ctx, m, find_wire(&w, gname));
    for (int h = 0; h < m->h; h++)
      assert_true(y[h] == held(m, mi, m->mats[mi].out_off[h + 1] - 1));
    free(y);
    int a = aimc_map_find_matrix(m, AIMC_OP_SSM_A, l), b = aimc_map_find_matrix(m, AIMC_OP_SSM_B, l);
    if (a >= 0) {
      snprintf(gname, sizeof gname, "l%d_parts_wire", l);
      double *parts = eval_wire(ctx, m, find_wire(&w, gname));
      int n = m->mats[a].n_out;
      for (int o = 0; o < n; o++) {
        assert_true(parts[o] == held(m, a, o));
        assert_true(parts[n + o] == held(m, b, o));
      }
      free(parts);
    }
    int mix = aimc_map_find_matrix(m, AIMC_OP_MIX, l);
    if (mix >= 0) {
      snprintf(gname, sizeof gname, "l%d_mix_wire", l);
      double *s = eval_wire(ctx, m, find_wire(&w, gname));
      for (int o = 0; o < m->mats[mix].n_out; o++) assert_true(s[o] == held(m, mix, o));
      free(s);
    }
  }
  static const struct {
    aimc_op_kind kind;
    const char *wire;
  } DENSE[] = {{AIMC_OP_ENCODER, "encoder_out"}, {AIMC_OP_DECODER, "decoder_out"}};
  for (size_t d = 0; d < 2; d++) {
    int mi = aimc_map_find_matrix(m, DENSE[d].kind, -1);
    if (mi < 0) continue;
    double *s = eval_wire(ctx, m, find_wire(&w, DENSE[d].wire));
    for (int o = 0; o < m->mats[mi].n_out; o++) assert_true(s[o] == held(m, mi, o));
    free(s);
  }
  aimc_map_free_wiring(ctx, &w);
}

static aimc_mapping *map_of(aimc_ctx *ctx, aimc_s4d_model *mdl, int rows, int cols, int form,
                            int split, int dense) {
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = rows, a.cols = cols, a.form = form, a.split = split, a.dense = dense;
  aimc_mapping *m = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  return m;
}

/* Single and separate forms, both splits, dense layers on crossbars cut
 * into pieces along rows and columns (16 x 16 arrays for 12 inputs and
 * GLU's 2 x 12 outputs), several channels per array. */
static void test_wiring_is_the_mapping(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 20, 5, 12, 2, 2, AIMC_MIX_GLU, 4, 0, 3);
  assert_non_null(mdl);
  for (int form = 0; form < 2; form++)
    for (int split = 0; split < 2; split++)
      for (int dense = 0; dense < 2; dense++) {
        aimc_mapping *m = map_of(ctx, mdl, 16, 16, form, split, dense);
        check_mapping(ctx, m);
        aimc_mapping_free(ctx, m);
      }
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

/* The index maps `aimc map` writes read back to the mapping's maps and
 * pass aimc run's check; an edited map is refused at the gather's line. */
static void test_written_maps(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 6, 3, 4, 2, 1, AIMC_MIX_LINEAR, 4, 0, 5);
  aimc_mapping *m = map_of(ctx, mdl, 16, 16, AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL, 0);
  char dir[] = "/tmp/aimc_wiring_XXXXXX", path[256], file[512];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/net.yaml", dir);
  assert_int_equal(aimc_map_write_netlist(ctx, m, NULL, NULL, path), AIMC_OK);
  aimc_design *d = NULL;
  assert_int_equal(aimc_netlist_load(ctx, path, &d), AIMC_OK);
  assert_int_equal(aimc_map_check_netlist_wiring(ctx, d, m), AIMC_OK);
  /* Only the network's input and output are external: every net has a
   * driver but features and the sequence's end (seq_end, to the mean);
   * every gather port is connected. */
  for (size_t n = 0; n < d->n_net; n++)
    if (d->net[n].driver < 0 && strcmp(d->net[n].name, "seq_end"))
      assert_string_equal(d->net[n].name, "features");
  /* Swap two pairs' words in the first row gather's file. */
  aimc_map_wiring w;
  assert_int_equal(aimc_map_build_wiring(ctx, m, &w), AIMC_OK);
  snprintf(file, sizeof file, "%s/net.arrays", dir);
  char map_file[640];
  aimc_map_wire_file(file, &w.wire[0], map_file, sizeof map_file);
  FILE *f = fopen(map_file, "w");
  assert_non_null(f);
  fputs(AIMC_GATHER_HEADER "\n0,0,1\n1,0,0\n", f);
  fclose(f);
  assert_int_equal(aimc_map_check_netlist_wiring(ctx, d, m), AIMC_EINVAL);
  const char *msg = aimc_ctx_errmsg(ctx);
  assert_non_null(strstr(msg, "net.yaml:"));
  assert_non_null(strstr(msg, "disagrees with the mapping"));
  assert_non_null(strstr(msg, "output word 0 adds in[0] word 1"));
  aimc_map_free_wiring(ctx, &w);
  aimc_design_free(ctx, d);
  aimc_remove_tree(dir);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wiring_is_the_mapping),
      cmocka_unit_test(test_written_maps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
