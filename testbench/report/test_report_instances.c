/* The report's "Energy per instance" section: shares of a hand-made
 * energy_J.per_instance, the cap on the number of bars, and runs without
 * the object (older results) or with a bad one. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#include "aimc/report.h"
#include "aimc/status.h"
#include "testutil.h"

/* A run file with `instances` ("\"name\": J, ...") as its per_instance. */
static char *run_file(const char *dir, const char *instances, double total_J) {
  size_t len = strlen(instances) + 256;
  char *text = malloc(len);
  snprintf(text, len,
           "{\"schema\": \"aimc.run/1\", \"accuracy\": 0.9, \"energy_J\": "
           "{\"total\": %.17g, \"per_instance\": {%s}}}",
           total_J, instances);
  char *path = test_write_file(dir, "results.json", text);
  free(text);
  return path;
}

/* n_tiles tiles "t<k>" with the given parts (pJ), then periphery and
 * buffer, as per_instance entries. */
static char *tiles(size_t n_tiles, const double part_pJ[6], double periph_pJ,
                   double buffer_pJ) {
  static const char *const PART[6] = {".dac", ".xbar", ".tia",
                                      ".adc", ".hold", ""};
  size_t len = n_tiles * 6 * 48 + 128, used = 0;
  char *s = malloc(len);
  for (size_t k = 0; k < n_tiles; k++)
    for (int p = 0; p < 6; p++)
      used += (size_t)snprintf(s + used, len - used, "\"t%zu%s\": %g, ", k,
                               PART[p], part_pJ[p] * 1e-12);
  snprintf(s + used, len - used, "\"periphery\": %g, \"buffer\": %g",
           periph_pJ * 1e-12, buffer_pJ * 1e-12);
  return s;
}

static char *report(const char *results, const char *out) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_report_opts o = {.out_dir = out};
  assert_int_equal(aimc_report_write(ctx, results, &o), AIMC_OK);
  aimc_ctx_free(ctx);
  return test_read_file(out, "report.html");
}

/* Sum and count of the table's share cells. */
static double shares(const char *html, int *rows) {
  double sum = 0;
  *rows = 0;
  for (const char *p = html; (p = strstr(p, "<td class=\"share\">")); p++) {
    sum += strtod(p + strlen("<td class=\"share\">"), NULL);
    (*rows)++;
  }
  return sum;
}

/* The table row of instance `name` names class `cls`. */
static void expect_class(const char *html, const char *name, const char *cls) {
  char row[160];
  snprintf(row, sizeof row, "\">%s</td><td>%s</td>", name, cls);
  if (!strstr(html, row)) fail_msg("no row %s", row);
}

