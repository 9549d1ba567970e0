/* Many independent lanes (sequences) evaluated together: the numerics the
 * batched evaluations of the component models share (aimc/model.h).
 *
 * A batched buffer holds one value per lane, channel-major with the lane
 * innermost: channel c of lane k is at [c * stride + k]. Every lane has
 * its own random stream, so a lane's numbers do not depend on which other
 * lanes run beside it: lane k of a batch gets exactly what a lone run with
 * stream k gets.
 *
 * Standard normal deviates: the ziggurat method of Marsaglia & Tsang ("The
 * ziggurat method for generating random variables", J. Stat. Softw. 5(8),
 * 2000) with 128 layers, fed by xorshift128+ (S. Vigna, "Further
 * scramblings of Marsaglia's xorshift generators", 2014). The generators
 * of a batch step together and the ziggurat turns each 64-bit word into a
 * deviate with one table look-up in ~97 % of cases (aimc_normal_lanes). */
#ifndef AIMC_LANES_H
#define AIMC_LANES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aimc/quant.h"
#include "aimc/simd.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { AIMC_ZIG_N = 128 };
typedef struct {
  double x[AIMC_ZIG_N + 1]; /* right edges of the layers, x[N] = 0      */
  double f[AIMC_ZIG_N + 1]; /* exp(-x^2 / 2) at the edges               */
  double inner[AIMC_ZIG_N]; /* x[i + 1] / x[i]: share of layer i fully  */
                            /* under the curve                          */
} aimc_ziggurat;

void aimc_ziggurat_init(aimc_ziggurat *z);

/* xorshift128+ state of one stream; seeded from 64 bits (never all 0). */
typedef struct {
  uint64_t s0, s1;
} aimc_xs128p;

void aimc_xs128p_seed(aimc_xs128p *g, uint64_t seed);

static inline uint64_t aimc_xs128p_next(aimc_xs128p *g) {
  uint64_t x = g->s0, y = g->s1;
  g->s0 = y;
  x ^= x << 23;
  g->s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
  return g->s1 + y;
}

/* The rare paths of the ziggurat (wedges, tail), from word u; further
 * bits come from g. */
double aimc_normal_slow(const aimc_ziggurat *z, aimc_xs128p *g, uint64_t u);

/* The position in the layer, in [0, 1) from bits 11-55 of u: the bits
 * become the mantissa of a double in [1, 2) (exact, no int conversion). */
static inline double aimc_zig_pos(uint64_t u) {
  uint64_t m = ((u >> 11) & ((UINT64_C(1) << 45) - 1)) << 7 | UINT64_C(0x3ff0000000000000);
  double d;
  memcpy(&d, &m, sizeof d);
  return d - 1;
}

/* a, negated when bit 56 of u is set: the sign bit flipped as -a does,
 * without a branch (the bit is a coin toss, so a branch on it is
 * mispredicted half the time when one value is drawn at a time). */
static inline double aimc_zig_signed(double a, uint64_t u) {
  uint64_t m;
  memcpy(&m, &a, sizeof m);
  m ^= (u >> 56 & 1) << 63;
  memcpy(&a, &m, sizeof a);
  return a;
}

/* The common path of the ziggurat for m words u[d]: out[d] the deviate,
 * and rare[d] = 1 where the word is outside its layer's inner part (then
 * out[d] is not a deviate: the rare paths decide); returns 1 when any is.
 * out does not overlap the table (restrict, kept where this is inlined):
 * the look-ups then vectorize, as emulated gathers (a size_t index). */
static inline uint64_t aimc_zig_common(const aimc_ziggurat *z, const uint64_t *u,
                                       double *AIMC_RESTRICT out, uint64_t *rare, size_t m) {
  uint64_t any = 0;
  for (size_t d = 0; d < m; d++) {
    size_t i = (size_t)(u[d] >> 57);
    double a = aimc_zig_pos(u[d]);
    out[d] = aimc_zig_signed(a, u[d]) * z->x[i];
    rare[d] = !(a < z->inner[i]);
    any |= rare[d];
  }
  return any;
}

