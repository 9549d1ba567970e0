/* The converter side of the runner (run_ws.h): each matrix's view of its
 * tiles' converters (the calibration of every row and column from the
 * model's quantizers, the TIAs' column scales, the constants each slot's
 * converters prepare once), the tile parts' static states, and the array
 * read through a tile's dac -> crossbar -> tia -> adc models. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the loops over the batch */
#endif
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "aimc/tia.h"
#include "run_ws.h"

static int at_calibration(const run_ws *w, int k, aimc_tile_part p);

/* The current each calibrated column carries per unit of its value
 * (aimc_map_slot_amps), with the tile's DAC full-scale voltage. */
static int column_amps(aimc_ctx *ctx, run_ws *w, int mi) {
  mat_view *v = &w->mv[mi];
  v->amps = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof *v->amps);
  if (!v->amps) return AIMC_ENOMEM;
  for (int si = 0; si < v->n_slots; si++) {
    const aimc_map_slot *s = v->slots[si];
    const aimc_tile *t = &w->m->tiles[v->slot_tile[si]];
    if (!(v->amps[si] = aimc_malloc(ctx, sizeof(double) * (size_t)(s->n_out + 1))))
      return AIMC_ENOMEM;
    aimc_map_slot_amps(w->m, s, aimc_tile_param_value(t, AIMC_TILE_DAC, "v_fs", w->m->arch.v_read_V),
                       v->dac_fs, v->amps[si]);
  }
  return AIMC_OK;
}

/* The constants of each slot's converters, made once: their calibration
 * is fixed for the run (convert passes them; a lone sequence would
 * otherwise work them out on every read). */
static int prepare_slots(aimc_ctx *ctx, run_ws *w, mat_view *v) {
  v->prep = aimc_calloc(ctx, (size_t)v->n_slots * AIMC_TILE_PARTS + 1, sizeof *v->prep);
  if (!v->prep) return AIMC_ENOMEM;
  for (int si = 0; si < v->n_slots; si++) {
    const aimc_map_slot *s = v->slots[si];
    const aimc_tile *t = &w->m->tiles[v->slot_tile[si]];
    /* The calibrations array_read converts with: the tile's channels. */
    const double *dac_fs = t->cal_fs[AIMC_TILE_DAC] + s->row0,
                 *adc_fs = t->cal_fs[AIMC_TILE_ADC] + s->col0;
    const aimc_eval cal[AIMC_TILE_PARTS] = {
        [AIMC_TILE_DAC] = {.n = s->n_in, .fs = dac_fs,
                           .bits = t->cal_bits[AIMC_TILE_DAC] + s->row0, .chan0 = s->row0},
        [AIMC_TILE_TIA] = {.n = s->n_out, .fs = adc_fs, .scale = v->amps[si], .chan0 = s->col0,
                           .in_fs = t->cal_fs[AIMC_TILE_TIA] + s->col0},
        [AIMC_TILE_ADC] = {.n = s->n_out, .fs = adc_fs,
                           .bits = t->cal_bits[AIMC_TILE_ADC] + s->col0, .chan0 = s->col0}};
    static const aimc_tile_part PARTS[] = {AIMC_TILE_DAC, AIMC_TILE_TIA, AIMC_TILE_ADC};
    for (size_t i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++) {
      aimc_tile_part p = PARTS[i];
      const aimc_model *md = t->model[p];
      if (!md->prepare || cal[p].n <= 0) continue;
      void *prep = aimc_malloc(ctx, md->prep_chan * (size_t)cal[p].n);
      if (!prep) return AIMC_ENOMEM;
      aimc_eval e = cal[p];
      e.params = t->params[p];
      e.state = w->part_state[(size_t)v->slot_tile[si] * AIMC_TILE_PARTS + p];
      md->prepare(&e, prep);
      v->prep[(size_t)si * AIMC_TILE_PARTS + p] = prep;
    }
  }
  return AIMC_OK;
}

