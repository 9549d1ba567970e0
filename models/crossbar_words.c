/* The event crossbar's read in words (crossbar_words.h). */
#include "crossbar_words.h"

#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/xbar_read.h"

struct aimc_xbar_words {
  aimc_xbar_layout *layout;
  aimc_xbar_plan **plan;
  double *scratch;
  double *sum;   /* a slot's columns when slots share columns, else NULL */
  aimc_op_use use;
  int exact;     /* the devices at their targets: the layout's weights */
  int planned;   /* the plans are built (a reset keeps them: same cells) */
};

static void release_layout(aimc_ctx *ctx, void *l) { aimc_xbar_layout_free(ctx, l); }
static void release_plan(aimc_ctx *ctx, void *plan) { aimc_xbar_plan_free(ctx, plan); }

int aimc_xbar_words_layout(aimc_ctx *ctx, const char *source, const char *rel, int rows,
                           int cols, const char *who, aimc_xbar_layout **out) {
  char path[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(source, rel, path, sizeof path);
  int rc = aimc_xbar_layout_read(ctx, path, out);
  if (rc) {
    char why[512];
    snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
    return aimc_error(ctx, rc, "%s%slayout: %s", who, *who ? ": " : "", why);
  }
  if ((*out)->rows == rows && (*out)->cols == cols) return AIMC_OK;
  rc = aimc_error(ctx, AIMC_ESHAPE, "%s%slayout %s is for a %d x %d array, not %d x %d", who,
                  *who ? ": " : "", path, (*out)->rows, (*out)->cols, rows, cols);
  aimc_xbar_layout_free(ctx, *out);
  *out = NULL;
  return rc;
}

/* 1 when two slots of l sum into the same columns (other row ranges). */
static int shared_columns(const aimc_xbar_layout *l) {
  for (int a = 0; a < l->n_slots; a++)
    for (int b = 0; b < a; b++)
      if (l->slot[a].col0 < l->slot[b].col0 + l->slot[b].n_out &&
          l->slot[b].col0 < l->slot[a].col0 + l->slot[a].n_out)
        return 1;
  return 0;
}

int aimc_xbar_words_open(aimc_inst *inst, const char *rel, int rows, int cols,
                         unsigned char *pulsed, aimc_xbar_words **out) {
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  char who[AIMC_PARAM_STRLEN + 16];
  snprintf(who, sizeof who, "crossbar %s", aimc_inst_name(inst));
  aimc_xbar_layout *l = NULL;
  int rc = aimc_xbar_words_layout(ctx, aimc_inst_source(inst), rel, rows, cols, who, &l);
  if (!rc) rc = aimc_inst_own(inst, l, release_layout);
  if (rc) return rc;
  int shared = shared_columns(l);
  aimc_xbar_words *w = aimc_inst_alloc(inst, sizeof *w);
  if (w) w->plan = aimc_inst_alloc(inst, sizeof *w->plan * ((size_t)l->n_slots + 1));
  if (w && shared) w->sum = aimc_inst_alloc(inst, sizeof(double) * (size_t)cols);
  if (!w || !w->plan || (shared && !w->sum))
    return aimc_error(ctx, AIMC_ENOMEM, "%s: out of memory", who);
  w->layout = l;
  aimc_xbar_layout_pulsed(l, pulsed);
  *out = w;
  return AIMC_OK;
}

void aimc_xbar_words_programmed(aimc_xbar_words *w, const aimc_xbar *x, int still) {
  w->use = aimc_xbar_layout_read_use(w->layout, aimc_xbar_gmatrix(x));
  w->exact = still && aimc_xbar_layout_at_targets(w->layout, aimc_xbar_gmatrix(x),
                                                   aimc_xbar_targets(x));
}

int aimc_xbar_words_plan(aimc_inst *inst, aimc_xbar_words *w, aimc_xbar *x, double r_wire,
                         int read_noise) {
  if (w->planned) return AIMC_OK;
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  const aimc_xbar_layout *l = w->layout;
  const double *g = aimc_xbar_geff(x, r_wire);
  double rn = read_noise ? aimc_device_read_noise(aimc_xbar_device(x)) : 0;
  size_t most = 0, scratch = 1;
  for (int k = 0; k < l->n_slots; k++) {
    size_t n = (size_t)l->slot[k].n_in * (size_t)l->slot[k].n_out;
    most = n > most ? n : most;
  }
  double *wt = aimc_malloc(ctx, sizeof(double) * (most + 1));
  float *nv = aimc_calloc(ctx, most + 1, sizeof(float));
  int rc = wt && nv ? AIMC_OK : AIMC_ENOMEM;
  for (int k = 0; k < l->n_slots && !rc; k++) {
    const aimc_xbar_slot *t = &l->slot[k];
    aimc_xbar_slot_weights(l, k, g, rn * rn, wt, nv);
    aimc_xbar_read_src src = {t->n_in,     t->n_out,    (size_t)t->n_in,
                              w->exact ? t->w : wt, rn > 0 ? nv : NULL, t->is_value,
                              t->row_gain};
    rc = aimc_xbar_plan_build(ctx, &src, &w->plan[k]);
    if (!rc) rc = aimc_inst_own(inst, w->plan[k], release_plan);
    size_t need = rc ? 0 : aimc_xbar_read_scratch(w->plan[k], 1);
    scratch = need > scratch ? need : scratch;
  }
  aimc_free(ctx, wt);
  aimc_free(ctx, nv);
  if (!rc && !(w->scratch = aimc_inst_alloc(inst, sizeof(double) * scratch))) rc = AIMC_ENOMEM;
  w->planned = !rc;
  return rc == AIMC_ENOMEM
             ? aimc_error(ctx, rc, "crossbar %s: out of memory", aimc_inst_name(inst))
             : rc;
}

const aimc_op_use *aimc_xbar_words_read(aimc_inst *inst, aimc_xbar_words *w, int read_noise,
                                        const double *in, double *out, double *var, int cols) {
  uint64_t bits;
  double z;
  aimc_lanes lane = {1, 1, aimc_inst_lane_rng(inst), &bits, &z};
  memset(out, 0, sizeof(double) * (size_t)cols);
  for (int j = 0; var && j < cols; j++) var[j] = -1;
  for (int k = 0; k < w->layout->n_slots; k++) {
    const aimc_xbar_slot *t = &w->layout->slot[k];
    double *dst = w->sum ? w->sum : out + t->col0;
    /* As aimc run: the variance handed on when the slot reads with noise. */
    double *v = var && !w->sum && read_noise && aimc_xbar_plan_noisy(w->plan[k])
                    ? var + t->col0
                    : NULL;
    aimc_xbar_read(w->plan[k], in + t->row0, read_noise ? 1 : 0, dst, v, &lane, w->scratch);
    for (int j = 0; w->sum && j < t->n_out; j++) out[t->col0 + j] += w->sum[j];
    aimc_inst_add_ops(inst, 2 * (uint64_t)t->n_in * (uint64_t)t->n_out);
  }
  return &w->use;
}

int aimc_xbar_words_columns(aimc_inst *inst, const char *rel, int n,
                            const aimc_xbar_layout **out) {
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  char path[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(aimc_inst_source(inst), rel, path, sizeof path);
  aimc_xbar_layout *l = NULL;
  int rc = aimc_xbar_layout_read(ctx, path, &l);
  if (rc) {
    char why[512];
    snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
    return aimc_error(ctx, rc, "%s: layout: %s", aimc_inst_name(inst), why);
  }
  for (int k = 0; k < l->n_slots; k++)
    if (l->slot[k].col0 + l->slot[k].n_out > n) {
      rc = aimc_error(ctx, AIMC_ESHAPE, "%s: layout %s: slot %d reads columns %d..%d of %d",
                      aimc_inst_name(inst), path, k, l->slot[k].col0,
                      l->slot[k].col0 + l->slot[k].n_out - 1, n);
      aimc_xbar_layout_free(ctx, l);
      return rc;
    }
  if ((rc = aimc_inst_own(inst, l, release_layout))) return rc;
  *out = l;
  return AIMC_OK;
}

int aimc_xbar_words_groups(const aimc_xbar_layout *l) {
  return l && !shared_columns(l) ? l->n_slots : 1;
}

void aimc_xbar_words_group(const aimc_xbar_layout *l, int n, int g, int *c0, int *nc) {
  if (!l || shared_columns(l)) {
    *c0 = 0, *nc = n;
    return;
  }
  *c0 = l->slot[g].col0, *nc = l->slot[g].n_out;
}
