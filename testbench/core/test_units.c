/* SI-unit parsing and printing: known values are the SI definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/status.h"
#include "aimc/units.h"
#include "testutil.h"

static double parse_ok(const char *t, aimc_unit u) {
  double v = -1;
  char err[200] = "";
  int rc = aimc_unit_parse(t, u, &v, err, sizeof err);
  if (rc) fail_msg("'%s': %s", t, err);
  return v;
}

static void test_parse_values(void **state) {
  (void)state;
  assert_near(parse_ok("15uS", AIMC_U_SIEMENS), 15e-6, 1e-20);
  assert_near(parse_ok("15 \xC2\xB5S", AIMC_U_SIEMENS), 15e-6, 1e-20);
  assert_near(parse_ok("10ns", AIMC_U_SECOND), 10e-9, 1e-22);
  assert_near(parse_ok("1.2pJ", AIMC_U_JOULE), 1.2e-12, 1e-25);
  assert_near(parse_ok("0.8V", AIMC_U_VOLT), 0.8, 1e-15);
  assert_near(parse_ok("100kOhm", AIMC_U_OHM), 1e5, 1e-9);
  assert_near(parse_ok("2.5e-3", AIMC_U_AMPERE), 2.5e-3, 1e-18);
  assert_near(parse_ok("10n", AIMC_U_SECOND), 10e-9, 1e-22);
  assert_near(parse_ok("-0.2V", AIMC_U_VOLT), -0.2, 1e-15);
  assert_near(parse_ok("5m", AIMC_U_METER), 5, 1e-15);
  assert_near(parse_ok("1GHz", AIMC_U_HERTZ), 1e9, 1e-3);
  assert_near(parse_ok("42", AIMC_U_NONE), 42, 0);
}

static void expect_error(const char *t, aimc_unit u, int status, const char *needle) {
  double v;
  char err[200] = "";
  assert_int_equal(aimc_unit_parse(t, u, &v, err, sizeof err), status);
  if (!strstr(err, needle)) fail_msg("message for '%s' lacks '%s': %s", t, needle, err);
}

static void test_parse_errors(void **state) {
  (void)state;
  expect_error("10 parsecs", AIMC_U_SECOND, AIMC_EUNIT, "parsecs");
  expect_error("10uS", AIMC_U_SECOND, AIMC_EUNIT, "conductance");
  expect_error("1e400ns", AIMC_U_SECOND, AIMC_ERANGE, "1e400ns");
  expect_error("abc", AIMC_U_VOLT, AIMC_EPARSE, "abc");
  expect_error("", AIMC_U_VOLT, AIMC_EPARSE, "not a number");
  expect_error("nan", AIMC_U_VOLT, AIMC_EPARSE, "nan");
  expect_error("inf", AIMC_U_VOLT, AIMC_EPARSE, "inf");
  expect_error("5 V V", AIMC_U_VOLT, AIMC_EUNIT, "5 V V");
}

/* Strict numbers (issue #14): decimals only, never a silent 0. */
static void test_strict(void **state) {
  (void)state;
  expect_error("0x10ns", AIMC_U_SECOND, AIMC_EPARSE, "hexadecimal");
  expect_error("-0X1p3", AIMC_U_VOLT, AIMC_EPARSE, "hexadecimal");
  expect_error("+inf", AIMC_U_VOLT, AIMC_EPARSE, "not a number");
  expect_error("-nan", AIMC_U_VOLT, AIMC_EPARSE, "not a number");
  expect_error("1e-400V", AIMC_U_VOLT, AIMC_ERANGE, "too small");
  expect_error("1e400", AIMC_U_NONE, AIMC_ERANGE, "out of the range");
  expect_error(".", AIMC_U_NONE, AIMC_EPARSE, "not a number");
  expect_error("1e", AIMC_U_NONE, AIMC_EUNIT, "unknown unit 'e'");
  /* Correctly rounded: the same double as the C literal. */
  assert_true(parse_ok("15uS", AIMC_U_SIEMENS) == 15e-6);
  assert_true(parse_ok("1.2pJ", AIMC_U_JOULE) == 1.2e-12);
  assert_true(parse_ok("0.1", AIMC_U_NONE) == 0.1);
  assert_true(parse_ok("123456789012345678901234567890123456789012345e-40", AIMC_U_NONE) ==
              123456789012345678901234567890123456789012345e-40);
  assert_true(parse_ok("0.000000000000000000000000000000000000000000000000001", AIMC_U_NONE) ==
              1e-51);
  assert_true(parse_ok("4.9406564584124654e-324", AIMC_U_NONE) > 0); /* smallest denormal */
  double v;
  const char *end;
  assert_int_equal(aimc_decimal_parse("-1.5e-3, 2", &v, &end), AIMC_OK);
  assert_true(v == -1.5e-3);
  assert_string_equal(end, ", 2");
  assert_int_equal(aimc_decimal_parse("nan", &v, &end), AIMC_EPARSE);
  assert_int_equal(aimc_decimal_parse("0x1", &v, &end), AIMC_OK); /* reads "0", stops at x */
  assert_string_equal(end, "x1");
  assert_int_equal(aimc_decimal_parse("1e999", &v, &end), AIMC_ERANGE);

  aimc_time t;
  char err[200] = "";
  assert_int_equal(aimc_time_parse("0.1fs", &t, err, sizeof err), AIMC_ERANGE);
  assert_non_null(strstr(err, "below the 1 fs resolution"));
  assert_int_equal(aimc_time_parse("0.4fs", &t, err, sizeof err), AIMC_ERANGE);
  assert_int_equal(aimc_time_parse("0.5fs", &t, err, sizeof err), AIMC_OK);
  assert_int_equal(t, 1);
  assert_int_equal(aimc_time_parse("1.5fs", &t, err, sizeof err), AIMC_OK);
  assert_int_equal(t, 2);
  assert_int_equal(aimc_time_parse("0s", &t, err, sizeof err), AIMC_OK);
  assert_int_equal(t, 0);
  assert_int_equal(aimc_time_parse("0.000e5ns", &t, err, sizeof err), AIMC_OK);
  assert_int_equal(t, 0);
  /* Exact to the last femtosecond of the int64 range, no long double. */
  assert_int_equal(aimc_time_parse("9223.372036854775807s", &t, err, sizeof err), AIMC_OK);
  assert_true(t == AIMC_TIME_MAX);
  assert_int_equal(aimc_time_parse("9223.372036854775808s", &t, err, sizeof err), AIMC_ERANGE);
  assert_int_equal(aimc_time_parse("0.1234567890123456789us", &t, err, sizeof err), AIMC_OK);
  assert_int_equal(t, 123456789); /* 123456789.0123... fs */
  assert_int_equal(aimc_time_parse("1e-400s", &t, err, sizeof err), AIMC_ERANGE);
  assert_int_equal(aimc_time_parse("1e30s", &t, err, sizeof err), AIMC_ERANGE);
  assert_int_equal(aimc_time_parse("0x10ns", &t, err, sizeof err), AIMC_EPARSE);
}

