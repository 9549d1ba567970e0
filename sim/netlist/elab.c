/* Elaboration: expands the `instances:` and `nets:` of the top level and,
 * recursively, of every subcircuit instance into design instances (with
 * bound parameters: model defaults -> card -> overrides, then the model's
 * validate) and connection nodes (see netlist_internal.h). Repetition
 * (`count: N`) makes copies name0..nameN-1 with `${i}` bound to the index. */
#include <ctype.h>
#include <limits.h> /* INT_MAX */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "netlist_internal.h"

#define NL_MAX_INSTANCES 1000000L

static const char *const INSTANCE_KEYS[] = {"model", "subckt", "card", "params",
                                            "count", "open",   "doc",  NULL};
static const char *const NET_KEYS[] = {"connect", "count", "width", "kind",
                                       "external", "doc",  NULL};
static const char *const CARD_META[] = {"model", "name", "source", "doc", "description",
                                        "notes", "params", NULL};

typedef struct {
  char *name;           /* local name, copy index appended           */
  int inst;             /* design instance of a model, or -1         */
  const nl_subckt *sub; /* subcircuit instance, or NULL              */
  int port_base;        /* first of its port nodes                   */
  aimc_srcloc loc;
  int next_stem;        /* next local with the same stem, or -1      */
  int last_stem;        /* (first of a stem) last local with it      */
} nl_local;

typedef struct {
  nl_loader *L;
  const nl_scope *scope; /* subcircuit parameters (or the globals)   */
  const char *prefix;    /* full path of this body, "" at top        */
  int depth;
  const nl_subckt *sub;  /* NULL at top                              */
  int port_base;
  size_t first_node;     /* nodes of this body's nets start here     */
  nl_local *locals;
  size_t n_locals, cap_locals;
  /* Locals by name, and by stem (the name without its trailing digits:
   * `tile*` finds tile0..tileN through the stem "tile"), so wiring a body
   * of N instances is linear in N. */
  aimc_strmap names, stems;
} nl_body;

static int nomem(nl_loader *L) {
  return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
}

int nl_find(nl_loader *L, int i) {
  while (L->node[i].parent != i) {
    L->node[i].parent = L->node[L->node[i].parent].parent;
    i = L->node[i].parent;
  }
  return i;
}

static void join(nl_loader *L, int a, int b) {
  a = nl_find(L, a);
  b = nl_find(L, b);
  if (a < b) L->node[b].parent = a;
  if (b < a) L->node[a].parent = b;
}

int nl_new_node(nl_loader *L, const char *name, aimc_srcloc loc, int depth) {
  if (nl_grow(L->ctx, &L->node, &L->cap_node, L->n_node, sizeof *L->node)) return -1;
  nl_node *n = &L->node[L->n_node];
  memset(n, 0, sizeof *n);
  if (name && !(n->name = aimc_strdup(L->ctx, name))) return nomem(L), -1;
  n->parent = (int)L->n_node;
  n->loc = loc;
  n->depth = depth;
  n->width = n->kind = -1;
  return (int)L->n_node++;
}

static void join_path(char *out, size_t len, const char *prefix, const char *name) {
  snprintf(out, len, "%s%s%s", prefix, *prefix ? "." : "", name);
}

static int check_name(nl_loader *L, const char *name, aimc_srcloc loc, const char *what) {
  int ok = isalpha((unsigned char)name[0]) || name[0] == '_';
  for (const char *p = name; *p && ok; p++) ok = isalnum((unsigned char)*p) || *p == '_';
  if (ok) return AIMC_OK;
  return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                       "%s name '%s' must be letters, digits and '_' (not starting with a "
                       "digit)", what, name);
}

static void list_models(char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < aimc_models_count() && used < len; i++)
    used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "",
                             aimc_models_at(i)->name);
  if (!*out) snprintf(out, len, "none registered");
}

static void list_ports(const aimc_model *m, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < m->n_ports && used < len; i++)
    used += (size_t)snprintf(out + used, len - used, "%s%s%s", i ? ", " : "", m->ports[i].name,
                             aimc_model_port_is_array(m, (int)i) ? "[k]" : "");
}

/* The instance port `text` names: a spec's name, or `name[k]` for element
 * k of a port array (aimc/model.h), checked against the instance's count
 * and reported at loc. */
