/* Programming a mapping into devices: each used device gets its target
 * through the chosen mode (ideal or Gaussian error), stuck cells, then the
 * effective weights the arrays compute with, including drift since
 * programming and a first-order IR drop (docs/energy-latency.md). The
 * programmed conductances can be saved and reloaded. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <zlib.h>

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
  int ok = hw->g_S && hw->w && hw->nvar;
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  for (size_t k = 0; ok && k < m->n_arrays; k++) {
    hw->g_S[k] = aimc_malloc(ctx, cells * sizeof(double));
    ok = hw->g_S[k] != NULL;
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
  for (size_t i = 0; i < hw->map->n_mats; i++) {
    if (hw->w) aimc_free(ctx, hw->w[i]);
    if (hw->nvar) aimc_free(ctx, hw->nvar[i]);
  }
  aimc_free(ctx, hw->g_S);
  aimc_free(ctx, hw->w);
  aimc_free(ctx, hw->nvar);
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

static double clip(double g, const aimc_arch *a) {
  return g < a->g_min_S ? a->g_min_S : (g > a->g_max_S ? a->g_max_S : g);
}

/* The crossbar settings of array k's tile, as the netlist gives them (the
 * mapped values unless hand edited or overridden): how it is programmed,
 * with which device, and its read-time physics. */
typedef struct {
  int mode;
  double sigma_S, tol_S;
  int max_pulses, read_noise;
  double r_wire_Ohm, drift_s;
  char device[32];
  const char *card;
} xbar_set;

static const aimc_param *xbar_param(const aimc_tile *t, const char *key) {
  const aimc_model *md = t->model[AIMC_TILE_XBAR];
  return aimc_params_find(md->params, md->n_params, key);
}

static xbar_set tile_xbar(const aimc_mapping *m, size_t k) {
  const aimc_tile *t = &m->tiles[k];
  const void *p = t->params[AIMC_TILE_XBAR];
  xbar_set x;
  x.mode = (int)aimc_param_get(xbar_param(t, "program"), p);
  x.sigma_S = aimc_param_get(xbar_param(t, "sigma_g"), p);
  x.tol_S = aimc_param_get(xbar_param(t, "wv_tol"), p);
  x.max_pulses = (int)aimc_param_get(xbar_param(t, "wv_max_pulses"), p);
  x.read_noise = aimc_param_get(xbar_param(t, "read_noise"), p) != 0;
  x.r_wire_Ohm = aimc_param_get(xbar_param(t, "r_wire"), p);
  x.drift_s = aimc_param_get(xbar_param(t, "drift_time"), p);
  aimc_param_format(xbar_param(t, "device"), p, x.device, sizeof x.device);
  x.card = (const char *)p + xbar_param(t, "device_card")->offset;
  return x;
}

/* What a saved programming depends on: the arch's programming settings
 * and every tile's (mode, sigma, write-verify budget, device). */
static uint64_t program_hash(const aimc_mapping *m) {
  static const char *const KEYS[] = {"program", "sigma_g", "wv_tol", "wv_max_pulses",
                                     "device", "device_card"};
  uint64_t h = aimc_arch_program_hash(&m->arch);
  char buf[AIMC_PARAM_STRLEN + 32];
  for (size_t k = 0; k < m->n_arrays; k++)
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
      const aimc_tile *t = &m->tiles[k];
      aimc_param_format(xbar_param(t, KEYS[i]), t->params[AIMC_TILE_XBAR], buf, sizeof buf);
      h = aimc_seed_derive(h, aimc_hash_str(buf));
    }
  return h;
}

static int by_devices(int mode) {
  return mode == AIMC_PROG_WRITE_VERIFY || mode == AIMC_PROG_ONE_SHOT;
}

/* Programs one device: returns the conductance reached. */
static double program_device(const aimc_arch *a, const xbar_set *x, double target,
                             gsl_rng *rng) {
  if (x->mode == AIMC_PROG_GAUSSIAN && x->sigma_S > 0)
    return clip(target + gsl_ran_gaussian_ziggurat(rng, x->sigma_S), a);
  return target;
}

