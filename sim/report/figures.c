/* The report's figures from a results table: energy breakdown (stacked
 * bars per design), accuracy vs sigma per bit width, energy vs accuracy
 * with the Pareto front, latency vs array size. Points that differ only in
 * settings a figure does not show are averaged (its caption says so). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "plot.h"
#include "report_impl.h"

double report_scale(double typical, const char *unit, char *label, size_t len) {
  static const struct {
    double f;
    const char *p;
  } PREFIX[] = {{1e15, "f"},  {1e12, "p"}, {1e9, "n"},
                {1e6, "#gm"}, {1e3, "m"},  {1, ""}};
  size_t i = 0;
  double a = fabs(typical);
  while (i + 1 < sizeof PREFIX / sizeof PREFIX[0] && a * PREFIX[i].f >= 1000)
    i++;
  if (!(a > 0) || !isfinite(a)) i = sizeof PREFIX / sizeof PREFIX[0] - 1;
  snprintf(label, len, "%s%s", PREFIX[i].p, unit);
  return PREFIX[i].f;
}

/* The distinct values of key k, sorted numerically (text order when not
 * numbers). Returns their count; idx[i] is the group of point i. */
static size_t groups_of(const rtable *t, int k, const char **vals,
                        size_t *idx) {
  size_t n = 0;
  for (size_t i = 0; i < t->n_points; i++) {
    const char *v = t->values[i * t->n_keys + (size_t)k];
    size_t g = 0;
    while (g < n && strcmp(vals[g], v)) g++;
    if (g == n) vals[n++] = v;
  }
  /* Insertion sort by value: n is small. */
  for (size_t a = 1; a < n; a++)
    for (size_t b = a; b > 0; b--) {
      double x, y;
      int numeric =
          !rtable_number(vals[b - 1], &x) && !rtable_number(vals[b], &y);
      if (numeric ? x <= y : strcmp(vals[b - 1], vals[b]) <= 0) break;
      const char *tmp = vals[b];
      vals[b] = vals[b - 1];
      vals[b - 1] = tmp;
    }
  for (size_t i = 0; i < t->n_points; i++) {
    const char *v = t->values[i * t->n_keys + (size_t)k];
    idx[i] = 0;
    while (strcmp(vals[idx[i]], v)) idx[i]++;
  }
  return n;
}

static const char *guess_key(const rtable *t, const char *given,
                             const char *contains, const char *suffix) {
  if (given) return rtable_key(t, given) >= 0 ? given : NULL;
  for (size_t k = 0; k < t->n_keys; k++) {
    const char *key = t->keys[k];
    size_t kl = strlen(key), sl = suffix ? strlen(suffix) : 0;
    if ((contains && strstr(key, contains)) ||
        (suffix && kl >= sl && strcmp(key + kl - sl, suffix) == 0))
      return key;
  }
  return NULL;
}

/* In the order of aimc_energy_class, which the e_*_J metrics share. */
static const char *ENERGY_LABELS[] = {
    "DAC", "array", "TIA", "ADC", "register", "digital", "buffer", "static"};

const char *report_class_label(aimc_energy_class c) {
  return (int)c >= 0 && c <= AIMC_EC_STATIC ? ENERGY_LABELS[c] : "other";
}

void report_fig_init(report_fig *f, const char *stem, const char *title) {
  memset(f, 0, sizeof *f);
  snprintf(f->stem, sizeof f->stem, "%s", stem);
  snprintf(f->title, sizeof f->title, "%s", title);
}

int report_fig_write(aimc_ctx *ctx, const aimc_report_opts *o, report_fig *f,
                     const plot_figure *pf) {
  char stem[4096];
  snprintf(stem, sizeof stem, "%s/%s", o->out_dir, f->stem);
  int rc = plot_write(ctx, pf, stem);
  f->drawn = rc == AIMC_OK;
  return rc;
}

/* Stacked energy bars, one per design (points that differ only in the
 * sigma setting share a bar: programming noise does not change energy). */
