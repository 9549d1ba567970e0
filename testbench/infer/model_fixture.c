/* Random quantized S4D models for tests (see model_fixture.h). */
#include "model_fixture.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static double on_grid(const aimc_quant *q, double v) { return aimc_quant_apply(q, v); }

aimc_s4d_model *fixture_model(aimc_ctx *ctx, int n_in, int n_out, int h, int m,
                              int layers, aimc_mix_kind mix, int bits,
                              int act_bits, unsigned long seed) {
  aimc_s4d_model *mdl = NULL;
  if (aimc_s4d_model_alloc(ctx, n_in, n_out, h, m, layers, mix, &mdl)) return NULL;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  mdl->quant_a = (aimc_quant){bits, 0.5};
  mdl->quant_b = (aimc_quant){bits, 1.0};
  mdl->quant_c = (aimc_quant){bits, 1.0};
  mdl->quant_d = (aimc_quant){bits, 1.0};
  mdl->quant_u = (aimc_quant){act_bits ? 5 : 0, 2.0};
  mdl->quant_x = (aimc_quant){act_bits, 2.0};
  mdl->quant_y = (aimc_quant){act_bits, 4.0};
  size_t n = (size_t)layers * h * m;
  for (size_t i = 0; i < n; i++) {
    mdl->a_re[i] = on_grid(&mdl->quant_a, gsl_ran_flat(r, -0.5, 0.5));
    mdl->a_im[i] = on_grid(&mdl->quant_a, gsl_ran_flat(r, -0.5, 0.5));
    mdl->b_re[i] = on_grid(&mdl->quant_b, gsl_ran_flat(r, -1, 1));
    mdl->b_im[i] = on_grid(&mdl->quant_b, gsl_ran_flat(r, -1, 1));
    mdl->c_re[i] = on_grid(&mdl->quant_c, gsl_ran_flat(r, -1, 1));
    mdl->c_im[i] = on_grid(&mdl->quant_c, gsl_ran_flat(r, -1, 1));
  }
  for (int i = 0; i < layers * h; i++) {
    mdl->d[i] = on_grid(&mdl->quant_d, gsl_ran_flat(r, -1, 1));
    mdl->norm_g[i] = 1 + 0.1 * gsl_ran_gaussian(r, 1);
    mdl->norm_b[i] = 0.1 * gsl_ran_gaussian(r, 1);
  }
  int k = mix == AIMC_MIX_GLU ? 2 : 1;
  for (int i = 0; i < h * n_in; i++) mdl->enc_w[i] = gsl_ran_gaussian(r, 0.5);
  for (int i = 0; i < h; i++) mdl->enc_b[i] = 0.1 * gsl_ran_gaussian(r, 1);
  for (int i = 0; i < layers * k * h * h; i++) mdl->mix_w[i] = gsl_ran_gaussian(r, 0.3);
  for (int i = 0; i < layers * k * h; i++) mdl->mix_b[i] = 0.1 * gsl_ran_gaussian(r, 1);
  for (int i = 0; i < n_out * h; i++) mdl->dec_w[i] = gsl_ran_gaussian(r, 0.5);
  for (int i = 0; i < n_out; i++) mdl->dec_b[i] = 0.1 * gsl_ran_gaussian(r, 1);
  gsl_rng_free(r);
  return mdl;
}

double *fixture_inputs(int n, int len, int n_in, unsigned long seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  size_t cnt = (size_t)n * len * n_in;
  double *x = malloc(cnt * sizeof(double));
  for (size_t i = 0; x && i < cnt; i++) x[i] = gsl_ran_flat(r, -2, 2);
  gsl_rng_free(r);
  return x;
}
