/* dac: n-channel digital-to-analog converter driving crossbar rows.
 * A digital word x (a double holding a value in [-range, range]) is
 * quantized by the shared quantizer (aimc/quant.h, bits over range, so it
 * matches the trainer) and mapped to v = q / range * v_fs * (1 + gain_err)
 * + offset + e_inl[i], where e_inl[i] is a static per-channel error of
 * sigma inl_lsb LSB drawn once per piece of hardware (mismatch: the
 * engine's instance at init, aimc run per tile; Razavi, "Principles of Data
 * Conversion System Design", ch. 2). One conversion per channel per input
 * vector: energy n * e_conv, output after t_settle. Evaluated in digital
 * units (aimc/model.h) by one function, alone or over lanes. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "aimc/calibration.h"
#include "aimc/engine.h"
#include "aimc/lanes.h"
#include "aimc/quant.h"
#include "aimc/status.h"

typedef struct {
  int n, bits;
  double range, v_fs, gain_err, offset_V, inl_lsb;
  aimc_time t_settle;
  double e_conv;
  char cal[AIMC_PARAM_STRLEN];
  int words;
  int used;
} dac_params;

typedef struct {
  double *inl_z; /* per channel: its static error in units of inl_lsb LSB */
  double *fs;    /* event runs: each channel's full scale from cal (NULL: range) */
  int *bits;     /* and resolution                                            */
} dac_state;

#define SRC "Razavi, Principles of Data Conversion System Design (1995), ch. 2"
static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(dac_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Channels.", "", NULL, NULL},
    {"bits", AIMC_PT_INT, offsetof(dac_params, bits), 8, 0, 16, AIMC_U_NONE,
     "Resolution: 2^bits - 1 symmetric levels (aimc/quant.h); 0: each "
     "channel at its calibrated resolution (exact without one).",
     "IMSSA arXiv 2412.20215", NULL, NULL},
    {"range", AIMC_PT_REAL, offsetof(dac_params, range), 1, 0, 1e12,
     AIMC_U_NONE,
     "Digital full scale of every channel: inputs in [-range, range] (clipped "
     "beyond); 0: each channel's from its calibration (cal).", "",
     NULL, NULL},
    {"v_fs", AIMC_PT_REAL, offsetof(dac_params, v_fs), 0.2, 1e-6, 10,
     AIMC_U_VOLT, "Output voltage at +range (read voltage of the array).",
     "typical read voltage", NULL, NULL},
    {"gain_err", AIMC_PT_REAL, offsetof(dac_params, gain_err), 0, -0.5, 0.5,
     AIMC_U_NONE, "Relative gain error.", SRC, NULL, NULL},
    {"offset", AIMC_PT_REAL, offsetof(dac_params, offset_V), 0, -1, 1,
     AIMC_U_VOLT, "Output offset.", SRC, NULL, NULL},
    {"inl_lsb", AIMC_PT_REAL, offsetof(dac_params, inl_lsb), 0, 0, 16,
     AIMC_U_NONE,
     "Sigma (LSB) of a static per-channel error drawn once (mismatch / INL).",
     SRC, NULL, NULL},
    {"t_settle", AIMC_PT_TIME, offsetof(dac_params, t_settle), 1e-9, 0, 1e-3,
     AIMC_U_SECOND, "Settling time of one conversion.",
     "IMSSA-class 180 nm periphery", NULL, NULL},
    {"e_conv", AIMC_PT_REAL, offsetof(dac_params, e_conv), 50e-15, 0, 1e-6,
     AIMC_U_JOULE, "Energy per conversion (one channel).",
     "Marinella et al., IEEE JETCAS 8:86 (2018)", NULL, NULL},
    {"cal", AIMC_PT_STRING, offsetof(dac_params, cal), 0, 0, 0, AIMC_U_NONE,
     "Per-channel calibration CSV (its dac rows: range, bits; aimc/calibration.h), "
     "relative to the netlist; empty: every channel at range and bits.",
     "aimc map", NULL, ""},
    {"used", AIMC_PT_INT, offsetof(dac_params, used), -1, -1, 1 << 20, AIMC_U_NONE,
     "Channels an operation uses, the ones it books (-1: all n): aimc map writes the rows the array's slots drive, as aimc run prices a read (aimc_map_array_use).", "aimc map", NULL, NULL},
    {"words", AIMC_PT_INT, offsetof(dac_params, words), 0, 0, 2, AIMC_U_NONE,
     "What out carries: 0 row volts; 1 each row's converted word in digital units, the drive "
     "of a crossbar with a layout (the value aimc run reads the array with); 2 the words "
     "passed on unconverted (an array of a dense layer, which aimc run reads without "
     "conversion; still priced as n conversions).",
     "aimc/model.h (digital units); sim/infer/convert.c", NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n",
     "Digital words in [-range, range].", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_VOLTAGE, "n", "Row voltages (V).", 0},
};

