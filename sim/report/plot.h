/* Figures of the report, drawn with PLplot (cairo drivers): line/scatter
 * plots with error bars and stacked bar charts, each written as SVG and
 * PNG. Internal to sim/report, and used by the benchmarks' figures
 * (bench/inference.c --plot), which are not part of the product. */
#ifndef AIMC_REPORT_PLOT_H
#define AIMC_REPORT_PLOT_H

#include <stddef.h>

#include "aimc/context.h"

typedef struct {
  const char *label;
  size_t n;
  const double *x, *y;
  const double *yerr; /* +- error bars, or NULL; NaN or 0: no bar */
  int lines;          /* join the points with a line          */
  int markers;        /* draw a marker at each point          */
  int color;          /* palette index (0 = first colour)     */
} plot_series;

typedef struct {
  const char *title, *xlabel, *ylabel;
  /* Small text over the frame's right end (what the error bars show), or
   * NULL. UTF-8. */
  const char *note;
  int logx, logy;
  /* Line / scatter plot. */
  size_t n_series;
  const plot_series *series;
  /* Stacked bars (when n_bars > 0): values[layer * n_bars + bar]. */
  size_t n_bars, n_layers;
  const char *const *bar_labels;
  const char *const *layer_labels;
  const double *values;
} plot_figure;

/* Writes <stem>.svg and <stem>.png. Errors name the file; a figure with no
 * finite data is drawn as an empty frame saying so. */
int plot_write(aimc_ctx *ctx, const plot_figure *fig, const char *stem);

/* 1 when this build can draw (PLplot found at configure time; plot_write
 * says so when its plugin cannot be loaded). */
int plot_available(void);

#endif
