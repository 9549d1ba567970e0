/* The crossbar's batched read of one placed rectangle (aimc/xbar_read.h):
 * explicit row pairs for the devices that hold values, a closed form for
 * the structural g_min pairs. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the lanes (sqrt too: -fno-math-errno, CMakeLists.txt) */
#endif
#include "aimc/xbar_read.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "aimc/simd.h"
#include "aimc/status.h"

/* Two rows of one column, the weights and variance factors minus the
 * closed form (a lone last row has w1 = v1 = 0 and i1 = i0). */
typedef struct {
  int i0, i1;
  double w0, w1;
  float v0, v1;
} xr_pair;

struct aimc_xbar_plan {
  int n_in, n_out;
  int any_c, noise, any_cv;
  size_t *start;  /* n_out + 1: column j's pairs                    */
  xr_pair *pairs;
  double *c;      /* n_out: structural weight per unit row gain      */
  float *cv;      /* n_out: structural variance per unit gain^2      */
  double *gain;   /* n_in                                            */
  float *gain2;   /* n_in                                            */
};

/* A structural entry is left to the closed form when its weight is within
 * TOL_W of the column's largest weight of c_j s_i, and its variance factor
 * within TOL_V of cv_j s_i^2 (the variance only sets the noise amplitude).
 * Why 1e-9: a g_min pair's first-order IR-drop weight is ~g_min^2 R /
 * (g_max - g_min) ~ 3e-7 of the largest weight, and its variation over the
 * array (second order, ~g_min R_path ~ 1e-3 of that) ~ 3e-10: a column of
 * n devices is then read within n * 1e-9 of its largest weight, far inside
 * the first-order model's own error. */
static const double TOL_W = 1e-9, TOL_V = 1e-3;

/* The factor f with y_i ~ f * s_i (sq: s_i^2) over the structural entries:
 * the median of their ratios, so that a few stuck devices do not move it
 * (exactly 0 when most of them are 0). tmp: n doubles. */
static double fit(const double *y, const float *yf, const double *s, int sq,
                  const unsigned char *is_value, int n, double *tmp) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    if (is_value[i]) continue;
    double si = sq ? s[i] * s[i] : s[i];
    if (si != 0) tmp[m++] = (y ? y[i] : yf[i]) / si;
  }
  return m ? gsl_stats_median(tmp, 1, (size_t)m) : 0;
}

/* One column of the rectangle (entries in the src layout) and its closed
 * form: structural weight c s_i, variance factor cv s_i^2. */
typedef struct {
  const double *w;
  const float *nv;              /* NULL: no read noise               */
  const unsigned char *is_value; /* NULL: every entry holds a value   */
  const double *gain;           /* the rows' s_i                      */
  double c, cv, wmax;           /* wmax: the largest |w|              */
} xr_column;

/* 1 when entry i of a column follows the closed form (without a mask:
 * when it is exactly 0). */
static int closed(const xr_column *col, int i) {
  const float *nr = col->nv;
  if (!col->is_value) return col->w[i] == 0 && (!nr || nr[i] == 0);
  double s = col->gain[i];
  if (fabs(col->w[i] - col->c * s) > TOL_W * col->wmax) return 0;
  if (!nr) return 1;
  double model = col->cv * s * s;
  return fabs(nr[i] - model) <= TOL_V * fmax(fabs(nr[i]), fabs(model));
}

/* Column j of the plan: the first pass (no pairs yet) fits the closed
 * form (into p->c and cvd, the variance factor at full precision) and
 * counts the explicit pairs, the second fills them. tmp: n_in doubles. */
