/* The crossbar's sparse read (aimc/xbar_read.h) against a dense read of
 * the same rectangle: bit-identical when the structural weights are 0
 * (and the pairs visited are those holding values), within n * 1e-9 of
 * the column's largest weight when they follow the first-order IR-drop
 * closed form up to a realistic second order,
 * explicit where a structural device is stuck; lanes equal lone reads;
 * the read noise has the dense variance. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/context.h"
#include "aimc/lanes.h"
#include "aimc/status.h"
#include "aimc/xbar_read.h"

/* An IMSSA single-form block of M modes: rows [x (2M); u; u_prev],
 * columns [x (2M); y]. */
enum { M = 6, NI = 2 * M + 2, NO = 2 * M + 1, STRIDE = 16, LN = 11 };

typedef struct {
  double w[NO * NI], gain[NI];
  float nv[NO * NI];
  unsigned char is_value[NO * NI];
  double x[NI * STRIDE];
} block;

static double uni(unsigned *s) { return (double)(*s = *s * 1103515245u + 12345u) / 4294967296.0; }

/* A block from seed s (the plans of one layer: one shape, other weights). */
static void make_seeded(block *b, double structural_c, double second_order, unsigned s) {
  memset(b, 0, sizeof *b);
  for (int i = 0; i < NI; i++) b->gain[i] = 0.5 + uni(&s);
  for (int j = 0; j < NO; j++)
    for (int i = 0; i < NI; i++) {
      int value = j < 2 * M ? (i / 2 == j / 2 || i == 2 * M) /* A pair, B */
                            : (i < 2 * M || i == 2 * M + 1); /* C, D (u_prev) */
      double *w = &b->w[j * NI + i];
      b->is_value[j * NI + i] = (unsigned char)value;
      *w = value ? uni(&s) - 0.5
                 : structural_c * b->gain[i] * (1 + second_order * (uni(&s) - 0.5));
      b->nv[j * NI + i] = (float)(value ? 0.1 * uni(&s) : 1e-3 * b->gain[i] * b->gain[i]);
    }
  for (int e = 0; e < NI * STRIDE; e++) b->x[e] = uni(&s) * 2 - 1;
}

static void make(block *b, double structural_c, double second_order) {
  make_seeded(b, structural_c, second_order, 7);
}

/* The dense read of lane k, rows in pairs. */
static double dense(const block *b, int j, int k, size_t bp) {
  double acc = 0;
  for (int i = 0; i < NI; i += 2)
    acc += b->w[j * NI + i] * b->x[i * bp + k] + b->w[j * NI + i + 1] * b->x[(i + 1) * bp + k];
  return acc;
}

static aimc_xbar_plan *plan(aimc_ctx *ctx, const block *b, int noise) {
  aimc_xbar_read_src src = {NI, NO, NI, b->w, noise ? b->nv : NULL, b->is_value, b->gain};
  aimc_xbar_plan *p = NULL;
  assert_int_equal(aimc_xbar_plan_build(ctx, &src, &p), 0);
  return p;
}

typedef struct {
  aimc_xs128p rng[STRIDE];
  uint64_t bits[STRIDE];
  double z[STRIDE], scratch[4096], out[NO * STRIDE];
} lanes_ws;

static void read(const aimc_xbar_plan *p, const double *x, double rel, int n, size_t stride,
                 lanes_ws *ws, uint64_t seed0, double *var_out) {
  for (int k = 0; k < n; k++) aimc_xs128p_seed(&ws->rng[k], seed0 + (uint64_t)k);
  aimc_lanes l = {n, stride, ws->rng, ws->bits, ws->z};
  assert_true(aimc_xbar_read_scratch(p, stride) <= 4096);
  aimc_xbar_read(p, x, rel, ws->out, var_out, &l, ws->scratch);
}

