/* The YAML loader and the generic binder: tree access, locations, and one
 * test per error kind with the exact file:line:col message expected. The
 * line:col of each expected message is counted by hand in the YAML text
 * written next to it (1-based, as editors show them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/config.h"
#include "aimc/input.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

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
    {"t_settle", AIMC_PT_TIME, offsetof(demo, t_settle), 10e-9, 0, 1e-3, AIMC_U_SECOND,
     "settle", "test", NULL, NULL},
    {"card", AIMC_PT_STRING, offsetof(demo, card), 0, 0, 0, AIMC_U_NONE, "card", "test", NULL, "taox"},
};

static void test_tree(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_cfg *cfg;
  const char *text =
      "name: tile\n"
      "list: [1, 2, 3]\n"
      "nested:\n"
      "  deep: {a: x}\n"
      "nothing:\n"
      "quoted: ''\n";
  assert_int_equal(aimc_cfg_parse(ctx, "t.yaml", text, &cfg), AIMC_OK);
  assert_string_equal(aimc_cfg_file(cfg), "t.yaml");
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  assert_int_equal(aimc_cfg_type_of(root), AIMC_CFG_MAP);
  assert_int_equal(aimc_cfg_len(root), 5);
  assert_string_equal(aimc_cfg_key_at(root, 1), "list");
  assert_string_equal(aimc_cfg_scalar(aimc_cfg_get(root, "name")), "tile");
  const aimc_cfg_node *list = aimc_cfg_get(root, "list");
  assert_int_equal(aimc_cfg_type_of(list), AIMC_CFG_SEQ);
  assert_int_equal(aimc_cfg_len(list), 3);
  assert_string_equal(aimc_cfg_scalar(aimc_cfg_at(list, 2)), "3");
  assert_null(aimc_cfg_at(list, 3));
  /* "list: [1, 2, 3]": the third item '3' sits at line 2, column 14. */
  aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_at(list, 2));
  assert_int_equal(loc.line, 2);
  assert_int_equal(loc.col, 14);
  assert_string_equal(loc.file, "t.yaml");
  const aimc_cfg_node *deep = aimc_cfg_get(aimc_cfg_get(root, "nested"), "deep");
  assert_string_equal(aimc_cfg_scalar(aimc_cfg_get(deep, "a")), "x");
  /* "  deep: {a: x}": the key 'deep' at 4:3, its value at 4:9. */
  assert_int_equal(aimc_cfg_loc(aimc_cfg_key_node_at(aimc_cfg_get(root, "nested"), 0)).col, 3);
  assert_int_equal(aimc_cfg_loc(deep).col, 9);
  assert_int_equal(aimc_cfg_type_of(aimc_cfg_get(root, "nothing")), AIMC_CFG_NULL);
  assert_null(aimc_cfg_scalar(aimc_cfg_get(root, "nothing")));
  /* A quoted empty string is a string, not null. */
  assert_string_equal(aimc_cfg_scalar(aimc_cfg_get(root, "quoted")), "");
  assert_null(aimc_cfg_get(root, "absent"));
  aimc_cfg_free(cfg);

  assert_int_equal(aimc_cfg_parse(ctx, "empty.yaml", "", &cfg), AIMC_OK);
  assert_int_equal(aimc_cfg_type_of(aimc_cfg_root(cfg)), AIMC_CFG_NULL);
  aimc_cfg_free(cfg);
  aimc_cfg_free(NULL);
  aimc_ctx_free(ctx);
}

static void test_bind(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_cfg *cfg;
  demo d;
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &d);
  const char *text =
      "g_min: 15uS\nbits: 6\nenabled: off\nmode: fast\nt_settle: 2.5ns\n"
      "card: configs/devices/taox.yaml\nnote: ignored\n";
  assert_int_equal(aimc_cfg_parse(ctx, "b.yaml", text, &cfg), AIMC_OK);
  const char *const ignore[] = {"note", NULL};
  assert_int_equal(aimc_cfg_bind(ctx, aimc_cfg_root(cfg), TABLE, AIMC_NPARAMS(TABLE),
                                 &d, "dev", ignore),
                   AIMC_OK);
  assert_near(d.g_min, 15e-6, 1e-18);
  assert_int_equal(d.bits, 6);
  assert_int_equal(d.enabled, 0);
  assert_int_equal(d.mode, 0);
  assert_true(d.t_settle == 2500 * AIMC_PS);
  assert_string_equal(d.card, "configs/devices/taox.yaml");
  aimc_cfg_free(cfg);
  aimc_ctx_free(ctx);
}

/* Parses `text` as "e.yaml" and binds its root as section "dev"; the
 * whole message must equal `expected` (NULL: only a location prefix
 * "e.yaml:<line>:" is required). */
