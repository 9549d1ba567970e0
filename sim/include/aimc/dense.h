/* Dense layers y = x W^T + b over T rows, forward and backward: the
 * trainer's encoder, mixing and decoder layers and the device inverse's
 * network (models/program_nn.c) share them, so they live in the core. */
#ifndef AIMC_DENSE_H
#define AIMC_DENSE_H

/* Dense layer y = x W^T + b for T rows; W is n_out x n_in. Through BLAS
 * (OpenBLAS), whose summation order depends on the shape, the CPU and the
 * library version: for training. */
void aimc_dense_forward(int T, int n_in, int n_out, const double *x,
                        const double *w, const double *b, double *y);
/* The same product in one fixed order, the simulator's (sim/infer/run.c,
 * digital dense layers): y = (sum over i = 0, 1, ... of x_i w_i) + b. For
 * the deployed model's reference forward, which the hardware runner must
 * match bit for bit. */
void aimc_dense_forward_ordered(int T, int n_in, int n_out, const double *x,
                                const double *w, const double *b, double *y);
/* dW += dy^T x, db += sum dy, dx = dy W (dx may be NULL; overwritten). */
void aimc_dense_backward(int T, int n_in, int n_out, const double *x,
                         const double *w, const double *dy, double *dx,
                         double *dw, double *db);

#endif