static void test_exact_and_sparse(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  static block b;
  make(&b, 0, 0);
  aimc_xbar_plan *p = plan(ctx, &b, 0);
  /* Pairs holding a value: 2 per state column (A pair, B's u row), M + 1
   * for y (the C pairs and the (u, u_prev) pair). */
  assert_int_equal(aimc_xbar_plan_pairs(p), (size_t)(2 * 2 * M + M + 1));
  assert_int_equal(aimc_xbar_plan_dense_pairs(p), (size_t)NO * (NI / 2));
  static lanes_ws ws;
  read(p, b.x, 0, LN, STRIDE, &ws, 1, NULL);
  for (int j = 0; j < NO; j++)
    for (int k = 0; k < LN; k++) assert_true(ws.out[j * STRIDE + k] == dense(&b, j, k, STRIDE));
  aimc_xbar_plan_free(ctx, p);
  aimc_ctx_free(ctx);
}

static void test_closed_form(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  static block b;
  make(&b, -3e-7, 1e-3); /* g_min^2 R / span, second order ~1e-3 of it */
  b.w[3 * NI + 9] = 0.4;  /* a stuck structural device */
  aimc_xbar_plan *p = plan(ctx, &b, 0);
  /* The stuck pair is explicit; a few structural ones may be (those whose
   * second order exceeds the tolerance in a column of small weights). */
  assert_true(aimc_xbar_plan_pairs(p) >= (size_t)(2 * 2 * M + M + 1 + 1));
  assert_true(aimc_xbar_plan_pairs(p) <= (size_t)(2 * 2 * M + M + 1 + 1 + NO / 3));
  static lanes_ws ws;
  read(p, b.x, 0, LN, STRIDE, &ws, 1, NULL);
  for (int j = 0; j < NO; j++) {
    double scale = 0; /* n devices within 1e-9 of the largest weight, |x| <= 1 */
    for (int i = 0; i < NI; i++) scale = fmax(scale, fabs(b.w[j * NI + i]));
    scale *= NI * 1e-9 / 1e-12;
    for (int k = 0; k < LN; k++)
      assert_true(fabs(ws.out[j * STRIDE + k] - dense(&b, j, k, STRIDE)) <= 1e-12 * scale);
  }
  aimc_xbar_plan_free(ctx, p);
  aimc_ctx_free(ctx);
}

/* Lane k of a batch is the lone read with stream k; the noise added is
 * rel * sqrt(dense variance) * z with z from the lane's stream. */
static void test_lanes_and_noise(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  static block b;
  make(&b, 0, 0);
  aimc_xbar_plan *p = plan(ctx, &b, 1);
  const double rel = 0.05;
  static lanes_ws ws, one;
  read(p, b.x, rel, LN, STRIDE, &ws, 100, NULL);
  for (int k = 0; k < LN; k++) {
    double x1[NI];
    for (int i = 0; i < NI; i++) x1[i] = b.x[i * STRIDE + k];
    read(p, x1, rel, 1, 1, &one, 100 + (uint64_t)k, NULL);
    aimc_xs128p g;
    aimc_xs128p_seed(&g, 100 + (uint64_t)k);
    for (int j = 0; j < NO; j++) {
      assert_true(ws.out[j * STRIDE + k] == one.out[j]);
      double var = 0, z;
      uint64_t u;
      for (int i = 0; i < NI; i++) var += b.nv[j * NI + i] * x1[i] * x1[i];
      aimc_normal_lanes(aimc_ziggurat_table(), &g, &u, &z, 1);
      double noise = one.out[j] - dense(&b, j, k, STRIDE), want = rel * sqrt(var) * z;
      assert_true(fabs(noise - want) <= 1e-5 * fabs(want) + 1e-15);
    }
  }
  /* Handed on as a variance (var_out): no draw, the same variance. */
  static double var[NO * STRIDE];
  read(p, b.x, rel, LN, STRIDE, &ws, 100, var);
  for (int j = 0; j < NO; j++)
    for (int k = 0; k < LN; k++) {
      double want = 0;
      for (int i = 0; i < NI; i++)
        want += b.nv[j * NI + i] * b.x[i * STRIDE + k] * b.x[i * STRIDE + k];
      want *= rel * rel;
      assert_true(ws.out[j * STRIDE + k] == dense(&b, j, k, STRIDE));
      assert_true(fabs(var[j * STRIDE + k] - want) <= 1e-5 * want);
    }
  assert_true(aimc_xbar_plan_noisy(p));
  aimc_xbar_plan_free(ctx, p);
  aimc_ctx_free(ctx);
}

