/* The conversion every ADC model shares (adc_common.h). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the lanes (sqrt too: -fno-math-errno, CMakeLists.txt) */
#endif
#include "adc_common.h"

#include <math.h>
#include <string.h>

#include "aimc/calibration.h"
#include "aimc/lanes.h"
#include "aimc/quant.h"
#include "aimc/simd.h"
#include "aimc/status.h"
#include "crossbar_words.h"

const aimc_port_spec AIMC_ADC_PORTS[3] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_VOLTAGE, "n",
     "Voltages (V), e.g. from a tia; words: column values.", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "Digital words in [-range, range].", 0},
    {"var", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n",
     "words 1: each column's read-noise variance left undrawn (a crossbar's var or a tia's "
     "var_out; -1: none), drawn with the ADC's own noise as one deviate; read when in "
     "arrives. Unconnected: none.",
     1},
};
enum { PORT_VAR = 2 };

int aimc_adc_bits_priced(const aimc_adc_conv *c) {
  return c->bits ? c->bits : AIMC_ADC_BITS_PRICED;
}

int aimc_adc_rounds(const aimc_adc_conv *c, int n) { return (n + c->n_adc - 1) / c->n_adc; }

typedef aimc_adc_chan adc_chan;

static adc_chan channel(const aimc_eval *e, int c) {
  const aimc_adc_conv *p = e->params;
  double fs = e->fs ? e->fs[c] : p->range;
  adc_chan ch = {aimc_quant_k_of(&(aimc_quant){p->bits ? p->bits : e->bits ? e->bits[c] : 0, fs}),
                 0, 0, 0};
  double per_V = fs / p->v_fs, lsb = ch.q.step * p->noise_lsb;
  ch.sd = sqrt(p->noise_V * per_V * p->noise_V * per_V + lsb * lsb);
  ch.sd2 = ch.sd * ch.sd;
  ch.off = p->offset_V * per_V;
  return ch;
}

/* aimc_adc_prepare (adc_common.h) and chan_at. */
AIMC_MODEL_CHANNELS(, adc_chan, channel, aimc_adc_prepare)

/* One lane, channel c at [c * stride]: no call per channel. */
static void convert_lane(const aimc_eval *e, const double *in, double *out, size_t stride,
                         aimc_xs128p *rng) {
  const aimc_ziggurat *zt = aimc_ziggurat_table();
  for (int c = 0; c < e->n; c++) {
    adc_chan tmp;
    const adc_chan *ch = chan_at(e, c, &tmp);
    size_t i = (size_t)c * stride;
    double x = aimc_noise_one(zt, rng, in[i] + ch->off, e->in_var ? &e->in_var[i] : NULL,
                              ch->sd, ch->sd2);
    out[i] = aimc_quant_k_apply(&ch->q, x);
  }
}

int aimc_adc_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  convert_lane(e, in, out, 1, rng);
  return AIMC_OK;
}

/* One channel of the l->n lanes, lane by lane the arithmetic of
 * convert_lane: the offset and the noise (one deviate per lane from
 * aimc_lanes_normal, the same words of each lane's stream) into the
 * deviates' scratch, then the quantizer from there into y. x and y may be
 * the same; var: the lanes' undrawn variance or NULL. */
AIMC_SIMD_CLONES
static void convert_channel(const adc_chan *ch, const double *x, const double *var, double *y,
                            const aimc_lanes *l) {
  size_t n = (size_t)l->n;
  double *t = l->z, off = ch->off, sd = ch->sd, sd2 = ch->sd2;
  aimc_quant_k q = ch->q;
  if (var || sd > 0) aimc_lanes_normal(l, t);
  if (var)
    for (size_t k = 0; k < n; k++) t[k] = x[k] + off + sqrt(var[k] + sd2) * t[k];
  else if (sd > 0)
    for (size_t k = 0; k < n; k++) t[k] = x[k] + off + sd * t[k];
  else
    for (size_t k = 0; k < n; k++) t[k] = x[k] + off;
  if (q.mode == 2) aimc_quant_k_levels(&q, t, y, n);
  else
    for (size_t k = 0; k < n; k++) y[k] = aimc_quant_k_apply(&q, t[k]);
}

