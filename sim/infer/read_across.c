/* A lone sequence's read of one matrix, across its arrays (run_ws.h): a
 * lone read has no lanes to fill vector loops, but its slots sit on many
 * tiles whose streams are independent. So the crossbars of slots of one
 * shape read side by side (aimc_xbar_read_across, lane a one plan), and
 * the tiles' ADCs convert side by side (their model's eval_across), where
 * a lone ADC's channels are one chain of draws from its stream. Each
 * tile's streams are still used in the order convert.c uses them: round r
 * holds the r-th slot of every tile (slot order), and rounds go one after
 * the other. */
#include <string.h>

#include "aimc/status.h"
#include "run_ws.h"

/* Slots of a round whose crossbars read side by side: one shape, all
 * noisy or none, their noise drawn in the read or all left to the
 * converters; xa NULL: read one by one. */
typedef struct {
  int n;
  int *slot;
  aimc_xbar_across *xa;
} read_group;

/* The r-th slot of every tile that has one, longest first. */
typedef struct {
  int n_lanes, n;
  int *active; /* n: lanes with more than c columns                 */
  int *slot;   /* n_lanes: each lane's slot                         */
  void *prep;  /* the lanes' ADC constants word by word (aimc_across) */
  int n_groups;
  read_group *group;
  int direct;  /* one group of every lane and no TIA: the crossbars'  */
               /* columns go straight to the ADCs                     */
} across_round;

struct run_across {
  const aimc_model *md; /* every slot's ADC model                    */
  int n_rounds, var;    /* var: the ADCs draw the read noise          */
  across_round *round;
  size_t *col_off;      /* per slot: its columns in col and var      */
  double *col, *vr;     /* the slots' columns before their ADCs       */
  size_t *row_off;      /* per slot: its rows in drv                 */
  double *drv;          /* the slots' rows after their DACs          */
  const double **rows;  /* per slot: its rows (drv, or the input's)  */
  double *in, *in_var, *out; /* one round (or group) interleaved     */
  double *read_tmp;     /* the groups' read scratch                  */
  aimc_xs128p *rng;
  uint64_t *bits;
  double *z;
};

/* 1 when slot si's ADCs draw its read-noise variance (not its TIAs). */
static int adc_draws_var(const run_ws *w, const mat_view *v, int si) {
  return aimc_infer_slot_var(w, v, si) && !aimc_infer_slot_tia(w, v, si);
}

/* The ADC model every slot shares and whether the read noise reaches it,
 * or NULL when the slots' ADCs cannot convert together. */
static const aimc_model *shared_adc(const run_ws *w, const mat_view *v, int *var) {
  const aimc_model *md = w->m->tiles[v->slot_tile[0]].model[AIMC_TILE_ADC];
  *var = adc_draws_var(w, v, 0);
  if (!md->eval_across || !md->prep_chan || md->prep_chan % sizeof(double)) return NULL;
  for (int si = 0; si < v->n_slots; si++)
    if (w->m->tiles[v->slot_tile[si]].model[AIMC_TILE_ADC] != md ||
        !v->prep[(size_t)si * AIMC_TILE_PARTS + AIMC_TILE_ADC] || adc_draws_var(w, v, si) != *var)
      return NULL;
  return md;
}

/* Two slots whose crossbars read side by side. */
static int same_read(const run_ws *w, const mat_view *v, int s0, int s1) {
  const aimc_map_slot *a = v->slots[s0], *b = v->slots[s1];
  return a->n_in == b->n_in && a->n_out == b->n_out &&
         aimc_xbar_plan_noisy(v->plans[s0]) == aimc_xbar_plan_noisy(v->plans[s1]) &&
         aimc_infer_slot_var(w, v, s0) == aimc_infer_slot_var(w, v, s1);
}

/* The round's slots in read groups, each group's union plan built when it
 * has two slots or more. */