/* out[k] = a standard normal deviate from generator g[k], for k < n; u is
 * scratch for n words. Each generator steps once (one vectorizable loop);
 * the top 7 bits of its word pick the layer, bit 56 the sign, bits 11-55
 * the position in the layer (the weaker low bits of xorshift128+ are not
 * used). Words outside their layer's inner part (~3 %) go through the
 * rare paths afterwards, from flags set on the way (aimc_zig_common,
 * per block of 64 lanes; each lane draws from its own generator, so the
 * order of the lanes' rare paths does not matter). */
static inline void aimc_normal_lanes(const aimc_ziggurat *z, aimc_xs128p *g, uint64_t *u,
                                     double *out, size_t n) {
  enum { BLOCK = 64 };
  uint64_t rare[BLOCK];
  for (size_t k = 0; k < n; k++) u[k] = aimc_xs128p_next(&g[k]);
  for (size_t k0 = 0; k0 < n; k0 += BLOCK) {
    size_t m = n - k0 < BLOCK ? n - k0 : BLOCK;
    if (!aimc_zig_common(z, u + k0, out + k0, rare, m)) continue;
    for (size_t d = 0; d < m; d++)
      if (rare[d]) out[k0 + d] = aimc_normal_slow(z, &g[k0 + d], u[k0 + d]);
  }
}

/* One deviate of generator g: aimc_normal_lanes with n = 1, returned
 * rather than stored (a lone lane's loops keep it in a register). */
static inline double aimc_normal_one(const aimc_ziggurat *z, aimc_xs128p *g) {
  uint64_t u = aimc_xs128p_next(g);
  int i = (int)(u >> 57);
  double a = aimc_zig_pos(u);
  return a < z->inner[i] ? aimc_zig_signed(a, u) * z->x[i] : aimc_normal_slow(z, g, u);
}

/* The ziggurat's table, built once (read-only afterwards). */
const aimc_ziggurat *aimc_ziggurat_table(void);

/* The lanes of one batched evaluation: n lanes in use, stride values
 * between one channel's lanes (stride >= n, a multiple of AIMC_LANES), one
 * random stream per lane and scratch for the noise draws. */
enum { AIMC_LANES = 8 };
typedef struct {
  int n;
  size_t stride;
  aimc_xs128p *rng; /* n streams                                 */
  uint64_t *bits;   /* stride words of scratch                   */
  double *z;        /* stride doubles of scratch (deviates)      */
} aimc_lanes;

/* z[k] = a standard normal deviate of lane k's stream, k < l->n. */
static inline void aimc_lanes_normal(const aimc_lanes *l, double *z) {
  aimc_normal_lanes(aimc_ziggurat_table(), l->rng, l->bits, z, (size_t)l->n);
}

/* The noise a converter adds to its input, x plus one deviate of the
 * summed variance *var + sd2 (var: the noise the input carries undrawn,
 * aimc_eval.in_var; NULL: none) or of sigma sd alone; x when neither
 * (independent Gaussians add, so one draw stands for both). One lane. */
static inline double aimc_noise_one(const aimc_ziggurat *zt, aimc_xs128p *rng, double x,
                                    const double *var, double sd, double sd2) {
  if (!var && !(sd > 0)) return x;
  return x + (var ? sqrt(*var + sd2) : sd) * aimc_normal_one(zt, rng);
}

/* The same in place on l->n lanes, y[k] and var[k] lane k's. z and n are
 * read once: through l, a store to y could change them, and the loops
 * would not vectorize. */
static inline void aimc_lanes_add_noise(const aimc_lanes *l, double *y, const double *var,
                                        double sd, double sd2) {
  if (!var && !(sd > 0)) return;
  const double *z = l->z;
  int n = l->n;
  aimc_lanes_normal(l, l->z);
  if (var)
    for (int k = 0; k < n; k++) y[k] += sqrt(var[k] + sd2) * z[k];
  else
    for (int k = 0; k < n; k++) y[k] += sd * z[k];
}

/* A quantizer's constants, computed once (aimc_quant_k_of) for values
 * quantized one by one or in loops: mode 0 off (identity), 1 binary
 * (+-range), 2 levels k * step, |k| <= kmax (aimc/quant.h). kmax and step
 * are aimc_quant_kmax and aimc_quant_step (also in mode 1: step = range);
 * inv = 1 / step (mode 2). */
