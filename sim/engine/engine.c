/* The engine (aimc/engine.h): builds running instances and nets from an
 * elaborated design on an event kernel, runs, resets, and sums energy.
 * Net traffic and the model services live in inst.c. */
#include <stdio.h>
#include <string.h>

#include "aimc/status.h"
#include "engine_internal.h"

/* n items of `size` bytes, zeroed; never NULL for n == 0 on success. */
static void *zalloc(aimc_ctx *ctx, size_t n, size_t size) {
  return aimc_calloc(ctx, n ? n : 1, size);
}

#define NOMEM(ctx) aimc_error(ctx, AIMC_ENOMEM, "engine: out of memory")

static int build_nets(aimc_engine *e) {
  const aimc_design *d = e->design;
  e->net = zalloc(e->ctx, d->n_net, sizeof *e->net);
  e->dirty = zalloc(e->ctx, d->n_net, sizeof *e->dirty);
  if (!e->net || !e->dirty) return NOMEM(e->ctx);
  e->n_net = d->n_net;
  for (size_t i = 0; i < d->n_net; i++) {
    eng_net *n = &e->net[i];
    n->width = d->net[i].width;
    n->t_driven = -1;
    if (n->width < 0)
      return aimc_error_at(e->ctx, AIMC_ESHAPE, &d->net[i].loc,
                           "net %s has negative width %d", d->net[i].name,
                           n->width);
    n->value = zalloc(e->ctx, (size_t)n->width, sizeof *n->value);
    n->next = zalloc(e->ctx, (size_t)n->width, sizeof *n->next);
    if (!n->value || !n->next) return NOMEM(e->ctx);
  }
  return AIMC_OK;
}

/* Checks instance i's ports against the nets and makes output buffers. */
static int build_ports(aimc_engine *e, aimc_inst *inst) {
  const aimc_design_inst *di = inst->di;
  const aimc_model *m = inst->model;
  int np = aimc_model_n_ports(m, di->params);
  if (np < 0)
    return aimc_error_at(e->ctx, AIMC_ESHAPE, &di->loc,
                         "instance %s (%s): malformed port array widths", di->name, m->name);
  inst->n_ports = (size_t)np;
  inst->ports = zalloc(e->ctx, inst->n_ports, sizeof *inst->ports);
  if (!inst->ports) return NOMEM(e->ctx);
  for (size_t p = 0; p < inst->n_ports; p++) {
    const aimc_port_spec *spec = aimc_model_port(m, (int)p);
    eng_port *port = &inst->ports[p];
    int net = di->port_net[p];
    port->net = net;
    port->width = aimc_model_port_width(m, (int)p, di->params);
    if (port->width < 0)
      return aimc_error_at(e->ctx, AIMC_ESHAPE, &di->loc,
                           "instance %s (%s): width '%s' of port %s names no "
                           "INT parameter",
                           di->name, m->name, spec->width, spec->name);
    if (net < -1 || net >= (int)e->n_net)
      return aimc_error_at(e->ctx, AIMC_EINVAL, &di->loc,
                           "instance %s: port %s on net %d of %zu", di->name,
                           spec->name, net, e->n_net);
    if (net >= 0) {
      const aimc_design_net *dn = &e->design->net[net];
      if (dn->width != port->width || dn->kind != spec->kind)
        return aimc_error_at(
            e->ctx, AIMC_ESHAPE, &di->loc,
            "instance %s: port %s is %s[%d] but net %s is %s[%d]", di->name,
            spec->name, aimc_sig_kind_name(spec->kind),
            port->width, dn->name, aimc_sig_kind_name(dn->kind), dn->width);
    }
    if (spec->dir == AIMC_PORT_OUT) {
      port->out = zalloc(e->ctx, (size_t)port->width, sizeof *port->out);
      if (!port->out) return NOMEM(e->ctx);
    }
  }
  return AIMC_OK;
}

