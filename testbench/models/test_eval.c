/* Conformance of every registered model that evaluates (aimc/model.h,
 * eval / eval_batch): lane k of a batched evaluation gets exactly the
 * numbers of a lone evaluation with stream k, the fallback (eval lane by
 * lane) gives them too, and a calibration (per-channel full scale and
 * resolution) is honoured; a model's prepared constants (prepare) and
 * its one-lane path change no number, and its evaluation across
 * instances (eval_across) gives each instance's lone numbers. Each model runs with its defaults
 * and again with every error and noise parameter switched on, so the
 * random draws are compared as well. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/context.h"
#include "aimc/gather.h"
#include "aimc/lanes.h"
#include "aimc/model.h"
#include "aimc/s4d_digital.h"
#include "aimc/status.h"

/* CH output channels; a model's input may have up to IN_MAX. */
enum { CH = 5, LN = 11, STRIDE = 16, IN_MAX = 4 * CH };

/* Params of m: its defaults, then (noisy) every REAL param whose key
 * names an error or a noise set to a tenth of its largest value, and a
 * TIA's gain at its calibration (0): at the default the outputs saturate
 * and no draw would show. */
static void *make_params(const aimc_model *m, int noisy) {
  void *p = calloc(1, m->params_size + 1);
  aimc_params_defaults(m->params, m->n_params, p);
  char err[256];
  const aimc_param *n = aimc_params_find(m->params, m->n_params, "n");
  if (n) assert_int_equal(aimc_param_set(n, p, "5", err, sizeof err), 0);
  const aimc_param *n_in = aimc_params_find(m->params, m->n_params, "n_in");
  if (n_in) assert_int_equal(aimc_param_set(n_in, p, "5", err, sizeof err), 0);
  const aimc_param *gain = aimc_params_find(m->params, m->n_params, "gain");
  if (noisy && gain && !strcmp(m->name, "tia"))
    assert_int_equal(aimc_param_set(gain, p, "0", err, sizeof err), 0);
  for (size_t i = 0; noisy && i < m->n_params; i++) {
    const aimc_param *q = &m->params[i];
    if (q->type != AIMC_PT_REAL) continue;
    if (!strstr(q->key, "noise") && !strstr(q->key, "offset") && !strstr(q->key, "err"))
      continue;
    char text[64];
    snprintf(text, sizeof text, "%.17g", q->max / 10);
    assert_int_equal(aimc_param_set(q, p, text, err, sizeof err), 0);
  }
  return p;
}

static void seed_streams(aimc_xs128p *g, int n, uint64_t seed) {
  for (int k = 0; k < n; k++) aimc_xs128p_seed(&g[k], aimc_seed_derive(seed, (uint64_t)k));
}

static void expect_same(const aimc_model *m, int noisy, const char *what, int k, int c,
                        double got, double want) {
  if (memcmp(&got, &want, sizeof got))
    fail_msg("%s (noisy %d): %s, lane %d channel %d: %.17g, lone %.17g", m->name, noisy, what,
             k, c, got, want);
}

/* Channels of m's input for e (aimc_model.eval_n_in). */
static int in_width(const aimc_model *m, const aimc_eval *e) {
  int n = m->eval_n_in ? m->eval_n_in(e) : e->n;
  assert_true(n >= 1 && n <= IN_MAX);
  return n;
}

/* Lane k alone through eval_batch (one lane: the models' own path for
 * it), channel c at [c * STRIDE + k] of in, in_var and out. */
static void eval_one_lane(const aimc_model *m, const aimc_eval *e, const double *in,
                          double *out, int k) {
  aimc_xs128p g;
  uint64_t word[STRIDE];
  double z[STRIDE];
  aimc_xs128p_seed(&g, aimc_seed_derive(99, (uint64_t)k));
  aimc_lanes one = {1, STRIDE, &g, word, z};
  aimc_eval lane = *e;
  if (e->in_var) lane.in_var = e->in_var + k;
  assert_int_equal(aimc_model_eval_batch(m, &lane, in + k, out + k, &one), AIMC_OK);
}

