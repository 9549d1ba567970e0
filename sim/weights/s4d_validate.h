/* Meaning checks of an exported S4D model, run by the weight-file reader
 * after every block passed its CRC: a checksum proves the bytes are the
 * ones written, not that they describe a model the hardware can run.
 * Internal to sim/weights (its public header is aimc/s4d_model.h). */
#ifndef AIMC_WEIGHTS_S4D_VALIDATE_H
#define AIMC_WEIGHTS_S4D_VALIDATE_H

#include "aimc/s4d_model.h"

/* Largest magnitude accepted for any stored value or quantizer range.
 * Trained values stay within a few units (layer norm, AdamW, fixed-range
 * quantizers); 1e6 leaves room for any real model while keeping products
 * of weights, conductances and energies far from overflow. */
#define S4D_VALUE_MAX 1e6

/* Checks every header field and tensor of `m` (read from `path`): use_ssm
 * 0 or 1, quantizer ranges finite and within S4D_VALUE_MAX, every value
 * finite and within S4D_VALUE_MAX, the analog tensors (Abar, Bbar, C, D)
 * on their quantizer's grid, |Abar| < 1 for every kept mode, mode_mask
 * 0 or 1. Returns AIMC_ERANGE naming the file, block and element of the
 * first bad value, else AIMC_OK. */
int s4d_model_validate(aimc_ctx *ctx, const char *path,
                       const aimc_s4d_model *m);

#endif
