/* Neural one-shot programming (aimc/program_nn.h) against the parametric
 * one-shot inverse and write-verify on both device cards, the hybrid
 * (one neural shot + at most k verify pulses) against pure write-verify at
 * the same tolerance, and the inverse network run through simulated
 * crossbars (aimc/nninv_hw.h). Population statistics, seeded; prints the
 * tables of docs/models/programming.md. Usage: bench_program_nn [N [oneshot]]
 * (N devices on the pulse card, N/5 on VCM; oneshot: one-shot rows only). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aimc/nninv_hw.h"
#include "aimc/program_nn.h"

typedef union {
  double align;
  char bytes[512];
} cell_buf;

static void hw_fn(void *arg, const aimc_device *dev, void *cell,
                  double target_S, double tol_S, gsl_rng *rng,
                  aimc_prog_result *r) {
  aimc_nninv_hw_program(arg, dev, cell, target_S, tol_S, rng, r);
}

/* One controller on the population (same seed for every controller, so
 * all see the same devices, starts and targets), as a table row. */
static void row(aimc_ctx *ctx, const aimc_device *d, const char *name,
                aimc_prog_fn fn, void *arg, int n, double frac, double tol) {
  aimc_prog_pop s;
  aimc_ctx_reseed(ctx, 77);
  if (aimc_prog_population(ctx, d, fn, arg, n, frac, tol, aimc_ctx_rng(ctx),
                           &s))
    return;
  printf("| %s | %.2f %% | %.2f %% | %.3g | %.3g uS | %.3g pJ | %.3g us |\n",
         name, 100 * s.hit50, 100 * s.within, s.pulses, s.rms_err_S * 1e6,
         s.e_J * 1e12, s.t_s * 1e6);
}

static double cpu_s(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int g_oneshot_only;

static void card(aimc_ctx *ctx, const char *model, double tol, double frac,
                 int n, int by_width_set) {
  aimc_device *d = NULL;
  if (aimc_device_alloc(ctx, model, &d)) return;
  aimc_nninv_hw *hw = NULL;
  aimc_oneshot *os = NULL;
  aimc_nninv *nn = NULL;
  aimc_nninv_opts o;
  aimc_nninv_defaults(&o);
  o.by_width[0] = by_width_set;
  aimc_ctx_reseed(ctx, 5);
  double t0 = cpu_s();
  int rc = aimc_oneshot_fit(ctx, d, 4000, aimc_ctx_rng(ctx), &os);
  double t1 = cpu_s();
  if (!rc) rc = aimc_nninv_train(ctx, d, &o, aimc_ctx_rng(ctx), &nn);
  double t2 = cpu_s();
  aimc_nninv_hw_opts ho;
  aimc_nninv_hw_defaults(&ho);
  if (!rc) rc = aimc_nninv_hw_alloc(ctx, nn, &ho, aimc_ctx_rng(ctx), &hw);
  if (rc) {
    fprintf(stderr, "%s\n", aimc_ctx_errmsg(ctx));
    goto done;
  }
  printf(
      "\n%s card: %d devices, start and target uniform over the central %.0f "
      "%% of the window, tol %.2g uS\n"
      "(parametric fit %.2f s CPU; network %d-%d-%d-1 trained on 2 x %d x %d "
      "pulses in %.2f s CPU, training RMS %.3f of the output range; SET "
      "controlled by %s)\n",
      model, n, 100 * frac, tol * 1e6, t1 - t0, AIMC_NNINV_INPUTS, o.hidden,
      o.hidden, o.rounds + 1, o.n_samples, t2 - t1, aimc_nninv_train_rms(nn),
      by_width_set ? "width at 1.1 V (1 ns - 10 us)" : "amplitude");
  printf(
      "| controller | within +-50 %% of update | within tol | pulses/device | "
      "residual RMS | energy/device | time/device |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n");
  row(ctx, d, "one-shot, parametric inverse", aimc_prog_fn_oneshot, os, n,
      frac, tol);
  row(ctx, d, "one-shot, neural inverse", aimc_prog_fn_nninv, nn, n, frac, tol);
  row(ctx, d, "one-shot, neural inverse on crossbars", hw_fn, hw, n, frac,
      tol);
  if (g_oneshot_only) goto done;
  aimc_hybrid_arg h = {.nn = nn};
  aimc_wv_defaults(&h.wv);
  h.wv.max_pulses = 200;
  row(ctx, d, "write-verify (ISPP, <= 200 pulses)", aimc_prog_fn_wv, &h.wv, n,
      frac, tol);
  int ks[] = {5, 10, 20, 50};
  char name[96];
  for (int v = 0; v < 2; v++)
    for (int i = 0; i < 4; i++) {
      h.k = ks[i];
      h.verify = v ? AIMC_HYBRID_NN : AIMC_HYBRID_ISPP;
      snprintf(name, sizeof name, "hybrid: neural shot + <= %d %s pulses", ks[i],
               v ? "neural verify" : "ISPP verify");
      row(ctx, d, name, aimc_prog_fn_hybrid, &h, n, frac, tol);
    }
  aimc_nninv_hw_stats hs;
  aimc_nninv_hw_get_stats(hw, &hs);
  printf(
      "inverse on crossbars: %d arrays, %d devices, %.2f %% of weight cells "
      "within tol; per inference %.3g pJ array read + %.3g pJ converters, "
      "%d DAC + %d ADC conversions\n",
      hs.arrays, hs.devices, 100 * hs.within_tol, hs.e_array_J * 1e12,
      hs.e_conv_J * 1e12, hs.dac_conv, hs.adc_conv);
done:
  aimc_nninv_hw_free(hw);
  aimc_nninv_free(ctx, nn);
  aimc_oneshot_free(ctx, os);
  aimc_device_free(ctx, d);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10000;
  if (n < 10) n = 10;
  g_oneshot_only = argc > 2 && !strcmp(argv[2], "oneshot");
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  if (!ctx) return 1;
  card(ctx, "pulse", 1e-6, 1.0, n, 0);
  card(ctx, "vcm", 2e-6, 0.8, n / 5 > 10 ? n / 5 : 10, 0);
  card(ctx, "vcm", 2e-6, 0.8, n / 5 > 10 ? n / 5 : 10, 1);
  aimc_ctx_free(ctx);
  return 0;
}
