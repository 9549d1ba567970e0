/* adc: n analog channels digitised by n_adc converters through a mux, so
 * ceil(n / n_adc) conversions run back to back (latency rounds * t_conv).
 * A voltage v becomes the digital word q((v + offset + noise) / v_fs *
 * range) with the shared quantizer (aimc/quant.h: clip to [-range, range],
 * bits), the inverse of the dac's mapping. Input-referred noise and offset
 * are in V (noise_lsb: in LSB). Evaluated in digital units (aimc/model.h)
 * by one function, alone (eval) or over lanes (eval_batch): the event
 * model and the batched inference convert alike.
 * Energy per conversion: e_conv, or with a Walden figure of merit
 * fom_walden > 0: E = FOM * 2^bits (Walden, IEEE JSAC 17:539, 1999;
 * Murmann, ADC performance survey). */
#include <math.h>
#include <stddef.h>

#include "aimc/engine.h"
#include "aimc/lanes.h"
#include "aimc/quant.h"
#include "aimc/status.h"

typedef struct {
  int n, bits, n_adc;
  double range, v_fs, offset_V, noise_V, noise_lsb;
  aimc_time t_conv;
  double e_conv, fom_walden;
} adc_params;

typedef struct {
  uint64_t clipped; /* conversions that hit the range */
} adc_state;

#define SRC "Walden, IEEE JSAC 17:539 (1999); Murmann, ADC Performance Survey"
static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(adc_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Channels (columns).", "", NULL, NULL},
    {"bits", AIMC_PT_INT, offsetof(adc_params, bits), 8, 0, 16, AIMC_U_NONE,
     "Resolution: 2^bits - 1 symmetric levels (aimc/quant.h); 0: each "
     "channel at its calibrated resolution (exact without one; priced as 8 "
     "bits).",
     "IMSSA arXiv 2412.20215", NULL, NULL},
    {"n_adc", AIMC_PT_INT, offsetof(adc_params, n_adc), 1, 1, 1 << 20,
     AIMC_U_NONE, "Converters shared by the n channels through a mux.",
     "column sharing", NULL, NULL},
    {"range", AIMC_PT_REAL, offsetof(adc_params, range), 1, 1e-12, 1e12,
     AIMC_U_NONE, "Digital full scale: v_fs converts to +range.", "", NULL,
     NULL},
    {"v_fs", AIMC_PT_REAL, offsetof(adc_params, v_fs), 1, 1e-6, 10, AIMC_U_VOLT,
     "Input voltage that converts to +range (clipped beyond).", "", NULL, NULL},
    {"offset", AIMC_PT_REAL, offsetof(adc_params, offset_V), 0, -1, 1,
     AIMC_U_VOLT, "Input-referred offset.", SRC, NULL, NULL},
    {"noise", AIMC_PT_REAL, offsetof(adc_params, noise_V), 0, 0, 1, AIMC_U_VOLT,
     "Input-referred noise sigma per conversion.", SRC, NULL, NULL},
    {"noise_lsb", AIMC_PT_REAL, offsetof(adc_params, noise_lsb), 0, 0, 100,
     AIMC_U_NONE,
     "Input-referred noise sigma per conversion, in LSB of the channel's "
     "resolution (adds to noise).",
     SRC, NULL, NULL},
    {"t_conv", AIMC_PT_TIME, offsetof(adc_params, t_conv), 5e-9, 0, 1e-3,
     AIMC_U_SECOND, "Time of one conversion.", "SAR ADC, 180 nm class", NULL,
     NULL},
    {"e_conv", AIMC_PT_REAL, offsetof(adc_params, e_conv), 2e-12, 0, 1e-6,
     AIMC_U_JOULE, "Energy per conversion (used when fom_walden = 0).",
     "Murmann survey, 8-bit SAR", NULL, NULL},
    {"fom_walden", AIMC_PT_REAL, offsetof(adc_params, fom_walden), 0, 0, 1e-9,
     AIMC_U_JOULE,
     "Walden FOM (J per conversion step); > 0 sets E = FOM 2^bits.", SRC, NULL,
     NULL},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_VOLTAGE, "n",
     "Voltages (V), e.g. from a tia."},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n",
     "Digital words in [-range, range]."},
};

