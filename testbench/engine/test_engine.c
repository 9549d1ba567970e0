/* Engine: hand-built designs of tiny test models (a source, a gain stage,
 * an adder, a sink) check vector passing with delays, pipelining (several
 * drives of one port in flight), delta-cycle commits, energy sums over
 * classes and instances, per-instance RNG streams, reset (replaying the
 * streams), errors and fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/engine.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"

/* --- test models -------------------------------------------------------- */
typedef struct {
  int n;              /* vector width                              */
  int count;          /* vectors to emit                           */
  aimc_time period;   /* between vectors (fs)                      */
  aimc_time delay;    /* output delay (fs)                         */
  double gain;
  double e_op_J;      /* energy per operation                      */
} tparams;

static const aimc_param TPARAMS[] = {
    {.key = "n", .type = AIMC_PT_INT, .offset = offsetof(tparams, n)},
};

enum { MAX_REC = 64, MAX_W = 4 };
typedef struct {
  int n;
  aimc_time t[MAX_REC];
  double v[MAX_REC][MAX_W];
  int emitted;
} trec;

/* src: emits vector k = (k, k + 1, ...) every period, from time period. */
static int src_event(aimc_inst *inst, uint32_t tag, uint64_t data) {
  (void)tag;
  (void)data;
  const tparams *p = aimc_inst_params(inst);
  trec *s = aimc_inst_state(inst);
  double *out = aimc_inst_out(inst, 0);
  for (int i = 0; i < p->n; i++) out[i] = s->emitted + i;
  aimc_inst_add_energy(inst, p->e_op_J);
  int st = aimc_inst_drive(inst, 0, p->delay);
  if (!st && ++s->emitted < p->count)
    st = aimc_inst_schedule(inst, p->period, 0, 0);
  return st;
}
static int src_init(aimc_inst *inst) {
  const tparams *p = aimc_inst_params(inst);
  return p->count > 0 ? aimc_inst_schedule(inst, p->period, 0, 0) : AIMC_OK;
}
static const aimc_port_spec SRC_PORTS[] = {
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "vectors", 0}};
static const aimc_model SRC = {
    .name = "t_src", .eclass = AIMC_EC_DAC, .params = TPARAMS,
    .n_params = 1, .params_size = sizeof(tparams), .ports = SRC_PORTS,
    .n_ports = 1, .state_size = sizeof(trec), .init = src_init,
    .on_event = src_event};

/* gain: out = gain * in after `delay`; 2 ops per element. */
static int gain_input(aimc_inst *inst, int port) {
  (void)port;
  const tparams *p = aimc_inst_params(inst);
  const double *in = aimc_inst_in(inst, 0);
  double *out = aimc_inst_out(inst, 1);
  for (int i = 0; i < p->n; i++) out[i] = p->gain * in[i];
  aimc_inst_add_energy(inst, p->e_op_J);
  aimc_inst_add_ops(inst, 2 * (uint64_t)p->n);
  return aimc_inst_drive(inst, 1, p->delay);
}
static const aimc_port_spec GAIN_PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n", "", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "", 0}};
static const aimc_model GAIN = {
    .name = "t_gain", .eclass = AIMC_EC_ARRAY, .params = TPARAMS,
    .n_params = 1, .params_size = sizeof(tparams), .ports = GAIN_PORTS,
    .n_ports = 2, .on_input = gain_input};

