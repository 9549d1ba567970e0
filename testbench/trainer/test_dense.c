/* The trainer's dense layers: through BLAS (training) they equal the
 * fixed-order product of the reference forward to within the rounding
 * bound of two summation orders, forward and backward, at the benchmark's
 * shapes; the fixed order is index order (a sum whose value depends on its
 * order pins it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "layers.h"
#include "testutil.h"

/* Two sums of the same n products, each rounded in its own order, differ
 * by at most 2 gamma_n sum|x_i w_i| (Higham, Accuracy and Stability of
 * Numerical Algorithms, 3.1; gamma_n = n u / (1 - n u), u = 2^-53), plus
 * one rounding of each result when the bias is added. */
static double bound(int n, double abs_sum, double abs_result) {
  const double u = 0x1p-53, gamma = n * u / (1 - n * u);
  return 2 * gamma * abs_sum + 2 * u * abs_result;
}

/* Uniform in [-1, 1) with all 53 bits random, so the products and sums
 * round (values with few bits would sum exactly in any order). */
static double rnd(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1p-52 - 1;
}

/* y = x W^T + b, T x n_out, both ways; then the backward's dW and dx
 * against plain loops. */
static void check_shape(int T, int n_in, int n_out) {
  uint64_t s = (uint64_t)(T * 131 + n_in * 7 + n_out);
  size_t nx = (size_t)T * n_in, nw = (size_t)n_out * n_in,
         ny = (size_t)T * n_out;
  double *x = malloc(sizeof(double) * nx), *w = malloc(sizeof(double) * nw),
         *b = malloc(sizeof(double) * n_out), *yb = malloc(sizeof(double) * ny),
         *yo = malloc(sizeof(double) * ny), *dw = calloc(nw, sizeof(double)),
         *db = calloc(n_out, sizeof(double)), *dx = malloc(sizeof(double) * nx);
  for (size_t i = 0; i < nx; i++) x[i] = rnd(&s);
  for (size_t i = 0; i < nw; i++) w[i] = rnd(&s);
  for (int i = 0; i < n_out; i++) b[i] = rnd(&s);
  aimc_dense_forward(T, n_in, n_out, x, w, b, yb);
  aimc_dense_forward_ordered(T, n_in, n_out, x, w, b, yo);
  int differ = 0;
  for (int t = 0; t < T; t++)
    for (int o = 0; o < n_out; o++) {
      double a = 0;
      for (int i = 0; i < n_in; i++)
        a += fabs(x[(size_t)t * n_in + i] * w[(size_t)o * n_in + i]);
      size_t k = (size_t)t * n_out + o;
      assert_near(yb[k], yo[k], bound(n_in, a, fabs(yo[k])));
      differ += yb[k] != yo[k];
    }
  /* dy = yo as a stand-in gradient: dW = dy^T x, dx = dy W. */
  aimc_dense_backward(T, n_in, n_out, x, w, yo, dx, dw, db);
  for (int o = 0; o < n_out; o++)
    for (int i = 0; i < n_in; i++) {
      double ref = 0, a = 0;
      for (int t = 0; t < T; t++) {
        double p = yo[(size_t)t * n_out + o] * x[(size_t)t * n_in + i];
        ref += p;
        a += fabs(p);
      }
      assert_near(dw[(size_t)o * n_in + i], ref, bound(T, a, fabs(ref)));
    }
  for (int t = 0; t < T; t++)
    for (int i = 0; i < n_in; i++) {
      double ref = 0, a = 0;
      for (int o = 0; o < n_out; o++) {
        double p = yo[(size_t)t * n_out + o] * w[(size_t)o * n_in + i];
        ref += p;
        a += fabs(p);
      }
      assert_near(dx[(size_t)t * n_in + i], ref, bound(n_out, a, fabs(ref)));
    }
  for (int o = 0; o < n_out; o++) {
    double ref = 0;
    for (int t = 0; t < T; t++) ref += yo[(size_t)t * n_out + o];
    assert_true(db[o] == ref); /* db is a plain loop in t order */
  }
  print_message("T=%d %dx%d: %d of %zu outputs differ in the last bits\n", T,
                n_in, n_out, differ, ny);
  free(x), free(w), free(b), free(yb), free(yo), free(dw), free(db), free(dx);
}

static void test_blas_within_rounding(void **state) {
  (void)state;
  check_shape(1000, 64, 64);  /* encoder (benchmark: 64 inputs) and mix */
  check_shape(1000, 64, 128); /* GLU mix */
  check_shape(1, 64, 10);     /* decoder */
  check_shape(37, 3, 5);      /* odd sizes */
}

/* 1e16 + 1 rounds to 1e16 (the spacing there is 2), so in index order
 * the sum is 0; summing 1e16 - 1e16 first would give 1. */
static void test_ordered_is_index_order(void **state) {
  (void)state;
  const double x[3] = {1e16, 1, -1e16}, w[3] = {1, 1, 1}, b[1] = {0.25};
  double y;
  aimc_dense_forward_ordered(1, 3, 1, x, w, b, &y);
  assert_true(y == 0.25);
  const double x2[3] = {1e16, -1e16, 1};
  aimc_dense_forward_ordered(1, 3, 1, x2, w, b, &y);
  assert_true(y == 1.25);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blas_within_rounding),
      cmocka_unit_test(test_ordered_is_index_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
