/* The crossbar's batched read of one placed rectangle (aimc/xbar_read.h):
 * explicit row pairs for the devices that hold values, a closed form for
 * the structural g_min pairs. */
#if defined(__GNUC__) && !defined(__clang__)
/* vectorize the lanes (sqrt too: -fno-math-errno, CMakeLists.txt); no
 * unroll-and-jam: GCC 12 jams two of read_across's pairs into one lanes'
 * loop and leaves that scalar (1.7 times slower with noise) */
#pragma GCC optimize("O3", "no-loop-unroll-and-jam")
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

/* A column's read noise for lanes k < l->n, var its variance (the column
 * sum's, rel2 not applied): handed on, times rel2, in vo (var_out's row,
 * l->stride lanes), or with vo NULL drawn here and added to o (var is
 * overwritten with the deviation). */
static inline void column_noise(const aimc_lanes *l, double *o, double *var, double *vo,
                                double rel2) {
  size_t bp = l->stride;
  int n = l->n;
  if (vo) {
    for (size_t k = 0; k < bp; k++) vo[k] = (var[k] > 0 ? var[k] : 0) * rel2; /* vectorizes */
    return;
  }
  for (int k = 0; k < n; k++) {
    double v = var[k] * rel2;
    var[k] = sqrt(v > 0 ? v : 0);
  }
  aimc_lanes_normal(l, l->z);
  for (int k = 0; k < n; k++) o[k] += var[k] * l->z[k];
}

void aimc_xbar_read(const aimc_xbar_plan *p, const double *x, double rel_noise, double *out,
                    double *var_out, const aimc_lanes *l, double *scratch) {
  size_t bp = l->stride;
  int noise = p->noise && rel_noise > 0;
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
    if (noise) column_noise(l, o, var, var_out ? var_out + (size_t)j * bp : NULL, rel2);
  }
}

/* Plans of one shape read side by side, lane a = plan a (lane-innermost:
 * entry a of a row of n). Column j visits the union of the plans' pairs
 * of column j, by i0 ascending as each plan orders its own; a lane
 * without a pair has zero weights and variance factors there. */
struct aimc_xbar_across {
  int n, n_in, n_out;
  int noise, any_c, any_cv; /* any_c, any_cv: of some plan            */
  size_t *start;            /* n_out + 1: column j's union pairs     */
  int *i0, *i1;             /* per union pair                        */
  double *w;                /* per union pair 2n: the w0, then the w1 */
  float *v;                 /* per union pair 2n: the v0, then the v1 */
  double *c;                /* n_out rows of n                       */
  float *cv;                /* n_out rows of n                       */
  double *gain;             /* n_in rows of n                        */
  float *gain2;             /* n_in rows of n                        */
};

/* 1 when the plans can be read side by side: one shape, one noisiness. */
static int across_fits(const aimc_xbar_plan *const *plans, int n) {
  if (n < 1 || !plans || !plans[0]) return 0;
  for (int a = 1; a < n; a++) {
    const aimc_xbar_plan *p = plans[a];
    if (!p || p->n_in != plans[0]->n_in || p->n_out != plans[0]->n_out ||
        p->noise != plans[0]->noise)
      return 0;
  }
  return 1;
}

/* Marks the i0 of column j's pairs over the plans (row[i0] = 0, else -1;
 * row[n_in + i0] = its i1) and returns how many. */
static int mark_union(const aimc_xbar_plan *const *plans, int n, int j, int *row) {
  int n_in = plans[0]->n_in, m = 0;
  for (int i = 0; i < n_in; i++) row[i] = -1;
  for (int a = 0; a < n; a++) {
    const aimc_xbar_plan *p = plans[a];
    for (size_t e = p->start[j]; e < p->start[j + 1]; e++) {
      m += row[p->pairs[e].i0] < 0;
      row[p->pairs[e].i0] = 0;
      row[n_in + p->pairs[e].i0] = p->pairs[e].i1;
    }
  }
  return m;
}

