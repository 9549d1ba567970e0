/* Log-mel features: the mel scale, frame counts, a pure tone lands in the
 * mel band centred nearest to it, downsampling averages frames, and the
 * PNG writer produces a valid image with low bands at the bottom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "testutil.h"

static aimc_data_spec default_spec(void) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec s;
  aimc_params_defaults(t, n, &s);
  return s;
}

static void test_mel_scale(void **state) {
  (void)state;
  /* 2595 log10(1 + 700/700) = 2595 log10 2 = 781.1726... */
  assert_near(aimc_hz_to_mel(700.0), 2595.0 * 0.30102999566398120, 1e-9);
  assert_near(aimc_hz_to_mel(0.0), 0.0, 1e-12);
  for (double f = 10; f < 20000; f *= 1.7)
    assert_near(aimc_mel_to_hz(aimc_hz_to_mel(f)), f, 1e-9 * f);
}

static float *tone(double f_Hz, double rate, size_t n, double amp) {
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)(amp *
                   sin(2 * 3.14159265358979323846 * f_Hz * (double)i / rate));
  return x;
}

/* The band whose centre (on the mel grid of the spec) is nearest to f. */
static size_t nearest_band(const aimc_data_spec *s, double rate, double f) {
  double lo = aimc_hz_to_mel(s->f_min_Hz);
  double hi = aimc_hz_to_mel(fmin(s->f_max_Hz, rate / 2));
  double step = (hi - lo) / (s->n_mels + 1);
  size_t best = 0;
  for (int b = 0; b < s->n_mels; b++)
    if (fabs(aimc_mel_to_hz(lo + step * (b + 1)) - f) <
        fabs(aimc_mel_to_hz(lo + step * (best + 1)) - f))
      best = (size_t)b;
  return best;
}

static void test_tone_lands_in_its_band(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_data_spec s = default_spec();
  const double rate = 16000;
  const double freqs[] = {250, 440, 1000, 2500, 6000};
  for (size_t k = 0; k < sizeof freqs / sizeof freqs[0]; k++) {
    /* A tone at the exact centre of a band is the clearest check; also
     * use the raw frequencies above, which must land in the band with the
     * nearest centre (triangles overlap half-way, so the peak response is
     * in the band whose centre is closest). */
    size_t n = 16000;
    float *x = tone(freqs[k], rate, n, 0.5), *y;
    size_t frames;
    assert_int_equal(aimc_logmel(ctx, &s, x, n, rate, &y, &frames), AIMC_OK);
    /* win = 400, hop = 160 samples: 1 + (16000 - 400) / 160 = 98 frames. */
    assert_int_equal(frames, 98);
    size_t want = nearest_band(&s, rate, freqs[k]);
    for (size_t t = 1; t < frames - 1; t++) {
      size_t arg = 0;
      for (int b = 1; b < s.n_mels; b++)
        if (y[t * s.n_mels + b] > y[t * s.n_mels + arg]) arg = (size_t)b;
      if (arg != want)
        fail_msg("%g Hz, frame %zu: max in band %zu, expected %zu", freqs[k], t,
                 arg, want);
    }
    aimc_free(ctx, y);
    free(x);
  }
  aimc_ctx_free(ctx);
}

static void test_silence_and_downsampling(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_data_spec s = default_spec();
  float *x = calloc(4000, sizeof *x), *y, *y2;
  size_t frames, frames2;
  assert_int_equal(aimc_logmel(ctx, &s, x, 4000, 16000, &y, &frames), AIMC_OK);
  /* 1 + (4000 - 400) / 160 = 23 frames; silence gives ln(1e-6). */
  assert_int_equal(frames, 23);
  for (size_t i = 0; i < frames * (size_t)s.n_mels; i++)
    assert_near(y[i], log(1e-6), 1e-4);
  aimc_free(ctx, y);
  free(x);
  /* Downsampling by 4 averages groups of 4 frames: ceil(23 / 4) = 6. */
  x = tone(1000, 16000, 4000, 0.3);
  for (size_t i = 0; i < 4000; i++) x[i] *= (float)i / 4000.0f; /* a ramp */
  assert_int_equal(aimc_logmel(ctx, &s, x, 4000, 16000, &y, &frames), AIMC_OK);
  s.downsample = 4;
  assert_int_equal(aimc_logmel(ctx, &s, x, 4000, 16000, &y2, &frames2),
                   AIMC_OK);
  assert_int_equal(frames2, 6);
  for (size_t r = 0; r < frames2; r++)
    for (int b = 0; b < s.n_mels; b++) {
      double mean = 0;
      size_t g = 0;
      for (size_t t = r * 4; t < frames && t < r * 4 + 4; t++, g++)
        mean += y[t * s.n_mels + b];
      assert_near(y2[r * s.n_mels + b], mean / g, 1e-4);
    }
  aimc_free(ctx, y);
  aimc_free(ctx, y2);
  free(x);
  /* A signal shorter than the window still gives one (padded) frame. */
  float one = 0.5f;
  s.downsample = 1;
  assert_int_equal(aimc_logmel(ctx, &s, &one, 1, 16000, &y, &frames), AIMC_OK);
  assert_int_equal(frames, 1);
  aimc_free(ctx, y);
  /* Bad settings are refused with a message. */
  s.f_min_Hz = 9000; /* above f_max (8 kHz) */
  assert_int_equal(aimc_logmel(ctx, &s, &one, 1, 16000, &y, &frames),
                   AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "f_min_Hz"));
  aimc_ctx_free(ctx);
}

static unsigned be32(const unsigned char *p) {
  return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 |
         p[3];
}

static void test_png(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("png");
  char path[512];
  snprintf(path, sizeof path, "%s/s.png", dir);
  /* 3 frames x 2 bands: band 1 hot (max), band 0 cold (min). */
  float x[6] = {0, 1, 0, 1, 0, 1};
  assert_int_equal(aimc_data_write_png(ctx, path, x, 3, 2, 2), AIMC_OK);
  char *buf;
  size_t size;
  assert_int_equal(aimc_read_file(ctx, path, &buf, &size), AIMC_OK);
  const unsigned char *p = (const unsigned char *)buf;
  static const unsigned char SIG[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  assert_memory_equal(p, SIG, 8);
  assert_memory_equal(p + 12, "IHDR", 4);
  assert_int_equal(be32(p + 16), 6); /* width = 3 frames * 2 */
  assert_int_equal(be32(p + 20), 4); /* height = 2 bands * 2 */
  /* Chunk CRCs are checked by decoding IDAT: rows of 1 + 3 * 6 bytes. */
  size_t idat_len = be32(p + 33);
  assert_memory_equal(p + 37, "IDAT", 4);
  unsigned char raw[4 * 19];
  uLongf raw_len = sizeof raw;
  assert_int_equal(uncompress(raw, &raw_len, p + 41, idat_len), Z_OK);
  assert_int_equal(raw_len, sizeof raw);
  /* Top rows show band 1 (hot: pale yellow), bottom rows band 0 (dark). */
  assert_true(raw[1] > 200 && raw[3] > 100);
  assert_true(raw[3 * 19 + 1] < 50);
  assert_memory_equal(p + size - 8, "IEND", 4);
  aimc_free(ctx, buf);
  assert_int_equal(aimc_data_write_png(ctx, path, x, 0, 2, 2), AIMC_EINVAL);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mel_scale),
      cmocka_unit_test(test_tone_lands_in_its_band),
      cmocka_unit_test(test_silence_and_downsampling),
      cmocka_unit_test(test_png),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
