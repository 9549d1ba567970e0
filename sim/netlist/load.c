/* The netlist loader's entry points and file handling: reads the top file
 * and its includes (cycle-checked), collects `params:` (flattened to dotted
 * names) and `subckts:`, applies -D overrides and the `clock:` section,
 * then hands over to elaboration (elab.c) and wiring checks (connect.c). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimc/status.h"
#include "netlist_internal.h"

#ifndef AIMC_SOURCE_DIR
#define AIMC_SOURCE_DIR "."
#endif

static const char *const TOP_KEYS[] = {"name",   "doc",     "meta",      "include", "clock",
                                       "params", "subckts", "instances", "nets",    NULL};
static const char *const INCLUDE_KEYS[] = {"doc", "meta", "include", "params", "subckts", NULL};
static const char *const SUBCKT_KEYS[] = {"doc", "params", "ports", "instances", "nets", NULL};

typedef struct {
  aimc_time period;
  aimc_time resolution;
} clock_section;

static const aimc_param CLOCK_PARAMS[] = {
    {"period", AIMC_PT_TIME, offsetof(clock_section, period), 0, 0, 1, AIMC_U_SECOND,
     "Period of the global clock; 0 means no clock.", "netlist", NULL, NULL},
    {"resolution", AIMC_PT_TIME, offsetof(clock_section, resolution), 1e-15, 1e-15, 1,
     AIMC_U_SECOND, "Time resolution the design asks for (the kernel counts fs).",
     "netlist", NULL, NULL},
};

static int nomem(nl_loader *L) {
  return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
}

aimc_srcloc nl_keep_loc(const nl_loader *L, aimc_srcloc loc) {
  for (size_t k = 0; k < L->n_docs; k++)
    if (loc.file == aimc_cfg_file(L->docs[k])) loc.file = L->d->files[k];
  return loc;
}

/* Takes ownership of cfg: it joins L->docs and its name L->d->files. */
static int add_doc(nl_loader *L, aimc_cfg *cfg) {
  aimc_design *d = L->d;
  size_t cap_files = L->cap_docs;
  char *name = aimc_strdup(L->ctx, aimc_cfg_file(cfg));
  if (!name || nl_grow(L->ctx, &L->docs, &L->cap_docs, L->n_docs, sizeof *L->docs) ||
      nl_grow(L->ctx, &d->files, &cap_files, d->n_files, sizeof *d->files)) {
    aimc_free(L->ctx, name);
    aimc_cfg_free(cfg);
    return nomem(L);
  }
  L->docs[L->n_docs++] = cfg;
  d->files[d->n_files++] = name;
  return AIMC_OK;
}

static aimc_cfg *find_doc(const nl_loader *L, const char *path) {
  for (size_t k = 0; k < L->n_docs; k++)
    if (!strcmp(aimc_cfg_file(L->docs[k]), path)) return L->docs[k];
  return NULL;
}

int nl_load_doc(nl_loader *L, const char *path, const aimc_srcloc *from,
                aimc_cfg **out) {
  *out = find_doc(L, path);
  if (*out) return AIMC_OK;
  aimc_cfg *cfg;
  int rc = aimc_cfg_load_from(L->ctx, path, from, &cfg);
  if (rc) return rc;
  rc = add_doc(L, cfg);
  if (rc) return rc;
  *out = cfg;
  return AIMC_OK;
}

/* A candidate exists (it may still fail to open: the load says why). */
static int readable(const char *path) { return access(path, F_OK) == 0; }

int nl_resolve_path(nl_loader *L, const char *rel, const aimc_srcloc *from, char *out,
                    size_t len) {
  if (rel[0] == '/') {
    snprintf(out, len, "%s", rel);
    return AIMC_OK; /* the load names the path and the reason */
  }
  char dir[PATH_MAX] = ".";
  const char *slash = from && from->file ? strrchr(from->file, '/') : NULL;
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - from->file), from->file);
  const char *dirs[] = {dir, ".", L->opts && L->opts->search_dir ? L->opts->search_dir : NULL,
                        AIMC_SOURCE_DIR};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    if (!dirs[i]) continue;
    if (!strcmp(dirs[i], "."))
      snprintf(out, len, "%s", rel);
    else
      snprintf(out, len, "%s/%s", dirs[i], rel);
    if (readable(out)) return AIMC_OK;
  }
  return aimc_error_at(L->ctx, AIMC_ENOTFOUND, from,
                       "cannot find '%s' (looked in %s/, the current directory%s%s and %s/)",
                       rel, dir, dirs[2] ? ", " : "", dirs[2] ? dirs[2] : "", AIMC_SOURCE_DIR);
}

