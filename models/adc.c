/* adc: n analog channels digitised by n_adc converters through a mux, so
 * ceil(n / n_adc) conversions run back to back (latency rounds * t_conv).
 * A voltage v becomes the digital word q(v / v_fs * range + noise) with
 * the shared quantizer (aimc/quant.h: clip to [-range, range], bits), the
 * inverse of the dac's mapping. Input-referred noise and offset are in V.
 * Energy per conversion: e_conv, or with a Walden figure of merit
 * fom_walden > 0: E = FOM * 2^bits (Walden, IEEE JSAC 17:539, 1999;
 * Murmann, ADC performance survey). */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>

#include "aimc/engine.h"
#include "aimc/quant.h"
#include "aimc/status.h"

typedef struct {
  int n, bits, n_adc;
  double range, v_fs, offset_V, noise_V;
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
    {"bits", AIMC_PT_INT, offsetof(adc_params, bits), 8, 1, 16, AIMC_U_NONE,
     "Resolution: 2^bits - 1 symmetric levels (aimc/quant.h).",
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
  double e = p->fom_walden > 0 ? p->fom_walden * ldexp(1.0, p->bits) : p->e_conv;
  aimc_time rounds = (use->n + p->n_adc - 1) / p->n_adc;
  return (aimc_op_cost){use->n * e, rounds * p->t_conv};
}

static int adc_on_input(aimc_inst *inst, int port) {
  (void)port;
  const adc_params *p = aimc_inst_params(inst);
  adc_state *s = aimc_inst_state(inst);
  const double *v = aimc_inst_in(inst, 0);
  double *d = aimc_inst_out(inst, 1);
  aimc_quant q = {p->bits, p->range};
  for (int i = 0; i < p->n; i++) {
    double x = v[i] + p->offset_V;
    if (p->noise_V > 0)
      x += gsl_ran_gaussian_ziggurat(aimc_inst_rng(inst), p->noise_V);
    x = x / p->v_fs * p->range;
    s->clipped += fabs(x) > p->range;
    d[i] = aimc_quant_apply(&q, x);
  }
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
};
