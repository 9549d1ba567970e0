/* The DOT a design becomes (clusters, --depth collapse, --flatten) and the
 * YAML writer (round trip through the loader, sticky errors, atomicity,
 * fault injection). Expected node ids follow the instance order of the
 * netlist below: i0 src, i1 st0.p, i2 st0.s, i3 st1.p, i4 st1.s, i5 pr0,
 * i6 pr1; collapsed blocks are i7 (st0) and i8 (st1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/config.h"
#include "aimc/fileio.h"
#include "aimc/graph.h"
#include "aimc/netlist.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

static const char *HIER =
    "name: hier\n"
    "subckts:\n"
    "  stage:\n"
    "    ports: [in, out]\n"
    "    instances:\n"
    "      p: {model: probe, params: {n: 3}}\n"
    "      s: {model: source, params: {n: 3, values: \"0 0 0\"}}\n"
    "    nets:\n"
    "      a: [in, p.in]\n"
    "      b: [s.out, out]\n"
    "instances:\n"
    "  src: {model: source, params: {n: 3, values: \"1 2 3\"}}\n"
    "  st: {subckt: stage, count: 2}\n"
    "  pr: {model: probe, count: 2, params: {n: 3}}\n"
    "nets:\n"
    "  x: [src.out, st*.in]\n"
    "  y: {count: 2, connect: [\"st${i}.out\", \"pr${i}.in\"]}\n";

static char *dot_of(aimc_ctx *ctx, aimc_design *d, int depth, int flatten) {
  aimc_graph_opts o = {depth, flatten};
  char *dot;
  assert_int_equal(aimc_graph_dot(ctx, d, &o, &dot), AIMC_OK);
  return dot;
}

static void test_dot(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d;
  assert_int_equal(aimc_netlist_parse(ctx, "h.yaml", HIER, NULL, &d), AIMC_OK);

  char *full = dot_of(ctx, d, -1, 0);
  assert_non_null(strstr(full, "subgraph cluster_0 {\n  label=\"st0 [stage]\""));
  assert_non_null(strstr(full, "subgraph cluster_1"));
  assert_non_null(strstr(full, "i0 -> i1 [label=\"x [3]\""));  /* src -> st0.p */
  assert_non_null(strstr(full, "i4 -> i6 [label=\"y1 [3]\"")); /* st1.s -> pr1 */
  assert_null(strstr(full, "box3d"));
  aimc_free(ctx, full);

  /* Depth 0: each stage is one box; x enters both, each drives its probe. */
  char *top = dot_of(ctx, d, 0, 0);
  assert_null(strstr(top, "cluster"));
  assert_non_null(strstr(top, "i7 [shape=box3d"));
  assert_non_null(strstr(top, "st0\\n[stage]\\n2 instances"));
  assert_non_null(strstr(top, "i0 -> i7 [label=\"x [3]\""));
  assert_non_null(strstr(top, "i8 -> i6 [label=\"y1 [3]\""));
  assert_null(strstr(top, "i1 ["));
  aimc_free(ctx, top);

  char *flat = dot_of(ctx, d, -1, 1);
  assert_null(strstr(flat, "cluster"));
  assert_non_null(strstr(flat, "label=\"st1.p\\n(probe)"));
  aimc_free(ctx, flat);

  const char *dir = test_tmpdir("graph");
  char path[1024];
  snprintf(path, sizeof path, "%s/g.gif", dir);
  assert_int_equal(aimc_graph_render(ctx, d, NULL, NULL, path), AIMC_EUSAGE);
  assert_false(test_file_exists(path));
  snprintf(path, sizeof path, "%s/g.svg", dir);
  assert_int_equal(aimc_graph_render(ctx, d, NULL, NULL, path), AIMC_OK);
  char *svg;
  assert_int_equal(aimc_read_file(ctx, path, &svg, NULL), AIMC_OK);
  assert_non_null(strstr(svg, "<svg"));
  assert_non_null(strstr(svg, "st1 [stage]"));
  aimc_free(ctx, svg);
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
}

/* Strings that need quoting in YAML must come back unchanged. */
static const char *const TRICKY[] = {"1 2; 3 4", "${rows * 2}", "", "a: b", "#not a comment",
                                     "[x]", "yes", "line\nbreak", "  padded ", "null"};
