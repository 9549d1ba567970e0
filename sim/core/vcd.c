/* VCD writer (IEEE 1364-2005 clause 18): declarations collected, sorted by
 * path and written as nested scopes; then value changes as they come. */
#include "aimc/vcd.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"

typedef struct {
  char *path; /* sanitized dotted path                              */
  int width;  /* bits; 64 for a real                                 */
  int is_real;
  uint64_t bits; /* current value (a real's bit pattern: exact compare) */
} vcd_var;

struct aimc_vcd {
  aimc_ctx *ctx;
  FILE *out;
  vcd_var *vars;
  size_t n_vars, cap;
  int begun;
  aimc_time now;   /* latest time given: times must not go below it     */
  aimc_time stamp; /* latest time stamp written                         */
};

int aimc_vcd_alloc(aimc_ctx *ctx, FILE *out, aimc_vcd **vcd) {
  *vcd = aimc_calloc(ctx, 1, sizeof **vcd);
  if (!*vcd)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory starting a VCD");
  (*vcd)->ctx = ctx;
  (*vcd)->out = out;
  fprintf(out, "$version aimc %s $end\n$timescale 1 fs $end\n", AIMC_VERSION);
  return AIMC_OK;
}

void aimc_vcd_free(aimc_vcd *vcd) {
  if (!vcd) return;
  for (size_t i = 0; i < vcd->n_vars; i++)
    aimc_free(vcd->ctx, vcd->vars[i].path);
  aimc_free(vcd->ctx, vcd->vars);
  aimc_free(vcd->ctx, vcd);
}

/* Letters, digits and '_' stay: anything else could end a VCD token or be
 * read as a bit range or keyword. */
static void sanitize(char *path) {
  for (char *c = path; *c; c++)
    if (*c != '.' && *c != '_' && !(*c >= '0' && *c <= '9') &&
        !(*c >= 'A' && *c <= 'Z') && !(*c >= 'a' && *c <= 'z'))
      *c = '_';
}

static int declare(aimc_vcd *vcd, const char *name, int width, int is_real,
                   int *id) {
  aimc_ctx *ctx = vcd->ctx;
  if (vcd->begun)
    return aimc_error(ctx, AIMC_ESTATE,
                      "VCD variable '%s' declared after the definitions ended",
                      name);
  size_t len = strlen(name);
  if (!len || name[0] == '.' || name[len - 1] == '.' || strstr(name, ".."))
    return aimc_error(ctx, AIMC_EINVAL,
                      "VCD variable name '%s' has an empty scope or name",
                      name);
  if (vcd->n_vars == vcd->cap) {
    size_t cap = vcd->cap ? 2 * vcd->cap : 16;
    vcd_var *grown = aimc_realloc(ctx, vcd->vars, cap * sizeof *grown);
    if (!grown)
      return aimc_error(ctx, AIMC_ENOMEM, "out of memory declaring %s", name);
    vcd->vars = grown;
    vcd->cap = cap;
  }
  char *path = aimc_strdup(ctx, name);
  if (!path)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory declaring %s", name);
  sanitize(path);
  vcd->vars[vcd->n_vars] = (vcd_var){path, width, is_real, 0};
  *id = (int)vcd->n_vars++;
  return AIMC_OK;
}

int aimc_vcd_wire(aimc_vcd *vcd, const char *name, int width, int *id) {
  if (width < 1 || width > 64)
    return aimc_error(vcd->ctx, AIMC_ERANGE,
                      "VCD wire '%s': width %d is not 1..64", name, width);
  return declare(vcd, name, width, 0, id);
}

int aimc_vcd_real(aimc_vcd *vcd, const char *name, int *id) {
  return declare(vcd, name, 64, 1, id);
}

/* The identifier code of variable i: bijective base 94 over the printable
 * characters '!'..'~', so codes are short ("!" .. "~", "!!" ...) and
 * distinct. */
static void put_code(FILE *out, size_t i) {
  for (;;) {
    fputc('!' + (int)(i % 94), out);
    if (i < 94) break;
    i = i / 94 - 1;
  }
}

static void put_value(FILE *out, const vcd_var *v, size_t id) {
  if (v->is_real) {
    double x;
    memcpy(&x, &v->bits, sizeof x);
    char buf[32];
    snprintf(buf, sizeof buf, "%.15g", x);
    if (x == x && strtod(buf, NULL) != x) snprintf(buf, sizeof buf, "%.17g", x);
    fprintf(out, "r%s ", buf);
  } else if (v->width == 1) {
    fputc(v->bits ? '1' : '0', out);
  } else {
    int top = 63;
    while (top > 0 && !(v->bits >> top & 1)) top--;
    fputc('b', out);
    for (int b = top; b >= 0; b--) fputc('0' + (int)(v->bits >> b & 1), out);
    fputc(' ', out);
  }
  put_code(out, id);
  fputc('\n', out);
}

/* Dotted paths compare component by component under strcmp, because '.'
 * sorts below every other character a sanitized path holds; ties (the same
 * name twice) keep declaration order. */
static int by_path(const void *a, const void *b) {
  const vcd_var *x = *(const vcd_var *const *)a,
                *y = *(const vcd_var *const *)b;
  int c = strcmp(x->path, y->path);
  return c ? c : (x > y) - (x < y);
}

/* Length of the scopes that scope paths a and b (na, nb chars) share: a
 * prefix ending at a '.' or at the end of both. */
static size_t shared_scopes(const char *a, size_t na, const char *b,
                            size_t nb) {
  size_t i = 0, shared = 0;
  for (; i < na && i < nb && a[i] == b[i]; i++)
    if (a[i] == '.') shared = i;
  if ((i == na || a[i] == '.') && (i == nb || b[i] == '.')) shared = i;
  return shared;
}