static int groups_init(aimc_ctx *ctx, const run_ws *w, const mat_view *v, across_round *rd) {
  int L = rd->n_lanes, *done = aimc_calloc(ctx, (size_t)L, sizeof(int));
  const aimc_xbar_plan **plans = aimc_calloc(ctx, (size_t)L, sizeof *plans);
  rd->group = aimc_calloc(ctx, (size_t)L, sizeof *rd->group);
  int st = done && plans && rd->group ? AIMC_OK : AIMC_ENOMEM;
  for (int a = 0; a < L && !st; a++) {
    if (done[a]) continue;
    read_group *g = &rd->group[rd->n_groups++];
    if (!(g->slot = aimc_calloc(ctx, (size_t)L, sizeof(int)))) st = AIMC_ENOMEM;
    for (int b = a; b < L && !st; b++)
      if (!done[b] && same_read(w, v, rd->slot[a], rd->slot[b])) {
        done[b] = 1;
        plans[g->n] = v->plans[rd->slot[b]];
        g->slot[g->n++] = rd->slot[b];
      }
    /* Plans a union cannot read together are read one by one. */
    if (!st && g->n > 1 && aimc_xbar_across_build(ctx, plans, g->n, &g->xa) == AIMC_ENOMEM)
      st = AIMC_ENOMEM;
  }
  aimc_free(ctx, done);
  aimc_free(ctx, plans);
  return st;
}

/* Round r of the slots (rank: each slot's place among its tile's). */
static int round_init(aimc_ctx *ctx, const run_ws *w, const mat_view *v, const int *rank,
                      int r, size_t pc, across_round *rd) {
  for (int si = 0; si < v->n_slots; si++) rd->n_lanes += rank[si] == r;
  rd->slot = aimc_calloc(ctx, (size_t)rd->n_lanes, sizeof(int));
  if (!rd->slot) return AIMC_ENOMEM;
  int a = 0;
  for (int si = 0; si < v->n_slots; si++)
    if (rank[si] == r) rd->slot[a++] = si;
  /* Longest first (stable): the lanes of channel c are then a prefix. */
  for (int i = 1; i < rd->n_lanes; i++)
    for (int j = i; j > 0 && v->slots[rd->slot[j]]->n_out > v->slots[rd->slot[j - 1]]->n_out;
         j--) {
      int t = rd->slot[j];
      rd->slot[j] = rd->slot[j - 1], rd->slot[j - 1] = t;
    }
  rd->n = v->slots[rd->slot[0]]->n_out;
  rd->active = aimc_calloc(ctx, (size_t)rd->n + 1, sizeof(int));
  rd->prep = aimc_calloc(ctx, (size_t)rd->n * (size_t)rd->n_lanes + 1, pc);
  if (!rd->active || !rd->prep) return AIMC_ENOMEM;
  /* Word by word (aimc_across.prep). */
  size_t W = pc / sizeof(double), L = (size_t)rd->n_lanes;
  double *dst = rd->prep;
  for (a = 0; a < rd->n_lanes; a++) {
    int si = rd->slot[a];
    const char *src = v->prep[(size_t)si * AIMC_TILE_PARTS + AIMC_TILE_ADC];
    for (int c = 0; c < v->slots[si]->n_out; c++) {
      rd->active[c]++;
      for (size_t i = 0; i < W; i++)
        memcpy(dst + ((size_t)c * W + i) * L + a, src + (size_t)c * pc + i * sizeof(double),
               sizeof(double));
    }
  }
  int st = groups_init(ctx, w, v, rd);
  rd->direct = !st && rd->n_groups == 1 && rd->group[0].xa && rd->group[0].n == rd->n_lanes;
  for (a = 0; a < rd->n_lanes; a++) rd->direct &= !aimc_infer_slot_tia(w, v, rd->slot[a]);
  return st;
}

