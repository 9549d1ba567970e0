/* The hardware settings `aimc run` takes from an elaborated mapped netlist
 * (aimc/design.h) rather than from the arch file: programming mode and
 * sigma and ADC sharing of every tile, the target files of the crossbars
 * and the calibration files of the converters, so that hand edits of the
 * netlist take effect. */
#include <stdio.h>
#include <string.h>

#include "aimc/calibration.h"
#include "aimc/design.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/xbar_layout.h"
#include "map_internal.h"

/* The instance "<tile>.<part>" of array k, or -1. */
static int tile_part(const aimc_design *d, const aimc_mapping *m, size_t k, aimc_tile_part p) {
  char full[96];
  aimc_map_part_name(m, k, p, full, sizeof full);
  return aimc_design_find_inst(d, full);
}

static const aimc_param *param_of(const aimc_design_inst *in, const char *key) {
  return aimc_params_find(in->model->params, in->model->n_params, key);
}

static double value_of(const aimc_design_inst *in, const char *key) {
  return aimc_param_get(param_of(in, key), in->params);
}

/* Where the tile of an instance ("l0_ssm_1" of "l0_ssm_1.xbar") is written
 * in the netlist (where a hand edit of its params would be), else where
 * the instance is. */
static const aimc_srcloc *tile_loc(const aimc_design *d,
                                   const aimc_design_inst *in) {
  const char *dot = strrchr(in->name, '.');
  size_t len = dot ? (size_t)(dot - in->name) : 0;
  for (size_t b = 0; b < d->n_block; b++)
    if (strlen(d->block[b].name) == len &&
        !strncmp(d->block[b].name, in->name, len))
      return &d->block[b].loc;
  return &in->loc;
}

/* Each tile's ADCs share its sensed columns through a mux (rounds =
 * ceil(columns / n_adc), the adc's op_cost): any count from 1 to the
 * columns is a design, tile by tile. */
static int check_n_adc(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *m) {
  for (size_t k = 0; k < m->n_arrays; k++) {
    int i = tile_part(d, m, k, AIMC_TILE_ADC);
    long cols = aimc_map_sensed_cols(m, k);
    if (i < 0 || cols <= 0) continue;
    long n = (long)value_of(&d->inst[i], "n_adc");
    if (n > cols)
      return aimc_error_at(
          ctx, AIMC_EINVAL, tile_loc(d, &d->inst[i]),
          "%s has n_adc: %ld but its tile senses only %ld columns",
          d->inst[i].name, n, cols);
  }
  return AIMC_OK;
}

int aimc_map_check_netlist(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *m) {
  size_t n_xbar = 0;
  for (size_t i = 0; i < d->n_inst; i++)
    n_xbar += strcmp(d->inst[i].model->name, "crossbar") == 0;
  if (n_xbar != m->n_arrays)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: %zu crossbars, but the model maps onto %zu arrays; "
                      "map again instead of adding or removing tiles",
                      d->path, n_xbar, m->n_arrays);
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    char name[64];
    aimc_map_array_name(m, k, name, sizeof name);
    int x = tile_part(d, m, k, AIMC_TILE_XBAR), a = tile_part(d, m, k, AIMC_TILE_ADC),
        c = tile_part(d, m, k, AIMC_TILE_DAC);
    if (x < 0 || a < 0 || c < 0 || strcmp(d->inst[x].model->name, "crossbar") ||
        d->inst[a].model->eclass != AIMC_EC_ADC ||
        strcmp(d->inst[c].model->name, "dac"))
      return aimc_error(
          ctx, AIMC_EINVAL,
          "%s: array %zu must be the tile '%s' with instances xbar "
          "(crossbar), dac and adc (an ADC-class model), as 'aimc map' wrote it",
          d->path, k, name);
    const aimc_design_inst *xb = &d->inst[x];
    if ((int)value_of(xb, "rows") != m->arch.rows ||
        (int)value_of(xb, "cols") != m->arch.cols)
      return aimc_error_at(
          ctx, AIMC_EINVAL, tile_loc(d, xb),
          "%s is %gx%g but the arch's arrays are %dx%d; the array "
          "size changes the mapping: map again",
          xb->name, value_of(xb, "rows"), value_of(xb, "cols"), m->arch.rows,
          m->arch.cols);
  }
  return st ? st : check_n_adc(ctx, d, m);
}

/* The file `rel` an instance of d names, from the netlist's folder (where
 * `aimc map` put the arrays folder), into file; one that cannot be read
 * is the netlist's error (exit 2) at the tile, naming `what`. */
static int file_beside(aimc_ctx *ctx, const aimc_design *d, const aimc_design_inst *in,
                       const char *rel, const char *what, char *file, size_t len) {
  aimc_path_beside(d->path, rel, file, len);
  FILE *f = fopen(file, "rb");
  if (!f)
    return aimc_error_at(ctx, AIMC_ENOTFOUND, tile_loc(d, in), "%s: %s file %s cannot be read",
                         in->name, what, file);
  fclose(f);
  return AIMC_OK;
}

int aimc_map_load_netlist_targets(aimc_ctx *ctx, const aimc_design *d,
                                  aimc_mapping *m) {
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    int x = tile_part(d, m, k, AIMC_TILE_XBAR);
    if (x < 0)
      return aimc_error(ctx, AIMC_EINVAL, "%s: array %zu has no crossbar",
                        d->path, k);
    const aimc_design_inst *xb = &d->inst[x];
    const char *t = (const char *)xb->params + param_of(xb, "targets")->offset;
    if (!*t)
      return aimc_error_at(
          ctx, AIMC_EINVAL, tile_loc(d, xb),
          "%s has no targets file (aimc run programs every array "
          "from its targets)",
          xb->name);
    char file[2 * AIMC_PARAM_STRLEN];
    st = file_beside(ctx, d, xb, t, "targets", file, sizeof file);
    if (!st) st = aimc_map_load_array_targets(ctx, m, k, file);
  }
  return st;
}