/* Closes the scopes of `from` beyond `shared` chars, opens those of `to`. */
static void move_scope(FILE *out, const char *from, size_t n_from,
                       const char *to, size_t n_to, size_t shared) {
  if (n_from > shared) {
    size_t close = shared == 0;
    for (size_t i = shared; i < n_from; i++) close += from[i] == '.';
    while (close--) fputs("$upscope $end\n", out);
  }
  for (size_t i = shared; i < n_to;) {
    if (to[i] == '.') i++;
    size_t end = i;
    while (end < n_to && to[end] != '.') end++;
    fprintf(out, "$scope module %.*s $end\n", (int)(end - i), to + i);
    i = end;
  }
}

int aimc_vcd_begin(aimc_vcd *vcd) {
  aimc_ctx *ctx = vcd->ctx;
  if (vcd->begun)
    return aimc_error(ctx, AIMC_ESTATE, "VCD definitions ended twice");
  const vcd_var **sorted = aimc_malloc(ctx, (vcd->n_vars + 1) * sizeof *sorted);
  if (!sorted)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory writing a VCD");
  for (size_t i = 0; i < vcd->n_vars; i++) sorted[i] = &vcd->vars[i];
  qsort(sorted, vcd->n_vars, sizeof *sorted, by_path);
  for (size_t i = 1; i < vcd->n_vars; i++)
    if (!strcmp(sorted[i - 1]->path, sorted[i]->path)) {
      int st = aimc_error(ctx, AIMC_EINVAL, "VCD variable '%s' declared twice",
                          sorted[i]->path);
      aimc_free(ctx, sorted);
      return st;
    }
  FILE *out = vcd->out;
  const char *scope = "";
  size_t n_scope = 0;
  for (size_t i = 0; i < vcd->n_vars; i++) {
    const vcd_var *v = sorted[i];
    const char *dot = strrchr(v->path, '.');
    size_t n = dot ? (size_t)(dot - v->path) : 0;
    move_scope(out, scope, n_scope, v->path, n,
               shared_scopes(scope, n_scope, v->path, n));
    scope = v->path;
    n_scope = n;
    fprintf(out, "$var %s %d ", v->is_real ? "real" : "wire", v->width);
    put_code(out, (size_t)(v - vcd->vars));
    fprintf(out, " %s $end\n", dot ? dot + 1 : v->path);
  }
  move_scope(out, scope, n_scope, "", 0, 0);
  aimc_free(ctx, sorted);
  fputs("$enddefinitions $end\n#0\n$dumpvars\n", out);
  for (size_t i = 0; i < vcd->n_vars; i++) put_value(out, &vcd->vars[i], i);
  fputs("$end\n", out);
  vcd->begun = 1;
  return AIMC_OK;
}

/* Checks that variable id may change at t_fs. */
static int advance(aimc_vcd *vcd, int id, aimc_time t_fs, int is_real) {
  aimc_ctx *ctx = vcd->ctx;
  if (!vcd->begun)
    return aimc_error(ctx, AIMC_ESTATE,
                      "VCD value set before the definitions ended");
  if (id < 0 || (size_t)id >= vcd->n_vars)
    return aimc_error(ctx, AIMC_EINVAL, "no VCD variable %d", id);
  const vcd_var *v = &vcd->vars[id];
  if (v->is_real != is_real)
    return aimc_error(ctx, AIMC_EINVAL, "VCD variable %s is a %s, not a %s",
                      v->path, v->is_real ? "real" : "wire",
                      is_real ? "real" : "wire");
  if (t_fs < vcd->now)
    return aimc_error(ctx, AIMC_EINVAL,
                      "VCD time %" PRId64 " fs of %s is before %" PRId64 " fs",
                      t_fs, v->path, vcd->now);
  return AIMC_OK;
}

/* Writes the time stamp t_fs if it is new. */
static void write_stamp(aimc_vcd *vcd, aimc_time t_fs) {
  if (t_fs > vcd->stamp) fprintf(vcd->out, "#%" PRId64 "\n", t_fs);
  vcd->stamp = t_fs;
}

static int change(aimc_vcd *vcd, int id, aimc_time t_fs, uint64_t bits) {
  vcd_var *v = &vcd->vars[id];
  vcd->now = t_fs;
  if (v->bits == bits) return AIMC_OK;
  write_stamp(vcd, t_fs);
  v->bits = bits;
  put_value(vcd->out, v, (size_t)id);
  return AIMC_OK;
}

int aimc_vcd_set_wire(aimc_vcd *vcd, int id, aimc_time t_fs, uint64_t value) {
  int st = advance(vcd, id, t_fs, 0);
  if (st) return st;
  const vcd_var *v = &vcd->vars[id];
  if (v->width < 64 && value >> v->width)
    return aimc_error(vcd->ctx, AIMC_ERANGE,
                      "value %" PRIu64 " does not fit the %d-bit VCD wire %s",
                      value, v->width, v->path);
  return change(vcd, id, t_fs, value);
}

int aimc_vcd_set_real(aimc_vcd *vcd, int id, aimc_time t_fs, double value) {
  int st = advance(vcd, id, t_fs, 1);
  if (st) return st;
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  return change(vcd, id, t_fs, bits);
}

int aimc_vcd_end(aimc_vcd *vcd, aimc_time t_fs) {
  if (!vcd->begun)
    return aimc_error(vcd->ctx, AIMC_ESTATE,
                      "VCD ended before its definitions");
  if (t_fs < vcd->now)
    return aimc_error(vcd->ctx, AIMC_EINVAL,
                      "VCD end time %" PRId64 " fs is before %" PRId64 " fs",
                      t_fs, vcd->now);
  vcd->now = t_fs;
  write_stamp(vcd, t_fs);
  return AIMC_OK;
}
