/* VCD writer: an exact small dump, a large dump parsed back (scopes, unique
 * codes, increasing times, final values), errors, and fault injection. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/vcd.h"
#include "failalloc.h"
#include "testutil.h"

/* Runs fill(vcd) on a dump written through an atomic file, returns the
 * file's text (malloc'd). */
static char *dump(int (*fill)(aimc_ctx *, aimc_vcd *)) {
  const char *dir = test_tmpdir("vcd");
  char path[600];
  snprintf(path, sizeof path, "%s/t.vcd", dir);
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_atomic_file *f;
  aimc_vcd *vcd;
  assert_int_equal(aimc_atomic_open(ctx, path, &f), AIMC_OK);
  assert_int_equal(aimc_vcd_alloc(ctx, aimc_atomic_stream(f), &vcd), AIMC_OK);
  assert_int_equal(fill(ctx, vcd), AIMC_OK);
  aimc_vcd_free(vcd);
  assert_int_equal(aimc_atomic_commit(ctx, f), AIMC_OK);
  aimc_ctx_free(ctx);
  return test_read_file(dir, "t.vcd");
}

static int fill_small(aimc_ctx *ctx, aimc_vcd *vcd) {
  (void)ctx;
  int busy, count, v, x, lone;
  int st = aimc_vcd_wire(vcd, "top.a.busy", 1, &busy);
  if (!st) st = aimc_vcd_wire(vcd, "top.a.count", 8, &count);
  if (!st) st = aimc_vcd_real(vcd, "top.b.v", &v);
  if (!st) st = aimc_vcd_real(vcd, "top.x", &x);
  if (!st) st = aimc_vcd_wire(vcd, "lone", 4, &lone);
  if (!st) st = aimc_vcd_begin(vcd);
  if (!st) st = aimc_vcd_set_wire(vcd, busy, 10, 1);
  if (!st) st = aimc_vcd_set_wire(vcd, count, 10, 5);
  if (!st) st = aimc_vcd_set_real(vcd, v, 20, 0.125);
  if (!st) st = aimc_vcd_set_wire(vcd, count, 30, 5); /* same value */
  if (!st) st = aimc_vcd_set_wire(vcd, busy, 40, 0);
  if (!st) st = aimc_vcd_set_real(vcd, x, 40, 0.1);
  if (!st) st = aimc_vcd_set_wire(vcd, lone, 40, 15);
  if (!st) st = aimc_vcd_set_real(vcd, x, 50, 0.1 + 0.2);
  if (!st) st = aimc_vcd_end(vcd, 100);
  return st;
}

/* The expected text, written by hand from IEEE 1364-2005 18.2: codes are
 * given in declaration order ('!' busy, '"' count, '#' v, '$' x, '%' lone);
 * declarations come sorted by path ("lone" < "top.a.*" < "top.b.v" <
 * "top.x"); every variable starts at 0 under $dumpvars at #0; scalars are
 * written "1!", vectors "b101 \"" (no leading zeros), reals "r0.125 #".
 * The write of count = 5 at 30 fs repeats its value: no "#30" at all.
 * 0.1 + 0.2 is not 0.3 in binary: it needs 17 digits to read back. */
static const char small_vcd[] =
    "$version aimc " AIMC_VERSION
    " $end\n"
    "$timescale 1 fs $end\n"
    "$var wire 4 % lone $end\n"
    "$scope module top $end\n"
    "$scope module a $end\n"
    "$var wire 1 ! busy $end\n"
    "$var wire 8 \" count $end\n"
    "$upscope $end\n"
    "$scope module b $end\n"
    "$var real 64 # v $end\n"
    "$upscope $end\n"
    "$var real 64 $ x $end\n"
    "$upscope $end\n"
    "$enddefinitions $end\n"
    "#0\n$dumpvars\n0!\nb0 \"\nr0 #\nr0 $\nb0 %\n$end\n"
    "#10\n1!\nb101 \"\n"
    "#20\nr0.125 #\n"
    "#40\n0!\nr0.1 $\nb1111 %\n"
    "#50\nr0.30000000000000004 $\n"
    "#100\n";

static void test_small_exact(void **state) {
  (void)state;
  char *text = dump(fill_small);
  assert_string_equal(text, small_vcd);
  free(text);
}

