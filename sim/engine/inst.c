/* What models see of the engine: ports, drives, self events, state, RNG
 * and accounting; plus the kernel handlers that move values along nets.
 *
 * A drive is a kernel event at now + delay carrying a pool slot with the
 * value; its delivery stages the value and writes the commit signal, so
 * the kernel's update phase wakes one commit event a delta later, which
 * publishes every staged net at once and then calls the readers' on_input
 * (net order, then instance and port order): same-time results do not
 * depend on the order in which drives were delivered. */
#include <string.h>

#include "aimc/status.h"
#include "engine_internal.h"

/* --- net traffic ------------------------------------------------------- */

static uint64_t pack(int net, uint32_t slot) {
  return ((uint64_t)(uint32_t)net << 32) | slot;
}

/* A free slot of net n's pool, growing the pool (doubling) if needed. */
static int take_slot(aimc_engine *e, eng_net *n, uint32_t *slot) {
  if (n->n_free == 0) {
    size_t cap = n->cap ? 2 * n->cap : 4;
    size_t width = n->width > 0 ? (size_t)n->width : 1;
    double *pool = aimc_realloc(e->ctx, n->pool, cap * width * sizeof *pool);
    if (!pool)
      return aimc_error(e->ctx, AIMC_ENOMEM, "engine: no memory for drives");
    n->pool = pool;
    uint32_t *fr = aimc_realloc(e->ctx, n->free_slots, cap * sizeof *fr);
    if (!fr)
      return aimc_error(e->ctx, AIMC_ENOMEM, "engine: no memory for drives");
    n->free_slots = fr;
    for (size_t s = cap; s > n->cap; s--) fr[n->n_free++] = (uint32_t)(s - 1);
    n->cap = cap;
  }
  *slot = n->free_slots[--n->n_free];
  return AIMC_OK;
}

int aimc_eng_drive(aimc_engine *e, int ni, const double *values,
                   aimc_time delay) {
  eng_net *n = &e->net[ni];
  aimc_time at = aimc_kernel_now(e->kernel) + delay;
  if (n->step_reg && e->step > 0) {
    /* The step clock's register: the value lands on the next edge. */
    aimc_time edge = (at + e->step - 1) / e->step * e->step;
    delay += edge - at, at = edge;
  }
  n->t_driven = at;
  uint32_t slot = 0;
  int st = take_slot(e, n, &slot);
  if (st) return st;
  memcpy(n->pool + (size_t)slot * n->width, values, n->width * sizeof *values);
  st = aimc_kernel_schedule(e->kernel, e->drive_handler, delay, 0,
                            pack(ni, slot));
  if (st) n->free_slots[n->n_free++] = slot;
  return st;
}

int aimc_eng_on_drive(aimc_kernel *k, void *self, const aimc_event *ev) {
  aimc_engine *e = self;
  int ni = (int)(ev->data >> 32);
  uint32_t slot = (uint32_t)ev->data;
  eng_net *n = &e->net[ni];
  /* Several drives of one net at one time: the last one delivered wins,
   * as with a SystemC signal written twice in one delta. */
  memcpy(n->next, n->pool + (size_t)slot * n->width, n->width * sizeof *n->next);
  n->free_slots[n->n_free++] = slot;
  if (!n->staged) {
    n->staged = 1;
    e->dirty[e->n_dirty++] = (uint32_t)ni;
  }
  e->commits += 1.0;
  return aimc_kernel_signal_write(k, e->commit_signal, e->commits);
}

int aimc_eng_on_commit(aimc_kernel *k, void *self, const aimc_event *ev) {
  (void)k;
  (void)ev;
  aimc_engine *e = self;
  uint32_t *d = e->dirty;
  size_t nd = e->n_dirty;
  for (size_t i = 1; i < nd; i++) { /* net order: insertion sort */
    uint32_t v = d[i];
    size_t j = i;
    for (; j > 0 && d[j - 1] > v; j--) d[j] = d[j - 1];
    d[j] = v;
  }
  for (size_t i = 0; i < nd; i++) {
    eng_net *n = &e->net[d[i]];
    memcpy(n->value, n->next, n->width * sizeof *n->value);
    n->staged = 0;
  }
  /* Drives made by readers are later kernel events, so `dirty` stays
   * untouched while we walk it. */
  e->n_dirty = 0;
  for (size_t i = 0; i < nd; i++) {
    const eng_net *n = &e->net[d[i]];
    for (size_t r = 0; r < n->n_readers; r++) {
      const eng_reader *rd = &e->readers[n->first_reader + r];
      aimc_inst *inst = &e->inst[rd->inst];
      if (!inst->model->on_input) continue;
      int st = inst->model->on_input(inst, rd->port);
      if (st) return st;
    }
  }
  return AIMC_OK;
}

int aimc_eng_on_inst_event(aimc_kernel *k, void *self, const aimc_event *ev) {
  (void)k;
  aimc_inst *inst = self;
  if (!inst->model->on_event)
    return aimc_error(inst->engine->ctx, AIMC_ESTATE,
                      "instance %s (%s) got event tag %u but has no on_event",
                      inst->di->name, inst->model->name, ev->tag);
  return inst->model->on_event(inst, ev->tag, ev->data);
}