static int build_insts(aimc_engine *e) {
  const aimc_design *d = e->design;
  e->inst = zalloc(e->ctx, d->n_inst, sizeof *e->inst);
  if (!e->inst) return NOMEM(e->ctx);
  e->n_inst = d->n_inst;
  for (size_t i = 0; i < d->n_inst; i++) {
    aimc_inst *inst = &e->inst[i];
    inst->engine = e;
    inst->di = &d->inst[i];
    inst->model = inst->di->model;
    if (!inst->model)
      return aimc_error_at(e->ctx, AIMC_EINVAL, &inst->di->loc,
                           "instance %s has no model", inst->di->name);
    if (inst->model->state_size) {
      inst->state = aimc_calloc(e->ctx, 1, inst->model->state_size);
      if (!inst->state) return NOMEM(e->ctx);
    }
    int st = build_ports(e, inst);
    if (st) return st;
    /* taus2: small state and fast; seeded by start_inst. The state is in
     * our memory (allocator hooks, fault injection), twice: see rng_state. */
    inst->rng_state = zalloc(e->ctx, 2, gsl_rng_taus2->size);
    if (!inst->rng_state) return NOMEM(e->ctx);
    inst->rng = (gsl_rng){gsl_rng_taus2, inst->rng_state};
    st = aimc_kernel_add_handler(e->kernel, aimc_eng_on_inst_event, inst,
                                 &inst->handler);
    if (st) return st;
  }
  return AIMC_OK;
}

/* Readers of each net, net-major, then by instance and port index: the
 * order in which commits call on_input. */
static int build_readers(aimc_engine *e) {
  size_t total = 0;
  for (size_t i = 0; i < e->n_inst; i++)
    for (size_t p = 0; p < e->inst[i].n_ports; p++)
      if (e->inst[i].ports[p].net >= 0 &&
          aimc_model_port(e->inst[i].model, (int)p)->dir == AIMC_PORT_IN) {
        e->net[e->inst[i].ports[p].net].n_readers++;
        total++;
      }
  e->readers = zalloc(e->ctx, total, sizeof *e->readers);
  if (!e->readers) return NOMEM(e->ctx);
  size_t at = 0;
  for (size_t n = 0; n < e->n_net; n++) {
    e->net[n].first_reader = at;
    at += e->net[n].n_readers;
    e->net[n].n_readers = 0; /* refilled below */
  }
  for (size_t i = 0; i < e->n_inst; i++)
    for (size_t p = 0; p < e->inst[i].n_ports; p++) {
      int net = e->inst[i].ports[p].net;
      if (net < 0 || aimc_model_port(e->inst[i].model, (int)p)->dir != AIMC_PORT_IN) continue;
      eng_net *n = &e->net[net];
      e->readers[n->first_reader + n->n_readers++] =
          (eng_reader){(uint32_t)i, (int)p};
    }
  return AIMC_OK;
}

/* The instance's stream from its start: keyed by name, not position. */
static void seed_rng(aimc_inst *inst) {
  gsl_rng_set(&inst->rng,
              (unsigned long)aimc_seed_derive(inst->engine->seed,
                                              aimc_hash_str(inst->di->name)));
}

/* The stream its evaluations draw noise from: the one `aimc run` gives
 * this instance for the engine's sample of a run with the engine's seed. */
static void seed_lane_rng(aimc_inst *inst) {
  aimc_xs128p_seed(&inst->lane_rng, aimc_seed_noise(inst->engine->seed, inst->engine->sample,
                                                    aimc_hash_str(inst->di->name)));
}

void aimc_engine_set_clock(aimc_engine *e, aimc_time period) { e->clock = period; }

void aimc_engine_set_step_reg(aimc_engine *e, int net, int flag) {
  if (net >= 0 && (size_t)net < e->n_net) e->net[net].step_reg = flag;
}

void aimc_engine_set_step(aimc_engine *e, aimc_time step) { e->step = step; }

aimc_time aimc_engine_net_driven(const aimc_engine *e, int net) {
  return net >= 0 && (size_t)net < e->n_net ? e->net[net].t_driven : -1;
}

void aimc_engine_set_sample(aimc_engine *e, uint64_t sample) {
  e->sample = sample;
  for (size_t i = 0; i < e->n_inst; i++) seed_lane_rng(&e->inst[i]);
}

/* Runs init (fresh state) or the model's reset, naming the instance in
 * the error. Either way the stream is where a fresh engine's would be:
 * init starts from the seed (and what it leaves is kept), a reset hook
 * brings back the state after init and gets the stream as init left it. */