int aimc_infer_view_init(aimc_ctx *ctx, run_ws *w, int mi) {
  const aimc_map_matrix *mx = &w->m->mats[mi];
  mat_view *v = &w->mv[mi];
  size_t ni = (size_t)mx->n_in + 1, no = (size_t)mx->n_out + 1;
  v->dac_fs = aimc_calloc(ctx, ni, sizeof(double));
  v->adc_fs = aimc_calloc(ctx, no, sizeof(double));
  v->dac_bits = aimc_calloc(ctx, ni, sizeof(int));
  v->adc_bits = aimc_calloc(ctx, no, sizeof(int));
  v->on_grid = aimc_calloc(ctx, ni, 1);
  if (!v->dac_fs || !v->adc_fs || !v->dac_bits || !v->adc_bits || !v->on_grid)
    return AIMC_ENOMEM;
  for (size_t k = 0; k < w->m->n_arrays; k++) v->n_slots += w->m->arrays[k].n_place;
  v->slots = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof *v->slots);
  v->slot_tile = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof(int));
  if (!v->slots || !v->slot_tile) return AIMC_ENOMEM;
  v->n_slots = 0;
  for (size_t k = 0; k < w->m->n_arrays; k++)
    for (int p = 0; p < w->m->arrays[k].n_place; p++)
      if (w->m->arrays[k].place[p].matrix == mi) {
        v->slot_tile[v->n_slots] = (int)k;
        v->slots[v->n_slots++] = &w->m->arrays[k].place[p];
      }
  v->plans = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof *v->plans);
  if (!v->plans) return AIMC_ENOMEM;
  const double *W = aimc_hw_weights(w->hw, (size_t)mi);
  for (int si = 0; si < v->n_slots; si++) {
    const aimc_map_slot *s = v->slots[si];
    int b = s->block;
    size_t at = aimc_map_matrix_index(mx, b, s->out0 - mx->out_off[b], s->in0 - mx->in_off[b]);
    aimc_xbar_read_src src = {s->n_in, s->n_out, (size_t)(mx->in_off[b + 1] - mx->in_off[b]),
                              W + at, w->hw->nvar[mi] ? w->hw->nvar[mi] + at : NULL,
                              mx->is_value + at, mx->row_gain + s->in0};
    int st = aimc_xbar_plan_build(ctx, &src, &v->plans[si]);
    if (st) return st;
  }
  /* Column sums split over arrays (tiles along rows) are added up. */
  int *cover = aimc_calloc(ctx, no, sizeof(int));
  if (!cover) return AIMC_ENOMEM;
  for (int si = 0; si < v->n_slots; si++)
    for (int j = 0; j < v->slots[si]->n_out; j++) cover[v->slots[si]->out0 + j]++;
  v->exclusive = 1;
  for (int j = 0; j < mx->n_out; j++) v->exclusive &= cover[j] == 1;
  aimc_free(ctx, cover);
  v->calibrated = aimc_map_kind_calibrated(mx->kind);
  if (!v->calibrated) return AIMC_OK;
  /* The model's calibration: what the tiles' channels are unless edited. */
  aimc_map_cal c = {v->dac_fs, v->adc_fs, v->dac_bits, v->adc_bits, v->on_grid, {0, 0}};
  aimc_map_matrix_cal(w->m, mi, w->mdl, &c);
  v->post = c.post;
  int st = column_amps(ctx, w, mi);
  return st ? st : prepare_slots(ctx, w, v);
}

/* One walk over every slot of a calibrated matrix marks, per array, where
 * its channels differ from what the mapping computes: `edited`, a DAC row
 * or ADC column other than the model's calibration (a hand edit of the
 * calibration file, or a converter's range); `recal`, a TIA column
 * calibrated to another full-scale current than the one it carries at its
 * ADC's full scale (a hand edit, or a read voltage changed since the map),
 * whose TIAs then scale the column and are evaluated. */
