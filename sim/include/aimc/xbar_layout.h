/* What one crossbar array holds, as far as reading it in digital units
 * needs (the read plan of aimc/xbar_read.h): its slots, each a dense
 * rectangle of one block of a mapped matrix, with the gains that turn a
 * device pair's conductance difference into the weight it stands for, and
 * which entries hold model values (the others are the layout's structural
 * zeros, read in closed form). `aimc map` writes it beside each array's
 * targets (<stem>.arrays/array<k>.layout.json); the batched runner and the
 * event crossbar derive the same effective weights from it
 * (aimc_xbar_slot_weights), so both read the same numbers.
 *
 * The file (JSON; every number written so that it reads back exactly):
 *
 *     {"rows": 64, "cols": 64, "pair": "rows", "span_S": 9.5e-05, "exact_zeros": true,
 *      "slots": [{"row0": 0, "col0": 0, "n_in": 18, "n_out": 17,
 *                 "row_gain": [...n_in], "col_gain": [...n_out],
 *                 "values": ["0110...", ...n_out strings of n_in 0/1],
 *                 "w": [...n_out * n_in, column by column], "top": 3.5}]}
 *
 * rows, cols: the array's devices; pair: where a weight's second device
 * sits ("rows": the row below, "cols": the column beside); span_S:
 * g_max - g_min; exact_zeros: the devices of structural zeros are left
 * unpulsed at their targets (the programming's pulsed cells,
 * aimc_xbar_layout_pulsed); row0, col0, n_in, n_out: the slot's logical rows and
 * columns (physical = x2 along the pair). Weight w_ji = row_gain_i *
 * col_gain_j * (G+ - G-) / span_S; an array whose devices all hold their
 * targets (no drift, no wire resistance) reads with the exact weights w
 * instead, so that ideal hardware computes the quantized model bit for
 * bit. */
#ifndef AIMC_XBAR_LAYOUT_H
#define AIMC_XBAR_LAYOUT_H

#include <stddef.h>

#include "aimc/context.h"
#include "aimc/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int row0, col0, n_in, n_out;
  double *row_gain;        /* n_in                                     */
  double *col_gain;        /* n_out                                    */
  unsigned char *is_value; /* n_out x n_in: column j's rows at [j n_in] */
  double *w;               /* n_out x n_in: the exact weights (what    */
                           /* devices at their targets stand for)      */
  /* The block's largest |row gain| x DAC full scale (aimc_map_slot_amps):
   * a column j then carries span_S v / (top |col_gain_j|) amperes per
   * unit of its value at a DAC full-scale voltage v (the words tia's
   * scale); 0: not given (optional key "top"). */
  double top;
} aimc_xbar_slot;

typedef struct {
  int rows, cols;
  int rf, cf; /* logical -> physical factors: (2, 1) pairs along rows, (1, 2) along columns */
  double span_S;
  int exact_zeros; /* the devices of structural zeros stay unpulsed */
  int n_slots;
  aimc_xbar_slot *slot;
} aimc_xbar_layout;

/* A layout of n_slots slots of the given shapes, gains and weights 0 and
 * every entry a value; NULL when out of memory (or a shape < 1). */
aimc_xbar_layout *aimc_xbar_layout_alloc(aimc_ctx *ctx, int n_slots, const int *n_in,
                                         const int *n_out);
void aimc_xbar_layout_free(aimc_ctx *ctx, aimc_xbar_layout *l);

/* Reads a layout file. Malformed JSON (with path:line:col), a missing or
 * mistyped key, a slot outside the array or overlapping another, a gain
 * that is not finite, or a values string of the wrong length or with
 * other characters than 0 and 1 fail with AIMC_EFORMAT / AIMC_ESHAPE and
 * a message naming the path and the key (slots[2].col_gain[5]). */
int aimc_xbar_layout_read(aimc_ctx *ctx, const char *path, aimc_xbar_layout **out);
/* Checks a layout made in memory as the reader checks a file's. */
int aimc_xbar_layout_check(aimc_ctx *ctx, const char *path, const aimc_xbar_layout *l);
/* Writes it atomically. */
int aimc_xbar_layout_write(aimc_ctx *ctx, const char *path, const aimc_xbar_layout *l);
/* 0 when a and b are the same layout, bit for bit (a written file reads
 * back exactly); else 1 with `where` naming the first key that differs as
 * the file spells it ("span_S", "slots[2].w[5]", "slots[0].values[3][1]"). */
int aimc_xbar_layout_diff(const aimc_xbar_layout *a, const aimc_xbar_layout *b, char *where,
                          size_t len);

/* Physical cell of the positive device of entry (i, j) of slot s, and of
 * its negative device, in a rows x cols row-major grid. */
static inline size_t aimc_xbar_slot_pos(const aimc_xbar_layout *l, const aimc_xbar_slot *s,
                                        int i, int j) {
  return (size_t)(s->row0 + i) * (size_t)l->rf * (size_t)l->cols +
         (size_t)(s->col0 + j) * (size_t)l->cf;
}
static inline size_t aimc_xbar_slot_neg(const aimc_xbar_layout *l, size_t pos) {
  return pos + (size_t)(l->rf - 1) * (size_t)l->cols + (size_t)(l->cf - 1);
}

/* The weight a device pair stands for, and its read-noise variance factor
 * for a device read-noise sigma whose square is r2 (the event crossbar's
 * sigma^2 sum_i v_i^2 G_ij^2 in the same units). gain: row_gain * col_gain
 * / span. The one formula of the runner and the event crossbar. */
static inline double aimc_xbar_pair_weight(double gain, double gp, double gn) {
  return gain * (gp - gn);
}
static inline float aimc_xbar_pair_nvar(double gain, double r2, double gp, double gn) {
  return (float)(r2 * gain * gain * (gp * gp + gn * gn));
}

/* Slot s's effective weights from the array's conductances g (rows x
 * cols): w[j n_in + i], and with r2 > 0 their variance factors nv (same
 * layout; NULL to skip). */
void aimc_xbar_slot_weights(const aimc_xbar_layout *l, int s, const double *g, double r2,
                            double *w, float *nv);

/* The cells value programming pulses (aimc_xbar_prog_opts.pulsed): both
 * devices of every placed weight, but a structural zero's when
 * exact_zeros. pulsed: rows x cols flags. */
void aimc_xbar_layout_pulsed(const aimc_xbar_layout *l, unsigned char *pulsed);

/* What a full-scale read of the array asks of its crossbar (the use
 * its op_cost prices): every physical row a slot drives, at v_read, with
 * the conductances g (rows x cols) along those rows summed. */
aimc_op_use aimc_xbar_layout_read_use(const aimc_xbar_layout *l, const double *g);

/* 1 when both devices of every placed weight hold their targets: g equals
 * tg there (rows x cols each). With no drift and no wire resistance the
 * array then reads the exact weights (aimc run and the event crossbar
 * decide it by this, per array). */
int aimc_xbar_layout_at_targets(const aimc_xbar_layout *l, const double *g, const double *tg);

#ifdef __cplusplus
}
#endif
#endif
