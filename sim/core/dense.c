/* Dense layers (aimc/dense.h): through OpenBLAS for training, and in the
 * simulator's fixed order for the deployed model's reference. */
#include "aimc/dense.h"

#include <cblas.h>
#include <string.h>

void aimc_dense_forward(int T, int n_in, int n_out, const double *x,
                       const double *w, const double *b, double *y) {
  for (int t = 0; t < T; t++)
    memcpy(y + (size_t)t * n_out, b, sizeof(double) * n_out);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n_out, n_in, 1.0, x,
              n_in, w, n_in, 1.0, y, n_out);
}

void aimc_dense_forward_ordered(int T, int n_in, int n_out, const double *x,
                               const double *w, const double *b, double *y) {
  for (int t = 0; t < T; t++) {
    const double *xt = x + (size_t)t * n_in;
    for (int o = 0; o < n_out; o++) {
      const double *wo = w + (size_t)o * n_in;
      double acc = 0;
      for (int i = 0; i < n_in; i++) acc += xt[i] * wo[i];
      y[(size_t)t * n_out + o] = acc + b[o];
    }
  }
}

void aimc_dense_backward(int T, int n_in, int n_out, const double *x,
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
