/* Fitting the "pulse" device card to measured pulse trains (see
 * aimc/device_fit.h): CSV reading, per-device maximum-likelihood fit by
 * Nelder-Mead through the device API, pooling into a card, YAML output. */
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aimc/device_fit.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/units.h"

/* ---- CSV ---- */

enum { C_V, C_W, C_G, N_COLS };
static const char *const COLS[N_COLS] = {"v_V", "width_s", "g_S"};

void aimc_pulse_data_fini(aimc_ctx *ctx, aimc_pulse_data *d) {
  aimc_free(ctx, d->device);
  aimc_free(ctx, d->v_V);
  memset(d, 0, sizeof *d);
}

/* Column positions from a header line; 0 or an error naming the column. */
static int header(aimc_ctx *ctx, const char *path, int line, char *s,
                  int pos[N_COLS], int *n_fields) {
  for (int c = 0; c < N_COLS; c++) pos[c] = -1;
  int f = 0;
  for (char *tok = s, *next; tok; tok = next, f++) {
    next = strchr(tok, ',');
    if (next) *next++ = '\0';
    tok[strcspn(tok, "\r")] = '\0';
    for (int c = 0; c < N_COLS; c++)
      if (!strcmp(tok, COLS[c])) pos[c] = f;
  }
  *n_fields = f;
  for (int c = 0; c < N_COLS; c++)
    if (pos[c] < 0)
      return aimc_error(ctx, AIMC_EPARSE,
                        "%s:%d:1: the header lacks column '%s' (expected the "
                        "CSV of aimc device: pulse,v_V,width_s,g_S,...)",
                        path, line, COLS[c]);
  return AIMC_OK;
}

int aimc_pulse_data_load(aimc_ctx *ctx, const char *path, aimc_pulse_data *d) {
  memset(d, 0, sizeof *d);
  char *text = NULL;
  size_t size;
  int rc = aimc_read_file(ctx, path, &text, &size);
  if (rc) return rc;
  size_t cap = 1;
  for (size_t i = 0; i < size; i++) cap += text[i] == '\n';
  d->device = aimc_calloc(ctx, cap, sizeof(int));
  d->v_V = aimc_calloc(ctx, 4 * cap, sizeof(double));
  if (!d->device || !d->v_V) {
    aimc_free(ctx, text);
    aimc_pulse_data_fini(ctx, d);
    return aimc_error(ctx, AIMC_ENOMEM, "%s: out of memory", path);
  }
  d->width_s = d->v_V + cap;
  d->g0_S = d->width_s + cap;
  d->g1_S = d->g0_S + cap;
  int pos[N_COLS], n_fields = 0, have_header = 0, line = 0, dev = -1;
  double g_prev = 0;
  for (char *s = text, *next; s && *s && !rc; s = next) {
    next = strchr(s, '\n');
    if (next) *next++ = '\0';
    line++;
    char *p = s + strspn(s, " \t\r");
    if (!*p || *p == '#') continue;
    if ((*p < '0' || *p > '9') && *p != '-' && *p != '+' && *p != '.') {
      rc = header(ctx, path, line, s, pos, &n_fields);
      have_header = 1;
      continue;
    }
    if (!have_header) {
      rc = aimc_error(ctx, AIMC_EPARSE,
                      "%s:%d:1: data before the header line", path, line);
      break;
    }
    double val[N_COLS] = {0};
    int f = 0;
    for (char *tok = s, *nx; tok && !rc; tok = nx, f++) {
      nx = strchr(tok, ',');
      if (nx) *nx++ = '\0';
      for (int c = 0; c < N_COLS; c++) {
        if (pos[c] != f) continue;
        const char *end;
        double x;
        int col = (int)(tok - s) + 1;
        if (aimc_decimal_parse(tok + strspn(tok, " \t"), &x, &end) ||
            end[strspn(end, " \t\r")] != '\0' || !isfinite(x))
          rc = aimc_error(ctx, AIMC_EPARSE, "%s:%d:%d: %s '%s' is not a number",
                          path, line, col, COLS[c], tok);
        else if ((c == C_W && x < 0) || (c == C_G && x <= 0))
          rc = aimc_error(ctx, AIMC_ERANGE, "%s:%d:%d: %s = %g must be %s",
                          path, line, col, COLS[c], x,
                          c == C_W ? ">= 0" : "> 0");
        val[c] = x;
      }
    }
    if (!rc && f != n_fields)
      rc = aimc_error(ctx, AIMC_EPARSE,
                      "%s:%d:1: %d fields, the header has %d", path, line, f,
                      n_fields);
    if (rc) break;
    if (val[C_V] == 0 && val[C_W] == 0) { /* initial state: a new device */
      dev++;
      g_prev = val[C_G];
      continue;
    }
    if (dev < 0) {
      rc = aimc_error(ctx, AIMC_EPARSE,
                      "%s:%d:1: a pulse before any initial-state row (v_V = 0, "
                      "width_s = 0)",
                      path, line);
      break;
    }
    if (val[C_W] == 0) {
      rc = aimc_error(ctx, AIMC_ERANGE,
                      "%s:%d:%d: width_s = 0 with v_V != 0", path, line,
                      1);
      break;
    }
    int k = d->n++;
    d->device[k] = dev;
    d->v_V[k] = val[C_V];
    d->width_s[k] = val[C_W];
    d->g0_S[k] = g_prev;
    d->g1_S[k] = val[C_G];
    g_prev = val[C_G];
  }
  aimc_free(ctx, text);
  if (!rc && d->n == 0)
    rc = aimc_error(ctx, AIMC_EPARSE, "%s: no pulses", path);
  if (rc) {
    aimc_pulse_data_fini(ctx, d);
    return rc;
  }
  d->n_devices = dev + 1;
  return AIMC_OK;
}

