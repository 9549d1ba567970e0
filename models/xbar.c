/* The functional crossbar: cells of one device model, cached conductance
 * matrices, and the analog MVM through BLAS (see aimc/xbar.h for the
 * read, IR-drop and noise equations). */
#include <gsl/gsl_cblas.h> /* declarations only: the symbols come from OpenBLAS */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "aimc/status.h"
#include "xbar_internal.h"

int aimc_xbar_alloc(aimc_ctx *ctx, const aimc_device *dev, int rows, int cols, gsl_rng *rng,
                    aimc_xbar **out) {
  *out = NULL;
  if (rows < 1 || cols < 1)
    return aimc_error(ctx, AIMC_ERANGE, "crossbar: rows = %d, cols = %d must be >= 1", rows,
                      cols);
  size_t n = (size_t)rows * cols;
  aimc_xbar *x = aimc_calloc(ctx, 1, sizeof *x);
  if (!x) return aimc_error(ctx, AIMC_ENOMEM, "crossbar: out of memory");
  x->ctx = ctx;
  x->rows = rows;
  x->cols = cols;
  x->cell_size = aimc_device_cell_size(dev);
  int rc = aimc_device_clone(ctx, dev, &x->dev);
  if (!rc) {
    x->cells = aimc_calloc(ctx, n, x->cell_size);
    x->g = aimc_calloc(ctx, n, sizeof(double));
    x->g_eff = aimc_calloc(ctx, n, sizeof(double));
    x->g_eff2 = aimc_calloc(ctx, n, sizeof(double));
    x->target = aimc_calloc(ctx, n, sizeof(double));
    x->row_sum = aimc_calloc(ctx, rows, sizeof(double));
    x->scratch = aimc_calloc(ctx, (size_t)rows + cols, sizeof(double));
    if (!x->cells || !x->g || !x->g_eff || !x->g_eff2 || !x->target || !x->row_sum ||
        !x->scratch)
      rc = aimc_error(ctx, AIMC_ENOMEM, "crossbar: out of memory for %d x %d cells", rows,
                      cols);
  }
  if (rc) {
    aimc_xbar_free(x);
    return rc;
  }
  const aimc_param *rn = aimc_params_find(dev->model->params, dev->model->n_params, "read_noise");
  x->read_noise = rn ? aimc_param_get(rn, x->dev->params) : 0;
  for (size_t k = 0; k < n; k++) {
    void *cell = (char *)x->cells + k * x->cell_size;
    aimc_device_cell_init(x->dev, cell, rng);
    x->target[k] = aimc_device_g(x->dev, cell);
  }
  x->ir_r_wire = -1; /* forces the first refresh to build g_eff */
  aimc_xbar_refresh(x);
  *out = x;
  return AIMC_OK;
}

void aimc_xbar_free(aimc_xbar *x) {
  if (!x) return;
  aimc_ctx *ctx = x->ctx;
  aimc_device_free(ctx, x->dev);
  aimc_free(ctx, x->cells);
  aimc_free(ctx, x->g);
  aimc_free(ctx, x->g_eff);
  aimc_free(ctx, x->g_eff2);
  aimc_free(ctx, x->target);
  aimc_free(ctx, x->row_sum);
  aimc_free(ctx, x->scratch);
  aimc_free(ctx, x);
}

int aimc_xbar_rows(const aimc_xbar *x) { return x->rows; }
int aimc_xbar_cols(const aimc_xbar *x) { return x->cols; }
const aimc_device *aimc_xbar_device(const aimc_xbar *x) { return x->dev; }

void *aimc_xbar_cell(aimc_xbar *x, int row, int col) {
  return (char *)x->cells + ((size_t)row * x->cols + col) * x->cell_size;
}

double aimc_xbar_g(const aimc_xbar *x, int row, int col) {
  return x->g[(size_t)row * x->cols + col];
}

void aimc_xbar_set_g(aimc_xbar *x, int row, int col, double g_S) {
  aimc_device_set_g(x->dev, aimc_xbar_cell(x, row, col), g_S);
  aimc_xbar_refresh(x);
}

const double *aimc_xbar_gmatrix(const aimc_xbar *x) { return x->g; }

/* Rebuilds g_eff, its square and the row sums for wire resistance r. */
static void build_effective(aimc_xbar *x, double r_wire) {
  for (int i = 0; i < x->rows; i++) {
    double sum = 0;
    for (int j = 0; j < x->cols; j++) {
      size_t k = (size_t)i * x->cols + j;
      double g = x->g[k];
      if (r_wire > 0) g /= 1 + g * r_wire * ((j + 1) + (x->rows - i));
      x->g_eff[k] = g;
      x->g_eff2[k] = g * g;
      sum += g;
    }
    x->row_sum[i] = sum;
  }
  x->ir_r_wire = r_wire;
}

void aimc_xbar_refresh(aimc_xbar *x) {
  size_t n = (size_t)x->rows * x->cols;
  for (size_t k = 0; k < n; k++)
    x->g[k] = aimc_device_g(x->dev, (char *)x->cells + k * x->cell_size);
  build_effective(x, x->ir_r_wire < 0 ? 0 : x->ir_r_wire);
}

void aimc_xbar_mvm(aimc_xbar *x, const double *v, double *i_out, const aimc_xbar_read_opts *o,
                   gsl_rng *rng, double *e_J) {
  double r_wire = o && o->r_wire_Ohm > 0 ? o->r_wire_Ohm : 0;
  if (r_wire != x->ir_r_wire) build_effective(x, r_wire);
  cblas_dgemv(CblasRowMajor, CblasTrans, x->rows, x->cols, 1.0, x->g_eff, x->cols, v, 1, 0.0,
              i_out, 1);
  if (o && o->read_noise && rng && x->read_noise > 0) {
    double *v2 = x->scratch, *var = x->scratch + x->rows;
    for (int i = 0; i < x->rows; i++) v2[i] = v[i] * v[i];
    cblas_dgemv(CblasRowMajor, CblasTrans, x->rows, x->cols, 1.0, x->g_eff2, x->cols, v2, 1,
                0.0, var, 1);
    for (int j = 0; j < x->cols; j++)
      i_out[j] += gsl_ran_gaussian_ziggurat(rng, x->read_noise * sqrt(var[j]));
  }
  if (e_J && o) {
    double p = 0;
    for (int i = 0; i < x->rows; i++) p += v[i] * v[i] * x->row_sum[i];
    *e_J += p * o->t_read_s;
  }
}

void aimc_xbar_age(aimc_xbar *x, double dt_s) {
  size_t n = (size_t)x->rows * x->cols;
  for (size_t k = 0; k < n; k++)
    aimc_device_age(x->dev, (char *)x->cells + k * x->cell_size, dt_s);
  aimc_xbar_refresh(x);
}

int aimc_xbar_set_targets(aimc_xbar *x, const double *g_S) {
  memcpy(x->target, g_S, (size_t)x->rows * x->cols * sizeof(double));
  return AIMC_OK;
}

const double *aimc_xbar_targets(const aimc_xbar *x) { return x->target; }
