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

/* State layout: for channel h and step k, xs + (h*T + k)*2M holds the M
 * real parts then the M imaginary parts (unit stride, so the mode loops
 * vectorise). With Q_x off the quantized state is the state itself. */
static const double *quantized_state(const aimc_quant *qx, const double *x,
                                     int M, double *buf) {
  if (qx->bits <= 0) return x;
  for (int i = 0; i < 2 * M; i++) buf[i] = aimc_quant_apply(qx, x[i]);
  return buf;
}

void s4d_ssm_forward(const s4d_ssm *s, int T, const double *u, double *y,
                     double *xs, double *pre_y) {
  const int H = s->h, M = s->m;
  double qbuf[2][2 * S4D_MAX_MODES];
  static const double zero[2 * S4D_MAX_MODES];
  for (int h = 0; h < H; h++) {
    const double *ar = s->a_re + h * M, *ai = s->a_im + h * M;
    const double *br = s->b_re + h * M, *bi = s->b_im + h * M;
    const double *cr = s->c_re + h * M, *ci = s->c_im + h * M;
    const double *prev = zero; /* x^_{k-1} */
    for (int k = 0; k < T; k++) {
      double uq = s4d_q(s->qu, u[k * H + h]);
      double *x = xs + ((size_t)h * T + k) * 2 * M;
      for (int m = 0; m < M; m++) {
        double pr = prev[m], pi = prev[M + m];
        x[m] = ar[m] * pr - ai[m] * pi + br[m] * uq;
        x[M + m] = ar[m] * pi + ai[m] * pr + bi[m] * uq;
      }
      const double *xq = quantized_state(s->qx, x, M, qbuf[k & 1]);
      double acc = 0;
      for (int m = 0; m < M; m++) acc += cr[m] * xq[m] - ci[m] * xq[M + m];
      double pre = 2 * acc + s->d[h] * uq;
      pre_y[k * H + h] = pre;
      y[k * H + h] = s4d_q(s->qy, pre);
      prev = xq;
    }
  }
}

void s4d_ssm_backward(const s4d_ssm *s, int T, const double *u,
                      const double *xs, const double *pre_y, const double *dy,
                      double *du, const s4d_ssm_grad *g) {
  const int H = s->h, M = s->m;
  /* G holds dL/dx_{k+1} (Re plane, Im plane) while walking back in time. */
  double G[2 * S4D_MAX_MODES], qk[2 * S4D_MAX_MODES], qp[2 * S4D_MAX_MODES];
  double ste[2 * S4D_MAX_MODES], bterm[S4D_MAX_MODES];
  static const double zero[2 * S4D_MAX_MODES];
  const int qx_on = s->qx->bits > 0;
  if (!qx_on)
    for (int i = 0; i < 2 * M; i++) ste[i] = 1;
  for (int h = 0; h < H; h++) {
    const double *ar = s->a_re + h * M, *ai = s->a_im + h * M;
    const double *br = s->b_re + h * M, *bi = s->b_im + h * M;
    const double *cr = s->c_re + h * M, *ci = s->c_im + h * M;
    double *gar = g->a_re + h * M, *gai = g->a_im + h * M;
    double *gbr = g->b_re + h * M, *gbi = g->b_im + h * M;
    double *gcr = g->c_re + h * M, *gci = g->c_im + h * M;
    memset(G, 0, sizeof(double) * 2 * M);
    double gd = 0;
    for (int k = T - 1; k >= 0; k--) {
      double uk = u[k * H + h], uq = s4d_q(s->qu, uk);
      double dpre = dy[k * H + h] * s4d_ste(s->qy, pre_y[k * H + h]);
      double duq = dpre * s->d[h];
      gd += dpre * uq;
      const double *x = xs + ((size_t)h * T + k) * 2 * M;
      const double *xq = quantized_state(s->qx, x, M, qk);
      const double *pq = k ? quantized_state(s->qx, x - 2 * M, M, qp) : zero;
      if (qx_on)
        for (int i = 0; i < 2 * M; i++) ste[i] = aimc_quant_ste(s->qx, x[i]);
      /* Independent per mode (vectorises); the input gradient is summed
       * afterwards in mode order. */
      for (int m = 0; m < M; m++) {
        /* dL/dx^_k: output path plus conj(Abar) G_{k+1}. */
        double dr = 2 * dpre * cr[m] + ar[m] * G[m] + ai[m] * G[M + m];
        double di = -2 * dpre * ci[m] - ai[m] * G[m] + ar[m] * G[M + m];
        gcr[m] += 2 * dpre * xq[m];
        gci[m] -= 2 * dpre * xq[M + m];
        double Gr = dr * ste[m], Gi = di * ste[M + m];
        G[m] = Gr;
        G[M + m] = Gi;
        /* dAbar = G conj(x^_{k-1}); dBbar = G u^. */
        gar[m] += Gr * pq[m] + Gi * pq[M + m];
        gai[m] += Gi * pq[m] - Gr * pq[M + m];
        gbr[m] += Gr * uq;
        gbi[m] += Gi * uq;
        bterm[m] = Gr * br[m] + Gi * bi[m];
      }
      for (int m = 0; m < M; m++) duq += bterm[m];
      du[k * H + h] += duq * s4d_ste(s->qu, uk);
    }
    g->d[h] += gd;
  }
}

void s4d_dense_forward(int T, int n_in, int n_out, const double *x,
                       const double *w, const double *b, double *y) {
  for (int t = 0; t < T; t++)
    memcpy(y + (size_t)t * n_out, b, sizeof(double) * n_out);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n_out, n_in, 1.0, x,
              n_in, w, n_in, 1.0, y, n_out);
}

void s4d_dense_backward(int T, int n_in, int n_out, const double *x,
                        const double *w, const double *dy, double *dx,
                        double *dw, double *db) {
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_out, n_in, T, 1.0, dy,
              n_out, x, n_in, 1.0, dw, n_in);
  for (int t = 0; t < T; t++)
    for (int o = 0; o < n_out; o++) db[o] += dy[(size_t)t * n_out + o];
  if (dx)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, n_in, n_out, 1.0,
                dy, n_out, w, n_in, 0.0, dx, n_in);
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