static void build_column(const aimc_xbar_read_src *src, aimc_xbar_plan *p, int j,
                         size_t *np, double *tmp, double *cvd) {
  size_t at = (size_t)j * src->ld;
  xr_column col = {src->w + at, src->nv ? src->nv + at : NULL,
                   src->is_value ? src->is_value + at : NULL, src->row_gain, 0, 0, 0};
  const double *wr = col.w;
  const float *nr = col.nv;
  for (int i = 0; i < src->n_in; i++) col.wmax = fmax(col.wmax, fabs(wr[i]));
  if (!p->pairs) {
    if (col.is_value) p->c[j] = fit(wr, NULL, col.gain, 0, col.is_value, src->n_in, tmp);
    if (col.is_value && nr) cvd[j] = fit(NULL, nr, col.gain, 1, col.is_value, src->n_in, tmp);
    p->cv[j] = (float)cvd[j];
    p->any_c |= p->c[j] != 0;
    p->any_cv |= cvd[j] != 0;
  }
  double c = col.c = p->c[j], cv = col.cv = cvd[j];
  for (int i0 = 0; i0 < src->n_in; i0 += 2) {
    int i1 = i0 + 1 < src->n_in ? i0 + 1 : i0;
    if (closed(&col, i0) && (i1 == i0 || closed(&col, i1))) continue;
    if (p->pairs) {
      xr_pair *e = &p->pairs[*np];
      double s0 = src->row_gain[i0], s1 = src->row_gain[i1];
      e->i0 = i0, e->i1 = i1;
      e->w0 = wr[i0] - c * s0;
      e->w1 = i1 == i0 ? 0 : wr[i1] - c * s1;
      e->v0 = nr ? (float)(nr[i0] - cv * s0 * s0) : 0;
      e->v1 = nr && i1 != i0 ? (float)(nr[i1] - cv * s1 * s1) : 0;
    }
    ++*np;
  }
}

int aimc_xbar_plan_build(aimc_ctx *ctx, const aimc_xbar_read_src *src, aimc_xbar_plan **out) {
  *out = NULL;
  aimc_xbar_plan *p = aimc_calloc(ctx, 1, sizeof *p);
  if (!p) return AIMC_ENOMEM;
  p->n_in = src->n_in, p->n_out = src->n_out;
  p->start = aimc_calloc(ctx, (size_t)src->n_out + 1, sizeof(size_t));
  p->c = aimc_calloc(ctx, (size_t)src->n_out + 1, sizeof(double));
  p->cv = aimc_calloc(ctx, (size_t)src->n_out + 1, sizeof(float));
  p->gain = aimc_calloc(ctx, (size_t)src->n_in + 1, sizeof(double));
  p->gain2 = aimc_calloc(ctx, (size_t)src->n_in + 1, sizeof(float));
  double *tmp = aimc_calloc(ctx, (size_t)src->n_in + (size_t)src->n_out + 1, sizeof(double));
  double *cvd = tmp + src->n_in;
  if (!p->start || !p->c || !p->cv || !p->gain || !p->gain2 || !tmp) {
    aimc_free(ctx, tmp);
    aimc_xbar_plan_free(ctx, p);
    return AIMC_ENOMEM;
  }
  for (int i = 0; i < src->n_in; i++) {
    p->gain[i] = src->row_gain[i];
    p->gain2[i] = (float)(src->row_gain[i] * src->row_gain[i]);
  }
  /* Two passes: fit and count the pairs, then fill them. */
  size_t n = 0;
  for (int j = 0; j < src->n_out; j++) build_column(src, p, j, &n, tmp, cvd);
  p->pairs = aimc_calloc(ctx, n + 1, sizeof(xr_pair));
  if (!p->pairs) {
    aimc_free(ctx, tmp);
    aimc_xbar_plan_free(ctx, p);
    return AIMC_ENOMEM;
  }
  n = 0;
  for (int j = 0; j < src->n_out; j++) {
    p->start[j] = n;
    build_column(src, p, j, &n, tmp, cvd);
  }
  aimc_free(ctx, tmp);
  p->start[src->n_out] = n;
  for (size_t e = 0; src->nv && e < n && !p->noise; e++)
    p->noise = p->pairs[e].v0 != 0 || p->pairs[e].v1 != 0;
  p->noise |= p->any_cv;
  *out = p;
  return AIMC_OK;
}

