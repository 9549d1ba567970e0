/* The YAML form of a sweep spec (docs/sweep.md): read through aimc/config.h
 * so every error names file:line:col. Nested maps flatten to dotted keys:
 * `array: {rows: [16, 32]}` and `array.rows: [16, 32]` are the same axis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/config.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "aimc/sweep.h"

typedef struct {
  aimc_ctx *ctx;
  aimc_sweep_spec *spec;
  const char *section;
} loader;

/* `what` may be the context's own message: copied before it is replaced. */
static int bad(loader *l, const aimc_cfg_node *n, int status,
               const char *what) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s", what);
  const char *plain = strncmp(msg, "sweep: ", 7) == 0 ? msg + 7 : msg;
  aimc_srcloc loc = aimc_cfg_loc(n);
  return aimc_error_at(l->ctx, status, &loc, "sweep %s: %s", l->section, plain);
}

static int join(loader *l, const aimc_cfg_node *at, char *buf, size_t len,
                const char *prefix, const char *key) {
  int n = *prefix ? snprintf(buf, len, "%s.%s", prefix, key)
                  : snprintf(buf, len, "%s", key);
  return n < 0 || (size_t)n >= len ? bad(l, at, AIMC_EINVAL, "key too long")
                                   : AIMC_OK;
}

/* Something that holds one setting: a scalar (base, list) or, for axes, a
 * sequence of scalars or a range map. */
typedef int (*leaf_fn)(loader *l, const char *key, const aimc_cfg_node *value);

/* True for a map that is a random range {min, max[, log]}. */
static int is_range(const aimc_cfg_node *n) {
  return aimc_cfg_type_of(n) == AIMC_CFG_MAP && aimc_cfg_get(n, "min");
}

/* Walks a map, flattening nested maps into dotted keys, calling fn on
 * every leaf. */
static int walk(loader *l, const aimc_cfg_node *map, const char *prefix,
                leaf_fn fn, const char *skip) {
  char key[256];
  for (size_t i = 0; i < aimc_cfg_len(map); i++) {
    const char *k = aimc_cfg_key_at(map, i);
    const aimc_cfg_node *v = aimc_cfg_at(map, i);
    if (skip && !*prefix && strcmp(k, skip) == 0) continue;
    int rc = join(l, aimc_cfg_key_node_at(map, i), key, sizeof key, prefix, k);
    if (!rc && aimc_cfg_type_of(v) == AIMC_CFG_MAP && !is_range(v))
      rc = walk(l, v, key, fn, NULL);
    else if (!rc)
      rc = fn(l, key, v);
    if (rc) return rc;
  }
  return AIMC_OK;
}

static int base_leaf(loader *l, const char *key, const aimc_cfg_node *v) {
  const char *text = aimc_cfg_scalar(v);
  if (!text) return bad(l, v, AIMC_EINVAL, "a base setting takes one value");
  int rc = aimc_sweep_spec_set_base(l->ctx, l->spec, key, text);
  return rc ? bad(l, v, rc, aimc_ctx_errmsg(l->ctx)) : AIMC_OK;
}

