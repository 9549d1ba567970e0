/* Inference simulation speed, measured side by side in one process (the
 * machines are shared: ratios of interleaved runs, medians):
 *   1. the test set through the simulated hardware (every non-ideality
 *      on, batched) against a plain-C float recurrence of the same model;
 *   2. one sequence at a time (aimc_infer_session) against the batch, per
 *      sequence-step;
 *   3. time per sequence-step against the model's values, over modes M
 *      and width H (batched, every non-ideality on): linear when the
 *      array read costs O(values);
 *   4. growth with sequence length and array size (lone sequences).
 * Prints figures; never fails on timing. --json FILE writes the headline
 * figures for bench/run.sh; --plot STEM draws the scaling curves of
 * sections 3 and 4 as STEM_values.svg/.png and STEM_length.svg/.png
 * (docs/img/bench_*).
 *   bench_inference [--quick] [--ratios] [--json FILE] [--plot STEM] [MODEL.s4d]
 *   (--ratios: sections 1 and 2 only, e.g. to profile them)
 *   (default model: a random zero_one-size one) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "aimc/data.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/progress.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "sim/report/plot.h"

/* A random model of the given shape with 2-bit analog tensors. */
static aimc_s4d_model *random_model(aimc_ctx *ctx, int n_in, int n_out, int h, int m,
                                    int layers) {
  aimc_s4d_model *mdl = NULL;
  if (aimc_s4d_model_alloc(ctx, n_in, n_out, h, m, layers, AIMC_MIX_GLU, &mdl)) return NULL;
  gsl_rng *r = aimc_ctx_rng(ctx);
  mdl->quant_a = (aimc_quant){2, 0.5};
  mdl->quant_b = mdl->quant_c = mdl->quant_d = (aimc_quant){2, 1.0};
  mdl->quant_u = (aimc_quant){5, 2.0};
  mdl->quant_x = (aimc_quant){6, 2.0};
  mdl->quant_y = (aimc_quant){6, 4.0};
  size_t n = (size_t)layers * h * m;
  double *t[] = {mdl->a_re, mdl->a_im, mdl->b_re, mdl->b_im, mdl->c_re, mdl->c_im};
  const aimc_quant *q[] = {&mdl->quant_a, &mdl->quant_a, &mdl->quant_b,
                           &mdl->quant_b, &mdl->quant_c, &mdl->quant_c};
  for (int k = 0; k < 6; k++)
    for (size_t i = 0; i < n; i++)
      t[k][i] = aimc_quant_apply(q[k], gsl_ran_flat(r, -q[k]->range, q[k]->range));
  for (int i = 0; i < layers * h; i++) mdl->d[i] = gsl_ran_flat(r, -1, 1);
  for (int i = 0; i < h * n_in; i++) mdl->enc_w[i] = gsl_ran_gaussian(r, 0.3);
  for (int i = 0; i < layers * 2 * h * h; i++) mdl->mix_w[i] = gsl_ran_gaussian(r, 0.2);
  for (int i = 0; i < n_out * h; i++) mdl->dec_w[i] = gsl_ran_gaussian(r, 0.3);
  return mdl;
}

/* The plain-C float recurrence of the same network (no quantizers): the
 * physical work the hardware does, in the simplest loops. */
