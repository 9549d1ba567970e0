/* Synthetic spoken digits in the Heidelberg Digits layout: English and
 * German 0-9 synthesized in-process by libespeak-ng, one voice variant,
 * accent, base pitch, pitch range and speed per synthetic speaker,
 * jittered per trial; then room reverberation, level, silence and
 * coloured background noise at a random SNR (augment.c). Every utterance draws its parameters from its
 * own seed stream (seed, file name); libespeak-ng itself keeps synthesis
 * state between calls, so byte-identical output needs a fresh process. */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"
#ifdef AIMC_HAVE_ESPEAK
#include "sim/plugins/espeak.h"
#endif

static const char *const WORDS[2][10] = {
    {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
     "nine"},
    {"null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
     "neun"}};
static const char *const LANG_NAMES[2] = {"english", "german"};
/* English voice files (accents). "en-gb" is an alias that silently drops
 * the +variant, so only voice-file names are used (docs/data.md). */
static const char *const EN_VOICES[] = {
    "en",         "en-us",          "en-gb-scotland", "en-gb-x-rp",
    "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",     "en-us-nyc"};
/* Every voice variant of espeak-ng 1.51 (espeak-ng-data/voices/!v) but
 * "Mr serious", whose name has a space: human-like, Klatt, whispered,
 * robotic and creaky ones alike, so speakers differ as much as espeak-ng
 * lets them (issue #15). */
static const char *const VARIANTS[] = {
    "Alex",        "Alicia",      "Andrea",    "Andy",      "Annie",
    "AnxiousAndy", "Demonic",     "Denis",     "Diogo",     "Gene",
    "Gene2",       "Henrique",    "Hugo",      "Jacky",     "Lee",
    "Marco",       "Mario",       "Michael",   "Mike",      "Nguyen",
    "RicishayMax", "RicishayMax2", "RicishayMax3", "Storm", "Tweaky",
    "UniRobot",    "adam",        "anika",     "anikaRobot", "announcer",
    "antonio",     "aunty",       "belinda",   "benjamin",  "boris",
    "caleb",       "croak",       "david",     "ed",        "edward",
    "edward2",     "f1",          "f2",        "f3",        "f4",
    "f5",          "fast",        "grandma",   "grandpa",   "gustave",
    "iven",        "iven2",       "iven3",     "iven4",     "john",
    "kaukovalta",  "klatt",       "klatt2",    "klatt3",    "klatt4",
    "klatt5",      "klatt6",      "linda",     "m1",        "m2",
    "m3",          "m4",          "m5",        "m6",        "m7",
    "m8",          "marcelo",     "max",       "michel",    "miguel",
    "norbert",     "pablo",       "paul",      "pedro",     "quincy",
    "rob",         "robert",      "robosoft",  "robosoft2", "robosoft3",
    "robosoft4",   "robosoft5",   "robosoft6", "robosoft7", "robosoft8",
    "sandro",      "shelby",      "steph",     "steph2",    "steph3",
    "travis",      "victor",      "whisper",   "whisperf",  "zac"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int aimc_digits_tree_is_current(const char *dir) {
  char path[AIMC_PARAM_STRLEN * 2], line[64] = "";
  snprintf(path, sizeof path, "%s/generator.txt", dir);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  line[strcspn(line, "\n")] = '\0';
  return ok && strcmp(line, AIMC_DIGITS_GEN_TAG) == 0;
}

void aimc_digits_gen_defaults(aimc_digits_gen *g) {
  g->n_speakers = 48;
  g->n_test_speakers = 12;
  g->n_trials = 4;
  g->snr_dB_min = 0.0;
  g->snr_dB_max = 30.0;
  g->reverb = 0.75;
  g->rt60_s_min = 0.1;
  g->rt60_s_max = 0.8;
}

typedef struct {
  char voice[2][64]; /* "<voice-file>+<variant>" per language */
  double pitch, range, speed_wpm;
} speaker;

/* Speaker s: a variant (distinct for the first N_OF(VARIANTS) speakers,
 * shuffled by the seed), an English accent, base pitch, pitch range and
 * speed (espeak-ng scales: pitch and range 0-100, 50 = normal). */
static void make_speakers(uint64_t seed, speaker *spk, int n) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, (unsigned long)aimc_seed_derive(seed, aimc_hash_str("spk")));
  size_t perm[N_OF(VARIANTS)];
  for (size_t i = 0; i < N_OF(VARIANTS); i++) perm[i] = i;
  gsl_ran_shuffle(r, perm, N_OF(VARIANTS), sizeof perm[0]);
  for (int s = 0; s < n; s++) {
    const char *variant = VARIANTS[perm[(size_t)s % N_OF(VARIANTS)]];
    const char *accent = EN_VOICES[gsl_rng_uniform_int(r, N_OF(EN_VOICES))];
    snprintf(spk[s].voice[0], sizeof spk[s].voice[0], "%s+%s", accent, variant);
    snprintf(spk[s].voice[1], sizeof spk[s].voice[1], "de+%s", variant);
    spk[s].pitch = gsl_ran_flat(r, 15.0, 85.0);
    spk[s].range = gsl_ran_flat(r, 10.0, 90.0);
    spk[s].speed_wpm = gsl_ran_flat(r, 130.0, 230.0);
  }
  gsl_rng_free(r);
}

