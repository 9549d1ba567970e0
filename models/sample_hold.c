/* sample_hold: the digital state register of the recurrence (IMSSA,
 * arXiv 2412.20215: the digitised state x_k is held and fed back as the
 * next step's input). Each word is stored with `bits` bits over [-range,
 * range] (aimc/quant.h; bits = 0 keeps it exact), and is available after
 * t_write (bits 0 with a calibration: each word at its channel's
 * resolution; range 0: each word as it comes, the mapped tiles' register
 * of its ADC's words). Energy per update: n * bits * (e_write_bit + e_read_bit), the
 * read being the feedback into the next step. */
#include <stddef.h>

#include "aimc/lanes.h"
#include "aimc/status.h"
#include "store_forward.h"

typedef struct {
  int n, bits;
  double range;
  double e_write_bit, e_read_bit;
  aimc_time t_write;
  int used;
} sh_params;

#define SRC                                                               \
  "IMSSA arXiv 2412.20215 (state register); register energy ~ 10 fJ/bit " \
  "(Horowitz, ISSCC 2014, scaled)"
static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(sh_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Words held.", "", NULL, NULL},
    {"bits", AIMC_PT_INT, offsetof(sh_params, bits), 8, 0, 32, AIMC_U_NONE,
     "Bits per word (0: exact, no quantization; counted as 32 for energy).",
     SRC, NULL, NULL},
    {"range", AIMC_PT_REAL, offsetof(sh_params, range), 1, 0, 1e12,
     AIMC_U_NONE,
     "Full scale of a word: values in [-range, range]; 0: each word kept as it "
     "comes (an ADC's word, already on its channel's grid).", "", NULL, NULL},
    {"e_write_bit", AIMC_PT_REAL, offsetof(sh_params, e_write_bit), 10e-15, 0,
     1e-9, AIMC_U_JOULE, "Energy to write one bit.", SRC, NULL, NULL},
    {"e_read_bit", AIMC_PT_REAL, offsetof(sh_params, e_read_bit), 5e-15, 0,
     1e-9, AIMC_U_JOULE, "Energy to read one bit back.", SRC, NULL, NULL},
    {"t_write", AIMC_PT_TIME, offsetof(sh_params, t_write), 1e-9, 0, 1e-3,
     AIMC_U_SECOND, "Time from input to held output.", SRC, NULL, NULL},
    {"used", AIMC_PT_INT, offsetof(sh_params, used), -1, -1, 1 << 20, AIMC_U_NONE,
     "Words an update writes, the ones it books (-1: all n; 0: none, the words pass on at "
     "once): aimc map writes the array's state words, as aimc run prices a read "
     "(aimc_map_array_use).",
     "aimc map", NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n",
     "Words to hold (e.g. from an adc).", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "Held words.", 0},
};

/* Every word written once and read once (bits 0: 32-bit words). */
static aimc_op_cost sh_op_cost(const void *params, const aimc_op_use *use) {
  const sh_params *p = params;
  int bits = p->bits ? p->bits : 32;
  return (aimc_op_cost){(double)use->n * bits * (p->e_write_bit + p->e_read_bit),
                        p->t_write};
}

/* A full scale of 0 keeps the word as it is (no quantizer). */
static aimc_quant_k channel(const aimc_eval *e, int c) {
  const sh_params *p = e->params;
  double fs = e->fs ? e->fs[c] : p->range;
  int bits = fs > 0 ? p->bits ? p->bits : e->bits ? e->bits[c] : 0 : 0;
  return aimc_quant_k_of(&(aimc_quant){bits, fs > 0 ? fs : 1});
}

AIMC_MODEL_CHANNELS(static, aimc_quant_k, channel, sh_prepare)

/* The word as held: quantized to the channel's resolution. */
static int sh_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  (void)rng;
  for (int c = 0; c < e->n; c++) {
    aimc_quant_k tmp;
    out[c] = aimc_quant_k_apply(chan_at(e, c, &tmp), in[c]);
  }
  return AIMC_OK;
}

static int sh_eval_batch(const aimc_eval *e, const double *in, double *out,
                         const aimc_lanes *l) {
  for (int c = 0; c < e->n; c++) {
    aimc_quant_k tmp;
    aimc_quant_vec_k(chan_at(e, c, &tmp), in + (size_t)c * l->stride,
                     out + (size_t)c * l->stride, (size_t)l->n);
  }
  return AIMC_OK;
}

static int sh_on_input(aimc_inst *inst, int port) {
  (void)port;
  const sh_params *p = aimc_inst_params(inst);
  aimc_quant q = {p->bits, p->range};
  aimc_op_cost c =
      sh_op_cost(p, &(aimc_op_use){.n = aimc_used_channels(p->used, p->n)});
  /* used 0 (a dense layer's tile: no state): nothing is written, the
   * words pass straight on, as aimc run reads such an array without a
   * register stage. */
  if (p->used == 0) c.t_fs = 0;
  return aimc_store_forward(inst, p->n, p->bits && p->range > 0 ? &q : NULL, c);
}

const aimc_model aimc_model_sample_hold = {
    .name = "sample_hold",
    .summary =
        "state register: holds the digitised state for feedback into the next "
        "step",
    .source = SRC,
    .eclass = AIMC_EC_REGISTER,
    .sequential = 1,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(sh_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .on_input = sh_on_input,
    .op_cost = sh_op_cost,
    .eval = sh_eval,
    .eval_batch = sh_eval_batch,
    .prepare = sh_prepare,
    .prep_chan = sizeof(aimc_quant_k),
};
