/* The sweep engine with small test evaluators: expansion (grid order, list
 * defaults, random determinism and bounds), aggregation (mean, sample std),
 * resume (interrupt after k runs: nothing redone, nothing lost, same table
 * as an uninterrupted sweep), forked workers (same table), refusal of a
 * directory of another spec, failures, the YAML form, fault injection. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#include "aimc/config.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/sweep.h"
#include "failalloc.h"
#include "testutil.h"

/* A 2 x 3 grid: a in {1, 2} (slowest), b in {x, y, z}; base c = 7. */
static aimc_sweep_spec *grid_spec(aimc_ctx *ctx, unsigned seeds) {
  static const char *const A[] = {"1", "2"}, *const B[] = {"x", "y", "z"};
  aimc_sweep_spec *s = aimc_sweep_spec_alloc(ctx, "grid");
  assert_non_null(s);
  assert_int_equal(aimc_sweep_spec_set_base(ctx, s, "c", "7"), 0);
  assert_int_equal(aimc_sweep_spec_add_axis(ctx, s, "a", 2, A), 0);
  assert_int_equal(aimc_sweep_spec_add_axis(ctx, s, "b", 3, B), 0);
  aimc_sweep_spec_set_seeds(s, 42, seeds);
  assert_int_equal(aimc_sweep_spec_expand(ctx, s), 0);
  return s;
}

static void test_grid_order(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_sweep_spec *s = grid_spec(ctx, 1);
  /* Known answer by hand: 6 points, last axis fastest, varied keys first. */
  static const char *const WANT[6][3] = {{"1", "x", "7"}, {"1", "y", "7"},
                                         {"1", "z", "7"}, {"2", "x", "7"},
                                         {"2", "y", "7"}, {"2", "z", "7"}};
  assert_int_equal(aimc_sweep_spec_n_points(s), 6);
  assert_int_equal(aimc_sweep_spec_n_keys(s), 3);
  assert_string_equal(aimc_sweep_spec_key(s, 0), "a");
  assert_string_equal(aimc_sweep_spec_key(s, 2), "c");
  assert_true(aimc_sweep_spec_key_varies(s, 1));
  assert_false(aimc_sweep_spec_key_varies(s, 2));
  for (size_t i = 0; i < 6; i++)
    for (size_t k = 0; k < 3; k++)
      assert_string_equal(aimc_sweep_spec_value(s, i, k), WANT[i][k]);
  /* An axis overrides a base value of the same key. */
  static const char *const C[] = {"8", "9"};
  uint64_t h = aimc_sweep_spec_hash(s);
  assert_int_equal(aimc_sweep_spec_add_axis(ctx, s, "c", 2, C), 0);
  assert_int_equal(aimc_sweep_spec_expand(ctx, s), 0);
  assert_int_equal(aimc_sweep_spec_n_points(s), 12);
  assert_string_equal(aimc_sweep_spec_value(s, 1, 2), "9");
  assert_true(aimc_sweep_spec_hash(s) != h);
  aimc_sweep_spec_free(ctx, s);
  aimc_ctx_free(ctx);
}