typedef struct {
  int mode;
  double range, kmax, step, lim; /* lim = kmax + 1: the clamp of r below */
  double inv;
} aimc_quant_k;

static inline aimc_quant_k aimc_quant_k_of(const aimc_quant *q) {
  int kmax = aimc_quant_kmax(q);
  aimc_quant_k k = {q->bits <= 0 ? 0 : q->bits == 1 ? 1 : 2, q->range, kmax, 0, kmax + 1.0, 0};
  k.step = kmax ? q->range / k.kmax : 0;
  k.inv = kmax ? 1 / k.step : 0;
  return k;
}

/* Mode 2's level index of r = x / step without the libm round(): r is
 * clamped first (anything beyond kmax + 1 rounds past kmax anyway; NaN
 * goes to +kmax) and rounded half away from zero from its truncation t,
 * whose remainder f = r - t is exact (and so is 2f): aimc_quant_apply's
 * index, with no branch (a lone value's rounding direction is
 * unpredictable) and in a form that vectorizes (aimc_quant_vec_k's loop).
 * *tie is set when r is within 2^-30 of a half-integer. */
static inline double aimc_quant_k_index(const aimc_quant_k *k, double r, int *tie) {
  r = r <= k->lim ? r : k->lim;
  r = r >= -k->lim ? r : -k->lim;
  double t = (double)(int)r, f = r - t;
  /* 2f +- 2^-29 truncate apart only where |f| is within 2^-30 of 1/2 (a
   * test in the integer form the loop vectorizes with). */
  *tie |= (int)(f + f + 0x1p-29) != (int)(f + f - 0x1p-29);
  t += (double)(int)(f + f); /* +-1 where |f| >= 1/2, else +0: no branch */
  t = t < k->kmax ? t : k->kmax;
  t = t > -k->kmax ? t : -k->kmax;
  return t;
}

/* The level from the quotient x / step itself. */
static inline double aimc_quant_k_level_div(const aimc_quant_k *k, double x) {
  int tie = 0;
  return aimc_quant_k_index(k, x / k->step, &tie) * k->step;
}

/* The level from x * inv, a product instead of a division (several
 * times faster): it is within 3 * 2^-53 |r| of the quotient, and |r| <=
 * 2^15 where it is not clamped (kmax + 1 is an integer: the clamp does
 * not move a rounding), so it rounds to the same index unless it is
 * within 2^-36 of a half-integer. Where *tie is set (2^-30: a margin) the
 * quotient decides: aimc_quant_k_level_div. */
static inline double aimc_quant_k_level_mul(const aimc_quant_k *k, double x, int *tie) {
  return aimc_quant_k_index(k, x * k->inv, tie) * k->step;
}

/* aimc_quant_apply's level of one value in mode 2, bit for bit. */
static inline double aimc_quant_k_level(const aimc_quant_k *k, double x) {
  int tie = 0;
  double y = aimc_quant_k_level_mul(k, x, &tie);
  return tie ? aimc_quant_k_level_div(k, x) : y;
}

/* aimc_quant_apply of one value, bit for bit. */
static inline double aimc_quant_k_apply(const aimc_quant_k *k, double x) {
  if (k->mode == 2) return aimc_quant_k_level(k, x);
  return k->mode ? (x < 0 ? -k->range : k->range) : x;
}

/* Mode 2's levels of m values: the products first, then the quotients
 * of all m where one of them was near a tie (rare; a small m redoes
 * less). src is read again then, so dst must not overlap it. */
static inline void aimc_quant_k_levels(const aimc_quant_k *k, const double *src, double *dst,
                                       size_t m) {
  int tie = 0;
  for (size_t e = 0; e < m; e++) dst[e] = aimc_quant_k_level_mul(k, src[e], &tie);
  for (size_t e = 0; tie && e < m; e++) dst[e] = aimc_quant_k_level_div(k, src[e]);
}

/* dst = aimc_quant_apply(q, src) for n values, with the same arithmetic
 * (bit-identical) but vectorizable. dst may be src. */
void aimc_quant_vec(const aimc_quant *q, const double *src, double *dst, size_t n);
/* The same with the constants prepared. */
void aimc_quant_vec_k(const aimc_quant_k *k, const double *src, double *dst, size_t n);

#ifdef __cplusplus
}
#endif
#endif