/* Batched, fallback, one-lane and lone evaluations of m on params (and
 * state) agree bit for bit, each with the model's prepared constants and
 * without. */
static void check_eval(const aimc_model *m, void *params, const void *state, int noisy,
                       const double *fs, const int *bits, int with_var) {
  double var[IN_MAX * STRIDE];
  for (int i = 0; i < IN_MAX * STRIDE; i++) var[i] = 0.01 * (i % 7);
  aimc_eval e = {params, state, CH, fs, bits, with_var ? var : NULL, NULL, NULL, 0, NULL};
  int n_in = in_width(m, &e);
  void *prep = m->prepare ? calloc(CH, m->prep_chan) : NULL;
  if (prep) m->prepare(&e, prep);
  double in[IN_MAX * STRIDE];
  uint64_t words[STRIDE];
  double z[STRIDE];
  aimc_xs128p g[LN];
  for (int c = 0; c < n_in; c++)
    for (int k = 0; k < STRIDE; k++)
      in[c * STRIDE + k] = 1.7 * ((double)((c * 37 + k * 11) % 23) / 11.0 - 1.0);
  aimc_model lone = *m;
  lone.eval_batch = NULL;
  for (int prepared = 0; prepared <= (prep != NULL); prepared++) {
    aimc_eval ep = e;
    ep.prep = prepared ? prep : NULL;
    double batch[CH * STRIDE], fallback[CH * STRIDE], one[CH * STRIDE];
    memset(batch, 0, sizeof batch);
    memset(fallback, 0, sizeof fallback);
    memset(one, 0, sizeof one);
    seed_streams(g, LN, 99);
    aimc_lanes l = {LN, STRIDE, g, words, z};
    assert_int_equal(aimc_model_eval_batch(m, &ep, in, batch, &l), AIMC_OK);
    seed_streams(g, LN, 99);
    assert_int_equal(aimc_model_eval_batch(&lone, &ep, in, fallback, &l), AIMC_OK);
    for (int k = 0; k < LN; k++) {
      eval_one_lane(m, &ep, in, one, k);
      double x[IN_MAX], y[CH], yp[CH], v[IN_MAX];
      aimc_xs128p s, sp;
      aimc_xs128p_seed(&s, aimc_seed_derive(99, (uint64_t)k));
      sp = s;
      for (int c = 0; c < n_in; c++) x[c] = in[c * STRIDE + k], v[c] = var[c * STRIDE + k];
      aimc_eval lane = e; /* the reference: lone and unprepared */
      if (with_var) lane.in_var = v;
      assert_int_equal(m->eval(&lane, x, y, &s), AIMC_OK);
      lane.prep = ep.prep;
      assert_int_equal(m->eval(&lane, x, yp, &sp), AIMC_OK);
      const char *how = prepared ? "prepared" : "unprepared";
      for (int c = 0; c < CH; c++) {
        char what[64];
        snprintf(what, sizeof what, "batched, %s", how);
        expect_same(m, noisy, what, k, c, batch[c * STRIDE + k], y[c]);
        snprintf(what, sizeof what, "fallback, %s", how);
        expect_same(m, noisy, what, k, c, fallback[c * STRIDE + k], y[c]);
        snprintf(what, sizeof what, "one lane, %s", how);
        expect_same(m, noisy, what, k, c, one[c * STRIDE + k], y[c]);
        snprintf(what, sizeof what, "lone, %s", how);
        expect_same(m, noisy, what, k, c, yp[c], y[c]);
      }
    }
  }
  free(prep);
}

/* eval_across (aimc_across) of LN instances of m, lane k one instance
 * with its own calibration (fs and bits rotated by k) and channel count
 * (CH - 3k / LN: ragged, longest first): each lane gives exactly what a
 * lone eval of its instance gives with its stream, and leaves the stream
 * where eval leaves it. */