/* Plans side by side (aimc_xbar_read_across) against each plan's lone
 * read: bit for bit, out, var_out and the streams. */
enum { NA_MAX = 32 };

typedef struct {
  int n, n_in, noise, with_var;
  double c, second_order, rel;
} across_case;

/* Value pairs of b set to the closed form (a zero weight when c is 0):
 * about one in three, so that each plan lacks pairs the others hold. */
static void knock_out(block *b, double c, unsigned *s) {
  for (int j = 0; j < NO; j++)
    for (int i = 0; i < NI; i += 2) {
      if (uni(s) > 0.33) continue;
      for (int r = i; r < i + 2; r++) {
        b->w[j * NI + r] = c * b->gain[r];
        b->nv[j * NI + r] = (float)(1e-3 * b->gain[r] * b->gain[r]);
      }
    }
}

static double sentinel(double *v, size_t n) {
  for (size_t e = 0; e < n; e++) v[e] = 12345.0;
  return 12345.0;
}

static void check_across(const across_case *k) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  static block b[NA_MAX];
  aimc_xbar_plan *plans[NA_MAX];
  size_t most = 0, sum = 0;
  unsigned s = 99;
  for (int a = 0; a < k->n; a++) {
    /* With IR drop, every fourth plan (lane 0 too) without: a lane whose
     * plan has no closed form beside lanes whose plans have one. */
    double c = a % 4 ? k->c : 0;
    make_seeded(&b[a], c, k->second_order, 11 + 3 * (unsigned)a);
    knock_out(&b[a], c, &s);
    if (a % 3 == 0) b[a].w[(a % NO) * NI + NI - 1] = 0.4; /* a stuck structural device */
    aimc_xbar_read_src src = {k->n_in, NO,         NI, b[a].w, k->noise ? b[a].nv : NULL,
                              b[a].is_value, b[a].gain};
    assert_int_equal(aimc_xbar_plan_build(ctx, &src, &plans[a]), 0);
    most = aimc_xbar_plan_pairs(plans[a]) > most ? aimc_xbar_plan_pairs(plans[a]) : most;
    sum += aimc_xbar_plan_pairs(plans[a]);
  }
  aimc_xbar_across *x = NULL;
  assert_int_equal(
      aimc_xbar_across_build(ctx, (const aimc_xbar_plan *const *)plans, k->n, &x), 0);
  /* The union holds pairs some plans lack (read with zeros there). */
  assert_true(aimc_xbar_across_pairs(x) > most && aimc_xbar_across_pairs(x) < sum);
  static double in[NI * NA_MAX], out[NO * NA_MAX], var[NO * NA_MAX], z[NA_MAX];
  static aimc_xs128p rng[NA_MAX];
  static uint64_t bits[NA_MAX];
  for (int a = 0; a < k->n; a++) {
    for (int i = 0; i < NI; i++) in[i * k->n + a] = b[a].x[i * STRIDE];
    aimc_xs128p_seed(&rng[a], 500 + (uint64_t)a);
  }
  double *scratch = malloc(sizeof(double) * aimc_xbar_across_scratch(x));
  assert_non_null(scratch);
  sentinel(var, NO * NA_MAX);
  aimc_xbar_read_across(x, in, k->rel, out, k->with_var ? var : NULL, rng, bits, z, scratch);
  int draws = k->noise && k->rel > 0 && !k->with_var;
  for (int a = 0; a < k->n; a++) {
    double x1[NI], col[NO], vcol[NO];
    static double one_out[NO], one_var[NO], one_scratch[4096];
    for (int i = 0; i < NI; i++) x1[i] = in[i * k->n + a];
    for (int j = 0; j < NO; j++) col[j] = out[j * k->n + a], vcol[j] = var[j * k->n + a];
    aimc_xs128p g, g0;
    aimc_xs128p_seed(&g, 500 + (uint64_t)a);
    g0 = g;
    uint64_t u;
    double zz;
    aimc_lanes l = {1, 1, &g, &u, &zz};
    sentinel(one_var, NO);
    assert_true(aimc_xbar_read_scratch(plans[a], 1) <= 4096);
    aimc_xbar_read(plans[a], x1, k->rel, one_out, k->with_var ? one_var : NULL, &l, one_scratch);
    assert_memory_equal(col, one_out, sizeof col);
    assert_memory_equal(vcol, one_var, sizeof vcol);
    assert_memory_equal(&rng[a], &g, sizeof g);
    assert_int_equal(memcmp(&g, &g0, sizeof g) != 0, draws); /* drew when it should */
  }
  free(scratch);
  aimc_xbar_across_free(ctx, x);
  for (int a = 0; a < k->n; a++) aimc_xbar_plan_free(ctx, plans[a]);
  aimc_ctx_free(ctx);
}