static void add_residual(aimc_prog_stats *ps, double r) {
  ps->resid_mean_S += r;
  ps->resid_rms_S += r * r;
  if (fabs(r) > ps->resid_max_S) ps->resid_max_S = fabs(r);
  int bin = (int)(fabs(r) / ps->resid_bin_S);
  ps->resid_hist[bin < 15 ? bin : 15]++;
}

/* Write-verify or one-shot of array k through the device model of its
 * tile (aimc/xbar.h): the array becomes a functional crossbar of that
 * device, every cell is programmed to its target, and the reached
 * conductances are kept. Residuals are taken over placed devices. */
static int program_array_devices(aimc_ctx *ctx, aimc_hw *hw, size_t k, const xbar_set *xs,
                                 gsl_rng *rng) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  aimc_prog_stats *ps = &hw->prog;
  aimc_device *dev = NULL;
  aimc_xbar *x = NULL;
  int st = aimc_device_open(ctx, xs->device, xs->card, &dev);
  if (!st) st = aimc_xbar_alloc(ctx, dev, a->rows, a->cols, rng, &x);
  if (!st) st = aimc_xbar_set_targets(x, m->arrays[k].g_target_S);
  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  o.mode = xs->mode;
  o.wv.tol_S = xs->tol_S;
  o.wv.max_pulses = xs->max_pulses;
  aimc_prog_totals tot;
  if (!st) st = aimc_xbar_program(x, &o, rng, &tot);
  if (!st) {
    memcpy(hw->g_S[k], aimc_xbar_gmatrix(x), sizeof(double) * a->rows * a->cols);
    const double *tg = m->arrays[k].g_target_S, *g = hw->g_S[k];
    uint64_t n = 0;
    FOR_PAIRS(m, &m->arrays[k], {
      add_residual(ps, g[pos] - tg[pos]);
      add_residual(ps, g[neg] - tg[neg]);
      n += 2;
    });
    ps->devices += n;
    ps->pulses += (uint64_t)tot.pulses;
    ps->e_J += tot.e_J;
    ps->stuck += (uint64_t)tot.stuck;
    if (tot.t_s > ps->t_s) ps->t_s = tot.t_s; /* arrays in parallel */
  }
  aimc_xbar_free(x);
  aimc_device_free(ctx, dev);
  return st;
}

/* Ideal or Gaussian programming of array k (one pulse per device, or none
 * for structural zeros), then stuck cells. */
static void program_array_gaussian(aimc_hw *hw, size_t k, const xbar_set *xs, gsl_rng *rng) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  aimc_prog_stats *ps = &hw->prog;
  const aimc_map_array *arr = &m->arrays[k];
  const double *tg = arr->g_target_S;
  double *g = hw->g_S[k];
  uint64_t pulses = 0, devices = 0;
  FOR_PAIRS(m, arr, {
    const aimc_map_matrix *mx = &m->mats[s->matrix];
    int b = s->block;
    size_t at = aimc_map_matrix_index(mx, b, s->out0 + j - mx->out_off[b],
                                      s->in0 + i - mx->in_off[b]);
    if (a->exact_zeros && !mx->is_value[at]) {
      g[pos] = tg[pos], g[neg] = tg[neg]; /* pristine: no pulse */
    } else {
      g[pos] = program_device(a, xs, tg[pos], rng);
      g[neg] = program_device(a, xs, tg[neg], rng);
      pulses += 2;
    }
    add_residual(ps, g[pos] - tg[pos]);
    add_residual(ps, g[neg] - tg[neg]);
    devices += 2;
  });
  if (a->ni_stuck && a->stuck_frac > 0)
    FOR_PAIRS(m, arr, {
      size_t both[2] = {pos, neg};
      for (int d = 0; d < 2; d++)
        if (gsl_rng_uniform(rng) < a->stuck_frac) {
          g[both[d]] = gsl_rng_uniform(rng) < 0.5 ? a->g_min_S : a->g_max_S;
          ps->stuck++;
        }
    });
  ps->devices += devices;
  ps->pulses += pulses;
  ps->e_J += (double)pulses * a->e_pulse_J;
  if ((double)pulses * a->t_pulse_s > ps->t_s) ps->t_s = (double)pulses * a->t_pulse_s;
}

/* Every array programmed as its tile says, one random stream per array
 * (results do not depend on the array order). */
