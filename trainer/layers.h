/* The building blocks of the S4D network, forward and backward, for one
 * sequence of T steps held as flat row-major T x width arrays. Shared by
 * the trainer and by the exported model's reference forward, so the two
 * compute the same function; bit for bit except the dense layers, which
 * the trainer runs through BLAS and the reference in the simulator's fixed
 * order (aimc_dense_forward_ordered, aimc/dense.h). No function here
 * allocates. */
#ifndef AIMC_TRAINER_LAYERS_H
#define AIMC_TRAINER_LAYERS_H

#include <stddef.h>

#include "aimc/dense.h"
#include "aimc/quant.h"

/* C11 without extensions has no M_PI. */
#define S4D_PI 3.14159265358979323846
#define S4D_SQRT1_2 0.70710678118654752440

/* Quantizer application with a fast path for "off". */
static inline double s4d_q(const aimc_quant *q, double x) {
  return q->bits > 0 ? aimc_quant_apply(q, x) : x;
}
static inline double s4d_ste(const aimc_quant *q, double x) {
  return q->bits > 0 ? aimc_quant_ste(q, x) : 1.0;
}

/* Most complex modes per channel (stack buffers of the scan). */
#define S4D_MAX_MODES 1024

/* One S4D layer as deployed: discretised, quantized per-mode tensors of
 * H channels x M modes (index h*M + m; pruned modes hold zeros), D per
 * channel and the activation quantizers u (DAC on the input), x (ADC on
 * the state, fed back) and y (ADC on the output). */
typedef struct {
  int h, m;
  const double *a_re, *a_im, *b_re, *b_im, *c_re, *c_im, *d;
  const aimc_quant *qu, *qx, *qy;
} s4d_ssm;

/* Gradients of the deployed tensors (accumulated, same layout). */
typedef struct {
  double *a_re, *a_im, *b_re, *b_im, *c_re, *c_im, *d;
} s4d_ssm_grad;

/* The recurrence, per channel h and mode m (x_{-1} = 0):
 *   u^_k = Q_u(u_k)                      DAC
 *   x_k  = Abar x^_{k-1} + Bbar u^_k     array (complex)
 *   x^_k = Q_x(x_k)  (Re, Im each)       ADC -> state register -> DAC
 *   y_k  = Q_y(2 Re(sum_m C x^_k) + D u^_k)   ADC
 * u, y: T x H. xs (s4d_ssm_xs_len doubles) receives some of the states
 * x_k before quantization, from which the backward recomputes the others,
 * and pre_y (T x H) the value before Q_y; both are needed by the backward.
 * s4d_ssm_xs_len gives the doubles xs must hold for H channels, T steps and
 * M modes: one state per run of 4096 / 2M steps (64 at M = 32), about
 * H T 2M / 64 there. */
size_t s4d_ssm_xs_len(int H, int T, int M);
void s4d_ssm_forward(const s4d_ssm *s, int T, const double *u, double *y,
                     double *xs, double *pre_y);
/* Backward of s4d_ssm_forward with straight-through quantizers: adds the
 * input gradient to du and the tensor gradients to g. */
void s4d_ssm_backward(const s4d_ssm *s, int T, const double *u,
                      const double *xs, const double *pre_y, const double *dy,
                      double *du, const s4d_ssm_grad *g);

/* GELU (exact, erf form) elementwise; backward dx = dy * gelu'(x). */
void s4d_gelu_forward(int n, const double *x, double *y);
void s4d_gelu_backward(int n, const double *x, const double *dy, double *dx);

/* GLU over z (T x 2H): y = z[:, :H] * sigmoid(z[:, H:]). */
void s4d_glu_forward(int T, int H, const double *z, double *y);
void s4d_glu_backward(int T, int H, const double *z, const double *dy,
                      double *dz);

/* Layer norm over the H features of each row: y = g * xhat + b with
 * xhat = (x - mean) / sqrt(var + 1e-5). xhat and rstd (T) are kept. */
void s4d_norm_forward(int T, int H, const double *x, const double *g,
                      const double *b, double *y, double *xhat, double *rstd);
/* dx overwritten; dg, db accumulated. */
void s4d_norm_backward(int T, int H, const double *dy, const double *xhat,
                       const double *rstd, const double *g, double *dx,
                       double *dg, double *db);

/* Steps the larger component of a quantized complex value one level
 * toward zero until |a| < 1 (stays on the quantizer grid; with the
 * quantizer off it scales to |a| = 1 - 1e-6). Returns 1 if it changed. */
int s4d_stabilize(const aimc_quant *q, double *re, double *im);

/* Makes OpenBLAS single-threaded: the trainer parallelises over samples
 * and BLAS threads would only compete for the cores. */
void s4d_blas_single_thread(void);

#endif