static void find_edited(const run_ws *w, unsigned char *edited, unsigned char *recal) {
  for (size_t mi = 0; mi < w->m->n_mats; mi++) {
    const mat_view *v = &w->mv[mi];
    for (int si = 0; v->calibrated && si < v->n_slots; si++) {
      const aimc_map_slot *s = v->slots[si];
      int k = v->slot_tile[si];
      const aimc_tile *t = &w->m->tiles[k];
      for (int i = 0; i < s->n_in; i++)
        edited[k] |= t->cal_fs[AIMC_TILE_DAC][s->row0 + i] != v->dac_fs[s->in0 + i] ||
                     t->cal_bits[AIMC_TILE_DAC][s->row0 + i] != v->dac_bits[s->in0 + i];
      for (int j = 0; j < s->n_out; j++) {
        const double adc_fs = t->cal_fs[AIMC_TILE_ADC][s->col0 + j];
        edited[k] |= adc_fs != v->adc_fs[s->out0 + j] ||
                     t->cal_bits[AIMC_TILE_ADC][s->col0 + j] != v->adc_bits[s->out0 + j];
        recal[k] |= aimc_tia_recalibrated(t->cal_fs[AIMC_TILE_TIA][s->col0 + j], v->amps[si][j],
                                          adc_fs);
      }
    }
  }
}

/* Which state rows carry words already on their DAC's grid, so that an
 * exact DAC passes them as they are (quantizing a grid value gives it
 * back): the separate form's register quantizes the state to quant_x; the
 * single form's state columns are converted by ADCs at that calibration
 * when every tile of the matrix converts at it and no column adds partial
 * sums (or the state is not quantized at all). Only while every tile of
 * the layer keeps the model's calibration. */
int aimc_infer_grid_init(aimc_ctx *ctx, run_ws *w) {
  const aimc_mapping *m = w->m;
  w->dac_exact = aimc_calloc(ctx, m->n_arrays + 1, 1);
  if (!w->dac_exact) return AIMC_ENOMEM;
  w->tia_on = aimc_calloc(ctx, m->n_arrays + 1, 1);
  w->hold_on = aimc_calloc(ctx, m->n_arrays + 1, 1);
  unsigned char *edited = aimc_calloc(ctx, 2 * (m->n_arrays + 1), 1);
  if (!w->tia_on || !w->hold_on || !edited) {
    aimc_free(ctx, edited);
    return AIMC_ENOMEM;
  }
  unsigned char *recal = edited + m->n_arrays + 1;
  find_edited(w, edited, recal);
  for (size_t k = 0; k < m->n_arrays; k++) {
    /* A register that re-quantizes takes the state off the DACs' grid. */
    w->hold_on[k] = aimc_tile_param_value(&m->tiles[k], AIMC_TILE_HOLD, "range", 0) > 0;
    edited[k] |= w->hold_on[k];
  }
  for (size_t k = 0; k < m->n_arrays; k++) {
    w->dac_exact[k] = (unsigned char)(at_calibration(w, (int)k, AIMC_TILE_DAC) && !edited[k]);
    const aimc_tile *t = &m->tiles[k]; /* the tia's one rule (aimc/tia.h) */
    w->tia_on[k] =
        (unsigned char)(!aimc_tia_transparent(t->model[AIMC_TILE_TIA], t->params[AIMC_TILE_TIA]) ||
                        recal[k]);
  }
  int unquantized = !m->arch.ni_converter || w->mdl->quant_x.bits <= 0;
  for (int l = 0; l < w->mdl->layers; l++) {
    int grid = m->arch.form == AIMC_FORM_SEPARATE || unquantized;
    for (size_t k = 0; k < m->n_arrays; k++) grid &= !(m->arrays[k].layer == l && edited[k]);
    const mat_view *sv = w->ssm[l] >= 0 ? &w->mv[w->ssm[l]] : NULL;
    if (!grid && sv && sv->exclusive) {
      grid = 1;
      for (int si = 0; si < sv->n_slots; si++) {
        int k = sv->slot_tile[si];
        const aimc_tile *t = &m->tiles[k];
        if (t->model[AIMC_TILE_ADC] != aimc_tile_part_model(AIMC_TILE_ADC) ||
            aimc_tile_param_value(t, AIMC_TILE_ADC, "bits", 0) != 0)
          grid = 0;
      }
    }
    for (size_t i = 0; i < m->n_mats; i++)
      if (m->mats[i].layer == l && w->mv[i].calibrated && !grid)
        memset(w->mv[i].on_grid, 0, (size_t)m->mats[i].n_in);
  }
  aimc_free(ctx, edited);
  return AIMC_OK;
}