/* --- a large dump, parsed back ---------------------------------------- */

enum { N_VARS = 300, N_CHANGES = 5000 };

typedef struct {
  char path[64];
  int width, is_real;
  uint64_t bits; /* last value (a real's bit pattern) */
} var_model;

/* Variable k: one of 7 x 3 nested scopes, every third a real, the wires
 * 1..64 bits wide. 300 variables need two-character codes. */
static void describe(int k, var_model *m) {
  snprintf(m->path, sizeof m->path, "s%d.sub%d.v%d", k % 7, k % 3, k);
  m->is_real = k % 3 == 0;
  m->width = m->is_real ? 64 : 1 + k % 64;
  m->bits = 0;
}

static var_model expect[N_VARS];
static long expect_changes;

/* Random changes at non-decreasing times (fixed-seed LCG); the model keeps
 * what the file must end with and how many changes it must hold. */
static int fill_large(aimc_ctx *ctx, aimc_vcd *vcd) {
  (void)ctx;
  int st = AIMC_OK;
  for (int k = 0; k < N_VARS && !st; k++) {
    int id;
    describe(k, &expect[k]);
    st = expect[k].is_real
             ? aimc_vcd_real(vcd, expect[k].path, &id)
             : aimc_vcd_wire(vcd, expect[k].path, expect[k].width, &id);
    if (!st && id != k) return AIMC_EFAIL;
  }
  if (!st) st = aimc_vcd_begin(vcd);
  uint64_t lcg = 12345;
  aimc_time t = 0;
  expect_changes = 0;
  for (int i = 0; i < N_CHANGES && !st; i++) {
    lcg = lcg * 6364136223846793005u + 1442695040888963407u;
    int k = (int)(lcg >> 33) % N_VARS;
    t += (lcg >> 20) % 4 == 0 ? (aimc_time)(lcg >> 40) % 1000 : 0;
    var_model *m = &expect[k];
    /* Few distinct values, so that many writes repeat the current one. */
    uint64_t small = (lcg >> 50) % 3;
    uint64_t bits = small;
    if (m->is_real) {
      double x = (double)small / 3 - 0.5;
      memcpy(&bits, &x, sizeof bits);
      st = aimc_vcd_set_real(vcd, k, t, x);
    } else {
      bits &= m->width == 64 ? ~0ull : (1ull << m->width) - 1;
      st = aimc_vcd_set_wire(vcd, k, t, bits);
    }
    expect_changes += bits != m->bits;
    m->bits = bits;
  }
  return st;
}

/* Code -> variable index, as the file declares it. */
typedef struct {
  char code[8];
  int index;
} code_entry;

static int find_code(const code_entry *codes, int n, const char *code) {
  for (int i = 0; i < n; i++)
    if (!strcmp(codes[i].code, code)) return codes[i].index;
  fail_msg("undeclared code '%s'", code);
  return -1;
}

