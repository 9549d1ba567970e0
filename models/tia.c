/* tia: transimpedance sense stage per column: v = clip(gain * (I + n_I),
 * +-v_sat) with input-referred current noise n_I ~ N(0, noise_A). Gain 0
 * is each column's calibrated transimpedance, v_fs / its full-scale
 * current, which `aimc map` writes into the calibration file (cal; aimc
 * run also knows each column's current per unit, the channels' scale,
 * aimc/model.h); evaluated in digital units, a column's value y
 * (current y * scale) leaves as (y + n_I / scale) * gain / gain_cal,
 * clipped at v_sat / v_fs of its full scale, so a calibrated, noiseless
 * TIA passes values on unchanged. The
 * settle time is given directly or follows from the bandwidth of a
 * first-order stage: settling to 0.1 % takes ln(1000) / (2 pi f_3db). Energy
 * per sense and channel: e_sense + p_static * t_settle (the static power over
 * the time it is on). (Razavi, "Design of Integrated Circuits for Optical
 * Communications", ch. 4; energy figures after Marinella et al., IEEE JETCAS
 * 8:86, 2018.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the lanes (sqrt too: -fno-math-errno, CMakeLists.txt) */
#endif
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "aimc/calibration.h"
#include "aimc/engine.h"
#include "aimc/lanes.h"
#include "aimc/status.h"
#include "aimc/tia.h"
#include "crossbar_words.h"

typedef struct {
  int n;
  double gain_Ohm, v_fs, noise_A, v_sat, f_3db;
  aimc_time t_settle;
  double e_sense, p_static;
  char cal[AIMC_PARAM_STRLEN];
  int words;
  double v_drive;
  char layout[AIMC_PARAM_STRLEN];
  int used;
} tia_params;

typedef struct {
  uint64_t saturated;
  double *i_fs; /* each column's full-scale current from cal (NULL: none) */
  /* words 1: the ADC's full scales (the cal file's adc rows), each
   * column's amperes per unit (aimc_map_slot_amps; 1 where unknown), the
   * layout's slots and whether the columns are evaluated at all */
  double *adc_fs, *amps;
  const aimc_xbar_layout *layout;
  int evaluated;
} tia_state;

#define SRC                                                                \
  "Razavi, Design of ICs for Optical Communications, ch. 4; Marinella et " \
  "al., IEEE JETCAS 8:86 (2018)"
