/* IR drop of a crossbar: the first-order estimate and the exact DC
 * solution of the wire network (the "nodal" solver), both as effective
 * conductance matrices so a read stays one dgemv.
 *
 * Network (the same one `aimc spice` exports): row i is driven at its left
 * end and runs through cols segments of r_wire; column j runs down through
 * rows segments of r_wire into a virtual ground at its bottom end; device
 * (i, j) joins row node a_ij and column node b_ij. Kirchhoff's current law
 * at the 2 R C nodes gives K x = f with K symmetric positive definite (a
 * grounded resistor network), solved by conjugate gradients preconditioned
 * with the exact solves of every row line and every column line on their
 * own (tridiagonal, Thomas). The network is linear, so R solves with one
 * row at 1 V give G_eff[k][j] = I_j and the input admittance Y[k][i] (the
 * current row i's driver delivers), from which a read's supply power is
 * v^T Y v. */
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "aimc/xbar.h"

void aimc_xbar_ir_first_order(int rows, int cols, const double *g_S,
                              double r_wire_Ohm, double *g_eff_S) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      size_t k = (size_t)i * cols + j;
      double g = g_S[k];
      if (r_wire_Ohm > 0) g /= 1 + g * r_wire_Ohm * ((j + 1) + (rows - i));
      g_eff_S[k] = g;
    }
}

typedef struct {
  int R, C;
  size_t n;         /* R * C */
  double w;         /* 1 / r_wire */
  const double *g;  /* device conductances, row-major */
  double *da, *db;  /* diagonal of K at the row and column nodes */
  double *ma, *mb;  /* Thomas pivots 1/d' of the row and column lines */
  double *x, *r, *z, *p, *q; /* 2n each: a (row-major), then b (row-major) */
} nodal;

/* Diagonal of K at row node (i, j): wire to the left (or the driver),
 * wire to the right unless last, the device. */
static double diag_a(const nodal *s, int i, int j) {
  return s->w * (j < s->C - 1 ? 2 : 1) + s->g[(size_t)i * s->C + j];
}
/* ... at column node (i, j): wire down (or the sense), wire up unless
 * first, the device. */
static double diag_b(const nodal *s, int i, int j) {
  return s->w * (i > 0 ? 2 : 1) + s->g[(size_t)i * s->C + j];
}

/* Thomas pivots for tridiagonals with off-diagonal -w. */
static void factor(nodal *s) {
  double e = -s->w;
  for (int i = 0; i < s->R; i++)
    for (int j = 0; j < s->C; j++) {
      s->da[(size_t)i * s->C + j] = diag_a(s, i, j);
      s->db[(size_t)i * s->C + j] = diag_b(s, i, j);
    }
  for (int i = 0; i < s->R; i++) {
    double *m = s->ma + (size_t)i * s->C;
    for (int j = 0; j < s->C; j++)
      m[j] = 1 / (s->da[(size_t)i * s->C + j] - (j ? e * e * m[j - 1] : 0));
  }
  for (int j = 0; j < s->C; j++)
    for (int i = 0; i < s->R; i++) {
      size_t k = (size_t)i * s->C + j;
      s->mb[k] = 1 / (s->db[k] - (i ? e * e * s->mb[k - s->C] : 0));
    }
}

/* z = M^-1 r: every line solved on its own. The column lines are swept
 * row by row, all columns at once (independent, stride 1, so the
 * recurrences do not serialise); the row lines likewise column by column. */
static void precond(const nodal *s, const double *r, double *z) {
  double e = -s->w;
  int R = s->R, C = s->C;
  const double *ra = r, *rb = r + s->n;
  double *za = z, *zb = z + s->n;
  for (int i = 0; i < R; i++) {
    size_t o = (size_t)i * C;
    za[o] = ra[o] * s->ma[o];
  }
  for (int j = 1; j < C; j++)
    for (int i = 0; i < R; i++) {
      size_t k = (size_t)i * C + j;
      za[k] = (ra[k] - e * za[k - 1]) * s->ma[k];
    }
  for (int j = C - 2; j >= 0; j--)
    for (int i = 0; i < R; i++) {
      size_t k = (size_t)i * C + j;
      za[k] -= e * s->ma[k] * za[k + 1];
    }
  for (int j = 0; j < C; j++) zb[j] = rb[j] * s->mb[j];
  for (int i = 1; i < R; i++) {
    const double *m = s->mb + (size_t)i * C, *f = rb + (size_t)i * C;
    double *y = zb + (size_t)i * C, *up = y - C;
    for (int j = 0; j < C; j++) y[j] = (f[j] - e * up[j]) * m[j];
  }
  for (int i = R - 2; i >= 0; i--) {
    const double *m = s->mb + (size_t)i * C;
    double *y = zb + (size_t)i * C, *down = y + C;
    for (int j = 0; j < C; j++) y[j] -= e * m[j] * down[j];
  }
}

