/* The generic parameter binder: defaults, types, units, ranges, messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
  uint64_t seed;
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
    {"seed", AIMC_PT_SEED, offsetof(demo, seed), 1, 0, 0, AIMC_U_NONE, "seed", "test", NULL, NULL},
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
  expect(6, "18446744073709551616", AIMC_ERANGE,
         "seed takes a decimal integer in [0, 2^64), not '18446744073709551616' (2^64 or more)");
  expect(6, "-1", AIMC_EPARSE, "not '-1' (not a decimal integer)");
  expect(6, "0x10", AIMC_EPARSE, "(not a decimal integer)");
  expect(6, "1e3", AIMC_EPARSE, "(not a decimal integer)");
  expect(6, "", AIMC_EPARSE, "not ''");
}

/* Seeds keep all 64 bits: a seed above 2^53 (where a double rounds) and one
 * above 2^63 (where a signed long saturates) survive set, format, copy and
 * compare exactly, and two seeds one apart stay apart. */
static void test_seed_64_bits(void **state) {
  (void)state;
  demo a, b;
  char err[256], buf[32];
  const aimc_param *p = aimc_params_find(TABLE, AIMC_NPARAMS(TABLE), "seed");
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &a);
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &b);
  assert_true(a.seed == 1);
  assert_int_equal(aimc_param_set(p, &a, "18446744073709551615", err, sizeof err), 0);
  assert_true(a.seed == UINT64_MAX);
  assert_string_equal(aimc_param_format(p, &a, buf, sizeof buf), "18446744073709551615");
  assert_int_equal(aimc_param_set(p, &b, "18446744073709551614", err, sizeof err), 0);
  assert_false(aimc_param_equal(p, &a, &b));
  assert_int_equal(aimc_param_set(p, &a, "9007199254740993", err, sizeof err), 0); /* 2^53 + 1 */
  assert_true(a.seed == 9007199254740993ull);
  assert_int_equal(aimc_param_copy(p, &b, p, &a), 0);
  assert_true(b.seed == 9007199254740993ull);
  assert_true(aimc_param_equal(p, &a, &b));
  assert_int_equal(aimc_param_set(p, &a, "0", err, sizeof err), 0);
  assert_true(a.seed == 0);
  /* The range check of numeric rows passes over a seed. */
  assert_int_equal(aimc_params_check(TABLE, AIMC_NPARAMS(TABLE), &a, err, sizeof err), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_set),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_seed_64_bits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
