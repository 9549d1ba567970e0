/* Report figures drawn with PLplot, built as the plugin aimc_plplot.so so
 * that only `aimc report` loads PLplot and cairo (sim/core/plugin.h):
 * one PLplot stream per file (plmkstrm / plend1), drawn by the cairo
 * drivers (svgcairo, pngcairo) in the colour-blind-safe Okabe-Ito
 * palette. sim/report/plot.c writes the file atomically around it. */
#include <math.h>
#include <plplot/plplot.h>
#include <stdio.h>
#include <string.h>

#include "sim/plugins/plot.h"

/* cmap0: 0 background, 1 axes and text, 2.. the series colours. */
enum { BG = 0, FG = 1, FIRST = 2, N_COLOURS = 8 };
static const int PALETTE[2 + N_COLOURS][3] = {
    {255, 255, 255}, {34, 34, 34},   {0, 114, 178},  {230, 159, 0},
    {0, 158, 115},   {213, 94, 0},   {86, 180, 233}, {204, 121, 167},
    {240, 228, 66},  {120, 120, 120}};

static int colour(int i) {
  return FIRST + (i % N_COLOURS + N_COLOURS) % N_COLOURS;
}

typedef struct {
  double lo, hi;
} range;

static void widen(range *r, double v, int log) {
  if (!isfinite(v) || (log && v <= 0)) return;
  double t = log ? log10(v) : v;
  if (t < r->lo) r->lo = t;
  if (t > r->hi) r->hi = t;
}

/* Pads a data range by 5 % (or to a unit span when it is a single value). */
static void pad(range *r, int log, int from_zero) {
  if (r->lo > r->hi) {
    r->lo = 0;
    r->hi = 1;
  }
  if (from_zero && !log && r->lo > 0) r->lo = 0;
  double span = r->hi - r->lo;
  if (span <= 0) span = log ? 1 : (r->hi != 0 ? fabs(r->hi) : 1);
  r->lo -= 0.05 * span;
  r->hi += 0.05 * span;
}

static double tr(double v, int log) { return log ? log10(v) : v; }

/* Legend outside the frame on the right: colour boxes for bars, line
 * and/or marker samples for series. */
static void draw_legend(const char *const *labels, const int *colours, int n,
                        int boxes, const int *lines, const int *markers) {
  PLINT opt[32], tcol[32], lcol[32], lsty[32], scol[32], snum[32], bcol[32],
      bpat[32];
  PLFLT lw[32], ss[32], bs[32], blw[32];
  const char *sym[32];
  if (n > 32) n = 32;
  for (int i = 0; i < n; i++) {
    opt[i] = boxes ? PL_LEGEND_COLOR_BOX
                   : (lines[i] ? PL_LEGEND_LINE : 0) |
                         (markers[i] ? PL_LEGEND_SYMBOL : 0);
    tcol[i] = FG;
    lcol[i] = scol[i] = bcol[i] = colours[i];
    lsty[i] = 1;
    lw[i] = 2.0;
    ss[i] = 1.0;
    snum[i] = lines && lines[i] ? 2 : 1;
    sym[i] = "#(727)";
    bpat[i] = 0;
    bs[i] = 0.8;
    blw[i] = 1.0;
  }
  PLFLT w, h;
  pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_OUTSIDE | PL_POSITION_RIGHT, 0.02, 0.0, 0.1, BG, FG, 1,
           n, 1, n, opt, 1.0, 0.8, 2.0, 0.0, tcol, labels, bcol, bpat, bs, blw,
           lcol, lsty, lw, scol, ss, snum, sym);
}

static void draw_lines(const plot_figure *f) {
  range x = {INFINITY, -INFINITY}, y = {INFINITY, -INFINITY};
  for (size_t s = 0; s < f->n_series; s++)
    for (size_t i = 0; i < f->series[s].n; i++) {
      const plot_series *ps = &f->series[s];
      if (!isfinite(ps->y[i])) continue;
      widen(&x, ps->x[i], f->logx);
      double e = ps->yerr && isfinite(ps->yerr[i]) ? ps->yerr[i] : 0;
      widen(&y, ps->y[i] - e, f->logy);
      widen(&y, ps->y[i] + e, f->logy);
    }
  pad(&x, f->logx, 0);
  pad(&y, f->logy, 0);
  plwind(x.lo, x.hi, y.lo, y.hi);
  plcol0(FG);
  plbox(f->logx ? "bcnstl" : "bcnst", 0, 0, f->logy ? "bcnstvl" : "bcnstv", 0,
        0);
  const char *labels[32];
  int colours[32], lines[32], markers[32];
  int n_leg = 0;
  for (size_t s = 0; s < f->n_series; s++) {
    const plot_series *ps = &f->series[s];
    double px[512], py[512], ex[512], lo[512], hi[512];
    int n = 0, n_err = 0;
    for (size_t i = 0; i < ps->n && n < 512; i++) {
      if (!isfinite(ps->y[i]) || !isfinite(ps->x[i])) continue;
      if ((f->logx && ps->x[i] <= 0) || (f->logy && ps->y[i] <= 0)) continue;
      px[n] = tr(ps->x[i], f->logx);
      py[n] = tr(ps->y[i], f->logy);
      /* Only real bars: a zero-length one would still draw its serifs. */
      double e = ps->yerr ? ps->yerr[i] : NAN;
      if (isfinite(e) && e > 0) {
        ex[n_err] = px[n];
        lo[n_err] =
            f->logy ? tr(fmax(ps->y[i] - e, ps->y[i] * 1e-3), 1) : ps->y[i] - e;
        hi[n_err++] = tr(ps->y[i] + e, f->logy);
      }
      n++;
    }
    plcol0(colour(ps->color));
    plwidth(2.0);
    if (ps->lines && n > 1) plline(n, px, py);
    plwidth(1.0);
    if (ps->markers && n) plstring(n, px, py, "#(727)");
    if (n_err) plerry(n_err, ex, lo, hi);
    if (ps->label && *ps->label && n_leg < 32) {
      labels[n_leg] = ps->label;
      colours[n_leg] = colour(ps->color);
      lines[n_leg] = ps->lines;
      markers[n_leg++] = ps->markers;
    }
  }
  plcol0(FG);
  pllab(f->xlabel, f->ylabel, "");
  /* A note stands as a smaller subtitle, the title moving up for it. */
  plmtex("t", f->note ? 2.2 : 1.5, 0.5, 0.5, f->title);
  if (f->note) {
    plschr(0, 0.75);
    plmtex("t", 0.8, 0.5, 0.5, f->note);
    plschr(0, 0.9);
  }
  if (n_leg) draw_legend(labels, colours, n_leg, 0, lines, markers);
}

