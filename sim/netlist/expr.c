/* Parameter scopes and `${...}` expressions in netlist values.
 * `${name}` substitutes a parameter's text (so `${card}` may be a path and
 * `${g}` may be "15uS"); anything else inside `${}` is arithmetic on plain
 * numbers: + - * / %, unary minus, parentheses, e.g. `${rows * 2}`.
 * Names are looked up from the innermost scope (repetition index `i`,
 * subcircuit parameters) out to the netlist's `params:` (dotted names for
 * nested maps: `array.rows`). A parameter's own text is expanded in the
 * scope that defines it, lazily, so definitions may refer to each other in
 * any order; a depth limit turns cycles into an error. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "aimc/units.h"
#include "netlist_internal.h"

int nl_grow(aimc_ctx *ctx, void *arr, size_t *cap, size_t n, size_t size) {
  void **a = arr;
  if (n < *cap) return AIMC_OK;
  size_t c = *cap ? 2 * *cap : 8;
  void *p = aimc_realloc(ctx, *a, c * size);
  if (!p) return aimc_error(ctx, AIMC_ENOMEM, "out of memory loading the netlist");
  *a = p;
  *cap = c;
  return AIMC_OK;
}

/* The var called name[0..n) in s (not its parents), or NULL; L (may be
 * NULL) counts the work. */
static nl_var *scope_find(nl_loader *L, const nl_scope *s, const char *name, size_t n) {
  size_t dummy = 0, *work = L ? &L->work : &dummy;
  if (s->idx.cap) {
    size_t before = s->idx.probes;
    int k = aimc_strmap_get((aimc_strmap *)&s->idx, name, n);
    *work += s->idx.probes - before + 1;
    return k < 0 ? NULL : &s->vars[k];
  }
  for (size_t i = 0; i < s->n; i++) {
    ++*work;
    if (strlen(s->vars[i].name) == n && !strncmp(s->vars[i].name, name, n)) return &s->vars[i];
  }
  return NULL;
}

nl_var *nl_scope_get(nl_loader *L, const nl_scope *s, const char *name, size_t n) {
  return scope_find(L, s, name, n);
}

static void drop_cache(aimc_ctx *ctx, nl_scope *s) {
  for (size_t i = 0; i < s->n; i++) {
    aimc_free(ctx, s->vars[i].expanded);
    s->vars[i].expanded = NULL;
  }
  s->n_cached = 0;
}

static int index_var(nl_loader *L, nl_scope *s, size_t i) {
  return aimc_strmap_put(L->ctx, &s->idx, s->vars[i].name, strlen(s->vars[i].name), (int)i,
                         NULL);
}

int nl_scope_set(nl_loader *L, nl_scope *s, const char *name, const char *value,
                 aimc_srcloc loc) {
  /* A new value may change what cached expansions of this scope say. */
  if (s->n_cached) drop_cache(L->ctx, s);
  nl_var *old = scope_find(L, s, name, strlen(name));
  if (old) {
    char *v = aimc_strdup(L->ctx, value);
    if (!v) return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
    aimc_free(L->ctx, old->value);
    old->value = v;
    old->loc = loc;
    return AIMC_OK;
  }
  int rc = nl_grow(L->ctx, &s->vars, &s->cap, s->n, sizeof *s->vars);
  if (rc) return rc;
  nl_var *v = &s->vars[s->n];
  v->name = aimc_strdup(L->ctx, name);
  v->value = v->name ? aimc_strdup(L->ctx, value) : NULL;
  v->loc = loc;
  v->expanded = NULL;
  if (!v->value) {
    aimc_free(L->ctx, v->name);
    return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
  }
  s->n++;
  if (s->idx.cap) return index_var(L, s, s->n - 1);
  if (s->n < NL_SCOPE_INDEX) return AIMC_OK;
  for (size_t i = 0; i < s->n && !rc; i++) rc = index_var(L, s, i);
  return rc;
}

void nl_scope_fini(aimc_ctx *ctx, nl_scope *s) {
  drop_cache(ctx, s);
  for (size_t i = 0; i < s->n; i++) {
    aimc_free(ctx, s->vars[i].name);
    aimc_free(ctx, s->vars[i].value);
  }
  aimc_free(ctx, s->vars);
  aimc_strmap_fini(ctx, &s->idx);
  s->vars = NULL;
  s->n = s->cap = 0;
}

void nl_scope_names(const nl_scope *s, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (; s; s = s->up)
    for (size_t i = 0; i < s->n && used < len; i++)
      used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "",
                               s->vars[i].name);
  if (!*out) snprintf(out, len, "none");
}

static int expand_depth(nl_loader *L, const nl_scope *s, const char *text,
                        aimc_srcloc loc, char *out, size_t len, int depth);

/* The text of `name` (n chars), expanded in its defining scope, into buf.
 * Each var is expanded once per load (memoized), so parameters that use
 * each other many times cost linear, not exponential, work. */
