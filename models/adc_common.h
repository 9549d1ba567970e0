/* What every ADC model (adc.c, adc_flash.c, ...) shares: the conversion
 * of n channels, its parameters, ports and evaluation, so that an
 * architecture differs from another only in its cost (op_cost). A model's
 * params struct starts with an aimc_adc_conv (its first member: the
 * shared functions read e->params as one) and its table with the rows
 * AIMC_ADC_CONV_PARAMS(type, member).
 *
 * The conversion: a voltage v becomes the digital word q((v + offset +
 * noise) / v_fs * range) with the shared quantizer (aimc/quant.h: clip to
 * [-range, range], bits), the inverse of the dac's mapping. Input-referred
 * noise and offset are in V (noise_lsb: in LSB). Evaluated in digital
 * units (aimc/model.h), alone (eval) or over lanes (eval_batch), so the
 * event model and the batched inference convert alike. */
#ifndef AIMC_MODELS_ADC_COMMON_H
#define AIMC_MODELS_ADC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/engine.h"
#include "aimc/model.h"
#include "aimc/xbar_layout.h"

/* The conversion params (the first member of each ADC's params). */
typedef struct {
  int n, bits, n_adc;
  double range, v_fs, offset_V, noise_V, noise_lsb;
  char cal[AIMC_PARAM_STRLEN];
  int words;
  char layout[AIMC_PARAM_STRLEN];
  int used;
} aimc_adc_conv;

/* The state of every ADC (the engine allocates it: state_size). */
typedef struct {
  uint64_t clipped; /* conversions that hit the range */
  double *fs;       /* each channel's full scale from cal (NULL: range) */
  int *bits;        /* and resolution                                   */
  const aimc_xbar_layout *layout; /* words: the slots converted one by one */
} aimc_adc_state;

/* bits 0 (each channel at its calibrated resolution) is priced as this. */
enum { AIMC_ADC_BITS_PRICED = 8 };

#define AIMC_ADC_SRC "Walden, IEEE JSAC 17:539 (1999); Murmann, ADC Performance Survey"

/* The rows of the conversion params of `type`, whose aimc_adc_conv is
 * `member`. */
