/* Programming a mapping into devices: every array by the one programming
 * of a crossbar (aimc_xbar_program, the event crossbar's, with the streams
 * of its tile's crossbar instance; docs/mapping.md), then the effective
 * weights the arrays compute with, including drift since programming (the
 * card's `age`) and the IR drop of the crossbar model's solver, and the
 * read-noise factors (the card's read_noise) (docs/energy-latency.md).
 * Drift, stuck cells and read noise are the tile's device model's, as in
 * the event crossbar (models/crossbar.c). The programmed conductances can
 * be saved and reloaded. */
#include <math.h>
#include <string.h>

#include <zlib.h>

#include "aimc/device.h"
#include "aimc/fileio.h"
#include "aimc/xbar.h"
#include "aimc/status.h"
#include "infer_internal.h"

static aimc_hw *hw_new(aimc_ctx *ctx, const aimc_mapping *m) {
  aimc_hw *hw = aimc_calloc(ctx, 1, sizeof *hw);
  if (!hw) return NULL;
  hw->map = m;
  hw->g_S = aimc_calloc(ctx, m->n_arrays + 1, sizeof(double *));
  hw->w = aimc_calloc(ctx, m->n_mats + 1, sizeof(double *));
  hw->nvar = aimc_calloc(ctx, m->n_mats + 1, sizeof(float *));
  hw->stuck = aimc_calloc(ctx, m->n_arrays + 1, sizeof(unsigned char *));
  hw->g_aged = aimc_calloc(ctx, m->n_arrays + 1, sizeof(double *));
  hw->layout = aimc_calloc(ctx, m->n_arrays + 1, sizeof(aimc_xbar_layout *));
  int ok = hw->g_S && hw->w && hw->nvar && hw->stuck && hw->g_aged && hw->layout;
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  for (size_t k = 0; ok && k < m->n_arrays; k++) {
    hw->g_S[k] = aimc_malloc(ctx, cells * sizeof(double));
    hw->stuck[k] = aimc_calloc(ctx, cells, 1);
    ok = hw->g_S[k] && hw->stuck[k] && !aimc_map_array_layout(ctx, m, k, &hw->layout[k]);
    if (ok) memcpy(hw->g_S[k], m->arrays[k].g_target_S, cells * sizeof(double));
  }
  if (!ok) {
    aimc_hw_free(ctx, hw);
    return NULL;
  }
  return hw;
}

void aimc_hw_free(aimc_ctx *ctx, aimc_hw *hw) {
  if (!hw) return;
  for (size_t k = 0; hw->g_S && k < hw->map->n_arrays; k++) aimc_free(ctx, hw->g_S[k]);
  for (size_t k = 0; hw->stuck && k < hw->map->n_arrays; k++) aimc_free(ctx, hw->stuck[k]);
  for (size_t k = 0; hw->g_aged && k < hw->map->n_arrays; k++) aimc_free(ctx, hw->g_aged[k]);
  for (size_t k = 0; hw->layout && k < hw->map->n_arrays; k++)
    aimc_xbar_layout_free(ctx, hw->layout[k]);
  for (size_t i = 0; i < hw->map->n_mats; i++) {
    if (hw->w) aimc_free(ctx, hw->w[i]);
    if (hw->nvar) aimc_free(ctx, hw->nvar[i]);
  }
  aimc_free(ctx, hw->g_S);
  aimc_free(ctx, hw->w);
  aimc_free(ctx, hw->nvar);
  aimc_free(ctx, hw->stuck);
  aimc_free(ctx, hw->g_aged);
  aimc_free(ctx, hw->layout);
  aimc_free(ctx, hw);
}

const aimc_prog_stats *aimc_hw_prog_stats(const aimc_hw *hw) { return &hw->prog; }

/* Runs the body for the two devices (positive, negative) of every placed
 * weight of array k: physical indices into the rows x cols grid. */
#define FOR_PAIRS(m, arr, ...)                                              \
  do {                                                                       \
    int rf_ = aimc_map_row_factor(&(m)->arch);                               \
    int cf_ = aimc_map_col_factor(&(m)->arch);                               \
    for (int p_ = 0; p_ < (arr)->n_place; p_++) {                            \
      const aimc_map_slot *s = &(arr)->place[p_];                            \
      for (int i = 0; i < s->n_in; i++)                                      \
        for (int j = 0; j < s->n_out; j++) {                                 \
          size_t pos = (size_t)(s->row0 + i) * rf_ * (m)->arch.cols +        \
                       (size_t)(s->col0 + j) * cf_;                          \
          size_t neg = pos + (size_t)(rf_ - 1) * (m)->arch.cols + (cf_ - 1); \
          __VA_ARGS__                                                        \
        }                                                                    \
    }                                                                        \
  } while (0)

