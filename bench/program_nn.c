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

typedef struct {
  int n;
  double hit50, within, se, pulses, e_J, t_s;
} stats;

enum { M_PARAM, M_NN, M_NN_HW, M_WV, M_HYB };

typedef struct {
  const aimc_device *d;
  const aimc_oneshot *os;
  const aimc_nninv *nn;
  aimc_nninv_hw *hw;
  aimc_wv_params wv;
  int k, verify;
} ctl;

/* Start and target uniform over the central frac of the window; updates
 * within tol are left out (no pulse needed). Same seed per mode, so every
 * mode sees the same devices, starts and targets. */
static stats run(aimc_ctx *ctx, const ctl *c, int mode, int n, double frac,
                 unsigned long seed) {
  stats s = {0};
  aimc_ctx_reseed(ctx, seed);
  gsl_rng *rng = aimc_ctx_rng(ctx);
  double lo, hi, tol = c->wv.tol_S;
  aimc_device_window(c->d, &lo, &hi);
  double margin = 0.5 * (1 - frac) * (hi - lo);
  while (s.n < n) {
    cell_buf cb;
    aimc_device_cell_init(c->d, cb.bytes, rng);
    double u0 = gsl_rng_uniform(rng), u1 = gsl_rng_uniform(rng);
    aimc_device_set_g(c->d, cb.bytes, lo + margin + frac * (hi - lo) * u0);
    double g0 = aimc_device_g(c->d, cb.bytes);
    double target = lo + margin + frac * (hi - lo) * u1;
    if (fabs(target - g0) <= tol) continue;
    aimc_prog_result r;
    switch (mode) {
      case M_PARAM:
        aimc_oneshot_program(c->os, cb.bytes, target, tol, rng, &r);
        break;
      case M_NN:
        aimc_nninv_program(c->nn, c->d, cb.bytes, target, tol, rng, &r);
        break;
      case M_NN_HW:
        aimc_nninv_hw_program(c->hw, c->d, cb.bytes, target, tol, rng, &r);
        break;
      case M_WV:
        aimc_wv_program(c->d, &c->wv, cb.bytes, target, rng, &r);
        break;
      default:
        aimc_nninv_hybrid(c->nn, c->d, &c->wv, c->k, c->verify, cb.bytes,
                          target, rng, &r);
    }
    double want = target - g0, got = r.g_S - g0;
    s.n++;
    s.hit50 += fabs(got - want) <= 0.5 * fabs(want);
    s.within += fabs(r.err_S) <= tol;
    s.se += r.err_S * r.err_S;
    s.pulses += r.pulses;
    s.e_J += r.e_J;
    s.t_s += r.t_s;
  }
  return s;
}

static void row(const char *name, const stats *s) {
  printf("| %s | %.2f %% | %.2f %% | %.3g | %.3g uS | %.3g pJ | %.3g us |\n",
         name, 100 * s->hit50 / s->n, 100 * s->within / s->n,
         s->pulses / s->n, sqrt(s->se / s->n) * 1e6, s->e_J / s->n * 1e12,
         s->t_s / s->n * 1e6);
}

static double cpu_s(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int g_oneshot_only;

static void card(aimc_ctx *ctx, const char *model, double tol, double frac,
                 int n, int by_width_set) {
  aimc_device *d = NULL;
  if (aimc_device_alloc(ctx, model, &d)) return;
  ctl c = {.d = d};
  aimc_wv_defaults(&c.wv);
  c.wv.tol_S = tol;
  c.wv.max_pulses = 200;
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
  if (!rc) rc = aimc_nninv_hw_alloc(ctx, nn, &ho, aimc_ctx_rng(ctx), &c.hw);
  if (rc) {
    fprintf(stderr, "%s\n", aimc_ctx_errmsg(ctx));
    goto done;
  }
  c.os = os;
  c.nn = nn;
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
  stats s = run(ctx, &c, M_PARAM, n, frac, 77);
  row("one-shot, parametric inverse", &s);
  s = run(ctx, &c, M_NN, n, frac, 77);
  row("one-shot, neural inverse", &s);
  s = run(ctx, &c, M_NN_HW, n, frac, 77);
  row("one-shot, neural inverse on crossbars", &s);
  if (g_oneshot_only) goto done;
  stats wv = run(ctx, &c, M_WV, n, frac, 77);
  row("write-verify (ISPP, <= 200 pulses)", &wv);
  int ks[] = {5, 10, 20, 50};
  char name[96];
  for (int v = 0; v < 2; v++)
    for (int i = 0; i < 4; i++) {
      c.k = ks[i];
      c.verify = v ? AIMC_HYBRID_NN : AIMC_HYBRID_ISPP;
      s = run(ctx, &c, M_HYB, n, frac, 77);
      snprintf(name, sizeof name, "hybrid: neural shot + <= %d %s pulses", ks[i],
               v ? "neural verify" : "ISPP verify");
      row(name, &s);
    }
  aimc_nninv_hw_stats hs;
  aimc_nninv_hw_get_stats(c.hw, &hs);
  printf(
      "inverse on crossbars: %d arrays, %d devices, %.2f %% of weight cells "
      "within tol; per inference %.3g pJ array read + %.3g pJ converters, "
      "%d DAC + %d ADC conversions\n",
      hs.arrays, hs.devices, 100 * hs.within_tol, hs.e_array_J * 1e12,
      hs.e_conv_J * 1e12, hs.dac_conv, hs.adc_conv);
done:
  aimc_nninv_hw_free(c.hw);
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