/* params: nested maps flatten to dotted names; leaves are scalars. */
static int add_params(nl_loader *L, const aimc_cfg_node *map, const char *prefix) {
  int rc = aimc_cfg_check_keys(L->ctx, map, NULL, NULL);
  if (aimc_cfg_type_of(map) != AIMC_CFG_MAP) return rc; /* null is fine */
  for (size_t i = 0; i < aimc_cfg_len(map); i++) {
    const aimc_cfg_node *key = aimc_cfg_key_node_at(map, i), *v = aimc_cfg_at(map, i);
    char name[NL_TEXT];
    snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", aimc_cfg_scalar(key));
    aimc_srcloc loc = aimc_cfg_loc(key);
    if (aimc_cfg_type_of(v) == AIMC_CFG_MAP) {
      rc = add_params(L, v, name);
      if (rc) return rc;
      continue;
    }
    if (aimc_cfg_type_of(v) == AIMC_CFG_SEQ)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "params: '%s' expects a scalar or a mapping, got a sequence", name);
    const nl_var *twice = nl_scope_get(L, &L->globals, name, strlen(name));
    if (twice)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "params: '%s' is defined twice (first at %s:%d)", name,
                           twice->loc.file, twice->loc.line);
    const char *text = aimc_cfg_scalar(v);
    rc = nl_scope_set(L, &L->globals, name, text ? text : "", loc);
    if (rc) return rc;
  }
  return AIMC_OK;
}

static int add_subckts(nl_loader *L, const aimc_cfg_node *map) {
  int rc = aimc_cfg_check_keys(L->ctx, map, NULL, NULL);
  if (aimc_cfg_type_of(map) != AIMC_CFG_MAP) return rc;
  for (size_t i = 0; i < aimc_cfg_len(map); i++) {
    const char *name = aimc_cfg_key_at(map, i);
    const aimc_cfg_node *def = aimc_cfg_at(map, i);
    aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_key_node_at(map, i));
    char section[300];
    snprintf(section, sizeof section, "subckt '%s'", name);
    if (aimc_cfg_type_of(def) != AIMC_CFG_MAP)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s: expected a mapping, got %s",
                           section, aimc_cfg_type_name(aimc_cfg_type_of(def)));
    rc = aimc_cfg_check_keys(L->ctx, def, SUBCKT_KEYS, section);
    if (rc) return rc;
    int first;
    rc = aimc_strmap_put(L->ctx, &L->sub_names, name, strlen(name), (int)L->n_sub, &first);
    if (rc) return rc;
    if (first >= 0)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "subckt '%s' is defined twice (first at %s:%d)", name,
                           L->sub[first].loc.file, L->sub[first].loc.line);
    rc = nl_grow(L->ctx, &L->sub, &L->cap_sub, L->n_sub, sizeof *L->sub);
    if (rc) return rc;
    nl_subckt *s = &L->sub[L->n_sub++];
    s->name = name;
    s->def = def;
    s->params = aimc_cfg_get(def, "params");
    s->ports = aimc_cfg_get(def, "ports");
    s->instances = aimc_cfg_get(def, "instances");
    s->nets = aimc_cfg_get(def, "nets");
    s->loc = loc;
  }
  return AIMC_OK;
}

static int process_file(nl_loader *L, aimc_cfg *cfg, int top, const aimc_cfg_node **clock);

static int process_include(nl_loader *L, const aimc_cfg_node *item) {
  const char *rel = aimc_cfg_scalar(item);
  aimc_srcloc loc = aimc_cfg_loc(item);
  if (!rel)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "include: expected a file name, got %s",
                         aimc_cfg_type_name(aimc_cfg_type_of(item)));
  char path[PATH_MAX], canon[PATH_MAX];
  int rc = nl_resolve_path(L, rel, &loc, path, sizeof path);
  if (rc) return rc;
  if (!realpath(path, canon)) snprintf(canon, sizeof canon, "%s", path);
  for (size_t k = 0; k < L->include_depth; k++) {
    if (strcmp(L->include_stack[k], canon)) continue;
    char chain[2048] = "";
    size_t used = 0;
    for (size_t j = k; j < L->include_depth && used < sizeof chain; j++) {
      const char *base = strrchr(L->include_stack[j], '/');
      used += (size_t)snprintf(chain + used, sizeof chain - used, "%s -> ",
                               base ? base + 1 : L->include_stack[j]);
    }
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "include cycle: %s%s", chain, rel);
  }
  if (find_doc(L, path)) return AIMC_OK; /* already included (diamond) */
  aimc_cfg *cfg;
  rc = nl_load_doc(L, path, &loc, &cfg);
  if (rc) return rc;
  return process_file(L, cfg, 0, NULL);
}

