/* The numerics of batched evaluations (aimc/lanes.h): standard normal
 * deviates by the ziggurat method of Marsaglia & Tsang ("The ziggurat method
 * for generating random variables", J. Stat. Softw. 5(8), 2000) with 128
 * layers, fed by xorshift128+ (S. Vigna, "Further scramblings of
 * Marsaglia's xorshift generators", 2014). Here: the layer table, seeding
 * and the rare paths (wedges and the tail beyond r). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the loops over the lanes */
#endif
#include "aimc/lanes.h"

#include <math.h>
#include <pthread.h>

#include "aimc/context.h"
#include "aimc/simd.h"

/* Right edge of the base layer and the common area of every layer, for
 * 128 layers under f(x) = exp(-x^2 / 2) (Marsaglia & Tsang, table of N). */
static const double ZIG_R = 3.442619855899, ZIG_V = 9.91256303526217e-3;

void aimc_ziggurat_init(aimc_ziggurat *z) {
  enum { N = AIMC_ZIG_N };
  /* x[0]: width of the base strip (rectangle plus tail, area v at height
   * f(r)); x[i + 1] from x[i] so that layer i has area v; x[N] = 0. */
  z->x[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R);
  z->x[1] = ZIG_R;
  for (int i = 1; i < N - 1; i++)
    z->x[i + 1] = sqrt(-2 * log(ZIG_V / z->x[i] + exp(-0.5 * z->x[i] * z->x[i])));
  z->x[N] = 0;
  for (int i = 0; i <= N; i++) z->f[i] = exp(-0.5 * z->x[i] * z->x[i]);
  for (int i = 0; i < N; i++) z->inner[i] = z->x[i + 1] / z->x[i];
}

void aimc_xs128p_seed(aimc_xs128p *g, uint64_t seed) {
  g->s0 = aimc_seed_derive(seed, 0);
  g->s1 = aimc_seed_derive(seed, 1);
  if (!g->s0 && !g->s1) g->s1 = 1;
}

/* Uniform in (0, 1), never 0 (for the logarithms of the tail). */
static double uniform_open(aimc_xs128p *g) {
  return ((double)(int64_t)(aimc_xs128p_next(g) >> 11) + 0.5) * 0x1p-53;
}

double aimc_normal_slow(const aimc_ziggurat *z, aimc_xs128p *g, uint64_t u) {
  for (;;) {
    int i = (int)(u >> 57);
    double a = aimc_zig_pos(u);
    double sign = (u >> 56) & 1 ? -1.0 : 1.0, x = a * z->x[i];
    if (a < z->inner[i]) return sign * x;
    if (i == 0) { /* the tail beyond r (Marsaglia 1964) */
      double t, e;
      do {
        t = -log(uniform_open(g)) / ZIG_R;
        e = -log(uniform_open(g));
      } while (e + e < t * t);
      return sign * (ZIG_R + t);
    }
    /* The wedge of layer i: accept under the curve. */
    double y = z->f[i] + uniform_open(g) * (z->f[i + 1] - z->f[i]);
    if (y < exp(-0.5 * x * x)) return sign * x;
    u = aimc_xs128p_next(g);
  }
}

static aimc_ziggurat zig_table;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;
static void zig_build(void) { aimc_ziggurat_init(&zig_table); }

const aimc_ziggurat *aimc_ziggurat_table(void) {
  pthread_once(&zig_once, zig_build);
  return &zig_table;
}

void aimc_quant_vec(const aimc_quant *q, const double *src, double *dst, size_t n) {
  aimc_quant_k k = aimc_quant_k_of(q);
  aimc_quant_vec_k(&k, src, dst, n);
}

/* One loop per mode, each over a local copy of the constants (no
 * aliasing with dst), so mode 2 vectorizes. Mode 2 goes in blocks
 * (aimc_quant_k_levels), from a copy of the block's inputs since dst may
 * be src. */
AIMC_SIMD_CLONES
void aimc_quant_vec_k(const aimc_quant_k *kp, const double *src, double *dst, size_t n) {
  aimc_quant_k k = *kp;
  if (k.mode == 0) {
    if (dst != src) memcpy(dst, src, sizeof(double) * n);
  } else if (k.mode == 1) {
    for (size_t e = 0; e < n; e++) dst[e] = src[e] < 0 ? -k.range : k.range;
  } else {
    enum { BLOCK = 64 };
    double x[BLOCK];
    for (size_t e0 = 0; e0 < n; e0 += BLOCK) {
      size_t m = n - e0 < BLOCK ? n - e0 : BLOCK;
      memcpy(x, src + e0, sizeof(double) * m);
      aimc_quant_k_levels(&k, x, dst + e0, m);
    }
  }
}
