/* Loader of spoken digits in the Heidelberg Digits layout (Cramer et al.
 * 2020): DIR/train_filenames.txt and DIR/test_filenames.txt list audio
 * files DIR/audio/lang-<english|german>_speaker-NN_trial-T_digit-D.<ext>;
 * the HD label is D + 10 * (language is German). Features of every listed
 * file come from the cache when it matches, else they are computed and
 * cached; the task then keeps its classes. */
#define _POSIX_C_SOURCE 200809L /* strtok_r, stat */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"

#define HD_N_CLASSES 20
static const char *const HD_CLASSES[HD_N_CLASSES] = {
    "zero",  "one",   "two",   "three",  "four", "five", "six",
    "seven", "eight", "nine",  "null",   "eins", "zwei", "drei",
    "vier",  "fuenf", "sechs", "sieben", "acht", "neun"};

int aimc_hd_parse_name(aimc_ctx *ctx, const char *name, int *language,
                       int *speaker, int *trial, int *digit) {
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  char lang[16], ext[8];
  int used = 0;
  if (sscanf(base, "lang-%15[a-z]_speaker-%d_trial-%d_digit-%d.%7[a-z0-9]%n",
             lang, speaker, trial, digit, ext, &used) != 5 ||
      base[used] != '\0' || *digit < 0 || *digit > 9 || *speaker < 0 ||
      *trial < 0 ||
      (strcmp(lang, "english") != 0 && strcmp(lang, "german") != 0))
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: not an HD file name (expected lang-<english|german>"
                      "_speaker-NN_trial-T_digit-D.flac)",
                      name);
  *language = strcmp(lang, "german") == 0;
  return AIMC_OK;
}

/* The task's classes as HD labels, in label order. */
static int task_classes(aimc_ctx *ctx, const aimc_data_spec *spec, int *hd,
                        size_t *k) {
  *k = 0;
  if (spec->task == AIMC_TASK_DIGITS20) {
    for (int c = 0; c < HD_N_CLASSES; c++) hd[(*k)++] = c;
    return AIMC_OK;
  }
  if (spec->task == AIMC_TASK_ZERO_ONE) {
    hd[0] = 0;
    hd[1] = 1;
    *k = 2;
    return AIMC_OK;
  }
  char list[AIMC_PARAM_STRLEN];
  snprintf(list, sizeof list, "%s", spec->classes);
  for (char *save, *tok = strtok_r(list, ", ", &save); tok;
       tok = strtok_r(NULL, ", ", &save)) {
    int c = -1;
    char *end;
    long v = strtol(tok, &end, 10);
    if (*end == '\0' && end != tok && v >= 0 && v < HD_N_CLASSES) c = (int)v;
    for (int j = 0; j < HD_N_CLASSES && c < 0; j++)
      if (strcmp(tok, HD_CLASSES[j]) == 0) c = j;
    if (c < 0 && strcmp(tok, "fünf") == 0) c = 15;
    if (c < 0)
      return aimc_error(ctx, AIMC_EINVAL,
                        "data.classes: unknown class '%s' (use zero..nine, "
                        "null..neun or HD labels 0-19)",
                        tok);
    for (size_t j = 0; j < *k; j++)
      if (hd[j] == c)
        return aimc_error(ctx, AIMC_EINVAL, "data.classes: '%s' listed twice",
                          tok);
    hd[(*k)++] = c;
  }
  if (*k < 2)
    return aimc_error(ctx, AIMC_EINVAL,
                      "data.classes: need at least two classes, got '%s'",
                      spec->classes);
  return AIMC_OK;
}

/* The listed files of the tree (train list first, then test list). */
typedef struct {
  size_t n;
  char *text[2];     /* the two list files, split in place */
  const char **name; /* n entries pointing into text       */
  int *hd;           /* n HD labels                        */
  int *speaker;      /* n speaker ids (speaker-NN)         */
  unsigned char *is_test;
} file_list;

static void file_list_fini(aimc_ctx *ctx, file_list *fl) {
  aimc_free(ctx, fl->text[0]);
  aimc_free(ctx, fl->text[1]);
  aimc_free(ctx, fl->name);
  aimc_free(ctx, fl->hd);
  aimc_free(ctx, fl->speaker);
  aimc_free(ctx, fl->is_test);
}