static void test_list_and_random(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_sweep_spec *s = aimc_sweep_spec_alloc(ctx, "list");
  static const char *const K1[] = {"rows", "bits"}, *const V1[] = {"16", "2"};
  static const char *const K2[] = {"rows"}, *const V2[] = {"32"};
  aimc_sweep_spec_set_mode(s, AIMC_SWEEP_LIST, 0);
  assert_int_equal(aimc_sweep_spec_add_point(ctx, s, 2, K1, V1), 0);
  assert_int_equal(aimc_sweep_spec_add_point(ctx, s, 1, K2, V2), 0);
  /* Point 2 lacks bits and base has none: an error naming both. */
  assert_int_equal(aimc_sweep_spec_expand(ctx, s), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "point 1 lacks 'bits'"));
  assert_int_equal(aimc_sweep_spec_set_base(ctx, s, "bits", "4"), 0);
  assert_int_equal(aimc_sweep_spec_expand(ctx, s), 0);
  assert_string_equal(aimc_sweep_spec_value(s, 1, 1), "4");
  assert_string_equal(aimc_sweep_spec_value(s, 0, 1), "2");
  aimc_sweep_spec_free(ctx, s);

  /* Random: n points, values from the choices / inside the ranges, the
   * same for the same seed, different for another seed. */
  char first[64] = "";
  for (int round = 0; round < 3; round++) {
    s = aimc_sweep_spec_alloc(ctx, "random");
    static const char *const B[] = {"2", "3", "5"};
    aimc_sweep_spec_set_mode(s, AIMC_SWEEP_RANDOM, 50);
    aimc_sweep_spec_set_seeds(s, round < 2 ? 7 : 8, 1);
    assert_int_equal(aimc_sweep_spec_add_axis(ctx, s, "bits", 3, B), 0);
    assert_int_equal(aimc_sweep_spec_add_range(ctx, s, "rows", "16", "128", 0),
                     0);
    assert_int_equal(
        aimc_sweep_spec_add_range(ctx, s, "sigma_g", "1uS", "20uS", 1), 0);
    assert_int_equal(aimc_sweep_spec_expand(ctx, s), 0);
    assert_int_equal(aimc_sweep_spec_n_points(s), 50);
    int seen[3] = {0};
    char all[64 * 50] = "";
    for (size_t i = 0; i < 50; i++) {
      int b = atoi(aimc_sweep_spec_value(s, i, 0));
      seen[b == 2 ? 0 : b == 3 ? 1 : 2]++;
      long r = atol(aimc_sweep_spec_value(s, i, 1));
      assert_true(r >= 16 && r <= 128);
      double g;
      assert_int_equal(aimc_unit_parse(aimc_sweep_spec_value(s, i, 2),
                                       AIMC_U_SIEMENS, &g, NULL, 0),
                       0);
      assert_true(g >= 1e-6 * 0.9999 && g <= 20e-6 * 1.0001);
      strcat(all, aimc_sweep_spec_value(s, i, 1));
    }
    /* 50 draws over 3 choices: P(a choice never drawn) = 3 (2/3)^50 < 1e-8. */
    assert_true(seen[0] && seen[1] && seen[2]);
    char h[64];
    snprintf(h, sizeof h, "%llu", (unsigned long long)aimc_hash_str(all));
    if (round == 0) strcpy(first, h);
    if (round == 1) assert_string_equal(h, first);
    if (round == 2) assert_string_not_equal(h, first);
    aimc_sweep_spec_free(ctx, s);
  }
  aimc_ctx_free(ctx);
}

/* Test evaluator: accuracy = a + seed_index (a known per-seed value),
 * energy_J = a * 1e-9, and a count of calls in this process. */
static int g_calls;
static int g_fail_point = -1;
static int known_eval(aimc_ctx *ctx, const aimc_sweep_point *pt,
                      aimc_sweep_result *res) {
  g_calls++;
  if ((int)pt->index == g_fail_point)
    return aimc_error(ctx, AIMC_EFAIL, "deliberate failure");
  double a = atof(aimc_sweep_point_get(pt, "a"));
  res->m[AIMC_SWEEP_M_accuracy] = a + pt->seed_index;
  res->m[AIMC_SWEEP_M_energy_J] = a * 1e-9;
  return AIMC_OK;
}
static const aimc_sweep_evaluator KNOWN = {
    .name = "known", .summary = "test", .eval = known_eval};

