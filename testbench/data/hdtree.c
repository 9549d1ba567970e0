/* The tests' small Heidelberg-Digits tree (see hdtree.h). */
#include "hdtree.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "testutil.h"

double hdtree_tone_Hz(int hd_label) { return 300.0 * pow(1.15, hd_label); }

size_t hdtree_samples(int rate_Hz, int speaker, int trial, int digit,
                      int lang) {
  /* 0.2 s plus a few ms per index: every file has its own length. */
  double s =
      0.2 + 0.013 * speaker + 0.007 * trial + 0.011 * digit + 0.05 * lang;
  return (size_t)(s * rate_Hz);
}

void hdtree_name(char *buf, size_t len, int speaker, int trial, int digit,
                 int lang) {
  snprintf(buf, len, "lang-%s_speaker-%02d_trial-%d_digit-%d.flac",
           lang ? "german" : "english", speaker, trial, digit);
}

void hdtree_write_audio(const char *dir, int rate_Hz, int speaker, int trial,
                        int digit, int lang) {
  char name[128], path[512];
  hdtree_name(name, sizeof name, speaker, trial, digit, lang);
  snprintf(path, sizeof path, "%s/audio/%s", dir, name);
  size_t n = hdtree_samples(rate_Hz, speaker, trial, digit, lang);
  float *x = malloc(n * sizeof *x);
  double f = hdtree_tone_Hz(digit + 10 * lang);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)(0.4 *
                   sin(2 * 3.14159265358979323846 * f * (double)i / rate_Hz));
  SF_INFO info = {.samplerate = rate_Hz,
                  .channels = 1,
                  .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
  SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
  if (!sf) {
    fprintf(stderr, "cannot write %s\n", path);
    abort();
  }
  sf_writef_float(sf, x, (sf_count_t)n);
  sf_close(sf);
  free(x);
}

void hdtree_make(const char *dir, int rate_Hz, int n_speakers, int n_trials) {
  char path[512];
  snprintf(path, sizeof path, "%s/audio", dir);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
  if (system(cmd) != 0) abort();
  size_t cap = 128 * (size_t)(n_speakers * n_trials * 20 + 1);
  char *lists[2] = {calloc(cap, 1), calloc(cap, 1)};
  for (int s = 0; s < n_speakers; s++)
    for (int lang = 0; lang < 2; lang++)
      for (int t = 0; t < n_trials; t++)
        for (int d = 0; d < 10; d++) {
          char name[128];
          hdtree_name(name, sizeof name, s, t, d, lang);
          hdtree_write_audio(dir, rate_Hz, s, t, d, lang);
          char *l = lists[s == n_speakers - 1];
          strcat(l, name);
          strcat(l, "\n");
        }
  free(test_write_file(dir, "train_filenames.txt", lists[0]));
  free(test_write_file(dir, "test_filenames.txt", lists[1]));
  free(lists[0]);
  free(lists[1]);
}