/* Column j's union pairs from *u on; row: n_in + n_in ints of scratch. */
static void fill_union(aimc_xbar_across *x, const aimc_xbar_plan *const *plans, int j,
                       size_t *u, int *row) {
  size_t n = (size_t)x->n;
  mark_union(plans, x->n, j, row);
  x->start[j] = *u;
  for (int i = 0; i < x->n_in; i++) {
    if (row[i] < 0) continue;
    x->i0[*u] = i, x->i1[*u] = row[x->n_in + i];
    row[i] = (int)(*u)++;
  }
  for (size_t a = 0; a < n; a++) {
    const aimc_xbar_plan *p = plans[a];
    for (size_t e = p->start[j]; e < p->start[j + 1]; e++) {
      const xr_pair *q = &p->pairs[e];
      size_t at = 2 * (size_t)row[q->i0] * n + a;
      x->w[at] = q->w0, x->w[at + n] = q->w1;
      x->v[at] = q->v0, x->v[at + n] = q->v1;
    }
  }
}

void aimc_xbar_across_free(aimc_ctx *ctx, aimc_xbar_across *x) {
  if (!x) return;
  aimc_free(ctx, x->start);
  aimc_free(ctx, x->i0);
  aimc_free(ctx, x->i1);
  aimc_free(ctx, x->w);
  aimc_free(ctx, x->v);
  aimc_free(ctx, x->c);
  aimc_free(ctx, x->cv);
  aimc_free(ctx, x->gain);
  aimc_free(ctx, x->gain2);
  aimc_free(ctx, x);
}

int aimc_xbar_across_build(aimc_ctx *ctx, const aimc_xbar_plan *const *plans, int n,
                           aimc_xbar_across **out) {
  *out = NULL;
  if (!across_fits(plans, n)) return AIMC_EINVAL;
  int n_in = plans[0]->n_in, n_out = plans[0]->n_out;
  int *row = aimc_calloc(ctx, 2 * (size_t)n_in + 1, sizeof(int));
  aimc_xbar_across *x = aimc_calloc(ctx, 1, sizeof *x);
  if (!row || !x) {
    aimc_free(ctx, row);
    aimc_free(ctx, x);
    return AIMC_ENOMEM;
  }
  size_t pairs = 0, nl = (size_t)n, no = (size_t)n_out, ni = (size_t)n_in;
  for (int j = 0; j < n_out; j++) pairs += (size_t)mark_union(plans, n, j, row);
  *x = (aimc_xbar_across){n, n_in, n_out, plans[0]->noise, 0, 0,
                          aimc_calloc(ctx, no + 1, sizeof(size_t)),
                          aimc_calloc(ctx, pairs + 1, sizeof(int)),
                          aimc_calloc(ctx, pairs + 1, sizeof(int)),
                          aimc_calloc(ctx, 2 * pairs * nl + 1, sizeof(double)),
                          aimc_calloc(ctx, 2 * pairs * nl + 1, sizeof(float)),
                          aimc_calloc(ctx, no * nl + 1, sizeof(double)),
                          aimc_calloc(ctx, no * nl + 1, sizeof(float)),
                          aimc_calloc(ctx, ni * nl + 1, sizeof(double)),
                          aimc_calloc(ctx, ni * nl + 1, sizeof(float))};
  if (!x->start || !x->i0 || !x->i1 || !x->w || !x->v || !x->c || !x->cv || !x->gain ||
      !x->gain2) {
    aimc_free(ctx, row);
    aimc_xbar_across_free(ctx, x);
    return AIMC_ENOMEM;
  }
  size_t u = 0;
  for (int j = 0; j < n_out; j++) fill_union(x, plans, j, &u, row);
  x->start[n_out] = u;
  aimc_free(ctx, row);
  for (size_t a = 0; a < nl; a++) {
    const aimc_xbar_plan *p = plans[a];
    x->any_c |= p->any_c, x->any_cv |= p->any_cv;
    for (size_t j = 0; j < no; j++) x->c[j * nl + a] = p->c[j], x->cv[j * nl + a] = p->cv[j];
    for (size_t i = 0; i < ni; i++)
      x->gain[i * nl + a] = p->gain[i], x->gain2[i * nl + a] = p->gain2[i];
  }
  *out = x;
  return AIMC_OK;
}

size_t aimc_xbar_across_pairs(const aimc_xbar_across *x) { return x->start[x->n_out]; }

/* Scratch: S, Q, the variance; the variance sum and x^2 as floats. */
size_t aimc_xbar_across_scratch(const aimc_xbar_across *x) {
  size_t n = (size_t)x->n;
  return 3 * n + ((size_t)x->n_in * n + n + 1) / 2 + 1;
}

/* row_sums of each lane with its own plan's gains, the same expressions
 * in the same order. A lane whose plan has no closed form (or no closed
 * variance) gets sums its lone read leaves at 0, but its c_j (cv_j) are
 * 0: the product adds +-0. */
