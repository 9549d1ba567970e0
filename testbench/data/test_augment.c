/* The digit generator's acoustic augmentation (aimc_digits_render): the
 * noise has exactly the SNR drawn; the SNRs and colours drawn follow
 * their distributions (tolerances from the number of renders); the
 * colours are coloured; the room impulse response decays at its RT60;
 * one stream state gives one output. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "aimc/data.h"
#include "aimc/status.h"
#include "sim/data/data_internal.h"

#define RATE 22050.0
#define PI 3.14159265358979323846

/* A vowel-like test utterance: 0.4 s of a 150 Hz harmonic series under a
 * Hann envelope. */
static float *vowel(size_t *n) {
  *n = (size_t)(0.4 * RATE);
  float *x = malloc(*n * sizeof *x);
  for (size_t i = 0; i < *n; i++) {
    double t = (double)i / RATE, v = 0;
    for (int h = 1; h <= 10; h++) v += sin(2 * PI * 150.0 * h * t) / h;
    x[i] = (float)(0.3 * v * (0.5 - 0.5 * cos(2 * PI * (double)i / *n)));
  }
  return x;
}

static aimc_digits_gen dry_gen(void) {
  aimc_digits_gen g;
  aimc_digits_gen_defaults(&g);
  g.reverb = 0;
  return g;
}

/* Lag-1 autocorrelation of x[0..n-1]. */
static double rho1(const float *x, size_t n) {
  double m = 0, c0 = 0, c1 = 0;
  for (size_t i = 0; i < n; i++) m += x[i];
  m /= (double)n;
  for (size_t i = 0; i < n; i++) {
    c0 += (x[i] - m) * (x[i] - m);
    if (i) c1 += (x[i] - m) * (x[i - 1] - m);
  }
  return c1 / c0;
}

static void test_snr_and_colours(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 2026);
  size_t n;
  float *speech = vowel(&n);
  aimc_digits_gen g = dry_gen(); /* SNR U(0, 30) dB */
  enum { K = 150 };
  double snr_sum = 0, r1_min[3] = {1, 1, 1}, r1_max[3] = {-1, -1, -1};
  int count[3] = {0, 0, 0}, exact = 0;
  for (int k = 0; k < K; k++) {
    aimc_digits_aug a;
    float *y;
    size_t ny;
    assert_int_equal(
        aimc_digits_render(ctx, NULL, r, speech, n, RATE, &g, &a, &y, &ny), AIMC_OK);
    assert_int_equal(ny, a.lead + n + (size_t)(a.tail_s * RATE));
    assert_true(a.snr_dB >= 0 && a.snr_dB <= 30);
    assert_true(a.colour >= 0 && a.colour < 3);
    assert_true(a.rt60_s == 0);
    /* The noise: the output minus the scaled speech. */
    float *noise = malloc(ny * sizeof *noise);
    double p = 0, ps = 0;
    int clipped = 0;
    for (size_t i = 0; i < ny; i++) {
      double s = i >= a.lead && i < a.lead + n ? a.gain * speech[i - a.lead] : 0;
      noise[i] = (float)(y[i] - s);
      p += (double)noise[i] * noise[i];
      ps += s * s;
      clipped |= fabs(y[i]) >= 1.0;
    }
    assert_float_equal(ps / n, a.speech_power, 1e-9 + 1e-6 * a.speech_power);
    /* Exact up to float rounding of the output (relative 2^-24 per
     * sample, far below 0.01 dB), unless a sample was clipped. */
    if (!clipped) {
      double snr = 10 * log10(a.speech_power / (p / (double)ny));
      if (fabs(snr - a.snr_dB) > 0.01)
        fail_msg("render %d: SNR %.4f dB, drawn %.4f dB", k, snr, a.snr_dB);
      exact++;
    }
    double c = rho1(noise, ny);
    r1_min[a.colour] = fmin(r1_min[a.colour], c);
    r1_max[a.colour] = fmax(r1_max[a.colour], c);
    snr_sum += a.snr_dB;
    count[a.colour]++;
    free(noise);
    aimc_free(ctx, y);
  }
  assert_true(exact > K / 2);
  /* SNR ~ U(0, 30): the mean of K draws is within 4 standard errors
   * (30 / sqrt(12 K) = 0.71 dB) of 15 dB. */
  assert_true(fabs(snr_sum / K - 15.0) < 4 * 30.0 / sqrt(12.0 * K));
  /* Colours uniform: each count within 4 binomial standard deviations
   * (sqrt(K 1/3 2/3) = 5.8) of K/3. */
  for (int c = 0; c < 3; c++)
    assert_true(fabs(count[c] - K / 3.0) < 4 * sqrt(K * 2.0 / 9.0));
  /* Colour by lag-1 autocorrelation over >= 8800 samples: white noise's
   * is 0 +- 4/sqrt(8800) = 0.043; brown (leaky integrator, pole 0.995) is
   * 0.995 in theory; pink (Kellet's filter) lies in between. */
  assert_true(r1_min[AIMC_NOISE_WHITE] > -0.043 &&
              r1_max[AIMC_NOISE_WHITE] < 0.043);
  assert_true(r1_min[AIMC_NOISE_PINK] > 0.6 && r1_max[AIMC_NOISE_PINK] < 0.95);
  assert_true(r1_min[AIMC_NOISE_BROWN] > 0.98);
  free(speech);
  gsl_rng_free(r);
  aimc_ctx_free(ctx);
}

