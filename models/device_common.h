/* Pieces every device model (device_pulse.c, device_vcm.c) shares:
 * device-to-device spread, the stuck-cell draw, and a read with
 * multiplicative read noise. */
#ifndef AIMC_MODELS_DEVICE_COMMON_H
#define AIMC_MODELS_DEVICE_COMMON_H

#include <gsl/gsl_rng.h>

#include "aimc/device.h"

/* A truncated-normal factor 1 + sigma xi, kept at or above `floor` (1 when
 * rng is NULL or sigma is 0: nominal cells). */
double aimc_device_spread(gsl_rng *rng, double sigma, double floor);

/* Stuck state of a new cell: -1 (at the low bound) with probability p_low,
 * +1 (high) with p_high, else 0; one uniform draw when either is > 0. */
int aimc_device_draw_stuck(gsl_rng *rng, double p_low, double p_high);

/* A read at v of a cell of conductance g with relative read noise sigma
 * (one Gaussian draw when rng and sigma > 0), lasting t_read: fills r. */
void aimc_device_read_g(double g, double v, double sigma, double t_read, gsl_rng *rng,
                        aimc_device_result *r);

#endif
