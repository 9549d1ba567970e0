/* The generic parameter binder: defaults, types, units, ranges, messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/param.h"
#include "testutil.h"
#include "aimc/status.h"

typedef struct {
  double g_min;
  int bits;
  int enabled;
  int mode;
  aimc_time t_settle;
  char card[AIMC_PARAM_STRLEN];
} demo;

static const char *const MODES[] = {"fast", "slow", NULL};
static const aimc_param TABLE[] = {
    {"g_min", AIMC_PT_REAL, offsetof(demo, g_min), 5e-6, 0, 1e-3, AIMC_U_SIEMENS,
     "lowest conductance", "test", NULL, NULL},
    {"bits", AIMC_PT_INT, offsetof(demo, bits), 4, 1, 8, AIMC_U_NONE, "bits", "test", NULL, NULL},
    {"enabled", AIMC_PT_BOOL, offsetof(demo, enabled), 1, 0, 1, AIMC_U_NONE, "on", "test", NULL, NULL},
    {"mode", AIMC_PT_ENUM, offsetof(demo, mode), 1, 0, 1, AIMC_U_NONE, "mode", "test", MODES, NULL},
    {"t_settle", AIMC_PT_TIME, offsetof(demo, t_settle), 10e-9, 0, 1e-3, AIMC_U_SECOND, "settle", "test", NULL, NULL},
    {"card", AIMC_PT_STRING, offsetof(demo, card), 0, 0, 0, AIMC_U_NONE, "card", "test", NULL, "taox"},
};

static void test_defaults_and_set(void **state) {
  (void)state;
  demo d;
  char err[256];
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &d);
  assert_near(d.g_min, 5e-6, 0);
  assert_int_equal(d.bits, 4);
  assert_int_equal(d.mode, 1);
  assert_true(d.t_settle == 10 * AIMC_NS);
  assert_string_equal(d.card, "taox");
  assert_int_equal(aimc_params_check(TABLE, AIMC_NPARAMS(TABLE), &d, err, sizeof err), 0);
  const aimc_param *p = aimc_params_find(TABLE, AIMC_NPARAMS(TABLE), "g_min");
  assert_int_equal(aimc_param_set(p, &d, "10uS", err, sizeof err), 0);
  assert_near(d.g_min, 10e-6, 1e-20);
  assert_int_equal(aimc_param_set(&TABLE[2], &d, "off", err, sizeof err), 0);
  assert_int_equal(d.enabled, 0);
  assert_int_equal(aimc_param_set(&TABLE[3], &d, "fast", err, sizeof err), 0);
  assert_int_equal(d.mode, 0);
  assert_int_equal(aimc_param_set(&TABLE[4], &d, "2.5ns", err, sizeof err), 0);
  assert_true(d.t_settle == 2500 * AIMC_PS);
  assert_null(aimc_params_find(TABLE, AIMC_NPARAMS(TABLE), "nope"));
}

static void expect(int idx, const char *text, int status, const char *needle) {
  demo d;
  char err[256] = "";
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &d);
  assert_int_equal(aimc_param_set(&TABLE[idx], &d, text, err, sizeof err), status);
  if (!strstr(err, needle)) fail_msg("'%s' -> '%s' lacks '%s'", text, err, needle);
}

static void test_errors(void **state) {
  (void)state;
  expect(0, "2mS", AIMC_ERANGE, "g_min = 2mS is out of range [0S, 1mS]");
  expect(0, "10ns", AIMC_EUNIT, "g_min: unit mismatch");
  expect(1, "9", AIMC_ERANGE, "bits = 9 is out of range [1, 8]");
  expect(1, "0", AIMC_ERANGE, "[1, 8]");
  expect(1, "4.5", AIMC_EPARSE, "not an integer");
  expect(2, "maybe", AIMC_EPARSE, "not a boolean");
  expect(3, "medium", AIMC_ERANGE, "fast, slow");
  expect(4, "-1ns", AIMC_ERANGE, "negative");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_set),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