/* The crossbar settings of array k's tile, as the netlist gives them (the
 * mapped values unless hand edited or overridden): how it is programmed,
 * with which device, and its read-time physics. */
typedef struct {
  int mode;
  double sigma_S, tol_S;
  int max_pulses, read_noise;
  double r_wire_Ohm, drift_s;
  int ir_solver; /* aimc_xbar_ir_solver */
  char device[32];
  const char *card, *set, *nn_file;
} xbar_set;

static xbar_set tile_xbar(const aimc_mapping *m, size_t k) {
  const aimc_tile *t = &m->tiles[k];
  const void *p = t->params[AIMC_TILE_XBAR];
  xbar_set x;
  x.mode = (int)aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "program"), p);
  x.sigma_S = aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "sigma_g"), p);
  x.tol_S = aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "wv_tol"), p);
  x.max_pulses = (int)aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "wv_max_pulses"), p);
  x.read_noise = aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "read_noise"), p) != 0;
  x.r_wire_Ohm = aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "r_wire"), p);
  x.ir_solver = (int)aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "ir_solver"), p);
  x.drift_s = aimc_param_get(aimc_tile_param(t, AIMC_TILE_XBAR, "drift_time"), p);
  aimc_param_format(aimc_tile_param(t, AIMC_TILE_XBAR, "device"), p, x.device, sizeof x.device);
  x.card = (const char *)p + aimc_tile_param(t, AIMC_TILE_XBAR, "device_card")->offset;
  x.set = (const char *)p + aimc_tile_param(t, AIMC_TILE_XBAR, "device_set")->offset;
  x.nn_file = (const char *)p + aimc_tile_param(t, AIMC_TILE_XBAR, "nn_file")->offset;
  return x;
}

static int by_devices(int mode) { return aimc_prog_mode_by_devices(mode); }

/* The pieces of a tile's device_set that programming depends on: not the
 * drift law (programming does not age the cells), nor the read noise
 * unless the controllers read (write-verify and the one-shots verify). */
static uint64_t hash_device_set(uint64_t h, const xbar_set *x) {
  for (const char *s = x->set, *end; *s; s = *end ? end + 1 : end) {
    end = strchr(s, ',');
    if (!end) end = s + strlen(s);
    while (*s == ' ' && s < end) s++;
    size_t n = (size_t)(end - s);
    if (!strncmp(s, "drift_", 6) || (!strncmp(s, "read_noise", 10) && !by_devices(x->mode)))
      continue;
    h = aimc_seed_derive(h, aimc_fnv1a(AIMC_FNV_BASIS_NETLIST, s, n));
  }
  return h;
}

/* What a saved programming depends on: the arch's programming settings
 * and every tile's (mode, sigma, write-verify budget, device). */
static uint64_t program_hash(const aimc_mapping *m) {
  static const char *const KEYS[] = {"program", "sigma_g", "wv_tol", "wv_max_pulses",
                                     "device", "device_card", "nn_file"};
  uint64_t h = aimc_arch_program_hash(&m->arch);
  char buf[AIMC_PARAM_STRLEN + 32];
  for (size_t k = 0; k < m->n_arrays; k++) {
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
      const aimc_tile *t = &m->tiles[k];
      aimc_param_format(aimc_tile_param(t, AIMC_TILE_XBAR, KEYS[i]), t->params[AIMC_TILE_XBAR],
                        buf, sizeof buf);
      h = aimc_seed_derive(h, aimc_hash_str(buf));
    }
    xbar_set x = tile_xbar(m, k);
    h = hash_device_set(h, &x);
  }
  return h;
}

/* The device model of array k's tile: its card with its device_set, as
 * the event crossbar opens it. */
static int tile_device(aimc_ctx *ctx, size_t k, const xbar_set *x, aimc_device **out) {
  int st = aimc_device_open(ctx, x->device, x->card, out);
  if (!st && (st = aimc_device_apply(ctx, *out, x->set))) {
    aimc_device_free(ctx, *out);
    *out = NULL;
  }
  if (st && st != AIMC_ENOMEM) {
    char why[512];
    snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
    return aimc_error(ctx, st, "tile %zu: %s", k, why);
  }
  return st;
}

