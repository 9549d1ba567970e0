/* The one programming of a crossbar (ideal, Gaussian, write-verify,
 * one-shot, neural one-shot, hybrid) that `aimc run` and the crossbar
 * event model share, with its random streams keyed by the instance name;
 * target CSV files and cell-state dumps. */
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "xbar_internal.h"

#define AIMC_PROG_KEY_(name, key) key,
const char *const aimc_prog_mode_keys[] = {AIMC_PROG_MODES(AIMC_PROG_KEY_) NULL};
#undef AIMC_PROG_KEY_

int aimc_prog_mode_by_devices(int mode) {
  return mode >= AIMC_XBAR_PROG_WRITE_VERIFY && mode < AIMC_XBAR_PROG_COUNT;
}

int aimc_prog_mode_needs_nn(int mode) {
  return mode == AIMC_XBAR_PROG_ONE_SHOT_NN || mode == AIMC_XBAR_PROG_HYBRID;
}

int aimc_prog_mode_nn(aimc_ctx *ctx, int mode, const char *nn_file, const aimc_device *dev,
                      const char *who, aimc_nninv **out) {
  *out = NULL;
  if (!aimc_prog_mode_needs_nn(mode)) return AIMC_OK;
  if (!*nn_file)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: program: %s needs nn_file (the crossbar's, or programming.nn_file)", who,
                      aimc_prog_mode_keys[mode]);
  char what[AIMC_PARAM_STRLEN + 96];
  snprintf(what, sizeof what, "%s: nn_file %s", who, nn_file);
  int st = aimc_nninv_load(ctx, nn_file, out);
  if (!st) st = aimc_nninv_check_device(ctx, *out, dev, what);
  if (st) {
    aimc_nninv_free(ctx, *out);
    *out = NULL;
  }
  return st;
}

void aimc_xbar_prog_defaults(aimc_xbar_prog_opts *o) {
  memset(o, 0, sizeof *o);
  o->mode = AIMC_XBAR_PROG_IDEAL;
  aimc_wv_defaults(&o->wv);
  o->oneshot_samples = 4000;
  o->hybrid_k = 20;
  o->hybrid_verify = AIMC_HYBRID_NN;
}

static int hist_bin(int pulses) {
  int b = 0;
  while (b < 7 && pulses >= (1 << b)) b++;
  return b;
}

void aimc_xbar_streams_init(aimc_xbar_streams *s, uint64_t seed, const char *name) {
  /* The instance's key as the engine derives it, then one stream each. */
  uint64_t key = aimc_seed_derive(seed, aimc_hash_str(name));
  gsl_rng *r[2] = {&s->cells, &s->program};
  const char *what[2] = {"aimc.program.cells", "aimc.program"};
  for (int i = 0; i < 2; i++) {
    *r[i] = (gsl_rng){gsl_rng_taus2, s->state_[i]};
    gsl_rng_set(r[i], (unsigned long)aimc_seed_derive(key, aimc_hash_str(what[i])));
  }
}

/* The value a value mode (IDEAL, GAUSSIAN) gives healthy cell k. */
static double program_value(const aimc_xbar_prog_opts *o, size_t k, double target,
                            double g_lo, double g_hi, gsl_rng *rng) {
  if (o->mode != AIMC_XBAR_PROG_GAUSSIAN || (o->pulsed && !o->pulsed[k]) || !rng ||
      !(o->sigma_g_S > 0))
    return target;
  return fmin(g_hi, fmax(g_lo, target + gsl_ran_gaussian_ziggurat(rng, o->sigma_g_S)));
}

