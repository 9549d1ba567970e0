/* Acoustic augmentation of one synthesized utterance (issue #15): room
 * reverberation by convolution with a synthetic impulse response
 * (direct path, early reflections, exponentially decaying noise tail at a
 * random RT60 and direct-to-reverberant ratio), a random level, leading
 * and trailing silence, and background noise of a random colour (white,
 * pink, brown) at a random SNR. All draws come from the caller's stream. */
#include <fftw3.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "data_internal.h"

const char *const AIMC_NOISE_COLOUR_NAMES[AIMC_NOISE_COUNT] = {"white", "pink",
                                                               "brown"};

/* Coloured Gaussian noise of about unit power (the caller rescales it to
 * the exact power it needs). Pink: P. Kellet's "economy" three-pole
 * filter of white noise (about -3 dB/octave over the speech band); brown:
 * leaky integration (-6 dB/octave above ~18 Hz at 22.05 kHz). The filters
 * run 4096 samples before the first output so no start-up transient is
 * kept. */
static void noise_fill(gsl_rng *r, int colour, float *x, size_t n) {
  double b0 = 0, b1 = 0, b2 = 0;
  for (size_t i = 0; i < n + 4096; i++) {
    double w = gsl_ran_gaussian_ziggurat(r, 1.0), v;
    if (colour == AIMC_NOISE_PINK) {
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      v = (b0 + b1 + b2 + w * 0.1848) * 0.25;
    } else if (colour == AIMC_NOISE_BROWN) {
      b0 = 0.995 * b0 + w;
      v = b0 * 0.1;
    } else {
      v = w;
    }
    if (i >= 4096) x[i - 4096] = (float)v;
  }
}

/* y[0 .. nx+nh-2] = x * h by FFT (FFTW, estimate plans on fftw_malloc'd
 * buffers, so the result does not depend on the heap's alignment). */
static int convolve(aimc_ctx *ctx, const float *x, size_t nx, const double *h,
                    size_t nh, float *y) {
  size_t ny = nx + nh - 1, N = 1;
  while (N < ny) N <<= 1;
  size_t nb = N / 2 + 1;
  double *a = fftw_malloc(N * sizeof *a), *b = fftw_malloc(N * sizeof *b);
  fftw_complex *A = fftw_malloc(nb * sizeof *A), *B = fftw_malloc(nb * sizeof *B);
  fftw_plan pa = NULL, pb = NULL, pi = NULL;
  int st = AIMC_OK;
  if (!a || !b || !A || !B) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory (convolution)");
    goto done;
  }
  pa = fftw_plan_dft_r2c_1d((int)N, a, A, FFTW_ESTIMATE);
  pb = fftw_plan_dft_r2c_1d((int)N, b, B, FFTW_ESTIMATE);
  pi = fftw_plan_dft_c2r_1d((int)N, A, a, FFTW_ESTIMATE);
  if (!pa || !pb || !pi) {
    st = aimc_error(ctx, AIMC_EFAIL, "data: FFTW could not plan %zu points", N);
    goto done;
  }
  for (size_t i = 0; i < N; i++) {
    a[i] = i < nx ? x[i] : 0.0;
    b[i] = i < nh ? h[i] : 0.0;
  }
  fftw_execute(pa);
  fftw_execute(pb);
  for (size_t k = 0; k < nb; k++) {
    double re = A[k][0] * B[k][0] - A[k][1] * B[k][1];
    double im = A[k][0] * B[k][1] + A[k][1] * B[k][0];
    A[k][0] = re;
    A[k][1] = im;
  }
  fftw_execute(pi); /* c2r overwrites A; a holds N * (x * h) */
  for (size_t i = 0; i < ny; i++) y[i] = (float)(a[i] / (double)N);
done:
  if (pa) fftw_destroy_plan(pa);
  if (pb) fftw_destroy_plan(pb);
  if (pi) fftw_destroy_plan(pi);
  fftw_free(a);
  fftw_free(b);
  fftw_free(A);
  fftw_free(B);
  return st;
}

/* A synthetic room impulse response of rt60 seconds: 1 at t = 0 (direct
 * path), 8 early reflections in 1-40 ms with random signs, and a Gaussian
 * tail from 5 ms decaying by 60 dB over rt60 (Sabine's definition), its
 * energy set by the direct-to-reverberant ratio drr_dB. nh = rt60 * rate. */