static int lookup(nl_loader *L, const nl_scope *s, const char *name, size_t n,
                  aimc_srcloc loc, int depth, char *buf, size_t len) {
  if (++L->n_subst > NL_MAX_SUBST)
    return aimc_error_at(L->ctx, AIMC_ERANGE, &loc,
                         "more than %ld ${...} substitutions in one netlist", NL_MAX_SUBST);
  L->work++;
  for (const nl_scope *sc = s; sc; sc = sc->up) {
    nl_var *v = scope_find(L, sc, name, n);
    if (!v) continue;
    const char *done = v->expanded ? v->expanded : strstr(v->value, "${") ? NULL : v->value;
    if (done) {
      if (strlen(done) >= len)
        return aimc_error_at(L->ctx, AIMC_ERANGE, &loc,
                             "expanded text longer than %zu characters", len - 1);
      memcpy(buf, done, strlen(done) + 1);
      return AIMC_OK;
    }
    int rc = expand_depth(L, sc, v->value, loc, buf, len, depth + 1);
    if (rc) return rc;
    if (!(v->expanded = aimc_strdup(L->ctx, buf)))
      return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
    ((nl_scope *)sc)->n_cached++; /* the cache is the scope's own, even via const */
    return AIMC_OK;
  }
  char names[512];
  nl_scope_names(s, names, sizeof names);
  return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                       "unknown parameter '%.*s' in ${...} (defined here: %s)", (int)n,
                       name, names);
}

aimc_srcloc nl_origin(const nl_scope *s, const char *text, aimc_srcloc loc) {
  for (int depth = 0; text && depth < 32; depth++) {
    while (*text == ' ') text++;
    if (strncmp(text, "${", 2)) return loc;
    const char *name = text + 2, *end = strchr(name, '}');
    if (!end) return loc;
    while (*name == ' ') name++;
    size_t n = (size_t)(end - name);
    while (n && name[n - 1] == ' ') n--;
    const char *rest = end + 1;
    while (*rest == ' ') rest++;
    if (*rest || !n) return loc;
    const nl_var *found = NULL;
    const nl_scope *in = NULL;
    for (const nl_scope *sc = s; sc && !found; sc = sc->up)
      if ((found = scope_find(NULL, sc, name, n))) in = sc;
    if (!found || !found->loc.file) return loc;
    loc = found->loc;
    text = found->value;
    s = in;
  }
  return loc;
}

typedef struct {
  nl_loader *L;
  const nl_scope *s;
  aimc_srcloc loc;
  const char *expr; /* the whole ${...} body, for messages */
  const char *p;
  int depth;
  int nest; /* parentheses and unary signs open */
} ev_t;

static int ev_sum(ev_t *e, double *v);

static int ev_fail(ev_t *e, const char *what) {
  return aimc_error_at(e->L->ctx, AIMC_EPARSE, &e->loc, "${%s}: %s", e->expr, what);
}

static void skip_space(ev_t *e) {
  while (*e->p == ' ' || *e->p == '\t') e->p++;
}

static int is_name_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static int is_name_char(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '.';
}

static int ev_atom(ev_t *e, double *v) {
  skip_space(e);
  char c = *e->p;
  if ((c == '(' || c == '-' || c == '+') && ++e->nest > NL_MAX_PARENS)
    return ev_fail(e, "nested deeper than 64 parentheses or signs");
  if (c == '(') {
    e->p++;
    int rc = ev_sum(e, v);
    if (rc) return rc;
    skip_space(e);
    if (*e->p != ')') return ev_fail(e, "missing ')'");
    e->p++;
    e->nest--;
    return AIMC_OK;
  }
  if (c == '-' || c == '+') {
    e->p++;
    int rc = ev_atom(e, v);
    if (c == '-') *v = -*v;
    e->nest--;
    return rc;
  }
  if (isdigit((unsigned char)c) || c == '.') {
    const char *end;
    int rc = aimc_decimal_parse(e->p, v, &end);
    if (rc) return ev_fail(e, rc == AIMC_ERANGE ? "a number out of range" : "not a number");
    e->p = end;
    return AIMC_OK;
  }
  if (is_name_start(c)) {
    const char *name = e->p;
    while (is_name_char(*e->p)) e->p++;
    char text[NL_TEXT];
    int rc = lookup(e->L, e->s, name, (size_t)(e->p - name), e->loc, e->depth, text,
                    sizeof text);
    if (rc) return rc;
    const char *start = text, *end = text;
    while (*start == ' ') start++;
    int bad = aimc_decimal_parse(start, v, &end);
    while (*end == ' ') end++;
    if (bad || *end) {
      char msg[NL_TEXT + 128];
      snprintf(msg, sizeof msg, "'%.*s' = '%s' is not a plain number",
               (int)(e->p - name), name, text);
      return ev_fail(e, msg);
    }
    return AIMC_OK;
  }
  if (!c) return ev_fail(e, "unexpected end");
  char msg[32];
  snprintf(msg, sizeof msg, "unexpected '%c'", c);
  return ev_fail(e, msg);
}

