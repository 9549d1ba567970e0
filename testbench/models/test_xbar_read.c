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

static void make(block *b, double structural_c, double second_order) {
  unsigned s = 7;
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_and_sparse),
      cmocka_unit_test(test_closed_form),
      cmocka_unit_test(test_lanes_and_noise),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