static void check_across(const aimc_model *m, void *params, const void *state, int noisy,
                         const double *fs, const int *bits, int with_var) {
  enum { W_MAX = 32 };
  size_t W = m->prep_chan / sizeof(double);
  assert_true(m->prep_chan % sizeof(double) == 0 && W <= W_MAX);
  static double prep[CH * STRIDE * W_MAX];
  double in[CH * STRIDE], var[CH * STRIDE], out[CH * STRIDE], fs_k[LN][CH], z[STRIDE];
  int bits_k[LN][CH], n_k[LN], active[CH] = {0};
  uint64_t words[STRIDE];
  aimc_xs128p g[LN], ref[LN];
  seed_streams(g, LN, 7);
  memcpy(ref, g, sizeof g);
  for (int k = 0; k < LN; k++) {
    n_k[k] = CH - 3 * k / LN;
    for (int c = 0; c < CH; c++) {
      fs_k[k][c] = fs ? fs[(c + k) % CH] : 0;
      bits_k[k][c] = bits ? bits[(c + k) % CH] : 0;
      in[c * STRIDE + k] = 1.3 * ((double)((c * 29 + k * 7) % 19) / 9.0 - 1.0);
      var[c * STRIDE + k] = 0.02 * ((c + k) % 5);
    }
    aimc_eval e = {params, state, n_k[k], fs ? fs_k[k] : NULL, bits ? bits_k[k] : NULL,
                   NULL, NULL, NULL, 0, NULL};
    double chan[CH * W_MAX];
    m->prepare(&e, chan);
    for (int c = 0; c < n_k[k]; c++) {
      active[c]++;
      for (size_t w = 0; w < W; w++) prep[((size_t)c * W + w) * STRIDE + k] = chan[c * W + w];
    }
  }
  aimc_across x = {CH, STRIDE, active, prep, with_var ? var : NULL, g, words, z};
  assert_int_equal(m->eval_across(&x, in, out), AIMC_OK);
  for (int k = 0; k < LN; k++) {
    double xk[CH], vk[CH], yk[CH];
    for (int c = 0; c < n_k[k]; c++) xk[c] = in[c * STRIDE + k], vk[c] = var[c * STRIDE + k];
    aimc_eval e = {params, state, n_k[k], fs ? fs_k[k] : NULL, bits ? bits_k[k] : NULL,
                   with_var ? vk : NULL, NULL, NULL, 0, NULL};
    assert_int_equal(m->eval(&e, xk, yk, &ref[k]), AIMC_OK);
    for (int c = 0; c < n_k[k]; c++)
      expect_same(m, noisy, "across", k, c, out[c * STRIDE + k], yk[c]);
    assert_memory_equal(&g[k], &ref[k], sizeof g[k]);
  }
}

static void check_model(const aimc_model *m, int noisy, const double *fs, const int *bits,
                        int with_var) {
  void *params = make_params(m, noisy);
  check_eval(m, params, NULL, noisy, fs, bits, with_var);
  if (m->eval_across) check_across(m, params, NULL, noisy, fs, bits, with_var);
  free(params);
}

/* The gather's lanes: a map with sums, a copy, an unfed output (0). */
static void test_gather_lanes(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const aimc_model *m = aimc_gather_model();
  aimc_gather_params *p = make_params(m, 0);
  snprintf(p->widths, sizeof p->widths, "3,4");
  const int out[] = {0, 0, 1, 3, 4, 4, 4}, port[] = {0, 1, 1, 0, 1, 0, 1},
            word[] = {2, 0, 3, 1, 1, 0, 2};
  aimc_gather_map map;
  assert_int_equal(aimc_gather_map_build(ctx, p, 7, out, port, word, &map), AIMC_OK);
  check_eval(m, p, &map, 0, NULL, NULL, 0);
  double x[7] = {1, 2, 4, 8, 16, 32, 64}, y[CH];
  aimc_eval e = {.params = p, .state = &map, .n = CH};
  assert_int_equal(m->eval(&e, x, y, NULL), AIMC_OK);
  /* out 0 = in[0][2] + in[1][0] = 4 + 8; out 2 has no pair. */
  const double want[CH] = {12, 64, 0, 2, 1 + 16 + 32};
  for (int c = 0; c < CH; c++) assert_true(y[c] == want[c]);
  aimc_gather_map_fini(ctx, &map);
  free(p);
  aimc_ctx_free(ctx);
}