static void add_residual(aimc_prog_stats *ps, double r) {
  ps->resid_mean_S += r;
  ps->resid_rms_S += r * r;
  if (fabs(r) > ps->resid_max_S) ps->resid_max_S = fabs(r);
  int bin = (int)(fabs(r) / ps->resid_bin_S);
  ps->resid_hist[bin < 15 ? bin : 15]++;
}

/* The costs of array k's programming: by the device models, what their
 * controllers report; by value (ideal, gaussian), one pulse of the arch's
 * per pulsed healthy device. Arrays program in parallel, the devices of
 * one in series. */
static void add_costs(aimc_hw *hw, size_t k, const xbar_set *xs, const unsigned char *pulsed,
                      const aimc_prog_totals *tot) {
  const aimc_arch *a = &hw->map->arch;
  aimc_prog_stats *ps = &hw->prog;
  ps->stuck += (uint64_t)tot->stuck;
  if (by_devices(xs->mode)) {
    ps->pulses += (uint64_t)tot->pulses;
    ps->e_J += tot->e_J;
    if (tot->t_s > ps->t_s) ps->t_s = tot->t_s;
    return;
  }
  uint64_t pulses = 0;
  for (size_t c = 0; c < (size_t)a->rows * a->cols; c++)
    pulses += pulsed[c] && !hw->stuck[k][c];
  ps->pulses += pulses;
  ps->e_J += (double)pulses * a->e_pulse_J;
  if ((double)pulses * a->t_pulse_s > ps->t_s) ps->t_s = (double)pulses * a->t_pulse_s;
}

/* Array k programmed as its tile says, by the one programming of a
 * crossbar (aimc_xbar_program, aimc/xbar.h) with the streams of its
 * crossbar instance (tile name + ".xbar") under the run's seed, as the
 * event crossbar of that instance programs itself: the array becomes a
 * functional crossbar of the tile's device (every cell made by the card,
 * row-major), every cell is programmed to its target, and the reached
 * conductances and stuck flags are kept. Residuals are taken over placed
 * devices, stuck ones included (as a reloaded programming recounts them). */
static int program_array(aimc_ctx *ctx, aimc_hw *hw, size_t k, const xbar_set *xs,
                         unsigned char *pulsed) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  aimc_device *dev = NULL;
  aimc_xbar *x = NULL;
  aimc_nninv *nn = NULL;
  char name[96];
  aimc_map_part_name(m, k, AIMC_TILE_XBAR, name, sizeof name);
  aimc_xbar_streams rng;
  aimc_xbar_streams_init(&rng, aimc_ctx_seed(ctx), name);
  int st = tile_device(ctx, k, xs, &dev);
  char who[48];
  snprintf(who, sizeof who, "tile %zu", k);
  if (!st) st = aimc_prog_mode_nn(ctx, xs->mode, xs->nn_file, dev, who, &nn);
  if (!st) st = aimc_xbar_alloc(ctx, dev, a->rows, a->cols, &rng.cells, &x);
  if (!st) st = aimc_xbar_set_targets(x, m->arrays[k].g_target_S);
  aimc_xbar_layout_pulsed(hw->layout[k], pulsed); /* as the event crossbar's layout says */
  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  o.mode = xs->mode;
  o.sigma_g_S = xs->sigma_S;
  o.pulsed = pulsed;
  o.wv.tol_S = xs->tol_S;
  o.wv.max_pulses = xs->max_pulses;
  o.nn = nn;
  o.hybrid_k = xs->max_pulses;
  aimc_prog_totals tot;
  if (!st) st = aimc_xbar_program(x, &o, &rng.program, &tot);
  if (!st) {
    aimc_prog_stats *ps = &hw->prog;
    memcpy(hw->g_S[k], aimc_xbar_gmatrix(x), sizeof(double) * a->rows * a->cols);
    for (int i = 0; i < a->rows; i++)
      for (int j = 0; j < a->cols; j++)
        hw->stuck[k][(size_t)i * a->cols + j] =
            aimc_device_stuck(aimc_xbar_device(x), aimc_xbar_cell(x, i, j)) != 0;
    const double *tg = m->arrays[k].g_target_S, *g = hw->g_S[k];
    FOR_PAIRS(m, &m->arrays[k], {
      add_residual(ps, g[pos] - tg[pos]);
      add_residual(ps, g[neg] - tg[neg]);
      ps->devices += 2;
    });
    add_costs(hw, k, xs, pulsed, &tot);
    /* Drift ages the cells programming left, by the crossbar's own
     * aimc_xbar_age as the event crossbar does after programming (a cell
     * made by the card keeps its own window: a nominal cell set to its
     * conductance would drift otherwise). */
    if (xs->drift_s > 0 && !(hw->g_aged[k] = aimc_malloc(ctx, sizeof(double) * a->rows * a->cols)))
      st = AIMC_ENOMEM;
    if (!st && xs->drift_s > 0) {
      aimc_xbar_age(x, xs->drift_s);
      memcpy(hw->g_aged[k], aimc_xbar_gmatrix(x), sizeof(double) * a->rows * a->cols);
    }
  }
  aimc_xbar_free(x);
  aimc_nninv_free(ctx, nn);
  aimc_device_free(ctx, dev);
  return st;
}