/* sink: records what arrives on any input (adder: a + b, both inputs). */
static int sink_input(aimc_inst *inst, int port) {
  (void)port;
  const tparams *p = aimc_inst_params(inst);
  trec *s = aimc_inst_state(inst);
  if (s->n >= MAX_REC) return AIMC_ERANGE;
  s->t[s->n] = aimc_inst_now(inst);
  for (int i = 0; i < p->n; i++) {
    s->v[s->n][i] = aimc_inst_in(inst, 0)[i];
    if (aimc_inst_port_connected(inst, 1)) s->v[s->n][i] += aimc_inst_in(inst, 1)[i];
  }
  s->n++;
  return AIMC_OK;
}
static const aimc_port_spec SINK_PORTS[] = {
    {"a", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n", "", 0},
    {"b", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n", "", 0}};
static const aimc_model SINK = {
    .name = "t_sink", .eclass = AIMC_EC_DIGITAL, .params = TPARAMS,
    .n_params = 1, .params_size = sizeof(tparams), .ports = SINK_PORTS,
    .n_ports = 2, .state_size = sizeof(trec), .on_input = sink_input};

/* noisy: out = in + offset + u, offsets (one per element) drawn at init
 * into instance memory, u uniform in [0, 1) per element and input. Each
 * input books e_op_J to the model's class and e_op_J / 2 as static energy.
 * NOISY's reset hook keeps the offsets; NOISY_REINIT has none (init runs
 * again): the two ways a reset can treat a random stream. */
typedef struct {
  double *offset;
} tnoisy;

static int noisy_init(aimc_inst *inst) {
  const tparams *p = aimc_inst_params(inst);
  tnoisy *s = aimc_inst_state(inst);
  s->offset = aimc_inst_alloc(inst, (size_t)p->n * sizeof *s->offset);
  if (!s->offset) return AIMC_ENOMEM;
  for (int i = 0; i < p->n; i++)
    s->offset[i] = gsl_rng_uniform(aimc_inst_rng(inst));
  return AIMC_OK;
}
static int noisy_keep_offsets(aimc_inst *inst) {
  (void)inst;
  return AIMC_OK;
}
static int noisy_input(aimc_inst *inst, int port) {
  (void)port;
  const tparams *p = aimc_inst_params(inst);
  const tnoisy *s = aimc_inst_state(inst);
  const double *in = aimc_inst_in(inst, 0);
  double *out = aimc_inst_out(inst, 1);
  for (int i = 0; i < p->n; i++)
    out[i] = in[i] + s->offset[i] + gsl_rng_uniform(aimc_inst_rng(inst));
  aimc_inst_add_energy(inst, p->e_op_J);
  aimc_inst_add_energy_in(inst, AIMC_EC_STATIC, p->e_op_J / 2);
  return aimc_inst_drive(inst, 1, p->delay);
}
static const aimc_model NOISY = {
    .name = "t_noisy", .eclass = AIMC_EC_ARRAY, .params = TPARAMS,
    .n_params = 1, .params_size = sizeof(tparams), .ports = GAIN_PORTS,
    .n_ports = 2, .state_size = sizeof(tnoisy), .init = noisy_init,
    .reset = noisy_keep_offsets, .on_input = noisy_input};
static const aimc_model NOISY_REINIT = {
    .name = "t_noisy_reinit", .eclass = AIMC_EC_TIA, .params = TPARAMS,
    .n_params = 1, .params_size = sizeof(tparams), .ports = GAIN_PORTS,
    .n_ports = 2, .state_size = sizeof(tnoisy), .init = noisy_init,
    .on_input = noisy_input};

/* --- building designs by hand ------------------------------------------- */
enum { MAX_I = 16, MAX_N = 8 };
typedef struct {
  aimc_design d;
  aimc_design_inst inst[MAX_I];
  aimc_design_net net[MAX_N];
  tparams params[MAX_I];
  int port_net[MAX_I][2];
  char names[MAX_I][16];
} tdesign;

static void td_init(tdesign *t) {
  memset(t, 0, sizeof *t);
  t->d.inst = t->inst;
  t->d.net = t->net;
}
static int td_net(tdesign *t, const char *name, int width) {
  int i = (int)t->d.n_net++;
  t->net[i] = (aimc_design_net){.name = (char *)name, .kind = AIMC_SIG_DIGITAL,
                                .width = width, .driver = -1};
  return i;
}
static tparams *td_inst(tdesign *t, const char *name, const aimc_model *m,
                        int net0, int net1) {
  int i = (int)t->d.n_inst++;
  snprintf(t->names[i], sizeof t->names[i], "%s", name);
  t->port_net[i][0] = net0;
  t->port_net[i][1] = net1;
  t->inst[i] = (aimc_design_inst){.name = t->names[i], .model = m,
                                  .params = &t->params[i],
                                  .port_net = t->port_net[i],
                                  .loc = {"hand.yaml", i + 1, 3}};
  for (size_t p = 0; p < m->n_ports; p++)
    if (m->ports[p].dir == AIMC_PORT_OUT && t->port_net[i][p] >= 0) {
      t->net[t->port_net[i][p]].driver = i;
      t->net[t->port_net[i][p]].driver_port = (int)p;
    }
  t->params[i] = (tparams){.n = 3, .gain = 1.0};
  return &t->params[i];
}

/* src -(2 fs)-> gain x2 -(3 fs)-> gain x3 -(5 fs)-> sink, width 3. */
static void chain(tdesign *t, int count, aimc_time period) {
  td_init(t);
  int a = td_net(t, "a", 3), b = td_net(t, "b", 3), c = td_net(t, "c", 3);
  *td_inst(t, "src", &SRC, a, -1) = (tparams){
      .n = 3, .count = count, .period = period, .delay = 2, .e_op_J = 1e-12};
  *td_inst(t, "g1", &GAIN, a, b) =
      (tparams){.n = 3, .gain = 2.0, .delay = 3, .e_op_J = 2e-12};
  *td_inst(t, "g2", &GAIN, b, c) =
      (tparams){.n = 3, .gain = 3.0, .delay = 5, .e_op_J = 4e-12};
  td_inst(t, "sink", &SINK, c, -1);
}

/* src -(2 fs)-> keep (NOISY, 2 pJ) -(3 fs)-> reinit (NOISY_REINIT, 4 pJ)
 * -(5 fs)-> sink, width 3. */
static void noisy_chain(tdesign *t, int count, aimc_time period) {
  chain(t, count, period);
  t->inst[1].model = &NOISY;
  t->inst[2].model = &NOISY_REINIT;
  snprintf(t->names[1], sizeof t->names[1], "keep");
  snprintf(t->names[2], sizeof t->names[2], "reinit");
}

/* Vector k leaves src at (k + 1) * period + 2 and reaches the sink 3 + 5
 * fs later, scaled by 2 * 3: known answer from the chain's definition. */
static void check_chain(aimc_engine *e, int count, aimc_time period) {
  trec *s = aimc_inst_state(aimc_engine_find(e, "sink"));
  assert_int_equal(s->n, count);
  for (int k = 0; k < count; k++) {
    assert_int_equal(s->t[k], (k + 1) * period + 10);
    for (int i = 0; i < 3; i++) assert_near(s->v[k][i], 6.0 * (k + i), 0);
  }
}

static void test_chain_and_energy(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  tdesign t;
  chain(&t, 4, 20);
  aimc_engine *e;
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e), 0);
  assert_int_equal(aimc_engine_n_inst(e), 4);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  check_chain(e, 4, 20);
  assert_int_equal(aimc_kernel_now(aimc_engine_kernel(e)), 4 * 20 + 10);
  /* 4 vectors: src 4 x 1 pJ (dac), gains 4 x (2 + 4) pJ (array). */
  assert_near(aimc_engine_energy(e, AIMC_EC_DAC), 4e-12, 1e-24);
  assert_near(aimc_engine_energy(e, AIMC_EC_ARRAY), 24e-12, 1e-24);
  assert_near(aimc_engine_energy(e, AIMC_EC_ADC), 0.0, 0);
  assert_near(aimc_engine_energy_total(e), 28e-12, 1e-24);
  assert_int_equal(aimc_inst_ops(aimc_engine_find(e, "g1")), 4 * 2 * 3);
  const double *c = aimc_engine_net_value(e, 2);
  assert_near(c[2], 6.0 * 5, 0); /* last vector k = 3, element 2 */
  assert_null(aimc_engine_find(e, "nope"));
  /* Reset replays the same run; energy restarts from zero. */
  assert_int_equal(aimc_engine_reset(e), AIMC_OK);
  assert_near(aimc_engine_energy_total(e), 0.0, 0);
  assert_near(aimc_engine_net_value(e, 2)[2], 0.0, 0);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  check_chain(e, 4, 20);
  assert_near(aimc_engine_energy_total(e), 28e-12, 1e-24);
  aimc_engine_clear_energy(e);
  assert_near(aimc_engine_energy_total(e), 0.0, 0);
  aimc_engine_free(e);
  aimc_ctx_free(ctx);
}

/* Period 1 fs with 10 fs of latency: ~10 vectors in flight per stage. */
static void test_pipelining(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  tdesign t;
  chain(&t, 40, 1);
  aimc_engine *e;
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e), 0);
  assert_int_equal(aimc_engine_run_until(e, 15), AIMC_OK);
  assert_true(aimc_kernel_pending(aimc_engine_kernel(e)) >= 8);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  check_chain(e, 40, 1);
  aimc_engine_free(e);
  aimc_ctx_free(ctx);
}

