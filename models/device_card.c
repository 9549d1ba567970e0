/* Device cards: YAML files naming a device model and overriding some of its
 * parameters, bound through the generic binder so that errors carry
 * file:line:col. */
#include <string.h>

#include "aimc/config.h"
#include "aimc/device.h"
#include "aimc/status.h"

static const char *const CARD_META_KEYS[] = {"model", "source", NULL};

int aimc_device_load(aimc_ctx *ctx, const char *path, aimc_device **out) {
  *out = NULL;
  aimc_cfg *cfg = NULL;
  int rc = aimc_cfg_load(ctx, path, &cfg);
  if (rc) return rc;
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  aimc_srcloc loc = aimc_cfg_loc(root);
  const aimc_cfg_node *mnode = aimc_cfg_get(root, "model");
  const char *model = mnode ? aimc_cfg_scalar(mnode) : NULL;
  char known[256];
  if (aimc_cfg_type_of(root) != AIMC_CFG_MAP) {
    rc = aimc_error_at(ctx, AIMC_EPARSE, &loc,
                       "device card: expected a mapping");
  } else if (!model) {
    rc = aimc_error_at(ctx, AIMC_EPARSE, &loc, "device card: missing 'model: %s'",
                       aimc_device_models_names(known, sizeof known, "|"));
  } else if (!aimc_device_model_find(model)) {
    loc = aimc_cfg_loc(mnode);
    rc = aimc_error_at(ctx, AIMC_ENOTFOUND, &loc,
                       "device card: unknown model '%s' (known: %s)", model,
                       aimc_device_models_names(known, sizeof known, ", "));
  } else {
    rc = aimc_device_alloc(ctx, model, out);
  }
  if (!rc) {
    const aimc_device_model *m = (*out)->model;
    rc = aimc_cfg_bind(ctx, root, m->params, m->n_params, (*out)->params,
                       "device card", CARD_META_KEYS);
    char err[512];
    if (!rc && m->validate &&
        (rc = m->validate((*out)->params, err, sizeof err)))
      aimc_error_at(ctx, rc, &loc, "device card (%s): %s", m->name, err);
  }
  if (rc) {
    aimc_device_free(ctx, *out);
    *out = NULL;
  }
  aimc_cfg_free(cfg);
  return rc;
}