static int resolve_port(nl_loader *L, const aimc_design_inst *inst, const char *text,
                        const char *what, aimc_srcloc loc, int *out) {
  const aimc_model *m = inst->model;
  const char *br = strchr(text, '[');
  size_t n = br ? (size_t)(br - text) : strlen(text);
  int spec = -1;
  for (size_t i = 0; i < m->n_ports && spec < 0; i++)
    if (strlen(m->ports[i].name) == n && !strncmp(m->ports[i].name, text, n)) spec = (int)i;
  if (spec < 0) {
    char ports[256];
    list_ports(m, ports, sizeof ports);
    if (strcmp(what, "endpoint"))
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s: open: no port '%.*s' (ports: %s)",
                           what, (int)n, text, ports);
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "model '%s' has no port '%.*s' (ports: %s)",
                         m->name, (int)n, text, ports);
  }
  int array = aimc_model_port_is_array(m, spec);
  int count = aimc_model_n_ports(m, inst->params) - spec;
  if (!br && !array) return *out = spec, AIMC_OK;
  if (!array)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "%s: port '%.*s' of instance '%s' (%s) is not a port array: name it "
                         "without [k]", what, (int)n, text, inst->name, m->name);
  if (!br)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "%s: port '%s' of instance '%s' (%s) is a port array of %d: name one "
                         "element, %s[0] .. %s[%d]", what, text, inst->name, m->name, count,
                         text, text, count - 1);
  char *end;
  long k = -1;
  if (br[1] >= '0' && br[1] <= '9') k = strtol(br + 1, &end, 10);
  if (k < 0 || *end != ']' || end[1])
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "%s: '%s' is not %.*s[k] with k a decimal index", what, text, (int)n,
                         text);
  if (k >= count)
    return aimc_error_at(L->ctx, AIMC_ERANGE, &loc,
                         "%s: port %s out of range: instance '%s' (%s) has %.*s[0] .. %.*s[%d] "
                         "(its %s)", what, text, inst->name, m->name, (int)n, text, (int)n, text,
                         count - 1, m->ports[spec].width);
  return *out = spec + (int)k, AIMC_OK;
}

static void list_seq(const aimc_cfg_node *seq, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < aimc_cfg_len(seq) && used < len; i++) {
    const char *t = aimc_cfg_scalar(aimc_cfg_at(seq, i));
    used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", t ? t : "?");
  }
  if (!*out) snprintf(out, len, "none");
}

static int sub_port_find(const nl_subckt *s, const char *name) {
  for (size_t i = 0; i < aimc_cfg_len(s->ports); i++) {
    const char *t = aimc_cfg_scalar(aimc_cfg_at(s->ports, i));
    if (t && !strcmp(t, name)) return (int)i;
  }
  return -1;
}

/* --- parameter binding of one model instance ---------------------------- */

typedef struct {
  nl_loader *L;
  const nl_scope *scope;
  char buf[NL_TEXT];
} expand_ctx;

static int expand_value(void *user, const aimc_cfg_node *value, const char **text,
                        aimc_srcloc *loc) {
  expand_ctx *e = user;
  *text = e->buf;
  *loc = nl_origin(e->scope, aimc_cfg_scalar(value), *loc);
  return nl_expand(e->L, e->scope, aimc_cfg_scalar(value), aimc_cfg_loc(value), e->buf,
                   sizeof e->buf);
}

static int bind_card(nl_loader *L, const nl_scope *scope, const aimc_cfg_node *card_node,
                     const aimc_model *m, void *params) {
  char rel[NL_TEXT], path[NL_PATH];
  aimc_srcloc loc = aimc_cfg_loc(card_node);
  int rc = nl_expand_node(L, scope, card_node, "card", rel, sizeof rel);
  if (!rc && !*rel) return AIMC_OK;
  if (!rc) rc = nl_resolve_path(L, rel, &loc, path, sizeof path);
  aimc_cfg *cfg = NULL;
  if (!rc) rc = nl_load_doc(L, path, &loc, &cfg);
  if (rc) return rc;
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  const char *card_model = aimc_cfg_scalar(aimc_cfg_get(root, "model"));
  const aimc_model *cm = card_model ? aimc_models_find(card_model) : NULL;
  if (cm && cm != m)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "card '%s' is for model '%s', not '%s'",
                         rel, card_model, m->name);
  char section[NL_PATH + 16];
  snprintf(section, sizeof section, "card %s", path);
  const aimc_cfg_node *params_map = aimc_cfg_get(root, "params");
  expand_ctx e = {L, &L->globals, ""};
  if (params_map) {
    rc = aimc_cfg_check_keys(L->ctx, root, CARD_META, section);
    if (!rc)
      rc = aimc_cfg_bind_ex(L->ctx, params_map, m->params, m->n_params, params, section, NULL,
                            expand_value, &e);
    return rc;
  }
  return aimc_cfg_bind_ex(L->ctx, root, m->params, m->n_params, params, section, CARD_META,
                          expand_value, &e);
}

