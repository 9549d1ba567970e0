/* Device handling shared by the event models that own devices (cell,
 * crossbar, write_verify): the `device` / `device_card` parameter pair and
 * copies of a device into instance memory (aimc_inst_alloc), which the
 * engine frees with the instance. */
#ifndef AIMC_MODELS_INST_DEVICE_H
#define AIMC_MODELS_INST_DEVICE_H

#include <gsl/gsl_rng.h>

#include "aimc/device.h"
#include "aimc/engine.h"

/* Indices of the registered device models (models/devices.def). */
enum {
#define X(name) AIMC_DEVICE_IDX_##name,
#include "devices.def"
#undef X
  AIMC_DEVICE_N
};

/* Choices of the `device` ENUM parameter, in device-registry order (the
 * names of devices.def, NULL-terminated; index 0, the first, is the
 * default and AIMC_DEVICE_N - 1 the largest index). */
extern const char *const AIMC_DEVICE_CHOICES[AIMC_DEVICE_N + 1];

/* Opens the device of an instance: the card when `card` is not empty (its
 * model must be `device_idx`), else the defaults of that model. The result
 * is heap memory of the context: free with aimc_device_free. Errors name
 * the instance. */
int aimc_inst_device_open(aimc_inst *inst, int device_idx, const char *card,
                          aimc_device **out);

/* Bytes for a device copy plus `extra` bytes; then lays the copy out in
 * mem and returns it (extra bytes follow at *extra, 16-byte aligned). */
size_t aimc_inst_device_bytes(const aimc_device *dev, size_t extra);
aimc_device *aimc_inst_device_copy(void *mem, const aimc_device *dev,
                                   void **extra);

/* A GSL generator living in caller memory (so it needs no free):
 * aimc_block_rng_bytes() bytes; seeded with seed. */
size_t aimc_block_rng_bytes(void);
gsl_rng *aimc_block_rng_init(void *mem, unsigned long seed);

#endif