static aimc_sweep_stats run(aimc_ctx *ctx, const aimc_sweep_spec *s,
                            const char *dir, int jobs, size_t max_runs,
                            int want_rc) {
  aimc_sweep_opts o = {
      .out_dir = dir, .jobs = jobs, .evaluator = &KNOWN, .max_runs = max_runs};
  aimc_sweep_stats st;
  int rc = aimc_sweep_run(ctx, s, &o, &st);
  if (rc != want_rc)
    fail_msg("sweep_run = %d (%s), want %d", rc, aimc_ctx_errmsg(ctx), want_rc);
  return st;
}

static void test_aggregate_and_resume(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_ctx_set_log_level(ctx, AIMC_LOG_ERROR);
  aimc_sweep_spec *s = grid_spec(ctx, 3);
  char ref[512], dir[512], forked[512];
  snprintf(ref, sizeof ref, "%s", test_tmpdir("sweep-ref"));
  snprintf(dir, sizeof dir, "%s", test_tmpdir("sweep-resume"));
  snprintf(forked, sizeof forked, "%s", test_tmpdir("sweep-fork"));

  g_calls = 0;
  aimc_sweep_stats st = run(ctx, s, ref, 0, 0, AIMC_OK);
  assert_int_equal(g_calls, 18);
  assert_int_equal(st.n_done_now, 18);
  assert_true(st.complete);
  char *csv = test_read_file(ref, "results.csv");
  /* Point 0 (a = 1): accuracy over seeds 0, 1, 2 = {1, 2, 3}: mean 2,
   * sample std 1 (exact in binary); energy 1e-9 on every seed: std 0. */
  assert_non_null(strstr(csv,
                         "point,a,b,n_seeds,accuracy_mean,accuracy_std,"
                         "energy_J_mean,energy_J_std\n"));
  assert_non_null(strstr(csv, "\n0,1,x,3,2,1,1.0000000000000001e-09,0\n"));
  /* Point 3 (a = 2): {2, 3, 4}: mean 3, std 1. */
  assert_non_null(strstr(csv, "\n3,2,x,3,3,1,2.0000000000000001e-09,0\n"));

  /* Interrupt after 5 runs, then after 4 more, then finish. */
  g_calls = 0;
  st = run(ctx, s, dir, 0, 5, AIMC_OK);
  assert_int_equal(st.n_done_now, 5);
  assert_false(st.complete);
  st = run(ctx, s, dir, 0, 4, AIMC_OK);
  assert_int_equal(st.n_done_before, 5);
  assert_int_equal(st.n_done_now, 4);
  /* A stale temporary file from a killed worker is cleaned up. */
  char junk[1024];
  snprintf(junk, sizeof junk, "%s/runs/p00005_s002.json.tmp.99999", dir);
  FILE *f = fopen(junk, "w");
  fputs("{half", f);
  fclose(f);
  st = run(ctx, s, dir, 0, 0, AIMC_OK);
  assert_int_equal(st.n_done_before, 9);
  assert_int_equal(st.n_done_now, 9);
  assert_true(st.complete);
  assert_int_equal(g_calls, 18); /* nothing redone */
  assert_false(test_file_exists(junk));
  char *csv2 = test_read_file(dir, "results.csv"), *json = test_read_file(ref, "results.json"),
       *json2 = test_read_file(dir, "results.json");
  assert_string_equal(csv, csv2); /* nothing lost */
  assert_string_equal(json, json2);
  /* Running again does nothing. */
  st = run(ctx, s, dir, 0, 0, AIMC_OK);
  assert_int_equal(st.n_done_now, 0);
  assert_int_equal(g_calls, 18);

  /* Two forked workers: the same table. */
  st = run(ctx, s, forked, 2, 0, AIMC_OK);
  assert_int_equal(st.n_done_now, 18);
  char *csv3 = test_read_file(forked, "results.csv");
  assert_string_equal(csv, csv3);

  /* Another spec is refused and the directory is left as it was. */
  aimc_sweep_spec *other = grid_spec(ctx, 2);
  run(ctx, other, dir, 0, 0, AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "another sweep spec"));
  char *csv4 = test_read_file(dir, "results.csv");
  assert_string_equal(csv, csv4);
  free(csv);
  free(csv2);
  free(csv3);
  free(csv4);
  free(json);
  free(json2);
  aimc_sweep_spec_free(ctx, other);
  aimc_sweep_spec_free(ctx, s);
  aimc_ctx_free(ctx);
}

