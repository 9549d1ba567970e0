/* The trace of one inference (`aimc run --trace FILE`): every kernel event
 * of the traced sequence's batch as a CSV row, or, for a FILE ending in
 * .vcd, a waveform (aimc/vcd.h): per layer one wire per stage, high while
 * the stage runs, the time index the layer works on, and the first state
 * value and output of the traced sequence; the hardware step at the top. */
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/vcd.h"
#include "infer_internal.h"

/* Per layer: its VCD ids and the stage it is in until end_fs. */
typedef struct {
  int wire[AIMC_STAGE_KINDS], t_id, x_id, y_id;
  int active; /* stage kind, -1: idle */
  aimc_time end_fs;
} layer_trace;

struct aimc_infer_trace {
  aimc_ctx *ctx;
  aimc_atomic_file *file;
  FILE *out;
  aimc_vcd *vcd; /* NULL: CSV */
  int layers, step_id;
  layer_trace *layer;
};

static int is_vcd(const char *path) {
  size_t n = strlen(path);
  return n >= 4 && !strcmp(path + n - 4, ".vcd");
}

static int declare(aimc_infer_trace *t) {
  char name[64];
  int st = aimc_vcd_wire(t->vcd, "step", 32, &t->step_id);
  for (int l = 0; l < t->layers && !st; l++) {
    layer_trace *lt = &t->layer[l];
    for (int k = 0; k < AIMC_STAGE_KINDS && !st; k++) {
      snprintf(name, sizeof name, "layer%d.%s", l, aimc_stage_name(k));
      st = aimc_vcd_wire(t->vcd, name, 1, &lt->wire[k]);
    }
    snprintf(name, sizeof name, "layer%d.t", l);
    if (!st) st = aimc_vcd_wire(t->vcd, name, 32, &lt->t_id);
    snprintf(name, sizeof name, "layer%d.x0", l);
    if (!st) st = aimc_vcd_real(t->vcd, name, &lt->x_id);
    snprintf(name, sizeof name, "layer%d.y0", l);
    if (!st) st = aimc_vcd_real(t->vcd, name, &lt->y_id);
  }
  return st ? st : aimc_vcd_begin(t->vcd);
}

int aimc_infer_trace_open(aimc_ctx *ctx, const char *path, int layers,
                          aimc_infer_trace **out) {
  *out = NULL;
  aimc_infer_trace *t = aimc_calloc(ctx, 1, sizeof *t);
  if (!t) return AIMC_ENOMEM;
  t->ctx = ctx;
  t->layers = layers;
  t->layer = aimc_calloc(ctx, (size_t)layers, sizeof *t->layer);
  int st = t->layer ? aimc_atomic_open(ctx, path, &t->file) : AIMC_ENOMEM;
  if (!st) {
    t->out = aimc_atomic_stream(t->file);
    for (int l = 0; l < layers; l++) t->layer[l].active = -1;
    if (is_vcd(path)) {
      st = aimc_vcd_alloc(ctx, t->out, &t->vcd);
      if (!st) st = declare(t);
    } else {
      fprintf(t->out, "time_fs,event,layer,step\n");
    }
  }
  if (st) {
    aimc_infer_trace_close(t, 0, 0);
    return st;
  }
  *out = t;
  return AIMC_OK;
}

/* Lowers the wires of the stages that ended by time now, oldest first (so
 * the VCD's times never go back). */
static int settle(aimc_infer_trace *t, aimc_time now) {
  for (;;) {
    layer_trace *first = NULL;
    for (int l = 0; l < t->layers; l++) {
      layer_trace *lt = &t->layer[l];
      if (lt->active >= 0 && lt->end_fs <= now && (!first || lt->end_fs < first->end_fs))
        first = lt;
    }
    if (!first) return AIMC_OK;
    int st = aimc_vcd_set_wire(t->vcd, first->wire[first->active], first->end_fs, 0);
    first->active = -1;
    if (st) return st;
  }
}

int aimc_infer_trace_step(aimc_infer_trace *t, aimc_time t_fs, int step) {
  if (!t->vcd) {
    fprintf(t->out, "%lld,step,-1,%d\n", (long long)t_fs, step);
    return AIMC_OK;
  }
  int st = settle(t, t_fs);
  return st ? st : aimc_vcd_set_wire(t->vcd, t->step_id, t_fs, (uint64_t)step);
}

int aimc_infer_trace_stage(aimc_infer_trace *t, aimc_time t_fs, aimc_time dur_fs, int layer,
                           aimc_stage_kind kind, int time_index, int step) {
  if (!t->vcd) {
    fprintf(t->out, "%lld,%s,%d,%d\n", (long long)t_fs, aimc_stage_name(kind), layer, step);
    return AIMC_OK;
  }
  layer_trace *lt = &t->layer[layer];
  int st = settle(t, t_fs);
  /* A stage of zero length shows as a glitch-free no-op. */
  if (!st && lt->active >= 0) st = aimc_vcd_set_wire(t->vcd, lt->wire[lt->active], t_fs, 0);
  lt->active = -1;
  if (!st && dur_fs > 0) {
    st = aimc_vcd_set_wire(t->vcd, lt->wire[kind], t_fs, 1);
    lt->active = kind;
    lt->end_fs = t_fs + dur_fs;
  }
  if (!st) st = aimc_vcd_set_wire(t->vcd, lt->t_id, t_fs, (uint64_t)(time_index < 0 ? 0 : time_index));
  return st;
}

int aimc_infer_trace_values(aimc_infer_trace *t, aimc_time t_fs, int layer, double x0,
                            double y0) {
  if (!t->vcd) return AIMC_OK;
  int st = settle(t, t_fs);
  if (!st) st = aimc_vcd_set_real(t->vcd, t->layer[layer].x_id, t_fs, x0);
  if (!st) st = aimc_vcd_set_real(t->vcd, t->layer[layer].y_id, t_fs, y0);
  return st;
}

int aimc_infer_trace_close(aimc_infer_trace *t, aimc_time t_end_fs, int ok) {
  if (!t) return AIMC_OK;
  int st = AIMC_OK;
  if (ok && t->vcd) st = settle(t, t_end_fs);
  if (ok && t->vcd && !st) st = aimc_vcd_end(t->vcd, t_end_fs);
  aimc_vcd_free(t->vcd);
  if (t->file) {
    if (ok && !st) st = aimc_atomic_commit(t->ctx, t->file);
    else aimc_atomic_abort(t->ctx, t->file);
  }
  aimc_free(t->ctx, t->layer);
  aimc_free(t->ctx, t);
  return st;
}
