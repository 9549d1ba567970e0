/* Population statistics of a programming controller (aimc/program_nn.h):
 * the one measurement behind bench_program_nn, `aimc device
 * train-inverse --eval` and the tests. */
#include <math.h>

#include "aimc/program_nn.h"
#include "aimc/status.h"

int aimc_prog_population(aimc_ctx *ctx, const aimc_device *dev,
                         aimc_prog_fn fn, void *arg, int n, double frac,
                         double tol_S, gsl_rng *rng, aimc_prog_pop *s) {
  *s = (aimc_prog_pop){0};
  if (n < 1 || !(frac > 0 && frac <= 1))
    return aimc_error(ctx, AIMC_ERANGE,
                      "population: n = %d must be >= 1 and frac = %g in (0, 1]",
                      n, frac);
  void *cell = aimc_calloc(ctx, 1, aimc_device_cell_size(dev));
  if (!cell) return aimc_error(ctx, AIMC_ENOMEM, "population: out of memory");
  double lo, hi;
  aimc_device_window(dev, &lo, &hi);
  double margin = 0.5 * (1 - frac) * (hi - lo), se = 0;
  while (s->n < n) {
    aimc_device_cell_init(dev, cell, rng);
    double u0 = gsl_rng_uniform(rng), u1 = gsl_rng_uniform(rng);
    aimc_device_set_g(dev, cell, lo + margin + frac * (hi - lo) * u0);
    double g0 = aimc_device_g(dev, cell);
    double target = lo + margin + frac * (hi - lo) * u1;
    if (fabs(target - g0) <= tol_S) continue;
    aimc_prog_result r;
    fn(arg, dev, cell, target, tol_S, rng, &r);
    double want = target - g0, got = r.g_S - g0;
    s->n++;
    s->hit50 += fabs(got - want) <= 0.5 * fabs(want);
    s->within += fabs(r.err_S) <= tol_S;
    se += r.err_S * r.err_S;
    s->pulses += r.pulses;
    s->e_J += r.e_J;
    s->t_s += r.t_s;
  }
  s->hit50 /= n;
  s->within /= n;
  s->rms_err_S = sqrt(se / n);
  s->pulses /= n;
  s->e_J /= n;
  s->t_s /= n;
  aimc_free(ctx, cell);
  return AIMC_OK;
}

void aimc_prog_fn_nninv(void *arg, const aimc_device *dev, void *cell,
                        double target_S, double tol_S, gsl_rng *rng,
                        aimc_prog_result *r) {
  aimc_nninv_program(arg, dev, cell, target_S, tol_S, rng, r);
}

void aimc_prog_fn_oneshot(void *arg, const aimc_device *dev, void *cell,
                          double target_S, double tol_S, gsl_rng *rng,
                          aimc_prog_result *r) {
  (void)dev;
  aimc_oneshot_program(arg, cell, target_S, tol_S, rng, r);
}

void aimc_prog_fn_wv(void *arg, const aimc_device *dev, void *cell,
                     double target_S, double tol_S, gsl_rng *rng,
                     aimc_prog_result *r) {
  aimc_wv_params p = *(const aimc_wv_params *)arg;
  p.tol_S = tol_S;
  aimc_wv_program(dev, &p, cell, target_S, rng, r);
}

void aimc_prog_fn_hybrid(void *arg, const aimc_device *dev, void *cell,
                         double target_S, double tol_S, gsl_rng *rng,
                         aimc_prog_result *r) {
  const aimc_hybrid_arg *h = arg;
  aimc_wv_params p = h->wv;
  p.tol_S = tol_S;
  aimc_nninv_hybrid(h->nn, dev, &p, h->k, h->verify, cell, target_S, rng, r);
}
