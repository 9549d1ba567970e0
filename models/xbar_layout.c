/* A crossbar array's layout (aimc/xbar_layout.h): the file, its checks,
 * and the effective weights of a slot. */
#include "aimc/xbar_layout.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"

enum { DIM_MAX = 1 << 16 };

aimc_xbar_layout *aimc_xbar_layout_alloc(aimc_ctx *ctx, int n_slots, const int *n_in,
                                         const int *n_out) {
  aimc_xbar_layout *l = aimc_calloc(ctx, 1, sizeof *l);
  if (!l) return NULL;
  l->rf = 2, l->cf = 1;
  l->slot = aimc_calloc(ctx, (size_t)n_slots + 1, sizeof *l->slot);
  int ok = l->slot != NULL;
  if (ok) l->n_slots = n_slots;
  for (int s = 0; ok && s < n_slots; s++) {
    aimc_xbar_slot *t = &l->slot[s];
    t->n_in = n_in[s], t->n_out = n_out[s];
    ok = t->n_in >= 1 && t->n_out >= 1 && t->n_in <= DIM_MAX && t->n_out <= DIM_MAX;
    size_t cells = ok ? (size_t)t->n_in * (size_t)t->n_out : 0;
    if (ok) {
      t->row_gain = aimc_calloc(ctx, (size_t)t->n_in, sizeof(double));
      t->col_gain = aimc_calloc(ctx, (size_t)t->n_out, sizeof(double));
      t->is_value = aimc_malloc(ctx, cells);
      t->w = aimc_calloc(ctx, cells, sizeof(double));
      ok = t->row_gain && t->col_gain && t->is_value && t->w;
    }
    if (ok) memset(t->is_value, 1, cells);
  }
  if (ok) return l;
  aimc_xbar_layout_free(ctx, l);
  return NULL;
}

void aimc_xbar_layout_free(aimc_ctx *ctx, aimc_xbar_layout *l) {
  if (!l) return;
  for (int s = 0; l->slot && s < l->n_slots; s++) {
    aimc_free(ctx, l->slot[s].row_gain);
    aimc_free(ctx, l->slot[s].col_gain);
    aimc_free(ctx, l->slot[s].is_value);
    aimc_free(ctx, l->slot[s].w);
  }
  aimc_free(ctx, l->slot);
  aimc_free(ctx, l);
}

void aimc_xbar_slot_weights(const aimc_xbar_layout *l, int s, const double *g, double r2,
                            double *w, float *nv) {
  const aimc_xbar_slot *t = &l->slot[s];
  for (int j = 0; j < t->n_out; j++)
    for (int i = 0; i < t->n_in; i++) {
      size_t pos = aimc_xbar_slot_pos(l, t, i, j), neg = aimc_xbar_slot_neg(l, pos);
      double gain = t->row_gain[i] * t->col_gain[j] / l->span_S;
      size_t at = (size_t)j * (size_t)t->n_in + (size_t)i;
      w[at] = aimc_xbar_pair_weight(gain, g[pos], g[neg]);
      if (nv && r2 > 0) nv[at] = aimc_xbar_pair_nvar(gain, r2, g[pos], g[neg]);
    }
}

void aimc_xbar_layout_pulsed(const aimc_xbar_layout *l, unsigned char *pulsed) {
  memset(pulsed, 0, (size_t)l->rows * (size_t)l->cols);
  for (int s = 0; s < l->n_slots; s++) {
    const aimc_xbar_slot *t = &l->slot[s];
    for (int j = 0; j < t->n_out; j++)
      for (int i = 0; i < t->n_in; i++) {
        size_t pos = aimc_xbar_slot_pos(l, t, i, j), neg = aimc_xbar_slot_neg(l, pos);
        pulsed[pos] = pulsed[neg] =
            !(l->exact_zeros && !t->is_value[(size_t)j * (size_t)t->n_in + (size_t)i]);
      }
  }
}