/* Bar labels stand vertical when side by side they would overlap (the
 * frame is about 64 characters wide); returns the longest label's length
 * then, 0 when they lie flat. */
static size_t vertical_labels(const plot_figure *f) {
  size_t longest = 0;
  for (size_t b = 0; b < f->n_bars; b++)
    if (strlen(f->bar_labels[b]) > longest) longest = strlen(f->bar_labels[b]);
  return f->n_bars > 8 || (longest + 1) * f->n_bars > 64 ? longest : 0;
}

static void draw_bars(const plot_figure *f) {
  range y = {INFINITY, -INFINITY};
  for (size_t b = 0; b < f->n_bars; b++) {
    double sum = 0;
    for (size_t l = 0; l < f->n_layers; l++) {
      double v = f->values[l * f->n_bars + b];
      if (isfinite(v) && v > 0) sum += v;
    }
    widen(&y, sum, 0);
  }
  widen(&y, 0, 0);
  pad(&y, 0, 1);
  if (y.lo < 0) y.lo = 0;
  double n = (double)f->n_bars;
  size_t vertical = vertical_labels(f);
  plwind(-0.6, n - 0.4, y.lo, y.hi);
  for (size_t b = 0; b < f->n_bars; b++) {
    double base = 0;
    for (size_t l = 0; l < f->n_layers; l++) {
      double v = f->values[l * f->n_bars + b];
      if (!isfinite(v) || v <= 0) continue;
      double bx[4] = {b - 0.35, b + 0.35, b + 0.35, b - 0.35};
      double by[4] = {base, base, base + v, base + v};
      plcol0(colour((int)l));
      plfill(4, bx, by);
      plcol0(FG);
      plline(4, bx, by);
      base += v;
    }
    /* Category labels under the bars; vertical when they would crowd. */
    double pos = ((double)b + 0.6) / (n + 0.2);
    if (vertical)
      plmtex("bv", 0.5, pos, 1.0, f->bar_labels[b]);
    else
      plmtex("b", 1.5, pos, 0.5, f->bar_labels[b]);
  }
  plcol0(FG);
  plbox("bc", 0, 0, "bcnstv", 0, 0);
  pllab("", f->ylabel, "");
  /* Below the labels: a character is about 0.7 of its height wide. */
  plmtex("b", vertical ? 1.5 + 0.75 * (double)vertical : 3.2, 0.5, 0.5,
         f->xlabel);
  plmtex("t", 1.5, 0.5, 0.5, f->title);
  int colours[32];
  for (size_t l = 0; l < f->n_layers && l < 32; l++)
    colours[l] = colour((int)l);
  draw_legend(f->layer_labels, colours, (int)f->n_layers, 1, NULL, NULL);
}

/* Draws f into path with PLplot device dev. 0, or -1 when PLplot has no
 * stream left. */
static int draw(const plot_figure *f, const char *path, const char *dev) {
  PLINT stream;
  plmkstrm(&stream);
  if (stream < 0) return -1;
  plsdev(dev);
  plsfnam(path);
  plspage(0, 0, 900, 560, 0, 0);
  PLINT r[2 + N_COLOURS], g[2 + N_COLOURS], b[2 + N_COLOURS];
  for (int i = 0; i < 2 + N_COLOURS; i++) {
    r[i] = PALETTE[i][0];
    g[i] = PALETTE[i][1];
    b[i] = PALETTE[i][2];
  }
  plscmap0(r, g, b, 2 + N_COLOURS);
  plinit();
  pladv(0);
  plschr(0, 0.9);
  /* Room under the frame for vertical bar labels and the axis label. */
  size_t vertical = f->n_bars ? vertical_labels(f) : 0;
  /* The legend takes the right of the page; without one the frame does. */
  int legend = f->n_bars > 0 && f->n_layers > 0;
  for (size_t s = 0; s < f->n_series; s++)
    legend |= f->series[s].label && *f->series[s].label;
  plvpor(0.1, legend ? 0.72 : 0.95,
         vertical ? 0.08 + 0.02 * (double)vertical : 0.13, 0.9);
  if (f->n_bars)
    draw_bars(f);
  else
    draw_lines(f);
  plend1();
  return 0;
}

__attribute__((visibility("default")))
const aimc_plot_plugin aimc_plugin_plplot = {
    .head = {AIMC_PLUGIN_ABI, sizeof(aimc_plot_plugin)},
    .draw = draw,
};