/* ---- model through the device API ---- */

typedef struct {
  aimc_device *dev; /* working copy of the base card */
  void *cell;
  const aimc_pulse_data *d;
  int lo, hi;       /* this device's transitions [lo, hi) */
  double gmin_obs, gmax_obs, span_obs;
  int fix_gamma;
  double gamma[2];
  double rms_rel, rms_g; /* of the last evaluation */
  int n_used;
} fit_ws;

static double *param(aimc_device *dev, const char *key) {
  for (size_t i = 0; i < dev->model->n_params; i++)
    if (!strcmp(dev->model->params[i].key, key))
      return (double *)((char *)dev->params + dev->model->params[i].offset);
  return NULL;
}

/* theta: ln(gmin_obs - g_lo), ln(g_hi - gmax_obs) in units of the observed
 * span, ln alpha_set, ln alpha_reset, [ln gamma_set, ln gamma_reset]. */
static void apply(fit_ws *w, const double *t) {
  *param(w->dev, "g_min") = w->gmin_obs - w->span_obs * exp(t[0]);
  *param(w->dev, "g_max") = w->gmax_obs + w->span_obs * exp(t[1]);
  *param(w->dev, "alpha_set") = exp(t[2]);
  *param(w->dev, "alpha_reset") = exp(t[3]);
  *param(w->dev, "gamma_set") = w->fix_gamma ? w->gamma[0] : exp(t[4]);
  *param(w->dev, "gamma_reset") = w->fix_gamma ? w->gamma[1] : exp(t[5]);
}

/* Negative log-likelihood of one device's transitions (sigma profiled). */
static double nll(const gsl_vector *tv, void *arg) {
  fit_ws *w = arg;
  double t[6];
  for (size_t i = 0; i < tv->size; i++) t[i] = gsl_vector_get(tv, i);
  /* The parameter table's ranges (alpha <= 10, gamma in [0.2, 5]) and a
   * window edge at most one observed span beyond the readings. */
  static const double LO[6] = {-25, -25, -13.8, -13.8, -1.609, -1.609};
  static const double HI[6] = {0, 0, 2.302, 2.302, 1.609, 1.609};
  for (size_t i = 0; i < tv->size; i++)
    if (t[i] < LO[i] || t[i] > HI[i]) return 1e300;
  apply(w, t);
  if (*param(w->dev, "g_min") <= 0) return 1e300;
  double sum_ln = 0, se = 0, sg = 0;
  int n = 0;
  for (int k = w->lo; k < w->hi; k++) {
    const aimc_pulse_data *d = w->d;
    double dg = d->g1_S[k] - d->g0_S[k];
    if (dg == 0) continue; /* no move (threshold, stuck): no information */
    aimc_device_cell_init(w->dev, w->cell, NULL);
    aimc_device_set_g(w->dev, w->cell, d->g0_S[k]);
    aimc_device_result r;
    aimc_device_pulse(w->dev, w->cell, d->v_V[k], d->width_s[k], NULL, &r);
    double pred = r.g_S - d->g0_S[k];
    if (fabs(pred) < 1e-12 * w->span_obs) return 1e300;
    double e = dg / pred - 1;
    sum_ln += log(fabs(pred));
    se += e * e;
    sg += (dg - pred) * (dg - pred);
    n++;
  }
  if (n < 4) return 1e300;
  w->rms_rel = sqrt(se / n);
  w->rms_g = sqrt(sg / n);
  w->n_used = n;
  return sum_ln + 0.5 * n * log(se / n + 1e-300);
}

