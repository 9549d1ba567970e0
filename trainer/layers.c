/* S4D network blocks (see layers.h). The SSM is the diagonal recurrence
 * of S4D (Gu et al. 2022, "On the Parameterization and Initialization of
 * Diagonal State Space Models") with the converter quantizers of IMSSA
 * (arXiv 2412.20215); the rest is standard dense / GELU / GLU / norm. */
/* The scan is the hot loop: let GCC vectorise it fully also in -O2 builds
 * (-O2 only vectorises loops its "very cheap" cost model accepts); measured
 * 1.9x faster on bench_trainer. */
#pragma GCC optimize("O3")
#include "layers.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A state holds the M real parts then the M imaginary parts (unit stride,
 * so the mode loops vectorise). With Q_x off the quantized state is the
 * state itself. */
static const double *quantized_state(const aimc_quant *qx, const double *x,
                                     int M, double *buf) {
  if (qx->bits <= 0) return x;
  for (int i = 0; i < 2 * M; i++) buf[i] = aimc_quant_apply(qx, x[i]);
  return buf;
}

/* A channel's six per-mode tensors copied side by side into a local array:
 * the scan's mode loops then touch only arrays the compiler can tell apart,
 * so it vectorises them. Read through the six const pointers of s4d_ssm it
 * would need more run-time alias checks than it emits (10) and leaves the
 * loops scalar. The copies cost 6M loads per channel against 6MT uses. */
enum { P_AR, P_AI, P_BR, P_BI, P_CR, P_CI, N_PARTS };
/* Rows of these local arrays are ROW doubles apart, not the 8 KB of
 * S4D_MAX_MODES, so that loads from one row never share their offset
 * modulo 4 KB with stores to another: such a load waits for the store
 * (4K aliasing), which made the backward 1.45x slower. */
enum { ROW = S4D_MAX_MODES + 8 };

static void channel_tensors(const s4d_ssm *s, int h,
                            double p[N_PARTS][ROW]) {
  const double *src[N_PARTS] = {s->a_re, s->a_im, s->b_re,
                                s->b_im, s->c_re, s->c_im};
  for (int j = 0; j < N_PARTS; j++)
    memcpy(p[j], src[j] + (size_t)h * s->m, sizeof(double) * s->m);
}

/* x_k = Abar x^_{k-1} + Bbar u^_k for the M modes of one channel. The
 * forward and the backward's recomputation share it, so both produce the
 * same bits. */
static inline void state_step(int M, double p[N_PARTS][ROW],
                              const double *prev, double uq, double *x) {
  const double *ar = p[P_AR], *ai = p[P_AI], *br = p[P_BR], *bi = p[P_BI];
  for (int m = 0; m < M; m++) {
    double pr = prev[m], pi = prev[M + m];
    x[m] = ar[m] * pr - ai[m] * pi + br[m] * uq;
    x[M + m] = ar[m] * pi + ai[m] * pr + bi[m] * uq;
  }
}

/* The backward needs every step's state. Storing all of them (32 MB per
 * sample at H = 64, N = 64, T = 1000) made the scan wait on memory, so the
 * forward stores only the state ending each run of `run_steps` steps and
 * the backward recomputes a run's states from the one before it into
 * RUN_DOUBLES doubles that stay in the L1 cache. */
enum { RUN_DOUBLES = 4096 };

static int run_steps(int M) { return RUN_DOUBLES / (2 * (M > 0 ? M : 1)); }

/* States stored per channel: the last of each run that has a successor. */
static int stored_states(int T, int M) {
  return T > 0 ? (T - 1) / run_steps(M) : 0;
}

size_t s4d_ssm_xs_len(int H, int T, int M) {
  return (size_t)H * stored_states(T, M) * 2 * M;
}

static const double zero_state[2 * S4D_MAX_MODES];

/* The scan's mode loops are elementwise over the modes, so wider vectors
 * change no result bit: each mode's value is the same expression, and the
 * sums over the modes stay in mode order (GCC keeps a floating-point
 * reduction sequential). The default build targets baseline x86-64 (SSE2,
 * 2 doubles a vector); these clones are picked at load time on CPUs with
 * AVX2 (4) or AVX-512 (8). None of them enables FMA, which would round
 * differently. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SCAN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCAN_CLONES
#endif

SCAN_CLONES
void s4d_ssm_forward(const s4d_ssm *s, int T, const double *u, double *y,
                     double *xs, double *pre_y) {
  const int H = s->h, M = s->m, S = run_steps(M),
            stored = stored_states(T, M);
  double x[2][2 * S4D_MAX_MODES], qbuf[2][2 * S4D_MAX_MODES];
  double p[N_PARTS][ROW];
  const double *cr = p[P_CR], *ci = p[P_CI];
  for (int h = 0; h < H; h++) {
    channel_tensors(s, h, p);
    double *store = xs + (size_t)h * stored * 2 * M;
    const double *prev = zero_state; /* x^_{k-1} */
    for (int k = 0; k < T; k++) {
      double uq = s4d_q(s->qu, u[k * H + h]);
      double *xk = x[k & 1];
      state_step(M, p, prev, uq, xk);
      if ((k + 1) % S == 0 && (k + 1) / S <= stored)
        memcpy(store + (size_t)((k + 1) / S - 1) * 2 * M, xk,
               sizeof(double) * 2 * M);
      const double *xq = quantized_state(s->qx, xk, M, qbuf[k & 1]);
      double acc = 0;
      for (int m = 0; m < M; m++) acc += cr[m] * xq[m] - ci[m] * xq[M + m];
      double pre = 2 * acc + s->d[h] * uq;
      pre_y[k * H + h] = pre;
      y[k * H + h] = s4d_q(s->qy, pre);
      prev = xq;
    }
  }
}