aimc_op_use aimc_xbar_layout_read_use(const aimc_xbar_layout *l, const double *g) {
  aimc_op_use use = {0, 0, 0};
  for (int r = 0; r < l->rows; r++) {
    int driven = 0;
    for (int s = 0; s < l->n_slots && !driven; s++)
      driven = r >= l->slot[s].row0 * l->rf && r < (l->slot[s].row0 + l->slot[s].n_in) * l->rf;
    if (!driven) continue;
    use.n++;
    use.rows_fs += 1;
    for (int j = 0; j < l->cols; j++) use.g_S += g[(size_t)r * (size_t)l->cols + (size_t)j];
  }
  return use;
}

int aimc_xbar_layout_at_targets(const aimc_xbar_layout *l, const double *g, const double *tg) {
  for (int s = 0; s < l->n_slots; s++)
    for (int j = 0; j < l->slot[s].n_out; j++)
      for (int i = 0; i < l->slot[s].n_in; i++) {
        size_t pos = aimc_xbar_slot_pos(l, &l->slot[s], i, j), neg = aimc_xbar_slot_neg(l, pos);
        if (g[pos] != tg[pos] || g[neg] != tg[neg]) return 0;
      }
  return 1;
}

/* ---- Checks: shapes inside the array, slots apart, gains finite. ---- */

int aimc_xbar_layout_check(aimc_ctx *ctx, const char *path, const aimc_xbar_layout *l) {
  if (l->rows < 1 || l->cols < 1 || l->rows > DIM_MAX || l->cols > DIM_MAX)
    return aimc_error(ctx, AIMC_ESHAPE, "%s: rows and cols must be in 1..%d (%d x %d)", path,
                      DIM_MAX, l->rows, l->cols);
  if (!(l->span_S > 0) || !isfinite(l->span_S))
    return aimc_error(ctx, AIMC_EFORMAT, "%s: span_S must be a conductance > 0", path);
  for (int s = 0; s < l->n_slots; s++) {
    const aimc_xbar_slot *t = &l->slot[s];
    if (t->row0 < 0 || t->col0 < 0 || (long)(t->row0 + t->n_in) * l->rf > l->rows ||
        (long)(t->col0 + t->n_out) * l->cf > l->cols)
      return aimc_error(ctx, AIMC_ESHAPE,
                        "%s: slots[%d]: rows %d..%d and columns %d..%d (x%d, x%d for the "
                        "device pairs) lie outside the %d x %d array",
                        path, s, t->row0, t->row0 + t->n_in - 1, t->col0,
                        t->col0 + t->n_out - 1, l->rf, l->cf, l->rows, l->cols);
    for (int i = 0; i < t->n_in; i++)
      if (!isfinite(t->row_gain[i]))
        return aimc_error(ctx, AIMC_EFORMAT, "%s: slots[%d].row_gain[%d] is not finite", path,
                          s, i);
    for (int j = 0; j < t->n_out; j++)
      if (!isfinite(t->col_gain[j]))
        return aimc_error(ctx, AIMC_EFORMAT, "%s: slots[%d].col_gain[%d] is not finite", path,
                          s, j);
    for (int r = 0; r < s; r++) {
      const aimc_xbar_slot *o = &l->slot[r];
      if (t->row0 < o->row0 + o->n_in && o->row0 < t->row0 + t->n_in &&
          t->col0 < o->col0 + o->n_out && o->col0 < t->col0 + t->n_out)
        return aimc_error(ctx, AIMC_ESHAPE, "%s: slots[%d] overlaps slots[%d]", path, s, r);
    }
  }
  return AIMC_OK;
}

/* ---- Reading. ---- */

/* Line and column of offset `at` of text. */
static void line_col(const char *text, size_t at, int *line, int *col) {
  *line = 1, *col = 1;
  for (size_t i = 0; i < at && text[i]; i++) {
    if (text[i] == '\n') ++*line, *col = 1;
    else ++*col;
  }
}

/* The member `key` of object o as a number; `where` names o in messages. */
static int get_num(aimc_ctx *ctx, const char *path, const char *where, const cJSON *o,
                   const char *key, double *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v))
    return aimc_error(ctx, AIMC_EFORMAT, "%s: %s%s%s: %s", path, where, *where ? "." : "", key,
                      v ? "not a number" : "missing");
  *out = v->valuedouble;
  return AIMC_OK;
}

