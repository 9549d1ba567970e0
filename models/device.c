/* The device-model registry and the aimc_device handle (a model plus one
 * set of parameter values); card loading lives in device_card.c. */
#include "aimc/device.h"

#include <stdio.h>
#include <string.h>

#include "aimc/status.h"

#define X(name) extern const aimc_device_model aimc_device_##name##_model;
#include "devices.def"
#undef X

static const aimc_device_model *const DEVICE_MODELS[] = {
#define X(name) &aimc_device_##name##_model,
#include "devices.def"
#undef X
};

size_t aimc_device_models_count(void) {
  return sizeof DEVICE_MODELS / sizeof DEVICE_MODELS[0];
}

const aimc_device_model *aimc_device_models_at(size_t i) {
  return i < aimc_device_models_count() ? DEVICE_MODELS[i] : NULL;
}

const aimc_device_model *aimc_device_model_default(void) { return DEVICE_MODELS[0]; }

const aimc_device_model *aimc_device_model_find(const char *name) {
  for (size_t i = 0; i < aimc_device_models_count(); i++)
    if (strcmp(DEVICE_MODELS[i]->name, name) == 0) return DEVICE_MODELS[i];
  return NULL;
}

const char *aimc_device_models_names(char *buf, size_t len, const char *sep) {
  if (len == 0) return buf;
  buf[0] = '\0';
  for (size_t i = 0, used = 0; i < aimc_device_models_count() && used < len; i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i ? sep : "", DEVICE_MODELS[i]->name);
    if (w < 0) break;
    used += (size_t)w;
  }
  return buf;
}

static int device_new(aimc_ctx *ctx, const aimc_device_model *m,
                      aimc_device **out) {
  *out = NULL;
  aimc_device *d = aimc_calloc(ctx, 1, sizeof *d);
  if (!d) return aimc_error(ctx, AIMC_ENOMEM, "device: out of memory");
  d->params = aimc_calloc(ctx, 1, m->params_size);
  if (!d->params) {
    aimc_free(ctx, d);
    return aimc_error(ctx, AIMC_ENOMEM, "device: out of memory");
  }
  d->model = m;
  *out = d;
  return AIMC_OK;
}

int aimc_device_alloc(aimc_ctx *ctx, const char *model, aimc_device **out) {
  const aimc_device_model *m = aimc_device_model_find(model);
  if (!m) {
    char known[256];
    *out = NULL;
    return aimc_error(ctx, AIMC_ENOTFOUND, "device: unknown model '%s' (known: %s)", model,
                      aimc_device_models_names(known, sizeof known, ", "));
  }
  int rc = device_new(ctx, m, out);
  if (rc) return rc;
  aimc_params_defaults(m->params, m->n_params, (*out)->params);
  return AIMC_OK;
}

int aimc_device_open(aimc_ctx *ctx, const char *model, const char *card,
                     aimc_device **out) {
  if (card && *card) return aimc_device_load(ctx, card, out);
  return aimc_device_alloc(ctx, model, out);
}

int aimc_device_set(aimc_ctx *ctx, aimc_device *dev, const char *key,
                    const char *value) {
  const aimc_device_model *m = dev->model;
  const aimc_param *p = aimc_params_find(m->params, m->n_params, key);
  if (!p)
    return aimc_error(ctx, AIMC_ENOTFOUND, "device %s: unknown parameter '%s'",
                      m->name, key);
  char saved[1024], err[512];
  if (m->params_size > sizeof saved)
    return aimc_error(ctx, AIMC_EFAIL, "device %s: parameter block too large",
                      m->name);
  memcpy(saved, dev->params, m->params_size);
  int rc = aimc_param_set(p, dev->params, value, err, sizeof err);
  if (!rc && m->validate) rc = m->validate(dev->params, err, sizeof err);
  if (rc) {
    memcpy(dev->params, saved, m->params_size);
    return aimc_error(ctx, rc, "device %s: %s", m->name, err);
  }
  return AIMC_OK;
}

int aimc_device_apply(aimc_ctx *ctx, aimc_device *dev, const char *sets) {
  char piece[AIMC_PARAM_STRLEN];
  for (const char *s = sets ? sets : "", *end; *s; s = *end ? end + 1 : end) {
    end = strchr(s, ',');
    if (!end) end = s + strlen(s);
    while (s < end && *s == ' ') s++;
    size_t n = (size_t)(end - s);
    while (n && s[n - 1] == ' ') n--;
    if (!n) continue;
    if (n >= sizeof piece) n = sizeof piece - 1;
    memcpy(piece, s, n);
    piece[n] = '\0';
    char *eq = strchr(piece, '=');
    if (!eq)
      return aimc_error(ctx, AIMC_EPARSE, "device %s: '%s' is not KEY=VALUE", dev->model->name,
                        piece);
    *eq = '\0';
    int rc = aimc_device_set(ctx, dev, piece, eq + 1);
    if (rc) return rc;
  }
  return AIMC_OK;
}

int aimc_device_clone(aimc_ctx *ctx, const aimc_device *dev,
                      aimc_device **out) {
  int rc = device_new(ctx, dev->model, out);
  if (rc) return rc;
  memcpy((*out)->params, dev->params, dev->model->params_size);
  return AIMC_OK;
}

void aimc_device_free(aimc_ctx *ctx, aimc_device *dev) {
  if (!dev) return;
  aimc_free(ctx, dev->params);
  aimc_free(ctx, dev);
}

void aimc_device_cell_init(const aimc_device *d, void *cell, gsl_rng *rng) {
  d->model->cell_init(d->params, cell, rng);
}
void aimc_device_pulse(const aimc_device *d, void *cell, double v_V,
                       double width_s, gsl_rng *rng, aimc_device_result *r) {
  d->model->pulse(d->params, cell, v_V, width_s, rng, r);
}
void aimc_device_read(const aimc_device *d, const void *cell, double v_V,
                      gsl_rng *rng, aimc_device_result *r) {
  d->model->read(d->params, cell, v_V, rng, r);
}
double aimc_device_g(const aimc_device *d, const void *cell) {
  return d->model->conductance(d->params, cell);
}
void aimc_device_set_g(const aimc_device *d, void *cell, double g_S) {
  d->model->set_conductance(d->params, cell, g_S);
}
void aimc_device_age(const aimc_device *d, void *cell, double dt_s) {
  d->model->age(d->params, cell, dt_s);
}
void aimc_device_window(const aimc_device *d, double *g_min, double *g_max) {
  d->model->window(d->params, g_min, g_max);
}
void aimc_device_limits(const aimc_device *d, aimc_pulse_limits *lim) {
  d->model->limits(d->params, lim);
}
int aimc_device_stuck(const aimc_device *d, const void *cell) {
  return d->model->stuck(cell);
}
size_t aimc_device_cell_size(const aimc_device *d) {
  return d->model->cell_size;
}

double aimc_device_read_noise(const aimc_device *d) {
  const aimc_param *p = aimc_params_find(d->model->params, d->model->n_params, "read_noise");
  return p ? aimc_param_get(p, d->params) : 0;
}