/* No IR drop (zero weights leave pairs out), an odd row count (a lone
 * last row), the noise drawn; 11 lanes (not a multiple of a vector). */
static void test_across_drawn(void **state) {
  (void)state;
  check_across(&(across_case){11, NI - 1, 1, 0, 0, 0, 0.05});
  check_across(&(across_case){NA_MAX, NI, 1, 0, 0, 0, 0.05});
}

/* IR drop (a closed form c_j, a few explicit second orders) in most
 * plans, the variance handed on or drawn. */
static void test_across_closed_form(void **state) {
  (void)state;
  check_across(&(across_case){11, NI - 1, 1, 1, -3e-7, 1e-3, 0.05});
  check_across(&(across_case){13, NI, 1, 0, -3e-7, 1e-3, 0.05});
  check_across(&(across_case){NA_MAX, NI - 1, 1, 0, -3e-7, 1e-3, 0.05});
}

/* Plans without read noise, and noisy plans read with rel_noise 0: no
 * draw, var_out untouched. */
static void test_across_quiet(void **state) {
  (void)state;
  check_across(&(across_case){11, NI - 1, 0, 1, -3e-7, 1e-3, 0.05});
  check_across(&(across_case){11, NI, 1, 1, 0, 0, 0});
  check_across(&(across_case){5, NI, 1, 0, -3e-7, 1e-3, 0});
}

/* Plans of other shapes, or some noisy and some not, are refused. */
static void test_across_refused(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  static block b;
  make(&b, 0, 0);
  aimc_xbar_read_src even = {NI, NO, NI, b.w, b.nv, b.is_value, b.gain};
  aimc_xbar_read_src odd = {NI - 1, NO, NI, b.w, b.nv, b.is_value, b.gain};
  aimc_xbar_read_src quiet = {NI, NO, NI, b.w, NULL, b.is_value, b.gain};
  aimc_xbar_read_src narrow = {NI, NO - 1, NI, b.w, b.nv, b.is_value, b.gain};
  aimc_xbar_plan *p[4];
  assert_int_equal(aimc_xbar_plan_build(ctx, &even, &p[0]), 0);
  assert_int_equal(aimc_xbar_plan_build(ctx, &odd, &p[1]), 0);
  assert_int_equal(aimc_xbar_plan_build(ctx, &quiet, &p[2]), 0);
  assert_int_equal(aimc_xbar_plan_build(ctx, &narrow, &p[3]), 0);
  aimc_xbar_across *x = (aimc_xbar_across *)&b;
  for (int o = 1; o < 4; o++) {
    const aimc_xbar_plan *two[2] = {p[0], p[o]};
    assert_int_equal(aimc_xbar_across_build(ctx, two, 2, &x), AIMC_EINVAL);
    assert_null(x);
  }
  const aimc_xbar_plan *one[1] = {p[0]};
  assert_int_equal(aimc_xbar_across_build(ctx, one, 0, &x), AIMC_EINVAL);
  assert_int_equal(aimc_xbar_across_build(ctx, one, 1, &x), 0);
  aimc_xbar_across_free(ctx, x);
  for (int o = 0; o < 4; o++) aimc_xbar_plan_free(ctx, p[o]);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_and_sparse),
      cmocka_unit_test(test_closed_form),
      cmocka_unit_test(test_lanes_and_noise),
      cmocka_unit_test(test_across_drawn),
      cmocka_unit_test(test_across_closed_form),
      cmocka_unit_test(test_across_quiet),
      cmocka_unit_test(test_across_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