static int get_int(aimc_ctx *ctx, const char *path, const char *where, const cJSON *o,
                   const char *key, int lo, int *out) {
  double d = 0; /* gcc 12 -O2 sees a path where get_num leaves it unset */
  int st = get_num(ctx, path, where, o, key, &d);
  if (st) return st;
  if (!(d >= lo && d <= DIM_MAX) || d != floor(d))
    return aimc_error(ctx, AIMC_EFORMAT, "%s: %s%s%s: %g is not an integer in %d..%d", path,
                      where, *where ? "." : "", key, d, lo, DIM_MAX);
  *out = (int)d;
  return AIMC_OK;
}

/* An array of exactly n numbers into out[]. */
static int get_nums(aimc_ctx *ctx, const char *path, const char *where, const cJSON *o,
                    const char *key, int n, double *out) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
    return aimc_error(ctx, AIMC_ESHAPE, "%s: %s.%s: expected an array of %d numbers", path,
                      where, key, n);
  int i = 0;
  for (const cJSON *v = a->child; v; v = v->next, i++) {
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
      return aimc_error(ctx, AIMC_EFORMAT, "%s: %s.%s[%d]: not a finite number", path, where,
                        key, i);
    out[i] = v->valuedouble;
  }
  return AIMC_OK;
}

static int get_values(aimc_ctx *ctx, const char *path, const char *where, const cJSON *o,
                      aimc_xbar_slot *t) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "values");
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != t->n_out)
    return aimc_error(ctx, AIMC_ESHAPE, "%s: %s.values: expected %d strings (one per column)",
                      path, where, t->n_out);
  int j = 0;
  for (const cJSON *v = a->child; v; v = v->next, j++) {
    const char *s = cJSON_GetStringValue(v);
    if (!s || strlen(s) != (size_t)t->n_in || strspn(s, "01") != (size_t)t->n_in)
      return aimc_error(ctx, AIMC_EFORMAT,
                        "%s: %s.values[%d]: expected %d characters 0 or 1 (one per row)", path,
                        where, j, t->n_in);
    for (int i = 0; i < t->n_in; i++)
      t->is_value[(size_t)j * (size_t)t->n_in + (size_t)i] = s[i] == '1';
  }
  return AIMC_OK;
}

static int read_slots(aimc_ctx *ctx, const char *path, const cJSON *root, const cJSON *arr,
                      aimc_xbar_layout **out) {
  int n = cJSON_GetArraySize(arr);
  int *shape = aimc_calloc(ctx, 2 * (size_t)n + 1, sizeof(int));
  if (!shape) return AIMC_ENOMEM;
  int st = AIMC_OK, s = 0;
  char where[32];
  for (const cJSON *o = arr->child; o && !st; o = o->next, s++) {
    snprintf(where, sizeof where, "slots[%d]", s);
    st = get_int(ctx, path, where, o, "n_in", 1, &shape[s]);
    if (!st) st = get_int(ctx, path, where, o, "n_out", 1, &shape[n + s]);
  }
  aimc_xbar_layout *l = st ? NULL : aimc_xbar_layout_alloc(ctx, n, shape, shape + n);
  aimc_free(ctx, shape);
  if (st) return st;
  if (!l) return AIMC_ENOMEM;
  const char *pair = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "pair"));
  if (!pair || (strcmp(pair, "rows") && strcmp(pair, "cols")))
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: pair: expected \"rows\" or \"cols\"", path);
  else l->rf = pair[0] == 'r' ? 2 : 1, l->cf = 3 - l->rf;
  if (!st) st = get_int(ctx, path, "", root, "rows", 1, &l->rows);
  if (!st) st = get_int(ctx, path, "", root, "cols", 1, &l->cols);
  if (!st) st = get_num(ctx, path, "", root, "span_S", &l->span_S);
  const cJSON *ez = cJSON_GetObjectItemCaseSensitive(root, "exact_zeros");
  if (!st && !cJSON_IsBool(ez))
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: exact_zeros: %s", path,
                    ez ? "not true or false" : "missing");
  if (!st) l->exact_zeros = cJSON_IsTrue(ez);
  s = 0;
  for (const cJSON *o = arr->child; o && !st; o = o->next, s++) {
    aimc_xbar_slot *t = &l->slot[s];
    snprintf(where, sizeof where, "slots[%d]", s);
    st = get_int(ctx, path, where, o, "row0", 0, &t->row0);
    if (!st) st = get_int(ctx, path, where, o, "col0", 0, &t->col0);
    if (!st) st = get_nums(ctx, path, where, o, "row_gain", t->n_in, t->row_gain);
    if (!st) st = get_nums(ctx, path, where, o, "col_gain", t->n_out, t->col_gain);
    if (!st) st = get_values(ctx, path, where, o, t);
    if (!st) st = get_nums(ctx, path, where, o, "w", t->n_in * t->n_out, t->w);
    if (!st && cJSON_GetObjectItemCaseSensitive(o, "top")) /* optional: 0 unknown */
      st = get_num(ctx, path, where, o, "top", &t->top);
    if (!st && !(isfinite(t->top) && t->top >= 0))
      st = aimc_error(ctx, AIMC_EFORMAT, "%s: %s.top: not a finite number >= 0", path, where);
  }
  if (!st) st = aimc_xbar_layout_check(ctx, path, l);
  if (st) aimc_xbar_layout_free(ctx, l);
  else *out = l;
  return st;
}