static int dac_validate(const void *params, char *err, size_t errlen) {
  const dac_params *p = params;
  return aimc_cal_check_range(p->range, p->cal, err, errlen);
}

/* The state as one block: the struct, then the n errors. */
static size_t dac_eval_state_size(const void *params) {
  const dac_params *p = params;
  return sizeof(dac_state) + (size_t)p->n * sizeof(double);
}

/* Each channel's static error as a standard deviate: the channel's error
 * is it times inl_lsb LSB of the resolution the channel converts at (its
 * calibration's, or the params'). */
static void dac_eval_state_init(const void *params, void *state, aimc_xs128p *rng) {
  const dac_params *p = params;
  dac_state *s = state;
  s->inl_z = (double *)(s + 1);
  uint64_t u;
  for (int i = 0; i < p->n; i++) {
    s->inl_z[i] = 0;
    if (p->inl_lsb > 0) aimc_normal_lanes(aimc_ziggurat_table(), rng, &u, &s->inl_z[i], 1);
  }
}

/* The engine's state holds the pointer; the errors follow in a block of
 * the instance, drawn from a stream seeded by the instance's. */
static int dac_init(aimc_inst *inst) {
  const dac_params *p = aimc_inst_params(inst);
  dac_state *s = aimc_inst_state(inst);
  dac_state *block = aimc_inst_alloc(inst, dac_eval_state_size(p));
  if (!block) return AIMC_ENOMEM;
  aimc_xs128p g;
  aimc_xs128p_seed(&g, aimc_inst_static_seed(inst)); /* aimc run's chip */
  dac_eval_state_init(p, block, &g);
  s->inl_z = block->inl_z;
  return aimc_cal_load_inst(inst, p->cal, "dac", p->n, p->range, &s->fs, &s->bits);
}

/* The static errors belong to the hardware: a reset keeps them. */
static int dac_reset(aimc_inst *inst) {
  (void)inst;
  return AIMC_OK;
}

/* One conversion per channel. */
static aimc_op_cost dac_op_cost(const void *params, const aimc_op_use *use) {
  const dac_params *p = params;
  return (aimc_op_cost){use->n * p->e_conv, p->t_settle};
}

/* Channel c in digital units (aimc/model.h): q(x) (1 + gain_err) plus
 * the offset referred by fs / v_fs and the channel's static error, its
 * deviate times inl_lsb steps of its quantizer. */
typedef struct {
  aimc_quant_k q;
  double gain, off;
} dac_chan;

static dac_chan channel(const aimc_eval *e, int c) {
  const dac_params *p = e->params;
  const dac_state *s = e->state;
  double fs = e->fs ? e->fs[c] : p->range;
  aimc_quant q = {p->bits ? p->bits : e->bits ? e->bits[c] : 0, fs};
  aimc_quant_k k = aimc_quant_k_of(&q);
  double z = s && s->inl_z ? s->inl_z[e->chan0 + c] : 0;
  double inl = z != 0 ? z * p->inl_lsb * k.step : 0;
  return (dac_chan){k, 1 + p->gain_err, p->offset_V * (fs / p->v_fs) + inl};
}