static void test_large_parse_back(void **state) {
  (void)state;
  char *text = dump(fill_large);
  code_entry codes[N_VARS];
  uint64_t seen[N_VARS] = {0};
  char scope[16][64];
  int depth = 0, n_codes = 0, defs_done = 0, dumpvars = 0;
  long changes = 0;
  aimc_time last_t = -1;
  char *save = NULL;
  for (char *tok = strtok_r(text, " \n", &save); tok;
       tok = strtok_r(NULL, " \n", &save)) {
    if (!defs_done) {
      if (!strcmp(tok, "$scope")) {
        assert_string_equal(strtok_r(NULL, " \n", &save), "module");
        snprintf(scope[depth++], 64, "%s", strtok_r(NULL, " \n", &save));
      } else if (!strcmp(tok, "$upscope")) {
        assert_true(depth-- > 0);
      } else if (!strcmp(tok, "$var")) {
        const char *type = strtok_r(NULL, " \n", &save);
        int width = atoi(strtok_r(NULL, " \n", &save));
        const char *code = strtok_r(NULL, " \n", &save);
        const char *name = strtok_r(NULL, " \n", &save);
        /* The name sits in the scopes open around it. */
        assert_int_equal(depth, 2);
        char path[200];
        snprintf(path, sizeof path, "%s.%s.%s", scope[0], scope[1], name);
        int k = atoi(name + 1);
        assert_string_equal(path, expect[k].path);
        assert_string_equal(type, expect[k].is_real ? "real" : "wire");
        assert_int_equal(width, expect[k].width);
        for (int i = 0; i < n_codes; i++)
          assert_string_not_equal(codes[i].code, code);
        assert_true(strlen(code) <= 2);
        snprintf(codes[n_codes].code, 8, "%s", code);
        codes[n_codes++].index = k;
      } else if (!strcmp(tok, "$enddefinitions")) {
        assert_int_equal(depth, 0);
        defs_done = 1;
      }
      continue;
    }
    if (!strcmp(tok, "$end")) {
      dumpvars = 0;
    } else if (!strcmp(tok, "$dumpvars")) {
      dumpvars = 1;
    } else if (tok[0] == '#') {
      aimc_time t = strtoll(tok + 1, NULL, 10);
      assert_true(t > last_t); /* each time once, increasing */
      last_t = t;
    } else {
      const char *code = tok[0] == 'b' || tok[0] == 'r'
                             ? strtok_r(NULL, " \n", &save)
                             : tok + 1;
      int k = find_code(codes, n_codes, code);
      uint64_t bits;
      if (tok[0] == 'r') {
        double x = strtod(tok + 1, NULL);
        memcpy(&bits, &x, sizeof bits);
      } else {
        bits = tok[0] == 'b' ? strtoull(tok + 1, NULL, 2)
                             : (uint64_t)(tok[0] == '1');
      }
      changes += !dumpvars;
      seen[k] = bits;
    }
  }
  assert_int_equal(n_codes, N_VARS);
  assert_int_equal(changes, expect_changes);
  for (int k = 0; k < N_VARS; k++) assert_true(seen[k] == expect[k].bits);
  free(text);
}

/* --- errors ------------------------------------------------------------ */

static void expect_error(aimc_ctx *ctx, int st, int want, const char *words) {
  assert_int_equal(st, want);
  if (!strstr(aimc_ctx_errmsg(ctx), words))
    fail_msg("message '%s' does not say '%s'", aimc_ctx_errmsg(ctx), words);
}

static void test_errors(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  FILE *out = fopen("/dev/null", "w");
  aimc_vcd *vcd;
  int a, b, x;
  assert_int_equal(aimc_vcd_alloc(ctx, out, &vcd), AIMC_OK);
  expect_error(ctx, aimc_vcd_wire(vcd, "w", 0, &a), AIMC_ERANGE, "width 0");
  expect_error(ctx, aimc_vcd_wire(vcd, "w", 65, &a), AIMC_ERANGE, "width 65");
  expect_error(ctx, aimc_vcd_wire(vcd, "", 1, &a), AIMC_EINVAL, "''");
  expect_error(ctx, aimc_vcd_wire(vcd, "a..b", 1, &a), AIMC_EINVAL, "a..b");
  expect_error(ctx, aimc_vcd_real(vcd, ".a", &a), AIMC_EINVAL, ".a");
  expect_error(ctx, aimc_vcd_real(vcd, "a.", &a), AIMC_EINVAL, "a.");
  assert_int_equal(aimc_vcd_wire(vcd, "top.a", 2, &a), AIMC_OK);
  assert_int_equal(aimc_vcd_wire(vcd, "top.b", 64, &b), AIMC_OK);
  assert_int_equal(aimc_vcd_real(vcd, "top.x", &x), AIMC_OK);
  expect_error(ctx, aimc_vcd_set_wire(vcd, a, 0, 1), AIMC_ESTATE, "before");
  expect_error(ctx, aimc_vcd_end(vcd, 0), AIMC_ESTATE, "before");
  assert_int_equal(aimc_vcd_begin(vcd), AIMC_OK);
  expect_error(ctx, aimc_vcd_begin(vcd), AIMC_ESTATE, "twice");
  expect_error(ctx, aimc_vcd_wire(vcd, "late", 1, &a), AIMC_ESTATE, "late");
  expect_error(ctx, aimc_vcd_set_wire(vcd, a, 5, 4), AIMC_ERANGE, "2-bit");
  assert_int_equal(aimc_vcd_set_wire(vcd, b, 5, UINT64_MAX), AIMC_OK);
  expect_error(ctx, aimc_vcd_set_real(vcd, a, 5, 1.0), AIMC_EINVAL,
               "top.a is a wire");
  expect_error(ctx, aimc_vcd_set_wire(vcd, x, 5, 1), AIMC_EINVAL,
               "top.x is a real");
  expect_error(ctx, aimc_vcd_set_wire(vcd, 3, 5, 1), AIMC_EINVAL,
               "no VCD variable 3");
  expect_error(ctx, aimc_vcd_set_wire(vcd, -1, 5, 1), AIMC_EINVAL,
               "no VCD variable -1");
  /* A write of the same value at 9 fs is not written but still sets the
   * time: going back to 7 fs is an error. */
  assert_int_equal(aimc_vcd_set_wire(vcd, b, 9, UINT64_MAX), AIMC_OK);
  expect_error(ctx, aimc_vcd_set_real(vcd, x, 7, 1.0), AIMC_EINVAL,
               "7 fs of top.x is before 9 fs");
  expect_error(ctx, aimc_vcd_end(vcd, 8), AIMC_EINVAL, "8 fs");
  assert_int_equal(aimc_vcd_end(vcd, 9), AIMC_OK);
  aimc_vcd_free(vcd);
  aimc_vcd_free(NULL);

  /* Two names that sanitize to one are the same variable. */
  assert_int_equal(aimc_vcd_alloc(ctx, out, &vcd), AIMC_OK);
  assert_int_equal(aimc_vcd_wire(vcd, "u.a b", 1, &a), AIMC_OK);
  assert_int_equal(aimc_vcd_real(vcd, "u.a_b", &b), AIMC_OK);
  expect_error(ctx, aimc_vcd_begin(vcd), AIMC_EINVAL, "'u.a_b' declared twice");
  aimc_vcd_free(vcd);
  fclose(out);
  aimc_ctx_free(ctx);
}