void aimc_xbar_plan_free(aimc_ctx *ctx, aimc_xbar_plan *p) {
  if (!p) return;
  aimc_free(ctx, p->start);
  aimc_free(ctx, p->pairs);
  aimc_free(ctx, p->c);
  aimc_free(ctx, p->cv);
  aimc_free(ctx, p->gain);
  aimc_free(ctx, p->gain2);
  aimc_free(ctx, p);
}

size_t aimc_xbar_plan_pairs(const aimc_xbar_plan *p) { return p->start[p->n_out]; }

size_t aimc_xbar_plan_dense_pairs(const aimc_xbar_plan *p) {
  return (size_t)p->n_out * (size_t)((p->n_in + 1) / 2);
}

/* Scratch: the two row sums (S, Q), the variance, x^2 as floats. */
size_t aimc_xbar_read_scratch(const aimc_xbar_plan *p, size_t stride) {
  return 3 * stride + ((size_t)p->n_in * stride + 1) / 2 + 1;
}

/* One column for lanes [k0, k0 + K) (K = AIMC_LANES): the column
 * sum, rows in pairs, and with VAR its variance, in one pass over the
 * pairs (each sum in pair order, as two passes would add them). VAR is a
 * constant so that the pair loop has no branch: the lanes' loops then
 * vectorize, the variance's too (as long as the lanes' columns are not
 * inlined into the read's loops: GCC 12 then leaves the floats scalar). */
#define COLUMN(NAME, K, VAR, SPEC)                                                  \
  SPEC void NAME(const aimc_xbar_plan *p, int j, const double *x,                 \
                          const float *xsq, size_t bp, const double *S,           \
                          const double *Q, double *out, double *var) {            \
    double acc[K] = {0};                                                        \
    float v[K] = {0};                                                           \
    const xr_pair *e = p->pairs + p->start[j], *end = p->pairs + p->start[j + 1]; \
    for (; e < end; e++) {                                                      \
      size_t o0 = (size_t)e->i0 * bp, o1 = (size_t)e->i1 * bp;                   \
      for (int k = 0; k < K; k++) acc[k] += e->w0 * x[o0 + k] + e->w1 * x[o1 + k]; \
      for (int k = 0; VAR && k < K; k++)                                        \
        v[k] += e->v0 * xsq[o0 + k] + e->v1 * xsq[o1 + k];                       \
    }                                                                           \
    if (p->c[j] != 0)                                                           \
      for (int k = 0; k < K; k++) acc[k] += p->c[j] * S[k];                     \
    for (int k = 0; k < K; k++) out[k] = acc[k];                                \
    for (int k = 0; VAR && k < K; k++) var[k] = v[k] + (double)p->cv[j] * Q[k]; \
  }
/* Each also cloned for wider vectors (aimc/simd.h). */
#if defined(__GNUC__)
#define LANES_SPEC AIMC_SIMD_CLONES static __attribute__((noinline))
#else
#define LANES_SPEC AIMC_SIMD_CLONES static
#endif
COLUMN(column_lanes, AIMC_LANES, 0, LANES_SPEC)
COLUMN(column_lanes_var, AIMC_LANES, 1, LANES_SPEC)
#undef LANES_SPEC
#undef COLUMN

/* w0 x0 + w1 x1 of one pair for a lone lane, the two products in one
 * 2-wide multiply where the compiler has vector types: the same two
 * roundings and one add as the scalar form (a lone read is bound by its
 * instructions, not by latency: docs/performance.md). */
static inline double pair_sum(const xr_pair *e, const double *x) {
#if defined(__GNUC__)
  typedef double v2d __attribute__((vector_size(16)));
  v2d w, xv = {x[e->i0], x[e->i1]};
  memcpy(&w, &e->w0, sizeof w);
  v2d p = w * xv;
  return p[0] + p[1];
#else
  return e->w0 * x[e->i0] + e->w1 * x[e->i1];
#endif
}