static int process_includes(nl_loader *L, const aimc_cfg_node *inc) {
  if (!inc) return AIMC_OK;
  if (aimc_cfg_type_of(inc) != AIMC_CFG_SEQ) return process_include(L, inc);
  for (size_t i = 0; i < aimc_cfg_len(inc); i++) {
    int rc = process_include(L, aimc_cfg_at(inc, i));
    if (rc) return rc;
  }
  return AIMC_OK;
}

static int process_file(nl_loader *L, aimc_cfg *cfg, int top, const aimc_cfg_node **clock) {
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  aimc_srcloc loc = aimc_cfg_loc(root);
  if (aimc_cfg_type_of(root) != AIMC_CFG_MAP)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "a netlist%s must be a mapping (with %s), got %s",
                         top ? "" : " include", top ? "instances: and nets:" : "subckts:",
                         aimc_cfg_type_name(aimc_cfg_type_of(root)));
  int rc = aimc_cfg_check_keys(L->ctx, root, top ? TOP_KEYS : INCLUDE_KEYS,
                               top ? "netlist" : "included netlist");
  if (rc) return rc;
  char canon[PATH_MAX];
  if (!realpath(aimc_cfg_file(cfg), canon)) snprintf(canon, sizeof canon, "%s", aimc_cfg_file(cfg));
  /* The include stack (canonical paths of the files being read) grows by
   * one per nesting level; include cycles are found on it. */
  char *entry = aimc_strdup(L->ctx, canon);
  if (!entry) return nomem(L);
  const char **stack = aimc_realloc(L->ctx, (void *)L->include_stack,
                                    (L->include_depth + 1) * sizeof *stack);
  if (!stack) {
    aimc_free(L->ctx, entry);
    return nomem(L);
  }
  L->include_stack = stack;
  L->include_stack[L->include_depth++] = entry;
  rc = process_includes(L, aimc_cfg_get(root, "include"));
  L->include_depth--;
  aimc_free(L->ctx, entry);
  if (rc) return rc;

  const aimc_cfg_node *params = aimc_cfg_get(root, "params");
  if (params && (rc = add_params(L, params, ""))) return rc;
  const aimc_cfg_node *subckts = aimc_cfg_get(root, "subckts");
  if (subckts && (rc = add_subckts(L, subckts))) return rc;
  if (!top) return AIMC_OK;

  const aimc_cfg_node *name = aimc_cfg_get(root, "name");
  if (name) {
    const char *text = aimc_cfg_scalar(name);
    aimc_srcloc nloc = aimc_cfg_loc(name);
    if (!text) return aimc_error_at(L->ctx, AIMC_EINVAL, &nloc, "name: expected a scalar");
    if (!(L->d->name = aimc_strdup(L->ctx, text))) return nomem(L);
  }
  *clock = aimc_cfg_get(root, "clock");
  L->instances = aimc_cfg_get(root, "instances");
  L->nets = aimc_cfg_get(root, "nets");
  if (!L->instances || aimc_cfg_len(L->instances) == 0)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "the netlist has no instances: section");
  return AIMC_OK;
}

static int apply_defines(nl_loader *L) {
  const aimc_netlist_opts *o = L->opts;
  for (size_t i = 0; o && i < o->n_defines; i++) {
    const char *def = o->defines[i], *eq = strchr(def, '=');
    aimc_srcloc loc = {"-D", 0, 0};
    if (!eq || eq == def)
      return aimc_error_at(L->ctx, AIMC_EUSAGE, &loc, "'%s' is not of the form name=value", def);
    size_t n = (size_t)(eq - def);
    const nl_var *var = nl_scope_get(L, &L->globals, def, n);
    if (!var) {
      char names[512];
      nl_scope_names(&L->globals, names, sizeof names);
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "'%.*s' is not a parameter of the netlist (params: %s)", (int)n,
                           def, names);
    }
    char name[NL_TEXT];
    snprintf(name, sizeof name, "%s", var->name);
    int rc = nl_scope_set(L, &L->globals, name, eq + 1, loc);
    if (rc) return rc;
  }
  return AIMC_OK;
}