/* The static state of every tile part whose model keeps one (a DAC's
 * mismatch), drawn once per run from the stream of the part's netlist
 * instance (aimc_seed_static, as the instance's init draws it): one chip,
 * the same for every sequence and in both paths. */
int aimc_infer_part_states_init(aimc_ctx *ctx, run_ws *w) {
  size_t n = w->m->n_arrays * AIMC_TILE_PARTS;
  w->part_state = aimc_calloc(ctx, n + 1, sizeof *w->part_state);
  if (!w->part_state) return AIMC_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const aimc_tile *t = &w->m->tiles[i / AIMC_TILE_PARTS];
    int p = (int)(i % AIMC_TILE_PARTS);
    const aimc_model *md = t->model[p];
    if (!md->eval_state_size || !md->eval_state_init) continue;
    if (!(w->part_state[i] = aimc_calloc(ctx, 1, md->eval_state_size(t->params[p]))))
      return AIMC_ENOMEM;
    char name[96];
    aimc_map_part_name(w->m, i / AIMC_TILE_PARTS, (aimc_tile_part)p, name, sizeof name);
    aimc_xs128p g;
    aimc_xs128p_seed(&g, aimc_seed_static(aimc_ctx_seed(ctx), aimc_hash_str(name)));
    md->eval_state_init(t->params[p], w->part_state[i], &g);
  }
  return AIMC_OK;
}

/* 1 when part p of array k converts exactly at its calibration (bits 0,
 * no gain error, offset or noise): quantizing a word already on the
 * calibration's grid then gives it back, bit for bit. */
static int at_calibration(const run_ws *w, int k, aimc_tile_part p) {
  const aimc_tile *t = &w->m->tiles[k];
  static const char *const KEYS[] = {"bits", "gain_err", "offset", "inl_lsb", "noise",
                                     "noise_lsb"};
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
    if (aimc_tile_param_value(t, p, KEYS[i], 0) != 0) return 0;
  return t->model[p] == aimc_tile_part_model(p);
}

aimc_lanes aimc_infer_part_lanes(const run_ws *w, int k, aimc_tile_part p) {
  aimc_lanes l = w->lanes;
  l.rng = w->noise + ((size_t)k * AIMC_TILE_PARTS + p) * (size_t)w->bp_max;
  return l;
}

/* n channels of one of array k's converters (part p: its model and
 * params as the netlist gives them), with the calibration of the channels
 * they carry, from channel c0 of slot si's (its prepared constants). */
static int convert(run_ws *w, const mat_view *v, int si, aimc_tile_part p, int c0,
                   const double *fs, const int *bits, int n, const double *in,
                   const double *in_var, const double *scale, double *out) {
  int k = v->slot_tile[si];
  const aimc_tile *t = &w->m->tiles[k];
  const void *prep = v->prep ? v->prep[(size_t)si * AIMC_TILE_PARTS + p] : NULL;
  const aimc_map_slot *s = v->slots[si];
  const double *in_fs = p == AIMC_TILE_TIA ? t->cal_fs[p] + s->col0 + c0 : NULL;
  aimc_eval e = {t->params[p], w->part_state[(size_t)k * AIMC_TILE_PARTS + p], n, fs, bits,
                 in_var, scale, aimc_model_prep_at(t->model[p], prep, c0),
                 (p == AIMC_TILE_DAC ? s->row0 : s->col0) + c0, in_fs};
  aimc_lanes l = aimc_infer_part_lanes(w, k, p);
  return aimc_model_eval_batch(t->model[p], &e, in, out, &l);
}

