/* Internal pieces of the report: the results table it reads (a sweep's
 * results.json or one aimc.run/1 JSON), the figures drawn from it, and the
 * HTML page that embeds them.
 * Public header of sim/report: sim/include/aimc/report.h. */
#ifndef AIMC_REPORT_IMPL_H
#define AIMC_REPORT_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/model.h"
#include "aimc/report.h"
#include "aimc/sweep.h"
#include "plot.h"

struct cJSON;

/* One netlist instance's energy per inference (aimc.run/1
 * energy_J.per_instance) and the class its name implies. */
typedef struct {
  char *name; /* "l0_ssm_0.adc", "l0_ssm_0" (static), "periphery", ... */
  aimc_energy_class eclass;
  double e_J;
} report_inst;

/* Results as rows of metrics (the sweep metric list of aimc/sweep.h). */
typedef struct {
  char *name;   /* sweep name, or the run file's stem           */
  char *source; /* the file it was read from                    */
  int is_sweep;
  size_t n_points;
  size_t n_keys;      /* varied settings                              */
  char **keys;        /* n_keys                                       */
  char **values;      /* n_points * n_keys                            */
  double *n_seeds;    /* n_points                                     */
  double *mean, *std; /* n_points * AIMC_SWEEP_N_METRICS; NaN = none  */
  /* One run only (aimc.run/1): energy per array instance and the
   * programming residual histogram; n_arrays / n_hist 0 when absent. */
  size_t n_arrays, n_hist;
  double *array_e_J; /* n_arrays                                     */
  double hist[16];   /* devices per |G - target| bin                 */
  double hist_bin_S; /* bin width                                    */
  /* One run only: energy per netlist instance, in the file's order;
   * n_inst 0 when the file has none (older runs). */
  size_t n_inst;
  report_inst *inst;
} rtable;

/* Reads a sweep directory / results.json / aimc.run/1 file. */
int rtable_load(aimc_ctx *ctx, const char *path, rtable *t);
/* Reads an input file whole (aimc_read_file): a missing file is
 * AIMC_ENOTFOUND and anything but a regular file AIMC_EINVAL (exit 2). */
int report_read_input(aimc_ctx *ctx, const char *path, char **data,
                      size_t *size);
void rtable_fini(aimc_ctx *ctx, rtable *t);
/* Adds the float / quantized accuracy (sigma 0 rows) of a trainer
 * results.csv to every point of t. */
int rtable_add_train_csv(aimc_ctx *ctx, rtable *t, const char *path);
/* mean / std of metric m at point i. */
double rtable_mean(const rtable *t, size_t i, int m);
double rtable_std(const rtable *t, size_t i, int m);
/* Index of a varied key, or -1. */
int rtable_key(const rtable *t, const char *key);
/* Parses a setting ("5uS", "64", "1e-3") into a number; 0 on success. */
int rtable_number(const char *text, double *v);

/* The mean of metric m over the points i with sel[i] == g whose mean is
 * finite (NaN when none), and in *err (unless err is NULL) the half-width
 * of its error bar. With P such points, point means m_i, sample stds s_i
 * and seed counts n_i: std is sqrt(sum s_i^2 / P), the root mean square of
 * the points' std; se is sqrt(sum s_i^2 / n_i) / P, the standard error of
 * the mean of the P means (seeds independent). *err is NaN (no bar) unless
 * every such point has n_i >= 2 and a finite s_i. */
void report_average(const rtable *t, const size_t *sel, size_t g, int m,
                    aimc_report_errors errors, double *mean, double *err);

/* What the error bars of metric m show, for a figure and its caption:
 * "mean ± standard error over 5 seeds" ("over 2-5 seeds" when the points
 * differ), "mean ± std over ...", or, when no point has two seeds, a note
 * that there are no error bars (then it returns 0, else 1). UTF-8. */
int report_errors_note(const rtable *t, int m, aimc_report_errors errors,
                        char *note, size_t len);

/* One figure of the page. */
typedef struct {
  char stem[64]; /* file name without extension, e.g. "fig_energy" */
  char title[128];
  char caption[512];
  int drawn; /* 0: left out; caption says why               */
  /* Writes HTML after the figure (e.g. its table), or NULL. */
  int (*after)(aimc_ctx *ctx, FILE *f, const rtable *t);
} report_fig;

enum { REPORT_MAX_FIGS = 6 };

/* Draws every figure that the table allows into dir; fills figs. */
int report_figures(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                   report_fig *figs, size_t *n_figs);

/* Writes report.html into o->out_dir. */
int report_html(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                const report_fig *figs, size_t n_figs);

/* Energy per instance (sim/report/instances.c). Reads a run's
 * energy_J.per_instance object (NULL: none) into t->inst; a value that is
 * not a number is AIMC_EFORMAT naming the file and the instance. */
int report_instances_load(aimc_ctx *ctx, const struct cJSON *per_instance,
                          rtable *t);
/* The figure fig_instances: one bar per tile stacked by class, then the
 * periphery and the buffers; at most REPORT_MAX_INST_BARS bars, the least
 * costly tiles summed into one. Its `after` writes the table of the top
 * instances with their share of the total. */
enum { REPORT_MAX_INST_BARS = 40, REPORT_TOP_INSTANCES = 15 };
int report_instances_figure(aimc_ctx *ctx, const rtable *t,
                            const aimc_report_opts *o, report_fig *f);

/* Figure helpers shared by figures.c and instances.c. */
void report_fig_init(report_fig *f, const char *stem, const char *title);
/* Draws pf as <out_dir>/<stem>.svg and .png; sets f->drawn. */
int report_fig_write(aimc_ctx *ctx, const aimc_report_opts *o, report_fig *f,
                     const plot_figure *pf);
/* Legend label of an energy class ("DAC", "array", ..., "other"). */
const char *report_class_label(aimc_energy_class c);
/* s with HTML's special characters escaped. */
void report_put_escaped(FILE *f, const char *s);

/* Engineering scaling for axis labels: the factor to multiply by and the
 * prefixed unit ("nJ") for values around `typical`. */
double report_scale(double typical, const char *unit, char *label, size_t len);

#endif