/* Starting rates: the average per-pulse headroom share, scaled by the
 * share a unit-rate pulse of the same shape takes (both via the model). */
static double start_rate(fit_ws *w, int pol) {
  double sum = 0;
  int n = 0;
  *param(w->dev, "g_min") = w->gmin_obs - 0.01 * w->span_obs;
  *param(w->dev, "g_max") = w->gmax_obs + 0.01 * w->span_obs;
  *param(w->dev, pol ? "alpha_reset" : "alpha_set") = 1;
  *param(w->dev, pol ? "gamma_reset" : "gamma_set") = 1;
  double lo = *param(w->dev, "g_min"), hi = *param(w->dev, "g_max");
  for (int k = w->lo; k < w->hi; k++) {
    const aimc_pulse_data *d = w->d;
    if ((d->v_V[k] < 0) != pol) continue;
    double h = pol ? d->g0_S[k] - lo : hi - d->g0_S[k];
    double share = fabs(d->g1_S[k] - d->g0_S[k]) / h;
    if (share <= 0 || share >= 1) continue;
    aimc_device_cell_init(w->dev, w->cell, NULL);
    aimc_device_set_g(w->dev, w->cell, 0.5 * (lo + hi));
    aimc_device_result r;
    aimc_device_pulse(w->dev, w->cell, d->v_V[k], d->width_s[k], NULL, &r);
    double kt1 = -log(fabs(r.g_S - 0.5 * (lo + hi)) > 0
                          ? 1 - fabs(r.g_S - 0.5 * (lo + hi)) / (0.5 * (hi - lo))
                          : 1);
    if (!(kt1 > 0) || !isfinite(kt1)) continue;
    sum += log(-log1p(-share) / kt1);
    n++;
  }
  return n ? sum / n : log(0.02);
}

/* Nelder-Mead from t (dim 4 or 6); returns the minimum. */
static double minimise(fit_ws *w, double *t, int dim) {
  gsl_multimin_function f = {nll, (size_t)dim, w};
  gsl_vector *x = gsl_vector_alloc(dim), *step = gsl_vector_alloc(dim);
  gsl_multimin_fminimizer *m =
      gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
  double best = 1e300;
  if (x && step && m) {
    for (int restart = 0; restart < 3; restart++) { /* restarts escape stalls */
      for (int i = 0; i < dim; i++) {
        gsl_vector_set(x, i, t[i]);
        gsl_vector_set(step, i, 0.3);
      }
      gsl_multimin_fminimizer_set(m, &f, x, step);
      for (int it = 0; it < 3000; it++) {
        if (gsl_multimin_fminimizer_iterate(m)) break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-7) !=
            GSL_CONTINUE)
          break;
      }
      for (int i = 0; i < dim; i++) t[i] = gsl_vector_get(m->x, i);
      best = m->fval;
    }
  }
  gsl_multimin_fminimizer_free(m);
  gsl_vector_free(step);
  gsl_vector_free(x);
  gsl_vector_view tv = gsl_vector_view_array(t, dim);
  best = nll(&tv.vector, w); /* leaves w's residuals at the optimum */
  return best;
}

static void device_range(fit_ws *w, int dev) {
  const aimc_pulse_data *d = w->d;
  w->lo = w->hi = 0;
  while (w->lo < d->n && d->device[w->lo] != dev) w->lo++;
  w->hi = w->lo;
  while (w->hi < d->n && d->device[w->hi] == dev) w->hi++;
  w->gmin_obs = 1e300;
  w->gmax_obs = 0;
  for (int k = w->lo; k < w->hi; k++)
    for (int j = 0; j < 2; j++) {
      double g = j ? d->g1_S[k] : d->g0_S[k];
      if (g < w->gmin_obs) w->gmin_obs = g;
      if (g > w->gmax_obs) w->gmax_obs = g;
    }
  w->span_obs = w->gmax_obs - w->gmin_obs;
}