/* q = K p. */
static void apply(const nodal *s, const double *p, double *q) {
  const double *a = p, *b = p + s->n;
  double *qa = q, *qb = q + s->n, w = s->w;
  int R = s->R, C = s->C;
  for (int i = 0; i < R; i++) {
    size_t o = (size_t)i * C;
    for (int j = 0; j < C; j++) {
      size_t k = o + j;
      double g = s->g[k];
      qa[k] = s->da[k] * a[k] - g * b[k] - (j > 0 ? w * a[k - 1] : 0) -
              (j < C - 1 ? w * a[k + 1] : 0);
      qb[k] = s->db[k] * b[k] - g * a[k] - (i > 0 ? w * b[k - C] : 0) -
              (i < R - 1 ? w * b[k + C] : 0);
    }
  }
}

static double dot(const double *u, const double *v, size_t n) {
  double t = 0;
  for (size_t k = 0; k < n; k++) t += u[k] * v[k];
  return t;
}

/* Node voltages for row `drive` at 1 V, the others at 0 V, into s->x.
 * Returns the iterations used, or -1 without convergence. */
static int solve_unit(nodal *s, int drive) {
  size_t n2 = 2 * s->n;
  memset(s->x, 0, n2 * sizeof(double));
  memset(s->r, 0, n2 * sizeof(double));
  s->r[(size_t)drive * s->C] = s->w; /* the driver through the first wire */
  precond(s, s->r, s->z);
  memcpy(s->p, s->z, n2 * sizeof(double));
  double rz = dot(s->r, s->z, n2), rz0 = rz;
  /* Stop when the energy-norm residual is down by 1e-14 and the last step
   * moved no column current by more than 1e-14 of the largest: the column
   * nodes sit near 0 V (g r_wire below the row voltages), so the residual
   * alone, dominated by the row nodes, could stop before they settle. */
  int max_it = 10 * (s->R + s->C) + 200;
  const double *b_last = s->x + s->n + (size_t)(s->R - 1) * s->C;
  const double *p_last = s->p + s->n + (size_t)(s->R - 1) * s->C;
  for (int it = 0; it < max_it; it++) {
    apply(s, s->p, s->q);
    double alpha = rz / dot(s->p, s->q, n2);
    for (size_t k = 0; k < n2; k++) {
      s->x[k] += alpha * s->p[k];
      s->r[k] -= alpha * s->q[k];
    }
    double step = 0, big = 0;
    for (int j = 0; j < s->C; j++) {
      step = fmax(step, fabs(alpha * p_last[j]));
      big = fmax(big, fabs(b_last[j]));
    }
    precond(s, s->r, s->z);
    double rz_new = dot(s->r, s->z, n2);
    if (rz_new <= 1e-28 * rz0 && step <= 1e-14 * big) return it + 1;
    double beta = rz_new / rz;
    rz = rz_new;
    for (size_t k = 0; k < n2; k++) s->p[k] = s->z[k] + beta * s->p[k];
  }
  return rz <= 1e-24 * rz0 ? max_it : -1;
}

int aimc_xbar_ir_nodal(aimc_ctx *ctx, int rows, int cols, const double *g_S,
                       double r_wire_Ohm, double *g_eff_S, double *y_S,
                       int *iters) {
  if (rows < 1 || cols < 1 || !(r_wire_Ohm > 0))
    return aimc_error(ctx, AIMC_ERANGE,
                      "nodal IR solve: needs rows, cols >= 1 and r_wire > 0 "
                      "(got %d x %d, %g Ohm)",
                      rows, cols, r_wire_Ohm);
  nodal s = {.R = rows, .C = cols, .n = (size_t)rows * cols,
             .w = 1 / r_wire_Ohm, .g = g_S};
  double *mem = aimc_malloc(ctx, 14 * s.n * sizeof(double));
  if (!mem)
    return aimc_error(ctx, AIMC_ENOMEM,
                      "nodal IR solve: out of memory for %d x %d", rows, cols);
  s.da = mem;
  s.db = mem + s.n;
  s.ma = mem + 2 * s.n;
  s.mb = mem + 3 * s.n;
  s.x = mem + 4 * s.n;
  s.r = s.x + 2 * s.n;
  s.z = s.r + 2 * s.n;
  s.p = s.z + 2 * s.n;
  s.q = s.p + 2 * s.n;
  factor(&s);
  int st = AIMC_OK, total = 0;
  for (int k = 0; k < rows && !st; k++) {
    int it = solve_unit(&s, k);
    if (it < 0) {
      st = aimc_error(ctx, AIMC_ERANGE,
                      "nodal IR solve: no convergence for %d x %d at "
                      "r_wire = %g Ohm",
                      rows, cols, r_wire_Ohm);
      break;
    }
    total += it;
    const double *b_last = s.x + s.n + (size_t)(rows - 1) * cols;
    for (int j = 0; j < cols; j++)
      g_eff_S[(size_t)k * cols + j] = s.w * b_last[j];
    /* A driver's current as the sum of its row's device currents: w (1 -
     * a_i0) would lose digits to cancellation when g r_wire is small. */
    if (y_S)
      for (int i = 0; i < rows; i++) {
        const double *a = s.x + (size_t)i * cols, *b = a + s.n;
        const double *g = g_S + (size_t)i * cols;
        double sum = 0;
        for (int j = 0; j < cols; j++) sum += g[j] * (a[j] - b[j]);
        y_S[(size_t)k * rows + i] = sum;
      }
  }
  if (iters) *iters = total;
  aimc_free(ctx, mem);
  return st;
}