/* Residual histogram bins: half the write-verify tolerance, a quarter
 * sigma, or 1/64 of the window when exact (by the first tile's mode). */
static double resid_bin(const aimc_mapping *m) {
  xbar_set x0 = tile_xbar(m, 0);
  return by_devices(x0.mode)                               ? x0.tol_S / 2
         : x0.mode == AIMC_PROG_GAUSSIAN && x0.sigma_S > 0 ? x0.sigma_S / 4
                                                           : (m->arch.g_max_S - m->arch.g_min_S) / 64;
}

/* Every array programmed as its tile says, each from its own streams
 * (results do not depend on the array order). */
static int program_all(aimc_ctx *ctx, aimc_hw *hw) {
  const aimc_mapping *m = hw->map;
  aimc_prog_stats *ps = &hw->prog;
  memset(ps, 0, sizeof *ps);
  ps->resid_bin_S = resid_bin(m);
  unsigned char *pulsed = aimc_malloc(ctx, (size_t)m->arch.rows * m->arch.cols);
  int st = pulsed ? AIMC_OK : AIMC_ENOMEM;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    xbar_set xs = tile_xbar(m, k);
    st = program_array(ctx, hw, k, &xs, pulsed);
  }
  if (!st && ps->devices) {
    ps->resid_mean_S /= (double)ps->devices;
    ps->resid_rms_S = sqrt(ps->resid_rms_S / (double)ps->devices);
  }
  aimc_free(ctx, pulsed);
  return st;
}

/* The conductances array k presents (rows x cols, into geff): the
 * programmed values aged over the tile's drift_time (aged: by the cells
 * programming left, the event crossbar's aimc_xbar_age; NULL, a loaded
 * programming, whose cells are gone: by a cell of the card's nominal
 * window set to each conductance, then the card's `age`, which is what
 * aimc_xbar_age does in the modes that program values and differs only
 * by the window a device mode's cell drew; stuck cells do not move), seen through the tile's wires by the crossbar model's IR-drop
 * solver (aimc/xbar.h: first order, or the nodal solution of the wire
 * network). */
static int effective_g(aimc_ctx *ctx, const aimc_mapping *m, size_t k, const xbar_set *x,
                       const aimc_device *dev, const double *g, const double *aged,
                       const unsigned char *stuck, double *geff) {
  const aimc_arch *a = &m->arch;
  size_t cells = (size_t)a->rows * a->cols;
  memcpy(geff, x->drift_s > 0 && aged ? aged : g, cells * sizeof *geff);
  if (x->drift_s > 0 && !aged) {
    void *cell = aimc_malloc(ctx, aimc_device_cell_size(dev) + 16);
    if (!cell) return AIMC_ENOMEM;
    for (size_t c = 0; c < cells; c++)
      if (!stuck[c]) geff[c] = aimc_xbar_age_value(dev, cell, g[c], x->drift_s);
    aimc_free(ctx, cell);
  }
  if (!(x->r_wire_Ohm > 0)) return AIMC_OK;
  double *gd = aimc_malloc(ctx, cells * sizeof *gd);
  if (!gd) return AIMC_ENOMEM;
  memcpy(gd, geff, cells * sizeof *gd);
  int st = AIMC_OK;
  if (x->ir_solver == AIMC_XBAR_IR_NODAL)
    st = aimc_xbar_ir_nodal(ctx, a->rows, a->cols, gd, x->r_wire_Ohm, geff, NULL, NULL);
  else
    aimc_xbar_ir_first_order(a->rows, a->cols, gd, x->r_wire_Ohm, geff);
  aimc_free(ctx, gd);
  if (st && st != AIMC_ENOMEM)
    return aimc_error(ctx, st, "tile %zu: the nodal IR-drop solve failed: %s", k,
                      aimc_ctx_errmsg(ctx));
  return st;
}