static void test_time(void **state) {
  (void)state;
  aimc_time t;
  char err[200];
  assert_int_equal(aimc_time_parse("10ns", &t, err, sizeof err), 0);
  assert_true(t == 10 * AIMC_NS);
  assert_int_equal(aimc_time_parse("1.5us", &t, err, sizeof err), 0);
  assert_true(t == 1500 * AIMC_NS);
  assert_int_equal(aimc_time_parse("1fs", &t, err, sizeof err), 0);
  assert_true(t == 1);
  assert_int_equal(aimc_time_parse("9000s", &t, err, sizeof err), 0);
  assert_true(t == 9000 * AIMC_SEC);
  assert_int_equal(aimc_time_parse("-1ns", &t, err, sizeof err), AIMC_ERANGE);
  assert_non_null(strstr(err, "negative"));
  assert_int_equal(aimc_time_parse("10000s", &t, err, sizeof err), AIMC_ERANGE);
  assert_int_equal(aimc_time_parse("10 parsecs", &t, err, sizeof err), AIMC_EUNIT);
}

static void test_format(void **state) {
  (void)state;
  char b[64];
  assert_string_equal(aimc_time_format(1500 * AIMC_NS, b, sizeof b), "1.5us");
  assert_string_equal(aimc_time_format(10 * AIMC_NS, b, sizeof b), "10ns");
  assert_string_equal(aimc_time_format(0, b, sizeof b), "0fs");
  assert_string_equal(aimc_time_format(1234567, b, sizeof b), "1.234567ns");
  assert_string_equal(aimc_unit_format(15e-6, AIMC_U_SIEMENS, b, sizeof b), "15uS");
  assert_string_equal(aimc_unit_format(1.2e-12, AIMC_U_JOULE, b, sizeof b), "1.2pJ");
  assert_string_equal(aimc_unit_format(0.8, AIMC_U_VOLT, b, sizeof b), "800mV");
  /* Round trip: format then parse gives the value back to 4 digits. */
  double v = parse_ok(aimc_unit_format(3.3e-9, AIMC_U_JOULE, b, sizeof b), AIMC_U_JOULE);
  assert_near(v, 3.3e-9, 1e-21);
  aimc_time t;
  assert_int_equal(aimc_time_parse(aimc_time_format(123456789, b, sizeof b), &t, NULL, 0), 0);
  assert_true(t == 123456789);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_values),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_time),
      cmocka_unit_test(test_strict),
      cmocka_unit_test(test_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
