/* The elaborated design (aimc/design.h): freeing and lookups. */
#include <string.h>

#include "aimc/design.h"

void aimc_design_free(aimc_ctx *ctx, aimc_design *d) {
  if (!d) return;
  for (size_t i = 0; i < d->n_inst; i++) {
    aimc_free(ctx, d->inst[i].name);
    aimc_free(ctx, d->inst[i].subckt);
    aimc_free(ctx, d->inst[i].params);
    aimc_free(ctx, d->inst[i].port_net);
  }
  aimc_free(ctx, d->inst);
  for (size_t i = 0; i < d->n_net; i++) aimc_free(ctx, d->net[i].name);
  aimc_free(ctx, d->net);
  for (size_t i = 0; i < d->n_block; i++) {
    aimc_free(ctx, d->block[i].name);
    aimc_free(ctx, d->block[i].subckt);
  }
  aimc_free(ctx, d->block);
  for (size_t i = 0; i < d->n_files; i++) aimc_free(ctx, d->files[i]);
  aimc_free(ctx, d->files);
  aimc_free(ctx, d->path);
  aimc_free(ctx, d->name);
  aimc_free(ctx, d);
}

int aimc_design_find_inst(const aimc_design *d, const char *name) {
  for (size_t i = 0; i < d->n_inst; i++)
    if (!strcmp(d->inst[i].name, name)) return (int)i;
  return -1;
}

int aimc_design_find_net(const aimc_design *d, const char *name) {
  for (size_t i = 0; i < d->n_net; i++)
    if (!strcmp(d->net[i].name, name)) return (int)i;
  return -1;
}