static int program_all(aimc_ctx *ctx, aimc_hw *hw) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  aimc_ctx *sub = aimc_ctx_fork(ctx, aimc_hash_str("aimc.program"));
  if (!sub) return AIMC_ENOMEM;
  aimc_prog_stats *ps = &hw->prog;
  memset(ps, 0, sizeof *ps);
  /* Bins of a quarter sigma, half the write-verify tolerance, or 1/64 of
   * the window when exact (by the first tile's mode). */
  xbar_set x0 = tile_xbar(m, 0);
  ps->resid_bin_S = by_devices(x0.mode)                             ? x0.tol_S / 2
                    : x0.mode == AIMC_PROG_GAUSSIAN && x0.sigma_S > 0 ? x0.sigma_S / 4
                                                                    : (a->g_max_S - a->g_min_S) / 64;
  uint64_t seed = aimc_ctx_seed(sub);
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    aimc_ctx_reseed(sub, aimc_seed_derive(seed, k));
    xbar_set xs = tile_xbar(m, k);
    if (by_devices(xs.mode)) st = program_array_devices(ctx, hw, k, &xs, aimc_ctx_rng(sub));
    else program_array_gaussian(hw, k, &xs, aimc_ctx_rng(sub));
  }
  if (!st && ps->devices) {
    ps->resid_mean_S /= (double)ps->devices;
    ps->resid_rms_S = sqrt(ps->resid_rms_S / (double)ps->devices);
  }
  aimc_ctx_free(sub);
  return st;
}

/* Conductance the array presents at a physical cell: programmed value,
 * drifted by (t / 1 s)^-nu over the tile's drift_time, then in series with
 * the tile's wire from the driver (left, col 0) and to the sense amplifier
 * (bottom row): first-order IR drop, R_path = r_wire * ((c + 1) + (rows -
 * r)). */
static double effective_g(const aimc_arch *a, const xbar_set *x, double g, size_t pos) {
  if (x->drift_s > 0) g *= pow(x->drift_s, -a->drift_nu);
  if (x->r_wire_Ohm > 0) {
    size_t r = pos / a->cols, c = pos % a->cols;
    double rp = x->r_wire_Ohm * (double)((c + 1) + (a->rows - r));
    g = 1 / (1 / g + rp);
  }
  return g;
}

/* 1 when every array computes with its exact targets. */
static int exact_devices(const aimc_mapping *m) {
  const aimc_arch *a = &m->arch;
  if (a->ni_stuck && a->stuck_frac > 0) return 0;
  for (size_t k = 0; k < m->n_arrays; k++) {
    xbar_set x = tile_xbar(m, k);
    int prog_exact = x.mode == AIMC_PROG_IDEAL || (x.mode == AIMC_PROG_GAUSSIAN && x.sigma_S == 0);
    if (!prog_exact || x.drift_s > 0 || x.r_wire_Ohm > 0) return 0;
  }
  return 1;
}

/* 1 when some tile reads with noise. */
static int any_read_noise(const aimc_mapping *m) {
  for (size_t k = 0; k < m->n_arrays && m->arch.read_noise_rel > 0; k++)
    if (tile_xbar(m, k).read_noise) return 1;
  return 0;
}

/* Effective weights (and read-noise factors) from the conductances:
 * W = row_gain * col_gain * (G+ - G-) / (g_max - g_min). */