/* Array k's layout file, if its crossbar names one, against the layout
 * the mapping makes: aimc run reads every array as the mapping lays it
 * out, so a file that differs (a hand edit, or another map's) is refused
 * rather than ignored. An empty `layout` is the crossbar in volts and
 * amperes (the event path's physical read), which reads the same weights. */
static int check_layout(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *m, size_t k) {
  int x = tile_part(d, m, k, AIMC_TILE_XBAR);
  const aimc_param *q = x < 0 ? NULL : param_of(&d->inst[x], "layout");
  const char *rel = q ? (const char *)d->inst[x].params + q->offset : "";
  if (!*rel) return AIMC_OK;
  const aimc_design_inst *xb = &d->inst[x];
  char file[2 * AIMC_PARAM_STRLEN], where[96], why[512];
  int st = file_beside(ctx, d, xb, rel, "layout", file, sizeof file);
  if (st) return st;
  aimc_xbar_layout *have = NULL, *want = NULL;
  st = aimc_xbar_layout_read(ctx, file, &have);
  if (st) {
    snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
    return aimc_error_at(ctx, st, tile_loc(d, xb), "%s: layout: %s", xb->name, why);
  }
  st = aimc_map_array_layout(ctx, m, k, &want);
  if (!st && aimc_xbar_layout_diff(have, want, where, sizeof where))
    st = aimc_error_at(ctx, AIMC_EINVAL, tile_loc(d, xb),
                       "%s: layout file %s is not the mapping's layout of this array (%s "
                       "differs; aimc run reads each array as the mapping lays it out, and a "
                       "hand-edited layout is not ignored): map again",
                       xb->name, file, where);
  aimc_xbar_layout_free(ctx, have);
  aimc_xbar_layout_free(ctx, want);
  return st;
}

int aimc_map_check_netlist_layouts(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *m) {
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) st = check_layout(ctx, d, m, k);
  return st;
}

/* Part p of array k: its channels from the instance's cal file where they
 * differ from `mapped`'s, then its range. */
static int load_part_cal(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *mapped,
                         aimc_mapping *m, size_t k, aimc_tile_part p, double *fs, int *bits) {
  aimc_tile *t = &m->tiles[k];
  const aimc_tile *t0 = &mapped->tiles[k];
  int n = (int)aimc_tile_param_value(t, p, "n", 0);
  int i = tile_part(d, m, k, p);
  if (i < 0 || !t->cal_fs[p] || !t0->cal_fs[p]) return AIMC_OK;
  const aimc_param *q = param_of(&d->inst[i], "cal");
  const char *rel = q ? (const char *)d->inst[i].params + q->offset : "";
  if (*rel) {
    char file[2 * AIMC_PARAM_STRLEN];
    aimc_path_beside(d->path, rel, file, sizeof file);
    /* Its errors name the file, line and column. */
    int st = aimc_cal_read(ctx, file, aimc_tile_part_name(p), n, fs, bits);
    if (st) return st;
    for (int c = 0; c < n; c++)
      if (fs[c] != t0->cal_fs[p][c] || bits[c] != t0->cal_bits[p][c]) {
        t->cal_fs[p][c] = fs[c];
        t->cal_bits[p][c] = bits[c];
      }
  }
  aimc_cal_apply_range(aimc_tile_param_value(t, p, "range", 0), n, t->cal_fs[p]);
  return AIMC_OK;
}

int aimc_map_load_netlist(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *mapped,
                          const char *model, aimc_mapping *m, const char *const *sets,
                          int n_sets) {
  int st = aimc_map_load_netlist_tiles(ctx, d, m, sets, n_sets);
  if (!st) st = aimc_map_load_netlist_periph(ctx, d, m, sets, n_sets);
  if (!st) st = aimc_map_check_netlist_model(ctx, d, model);
  if (!st) st = aimc_map_check_netlist_wiring(ctx, d, m);
  if (!st) st = aimc_map_load_netlist_targets(ctx, d, m);
  if (!st) st = aimc_map_check_netlist_layouts(ctx, d, m);
  if (!st) st = aimc_map_load_netlist_cal(ctx, d, mapped, m);
  return st;
}

int aimc_map_load_netlist_cal(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *mapped,
                              aimc_mapping *m) {
  int n = m->arch.rows > m->arch.cols ? m->arch.rows : m->arch.cols;
  double *fs = aimc_malloc(ctx, sizeof(double) * (size_t)(n + 1));
  int *bits = aimc_malloc(ctx, sizeof(int) * (size_t)(n + 1));
  int st = fs && bits ? AIMC_OK : AIMC_ENOMEM;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    st = load_part_cal(ctx, d, mapped, m, k, AIMC_TILE_DAC, fs, bits);
    if (!st) st = load_part_cal(ctx, d, mapped, m, k, AIMC_TILE_TIA, fs, bits);
    if (!st) st = load_part_cal(ctx, d, mapped, m, k, AIMC_TILE_ADC, fs, bits);
  }
  aimc_free(ctx, fs);
  aimc_free(ctx, bits);
  return st;
}