static int read_lists(aimc_ctx *ctx, const char *dir, file_list *fl) {
  static const char *const LISTS[2] = {"train_filenames.txt",
                                       "test_filenames.txt"};
  char path[AIMC_PARAM_STRLEN + 64];
  size_t size[2], cap = 0;
  for (int l = 0; l < 2; l++) {
    snprintf(path, sizeof path, "%s/%s", dir, LISTS[l]);
    if (aimc_read_file(ctx, path, &fl->text[l], &size[l]) != AIMC_OK)
      return aimc_error(ctx, AIMC_ENOTFOUND,
                        "%s: missing file list (is %s a Heidelberg-Digits "
                        "tree? make one with 'aimc data digits --out %s')",
                        path, dir, dir);
    for (size_t i = 0; i < size[l]; i++) cap += fl->text[l][i] == '\n';
    cap++;
  }
  fl->name = aimc_calloc(ctx, cap, sizeof *fl->name);
  fl->hd = aimc_calloc(ctx, cap, sizeof *fl->hd);
  fl->speaker = aimc_calloc(ctx, cap, sizeof *fl->speaker);
  fl->is_test = aimc_calloc(ctx, cap, 1);
  if (!fl->name || !fl->hd || !fl->speaker || !fl->is_test)
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  for (int l = 0; l < 2; l++) {
    snprintf(path, sizeof path, "%s/%s", dir, LISTS[l]);
    int line = 0;
    for (char *save, *s = strtok_r(fl->text[l], "\n", &save); s;
         s = strtok_r(NULL, "\n", &save)) {
      line++;
      size_t len = strlen(s);
      while (len && (s[len - 1] == '\r' || s[len - 1] == ' ')) s[--len] = 0;
      if (!len) continue;
      int lang, spk, trial, digit;
      if (aimc_hd_parse_name(ctx, s, &lang, &spk, &trial, &digit)) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", aimc_ctx_errmsg(ctx));
        return aimc_error(ctx, AIMC_EFORMAT, "%s:%d: %s", path, line, msg);
      }
      fl->name[fl->n] = s;
      fl->hd[fl->n] = digit + 10 * lang;
      fl->speaker[fl->n] = spk;
      fl->is_test[fl->n++] = (unsigned char)l;
    }
  }
  if (fl->n == 0)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: the file lists are empty", dir);
  return AIMC_OK;
}

static void audio_path(char *buf, size_t len, const char *dir,
                       const char *name) {
  /* Real HD lists give bare names under audio/; a path is taken as is. */
  snprintf(buf, len, strchr(name, '/') ? "%s/%s" : "%s/audio/%s", dir, name);
}

/* Hash of everything the cached features depend on: settings (not
 * downsample: the cache holds full-rate frames), names, sizes and
 * modification times of the audio files. */
static uint64_t cache_key(const aimc_data_spec *spec, const char *dir,
                          const file_list *fl) {
  char buf[AIMC_PARAM_STRLEN * 2 + 128];
  snprintf(buf, sizeof buf, "logmel-v2 %d %.9g %.9g %.9g %.9g", spec->n_mels,
           spec->window_s, spec->hop_s, spec->f_min_Hz, spec->f_max_Hz);
  uint64_t h = aimc_hash_str(buf);
  for (size_t i = 0; i < fl->n; i++) {
    struct stat sb;
    audio_path(buf, sizeof buf, dir, fl->name[i]);
    uint64_t stamp = 0;
    if (stat(buf, &sb) == 0)
      stamp = (uint64_t)sb.st_size * 1000003u ^ (uint64_t)sb.st_mtime;
    h = aimc_seed_derive(h ^ aimc_hash_str(fl->name[i]), stamp + i);
  }
  return h;
}

/* Computes the features of every listed file: frames[i] per file, rows
 * concatenated in *x. All files must share one sample rate. */
static int compute_features(aimc_ctx *ctx, const aimc_data_spec *spec,
                            const char *dir, const file_list *fl,
                            size_t *frames, float **x) {
  char path[AIMC_PARAM_STRLEN * 2];
  aimc_logmel_plan *plan = NULL;
  double rate0 = 0;
  size_t M = (size_t)spec->n_mels, used = 0, cap = 0;
  float *buf = NULL;
  int st = AIMC_OK;
  aimc_log(ctx, AIMC_LOG_INFO, "data: computing log-mel features of %zu files",
           fl->n);
  for (size_t i = 0; i < fl->n && st == AIMC_OK; i++) {
    float *audio;
    size_t n;
    double rate;
    audio_path(path, sizeof path, dir, fl->name[i]);
    if ((st = aimc_audio_read(ctx, path, &audio, &n, &rate))) break;
    if (!plan) {
      rate0 = rate;
      st = aimc_logmel_plan_alloc(ctx, spec, rate, &plan);
    } else if (rate != rate0) {
      st = aimc_error(ctx, AIMC_EFORMAT,
                      "%s: sample-rate mismatch: %g Hz, but earlier files of "
                      "the set have %g Hz",
                      path, rate, rate0);
    }
    if (st == AIMC_OK) {
      frames[i] = aimc_logmel_frames(plan, n);
      if ((used + frames[i]) * M > cap) {
        size_t ncap = 2 * cap + frames[i] * M + 4096;
        float *nb = aimc_realloc(ctx, buf, ncap * sizeof *nb);
        if (!nb)
          st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
        else {
          buf = nb;
          cap = ncap;
        }
      }
    }
    if (st == AIMC_OK) {
      aimc_logmel_run(plan, audio, n, buf + used * M);
      used += frames[i];
    }
    aimc_free(ctx, audio);
  }
  aimc_logmel_plan_free(ctx, plan);
  if (st) {
    aimc_free(ctx, buf);
    return st;
  }
  *x = buf;
  return AIMC_OK;
}

