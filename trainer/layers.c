/* S4D network blocks (see layers.h). The SSM is the diagonal recurrence
 * of S4D (Gu et al. 2022, "On the Parameterization and Initialization of
 * Diagonal State Space Models") with the converter quantizers of IMSSA
 * (arXiv 2412.20215); the rest is standard dense / GELU / GLU / norm. */
#include "layers.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void s4d_ssm_forward(const s4d_ssm *s, int T, const double *u, double *y,
                     double *xs, double *pre_y) {
  const int H = s->h, M = s->m;
  for (int h = 0; h < H; h++) {
    double *xh = xs + (size_t)h * T * M * 2;
    const double *ar = s->a_re + h * M, *ai = s->a_im + h * M;
    const double *br = s->b_re + h * M, *bi = s->b_im + h * M;
    const double *cr = s->c_re + h * M, *ci = s->c_im + h * M;
    const unsigned char *mask = s->mask ? s->mask + h * M : NULL;
    for (int k = 0; k < T; k++) {
      double uq = s4d_q(s->qu, u[k * H + h]);
      double *x = xh + (size_t)k * M * 2;
      const double *xp = k ? x - M * 2 : NULL;
      double acc = 0;
      for (int m = 0; m < M; m++) {
        if (mask && !mask[m]) {
          x[2 * m] = x[2 * m + 1] = 0;
          continue;
        }
        double pr = 0, pi = 0;
        if (xp) {
          pr = s4d_q(s->qx, xp[2 * m]);
          pi = s4d_q(s->qx, xp[2 * m + 1]);
        }
        double xr = ar[m] * pr - ai[m] * pi + br[m] * uq;
        double xi = ar[m] * pi + ai[m] * pr + bi[m] * uq;
        x[2 * m] = xr;
        x[2 * m + 1] = xi;
        acc += cr[m] * s4d_q(s->qx, xr) - ci[m] * s4d_q(s->qx, xi);
      }
      double pre = 2 * acc + s->d[h] * uq;
      pre_y[k * H + h] = pre;
      y[k * H + h] = s4d_q(s->qy, pre);
    }
  }
}

void s4d_ssm_backward(const s4d_ssm *s, int T, const double *u,
                      const double *xs, const double *pre_y, const double *dy,
                      double *du, const s4d_ssm_grad *g) {
  const int H = s->h, M = s->m;
  /* G holds dL/dx_{k+1} (complex, per mode) while walking back in time;
   * it is kept in the (unused) gradient slots of a small stack buffer. */
  enum { MAXM = 1024 };
  double G[2 * MAXM];
  for (int h = 0; h < H; h++) {
    const double *xh = xs + (size_t)h * T * M * 2;
    const double *ar = s->a_re + h * M, *ai = s->a_im + h * M;
    const double *br = s->b_re + h * M, *bi = s->b_im + h * M;
    const double *cr = s->c_re + h * M, *ci = s->c_im + h * M;
    double *gar = g->a_re + h * M, *gai = g->a_im + h * M;
    double *gbr = g->b_re + h * M, *gbi = g->b_im + h * M;
    double *gcr = g->c_re + h * M, *gci = g->c_im + h * M;
    const unsigned char *mask = s->mask ? s->mask + h * M : NULL;
    memset(G, 0, sizeof(double) * 2 * M);
    double gd = 0;
    for (int k = T - 1; k >= 0; k--) {
      double uk = u[k * H + h], uq = s4d_q(s->qu, uk);
      double dpre = dy[k * H + h] * s4d_ste(s->qy, pre_y[k * H + h]);
      double duq = dpre * s->d[h];
      gd += dpre * uq;
      const double *x = xh + (size_t)k * M * 2;
      const double *xp = k ? x - M * 2 : NULL;
      for (int m = 0; m < M; m++) {
        if (mask && !mask[m]) continue;
        double xr = x[2 * m], xi = x[2 * m + 1];
        double xhr = s4d_q(s->qx, xr), xhi = s4d_q(s->qx, xi);
        /* dL/dx^_k: output path plus conj(Abar) G_{k+1}. */
        double dr = 2 * dpre * cr[m] + ar[m] * G[2 * m] + ai[m] * G[2 * m + 1];
        double di = -2 * dpre * ci[m] - ai[m] * G[2 * m] + ar[m] * G[2 * m + 1];
        gcr[m] += 2 * dpre * xhr;
        gci[m] -= 2 * dpre * xhi;
        double Gr = dr * s4d_ste(s->qx, xr), Gi = di * s4d_ste(s->qx, xi);
        G[2 * m] = Gr;
        G[2 * m + 1] = Gi;
        double pr = 0, pi = 0;
        if (xp) {
          pr = s4d_q(s->qx, xp[2 * m]);
          pi = s4d_q(s->qx, xp[2 * m + 1]);
        }
        /* dAbar = G conj(x^_{k-1}); dBbar = G u^. */
        gar[m] += Gr * pr + Gi * pi;
        gai[m] += Gi * pr - Gr * pi;
        gbr[m] += Gr * uq;
        gbi[m] += Gi * uq;
        duq += Gr * br[m] + Gi * bi[m];
      }
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
