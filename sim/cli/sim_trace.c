/* `aimc sim --trace`: CSV lines per delivered event, or VCD waveforms (per
 * instance its own events and energy, element 0 of every driven net). */
#include "sim_trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/vcd.h"

/* The engine's kernel handler ids (docs/kernel.md, "The engine"). */
enum { COMMIT_HANDLER = 1, FIRST_INST_HANDLER = 2 };

struct aimc_cli_trace {
  aimc_ctx *ctx;
  aimc_engine *engine;
  const aimc_design *design;
  aimc_atomic_file *file;
  aimc_vcd *vcd; /* NULL: the trace is CSV                         */
  /* VCD only. Variable i counts instance i's own events, variable
   * n_inst + i is its energy; net_var[n] is the variable of net n, -1 when
   * no instance drives it. */
  uint64_t *events;
  int *net_var;
  int pending; /* the last event ran models: sample after it    */
  aimc_time pending_t;
  int st; /* first VCD error (the hook cannot return one)  */
};

/* Frees t; an uncommitted file is removed. */
static void release(aimc_cli_trace *t) {
  aimc_ctx *ctx = t->ctx;
  aimc_vcd_free(t->vcd);
  aimc_free(ctx, t->events);
  aimc_free(ctx, t->net_var);
  aimc_atomic_abort(ctx, t->file);
  aimc_free(ctx, t);
}

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && !strcmp(s + n - m, tail);
}

/* Declares "<design>.<instance>.<leaf>" (the instance path makes scopes). */
static int declare(aimc_cli_trace *t, const char *inst, const char *leaf,
                   int is_real, int *id) {
  char name[1024];
  const char *top = t->design->name ? t->design->name : "design";
  if (snprintf(name, sizeof name, "%s.%s.%s", top, inst, leaf) >=
      (int)sizeof name)
    return aimc_error(t->ctx, AIMC_EINVAL, "trace: instance name too long: %s",
                      inst);
  return is_real ? aimc_vcd_real(t->vcd, name, id)
                 : aimc_vcd_wire(t->vcd, name, 64, id);
}

static int vcd_open(aimc_cli_trace *t) {
  aimc_ctx *ctx = t->ctx;
  const aimc_design *d = t->design;
  t->events = aimc_calloc(ctx, d->n_inst + 1, sizeof *t->events);
  t->net_var = aimc_malloc(ctx, (d->n_net + 1) * sizeof *t->net_var);
  if (!t->events || !t->net_var)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory starting the trace");
  int st = aimc_vcd_alloc(ctx, aimc_atomic_stream(t->file), &t->vcd);
  /* Declared first, in this order, so that the ids are i and n_inst + i. */
  for (size_t i = 0; i < 2 * d->n_inst && !st; i++) {
    int id;
    st = declare(t, d->inst[i % d->n_inst].name,
                 i < d->n_inst ? "events" : "energy_J", i >= d->n_inst, &id);
  }
  for (size_t n = 0; n < d->n_net && !st; n++) {
    const aimc_design_net *net = &d->net[n];
    t->net_var[n] = -1;
    char port[64];
    if (net->driver >= 0) {
      aimc_model_port_label(d->inst[net->driver].model, net->driver_port, port, sizeof port);
      st = declare(t, d->inst[net->driver].name, port, 1, &t->net_var[n]);
    }
  }
  return st ? st : aimc_vcd_begin(t->vcd);
}

int aimc_cli_trace_open(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d,
                        const char *path, aimc_cli_trace **out) {
  aimc_cli_trace *t = aimc_calloc(ctx, 1, sizeof *t);
  *out = NULL;
  if (!t)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory starting the trace");
  *t = (aimc_cli_trace){.ctx = ctx, .engine = e, .design = d};
  int st = aimc_atomic_open(ctx, path, &t->file);
  if (!st && ends_with(path, ".vcd"))
    st = vcd_open(t);
  else if (!st)
    fprintf(aimc_atomic_stream(t->file),
            "time_fs,delta,seq,handler,tag,data,what\n");
  if (st) {
    release(t);
    return st;
  }
  *out = t;
  return AIMC_OK;
}

static void csv_event(aimc_cli_trace *t, const aimc_event *ev) {
  char what[160];
  fprintf(aimc_atomic_stream(t->file),
          "%" PRId64 ",%u,%" PRIu64 ",%u,%u,%" PRIu64 ",\"%s\"\n", ev->time,
          ev->delta, ev->seq, ev->target, ev->tag, ev->data,
          aimc_engine_event_name(t->engine, ev, what, sizeof what));
}

/* Models run inside commits (on_input) and their own events, which the
 * hook sees before they run: nets and energies are read at the next event
 * (or the end) and dated with the time of the event that changed them.
 * Unchanged values write nothing (the VCD skips repeats). */
static void sample_pending(aimc_cli_trace *t) {
  const aimc_design *d = t->design;
  t->pending = 0;
  for (size_t i = 0; i < d->n_inst && !t->st; i++)
    t->st = aimc_vcd_set_real(t->vcd, (int)(d->n_inst + i), t->pending_t,
                              aimc_inst_energy(aimc_engine_inst(t->engine, i)));
  for (size_t n = 0; n < d->n_net && !t->st; n++)
    if (t->net_var[n] >= 0)
      t->st = aimc_vcd_set_real(t->vcd, t->net_var[n], t->pending_t,
                                aimc_engine_net_value(t->engine, (int)n)[0]);
}

void aimc_cli_trace_event(aimc_cli_trace *t, const aimc_event *ev) {
  if (!t->vcd) {
    csv_event(t, ev);
    return;
  }
  if (t->pending) sample_pending(t);
  if (t->st || ev->target < COMMIT_HANDLER) return; /* drives run no model */
  t->pending = 1;
  t->pending_t = ev->time;
  if (ev->target >= FIRST_INST_HANDLER) {
    size_t i = ev->target - FIRST_INST_HANDLER;
    t->st = aimc_vcd_set_wire(t->vcd, (int)i, ev->time, ++t->events[i]);
  }
}

int aimc_cli_trace_commit(aimc_cli_trace *t) {
  if (t->vcd) {
    if (t->pending) sample_pending(t);
    if (!t->st)
      t->st =
          aimc_vcd_end(t->vcd, aimc_kernel_now(aimc_engine_kernel(t->engine)));
  }
  int st = t->st;
  if (!st) {
    st = aimc_atomic_commit(t->ctx, t->file);
    t->file = NULL;
  }
  release(t);
  return st;
}

void aimc_cli_trace_abort(aimc_cli_trace *t) {
  if (t) release(t);
}