static int ev_product(ev_t *e, double *v) {
  int rc = ev_atom(e, v);
  for (;;) {
    if (rc) return rc;
    skip_space(e);
    char op = *e->p;
    if (op != '*' && op != '/' && op != '%') return AIMC_OK;
    e->p++;
    double r;
    rc = ev_atom(e, &r);
    if (rc) return rc;
    if (op != '*' && r == 0) return ev_fail(e, "division by zero");
    *v = op == '*' ? *v * r : op == '/' ? *v / r : fmod(*v, r);
  }
}

static int ev_sum(ev_t *e, double *v) {
  int rc = ev_product(e, v);
  for (;;) {
    if (rc) return rc;
    skip_space(e);
    char op = *e->p;
    if (op != '+' && op != '-') return AIMC_OK;
    e->p++;
    double r;
    rc = ev_product(e, &r);
    if (!rc) *v = op == '+' ? *v + r : *v - r;
  }
}

/* One ${body}: a lone name substitutes text, anything else is a number. */
static int eval_one(nl_loader *L, const nl_scope *s, const char *body, aimc_srcloc loc,
                    int depth, char *out, size_t len) {
  const char *b = body;
  while (*b == ' ') b++;
  const char *e = b;
  if (is_name_start(*e))
    while (is_name_char(*e)) e++;
  const char *rest = e;
  while (*rest == ' ') rest++;
  if (e > b && !*rest) return lookup(L, s, b, (size_t)(e - b), loc, depth, out, len);

  ev_t ev = {L, s, loc, body, body, depth, 0};
  double v;
  int rc = ev_sum(&ev, &v);
  if (rc) return rc;
  skip_space(&ev);
  if (*ev.p) return ev_fail(&ev, "unexpected text after the expression");
  if (!isfinite(v)) return ev_fail(&ev, "result is not finite");
  if (v == floor(v) && fabs(v) < 1e15)
    snprintf(out, len, "%.0f", v);
  else
    snprintf(out, len, "%.15g", v);
  return AIMC_OK;
}

static int expand_depth(nl_loader *L, const nl_scope *s, const char *text,
                        aimc_srcloc loc, char *out, size_t len, int depth) {
  if (depth > NL_MAX_DEPTH)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc,
                         "parameters refer to each other in a cycle (expansion of "
                         "'%s' nested deeper than %d)", text, NL_MAX_DEPTH);
  size_t used = 0;
  const char *p = text;
  while (*p) {
    const char *open = strstr(p, "${");
    size_t plain = open ? (size_t)(open - p) : strlen(p);
    if (used + plain >= len) goto too_long;
    memcpy(out + used, p, plain);
    used += plain;
    if (!open) break;
    const char *close = strchr(open + 2, '}');
    if (!close)
      return aimc_error_at(L->ctx, AIMC_EPARSE, &loc, "unclosed '${' in '%s'", text);
    char body[NL_TEXT];
    snprintf(body, sizeof body, "%.*s", (int)(close - open - 2), open + 2);
    char value[NL_TEXT];
    int rc = eval_one(L, s, body, loc, depth, value, sizeof value);
    if (rc) return rc;
    size_t vl = strlen(value);
    if (used + vl >= len) goto too_long;
    memcpy(out + used, value, vl);
    used += vl;
    p = close + 1;
  }
  out[used] = '\0';
  return AIMC_OK;
too_long:
  return aimc_error_at(L->ctx, AIMC_ERANGE, &loc, "expanded text longer than %zu characters",
                       len - 1);
}

int nl_expand(nl_loader *L, const nl_scope *s, const char *text, aimc_srcloc loc,
              char *out, size_t len) {
  return expand_depth(L, s, text, loc, out, len, 0);
}

int nl_expand_node(nl_loader *L, const nl_scope *s, const aimc_cfg_node *n,
                   const char *what, char *out, size_t len) {
  aimc_cfg_type t = aimc_cfg_type_of(n);
  if (t == AIMC_CFG_NULL) {
    out[0] = '\0';
    return AIMC_OK;
  }
  aimc_srcloc loc = aimc_cfg_loc(n);
  if (t != AIMC_CFG_SCALAR)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &loc, "%s expects a scalar, got %s", what,
                         aimc_cfg_type_name(t));
  return nl_expand(L, s, aimc_cfg_scalar(n), loc, out, len);
}

int nl_expand_int(nl_loader *L, const nl_scope *s, const aimc_cfg_node *n,
                  const char *what, long lo, long hi, long *out) {
  char text[NL_TEXT];
  int rc = nl_expand_node(L, s, n, what, text, sizeof text);
  if (rc) return rc;
  aimc_srcloc loc = aimc_cfg_loc(n);
  char *end;
  long v = strtol(text, &end, 10);
  while (*end == ' ') end++;
  if (end == text || *end)
    return aimc_error_at(L->ctx, AIMC_EPARSE, &loc, "%s: '%s' is not an integer", what,
                         text);
  if (v < lo || v > hi)
    return aimc_error_at(L->ctx, AIMC_ERANGE, &loc, "%s = %ld is out of range [%ld, %ld]",
                         what, v, lo, hi);
  *out = v;
  return AIMC_OK;
}