static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(tia_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Channels.", "", NULL, NULL},
    {"gain", AIMC_PT_REAL, offsetof(tia_params, gain_Ohm), 10e3, 0, 1e12,
     AIMC_U_OHM,
     "Transimpedance: output volts per input ampere; 0: each column's "
     "calibration, v_fs over its full-scale current (from cal).",
     SRC, NULL, NULL},
    {"v_fs", AIMC_PT_REAL, offsetof(tia_params, v_fs), 1.0, 1e-6, 10,
     AIMC_U_VOLT,
     "Output of a column's full-scale current at its calibrated gain (the "
     "ADC's full-scale input).",
     "calibration", NULL, NULL},
    {"noise", AIMC_PT_REAL, offsetof(tia_params, noise_A), 0, 0, 1,
     AIMC_U_AMPERE, "Input-referred current noise sigma per sense.", SRC, NULL,
     NULL},
    {"v_sat", AIMC_PT_REAL, offsetof(tia_params, v_sat), 1.0, 1e-6, 100,
     AIMC_U_VOLT, "Output saturation (symmetric).", SRC, NULL, NULL},
    {"t_settle", AIMC_PT_TIME, offsetof(tia_params, t_settle), 5e-9, 0, 1e-3,
     AIMC_U_SECOND, "Settling time (bandwidth).", SRC, NULL, NULL},
    {"f_3db", AIMC_PT_REAL, offsetof(tia_params, f_3db), 0, 0, 1e12,
     AIMC_U_HERTZ,
     "Bandwidth; > 0 replaces t_settle by the first-order settling time to "
     "0.1 %, ln(1000) / (2 pi f_3db).",
     SRC, NULL, NULL},
    {"e_sense", AIMC_PT_REAL, offsetof(tia_params, e_sense), 0, 0, 1e-6,
     AIMC_U_JOULE, "Dynamic energy per sense and channel.", SRC, NULL, NULL},
    {"p_static", AIMC_PT_REAL, offsetof(tia_params, p_static), 20e-6, 0, 1,
     AIMC_U_WATT, "Static power per channel while sensing.", SRC, NULL, NULL},
    {"cal", AIMC_PT_STRING, offsetof(tia_params, cal), 0, 0, 0, AIMC_U_NONE,
     "Per-column calibration CSV (its tia rows: the full-scale current in A as "
     "range; aimc/calibration.h), relative to the netlist; empty: gain 0 "
     "calibrates in aimc run only.",
     "aimc map", NULL, ""},
    {"used", AIMC_PT_INT, offsetof(tia_params, used), -1, -1, 1 << 20, AIMC_U_NONE,
     "Channels an operation uses, the ones it books (-1: all n): aimc map writes the columns the array's slots drive (sensed), as aimc run prices a read (aimc_map_array_use).", "aimc map", NULL, NULL},
    {"words", AIMC_PT_INT, offsetof(tia_params, words), 0, 0, 2, AIMC_U_NONE,
     "1: in and out carry each column's value in digital units (a mapped tile, after a "
     "crossbar with a layout): the columns sense as aimc run senses them, slot by slot with "
     "the columns' calibration (cal: tia and adc rows) and amperes per unit (layout, "
     "v_drive), or pass on unchanged with their variance where aimc run skips the TIA "
     "(aimc_tia_transparent, aimc/tia.h); 2: column values passed on unchanged (an array of "
     "a dense layer, whose TIAs aimc run skips); 0: amperes in, volts out.",
     "sim/infer/convert.c", NULL, NULL},
    {"v_drive", AIMC_PT_REAL, offsetof(tia_params, v_drive), 0.2, 1e-6, 10, AIMC_U_VOLT,
     "words: the DAC full-scale voltage the array's rows are driven at (the tile's dac "
     "v_fs): a column carries span_S v_drive / (top |col_gain|) amperes per unit (layout).",
     "aimc_map_slot_amps (aimc/map.h)", NULL, NULL},
    {"layout", AIMC_PT_STRING, offsetof(tia_params, layout), 0, 0, 0, AIMC_U_NONE,
     "words: the array's layout JSON (the crossbar's, relative to the netlist): the slots "
     "whose columns are sensed and each column's amperes per unit (its slot's top); empty: "
     "every column at once, and only a transparent TIA.",
     "aimc map; aimc/xbar_layout.h", NULL, ""},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_CURRENT, "n", "Column currents (A); words: column values.",
     0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_VOLTAGE, "n", "Voltages (V); words: column values.", 0},
    {"var", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n",
     "words: each column's read-noise variance left undrawn (a crossbar's var; -1: none), "
     "drawn with the TIA's own noise as one deviate; read when in arrives. Unconnected: none.",
     1},
    {"var_out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n",
     "words: the variance still undrawn for the adc: var where the TIA passes columns on "
     "unchanged, -1 where it drew it.",
     1},
};
enum { PORT_VAR = 2, PORT_VAR_OUT = 3 };

static aimc_time settle_time(const tia_params *p) {
  if (p->f_3db <= 0) return p->t_settle;
  return aimc_time_from_s(log(1000.0) /
                          (2 * 3.14159265358979323846 * p->f_3db));
}

/* Every channel senses once and is powered while it settles. */
static aimc_op_cost tia_op_cost(const void *params, const aimc_op_use *use) {
  const tia_params *p = params;
  aimc_time t = settle_time(p);
  return (aimc_op_cost){use->n * (p->e_sense + p->p_static * aimc_time_to_s(t)), t};
}

/* Channel c in digital units: its noise sigma (and its square), gain
 * relative to the calibration, and clip level. */
typedef struct {
  double sd, sd2, rel, lim;
} tia_chan;

/* The gain relative to the one that passes values on (v_fs over the
 * column's own full-scale current fs * a): a transimpedance, else the
 * calibration's full-scale current (exactly 1 when it is the column's). */
static tia_chan channel(const aimc_eval *e, int c) {
  const tia_params *p = e->params;
  double fs = e->fs ? e->fs[c] : 1, a = e->scale ? e->scale[c] : 1;
  double g_cal = p->v_fs / (a * fs), sd = p->noise_A / a;
  double rel = p->gain_Ohm > 0 ? p->gain_Ohm / g_cal : e->in_fs ? a * fs / e->in_fs[c] : 1;
  return (tia_chan){sd, sd * sd, rel, p->v_sat / p->v_fs * fs};
}

AIMC_MODEL_CHANNELS(static, tia_chan, channel, tia_prepare)

static double clip(double x, double lim) { return x > lim ? lim : x < -lim ? -lim : x; }