typedef struct {
  double g_lo, g_hi, a_set, a_reset, ln_gs, ln_gr;
  int n_set, n_reset;
} dev_fit;

int aimc_device_fit(aimc_ctx *ctx, const aimc_device *base,
                    const aimc_pulse_data *d, aimc_device_fit_result *res) {
  memset(res, 0, sizeof *res);
  if (strcmp(base->model->name, "pulse"))
    return aimc_error(ctx, AIMC_EINVAL,
                      "device fit: the base card is model '%s'; fitting is "
                      "implemented for the 'pulse' model",
                      base->model->name);
  fit_ws w = {.d = d};
  int rc = aimc_device_clone(ctx, base, &w.dev);
  if (rc) return rc;
  w.cell = aimc_calloc(ctx, 1, aimc_device_cell_size(base));
  dev_fit *f = aimc_calloc(ctx, (size_t)d->n_devices, sizeof *f);
  if (!w.cell || !f) {
    rc = aimc_error(ctx, AIMC_ENOMEM, "device fit: out of memory");
    goto done;
  }
  /* Devices need pulses that moved them in both directions. */
  for (int k = 0; k < d->n; k++) {
    double dg = d->g1_S[k] - d->g0_S[k];
    if (dg != 0 && d->v_V[k] > 0) f[d->device[k]].n_set++;
    if (dg != 0 && d->v_V[k] < 0) f[d->device[k]].n_reset++;
  }
  for (int i = 0; i < d->n_devices; i++)
    if (f[i].n_set < 8 || f[i].n_reset < 8) {
      rc = aimc_error(ctx, AIMC_EFAIL,
                      "device fit: device %d has %d SET and %d RESET pulses "
                      "that moved it; at least 8 of each are needed",
                      i + 1, f[i].n_set, f[i].n_reset);
      goto done;
    }
  /* Stage 1: every device with its own exponents; stage 2: shared
   * exponents (the card has one gamma per polarity), per-device window and
   * rates. */
  double gam[2] = {0, 0};
  for (int stage = 0; stage < 2; stage++) {
    w.fix_gamma = stage;
    w.gamma[0] = exp(gam[0]);
    w.gamma[1] = exp(gam[1]);
    double se = 0, sg = 0;
    int n_all = 0;
    for (int i = 0; i < d->n_devices; i++) {
      device_range(&w, i);
      double t[6] = {log(0.01), log(0.01), 0, 0, 0, 0};
      if (stage == 0) {
        t[2] = start_rate(&w, 0);
        t[3] = start_rate(&w, 1);
      } else {
        t[0] = log(fmax(1e-9, (w.gmin_obs - f[i].g_lo) / w.span_obs));
        t[1] = log(fmax(1e-9, (f[i].g_hi - w.gmax_obs) / w.span_obs));
        t[2] = log(f[i].a_set);
        t[3] = log(f[i].a_reset);
      }
      minimise(&w, t, stage ? 4 : 6);
      apply(&w, t);
      f[i].g_lo = *param(w.dev, "g_min");
      f[i].g_hi = *param(w.dev, "g_max");
      f[i].a_set = exp(t[2]);
      f[i].a_reset = exp(t[3]);
      if (!stage) {
        f[i].ln_gs = t[4];
        f[i].ln_gr = t[5];
      }
      se += w.rms_rel * w.rms_rel * w.n_used;
      sg += w.rms_g * w.rms_g * w.n_used;
      n_all += w.n_used;
    }
    if (stage == 0) {
      for (int i = 0; i < d->n_devices; i++) {
        gam[0] += f[i].ln_gs / d->n_devices;
        gam[1] += f[i].ln_gr / d->n_devices;
      }
    }
    res->rms_rel = sqrt(se / n_all);
    res->rms_g_S = sqrt(sg / n_all);
    res->n_used = n_all;
  }
  /* Pool into the card. */
  int nd = d->n_devices;
  double m[4] = {0}, v[4] = {0};
  for (int i = 0; i < nd; i++) {
    double x[4] = {f[i].g_lo, f[i].g_hi, f[i].a_set, f[i].a_reset};
    for (int j = 0; j < 4; j++) m[j] += x[j] / nd;
  }
  for (int i = 0; i < nd; i++) {
    double x[4] = {f[i].g_lo, f[i].g_hi, f[i].a_set, f[i].a_reset};
    for (int j = 0; j < 4; j++)
      v[j] += (x[j] - m[j]) * (x[j] - m[j]) / (nd > 1 ? nd - 1 : 1);
  }
  res->n_devices = nd;
  res->g_min = m[0];
  res->g_max = m[1];
  res->alpha_set = m[2];
  res->alpha_reset = m[3];
  res->gamma_set = exp(gam[0]);
  res->gamma_reset = exp(gam[1]);
  res->sigma_c2c = res->rms_rel;
  res->se_sigma_c2c = res->rms_rel / sqrt(2.0 * res->n_used);
  res->se_g_min = sqrt(v[0] / nd);
  res->se_g_max = sqrt(v[1] / nd);
  res->se_alpha_set = sqrt(v[2] / nd);
  res->se_alpha_reset = sqrt(v[3] / nd);
  /* Relative spread of the rates, less what the c2c noise alone puts into
   * a per-device rate estimate (~ sigma_c2c^2 / pulses of that polarity). */
  double est = 0, rel = 0.5 * (v[2] / (m[2] * m[2]) + v[3] / (m[3] * m[3]));
  for (int i = 0; i < nd; i++)
    est += 0.5 * res->sigma_c2c * res->sigma_c2c *
           (1.0 / f[i].n_set + 1.0 / f[i].n_reset) / nd;
  res->sigma_d2d = nd > 1 ? sqrt(fmax(0, rel - est)) : 0;
  res->se_sigma_d2d = nd > 1 ? sqrt(rel) / sqrt(2.0 * nd) : 0;
  res->sigma_d2d_g =
      nd > 1 ? sqrt(0.5 * (v[0] / (m[0] * m[0]) + v[1] / (m[1] * m[1]))) : 0;
done:
  aimc_free(ctx, f);
  aimc_free(ctx, w.cell);
  aimc_device_free(ctx, w.dev);
  return rc;
}

