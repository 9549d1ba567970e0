/* Sweep specs: settings, axes and list points, and their expansion into the
 * flat point x key table of values that runs and results are indexed by.
 * Invariant after expansion: values[i * n_keys + k] is an owned string for
 * every point i and key k; varied keys precede base-only keys. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "aimc/sweep.h"
#include "aimc/units.h"

typedef struct {
  char *key;
  size_t n;
  char **values; /* choices (n of them), or NULL for a range */
  char *min, *max;
  int log;
} axis;

typedef struct {
  size_t n;
  char **keys, **values;
} list_point;

struct aimc_sweep_spec {
  char *name, *evaluator, *dir;
  aimc_sweep_mode mode;
  size_t n_random;
  uint64_t seed;
  unsigned n_seeds;
  size_t n_base;
  char **base_keys, **base_values;
  size_t n_axes;
  axis *axes;
  size_t n_list;
  list_point *list;
  /* Expansion. */
  int expanded;
  size_t n_keys, n_points;
  char **keys; /* owned copies */
  int *varies;
  char **values;
  uint64_t hash;
};

static const char *const METRIC_NAME[] = {
#define X(name, unit, doc) #name,
    AIMC_SWEEP_METRICS(X)
#undef X
};
static const char *const METRIC_UNIT[] = {
#define X(name, unit, doc) unit,
    AIMC_SWEEP_METRICS(X)
#undef X
};
static const char *const METRIC_DOC[] = {
#define X(name, unit, doc) doc,
    AIMC_SWEEP_METRICS(X)
#undef X
};

const char *aimc_sweep_metric_name(int m) {
  return m >= 0 && m < AIMC_SWEEP_N_METRICS ? METRIC_NAME[m] : NULL;
}
const char *aimc_sweep_metric_unit(int m) {
  return m >= 0 && m < AIMC_SWEEP_N_METRICS ? METRIC_UNIT[m] : NULL;
}
const char *aimc_sweep_metric_doc(int m) {
  return m >= 0 && m < AIMC_SWEEP_N_METRICS ? METRIC_DOC[m] : NULL;
}
int aimc_sweep_metric_find(const char *name) {
  for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++)
    if (strcmp(METRIC_NAME[m], name) == 0) return m;
  return -1;
}

/* ---- Building ------------------------------------------------------------ */

aimc_sweep_spec *aimc_sweep_spec_alloc(aimc_ctx *ctx, const char *name) {
  aimc_sweep_spec *s = aimc_calloc(ctx, 1, sizeof *s);
  if (!s) return NULL;
  s->name = aimc_strdup(ctx, name ? name : "sweep");
  s->evaluator = aimc_strdup(ctx, "pipeline");
  s->dir = aimc_strdup(ctx, "");
  if (!s->name || !s->evaluator || !s->dir) {
    aimc_sweep_spec_free(ctx, s);
    return NULL;
  }
  s->seed = 1;
  s->n_seeds = 1;
  return s;
}

static void free_strings(aimc_ctx *ctx, char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) aimc_free(ctx, v[i]);
  aimc_free(ctx, v);
}

static void clear_expansion(aimc_ctx *ctx, aimc_sweep_spec *s) {
  free_strings(ctx, s->values, s->n_points * s->n_keys);
  free_strings(ctx, s->keys, s->n_keys);
  aimc_free(ctx, s->varies);
  s->values = s->keys = NULL;
  s->varies = NULL;
  s->n_points = s->n_keys = 0;
  s->expanded = 0;
}

void aimc_sweep_spec_free(aimc_ctx *ctx, aimc_sweep_spec *s) {
  if (!s) return;
  clear_expansion(ctx, s);
  for (size_t a = 0; a < s->n_axes; a++) {
    aimc_free(ctx, s->axes[a].key);
    free_strings(ctx, s->axes[a].values, s->axes[a].n);
    aimc_free(ctx, s->axes[a].min);
    aimc_free(ctx, s->axes[a].max);
  }
  aimc_free(ctx, s->axes);
  for (size_t p = 0; p < s->n_list; p++) {
    free_strings(ctx, s->list[p].keys, s->list[p].n);
    free_strings(ctx, s->list[p].values, s->list[p].n);
  }
  aimc_free(ctx, s->list);
  free_strings(ctx, s->base_keys, s->n_base);
  free_strings(ctx, s->base_values, s->n_base);
  aimc_free(ctx, s->name);
  aimc_free(ctx, s->evaluator);
  aimc_free(ctx, s->dir);
  aimc_free(ctx, s);
}