/* Two sources drive nets a and b at the same time; the adder wakes once
 * per changed input (a then b: net order) and both calls see both new
 * values, whichever source is listed first. */
static void run_adder(int swap) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  tdesign t;
  td_init(&t);
  int a = td_net(&t, "a", 3), b = td_net(&t, "b", 3);
  tparams sp = {.n = 3, .count = 1, .period = 7, .delay = 0};
  *td_inst(&t, "s1", &SRC, swap ? b : a, -1) = sp;
  *td_inst(&t, "s2", &SRC, swap ? a : b, -1) = sp;
  td_inst(&t, "add", &SINK, a, b);
  aimc_engine *e;
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e), 0);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  trec *s = aimc_inst_state(aimc_engine_find(e, "add"));
  assert_int_equal(s->n, 2);
  for (int k = 0; k < 2; k++) {
    assert_int_equal(s->t[k], 7);
    for (int i = 0; i < 3; i++) assert_near(s->v[k][i], 2.0 * i, 0);
  }
  aimc_engine_free(e);
  aimc_ctx_free(ctx);
}

static void test_same_time_commit(void **state) {
  (void)state;
  run_adder(0);
  run_adder(1);
}

/* External drives; RNG streams keyed by name, not instance order. */
static void test_external_drive_and_rng(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  tdesign t1, t2;
  td_init(&t1);
  int in = td_net(&t1, "in", 3);
  td_inst(&t1, "x", &SINK, in, -1);
  td_inst(&t1, "y", &SINK, in, -1);
  td_init(&t2);
  in = td_net(&t2, "in", 3);
  td_inst(&t2, "y", &SINK, in, -1);
  td_inst(&t2, "x", &SINK, in, -1);
  aimc_engine *e1, *e2;
  assert_int_equal(aimc_engine_alloc(ctx, &t1.d, AIMC_KERNEL_NATIVE, &e1), 0);
  assert_int_equal(aimc_engine_alloc(ctx, &t2.d, AIMC_KERNEL_NATIVE, &e2), 0);
  unsigned long x1 = gsl_rng_get(aimc_inst_rng(aimc_engine_find(e1, "x")));
  unsigned long x2 = gsl_rng_get(aimc_inst_rng(aimc_engine_find(e2, "x")));
  unsigned long y1 = gsl_rng_get(aimc_inst_rng(aimc_engine_find(e1, "y")));
  assert_true(x1 == x2);
  assert_true(x1 != y1);
  const double v[3] = {1, 2, 3};
  assert_int_equal(aimc_engine_drive_net(e1, in, v, 5), 0);
  assert_int_equal(aimc_engine_drive_net(e1, 9, v, 5), AIMC_EINVAL);
  assert_int_equal(aimc_engine_run(e1), 0);
  trec *s = aimc_inst_state(aimc_engine_find(e1, "y"));
  assert_int_equal(s->n, 1);
  assert_int_equal(s->t[0], 5);
  assert_near(s->v[0][2], 3.0, 0);
  aimc_engine_free(e1);
  aimc_engine_free(e2);
  aimc_ctx_free(ctx);
}