/* One read of every array holding matrix mi, for the whole batch: each
 * slot's rows go through its tile's DACs, the crossbar sums the column
 * currents with read noise (aimc/xbar_read.h), and the tile's ADCs
 * convert. Partial sums of a column split over tiles are converted by
 * each tile and added. */
/* A slot's converted columns added to the matrix's outputs (partial sums
 * of columns split over tiles). */
static void add_slot(const aimc_map_slot *s, const double *dst, size_t bp, double *out) {
  for (size_t e = 0; e < (size_t)s->n_out * bp; e++) out[(size_t)s->out0 * bp + e] += dst[e];
}

int aimc_infer_slot_drive(run_ws *w, const mat_view *v, int si, const double *in,
                          double *drive, const double **rows) {
  const aimc_map_slot *s = v->slots[si];
  int k = v->slot_tile[si], st = AIMC_OK;
  const aimc_tile *t = &w->m->tiles[k];
  size_t bp = (size_t)w->bp;
  const double *x = in + (size_t)s->in0 * bp;
  *rows = x;
  if (!v->calibrated) return AIMC_OK;
  int skip = w->dac_exact[k]; /* rows on their grid pass an exact DAC as they are */
  for (int i = 0, i1; i < s->n_in && !st; i = i1) {
    int grid = skip && v->on_grid[s->in0 + i];
    for (i1 = i + 1; i1 < s->n_in && (skip && v->on_grid[s->in0 + i1]) == grid; i1++) {}
    size_t at = (size_t)i * bp;
    if (grid) memcpy(drive + at, x + at, sizeof(double) * (size_t)(i1 - i) * bp);
    else
      st = convert(w, v, si, AIMC_TILE_DAC, i, t->cal_fs[AIMC_TILE_DAC] + s->row0 + i,
                   t->cal_bits[AIMC_TILE_DAC] + s->row0 + i, i1 - i, x + at, NULL, NULL,
                   drive + at);
  }
  *rows = drive;
  return st;
}

int aimc_infer_slot_var(const run_ws *w, const mat_view *v, int si) {
  int k = v->slot_tile[si];
  aimc_tile_part sink = aimc_infer_slot_tia(w, v, si) ? AIMC_TILE_TIA : AIMC_TILE_ADC;
  return v->calibrated && aimc_xbar_plan_noisy(v->plans[si]) &&
         w->m->tiles[k].model[sink]->draws_in_var;
}

int aimc_infer_slot_tia(const run_ws *w, const mat_view *v, int si) {
  return v->calibrated && w->tia_on[v->slot_tile[si]];
}

int aimc_infer_slot_convert(run_ws *w, const mat_view *v, int si, aimc_tile_part p, double *col,
                            const double *var) {
  const aimc_map_slot *s = v->slots[si];
  const aimc_tile *t = &w->m->tiles[v->slot_tile[si]];
  const double *fs = t->cal_fs[AIMC_TILE_ADC] + s->col0;
  if (p == AIMC_TILE_TIA)
    return convert(w, v, si, AIMC_TILE_TIA, 0, fs, NULL, s->n_out, col, var, v->amps[si], col);
  return convert(w, v, si, AIMC_TILE_ADC, 0, fs, t->cal_bits[AIMC_TILE_ADC] + s->col0, s->n_out,
                 col, var, NULL, col);
}

