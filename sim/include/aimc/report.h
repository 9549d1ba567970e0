/* Reports: a self-contained HTML page (figures embedded, no external files
 * needed to view it) plus the same figures as SVG and PNG files, made from
 * the results of a sweep (results.json of `aimc sweep`) or of one run (the
 * aimc.run/1 JSON of `aimc run`). Figures (PLplot): energy per inference
 * broken down per component (stacked bars), accuracy vs programming noise
 * per bit width, energy vs accuracy with its Pareto front over array sizes,
 * latency vs array size, the netlist graph of the chosen design, and the
 * tables; for one run also the energy per netlist instance (a bar per tile
 * and a table of the most costly instances). docs/report.md describes each
 * figure. */
#ifndef AIMC_REPORT_H
#define AIMC_REPORT_H

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the error bars of the line figures (accuracy vs noise, latency vs
 * array size) show around the mean over seeds. Either is computed from the
 * sweep's sample standard deviation s (n - 1 in the denominator) and seed
 * count n of each point; a point with fewer than two seeds has no bar. */
typedef enum {
  /* The standard error of the mean, s / sqrt(n): how well the plotted
   * mean is known. The default, since the figures plot means. */
  AIMC_REPORT_ERRORS_SE = 0,
  /* The standard deviation s: the spread of a single seed's result. */
  AIMC_REPORT_ERRORS_STD
} aimc_report_errors;

typedef struct {
  /* Directory for report.html and fig_*.svg/png (created). */
  const char *out_dir;
  /* Page title; NULL: the sweep's name. */
  const char *title;
  /* The settings the sweep figures are drawn against. NULL: guessed from
   * the varied settings (a key containing "sigma", one containing "bits",
   * one ending in "rows" or "size"). A figure whose settings are missing
   * is left out with a note. */
  const char *sigma_key, *bits_key, *size_key;
  /* An SVG of the netlist graph to embed (e.g. from `aimc graph`), or
   * NULL for none. Read, never modified. */
  const char *graph_svg;
  /* Extra run-summary JSON files (aimc.run/1) shown as a table next to
   * the sweep: NULL-terminated, may be NULL. */
  const char *const *runs;
  /* The trainer's results.csv (mode,sigma_uS,seeds,accuracy,...) of the
   * model a single run used: its float and quantized accuracies join the
   * run's. NULL for none. */
  const char *train_csv;
  /* Error bars of the line figures (0, the default: standard error). */
  aimc_report_errors errors;
} aimc_report_opts;

/* Writes the report of `results`: a sweep directory, a sweep results.json,
 * or an aimc.run/1 JSON file, into opts->out_dir published as one unit
 * (aimc_outdir_*: a failed or killed report leaves the earlier one whole).
 * Bad input is AIMC_EFORMAT / AIMC_ENOTFOUND / AIMC_EINVAL (exit 2) with a
 * message naming the file. */
int aimc_report_write(aimc_ctx *ctx, const char *results,
                      const aimc_report_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