static void test_lanes_equal_lone_runs(void **state) {
  (void)state;
  int evaluated = 0;
  double fs[CH] = {0.5, 1.0, 2.0, 0.25, 3.0};
  int bits[CH] = {2, 3, 0, 8, 4};
  for (size_t i = 0; i < aimc_models_count(); i++) {
    const aimc_model *m = aimc_models_at(i);
    /* The gather evaluates through its index map: test_gather_lanes. */
    if (!m->eval || m == aimc_gather_model()) continue;
    evaluated++;
    for (int noisy = 0; noisy < 2; noisy++)
      for (int with_var = 0; with_var <= m->draws_in_var; with_var++) {
        check_model(m, noisy, NULL, NULL, with_var);
        check_model(m, noisy, fs, bits, with_var);
      }
  }
  /* dac, adc, sample_hold at least: the tile's converters; those and the
   * tia prepare their constants (run.c prepares each slot's). */
  assert_true(evaluated >= 3);
  const char *prepared[] = {"dac", "adc", "adc_flash", "tia", "sample_hold"};
  for (size_t i = 0; i < sizeof prepared / sizeof prepared[0]; i++)
    assert_non_null(aimc_models_find(prepared[i])->prepare);
  /* The ADCs convert a lone sequence's tiles side by side (read_across.c). */
  assert_non_null(aimc_models_find("adc")->eval_across);
  assert_non_null(aimc_models_find("adc_flash")->eval_across);
}

/* The S4D periphery (models/s4d_digital.c) on weights of its own, op
 * by op: every lane as a lone evaluation (the dense layer's lone path
 * sums four outputs at a time, its batched one eight lanes at a time,
 * both in index order), and a few known answers. */
static void set(const aimc_model *m, void *p, const char *key, const char *value);

