/* The functional crossbar: cells of one device model, cached conductance
 * matrices, and the analog MVM through BLAS (see aimc/xbar.h for the
 * read, IR-drop and noise equations). */
#include <gsl/gsl_cblas.h> /* declarations only: the symbols come from OpenBLAS */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "xbar_internal.h"

/* Everything lives in one block (so the engine can own it with
 * aimc_inst_alloc): the struct, a copy of the device and its parameters,
 * the cells and the matrices, each part 16-byte aligned. */
static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

static size_t layout(const aimc_device *dev, int rows, int cols,
                     size_t off[9]) {
  size_t n = (size_t)rows * cols, at = 0;
  size_t sizes[9] = {sizeof(aimc_xbar),
                     sizeof(aimc_device),
                     dev->model->params_size,
                     n * dev->model->cell_size,
                     n * sizeof(double),
                     n * sizeof(double),
                     n * sizeof(double),
                     n * sizeof(double),
                     ((size_t)2 * rows + cols) * sizeof(double)};
  for (int k = 0; k < 9; k++) {
    off[k] = at;
    at += align16(sizes[k]);
  }
  return at;
}

size_t aimc_xbar_bytes(const aimc_device *dev, int rows, int cols) {
  size_t off[9];
  if (rows < 1 || cols < 1) return 0;
  return layout(dev, rows, cols, off);
}

aimc_xbar *aimc_xbar_place(aimc_ctx *ctx, void *mem, const aimc_device *dev,
                           int rows, int cols, gsl_rng *rng) {
  size_t off[9];
  size_t total = layout(dev, rows, cols, off);
  char *base = mem;
  memset(base, 0, total);
  aimc_xbar *x = (aimc_xbar *)base;
  x->ctx = ctx;
  x->rows = rows;
  x->cols = cols;
  x->cell_size = dev->model->cell_size;
  x->dev = (aimc_device *)(base + off[1]);
  x->dev->model = dev->model;
  x->dev->params = base + off[2];
  memcpy(x->dev->params, dev->params, dev->model->params_size);
  x->cells = base + off[3];
  x->g = (double *)(base + off[4]);
  x->g_eff = (double *)(base + off[5]);
  x->g_eff2 = (double *)(base + off[6]);
  x->target = (double *)(base + off[7]);
  x->row_sum = (double *)(base + off[8]);
  x->scratch = x->row_sum + rows;
  const aimc_param *rn =
      aimc_params_find(dev->model->params, dev->model->n_params, "read_noise");
  x->read_noise = rn ? aimc_param_get(rn, x->dev->params) : 0;
  size_t n = (size_t)rows * cols;
  for (size_t k = 0; k < n; k++) {
    void *cell = (char *)x->cells + k * x->cell_size;
    aimc_device_cell_init(x->dev, cell, rng);
    x->target[k] = aimc_device_g(x->dev, cell);
  }
  x->ir_r_wire = 0;
  aimc_xbar_refresh(x);
  return x;
}

int aimc_xbar_alloc(aimc_ctx *ctx, const aimc_device *dev, int rows, int cols,
                    gsl_rng *rng, aimc_xbar **out) {
  *out = NULL;
  if (rows < 1 || cols < 1)
    return aimc_error(ctx, AIMC_ERANGE,
                      "crossbar: rows = %d, cols = %d must be >= 1", rows,
                      cols);
  void *mem = aimc_malloc(ctx, aimc_xbar_bytes(dev, rows, cols));
  if (!mem)
    return aimc_error(ctx, AIMC_ENOMEM,
                      "crossbar: out of memory for %d x %d cells", rows, cols);
  *out = aimc_xbar_place(ctx, mem, dev, rows, cols, rng);
  (*out)->owned = 1;
  return AIMC_OK;
}

void aimc_xbar_free(aimc_xbar *x) {
  if (x && x->owned) aimc_free(x->ctx, x);
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
  build_effective(x, x->ir_r_wire);
}

void aimc_xbar_mvm(aimc_xbar *x, const double *v, double *i_out,
                   const aimc_xbar_read_opts *o, gsl_rng *rng, double *e_J) {
  double r_wire = o && o->r_wire_Ohm > 0 ? o->r_wire_Ohm : 0;
  if (r_wire != x->ir_r_wire) build_effective(x, r_wire);
  cblas_dgemv(CblasRowMajor, CblasTrans, x->rows, x->cols, 1.0, x->g_eff,
              x->cols, v, 1, 0.0, i_out, 1);
  if (o && o->read_noise && rng && x->read_noise > 0) {
    double *v2 = x->scratch, *var = x->scratch + x->rows;
    for (int i = 0; i < x->rows; i++) v2[i] = v[i] * v[i];
    cblas_dgemv(CblasRowMajor, CblasTrans, x->rows, x->cols, 1.0, x->g_eff2,
                x->cols, v2, 1, 0.0, var, 1);
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
