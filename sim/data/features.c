/* Log-mel filterbank features: Hann-windowed frames, power spectrum by FFTW
 * (real-to-complex), triangular filters equally spaced on the mel scale
 * m = 2595 log10(1 + f/700) (HTK form of O'Shaughnessy 1987), natural log
 * of the band energy, then optional averaging of k consecutive frames. */
#include <fftw3.h>
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "data_internal.h"

/* Floor of the band energy before the log: about -60 dB below a full-scale
 * sine's frame energy, so digital silence gives a finite, modest value. */
#define LOGMEL_FLOOR 1e-6

struct aimc_logmel_plan {
  size_t win, hop, nfft, n_bins, n_mels, down;
  double *window;     /* win                                     */
  double *frame;      /* nfft (FFTW input)                       */
  fftw_complex *spec; /* n_bins (FFTW output)                    */
  double *weight;     /* n_mels * n_bins filterbank              */
  size_t *lo, *hi;    /* n_mels: bins [lo, hi) with weight != 0  */
  fftw_plan plan;
};

double aimc_hz_to_mel(double f_Hz) {
  return 2595.0 * log10(1.0 + f_Hz / 700.0);
}
double aimc_mel_to_hz(double mel) {
  return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
}

void aimc_logmel_plan_free(aimc_ctx *ctx, aimc_logmel_plan *p) {
  if (!p) return;
  if (p->plan) fftw_destroy_plan(p->plan);
  aimc_free(ctx, p->window);
  aimc_free(ctx, p->frame);
  if (p->spec) fftw_free(p->spec);
  aimc_free(ctx, p->weight);
  aimc_free(ctx, p->lo);
  aimc_free(ctx, p->hi);
  aimc_free(ctx, p);
}

/* Triangular filters on the mel scale: band b rises from edge b to its peak
 * at edge b+1 and falls to edge b+2 (edges equally spaced in mel). */
static void build_filterbank(aimc_logmel_plan *p, double rate_Hz, double f_lo,
                             double f_hi) {
  double m_lo = aimc_hz_to_mel(f_lo), m_hi = aimc_hz_to_mel(f_hi);
  double step = (m_hi - m_lo) / (double)(p->n_mels + 1);
  for (size_t b = 0; b < p->n_mels; b++) {
    double left = aimc_mel_to_hz(m_lo + step * (double)b);
    double centre = aimc_mel_to_hz(m_lo + step * (double)(b + 1));
    double right = aimc_mel_to_hz(m_lo + step * (double)(b + 2));
    p->lo[b] = p->n_bins;
    p->hi[b] = 0;
    for (size_t k = 0; k < p->n_bins; k++) {
      double f = (double)k * rate_Hz / (double)p->nfft, w = 0.0;
      if (f > left && f <= centre)
        w = (f - left) / (centre - left);
      else if (f > centre && f < right)
        w = (right - f) / (right - centre);
      p->weight[b * p->n_bins + k] = w;
      if (w > 0) {
        if (k < p->lo[b]) p->lo[b] = k;
        p->hi[b] = k + 1;
      }
    }
    if (p->lo[b] > p->hi[b]) p->lo[b] = p->hi[b] = 0; /* band without bins */
  }
}

