/* On-the-fly augmentation of training sequences (issue #15): time shift,
 * tempo change, additive noise at a random SNR and SpecAugment-style time
 * and frequency masks (Park et al. 2019), applied to the normalised
 * feature frames the trainer sees. One draw sequence per sample from a
 * 64-bit seed (splitmix64), so the result depends on the seed alone; no
 * allocation (the caller owns `out`). */
#include <math.h>
#include <string.h>

#include "aimc/train.h"

typedef struct {
  uint64_t s;
} sm64;

static uint64_t sm64_next(sm64 *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 bits. */
static double sm64_uniform(sm64 *r) {
  return (double)(sm64_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static int sm64_int(sm64 *r, int lo, int hi) {
  if (hi <= lo) return lo;
  return lo + (int)(sm64_next(r) % (uint64_t)(hi - lo + 1));
}

/* Standard normal (Box-Muller, one value per call: augmentation draws are
 * few per sample, speed is no concern). */
static double sm64_gauss(sm64 *r) {
  double u = sm64_uniform(r), v = sm64_uniform(r);
  return sqrt(-2 * log(1 - u)) * cos(2 * 3.14159265358979323846 * v);
}

void aimc_train_augment(const aimc_train_augment_cfg *a, int len, int n_in,
                        const float *x, float *out, uint64_t seed) {
  sm64 r = {seed};
  size_t TF = (size_t)len * n_in;
  /* Every draw is made whether or not its transform is on, so switching
   * one transform does not change the draws of the others. */
  int shift = a->shift > 0 ? sm64_int(&r, -a->shift, a->shift) : 0;
  double u_speed = sm64_uniform(&r);
  double rate = 1 + a->speed * (2 * u_speed - 1);
  if (!(rate > 0.05)) rate = 0.05;
  if (shift == 0 && a->speed <= 0) {
    memcpy(out, x, TF * sizeof(float));
  } else {
    /* out[t] = x(t * rate - shift), linearly interpolated; outside the
     * sequence: 0, the training mean (as the data layer pads). */
    for (int t = 0; t < len; t++) {
      double src = (double)t * rate - shift;
      float *o = out + (size_t)t * n_in;
      if (src < 0 || src > len - 1) {
        memset(o, 0, (size_t)n_in * sizeof(float));
        continue;
      }
      int i0 = (int)floor(src);
      int i1 = i0 + 1 < len ? i0 + 1 : i0;
      double w = src - i0;
      const float *p0 = x + (size_t)i0 * n_in, *p1 = x + (size_t)i1 * n_in;
      for (int f = 0; f < n_in; f++)
        o[f] = (float)((1 - w) * p0[f] + w * p1[f]);
    }
  }
  double u_noise = sm64_uniform(&r), u_snr = sm64_uniform(&r);
  uint64_t noise_seed = sm64_next(&r);
  if (a->noise_prob > 0 && u_noise < a->noise_prob) {
    double snr = a->snr_min_dB + (a->snr_max_dB - a->snr_min_dB) * u_snr;
    double sd = pow(10, -snr / 20); /* features have unit variance */
    sm64 rn = {noise_seed};
    for (size_t i = 0; i < TF; i++) out[i] += (float)(sd * sm64_gauss(&rn));
  }
  for (int k = 0; k < a->time_masks; k++) {
    int w = sm64_int(&r, 0, a->time_mask_max < len ? a->time_mask_max : len);
    int t0 = sm64_int(&r, 0, len - w);
    memset(out + (size_t)t0 * n_in, 0, (size_t)w * n_in * sizeof(float));
  }
  for (int k = 0; k < a->freq_masks; k++) {
    int w = sm64_int(&r, 0, a->freq_mask_max < n_in ? a->freq_mask_max : n_in);
    int f0 = sm64_int(&r, 0, n_in - w);
    for (int t = 0; t < len; t++)
      memset(out + (size_t)t * n_in + f0, 0, (size_t)w * sizeof(float));
  }
}