static int mark_open(nl_body *B, aimc_design_inst *inst, const aimc_cfg_node *open,
                     const char *section) {
  nl_loader *L = B->L;
  aimc_srcloc loc = aimc_cfg_loc(open);
  if (aimc_cfg_type_of(open) != AIMC_CFG_SEQ)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s: open expects a list of port names",
                         section);
  for (size_t i = 0; i < aimc_cfg_len(open); i++) {
    const aimc_cfg_node *item = aimc_cfg_at(open, i);
    const char *name = aimc_cfg_scalar(item);
    aimc_srcloc iloc = aimc_cfg_loc(item);
    int port = -1;
    int rc = resolve_port(L, inst, name ? name : "?", section, iloc, &port);
    if (rc) return rc;
    inst->port_net[port] = NL_PORT_OPEN;
  }
  return AIMC_OK;
}

static size_t stem_len(const char *name, size_t n) {
  while (n && isdigit((unsigned char)name[n - 1])) n--;
  return n;
}

/* The local called name[0..n), or -1. */
static int find_local(nl_body *B, const char *name, size_t n) {
  size_t before = B->names.probes;
  int j = aimc_strmap_get(&B->names, name, n);
  B->L->work += B->names.probes - before + 1;
  return j;
}

static int add_local(nl_body *B, const char *name, int inst, const nl_subckt *sub,
                     int port_base, aimc_srcloc loc) {
  nl_loader *L = B->L;
  if (nl_grow(L->ctx, &B->locals, &B->cap_locals, B->n_locals, sizeof *B->locals)) return AIMC_ENOMEM;
  int j = (int)B->n_locals;
  nl_local *l = &B->locals[j];
  if (!(l->name = aimc_strdup(L->ctx, name))) return nomem(L);
  l->inst = inst;
  l->sub = sub;
  l->port_base = port_base;
  l->loc = loc;
  l->next_stem = l->last_stem = -1;
  B->n_locals++;
  size_t n = strlen(l->name);
  int first;
  int rc = aimc_strmap_put(L->ctx, &B->names, l->name, n, j, NULL);
  if (!rc) rc = aimc_strmap_put(L->ctx, &B->stems, l->name, stem_len(l->name, n), j, &first);
  if (rc) return rc;
  if (first >= 0) {
    nl_local *f = &B->locals[first];
    B->locals[f->last_stem >= 0 ? f->last_stem : first].next_stem = j;
    f->last_stem = j;
  }
  return AIMC_OK;
}

static int model_instance(nl_body *B, const nl_scope *scope, const char *full,
                          const char *local, const aimc_cfg_node *spec, aimc_srcloc loc) {
  nl_loader *L = B->L;
  aimc_design *d = L->d;
  const aimc_cfg_node *model_node = aimc_cfg_get(spec, "model");
  char model_name[NL_TEXT];
  int rc = nl_expand_node(L, scope, model_node, "model", model_name, sizeof model_name);
  if (rc) return rc;
  const aimc_model *m = aimc_models_find(model_name);
  if (!m) {
    char names[1024];
    list_models(names, sizeof names);
    aimc_srcloc mloc = aimc_cfg_loc(model_node);
    return aimc_error_at(L->ctx, AIMC_ENOTFOUND, &mloc, "unknown model '%s' (models: %s)",
                         model_name, names);
  }
  if (nl_grow(L->ctx, &d->inst, &L->cap_inst, d->n_inst, sizeof *d->inst)) return AIMC_ENOMEM;
  aimc_design_inst *inst = &d->inst[d->n_inst];
  memset(inst, 0, sizeof *inst);
  d->n_inst++; /* from here on aimc_design_free owns what inst holds */
  inst->model = m;
  inst->loc = nl_keep_loc(L, loc);
  inst->name = aimc_strdup(L->ctx, full);
  inst->subckt = B->sub ? aimc_strdup(L->ctx, B->sub->name) : NULL;
  inst->params = aimc_calloc(L->ctx, 1, m->params_size ? m->params_size : 1);
  if (!inst->name || (B->sub && !inst->subckt) || !inst->params) return nomem(L);
  aimc_params_defaults(m->params, m->n_params, inst->params);

  char section[NL_TEXT];
  snprintf(section, sizeof section, "instance '%s' (%s)", full, m->name);
  const aimc_cfg_node *card = aimc_cfg_get(spec, "card");
  if (card && (rc = bind_card(L, scope, card, m, inst->params))) return rc;
  const aimc_cfg_node *params = aimc_cfg_get(spec, "params");
  expand_ctx e = {L, scope, ""};
  if (params && (rc = aimc_cfg_bind_ex(L->ctx, params, m->params, m->n_params, inst->params,
                                       section, NULL, expand_value, &e)))
    return rc;
  if (m->validate) {
    char err[512] = "invalid parameters";
    rc = m->validate(inst->params, err, sizeof err);
    if (rc) return aimc_error_at(L->ctx, rc, &loc, "%s: %s", section, err);
  }
  /* The ports are known once the params are: a port array's count is one. */
  int n_ports = aimc_model_n_ports(m, inst->params);
  if (n_ports < 0)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "%s: %s: not a list of port widths (W or W*N, comma-separated)",
                         section, m->ports[m->n_ports - 1].width);
  inst->port_net = aimc_calloc(L->ctx, n_ports ? (size_t)n_ports : 1, sizeof *inst->port_net);
  if (!inst->port_net) return nomem(L);
  for (int p = 0; p < n_ports; p++) inst->port_net[p] = -1;
  L->work += (size_t)n_ports;
  for (int p = 0; p < n_ports; p++)
    if (aimc_model_port_width(m, p, inst->params) < 0) {
      char label[64];
      aimc_model_port_label(m, p, label, sizeof label);
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s: port '%s' has no valid width",
                           section, label);
    }
  const aimc_cfg_node *open = aimc_cfg_get(spec, "open");
  if (open && (rc = mark_open(B, inst, open, section))) return rc;
  return add_local(B, local, (int)(d->n_inst - 1), NULL, -1, loc);
}

