/* Example: program a crossbar by write-verify and print the residual.
 * An R x C array of the default "pulse" device gets targets spread over
 * its conductance window; every cell is programmed by
 * incremental-step pulses, each checked by a read, until it is within the
 * tolerance or the pulse budget is spent. What is left, G - target, is the
 * residual.
 *
 *   cc xbar_program.c $(pkg-config --cflags --libs aimc) -o xbar_program
 *   ./xbar_program [ROWS COLS [TOL_uS]]     (default 16 16 1) */
#include <aimc/context.h>
#include <aimc/device.h>
#include <aimc/program.h>
#include <aimc/status.h>
#include <aimc/xbar.h>
#include <stdio.h>
#include <stdlib.h>

static int run(aimc_ctx *ctx, int rows, int cols, double tol_S) {
  aimc_device *dev = NULL;
  aimc_xbar *x = NULL;
  double *targets = NULL;
  gsl_rng *rng = aimc_ctx_rng(ctx); /* the context's seeded RNG (GSL) */
  int st = aimc_device_alloc(ctx, "pulse", &dev);
  if (!st) st = aimc_xbar_alloc(ctx, dev, rows, cols, rng, &x);
  if (st) goto done;

  double g_min, g_max;
  aimc_device_window(dev, &g_min, &g_max);
  targets = malloc(sizeof *targets * (size_t)rows * (size_t)cols);
  if (!targets) {
    st = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < rows * cols; i++) /* 10 % .. 90 % of the window */
    targets[i] = g_min + (g_max - g_min) * (0.1 + 0.8 * ((i * 37) % 101) / 100.0);
  st = aimc_xbar_set_targets(x, targets);
  if (st) goto done;

  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  o.mode = AIMC_XBAR_PROG_WRITE_VERIFY;
  o.wv.tol_S = tol_S;
  aimc_prog_totals tot;
  st = aimc_xbar_program(x, &o, rng, &tot);
  if (st) goto done;

  printf("%dx%d crossbar, window %.1f-%.1f uS, tolerance %.2f uS\n", rows, cols,
         g_min * 1e6, g_max * 1e6, tol_S * 1e6);
  printf("converged %ld of %ld cells (%ld stuck), %ld pulses, %ld reads\n",
         tot.converged, tot.cells, tot.stuck, tot.pulses, tot.reads);
  printf("programming energy %.4g J, time %.4g s\n", tot.e_J, tot.t_s);
  printf("residual: rms %.4f uS, max %.4f uS\n", tot.rms_err_S * 1e6,
         tot.max_err_S * 1e6);
done:
  free(targets);
  aimc_xbar_free(x);
  aimc_device_free(ctx, dev);
  return st;
}

int main(int argc, char **argv) {
  int rows = argc > 2 ? atoi(argv[1]) : 16, cols = argc > 2 ? atoi(argv[2]) : 16;
  double tol_uS = argc > 3 ? atof(argv[3]) : 1.0;
  if (argc == 2 || argc > 4 || rows < 1 || cols < 1 || !(tol_uS > 0)) {
    fprintf(stderr, "usage: %s [ROWS COLS [TOL_uS]]\n", argv[0]);
    return 2;
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  if (!ctx) return 1;
  int st = run(ctx, rows, cols, tol_uS * 1e-6);
  if (st) fprintf(stderr, "xbar_program: %s\n", aimc_ctx_errmsg(ctx));
  aimc_ctx_free(ctx);
  return aimc_status_exit_code(st);
}
