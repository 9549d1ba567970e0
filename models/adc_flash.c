/* adc_flash: n analog channels digitised by n_adc flash converters through
 * a mux. A flash converter compares its input with all 2^bits - 1
 * thresholds at once (a resistor ladder, one comparator per threshold, a
 * thermometer-to-binary encoder): one conversion takes one comparison
 * time t_conv whatever the resolution, and costs 2^bits - 1 comparator
 * decisions, E = (2^bits - 1) e_cmp, so its power grows as 2^bits f_s
 * (Walden, IEEE JSAC 17:539, 1999; Razavi, Principles of Data Conversion
 * System Design, 1995, flash architectures; Murmann, ADC Performance
 * Survey: flash at low resolution, highest speed). The conversion itself
 * (quantizer, offset, noise, clipping) is the one every ADC shares
 * (adc_common.h). */
#include <math.h>
#include <stddef.h>

#include "adc_common.h"

typedef struct {
  aimc_adc_conv c; /* first: the shared conversion reads it */
  aimc_time t_conv;
  double e_cmp;
} adc_flash_params;

#define SRC_FLASH                                                              \
  "Walden, IEEE JSAC 17:539 (1999); Razavi, Principles of Data Conversion " \
  "System Design (1995)"
/* 28 mW at 5 GS/s over 31 comparators: 5.6 pJ per conversion, 0.18 pJ per
 * comparator with its share of ladder and encoder. */
#define SRC_AYTAR "Aytar et al., Turk J Elec Eng 21:1972 (2013): 5-bit 5 GS/s flash, 0.18 um"

static const aimc_param PARAMS[] = {
    AIMC_ADC_CONV_PARAMS(adc_flash_params, c),
    {"t_conv", AIMC_PT_TIME, offsetof(adc_flash_params, t_conv), 200e-12, 0, 1e-3,
     AIMC_U_SECOND,
     "Time of one conversion: one comparison and the encoder, independent of bits.",
     SRC_AYTAR, NULL, NULL},
    {"e_cmp", AIMC_PT_REAL, offsetof(adc_flash_params, e_cmp), 180e-15, 0, 1e-9,
     AIMC_U_JOULE,
     "Energy of one comparator decision with its share of the reference ladder and "
     "the encoder; a conversion costs (2^bits - 1) e_cmp.",
     SRC_AYTAR, NULL, NULL},
};

/* n conversions on n_adc converters, ceil(n / n_adc) rounds of one
 * comparison each; every conversion fires all 2^bits - 1 comparators. */
static aimc_op_cost adc_flash_op_cost(const void *params, const aimc_op_use *use) {
  const adc_flash_params *p = params;
  double comparators = ldexp(1.0, aimc_adc_bits_priced(&p->c)) - 1;
  return (aimc_op_cost){use->n * comparators * p->e_cmp,
                        aimc_adc_rounds(&p->c, use->n) * p->t_conv};
}

const aimc_model aimc_model_adc_flash = {
    .name = "adc_flash",
    .summary =
        "flash analog-to-digital converters shared through a mux: 2^bits - 1 "
        "comparators, one comparison per conversion; shared quantizer, offset, noise",
    .source = SRC_FLASH,
    .eclass = AIMC_EC_ADC,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(adc_flash_params),
    .ports = AIMC_ADC_PORTS,
    .n_ports = AIMC_NPARAMS(AIMC_ADC_PORTS),
    .state_size = sizeof(aimc_adc_state),
    .validate = aimc_adc_validate,
    .init = aimc_adc_init,
    .check_files = aimc_adc_check_files,
    .on_input = aimc_adc_on_input,
    .op_cost = adc_flash_op_cost,
    .eval = aimc_adc_eval,
    .eval_batch = aimc_adc_eval_batch,
    .eval_across = aimc_adc_eval_across,
    .draws_in_var = 1,
    .prepare = aimc_adc_prepare,
    .prep_chan = sizeof(aimc_adc_chan),
};
