/* Convolution form vs recurrence form of the S4D layer: the trainer's scan
 * and the kernel K_l = 2 Re(C Abar^l Bbar) applied as y_k = sum_l K_l
 * u_{k-l} + D u_k must agree (relative error < 1e-6 in double; both are
 * exact rewritings, so ~1e-15 is expected). Abar^l is built by repeated
 * products, never exp(l log Abar), which is NaN at Abar = 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "layers.h"
#include "testutil.h"

enum { H = 3, M = 5, T = 200 };

static void test_conv_equals_scan(void **state) {
  (void)state;
  double ar[H * M], ai[H * M], br[H * M], bi[H * M], cr[H * M], ci[H * M], d[H];
  for (int i = 0; i < H * M; i++) {
    double mag = 0.5 + 0.49 * sin(0.7 * i) * sin(0.7 * i), ph = 0.3 * i;
    ar[i] = mag * cos(ph);
    ai[i] = mag * sin(ph);
    br[i] = cos(1.1 * i);
    bi[i] = sin(0.9 * i);
    cr[i] = sin(2.3 * i + 1);
    ci[i] = cos(0.4 * i);
  }
  ar[3] = ai[3] = 0; /* a mode with Abar = 0 exactly (low-bit QAT case) */
  for (int h = 0; h < H; h++) d[h] = 0.5 - h;
  aimc_quant off = {0, 1};
  s4d_ssm s = {H, M, ar, ai, br, bi, cr, ci, d, &off, &off, &off};
  double u[T * H], y[T * H], pre[T * H];
  double *xs = malloc(sizeof(double) * H * T * M * 2);
  for (int i = 0; i < T * H; i++) u[i] = sin(0.37 * i) + 0.2 * cos(1.3 * i);
  s4d_ssm_forward(&s, T, u, y, xs, pre);
  double worst = 0;
  for (int h = 0; h < H; h++) {
    double K[T];
    for (int l = 0; l < T; l++) K[l] = 0;
    for (int m = 0; m < M; m++) {
      int i = h * M + m;
      double pr = br[i], pi = bi[i]; /* Abar^l Bbar */
      for (int l = 0; l < T; l++) {
        K[l] += 2 * (cr[i] * pr - ci[i] * pi);
        double nr = ar[i] * pr - ai[i] * pi, ni = ar[i] * pi + ai[i] * pr;
        pr = nr;
        pi = ni;
      }
    }
    for (int k = 0; k < T; k++) {
      double conv = d[h] * u[k * H + h];
      for (int l = 0; l <= k; l++) conv += K[l] * u[(k - l) * H + h];
      double err = fabs(conv - y[k * H + h]) / fmax(1e-12, fabs(conv));
      assert_false(isnan(y[k * H + h]));
      if (fabs(conv) > 1e-3 && err > worst) worst = err;
    }
  }
  print_message("  conv vs scan: worst relative error %.2e\n", worst);
  assert_true(worst < 1e-6);
  free(xs);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_conv_equals_scan)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