/* Samples collected from espeak's callback. */
typedef struct {
  aimc_ctx *ctx;
  short *x;
  size_t n, cap;
  int oom;
} pcm;

#ifdef AIMC_HAVE_ESPEAK
/* libespeak-ng lives in the plugin aimc_espeak.so, loaded only here. */
static int collect(void *user, const short *wav, int n) {
  pcm *p = user;
  if (p->oom) return 0;
  if (p->n + (size_t)n > p->cap) {
    size_t cap = 2 * p->cap + (size_t)n + 8192;
    short *x = aimc_realloc(p->ctx, p->x, cap * sizeof *x);
    if (!x) {
      p->oom = 1;
      return 1; /* abort synthesis */
    }
    p->x = x;
    p->cap = cap;
  }
  memcpy(p->x + p->n, wav, (size_t)n * sizeof *wav);
  p->n += (size_t)n;
  return 0;
}

static int synth(aimc_ctx *ctx, const aimc_espeak_plugin *es, pcm *out,
                 const char *voice, const char *word, int wpm, int pitch,
                 int range, int amplitude) {
  out->n = 0;
  int e = es->synth(voice, word, wpm, pitch, range, amplitude, collect, out);
  if (e == ESPEAK_PLUGIN_NO_VOICE)
    return aimc_error(ctx, AIMC_ENOTFOUND, "espeak-ng has no voice '%s'",
                      voice);
  if (out->oom) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  if (e != ESPEAK_PLUGIN_OK || out->n == 0)
    return aimc_error(ctx, AIMC_EFAIL, "espeak-ng failed on '%s' (voice %s)",
                      word, voice);
  return AIMC_OK;
}
#endif