static int elab_body(nl_body *B, const aimc_cfg_node *instances, const aimc_cfg_node *nets);

/* The subcircuit's own scope: its defaults, then the instance's overrides
 * (expanded where the instance is written). */
static int subckt_scope(nl_loader *L, const nl_subckt *s, const nl_scope *outer,
                        const aimc_cfg_node *overrides, const char *full, nl_scope *out) {
  out->up = &L->globals;
  int rc = AIMC_OK;
  const aimc_cfg_node *defs = s->params;
  char section[NL_TEXT];
  snprintf(section, sizeof section, "subckt '%s' params", s->name);
  if (defs && (rc = aimc_cfg_check_keys(L->ctx, defs, NULL, section))) return rc;
  for (size_t i = 0; i < aimc_cfg_len(defs); i++) {
    const aimc_cfg_node *v = aimc_cfg_at(defs, i);
    aimc_srcloc loc = aimc_cfg_loc(v);
    if (aimc_cfg_type_of(v) == AIMC_CFG_MAP || aimc_cfg_type_of(v) == AIMC_CFG_SEQ)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s: '%s' expects a scalar, got %s",
                           section, aimc_cfg_key_at(defs, i),
                           aimc_cfg_type_name(aimc_cfg_type_of(v)));
    const char *text = aimc_cfg_scalar(v);
    if ((rc = nl_scope_set(L, out, aimc_cfg_key_at(defs, i), text ? text : "", loc))) return rc;
  }
  if (!overrides) return AIMC_OK;
  snprintf(section, sizeof section, "instance '%s' (subckt %s) params", full, s->name);
  if (aimc_cfg_type_of(overrides) != AIMC_CFG_MAP)
    return aimc_cfg_check_keys(L->ctx, overrides, NULL, section);
  for (size_t i = 0; i < aimc_cfg_len(overrides); i++) {
    const aimc_cfg_node *key = aimc_cfg_key_node_at(overrides, i);
    aimc_srcloc kloc = aimc_cfg_loc(key);
    if (!aimc_cfg_get(defs, aimc_cfg_scalar(key))) {
      char names[512];
      nl_scope names_only = {NULL, out->vars, out->n, out->cap, {0}, 0};
      nl_scope_names(&names_only, names, sizeof names);
      return aimc_error_at(L->ctx, AIMC_EINVAL, &kloc,
                           "%s: subckt '%s' has no parameter '%s' (parameters: %s)", section,
                           s->name, aimc_cfg_scalar(key), names);
    }
    char text[NL_TEXT];
    rc = nl_expand_node(L, outer, aimc_cfg_at(overrides, i), aimc_cfg_scalar(key), text,
                        sizeof text);
    if (!rc) rc = nl_scope_set(L, out, aimc_cfg_scalar(key), text, kloc);
    if (rc) return rc;
  }
  return AIMC_OK;
}

