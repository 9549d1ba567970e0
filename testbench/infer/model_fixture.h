/* Small exported S4D models with random quantized tensors, for the map and
 * inference tests and the inference benchmark. */
#ifndef AIMC_TEST_MODEL_FIXTURE_H
#define AIMC_TEST_MODEL_FIXTURE_H

#include "aimc/s4d_model.h"

/* A model of the given shape whose analog tensors sit on `bits`-bit grids
 * (fixed ranges: Abar 0.5 so every mode is stable, B, C, D 1.0) and whose
 * activations are quantized (u 5 bits over +-2, x and y `act_bits` over
 * +-2 and +-4; act_bits 0 = float). Dense layers are Gaussian. NULL on
 * failure. Deterministic for `seed`. */
aimc_s4d_model *fixture_model(aimc_ctx *ctx, int n_in, int n_out, int h, int m,
                              int layers, aimc_mix_kind mix, int bits,
                              int act_bits, unsigned long seed);

/* n sequences of len x n_in values in [-2, 2] (malloc'd). */
double *fixture_inputs(int n, int len, int n_in, unsigned long seed);

#endif