static void float_forward(const aimc_s4d_model *md, const double *x, int len, double *ws,
                          double *logits) {
  int H = md->h, M = md->m, L = md->layers;
  double *xs = ws, *act = xs + (size_t)L * H * M * 2, *y = act + H, *z = y + H,
         *pool = z + 2 * H;
  memset(xs, 0, sizeof(double) * L * H * M * 2);
  memset(pool, 0, sizeof(double) * H);
  for (int t = 0; t < len; t++) {
    for (int h = 0; h < H; h++) {
      double s = md->enc_b[h];
      for (int i = 0; i < md->n_in; i++) s += md->enc_w[h * md->n_in + i] * x[t * md->n_in + i];
      act[h] = s;
    }
    for (int l = 0; l < L; l++) {
      for (int h = 0; h < H; h++) {
        size_t o = ((size_t)l * H + h) * M;
        double *st = xs + o * 2, acc = 0, u = act[h];
        for (int n = 0; n < M; n++) {
          double xr = st[2 * n], xi = st[2 * n + 1];
          double nr = md->a_re[o + n] * xr - md->a_im[o + n] * xi + md->b_re[o + n] * u;
          double ni = md->a_re[o + n] * xi + md->a_im[o + n] * xr + md->b_im[o + n] * u;
          st[2 * n] = nr, st[2 * n + 1] = ni;
          acc += md->c_re[o + n] * nr - md->c_im[o + n] * ni;
        }
        double v = 2 * acc + md->d[l * H + h] * u;
        y[h] = 0.5 * v * (1 + erf(v * 0.7071067811865476));
      }
      const double *w = md->mix_w + (size_t)l * 2 * H * H, *b = md->mix_b + (size_t)l * 2 * H;
      for (int j = 0; j < 2 * H; j++) {
        double s = b[j];
        for (int i = 0; i < H; i++) s += w[j * H + i] * y[i];
        z[j] = s;
      }
      double mean = 0, var = 0;
      for (int h = 0; h < H; h++) {
        act[h] += z[h] / (1 + exp(-z[H + h]));
        mean += act[h];
      }
      mean /= H;
      for (int h = 0; h < H; h++) var += (act[h] - mean) * (act[h] - mean);
      double r = 1 / sqrt(var / H + 1e-5);
      for (int h = 0; h < H; h++)
        act[h] = md->norm_g[l * H + h] * (act[h] - mean) * r + md->norm_b[l * H + h];
    }
    for (int h = 0; h < H; h++) pool[h] += act[h];
  }
  for (int c = 0; c < md->n_out; c++) {
    double s = md->dec_b[c];
    for (int h = 0; h < H; h++) s += md->dec_w[c * H + h] * pool[h] / len;
    logits[c] = s;
  }
}

/* Every non-ideality on. */
static void all_nonideal(aimc_arch *a) {
  a->prog_mode = AIMC_PROG_GAUSSIAN;
  a->prog_sigma_S = 5e-6;
  a->ni_prog = a->ni_read_noise = a->ni_drift = 1;
  snprintf(a->dev_p_stuck_min, sizeof a->dev_p_stuck_min, "0.005"); /* the card's stuck cells */
  snprintf(a->dev_p_stuck_max, sizeof a->dev_p_stuck_max, "0.005");
  a->ni_converter = a->ni_ir_drop = 1;
  a->adc_noise_lsb = 0.5;
}

/* Wall seconds per sequence of a session on random inputs. */
static double sim_seconds(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_arch *a,
                          int len, int reps) {
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  aimc_infer_session *ses = NULL;
  double *x = malloc(sizeof(double) * len * mdl->n_in), lg[64], t = -1;
  for (int i = 0; i < len * mdl->n_in; i++) x[i] = gsl_ran_gaussian(aimc_ctx_rng(ctx), 1);
  if (!aimc_map_model(ctx, mdl, a, &m) && !aimc_hw_program(ctx, m, &hw) &&
      !aimc_infer_session_open(ctx, mdl, hw, &ses)) {
    double t0 = aimc_wall_seconds();
    for (int r = 0; r < reps; r++) aimc_infer_session_run(ses, x, len, (uint64_t)r, lg);
    t = (aimc_wall_seconds() - t0) / reps;
  } else {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
  }
  aimc_infer_session_close(ses);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  free(x);
  return t;
}

static double float_seconds(const aimc_s4d_model *mdl, int len, int reps) {
  double *x = calloc((size_t)len * mdl->n_in, sizeof(double)), lg[64];
  double *ws = malloc(sizeof(double) * ((size_t)mdl->layers * mdl->h * mdl->m * 2 + 5 * mdl->h));
  for (int i = 0; i < len * mdl->n_in; i++) x[i] = sin(i);
  double t0 = aimc_wall_seconds();
  for (int r = 0; r < reps; r++) float_forward(mdl, x, len, ws, lg);
  double t = (aimc_wall_seconds() - t0) / reps;
  free(x);
  free(ws);
  return t;
}

