/* aimc_report_write on hand-made inputs: a one-run aimc.run/1 file, a
 * four-point sweep table whose Pareto front is known, and bad files. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#include "aimc/fileio.h"
#include "aimc/report.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

static void test_run_json(void **state) {
  (void)state;
  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-run"));
  /* IMSSA's 2-bit hardware accuracy and round energies, by hand. */
  char *path = test_write_file(
      dir, "run.json",
      "{\"schema\": \"aimc.run/1\", \"accuracy\": 0.8169,"
      " \"energy_J\": {\"dac\": 1e-9, \"array\": 2e-9, \"adc\": 3e-9, "
      "\"total\": 6e-9},"
      " \"latency\": {\"seq_s\": 2.5e-6}, \"mapping\": {\"arrays\": 4}}");
  char out[600];
  snprintf(out, sizeof out, "%s/rep", dir);
  aimc_report_opts o = {.out_dir = out, .title = "one run"};
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  assert_int_equal(aimc_report_write(ctx, path, &o), 0);
  char *html = test_read_file(out, "report.html");
  assert_non_null(strstr(html, "<title>one run</title>"));
  assert_non_null(strstr(html, "81.69 %")); /* 0.8169 as a percentage */
  assert_non_null(strstr(html, "6nJ"));     /* total energy, formatted */
  assert_non_null(strstr(html, "2.5us"));   /* latency */
  /* One run: the energy figure only (one bar), and notes for the rest. */
  assert_int_equal(strstr(html, "data:image/svg+xml") != NULL, 1);
  free(html);
  free(path);
  aimc_ctx_free(ctx);
}

static void test_sweep_pareto(void **state) {
  (void)state;
  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-sweep"));
  /* Four points (energy nJ, accuracy): A (1, .80), B (2, .90), C (3, .85),
   * D (4, .95). By hand: C is beaten by B (cheaper and more accurate); the
   * front is A, B, D: 3 of 4 points. */
  char *path = test_write_file(dir, "results.json",
                               "{\"name\": \"hand\", \"varied\": [\"rows\", "
                               "\"sigma_g\", \"bits\"], \"points\": ["
                               "{\"settings\": {\"rows\": \"16\", \"sigma_g\": "
                               "\"0\", \"bits\": \"2\"}, \"n_seeds\": 2,"
                               " \"mean\": {\"energy_J\": 1e-9, \"accuracy\": "
                               "0.80, \"e_adc_J\": 1e-9, \"latency_s\": 1e-6},"
                               " \"std\": {\"accuracy\": 0.01}},"
                               "{\"settings\": {\"rows\": \"16\", \"sigma_g\": "
                               "\"5uS\", \"bits\": \"2\"}, \"n_seeds\": 2,"
                               " \"mean\": {\"energy_J\": 2e-9, \"accuracy\": "
                               "0.90, \"e_adc_J\": 2e-9, \"latency_s\": 1e-6},"
                               " \"std\": {\"accuracy\": 0.01}},"
                               "{\"settings\": {\"rows\": \"32\", \"sigma_g\": "
                               "\"0\", \"bits\": \"5\"}, \"n_seeds\": 2,"
                               " \"mean\": {\"energy_J\": 3e-9, \"accuracy\": "
                               "0.85, \"e_adc_J\": 3e-9, \"latency_s\": 2e-6},"
                               " \"std\": {\"accuracy\": 0.01}},"
                               "{\"settings\": {\"rows\": \"32\", \"sigma_g\": "
                               "\"5uS\", \"bits\": \"5\"}, \"n_seeds\": 2,"
                               " \"mean\": {\"energy_J\": 4e-9, \"accuracy\": "
                               "0.95, \"e_adc_J\": 4e-9, \"latency_s\": 2e-6},"
                               " \"std\": {\"accuracy\": 0.01}}]}");
  char out[600];
  snprintf(out, sizeof out, "%s/rep", dir);
  aimc_report_opts o = {.out_dir = out};
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  assert_int_equal(aimc_report_write(ctx, dir, &o), 0);
  char *html = test_read_file(out, "report.html");
  assert_non_null(strstr(html, "the Pareto front: 3 of 4 points"));
  assert_non_null(strstr(html, "<title>hand</title>"));
  /* Headline: the most accurate point, #3. */
  assert_non_null(strstr(
      html, "most accurate point (#3: rows = 32, sigma_g = 5uS, bits = 5)"));
  free(html);
  char png[700];
  snprintf(png, sizeof png, "%s/fig_pareto.png", out);
  assert_true(test_file_exists(png));

  /* Bad inputs: named, nothing written. */
  char *bad = test_write_file(dir, "bad.json", "{\"points\": 3}");
  assert_int_equal(aimc_report_write(ctx, bad, &o), AIMC_EFORMAT);
  assert_non_null(
      strstr(aimc_ctx_errmsg(ctx), "bad.json: not a sweep results.json"));
  char *other = test_write_file(dir, "other.json", "{\"hello\": 1}");
  assert_int_equal(aimc_report_write(ctx, other, &o), AIMC_EFORMAT);
  snprintf(png, sizeof png, "%s/nope.json", dir);
  assert_int_equal(aimc_report_write(ctx, png, &o), AIMC_ENOTFOUND);
  free(bad);
  free(other);
  free(path);
  aimc_ctx_free(ctx);
}

/* Every allocation failure of a report comes back as a status, no leak. */
static int write_report(aimc_ctx *ctx, void *user) {
  const char *results = user;
  char out[700];
  snprintf(out, sizeof out, "%s.out", results);
  aimc_report_opts o = {.out_dir = out};
  return aimc_report_write(ctx, results, &o);
}

static void test_fault_injection(void **state) {
  (void)state;
  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmpdir("report-fault"));
  /* One run with a small breakdown and two instances: two figures and a
   * table, so the many attempts stay quick; the sweep paths share the
   * same code. */
  char *path = test_write_file(
      dir, "run.json",
      "{\"schema\": \"aimc.run/1\", \"accuracy\": 0.9,"
      " \"energy_J\": {\"dac\": 1e-9, \"adc\": 3e-9, \"total\": 4e-9,"
      " \"per_instance\": {\"t0.dac\": 1e-9, \"t0.adc\": 3e-9}}}");
  assert_true(failalloc_sweep(write_report, path) > 10);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_json),
      cmocka_unit_test(test_sweep_pareto),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