static int axis_leaf(loader *l, const char *key, const aimc_cfg_node *v) {
  if (is_range(v)) {
    const char *min = aimc_cfg_scalar(aimc_cfg_get(v, "min"));
    const char *max = aimc_cfg_scalar(aimc_cfg_get(v, "max"));
    const char *log = aimc_cfg_scalar(aimc_cfg_get(v, "log"));
    for (size_t i = 0; i < aimc_cfg_len(v); i++) {
      const char *k = aimc_cfg_key_at(v, i);
      if (strcmp(k, "min") && strcmp(k, "max") && strcmp(k, "log"))
        return bad(l, aimc_cfg_key_node_at(v, i), AIMC_EINVAL,
                   "a range takes min, max and log only");
    }
    if (!min || !max)
      return bad(l, v, AIMC_EINVAL, "a range needs scalar min and max");
    int is_log = log && (!strcmp(log, "true") || !strcmp(log, "yes") ||
                         !strcmp(log, "1"));
    if (log && !is_log && strcmp(log, "false") && strcmp(log, "no") &&
        strcmp(log, "0"))
      return bad(l, aimc_cfg_get(v, "log"), AIMC_EINVAL,
                 "log takes true or false");
    int rc = aimc_sweep_spec_add_range(l->ctx, l->spec, key, min, max, is_log);
    return rc ? bad(l, v, rc, aimc_ctx_errmsg(l->ctx)) : AIMC_OK;
  }
  if (aimc_cfg_type_of(v) != AIMC_CFG_SEQ || aimc_cfg_len(v) == 0)
    return bad(l, v, AIMC_EINVAL,
               "an axis takes a non-empty list of values, e.g. [16, 32]");
  size_t n = aimc_cfg_len(v);
  const char **values = aimc_calloc(l->ctx, n, sizeof *values);
  if (!values) return aimc_error(l->ctx, AIMC_ENOMEM, "out of memory");
  int rc = AIMC_OK;
  for (size_t i = 0; i < n && !rc; i++)
    if (!(values[i] = aimc_cfg_scalar(aimc_cfg_at(v, i))))
      rc =
          bad(l, aimc_cfg_at(v, i), AIMC_EINVAL, "axis values must be scalars");
  if (!rc) {
    rc = aimc_sweep_spec_add_axis(l->ctx, l->spec, key, n, values);
    if (rc) rc = bad(l, v, rc, aimc_ctx_errmsg(l->ctx));
  }
  aimc_free(l->ctx, (void *)values);
  return rc;
}

/* One list point: collects its flattened keys, then adds the point. */
typedef struct {
  loader base;
  size_t n;
  char keys[64][256];
  const char *values[64];
} point_loader;

static int point_leaf(loader *l, const char *key, const aimc_cfg_node *v) {
  point_loader *p = (point_loader *)l;
  const char *text = aimc_cfg_scalar(v);
  if (!text)
    return bad(l, v, AIMC_EINVAL, "a list point's setting takes one value");
  if (p->n == 64)
    return bad(l, v, AIMC_EINVAL, "more than 64 settings in one point");
  snprintf(p->keys[p->n], sizeof p->keys[0], "%s", key);
  p->values[p->n++] = text;
  return AIMC_OK;
}

static int load_list(loader *l, const aimc_cfg_node *seq) {
  if (aimc_cfg_type_of(seq) != AIMC_CFG_SEQ || aimc_cfg_len(seq) == 0)
    return bad(l, seq, AIMC_EINVAL, "list takes a non-empty sequence of maps");
  point_loader *p = aimc_malloc(l->ctx, sizeof *p);
  if (!p) return aimc_error(l->ctx, AIMC_ENOMEM, "out of memory");
  p->base = *l;
  int rc = AIMC_OK;
  for (size_t i = 0; i < aimc_cfg_len(seq) && !rc; i++) {
    const aimc_cfg_node *m = aimc_cfg_at(seq, i);
    if (aimc_cfg_type_of(m) != AIMC_CFG_MAP) {
      rc = bad(l, m, AIMC_EINVAL, "each list point is a map of settings");
      break;
    }
    p->n = 0;
    rc = walk(&p->base, m, "", point_leaf, NULL);
    const char *keys[64];
    for (size_t k = 0; k < p->n; k++) keys[k] = p->keys[k];
    if (!rc)
      rc = aimc_sweep_spec_add_point(l->ctx, l->spec, p->n, keys, p->values);
    if (rc && strncmp(aimc_ctx_errmsg(l->ctx), "sweep: ", 7) == 0)
      rc = bad(l, m, rc, aimc_ctx_errmsg(l->ctx)); /* add the location */
  }
  aimc_free(l->ctx, p);
  return rc;
}

static int get_count(loader *l, const aimc_cfg_node *n, long min, long max,
                     long *out) {
  int rc = aimc_cfg_get_int(l->ctx, n, out);
  if (rc) return rc;
  if (*out < min || *out > max) {
    char msg[96];
    snprintf(msg, sizeof msg, "%ld is out of range [%ld, %ld]", *out, min, max);
    return bad(l, n, AIMC_ERANGE, msg);
  }
  return AIMC_OK;
}

