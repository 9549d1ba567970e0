/* Uniform symmetric quantizer and differential conductance mapping (see
 * quant.h); IMSSA's fixed dynamic range is the clip to [-range, range]. */
#include "aimc/quant.h"

#include <math.h>

#include <gsl/gsl_randist.h>

int aimc_quant_kmax(const aimc_quant *q) {
  if (q->bits <= 0) return 0;
  if (q->bits == 1) return 1;
  return (1 << (q->bits - 1)) - 1;
}

double aimc_quant_step(const aimc_quant *q) {
  int k = aimc_quant_kmax(q);
  return k ? q->range / k : 0;
}

int aimc_quant_index(const aimc_quant *q, double x) {
  int kmax = aimc_quant_kmax(q);
  if (!kmax) return 0;
  if (q->bits == 1) return x < 0 ? -1 : 1;
  double r = round(x / aimc_quant_step(q));
  if (r > kmax) r = kmax;
  if (r < -kmax) r = -kmax;
  return (int)r;
}

double aimc_quant_value(const aimc_quant *q, int k) {
  return q->bits == 1 ? k * q->range : k * aimc_quant_step(q);
}

double aimc_quant_apply(const aimc_quant *q, double x) {
  if (q->bits <= 0) return x;
  return aimc_quant_value(q, aimc_quant_index(q, x));
}

double aimc_quant_ste(const aimc_quant *q, double x) {
  if (q->bits <= 0) return 1.0;
  return fabs(x) <= q->range ? 1.0 : 0.0;
}

void aimc_gmap_split(const aimc_gmap *m, double w, double *g_pos, double *g_neg) {
  double span = m->g_max - m->g_min;
  double g = fabs(w) / m->w_max * span;
  if (g > span) g = span;
  *g_pos = m->g_min + (w > 0 ? g : 0);
  *g_neg = m->g_min + (w < 0 ? g : 0);
}

double aimc_gmap_join(const aimc_gmap *m, double g_pos, double g_neg) {
  return (g_pos - g_neg) / (m->g_max - m->g_min) * m->w_max;
}

static double clip(double g, const aimc_gmap *m) {
  return g < m->g_min ? m->g_min : (g > m->g_max ? m->g_max : g);
}

double aimc_gmap_program_noise(const aimc_gmap *m, double w, double sigma_g,
                               gsl_rng *rng) {
  double gp, gn;
  aimc_gmap_split(m, w, &gp, &gn);
  if (sigma_g > 0) {
    gp = clip(gp + gsl_ran_gaussian_ziggurat(rng, sigma_g), m);
    gn = clip(gn + gsl_ran_gaussian_ziggurat(rng, sigma_g), m);
  }
  return aimc_gmap_join(m, gp, gn);
}