/* Features from the cache if it matches, else computed (and cached). */
static int load_features(aimc_ctx *ctx, const aimc_data_spec *spec,
                         const char *dir, const file_list *fl, size_t **frames,
                         float **x) {
  char path[AIMC_PARAM_STRLEN + 64];
  snprintf(path, sizeof path, "%s/features.cache", dir);
  uint64_t key = cache_key(spec, dir, fl);
  size_t M = (size_t)spec->n_mels;
  if (spec->cache) {
    int st = aimc_feature_cache_load(ctx, path, key, fl->n, M, frames, x);
    if (st == AIMC_OK || st == AIMC_ENOMEM) return st;
    if (st != AIMC_ENOTFOUND)
      aimc_log(ctx, AIMC_LOG_WARN, "data: %s; rebuilding it",
               aimc_ctx_errmsg(ctx));
    aimc_ctx_clear_error(ctx);
  }
  if (!(*frames = aimc_calloc(ctx, fl->n, sizeof **frames)))
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  int st = compute_features(ctx, spec, dir, fl, *frames, x);
  if (st) {
    aimc_free(ctx, *frames);
    *frames = NULL;
    return st;
  }
  if (spec->cache) {
    st = aimc_feature_cache_save(ctx, path, key, fl->n, M, *frames, *x);
    if (st == AIMC_ENOMEM) {
      aimc_free(ctx, *frames);
      aimc_free(ctx, *x);
      *frames = NULL;
      *x = NULL;
      return st;
    }
    if (st) { /* e.g. a read-only tree: carry on without a cache */
      aimc_log(ctx, AIMC_LOG_WARN, "data: cannot write the feature cache: %s",
               aimc_ctx_errmsg(ctx));
      aimc_ctx_clear_error(ctx);
    }
  }
  return AIMC_OK;
}

/* Builds the dataset of the task's classes from all files' features. */
static int build(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                 const file_list *fl, const int *hd, size_t k,
                 const size_t *frames, float *x, aimc_dataset **out) {
  int label_of[HD_N_CLASSES];
  const char *names[HD_N_CLASSES];
  for (int c = 0; c < HD_N_CLASSES; c++) label_of[c] = -1;
  for (size_t j = 0; j < k; j++) {
    label_of[hd[j]] = (int)j;
    names[j] = HD_CLASSES[hd[j]];
  }
  size_t n = 0, name_bytes = 0, train_count[HD_N_CLASSES] = {0};
  for (size_t i = 0; i < fl->n; i++)
    if (label_of[fl->hd[i]] >= 0) {
      n++;
      name_bytes += strlen(fl->name[i]) + 1;
      if (!fl->is_test[i]) train_count[label_of[fl->hd[i]]]++;
    }
  for (size_t j = 0; j < k; j++)
    if (train_count[j] == 0)
      return aimc_error(ctx, AIMC_EINVAL,
                        "%s/train_filenames.txt: class '%s' (HD label %d) has "
                        "no training file",
                        dir, names[j], hd[j]);
  size_t M = (size_t)spec->n_mels;
  aimc_dataset *ds = aimc_dataset_new(ctx, n, M, k, names);
  unsigned char *is_test = aimc_calloc(ctx, n ? n : 1, 1);
  if (!ds || !is_test || !(ds->names = aimc_malloc(ctx, name_bytes)) ||
      !(ds->speaker = aimc_calloc(ctx, n ? n : 1, sizeof *ds->speaker))) {
    aimc_free(ctx, is_test);
    aimc_dataset_free(ctx, ds);
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  }
  size_t s = 0, off = 0, longest = 0, name_at = 0;
  for (size_t i = 0; i < fl->n; i++, off += frames[i - 1] * M) {
    if (label_of[fl->hd[i]] < 0) continue;
    ds->labels[s] = label_of[fl->hd[i]];
    ds->offset[s] = off;
    ds->valid[s] = frames[i];
    ds->speaker[s] = fl->speaker[i];
    ds->name_off[s] = name_at;
    memcpy(ds->names + name_at, fl->name[i], strlen(fl->name[i]) + 1);
    name_at += strlen(fl->name[i]) + 1;
    is_test[s] = fl->is_test[i];
    if (frames[i] > longest) longest = frames[i];
    s++;
  }
  ds->xf = x; /* all files' features; the task's samples point into it */
  ds->length = spec->length > 0 ? (size_t)spec->length : longest;
  char where[AIMC_PARAM_STRLEN + 32];
  snprintf(where, sizeof where, "%s/train_filenames.txt", dir);
  int st = aimc_dataset_make_splits(ctx, ds, is_test, spec, where);
  if (st == AIMC_OK) aimc_dataset_normalise(ds, is_test);
  aimc_free(ctx, is_test);
  if (st) {
    ds->xf = NULL; /* still owned by the caller */
    aimc_dataset_free(ctx, ds);
    return st;
  }
  *out = ds;
  return AIMC_OK;
}