#define AIMC_ADC_CONV_PARAMS(type, member)                                                  \
  {"n", AIMC_PT_INT, offsetof(type, member.n), 1, 1, 1 << 20, AIMC_U_NONE,                 \
   "Channels (columns).", "", NULL, NULL},                                                 \
      {"bits", AIMC_PT_INT, offsetof(type, member.bits), 8, 0, 16, AIMC_U_NONE,            \
       "Resolution: 2^bits - 1 symmetric levels (aimc/quant.h); 0: each channel at its "   \
       "calibrated resolution (exact without one; priced as 8 bits).",                     \
       "IMSSA arXiv 2412.20215", NULL, NULL},                                              \
      {"n_adc", AIMC_PT_INT, offsetof(type, member.n_adc), 1, 1, 1 << 20, AIMC_U_NONE,     \
       "Converters shared by the n channels through a mux.", "column sharing", NULL, NULL}, \
      {"range", AIMC_PT_REAL, offsetof(type, member.range), 1, 0, 1e12, AIMC_U_NONE,       \
       "Digital full scale of every channel: v_fs converts to +range; 0: each channel's "  \
       "from its calibration (cal).", "", NULL, NULL},                                     \
      {"v_fs", AIMC_PT_REAL, offsetof(type, member.v_fs), 1, 1e-6, 10, AIMC_U_VOLT,        \
       "Input voltage that converts to +range (clipped beyond).", "", NULL, NULL},         \
      {"offset", AIMC_PT_REAL, offsetof(type, member.offset_V), 0, -1, 1, AIMC_U_VOLT,     \
       "Input-referred offset.", AIMC_ADC_SRC, NULL, NULL},                                \
      {"noise", AIMC_PT_REAL, offsetof(type, member.noise_V), 0, 0, 1, AIMC_U_VOLT,        \
       "Input-referred noise sigma per conversion.", AIMC_ADC_SRC, NULL, NULL},            \
      {"noise_lsb", AIMC_PT_REAL, offsetof(type, member.noise_lsb), 0, 0, 100, AIMC_U_NONE, \
       "Input-referred noise sigma per conversion, in LSB of the channel's resolution "    \
       "(adds to noise).",                                                                 \
       AIMC_ADC_SRC, NULL, NULL},                                                          \
      {"cal", AIMC_PT_STRING, offsetof(type, member.cal), 0, 0, 0, AIMC_U_NONE,           \
       "Per-channel calibration CSV (its adc rows: range, bits; aimc/calibration.h), "     \
       "relative to the netlist; empty: every channel at range and bits.", "aimc map",     \
       NULL, ""},                                                                          \
      {"words", AIMC_PT_INT, offsetof(type, member.words), 0, 0, 2, AIMC_U_NONE,           \
       "What in carries: 0 volts; 1 each column's value in digital units (a mapped tile, "  \
       "after a words tia or a crossbar with a layout), converted as aimc run converts "    \
       "it, slot by slot (layout) with the variance on var; 2 words passed on unconverted " \
       "(an array of a dense layer, which aimc run reads without conversion; still "       \
       "priced as n conversions).",                                                        \
       "sim/infer/convert.c", NULL, NULL},                                                 \
      {"layout", AIMC_PT_STRING, offsetof(type, member.layout), 0, 0, 0, AIMC_U_NONE,      \
       "words 1: the array's layout JSON (the crossbar's, relative to the netlist): its "   \
       "slots' columns are converted one slot after the other, as aimc run does; empty: "   \
       "every column at once.",                                                            \
       "aimc map; aimc/xbar_layout.h", NULL, ""},                                          \
      {"used", AIMC_PT_INT, offsetof(type, member.used), -1, -1, 1 << 20, AIMC_U_NONE,       \
       "Channels a conversion uses, the ones it books and converts in rounds over n_adc "   \
       "(-1: all n): aimc map writes the columns the array's slots drive, as aimc run "     \
       "prices a read (aimc_map_array_use).",                                              \
       "aimc map", NULL, NULL}

/* Ports of every ADC: in (voltages, width n), out (digital words), var
 * (optional: words 1, the undrawn read-noise variance). */
extern const aimc_port_spec AIMC_ADC_PORTS[3];

/* The resolution an operation is priced at: bits, or AIMC_ADC_BITS_PRICED
 * when bits is 0. */
int aimc_adc_bits_priced(const aimc_adc_conv *c);
/* Conversions of n channels on n_adc converters run in ceil(n / n_adc)
 * rounds back to back. */
int aimc_adc_rounds(const aimc_adc_conv *c, int n);

/* The model's eval and eval_batch (aimc/model.h); e->params starts with
 * an aimc_adc_conv. */
int aimc_adc_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng);
int aimc_adc_eval_batch(const aimc_eval *e, const double *in, double *out,
                        const aimc_lanes *l);
/* The model's eval_across (adc_across.c): aimc_adc_eval's numbers, one
 * lane each of several ADCs at once. */
int aimc_adc_eval_across(const aimc_across *x, const double *in, double *out);
/* A channel's constants (the model's prepare, aimc/model.h, makes one
 * per channel): its quantizer, noise sigma (and its square) and offset in
 * digital units; volts are referred by fs / v_fs. */
typedef struct {
  aimc_quant_k q;
  double sd, sd2, off;
} aimc_adc_chan;
void aimc_adc_prepare(const aimc_eval *e, void *prep);
/* The model's validate (range 0 needs a cal file) and init (reads it). */
int aimc_adc_validate(const void *params, char *err, size_t errlen);
int aimc_adc_init(aimc_inst *inst);
int aimc_adc_check_files(aimc_ctx *ctx, const void *params, const char *source);
/* The model's on_input: volts in, words out (each channel's full scale,
 * its calibration's or the range, is what v_fs converts to), counting
 * clipped conversions and booking the cost of the instance's own model
 * (its op_cost); words 1: the column values in, converted by the eval as
 * aimc run converts them (slot by slot, with the variance on var); words
 * 2: passed on. */
int aimc_adc_on_input(aimc_inst *inst, int port);

#endif
