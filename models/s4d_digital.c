/* s4d_digital: one vector operation of the digital periphery of an S4D
 * network (Gu et al., "On the parameterization and initialization of
 * diagonal state space models", NeurIPS 2022: linear encoder -> L x [S4D
 * -> GELU -> linear or GLU mix -> + residual -> layer norm] -> mean pool
 * -> linear decoder), run beside the crossbars as in IMSSA (arXiv
 * 2412.20215). The ops and their inputs are listed in aimc/s4d_digital.h;
 * their numbers are the quantized reference forward's
 * (aimc/s4d_reference.h) bit for bit: every sum adds in index order.
 * Weights come from the exported model through aimc_eval.state.
 * Cost: e_mac per multiply-accumulate and e_op per other element
 * operation (a dense layer's bias adds, GELU, GLU, the residual, four per
 * word for layer norm: mean, variance, normalise, affine; the pool's add,
 * the mean's divide), t_op per vector operation (Horowitz, ISSCC 2014).
 * In the event kernel each input is one operation of n words: the same
 * eval, its op_cost booked, the result driven after t_op; pool and mean
 * keep their state inputs (the running sum, the step count) in the
 * instance (aimc/s4d_digital.h). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the loops over the lanes */
#endif
#include "aimc/s4d_digital.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/fileio.h"
#include "aimc/simd.h"
#include "aimc/status.h"

typedef aimc_s4d_digital_params params;

static const char *const OPS[] = {"dense",     "bias", "gelu", "glu", "add",
                                  "layernorm", "pool", "mean", NULL};
static const char *const TENSORS[] = {"none", "encoder", "mix",
                                      "norm", "decoder", NULL};