/* The test set (n sequences) through the float recurrence. */
static double float_set(const aimc_s4d_model *mdl, const aimc_dataset *ds, const size_t *idx,
                        size_t n) {
  int len = (int)aimc_dataset_length(ds), n_in = mdl->n_in;
  float *xf = malloc(sizeof(float) * len * n_in);
  double *xd = malloc(sizeof(double) * len * n_in), lg[64];
  double *ws = malloc(sizeof(double) * ((size_t)mdl->layers * mdl->h * mdl->m * 2 + 5 * mdl->h));
  double t0 = aimc_wall_seconds();
  for (size_t s = 0; s < n; s++) {
    aimc_dataset_get(ds, idx[s], xf);
    for (int k = 0; k < len * n_in; k++) xd[k] = xf[k];
    float_forward(mdl, xd, len, ws, lg);
  }
  double t = aimc_wall_seconds() - t0;
  free(xf);
  free(xd);
  free(ws);
  return t;
}

/* The test set batched through the hardware: the run's own wall time. */
static double sim_set(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                      const aimc_dataset *ds) {
  aimc_infer_opts o;
  aimc_infer_opts_defaults(&o);
  aimc_infer_result r;
  if (aimc_infer_run(ctx, mdl, hw, ds, &o, &r)) {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
    exit(1);
  }
  double t = r.wall_s;
  aimc_infer_result_fini(ctx, &r);
  return t;
}

/* The test set one sequence at a time (one session). */
static double lone_set(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                       const aimc_dataset *ds, const size_t *idx, size_t n) {
  int len = (int)aimc_dataset_length(ds), n_in = mdl->n_in;
  float *xf = malloc(sizeof(float) * len * n_in);
  double *xd = malloc(sizeof(double) * len * n_in), lg[64];
  aimc_infer_session *ses = NULL;
  if (aimc_infer_session_open(ctx, mdl, hw, &ses)) {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
    exit(1);
  }
  double t = 0;
  for (size_t s = 0; s < n; s++) {
    aimc_dataset_get(ds, idx[s], xf);
    for (int k = 0; k < len * n_in; k++) xd[k] = xf[k];
    double t0 = aimc_wall_seconds(); /* the simulation only, as sim_set */
    aimc_infer_session_run(ses, xd, len, s, lg);
    t += aimc_wall_seconds() - t0;
  }
  aimc_infer_session_close(ses);
  free(xf);
  free(xd);
  return t;
}

/* The median of n values (reorders them). */
static double median(double *v, int n) { return gsl_stats_median(v, 1, (size_t)n); }

/* Section 3's curves: time per sequence-step against the model's values,
 * over M (the first four points, H = 32) and over H (M = 8: the first
 * point and the last three), on log axes where linear is a slope of 1. */
static void draw_values(aimc_ctx *ctx, const char *stem, const double *values,
                        const double *us, int n) {
  double hx[4] = {values[4 < n ? 4 : 0], values[0]}, hy[4] = {us[4 < n ? 4 : 0], us[0]};
  for (int q = 5; q < n; q++) hx[q - 3] = values[q], hy[q - 3] = us[q];
  plot_series sr[2] = {{"over M (H 32)", n < 4 ? (size_t)n : 4, values, us, NULL, 1, 1, 0},
                       {"over H (M 8)", n > 4 ? (size_t)n - 3 : 0, hx, hy, NULL, 1, 1, 1}};
  plot_figure f = {"Batched simulation: time per sequence-step against the model's values",
                   "analog model values H (8M + 1)", "us per sequence-step",
                   "every non-ideality on; linear = slope 1", 1, 1, n > 4 ? 2 : 1, sr,
                   0, 0, NULL, NULL, NULL};
  char path[1024];
  snprintf(path, sizeof path, "%s_values", stem);
  if (plot_write(ctx, &f, path)) fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
}

/* Section 4's sequence-length curve: a lone sequence and the float
 * recurrence, seconds per sequence. */
static void draw_length(aimc_ctx *ctx, const char *stem, const double *len, const double *lone,
                        const double *flt, int n) {
  plot_series sr[2] = {{"one sequence", (size_t)n, len, lone, NULL, 1, 1, 0},
                       {"float", (size_t)n, len, flt, NULL, 1, 1, 1}};
  plot_figure f = {"One sequence: time against its length", "steps", "seconds per sequence",
                   "H = 32, 8 modes, 64 x 64 arrays, every non-ideality on", 1, 1, 2, sr,
                   0, 0, NULL, NULL, NULL};
  char path[1024];
  snprintf(path, sizeof path, "%s_length", stem);
  if (plot_write(ctx, &f, path)) fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
}