static void quiet(void *user, aimc_log_level level, const char *msg) {
  (void)user;
  (void)level;
  (void)msg;
}

static void test_failures(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_ctx_set_log(ctx, quiet, NULL); /* the failures are expected */
  aimc_sweep_spec *s = grid_spec(ctx, 1);
  const char *dir = test_tmpdir("sweep-fail");
  char d[512];
  snprintf(d, sizeof d, "%s", dir);
  g_fail_point = 4;
  aimc_sweep_stats st = run(ctx, s, d, 0, 0, AIMC_EFAIL);
  assert_non_null(
      strstr(aimc_ctx_errmsg(ctx), "point 4 seed 0: deliberate failure"));
  assert_int_equal(st.n_failed, 1);
  assert_int_equal(st.n_done_now, 5);
  assert_false(st.complete);
  /* The same under forked workers: the failure is a worker exit status. */
  char d2[512];
  snprintf(d2, sizeof d2, "%s", test_tmpdir("sweep-fail2"));
  st = run(ctx, s, d2, 2, 0, AIMC_EFAIL);
  assert_int_equal(st.n_failed, 1);
  /* Fixed, the failed run is retried and only it. */
  g_fail_point = -1;
  g_calls = 0;
  st = run(ctx, s, d, 0, 0, AIMC_OK);
  assert_int_equal(g_calls, 1);
  assert_true(st.complete);
  aimc_sweep_spec_free(ctx, s);
  aimc_ctx_free(ctx);
}