/* 1 when array k computes with its exact targets: every placed device
 * holds its target and its tile neither drifts nor drops voltage on its
 * wires (the event crossbar's rule, models/crossbar_words.c). */
static int exact_array(const aimc_hw *hw, size_t k) {
  xbar_set x = tile_xbar(hw->map, k);
  return !(x.drift_s > 0) && !(x.r_wire_Ohm > 0) &&
         aimc_xbar_layout_at_targets(hw->layout[k], hw->g_S[k], hw->map->arrays[k].g_target_S);
}

/* Each tile's device (NULL where it is not needed: no drift, no read
 * noise) and its read-noise sigma (0 where the tile reads without noise);
 * *noise: 1 when some tile reads with noise. */
static int tile_devices(aimc_ctx *ctx, const aimc_mapping *m, aimc_device **dev, double *rn,
                        int *noise) {
  *noise = 0;
  for (size_t k = 0; k < m->n_arrays; k++) {
    xbar_set x = tile_xbar(m, k);
    rn[k] = 0;
    if (!x.read_noise && !(x.drift_s > 0)) continue;
    int st = tile_device(ctx, k, &x, &dev[k]);
    if (st) return st;
    if (x.read_noise) rn[k] = aimc_device_read_noise(dev[k]);
    *noise |= rn[k] > 0;
  }
  return AIMC_OK;
}

/* Effective weights (and read-noise variance factors) from the
 * conductances, by the formula the event crossbar reads its layout with
 * (aimc/xbar_layout.h): W = row_gain * col_gain * (G+ - G-) / (g_max - g_min);
 * the variance of a pair's current is sigma^2 (G+^2 + G-^2) in the same
 * units, sigma the tile's device read noise (the event crossbar's
 * sigma^2 sum_i v_i^2 G_ij^2). */
static int derive_arrays(aimc_ctx *ctx, aimc_hw *hw, const unsigned char *exact_k,
                         int exact, aimc_device **dev, const double *rn, double *g) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  double span = a->g_max_S - a->g_min_S;
  for (size_t k = 0; k < m->n_arrays; k++) {
    const aimc_map_array *arr = &m->arrays[k];
    xbar_set xs = tile_xbar(m, k);
    int st = effective_g(ctx, m, k, &xs, dev[k], hw->g_S[k], hw->g_aged[k], hw->stuck[k], g);
    if (st) return st;
    double r2 = rn[k] * rn[k];
    FOR_PAIRS(m, arr, {
      const aimc_map_matrix *mx = &m->mats[s->matrix];
      int b = s->block;
      int jj = s->out0 + j, ii = s->in0 + i;
      size_t w_at = aimc_map_matrix_index(mx, b, jj - mx->out_off[b], ii - mx->in_off[b]);
      double gain = mx->row_gain[ii] * mx->col_gain[jj] / span;
      if (!exact)
        hw->w[s->matrix][w_at] =
            exact_k[k] ? mx->w[w_at] : aimc_xbar_pair_weight(gain, g[pos], g[neg]);
      if (r2 > 0) hw->nvar[s->matrix][w_at] = aimc_xbar_pair_nvar(gain, r2, g[pos], g[neg]);
    });
  }
  return AIMC_OK;
}

static int derive(aimc_ctx *ctx, aimc_hw *hw) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  /* Arrays that read the model's weights, as the reference: all of them
   * keep the mapping's weights (no copy). */
  unsigned char *exact_k = aimc_calloc(ctx, m->n_arrays + 1, 1);
  int exact = exact_k != NULL, noise = 0;
  for (size_t k = 0; exact_k && k < m->n_arrays; k++) {
    exact_k[k] = (unsigned char)exact_array(hw, k);
    exact &= exact_k[k];
  }
  aimc_device **dev = aimc_calloc(ctx, m->n_arrays + 1, sizeof *dev);
  double *rn = aimc_calloc(ctx, m->n_arrays + 1, sizeof *rn);
  double *g = aimc_malloc(ctx, (size_t)a->rows * a->cols * sizeof *g);
  int st = exact_k && dev && rn && g ? tile_devices(ctx, m, dev, rn, &noise) : AIMC_ENOMEM;
  for (size_t mi = 0; !st && !(exact && !noise) && mi < m->n_mats; mi++) {
    size_t nw = m->mats[mi].w_off[m->mats[mi].n_blocks] + 1;
    if (!exact && !(hw->w[mi] = aimc_calloc(ctx, nw, sizeof(double)))) st = AIMC_ENOMEM;
    if (noise && !(hw->nvar[mi] = aimc_calloc(ctx, nw, sizeof(float)))) st = AIMC_ENOMEM;
  }
  if (!st && !(exact && !noise)) st = derive_arrays(ctx, hw, exact_k, exact, dev, rn, g);
  for (size_t k = 0; dev && k < m->n_arrays; k++) aimc_device_free(ctx, dev[k]);
  aimc_free(ctx, exact_k);
  aimc_free(ctx, dev);
  aimc_free(ctx, rn);
  aimc_free(ctx, g);
  return st;
}