static int fill_sanitized(aimc_ctx *ctx, aimc_vcd *vcd) {
  (void)ctx;
  int id;
  int st = aimc_vcd_wire(vcd, "layer 0.adc[3].$end", 1, &id);
  if (!st) st = aimc_vcd_real(vcd, "layer 0.i/o", &id);
  if (!st) st = aimc_vcd_begin(vcd);
  return st;
}

/* Spaces, brackets, '$' and '/' become '_'; dots still make scopes. */
static void test_sanitized_names(void **state) {
  (void)state;
  char *text = dump(fill_sanitized);
  const char *decls = strstr(text, "$scope");
  assert_non_null(decls);
  const char want[] =
      "$scope module layer_0 $end\n"
      "$scope module adc_3_ $end\n"
      "$var wire 1 ! _end $end\n"
      "$upscope $end\n"
      "$var real 64 \" i_o $end\n"
      "$upscope $end\n"
      "$enddefinitions $end\n";
  assert_memory_equal(decls, want, sizeof want - 1);
  free(text);
}

/* --- fault injection --------------------------------------------------- */

static int session(aimc_ctx *ctx, void *user) {
  (void)user;
  FILE *out = fopen("/dev/null", "w");
  aimc_vcd *vcd = NULL;
  int st = aimc_vcd_alloc(ctx, out, &vcd);
  /* 40 variables: the table grows twice (16, 32, 64). */
  for (int k = 0; k < 40 && !st; k++) {
    char name[32];
    int id;
    snprintf(name, sizeof name, "s%d.v%d", k % 4, k);
    st = k % 2 ? aimc_vcd_real(vcd, name, &id)
               : aimc_vcd_wire(vcd, name, 8, &id);
  }
  if (!st) st = aimc_vcd_begin(vcd);
  if (!st) st = aimc_vcd_set_wire(vcd, 0, 3, 7);
  if (!st) st = aimc_vcd_set_real(vcd, 1, 4, 2.5);
  aimc_vcd_free(vcd);
  fclose(out);
  return st;
}

static void test_fault_injection(void **state) {
  (void)state;
  /* writer + 3 table sizes + 40 names + the sort index = 45 allocations
   * (and the context's own), so the sweep runs more than 45 times. */
  assert_true(failalloc_sweep(session, NULL) > 45);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_exact),
      cmocka_unit_test(test_large_parse_back),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_sanitized_names),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
