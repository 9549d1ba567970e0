/* The mapper's targets reader (aimc_map_load_array_targets) and the arch's
 * device card check: a targets CSV must hold rows x cols conductances in
 * the arch's window, errors name file:line:col and leave the mapping as
 * it was; a named device_card must exist (file:line:col from the arch,
 * or the --set). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/map.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "testutil.h"

enum { R = 16, C = 16 };

typedef struct {
  aimc_ctx *ctx;
  aimc_s4d_model *mdl;
  aimc_mapping *m;
  const char *dir;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->ctx = aimc_ctx_alloc(1);
  f->mdl = fixture_model(f->ctx, 1, 2, 1, 2, 1, AIMC_MIX_LINEAR, 4, 0, 1);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = R;
  a.cols = C;
  if (aimc_map_model(f->ctx, f->mdl, &a, &f->m)) return 1;
  f->dir = test_tmpdir("targets");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  aimc_mapping_free(f->ctx, f->m);
  aimc_s4d_model_free(f->ctx, f->mdl);
  aimc_ctx_free(f->ctx);
  free(f);
  return 0;
}

/* R lines of C values "2e-05" with cell (row, col) replaced by `cell`
 * (row -1: none), then `tail` appended. */
static char *csv(int row, int col, const char *cell, const char *tail) {
  size_t cap = (size_t)R * C * 32 + 256;
  char *s = malloc(cap), *p = s;
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++)
      p += sprintf(p, "%s%c", r == row && c == col ? cell : "2e-05",
                   c + 1 == C ? '\n' : ',');
  strcpy(p, tail);
  return s;
}

/* Loads text as array 0's targets: status, message (file and needle). */
static void load(fixture *f, char *text, int want, const char *needle) {
  char *path = test_write_file(f->dir, "array0.csv", text);
  free(text);
  double before = f->m->arrays[0].g_target_S[0];
  int st = aimc_map_load_array_targets(f->ctx, f->m, 0, path);
  if (st != want)
    fail_msg("status %d (want %d): %s", st, want, aimc_ctx_errmsg(f->ctx));
  if (want) {
    const char *msg = aimc_ctx_errmsg(f->ctx);
    if (!strstr(msg, needle) || !strstr(msg, path))
      fail_msg("message '%s' lacks '%s'", msg, needle);
    assert_true(f->m->arrays[0].g_target_S[0] == before); /* untouched */
  }
  free(path);
}

static void test_good_targets_load(void **state) {
  fixture *f = *state;
  load(f, csv(3, 4, "7.5e-05", ""), AIMC_OK, NULL);
  assert_near(f->m->arrays[0].g_target_S[3 * C + 4], 7.5e-05, 0);
  assert_near(f->m->arrays[0].g_target_S[0], 2e-05, 0);
  /* Comments, blank lines, spaces and CRLF are fine. */
  char *t = csv(-1, 0, "", "");
  char *u = malloc(strlen(t) + 64);
  sprintf(u, "# hand edit\n\n%s", t);
  free(t);
  load(f, u, AIMC_OK, NULL);
  load(f, csv(0, 0, " 5e-06 ", ""), AIMC_OK, NULL);
  load(f, csv(0, C - 1, "5e-06\r", ""), AIMC_OK, NULL);
}

static void test_values(void **state) {
  fixture *f = *state;
  /* Row 2, col 0: line 3, column 1. Row 0 col 1: column 7 ("2e-05,"). */
  load(f, csv(2, 0, "nan", ""), AIMC_EPARSE, "array0.csv:3:1: value 1 of the row is not a number");
  load(f, csv(0, 1, "inf", ""), AIMC_EPARSE, "array0.csv:1:7: value 2");
  load(f, csv(0, 0, "1e999", ""), AIMC_EPARSE, ":1:1:");
  load(f, csv(0, 0, "abc", ""), AIMC_EPARSE, "not a number");
  load(f, csv(0, 0, "", ""), AIMC_EPARSE, ":1:1:");
  load(f, csv(4, 0, "-1e-06", ""), AIMC_ERANGE,
       "array0.csv:5:1: target -1e-06 S outside the conductance window [5e-06, 0.0001] S");
  load(f, csv(0, 0, "0", ""), AIMC_ERANGE, "target 0 S outside");
  load(f, csv(0, 0, "1e300", ""), AIMC_ERANGE, "target 1e+300 S outside");
  load(f, csv(0, 0, "0.000101", ""), AIMC_ERANGE, "target 0.000101 S outside");
  load(f, csv(0, 0, "5e-6x", ""), AIMC_EPARSE, "unexpected 'x' after value 1");
}

static void test_shape(void **state) {
  fixture *f = *state;
  load(f, csv(1, C - 1, "2e-05,2e-05", ""), AIMC_ESHAPE,
       "array0.csv:2:");
  load(f, csv(1, C - 1, "2e-05,2e-05", ""), AIMC_ESHAPE,
       "more than cols = 16 values in the row");
  load(f, csv(-1, 0, "", "2e-05\n"), AIMC_ESHAPE, "array0.csv:17:1: more than rows = 16 rows");
  load(f, calloc(1, 1), AIMC_ESHAPE, "0 rows of targets, expected rows = 16");
  /* A row one value short: line 1 ends after 15 values. */
  char *t = csv(-1, 0, "", "");
  char *cut = strchr(t, '\n') - 6; /* drop ",2e-05" */
  memmove(cut, cut + 6, strlen(cut + 6) + 1);
  load(f, t, AIMC_ESHAPE, "15 values in the row, expected cols = 16");
  char *path = test_write_file(f->dir, "other.csv", "");
  remove(path);
  assert_int_equal(aimc_map_load_array_targets(f->ctx, f->m, 0, path),
                   AIMC_ENOTFOUND);
  assert_non_null(strstr(aimc_ctx_errmsg(f->ctx), "other.csv"));
  free(path);
}

static void test_device_card(void **state) {
  fixture *f = *state;
  aimc_arch a;
  aimc_arch_defaults(&a);
  char *path = test_write_file(f->dir, "a.yaml",
                               "array:\n  rows: 64\n  device_card: nope/card.yaml\n");
  assert_int_equal(aimc_arch_load(f->ctx, path, &a), AIMC_ENOTFOUND);
  const char *msg = aimc_ctx_errmsg(f->ctx);
  if (!strstr(msg, "a.yaml:3:16: array.device_card: cannot open 'nope/card.yaml'"))
    fail_msg("message: %s", msg);
  free(path);
  /* An arch edited after loading (map --set). The tests run in the
   * source tree, where the example cards live. */
  aimc_arch_defaults(&a);
  assert_int_equal(aimc_arch_check(f->ctx, "--set", &a), AIMC_OK);
  snprintf(a.device_card, sizeof a.device_card, "missing.yaml");
  assert_int_equal(aimc_arch_check(f->ctx, "--set", &a), AIMC_ENOTFOUND);
  assert_non_null(strstr(aimc_ctx_errmsg(f->ctx), "--set: array.device_card: cannot open 'missing.yaml'"));
  snprintf(a.device_card, sizeof a.device_card, "configs/devices/pulse_default.yaml");
  assert_int_equal(aimc_arch_check(f->ctx, "--set", &a), AIMC_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_targets_load),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_shape),
      cmocka_unit_test(test_device_card),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
