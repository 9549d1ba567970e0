/* The S4D periphery (models/s4d_digital.c) in the event kernel: a
 * netlist source -> s4d_digital -> probe gives, op by op, exactly the
 * numbers of the model's eval on the tensor of a fixture model file, and
 * books op_cost's energy; a sequence through pool -> mean gives, step by
 * step, the batched evaluation's running sums and means (as aimc run
 * forms them: [x; sum] and [sum; steps]) on several lanes at once, and a
 * reset starts the sum again; a missing or mismatched model is refused
 * at init naming the instance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/engine.h"
#include "aimc/netlist.h"
#include "aimc/probe.h"
#include "aimc/s4d_digital.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "testutil.h"

enum { N_IN = 5, N_OUT = 3, H = 4, STEPS = 6, SEQS = 5 };

static char model_path[512];

/* A GLU model of two layers, written once for every test. */
static int write_model(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl =
      fixture_model(ctx, N_IN, N_OUT, H, 2, 2, AIMC_MIX_GLU, 4, 0, 7);
  snprintf(model_path, sizeof model_path, "%s/m.s4d",
           test_tmpdir("s4d_digital_event"));
  int st = mdl ? aimc_s4d_model_write(ctx, mdl, model_path) : AIMC_ENOMEM;
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
  return st;
}

/* Inputs on a 1/1024 grid in [-2, 2], so that their decimals in the
 * netlist are exact. */
static double grid_value(int k) {
  return (double)(((k * 2654435761u) >> 7) % 4097) / 1024.0 - 2.0;
}

/* rows of n values from k0 on: "v v v<sep>v v v..." */
static void values_text(char *buf, size_t len, int rows, int n, int k0,
                        const char *sep) {
  size_t at = 0;
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < n; c++)
      at += (size_t)snprintf(buf + at, len - at, "%s%.17g",
                             c   ? " "
                             : r ? sep
                                 : "",
                             grid_value(k0 + r * n + c));
}

typedef struct {
  aimc_ctx *ctx;
  aimc_design *d;
  aimc_engine *e;
} rig;

/* Parses and elaborates text; the status of the first that fails. */
static int rig_open(rig *r, const char *text) {
  r->ctx = aimc_ctx_alloc(3);
  r->d = NULL;
  r->e = NULL;
  int st = aimc_netlist_parse(r->ctx, "test.yaml", text, NULL, &r->d);
  if (!st) st = aimc_engine_alloc(r->ctx, r->d, AIMC_KERNEL_NATIVE, &r->e);
  return st;
}

static void rig_close(rig *r) {
  aimc_engine_free(r->e);
  aimc_design_free(r->ctx, r->d);
  aimc_ctx_free(r->ctx);
}

static const struct {
  const char *op, *tensor;
  int n, n_in, layer;
} OPS[] = {
    {"dense", "encoder", H, N_IN, 0},
    {"dense", "mix", 2 * H, H, 1},
    {"bias", "decoder", N_OUT, N_OUT, 0},
    {"gelu", "none", H, H, 0},
    {"glu", "none", H, 2 * H, 0},
    {"add", "none", H, 2 * H, 0},
    {"layernorm", "norm", H, H, 1},
    {"pool", "none", H, H, 0},
    {"mean", "none", H, H, 0},
};

/* The op's eval on x, its weights read from the model file here. */
static void eval_ref(const aimc_s4d_digital_params *p, const double *x,
                     double *y) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = NULL;
  assert_int_equal(aimc_s4d_model_read(ctx, model_path, &mdl), AIMC_OK);
  aimc_s4d_digital_weights w;
  char err[256];
  assert_int_equal(aimc_s4d_digital_weights_of(mdl, p, &w, err, sizeof err),
                   AIMC_OK);
  aimc_eval e = {.params = p, .state = &w, .n = p->n};
  assert_int_equal(aimc_models_find("s4d_digital")->eval(&e, x, y, NULL),
                   AIMC_OK);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