/* Averages every k frames of every file in place (the same averaging of
 * log-mel values as aimc_logmel_run), updating frames[]. */
static void downsample_in_place(size_t n_files, size_t *frames, float *x,
                                size_t n_mels, size_t k) {
  size_t src = 0, dst = 0; /* row offsets */
  for (size_t i = 0; i < n_files; i++) {
    size_t rows = (frames[i] + k - 1) / k;
    for (size_t r = 0; r < rows; r++) {
      size_t group = frames[i] - r * k < k ? frames[i] - r * k : k;
      for (size_t b = 0; b < n_mels; b++) {
        float sum = 0;
        for (size_t g = 0; g < group; g++)
          sum += x[(src + r * k + g) * n_mels + b] / (float)group;
        x[(dst + r) * n_mels + b] = sum; /* dst + r <= src + r * k */
      }
    }
    src += frames[i];
    dst += rows;
    frames[i] = rows;
  }
}

/* The test list should hold other speakers than the train list (then the
 * test accuracy is about new voices). The real HD release does not (10 of
 * its 12 speakers have files in both lists), so a shared speaker is a
 * warning that says how many, not an error. */
static int warn_shared_speakers(aimc_ctx *ctx, const char *dir,
                                const file_list *fl) {
  enum { MAX_ID = 1024 };
  unsigned char *side = aimc_calloc(ctx, MAX_ID, 1); /* bit 0 train, 1 test */
  if (!side) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  size_t shared = 0, test = 0;
  for (size_t i = 0; i < fl->n; i++)
    if (fl->speaker[i] < MAX_ID)
      side[fl->speaker[i]] |= (unsigned char)(1u << fl->is_test[i]);
  for (int id = 0; id < MAX_ID; id++) {
    shared += side[id] == 3;
    test += (side[id] & 2) != 0;
  }
  if (shared)
    aimc_log(ctx, AIMC_LOG_WARN,
             "data: %s: %zu of the %zu test speakers also have training "
             "files, so the test accuracy is not only about new speakers",
             dir, shared, test);
  aimc_free(ctx, side);
  return AIMC_OK;
}

int aimc_digits_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     aimc_dataset **out) {
  int hd[HD_N_CLASSES];
  size_t k;
  int st = task_classes(ctx, spec, hd, &k);
  if (st) return st;
  file_list fl = {0};
  size_t *frames = NULL;
  float *x = NULL;
  /* Features at the full frame rate (shared cache for every downsample
   * setting, e.g. a trainer and a runner), then averaged. */
  aimc_data_spec full = *spec;
  full.downsample = 1;
  if ((st = read_lists(ctx, dir, &fl)) == AIMC_OK &&
      (st = warn_shared_speakers(ctx, dir, &fl)) == AIMC_OK &&
      (st = load_features(ctx, &full, dir, &fl, &frames, &x)) == AIMC_OK) {
    if (spec->downsample > 1)
      downsample_in_place(fl.n, frames, x, (size_t)spec->n_mels,
                          (size_t)spec->downsample);
    if ((st = build(ctx, spec, dir, &fl, hd, k, frames, x, out)) == AIMC_OK)
      x = NULL; /* now owned by the dataset */
  }
  aimc_free(ctx, x);
  aimc_free(ctx, frames);
  file_list_fini(ctx, &fl);
  return st;
}