AIMC_MODEL_CHANNELS(static, dac_chan, channel, dac_prepare)

/* One lane, channel c at [c * stride]: no call per channel. */
static void convert_lane(const aimc_eval *e, const double *in, double *out, size_t stride) {
  for (int c = 0; c < e->n; c++) {
    dac_chan tmp;
    const dac_chan *ch = chan_at(e, c, &tmp);
    size_t i = (size_t)c * stride;
    double y = aimc_quant_k_apply(&ch->q, in[i]);
    out[i] = ch->gain != 1 || ch->off != 0 ? y * ch->gain + ch->off : y;
  }
}

static int dac_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  (void)rng;
  convert_lane(e, in, out, 1);
  return AIMC_OK;
}

/* Lane by lane the same arithmetic as dac_eval. */
static int dac_eval_batch(const aimc_eval *e, const double *in, double *out,
                          const aimc_lanes *l) {
  if (l->n == 1) {
    convert_lane(e, in, out, l->stride);
    return AIMC_OK;
  }
  for (int c = 0; c < e->n; c++) {
    dac_chan tmp;
    const dac_chan *ch = chan_at(e, c, &tmp);
    double *y = out + (size_t)c * l->stride;
    aimc_quant_vec_k(&ch->q, in + (size_t)c * l->stride, y, (size_t)l->n);
    if (ch->gain != 1 || ch->off != 0)
      for (int k = 0; k < l->n; k++) y[k] = y[k] * ch->gain + ch->off;
  }
  return AIMC_OK;
}

static int dac_check_files(aimc_ctx *ctx, const void *params, const char *source) {
  const dac_params *p = params;
  return aimc_cal_check_file(ctx, source, p->cal, "dac", p->n);
}

/* Words in, volts out: each channel's full scale (its calibration's, or
 * the range) converts to v_fs; words 1: the eval's words as aimc run
 * drives its arrays with them, words 2: the words as they come. */
static int dac_on_input(aimc_inst *inst, int port) {
  (void)port;
  const dac_params *p = aimc_inst_params(inst);
  const dac_state *s = aimc_inst_state(inst);
  double *v = aimc_inst_out(inst, 1);
  aimc_eval e = {p, s, p->n, s->fs, s->bits, NULL, NULL, NULL, 0, NULL};
  int st = AIMC_OK;
  if (p->words == 2) memcpy(v, aimc_inst_in(inst, 0), sizeof(double) * (size_t)p->n);
  else st = dac_eval(&e, aimc_inst_in(inst, 0), v, aimc_inst_lane_rng(inst));
  if (st) return st;
  for (int i = 0; !p->words && i < p->n; i++) v[i] = v[i] / (s->fs ? s->fs[i] : p->range) * p->v_fs;
  aimc_op_cost c =
      dac_op_cost(p, &(aimc_op_use){.n = aimc_used_channels(p->used, p->n)});
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, 1, c.t_fs);
}

const aimc_model aimc_model_dac = {
    .name = "dac",
    .summary =
        "digital-to-analog converters: shared quantizer, gain/offset/INL "
        "errors, settle time",
    .source = SRC,
    .eclass = AIMC_EC_DAC,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(dac_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(dac_state),
    .validate = dac_validate,
    .init = dac_init,
    .on_input = dac_on_input,
    .reset = dac_reset,
    .check_files = dac_check_files,
    .op_cost = dac_op_cost,
    .eval = dac_eval,
    .eval_batch = dac_eval_batch,
    .eval_state_size = dac_eval_state_size,
    .eval_state_init = dac_eval_state_init,
    .prepare = dac_prepare,
    .prep_chan = sizeof(dac_chan),
};