static void test_each_op(void **state) {
  (void)state;
  const aimc_model *m = aimc_models_find("s4d_digital");
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
    char values[2048], text[4096];
    values_text(values, sizeof values, 1, OPS[i].n_in, (int)i * 31, "");
    snprintf(text, sizeof text,
             "name: one_op\ninstances:\n"
             "  src: {model: source, params: {n: %d, values: \"%s\"}}\n"
             "  op: {model: s4d_digital, params: {op: %s, n: %d, n_in: %d, "
             "tensor: %s, layer: %d, model: \"%s\"}}\n"
             "  seen: {model: probe, params: {n: %d}}\n"
             "nets:\n  a: {connect: [src.out, op.in]}\n"
             "  b: {connect: [op.out, seen.in]}\n",
             OPS[i].n_in, values, OPS[i].op, OPS[i].n, OPS[i].n_in,
             OPS[i].tensor, OPS[i].layer,
             strcmp(OPS[i].tensor, "none") ? model_path : "", OPS[i].n);
    rig r;
    if (rig_open(&r, text)) fail_msg("%s", aimc_ctx_errmsg(r.ctx));
    assert_int_equal(aimc_engine_run(r.e), AIMC_OK);
    aimc_inst *op = aimc_engine_find(r.e, "op"),
              *seen = aimc_engine_find(r.e, "seen");
    const aimc_s4d_digital_params *p = aimc_inst_params(op);
    /* eval's input: pool and mean after their first step add their
     * state, a zero sum and one step. */
    double x[2 * 2 * H + 1] = {0}, want[2 * H];
    for (int k = 0; k < OPS[i].n_in; k++) x[k] = grid_value((int)i * 31 + k);
    if (p->op == AIMC_DIG_MEAN) x[H] = 1;
    eval_ref(p, x, want);
    assert_int_equal(aimc_probe_count(seen), 1);
    aimc_time t;
    const double *y;
    assert_int_equal(aimc_probe_record(seen, 0, &t, &y), AIMC_OK);
    assert_true(t == p->t_op);
    for (int k = 0; k < p->n; k++)
      if (y[k] != want[k])
        fail_msg("op %s: out[%d] = %.17g, eval %.17g", OPS[i].op, k, y[k],
                 want[k]);
    aimc_op_cost c = aimc_model_op_cost(m, p, &(aimc_op_use){.n = p->n});
    assert_true(c.e_J > 0 && aimc_inst_energy(op) == c.e_J);
    assert_true(aimc_inst_ops(op) == 2 * aimc_s4d_digital_macs(p));
    rig_close(&r);
  }
}

/* SEQS sources of STEPS vectors (from files), each through its own pool
 * and mean, probed after both. */
static void chain_text(char *text, size_t len) {
  size_t at = (size_t)snprintf(text, len, "name: pool_mean\ninstances:\n");
  const char *dir = test_tmpdir("s4d_digital_chain");
  char values[2048], name[32];
  for (int s = 0; s < SEQS; s++) {
    values_text(values, sizeof values, STEPS, H, 1000 * s, "\n");
    snprintf(name, sizeof name, "seq%d.csv", s);
    char *file = test_write_file(dir, name, values);
    at += (size_t)snprintf(
        text + at, len - at,
        "  src%d: {model: source, params: {n: %d, period: 5ns, file: "
        "\"%s\"}}\n"
        "  pool%d: {model: s4d_digital, params: {op: pool, n: %d, n_in: %d}}\n"
        "  mean%d: {model: s4d_digital, params: {op: mean, n: %d, n_in: %d}}\n"
        "  sums%d: {model: probe, params: {n: %d}}\n"
        "  means%d: {model: probe, params: {n: %d}}\n",
        s, H, file, s, H, H, s, H, H, s, H, s, H);
    free(file);
  }
  at += (size_t)snprintf(text + at, len - at, "nets:\n");
  for (int s = 0; s < SEQS; s++)
    at += (size_t)snprintf(text + at, len - at,
                           "  x%d: {connect: [src%d.out, pool%d.in]}\n"
                           "  s%d: {connect: [pool%d.out, mean%d.in, "
                           "sums%d.in]}\n"
                           "  m%d: {connect: [mean%d.out, means%d.in]}\n",
                           s, s, s, s, s, s, s, s, s, s);
}

/* The batched runner's pool and mean on SEQS lanes (channel c of lane k
 * at [c * stride + k]): after step t, sum[t] and mean[t]. */