static void test_s4d_digital_ops(void **state) {
  (void)state;
  const aimc_model *m = aimc_models_find("s4d_digital");
  assert_non_null(m);
  enum { N_IN = 7 };
  double w[CH * N_IN], b[CH];
  for (int i = 0; i < CH * N_IN; i++) w[i] = 0.3 * ((i * 13) % 11) - 1.4;
  for (int j = 0; j < CH; j++) b[j] = 0.1 * j - 0.2;
  aimc_s4d_digital_weights wts = {w, b};
  static const struct {
    const char *op, *tensor;
    int n_in;
  } OPS[] = {{"dense", "encoder", N_IN}, {"bias", "mix", CH},   {"gelu", "none", CH},
             {"glu", "none", 2 * CH},    {"add", "none", 2 * CH}, {"layernorm", "norm", CH},
             {"pool", "none", CH},       {"mean", "none", CH}};
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
    aimc_s4d_digital_params p;
    aimc_params_defaults(m->params, m->n_params, &p);
    char text[16];
    snprintf(text, sizeof text, "%d", OPS[i].n_in);
    set(m, &p, "op", OPS[i].op);
    set(m, &p, "n", "5");
    set(m, &p, "n_in", text);
    set(m, &p, "tensor", OPS[i].tensor);
    char err[128];
    assert_int_equal(m->validate(&p, err, sizeof err), AIMC_OK);
    check_eval(m, &p, &wts, 0, NULL, NULL, 0);
  }
  /* Known answers: the residual adds, the pool's step adds to its sum,
   * the mean divides by the steps, the dense layer is b + W x. */
  aimc_s4d_digital_params p;
  aimc_params_defaults(m->params, m->n_params, &p);
  p.n = 2;
  double x[4] = {1, 2, 10, 20}, y[2];
  aimc_xs128p g;
  aimc_xs128p_seed(&g, 1);
  aimc_eval e = {&p, &wts, 2, NULL, NULL, NULL, NULL, NULL, 0, NULL};
  p.op = AIMC_DIG_ADD, p.n_in = 4;
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  assert_true(y[0] == 11 && y[1] == 22);
  p.op = AIMC_DIG_POOL, p.n_in = 2;
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  assert_true(y[0] == 11 && y[1] == 22);
  p.op = AIMC_DIG_MEAN;
  double sum[3] = {9, 3, 4};
  assert_int_equal(m->eval(&e, sum, y, &g), AIMC_OK);
  assert_true(y[0] == 9.0 / 4 && y[1] == 3.0 / 4);
  p.op = AIMC_DIG_DENSE, p.n_in = 3, p.tensor = AIMC_DIG_TENSOR_ENCODER;
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  double acc = 0; /* in index order, then the bias */
  for (int i = 0; i < 3; i++) acc += x[i] * w[i];
  assert_true(y[0] == acc + b[0]);
  /* A shape the op cannot have, a tensor it does not take: refused. */
  char err[128];
  p.op = AIMC_DIG_GLU, p.n_in = 3, p.tensor = AIMC_DIG_TENSOR_NONE;
  assert_int_equal(m->validate(&p, err, sizeof err), AIMC_ERANGE);
  p.op = AIMC_DIG_GELU, p.n_in = 2, p.tensor = AIMC_DIG_TENSOR_MIX;
  assert_int_equal(m->validate(&p, err, sizeof err), AIMC_ERANGE);
  /* Costs: a dense layer's MACs at e_mac and its bias adds at e_op. */
  p.op = AIMC_DIG_DENSE, p.n = 2, p.n_in = 3, p.e_mac = 1e-12, p.e_op = 1e-13;
  aimc_op_cost c = m->op_cost(&p, &(aimc_op_use){.n = 2});
  assert_true(fabs(c.e_J - (6e-12 + 2e-13)) < 1e-25 && c.t_fs == p.t_op);
}

/* An ideal converter at its calibration passes the calibrated quantizer's
 * values unchanged (digital units, aimc/model.h): the chain of ideal
 * parts is the quantized model, bit for bit. */
static void test_ideal_is_the_quantizer(void **state) {
  (void)state;
  double fs[CH] = {0.9, 1.5, 0.3, 2.0, 1.0};
  int bits[CH] = {2, 3, 4, 0, 5};
  const char *names[] = {"dac", "adc", "sample_hold"};
  for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
    const aimc_model *m = aimc_models_find(names[n]);
    assert_non_null(m);
    void *p = make_params(m, 0);
    char err[128];
    const aimc_param *b = aimc_params_find(m->params, m->n_params, "bits");
    assert_int_equal(aimc_param_set(b, p, "0", err, sizeof err), 0);
    aimc_eval e = {p, NULL, CH, fs, bits, NULL, NULL, NULL, 0, NULL};
    aimc_xs128p g;
    aimc_xs128p_seed(&g, 1);
    for (int t = 0; t < 50; t++) {
      double x[CH], y[CH];
      for (int c = 0; c < CH; c++) x[c] = (t - 25) * 0.0731 * (c + 1);
      assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
      for (int c = 0; c < CH; c++) {
        aimc_quant q = {bits[c], fs[c]};
        double want = aimc_quant_apply(&q, x[c]);
        if (memcmp(&want, &y[c], sizeof want))
          fail_msg("%s channel %d: %.17g, quantizer %.17g", names[n], c, y[c], want);
      }
    }
    /* A resolution in the params overrides the calibration. */
    assert_int_equal(aimc_param_set(b, p, "1", err, sizeof err), 0);
    double x[CH] = {0.01, -0.01, 0.2, -0.3, 0.4}, y[CH];
    assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
    for (int c = 0; c < CH; c++) assert_true(y[c] == fs[c] || y[c] == -fs[c]);
    free(p);
  }
}