/* ---- card output ---- */

int aimc_device_fit_write(aimc_ctx *ctx, const aimc_device *base,
                          const aimc_device_fit_result *res, const char *note,
                          const char *path) {
  aimc_device *dev = NULL;
  int rc = aimc_device_clone(ctx, base, &dev);
  if (rc) return rc;
  const struct {
    const char *key;
    double v;
  } fitted[] = {{"g_min", res->g_min},
                {"g_max", res->g_max},
                {"alpha_set", res->alpha_set},
                {"alpha_reset", res->alpha_reset},
                {"gamma_set", res->gamma_set},
                {"gamma_reset", res->gamma_reset},
                {"sigma_c2c", res->sigma_c2c},
                {"sigma_d2d", res->sigma_d2d},
                {"sigma_d2d_g", res->sigma_d2d_g}};
  for (size_t i = 0; i < sizeof fitted / sizeof fitted[0] && !rc; i++) {
    char text[64];
    snprintf(text, sizeof text, "%.9g", fitted[i].v);
    rc = aimc_device_set(ctx, dev, fitted[i].key, text); /* range-checked */
  }
  aimc_atomic_file *f = NULL;
  if (!rc) rc = aimc_atomic_open(ctx, path, &f);
  if (rc) {
    aimc_device_free(ctx, dev);
    return rc;
  }
  FILE *out = aimc_atomic_stream(f);
  fprintf(out,
          "# Device card fitted by `aimc device fit` (aimc/device_fit.h).\n"
          "# Fit: %d devices, %d pulses that moved them; one-step residual "
          "RMS %.4g relative, %.4g S.\n"
          "model: %s\nsource: \"",
          res->n_devices, res->n_used, res->rms_rel, res->rms_g_S,
          dev->model->name);
  for (const char *p = note; p && *p; p++)
    if (*p != '"' && *p != '\\' && *p != '\n') fputc(*p, out);
  fprintf(out, "\"\n");
  for (size_t i = 0; i < dev->model->n_params; i++) {
    const aimc_param *p = &dev->model->params[i];
    const char *at = (const char *)dev->params + p->offset;
    if (p->type == AIMC_PT_REAL)
      fprintf(out, "%s: %.9g%s\n", p->key, *(const double *)at,
              aimc_unit_symbol(p->unit));
    else if (p->type == AIMC_PT_INT)
      fprintf(out, "%s: %d\n", p->key, *(const int *)at);
  }
  aimc_device_free(ctx, dev);
  return aimc_atomic_commit(ctx, f);
}
