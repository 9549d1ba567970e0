/* Finite-difference gradient checks of the hand-written S4D backward, for
 * every trained tensor (encoder, log Delta, A re/im, B, C, D, linear and
 * GLU mixing, norm, decoder), plus the straight-through behaviour of the
 * fake quantizers. Known answer: the central difference
 * (L(p+e) - L(p-e)) / 2e with e = 1e-6 approximates dL/dp to O(e^2) plus
 * rounding ~1e-16/e, so analytic and numeric agree to ~1e-8 relative;
 * the tolerance 1e-5 leaves margin yet catches any wrong term. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "aimc/status.h"
#include "aimc/train.h"
#include "net.h"
#include "testutil.h"

enum { N_IN = 3, N_OUT = 3, LEN = 7 };

static s4d_net *make_net(aimc_ctx *ctx, int mix, int layers,
                         aimc_train_cfg *cfg) {
  aimc_train_cfg_defaults(cfg);
  cfg->model.h = 4;
  cfg->model.n = 6;
  cfg->model.layers = layers;
  cfg->model.mix = mix;
  cfg->model.dropout = 0.25;
  cfg->model.dt_min = 0.05;
  cfg->model.dt_max = 0.5;
  s4d_net *net;
  assert_int_equal(s4d_net_alloc(ctx, cfg, N_IN, N_OUT, LEN, &net), AIMC_OK);
  s4d_net_init(net, &cfg->model, 7);
  /* Move B and the norm off their symmetric initial values so every
   * term of the gradient is exercised. */
  for (size_t i = net->off[P_B_IM]; i < net->off[P_B_IM + 1]; i++)
    net->p[i] = 0.3 * sin((double)i);
  for (size_t i = net->off[P_NORM_G]; i < net->off[P_NORM_B + 1]; i++)
    net->p[i] += 0.2 * cos((double)i);
  return net;
}

static void make_input(float *x) {
  for (int i = 0; i < LEN * N_IN; i++) x[i] = (float)sin(1.7 * i + 0.3);
}

static double loss_at(s4d_net *net, s4d_ws *ws, const float *x) {
  s4d_net_deploy(net, 0, 0, 0);
  return s4d_net_sample(net, ws, x, 1, 99, NULL, NULL, NULL);
}

static void check_net(int mix, int layers) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_train_cfg cfg;
  s4d_net *net = make_net(ctx, mix, layers, &cfg);
  s4d_ws *ws;
  assert_int_equal(s4d_ws_alloc(ctx, net, &ws), AIMC_OK);
  float x[LEN * N_IN];
  make_input(x);
  double *grad = calloc(net->grad_len, sizeof(double));
  s4d_net_deploy(net, 0, 0, 0);
  s4d_net_sample(net, ws, x, 1, 99, grad, NULL, NULL);
  s4d_net_chain(net, grad);
  for (int t = 0; t < P_COUNT; t++) {
    size_t n = net->off[t + 1] - net->off[t];
    double worst = 0;
    /* Up to 6 entries spread over the tensor (all of small ones). */
    for (size_t j = 0; j<n; j += n> 6 ? n / 6 : 1) {
      size_t i = net->off[t] + j;
      double keep = net->p[i], e = 1e-6;
      net->p[i] = keep + e;
      double lp = loss_at(net, ws, x);
      net->p[i] = keep - e;
      double lm = loss_at(net, ws, x);
      net->p[i] = keep;
      double fd = (lp - lm) / (2 * e), g = grad[i];
      double err = fabs(fd - g) / fmax(1e-3, fabs(fd) + fabs(g));
      if (err > worst) worst = err;
      if (err > 1e-5)
        fail_msg("mix %d: d loss / d %s[%zu]: analytic %.10g, numeric %.10g",
                 mix, s4d_tensor_names[t], j, g, fd);
    }
    print_message("  %-9s worst relative error %.2e\n", s4d_tensor_names[t],
                  worst);
  }
  free(grad);
  s4d_ws_free(ctx, ws);
  s4d_net_free(ctx, net);
  aimc_ctx_free(ctx);
}

static void test_grad_linear(void **state) {
  (void)state;
  check_net(AIMC_MIX_LINEAR, 2);
}

static void test_grad_glu(void **state) {
  (void)state;
  check_net(AIMC_MIX_GLU, 1);
}

/* Straight-through estimator: with quantizers on, a weight inside the range
 * passes its gradient unchanged (factor 1) and a clipped one gets 0. The
 * STE gradient equals the float gradient evaluated at the quantized
 * values: check that for C (the deployed C is Q(C)). */
static void test_ste(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_train_cfg cfg;
  s4d_net *net = make_net(ctx, AIMC_MIX_LINEAR, 1, &cfg);
  net->qcfg.bits_c = 3;
  net->qcfg.range_c = 0.5;
  s4d_ws *ws;
  assert_int_equal(s4d_ws_alloc(ctx, net, &ws), AIMC_OK);
  float x[LEN * N_IN];
  make_input(x);
  double *g_q = calloc(net->grad_len, sizeof(double));
  double *g_f = calloc(net->grad_len, sizeof(double));
  s4d_net_deploy(net, 1, 0, 0);
  s4d_net_sample(net, ws, x, 1, 0, g_q, NULL, NULL);
  s4d_net_chain(net, g_q);
  /* Float run with C replaced by its quantized value. */
  double *c = net->p + net->off[P_C_RE];
  size_t nc = 2 * net->lhm;
  double *saved = malloc(nc * sizeof(double));
  memcpy(saved, c, nc * sizeof(double));
  aimc_quant q = {3, 0.5};
  for (size_t i = 0; i < nc; i++) c[i] = aimc_quant_apply(&q, c[i]);
  s4d_net_deploy(net, 0, 0, 0);
  s4d_net_sample(net, ws, x, 1, 0, g_f, NULL, NULL);
  s4d_net_chain(net, g_f);
  int clipped = 0, passed = 0;
  for (size_t i = 0; i < nc; i++) {
    double expect = fabs(saved[i]) <= 0.5 ? g_f[net->off[P_C_RE] + i] : 0;
    assert_near(g_q[net->off[P_C_RE] + i], expect, 1e-12);
    if (fabs(saved[i]) > 0.5)
      clipped++;
    else
      passed++;
  }
  assert_true(clipped > 0 && passed > 0); /* both cases exercised */
  free(saved);
  free(g_q);
  free(g_f);
  s4d_ws_free(ctx, ws);
  s4d_net_free(ctx, net);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grad_linear),
      cmocka_unit_test(test_grad_glu),
      cmocka_unit_test(test_ste),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