int aimc_xbar_program(aimc_xbar *x, const aimc_xbar_prog_opts *o, gsl_rng *rng,
                      aimc_prog_totals *tot) {
  aimc_prog_totals t = {0};
  aimc_oneshot *os = NULL;
  if (o->mode == AIMC_XBAR_PROG_ONE_SHOT) {
    int rc = aimc_oneshot_fit(x->ctx, x->dev, o->oneshot_samples, rng, &os);
    if (rc) return rc;
  }
  if (o->mode == AIMC_XBAR_PROG_ONE_SHOT_NN || o->mode == AIMC_XBAR_PROG_HYBRID) {
    if (!o->nn)
      return aimc_error(x->ctx, AIMC_EINVAL,
                        "crossbar: neural programming needs a trained inverse "
                        "(aimc device train-inverse)");
    int rc = aimc_nninv_check_device(x->ctx, o->nn, x->dev, "crossbar");
    if (rc) return rc;
  }
  double g_lo, g_hi, se = 0;
  aimc_device_window(x->dev, &g_lo, &g_hi);
  int by_value = !aimc_prog_mode_by_devices(o->mode);
  size_t n = (size_t)x->rows * x->cols;
  for (size_t k = 0; k < n; k++) {
    void *cell = (char *)x->cells + k * x->cell_size;
    double target = x->target[k];
    aimc_prog_result r = {0};
    t.cells++;
    if (aimc_device_stuck(x->dev, cell)) {
      t.stuck++;
      continue;
    }
    switch (o->mode) {
      case AIMC_XBAR_PROG_IDEAL:
      case AIMC_XBAR_PROG_GAUSSIAN:
        /* The value is what the array holds; the cell's state follows as
         * near as its own window lets it (for a later pass by devices). */
        x->g[k] = program_value(o, k, target, g_lo, g_hi, rng);
        aimc_device_set_g(x->dev, cell, x->g[k]);
        break;
      case AIMC_XBAR_PROG_WRITE_VERIFY:
        aimc_wv_program(x->dev, &o->wv, cell, target, rng, &r);
        break;
      case AIMC_XBAR_PROG_ONE_SHOT:
        aimc_oneshot_program(os, cell, target, o->wv.tol_S, rng, &r);
        break;
      case AIMC_XBAR_PROG_ONE_SHOT_NN:
        aimc_nninv_program(o->nn, x->dev, cell, target, o->wv.tol_S, rng, &r);
        break;
      case AIMC_XBAR_PROG_HYBRID:
        aimc_nninv_hybrid(o->nn, x->dev, &o->wv, o->hybrid_k, o->hybrid_verify,
                          cell, target, rng, &r);
        break;
      default: /* aimc_xbar_prog_opts checked by the callers' param tables */
        break;
    }
    double err = (by_value ? x->g[k] : aimc_device_g(x->dev, cell)) - target;
    t.converged += fabs(err) <= o->wv.tol_S;
    t.pulses += r.pulses;
    t.reads += r.reads;
    t.e_J += r.e_J;
    t.t_s += r.t_s;
    t.hist[hist_bin(r.pulses)]++;
    se += err * err;
    if (fabs(err) > t.max_err_S) t.max_err_S = fabs(err);
  }
  long healthy = t.cells - t.stuck;
  t.rms_err_S = healthy ? sqrt(se / healthy) : 0;
  aimc_oneshot_free(x->ctx, os);
  x->by_value = by_value;
  aimc_xbar_refresh(x);
  if (tot) *tot = t;
  return AIMC_OK;
}

/* Reads a rows x cols CSV of values >= 0 (at most `max`, which names
 * them in messages as `what`) into g; errors name the file, line and
 * column. */
int aimc_xbar_read_targets(aimc_ctx *ctx, const char *path, int rows, int cols, double *g) {
  char *text = NULL;
  int rc = aimc_read_text(ctx, path, "targets file", &text, NULL);
  if (rc) return rc;
  int row = 0, line = 0;
  char *cursor = text, *s, *p;
  while (!rc && (p = aimc_text_line(&cursor, &line, &s))) {
    if (row >= rows) {
      rc = aimc_error(ctx, AIMC_ESHAPE, "%s:%d:1: more than rows = %d lines of targets", path,
                      line, rows);
      break;
    }
    for (int col = 0; col < cols && !rc; col++) {
      char *end;
      errno = 0;
      double v = strtod(p, &end);
      int col_pos = (int)(p - s) + 1;
      while (*end == ' ' || *end == '\t') end++;
      if (end == p || errno || !isfinite(v) || v < 0)
        rc = aimc_error(ctx, AIMC_EFORMAT, "%s:%d:%d: target %d is not a conductance >= 0 in S",
                        path, line, col_pos, col + 1);
      else if (col + 1 < cols && *end != ',')
        rc = aimc_error(ctx, AIMC_ESHAPE, "%s:%d:%d: expected cols = %d values, found %d", path,
                        line, (int)(end - s) + 1, cols, col + 1);
      g[(size_t)row * cols + col] = v;
      p = end + 1;
      if (!rc && col + 1 == cols) {
        while (*end == '\r') end++;
        if (*end)
          rc = aimc_error(ctx, AIMC_ESHAPE, "%s:%d:%d: more than cols = %d values", path, line,
                          (int)(end - s) + 1, cols);
      }
    }
    row++;
  }
  if (!rc && row < rows)
    rc = aimc_error(ctx, AIMC_ESHAPE, "%s: %d lines of targets, expected rows = %d", path, row,
                    rows);
  aimc_free(ctx, text);
  return rc;
}

int aimc_xbar_load_targets(aimc_xbar *x, const char *path) {
  size_t n = (size_t)x->rows * x->cols;
  double *g = aimc_calloc(x->ctx, n, sizeof(double));
  if (!g) return aimc_error(x->ctx, AIMC_ENOMEM, "%s: out of memory", path);
  int rc = aimc_xbar_read_targets(x->ctx, path, x->rows, x->cols, g);
  if (!rc) aimc_xbar_set_targets(x, g);
  aimc_free(x->ctx, g);
  return rc;
}

int aimc_xbar_dump(aimc_xbar *x, const char *path) {
  aimc_atomic_file *f;
  int rc = aimc_atomic_open(x->ctx, path, &f);
  if (rc) return rc;
  FILE *out = aimc_atomic_stream(f);
  fprintf(out, "row,col,g_S,target_S,stuck\n");
  for (int i = 0; i < x->rows; i++)
    for (int j = 0; j < x->cols; j++) {
      size_t k = (size_t)i * x->cols + j;
      fprintf(out, "%d,%d,%.9g,%.9g,%d\n", i, j, x->g[k], x->target[k],
              aimc_device_stuck(x->dev, aimc_xbar_cell(x, i, j)));
    }
  return aimc_atomic_commit(x->ctx, f);
}