static void expect_error(const char *text, int status, const char *expected) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_cfg *cfg = NULL;
  demo d;
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &d);
  int rc = aimc_cfg_parse(ctx, "e.yaml", text, &cfg);
  if (rc == AIMC_OK) {
    rc = aimc_cfg_bind(ctx, aimc_cfg_root(cfg), TABLE, AIMC_NPARAMS(TABLE), &d, "dev", NULL);
    aimc_cfg_free(cfg);
  }
  const char *msg = aimc_ctx_errmsg(ctx);
  int ok = expected ? !strcmp(msg, expected)
                    : !strncmp(msg, "e.yaml:", 7) && msg[7] >= '1' && msg[7] <= '9';
  if (rc != status || !ok)
    fail_msg("status %d (want %d)\n got: %s\nwant: %s", rc, status,
             aimc_ctx_errmsg(ctx), expected);
  aimc_ctx_free(ctx);
}

static void test_errors(void **state) {
  (void)state;
  /* Unknown key 'bitz' at the start of line 2. */
  expect_error("bits: 3\nbitz: 4\n", AIMC_EINVAL,
               "e.yaml:2:1: dev: unknown key 'bitz' (valid keys: g_min, bits, "
               "enabled, mode, t_settle, card)");
  /* A mapping where a number is expected: the value starts at 1:8. */
  expect_error("g_min: {a: 1}\n", AIMC_EINVAL,
               "e.yaml:1:8: dev: g_min expects a number, got a mapping");
  expect_error("bits:\n  - 1\n", AIMC_EINVAL,
               "e.yaml:2:3: dev: bits expects an integer, got a sequence");
  expect_error("bits:\n", AIMC_EINVAL,
               "e.yaml:1:6: dev: bits expects an integer, got nothing (null)");
  /* Unit mismatch: a time for a conductance, value at 2:8. */
  expect_error("bits: 3\ng_min: 10ns\n", AIMC_EUNIT,
               "e.yaml:2:8: dev: g_min: unit mismatch: '10ns' is a time (s), "
               "expected a conductance in S");
  /* Out of range: message shows the range with its unit. */
  expect_error("g_min: 2mS\n", AIMC_ERANGE,
               "e.yaml:1:8: dev: g_min = 2mS is out of range [0S, 1mS]");
  expect_error("bits: 9\n", AIMC_ERANGE, "e.yaml:1:7: dev: bits = 9 is out of range [1, 8]");
  expect_error("mode: medium\n", AIMC_ERANGE,
               "e.yaml:1:7: dev: mode: 'medium' is not one of: fast, slow");
  expect_error("- 1\n", AIMC_EINVAL, "e.yaml:1:1: dev: expected a mapping, got a sequence");
  /* Duplicate key. */
  expect_error("bits: 3\nbits: 4\n", AIMC_EPARSE,
               "e.yaml:2:1: duplicate key 'bits' (first defined at line 1)");
  /* Syntax error: an unclosed flow sequence; libyaml reports it where the
   * stream ends (line 2, column 1) in the context of the '[' at line 1. */
  expect_error("bits: [1, 2\n", AIMC_EPARSE,
               "e.yaml:2:1: YAML syntax error: did not find expected ',' or ']' "
               "while parsing a flow sequence started at line 1");
  /* A tab is not indentation in YAML. */
  expect_error("a:\n\tb: 1\n", AIMC_EPARSE,
               "e.yaml:2:1: YAML syntax error: found character that cannot start "
               "any token while scanning for the next token started at line 2");
  /* An anchor whose own content refers to it: the root map is at 1:1. */
  expect_error("a: &x [*x]\n", AIMC_EPARSE,
               "e.yaml:1:1: recursive YAML alias (a node contains itself)");
}

static void test_file_errors(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_cfg *cfg = (aimc_cfg *)1;
  assert_int_equal(aimc_cfg_load(ctx, "/nonexistent/x.yaml", &cfg), AIMC_ENOTFOUND);
  assert_null(cfg);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "/nonexistent/x.yaml"));
  const char *dir = test_tmpdir("cfg");
  char *path = test_write_file(dir, "ok.yaml", "rows: 4\n");
  assert_int_equal(aimc_cfg_load(ctx, path, &cfg), AIMC_OK);
  aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_get(aimc_cfg_root(cfg), "rows"));
  assert_string_equal(loc.file, path);
  aimc_cfg_free(cfg);
  free(path);
  aimc_ctx_free(ctx);
}

static void expect_load(aimc_ctx *ctx, const char *path, int status, const char *want) {
  aimc_cfg *cfg = (aimc_cfg *)1;
  int rc = aimc_cfg_load(ctx, path, &cfg);
  if (rc != status || strcmp(aimc_ctx_errmsg(ctx), want))
    fail_msg("%s: status %d (want %d)\n got: %s\nwant: %s", path, rc, status,
             aimc_ctx_errmsg(ctx), want);
  assert_null(cfg);
}