static int load_root(loader *l, const aimc_cfg_node *root) {
  static const char *const KNOWN[] = {"name",  "evaluator", "seed",
                                      "seeds", "base",      "grid",
                                      "list",  "random",    NULL};
  l->section = "spec";
  if (aimc_cfg_type_of(root) != AIMC_CFG_MAP)
    return bad(l, root, AIMC_EINVAL,
               "the spec must be a map (name, base, grid, ...)");
  int modes = 0;
  for (size_t i = 0; i < aimc_cfg_len(root); i++) {
    const char *k = aimc_cfg_key_at(root, i);
    size_t j = 0;
    while (KNOWN[j] && strcmp(KNOWN[j], k)) j++;
    if (!KNOWN[j]) {
      char msg[320];
      snprintf(msg, sizeof msg,
               "unknown key '%s' (valid: name, evaluator, seed, seeds, "
               "base, grid, list, random)",
               k);
      return bad(l, aimc_cfg_key_node_at(root, i), AIMC_EINVAL, msg);
    }
    modes += !strcmp(k, "grid") || !strcmp(k, "list") || !strcmp(k, "random");
  }
  if (modes != 1)
    return bad(l, root, AIMC_EINVAL,
               "give exactly one of grid, list or random");
  const aimc_cfg_node *n;
  int rc = AIMC_OK;
  if ((n = aimc_cfg_get(root, "evaluator"))) {
    const char *ev = aimc_cfg_scalar(n);
    if (!ev || !aimc_sweep_evaluator_find(ev))
      return bad(l, n, AIMC_EINVAL,
                 "evaluator must be 'pipeline' or 'synthetic'");
    rc = aimc_sweep_spec_set_evaluator(l->ctx, l->spec, ev);
  }
  uint64_t seed = 1;
  long seeds = 1;
  if (!rc && (n = aimc_cfg_get(root, "seed"))) {
    const char *text = aimc_cfg_scalar(n);
    int ps = aimc_seed_parse(text, &seed);
    if (ps) {
      char msg[160];
      snprintf(msg, sizeof msg, "seed takes " AIMC_SEED_RANGE ", not '%s' (%s)",
               text ? text : "(not a scalar)", aimc_seed_rule(ps));
      rc = bad(l, n, ps, msg);
    }
  }
  if (!rc && (n = aimc_cfg_get(root, "seeds")))
    rc = get_count(l, n, 1, 1000, &seeds);
  if (rc) return rc;
  aimc_sweep_spec_set_seeds(l->spec, seed, (unsigned)seeds);
  if ((n = aimc_cfg_get(root, "base"))) {
    l->section = "base";
    if (aimc_cfg_type_of(n) != AIMC_CFG_MAP)
      return bad(l, n, AIMC_EINVAL, "base is a map");
    if ((rc = walk(l, n, "", base_leaf, NULL))) return rc;
  }
  if ((n = aimc_cfg_get(root, "grid"))) {
    l->section = "grid";
    aimc_sweep_spec_set_mode(l->spec, AIMC_SWEEP_GRID, 0);
    if (aimc_cfg_type_of(n) != AIMC_CFG_MAP)
      return bad(l, n, AIMC_EINVAL, "grid is a map of axes");
    rc = walk(l, n, "", axis_leaf, NULL);
  } else if ((n = aimc_cfg_get(root, "list"))) {
    l->section = "list";
    aimc_sweep_spec_set_mode(l->spec, AIMC_SWEEP_LIST, 0);
    rc = load_list(l, n);
  } else {
    n = aimc_cfg_get(root, "random");
    l->section = "random";
    const aimc_cfg_node *count = aimc_cfg_get(n, "n");
    long n_random = 0;
    if (!count)
      return bad(l, n, AIMC_EINVAL, "random needs n (the number of points)");
    if ((rc = get_count(l, count, 1, 1000000, &n_random))) return rc;
    aimc_sweep_spec_set_mode(l->spec, AIMC_SWEEP_RANDOM, (size_t)n_random);
    rc = walk(l, n, "", axis_leaf, "n");
  }
  if (!rc) {
    rc = aimc_sweep_spec_expand(l->ctx, l->spec);
    if (rc) {
      l->section = "spec";
      rc = bad(l, root, rc, aimc_ctx_errmsg(l->ctx));
    }
  }
  return rc;
}

