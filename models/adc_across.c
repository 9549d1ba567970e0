/* Every ADC model's conversion across instances (aimc_model.eval_across):
 * a lone sequence's reads of many arrays converted side by side. A lone
 * ADC's channels are a chain: each deviate needs the state its stream's
 * last one left. Across instances the streams are independent, so one
 * channel of every lane is drawn in one vectorized step
 * (aimc_normal_lanes), as a batch's lanes are; the noise and the
 * quantizer then run over the lanes with each lane's own constants. The
 * numbers are aimc_adc_eval's (adc_common.c), lane by lane. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the lanes (sqrt too: -fno-math-errno, CMakeLists.txt) */
#endif
#include <math.h>

#include "adc_common.h"
#include "aimc/lanes.h"
#include "aimc/status.h"

/* Lanes converted in vector loops at once (more: one by one). */
enum { AIMC_ACROSS_MAX = 256 };

/* 1 when every lane of channel c draws a deviate (aimc_noise_one: a
 * variance to draw, or a noise sigma), 0 when none does, -1 when some do. */
static int lanes_draw(const aimc_adc_chan *ch, int na, int var) {
  if (var) return 1;
  int n = 0;
  for (int a = 0; a < na; a++) n += ch[a].sd > 0;
  return n == na ? 1 : n == 0 ? 0 : -1;
}

/* Channel c of lane a one by one, as aimc_adc_eval converts it. */
static void convert_each(const aimc_across *x, const aimc_adc_chan *ch, size_t o, int na,
                         const double *in, double *out) {
  const aimc_ziggurat *zt = aimc_ziggurat_table();
  for (int a = 0; a < na; a++) {
    double v = aimc_noise_one(zt, &x->rng[a], in[o + a] + ch[a].off,
                              x->in_var ? &x->in_var[o + a] : NULL, ch[a].sd, ch[a].sd2);
    out[o + a] = aimc_quant_k_apply(&ch[a].q, v);
  }
}

/* The constants of channel c's lanes side by side (structure of arrays):
 * the lanes' loops then vectorize. */
typedef struct {
  double off[AIMC_ACROSS_MAX], sd[AIMC_ACROSS_MAX], sd2[AIMC_ACROSS_MAX];
  double step[AIMC_ACROSS_MAX], inv[AIMC_ACROSS_MAX], lim[AIMC_ACROSS_MAX],
      kmax[AIMC_ACROSS_MAX];
} lanes_k;

static void gather(const aimc_adc_chan *ch, int na, lanes_k *k) {
  for (int a = 0; a < na; a++) {
    k->off[a] = ch[a].off, k->sd[a] = ch[a].sd, k->sd2[a] = ch[a].sd2;
    k->step[a] = ch[a].q.step, k->inv[a] = ch[a].q.inv, k->lim[a] = ch[a].q.lim;
    k->kmax[a] = ch[a].q.kmax;
  }
}

/* The lanes of one channel, every one drawing (draw) or none, each at
 * its quantizer's levels (mode 2): aimc_noise_one's sum, then
 * aimc_quant_k_level's quantizer, lane by lane. */
static void convert_lanes(const aimc_across *x, const aimc_adc_chan *ch, int draw, int na,
                          const double *in, const double *var, double *out) {
  lanes_k k;
  double *y = x->z;
  gather(ch, na, &k);
  if (draw) aimc_normal_lanes(aimc_ziggurat_table(), x->rng, x->bits, y, (size_t)na);
  if (draw && var)
    for (int a = 0; a < na; a++) y[a] = in[a] + k.off[a] + sqrt(var[a] + k.sd2[a]) * y[a];
  else if (draw)
    for (int a = 0; a < na; a++) y[a] = in[a] + k.off[a] + k.sd[a] * y[a];
  else
    for (int a = 0; a < na; a++) y[a] = in[a] + k.off[a];
  int tie = 0;
  for (int a = 0; a < na; a++) {
    aimc_quant_k q = {2, 0, k.kmax[a], k.step[a], k.lim[a], k.inv[a]};
    out[a] = aimc_quant_k_level_mul(&q, y[a], &tie);
  }
  for (int a = 0; tie && a < na; a++) out[a] = aimc_quant_k_level_div(&ch[a].q, y[a]);
}

int aimc_adc_eval_across(const aimc_across *x, const double *in, double *out) {
  const aimc_adc_chan *prep = x->prep;
  for (int c = 0; c < x->n; c++) {
    int na = x->active[c];
    size_t o = (size_t)c * x->stride;
    const aimc_adc_chan *ch = prep + o;
    const double *var = x->in_var ? x->in_var + o : NULL;
    int draw = lanes_draw(ch, na, var != NULL), quant = na <= AIMC_ACROSS_MAX;
    for (int a = 0; a < na; a++) quant &= ch[a].q.mode == 2;
    if (draw < 0 || !quant) convert_each(x, ch, o, na, in, out);
    else convert_lanes(x, ch, draw, na, in + o, var, out + o);
  }
  return AIMC_OK;
}
