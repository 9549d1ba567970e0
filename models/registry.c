/* The model registry built from models.def, and port/class helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/model.h"
#include "aimc/status.h"

#define X(sym) extern const aimc_model sym;
#include "models.def"
#undef X

/* NULL-terminated so that an empty registry still compiles. */
static const aimc_model *const REGISTRY[] = {
#define X(sym) &sym,
#include "models.def"
#undef X
    NULL};

size_t aimc_models_count(void) {
  return sizeof REGISTRY / sizeof REGISTRY[0] - 1;
}

const aimc_model *aimc_models_at(size_t i) {
  return i < aimc_models_count() ? REGISTRY[i] : NULL;
}

const aimc_model *aimc_models_find(const char *name) {
  for (size_t i = 0; i < aimc_models_count(); i++)
    if (strcmp(REGISTRY[i]->name, name) == 0) return REGISTRY[i];
  return NULL;
}

aimc_op_cost aimc_model_op_cost(const aimc_model *m, const void *params,
                                const aimc_op_use *use) {
  aimc_op_cost none = {0, 0};
  return m->op_cost ? m->op_cost(params, use) : none;
}

int aimc_model_eval_batch(const aimc_model *m, const aimc_eval *e, const double *in,
                          double *out, const aimc_lanes *l) {
  if (m->eval_batch) return m->eval_batch(e, in, out, l);
  if (!m->eval) return AIMC_EINVAL;
  size_t n_in = (size_t)(m->eval_n_in ? m->eval_n_in(e) : e->n), n_out = (size_t)e->n;
  size_t n = (n_in > n_out ? n_in : n_out) + 1;
  double *a = malloc(3 * n * sizeof *a), *b = a + n, *v = b + n;
  if (!a) return AIMC_ENOMEM;
  aimc_eval lane = *e;
  if (e->in_var) lane.in_var = v;
  int st = AIMC_OK;
  for (int k = 0; k < l->n && !st; k++) {
    for (size_t c = 0; c < n_in; c++) {
      a[c] = in[c * l->stride + (size_t)k];
      if (e->in_var) v[c] = e->in_var[c * l->stride + (size_t)k];
    }
    st = m->eval(&lane, a, b, &l->rng[k]);
    for (size_t c = 0; c < n_out; c++) out[c * l->stride + (size_t)k] = b[c];
  }
  free(a);
  return st;
}

int aimc_model_port_find(const aimc_model *m, const char *name) {
  for (size_t i = 0; i < m->n_ports; i++)
    if (strcmp(m->ports[i].name, name) == 0) return (int)i;
  return -1;
}

/* Port arrays (aimc/model.h): the last spec's width names a STRING param
 * that lists the elements' widths. */
static const aimc_param *array_param(const aimc_model *m) {
  if (!m->n_ports) return NULL;
  const aimc_param *p = aimc_params_find(m->params, m->n_params, m->ports[m->n_ports - 1].width);
  return p && p->type == AIMC_PT_STRING ? p : NULL;
}

int aimc_model_port_is_array(const aimc_model *m, int spec) {
  return spec >= 0 && (size_t)spec + 1 == m->n_ports && array_param(m) != NULL;
}

/* One number of a widths list at *s, >= 1 and <= hi; *s past it. */
static long list_number(const char **s, long hi) {
  while (**s == ' ' || **s == '\t') (*s)++;
  if (**s < '0' || **s > '9') return -1;
  long v = 0;
  while (**s >= '0' && **s <= '9') {
    v = v * 10 + (**s - '0');
    if (v > hi) return -1;
    (*s)++;
  }
  while (**s == ' ' || **s == '\t') (*s)++;
  return v >= 1 ? v : -1;
}

int aimc_port_widths_scan(const char *list, int k, int *width) {
  enum { MAX_WIDTH = 1 << 21, MAX_COUNT = 1 << 20 };
  long count = 0;
  const char *s = list;
  for (;;) {
    long w = list_number(&s, MAX_WIDTH), rep = 1;
    if (w < 0) return -1;
    if (*s == '*') {
      s++;
      if ((rep = list_number(&s, MAX_COUNT)) < 0) return -1;
    }
    if (width && k >= count && k < count + rep) *width = (int)w;
    if ((count += rep) > MAX_COUNT) return -1;
    if (!*s) return (int)count;
    if (*s++ != ',') return -1;
  }
}

int aimc_model_n_ports(const aimc_model *m, const void *params) {
  const aimc_param *p = array_param(m);
  if (!p) return (int)m->n_ports;
  int count = aimc_port_widths_scan((const char *)params + p->offset, 0, NULL);
  return count < 0 ? -1 : (int)m->n_ports - 1 + count;
}

const aimc_port_spec *aimc_model_port(const aimc_model *m, int port) {
  if (port < 0 || !m->n_ports) return NULL;
  if ((size_t)port < m->n_ports) return &m->ports[port];
  return array_param(m) ? &m->ports[m->n_ports - 1] : NULL;
}

void aimc_model_port_label(const aimc_model *m, int port, char *buf, size_t len) {
  const aimc_port_spec *s = aimc_model_port(m, port);
  int base = (int)m->n_ports - 1;
  if (s && aimc_model_port_is_array(m, base) && port >= base)
    snprintf(buf, len, "%s[%d]", s->name, port - base);
  else
    snprintf(buf, len, "%s", s ? s->name : "?");
}

int aimc_model_port_width(const aimc_model *m, int port, const void *params) {
  const aimc_port_spec *spec = aimc_model_port(m, port);
  if (!spec) return -1;
  const char *w = spec->width;
  char *end;
  long n = strtol(w, &end, 10);
  if (end != w && *end == '\0') return (int)n;
  const aimc_param *p = aimc_params_find(m->params, m->n_params, w);
  if (p && p->type == AIMC_PT_STRING && aimc_model_port_is_array(m, (int)m->n_ports - 1)) {
    int width = -1, k = port - ((int)m->n_ports - 1);
    int count = aimc_port_widths_scan((const char *)params + p->offset, k, &width);
    return count > k ? width : -1;
  }
  if (!p || p->type != AIMC_PT_INT) return -1;
  return (int)aimc_param_get(p, params);
}

const char *aimc_sig_kind_name(aimc_sig_kind k) {
  static const char *const names[AIMC_SIG_COUNT_] = {"voltage", "current", "digital",
                                                     "clock", "control"};
  return (k >= 0 && k < AIMC_SIG_COUNT_) ? names[k] : "?";
}

const char *aimc_energy_class_name(aimc_energy_class c) {
  static const char *const names[AIMC_EC_COUNT_] = {
      "dac", "array", "tia", "adc", "register", "digital",
      "buffer", "static", "programming", "device", "other"};
  return (c >= 0 && c < AIMC_EC_COUNT_) ? names[c] : "?";
}