typedef struct {
  nl_loader *L;
  char buf[NL_TEXT];
} expand_ctx;

static int expand_globals(void *user, const aimc_cfg_node *value, const char **text,
                          aimc_srcloc *loc) {
  (void)loc;
  expand_ctx *e = user;
  int rc = nl_expand(e->L, &e->L->globals, aimc_cfg_scalar(value), aimc_cfg_loc(value),
                     e->buf, sizeof e->buf);
  *text = e->buf;
  return rc;
}

static int bind_clock(nl_loader *L, const aimc_cfg_node *clock) {
  clock_section c;
  aimc_params_defaults(CLOCK_PARAMS, AIMC_NPARAMS(CLOCK_PARAMS), &c);
  if (clock) {
    expand_ctx e = {L, ""};
    int rc = aimc_cfg_bind_ex(L->ctx, clock, CLOCK_PARAMS, AIMC_NPARAMS(CLOCK_PARAMS), &c,
                              "clock", NULL, expand_globals, &e);
    if (rc) return rc;
  }
  L->d->clock_period = c.period;
  L->d->resolution = c.resolution;
  return AIMC_OK;
}

static void loader_fini(nl_loader *L) {
  aimc_ctx *ctx = L->ctx;
  for (size_t k = 0; k < L->n_docs; k++) aimc_cfg_free(L->docs[k]);
  aimc_free(ctx, L->docs);
  aimc_free(ctx, (void *)L->include_stack);
  aimc_free(ctx, L->sub);
  aimc_strmap_fini(ctx, &L->sub_names);
  aimc_strmap_fini(ctx, &L->net_names);
  aimc_free(ctx, (void *)L->sub_stack);
  nl_scope_fini(ctx, &L->globals);
  for (size_t i = 0; i < L->n_node; i++) aimc_free(ctx, L->node[i].name);
  aimc_free(ctx, L->node);
}

/* Everything after the top document is in L->docs[0]. */
static int load_top(nl_loader *L) {
  const aimc_cfg_node *clock = NULL;
  int rc = process_file(L, L->docs[0], 1, &clock);
  if (!rc) rc = apply_defines(L);
  if (!rc) rc = bind_clock(L, clock);
  if (!rc) rc = nl_elaborate(L);
  if (!rc) rc = nl_connect(L);
  if (!rc) rc = nl_design_index(L->ctx, L->d);
  return rc;
}

static int load(aimc_ctx *ctx, const char *path, const char *text,
                const aimc_netlist_opts *opts, aimc_design **out) {
  *out = NULL;
  nl_loader L = {0};
  L.ctx = ctx;
  L.opts = opts;
  L.d = aimc_calloc(ctx, 1, sizeof *L.d);
  if (!L.d) return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading %s", path);
  int rc = (L.d->path = aimc_strdup(ctx, path)) ? AIMC_OK : nomem(&L);
  if (!rc) {
    aimc_cfg *cfg;
    rc = text ? aimc_cfg_parse(ctx, path, text, &cfg) : aimc_cfg_load(ctx, path, &cfg);
    if (!rc) rc = add_doc(&L, cfg);
  }
  if (!rc) rc = load_top(&L);
  if (opts && opts->work) *opts->work = L.work;
  loader_fini(&L);
  if (rc) {
    aimc_design_free(ctx, L.d);
    return rc;
  }
  *out = L.d;
  return AIMC_OK;
}

int aimc_netlist_load_opts(aimc_ctx *ctx, const char *path, const aimc_netlist_opts *opts,
                           aimc_design **out) {
  return load(ctx, path, NULL, opts, out);
}

int aimc_netlist_load(aimc_ctx *ctx, const char *path, aimc_design **out) {
  return load(ctx, path, NULL, NULL, out);
}

int aimc_netlist_parse(aimc_ctx *ctx, const char *name, const char *text,
                       const aimc_netlist_opts *opts, aimc_design **out) {
  return load(ctx, name, text, opts, out);
}
