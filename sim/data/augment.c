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

/* FFT workspace kept across utterances: buffers and plans of the largest
 * size used so far (grow-only, so after a few utterances no call plans or
 * maps memory again). FFTW estimate plans on fftw_malloc'd buffers: the
 * result does not depend on the heap's alignment. */
struct aimc_digits_conv {
  size_t N;
  double *a, *b;
  fftw_complex *A, *B;
  fftw_plan pa, pb, pi;
};

static void conv_release(aimc_digits_conv *w) {
  if (w->pa) fftw_destroy_plan(w->pa);
  if (w->pb) fftw_destroy_plan(w->pb);
  if (w->pi) fftw_destroy_plan(w->pi);
  fftw_free(w->a);
  fftw_free(w->b);
  fftw_free(w->A);
  fftw_free(w->B);
  memset(w, 0, sizeof *w);
}

aimc_digits_conv *aimc_digits_conv_alloc(aimc_ctx *ctx) {
  aimc_digits_conv *w = aimc_calloc(ctx, 1, sizeof *w);
  if (!w) aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  return w;
}

void aimc_digits_conv_free(aimc_ctx *ctx, aimc_digits_conv *w) {
  if (!w) return;
  conv_release(w);
  aimc_free(ctx, w);
}

/* Makes w hold at least N points. */
static int conv_reserve(aimc_ctx *ctx, aimc_digits_conv *w, size_t N) {
  if (w->N >= N) return AIMC_OK;
  conv_release(w);
  size_t nb = N / 2 + 1;
  w->a = fftw_malloc(N * sizeof *w->a);
  w->b = fftw_malloc(N * sizeof *w->b);
  w->A = fftw_malloc(nb * sizeof *w->A);
  w->B = fftw_malloc(nb * sizeof *w->B);
  if (!w->a || !w->b || !w->A || !w->B) {
    conv_release(w);
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory (convolution)");
  }
  w->pa = fftw_plan_dft_r2c_1d((int)N, w->a, w->A, FFTW_ESTIMATE);
  w->pb = fftw_plan_dft_r2c_1d((int)N, w->b, w->B, FFTW_ESTIMATE);
  w->pi = fftw_plan_dft_c2r_1d((int)N, w->A, w->a, FFTW_ESTIMATE);
  if (!w->pa || !w->pb || !w->pi) {
    conv_release(w);
    return aimc_error(ctx, AIMC_EFAIL, "data: FFTW could not plan %zu points",
                      N);
  }
  w->N = N;
  return AIMC_OK;
}

/* y[0 .. ny-1] = the first ny samples of x * h (zero beyond nx + nh - 1),
 * by FFT of w's size (a circular convolution of at least nx + nh - 1
 * points, so nothing wraps around). */
static int convolve(aimc_ctx *ctx, aimc_digits_conv *w, const float *x,
                    size_t nx, const double *h, size_t nh, float *y,
                    size_t ny) {
  size_t need = 1;
  while (need < nx + nh - 1 || need < ny) need <<= 1;
  int st = conv_reserve(ctx, w, need);
  if (st) return st;
  size_t N = w->N, nb = N / 2 + 1;
  for (size_t i = 0; i < N; i++) {
    w->a[i] = i < nx ? x[i] : 0.0;
    w->b[i] = i < nh ? h[i] : 0.0;
  }
  fftw_execute(w->pa);
  fftw_execute(w->pb);
  for (size_t k = 0; k < nb; k++) {
    double re = w->A[k][0] * w->B[k][0] - w->A[k][1] * w->B[k][1];
    double im = w->A[k][0] * w->B[k][1] + w->A[k][1] * w->B[k][0];
    w->A[k][0] = re;
    w->A[k][1] = im;
  }
  fftw_execute(w->pi); /* c2r overwrites A; a holds N * (x * h) */
  for (size_t i = 0; i < ny; i++) y[i] = (float)(w->a[i] / (double)N);
  return AIMC_OK;
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
  double decay = exp(-k), env = exp(-k * (double)t0);
  for (size_t i = t0; i < nh; i++, env *= decay) {
    h[i] = gsl_ran_gaussian_ziggurat(r, 1.0) * env;
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

int aimc_digits_render(aimc_ctx *ctx, aimc_digits_conv *ws, gsl_rng *r,
                       const float *speech, size_t n, double rate_Hz,
                       const aimc_digits_gen *g, aimc_digits_aug *info,
                       float **out, size_t *n_out) {
  aimc_digits_aug a = {0};
  *out = NULL;
  *n_out = 0;
  /* The parameters are drawn in a fixed order whatever is enabled, so one
   * setting does not shift the others' draws; the impulse response's and
   * the noise's samples follow. */
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
  size_t nh_used = nh < n + tail ? nh : n + tail; /* later taps are cut */
  /* The file ends `tail` after the dry speech would: the reverberant tail
   * runs into the trailing silence and is cut there with a 20 ms fade, as
   * a word cut from a recording in a room (and file lengths stay those of
   * dry speech). */
  size_t ns = n + tail, total = lead + ns;
  /* The impulse response (nh doubles) and the noise (total floats) share
   * one work block; y goes to the caller. */
  float *y = aimc_calloc(ctx, total, sizeof *y);
  double *work = aimc_malloc(ctx, nh * sizeof(double) + total * sizeof(float));
  double *h = work;
  float *noise = work ? (float *)(work + nh) : NULL;
  aimc_digits_conv *own = NULL;
  int st = AIMC_OK;
  if (reverb && !ws && !(ws = own = aimc_digits_conv_alloc(ctx))) {
    st = AIMC_ENOMEM;
    goto done;
  }
  if (!y || !work) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    goto done;
  }
  if (reverb) {
    make_rir(r, rate_Hz, rt60, drr, h, nh);
    if ((st = convolve(ctx, ws, speech, n, h, nh_used, y + lead, ns)))
      goto done;
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
  aimc_digits_conv_free(ctx, own);
  return st;
}
