/* Bounded work on hostile netlists (issue #14): elaboration is linear in
 * the design (checked by the loader's own step count, never wall time),
 * parameters that expand each other many times cost linear work, and the
 * depth of ${...} nesting is capped with a located message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/netlist.h"
#include "aimc/status.h"

/* Loads text and returns the loader's step count (fails the test on error). */
static size_t work_of(const char *text) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  size_t work = 0;
  aimc_netlist_opts o = {NULL, 0, NULL, &work};
  int rc = aimc_netlist_parse(ctx, "n.yaml", text, &o, &d);
  if (rc) fail_msg("load failed: %s", aimc_ctx_errmsg(ctx));
  aimc_design_free(ctx, d);
  aimc_ctx_free(ctx);
  return work;
}

/* N sources and N probes wired pairwise by a repeated net (names checked
 * for duplicates, endpoints looked up by name: quadratic before). */
static size_t pairs(long n) {
  char text[512];
  snprintf(text, sizeof text,
           "instances:\n"
           "  s: {model: source, count: %ld, params: {values: \"1\"}}\n"
           "  p: {model: probe, count: %ld}\n"
           "nets:\n"
           "  x: {count: %ld, connect: [\"s${i}.out\", \"p${i}.in\"]}\n",
           n, n, n);
  return work_of(text);
}

/* One source fanned out to N probes through a wildcard endpoint, plus N
 * explicitly named subcircuit-free nets: the wildcard scans one bucket. */
static size_t fanout(long n) {
  char text[512];
  snprintf(text, sizeof text,
           "instances:\n"
           "  s: {model: source, params: {values: \"1\"}}\n"
           "  q: {model: probe, count: %ld}\n"
           "  p: {model: probe, count: %ld}\n"
           "nets:\n"
           "  x: [s.out, p*.in]\n"
           "  y: {count: %ld, external: true, connect: [\"q${i}.in\"]}\n",
           n, n, n);
  return work_of(text);
}

/* Linear: 4x the design costs about 4x the steps (a quadratic loader
 * would take 16x). The bound 5x leaves room for hash-table growth. */
static void test_linear(void **state) {
  (void)state;
  size_t a = pairs(1000), b = pairs(4000);
  if (b > 5 * a) fail_msg("pairs: %zu steps for 1000, %zu for 4000", a, b);
  a = fanout(1000), b = fanout(4000);
  if (b > 5 * a) fail_msg("fanout: %zu steps for 1000, %zu for 4000", a, b);
}

/* p0 = ${p1}${p1}, p1 = ${p2}${p2}, ... : 2^27 substitutions if each name
 * is expanded every time it is used; memoized, a few per level. */
static void test_doubling_params(void **state) {
  (void)state;
  char text[4096];
  size_t used = (size_t)snprintf(text, sizeof text, "params:\n");
  for (int k = 0; k < 27; k++)
    used += (size_t)snprintf(text + used, sizeof text - used, "  p%d: '${p%d}${p%d}'\n", k,
                             k + 1, k + 1);
  snprintf(text + used, sizeof text - used,
           "  p27: ''\n"
           "instances:\n"
           "  s: {model: source, params: {values: \"1${p0}\"}}\n"
           "  p: {model: probe}\n"
           "nets:\n"
           "  x: [s.out, p.in]\n");
  size_t w = work_of(text);
  if (w > 2000) fail_msg("%zu steps for 28 chained parameters", w);
}

static void expect(const char *text, int status, const char *fragment) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_design *d = NULL;
  int rc = aimc_netlist_parse(ctx, "n.yaml", text, NULL, &d);
  const char *msg = aimc_ctx_errmsg(ctx);
  if (rc != status || !strstr(msg, fragment))
    fail_msg("status %d (want %d): %s\nwant: %s", rc, status, msg, fragment);
  aimc_ctx_free(ctx);
}

static void test_nesting(void **state) {
  (void)state;
  char text[1024], expr[300];
  memset(expr, '(', 100);
  snprintf(expr + 100, sizeof expr - 100, "1");
  for (int k = 0; k < 100; k++) strcat(expr, ")");
  snprintf(text, sizeof text,
           "instances:\n"
           "  s: {model: source, params: {n: \"${%s}\", values: \"1\"}}\n"
           "  p: {model: probe}\n"
           "nets:\n"
           "  x: [s.out, p.in]\n",
           expr);
  expect(text, AIMC_EPARSE, "n.yaml:2:34: ${((((");
  expect(text, AIMC_EPARSE, "nested deeper than 64 parentheses");
  /* 64 levels are fine. */
  memset(expr, '(', 64);
  snprintf(expr + 64, sizeof expr - 64, "1");
  for (int k = 0; k < 64; k++) strcat(expr, ")");
  snprintf(text, sizeof text,
           "instances:\n"
           "  s: {model: source, params: {n: \"${%s}\", values: \"1\"}}\n"
           "  p: {model: probe}\n"
           "nets:\n"
           "  x: [s.out, p.in]\n",
           expr);
  work_of(text);
  /* A cycle is still found by the depth limit. */
  expect("params: {a: '${b}', b: '${a}'}\n"
         "instances:\n"
         "  s: {model: source, params: {n: \"${a}\", values: \"1\"}}\n"
         "  p: {model: probe}\n"
         "nets:\n"
         "  x: [s.out, p.in]\n",
         AIMC_EINVAL, "n.yaml:3:34: parameters refer to each other in a cycle");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear),
      cmocka_unit_test(test_doubling_params),
      cmocka_unit_test(test_nesting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