int aimc_hw_program(aimc_ctx *ctx, const aimc_mapping *m, aimc_hw **out) {
  *out = NULL;
  aimc_hw *hw = hw_new(ctx, m);
  if (!hw) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (programming)");
  int st = program_all(ctx, hw);
  if (!st) st = derive(ctx, hw);
  if (st) {
    aimc_hw_free(ctx, hw);
    return st == AIMC_ENOMEM ? aimc_error(ctx, st, "out of memory (programming)") : st;
  }
  *out = hw;
  return AIMC_OK;
}

/* File: "AIMCHW01", model hash, arch hash, n_arrays, rows, cols (uint64
 * each), the prog stats struct, the conductances (double, array by
 * array), then a CRC-32 of everything before it (uint32). */
/* Version 2: the header holds the programming hash (aimc_arch_program_hash)
 * instead of the whole arch's. Version 3: after the conductances, the
 * stuck cells (one byte per cell, 0 or 1, array by array), which drift
 * leaves alone. */
static const char HW_MAGIC[8] = {'A', 'I', 'M', 'C', 'H', 'W', '0', '3'};
enum { HW_CELL_BYTES = sizeof(double) + 1 };

int aimc_hw_save(aimc_ctx *ctx, const aimc_hw *hw, const char *path) {
  const aimc_mapping *m = hw->map;
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  size_t size = 8 + 5 * 8 + sizeof hw->prog + m->n_arrays * cells * HW_CELL_BYTES + 4;
  unsigned char *buf = aimc_malloc(ctx, size);
  if (!buf) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (saving %s)", path);
  unsigned char *p = buf;
  uint64_t head[5] = {m->model_hash, program_hash(m), m->n_arrays,
                      (uint64_t)m->arch.rows, (uint64_t)m->arch.cols};
  memcpy(p, HW_MAGIC, 8), p += 8;
  memcpy(p, head, sizeof head), p += sizeof head;
  memcpy(p, &hw->prog, sizeof hw->prog), p += sizeof hw->prog;
  for (size_t k = 0; k < m->n_arrays; k++, p += cells * sizeof(double))
    memcpy(p, hw->g_S[k], cells * sizeof(double));
  for (size_t k = 0; k < m->n_arrays; k++, p += cells) memcpy(p, hw->stuck[k], cells);
  uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(p - buf));
  memcpy(p, &crc, 4);
  int st = aimc_write_file_atomic(ctx, path, buf, size);
  aimc_free(ctx, buf);
  return st;
}

/* ---- Loading: CRC first, then the file's own shape, then whether it
 * belongs to this mapping, then whether its values are conductances a
 * programming can leave; derived statistics are recomputed. ---- */

enum { HW_HEAD = 8 + 5 * 8, HW_G = HW_HEAD + sizeof(aimc_prog_stats) };

/* Whether the arrays were programmed through the device models. */
/* 1 when some tile is programmed through its device model. */
static int device_programmed(const aimc_mapping *m) {
  for (size_t k = 0; k < m->n_arrays; k++)
    if (by_devices(tile_xbar(m, k).mode)) return 1;
  return 0;
}

/* The conductances a programming can leave: the arch's window (ideal
 * programming keeps the targets, which lie in it) joined with the tiles'
 * device windows (Gaussian programming clips to them), or for the device
 * models 0 to 10x the card's g_max (the device-to-device spread of the
 * window edges, sigma_d2d_g <= 0.3, never reaches 10x); a stuck cell (its
 * flag, read before) sits at its device's window edge: 0 to 10x the
 * card's g_max. */