static void test_errors(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  tdesign t;
  chain(&t, 1, 5);
  t.net[1].width = 4; /* g1.out is 3 wide */
  aimc_engine *e = NULL;
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e),
                   AIMC_ESHAPE);
  assert_null(e);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "hand.yaml:2:3: instance g1"));
  chain(&t, 1, 5);
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e), 0);
  const double v[3] = {0};
  assert_int_equal(aimc_engine_drive_net(e, 1, v, 0), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "driven by instance g1"));
  assert_int_equal(aimc_inst_drive(aimc_engine_find(e, "g1"), 0, 0),
                   AIMC_EINVAL);
  assert_null(aimc_inst_in(aimc_engine_find(e, "sink"), 1));
  assert_int_equal(aimc_inst_port_width(aimc_engine_find(e, "sink"), 1), 3);
  aimc_engine_free(e);
  aimc_engine_free(NULL);
  td_init(&t); /* nothing at all: a run with no events */
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e), 0);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  assert_int_equal(aimc_engine_reset(e), AIMC_OK);
  assert_near(aimc_engine_energy_total(e), 0.0, 0);
  aimc_engine_free(e);
  aimc_ctx_free(ctx);
}

/* What a run leaves: the events delivered (as the CLI trace prints them),
 * what the sink got, and the energy of every class and instance. */
