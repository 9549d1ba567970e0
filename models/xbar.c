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
 * the cells and the matrices, and one spare cell (ageing values), each
 * part 16-byte aligned. */
static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

static size_t layout(const aimc_device *dev, int rows, int cols,
                     size_t off[11]) {
  size_t n = (size_t)rows * cols, at = 0;
  size_t sizes[11] = {sizeof(aimc_xbar),
                     sizeof(aimc_device),
                     dev->model->params_size,
                     n * dev->model->cell_size,
                     n * sizeof(double),
                     n * sizeof(double),
                     n * sizeof(double),
                     n * sizeof(double),
                     ((size_t)2 * rows + cols) * sizeof(double),
                     (size_t)rows * rows * sizeof(double),
                     dev->model->cell_size};
  for (int k = 0; k < 11; k++) {
    off[k] = at;
    at += align16(sizes[k]);
  }
  return at;
}

size_t aimc_xbar_bytes(const aimc_device *dev, int rows, int cols) {
  size_t off[11];
  if (rows < 1 || cols < 1) return 0;
  return layout(dev, rows, cols, off);
}

aimc_xbar *aimc_xbar_place(aimc_ctx *ctx, void *mem, const aimc_device *dev,
                           int rows, int cols, gsl_rng *rng) {
  size_t off[11];
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
  x->y_in = (double *)(base + off[9]);
  x->spare_cell = base + off[10];
  x->read_noise = aimc_device_read_noise(x->dev);
  size_t n = (size_t)rows * cols;
  for (size_t k = 0; k < n; k++) {
    void *cell = (char *)x->cells + k * x->cell_size;
    aimc_device_cell_init(x->dev, cell, rng);
    x->target[k] = aimc_device_g(x->dev, cell);
  }
  x->ir_r_wire = 0;
  x->ir_solver = x->ir_mode = AIMC_XBAR_IR_FIRST_ORDER;
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
  void *cell = aimc_xbar_cell(x, row, col);
  aimc_device_set_g(x->dev, cell, g_S);
  if (x->by_value && !aimc_device_stuck(x->dev, cell)) x->g[(size_t)row * x->cols + col] = g_S;
  aimc_xbar_refresh(x);
}

const double *aimc_xbar_gmatrix(const aimc_xbar *x) { return x->g; }

/* Rebuilds g_eff, its square, the row sums and (nodal) the input
 * admittance for wire resistance r and the given solver. */
static int build_effective(aimc_xbar *x, double r_wire, int solver) {
  if (!(r_wire > 0)) solver = AIMC_XBAR_IR_FIRST_ORDER;
  int st = AIMC_OK;
  if (solver == AIMC_XBAR_IR_NODAL)
    st = aimc_xbar_ir_nodal(x->ctx, x->rows, x->cols, x->g, r_wire, x->g_eff,
                            x->y_in, NULL);
  if (solver != AIMC_XBAR_IR_NODAL || st)
    aimc_xbar_ir_first_order(x->rows, x->cols, x->g, r_wire, x->g_eff);
  for (int i = 0; i < x->rows; i++) {
    double sum = 0;
    for (int j = 0; j < x->cols; j++) {
      size_t k = (size_t)i * x->cols + j;
      x->g_eff2[k] = x->g_eff[k] * x->g_eff[k];
      sum += x->g_eff[k];
    }
    x->row_sum[i] = sum;
  }
  x->ir_r_wire = r_wire;
  x->ir_solver = st ? AIMC_XBAR_IR_FIRST_ORDER : solver;
  if (st) x->ir_mode = AIMC_XBAR_IR_FIRST_ORDER; /* do not retry per read */
  x->ir_y_valid = !st && solver == AIMC_XBAR_IR_NODAL;
  x->eff_valid = 1;
  return st;
}