/* --- services for models ----------------------------------------------- */

const char *aimc_inst_name(const aimc_inst *inst) { return inst->di->name; }
const char *aimc_inst_source(const aimc_inst *inst) { return inst->di->loc.file; }
const aimc_model *aimc_inst_model(const aimc_inst *inst) { return inst->model; }
const void *aimc_inst_params(const aimc_inst *inst) { return inst->di->params; }
void *aimc_inst_state(aimc_inst *inst) { return inst->state; }
aimc_ctx *aimc_inst_ctx(aimc_inst *inst) { return inst->engine->ctx; }
gsl_rng *aimc_inst_rng(aimc_inst *inst) { return &inst->rng; }
aimc_xs128p *aimc_inst_lane_rng(aimc_inst *inst) { return &inst->lane_rng; }

uint64_t aimc_inst_static_seed(const aimc_inst *inst) {
  return aimc_seed_static(inst->engine->seed, aimc_hash_str(inst->di->name));
}
aimc_engine *aimc_inst_engine(aimc_inst *inst) { return inst->engine; }
aimc_time aimc_inst_now(const aimc_inst *inst) {
  return aimc_kernel_now(inst->engine->kernel);
}

void *aimc_inst_alloc(aimc_inst *inst, size_t size) {
  inst_block *b = aimc_calloc(inst->engine->ctx, 1, sizeof *b + size);
  if (!b) return NULL;
  b->h.next = inst->blocks;
  inst->blocks = b;
  return b + 1;
}

int aimc_inst_own(aimc_inst *inst, void *obj, void (*release)(aimc_ctx *ctx, void *obj)) {
  inst_block *payload = obj ? aimc_inst_alloc(inst, 0) : NULL;
  if (!payload) {
    if (obj) release(inst->engine->ctx, obj);
    return obj ? AIMC_ENOMEM : AIMC_OK;
  }
  inst_block *head = payload - 1;
  head->h.release = release;
  head->h.obj = obj;
  return AIMC_OK;
}

void aimc_eng_free_blocks(aimc_inst *inst) {
  while (inst->blocks) {
    inst_block *next = inst->blocks->h.next;
    if (inst->blocks->h.release) inst->blocks->h.release(inst->engine->ctx, inst->blocks->h.obj);
    aimc_free(inst->engine->ctx, inst->blocks);
    inst->blocks = next;
  }
}

static int port_ok(const aimc_inst *inst, int port) {
  return port >= 0 && (size_t)port < inst->n_ports;
}

int aimc_inst_port_width(const aimc_inst *inst, int port) {
  return port_ok(inst, port) ? inst->ports[port].width : -1;
}

int aimc_inst_port_connected(const aimc_inst *inst, int port) {
  return port_ok(inst, port) && inst->ports[port].net >= 0;
}

const double *aimc_inst_in(const aimc_inst *inst, int port) {
  if (!aimc_inst_port_connected(inst, port)) return NULL;
  return inst->engine->net[inst->ports[port].net].value;
}

double *aimc_inst_out(aimc_inst *inst, int port) {
  return port_ok(inst, port) ? inst->ports[port].out : NULL;
}

int aimc_inst_drive(aimc_inst *inst, int port, aimc_time delay) {
  aimc_engine *e = inst->engine;
  if (!port_ok(inst, port) || aimc_model_port(inst->model, port)->dir != AIMC_PORT_OUT)
    return aimc_error(e->ctx, AIMC_EINVAL,
                      "instance %s (%s): drive of port %d, not an output",
                      inst->di->name, inst->model->name, port);
  const eng_port *p = &inst->ports[port];
  if (p->net < 0) return AIMC_OK; /* open output: nobody listens */
  if (e->clock > 0) delay = (delay + e->clock - 1) / e->clock * e->clock;
  return aimc_eng_drive(e, p->net, p->out, delay);
}

int aimc_inst_schedule(aimc_inst *inst, aimc_time delay, uint32_t tag,
                       uint64_t data) {
  return aimc_kernel_schedule(inst->engine->kernel, inst->handler, delay, tag,
                              data);
}

void aimc_inst_add_energy_in(aimc_inst *inst, aimc_energy_class c, double e_J) {
  /* A class outside the enum is a model's bug; booking it as OTHER keeps
   * the per-class sums equal to the per-instance ones. */
  if ((unsigned)c >= AIMC_EC_COUNT_) c = AIMC_EC_OTHER;
  inst->energy_J[c] += e_J;
}

void aimc_inst_add_energy(aimc_inst *inst, double e_J) {
  aimc_inst_add_energy_in(inst, inst->model->eclass, e_J);
}

double aimc_inst_energy(const aimc_inst *inst) {
  double sum = 0.0;
  for (int c = 0; c < AIMC_EC_COUNT_; c++) sum += inst->energy_J[c];
  return sum;
}

void aimc_inst_add_ops(aimc_inst *inst, uint64_t ops) { inst->ops += ops; }
uint64_t aimc_inst_ops(const aimc_inst *inst) { return inst->ops; }