/* Writes 16-bit FLAC to path.tmp and renames it over path. */
static int write_flac(aimc_ctx *ctx, const char *path, const float *x, size_t n,
                      int rate_Hz) {
  char tmp[AIMC_PARAM_STRLEN * 2];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  SF_INFO info = {.samplerate = rate_Hz,
                  .channels = 1,
                  .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
  SNDFILE *sf = sf_open(tmp, SFM_WRITE, &info);
  if (!sf)
    return aimc_error(ctx, AIMC_EIO, "%s: cannot write (%s)", tmp,
                      sf_strerror(NULL));
  sf_count_t put = sf_writef_float(sf, x, (sf_count_t)n);
  int bad = put != (sf_count_t)n || sf_close(sf) != 0;
  if (bad || rename(tmp, path) != 0) {
    remove(tmp);
    return aimc_error(ctx, AIMC_EIO, "%s: write failed", path);
  }
  return AIMC_OK;
}

/* Appends "name\n" to a growing list buffer. */
static int list_add(aimc_ctx *ctx, char **buf, size_t *len, size_t *cap,
                    const char *name) {
  size_t k = strlen(name);
  if (*len + k + 2 > *cap) {
    size_t ncap = 2 * *cap + k + 4096;
    char *nb = aimc_realloc(ctx, *buf, ncap);
    if (!nb) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    *buf = nb;
    *cap = ncap;
  }
  memcpy(*buf + *len, name, k);
  (*buf)[*len + k] = '\n';
  *len += k + 1;
  (*buf)[*len] = '\0';
  return AIMC_OK;
}

int aimc_digits_generate(aimc_ctx *ctx, const char *dir,
                         const aimc_digits_gen *g,
                         aimc_data_progress_fn progress, void *user) {
#ifndef AIMC_HAVE_ESPEAK
  (void)dir;
  (void)g;
  (void)progress;
  (void)user;
  return aimc_error(ctx, AIMC_ENOTFOUND,
                    "data digits: this build has no libespeak-ng (install "
                    "libespeak-ng-dev and re-run cmake)");
#else
  if (g->n_speakers < 2 || g->n_speakers > 99 || g->n_test_speakers < 1 ||
      g->n_test_speakers >= g->n_speakers || g->n_trials < 1 ||
      g->n_trials > 1000)
    return aimc_error(ctx, AIMC_EINVAL,
                      "data digits: need 2 <= speakers <= 99 (got %d), 1 <= "
                      "test speakers < speakers (got %d), 1 <= trials <= 1000 "
                      "(got %d)",
                      g->n_speakers, g->n_test_speakers, g->n_trials);
  if (!(g->reverb >= 0 && g->reverb <= 1) || !(g->rt60_s_min > 0) ||
      !(g->rt60_s_min <= g->rt60_s_max) || g->rt60_s_max > 5)
    return aimc_error(ctx, AIMC_EINVAL,
                      "data digits: need 0 <= reverb <= 1 (got %g) and 0 < "
                      "RT60 min <= max <= 5 s (got %g, %g)",
                      g->reverb, g->rt60_s_min, g->rt60_s_max);
  char path[AIMC_PARAM_STRLEN * 2];
  struct stat sb;
  snprintf(path, sizeof path, "%s/train_filenames.txt", dir);
  if (stat(path, &sb) == 0)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s already holds a data set (%s exists); choose another "
                      "--out or remove it first",
                      dir, path);
  snprintf(path, sizeof path, "%s/audio", dir);
  int st = aimc_mkdirs(ctx, path);
  if (st) return st;
  const void *table;
  st = aimc_plugin_load(ctx, "espeak", "libespeak-ng",
                        sizeof(aimc_espeak_plugin), AIMC_ENOTFOUND, &table);
  if (st) return st;
  const aimc_espeak_plugin *es = table;
  int rate = es->init();
  if (rate <= 0)
    return aimc_error(ctx, AIMC_ENOTFOUND,
                      "cannot initialise libespeak-ng (is espeak-ng-data "
                      "installed?)");

  speaker spk[99];
  make_speakers(aimc_ctx_seed(ctx), spk, g->n_speakers);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  pcm wave = {.ctx = ctx};
  float *dry = NULL; /* the synthesized utterance as floats */
  size_t dry_cap = 0;
  aimc_digits_conv *conv = aimc_digits_conv_alloc(ctx);
  char *list[2] = {NULL, NULL};
  size_t len[2] = {0, 0}, cap[2] = {0, 0};
  size_t total = (size_t)g->n_speakers * 2 * (size_t)g->n_trials * 10, done = 0;
  if (!r || !conv) st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  for (int s = 0; s < g->n_speakers && st == AIMC_OK; s++) {
    int test = s >= g->n_speakers - g->n_test_speakers;
    for (int lang = 0; lang < 2 && st == AIMC_OK; lang++)
      for (int t = 0; t < g->n_trials && st == AIMC_OK; t++)
        for (int d = 0; d < 10 && st == AIMC_OK; d++) {
          char name[96];
          snprintf(name, sizeof name,
                   "lang-%s_speaker-%02d_trial-%d_digit-%d.flac",
                   LANG_NAMES[lang], s, t, d);
          gsl_rng_set(r, (unsigned long)aimc_seed_derive(aimc_ctx_seed(ctx),
                                                         aimc_hash_str(name)));
          /* Per-utterance prosody around the speaker's: pitch, pitch
           * range, speed and espeak level. */
          int pitch = (int)lround(
              fmin(99, fmax(0, spk[s].pitch + gsl_ran_flat(r, -12, 12))));
          int range = (int)lround(
              fmin(99, fmax(0, spk[s].range + gsl_ran_flat(r, -15, 15))));
          int wpm = (int)lround(spk[s].speed_wpm * gsl_ran_flat(r, 0.8, 1.25));
          int amp = (int)lround(gsl_ran_flat(r, 50, 150));
          float *y = NULL;
          size_t n = 0;
          st = synth(ctx, es, &wave, spk[s].voice[lang], WORDS[lang][d], wpm,
                     pitch, range, amp);
          if (st == AIMC_OK && wave.n > dry_cap) {
            float *nd = aimc_realloc(ctx, dry, wave.n * sizeof *nd);
            if (!nd)
              st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
            else {
              dry = nd;
              dry_cap = wave.n;
            }
          }
          if (st == AIMC_OK) {
            for (size_t i = 0; i < wave.n; i++) dry[i] = wave.x[i] / 32768.0f;
            st = aimc_digits_render(ctx, conv, r, dry, wave.n, rate, g, NULL,
                                    &y, &n);
          }
          snprintf(path, sizeof path, "%s/audio/%s", dir, name);
          if (st == AIMC_OK) st = write_flac(ctx, path, y, n, rate);
          if (st == AIMC_OK)
            st = list_add(ctx, &list[test], &len[test], &cap[test], name);
          aimc_free(ctx, y);
          if (progress) progress(user, ++done, total);
        }
  }
  /* What made the tree (aimc_digits_tree_is_current reads the first
   * line), then the lists last, the train list (the marker checked above)
   * at the very end: a tree without it is incomplete and may be generated
   * again. */
  if (st == AIMC_OK) {
    char about[512];
    int k = snprintf(about, sizeof about,
                     "%s\nseed %llu\nspeakers %d\ntest_speakers %d\ntrials "
                     "%d\nsnr_dB %g:%g\nreverb %g\nrt60_s %g:%g\n",
                     AIMC_DIGITS_GEN_TAG,
                     (unsigned long long)aimc_ctx_seed(ctx), g->n_speakers,
                     g->n_test_speakers, g->n_trials, g->snr_dB_min,
                     g->snr_dB_max, g->reverb, g->rt60_s_min, g->rt60_s_max);
    snprintf(path, sizeof path, "%s/generator.txt", dir);
    st = aimc_write_file_atomic(ctx, path, about, (size_t)k);
  }
  static const char *const LISTS[2] = {"train_filenames.txt",
                                       "test_filenames.txt"};
  for (int l = 1; l >= 0 && st == AIMC_OK; l--) {
    snprintf(path, sizeof path, "%s/%s", dir, LISTS[l]);
    st = aimc_write_file_atomic(ctx, path, list[l], len[l]);
  }
  aimc_free(ctx, list[0]);
  aimc_free(ctx, list[1]);
  aimc_free(ctx, wave.x);
  aimc_free(ctx, dry);
  aimc_digits_conv_free(ctx, conv);
  if (r) gsl_rng_free(r);
  return st;
#endif
}