enum { PAIRS = 5 };

/* A model mapped and programmed with every non-ideality on. */
static aimc_hw *program(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_arch *a,
                        aimc_mapping **m) {
  aimc_hw *hw = NULL;
  if (aimc_map_model(ctx, mdl, a, m) || aimc_hw_program(ctx, *m, &hw)) {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
    exit(1);
  }
  return hw;
}

int main(int argc, char **argv) {
  aimc_gsl_install_handler();
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  int quick = 0, ratios_only = 0;
  const char *json = NULL, *model_path = NULL, *plot = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (!strcmp(argv[i], "--ratios")) ratios_only = 1;
    else if (!strcmp(argv[i], "--json") && i + 1 < argc) json = argv[++i];
    else if (!strcmp(argv[i], "--plot") && i + 1 < argc) plot = argv[++i];
    else model_path = argv[i];
  }
  aimc_data_spec spec;
  size_t np;
  const aimc_param *pt = aimc_data_params(&np);
  aimc_params_defaults(pt, np, &spec);
  spec.task = AIMC_TASK_ZERO_ONE;
  spec.downsample = 2; /* as configs/train/zero_one.yaml */
  aimc_dataset *ds = NULL;
  if (aimc_dataset_load(ctx, &spec, &ds)) {
    fprintf(stderr, "bench: no zero_one data (%s); run 'aimc data digits' first\n",
            aimc_ctx_errmsg(ctx));
    aimc_ctx_free(ctx);
    return 1;
  }
  int n_in = (int)aimc_dataset_n_features(ds), len = (int)aimc_dataset_length(ds);
  aimc_s4d_model *mdl = NULL;
  if (model_path && aimc_s4d_model_read(ctx, model_path, &mdl)) {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
    return 1;
  }
  if (!mdl) mdl = random_model(ctx, n_in, 2, 32, 8, 1); /* zero_one.yaml shape */
  size_t n;
  const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
  printf("zero_one test set: %zu sequences of %d steps x %d features; model H=%d, "
         "%d modes, %d layer(s); every non-ideality on; medians of %d interleaved pairs\n",
         n, len, n_in, mdl->h, mdl->m, mdl->layers, PAIRS);
  aimc_arch arch;
  aimc_arch_defaults(&arch);
  all_nonideal(&arch);
  aimc_mapping *m = NULL;
  aimc_hw *hw = program(ctx, mdl, &arch, &m);

  /* 1. The test set: float recurrence vs simulated hardware (batched). */
  double r_sim[PAIRS], r_lone[PAIRS], t_f[PAIRS], t_s[PAIRS], t_l[PAIRS];
  for (int p = 0; p < PAIRS; p++) {
    t_f[p] = float_set(mdl, ds, idx, n);
    t_s[p] = sim_set(ctx, mdl, hw, ds);
    t_l[p] = lone_set(ctx, mdl, hw, ds, idx, n);
    r_sim[p] = t_s[p] / t_f[p];
    r_lone[p] = t_l[p] / t_s[p];
  }
  double steps = (double)n * len;
  double ratio_sim = median(r_sim, PAIRS), ratio_lone = median(r_lone, PAIRS);
  double us_batch = median(t_s, PAIRS) / steps * 1e6, us_lone = median(t_l, PAIRS) / steps * 1e6;
  printf("\n1. full test set (%zu arrays)\n", m->n_arrays);
  printf("  float recurrence (plain C)     %10.4f s\n", median(t_f, PAIRS));
  printf("  simulated hardware, batched    %10.4f s\n", median(t_s, PAIRS));
  printf("  ratio simulated / float        %10.2f x  (target <= 3)\n", ratio_sim);
  printf("\n2. one sequence at a time (aimc_infer_session) vs batched\n");
  printf("  per sequence-step: batched %.2f us, one sequence %.2f us\n", us_batch, us_lone);
  printf("  ratio one-sequence / batched   %10.2f x  (target <= 2)\n", ratio_lone);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);

  /* 3. Time per sequence-step against the model's values (single form:
   * 8M + 1 analog values per channel). */
  if (!ratios_only)
    printf("\n3. time per sequence-step vs the model's analog values (batched, 512x512 "
           "arrays so that every block fits)\n");
  aimc_arch big = arch;
  big.rows = big.cols = 512;
  if (!ratios_only)
    printf("  %5s %5s %9s %12s %14s %10s\n", "M", "H", "values", "us/seq-step",
           "ns/value-step", "vs first");
  struct { int m, h; } pts[] = {{8, 32}, {16, 32}, {32, 32}, {64, 32},
                                {8, 16}, {8, 64}, {8, 128}};
  double first = 0, per_value[7], values_at[7], us_at[7];
  int npts = ratios_only ? 0 : quick ? 4 : 7;
  for (int q = 0; q < npts; q++) {
    aimc_s4d_model *mw = random_model(ctx, n_in, 2, pts[q].h, pts[q].m, 1);
    aimc_mapping *mm = NULL;
    aimc_hw *hh = program(ctx, mw, &big, &mm);
    double t[3];
    for (int r = 0; r < 3; r++) t[r] = sim_set(ctx, mw, hh, ds);
    double us = median(t, 3) / steps * 1e6, values = (double)pts[q].h * (8 * pts[q].m + 1);
    per_value[q] = us * 1e3 / values;
    values_at[q] = values, us_at[q] = us;
    if (!first) first = per_value[q];
    printf("  %5d %5d %9.0f %12.2f %14.3f %10.2f\n", pts[q].m, pts[q].h, values, us,
           per_value[q], per_value[q] / first);
    aimc_hw_free(ctx, hh);
    aimc_mapping_free(ctx, mm);
    aimc_s4d_model_free(ctx, mw);
  }

  double len_at[5], lone_at[5], float_at[5];
  int n_len = 0;
  if (!quick && !ratios_only) {
    /* 4. Growth with sequence length and array size (lone sequences). */
    printf("\n4. growth, lone sequences (aimc_infer_session)\n");
    printf("\nsequence length (H=%d, 64x64 arrays):\n  %6s %12s %8s %12s\n", mdl->h,
           "steps", "s/sequence", "ratio", "float s/seq");
    double base = 0;
    for (int l = 100, q = 0; l <= 1600; l *= 2, q++) {
      double t = sim_seconds(ctx, mdl, &arch, l, 3), tf = float_seconds(mdl, l, 3);
      if (!base) base = t;
      printf("  %6d %12.3e %8.2f %12.3e\n", l, t, t / base, tf);
      len_at[q] = l, lone_at[q] = t, float_at[q] = tf, n_len = q + 1;
    }
    printf("\narray size (sequence 200):\n  %6s %6s %12s %8s\n", "rows", "arrays",
           "s/sequence", "ratio");
    base = 0;
    for (int rows = 64; rows <= 512; rows *= 2) {
      aimc_arch a = arch;
      a.rows = a.cols = rows;
      aimc_mapping *mm = NULL;
      size_t na = aimc_map_model(ctx, mdl, &a, &mm) ? 0 : mm->n_arrays;
      aimc_mapping_free(ctx, mm);
      double t = sim_seconds(ctx, mdl, &a, 200, 3);
      if (!base) base = t;
      printf("  %6d %6zu %12.3e %8.2f\n", rows, na, t, t / base);
    }
  }
  if (plot && npts) draw_values(ctx, plot, values_at, us_at, npts);
  if (plot && n_len) draw_length(ctx, plot, len_at, lone_at, float_at, n_len);
  if (json) {
    FILE *f = fopen(json, "w");
    if (!f) {
      fprintf(stderr, "bench: cannot write %s\n", json);
      return 1;
    }
    fprintf(f, "{\"sim_over_float\": %.4f, \"one_sequence_over_batched\": %.4f, "
               "\"us_per_seq_step_batched\": %.4f, \"us_per_seq_step_one\": %.4f, "
               "\"ns_per_value_step\": [", ratio_sim, ratio_lone, us_batch, us_lone);
    for (int q = 0; q < npts; q++)
      fprintf(f, "%s{\"m\": %d, \"h\": %d, \"ns\": %.4f}", q ? ", " : "", pts[q].m, pts[q].h,
              per_value[q]);
    fprintf(f, "]}\n");
    fclose(f);
  }
  aimc_s4d_model_free(ctx, mdl);
  aimc_dataset_free(ctx, ds);
  aimc_ctx_free(ctx);
  return 0;
}