static int recursion_error(nl_loader *L, const nl_subckt *s, aimc_srcloc loc) {
  char chain[1024] = "";
  size_t used = 0, k = 0;
  while (L->sub_stack[k] != s) k++;
  for (; k < L->sub_depth && used < sizeof chain; k++)
    used += (size_t)snprintf(chain + used, sizeof chain - used, "%s -> ", L->sub_stack[k]->name);
  return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "recursive subcircuit: %s%s", chain, s->name);
}

static int subckt_instance(nl_body *B, const nl_scope *scope, const char *full,
                           const char *local, const aimc_cfg_node *spec, aimc_srcloc loc) {
  nl_loader *L = B->L;
  aimc_design *d = L->d;
  const aimc_cfg_node *sub_node = aimc_cfg_get(spec, "subckt");
  char name[NL_TEXT];
  int rc = nl_expand_node(L, scope, sub_node, "subckt", name, sizeof name);
  if (rc) return rc;
  int k_sub = aimc_strmap_get(&L->sub_names, name, strlen(name));
  const nl_subckt *s = k_sub >= 0 ? &L->sub[k_sub] : NULL;
  aimc_srcloc sloc = aimc_cfg_loc(sub_node);
  if (!s) {
    char names[1024] = "none defined";
    size_t used = 0;
    for (size_t k = 0; k < L->n_sub && used < sizeof names; k++)
      used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "",
                               L->sub[k].name);
    return aimc_error_at(L->ctx, AIMC_ENOTFOUND, &sloc, "unknown subckt '%s' (subckts: %s)",
                         name, names);
  }
  for (size_t k = 0; k < L->sub_depth; k++)
    if (L->sub_stack[k] == s) return recursion_error(L, s, sloc);
  const char *only_model[] = {"card", "open"};
  for (size_t k = 0; k < 2; k++) {
    const aimc_cfg_node *n = aimc_cfg_get(spec, only_model[k]);
    if (!n) continue;
    aimc_srcloc nloc = aimc_cfg_loc(n);
    return aimc_error_at(L->ctx, AIMC_EINVAL, &nloc,
                         "instance '%s': '%s' applies to model instances, not subckts", full,
                         only_model[k]);
  }
  if (s->ports && aimc_cfg_type_of(s->ports) != AIMC_CFG_SEQ) {
    aimc_srcloc ploc = aimc_cfg_loc(s->ports);
    return aimc_error_at(L->ctx, AIMC_EINVAL, &ploc,
                         "subckt '%s': ports expects a list of port names", s->name);
  }

  if (nl_grow(L->ctx, &d->block, &L->cap_block, d->n_block, sizeof *d->block)) return AIMC_ENOMEM;
  aimc_design_block *blk = &d->block[d->n_block++];
  blk->name = aimc_strdup(L->ctx, full);
  blk->subckt = aimc_strdup(L->ctx, s->name);
  blk->loc = nl_keep_loc(L, loc);
  if (!blk->name || !blk->subckt) return nomem(L);

  int base = (int)L->n_node;
  for (size_t p = 0; p < aimc_cfg_len(s->ports); p++) {
    const aimc_cfg_node *pn = aimc_cfg_at(s->ports, p);
    aimc_srcloc ploc = aimc_cfg_loc(pn);
    const char *pname = aimc_cfg_scalar(pn);
    if (!pname) return aimc_error_at(L->ctx, AIMC_EINVAL, &ploc, "a port name must be a scalar");
    if (sub_port_find(s, pname) != (int)p)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &ploc, "subckt '%s': port '%s' listed twice",
                           s->name, pname);
    if (nl_new_node(L, NULL, ploc, B->depth + 1) < 0) return AIMC_ENOMEM;
  }
  nl_scope inner = {0};
  rc = subckt_scope(L, s, scope, aimc_cfg_get(spec, "params"), full, &inner);
  const nl_subckt **stack =
      rc ? NULL : aimc_realloc(L->ctx, (void *)L->sub_stack, (L->sub_depth + 1) * sizeof *stack);
  if (!rc && !stack) rc = nomem(L);
  if (!rc) {
    L->sub_stack = stack;
    L->sub_stack[L->sub_depth++] = s;
    nl_body child = {L, &inner, full, B->depth + 1, s, base, L->n_node, NULL, 0, 0, {0}, {0}};
    rc = elab_body(&child, s->instances, s->nets);
    L->sub_depth--;
  }
  nl_scope_fini(L->ctx, &inner);
  if (rc) return rc;
  return add_local(B, local, -1, s, base, loc);
}

/* The scope of copy k of a repeated instance or net: `i` = k, held on the
 * caller's stack (no allocation per copy; a plain number is never cached,
 * so the scope needs no fini). Not repeated: an empty scope. */