/* Grows an array of `size`-byte items by one; NULL when out of memory
 * (the old array stays valid). */
static void *grow(aimc_ctx *ctx, void *arr, size_t n, size_t size) {
  return aimc_realloc(ctx, arr, (n + 1) * size);
}

static int nomem(aimc_ctx *ctx) {
  return aimc_error(ctx, AIMC_ENOMEM, "out of memory building a sweep spec");
}

static int replace(aimc_ctx *ctx, char **slot, const char *value) {
  char *c = aimc_strdup(ctx, value);
  if (!c) return nomem(ctx);
  aimc_free(ctx, *slot);
  *slot = c;
  return AIMC_OK;
}

static int check_key(aimc_ctx *ctx, const char *key) {
  if (!key || !*key)
    return aimc_error(ctx, AIMC_EINVAL, "sweep: empty setting name");
  for (const char *c = key; *c; c++)
    if (*c == ',' || *c == '"' || *c == '\n' || *c == '=')
      return aimc_error(ctx, AIMC_EINVAL,
                        "sweep: setting name '%s' contains '%c'", key, *c);
  return AIMC_OK;
}

int aimc_sweep_spec_set_base(aimc_ctx *ctx, aimc_sweep_spec *s, const char *key,
                             const char *value) {
  int rc = check_key(ctx, key);
  if (rc) return rc;
  s->expanded = 0;
  for (size_t i = 0; i < s->n_base; i++)
    if (strcmp(s->base_keys[i], key) == 0)
      return replace(ctx, &s->base_values[i], value);
  char **k = grow(ctx, s->base_keys, s->n_base, sizeof *k);
  if (!k) return nomem(ctx);
  s->base_keys = k;
  char **v = grow(ctx, s->base_values, s->n_base, sizeof *v);
  if (!v) return nomem(ctx);
  s->base_values = v;
  k[s->n_base] = aimc_strdup(ctx, key);
  v[s->n_base] = aimc_strdup(ctx, value);
  if (!k[s->n_base] || !v[s->n_base]) {
    aimc_free(ctx, k[s->n_base]);
    aimc_free(ctx, v[s->n_base]);
    return nomem(ctx);
  }
  s->n_base++;
  return AIMC_OK;
}

static char **copy_strings(aimc_ctx *ctx, size_t n, const char *const *src) {
  char **v = aimc_calloc(ctx, n ? n : 1, sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0; i < n; i++)
    if (!(v[i] = aimc_strdup(ctx, src[i]))) {
      free_strings(ctx, v, i);
      return NULL;
    }
  return v;
}

/* Appends an axis (values or range set by the caller); checks uniqueness. */
static int new_axis(aimc_ctx *ctx, aimc_sweep_spec *s, const char *key,
                    axis **out) {
  int rc = check_key(ctx, key);
  if (rc) return rc;
  for (size_t a = 0; a < s->n_axes; a++)
    if (strcmp(s->axes[a].key, key) == 0)
      return aimc_error(ctx, AIMC_EINVAL, "sweep: axis '%s' given twice", key);
  axis *ax = grow(ctx, s->axes, s->n_axes, sizeof *ax);
  if (!ax) return nomem(ctx);
  s->axes = ax;
  memset(&ax[s->n_axes], 0, sizeof *ax);
  if (!(ax[s->n_axes].key = aimc_strdup(ctx, key))) return nomem(ctx);
  *out = &ax[s->n_axes++];
  s->expanded = 0;
  return AIMC_OK;
}

int aimc_sweep_spec_add_axis(aimc_ctx *ctx, aimc_sweep_spec *s, const char *key,
                             size_t n, const char *const *values) {
  if (n == 0)
    return aimc_error(ctx, AIMC_EINVAL, "sweep: axis '%s' has no values", key);
  axis *ax;
  int rc = new_axis(ctx, s, key, &ax);
  if (rc) return rc;
  if (!(ax->values = copy_strings(ctx, n, values))) return nomem(ctx);
  ax->n = n;
  return AIMC_OK;
}