static void test_shares(void **state) {
  (void)state;
  char dir[512], out[600], file[700];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-instances"));
  snprintf(out, sizeof out, "%s/rep", dir);
  /* Four tiles of dac 1, xbar 2, tia 1, adc 4, hold 0.5, static 0.5 pJ
   * (9 pJ each), periphery 10, buffer 4: 36 + 14 = 50 pJ in 26 instances. */
  const double part[6] = {1, 2, 1, 4, 0.5, 0.5};
  char *inst = tiles(4, part, 10, 4);
  char *path = run_file(dir, inst, 50e-12);
  char *html = report(path, out);
  assert_non_null(strstr(html, "<h2>Energy per instance</h2>"));
  assert_non_null(strstr(html, "The 26 instances add up to 50pJ."));
  /* The sum equals the run's total: no note about it. */
  assert_null(strstr(html, "the run's total"));
  /* By hand, largest first: periphery 10/50 = 20 %, then the four adc and
   * the buffer (4 pJ, 8 % each, file order breaking the tie: t0.adc
   * first), the four xbar (4 %), five of the eight 1 pJ instances (2 %):
   * 15 rows; the other 11 (three 1 pJ, eight 0.5 pJ) 7 pJ = 14 %. */
  assert_non_null(strstr(html,
                         "<td>1</td><td class=\"name\">periphery</td>"
                         "<td>digital</td><td>10pJ</td>"
                         "<td class=\"share\">20.00 %</td>"));
  assert_non_null(strstr(html, "<td>2</td><td class=\"name\">t0.adc</td>"
                               "<td>adc</td>"));
  assert_non_null(strstr(html, "the other 11 instances</td><td></td>"
                               "<td>7pJ</td><td class=\"share\">14.00 %"));
  int rows;
  double sum = shares(html, &rows);
  assert_int_equal(rows, 16); /* 15 instances and the rest */
  /* Each share is printed to 0.005 %, so the sum is within 16 * 0.005. */
  assert_near(sum, 100.0, 16 * 0.005);
  free(html);

  /* Classes from the names: only t0's static power is named "t0". */
  char *one = run_file(dir,
                       "\"t0.hold\": 1e-12, \"t0\": 2e-12, \"t0.xbar\": "
                       "3e-12, \"t0.mux\": 4e-12, \"periphery\": 5e-12",
                       15e-12);
  html = report(one, out);
  const char *classes[][2] = {
      {"t0.hold", "register"}, {"t0", "static"}, {"t0.xbar", "array"}, {"t0.mux", "other"}};
  for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
    expect_class(html, classes[i][0], classes[i][1]);
  /* 5 instances, no rest row: 5 + 1 + 2 + 3 + 4 = 15, shares 100 %. */
  sum = shares(html, &rows);
  assert_int_equal(rows, 5);
  assert_near(sum, 100.0, 5 * 0.005);
  free(html);

  /* The periphery's instances (aimc run names them by role) are digital,
   * drawn together in one bar. */
  char *periph = run_file(dir,
                          "\"t0.adc\": 3e-12, \"encoder\": 1e-12, \"l0_gelu\": 1e-12, "
                          "\"l12_norm\": 1e-12, \"mean\": 1e-12, \"decoder\": 2e-12",
                          9e-12);
  html = report(periph, out);
  const char *digital[] = {"encoder", "l0_gelu", "l12_norm", "mean", "decoder"};
  for (size_t i = 0; i < sizeof digital / sizeof *digital; i++)
    expect_class(html, digital[i], "digital");
  free(html);
  free(periph);

  snprintf(file, sizeof file, "%s/fig_instances.svg", out);
  assert_true(test_file_exists(file));
  snprintf(file, sizeof file, "%s/fig_instances.png", out);
  assert_true(test_file_exists(file));
  free(one);
  free(path);
  free(inst);
}

static void test_cap(void **state) {
  (void)state;
  char dir[512], out[600];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-instances-cap"));
  snprintf(out, sizeof out, "%s/rep", dir);
  /* 50 tiles of 6 pJ (300 pJ) with periphery and buffer: 52 bars. At most
   * 40: periphery, buffer and the bar of the tiles summed leave 37. */
  const double part[6] = {1, 1, 1, 1, 1, 1};
  char *inst = tiles(50, part, 10, 10);
  /* The total says 400 pJ, the instances 320 pJ: the caption notes it. */
  char *path = run_file(dir, inst, 400e-12);
  char *html = report(path, out);
  assert_non_null(strstr(html, "The 37 most costly of 50 tiles are drawn; "
                               "the other 13 are summed in one bar."));
  assert_non_null(strstr(html, "The 302 instances add up to 320pJ (the "
                               "run's total is 400pJ)."));
  free(html);
  free(path);
  free(inst);
}

static void test_without(void **state) {
  (void)state;
  char dir[512], out[600], file[700];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-instances-none"));
  snprintf(out, sizeof out, "%s/rep", dir);
  /* An older run: no per_instance. The report has the rest, not this. */
  char *path = test_write_file(
      dir, "results.json",
      "{\"schema\": \"aimc.run/1\", \"accuracy\": 0.9,"
      " \"energy_J\": {\"adc\": 3e-9, \"total\": 3e-9}}");
  char *html = report(path, out);
  assert_non_null(strstr(html, "<h2>Energy per inference by component</h2>"));
  assert_null(strstr(html, "Energy per instance"));
  snprintf(file, sizeof file, "%s/fig_instances.svg", out);
  assert_false(test_file_exists(file));
  free(html);

  /* Bad objects: named, nothing written. */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_report_opts o = {.out_dir = out};
  char *bad = run_file(dir, "\"t0.adc\": \"lots\"", 1e-9);
  assert_int_equal(aimc_report_write(ctx, bad, &o), AIMC_EFORMAT);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx),
                         "energy_J.per_instance \"t0.adc\" is not a number"));
  free(bad);
  bad = test_write_file(dir, "array.json",
                        "{\"schema\": \"aimc.run/1\", \"energy_J\": "
                        "{\"total\": 1, \"per_instance\": [1, 2]}}");
  assert_int_equal(aimc_report_write(ctx, bad, &o), AIMC_EFORMAT);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx),
                         "array.json: energy_J.per_instance is not an object"));
  free(bad);
  aimc_ctx_free(ctx);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shares),
      cmocka_unit_test(test_cap),
      cmocka_unit_test(test_without),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