/* The converters' quantizer arithmetic, one value at a time
 * (aimc_quant_k_apply) and in loops (aimc_quant_vec), is
 * aimc_quant_apply's bit for bit at every resolution and a few full
 * scales: on the levels, at the exact midpoints between them (ties away
 * from zero), a few ulps beside them (where the product with 1 / step
 * and the quotient may round apart: aimc_quant_k_level_mul), beyond the
 * range (clipped), and at 20000 uniform values over 1.2 times the range
 * in blocks of every length mod 64. */
static void test_quantizers_agree(void **state) {
  (void)state;
  enum { N = 70 * 12 + 6 + 20000 };
  static double x[N], y[N];
  const double ranges[] = {1.3, 0.37, 5.1};
  aimc_xs128p g;
  aimc_xs128p_seed(&g, 11);
  for (int bits = 0; bits <= 16; bits++)
    for (size_t ri = 0; ri < sizeof ranges / sizeof ranges[0]; ri++) {
      aimc_quant q = {bits, ranges[ri]};
      aimc_quant_k k = aimc_quant_k_of(&q);
      double step = bits > 1 ? aimc_quant_step(&q) : 0.1;
      int n = 0;
      for (int i = -35; i < 35; i++) {
        double mid = (i + 0.5) * step, lo = mid, hi = mid;
        x[n++] = i * step, x[n++] = mid;
        for (int u = 0; u < 5; u++) x[n++] = lo = nextafter(lo, -1e9), x[n++] = hi = nextafter(hi, 1e9);
      }
      double far[] = {q.range, -q.range, 3 * q.range, -3 * q.range, 1e300, -0.0};
      for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) x[n++] = far[i];
      while (n < N) x[n++] = ((double)(aimc_xs128p_next(&g) >> 11) * 0x1p-52 - 1) * 1.2 * q.range;
      for (int len = N - 70; len <= N; len++) { /* every block tail */
        aimc_quant_vec(&q, x, y, (size_t)len);
        for (int i = len - 64 > 0 ? len - 64 : 0; i < len; i++) {
          double want = aimc_quant_apply(&q, x[i]);
          if (memcmp(&want, &y[i], sizeof want))
            fail_msg("bits %d, x %.17g, n %d: apply %.17g, vector %.17g", bits, x[i], len, want,
                     y[i]);
        }
      }
      for (int i = 0; i < N; i++) {
        double want = aimc_quant_apply(&q, x[i]), one = aimc_quant_k_apply(&k, x[i]);
        if (memcmp(&want, &y[i], sizeof want) || memcmp(&want, &one, sizeof want))
          fail_msg("bits %d, x %.17g: apply %.17g, vector %.17g, one value %.17g", bits, x[i],
                   want, y[i], one);
      }
    }
}

/* An ADC handed its input's pending noise as a variance draws one
 * deviate of the summed variance: exact converter, no noise of its own,
 * so out = in + sqrt(var) z with z the lane's next deviate. */
static void test_adc_draws_the_input_variance(void **state) {
  (void)state;
  const aimc_model *m = aimc_models_find("adc");
  assert_non_null(m);
  assert_true(m->draws_in_var);
  void *p = make_params(m, 0);
  char err[128];
  assert_int_equal(aimc_param_set(aimc_params_find(m->params, m->n_params, "bits"), p, "0", err,
                                  sizeof err),
                   0);
  double fs[CH] = {4, 4, 4, 4, 4}, x[CH] = {0.1, -0.2, 0.3, 0, 1}, v[CH] = {0.01, 0, 0.5, 1e-6, 2};
  int bits[CH] = {0, 0, 0, 0, 0};
  aimc_eval e = {p, NULL, CH, fs, bits, v, NULL, NULL, 0, NULL};
  aimc_xs128p g, ref;
  aimc_xs128p_seed(&g, 5);
  aimc_xs128p_seed(&ref, 5);
  double y[CH];
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  for (int c = 0; c < CH; c++) {
    double z;
    uint64_t u;
    aimc_normal_lanes(aimc_ziggurat_table(), &ref, &u, &z, 1);
    assert_true(y[c] == x[c] + sqrt(v[c]) * z);
  }
  free(p);
}