int aimc_sweep_spec_add_range(aimc_ctx *ctx, aimc_sweep_spec *s,
                              const char *key, const char *min, const char *max,
                              int log) {
  axis *ax;
  int rc = new_axis(ctx, s, key, &ax);
  if (rc) return rc;
  ax->log = log;
  if (!(ax->min = aimc_strdup(ctx, min)) || !(ax->max = aimc_strdup(ctx, max)))
    return nomem(ctx);
  return AIMC_OK;
}

int aimc_sweep_spec_add_point(aimc_ctx *ctx, aimc_sweep_spec *s, size_t n,
                              const char *const *keys,
                              const char *const *values) {
  for (size_t i = 0; i < n; i++) {
    int rc = check_key(ctx, keys[i]);
    if (rc) return rc;
  }
  list_point *l = grow(ctx, s->list, s->n_list, sizeof *l);
  if (!l) return nomem(ctx);
  s->list = l;
  list_point *p = &l[s->n_list];
  memset(p, 0, sizeof *p);
  p->keys = copy_strings(ctx, n, keys);
  p->values = copy_strings(ctx, n, values);
  if (!p->keys || !p->values) {
    free_strings(ctx, p->keys, p->keys ? n : 0);
    free_strings(ctx, p->values, p->values ? n : 0);
    return nomem(ctx);
  }
  p->n = n;
  s->n_list++;
  s->expanded = 0;
  return AIMC_OK;
}

void aimc_sweep_spec_set_mode(aimc_sweep_spec *s, aimc_sweep_mode mode,
                              size_t n_random) {
  s->mode = mode;
  s->n_random = n_random;
  s->expanded = 0;
}

void aimc_sweep_spec_set_seeds(aimc_sweep_spec *s, uint64_t seed,
                               unsigned n_seeds) {
  s->seed = seed;
  s->n_seeds = n_seeds ? n_seeds : 1;
  s->expanded = 0;
}

int aimc_sweep_spec_set_evaluator(aimc_ctx *ctx, aimc_sweep_spec *s,
                                  const char *name) {
  s->expanded = 0;
  return replace(ctx, &s->evaluator, name);
}

int aimc_sweep_spec_set_dir(aimc_ctx *ctx, aimc_sweep_spec *s,
                            const char *dir) {
  return replace(ctx, &s->dir, dir);
}

/* ---- Expansion --------------------------------------------------------- */

static int key_index(const aimc_sweep_spec *s, const char *key) {
  for (size_t k = 0; k < s->n_keys; k++)
    if (strcmp(s->keys[k], key) == 0) return (int)k;
  return -1;
}

/* Adds key to the expansion's key list unless present. */
static int add_key(aimc_ctx *ctx, aimc_sweep_spec *s, const char *key,
                   int varies) {
  if (key_index(s, key) >= 0) return AIMC_OK;
  char **k = grow(ctx, s->keys, s->n_keys, sizeof *k);
  if (!k) return nomem(ctx);
  s->keys = k;
  int *v = grow(ctx, s->varies, s->n_keys, sizeof *v);
  if (!v) return nomem(ctx);
  s->varies = v;
  if (!(k[s->n_keys] = aimc_strdup(ctx, key))) return nomem(ctx);
  v[s->n_keys++] = varies;
  return AIMC_OK;
}

static const char *base_value(const aimc_sweep_spec *s, const char *key) {
  for (size_t i = 0; i < s->n_base; i++)
    if (strcmp(s->base_keys[i], key) == 0) return s->base_values[i];
  return NULL;
}

/* A uniform double in [0, 1) from (seed, counter): splitmix64 needs no
 * state and no allocation, and the draw of a cell does not depend on the
 * order cells are filled in. */
static double uniform01(uint64_t seed, uint64_t counter) {
  return (double)(aimc_seed_derive(seed, counter) >> 11) * 0x1.0p-53;
}

static int is_integer(const char *t) {
  char *end;
  strtol(t, &end, 10);
  return end != t && *end == '\0';
}

/* A number with whatever unit it carries. */
static int parse_quantity(aimc_ctx *ctx, const char *key, const char *text,
                          double *v, aimc_unit *unit) {
  for (int u = AIMC_U_NONE; u < AIMC_U_COUNT_; u++)
    if (aimc_unit_parse(text, (aimc_unit)u, v, NULL, 0) == AIMC_OK) {
      *unit = (aimc_unit)u;
      return AIMC_OK;
    }
  return aimc_error(ctx, AIMC_EPARSE,
                    "sweep: range of '%s': '%s' is not a number", key, text);
}

