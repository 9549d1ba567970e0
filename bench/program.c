/* Device-layer figures: write-verify vs one-shot programming of a crossbar
 * (convergence, pulses, simulated time and energy, residual error, host
 * CPU time) on both device cards, and analog MVM throughput of the
 * functional crossbar with and without read noise. Prints figures only. */
#include <stdio.h>
#include <time.h>

#include "aimc/xbar.h"

static double cpu_s(void) { return (double)clock() / CLOCKS_PER_SEC; }

static void program_figures(aimc_ctx *ctx, const char *model, double tol,
                            double frac) {
  aimc_device *d = NULL;
  if (aimc_device_alloc(ctx, model, &d)) return;
  int n = 100; /* 100 x 100 = 10,000 devices */
  double lo, hi;
  aimc_device_window(d, &lo, &hi);
  printf(
      "\n%s card, %d x %d = %d devices, targets uniform over the central %.0f "
      "%% of "
      "[%.3g, %.3g] uS, tol %.2g uS\n",
      model, n, n, n * n, 100 * frac, lo * 1e6, hi * 1e6, tol * 1e6);
  printf(
      "| mode | within tol | pulses/device | sim. time/device | energy/device "
      "| residual RMS | host CPU |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n");
  const char *names[] = {"write_verify", "one_shot"};
  int modes[] = {AIMC_XBAR_PROG_WRITE_VERIFY, AIMC_XBAR_PROG_ONE_SHOT};
  for (int m = 0; m < 2; m++) {
    aimc_ctx_reseed(ctx, 11);
    gsl_rng *rng = aimc_ctx_rng(ctx);
    aimc_xbar *x = NULL;
    if (aimc_xbar_alloc(ctx, d, n, n, rng, &x)) break;
    static double t[100 * 100];
    for (int k = 0; k < n * n; k++)
      t[k] = lo + (0.5 * (1 - frac) + frac * gsl_rng_uniform(rng)) * (hi - lo);
    aimc_xbar_set_targets(x, t);
    aimc_xbar_prog_opts o;
    aimc_xbar_prog_defaults(&o);
    o.mode = modes[m];
    o.wv.tol_S = tol;
    o.wv.max_pulses = 200;
    aimc_prog_totals tot;
    double c0 = cpu_s();
    if (aimc_xbar_program(x, &o, rng, &tot) == 0) {
      double c1 = cpu_s();
      long ok = tot.cells - tot.stuck;
      printf("| %s | %.2f %% | %.2f | %.3g us | %.3g pJ | %.3g uS | %.3f s |\n",
             names[m], 100.0 * tot.converged / ok, (double)tot.pulses / ok,
             tot.t_s / ok * 1e6, tot.e_J / ok * 1e12, tot.rms_err_S * 1e6,
             c1 - c0);
      if (m == 0) {
        printf("  (pulse histogram 0,1,2-3,4-7,8-15,16-31,32-63,>=64:");
        for (int b = 0; b < 8; b++) printf(" %ld", tot.hist[b]);
        printf(")\n");
      }
    }
    aimc_xbar_free(x);
  }
  aimc_device_free(ctx, d);
}

static void mvm_figures(aimc_ctx *ctx) {
  aimc_device *d = NULL;
  if (aimc_device_alloc(ctx, "pulse", &d)) return;
  printf(
      "\nfunctional crossbar MVM (one dgemv; read noise: a second dgemv + cols "
      "draws)\n"
      "| size | MVM/s | MVM/s with read noise | MAC/s "
      "|\n|---|---:|---:|---:|\n");
  int sizes[] = {64, 256};
  for (int s = 0; s < 2; s++) {
    int n = sizes[s];
    aimc_xbar *x = NULL;
    if (aimc_xbar_alloc(ctx, d, n, n, aimc_ctx_rng(ctx), &x)) break;
    static double v[256], i[256];
    for (int k = 0; k < n; k++) v[k] = 0.1 * ((k % 7) - 3) / 3.0;
    double rate[2];
    for (int noise = 0; noise < 2; noise++) {
      aimc_xbar_read_opts o = {0, noise, 10e-9};
      long reps = 0;
      double c0 = cpu_s(), c1;
      do {
        for (int r = 0; r < 1000; r++)
          aimc_xbar_mvm(x, v, i, &o, aimc_ctx_rng(ctx), NULL);
        reps += 1000;
      } while ((c1 = cpu_s()) - c0 < 0.5);
      rate[noise] = reps / (c1 - c0);
    }
    printf("| %dx%d | %.3g | %.3g | %.3g |\n", n, n, rate[0], rate[1],
           rate[0] * n * n);
    aimc_xbar_free(x);
  }
  aimc_device_free(ctx, d);
}

int main(void) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  if (!ctx) return 1;
  program_figures(ctx, "pulse", 1e-6, 1.0);
  program_figures(ctx, "vcm", 2e-6, 0.8);
  mvm_figures(ctx);
  aimc_ctx_free(ctx);
  return 0;
}