static int fig_energy(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                      const char *sigma, report_fig *f) {
  report_fig_init(f, "fig_energy", "Energy per inference by component");
  size_t n = t->n_points, *grp = aimc_calloc(ctx, n ? n : 1, sizeof *grp);
  char **labels = aimc_calloc(ctx, n ? n : 1, sizeof *labels);
  double *values = aimc_calloc(ctx, 8 * (n ? n : 1), sizeof *values);
  int rc = grp && labels && values
               ? AIMC_OK
               : aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  int ks = rtable_key(t, sigma);
  size_t n_bars = 0;
  char xlabel[256] = "";
  for (size_t k = 0; k < t->n_keys; k++)
    if ((int)k != ks)
      snprintf(xlabel + strlen(xlabel), sizeof xlabel - strlen(xlabel), "%s%s",
               *xlabel ? " / " : "", t->keys[k]);
  /* Group points by their settings other than sigma. */
  for (size_t i = 0; !rc && i < n; i++) {
    size_t g = 0;
    for (; g < n_bars; g++) {
      size_t rep = 0;
      while (grp[rep] != g || rep >= i) rep++;
      int same = 1;
      for (size_t k = 0; k < t->n_keys && same; k++)
        same = (int)k == ks || !strcmp(t->values[i * t->n_keys + k],
                                       t->values[rep * t->n_keys + k]);
      if (same) break;
    }
    grp[i] = g;
    if (g == n_bars) {
      char label[256] = "";
      for (size_t k = 0; k < t->n_keys; k++)
        if ((int)k != ks)
          snprintf(label + strlen(label), sizeof label - strlen(label), "%s%s",
                   *label ? "/" : "", t->values[i * t->n_keys + k]);
      if (!t->is_sweep || !*label) snprintf(label, sizeof label, "this design");
      if (!(labels[n_bars++] = aimc_strdup(ctx, label)))
        rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    }
  }
  /* Layers: the energy metrics someone measured. */
  const char *layer_labels[8];
  size_t n_layers = 0;
  double peak = 0;
  for (int m = AIMC_SWEEP_M_e_dac_J; !rc && m <= AIMC_SWEEP_M_e_static_J; m++) {
    int any = 0;
    for (size_t b = 0; b < n_bars; b++) {
      double v;
      report_average(t, grp, b, m, o->errors, &v, NULL);
      values[n_layers * n_bars + b] = v;
      any |= isfinite(v);
    }
    if (any) {
      layer_labels[n_layers++] =
          report_class_label((aimc_energy_class)(m - AIMC_SWEEP_M_e_dac_J));
    }
  }
  for (size_t b = 0; b < n_bars; b++) {
    double sum = 0;
    for (size_t l = 0; l < n_layers; l++)
      if (isfinite(values[l * n_bars + b])) sum += values[l * n_bars + b];
    if (sum > peak) peak = sum;
  }
  if (!rc && n_layers == 0) {
    snprintf(f->caption, sizeof f->caption,
             "Left out: the results have no energy breakdown.");
  } else if (!rc) {
    char unit[16], ylabel[64];
    double s = report_scale(peak, "J", unit, sizeof unit);
    for (size_t c = 0; c < n_layers * n_bars; c++) values[c] *= s;
    snprintf(ylabel, sizeof ylabel, "energy per inference (%s)", unit);
    plot_figure pf = {.title = f->title,
                      .xlabel = t->is_sweep ? xlabel : "",
                      .ylabel = ylabel,
                      .n_bars = n_bars,
                      .n_layers = n_layers,
                      .bar_labels = (const char *const *)labels,
                      .layer_labels = layer_labels,
                      .values = values};
    rc = report_fig_write(ctx, o, f, &pf);
    snprintf(
        f->caption, sizeof f->caption,
        "Energy of one inference split by component class%s.",
        ks >= 0
            ? " (one bar per design; the programming-noise setting, which does "
              "not change energy, is averaged)"
            : "");
  }
  for (size_t b = 0; labels && b < n_bars; b++) aimc_free(ctx, labels[b]);
  aimc_free(ctx, labels);
  aimc_free(ctx, values);
  aimc_free(ctx, grp);
  return rc;
}

/* Lines of metric m (scaled by `scale`) against key kx, one per value of
 * key kg (or a single line), averaged over the other settings, with the
 * error bars o->errors asks for; `note` (report_errors_note) says which. */