/* Draws one value of a range axis into buf. */
static int draw_range(aimc_ctx *ctx, const aimc_sweep_spec *s, const axis *ax,
                      size_t a, size_t point, char *buf, size_t len) {
  double lo = 0, hi = 0;
  aimc_unit ulo = AIMC_U_NONE, uhi = AIMC_U_NONE;
  int rc = parse_quantity(ctx, ax->key, ax->min, &lo, &ulo);
  if (!rc) rc = parse_quantity(ctx, ax->key, ax->max, &hi, &uhi);
  if (rc) return rc;
  if (ulo != uhi && ulo != AIMC_U_NONE && uhi != AIMC_U_NONE)
    return aimc_error(ctx, AIMC_EUNIT,
                      "sweep: range of '%s': units of '%s' and '%s' differ",
                      ax->key, ax->min, ax->max);
  if (!(lo <= hi))
    return aimc_error(ctx, AIMC_ERANGE, "sweep: range of '%s': min %s > max %s",
                      ax->key, ax->min, ax->max);
  if (ax->log && !(lo > 0))
    return aimc_error(ctx, AIMC_ERANGE,
                      "sweep: log range of '%s' needs min > 0, not %s", ax->key,
                      ax->min);
  double u = uniform01(aimc_seed_derive(s->seed, aimc_hash_str(ax->key)),
                       (uint64_t)point * 1000003u + a);
  aimc_unit unit = uhi != AIMC_U_NONE ? uhi : ulo;
  double v = ax->log ? lo * pow(hi / lo, u) : lo + u * (hi - lo);
  if (is_integer(ax->min) && is_integer(ax->max)) {
    long n = (long)floor(ax->log ? v : lo + u * (hi - lo + 1));
    if (n > (long)hi) n = (long)hi;
    snprintf(buf, len, "%ld", n);
  } else {
    aimc_unit_format(v, unit, buf, len);
  }
  return AIMC_OK;
}

/* Fills s->values for every point; the key list is already built. */
static int fill_values(aimc_ctx *ctx, aimc_sweep_spec *s) {
  char buf[64];
  for (size_t i = 0; i < s->n_points; i++) {
    size_t rest = i; /* grid: mixed-radix digits, last axis fastest */
    for (size_t kk = s->n_keys; kk-- > 0;) {
      const char *key = s->keys[kk];
      const char *v = base_value(s, key);
      if (s->mode == AIMC_SWEEP_LIST) {
        const list_point *p = &s->list[i];
        for (size_t j = 0; j < p->n; j++)
          if (strcmp(p->keys[j], key) == 0) v = p->values[j];
        if (!v)
          return aimc_error(
              ctx, AIMC_EINVAL,
              "sweep: list point %zu lacks '%s' and base has no default", i,
              key);
      } else if (s->varies[kk]) {
        size_t a = 0;
        while (strcmp(s->axes[a].key, key) != 0) a++;
        const axis *ax = &s->axes[a];
        if (s->mode == AIMC_SWEEP_GRID) {
          v = ax->values[rest % ax->n];
          rest /= ax->n;
        } else if (ax->values) {
          double u =
              uniform01(aimc_seed_derive(s->seed, aimc_hash_str(key)), i);
          v = ax->values[(size_t)(u * (double)ax->n)];
        } else {
          int rc = draw_range(ctx, s, ax, a, i, buf, sizeof buf);
          if (rc) return rc;
          v = buf;
        }
      }
      if (!(s->values[i * s->n_keys + kk] = aimc_strdup(ctx, v)))
        return nomem(ctx);
    }
  }
  return AIMC_OK;
}

/* A text field of a hash, continuing from h. */
static uint64_t fnv(uint64_t h, const char *text) {
  return aimc_fnv1a_sep(aimc_fnv1a(h, text, strlen(text)));
}

