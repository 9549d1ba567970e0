/* adc: n analog channels digitised by n_adc converters through a mux, so
 * ceil(n / n_adc) conversions run back to back (latency rounds * t_conv).
 * The conversion (quantizer, offset, noise, clipping; its eval and
 * eval_batch) is the one every ADC shares, adc_common.h; this file is the
 * architecture's cost, a successive-approximation class converter priced
 * per conversion: e_conv, or with a Walden figure of merit fom_walden > 0:
 * E = FOM * 2^bits (Walden, IEEE JSAC 17:539, 1999; Murmann, ADC
 * performance survey). */
#include <math.h>
#include <stddef.h>

#include "adc_common.h"

typedef struct {
  aimc_adc_conv c; /* first: the shared conversion reads it */
  aimc_time t_conv;
  double e_conv, fom_walden;
} adc_params;

static const aimc_param PARAMS[] = {
    AIMC_ADC_CONV_PARAMS(adc_params, c),
    {"t_conv", AIMC_PT_TIME, offsetof(adc_params, t_conv), 5e-9, 0, 1e-3,
     AIMC_U_SECOND, "Time of one conversion.", "SAR ADC, 180 nm class", NULL,
     NULL},
    {"e_conv", AIMC_PT_REAL, offsetof(adc_params, e_conv), 2e-12, 0, 1e-6,
     AIMC_U_JOULE, "Energy per conversion (used when fom_walden = 0).",
     "Murmann survey, 8-bit SAR", NULL, NULL},
    {"fom_walden", AIMC_PT_REAL, offsetof(adc_params, fom_walden), 0, 0, 1e-9,
     AIMC_U_JOULE,
     "Walden FOM (J per conversion step); > 0 sets E = FOM 2^bits.", AIMC_ADC_SRC, NULL,
     NULL},
};

/* n conversions on n_adc converters: ceil(n / n_adc) rounds back to back. */
static aimc_op_cost adc_op_cost(const void *params, const aimc_op_use *use) {
  const adc_params *p = params;
  double e = p->fom_walden > 0 ? p->fom_walden * ldexp(1.0, aimc_adc_bits_priced(&p->c))
                               : p->e_conv;
  return (aimc_op_cost){use->n * e, aimc_adc_rounds(&p->c, use->n) * p->t_conv};
}

const aimc_model aimc_model_adc = {
    .name = "adc",
    .summary =
        "analog-to-digital converters shared through a mux: shared quantizer, "
        "offset, noise, clipping, Walden FOM",
    .source = AIMC_ADC_SRC,
    .eclass = AIMC_EC_ADC,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(adc_params),
    .ports = AIMC_ADC_PORTS,
    .n_ports = AIMC_NPARAMS(AIMC_ADC_PORTS),
    .state_size = sizeof(aimc_adc_state),
    .validate = aimc_adc_validate,
    .init = aimc_adc_init,
    .check_files = aimc_adc_check_files,
    .on_input = aimc_adc_on_input,
    .op_cost = adc_op_cost,
    .eval = aimc_adc_eval,
    .eval_batch = aimc_adc_eval_batch,
    .eval_across = aimc_adc_eval_across,
    .draws_in_var = 1,
    .prepare = aimc_adc_prepare,
    .prep_chan = sizeof(aimc_adc_chan),
};
