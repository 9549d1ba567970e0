/* Devices and generators inside instance memory (see inst_device.h). */
#include "inst_device.h"

#include <string.h>

#include "aimc/status.h"

const char *const AIMC_DEVICE_CHOICES[AIMC_DEVICE_N + 1] = {
#define X(name) #name,
#include "devices.def"
#undef X
    NULL};

int aimc_inst_device_open(aimc_inst *inst, int device_idx, const char *card,
                          aimc_device **out) {
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  const char *model = AIMC_DEVICE_CHOICES[device_idx];
  int rc = aimc_device_open(ctx, model, card, out);
  if (rc) return rc;
  if (strcmp((*out)->model->name, model) != 0) {
    rc = aimc_error(
        ctx, AIMC_EINVAL,
        "instance %s: device_card %s holds a '%s' device but device = %s",
        aimc_inst_name(inst), card, (*out)->model->name, model);
    aimc_device_free(ctx, *out);
    *out = NULL;
  }
  return rc;
}

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

size_t aimc_inst_device_bytes(const aimc_device *dev, size_t extra) {
  return align16(sizeof(aimc_device)) + align16(dev->model->params_size) +
         extra;
}

aimc_device *aimc_inst_device_copy(void *mem, const aimc_device *dev,
                                   void **extra) {
  char *base = mem;
  aimc_device *d = (aimc_device *)base;
  d->model = dev->model;
  d->params = base + align16(sizeof(aimc_device));
  memcpy(d->params, dev->params, dev->model->params_size);
  if (extra)
    *extra =
        base + align16(sizeof(aimc_device)) + align16(dev->model->params_size);
  return d;
}

size_t aimc_block_rng_bytes(void) {
  return align16(sizeof(gsl_rng)) + gsl_rng_taus2->size;
}

gsl_rng *aimc_block_rng_init(void *mem, unsigned long seed) {
  /* gsl_rng is a public two-field struct: type and state. */
  gsl_rng *r = mem;
  r->type = gsl_rng_taus2;
  r->state = (char *)mem + align16(sizeof(gsl_rng));
  gsl_rng_set(r, seed);
  return r;
}