static int across_alloc(aimc_ctx *ctx, const mat_view *v, run_across *x) {
  size_t cols = 0, most = 1, lanes = 1;
  x->col_off = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof(size_t));
  if (!x->col_off) return AIMC_ENOMEM;
  for (int si = 0; si < v->n_slots; si++) {
    x->col_off[si] = cols;
    cols += (size_t)v->slots[si]->n_out;
  }
  size_t rows = 0, tmp = 1;
  x->row_off = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof(size_t));
  x->rows = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof *x->rows);
  if (!x->row_off || !x->rows) return AIMC_ENOMEM;
  for (int si = 0; si < v->n_slots; si++) {
    x->row_off[si] = rows;
    rows += (size_t)v->slots[si]->n_in;
  }
  for (int r = 0; r < x->n_rounds; r++) {
    const across_round *rd = &x->round[r];
    size_t n = (size_t)rd->n * (size_t)rd->n_lanes;
    if (n > most) most = n;
    if ((size_t)rd->n_lanes > lanes) lanes = (size_t)rd->n_lanes;
    for (int g = 0; g < rd->n_groups; g++) {
      const read_group *gr = &rd->group[g];
      n = (size_t)v->slots[gr->slot[0]]->n_in * (size_t)gr->n;
      if (n > most) most = n;
      if (gr->xa && aimc_xbar_across_scratch(gr->xa) > tmp) tmp = aimc_xbar_across_scratch(gr->xa);
    }
  }
  x->drv = aimc_calloc(ctx, rows + 1, sizeof(double));
  x->read_tmp = aimc_calloc(ctx, tmp, sizeof(double));
  if (!x->drv || !x->read_tmp) return AIMC_ENOMEM;
  x->col = aimc_calloc(ctx, cols + 1, sizeof(double));
  x->vr = aimc_calloc(ctx, cols + 1, sizeof(double));
  x->in = aimc_calloc(ctx, 3 * most, sizeof(double));
  x->rng = aimc_calloc(ctx, lanes, sizeof(aimc_xs128p));
  x->bits = aimc_calloc(ctx, lanes, sizeof(uint64_t));
  x->z = aimc_calloc(ctx, lanes, sizeof(double));
  if (!x->col || !x->vr || !x->in || !x->rng || !x->bits || !x->z) return AIMC_ENOMEM;
  x->in_var = x->in + most;
  x->out = x->in_var + most;
  return AIMC_OK;
}

int aimc_infer_across_init(aimc_ctx *ctx, run_ws *w, int mi) {
  mat_view *v = &w->mv[mi];
  if (w->bp_max != 1 || !v->calibrated || !v->prep || v->n_slots < 2) return AIMC_OK;
  int var;
  const aimc_model *md = shared_adc(w, v, &var);
  if (!md) return AIMC_OK;
  /* rank: each slot's place among its tile's slots (seen: per tile). */
  int *rank = aimc_calloc(ctx, (size_t)v->n_slots + w->m->n_arrays, sizeof(int)), rounds = 0;
  if (!rank) return AIMC_ENOMEM;
  int *seen = rank + v->n_slots;
  for (int si = 0; si < v->n_slots; si++) {
    rank[si] = seen[v->slot_tile[si]]++;
    if (rank[si] + 1 > rounds) rounds = rank[si] + 1;
  }
  /* One tile holds every slot: nothing to convert side by side. */
  if (rounds == v->n_slots) {
    aimc_free(ctx, rank);
    return AIMC_OK;
  }
  run_across *x = v->across = aimc_calloc(ctx, 1, sizeof *x);
  int st = x ? AIMC_OK : AIMC_ENOMEM;
  if (!st) {
    x->md = md, x->var = var, x->n_rounds = rounds;
    x->round = aimc_calloc(ctx, (size_t)rounds, sizeof *x->round);
    if (!x->round) st = AIMC_ENOMEM;
  }
  for (int r = 0; !st && r < rounds; r++)
    st = round_init(ctx, w, v, rank, r, md->prep_chan, &x->round[r]);
  aimc_free(ctx, rank);
  return st ? st : across_alloc(ctx, v, x);
}

