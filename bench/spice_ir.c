/* IR-drop figures of the crossbar: error of the first-order model and of
 * the nodal solver against ngspice (and against the nodal solution, which
 * matches ngspice to ~1e-13) for N x N arrays, and what each costs: the
 * effective-matrix build (once per programming) and a read (one dgemv for
 * both), timed interleaved, medians. Prints a markdown table; --fig STEM
 * writes STEM.csv/.svg/.png (docs/img/spice_ir); --replot STEM redraws
 * them from STEM.csv.
 * usage: bench_spice_ir [--spice] [--fig STEM] [N...]   (default N: 16 32 64 128)
 *        bench_spice_ir --replot STEM */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_statistics_double.h>

#include "../sim/report/plot.h" /* the project's PLplot helper (internal) */
#include "aimc/device.h"
#include "aimc/spice.h"
#include "aimc/status.h"
#include "aimc/xbar.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The median of n values (reorders them). */
static double median(double *v, int n) { return gsl_stats_median(v, 1, (size_t)n); }

/* Largest |a - b| over the largest |b|. */
static double rel_err(const double *a, const double *b, int n) {
  double e = 0, m = 0;
  for (int k = 0; k < n; k++) e = fmax(e, fabs(a[k] - b[k])), m = fmax(m, fabs(b[k]));
  return e / m;
}

static void mvm(int R, int C, const double *ge, const double *v, double *i) {
  for (int j = 0; j < C; j++) i[j] = 0;
  for (int k = 0; k < R; k++)
    for (int j = 0; j < C; j++) i[j] += v[k] * ge[(size_t)k * C + j];
}

/* Random cells over the 5..100 uS window, unsigned inputs 0..0.2 V. */
static void random_case(gsl_rng *r, int n, double *g, double *v) {
  for (int k = 0; k < n * n; k++) g[k] = 5e-6 + 95e-6 * gsl_rng_uniform(r);
  for (int i = 0; i < n; i++) v[i] = 0.2 * gsl_rng_uniform(r);
}

#define MAXN 16
static const double RS[] = {0.3, 1, 3};
#define NR 3

static int write_csv(const char *fig, const int *sizes, int n_sizes,
                     double err_fo[NR][MAXN], const double *err_nd) {
  char path[512];
  snprintf(path, sizeof path, "%s.csv", fig);
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  fprintf(f, "n,err_first_order_r0.3,err_first_order_r1,err_first_order_r3,"
             "err_nodal_vs_ngspice_r1\n");
  for (int s = 0; s < n_sizes; s++)
    fprintf(f, "%d,%.6e,%.6e,%.6e,%.6e\n", sizes[s], err_fo[0][s], err_fo[1][s],
            err_fo[2][s], err_nd ? err_nd[s] : NAN);
  return fclose(f) != 0;
}

static int draw(aimc_ctx *ctx, const char *fig, const double *xs, int n_sizes,
                double err_fo[NR][MAXN], const double *err_nd) {
  plot_series ser[NR + 1];
  char labels[NR][64];
  for (int q = 0; q < NR; q++) {
    snprintf(labels[q], sizeof labels[q], "1st order %g Ohm", RS[q]);
    ser[q] = (plot_series){labels[q], (size_t)n_sizes, xs, err_fo[q], NULL, 1, 1, q};
  }
  ser[NR] = (plot_series){"nodal 1 Ohm", (size_t)n_sizes, xs, err_nd, NULL, 1, 1, NR};
  plot_figure pf = {.title = "IR drop: error against the exact circuit (ngspice)",
                    .xlabel = "array size N (N x N)",
                    .ylabel = "max column-current error / max current",
                    .note = "cells 5-100 uS, inputs 0-0.2 V",
                    .logx = 1, .logy = 1,
                    .n_series = err_nd ? NR + 1 : NR, .series = ser};
  if (plot_write(ctx, &pf, fig)) {
    fprintf(stderr, "%s\n", aimc_ctx_errmsg(ctx));
    return 1;
  }
  printf("\nwrote %s.svg, %s.png\n", fig, fig);
  return 0;
}

/* --replot STEM: the figure again from STEM.csv (ngspice at 128 x 128 takes
 * minutes). */
static int replot(aimc_ctx *ctx, const char *fig) {
  char path[512], line[512];
  snprintf(path, sizeof path, "%s.csv", fig);
  FILE *f = fopen(path, "r");
  if (!f || !fgets(line, sizeof line, f)) return 1;
  double xs[MAXN], fo[NR][MAXN], nd[MAXN];
  int n = 0;
  while (n < MAXN && fgets(line, sizeof line, f))
    if (sscanf(line, "%lf,%lf,%lf,%lf,%lf", &xs[n], &fo[0][n], &fo[1][n], &fo[2][n],
               &nd[n]) == 5)
      n++;
  fclose(f);
  return n ? draw(ctx, fig, xs, n, fo, nd) : 1;
}