static nl_scope copy_index(const nl_scope *up, int repeated, long k, aimc_srcloc loc,
                           nl_var *iv, char value[32]) {
  static char name_i[] = "i";
  snprintf(value, 32, "%ld", k);
  *iv = (nl_var){name_i, value, loc, NULL};
  nl_scope s = {up, iv, repeated ? 1 : 0, 1, {0}, 0};
  return s;
}

static int instance(nl_body *B, const aimc_cfg_node *key, const aimc_cfg_node *spec) {
  nl_loader *L = B->L;
  const char *name = aimc_cfg_scalar(key);
  aimc_srcloc loc = aimc_cfg_loc(key);
  char section[NL_TEXT];
  snprintf(section, sizeof section, "instance '%s'", name);
  int rc = check_name(L, name, loc, "instance");
  if (rc) return rc;
  if (aimc_cfg_type_of(spec) != AIMC_CFG_MAP)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "%s expects a mapping with model: or subckt:, got %s", section,
                         aimc_cfg_type_name(aimc_cfg_type_of(spec)));
  if ((rc = aimc_cfg_check_keys(L->ctx, spec, INSTANCE_KEYS, section))) return rc;
  int has_model = aimc_cfg_get(spec, "model") != NULL;
  int has_sub = aimc_cfg_get(spec, "subckt") != NULL;
  if (has_model == has_sub)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s needs exactly one of model: or subckt:",
                         section);
  long count = 1;
  const aimc_cfg_node *count_node = aimc_cfg_get(spec, "count");
  if (count_node && (rc = nl_expand_int(L, B->scope, count_node, "count", 1,
                                        NL_MAX_INSTANCES, &count)))
    return rc;
  for (long k = 0; k < count; k++) {
    if ((long)L->d->n_inst + (long)L->d->n_block > NL_MAX_INSTANCES)
      return aimc_error_at(L->ctx, AIMC_ERANGE, &loc, "more than %ld instances", NL_MAX_INSTANCES);
    char local[NL_TEXT], full[NL_TEXT * 2];
    if (count_node)
      snprintf(local, sizeof local, "%s%ld", name, k);
    else
      snprintf(local, sizeof local, "%s", name);
    int twice = find_local(B, local, strlen(local));
    if (twice >= 0)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "duplicate instance name '%s' (also at line %d)", local,
                           B->locals[twice].loc.line);
    join_path(full, sizeof full, B->prefix, local);
    char value[32];
    nl_var iv;
    nl_scope index = copy_index(B->scope, count_node != NULL, k, loc, &iv, value);
    rc = has_model ? model_instance(B, &index, full, local, spec, loc)
                   : subckt_instance(B, &index, full, local, spec, loc);
    if (rc) return rc;
  }
  return AIMC_OK;
}

/* --- nets ------------------------------------------------------------------ */

static int connect_local(nl_body *B, int node, const nl_local *l, const char *port,
                         const char *text, aimc_srcloc loc) {
  nl_loader *L = B->L;
  if (l->sub) {
    int p = sub_port_find(l->sub, port);
    if (p < 0) {
      char ports[512];
      list_seq(l->sub->ports, ports, sizeof ports);
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "subckt '%s' has no port '%s' (ports: %s)",
                           l->sub->name, port, ports);
    }
    nl_node *pn = &L->node[l->port_base + p];
    if (pn->used_outside)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "port %s is connected twice", text);
    pn->used_outside = 1;
    join(L, node, l->port_base + p);
    return AIMC_OK;
  }
  aimc_design_inst *inst = &L->d->inst[l->inst];
  int p = -1;
  int rc = resolve_port(L, inst, port, "endpoint", loc, &p);
  if (rc) return rc;
  int *pn = &inst->port_net[p];
  if (*pn == NL_PORT_OPEN)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "port %s is declared open but connected",
                         text);
  if (*pn >= 0)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "port %s is connected twice (also to net '%s' at line %d)", text,
                         L->node[*pn].name, L->node[*pn].loc.line);
  *pn = node;
  return AIMC_OK;
}

/* "inst.port", "inst*.port" (every copy of a repeated instance) or "port"
 * (a port of the enclosing subcircuit). */