void aimc_infer_across_free(aimc_ctx *ctx, run_across *x) {
  if (!x) return;
  for (int r = 0; x->round && r < x->n_rounds; r++) {
    aimc_free(ctx, x->round[r].active);
    aimc_free(ctx, x->round[r].slot);
    aimc_free(ctx, x->round[r].prep);
    for (int g = 0; x->round[r].group && g < x->round[r].n_groups; g++) {
      aimc_xbar_across_free(ctx, x->round[r].group[g].xa);
      aimc_free(ctx, x->round[r].group[g].slot);
    }
    aimc_free(ctx, x->round[r].group);
  }
  void *bufs[] = {x->round, x->col_off, x->col,  x->vr,       x->row_off, x->drv,
                  x->rows,  x->in,      x->rng,  x->read_tmp, x->bits,    x->z,   x};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) aimc_free(ctx, bufs[i]);
}

/* The streams of part p of the n slots' tiles gathered into x->rng, or
 * put back (put). */
static void streams(const run_ws *w, const mat_view *v, run_across *x, const int *slot, int n,
                    aimc_tile_part p, int put) {
  for (int a = 0; a < n; a++) {
    aimc_xs128p *g = aimc_infer_part_lanes(w, v->slot_tile[slot[a]], p).rng;
    if (put) *g = x->rng[a];
    else x->rng[a] = *g;
  }
}

/* A round's ADCs: columns in (interleaved, with the variance they draw
 * in var), words out. */
static int convert_round(const run_ws *w, const mat_view *v, run_across *x,
                         const across_round *rd, const double *in, const double *var,
                         double *out) {
  aimc_across ax = {rd->n, (size_t)rd->n_lanes, rd->active, rd->prep, x->var ? var : NULL,
                    x->rng, x->bits, x->z};
  streams(w, v, x, rd->slot, rd->n_lanes, AIMC_TILE_ADC, 0);
  int st = x->md->eval_across(&ax, in, out);
  streams(w, v, x, rd->slot, rd->n_lanes, AIMC_TILE_ADC, 1);
  return st;
}

/* Slot si's read-noise variance, where the converters draw it; NULL:
 * drawn in the read (or none). */
static double *slot_var(const run_ws *w, const mat_view *v, run_across *x, int si) {
  return aimc_infer_slot_var(w, v, si) ? x->vr + x->col_off[si] : NULL;
}

/* A group's crossbars side by side: its slots' rows gathered (into
 * x->in), their columns and variance out (interleaved). */
static void read_side_by_side(const run_ws *w, const mat_view *v, run_across *x,
                              const read_group *g, double *cols, double *var) {
  size_t n = (size_t)g->n, n_in = (size_t)v->slots[g->slot[0]]->n_in;
  for (size_t a = 0; a < n; a++)
    for (size_t i = 0; i < n_in; i++) x->in[i * n + a] = x->rows[g->slot[a]][i];
  streams(w, v, x, g->slot, g->n, AIMC_TILE_XBAR, 0);
  aimc_xbar_read_across(g->xa, x->in, 1, cols, slot_var(w, v, x, g->slot[0]) ? var : NULL,
                        x->rng, x->bits, x->z, x->read_tmp);
  streams(w, v, x, g->slot, g->n, AIMC_TILE_XBAR, 1);
}

/* Lane a's n values of an interleaved buffer of n_lanes lanes to dst. */
static void lane_out(const double *il, size_t n_lanes, int a, int n, double *dst) {
  for (int j = 0; j < n; j++) dst[j] = il[(size_t)j * n_lanes + (size_t)a];
}

/* Slot si's converted columns (src[j * stride]) into the matrix's
 * outputs, added where columns are split over tiles. */