static void test_yaml(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_sweep_spec *s;
  const char *text =
      "name: t\n"
      "evaluator: synthetic\n"
      "seeds: 2\n"
      "base: {data: d.yaml, array: {cols: 64}}\n"
      "grid:\n"
      "  array: {rows: [16, 32]}\n"
      "  sigma_g: [0, 5uS, 15uS]\n";
  assert_int_equal(aimc_sweep_spec_parse(ctx, "t.yaml", text, &s), 0);
  assert_int_equal(aimc_sweep_spec_n_points(s), 6);
  assert_int_equal(aimc_sweep_spec_n_seeds(s), 2);
  assert_string_equal(aimc_sweep_spec_evaluator(s), "synthetic");
  assert_string_equal(aimc_sweep_spec_key(s, 0), "array.rows");
  assert_string_equal(aimc_sweep_spec_key(s, 3), "array.cols");
  assert_string_equal(aimc_sweep_spec_value(s, 5, 1), "15uS");
  aimc_sweep_spec_free(ctx, s);

  /* Errors name file:line:col and what is wrong. */
  struct {
    const char *text, *needle;
  } bad[] = {
      {"grid: {rows: [1]}\nbogus: 1\n",
       "t.yaml:2:1: sweep spec: unknown key 'bogus'"},
      {"grid: {rows: 16}\n",
       "t.yaml:1:14: sweep grid: an axis takes a non-empty list"},
      {"base: {a: 1}\n", "give exactly one of grid, list or random"},
      {"seeds: 0\ngrid: {rows: [1]}\n",
       "t.yaml:1:8: sweep spec: 0 is out of range [1, 1000]"},
      {"evaluator: magic\ngrid: {rows: [1]}\n",
       "t.yaml:1:12: sweep spec: evaluator must be"},
      {"random: {rows: [1, 2]}\n", "random needs n"},
      {"list: [{rows: 1}, {bits: 2}]\n", "point 0 lacks 'bits'"},
      {"grid: {rows: {min: 1, max: 9}}\n", "ranges need random mode"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = aimc_sweep_spec_parse(ctx, "t.yaml", bad[i].text, &s);
    assert_int_not_equal(rc, 0);
    assert_null(s);
    if (!strstr(aimc_ctx_errmsg(ctx), bad[i].needle))
      fail_msg("case %zu: '%s' lacks '%s'", i, aimc_ctx_errmsg(ctx),
               bad[i].needle);
  }
  aimc_ctx_free(ctx);
}

static int build_and_expand(aimc_ctx *ctx, void *user) {
  (void)user;
  static const char *const A[] = {"1", "2"};
  static const char *const K[] = {"a"}, *const V[] = {"3"};
  int rc = AIMC_ENOMEM;
  aimc_sweep_spec *s = aimc_sweep_spec_alloc(ctx, "f");
  if (!s) return AIMC_ENOMEM;
  if ((rc = aimc_sweep_spec_set_base(ctx, s, "c", "7"))) goto out;
  if ((rc = aimc_sweep_spec_set_base(ctx, s, "c", "8"))) goto out;
  if ((rc = aimc_sweep_spec_add_axis(ctx, s, "a", 2, A))) goto out;
  if ((rc = aimc_sweep_spec_add_range(ctx, s, "r", "1", "5", 0))) goto out;
  if ((rc = aimc_sweep_spec_add_point(ctx, s, 1, K, V))) goto out;
  aimc_sweep_spec_set_mode(s, AIMC_SWEEP_RANDOM, 4);
  if ((rc = aimc_sweep_spec_expand(ctx, s))) goto out;
  aimc_sweep_spec_set_mode(s, AIMC_SWEEP_LIST, 0);
  rc = aimc_sweep_spec_expand(ctx, s);
out:
  aimc_sweep_spec_free(ctx, s);
  return rc;
}

static int parse_yaml(aimc_ctx *ctx, void *user) {
  (void)user;
  aimc_sweep_spec *s;
  int rc = aimc_sweep_spec_parse(ctx, "f.yaml",
                                 "seeds: 2\nbase: {x: {y: 1}, b: {c: 0}}\n"
                                 "list: [{a: 1, b: {c: 2}}, {a: 2}]\n",
                                 &s);
  aimc_sweep_spec_free(ctx, s);
  return rc;
}

/* A whole sweep (in-process runs, table, manifest) into a fresh directory
 * per attempt: every allocation failure must come back as a status with
 * nothing leaked. */
static int run_sweep(aimc_ctx *ctx, void *user) {
  int *attempt = user;
  char dir[600];
  snprintf(dir, sizeof dir, "%s/%d", test_tmpdir("sweep-fault"), (*attempt)++);
  aimc_ctx_set_log(ctx, quiet, NULL);
  static const char *const A[] = {"1", "2"};
  aimc_sweep_spec *s = aimc_sweep_spec_alloc(ctx, "f");
  if (!s) return AIMC_ENOMEM;
  int rc = aimc_sweep_spec_add_axis(ctx, s, "a", 2, A);
  aimc_sweep_spec_set_seeds(s, 3, 2);
  if (!rc) rc = aimc_sweep_spec_expand(ctx, s);
  aimc_sweep_opts o = {.out_dir = dir, .jobs = 0, .evaluator = &KNOWN};
  aimc_sweep_stats st;
  if (!rc) rc = aimc_sweep_run(ctx, s, &o, &st);
  aimc_sweep_spec_free(ctx, s);
  return rc;
}

static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(build_and_expand, NULL) > 10);
  assert_true(failalloc_sweep(parse_yaml, NULL) > 10);
  int attempt = 0;
  assert_true(failalloc_sweep(run_sweep, &attempt) > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grid_order),
      cmocka_unit_test(test_list_and_random),
      cmocka_unit_test(test_aggregate_and_resume),
      cmocka_unit_test(test_failures),
      cmocka_unit_test(test_yaml),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