/* The directory part of a path ("" for none). */
static void dir_of(const char *path, char *buf, size_t len) {
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (slash == path) n = 1;
  if (n >= len) n = len - 1;
  memcpy(buf, path, n);
  buf[n] = '\0';
}

static int name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.';
}

/* The results go to results/<name>: the name must be one plain folder
 * name, so a spec can never write outside results/ ("../x", "/tmp"). */
static int check_name(aimc_ctx *ctx, const aimc_cfg_node *n) {
  aimc_srcloc loc = aimc_cfg_loc(n);
  const char *t = aimc_cfg_scalar(n);
  if (!t)
    return aimc_error_at(ctx, AIMC_EINVAL, &loc, "sweep spec: name expects a scalar, got %s",
                         aimc_cfg_type_name(aimc_cfg_type_of(n)));
  int ok = t[0] && t[0] != '.' && t[0] != '-' && strlen(t) <= 128;
  for (const char *c = t; *c && ok; c++) ok = name_char(*c);
  if (ok) return AIMC_OK;
  return aimc_error_at(ctx, AIMC_EINVAL, &loc,
                       "sweep spec: name '%s' must be a plain folder name (letters, digits, "
                       "'_', '-', '.'; not starting with '.' or '-'; at most 128 characters): "
                       "results go to results/<name>",
                       t);
}

static int finish(aimc_ctx *ctx, aimc_cfg *cfg, const char *path,
                  const char *dir, aimc_sweep_spec **out) {
  *out = NULL;
  char name[256];
  const char *base = strrchr(path, '/');
  snprintf(name, sizeof name, "%s", base ? base + 1 : path);
  char *dot = strrchr(name, '.');
  if (dot && dot != name) *dot = '\0';
  /* A name from the file's stem keeps only safe characters. */
  for (char *c = name; *c; c++)
    if (!name_char(*c)) *c = '_';
  if (name[0] == '.' || name[0] == '-' || !name[0]) name[0] = '_';
  const aimc_cfg_node *nn = aimc_cfg_get(aimc_cfg_root(cfg), "name");
  if (nn) {
    int rc = check_name(ctx, nn);
    if (rc) return rc;
    snprintf(name, sizeof name, "%s", aimc_cfg_scalar(nn));
  }
  aimc_sweep_spec *spec = aimc_sweep_spec_alloc(ctx, name);
  if (!spec)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading %s", path);
  loader l = {ctx, spec, "spec"};
  int rc = aimc_sweep_spec_set_dir(ctx, spec, dir);
  if (!rc) rc = load_root(&l, aimc_cfg_root(cfg));
  if (rc) {
    aimc_sweep_spec_free(ctx, spec);
    return rc;
  }
  *out = spec;
  return AIMC_OK;
}

int aimc_sweep_spec_load(aimc_ctx *ctx, const char *path,
                         aimc_sweep_spec **out) {
  aimc_cfg *cfg;
  *out = NULL;
  int rc = aimc_cfg_load(ctx, path, &cfg);
  if (rc) return rc;
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  rc = finish(ctx, cfg, path, dir, out);
  aimc_cfg_free(cfg);
  return rc;
}

int aimc_sweep_spec_parse(aimc_ctx *ctx, const char *name, const char *text,
                          aimc_sweep_spec **out) {
  aimc_cfg *cfg;
  *out = NULL;
  int rc = aimc_cfg_parse(ctx, name, text, &cfg);
  if (rc) return rc;
  rc = finish(ctx, cfg, name, "", out);
  aimc_cfg_free(cfg);
  return rc;
}
