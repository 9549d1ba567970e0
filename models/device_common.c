/* Shared pieces of the device models (device_common.h). */
#include "device_common.h"

#include <gsl/gsl_randist.h>
#include <math.h>

double aimc_device_spread(gsl_rng *rng, double sigma, double floor) {
  if (!rng || sigma <= 0) return 1.0;
  double f = 1.0 + gsl_ran_gaussian_ziggurat(rng, sigma);
  return f < floor ? floor : f;
}

int aimc_device_draw_stuck(gsl_rng *rng, double p_low, double p_high) {
  if (!rng || p_low + p_high <= 0) return 0;
  double u = gsl_rng_uniform(rng);
  return u < p_low ? -1 : u < p_low + p_high ? 1 : 0;
}

void aimc_device_read_g(double g, double v, double sigma, double t_read, gsl_rng *rng,
                        aimc_device_result *r) {
  if (rng && sigma > 0) g *= 1 + gsl_ran_gaussian_ziggurat(rng, sigma);
  r->g_S = g;
  r->i_A = v * g;
  r->e_J = fabs(v * r->i_A) * t_read;
  r->t_s = t_read;
}
