/* The generic binder: a YAML mapping -> a struct through a parameter table,
 * with every error located at file:line:col of the offending key or value.
 * The per-value checks (type, unit, range) are aimc_param_set's; this file
 * adds the YAML shape checks and the location. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/config.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "config_internal.h"

const char *aimc_cfg_type_name(aimc_cfg_type t) {
  switch (t) {
    case AIMC_CFG_SCALAR: return "a scalar";
    case AIMC_CFG_MAP: return "a mapping";
    case AIMC_CFG_SEQ: return "a sequence";
    case AIMC_CFG_NULL: return "nothing (null)";
  }
  return "?";
}

/* "section: " or "" */
static const char *sep(const char *section) { return section && *section ? ": " : ""; }
static const char *sec(const char *section) { return section ? section : ""; }

static int ignored(const char *key, const char *const *ignore) {
  for (; ignore && *ignore; ignore++)
    if (!strcmp(key, *ignore)) return 1;
  return 0;
}

/* keys: either a param table (table != NULL) or a NULL-terminated list. */
static int unknown_key(aimc_ctx *ctx, const aimc_cfg_node *key,
                       const aimc_param *table, size_t n,
                       const char *const *names, const char *section) {
  char list[768] = "";
  size_t used = 0;
  for (size_t i = 0; (table ? i < n : names[i] != NULL) && used < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                             i ? ", " : "", table ? table[i].key : names[i]);
  return aimc_error_at(ctx, AIMC_EINVAL, &key->loc,
                       "%s%sunknown key '%s' (valid keys: %s)", sec(section),
                       sep(section), key->text, *list ? list : "none");
}

static int not_a_map(aimc_ctx *ctx, const aimc_cfg_node *map, const char *section) {
  return aimc_error_at(ctx, AIMC_EINVAL, &map->loc, "%s%sexpected a mapping, got %s",
                       sec(section), sep(section), aimc_cfg_type_name(map->type));
}

int aimc_cfg_check_keys(aimc_ctx *ctx, const aimc_cfg_node *map,
                        const char *const *valid, const char *section) {
  if (map->type == AIMC_CFG_NULL) return AIMC_OK;
  if (map->type != AIMC_CFG_MAP) return not_a_map(ctx, map, section);
  for (size_t i = 0; i < map->len; i++) {
    const aimc_cfg_node *key = map->links[2 * i];
    if (valid && !ignored(key->text, valid)) return unknown_key(ctx, key, NULL, 0, valid, section);
  }
  return AIMC_OK;
}

static const char *expected_kind(const aimc_param *p) {
  switch (p->type) {
    case AIMC_PT_REAL: return "a number";
    case AIMC_PT_INT: return "an integer";
    case AIMC_PT_BOOL: return "a boolean";
    case AIMC_PT_ENUM: return "one name";
    case AIMC_PT_STRING: return "a string";
    case AIMC_PT_TIME: return "a time";
    case AIMC_PT_SEED: return "a seed (" AIMC_SEED_RANGE ")";
  }
  return "a scalar";
}

int aimc_cfg_bind_text(aimc_ctx *ctx, const char *text, aimc_srcloc loc,
                       const aimc_param *p, void *obj, const char *section) {
  char err[512];
  int rc = aimc_param_set(p, obj, text, err, sizeof err);
  if (rc) return aimc_error_at(ctx, rc, &loc, "%s%s%s", sec(section), sep(section), err);
  return AIMC_OK;
}

static int bind_value(aimc_ctx *ctx, const aimc_cfg_node *value, const aimc_param *p,
                      void *obj, const char *section, aimc_cfg_expand_fn expand,
                      void *user) {
  if (value->type == AIMC_CFG_NULL && p->type == AIMC_PT_STRING)
    return aimc_param_set(p, obj, "", NULL, 0);
  if (value->type != AIMC_CFG_SCALAR)
    return aimc_error_at(ctx, AIMC_EINVAL, &value->loc,
                         "%s%s%s expects %s, got %s", sec(section), sep(section),
                         p->key, expected_kind(p), aimc_cfg_type_name(value->type));
  const char *text = value->text;
  aimc_srcloc loc = value->loc;
  if (expand) {
    int rc = expand(user, value, &text, &loc);
    if (rc) return rc;
  }
  return aimc_cfg_bind_text(ctx, text, loc, p, obj, section);
}

int aimc_cfg_bind_one(aimc_ctx *ctx, const aimc_cfg_node *value,
                      const aimc_param *p, void *obj, const char *section) {
  return bind_value(ctx, value, p, obj, section, NULL, NULL);
}

int aimc_cfg_bind(aimc_ctx *ctx, const aimc_cfg_node *map,
                  const aimc_param *table, size_t n, void *obj,
                  const char *section, const char *const *ignore) {
  return aimc_cfg_bind_ex(ctx, map, table, n, obj, section, ignore, NULL, NULL);
}

int aimc_cfg_bind_ex(aimc_ctx *ctx, const aimc_cfg_node *map,
                     const aimc_param *table, size_t n, void *obj,
                     const char *section, const char *const *ignore,
                     aimc_cfg_expand_fn expand, void *user) {
  if (map->type == AIMC_CFG_NULL) return AIMC_OK; /* "section:" with nothing */
  if (map->type != AIMC_CFG_MAP) return not_a_map(ctx, map, section);
  for (size_t i = 0; i < map->len; i++) {
    const aimc_cfg_node *key = map->links[2 * i];
    if (ignored(key->text, ignore)) continue;
    const aimc_param *p = aimc_params_find(table, n, key->text);
    if (!p) return unknown_key(ctx, key, table, n, NULL, section);
    int rc = bind_value(ctx, map->links[2 * i + 1], p, obj, section, expand, user);
    if (rc) return rc;
  }
  return AIMC_OK;
}

static int need_scalar(aimc_ctx *ctx, const aimc_cfg_node *n, const char *what) {
  if (n->type == AIMC_CFG_SCALAR) return AIMC_OK;
  return aimc_error_at(ctx, AIMC_EINVAL, &n->loc, "expected %s, got %s", what,
                       aimc_cfg_type_name(n->type));
}

int aimc_cfg_get_int(aimc_ctx *ctx, const aimc_cfg_node *n, long *out) {
  int rc = need_scalar(ctx, n, "an integer");
  if (rc) return rc;
  char *end;
  long v = strtol(n->text, &end, 10);
  while (*end == ' ') end++;
  if (end == n->text || *end)
    return aimc_error_at(ctx, AIMC_EPARSE, &n->loc, "'%s' is not an integer", n->text);
  *out = v;
  return AIMC_OK;
}

int aimc_cfg_get_real(aimc_ctx *ctx, const aimc_cfg_node *n, aimc_unit unit,
                      double *out) {
  int rc = need_scalar(ctx, n, "a number");
  if (rc) return rc;
  char err[256];
  rc = aimc_unit_parse(n->text, unit, out, err, sizeof err);
  if (rc) return aimc_error_at(ctx, rc, &n->loc, "%s", err);
  return AIMC_OK;
}

int aimc_cfg_get_str(aimc_ctx *ctx, const aimc_cfg_node *n, const char **out) {
  int rc = need_scalar(ctx, n, "a string");
  if (rc) return rc;
  *out = n->text;
  return AIMC_OK;
}