static inline void across_row_sums(const aimc_xbar_across *x, const double *AIMC_RESTRICT in,
                                   int noise, double *AIMC_RESTRICT S, double *AIMC_RESTRICT Q,
                                   float *AIMC_RESTRICT xsq) {
  size_t n = (size_t)x->n, m = (size_t)x->n_in * n;
  memset(S, 0, sizeof(double) * 2 * n);
  for (size_t i = 0; x->any_c && i < m; i += n)
    for (size_t a = 0; a < n; a++) S[a] += x->gain[i + a] * in[i + a];
  if (!noise) return;
  for (size_t e = 0; e < m; e++) xsq[e] = (float)(in[e] * in[e]);
  for (size_t i = 0; x->any_cv && i < m; i += n)
    for (size_t a = 0; a < n; a++) Q[a] += x->gain2[i + a] * xsq[i + a];
}

/* column_one of every lane: the sum over column j's union pairs in o (a
 * row of n), and the closed form. */
static inline void across_column(const aimc_xbar_across *x, int j, const double *AIMC_RESTRICT in,
                                 const double *AIMC_RESTRICT S, double *AIMC_RESTRICT o) {
  size_t n = (size_t)x->n;
  for (size_t a = 0; a < n; a++) o[a] = 0;
  for (size_t u = x->start[j]; u < x->start[j + 1]; u++) {
    const double *w0 = x->w + 2 * u * n, *w1 = w0 + n;
    const double *x0 = in + (size_t)x->i0[u] * n, *x1 = in + (size_t)x->i1[u] * n;
    for (size_t a = 0; a < n; a++) o[a] += w0[a] * x0[a] + w1[a] * x1[a];
  }
  const double *c = x->c + (size_t)j * n;
  for (size_t a = 0; x->any_c && a < n; a++) o[a] += c[a] * S[a];
}

/* column_one's variance of every lane (a float sum, as there), in var. */
static inline void across_column_var(const aimc_xbar_across *x, int j,
                                     const float *AIMC_RESTRICT xsq, const double *AIMC_RESTRICT Q,
                                     float *AIMC_RESTRICT v, double *AIMC_RESTRICT var) {
  size_t n = (size_t)x->n;
  for (size_t a = 0; a < n; a++) v[a] = 0;
  for (size_t u = x->start[j]; u < x->start[j + 1]; u++) {
    const float *v0 = x->v + 2 * u * n, *v1 = v0 + n;
    const float *q0 = xsq + (size_t)x->i0[u] * n, *q1 = xsq + (size_t)x->i1[u] * n;
    for (size_t a = 0; a < n; a++) v[a] += v0[a] * q0[a] + v1[a] * q1[a];
  }
  const float *cv = x->cv + (size_t)j * n;
  for (size_t a = 0; a < n; a++) var[a] = v[a] + (double)cv[a] * Q[a];
}

/* The whole read in one function, cloned for wider vectors (aimc/simd.h):
 * its loops run over the lanes (not jammed: the file's top). */
AIMC_SIMD_CLONES
static void read_across(const aimc_xbar_across *x, const double *in, double rel_noise,
                        double *out, double *var_out, const aimc_lanes *l, double *scratch) {
  size_t n = (size_t)x->n;
  int noise = x->noise && rel_noise > 0;
  double *S = scratch, *Q = S + n, *var = Q + n;
  float *v = (float *)(var + n), *xsq = v + n;
  across_row_sums(x, in, noise, S, Q, xsq);
  double rel2 = rel_noise * rel_noise;
  for (int j = 0; j < x->n_out; j++) {
    double *o = out + (size_t)j * n;
    across_column(x, j, in, S, o);
    if (!noise) continue;
    across_column_var(x, j, xsq, Q, v, var);
    column_noise(l, o, var, var_out ? var_out + (size_t)j * n : NULL, rel2);
  }
}

void aimc_xbar_read_across(const aimc_xbar_across *x, const double *in, double rel_noise,
                           double *out, double *var_out, aimc_xs128p *rng, uint64_t *bits,
                           double *z, double *scratch) {
  /* The lanes as a batch of stride n (column_noise's, not a stride the
   * batched read takes). */
  aimc_lanes l = {x->n, (size_t)x->n, rng, bits, z};
  read_across(x, in, rel_noise, out, var_out, &l, scratch);
}