int aimc_sweep_spec_expand(aimc_ctx *ctx, aimc_sweep_spec *s) {
  clear_expansion(ctx, s);
  int rc = AIMC_OK;
  if (s->mode == AIMC_SWEEP_LIST) {
    if (s->n_list == 0)
      return aimc_error(ctx, AIMC_EINVAL, "sweep: the list has no points");
    for (size_t p = 0; p < s->n_list && !rc; p++)
      for (size_t j = 0; j < s->list[p].n && !rc; j++)
        rc = add_key(ctx, s, s->list[p].keys[j], 1);
    s->n_points = s->n_list;
  } else {
    if (s->n_axes == 0)
      return aimc_error(ctx, AIMC_EINVAL, "sweep: no axis to sweep over");
    s->n_points = 1;
    for (size_t a = 0; a < s->n_axes && !rc; a++) {
      const axis *ax = &s->axes[a];
      if (!ax->values && s->mode == AIMC_SWEEP_GRID)
        return aimc_error(
            ctx, AIMC_EINVAL,
            "sweep: axis '%s' is a range: ranges need random mode", ax->key);
      if (s->mode == AIMC_SWEEP_GRID) {
        if (s->n_points > ((size_t)1 << 24) / ax->n)
          return aimc_error(ctx, AIMC_ERANGE,
                            "sweep: the grid has too many points");
        s->n_points *= ax->n;
      }
      rc = add_key(ctx, s, ax->key, 1);
    }
    if (s->mode == AIMC_SWEEP_RANDOM) {
      if (s->n_random == 0)
        return aimc_error(ctx, AIMC_EINVAL, "sweep: random mode needs n >= 1");
      s->n_points = s->n_random;
    }
  }
  for (size_t b = 0; b < s->n_base && !rc; b++)
    rc = add_key(ctx, s, s->base_keys[b], 0);
  if (!rc && !(s->values = aimc_calloc(ctx, s->n_points * s->n_keys,
                                       sizeof *s->values)))
    rc = nomem(ctx);
  if (!rc) rc = fill_values(ctx, s);
  if (rc) {
    clear_expansion(ctx, s);
    return rc;
  }
  char num[64];
  uint64_t h = fnv(AIMC_FNV_BASIS, s->evaluator);
  snprintf(num, sizeof num, "%llu/%u", (unsigned long long)s->seed, s->n_seeds);
  h = fnv(h, num);
  for (size_t i = 0; i < s->n_points; i++)
    for (size_t k = 0; k < s->n_keys; k++) {
      h = fnv(h, s->keys[k]);
      h = fnv(h, s->values[i * s->n_keys + k]);
    }
  s->hash = h;
  s->expanded = 1;
  return AIMC_OK;
}

/* ---- Accessors ------------------------------------------------------------
 */

const char *aimc_sweep_spec_name(const aimc_sweep_spec *s) { return s->name; }
const char *aimc_sweep_spec_evaluator(const aimc_sweep_spec *s) {
  return s->evaluator;
}
const char *aimc_sweep_spec_dir(const aimc_sweep_spec *s) { return s->dir; }
aimc_sweep_mode aimc_sweep_spec_mode(const aimc_sweep_spec *s) {
  return s->mode;
}
uint64_t aimc_sweep_spec_seed(const aimc_sweep_spec *s) { return s->seed; }
unsigned aimc_sweep_spec_n_seeds(const aimc_sweep_spec *s) {
  return s->n_seeds;
}
size_t aimc_sweep_spec_n_points(const aimc_sweep_spec *s) {
  return s->n_points;
}
size_t aimc_sweep_spec_n_keys(const aimc_sweep_spec *s) { return s->n_keys; }
const char *aimc_sweep_spec_key(const aimc_sweep_spec *s, size_t k) {
  return k < s->n_keys ? s->keys[k] : NULL;
}
int aimc_sweep_spec_key_varies(const aimc_sweep_spec *s, size_t k) {
  return k < s->n_keys && s->varies[k];
}
const char *aimc_sweep_spec_value(const aimc_sweep_spec *s, size_t i,
                                  size_t k) {
  return i < s->n_points && k < s->n_keys ? s->values[i * s->n_keys + k] : NULL;
}
uint64_t aimc_sweep_spec_hash(const aimc_sweep_spec *s) { return s->hash; }

const char *aimc_sweep_point_get(const aimc_sweep_point *pt, const char *key) {
  int k = key_index(pt->spec, key);
  return k < 0 ? NULL : aimc_sweep_spec_value(pt->spec, pt->index, (size_t)k);
}