static int start_inst(aimc_inst *inst, int use_reset) {
  size_t rng_size = inst->rng.type->size;
  unsigned char *after_init = inst->rng_state + rng_size;
  int st;
  seed_lane_rng(inst);
  if (use_reset && inst->model->reset) {
    memcpy(inst->rng_state, after_init, rng_size);
    st = inst->model->reset(inst);
  } else {
    aimc_eng_free_blocks(inst);
    if (inst->state) memset(inst->state, 0, inst->model->state_size);
    seed_rng(inst);
    st = inst->model->init ? inst->model->init(inst) : AIMC_OK;
    memcpy(after_init, inst->rng_state, rng_size);
  }
  if (!st) return AIMC_OK;
  aimc_ctx *ctx = inst->engine->ctx;
  char why[512];
  snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
  return aimc_error_at(ctx, st, &inst->di->loc, "instance %s (%s): %s: %s",
                       inst->di->name, inst->model->name,
                       use_reset ? "reset" : "init",
                       *why ? why : aimc_strerror(st));
}

int aimc_engine_alloc(aimc_ctx *ctx, const aimc_design *d,
                      aimc_kernel_backend backend, aimc_engine **out) {
  *out = NULL;
  aimc_engine *e = aimc_calloc(ctx, 1, sizeof *e);
  if (!e) return NOMEM(ctx);
  e->ctx = ctx;
  e->design = d;
  e->seed = aimc_ctx_seed(ctx);
  int st = aimc_kernel_alloc(ctx, backend, &e->kernel);
  /* Handler ids: drives 0, commits 1, instances 2 + index. */
  if (!st)
    st = aimc_kernel_add_handler(e->kernel, aimc_eng_on_drive, e,
                                 &e->drive_handler);
  if (!st)
    st = aimc_kernel_add_handler(e->kernel, aimc_eng_on_commit, e,
                                 &e->commit_handler);
  if (!st) st = aimc_kernel_signal_add(e->kernel, 0.0, &e->commit_signal);
  if (!st)
    st = aimc_kernel_signal_watch(e->kernel, e->commit_signal,
                                  e->commit_handler);
  if (!st) st = build_nets(e);
  if (!st) st = build_insts(e);
  if (!st) st = build_readers(e);
  for (size_t i = 0; i < e->n_inst && !st; i++)
    st = start_inst(&e->inst[i], 0);
  if (st) {
    aimc_engine_free(e);
    return st;
  }
  *out = e;
  return AIMC_OK;
}

void aimc_engine_free(aimc_engine *e) {
  if (!e) return;
  aimc_ctx *ctx = e->ctx;
  for (size_t i = 0; i < e->n_inst; i++) {
    aimc_inst *inst = &e->inst[i];
    aimc_eng_free_blocks(inst);
    if (inst->ports)
      for (size_t p = 0; p < inst->n_ports; p++)
        aimc_free(ctx, inst->ports[p].out);
    aimc_free(ctx, inst->ports);
    aimc_free(ctx, inst->state);
    aimc_free(ctx, inst->rng_state);
  }
  aimc_free(ctx, e->inst);
  for (size_t n = 0; n < e->n_net; n++) {
    aimc_free(ctx, e->net[n].value);
    aimc_free(ctx, e->net[n].next);
    aimc_free(ctx, e->net[n].pool);
    aimc_free(ctx, e->net[n].free_slots);
  }
  aimc_free(ctx, e->net);
  aimc_free(ctx, e->readers);
  aimc_free(ctx, e->dirty);
  aimc_kernel_free(e->kernel);
  aimc_free(ctx, e);
}

aimc_kernel *aimc_engine_kernel(aimc_engine *e) { return e->kernel; }
size_t aimc_engine_n_inst(const aimc_engine *e) { return e->n_inst; }
aimc_inst *aimc_engine_inst(aimc_engine *e, size_t i) {
  return i < e->n_inst ? &e->inst[i] : NULL;
}

aimc_inst *aimc_engine_find(aimc_engine *e, const char *name) {
  for (size_t i = 0; i < e->n_inst; i++)
    if (strcmp(e->inst[i].di->name, name) == 0) return &e->inst[i];
  return NULL;
}