static int conductance_bounds(aimc_ctx *ctx, const aimc_mapping *m, double *lo, double *hi,
                              double *top) {
  const aimc_arch *a = &m->arch;
  double l = a->g_min_S, h = a->g_max_S;
  int devices = 0;
  for (size_t k = 0; k < m->n_arrays; k++) {
    xbar_set x = tile_xbar(m, k);
    aimc_device *dev = NULL;
    int st = tile_device(ctx, k, &x, &dev);
    if (st) return st;
    double gmin, gmax;
    aimc_device_window(dev, &gmin, &gmax);
    aimc_device_free(ctx, dev);
    l = fmin(l, gmin);
    h = fmax(h, gmax);
    devices |= by_devices(x.mode);
  }
  /* (a slack for targets g_min + (g_max - g_min) one ulp past g_max) */
  *lo = devices ? 0 : l - 1e-12 * h;
  *hi = devices ? 10 * h : h * (1 + 1e-12);
  *top = 10 * h;
  return AIMC_OK;
}

static int check_conductances(aimc_ctx *ctx, const char *path,
                              const aimc_hw *hw) {
  const aimc_arch *a = &hw->map->arch;
  double lo, hi, top;
  int st = conductance_bounds(ctx, hw->map, &lo, &hi, &top);
  size_t cells = (size_t)a->rows * a->cols;
  for (size_t k = 0; !st && k < hw->map->n_arrays; k++)
    for (size_t i = 0; i < cells; i++) {
      double g = hw->g_S[k][i];
      int stuck = hw->stuck[k][i] == 1;
      double l = stuck ? 0 : lo, h = stuck ? top : hi;
      if (g >= l && g <= h) continue;
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: conductances block, array %zu cell %zu (row %zu, "
                        "col %zu) is %g S: must be within [%g, %g] S (%s)",
                        path, k, i, i / a->cols, i % a->cols, g, l, h,
                        stuck || device_programmed(hw->map) ? "10x the device window"
                                                            : "array.g_min, array.g_max");
    }
  return st;
}

/* The stuck block holds flags (0 or 1), and the stats' stuck count is
 * theirs, recounted. */
static int check_stuck(aimc_ctx *ctx, const char *path, aimc_hw *hw) {
  const aimc_arch *a = &hw->map->arch;
  size_t cells = (size_t)a->rows * a->cols;
  uint64_t n = 0;
  for (size_t k = 0; k < hw->map->n_arrays; k++)
    for (size_t i = 0; i < cells; i++) {
      unsigned v = hw->stuck[k][i];
      if (v > 1)
        return aimc_error(ctx, AIMC_ERANGE,
                          "%s: stuck block, array %zu cell %zu (row %zu, col %zu) is %u: must be 0 "
                          "or 1",
                          path, k, i, i / a->cols, i % a->cols, v);
      n += v;
    }
  hw->prog.stuck = n;
  return AIMC_OK;
}

/* Residuals of the stored conductances against this mapping's targets
 * (same bins as program_all), never the file's copy. */
static void recount_residuals(aimc_hw *hw) {
  const aimc_mapping *m = hw->map;
  aimc_prog_stats *ps = &hw->prog;
  ps->resid_mean_S = ps->resid_rms_S = ps->resid_max_S = 0;
  memset(ps->resid_hist, 0, sizeof ps->resid_hist);
  ps->resid_bin_S = resid_bin(m);
  uint64_t n = 0;
  for (size_t k = 0; k < m->n_arrays; k++) {
    const double *tg = m->arrays[k].g_target_S, *g = hw->g_S[k];
    FOR_PAIRS(m, &m->arrays[k], {
      add_residual(ps, g[pos] - tg[pos]);
      add_residual(ps, g[neg] - tg[neg]);
      n += 2;
    });
  }
  ps->devices = n;
  if (n) {
    ps->resid_mean_S /= (double)n;
    ps->resid_rms_S = sqrt(ps->resid_rms_S / (double)n);
  }
}

/* The programming costs kept from the file (they depend on the pulses
 * the run took): finite, >= 0, and, without device models, the pulse
 * energy recomputed from the pulse count. */