static void make_rir(gsl_rng *r, double rate_Hz, double rt60_s, double drr_dB,
                     double *h, size_t nh) {
  double k = log(1000.0) / (rt60_s * rate_Hz); /* amplitude -60 dB at rt60 */
  size_t t0 = (size_t)(0.005 * rate_Hz);
  double e_tail = 0;
  memset(h, 0, nh * sizeof *h);
  for (size_t i = t0; i < nh; i++) {
    h[i] = gsl_ran_gaussian_ziggurat(r, 1.0) * exp(-k * (double)i);
    e_tail += h[i] * h[i];
  }
  for (int j = 0; j < 8; j++) {
    size_t t = (size_t)(gsl_ran_flat(r, 0.001, 0.040) * rate_Hz);
    double amp = gsl_ran_flat(r, 0.2, 0.7) * exp(-k * (double)t);
    if (t < nh) {
      e_tail += amp * amp; /* about: early and tail energies add */
      h[t] += gsl_rng_uniform(r) < 0.5 ? -amp : amp;
    }
  }
  double scale = e_tail > 0 ? sqrt(pow(10.0, -drr_dB / 10.0) / e_tail) : 0;
  for (size_t i = 1; i < nh; i++) h[i] *= scale;
  h[0] = 1.0;
}

int aimc_digits_render(aimc_ctx *ctx, gsl_rng *r, const float *speech,
                       size_t n, double rate_Hz, const aimc_digits_gen *g,
                       aimc_digits_aug *info, float **out, size_t *n_out) {
  aimc_digits_aug a = {0};
  *out = NULL;
  *n_out = 0;
  /* Draws in a fixed order, whatever is enabled, so one setting does not
   * shift the others' draws. */
  a.lead_s = gsl_ran_flat(r, 0.0, 0.20);
  a.tail_s = gsl_ran_flat(r, 0.0, 0.15);
  a.peak = pow(10.0, gsl_ran_flat(r, -26.0, -1.0) / 20.0); /* dBFS */
  int reverb = gsl_rng_uniform(r) < g->reverb;
  double rt60 = gsl_ran_flat(r, g->rt60_s_min, g->rt60_s_max);
  double drr = gsl_ran_flat(r, -5.0, 10.0);
  a.colour = (int)gsl_rng_uniform_int(r, AIMC_NOISE_COUNT);
  a.snr_dB = gsl_ran_flat(r, g->snr_dB_min, g->snr_dB_max);
  int noisy = g->snr_dB_min <= g->snr_dB_max;
  if (!noisy) a.snr_dB = INFINITY;
  a.rt60_s = reverb ? rt60 : 0.0;
  a.drr_dB = reverb ? drr : INFINITY;

  size_t nh = reverb ? (size_t)fmax(1.0, rt60 * rate_Hz) : 1;
  size_t lead = (size_t)(a.lead_s * rate_Hz), tail = (size_t)(a.tail_s * rate_Hz);
  /* The file ends `tail` after the dry speech would: the reverberant tail
   * runs into the trailing silence and is cut there with a 20 ms fade, as
   * a word cut from a recording in a room (and file lengths stay those of
   * dry speech). */
  size_t ns = n + tail, total = lead + ns;
  /* The impulse response (nh doubles) and the noise (total floats) share
   * one work block; y (with room for the full reverberant tail before it
   * is cut) goes to the caller. */
  size_t ny = lead + n + nh - 1 + tail;
  float *y = aimc_calloc(ctx, ny, sizeof *y);
  double *work = aimc_malloc(ctx, nh * sizeof(double) + total * sizeof(float));
  double *h = work;
  float *noise = work ? (float *)(work + nh) : NULL;
  int st = AIMC_OK;
  if (!y || !work) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    goto done;
  }
  if (reverb) {
    make_rir(r, rate_Hz, rt60, drr, h, nh);
    if ((st = convolve(ctx, speech, n, h, nh, y + lead))) goto done;
  } else {
    memcpy(y + lead, speech, n * sizeof *y);
  }
  if (reverb) {
    size_t fade = (size_t)(0.020 * rate_Hz);
    if (fade > ns) fade = ns;
    for (size_t i = 0; i < fade; i++)
      y[total - 1 - i] *= (float)((double)i / (double)fade);
  }
  double peak = 1e-12, power = 0;
  for (size_t i = 0; i < ns; i++) peak = fmax(peak, fabs((double)y[lead + i]));
  a.gain = a.peak / peak;
  for (size_t i = 0; i < ns; i++) {
    y[lead + i] = (float)(a.gain * y[lead + i]);
    if (i < n) power += (double)y[lead + i] * y[lead + i];
  }
  /* Speech power: over the span of the dry utterance (not the quieter
   * reverberant tail), so the SNR means the same with and without room. */
  a.speech_power = power / (double)(n ? n : 1);
  if (noisy) {
    noise_fill(r, a.colour, noise, total);
    double p = 0;
    for (size_t i = 0; i < total; i++) p += (double)noise[i] * noise[i];
    p /= (double)total;
    /* Scaled to the exact power the SNR asks for over the whole file. */
    double s = sqrt(a.speech_power / pow(10.0, a.snr_dB / 10.0) / fmax(p, 1e-300));
    for (size_t i = 0; i < total; i++)
      y[i] = (float)fmax(-1.0, fmin(1.0, y[i] + s * noise[i]));
  }
  a.lead = lead;
  a.n_speech = ns;
  *out = y;
  *n_out = total;
  y = NULL;
  if (info) *info = a;
done:
  aimc_free(ctx, y);
  aimc_free(ctx, work);
  return st;
}