int aimc_xbar_set_ir(aimc_xbar *x, int solver, double r_wire_Ohm) {
  if (solver != AIMC_XBAR_IR_FIRST_ORDER && solver != AIMC_XBAR_IR_NODAL)
    return aimc_error(x->ctx, AIMC_ERANGE, "crossbar: unknown IR solver %d",
                      solver);
  x->ir_mode = solver;
  return build_effective(x, r_wire_Ohm > 0 ? r_wire_Ohm : 0, solver);
}

void aimc_xbar_refresh(aimc_xbar *x) {
  size_t n = (size_t)x->rows * x->cols;
  for (size_t k = 0; k < n; k++) {
    const void *cell = (char *)x->cells + k * x->cell_size;
    if (!x->by_value || aimc_device_stuck(x->dev, cell)) x->g[k] = aimc_device_g(x->dev, cell);
  }
  /* The nodal solve is costly: rebuilt at the next read, not per cell. */
  x->eff_valid = 0;
}

/* The effective matrices for wire resistance r_wire, rebuilt when stale.
 * A failed nodal solve (no memory) falls back to first order, with a
 * warning. */
static void ensure_effective(aimc_xbar *x, double r_wire) {
  int solver = r_wire > 0 ? x->ir_mode : AIMC_XBAR_IR_FIRST_ORDER;
  if (x->eff_valid && r_wire == x->ir_r_wire && solver == x->ir_solver)
    return;
  if (build_effective(x, r_wire, solver))
    aimc_log(x->ctx, AIMC_LOG_WARN,
             "crossbar: nodal IR solve failed (%s); using the first-order "
             "estimate",
             aimc_ctx_errmsg(x->ctx));
}

void aimc_xbar_mvm(aimc_xbar *x, const double *v, double *i_out,
                   const aimc_xbar_read_opts *o, gsl_rng *rng, double *e_J) {
  ensure_effective(x, o && o->r_wire_Ohm > 0 ? o->r_wire_Ohm : 0);
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
  if (e_J && o) *e_J += aimc_xbar_read_power(x, v) * o->t_read_s;
}

double aimc_xbar_read_power(aimc_xbar *x, const double *v) {
  double p = 0;
  ensure_effective(x, x->ir_r_wire);
  if (x->ir_y_valid) {
    /* Supply power v^T Y v of the exact network (wires included). */
    double *yv = x->scratch;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, x->rows, x->rows, 1.0, x->y_in,
                x->rows, v, 1, 0.0, yv, 1);
    for (int i = 0; i < x->rows; i++) p += v[i] * yv[i];
  } else {
    for (int i = 0; i < x->rows; i++) p += v[i] * v[i] * x->row_sum[i];
  }
  return p;
}

const double *aimc_xbar_geff(aimc_xbar *x, double r_wire_Ohm) {
  ensure_effective(x, r_wire_Ohm > 0 ? r_wire_Ohm : 0);
  return x->g_eff;
}

double aimc_xbar_age_value(const aimc_device *dev, void *cell, double g_S, double dt_s) {
  aimc_device_cell_init(dev, cell, NULL);
  aimc_device_set_g(dev, cell, g_S);
  aimc_device_age(dev, cell, dt_s);
  return aimc_device_g(dev, cell);
}

void aimc_xbar_age(aimc_xbar *x, double dt_s) {
  size_t n = (size_t)x->rows * x->cols;
  for (size_t k = 0; k < n; k++) {
    void *cell = (char *)x->cells + k * x->cell_size;
    if (x->by_value && !aimc_device_stuck(x->dev, cell))
      x->g[k] = aimc_xbar_age_value(x->dev, x->spare_cell, x->g[k], dt_s);
    else
      aimc_device_age(x->dev, cell, dt_s);
  }
  aimc_xbar_refresh(x);
}

int aimc_xbar_set_targets(aimc_xbar *x, const double *g_S) {
  memcpy(x->target, g_S, (size_t)x->rows * x->cols * sizeof(double));
  return AIMC_OK;
}

const double *aimc_xbar_targets(const aimc_xbar *x) { return x->target; }