static int connect_endpoint(nl_body *B, int node, const char *text, aimc_srcloc loc) {
  nl_loader *L = B->L;
  const char *dot = strchr(text, '.');
  if (!dot) {
    int p = B->sub ? sub_port_find(B->sub, text) : -1;
    if (p >= 0) {
      L->node[B->port_base + p].used_inside = 1;
      join(L, node, B->port_base + p);
      return AIMC_OK;
    }
    if (!B->sub)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "endpoint '%s' must be instance.port (bare names are subckt ports)",
                           text);
    char ports[512];
    list_seq(B->sub->ports, ports, sizeof ports);
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "'%s' is neither instance.port nor a port of subckt '%s' (ports: %s)",
                         text, B->sub->name, ports);
  }
  size_t n = (size_t)(dot - text);
  int wildcard = n > 0 && text[n - 1] == '*';
  size_t stem = wildcard ? n - 1 : n;
  int matched = 0, j;
  if (!wildcard) {
    j = find_local(B, text, n);
    if (j >= 0) return connect_local(B, node, &B->locals[j], dot + 1, text, loc);
  } else {
    /* name = stem text + one or more digits: its own stem is stem_len of
     * the text's stem, so one bucket holds every candidate. */
    size_t before = B->stems.probes;
    j = aimc_strmap_get(&B->stems, text, stem_len(text, stem));
    L->work += B->stems.probes - before + 1;
    for (; j >= 0; j = B->locals[j].next_stem) {
      const char *name = B->locals[j].name, *rest = name + stem;
      L->work++;
      if (strncmp(name, text, stem) || !*rest || strspn(rest, "0123456789") != strlen(rest))
        continue;
      int rc = connect_local(B, node, &B->locals[j], dot + 1, text, loc);
      if (rc) return rc;
      matched++;
    }
  }
  if (matched) return AIMC_OK;
  char names[768] = "";
  size_t used = 0;
  for (size_t k = 0; k < B->n_locals && used < sizeof names; k++)
    used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "",
                             B->locals[k].name);
  return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                       "endpoint '%s': no instance '%.*s' here (instances: %s)", text, (int)n,
                       text, names);
}

static int parse_kind(nl_loader *L, const nl_scope *s, const aimc_cfg_node *n, int *kind) {
  char text[NL_TEXT];
  int rc = nl_expand_node(L, s, n, "kind", text, sizeof text);
  if (rc) return rc;
  for (int k = 0; k < AIMC_SIG_COUNT_; k++)
    if (!strcmp(text, aimc_sig_kind_name((aimc_sig_kind)k))) return *kind = k, AIMC_OK;
  aimc_srcloc loc = aimc_cfg_loc(n);
  return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                       "kind '%s' is not one of: voltage, current, digital, clock, control", text);
}

static int net_copy(nl_body *B, const nl_scope *scope, const char *local,
                    const aimc_cfg_node *spec, const aimc_cfg_node *endpoints, aimc_srcloc loc) {
  nl_loader *L = B->L;
  char full[NL_TEXT * 2];
  join_path(full, sizeof full, B->prefix, local);
  /* Full net names are unique across bodies (net names have no dots). */
  size_t before = L->net_names.probes;
  int twice = aimc_strmap_get(&L->net_names, full, strlen(full));
  L->work += L->net_names.probes - before + 1;
  if (twice >= 0)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "duplicate net name '%s' (also at line %d)",
                         local, L->node[twice].loc.line);
  int node = nl_new_node(L, full, nl_keep_loc(L, loc), B->depth);
  if (node < 0) return AIMC_ENOMEM;
  int rc = aimc_strmap_put(L->ctx, &L->net_names, L->node[node].name,
                           strlen(L->node[node].name), node, NULL);
  if (rc) return rc;
  const aimc_cfg_node *n;
  long width;
  if (spec && (n = aimc_cfg_get(spec, "width"))) {
    if ((rc = nl_expand_int(L, scope, n, "width", 1, INT_MAX, &width))) return rc;
    L->node[node].width = (int)width;
  }
  if (spec && (n = aimc_cfg_get(spec, "kind")) && (rc = parse_kind(L, scope, n, &L->node[node].kind)))
    return rc;
  if (spec && (n = aimc_cfg_get(spec, "external"))) {
    const aimc_param ext = {"external", AIMC_PT_BOOL, offsetof(nl_node, external), 0, 0, 1,
                            AIMC_U_NONE, "", "", NULL, NULL};
    if ((rc = aimc_cfg_bind_one(L->ctx, n, &ext, &L->node[node], "net"))) return rc;
  }
  for (size_t i = 0; i < aimc_cfg_len(endpoints); i++) {
    const aimc_cfg_node *ep = aimc_cfg_at(endpoints, i);
    char text[NL_TEXT];
    if ((rc = nl_expand_node(L, scope, ep, "an endpoint", text, sizeof text))) return rc;
    if ((rc = connect_endpoint(B, node, text, aimc_cfg_loc(ep)))) return rc;
  }
  return AIMC_OK;
}