typedef struct {
  char trace[16384];
  size_t len;
  trec sink;
  double class_J[AIMC_EC_COUNT_], inst_J[MAX_I];
} run_record;

static void record_event(void *user, const aimc_event *ev) {
  run_record *r = user;
  r->len += (size_t)snprintf(
      r->trace + r->len, sizeof r->trace - r->len, "%lld,%u,%llu,%u,%u,%llu\n",
      (long long)ev->time, ev->delta, (unsigned long long)ev->seq, ev->target,
      ev->tag, (unsigned long long)ev->data);
  assert_true(r->len < sizeof r->trace);
}

static void record_run(aimc_engine *e, run_record *r) {
  memset(r, 0, sizeof *r);
  aimc_kernel_set_trace(aimc_engine_kernel(e), record_event, r);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  aimc_kernel_set_trace(aimc_engine_kernel(e), NULL, NULL);
  memcpy(&r->sink, aimc_inst_state(aimc_engine_find(e, "sink")), sizeof r->sink);
  for (int c = 0; c < AIMC_EC_COUNT_; c++)
    r->class_J[c] = aimc_engine_energy(e, (aimc_energy_class)c);
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++)
    r->inst_J[i] = aimc_inst_energy(aimc_engine_inst(e, i));
}

static void assert_same_run(const run_record *a, const run_record *b) {
  assert_string_equal(a->trace, b->trace);
  assert_memory_equal(&a->sink, &b->sink, sizeof a->sink);
  assert_memory_equal(a->class_J, b->class_J, sizeof a->class_J);
  assert_memory_equal(a->inst_J, b->inst_J, sizeof a->inst_J);
}

/* Run, reset, run is two fresh runs, byte for byte, through both reset
 * paths (a hook that keeps init's draws, init drawing again); and the
 * noise is real: another seed gives other values. */
static void test_reset_replays_noise(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(11);
  tdesign t;
  noisy_chain(&t, 5, 10);
  aimc_engine *fresh, *reused;
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &fresh), 0);
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &reused), 0);
  static run_record want, first, again;
  record_run(fresh, &want);
  record_run(reused, &first);
  assert_int_equal(aimc_engine_reset(reused), AIMC_OK);
  record_run(reused, &again);
  assert_same_run(&want, &first);
  assert_same_run(&want, &again);
  assert_int_equal(want.sink.n, 5);
  /* Both stages add offset + u in [0, 2) to the integers of vector k. */
  for (int i = 0; i < 3; i++) {
    double noise = want.sink.v[4][i] - (4 + i);
    assert_true(noise > 0 && noise < 4);
  }
  aimc_engine_free(fresh);
  aimc_ctx_reseed(ctx, 12);
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &fresh), 0);
  record_run(fresh, &first);
  assert_true(memcmp(want.sink.v, first.sink.v, sizeof want.sink.v) != 0);
  /* Reset replays the seed the engine was made with, not the new one. */
  assert_int_equal(aimc_engine_reset(reused), AIMC_OK);
  record_run(reused, &again);
  assert_same_run(&want, &again);
  aimc_engine_free(fresh);
  aimc_engine_free(reused);
  aimc_ctx_free(ctx);
}