static int derive(aimc_ctx *ctx, aimc_hw *hw) {
  const aimc_mapping *m = hw->map;
  const aimc_arch *a = &m->arch;
  int exact = exact_devices(m), noise = any_read_noise(m);
  if (exact && !noise) return AIMC_OK;
  for (size_t mi = 0; mi < m->n_mats; mi++) {
    size_t nw = m->mats[mi].w_off[m->mats[mi].n_blocks] + 1;
    if (!exact && !(hw->w[mi] = aimc_calloc(ctx, nw, sizeof(double)))) return AIMC_ENOMEM;
    if (noise && !(hw->nvar[mi] = aimc_calloc(ctx, nw, sizeof(float)))) return AIMC_ENOMEM;
  }
  double span = a->g_max_S - a->g_min_S;
  for (size_t k = 0; k < m->n_arrays; k++) {
    const aimc_map_array *arr = &m->arrays[k];
    const double *g = hw->g_S[k];
    xbar_set xs = tile_xbar(m, k);
    FOR_PAIRS(m, arr, {
      const aimc_map_matrix *mx = &m->mats[s->matrix];
      int b = s->block;
      int jj = s->out0 + j, ii = s->in0 + i;
      size_t w_at = aimc_map_matrix_index(mx, b, jj - mx->out_off[b], ii - mx->in_off[b]);
      double gain = mx->row_gain[ii] * mx->col_gain[jj] / span;
      double gp = effective_g(a, &xs, g[pos], pos), gn = effective_g(a, &xs, g[neg], neg);
      if (!exact) hw->w[s->matrix][w_at] = gain * (gp - gn);
      if (noise && xs.read_noise)
        hw->nvar[s->matrix][w_at] = (float)(gain * gain * (gp * gp + gn * gn));
    });
  }
  return AIMC_OK;
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
 * instead of the whole arch's. */
static const char HW_MAGIC[8] = {'A', 'I', 'M', 'C', 'H', 'W', '0', '2'};

int aimc_hw_save(aimc_ctx *ctx, const aimc_hw *hw, const char *path) {
  const aimc_mapping *m = hw->map;
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  size_t size = 8 + 5 * 8 + sizeof hw->prog + m->n_arrays * cells * sizeof(double) + 4;
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
  uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(p - buf));
  memcpy(p, &crc, 4);
  int st = aimc_write_file_atomic(ctx, path, buf, size);
  aimc_free(ctx, buf);
  return st;
}

int aimc_hw_load(aimc_ctx *ctx, const aimc_mapping *m, const char *path,
                 aimc_hw **out) {
  *out = NULL;
  char *data = NULL;
  size_t size = 0;
  int st = aimc_read_file(ctx, path, &data, &size);
  if (st) return st;
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  size_t want = 8 + 5 * 8 + sizeof(aimc_prog_stats) + m->n_arrays * cells * sizeof(double) + 4;
  uint64_t head[5];
  uint32_t crc;
  if (size >= 8 && !memcmp(data, HW_MAGIC, 7) && data[7] < HW_MAGIC[7]) {
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: written by an older aimc; program again", path);
  } else if (size < 8 + sizeof head || memcmp(data, HW_MAGIC, 8) != 0) {
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: not a programmed-state file", path);
  } else {
    memcpy(head, data + 8, sizeof head);
    if (head[0] != m->model_hash)
      st = aimc_error(ctx, AIMC_EINVAL, "%s: programmed for another model; program again", path);
    else if (head[1] != program_hash(m) || head[2] != m->n_arrays ||
             head[3] != (uint64_t)m->arch.rows || head[4] != (uint64_t)m->arch.cols)
      st = aimc_error(ctx, AIMC_EINVAL,
                      "%s: programmed with other array or programming settings "
                      "(array.*, programming.*, nonideal.programming/stuck/stuck_frac); "
                      "program again, or run with the settings it was programmed with",
                      path);
    else if (size != want)
      st = aimc_error(ctx, AIMC_EFORMAT, "%s: %zu bytes, expected %zu (truncated?)",
                      path, size, want);
    else if (memcpy(&crc, data + want - 4, 4),
             crc != (uint32_t)crc32(0L, (const unsigned char *)data, (uInt)(want - 4)))
      st = aimc_error(ctx, AIMC_ECHECKSUM, "%s: checksum mismatch (corrupt file)", path);
  }
  aimc_hw *hw = st ? NULL : hw_new(ctx, m);
  if (!st && !hw) st = aimc_error(ctx, AIMC_ENOMEM, "out of memory (loading %s)", path);
  if (!st) {
    const char *p = data + 8 + sizeof head;
    memcpy(&hw->prog, p, sizeof hw->prog), p += sizeof hw->prog;
    for (size_t k = 0; k < m->n_arrays; k++, p += cells * sizeof(double))
      memcpy(hw->g_S[k], p, cells * sizeof(double));
    st = derive(ctx, hw);
  }
  aimc_free(ctx, data);
  if (st) {
    aimc_hw_free(ctx, hw);
    return st;
  }
  *out = hw;
  return AIMC_OK;
}