/* n conversions on n_adc converters: ceil(n / n_adc) rounds back to back. */
static aimc_op_cost adc_op_cost(const void *params, const aimc_op_use *use) {
  const adc_params *p = params;
  /* bits 0 (calibrated per channel) is priced as 8 bits. */
  double e = p->fom_walden > 0 ? p->fom_walden * ldexp(1.0, p->bits ? p->bits : 8) : p->e_conv;
  aimc_time rounds = (use->n + p->n_adc - 1) / p->n_adc;
  return (aimc_op_cost){use->n * e, rounds * p->t_conv};
}

/* Channel c's quantizer and its noise sigma and offset, in digital units
 * (aimc/model.h): volts are referred by fs / v_fs. */
typedef struct {
  aimc_quant q;
  double sd, off;
} adc_chan;

static adc_chan channel(const aimc_eval *e, int c) {
  const adc_params *p = e->params;
  double fs = e->fs ? e->fs[c] : p->range;
  adc_chan ch = {{p->bits ? p->bits : e->bits ? e->bits[c] : 0, fs}, 0, 0};
  double per_V = fs / p->v_fs, lsb = aimc_quant_step(&ch.q) * p->noise_lsb;
  ch.sd = sqrt(p->noise_V * per_V * p->noise_V * per_V + lsb * lsb);
  ch.off = p->offset_V * per_V;
  return ch;
}

static int adc_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  double z[1];
  uint64_t u[1];
  for (int c = 0; c < e->n; c++) {
    adc_chan ch = channel(e, c);
    double x = in[c] + ch.off;
    if (ch.sd > 0) {
      aimc_normal_lanes(aimc_ziggurat_table(), rng, u, z, 1);
      x += ch.sd * z[0];
    }
    aimc_quant_vec(&ch.q, &x, &out[c], 1);
  }
  return AIMC_OK;
}

/* Lane by lane the same arithmetic as adc_eval, each channel's lanes in
 * vectorizable loops. */
static int adc_eval_batch(const aimc_eval *e, const double *in, double *out,
                          const aimc_lanes *l) {
  for (int c = 0; c < e->n; c++) {
    adc_chan ch = channel(e, c);
    const double *x = in + (size_t)c * l->stride;
    double *y = out + (size_t)c * l->stride;
    for (int k = 0; k < l->n; k++) y[k] = x[k] + ch.off;
    if (ch.sd > 0) {
      aimc_lanes_normal(l, l->z);
      for (int k = 0; k < l->n; k++) y[k] += ch.sd * l->z[k];
    }
    aimc_quant_vec(&ch.q, y, y, (size_t)l->n);
  }
  return AIMC_OK;
}

/* Volts in, words out: the calibration is the instance's range. */
static int adc_on_input(aimc_inst *inst, int port) {
  (void)port;
  const adc_params *p = aimc_inst_params(inst);
  adc_state *s = aimc_inst_state(inst);
  const double *v = aimc_inst_in(inst, 0);
  double *d = aimc_inst_out(inst, 1);
  aimc_eval e = {p, s, p->n, NULL, NULL};
  for (int i = 0; i < p->n; i++) {
    d[i] = v[i] / p->v_fs * p->range;
    s->clipped += fabs(d[i] + p->offset_V / p->v_fs * p->range) > p->range;
  }
  int st = adc_eval(&e, d, d, aimc_inst_lane_rng(inst));
  if (st) return st;
  aimc_op_cost c = adc_op_cost(p, &(aimc_op_use){.n = p->n});
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, 1, c.t_fs);
}

const aimc_model aimc_model_adc = {
    .name = "adc",
    .summary =
        "analog-to-digital converters shared through a mux: shared quantizer, "
        "offset, noise, clipping, Walden FOM",
    .source = SRC,
    .eclass = AIMC_EC_ADC,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(adc_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(adc_state),
    .on_input = adc_on_input,
    .op_cost = adc_op_cost,
    .eval = adc_eval,
    .eval_batch = adc_eval_batch,
};
