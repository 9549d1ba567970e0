/* The conversion every ADC model shares (adc_common.h). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-math-errno") /* vectorize the lanes, sqrt too */
#endif
#include "adc_common.h"

#include <math.h>

#include "aimc/lanes.h"
#include "aimc/quant.h"
#include "aimc/status.h"

const aimc_port_spec AIMC_ADC_PORTS[2] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_VOLTAGE, "n", "Voltages (V), e.g. from a tia."},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "Digital words in [-range, range]."},
};

int aimc_adc_bits_priced(const aimc_adc_conv *c) {
  return c->bits ? c->bits : AIMC_ADC_BITS_PRICED;
}

int aimc_adc_rounds(const aimc_adc_conv *c, int n) { return (n + c->n_adc - 1) / c->n_adc; }

/* Channel c's quantizer and its noise sigma and offset, in digital units
 * (aimc/model.h): volts are referred by fs / v_fs. */
typedef struct {
  aimc_quant q;
  double sd, off;
} adc_chan;

static adc_chan channel(const aimc_eval *e, int c) {
  const aimc_adc_conv *p = e->params;
  double fs = e->fs ? e->fs[c] : p->range;
  adc_chan ch = {{p->bits ? p->bits : e->bits ? e->bits[c] : 0, fs}, 0, 0};
  double per_V = fs / p->v_fs, lsb = aimc_quant_step(&ch.q) * p->noise_lsb;
  ch.sd = sqrt(p->noise_V * per_V * p->noise_V * per_V + lsb * lsb);
  ch.off = p->offset_V * per_V;
  return ch;
}

int aimc_adc_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  double z[1];
  uint64_t u[1];
  for (int c = 0; c < e->n; c++) {
    adc_chan ch = channel(e, c);
    double x = in[c] + ch.off;
    if (e->in_var) { /* the input's pending noise and the ADC's: one draw */
      aimc_normal_lanes(aimc_ziggurat_table(), rng, u, z, 1);
      x += sqrt(e->in_var[c] + ch.sd * ch.sd) * z[0];
    } else if (ch.sd > 0) {
      aimc_normal_lanes(aimc_ziggurat_table(), rng, u, z, 1);
      x += ch.sd * z[0];
    }
    aimc_quant_vec(&ch.q, &x, &out[c], 1);
  }
  return AIMC_OK;
}

/* Lane by lane the same arithmetic as aimc_adc_eval, each channel's lanes
 * in vectorizable loops. */
int aimc_adc_eval_batch(const aimc_eval *e, const double *in, double *out,
                        const aimc_lanes *l) {
  for (int c = 0; c < e->n; c++) {
    adc_chan ch = channel(e, c);
    const double *x = in + (size_t)c * l->stride;
    double *y = out + (size_t)c * l->stride;
    for (int k = 0; k < l->n; k++) y[k] = x[k] + ch.off;
    if (e->in_var) {
      const double *v = e->in_var + (size_t)c * l->stride;
      aimc_lanes_normal(l, l->z);
      for (int k = 0; k < l->n; k++) y[k] += sqrt(v[k] + ch.sd * ch.sd) * l->z[k];
    } else if (ch.sd > 0) {
      aimc_lanes_normal(l, l->z);
      for (int k = 0; k < l->n; k++) y[k] += ch.sd * l->z[k];
    }
    aimc_quant_vec(&ch.q, y, y, (size_t)l->n);
  }
  return AIMC_OK;
}

int aimc_adc_on_input(aimc_inst *inst, int port) {
  (void)port;
  const void *params = aimc_inst_params(inst);
  const aimc_adc_conv *p = params;
  aimc_adc_state *s = aimc_inst_state(inst);
  const double *v = aimc_inst_in(inst, 0);
  double *d = aimc_inst_out(inst, 1);
  aimc_eval e = {params, s, p->n, NULL, NULL, NULL, NULL};
  for (int i = 0; i < p->n; i++) {
    d[i] = v[i] / p->v_fs * p->range;
    s->clipped += fabs(d[i] + p->offset_V / p->v_fs * p->range) > p->range;
  }
  int st = aimc_adc_eval(&e, d, d, aimc_inst_lane_rng(inst));
  if (st) return st;
  aimc_op_cost c =
      aimc_model_op_cost(aimc_inst_model(inst), params, &(aimc_op_use){.n = p->n});
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, 1, c.t_fs);
}