#define N_TRICKY (sizeof TRICKY / sizeof TRICKY[0])

static int write_doc(aimc_ctx *ctx, const char *path) {
  aimc_yamlw *w;
  int rc = aimc_yamlw_open(ctx, path, &w);
  if (rc) return rc;
  aimc_yamlw_map(w, 0);
  aimc_yamlw_kv(w, "name", "written");
  aimc_yamlw_str(w, "tricky");
  aimc_yamlw_seq(w, 0);
  for (size_t i = 0; i < N_TRICKY; i++) aimc_yamlw_str(w, TRICKY[i]);
  aimc_yamlw_end(w);
  aimc_yamlw_str(w, "instances");
  aimc_yamlw_map(w, 0);
  aimc_yamlw_str(w, "p");
  aimc_yamlw_map(w, 1);
  aimc_yamlw_kv(w, "model", "probe");
  aimc_yamlw_str(w, "params");
  aimc_yamlw_map(w, 1);
  aimc_yamlw_fmt(w, "%s", "n");
  aimc_yamlw_fmt(w, "%d", 4);
  aimc_yamlw_end(w);
  aimc_yamlw_str(w, "open");
  aimc_yamlw_seq(w, 1);
  aimc_yamlw_str(w, "in");
  return aimc_yamlw_close(w); /* closes the open seq and maps */
}

static void test_writer_round_trip(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("yamlw");
  char path[1024];
  snprintf(path, sizeof path, "%s/w.yaml", dir);
  assert_int_equal(write_doc(ctx, path), AIMC_OK);
  aimc_cfg *cfg;
  assert_int_equal(aimc_cfg_load(ctx, path, &cfg), AIMC_OK);
  const aimc_cfg_node *seq = aimc_cfg_get(aimc_cfg_root(cfg), "tricky");
  assert_int_equal(aimc_cfg_len(seq), N_TRICKY);
  for (size_t i = 0; i < N_TRICKY; i++) assert_string_equal(aimc_cfg_scalar(aimc_cfg_at(seq, i)), TRICKY[i]);
  aimc_cfg_free(cfg);
  /* The same file is a valid netlist except for the unknown key 'tricky'. */
  aimc_design *d;
  assert_int_equal(aimc_netlist_load(ctx, path, &d), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "unknown key 'tricky'"));

  /* An error sticks, is returned by close, and the target is untouched. */
  aimc_yamlw *w;
  assert_int_equal(aimc_yamlw_open(ctx, path, &w), AIMC_OK);
  assert_int_equal(aimc_yamlw_end(w), AIMC_EINVAL);
  assert_int_equal(aimc_yamlw_str(w, "x"), AIMC_EINVAL);
  assert_int_equal(aimc_yamlw_close(w), AIMC_EINVAL);
  assert_int_equal(aimc_cfg_load(ctx, path, &cfg), AIMC_OK);
  assert_string_equal(aimc_cfg_scalar(aimc_cfg_get(aimc_cfg_root(cfg), "name")), "written");
  aimc_cfg_free(cfg);
  aimc_yamlw_abort(NULL);
  aimc_ctx_free(ctx);
}

static int write_some(aimc_ctx *ctx, void *user) { return write_doc(ctx, user); }

static void test_writer_faults(void **state) {
  (void)state;
  const char *dir = test_tmpdir("yamlw_fault");
  char path[1024];
  snprintf(path, sizeof path, "%s/f.yaml", dir);
  assert_true(failalloc_sweep(write_some, path) > 2);
}

static int graph_some(aimc_ctx *ctx, void *user) {
  (void)user;
  aimc_design *d;
  int rc = aimc_netlist_parse(ctx, "h.yaml", HIER, NULL, &d);
  char *dot = NULL;
  aimc_graph_opts o = {0, 0};
  if (!rc) rc = aimc_graph_dot(ctx, d, &o, &dot);
  aimc_free(ctx, dot);
  aimc_design_free(ctx, d);
  return rc;
}

static void test_graph_faults(void **state) {
  (void)state;
  assert_true(failalloc_sweep(graph_some, NULL) > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dot),
      cmocka_unit_test(test_writer_round_trip),
      cmocka_unit_test(test_writer_faults),
      cmocka_unit_test(test_graph_faults),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
