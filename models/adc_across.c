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
#include "aimc/simd.h"
#include "aimc/status.h"

#include <stddef.h>
#include <string.h>

/* Where channel c's constant `member` of lane a is: the constants come
 * word by word across the lanes (aimc_across.prep), so a field of every
 * lane is one contiguous row that the lanes' loops read like an input. */
#define WORD(member) (offsetof(aimc_adc_chan, member) / sizeof(double))
#define ROW(words, stride, member) ((words) + WORD(member) * (stride))

enum { WORDS = sizeof(aimc_adc_chan) / sizeof(double) };
_Static_assert(sizeof(aimc_adc_chan) % sizeof(double) == 0, "constants in whole words");

/* Lane a's constants put back together (the rare one-by-one path). */
static aimc_adc_chan chan_of(const double *words, size_t stride, int a) {
  aimc_adc_chan ch;
  double w[WORDS];
  for (size_t i = 0; i < WORDS; i++) w[i] = words[i * stride + (size_t)a];
  memcpy(&ch, w, sizeof ch);
  return ch;
}

/* 1 when every lane of a channel draws a deviate (aimc_noise_one: a
 * variance to draw, or a noise sigma), 0 when none does, -1 when some do;
 * *quant: every lane quantizes to levels (mode 2). */
static int lanes_draw(const double *words, size_t stride, int na, int var, int *quant) {
  const double *sd = ROW(words, stride, sd);
  int n = 0;
  *quant = 1;
  for (int a = 0; a < na; a++) {
    int mode;
    memcpy(&mode, ROW(words, stride, q.mode) + a, sizeof mode);
    *quant &= mode == 2;
    n += var || sd[a] > 0;
  }
  return n == na ? 1 : n == 0 ? 0 : -1;
}

/* A channel's lanes one by one, as aimc_adc_eval converts them. */
static void convert_each(const aimc_across *x, const double *words, int na, const double *in,
                         const double *var, double *out) {
  const aimc_ziggurat *zt = aimc_ziggurat_table();
  for (int a = 0; a < na; a++) {
    aimc_adc_chan ch = chan_of(words, x->stride, a);
    double v = aimc_noise_one(zt, &x->rng[a], in[a] + ch.off, var ? &var[a] : NULL, ch.sd,
                              ch.sd2);
    out[a] = aimc_quant_k_apply(&ch.q, v);
  }
}

/* A channel's lanes, every one drawing (draw) or none, each at its
 * quantizer's levels: aimc_noise_one's sum, then aimc_quant_k_level's
 * quantizer, lane by lane. */
AIMC_SIMD_CLONES
static void convert_lanes(const aimc_across *x, const double *words, int draw, int na,
                          const double *in, const double *var, double *out) {
  size_t st = x->stride;
  const double *off = ROW(words, st, off), *sd = ROW(words, st, sd), *sd2 = ROW(words, st, sd2);
  const double *kmax = ROW(words, st, q.kmax), *step = ROW(words, st, q.step),
               *lim = ROW(words, st, q.lim), *inv = ROW(words, st, q.inv);
  double *y = x->z;
  if (draw) aimc_normal_lanes(aimc_ziggurat_table(), x->rng, x->bits, y, (size_t)na);
  if (draw && var)
    for (int a = 0; a < na; a++) y[a] = in[a] + off[a] + sqrt(var[a] + sd2[a]) * y[a];
  else if (draw)
    for (int a = 0; a < na; a++) y[a] = in[a] + off[a] + sd[a] * y[a];
  else
    for (int a = 0; a < na; a++) y[a] = in[a] + off[a];
  int tie = 0;
  for (int a = 0; a < na; a++) {
    aimc_quant_k q = {2, 0, kmax[a], step[a], lim[a], inv[a]};
    out[a] = aimc_quant_k_level_mul(&q, y[a], &tie);
  }
  for (int a = 0; tie && a < na; a++) {
    aimc_quant_k q = {2, 0, kmax[a], step[a], lim[a], inv[a]};
    out[a] = aimc_quant_k_level_div(&q, y[a]);
  }
}

int aimc_adc_eval_across(const aimc_across *x, const double *in, double *out) {
  for (int c = 0; c < x->n; c++) {
    int na = x->active[c], quant;
    size_t o = (size_t)c * x->stride;
    const double *words = (const double *)x->prep + o * WORDS;
    const double *var = x->in_var ? x->in_var + o : NULL;
    int draw = lanes_draw(words, x->stride, na, var != NULL, &quant);
    if (draw < 0 || !quant) convert_each(x, words, na, in + o, var, out + o);
    else convert_lanes(x, words, draw, na, in + o, var, out + o);
  }
  return AIMC_OK;
}