SCAN_CLONES
void s4d_ssm_backward(const s4d_ssm *s, int T, const double *u,
                      const double *xs, const double *pre_y, const double *dy,
                      double *du, const s4d_ssm_grad *g) {
  const int H = s->h, M = s->m, S = run_steps(M),
            stored = stored_states(T, M);
  /* run: the current run's recomputed states x_k; qrun: their quantized
   * x^_k (with Q_x off, run itself); q0: x^ before the run. */
  double run[RUN_DOUBLES], qrun[RUN_DOUBLES], q0[2 * S4D_MAX_MODES];
  /* The channel's tensors and, for the same aliasing reason, its gradient
   * sums: copied in, accumulated step by step, copied back (the same
   * additions in the same order as accumulating in place). G holds
   * dL/dx_{k+1} (Re row, Im row) while walking back in time; ste the
   * straight-through factors of Q_x at x_k. One struct fixes the rows'
   * relative offsets (see ROW). */
  struct {
    double p[N_PARTS][ROW], g[N_PARTS][ROW], G[2][ROW], ste[2][ROW],
        bterm[ROW];
  } w;
  double *const gsum[N_PARTS] = {g->a_re, g->a_im, g->b_re,
                                 g->b_im, g->c_re, g->c_im};
  const double *ar = w.p[P_AR], *ai = w.p[P_AI], *br = w.p[P_BR],
               *bi = w.p[P_BI], *cr = w.p[P_CR], *ci = w.p[P_CI];
  double *gar = w.g[P_AR], *gai = w.g[P_AI], *gbr = w.g[P_BR],
         *gbi = w.g[P_BI], *gcr = w.g[P_CR], *gci = w.g[P_CI];
  double *Gr = w.G[0], *Gi = w.G[1], *ster = w.ste[0], *stei = w.ste[1],
         *bterm = w.bterm;
  const int qx_on = s->qx->bits > 0;
  if (!qx_on)
    for (int m = 0; m < M; m++) ster[m] = stei[m] = 1;
  for (int h = 0; h < H; h++) {
    channel_tensors(s, h, w.p);
    for (int j = 0; j < N_PARTS; j++)
      memcpy(w.g[j], gsum[j] + (size_t)h * M, sizeof(double) * M);
    const double *store = xs + (size_t)h * stored * 2 * M;
    memset(Gr, 0, sizeof(double) * M);
    memset(Gi, 0, sizeof(double) * M);
    double gd = 0;
    for (int k0 = stored * S; k0 >= 0; k0 -= S) {
      const int n = T - k0 < S ? T - k0 : S;
      /* Recompute x_k0 .. x_k0+n-1 as the forward did. */
      const double *before =
          k0 ? quantized_state(s->qx, store + (size_t)(k0 / S - 1) * 2 * M, M,
                               q0)
             : zero_state;
      const double *qstates = qx_on ? qrun : run;
      const double *prev = before;
      for (int i = 0; i < n; i++) {
        double *xi = run + (size_t)i * 2 * M;
        state_step(M, w.p, prev, s4d_q(s->qu, u[(k0 + i) * H + h]), xi);
        prev = quantized_state(s->qx, xi, M, qrun + (size_t)i * 2 * M);
      }
      for (int i = n - 1; i >= 0; i--) {
        const int k = k0 + i;
        double uk = u[k * H + h], uq = s4d_q(s->qu, uk);
        double dpre = dy[k * H + h] * s4d_ste(s->qy, pre_y[k * H + h]);
        double duq = dpre * s->d[h];
        gd += dpre * uq;
        const double *x = run + (size_t)i * 2 * M;
        const double *xq = qstates + (size_t)i * 2 * M;
        const double *pq = i ? xq - 2 * M : before;
        if (qx_on)
          for (int m = 0; m < M; m++) {
            ster[m] = aimc_quant_ste(s->qx, x[m]);
            stei[m] = aimc_quant_ste(s->qx, x[M + m]);
          }
        /* Independent per mode (vectorises); the input gradient is summed
         * afterwards in mode order. */
        for (int m = 0; m < M; m++) {
          /* dL/dx^_k: output path plus conj(Abar) G_{k+1}. */
          double dr = 2 * dpre * cr[m] + ar[m] * Gr[m] + ai[m] * Gi[m];
          double di = -2 * dpre * ci[m] - ai[m] * Gr[m] + ar[m] * Gi[m];
          gcr[m] += 2 * dpre * xq[m];
          gci[m] -= 2 * dpre * xq[M + m];
          double gr = dr * ster[m], gi = di * stei[m];
          Gr[m] = gr;
          Gi[m] = gi;
          /* dAbar = G conj(x^_{k-1}); dBbar = G u^. */
          gar[m] += gr * pq[m] + gi * pq[M + m];
          gai[m] += gi * pq[m] - gr * pq[M + m];
          gbr[m] += gr * uq;
          gbi[m] += gi * uq;
          bterm[m] = gr * br[m] + gi * bi[m];
        }
        for (int m = 0; m < M; m++) duq += bterm[m];
        du[k * H + h] += duq * s4d_ste(s->qu, uk);
      }
    }
    for (int j = 0; j < N_PARTS; j++)
      memcpy(gsum[j] + (size_t)h * M, w.g[j], sizeof(double) * M);
    g->d[h] += gd;
  }
}