/* An impulse through the room, no noise: the response decays by 60 dB per
 * RT60. Energy in [50, 150) ms vs [250, 350) ms after the impulse: 24 dB
 * apart for RT60 = 0.5 s; each window holds 2205 tail samples of Gaussian
 * noise (relative s.d. of its energy about sqrt(2/2205) = 3 %, with the
 * decay across the window a little more), so +-1.5 dB is > 10 s.d. */
static void test_reverb_decay(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  aimc_digits_gen g = dry_gen();
  g.reverb = 1;
  g.rt60_s_min = g.rt60_s_max = 0.5;
  g.snr_dB_min = 1;
  g.snr_dB_max = 0; /* no noise */
  size_t n = (size_t)(0.5 * RATE);
  float *imp = calloc(n, sizeof *imp);
  imp[0] = 1;
  for (int k = 0; k < 5; k++) {
    aimc_digits_aug a;
    float *y;
    size_t ny;
    assert_int_equal(aimc_digits_render(ctx, NULL, r, imp, n, RATE, &g, &a, &y, &ny),
                     AIMC_OK);
    assert_true(a.rt60_s == 0.5);
    assert_true(isinf(a.snr_dB));
    for (size_t i = 0; i < a.lead; i++) assert_true(y[i] == 0.0f);
    double e1 = 0, e2 = 0;
    for (size_t i = (size_t)(0.05 * RATE); i < (size_t)(0.15 * RATE); i++)
      e1 += (double)y[a.lead + i] * y[a.lead + i];
    for (size_t i = (size_t)(0.25 * RATE); i < (size_t)(0.35 * RATE); i++)
      e2 += (double)y[a.lead + i] * y[a.lead + i];
    double drop = 10 * log10(e1 / e2);
    if (fabs(drop - 24.0) > 1.5) fail_msg("decay %.2f dB, want 24", drop);
    aimc_free(ctx, y);
  }
  /* Dry: nothing after the impulse. */
  g.reverb = 0;
  aimc_digits_aug a;
  float *y;
  size_t ny;
  assert_int_equal(aimc_digits_render(ctx, NULL, r, imp, n, RATE, &g, &a, &y, &ny),
                   AIMC_OK);
  for (size_t i = a.lead + 1; i < ny; i++) assert_true(y[i] == 0.0f);
  aimc_free(ctx, y);
  free(imp);
  gsl_rng_free(r);
  aimc_ctx_free(ctx);
}

/* One stream state, one output; another state, another output. */
static void test_deterministic(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  size_t n;
  float *speech = vowel(&n);
  aimc_digits_gen g;
  aimc_digits_gen_defaults(&g);
  g.reverb = 1;
  float *y[3];
  size_t ny[3];
  for (int k = 0; k < 3; k++) {
    gsl_rng_set(r, k == 2 ? 12 : 11);
    assert_int_equal(
        aimc_digits_render(ctx, NULL, r, speech, n, RATE, &g, NULL, &y[k], &ny[k]),
        AIMC_OK);
  }
  assert_int_equal(ny[0], ny[1]);
  assert_memory_equal(y[0], y[1], ny[0] * sizeof(float));
  assert_true(ny[0] != ny[2] || memcmp(y[0], y[2], ny[0] * sizeof(float)));
  for (int k = 0; k < 3; k++) aimc_free(ctx, y[k]);
  free(speech);
  gsl_rng_free(r);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_snr_and_colours),
      cmocka_unit_test(test_reverb_decay),
      cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