static void set(const aimc_model *m, void *p, const char *key, const char *value) {
  char err[128];
  assert_int_equal(aimc_param_set(aimc_params_find(m->params, m->n_params, key), p, value, err,
                                  sizeof err),
                   0);
}

/* The TIA in digital units (models/tia.c): at its calibrated gain (0) it
 * passes values on bit for bit; a gain g scales them by g / g_cal with
 * g_cal = v_fs / (scale * fs); it clips at v_sat / v_fs of the full scale;
 * its input current noise is noise / scale units (sample variance of N
 * draws within 5 standard errors, sqrt(2 / N) relative). */
static void test_tia_calibration(void **state) {
  (void)state;
  const aimc_model *m = aimc_models_find("tia");
  assert_non_null(m);
  void *p = make_params(m, 0);
  set(m, p, "gain", "0");
  set(m, p, "v_fs", "0.8");
  set(m, p, "v_sat", "10");
  double fs[CH] = {0.9, 1.5, 0.3, 2.0, 1.0}, amp[CH] = {2e-6, 1e-6, 5e-6, 3e-7, 1e-5};
  aimc_eval e = {p, NULL, CH, fs, NULL, NULL, amp, NULL, 0, NULL};
  aimc_xs128p g;
  aimc_xs128p_seed(&g, 3);
  double x[CH] = {0.5, -1.4, 0.29, 1.9, -0.01}, y[CH];
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  for (int c = 0; c < CH; c++) assert_memory_equal(&x[c], &y[c], sizeof x[c]);
  /* Twice the calibrated gain of channel 1, for every channel. */
  char text[64];
  snprintf(text, sizeof text, "%.17g", 2 * 0.8 / (amp[1] * fs[1]));
  set(m, p, "gain", text);
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  assert_true(fabs(y[1] - 2 * x[1]) <= 1e-12 * fabs(x[1]));
  for (int c = 0; c < CH; c++) {
    double want = x[c] * (2 * 0.8 / (amp[1] * fs[1])) / (0.8 / (amp[c] * fs[c]));
    assert_true(fabs(y[c] - want) <= 1e-12 * fabs(want));
  }
  /* Saturation at v_sat = 0.2 V of v_fs = 0.8 V: a quarter of full scale. */
  set(m, p, "gain", "0");
  set(m, p, "v_sat", "0.2");
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  for (int c = 0; c < CH; c++) {
    double lim = 0.25 * fs[c], want = x[c] > lim ? lim : x[c] < -lim ? -lim : x[c];
    assert_true(fabs(y[c] - want) <= 1e-15 * fs[c]);
  }
  /* Noise: 1 uA on a channel of 2 uA per unit is 0.5 units. */
  set(m, p, "v_sat", "10");
  set(m, p, "noise", "1e-6");
  enum { N = 20000 };
  double sum = 0, sum2 = 0, zero[1] = {0}, one_fs[1] = {1}, one_amp[1] = {2e-6}, out[1];
  aimc_eval e1 = {p, NULL, 1, one_fs, NULL, NULL, one_amp, NULL, 0, NULL};
  for (int t = 0; t < N; t++) {
    assert_int_equal(m->eval(&e1, zero, out, &g), AIMC_OK);
    sum += out[0], sum2 += out[0] * out[0];
  }
  double var = sum2 / N - (sum / N) * (sum / N);
  assert_true(fabs(var / 0.25 - 1) < 5 * sqrt(2.0 / N));
  assert_true(fabs(sum / N) < 5 * 0.5 / sqrt((double)N));
  free(p);
}