void s4d_gelu_forward(int n, const double *x, double *y) {
  for (int i = 0; i < n; i++) y[i] = 0.5 * x[i] * (1 + erf(x[i] * S4D_SQRT1_2));
}

void s4d_gelu_backward(int n, const double *x, const double *dy, double *dx) {
  const double inv_sqrt_2pi = 0.39894228040143267794;
  for (int i = 0; i < n; i++) {
    double cdf = 0.5 * (1 + erf(x[i] * S4D_SQRT1_2));
    double pdf = inv_sqrt_2pi * exp(-0.5 * x[i] * x[i]);
    dx[i] = dy[i] * (cdf + x[i] * pdf);
  }
}

static double sigmoid(double x) {
  return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

void s4d_glu_forward(int T, int H, const double *z, double *y) {
  for (int t = 0; t < T; t++)
    for (int h = 0; h < H; h++) {
      const double *zt = z + (size_t)t * 2 * H;
      y[t * H + h] = zt[h] * sigmoid(zt[H + h]);
    }
}

void s4d_glu_backward(int T, int H, const double *z, const double *dy,
                      double *dz) {
  for (int t = 0; t < T; t++)
    for (int h = 0; h < H; h++) {
      const double *zt = z + (size_t)t * 2 * H;
      double *dzt = dz + (size_t)t * 2 * H;
      double sg = sigmoid(zt[H + h]), d = dy[t * H + h];
      dzt[h] = d * sg;
      dzt[H + h] = d * zt[h] * sg * (1 - sg);
    }
}

void s4d_norm_forward(int T, int H, const double *x, const double *g,
                      const double *b, double *y, double *xhat, double *rstd) {
  for (int t = 0; t < T; t++) {
    const double *xt = x + (size_t)t * H;
    double mean = 0, var = 0;
    for (int h = 0; h < H; h++) mean += xt[h];
    mean /= H;
    for (int h = 0; h < H; h++) var += (xt[h] - mean) * (xt[h] - mean);
    double r = 1 / sqrt(var / H + 1e-5);
    rstd[t] = r;
    for (int h = 0; h < H; h++) {
      double v = (xt[h] - mean) * r;
      xhat[t * H + h] = v;
      y[t * H + h] = g[h] * v + b[h];
    }
  }
}

void s4d_norm_backward(int T, int H, const double *dy, const double *xhat,
                       const double *rstd, const double *g, double *dx,
                       double *dg, double *db) {
  for (int t = 0; t < T; t++) {
    const double *dyt = dy + (size_t)t * H, *xt = xhat + (size_t)t * H;
    double s1 = 0, s2 = 0;
    for (int h = 0; h < H; h++) {
      double dxh = dyt[h] * g[h];
      s1 += dxh;
      s2 += dxh * xt[h];
      dg[h] += dyt[h] * xt[h];
      db[h] += dyt[h];
    }
    s1 /= H;
    s2 /= H;
    for (int h = 0; h < H; h++)
      dx[t * H + h] = rstd[t] * (dyt[h] * g[h] - s1 - xt[h] * s2);
  }
}

int s4d_stabilize(const aimc_quant *q, double *re, double *im) {
  if ((*re) * (*re) + (*im) * (*im) < 1) return 0;
  if (q->bits <= 0) {
    double s = (1 - 1e-6) / hypot(*re, *im);
    *re *= s;
    *im *= s;
    return 1;
  }
  if (q->bits == 1) { /* binary: no level inside the unit circle but 0 */
    *re = *im = 0;
    return 1;
  }
  int kr = aimc_quant_index(q, *re), ki = aimc_quant_index(q, *im);
  for (;;) {
    double vr = aimc_quant_value(q, kr), vi = aimc_quant_value(q, ki);
    if (vr * vr + vi * vi < 1 || (kr == 0 && ki == 0)) {
      *re = vr;
      *im = vi;
      return 1;
    }
    int *k = abs(kr) >= abs(ki) ? &kr : &ki;
    *k += *k > 0 ? -1 : 1;
  }
}

void s4d_blas_single_thread(void) { openblas_set_num_threads(1); }