int main(int argc, char **argv) {
  int sizes[MAXN] = {16, 32, 64, 128}, n_sizes = 4, spice = 0, custom = 0;
  const char *fig = NULL;
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--spice")) spice = 1;
    else if (!strcmp(argv[a], "--fig") && a + 1 < argc) fig = argv[++a];
    else if (!strcmp(argv[a], "--replot") && a + 1 < argc) {
      aimc_ctx *c = aimc_ctx_alloc(1);
      int rc = replot(c, argv[++a]);
      aimc_ctx_free(c);
      return rc;
    }
    else if (atoi(argv[a]) > 0 && n_sizes < MAXN) {
      if (!custom) n_sizes = 0, custom = 1;
      sizes[n_sizes++] = atoi(argv[a]);
    } else {
      fprintf(stderr, "usage: bench_spice_ir [--spice] [--fig STEM] [N...] | --replot STEM\n");
      return 2;
    }
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  char dir[] = "/tmp/aimc-bench-spice-XXXXXX";
  if (spice && !mkdtemp(dir)) return 1;
  double err_fo[NR][MAXN], err_nd[MAXN], xs[MAXN];
  printf("IR drop of N x N arrays, cells uniform 5..100 uS, inputs uniform 0..0.2 V;\n"
         "error = max_j |I_j - I_ref_j| / max_j |I_ref_j|; build = the effective matrix\n"
         "(once per programming), read = one MVM; medians of interleaved runs.\n\n");
  printf("| N | r_wire | 1st-order err vs nodal | nodal err vs ngspice | 1st-order err vs ngspice "
         "| build 1st | build nodal | ratio | read | ngspice op |\n"
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int s = 0; s < n_sizes; s++) {
    int n = sizes[s];
    size_t nn = (size_t)n * n;
    double *g = malloc(sizeof(double) * (3 * nn + 8 * (size_t)n));
    double *fo = g + nn, *nd = fo + nn, *v = nd + nn, *i_fo = v + n, *i_nd = i_fo + n;
    double *is = i_nd + n, *ps = is + n;
    xs[s] = n;
    for (int q = 0; q < NR; q++) {
      double r = RS[q];
      gsl_rng_set(rng, 1000 + (unsigned long)n);
      random_case(rng, n, g, v);
      int reps = n <= 32 ? 21 : n <= 64 ? 9 : 3;
      double t_fo[21], t_nd[21], t_rd[21];
      /* A read of the array object (one dgemv whichever solver built it). */
      aimc_device *dev = NULL;
      aimc_xbar *x = NULL;
      if (aimc_device_alloc(ctx, "pulse", &dev) || aimc_xbar_alloc(ctx, dev, n, n, NULL, &x))
        return 1;
      aimc_device_free(ctx, dev);
      for (int k = 0; k < n * n; k++)
        aimc_device_set_g(aimc_xbar_device(x), aimc_xbar_cell(x, k / n, k % n), g[k]);
      aimc_xbar_refresh(x);
      if (aimc_xbar_set_ir(x, AIMC_XBAR_IR_NODAL, r)) return 1;
      aimc_xbar_read_opts ro = {r, 0, 1e-8};
      for (int k = 0; k < reps; k++) { /* interleaved */
        double t0 = now_s();
        aimc_xbar_ir_first_order(n, n, g, r, fo);
        double t1 = now_s();
        if (aimc_xbar_ir_nodal(ctx, n, n, g, r, nd, NULL, NULL)) return 1;
        double t2 = now_s();
        for (int z = 0; z < 100; z++) aimc_xbar_mvm(x, v, i_nd, &ro, NULL, NULL);
        double t3 = now_s();
        t_fo[k] = t1 - t0, t_nd[k] = t2 - t1, t_rd[k] = (t3 - t2) / 100;
      }
      aimc_xbar_free(x);
      mvm(n, n, fo, v, i_fo);
      mvm(n, n, nd, v, i_nd);
      err_fo[q][s] = rel_err(i_fo, i_nd, n);
      double e_sp = NAN, e_fo_sp = NAN, t_sp = NAN;
      if (spice && r == 1) {
        char deck[128], raw[128], log[128];
        snprintf(deck, sizeof deck, "%s/x%d.cir", dir, n);
        snprintf(raw, sizeof raw, "%s/x%d.raw", dir, n);
        snprintf(log, sizeof log, "%s/x%d.log", dir, n);
        aimc_spice_opts o = {.r_wire_Ohm = r, .raw_path = raw};
        double t0 = now_s();
        if (aimc_spice_write(ctx, deck, n, n, g, v, &o) || aimc_spice_run(ctx, deck, log) ||
            aimc_spice_read_op(ctx, raw, n, n, is, ps)) {
          fprintf(stderr, "%s\n", aimc_ctx_errmsg(ctx));
          return 1;
        }
        t_sp = now_s() - t0;
        e_sp = rel_err(i_nd, is, n);
        e_fo_sp = rel_err(i_fo, is, n);
      }
      if (r == 1) err_nd[s] = e_sp;
      double mf = median(t_fo, reps), mn = median(t_nd, reps);
      char c_sp[32] = "-", c_fo_sp[32] = "-", c_t[32] = "-";
      if (!isnan(t_sp)) {
        snprintf(c_sp, sizeof c_sp, "%.2e", e_sp);
        snprintf(c_fo_sp, sizeof c_fo_sp, "%.3e", e_fo_sp);
        snprintf(c_t, sizeof c_t, "%.3g s", t_sp);
      }
      printf("| %d | %g | %.3e | %s | %s | %.3g us | %.3g ms | %.0fx | %.3g us | %s |\n", n, r,
             err_fo[q][s], c_sp, c_fo_sp, mf * 1e6, mn * 1e3, mn / mf, median(t_rd, reps) * 1e6,
             c_t);
      fflush(stdout);
    }
    free(g);
  }
  if (fig && (write_csv(fig, sizes, n_sizes, err_fo, spice ? err_nd : NULL) ||
              draw(ctx, fig, xs, n_sizes, err_fo, spice ? err_nd : NULL)))
    return 1;
  gsl_rng_free(rng);
  aimc_ctx_free(ctx);
  return 0;
}