static void batched(double sum[STEPS][H][AIMC_LANES],
                    double mean[STEPS][H][AIMC_LANES]) {
  const aimc_model *m = aimc_models_find("s4d_digital");
  aimc_s4d_digital_params pool, avg;
  aimc_params_defaults(m->params, m->n_params, &pool);
  pool.op = AIMC_DIG_POOL, pool.n = pool.n_in = H;
  avg = pool;
  avg.op = AIMC_DIG_MEAN;
  aimc_xs128p rng[AIMC_LANES] = {{0}};
  uint64_t bits[AIMC_LANES];
  double z[AIMC_LANES];
  aimc_lanes l = {SEQS, AIMC_LANES, rng, bits, z};
  /* [x; sum; steps], as aimc run keeps it */
  double acc[(2 * H + 1) * AIMC_LANES] = {0};
  double *x = acc, *s = acc + H * AIMC_LANES;
  aimc_eval ep = {.params = &pool, .n = H}, em = {.params = &avg, .n = H};
  for (int t = 0; t < STEPS; t++) {
    for (int k = 0; k < SEQS; k++)
      for (int c = 0; c < H; c++)
        x[c * AIMC_LANES + k] = grid_value(1000 * k + t * H + c);
    assert_int_equal(m->eval_batch(&ep, acc, s, &l), AIMC_OK);
    for (int k = 0; k < SEQS; k++) s[H * AIMC_LANES + k] = t + 1;
    assert_int_equal(m->eval_batch(&em, s, &mean[t][0][0], &l), AIMC_OK);
    memcpy(&sum[t][0][0], s, sizeof(double) * H * AIMC_LANES);
  }
}

/* Probe `name`'s STEPS records against want[t][c][lane]. */
static void expect_records(aimc_engine *e, const char *name, int lane,
                           double want[STEPS][H][AIMC_LANES]) {
  aimc_inst *probe = aimc_engine_find(e, name);
  assert_int_equal(aimc_probe_count(probe), STEPS);
  for (int t = 0; t < STEPS; t++) {
    aimc_time at;
    const double *y;
    assert_int_equal(aimc_probe_record(probe, (size_t)t, &at, &y), AIMC_OK);
    for (int c = 0; c < H; c++)
      if (y[c] != want[t][c][lane])
        fail_msg("%s step %d [%d] = %.17g, batched %.17g", name, t, c, y[c],
                 want[t][c][lane]);
  }
}

static void test_pool_mean_over_time(void **state) {
  (void)state;
  static char text[16384];
  chain_text(text, sizeof text);
  double sum[STEPS][H][AIMC_LANES], mean[STEPS][H][AIMC_LANES];
  batched(sum, mean);
  rig r;
  if (rig_open(&r, text)) fail_msg("%s", aimc_ctx_errmsg(r.ctx));
  for (int pass = 0; pass < 2; pass++) { /* a reset starts the sums again */
    if (pass) assert_int_equal(aimc_engine_reset(r.e), AIMC_OK);
    assert_int_equal(aimc_engine_run(r.e), AIMC_OK);
    for (int k = 0; k < SEQS; k++) {
      char name[16];
      snprintf(name, sizeof name, "sums%d", k);
      expect_records(r.e, name, k, sum);
      snprintf(name, sizeof name, "means%d", k);
      expect_records(r.e, name, k, mean);
    }
  }
  rig_close(&r);
}

/* An op whose model is missing, of another shape, or not named. */
static void expect_refused(const char *model, const char *why) {
  char text[2048];
  snprintf(text, sizeof text,
           "name: refused\ninstances:\n"
           "  enc: {model: s4d_digital, params: {op: dense, n: %d, n_in: 9, "
           "tensor: encoder, model: \"%s\"}}\n"
           "nets:\n  a: {connect: [enc.in], external: true}\n"
           "  b: {connect: [enc.out], external: true}\n",
           H, model);
  rig r;
  int st = rig_open(&r, text);
  assert_true(st == AIMC_ENOTFOUND || st == AIMC_ESHAPE || st == AIMC_EINVAL);
  const char *msg = aimc_ctx_errmsg(r.ctx);
  if (!strstr(msg, "test.yaml:3:") || !strstr(msg, "instance enc") ||
      !strstr(msg, why))
    fail_msg("message '%s' lacks the place, the instance or '%s'", msg, why);
  rig_close(&r);
}

static void test_model_refused(void **state) {
  (void)state;
  expect_refused("/nowhere/m.s4d", "/nowhere/m.s4d");
  expect_refused(model_path, "the model's tensor is 4 x 5");
  expect_refused("", "set model");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_op),
      cmocka_unit_test(test_pool_mean_over_time),
      cmocka_unit_test(test_model_refused),
  };
  return cmocka_run_group_tests(tests, write_model, NULL);
}