int aimc_xbar_layout_read(aimc_ctx *ctx, const char *path, aimc_xbar_layout **out) {
  *out = NULL;
  char *text = NULL;
  size_t size = 0;
  int st = aimc_read_text(ctx, path, "layout file", &text, &size);
  if (st) return st;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
  if (!root) {
    int line, col;
    line_col(text, end ? (size_t)(end - text) : size, &line, &col);
    st = aimc_error(ctx, AIMC_EFORMAT, "%s:%d:%d: not valid JSON", path, line, col);
  } else {
    const cJSON *slots = cJSON_GetObjectItemCaseSensitive(root, "slots");
    st = cJSON_IsArray(slots) ? read_slots(ctx, path, root, slots, out)
                              : aimc_error(ctx, AIMC_EFORMAT, "%s: slots: expected an array",
                                           path);
  }
  cJSON_Delete(root);
  aimc_free(ctx, text);
  return st;
}

/* ---- Writing: numbers with 17 significant digits (exact round trip;
 * cJSON's own printer keeps 15 when they compare equal within an
 * epsilon, which loses the last bits). ---- */

static cJSON *exact_number(double v) {
  char text[32];
  snprintf(text, sizeof text, "%.17g", v);
  return cJSON_CreateRaw(text);
}

static int add_nums(cJSON *o, const char *key, const double *v, int n) {
  cJSON *a = cJSON_AddArrayToObject(o, key);
  for (int i = 0; a && i < n; i++)
    if (!cJSON_AddItemToArray(a, exact_number(v[i]))) return 0;
  return a != NULL;
}

static cJSON *to_json(const aimc_xbar_layout *l, char *row) {
  cJSON *root = cJSON_CreateObject();
  int ok = root && cJSON_AddNumberToObject(root, "rows", l->rows) &&
           cJSON_AddNumberToObject(root, "cols", l->cols) &&
           cJSON_AddStringToObject(root, "pair", l->rf == 2 ? "rows" : "cols") &&
           cJSON_AddItemToObject(root, "span_S", exact_number(l->span_S)) &&
           cJSON_AddBoolToObject(root, "exact_zeros", l->exact_zeros);
  cJSON *slots = ok ? cJSON_AddArrayToObject(root, "slots") : NULL;
  ok = slots != NULL;
  for (int s = 0; ok && s < l->n_slots; s++) {
    const aimc_xbar_slot *t = &l->slot[s];
    cJSON *o = cJSON_CreateObject();
    ok = o && cJSON_AddItemToArray(slots, o) && cJSON_AddNumberToObject(o, "row0", t->row0) &&
         cJSON_AddNumberToObject(o, "col0", t->col0) &&
         cJSON_AddNumberToObject(o, "n_in", t->n_in) &&
         cJSON_AddNumberToObject(o, "n_out", t->n_out) &&
         add_nums(o, "row_gain", t->row_gain, t->n_in) &&
         add_nums(o, "col_gain", t->col_gain, t->n_out) &&
         add_nums(o, "w", t->w, t->n_in * t->n_out) &&
         (!(t->top > 0) || cJSON_AddItemToObject(o, "top", exact_number(t->top)));
    cJSON *vals = ok ? cJSON_AddArrayToObject(o, "values") : NULL;
    ok = vals != NULL;
    for (int j = 0; ok && j < t->n_out; j++) {
      for (int i = 0; i < t->n_in; i++)
        row[i] = t->is_value[(size_t)j * (size_t)t->n_in + (size_t)i] ? '1' : '0';
      row[t->n_in] = '\0';
      ok = cJSON_AddItemToArray(vals, cJSON_CreateString(row));
    }
  }
  if (!ok) cJSON_Delete(root);
  return ok ? root : NULL;
}