static int check_costs(aimc_ctx *ctx, const char *path, aimc_hw *hw) {
  const aimc_arch *a = &hw->map->arch;
  aimc_prog_stats *ps = &hw->prog;
  uint64_t cells = (uint64_t)hw->map->n_arrays * a->rows * a->cols;
  const char *field = NULL, *why = NULL;
  double v = 0;
  if (!(isfinite(ps->e_J) && ps->e_J >= 0))
    field = "e_J", v = ps->e_J, why = "finite and >= 0";
  else if (!(isfinite(ps->t_s) && ps->t_s >= 0))
    field = "t_s", v = ps->t_s, why = "finite and >= 0";
  else if (ps->stuck > cells)
    field = "stuck", v = (double)ps->stuck, why = "at most the cells";
  else if (!device_programmed(hw->map) && ps->pulses > ps->devices)
    field = "pulses", v = (double)ps->pulses, why = "at most one per device";
  else if (!device_programmed(hw->map) &&
           !(ps->t_s <= (double)ps->pulses * a->t_pulse_s * (1 + 1e-12)))
    field = "t_s", v = ps->t_s, why = "at most pulses x timing.t_pulse";
  if (field)
    return aimc_error(ctx, AIMC_ERANGE,
                      "%s: stats field '%s' is %g: must be %s", path, field, v,
                      why);
  if (!device_programmed(hw->map)) ps->e_J = (double)ps->pulses * a->e_pulse_J;
  return AIMC_OK;
}

/* Checks a file's bytes and header against the mapping (CRC first). */
static int check_file(aimc_ctx *ctx, const aimc_mapping *m, const char *path,
                      const char *data, size_t size) {
  uint64_t head[5];
  uint32_t crc;
  if (size >= 8 && !memcmp(data, HW_MAGIC, 7) && data[7] < HW_MAGIC[7])
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: written by an older aimc; program again", path);
  if (size < 8 || memcmp(data, HW_MAGIC, 8) != 0)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: not a programmed-state file",
                      path);
  if (size < HW_G + 4)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: truncated (%zu bytes)", path,
                      size);
  memcpy(&crc, data + size - 4, 4);
  if (crc != (uint32_t)crc32(0L, (const unsigned char *)data, (uInt)(size - 4)))
    return aimc_error(ctx, AIMC_ECHECKSUM,
                      "%s: checksum mismatch (corrupt or truncated file)", path);
  memcpy(head, data + 8, sizeof head);
  /* The file's own shape against its length, before trusting either. */
  uint64_t rows = head[3], cols = head[4], n = head[2];
  if (rows < 1 || rows > 4096 || cols < 1 || cols > 4096 ||
      n > (size - HW_G) / (rows * cols * HW_CELL_BYTES) ||
      HW_G + n * rows * cols * HW_CELL_BYTES + 4 != size)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "%s: header fields n_arrays=%llu rows=%llu cols=%llu "
                      "do not match the file's %zu bytes",
                      path, (unsigned long long)n, (unsigned long long)rows,
                      (unsigned long long)cols, size);
  if (head[0] != m->model_hash)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: programmed for another model; program again", path);
  if (head[1] != program_hash(m) || n != m->n_arrays ||
      rows != (uint64_t)m->arch.rows || cols != (uint64_t)m->arch.cols)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: programmed with other array or programming settings "
                      "(array.*, programming.*, nonideal.programming, device.p_stuck_*, "
                      "the tiles' device and device_set); "
                      "program again, or run with the settings it was programmed with",
                      path);
  return AIMC_OK;
}

int aimc_hw_load(aimc_ctx *ctx, const aimc_mapping *m, const char *path,
                 aimc_hw **out) {
  *out = NULL;
  char *data = NULL;
  size_t size = 0;
  int st = aimc_read_file(ctx, path, &data, &size);
  if (st) return st;
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  st = check_file(ctx, m, path, data, size);
  aimc_hw *hw = st ? NULL : hw_new(ctx, m);
  if (!st && !hw) st = aimc_error(ctx, AIMC_ENOMEM, "out of memory (loading %s)", path);
  if (!st) {
    const char *p = data + HW_HEAD;
    memcpy(&hw->prog, p, sizeof hw->prog), p += sizeof hw->prog;
    for (size_t k = 0; k < m->n_arrays; k++, p += cells * sizeof(double))
      memcpy(hw->g_S[k], p, cells * sizeof(double));
    for (size_t k = 0; k < m->n_arrays; k++, p += cells) memcpy(hw->stuck[k], p, cells);
    st = check_conductances(ctx, path, hw);
    if (!st) recount_residuals(hw);
    if (!st) st = check_costs(ctx, path, hw);
    if (!st) st = check_stuck(ctx, path, hw);
    if (!st) st = derive(ctx, hw);
  }
  aimc_free(ctx, data);
  if (st) {
    aimc_hw_free(ctx, hw);
    return st;
  }
  *out = hw;
  return AIMC_OK;
}