static int fig_lines(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                     report_fig *f, int kx, int kg, int m, double xscale,
                     double yscale, const char *xlabel, const char *ylabel,
                     const char *group_fmt, const char *note) {
  size_t n = t->n_points;
  const char **xv = aimc_calloc(ctx, n, sizeof *xv),
             **gv = aimc_calloc(ctx, n, sizeof *gv);
  size_t *xi = aimc_calloc(ctx, n, sizeof *xi),
         *gi = aimc_calloc(ctx, n, sizeof *gi);
  size_t *sel = aimc_calloc(ctx, n, sizeof *sel);
  double *buf = aimc_calloc(ctx, 3 * n, sizeof *buf);
  plot_series *series = aimc_calloc(ctx, n, sizeof *series);
  char(*names)[64] = aimc_calloc(ctx, n, sizeof *names);
  int rc = AIMC_OK;
  if (!xv || !gv || !xi || !gi || !sel || !buf || !series || !names) {
    rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    goto out;
  }
  size_t nx = groups_of(t, kx, xv, xi),
         ng = kg >= 0 ? groups_of(t, kg, gv, gi) : 1;
  double *x = buf, *y = buf + n, *e = buf + 2 * n;
  size_t used = 0;
  for (size_t g = 0; g < ng; g++) {
    plot_series *s = &series[g];
    s->x = x + used;
    s->y = y + used;
    s->yerr = e + used;
    for (size_t a = 0; a < nx; a++) {
      /* Points of this x value and this group. */
      for (size_t i = 0; i < n; i++)
        sel[i] = xi[i] == a && (kg < 0 || gi[i] == g) ? 0 : 1;
      double mean, err, xnum;
      report_average(t, sel, 0, m, o->errors, &mean, &err);
      if (!isfinite(mean) || rtable_number(xv[a], &xnum)) continue;
      x[used] = xnum * xscale;
      y[used] = mean * yscale;
      e[used] = err * yscale; /* NaN: no bar */
      used++;
      s->n++;
    }
    if (kg >= 0) snprintf(names[g], sizeof names[g], group_fmt, gv[g]);
    s->label = kg >= 0 ? names[g] : NULL;
    s->lines = s->markers = 1;
    s->color = (int)g;
  }
  if (used == 0) {
    snprintf(f->caption, sizeof f->caption, "Left out: no finite %s values.",
             aimc_sweep_metric_name(m));
    goto out;
  }
  plot_figure pf = {.title = f->title,
                    .note = note,
                    .xlabel = xlabel,
                    .ylabel = ylabel,
                    .n_series = ng,
                    .series = series};
  rc = report_fig_write(ctx, o, f, &pf);
out:
  aimc_free(ctx, (void *)xv);
  aimc_free(ctx, (void *)gv);
  aimc_free(ctx, xi);
  aimc_free(ctx, gi);
  aimc_free(ctx, sel);
  aimc_free(ctx, buf);
  aimc_free(ctx, series);
  aimc_free(ctx, names);
  return rc;
}

/* Energy vs accuracy: every point, coloured by array size, and the Pareto
 * front (no other point is both cheaper and more accurate). */
static int fig_pareto(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                      int ksize, report_fig *f) {
  size_t n = t->n_points;
  const char **sv = aimc_calloc(ctx, n, sizeof *sv);
  size_t *si = aimc_calloc(ctx, n, sizeof *si),
         *order = aimc_calloc(ctx, n, sizeof *order);
  double *buf = aimc_calloc(ctx, 4 * n, sizeof *buf);
  plot_series *series = aimc_calloc(ctx, n + 1, sizeof *series);
  char(*names)[64] = aimc_calloc(ctx, n, sizeof *names);
  int rc = AIMC_OK;
  if (!sv || !si || !order || !buf || !series || !names) {
    rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    goto out;
  }
  double peak = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(rtable_mean(t, i, AIMC_SWEEP_M_energy_J)))
      peak = fmax(peak, rtable_mean(t, i, AIMC_SWEEP_M_energy_J));
  char unit[16], xlabel[64];
  double s = report_scale(peak, "J", unit, sizeof unit);
  snprintf(xlabel, sizeof xlabel, "energy per inference (%s)", unit);
  size_t ng = ksize >= 0 ? groups_of(t, ksize, sv, si) : 1;
  double *x = buf, *y = buf + n, *fx = buf + 2 * n, *fy = buf + 3 * n;
  size_t used = 0;
  for (size_t g = 0; g < ng; g++) {
    plot_series *ps = &series[g];
    ps->x = x + used;
    ps->y = y + used;
    for (size_t i = 0; i < n; i++) {
      double ev = rtable_mean(t, i, AIMC_SWEEP_M_energy_J),
             av = rtable_mean(t, i, AIMC_SWEEP_M_accuracy);
      if ((ksize >= 0 && si[i] != g) || !isfinite(ev) || !isfinite(av))
        continue;
      x[used] = ev * s;
      y[used++] = av * 100;
      ps->n++;
    }
    if (ksize >= 0)
      snprintf(names[g], sizeof names[g], "%s %s", t->keys[ksize], sv[g]);
    ps->label = ksize >= 0 ? names[g] : "designs";
    ps->markers = 1;
    ps->color = (int)g;
  }
  /* Front: sort by energy, keep each point more accurate than all cheaper. */
  for (size_t i = 0; i < used; i++) order[i] = i;
  for (size_t a = 1; a < used; a++)
    for (size_t b = a; b > 0 && (x[order[b - 1]] > x[order[b]] ||
                                 (x[order[b - 1]] == x[order[b]] &&
                                  y[order[b - 1]] < y[order[b]]));
         b--) {
      size_t tmp = order[b];
      order[b] = order[b - 1];
      order[b - 1] = tmp;
    }
  size_t nf = 0;
  double best = -INFINITY;
  for (size_t a = 0; a < used; a++)
    if (y[order[a]] > best) {
      best = y[order[a]];
      fx[nf] = x[order[a]];
      fy[nf++] = best;
    }
  /* A front of one point is a point: mark it (a line needs two). */
  series[ng] = (plot_series){.label = "Pareto front",
                             .n = nf,
                             .x = fx,
                             .y = fy,
                             .lines = nf > 1,
                             .markers = nf == 1,
                             .color = 7};
  if (used == 0) {
    snprintf(f->caption, sizeof f->caption,
             "Left out: no point has both energy and accuracy.");
    goto out;
  }
  plot_figure pf = {.title = f->title,
                    .xlabel = xlabel,
                    .ylabel = "accuracy (%)",
                    .n_series = ng + 1,
                    .series = series};
  rc = report_fig_write(ctx, o, f, &pf);
  snprintf(
      f->caption, sizeof f->caption,
      "Every design point (mean over seeds), energy against accuracy; the grey "
      "line is "
      "the Pareto front: %zu of %zu points that no other point beats on both.",
      nf, used);