int aimc_engine_drive_net(aimc_engine *e, int net, const double *values,
                          aimc_time delay) {
  if (net < 0 || (size_t)net >= e->n_net)
    return aimc_error(e->ctx, AIMC_EINVAL, "engine: no net %d (%zu nets)", net,
                      e->n_net);
  const aimc_design_net *dn = &e->design->net[net];
  if (dn->driver >= 0)
    return aimc_error(e->ctx, AIMC_EINVAL,
                      "engine: net %s is driven by instance %s, not from "
                      "outside",
                      dn->name, e->design->inst[dn->driver].name);
  return aimc_eng_drive(e, net, values, delay);
}

int aimc_engine_force_net(aimc_engine *e, int net, const double *values, aimc_time delay) {
  if (net < 0 || (size_t)net >= e->n_net)
    return aimc_error(e->ctx, AIMC_EINVAL, "engine: no net %d (%zu nets)", net, e->n_net);
  return aimc_eng_drive(e, net, values, delay);
}

const double *aimc_engine_net_value(const aimc_engine *e, int net) {
  return net >= 0 && (size_t)net < e->n_net ? e->net[net].value : NULL;
}

int aimc_engine_run(aimc_engine *e) { return aimc_kernel_run(e->kernel); }
int aimc_engine_run_until(aimc_engine *e, aimc_time t_end) {
  return aimc_kernel_run_until(e->kernel, t_end);
}

int aimc_engine_reset(aimc_engine *e) {
  int st = aimc_kernel_reset(e->kernel);
  if (st) return st;
  e->commits = 0.0;
  e->n_dirty = 0;
  for (size_t n = 0; n < e->n_net; n++) {
    eng_net *net = &e->net[n];
    memset(net->value, 0, (size_t)net->width * sizeof *net->value);
    memset(net->next, 0, (size_t)net->width * sizeof *net->next);
    net->staged = 0;
    net->t_driven = -1;
    net->n_free = 0; /* every slot is free again */
    for (size_t s = net->cap; s > 0; s--)
      net->free_slots[net->n_free++] = (uint32_t)(s - 1);
  }
  aimc_engine_clear_energy(e);
  for (size_t i = 0; i < e->n_inst; i++) {
    aimc_inst *inst = &e->inst[i];
    for (size_t p = 0; p < inst->n_ports; p++)
      if (inst->ports[p].out)
        memset(inst->ports[p].out, 0,
               (size_t)inst->ports[p].width * sizeof(double));
    if ((st = start_inst(inst, 1))) return st;
  }
  return AIMC_OK;
}

double aimc_engine_energy(const aimc_engine *e, aimc_energy_class c) {
  double sum = 0.0;
  if ((unsigned)c >= AIMC_EC_COUNT_) return sum;
  for (size_t i = 0; i < e->n_inst; i++) sum += e->inst[i].energy_J[c];
  return sum;
}

double aimc_engine_energy_total(const aimc_engine *e) {
  double sum = 0.0;
  for (size_t i = 0; i < e->n_inst; i++) sum += aimc_inst_energy(&e->inst[i]);
  return sum;
}

void aimc_engine_clear_energy(aimc_engine *e) {
  for (size_t i = 0; i < e->n_inst; i++) {
    memset(e->inst[i].energy_J, 0, sizeof e->inst[i].energy_J);
    e->inst[i].ops = 0;
  }
}

const char *aimc_engine_event_name(const aimc_engine *e, const aimc_event *ev,
                                   char *buf, size_t len) {
  if (ev->target == e->drive_handler) {
    size_t net = (size_t)(ev->data >> 32);
    snprintf(buf, len, "drive %s",
             net < e->n_net ? e->design->net[net].name : "?");
  } else if (ev->target == e->commit_handler) {
    snprintf(buf, len, "commit");
  } else {
    /* Instance handlers were registered in instance order. */
    size_t i = e->n_inst ? ev->target - e->inst[0].handler : 0;
    snprintf(buf, len, "%s", i < e->n_inst ? e->inst[i].di->name : "?");
  }
  return buf;
}