int aimc_logmel_plan_alloc(aimc_ctx *ctx, const aimc_data_spec *spec,
                           double rate_Hz, aimc_logmel_plan **out) {
  *out = NULL;
  double f_hi = fmin(spec->f_max_Hz, rate_Hz / 2.0);
  if (!(rate_Hz > 0) || spec->n_mels < 1 || spec->downsample < 1 ||
      !(spec->f_min_Hz < f_hi))
    return aimc_error(ctx, AIMC_EINVAL,
                      "data: cannot build a mel filterbank for %g Hz audio "
                      "with f_min_Hz = %g, f_max_Hz = %g, n_mels = %d",
                      rate_Hz, spec->f_min_Hz, spec->f_max_Hz, spec->n_mels);
  size_t win = (size_t)lround(spec->window_s * rate_Hz);
  size_t hop = (size_t)lround(spec->hop_s * rate_Hz);
  if (win < 2 || hop < 1)
    return aimc_error(ctx, AIMC_EINVAL,
                      "data: window_s = %g s / hop_s = %g s are shorter than "
                      "a sample at %g Hz",
                      spec->window_s, spec->hop_s, rate_Hz);
  aimc_logmel_plan *p = aimc_calloc(ctx, 1, sizeof *p);
  if (!p) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  p->win = win;
  p->hop = hop;
  for (p->nfft = 2; p->nfft < win; p->nfft *= 2) {
  }
  p->n_bins = p->nfft / 2 + 1;
  p->n_mels = (size_t)spec->n_mels;
  p->down = (size_t)spec->downsample;
  p->window = aimc_malloc(ctx, win * sizeof(double));
  p->frame = aimc_calloc(ctx, p->nfft, sizeof(double));
  p->weight = aimc_calloc(ctx, p->n_mels * p->n_bins, sizeof(double));
  p->lo = aimc_calloc(ctx, p->n_mels, sizeof(size_t));
  p->hi = aimc_calloc(ctx, p->n_mels, sizeof(size_t));
  if (p->window && p->frame && p->weight && p->lo && p->hi)
    p->spec = fftw_malloc(p->n_bins * sizeof(fftw_complex));
  if (p->spec)
    p->plan =
        fftw_plan_dft_r2c_1d((int)p->nfft, p->frame, p->spec, FFTW_ESTIMATE);
  if (!p->plan) {
    aimc_logmel_plan_free(ctx, p);
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory for the FFT");
  }
  /* Periodic Hann window: w[i] = 0.5 - 0.5 cos(2 pi i / win). */
  for (size_t i = 0; i < win; i++)
    p->window[i] =
        0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * (double)i / (double)win);
  build_filterbank(p, rate_Hz, spec->f_min_Hz, f_hi);
  *out = p;
  return AIMC_OK;
}

static size_t raw_frames(const aimc_logmel_plan *p, size_t n) {
  return n <= p->win ? 1 : 1 + (n - p->win) / p->hop;
}

size_t aimc_logmel_frames(const aimc_logmel_plan *p, size_t n) {
  return (raw_frames(p, n) + p->down - 1) / p->down;
}

void aimc_logmel_run(aimc_logmel_plan *p, const float *x, size_t n,
                     float *out) {
  size_t nf = raw_frames(p, n), M = p->n_mels;
  memset(out, 0, aimc_logmel_frames(p, n) * M * sizeof *out);
  for (size_t t = 0; t < nf; t++) {
    size_t start = t * p->hop;
    memset(p->frame, 0, p->nfft * sizeof(double));
    for (size_t i = 0; i < p->win && start + i < n; i++)
      p->frame[i] = p->window[i] * x[start + i];
    fftw_execute(p->plan);
    /* Averages k frames into one: out row t/k accumulates 1/k of each
     * (the last group divides by its own size). */
    size_t row = t / p->down, group_start = row * p->down;
    size_t group = nf - group_start < p->down ? nf - group_start : p->down;
    for (size_t b = 0; b < M; b++) {
      double e = 0.0;
      for (size_t k = p->lo[b]; k < p->hi[b]; k++)
        e += p->weight[b * p->n_bins + k] *
             (p->spec[k][0] * p->spec[k][0] + p->spec[k][1] * p->spec[k][1]);
      out[row * M + b] += (float)(log(e + LOGMEL_FLOOR) / (double)group);
    }
  }
}

int aimc_logmel(aimc_ctx *ctx, const aimc_data_spec *spec, const float *x,
                size_t n, double rate_Hz, float **out, size_t *frames) {
  *out = NULL;
  *frames = 0;
  aimc_logmel_plan *p;
  int st = aimc_logmel_plan_alloc(ctx, spec, rate_Hz, &p);
  if (st) return st;
  size_t nf = aimc_logmel_frames(p, n);
  float *y = aimc_malloc(ctx, nf * p->n_mels * sizeof *y);
  if (!y) {
    aimc_logmel_plan_free(ctx, p);
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  }
  aimc_logmel_run(p, x, n, y);
  aimc_logmel_plan_free(ctx, p);
  *out = y;
  *frames = nf;
  return AIMC_OK;
}