/* COLUMN for one lane (K = 1, bp = 1), with pair_sum. */
static inline void column_one(const aimc_xbar_plan *p, int j, const double *x, const float *xsq,
                              const double *S, const double *Q, double *out, double *var,
                              int with_var) {
  double acc = 0;
  float v = 0;
  const xr_pair *e = p->pairs + p->start[j], *end = p->pairs + p->start[j + 1];
  for (; e < end; e++) {
    acc += pair_sum(e, x);
    if (with_var) v += e->v0 * xsq[e->i0] + e->v1 * xsq[e->i1];
  }
  if (p->c[j] != 0) acc += p->c[j] * S[0];
  out[0] = acc;
  if (with_var) var[0] = v + (double)p->cv[j] * Q[0];
}

/* The closed form's row sums of each lane, in row order: S = sum s_i x_i
 * and, with noise, x^2 as floats and Q = sum s_i^2 x_i^2. */
static inline void row_sums(const aimc_xbar_plan *p, const double *x, size_t bp, int noise,
                            double *S, double *Q, float *xsq) {
  memset(S, 0, sizeof(double) * 2 * bp);
  if (p->any_c && bp == 1) {
    double s0 = 0;
    for (int i = 0; i < p->n_in; i++) s0 += p->gain[i] * x[i];
    S[0] = s0;
  } else if (p->any_c)
    for (int i = 0; i < p->n_in; i++)
      for (size_t k = 0; k < bp; k++) S[k] += p->gain[i] * x[(size_t)i * bp + k];
  if (noise) {
    for (size_t e = 0; e < (size_t)p->n_in * bp; e++) xsq[e] = (float)(x[e] * x[e]);
    if (p->any_cv && bp == 1) {
      double q0 = 0;
      for (int i = 0; i < p->n_in; i++) q0 += p->gain2[i] * xsq[i];
      Q[0] = q0;
    } else if (p->any_cv)
      for (int i = 0; i < p->n_in; i++)
        for (size_t k = 0; k < bp; k++) Q[k] += p->gain2[i] * xsq[(size_t)i * bp + k];
  }
}

/* row_sums of a batch, in its own function so that it is cloned for wider
 * vectors (a lone lane's stays inlined in the read). */
AIMC_SIMD_CLONES
static void row_sums_lanes(const aimc_xbar_plan *p, const double *x, size_t bp, int noise,
                           double *S, double *Q, float *xsq) {
  row_sums(p, x, bp, noise, S, Q, xsq);
}

int aimc_xbar_plan_noisy(const aimc_xbar_plan *p) { return p->noise; }

void aimc_xbar_read(const aimc_xbar_plan *p, const double *x, double rel_noise, double *out,
                    double *var_out, const aimc_lanes *l, double *scratch) {
  size_t bp = l->stride;
  int noise = p->noise && rel_noise > 0, n = l->n;
  double *S = scratch, *Q = S + bp, *var = Q + bp;
  float *xsq = (float *)(var + bp);
  if (bp == 1) row_sums(p, x, bp, noise, S, Q, xsq);
  else row_sums_lanes(p, x, bp, noise, S, Q, xsq);
  double rel2 = rel_noise * rel_noise;
  for (int j = 0; j < p->n_out; j++) {
    double *o = out + (size_t)j * bp;
    if (bp == 1 && noise)
      column_one(p, j, x, xsq, S, Q, o, var, 1);
    else if (bp == 1)
      column_one(p, j, x, xsq, S, Q, o, NULL, 0);
    for (size_t k0 = 0; bp > 1 && k0 < bp; k0 += AIMC_LANES)
      if (noise)
        column_lanes_var(p, j, x + k0, xsq + k0, bp, S + k0, Q + k0, o + k0, var + k0);
      else
        column_lanes(p, j, x + k0, xsq + k0, bp, S + k0, Q + k0, o + k0, NULL);
    if (!noise) continue;
    if (var_out) {
      double *vo = var_out + (size_t)j * bp;
      for (size_t k = 0; k < bp; k++) vo[k] = (var[k] > 0 ? var[k] : 0) * rel2; /* vectorizes */
      continue;
    }
    for (int k = 0; k < n; k++) {
      double v = var[k] * rel2;
      var[k] = sqrt(v > 0 ? v : 0);
    }
    aimc_lanes_normal(l, l->z);
    for (int k = 0; k < n; k++) o[k] += var[k] * l->z[k];
  }
}