/* One lane, channel c at [c * stride]: no call per channel. */
static void sense_lane(const aimc_eval *e, const double *in, double *out, size_t stride,
                       aimc_xs128p *rng) {
  const aimc_ziggurat *zt = aimc_ziggurat_table();
  for (int c = 0; c < e->n; c++) {
    tia_chan tmp;
    const tia_chan *ch = chan_at(e, c, &tmp);
    size_t i = (size_t)c * stride;
    double x = aimc_noise_one(zt, rng, in[i], e->in_var ? &e->in_var[i] : NULL, ch->sd, ch->sd2);
    out[i] = clip(x * ch->rel, ch->lim);
  }
}

static int tia_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  sense_lane(e, in, out, 1, rng);
  return AIMC_OK;
}

/* Lane by lane the same arithmetic as tia_eval. */
static int tia_eval_batch(const aimc_eval *e, const double *in, double *out,
                          const aimc_lanes *l) {
  if (l->n == 1) {
    sense_lane(e, in, out, l->stride, l->rng);
    return AIMC_OK;
  }
  for (int c = 0; c < e->n; c++) {
    tia_chan tmp;
    const tia_chan *ch = chan_at(e, c, &tmp);
    const double *x = in + (size_t)c * l->stride;
    double *y = out + (size_t)c * l->stride;
    for (int k = 0; k < l->n; k++) y[k] = x[k];
    aimc_lanes_add_noise(l, y, e->in_var ? e->in_var + (size_t)c * l->stride : NULL, ch->sd,
                         ch->sd2);
    for (int k = 0; k < l->n; k++) y[k] = clip(y[k] * ch->rel, ch->lim);
  }
  return AIMC_OK;
}

extern const aimc_model aimc_model_tia;

/* A param of model m by key as a double, or dflt when m has none. */
static double param_value(const aimc_model *m, const void *params, const char *key,
                          double dflt) {
  const aimc_param *r = aimc_params_find(m->params, m->n_params, key);
  return r ? aimc_param_get(r, params) : dflt;
}

int aimc_tia_transparent(const aimc_model *m, const void *params) {
  if (!m->eval) return 1; /* not evaluated outside the kernel */
  double v_sat = param_value(m, params, "v_sat", 1);
  return param_value(m, params, "gain", 0) == 0 && param_value(m, params, "noise", 0) == 0 &&
         v_sat >= param_value(m, params, "v_fs", 1);
}

/* words: what aimc run knows of the tile's columns (sim/infer/convert.c):
 * the ADC's full scales, each slot column's amperes per unit (from the
 * layout's top, as aimc_map_slot_amps computes it) and whether the TIA is
 * evaluated: not transparent, or a column recalibrated. */
static int words_init(aimc_inst *inst, const tia_params *p, tia_state *s) {
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  if (!s->i_fs)
    return aimc_error(ctx, AIMC_EINVAL, "%s: words needs a cal file (tia and adc rows)",
                      aimc_inst_name(inst));
  int rc = aimc_cal_load_inst(inst, p->cal, "adc", p->n, 0, &s->adc_fs, NULL);
  if (!rc && *p->layout) rc = aimc_xbar_words_columns(inst, p->layout, p->n, &s->layout);
  if (rc) return rc;
  if (!(s->amps = aimc_inst_alloc(inst, sizeof(double) * (size_t)p->n)))
    return aimc_error(ctx, AIMC_ENOMEM, "%s: out of memory", aimc_inst_name(inst));
  int known = s->layout != NULL, recal = 0;
  for (int c = 0; c < p->n; c++) s->amps[c] = 1;
  for (int k = 0; s->layout && k < s->layout->n_slots; k++) {
    const aimc_xbar_slot *t = &s->layout->slot[k];
    known &= t->top > 0;
    for (int j = 0; t->top > 0 && j < t->n_out; j++) {
      int c = t->col0 + j;
      s->amps[c] = aimc_tia_column_amps(s->layout->span_S, p->v_drive, t->top, t->col_gain[j]);
      recal |= aimc_tia_recalibrated(s->i_fs[c], s->amps[c], s->adc_fs[c]);
    }
  }
  s->evaluated = !aimc_tia_transparent(&aimc_model_tia, p) || recal;
  if (s->evaluated && !known)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: words: a TIA that changes the signal needs each column's amperes "
                      "per unit: a layout whose slots give top",
                      aimc_inst_name(inst));
  return AIMC_OK;
}