int aimc_xbar_layout_write(aimc_ctx *ctx, const char *path, const aimc_xbar_layout *l) {
  int n_max = 0;
  for (int s = 0; s < l->n_slots; s++)
    if (l->slot[s].n_in > n_max) n_max = l->slot[s].n_in;
  char *row = aimc_malloc(ctx, (size_t)n_max + 1);
  cJSON *root = row ? to_json(l, row) : NULL;
  char *text = root ? cJSON_PrintUnformatted(root) : NULL;
  aimc_free(ctx, row);
  cJSON_Delete(root);
  size_t n = text ? strlen(text) : 0;
  char *file = text ? aimc_malloc(ctx, n + 2) : NULL;
  if (file) {
    memcpy(file, text, n);
    file[n] = '\n';
  }
  cJSON_free(text);
  if (!file) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (writing %s)", path);
  int st = aimc_write_file_atomic(ctx, path, file, n + 1);
  aimc_free(ctx, file);
  return st;
}

/* The first of n doubles where a and b differ (bit for bit, as the file
 * reads back), or -1. */
static int first_diff(const double *a, const double *b, int n) {
  for (int i = 0; i < n; i++)
    if (memcmp(&a[i], &b[i], sizeof a[i])) return i;
  return -1;
}

int aimc_xbar_layout_diff(const aimc_xbar_layout *a, const aimc_xbar_layout *b, char *where,
                          size_t len) {
  const char *top = a->rows != b->rows               ? "rows"
                    : a->cols != b->cols             ? "cols"
                    : a->rf != b->rf || a->cf != b->cf ? "pair"
                    : memcmp(&a->span_S, &b->span_S, sizeof a->span_S) ? "span_S"
                    : !a->exact_zeros != !b->exact_zeros ? "exact_zeros"
                    : a->n_slots != b->n_slots        ? "slots"
                                                      : NULL;
  if (top) return snprintf(where, len, "%s", top), 1;
  for (int s = 0; s < a->n_slots; s++) {
    const aimc_xbar_slot *x = &a->slot[s], *y = &b->slot[s];
    const char *key = x->row0 != y->row0   ? "row0"
                      : x->col0 != y->col0 ? "col0"
                      : x->n_in != y->n_in ? "n_in"
                      : x->n_out != y->n_out ? "n_out"
                                             : NULL;
    if (key) return snprintf(where, len, "slots[%d].%s", s, key), 1;
    int n = x->n_in * x->n_out, i;
    if ((i = first_diff(x->row_gain, y->row_gain, x->n_in)) >= 0)
      return snprintf(where, len, "slots[%d].row_gain[%d]", s, i), 1;
    if ((i = first_diff(x->col_gain, y->col_gain, x->n_out)) >= 0)
      return snprintf(where, len, "slots[%d].col_gain[%d]", s, i), 1;
    for (i = 0; i < n; i++)
      if (!x->is_value[i] != !y->is_value[i])
        return snprintf(where, len, "slots[%d].values[%d][%d]", s, i / x->n_in, i % x->n_in), 1;
    if ((i = first_diff(x->w, y->w, n)) >= 0)
      return snprintf(where, len, "slots[%d].w[%d]", s, i), 1;
  }
  return 0;
}