/* A DAC's static mismatch (eval_state_*): drawn once into the state, a
 * standard deviate per channel (sample variance of N channels within 5
 * standard errors of 1), it shifts channel c by z_c * inl_lsb steps of the
 * channel's calibrated quantizer; the same stream gives the same state. */
static void test_dac_static_error(void **state) {
  (void)state;
  const aimc_model *m = aimc_models_find("dac");
  assert_non_null(m);
  assert_non_null(m->eval_state_size);
  enum { N = 4000 };
  void *p = make_params(m, 0);
  char text[32];
  snprintf(text, sizeof text, "%d", N);
  set(m, p, "n", text);
  set(m, p, "bits", "0");
  set(m, p, "inl_lsb", "0.5");
  size_t size = m->eval_state_size(p);
  void *s1 = calloc(1, size), *s2 = calloc(1, size);
  aimc_xs128p g1, g2;
  aimc_xs128p_seed(&g1, 42), aimc_xs128p_seed(&g2, 42);
  m->eval_state_init(p, s1, &g1);
  m->eval_state_init(p, s2, &g2);
  double *fs = malloc(N * sizeof *fs), *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y),
         *y0 = malloc(N * sizeof *y0);
  int *bits = malloc(N * sizeof *bits);
  for (int c = 0; c < N; c++) fs[c] = 1 + c % 3, bits[c] = 3 + c % 4, x[c] = 0.3 * (c % 7) - 0.9;
  aimc_eval e = {p, s1, N, fs, bits, NULL, NULL, NULL, 0, NULL}, e2 = e, ideal = e;
  e2.state = s2, ideal.state = NULL;
  aimc_xs128p g;
  aimc_xs128p_seed(&g, 1);
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  assert_int_equal(m->eval(&ideal, x, y0, &g), AIMC_OK);
  double sum = 0, sum2 = 0;
  for (int c = 0; c < N; c++) {
    aimc_quant q = {bits[c], fs[c]};
    double z = (y[c] - y0[c]) / (0.5 * aimc_quant_step(&q));
    sum += z, sum2 += z * z;
  }
  double mean = sum / N, var = sum2 / N - mean * mean;
  assert_true(fabs(mean) < 5 / sqrt((double)N));
  assert_true(fabs(var - 1) < 5 * sqrt(2.0 / N));
  assert_int_equal(m->eval(&e2, x, y0, &g), AIMC_OK);
  assert_memory_equal(y, y0, N * sizeof *y);
  /* Channels 10..19 alone (chan0 = 10: a slot's rows from the tile's row
   * 10) get the tile's errors of rows 10..19. */
  aimc_eval part = e;
  part.n = 10, part.chan0 = 10, part.fs = fs + 10, part.bits = bits + 10;
  assert_int_equal(m->eval(&part, x + 10, y0, &g), AIMC_OK);
  assert_memory_equal(y + 10, y0, 10 * sizeof *y);
  /* No mismatch: the ideal converter. */
  set(m, p, "inl_lsb", "0");
  m->eval_state_init(p, s1, &g1);
  assert_int_equal(m->eval(&e, x, y, &g), AIMC_OK);
  assert_int_equal(m->eval(&ideal, x, y0, &g), AIMC_OK);
  assert_memory_equal(y, y0, N * sizeof *y);
  free(s1), free(s2), free(fs), free(x), free(y), free(y0), free(bits), free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lanes_equal_lone_runs),
      cmocka_unit_test(test_s4d_digital_ops),
      cmocka_unit_test(test_ideal_is_the_quantizer),
      cmocka_unit_test(test_gather_lanes),
      cmocka_unit_test(test_quantizers_agree),
      cmocka_unit_test(test_adc_draws_the_input_variance),
      cmocka_unit_test(test_tia_calibration),
      cmocka_unit_test(test_dac_static_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