out:
  aimc_free(ctx, (void *)sv);
  aimc_free(ctx, si);
  aimc_free(ctx, order);
  aimc_free(ctx, buf);
  aimc_free(ctx, series);
  aimc_free(ctx, names);
  return rc;
}

/* One run: a bar per array instance, or per residual bin. */
static int fig_single_bars(aimc_ctx *ctx, const aimc_report_opts *o,
                           report_fig *f, size_t n, const double *v,
                           double scale,
                           const char *(*label)(size_t, char *, size_t,
                                                const void *),
                           const void *user, const char *xlabel,
                           const char *ylabel, const char *layer) {
  double *vals = aimc_calloc(ctx, n, sizeof *vals);
  char(*names)[32] = aimc_calloc(ctx, n, sizeof *names);
  const char **labels = aimc_calloc(ctx, n, sizeof *labels);
  int rc = vals && names && labels
               ? AIMC_OK
               : aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n; i++) {
    vals[i] = v[i] * scale;
    labels[i] = label(i, names[i], sizeof names[i], user);
  }
  const char *layers[1] = {layer};
  plot_figure pf = {.title = f->title,
                    .xlabel = xlabel,
                    .ylabel = ylabel,
                    .n_bars = n,
                    .n_layers = 1,
                    .bar_labels = labels,
                    .layer_labels = layers,
                    .values = vals};
  if (!rc) rc = report_fig_write(ctx, o, f, &pf);
  aimc_free(ctx, vals);
  aimc_free(ctx, names);
  aimc_free(ctx, (void *)labels);
  return rc;
}

static const char *array_label(size_t i, char *buf, size_t len,
                               const void *user) {
  (void)user;
  snprintf(buf, len, "%zu", i);
  return buf;
}

static const char *bin_label(size_t i, char *buf, size_t len,
                             const void *user) {
  snprintf(buf, len, "%.3g", (double)(i + 1) * *(const double *)user * 1e6);
  return buf;
}

static int single_run_figures(aimc_ctx *ctx, const rtable *t,
                              const aimc_report_opts *o, report_fig *figs,
                              size_t *n_figs) {
  int rc = AIMC_OK;
  if (t->n_inst) rc = report_instances_figure(ctx, t, o, &figs[(*n_figs)++]);
  if (!rc && t->n_arrays) {
    report_fig *f = &figs[(*n_figs)++];
    report_fig_init(f, "fig_arrays", "Energy per array instance");
    double peak = 0;
    for (size_t k = 0; k < t->n_arrays; k++)
      if (isfinite(t->array_e_J[k])) peak = fmax(peak, t->array_e_J[k]);
    char unit[16], ylabel[64];
    double s = report_scale(peak, "J", unit, sizeof unit);
    snprintf(ylabel, sizeof ylabel, "energy per inference (%s)", unit);
    rc = fig_single_bars(ctx, o, f, t->n_arrays, t->array_e_J, s, array_label,
                         NULL, "array instance", ylabel, "all classes");
    snprintf(f->caption, sizeof f->caption,
             "Energy each of the %zu crossbar arrays spends per inference.",
             t->n_arrays);
  }
  if (!rc && t->n_hist) {
    report_fig *f = &figs[(*n_figs)++];
    report_fig_init(f, "fig_residuals", "Programming residuals");
    rc = fig_single_bars(ctx, o, f, t->n_hist, t->hist, 1, bin_label,
                         &t->hist_bin_S, "|G - target| up to (#gmS)", "devices",
                         "devices");
    snprintf(f->caption, sizeof f->caption,
             "How far the programmed conductances landed from their targets: "
             "devices per "
             "bin of |G - target| (bin width %.3g uS).",
             t->hist_bin_S * 1e6);
  }
  return rc;
}