#define SRC "Horowitz, ISSCC 2014, 'Computing's energy problem' (order, 45 nm)"
static const aimc_param PARAMS[] = {
    {"op", AIMC_PT_ENUM, offsetof(params, op), AIMC_DIG_GELU, 0,
     AIMC_DIG_OPS - 1, AIMC_U_NONE,
     "Operation: dense, bias, gelu, glu, add (the residual), layernorm, pool "
     "(the running sum over time, driven after every step) or mean (the last "
     "sum it got divided by the sums it has got: after a sequence's last "
     "step, the mean pool).",
     "S4D block, Gu et al. NeurIPS 2022", OPS, NULL},
    {"n", AIMC_PT_INT, offsetof(params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Output words.", "", NULL, NULL},
    {"n_in", AIMC_PT_INT, offsetof(params, n_in), 1, 1, 1 << 21, AIMC_U_NONE,
     "Input words: n (bias, gelu, layernorm, pool, mean), 2 n (glu, add) or "
     "the layer's inputs (dense).",
     "", NULL, NULL},
    {"tensor", AIMC_PT_ENUM, offsetof(params, tensor), AIMC_DIG_TENSOR_NONE, 0,
     AIMC_DIG_TENSOR_DECODER, AIMC_U_NONE,
     "The exported model's weights it applies: none, encoder, mix, norm or "
     "decoder (dense and bias: encoder, mix or decoder; layernorm: norm).",
     "aimc/s4d_model.h", TENSORS, NULL},
    {"layer", AIMC_PT_INT, offsetof(params, layer), 0, 0, 1 << 16, AIMC_U_NONE,
     "The layer of a mix or norm tensor.", "", NULL, NULL},
    {"model", AIMC_PT_STRING, offsetof(params, model), 0, 0, 0, AIMC_U_NONE,
     "The exported model file the tensor is read from at init (relative to "
     "the netlist; empty for an op without a tensor). aimc run applies the "
     "netlist's meta model and refuses another file.",
     "aimc/s4d_model.h", NULL, ""},
    {"e_mac", AIMC_PT_REAL, offsetof(params, e_mac), 100e-15, 0, 1e-6,
     AIMC_U_JOULE, "Energy per multiply-accumulate (dense).", SRC, NULL, NULL},
    {"e_op", AIMC_PT_REAL, offsetof(params, e_op), 100e-15, 0, 1e-6,
     AIMC_U_JOULE,
     "Energy per other element operation (add, activation, divide).", SRC, NULL,
     NULL},
    {"t_op", AIMC_PT_TIME, offsetof(params, t_op), 1e-9, 0, 1e-3, AIMC_U_SECOND,
     "Time of one vector operation.", "one cycle at 1 GHz", NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n_in",
     "Words in ([a; b] for glu and add).", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "Result words.", 0},
    {"end", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n",
     "mean: the sequence's end (its words are not read). Connected, the mean keeps the "
     "pool's sum and counts the steps on each input, and evaluates, books its op_cost and "
     "drives out once when end arrives, so it and the decoder run once per sequence as in "
     "aimc run; unconnected, it drives the mean after every input. Other ops ignore it.",
     1},
};

const char *aimc_s4d_digital_op_name(aimc_dig_op op) {
  return op >= 0 && op < AIMC_DIG_OPS ? OPS[op] : "?";
}

/* Words of eval's input: the port's, and a sequential op's state. */
static int s4d_digital_eval_n_in(const aimc_eval *e) {
  const params *p = e->params;
  return p->op == AIMC_DIG_POOL   ? 2 * p->n
         : p->op == AIMC_DIG_MEAN ? p->n + 1
                                  : p->n_in;
}

/* The tensor each op needs: 1 a dense layer's, 2 a norm's, 0 none. */
static int needs(int op) {
  return op == AIMC_DIG_DENSE || op == AIMC_DIG_BIAS ? 1
         : op == AIMC_DIG_LAYERNORM                  ? 2
                                                     : 0;
}

static int s4d_digital_validate(const void *vp, char *err, size_t errlen) {
  const params *p = vp;
  int want = p->op == AIMC_DIG_GLU || p->op == AIMC_DIG_ADD ? 2 * p->n : p->n;
  if (p->op != AIMC_DIG_DENSE && p->n_in != want) {
    snprintf(err, errlen, "op = %s needs n_in = %sn (n_in = %d, n = %d)",
             OPS[p->op], want == p->n ? "" : "2 * ", p->n_in, p->n);
    return AIMC_ERANGE;
  }
  int t = p->tensor;
  int fits = needs(p->op) == 1
                 ? t == AIMC_DIG_TENSOR_ENCODER || t == AIMC_DIG_TENSOR_MIX ||
                       t == AIMC_DIG_TENSOR_DECODER
             : needs(p->op) == 2 ? t == AIMC_DIG_TENSOR_NORM
                                 : t == AIMC_DIG_TENSOR_NONE;
  if (!fits) {
    snprintf(err, errlen, "op = %s takes tensor %s, not %s", OPS[p->op],
             needs(p->op) == 1   ? "encoder, mix or decoder"
             : needs(p->op) == 2 ? "norm"
                                 : "none",
             TENSORS[t]);
    return AIMC_ERANGE;
  }
  if (!needs(p->op) && p->model[0]) {
    snprintf(err, errlen, "op = %s reads no tensor: leave model empty",
             OPS[p->op]);
    return AIMC_ERANGE;
  }
  return AIMC_OK;
}

uint64_t aimc_s4d_digital_macs(const params *p) {
  return p->op == AIMC_DIG_DENSE ? (uint64_t)p->n * (uint64_t)p->n_in : 0;
}

/* Element operations of one operation beside its MACs. */
static uint64_t element_ops(const params *p) {
  return (uint64_t)p->n * (p->op == AIMC_DIG_LAYERNORM ? 4 : 1);
}

/* use->n words of the operation (p->n when all of them). */
static aimc_op_cost s4d_digital_op_cost(const void *vp,
                                        const aimc_op_use *use) {
  const params *p = vp;
  params q = *p;
  q.n = use->n;
  return (aimc_op_cost){(double)aimc_s4d_digital_macs(&q) * p->e_mac +
                            (double)element_ops(&q) * p->e_op,
                        p->t_op};
}

int aimc_s4d_digital_weights_of(const aimc_s4d_model *mdl, const params *p,
                                aimc_s4d_digital_weights *w, char *err,
                                size_t errlen) {
  w->w = w->b = NULL;
  int H = mdl->h, k = mdl->mix == AIMC_MIX_GLU ? 2 : 1, rows = 0, cols = 0;
  int layered =
      p->tensor == AIMC_DIG_TENSOR_MIX || p->tensor == AIMC_DIG_TENSOR_NORM;
  if (layered && p->layer >= mdl->layers) {
    snprintf(err, errlen, "tensor %s of layer %d: the model has %d layers",
             TENSORS[p->tensor], p->layer, mdl->layers);
    return AIMC_ESHAPE;
  }
  size_t l = (size_t)p->layer;
  switch (p->tensor) {
    case AIMC_DIG_TENSOR_ENCODER:
      *w = (aimc_s4d_digital_weights){mdl->enc_w, mdl->enc_b};
      rows = H, cols = mdl->n_in;
      break;
    case AIMC_DIG_TENSOR_MIX:
      *w = (aimc_s4d_digital_weights){mdl->mix_w + l * k * H * H,
                                      mdl->mix_b + l * k * H};
      rows = k * H, cols = H;
      break;
    case AIMC_DIG_TENSOR_NORM:
      *w = (aimc_s4d_digital_weights){mdl->norm_g + l * H, mdl->norm_b + l * H};
      rows = cols = H;
      break;
    case AIMC_DIG_TENSOR_DECODER:
      *w = (aimc_s4d_digital_weights){mdl->dec_w, mdl->dec_b};
      rows = mdl->n_out, cols = H;
      break;
    default:
      return AIMC_OK;
  }
  if (p->n != rows || (p->op == AIMC_DIG_DENSE && p->n_in != cols)) {
    snprintf(err, errlen,
             "op = %s of tensor %s has n = %d, n_in = %d; the model's tensor "
             "is %d x %d",
             OPS[p->op], TENSORS[p->tensor], p->n, p->n_in, rows, cols);
    return AIMC_ESHAPE;
  }
  return AIMC_OK;
}

static double sigmoid(double x) {
  return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

/* y = b + W x of one lane: four outputs at a time, each summed in index
 * order, so that four add chains are in flight instead of one. A last
 * block of fewer rows repeats its first row unstored. */
static void dense_one(const params *p, const aimc_s4d_digital_weights *wt,
                      const double *x, double *y) {
  int n = p->n, n_in = p->n_in;
  for (int j0 = 0; j0 < n; j0 += 4) {
    const double *wr[4];
    double acc[4] = {0};
    for (int r = 0; r < 4; r++)
      wr[r] = wt->w + (size_t)(j0 + r < n ? j0 + r : j0) * n_in;
    for (int i = 0; i < n_in; i++)
      for (int r = 0; r < 4; r++) acc[r] += x[i] * wr[r][i];
    for (int r = 0; r < 4 && j0 + r < n; r++)
      y[j0 + r] = acc[r] + wt->b[j0 + r];
  }
}

/* The lanes of a batch: whole register blocks of AIMC_LANES from lane 0
 * while they hold lanes in use, then the lanes left one by one (a model
 * writes no lane beyond l->n: aimc/lanes.h); every lane's numbers are the
 * same either way (each sums in index order). */
static size_t blocked(size_t nl) { return nl / AIMC_LANES * AIMC_LANES; }

AIMC_SIMD_CLONES
static void dense_lanes(const params *p, const aimc_s4d_digital_weights *wt,
                        const double *x, double *y, size_t s, size_t nl) {
  enum { LANES = AIMC_LANES };
  size_t tail = blocked(nl);
  for (int j = 0; j < p->n; j++) {
    const double *wr = wt->w + (size_t)j * p->n_in;
    for (size_t c = 0; c < tail; c += LANES) {
      double acc[LANES] = {0};
      for (int i = 0; i < p->n_in; i++) {
        const double *xi = x + i * s + c;
        for (int k = 0; k < LANES; k++) acc[k] += xi[k] * wr[i];
      }
      for (int k = 0; k < LANES; k++) y[j * s + c + k] = acc[k] + wt->b[j];
    }
    for (size_t k = tail; k < nl; k++) {
      double acc = 0;
      for (int i = 0; i < p->n_in; i++) acc += x[i * s + k] * wr[i];
      y[j * s + k] = acc + wt->b[j];
    }
  }
}

/* Layer norm over the n channels of each lane (moments per lane, summed
 * in channel order). */
AIMC_SIMD_CLONES
static void layernorm_lanes(int n, const aimc_s4d_digital_weights *wt,
                            const double *x, double *y, size_t s, size_t nl) {
  enum { LANES = AIMC_LANES };
  for (size_t c = 0; c < nl; c += LANES) {
    size_t m = nl - c < LANES ? nl - c : LANES;
    double mean[LANES] = {0}, var[LANES] = {0};
    for (size_t e = 0; e < (size_t)n * s; e += s)
      for (size_t k = 0; k < m; k++) mean[k] += x[e + c + k];
    for (size_t k = 0; k < m; k++) mean[k] /= n;
    for (size_t e = 0; e < (size_t)n * s; e += s)
      for (size_t k = 0; k < m; k++)
        var[k] += (x[e + c + k] - mean[k]) * (x[e + c + k] - mean[k]);
    for (size_t k = 0; k < m; k++)
      var[k] = 1 / sqrt(var[k] / n + 1e-5); /* now 1/sd */
    for (int h = 0; h < n; h++)
      for (size_t k = 0; k < m; k++)
        y[h * s + c + k] =
            wt->w[h] * ((x[h * s + c + k] - mean[k]) * var[k]) + wt->b[h];
  }
}

/* The operation on nl lanes, channel c of lane k at [c * s + k]. */
static int run(const aimc_eval *e, const double *x, double *y, size_t s,
               size_t nl) {
  const params *p = e->params;
  const aimc_s4d_digital_weights *wt = e->state;
  int n = p->n;
  size_t end = (size_t)n * s; /* also where b of an [a; b] input starts */
  /* bias reads b alone (its matrix is on crossbars) */
  if (needs(p->op) && (!wt || !wt->b || (p->op != AIMC_DIG_BIAS && !wt->w)))
    return AIMC_EINVAL;
  switch (p->op) {
    case AIMC_DIG_DENSE:
      if (s == 1 && nl == 1)
        dense_one(p, wt, x, y);
      else
        dense_lanes(p, wt, x, y, s, nl);
      break;
    case AIMC_DIG_BIAS:
      for (int j = 0; j < n; j++)
        for (size_t k = 0; k < nl; k++) y[j * s + k] = x[j * s + k] + wt->b[j];
      break;
    case AIMC_DIG_GELU:
      for (size_t i = 0; i < end; i += s)
        for (size_t k = 0; k < nl; k++)
          y[i + k] =
              0.5 * x[i + k] * (1 + erf(x[i + k] * 0.70710678118654752440));
      break;
    case AIMC_DIG_GLU:
      for (size_t i = 0; i < end; i += s)
        for (size_t k = 0; k < nl; k++)
          y[i + k] = x[i + k] * sigmoid(x[end + i + k]);
      break;
    case AIMC_DIG_ADD:
      for (size_t i = 0; i < end; i += s)
        for (size_t k = 0; k < nl; k++) y[i + k] = x[i + k] + x[end + i + k];
      break;
    case AIMC_DIG_LAYERNORM:
      layernorm_lanes(n, wt, x, y, s, nl);
      break;
    case AIMC_DIG_POOL: /* [x; s] -> s + x */
      for (size_t i = 0; i < end; i += s)
        for (size_t k = 0; k < nl; k++) y[i + k] = x[end + i + k] + x[i + k];
      break;
    case AIMC_DIG_MEAN: /* [s; steps] -> s / steps */
      for (size_t i = 0; i < end; i += s)
        for (size_t k = 0; k < nl; k++) y[i + k] = x[i + k] / x[end + k];
      break;
    default:
      return AIMC_EINVAL;
  }
  return AIMC_OK;
}

static int s4d_digital_eval(const aimc_eval *e, const double *in, double *out,
                            aimc_xs128p *rng) {
  (void)rng;
  return run(e, in, out, 1, 1);
}

static int s4d_digital_eval_batch(const aimc_eval *e, const double *in,
                                  double *out, const aimc_lanes *l) {
  return run(e, in, out, l->stride, (size_t)l->n);
}

/* --- the event kernel ------------------------------------------------- */

/* What an instance keeps: its tensor (copied from the model file, so the
 * model need not outlive init) and, for pool and mean, eval's input,
 * whose second part is their state ([x; running sum], [sum; steps]). */
typedef struct {
  aimc_s4d_digital_weights w; /* eval's state                        */
  double *x;                  /* eval_n_in words; NULL: stateless op */
} inst_state;

static int stateful(const params *p) {
  return p->op == AIMC_DIG_POOL || p->op == AIMC_DIG_MEAN;
}

/* Words of eval's input for pool and mean. */
static size_t state_words(const params *p) {
  aimc_eval e = {.params = p};
  return (size_t)s4d_digital_eval_n_in(&e);
}

/* Words of the tensor p applies: w (dense n x n_in, layernorm n; bias
 * none) and b (n). */
static size_t w_words(const params *p) {
  return p->op == AIMC_DIG_DENSE       ? (size_t)p->n * (size_t)p->n_in
         : p->op == AIMC_DIG_LAYERNORM ? (size_t)p->n
                                       : 0;
}

/* Copies the tensor p names from the model file into the instance. */
/* The exported model the params name (from the netlist file `source`'s
 * folder) and the instance's tensor in it (*mdl: NULL when the op applies
 * none; the caller frees it). */
static int open_tensor(aimc_ctx *ctx, const params *p, const char *source, aimc_s4d_model **mdl,
                       aimc_s4d_digital_weights *w) {
  *mdl = NULL;
  if (!needs(p->op)) return AIMC_OK;
  if (!p->model[0])
    return aimc_error(ctx, AIMC_EINVAL,
                      "op = %s applies the %s tensor of the exported model: "
                      "set model to its file",
                      OPS[p->op], TENSORS[p->tensor]);
  char path[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(source, p->model, path, sizeof path);
  int st = aimc_s4d_model_read(ctx, path, mdl);
  if (st) return st;
  char err[256];
  st = aimc_s4d_digital_weights_of(*mdl, p, w, err, sizeof err);
  return st ? aimc_error(ctx, st, "model %s: %s", path, err) : AIMC_OK;
}

static int s4d_digital_check_files(aimc_ctx *ctx, const void *par, const char *source) {
  aimc_s4d_model *mdl = NULL;
  aimc_s4d_digital_weights w;
  int st = open_tensor(ctx, par, source, &mdl, &w);
  aimc_s4d_model_free(ctx, mdl);
  return st;
}

static int load_tensor(aimc_inst *inst, inst_state *s) {
  const params *p = aimc_inst_params(inst);
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  aimc_s4d_model *mdl = NULL;
  aimc_s4d_digital_weights w;
  int st = open_tensor(ctx, p, aimc_inst_source(inst), &mdl, &w);
  if (!mdl) return st;
  size_t nw = w_words(p), nb = (size_t)p->n;
  double *mem = st ? NULL : aimc_inst_alloc(inst, sizeof(double) * (nw + nb));
  if (!st && !mem) st = AIMC_ENOMEM;
  if (!st) {
    memcpy(mem, w.w, sizeof(double) * nw);
    memcpy(mem + nw, w.b, sizeof(double) * nb);
    s->w = (aimc_s4d_digital_weights){nw ? mem : NULL, mem + nw};
  }
  aimc_s4d_model_free(ctx, mdl);
  return st;
}

static int s4d_digital_init(aimc_inst *inst) {
  const params *p = aimc_inst_params(inst);
  inst_state *s = aimc_inst_state(inst);
  if (stateful(p) &&
      !(s->x = aimc_inst_alloc(inst, sizeof(double) * state_words(p))))
    return AIMC_ENOMEM;
  return load_tensor(inst, s);
}

/* The tensor is the hardware's: a reset only clears the sum and count. */
static int s4d_digital_reset(aimc_inst *inst) {
  const params *p = aimc_inst_params(inst);
  inst_state *s = aimc_inst_state(inst);
  if (s->x) memset(s->x, 0, sizeof(double) * state_words(p));
  return AIMC_OK;
}

/* One vector: pool and mean put it before their state in eval's input
 * (the sum it makes is pool's new state; each input is a step of mean). */
static int s4d_digital_on_input(aimc_inst *inst, int port) {
  const params *p = aimc_inst_params(inst);
  inst_state *s = aimc_inst_state(inst);
  const double *in = aimc_inst_in(inst, port);
  double *out = aimc_inst_out(inst, 1);
  size_t n = (size_t)p->n;
  /* The mean with a sequence end evaluates once, at the end. */
  int once = p->op == AIMC_DIG_MEAN && aimc_inst_port_connected(inst, 2);
  if (port == 2 && !once) return AIMC_OK;
  if (s->x && port != 2) {
    memcpy(s->x, in, sizeof(double) * n);
    if (p->op == AIMC_DIG_MEAN) s->x[n] += 1;
  }
  if (once && port != 2) return AIMC_OK;
  aimc_eval e = {.params = p, .state = &s->w, .n = p->n};
  int st = s4d_digital_eval(&e, s->x ? s->x : in, out, NULL);
  if (st) return st;
  if (p->op == AIMC_DIG_POOL) memcpy(s->x + n, out, sizeof(double) * n);
  aimc_op_cost c = s4d_digital_op_cost(p, &(aimc_op_use){.n = p->n});
  aimc_inst_add_energy(inst, c.e_J);
  aimc_inst_add_ops(inst, 2 * aimc_s4d_digital_macs(p));
  return aimc_inst_drive(inst, 1, c.t_fs);
}

const aimc_model aimc_model_s4d_digital = {
    .name = "s4d_digital",
    .summary =
        "S4D digital periphery: dense (encoder, mix, decoder), bias, GELU, "
        "GLU, residual add, "
        "layer norm, mean pool",
    .source = "Gu et al., NeurIPS 2022 (S4D); energy " SRC,
    .eclass = AIMC_EC_DIGITAL,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(inst_state),
    .validate = s4d_digital_validate,
    .init = s4d_digital_init,
    .on_input = s4d_digital_on_input,
    .reset = s4d_digital_reset,
    .check_files = s4d_digital_check_files,
    .op_cost = s4d_digital_op_cost,
    .eval = s4d_digital_eval,
    .eval_batch = s4d_digital_eval_batch,
    .eval_n_in = s4d_digital_eval_n_in,
};

const aimc_model *aimc_s4d_digital_model(void) { return &aimc_model_s4d_digital; }
