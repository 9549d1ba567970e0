/* The one model of quantization and conductance mapping, shared by the
 * trainer (fake quantizers, noise-aware training) and the simulator
 * (mapping, converters), so training and simulation see the same hardware.
 *
 * A b-bit symmetric quantizer over [-range, range] has levels k * step,
 * k in {-K..K}, K = 2^(b-1) - 1, step = range / K (2^b - 1 levels, zero
 * included; b = 2 is ternary {-1, 0, 1} * range). b = 1 is binary
 * {-range, +range}. bits = 0 means "off" (identity). Values outside the
 * range clip (IMSSA's fixed dynamic range). */
#ifndef AIMC_QUANT_H
#define AIMC_QUANT_H

#include <gsl/gsl_rng.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int bits;     /* 0 (off) or 1..16                          */
  double range; /* largest magnitude represented (> 0)       */
} aimc_quant;

/* Largest level index K (0 when off). */
int aimc_quant_kmax(const aimc_quant *q);
/* Distance between levels (0 when off). */
double aimc_quant_step(const aimc_quant *q);
/* Nearest level index of x after clipping (ties away from zero). */
int aimc_quant_index(const aimc_quant *q, double x);
/* Value of level index k. */
double aimc_quant_value(const aimc_quant *q, int k);
/* Quantize x (clip, round); identity when bits == 0. */
double aimc_quant_apply(const aimc_quant *q, double x);
/* Straight-through estimator: gradient factor of apply at x, 1 inside the
 * range and 0 where x clips. */
double aimc_quant_ste(const aimc_quant *q, double x);

/* A signed weight on a differential device pair: w in [-w_max, w_max]
 * maps to G+ - G- over the window [g_min, g_max]; the unused device of a
 * pair sits at g_min. */
typedef struct {
  double g_min, g_max; /* S */
  double w_max;        /* weight magnitude that maps to g_max */
} aimc_gmap;

void aimc_gmap_split(const aimc_gmap *m, double w, double *g_pos, double *g_neg);
double aimc_gmap_join(const aimc_gmap *m, double g_pos, double g_neg);
/* Weight after Gaussian programming noise sigma_g (S) on both devices of
 * the pair (each clipped to the window): what training injects and what
 * the simulator's "gaussian" programming mode does. */
double aimc_gmap_program_noise(const aimc_gmap *m, double w, double sigma_g,
                               gsl_rng *rng);

#ifdef __cplusplus
}
#endif
#endif