int report_figures(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                   report_fig *figs, size_t *n_figs) {
  *n_figs = 0;
  if (!plot_available()) return AIMC_OK;
  const char *sigma = guess_key(t, o->sigma_key, "sigma", NULL);
  const char *bits = guess_key(t, o->bits_key, "bits", NULL);
  const char *size = guess_key(t, o->size_key, "size", "rows");
  int ks = rtable_key(t, sigma), kb = rtable_key(t, bits),
      kz = rtable_key(t, size);
  int rc = fig_energy(ctx, t, o, sigma, &figs[(*n_figs)++]);
  if (rc) return rc;
  if (!t->is_sweep) return single_run_figures(ctx, t, o, figs, n_figs);

  report_fig *f = &figs[(*n_figs)++];
  report_fig_init(f, "fig_accuracy_sigma", "Accuracy vs programming noise");
  if (ks < 0) {
    snprintf(f->caption, sizeof f->caption,
             "Left out: no programming-noise setting was varied (a key "
             "containing 'sigma').");
  } else {
    char note[96];
    int bars = report_errors_note(t, AIMC_SWEEP_M_accuracy, o->errors, note,
                                  sizeof note);
    rc = fig_lines(ctx, t, o, f, ks, kb, AIMC_SWEEP_M_accuracy, 1e6, 100,
                   "programming noise #gs (#gmS)", "accuracy (%)", "%s bits",
                   note);
    char per[96] = "";
    if (kb >= 0) snprintf(per, sizeof per, ", one line per %s", bits);
    snprintf(f->caption, sizeof f->caption,
             "Hardware accuracy against the programming noise %s%s, other "
             "settings averaged: %s.%s",
             sigma, per, note,
             !bars ? ""
             : o->errors == AIMC_REPORT_ERRORS_STD
                 ? " The std is the sample standard deviation (n - 1); a "
                   "point with one seed has no bar."
                 : " The standard error is s / &radic;n, s the sample "
                   "standard deviation (n - 1); a point with one seed has no "
                   "bar.");
  }
  if (rc) return rc;

  f = &figs[(*n_figs)++];
  report_fig_init(f, "fig_pareto", "Energy vs accuracy (Pareto front)");
  rc = fig_pareto(ctx, t, o, kz, f);
  if (rc) return rc;

  f = &figs[(*n_figs)++];
  report_fig_init(f, "fig_latency", "Latency vs array size");
  if (kz < 0) {
    snprintf(
        f->caption, sizeof f->caption,
        "Left out: no array-size setting was varied (a key ending in 'rows').");
  } else {
    double peak = 0;
    for (size_t i = 0; i < t->n_points; i++)
      if (isfinite(rtable_mean(t, i, AIMC_SWEEP_M_latency_s)))
        peak = fmax(peak, rtable_mean(t, i, AIMC_SWEEP_M_latency_s));
    char unit[16], ylabel[64], xlabel[128];
    double s = report_scale(peak, "s", unit, sizeof unit);
    snprintf(ylabel, sizeof ylabel, "latency per inference (%s)", unit);
    snprintf(xlabel, sizeof xlabel, "%s", size);
    char note[96];
    (void)report_errors_note(t, AIMC_SWEEP_M_latency_s, o->errors, note,
                             sizeof note);
    rc = fig_lines(ctx, t, o, f, kz, kb, AIMC_SWEEP_M_latency_s, 1, s, xlabel,
                   ylabel, "%s bits", note);
    char per[96] = "";
    if (kb >= 0) snprintf(per, sizeof per, ", one line per %s", bits);
    snprintf(f->caption, sizeof f->caption,
             "Latency of one inference against %s%s, other settings averaged: %s.",
             size, per, note);
  }
  return rc;
}
