/* The elaborated design (aimc/design.h): freeing and name lookups. The
 * loader indexes instance and net names so a lookup is O(1) on designs of
 * a million instances; a design made by hand (index NULL) is scanned. */
#include <string.h>

#include "aimc/design.h"
#include "aimc/status.h"
#include "netlist_internal.h"

struct aimc_design_index {
  aimc_strmap inst, net;
};

static void index_free(aimc_ctx *ctx, struct aimc_design_index *x) {
  if (!x) return;
  aimc_strmap_fini(ctx, &x->inst);
  aimc_strmap_fini(ctx, &x->net);
  aimc_free(ctx, x);
}

int nl_design_index(aimc_ctx *ctx, aimc_design *d) {
  struct aimc_design_index *x = aimc_calloc(ctx, 1, sizeof *x);
  if (!x) return aimc_error(ctx, AIMC_ENOMEM, "out of memory indexing the design");
  int rc = AIMC_OK;
  for (size_t i = 0; i < d->n_inst && !rc; i++)
    rc = aimc_strmap_put(ctx, &x->inst, d->inst[i].name, strlen(d->inst[i].name), (int)i, NULL);
  for (size_t i = 0; i < d->n_net && !rc; i++)
    rc = aimc_strmap_put(ctx, &x->net, d->net[i].name, strlen(d->net[i].name), (int)i, NULL);
  if (rc) {
    index_free(ctx, x);
    return rc;
  }
  d->index = x;
  return AIMC_OK;
}

void aimc_design_free(aimc_ctx *ctx, aimc_design *d) {
  if (!d) return;
  index_free(ctx, d->index);
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
  if (d->index) return aimc_strmap_get(&d->index->inst, name, strlen(name));
  for (size_t i = 0; i < d->n_inst; i++)
    if (!strcmp(d->inst[i].name, name)) return (int)i;
  return -1;
}

int aimc_design_find_net(const aimc_design *d, const char *name) {
  if (d->index) return aimc_strmap_get(&d->index->net, name, strlen(name));
  for (size_t i = 0; i < d->n_net; i++)
    if (!strcmp(d->net[i].name, name)) return (int)i;
  return -1;
}