int aimc_adc_eval_batch(const aimc_eval *e, const double *in, double *out,
                        const aimc_lanes *l) {
  if (l->n == 1) {
    convert_lane(e, in, out, l->stride, l->rng);
    return AIMC_OK;
  }
  for (int c = 0; c < e->n; c++) {
    adc_chan tmp;
    size_t at = (size_t)c * l->stride;
    convert_channel(chan_at(e, c, &tmp), in + at, e->in_var ? e->in_var + at : NULL, out + at,
                    l);
  }
  return AIMC_OK;
}

int aimc_adc_validate(const void *params, char *err, size_t errlen) {
  const aimc_adc_conv *p = params;
  return aimc_cal_check_range(p->range, p->cal, err, errlen);
}

int aimc_adc_check_files(aimc_ctx *ctx, const void *params, const char *source) {
  const aimc_adc_conv *p = params;
  return aimc_cal_check_file(ctx, source, p->cal, "adc", p->n);
}

int aimc_adc_init(aimc_inst *inst) {
  const aimc_adc_conv *p = aimc_inst_params(inst);
  aimc_adc_state *s = aimc_inst_state(inst);
  int rc = aimc_cal_load_inst(inst, p->cal, "adc", p->n, p->range, &s->fs, &s->bits);
  if (!rc && p->words == 1 && *p->layout)
    rc = aimc_xbar_words_columns(inst, p->layout, p->n, &s->layout);
  return rc;
}

/* Volts to words at each channel's full scale, in place in d. */
static void words_of_volts(const aimc_adc_conv *p, aimc_adc_state *s, const double *v,
                           double *d) {
  for (int i = 0; i < p->n; i++) {
    double fs = s->fs ? s->fs[i] : p->range;
    d[i] = v[i] / p->v_fs * fs;
    s->clipped += fabs(d[i] + p->offset_V / p->v_fs * fs) > fs;
  }
}

int aimc_adc_on_input(aimc_inst *inst, int port) {
  if (port != 0) return AIMC_OK; /* var: read with in, driven at the same time */
  const void *params = aimc_inst_params(inst);
  const aimc_adc_conv *p = params;
  aimc_adc_state *s = aimc_inst_state(inst);
  const double *v = aimc_inst_in(inst, 0), *var = aimc_inst_in(inst, PORT_VAR);
  double *d = aimc_inst_out(inst, 1);
  int st = AIMC_OK;
  if (p->words) memcpy(d, v, sizeof(double) * (size_t)p->n);
  else words_of_volts(p, s, v, d);
  for (int g = 0; p->words != 2 && g < aimc_xbar_words_groups(s->layout) && !st; g++) {
    int c0, nc;
    aimc_xbar_words_group(s->layout, p->n, g, &c0, &nc);
    aimc_eval e = {params,
                   s,
                   nc,
                   s->fs ? s->fs + c0 : NULL,
                   s->bits ? s->bits + c0 : NULL,
                   p->words ? aimc_xbar_words_var(var, c0) : NULL,
                   NULL,
                   NULL,
                   c0,
                   NULL};
    for (int c = c0; p->words && c < c0 + nc; c++) {
      double fs = s->fs ? s->fs[c] : p->range;
      s->clipped += fabs(d[c] + p->offset_V / p->v_fs * fs) > fs;
    }
    st = aimc_adc_eval(&e, d + c0, d + c0, aimc_inst_lane_rng(inst));
  }
  if (st) return st;
  aimc_op_cost c =
      aimc_model_op_cost(aimc_inst_model(inst), params,
                         &(aimc_op_use){.n = aimc_used_channels(p->used, p->n)});
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, 1, c.t_fs);
}
