/* Inference simulation speed: the simulated hardware (all non-idealities
 * on) against a plain-C float recurrence of the same model on the same
 * data, measured side by side, and how simulation time grows with
 * sequence length, array size and model width. The test set runs through
 * aimc_infer_run (sequences simulated in batches, one kernel event per
 * batched array operation); the growth points are lone sequences
 * (aimc_infer_sequence), so their time per sequence is higher, and only
 * the ratios between points matter there. Prints figures; never fails on
 * timing.
 *   bench_inference [MODEL.s4d]   (default: a random zero_one-size model) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "aimc/data.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/progress.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"

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
  a->ni_prog = a->ni_read_noise = a->ni_drift = a->ni_stuck = 1;
  a->ni_converter = a->ni_ir_drop = 1;
  a->adc_noise_lsb = 0.5;
}

/* Wall seconds per sequence of aimc_infer_sequence on random inputs. */
static double sim_seconds(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_arch *a,
                          int len, int reps) {
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  double *x = malloc(sizeof(double) * len * mdl->n_in), lg[64], t = -1;
  for (int i = 0; i < len * mdl->n_in; i++) x[i] = gsl_ran_gaussian(aimc_ctx_rng(ctx), 1);
  if (!aimc_map_model(ctx, mdl, a, &m) && !aimc_hw_program(ctx, m, &hw)) {
    double t0 = aimc_wall_seconds();
    for (int r = 0; r < reps; r++) aimc_infer_sequence(ctx, mdl, hw, x, len, lg);
    t = (aimc_wall_seconds() - t0) / reps;
  } else {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
  }
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

int main(int argc, char **argv) {
  aimc_gsl_install_handler();
  aimc_ctx *ctx = aimc_ctx_alloc(1);
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
  if (argc > 1 && aimc_s4d_model_read(ctx, argv[1], &mdl)) {
    fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
    return 1;
  }
  if (!mdl) mdl = random_model(ctx, n_in, 2, 32, 8, 1); /* zero_one.yaml shape */
  size_t n;
  const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TEST, &n);
  printf("zero_one test set: %zu sequences of %d steps x %d features; model H=%d, "
         "%d modes, %d layer(s)\n", n, len, n_in, mdl->h, mdl->m, mdl->layers);

  /* 1. Full test set: float recurrence vs simulated hardware. */
  float *xf = malloc(sizeof(float) * len * n_in);
  double *xd = malloc(sizeof(double) * len * n_in), lg[64];
  double *ws = malloc(sizeof(double) * ((size_t)mdl->layers * mdl->h * mdl->m * 2 + 5 * mdl->h));
  double t_float = 0;
  for (int rep = 0; rep < 3; rep++) { /* best of 3 */
    double t0 = aimc_wall_seconds();
    for (size_t s = 0; s < n; s++) {
      aimc_dataset_get(ds, idx[s], xf);
      for (int k = 0; k < len * n_in; k++) xd[k] = xf[k];
      float_forward(mdl, xd, len, ws, lg);
    }
    double t = aimc_wall_seconds() - t0;
    if (rep == 0 || t < t_float) t_float = t;
  }
  aimc_arch arch;
  aimc_arch_defaults(&arch);
  all_nonideal(&arch);
  aimc_infer_opts o;
  aimc_infer_opts_defaults(&o);
  aimc_infer_result r;
  double t_sim = 1e300;
  for (int rep = 0; rep < 3; rep++) {
    if (aimc_pipeline_run(ctx, mdl, &arch, ds, &o, &r)) {
      fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
      return 1;
    }
    if (r.wall_s < t_sim) t_sim = r.wall_s;
    if (rep < 2) aimc_infer_result_fini(ctx, &r);
  }
  printf("\nfull test set, all non-idealities on (native kernel):\n");
  printf("  float recurrence (plain C)   %8.4f s\n", t_float);
  printf("  simulated hardware           %8.4f s  (%llu batched events, %zu arrays)\n", t_sim,
         (unsigned long long)r.events, r.map.n_arrays);
  printf("  ratio simulated / float      %8.2f x  (target <= 5)\n", t_sim / t_float);
  aimc_infer_result_fini(ctx, &r);

  /* 2. Growth with sequence length, array size and model width (time per
   * sequence; ratio to the first point). */
  aimc_arch_defaults(&arch);
  all_nonideal(&arch);
  printf("\ngrowth, lone sequences (aimc_infer_sequence)\n");
  printf("\nsequence length (H=%d, 64x64 arrays):\n  %6s %12s %8s %12s\n", mdl->h,
         "steps", "s/sequence", "ratio", "float s/seq");
  double base = 0;
  for (int l = 100; l <= 1600; l *= 2) {
    double t = sim_seconds(ctx, mdl, &arch, l, 3);
    if (!base) base = t;
    printf("  %6d %12.3e %8.2f %12.3e\n", l, t, t / base, float_seconds(mdl, l, 3));
  }
  printf("\narray size (sequence 200):\n  %6s %6s %12s %8s\n", "rows", "arrays", "s/sequence",
         "ratio");
  base = 0;
  for (int rows = 64; rows <= 512; rows *= 2) {
    aimc_arch a = arch;
    a.rows = a.cols = rows;
    aimc_mapping *m = NULL;
    size_t na = aimc_map_model(ctx, mdl, &a, &m) ? 0 : m->n_arrays;
    aimc_mapping_free(ctx, m);
    double t = sim_seconds(ctx, mdl, &a, 200, 3);
    if (!base) base = t;
    printf("  %6d %6zu %12.3e %8.2f\n", rows, na, t, t / base);
  }
  printf("\nmodel width (sequence 200, 64x64 arrays):\n  %6s %12s %8s %12s\n", "H",
         "s/sequence", "ratio", "float s/seq");
  base = 0;
  for (int h = 16; h <= 128; h *= 2) {
    aimc_s4d_model *mw = random_model(ctx, n_in, 2, h, mdl->m, 1);
    double t = sim_seconds(ctx, mw, &arch, 200, 3);
    if (!base) base = t;
    printf("  %6d %12.3e %8.2f %12.3e\n", h, t, t / base, float_seconds(mw, 200, 3));
    aimc_s4d_model_free(ctx, mw);
  }
  free(xf);
  free(xd);
  free(ws);
  aimc_s4d_model_free(ctx, mdl);
  aimc_dataset_free(ctx, ds);
  aimc_ctx_free(ctx);
  return 0;
}