static void put(const mat_view *v, int si, const double *src, size_t stride, double *out) {
  const aimc_map_slot *s = v->slots[si];
  for (int j = 0; j < s->n_out; j++)
    if (v->exclusive) out[s->out0 + j] = src[(size_t)j * stride];
    else out[s->out0 + j] += src[(size_t)j * stride];
}

/* A direct round: its crossbars read side by side straight into its
 * ADCs, the words put out. */
static int direct_round(const run_ws *w, const mat_view *v, run_across *x,
                        const across_round *rd, double *out) {
  read_side_by_side(w, v, x, &rd->group[0], x->out, x->in_var);
  int st = convert_round(w, v, x, rd, x->out, x->in_var, x->in);
  for (int a = 0; a < rd->n_lanes && !st; a++)
    put(v, rd->slot[a], x->in + a, (size_t)rd->n_lanes, out);
  return st;
}

/* Another round's crossbars, group by group (or one by one): the columns
 * and variance kept per slot for its TIAs. */
static void read_round(const run_ws *w, const mat_view *v, run_across *x, const across_round *rd) {
  for (int gi = 0; gi < rd->n_groups; gi++) {
    const read_group *g = &rd->group[gi];
    for (int a = 0; !g->xa && a < g->n; a++) {
      int si = g->slot[a];
      aimc_lanes xl = aimc_infer_part_lanes(w, v->slot_tile[si], AIMC_TILE_XBAR);
      aimc_xbar_read(v->plans[si], x->rows[si], 1, x->col + x->col_off[si], slot_var(w, v, x, si),
                     &xl, w->read_tmp);
    }
    if (!g->xa) continue;
    read_side_by_side(w, v, x, g, x->out, x->in_var);
    for (int a = 0; a < g->n; a++) {
      int si = g->slot[a], n = v->slots[si]->n_out;
      lane_out(x->out, (size_t)g->n, a, n, x->col + x->col_off[si]);
      if (slot_var(w, v, x, si)) lane_out(x->in_var, (size_t)g->n, a, n, slot_var(w, v, x, si));
    }
  }
}

/* Its ADCs, from the columns kept per slot. */
static int convert_kept(const run_ws *w, const mat_view *v, run_across *x,
                        const across_round *rd, double *out) {
  size_t L = (size_t)rd->n_lanes;
  for (size_t a = 0; a < L; a++) {
    int si = rd->slot[a], n = v->slots[si]->n_out;
    const double *col = x->col + x->col_off[si], *vr = x->vr + x->col_off[si];
    for (int c = 0; c < n; c++) x->in[c * L + a] = col[c];
    for (int c = 0; x->var && c < n; c++) x->in_var[c * L + a] = vr[c];
  }
  int st = convert_round(w, v, x, rd, x->in, x->in_var, x->out);
  for (size_t a = 0; a < L && !st; a++) put(v, rd->slot[a], x->out + a, L, out);
  return st;
}

int aimc_infer_across_read(run_ws *w, int mi, const double *in, double *out) {
  const mat_view *v = &w->mv[mi];
  run_across *x = v->across;
  int st = AIMC_OK;
  if (!v->exclusive) memset(out, 0, sizeof(double) * (size_t)w->m->mats[mi].n_out);
  for (int si = 0; si < v->n_slots && !st; si++)
    st = aimc_infer_slot_drive(w, v, si, in, x->drv + x->row_off[si], &x->rows[si]);
  for (int r = 0; r < x->n_rounds && !st; r++)
    if (x->round[r].direct) st = direct_round(w, v, x, &x->round[r], out);
    else read_round(w, v, x, &x->round[r]);
  for (int si = 0; si < v->n_slots && !st; si++)
    if (aimc_infer_slot_tia(w, v, si))
      st = aimc_infer_slot_convert(w, v, si, AIMC_TILE_TIA, x->col + x->col_off[si],
                                   slot_var(w, v, x, si));
  for (int r = 0; r < x->n_rounds && !st; r++)
    if (!x->round[r].direct) st = convert_kept(w, v, x, &x->round[r], out);
  return st;
}
