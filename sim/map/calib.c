/* The converters' calibration: each channel's full scale and resolution
 * from the model's quantizers (aimc_map_matrix_cal) and each column's
 * full-scale current (aimc_map_slot_amps), and the tiles' copy of it,
 * channel by channel, that the netlist's calibration files carry
 * (aimc/calibration.h; written by emit.c, read back by netlist_hw.c). The
 * ideal netlist then converts every word exactly as the quantized model
 * does. */
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "aimc/tia.h"
#include "map_internal.h"

int aimc_map_kind_calibrated(aimc_op_kind k) {
  return k == AIMC_OP_SSM || k == AIMC_OP_SSM_A || k == AIMC_OP_SSM_B || k == AIMC_OP_SSM_CD;
}

/* The quantizer a channel carrying q's values needs: q itself when
 * converters are modelled, else exact (over q's range). */
static aimc_quant carried(const aimc_arch *a, const aimc_quant *q) {
  return (aimc_quant){a->ni_converter && q->range > 0 ? q->bits : 0, q->range};
}

/* Rows of a channel block: [x; u; u_{t-1}] (single form), [x; u] (C/D),
 * x (A), u (B). Columns: [x; y] (single), y (C/D), x (A, B: partial sums
 * at the state's range, quantized to it in the register). */
static void calibrate_block(aimc_map_cal *c, const aimc_map_matrix *mx, int b,
                            const aimc_arch *a, const aimc_s4d_model *mdl) {
  aimc_quant qu = carried(a, &mdl->quant_u), qx = carried(a, &mdl->quant_x),
             qy = carried(a, &mdl->quant_y), part = {0, qx.range};
  int i0 = mx->in_off[b], ni = mx->in_off[b + 1] - i0;
  int j0 = mx->out_off[b], nj = mx->out_off[b + 1] - j0;
  int ns = mx->kind == AIMC_OP_SSM ? ni - 2 : mx->kind == AIMC_OP_SSM_CD ? ni - 1
           : mx->kind == AIMC_OP_SSM_A ? ni : 0;
  for (int i = 0; i < ni; i++) {
    const aimc_quant *q = i < ns ? &qx : &qu;
    c->in_fs[i0 + i] = q->range;
    c->in_bits[i0 + i] = q->bits;
    c->in_state[i0 + i] = i < ns;
  }
  for (int j = 0; j < nj; j++) {
    const aimc_quant *q = mx->kind == AIMC_OP_SSM ? (j == nj - 1 ? &qy : &qx)
                          : mx->kind == AIMC_OP_SSM_CD ? &qy : &part;
    c->out_fs[j0 + j] = q->range;
    c->out_bits[j0 + j] = q->bits;
  }
  if (mx->kind == AIMC_OP_SSM_A || mx->kind == AIMC_OP_SSM_B) c->post = qx;
}

void aimc_map_matrix_cal(const aimc_mapping *m, int mi, const aimc_s4d_model *mdl,
                         aimc_map_cal *c) {
  const aimc_map_matrix *mx = &m->mats[mi];
  c->post = (aimc_quant){0, 0};
  for (int b = 0; aimc_map_kind_calibrated(mx->kind) && b < mx->n_blocks; b++)
    calibrate_block(c, mx, b, &m->arch, mdl);
}

/* Block b's top: its largest |row gain| x DAC full scale over all its
 * rows (which may lie in other arrays). */
static double block_top(const aimc_map_matrix *mx, int b, const double *in_fs) {
  double top = 0;
  for (int i = mx->in_off[b]; i < mx->in_off[b + 1]; i++)
    top = fmax(top, fabs(mx->row_gain[i]) * in_fs[i]);
  return top;
}

void aimc_map_slot_amps(const aimc_mapping *m, const aimc_map_slot *s, double dac_v_fs,
                        const double *in_fs, double *amps) {
  const aimc_map_matrix *mx = &m->mats[s->matrix];
  double span = m->arch.g_max_S - m->arch.g_min_S, top = block_top(mx, s->block, in_fs);
  for (int j = 0; j < s->n_out; j++)
    amps[j] = aimc_tia_column_amps(span, dac_v_fs, top, mx->col_gain[s->out0 + j]);
}