/* Energy booked to several classes: per class and per instance add up. */
static void test_energy_classes(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  tdesign t;
  noisy_chain(&t, 5, 10);
  aimc_engine *e;
  assert_int_equal(aimc_engine_alloc(ctx, &t.d, AIMC_KERNEL_NATIVE, &e), 0);
  assert_int_equal(aimc_engine_run(e), AIMC_OK);
  /* 5 vectors: src 1 pJ (dac), keep 2 pJ (array) + 1 pJ (static), reinit
   * 4 pJ (tia) + 2 pJ (static), each per vector. */
  assert_near(aimc_engine_energy(e, AIMC_EC_DAC), 5e-12, 1e-24);
  assert_near(aimc_engine_energy(e, AIMC_EC_ARRAY), 10e-12, 1e-24);
  assert_near(aimc_engine_energy(e, AIMC_EC_TIA), 20e-12, 1e-24);
  assert_near(aimc_engine_energy(e, AIMC_EC_STATIC), 15e-12, 1e-24);
  assert_near(aimc_inst_energy(aimc_engine_find(e, "keep")), 15e-12, 1e-24);
  assert_near(aimc_inst_energy(aimc_engine_find(e, "reinit")), 30e-12, 1e-24);
  /* A class outside the enum counts as OTHER; asking for one gives 0. */
  aimc_inst_add_energy_in(aimc_engine_find(e, "sink"), (aimc_energy_class)99,
                          7e-12);
  assert_near(aimc_engine_energy(e, AIMC_EC_OTHER), 7e-12, 1e-24);
  assert_near(aimc_engine_energy(e, (aimc_energy_class)99), 0.0, 0);
  assert_near(aimc_engine_energy(e, (aimc_energy_class)-1), 0.0, 0);
  double by_class = 0.0, by_inst = 0.0;
  for (int c = 0; c < AIMC_EC_COUNT_; c++)
    by_class += aimc_engine_energy(e, (aimc_energy_class)c);
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++)
    by_inst += aimc_inst_energy(aimc_engine_inst(e, i));
  /* 5 + 10 + 20 + 15 + 7 pJ; the two orders of summation may round apart
   * by a few ulp of the total. */
  assert_near(by_class, 57e-12, 1e-24);
  assert_near(by_inst, by_class, 1e-26);
  assert_near(aimc_engine_energy_total(e), by_inst, 0);
  aimc_engine_clear_energy(e);
  for (int c = 0; c < AIMC_EC_COUNT_; c++)
    assert_near(aimc_engine_energy(e, (aimc_energy_class)c), 0.0, 0);
  aimc_engine_free(e);
  aimc_ctx_free(ctx);
}

/* Net a, driven from outside, read by 16 gains with open outputs: the
 * kernel's table of 16 handlers grows while instances are made. */
static void wide(tdesign *t) {
  td_init(t);
  int a = td_net(t, "a", 3);
  for (int i = 0; i < MAX_I; i++) {
    char name[16];
    snprintf(name, sizeof name, "g%d", i);
    td_inst(t, name, &GAIN, a, -1);
  }
}

/* Alloc; `drives` vectors put on net 0 from outside at 1, 2, ... fs; run;
 * then reset and run again `reset_runs` times. */
static int run_session(aimc_ctx *ctx, const tdesign *t, int drives,
                       int reset_runs) {
  aimc_engine *e;
  int st = aimc_engine_alloc(ctx, &t->d, AIMC_KERNEL_NATIVE, &e);
  if (st) return st;
  const double v[3] = {1, 2, 3};
  for (int k = 1; k <= drives && !st; k++)
    st = aimc_engine_drive_net(e, 0, v, k);
  if (!st) st = aimc_engine_run(e);
  for (int k = 0; k < reset_runs && !st; k++) {
    st = aimc_engine_reset(e);
    if (!st) st = aimc_engine_run(e);
  }
  aimc_engine_free(e);
  return st;
}

/* Every allocation of alloc (nets, ports, states, streams, handlers,
 * readers, the models' instance memory), run (drive pools and the event
 * queue growing) and reset (a hook, and init again). */
static int engine_session(aimc_ctx *ctx, void *user) {
  (void)user;
  tdesign t;
  noisy_chain(&t, 30, 1); /* 10 vectors in flight per stage */
  int st = run_session(ctx, &t, 0, 1);
  wide(&t);
  /* 300 drives pending: the event queue of 256 grows while a drive is
   * made, after the drive took its pool slot. */
  return st ? st : run_session(ctx, &t, 300, 0);
}

static void test_fault_injection(void **state) {
  (void)state;
  assert_true(failalloc_sweep(engine_session, NULL) > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chain_and_energy),
      cmocka_unit_test(test_pipelining),
      cmocka_unit_test(test_same_time_commit),
      cmocka_unit_test(test_external_drive_and_rng),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_reset_replays_noise),
      cmocka_unit_test(test_energy_classes),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
