/* Forms of the S4D layer. Convolution vs recurrence: the trainer's scan and
 * the kernel K_l = 2 Re(C Abar^l Bbar) applied as y_k = sum_l K_l u_{k-l}
 * + D u_k must agree (relative error < 1e-6 in double; both are
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

/* The scan keeps one state per run of 4096 / 2M steps (32 at M = 64) and
 * the backward recomputes the rest from them, so a sequence of several runs
 * (T = 100: runs start at 0, 32, 64, 96; the last is 4 steps) checks where
 * the states are stored and read. Only the gradients of Abar and C depend
 * on the states, and |Abar| ~ 0.9 carries them across runs. Known answer:
 * central differences of L = sum_k w_k y_k with e = 1e-6 approximate dL/dp
 * to O(e^2) plus rounding of order 1e-16 |L| / e (observed worst 2e-8
 * relative); a state taken from the wrong step changes a gradient by far
 * more than the tolerance 1e-6 * max(1, |dL/dp|). */
enum { GH = 2, GM = 64, GT = 100 };

static double weighted_output(const s4d_ssm *s, const double *u,
                              const double *w, double *xs) {
  double y[GT * GH], pre[GT * GH], sum = 0;
  s4d_ssm_forward(s, GT, u, y, xs, pre);
  for (int i = 0; i < GT * GH; i++) sum += w[i] * y[i];
  return sum;
}

/* dL/dp by central difference, p one of the values s or u points to. */
static double central_difference(const s4d_ssm *s, const double *u,
                                 const double *w, double *xs, double *p) {
  const double e = 1e-6, keep = *p;
  *p = keep + e;
  double lp = weighted_output(s, u, w, xs);
  *p = keep - e;
  double lm = weighted_output(s, u, w, xs);
  *p = keep;
  return (lp - lm) / (2 * e);
}

/* Asserts analytic ~ numeric; returns the relative error. */
static double check_gradient(double analytic, double numeric) {
  double tol = fmax(1, fabs(numeric));
  assert_near(analytic, numeric, 1e-6 * tol);
  return fabs(analytic - numeric) / tol;
}

static void test_backward_across_runs(void **state) {
  (void)state;
  enum { HM = GH * GM };
  double t[7][HM], g[7][HM] = {{0}}; /* a_re a_im b_re b_im c_re c_im, d */
  for (int i = 0; i < HM; i++) {
    double mag = 0.85 + 0.1 * sin(1.3 * i), ph = 0.05 + 0.2 * i;
    t[0][i] = mag * cos(ph);
    t[1][i] = mag * sin(ph);
    for (int j = 2; j < 6; j++) t[j][i] = sin(0.9 * i + j);
  }
  t[6][0] = 0.3;
  t[6][1] = -0.7;
  aimc_quant off = {0, 1};
  s4d_ssm s = {GH,   GM,   t[0], t[1], t[2], t[3],
               t[4], t[5], t[6], &off, &off, &off};
  s4d_ssm_grad sg = {g[0], g[1], g[2], g[3], g[4], g[5], g[6]};
  double u[GT * GH], w[GT * GH], du[GT * GH] = {0}, y[GT * GH], pre[GT * GH];
  for (int i = 0; i < GT * GH; i++) {
    u[i] = sin(0.37 * i) + 0.2 * cos(1.3 * i);
    w[i] = cos(0.23 * i);
  }
  /* Exactly the stated length: an ASan build catches a write past it. */
  double *xs = malloc(sizeof(double) * s4d_ssm_xs_len(GH, GT, GM));
  s4d_ssm_forward(&s, GT, u, y, xs, pre);
  s4d_ssm_backward(&s, GT, u, xs, pre, w, du, &sg);
  double worst = 0;
  /* Every tensor at modes of both channels, and u around run edges. */
  const int modes[] = {0, 17, GM + 5, HM - 1};
  for (int j = 0; j < 7; j++)
    for (int n = 0; n < 4; n++) {
      int i = j < 6 ? modes[n] : n % GH;
      double fd = central_difference(&s, u, w, xs, &t[j][i]);
      worst = fmax(worst, check_gradient(g[j][i], fd));
    }
  const int steps[] = {0, 31, 32, 33, 63, 64, 96, GT - 1};
  for (int n = 0; n < 8; n++) {
    int i = steps[n] * GH + n % GH;
    worst = fmax(worst, check_gradient(du[i], central_difference(&s, u, w, xs,
                                                                 &u[i])));
  }
  print_message("  backward across runs: worst relative error %.2e\n", worst);
  free(xs);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_conv_equals_scan),
                                     cmocka_unit_test(test_backward_across_runs)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