/* Channels that carry nothing convert exactly at full scale 1. */
static int tile_cal_alloc(aimc_ctx *ctx, aimc_tile *t, aimc_tile_part p, int n) {
  t->cal_fs[p] = aimc_malloc(ctx, sizeof(double) * (size_t)(n + 1));
  t->cal_bits[p] = aimc_calloc(ctx, (size_t)n + 1, sizeof(int));
  if (!t->cal_fs[p] || !t->cal_bits[p]) return AIMC_ENOMEM;
  for (int c = 0; c < n; c++) t->cal_fs[p][c] = 1;
  return AIMC_OK;
}

/* Copies matrix mi's calibration onto the channels of every slot that
 * holds it: slot rows on the dac's channels from row0, columns on the
 * adc's from col0. */
static int copy_to_tiles(aimc_ctx *ctx, aimc_mapping *m, int mi, const aimc_map_cal *c) {
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_tile *t = &m->tiles[k];
    int rows = (int)aimc_tile_param_value(t, AIMC_TILE_DAC, "n", m->arch.rows),
        cols = (int)aimc_tile_param_value(t, AIMC_TILE_ADC, "n", m->arch.cols);
    for (int p = 0; p < m->arrays[k].n_place; p++) {
      aimc_map_slot *s = &m->arrays[k].place[p];
      if (s->matrix != mi) continue;
      if (s->row0 + s->n_in > rows || s->col0 + s->n_out > cols)
        return aimc_error(ctx, AIMC_ESHAPE, "array %zu: a slot outside its %dx%d converters",
                          k, rows, cols);
      memcpy(t->cal_fs[AIMC_TILE_DAC] + s->row0, c->in_fs + s->in0,
             sizeof(double) * (size_t)s->n_in);
      memcpy(t->cal_bits[AIMC_TILE_DAC] + s->row0, c->in_bits + s->in0,
             sizeof(int) * (size_t)s->n_in);
      memcpy(t->cal_fs[AIMC_TILE_ADC] + s->col0, c->out_fs + s->out0,
             sizeof(double) * (size_t)s->n_out);
      memcpy(t->cal_bits[AIMC_TILE_ADC] + s->col0, c->out_bits + s->out0,
             sizeof(int) * (size_t)s->n_out);
      /* The TIAs map each column's full-scale current to their v_fs. */
      double *i_fs = t->cal_fs[AIMC_TILE_TIA] + s->col0;
      aimc_map_slot_amps(m, s, aimc_tile_param_value(t, AIMC_TILE_DAC, "v_fs", m->arch.v_read_V),
                         c->in_fs, i_fs);
      for (int j = 0; j < s->n_out; j++) i_fs[j] *= c->out_fs[s->out0 + j];
      /* The layout carries the block's top for the event TIA (words 1). */
      s->top = block_top(&m->mats[mi], s->block, c->in_fs);
    }
  }
  return AIMC_OK;
}

int aimc_map_calibrate_tiles(aimc_ctx *ctx, aimc_mapping *m, const aimc_s4d_model *mdl) {
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    aimc_tile *t = &m->tiles[k];
    st = tile_cal_alloc(ctx, t, AIMC_TILE_DAC,
                        (int)aimc_tile_param_value(t, AIMC_TILE_DAC, "n", m->arch.rows));
    int cols = (int)aimc_tile_param_value(t, AIMC_TILE_ADC, "n", m->arch.cols);
    if (!st) st = tile_cal_alloc(ctx, t, AIMC_TILE_ADC, cols);
    if (!st) st = tile_cal_alloc(ctx, t, AIMC_TILE_TIA, cols);
  }
  for (size_t mi = 0; mi < m->n_mats && !st; mi++) {
    const aimc_map_matrix *mx = &m->mats[mi];
    if (!aimc_map_kind_calibrated(mx->kind)) continue;
    size_t ni = (size_t)mx->n_in + 1, no = (size_t)mx->n_out + 1;
    aimc_map_cal c = {aimc_calloc(ctx, ni, sizeof(double)), aimc_calloc(ctx, no, sizeof(double)),
                      aimc_calloc(ctx, ni, sizeof(int)), aimc_calloc(ctx, no, sizeof(int)),
                      aimc_calloc(ctx, ni, 1), {0, 0}};
    if (!c.in_fs || !c.out_fs || !c.in_bits || !c.out_bits || !c.in_state) st = AIMC_ENOMEM;
    if (!st) {
      aimc_map_matrix_cal(m, (int)mi, mdl, &c);
      st = copy_to_tiles(ctx, m, (int)mi, &c);
    }
    void *bufs[] = {c.in_fs, c.out_fs, c.in_bits, c.out_bits, c.in_state};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) aimc_free(ctx, bufs[i]);
  }
  return st;
}