int aimc_infer_array_read(run_ws *w, int mi, const double *in, double *out) {
  const mat_view *v = &w->mv[mi];
  if (v->across) return aimc_infer_across_read(w, mi, in, out);
  double rel = 1; /* each tile's device read noise is in its variance factors (hw.c) */
  size_t bp = (size_t)w->bp;
  int st = AIMC_OK;
  if (!v->exclusive) memset(out, 0, sizeof(double) * w->m->mats[mi].n_out * bp);
  for (int si = 0; si < v->n_slots && !st; si++) {
    const aimc_map_slot *s = v->slots[si];
    const double *x;
    st = aimc_infer_slot_drive(w, v, si, in, w->drive, &x);
    double *dst = v->exclusive ? out + (size_t)s->out0 * bp : w->part;
    /* The read noise goes to the TIA, else the ADC, as a variance when it
     * draws it with its own noise (one deviate: independent Gaussians add). */
    int tia = aimc_infer_slot_tia(w, v, si);
    double *var = aimc_infer_slot_var(w, v, si) ? w->part_var : NULL;
    aimc_lanes xl = aimc_infer_part_lanes(w, v->slot_tile[si], AIMC_TILE_XBAR);
    if (!st) aimc_xbar_read(v->plans[si], x, rel, dst, var, &xl, w->read_tmp);
    if (!st && tia) st = aimc_infer_slot_convert(w, v, si, AIMC_TILE_TIA, dst, var);
    if (!st && v->calibrated)
      st = aimc_infer_slot_convert(w, v, si, AIMC_TILE_ADC, dst, tia ? NULL : var);
    if (!v->exclusive) add_slot(s, dst, bp, out);
  }
  return st;
}

int aimc_infer_hold(run_ws *w, int mi, double *buf) {
  const mat_view *v = &w->mv[mi];
  size_t bp = (size_t)w->bp;
  int st = AIMC_OK;
  for (int si = 0; si < v->n_slots && !st; si++) {
    int k = v->slot_tile[si];
    if (!w->hold_on[k]) continue;
    const aimc_map_slot *s = v->slots[si];
    const aimc_tile *t = &w->m->tiles[k];
    aimc_eval e = {t->params[AIMC_TILE_HOLD], NULL, s->n_out, NULL, NULL, NULL, NULL, NULL,
                   s->col0, NULL};
    double *x = buf + (size_t)s->out0 * bp;
    aimc_lanes l = aimc_infer_part_lanes(w, k, AIMC_TILE_HOLD);
    st = aimc_model_eval_batch(t->model[AIMC_TILE_HOLD], &e, x, x, &l);
  }
  return st;
}

void aimc_infer_views_free(aimc_ctx *ctx, run_ws *w) {
  for (size_t i = 0; w->mv && i < w->m->n_mats; i++) {
    mat_view *v = &w->mv[i];
    aimc_infer_across_free(ctx, v->across);
    for (int si = 0; v->plans && si < v->n_slots; si++) aimc_xbar_plan_free(ctx, v->plans[si]);
    for (int si = 0; v->amps && si < v->n_slots; si++) aimc_free(ctx, v->amps[si]);
    for (int j = 0; v->prep && j < v->n_slots * AIMC_TILE_PARTS; j++) aimc_free(ctx, v->prep[j]);
    void *bufs[] = {v->prep,   v->plans,    v->amps,  v->dac_fs,    v->adc_fs,
                    v->dac_bits, v->adc_bits, v->slots, v->slot_tile, v->on_grid};
    for (size_t j = 0; j < sizeof bufs / sizeof bufs[0]; j++) aimc_free(ctx, bufs[j]);
  }
  for (size_t i = 0; w->part_state && i < w->m->n_arrays * AIMC_TILE_PARTS; i++)
    aimc_free(ctx, w->part_state[i]);
  aimc_free(ctx, w->part_state);
  w->part_state = NULL;
}