/* One rule for input files (issue #14): what is not a readable regular
 * file of sane size is an input problem (exit code 2) naming the path. */
static void test_input_rules(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("cfg-input");
  char want[512];
  snprintf(want, sizeof want, "%s: is a directory, not a file", dir);
  expect_load(ctx, dir, AIMC_EINVAL, want);
  expect_load(ctx, "/dev/zero", AIMC_EINVAL, "/dev/zero: is a device, not a regular file");
  expect_load(ctx, "", AIMC_ENOTFOUND, "'': empty file name");
  char *two = test_write_file(dir, "two.yaml", "a: 1\n---\nb: 2\n");
  snprintf(want, sizeof want,
           "%s:2:1: a second YAML document: a file holds one document (remove the '---' or "
           "split the file)", two);
  expect_load(ctx, two, AIMC_EPARSE, want);
  /* An empty second document (a trailing ---) holds nothing: fine. */
  char *trail = test_write_file(dir, "trail.yaml", "a: 1\n---\n");
  aimc_cfg *cfg;
  assert_int_equal(aimc_cfg_load(ctx, trail, &cfg), AIMC_OK);
  aimc_cfg_free(cfg);
  char *nul = test_write_file(dir, "nul.yaml", "a: 1\nbb: x");
  FILE *f = fopen(nul, "ab");
  fputc('\0', f);
  fclose(f);
  snprintf(want, sizeof want, "%s:2:6: a NUL byte: this is not a YAML text file (binary data?)",
           nul);
  expect_load(ctx, nul, AIMC_EPARSE, want);
  /* The cap: a file over max_bytes is refused before it is read. */
  char *data = NULL;
  assert_int_equal(aimc_input_read(ctx, trail, NULL, 4, &data, NULL), AIMC_EINVAL);
  snprintf(want, sizeof want, "%s: is 9 bytes, more than the 4 bytes an input may have", trail);
  assert_string_equal(aimc_ctx_errmsg(ctx), want);
  assert_null(data);
  size_t size;
  assert_int_equal(aimc_input_read(ctx, trail, NULL, 9, &data, &size), AIMC_OK);
  assert_int_equal(size, 9);
  assert_string_equal(data, "a: 1\n---\n");
  aimc_free(ctx, data);
  /* Located: the place that named the file prefixes the message. */
  aimc_srcloc from = {"n.yaml", 3, 7};
  assert_int_equal(aimc_input_check(ctx, "/nonexistent/c.yaml", &from), AIMC_ENOTFOUND);
  assert_string_equal(aimc_ctx_errmsg(ctx),
                      "n.yaml:3:7: /nonexistent/c.yaml: cannot open: No such file or directory");
  free(two);
  free(trail);
  free(nul);
  aimc_ctx_free(ctx);
}

/* Duplicate keys in a map big enough to be hashed, and in a small one. */
static void test_duplicate_keys(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char text[4096];
  size_t used = 0;
  for (int k = 0; k < 100; k++) used += (size_t)snprintf(text + used, sizeof text - used, "k%d: 1\n", k);
  snprintf(text + used, sizeof text - used, "k42: 2\n");
  aimc_cfg *cfg;
  assert_int_equal(aimc_cfg_parse(ctx, "big.yaml", text, &cfg), AIMC_EPARSE);
  assert_string_equal(aimc_ctx_errmsg(ctx),
                      "big.yaml:101:1: duplicate key 'k42' (first defined at line 43)");
  assert_int_equal(aimc_cfg_parse(ctx, "s.yaml", "a: 1\nb: 2\na: 3\n", &cfg), AIMC_EPARSE);
  assert_string_equal(aimc_ctx_errmsg(ctx), "s.yaml:3:1: duplicate key 'a' (first defined at line 1)");
  aimc_ctx_free(ctx);
}

static int load_and_bind(aimc_ctx *ctx, void *user) {
  (void)user;
  aimc_cfg *cfg;
  demo d;
  aimc_params_defaults(TABLE, AIMC_NPARAMS(TABLE), &d);
  int rc = aimc_cfg_parse(ctx, "f.yaml", "bits: 3\nlist: [a, b, {c: d}]\nmode: slow\n", &cfg);
  if (rc) return rc;
  const char *const ignore[] = {"list", NULL};
  rc = aimc_cfg_bind(ctx, aimc_cfg_root(cfg), TABLE, AIMC_NPARAMS(TABLE), &d, "f", ignore);
  aimc_cfg_free(cfg);
  return rc;
}

static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(load_and_bind, NULL) > 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tree),
      cmocka_unit_test(test_bind),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_file_errors),
      cmocka_unit_test(test_input_rules),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