static int net(nl_body *B, const aimc_cfg_node *key, const aimc_cfg_node *spec) {
  nl_loader *L = B->L;
  const char *name = aimc_cfg_scalar(key);
  aimc_srcloc loc = aimc_cfg_loc(key);
  char section[NL_TEXT];
  snprintf(section, sizeof section, "net '%s'", name);
  int rc = check_name(L, name, loc, "net");
  if (rc) return rc;
  const aimc_cfg_node *endpoints = spec, *map = NULL;
  if (aimc_cfg_type_of(spec) == AIMC_CFG_MAP) {
    if ((rc = aimc_cfg_check_keys(L->ctx, spec, NET_KEYS, section))) return rc;
    map = spec;
    endpoints = aimc_cfg_get(spec, "connect");
    if (!endpoints)
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s needs connect: [inst.port, ...]",
                           section);
  }
  if (aimc_cfg_type_of(endpoints) != AIMC_CFG_SEQ) {
    aimc_srcloc eloc = aimc_cfg_loc(endpoints);
    return aimc_error_at(L->ctx, AIMC_EINVAL, &eloc,
                         "%s expects a list of endpoints [inst.port, ...], got %s", section,
                         aimc_cfg_type_name(aimc_cfg_type_of(endpoints)));
  }
  long count = 1;
  const aimc_cfg_node *count_node = map ? aimc_cfg_get(map, "count") : NULL;
  if (count_node &&
      (rc = nl_expand_int(L, B->scope, count_node, "count", 1, NL_MAX_INSTANCES, &count)))
    return rc;
  for (long k = 0; k < count && !rc; k++) {
    char local[NL_TEXT], value[32];
    snprintf(local, sizeof local, count_node ? "%s%ld" : "%s", name, k);
    nl_var iv;
    nl_scope index = copy_index(B->scope, count_node != NULL, k, loc, &iv, value);
    rc = net_copy(B, &index, local, map, endpoints, loc);
  }
  return rc;
}

/* --- bodies ---------------------------------------------------------------- */

static int check_body_ports(nl_body *B) {
  nl_loader *L = B->L;
  for (size_t j = 0; j < B->n_locals; j++) {
    const nl_local *l = &B->locals[j];
    for (size_t p = 0; l->sub && p < aimc_cfg_len(l->sub->ports); p++)
      if (!L->node[l->port_base + p].used_outside)
        return aimc_error_at(L->ctx, AIMC_EINVAL, &l->loc,
                             "port '%s' of instance '%s' (subckt %s) is not connected",
                             aimc_cfg_scalar(aimc_cfg_at(l->sub->ports, p)), l->name,
                             l->sub->name);
  }
  for (size_t p = 0; B->sub && p < aimc_cfg_len(B->sub->ports); p++)
    if (!L->node[B->port_base + p].used_inside) {
      aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_at(B->sub->ports, p));
      return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                           "port '%s' of subckt '%s' is not connected to anything inside it",
                           aimc_cfg_scalar(aimc_cfg_at(B->sub->ports, p)), B->sub->name);
    }
  return AIMC_OK;
}

static int each_entry(nl_body *B, const aimc_cfg_node *map, const char *section,
                      int (*fn)(nl_body *, const aimc_cfg_node *, const aimc_cfg_node *)) {
  if (!map) return AIMC_OK;
  int rc = aimc_cfg_check_keys(B->L->ctx, map, NULL, section);
  if (aimc_cfg_type_of(map) != AIMC_CFG_MAP) return rc;
  for (size_t i = 0; i < aimc_cfg_len(map); i++)
    if ((rc = fn(B, aimc_cfg_key_node_at(map, i), aimc_cfg_at(map, i)))) return rc;
  return AIMC_OK;
}

static int elab_body(nl_body *B, const aimc_cfg_node *instances, const aimc_cfg_node *nets) {
  int rc = each_entry(B, instances, "instances", instance);
  if (!rc) rc = each_entry(B, nets, "nets", net);
  if (!rc) rc = check_body_ports(B);
  for (size_t j = 0; j < B->n_locals; j++) aimc_free(B->L->ctx, B->locals[j].name);
  aimc_free(B->L->ctx, B->locals);
  aimc_strmap_fini(B->L->ctx, &B->names);
  aimc_strmap_fini(B->L->ctx, &B->stems);
  return rc;
}

int nl_elaborate(nl_loader *L) {
  nl_body top = {L, &L->globals, "", 0, NULL, -1, L->n_node, NULL, 0, 0, {0}, {0}};
  return elab_body(&top, L->instances, L->nets);
}