/* The columns' full-scale currents, when a cal file names them. */
static int tia_init(aimc_inst *inst) {
  const tia_params *p = aimc_inst_params(inst);
  tia_state *s = aimc_inst_state(inst);
  int rc = aimc_cal_load_inst(inst, p->cal, "tia", p->n, 0, &s->i_fs, NULL);
  return rc || p->words != 1 ? rc : words_init(inst, p, s);
}

/* words: each slot's columns through tia_eval as aimc run senses them
 * (its convert: the ADC's full scales, the amperes per unit as scale,
 * the calibrated currents as in_fs, chan0 the slot's first column), the
 * variance of the same read drawn with the TIA's noise; a transparent
 * TIA passes values and variance on. */
static void sense_words(aimc_inst *inst, const tia_params *p, tia_state *s) {
  const double *in = aimc_inst_in(inst, 0), *var = aimc_inst_in(inst, PORT_VAR);
  double *out = aimc_inst_out(inst, 1), *vo = aimc_inst_out(inst, PORT_VAR_OUT);
  memcpy(out, in, sizeof(double) * (size_t)p->n);
  for (int c = 0; c < p->n; c++) vo[c] = var && !s->evaluated ? var[c] : -1;
  for (int g = 0; s->evaluated && g < aimc_xbar_words_groups(s->layout); g++) {
    int c0, nc;
    aimc_xbar_words_group(s->layout, p->n, g, &c0, &nc);
    aimc_eval e = {p,    s,          nc, s->adc_fs + c0, NULL, aimc_xbar_words_var(var, c0),
                   s->amps + c0, NULL, c0, s->i_fs + c0};
    tia_eval(&e, in + c0, out + c0, aimc_inst_lane_rng(inst));
    for (int c = c0; c < c0 + nc; c++) s->saturated += fabs(out[c]) >= p->v_sat / p->v_fs * s->adc_fs[c];
  }
}

static int tia_check_files(aimc_ctx *ctx, const void *params, const char *source) {
  const tia_params *p = params;
  return aimc_cal_check_file(ctx, source, p->cal, "tia", p->n);
}

/* The event path senses with tia_eval, its units the column's amperes
 * (scale 1): full scale the calibrated current (1 A without one, where
 * it cancels), so out * v_fs / fs is the volts of gain * I, clipped at
 * v_sat, with the instance's noise stream. */
static int tia_on_input(aimc_inst *inst, int port) {
  if (port != 0) return AIMC_OK; /* var: read with in, driven at the same time */
  const tia_params *p = aimc_inst_params(inst);
  tia_state *s = aimc_inst_state(inst);
  if (p->words) {
    sense_words(inst, p, s);
    aimc_op_cost c =
      tia_op_cost(p, &(aimc_op_use){.n = aimc_used_channels(p->used, p->n)});
    aimc_inst_add_energy(inst, c.e_J);
    int rc = aimc_inst_drive(inst, PORT_VAR_OUT, c.t_fs);
    return rc ? rc : aimc_inst_drive(inst, 1, c.t_fs);
  }
  if (p->gain_Ohm <= 0 && !s->i_fs)
    return aimc_error(aimc_inst_ctx(inst), AIMC_EINVAL,
                      "%s: gain 0 (each column at its calibration) needs a cal file with "
                      "the columns' full-scale currents, or a transimpedance",
                      aimc_inst_name(inst));
  double *v = aimc_inst_out(inst, 1);
  aimc_eval e = {p, s, p->n, s->i_fs, NULL, NULL, NULL, NULL, 0, s->i_fs};
  int st = tia_eval(&e, aimc_inst_in(inst, 0), v, aimc_inst_lane_rng(inst));
  if (st) return st;
  for (int k = 0; k < p->n; k++) {
    double fs = s->i_fs ? s->i_fs[k] : 1;
    s->saturated += fabs(v[k]) >= p->v_sat / p->v_fs * fs;
    v[k] *= p->v_fs / fs;
  }
  aimc_op_cost c =
      tia_op_cost(p, &(aimc_op_use){.n = aimc_used_channels(p->used, p->n)});
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, 1, c.t_fs);
}

const aimc_model aimc_model_tia = {
    .name = "tia",
    .summary =
        "transimpedance sense stage: gain, input noise, saturation, settle "
        "time, static power",
    .source = SRC,
    .eclass = AIMC_EC_TIA,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(tia_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(tia_state),
    .init = tia_init,
    .on_input = tia_on_input,
    .check_files = tia_check_files,
    .op_cost = tia_op_cost,
    .eval = tia_eval,
    .eval_batch = tia_eval_batch,
    .draws_in_var = 1,
    .prepare = tia_prepare,
    .prep_chan = sizeof(tia_chan),
};
