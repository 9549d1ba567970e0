/* Loader of spoken digits in the Heidelberg Digits layout (Cramer et al.
 * 2020): DIR/train_filenames.txt and DIR/test_filenames.txt list audio
 * files DIR/audio/lang-<english|german>_speaker-NN_trial-T_digit-D.<ext>;
 * the HD label is D + 10 * (language is German). The features of the lists
 * a load needs come from digits_features.c; the task then keeps its
 * classes. Samples of a list not loaded keep their names, labels and
 * speakers (the splits are drawn from all of them, as in a full load) but
 * no features, and their splits are empty. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "data_internal.h"
#include "digits_internal.h"

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

static void file_list_fini(aimc_ctx *ctx, aimc_file_list *fl) {
  aimc_free(ctx, fl->text[0]);
  aimc_free(ctx, fl->text[1]);
  aimc_free(ctx, fl->name);
  aimc_free(ctx, fl->hd);
  aimc_free(ctx, fl->speaker);
  aimc_free(ctx, fl->is_test);
}

static int read_lists(aimc_ctx *ctx, const char *dir, aimc_file_list *fl) {
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
    if (l == 0) fl->n_train = fl->n;
  }
  if (fl->n == 0)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: the file lists are empty", dir);
  return AIMC_OK;
}

/* The task's samples: all listed files of its classes; their features
 * where f holds them. A split whose list's samples lack features is
 * emptied. Normalisation: computed from the training files when f holds
 * them all (and kept beside the cache), else `stats` (mean, then std). */
static int build(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                 const aimc_file_list *fl, const int *hd, size_t k,
                 const aimc_digits_features *f, const float *stats,
                 aimc_dataset **out) {
  int label_of[HD_N_CLASSES];
  const char *names[HD_N_CLASSES];
  uint32_t class_mask = 0;
  for (int c = 0; c < HD_N_CLASSES; c++) label_of[c] = -1;
  for (size_t j = 0; j < k; j++) {
    label_of[hd[j]] = (int)j;
    names[j] = HD_CLASSES[hd[j]];
    class_mask |= 1u << hd[j];
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
  unsigned missing = 0; /* bit l: a sample of list l without features */
  for (size_t i = 0; i < fl->n; i++) {
    if (label_of[fl->hd[i]] >= 0) {
      ds->labels[s] = label_of[fl->hd[i]];
      ds->offset[s] = f->has[i] ? off : 0;
      ds->valid[s] = f->has[i] ? f->frames[i] : 0; /* no features: no steps */
      ds->speaker[s] = fl->speaker[i];
      ds->name_off[s] = name_at;
      memcpy(ds->names + name_at, fl->name[i], strlen(fl->name[i]) + 1);
      name_at += strlen(fl->name[i]) + 1;
      is_test[s] = fl->is_test[i];
      if (f->frames[i] > longest) longest = f->frames[i];
      if (!f->has[i]) missing |= 1u << fl->is_test[i];
      s++;
    }
    if (f->has[i]) off += f->frames[i] * M;
  }
  ds->xf = f->x; /* the loaded files' features; samples point into it */
  ds->length = spec->length > 0 ? (size_t)spec->length : longest;
  char where[AIMC_PARAM_STRLEN + 32];
  snprintf(where, sizeof where, "%s/train_filenames.txt", dir);
  int st = aimc_dataset_make_splits(ctx, ds, is_test, spec, where);
  if (st == AIMC_OK && (missing >> AIMC_LIST_TRAIN & 1u)) {
    memcpy(ds->mean, stats, M * sizeof *ds->mean);
    memcpy(ds->std, stats + M, M * sizeof *ds->std);
  } else if (st == AIMC_OK) {
    aimc_dataset_normalise(ds, is_test);
    st = aimc_digits_stats_put(ctx, spec, f, class_mask, ds->mean, ds->std);
  }
  for (int sp = 0; sp < AIMC_SPLIT_COUNT && st == AIMC_OK; sp++) {
    int list = sp == AIMC_SPLIT_TEST ? AIMC_LIST_TEST : AIMC_LIST_TRAIN;
    if (missing >> list & 1u) ds->split_n[sp] = ds->split_spk[sp] = 0;
  }
  aimc_free(ctx, is_test);
  if (st) {
    ds->xf = NULL; /* still owned by the caller */
    aimc_dataset_free(ctx, ds);
    return st;
  }
  *out = ds;
  return AIMC_OK;
}

/* Averages every k frames of every file f holds in place (the same
 * averaging of log-mel values as aimc_logmel_run), updating frames[] of
 * every file. */
static void downsample_in_place(const aimc_file_list *fl,
                                aimc_digits_features *f, size_t n_mels,
                                size_t k) {
  size_t src = 0, dst = 0; /* row offsets */
  float *x = f->x;
  for (size_t i = 0; i < fl->n; i++) {
    size_t rows = (f->frames[i] + k - 1) / k;
    if (f->has[i]) {
      for (size_t r = 0; r < rows; r++) {
        size_t group = f->frames[i] - r * k < k ? f->frames[i] - r * k : k;
        for (size_t b = 0; b < n_mels; b++) {
          float sum = 0;
          for (size_t g = 0; g < group; g++)
            sum += x[(src + r * k + g) * n_mels + b] / (float)group;
          x[(dst + r) * n_mels + b] = sum; /* dst + r <= src + r * k */
        }
      }
      src += f->frames[i];
      dst += rows;
    }
    f->frames[i] = rows;
  }
}

/* The test list should hold other speakers than the train list (then the
 * test accuracy is about new voices). The real HD release does not (10 of
 * its 12 speakers have files in both lists), so a shared speaker is a
 * warning that says how many, not an error. */
static int warn_shared_speakers(aimc_ctx *ctx, const char *dir,
                                const aimc_file_list *fl) {
  enum { MAX_ID = 1024 }; /* HD ids are 0-11; larger ids go uncounted */
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

/* Flags the files a load of `splits` (bit s = split s) needs: the
 * task's files of the lists holding those splits. */
static void wanted_files(const aimc_file_list *fl, uint32_t class_mask,
                         unsigned splits, unsigned char *want) {
  unsigned lists = 0;
  if (splits & (1u << AIMC_SPLIT_TEST)) lists |= 1u << AIMC_LIST_TEST;
  if (splits & (1u << AIMC_SPLIT_TRAIN | 1u << AIMC_SPLIT_VAL))
    lists |= 1u << AIMC_LIST_TRAIN;
  for (size_t i = 0; i < fl->n; i++)
    want[i] = (class_mask >> fl->hd[i] & 1u) && (lists >> fl->is_test[i] & 1u);
}

int aimc_digits_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     unsigned splits, aimc_dataset **out) {
  int hd[HD_N_CLASSES];
  size_t k, M = (size_t)spec->n_mels;
  int st = task_classes(ctx, spec, hd, &k);
  if (st) return st;
  uint32_t class_mask = 0;
  for (size_t j = 0; j < k; j++) class_mask |= 1u << hd[j];
  aimc_file_list fl = {0};
  aimc_digits_features f = {0};
  unsigned char *want = NULL;
  float *stats = NULL; /* mean, std kept beside the cache, or NULL */
  int64_t *sizes = NULL; /* of the audio files, for the fingerprint */
  /* Features at the full frame rate (shared cache for every downsample
   * setting, e.g. a trainer and a runner), then averaged. */
  aimc_data_spec full = *spec;
  full.downsample = 1;
  if ((st = read_lists(ctx, dir, &fl)) == AIMC_OK &&
      (st = warn_shared_speakers(ctx, dir, &fl)) == AIMC_OK) {
    if (!(want = aimc_malloc(ctx, fl.n)) ||
        !(stats = aimc_malloc(ctx, 2 * M * sizeof *stats)) ||
        !(sizes = aimc_malloc(ctx, fl.n * sizeof *sizes)))
      st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
    else
      aimc_digits_features_init(&full, dir, &fl, sizes, &f);
  }
  /* The corpus's fingerprint, from the same scan of the audio files. */
  uint64_t fp = 0;
  if (st == AIMC_OK)
    st = aimc_data_fingerprint_scanned(ctx, spec, &fl, sizes, &fp);
  if (st == AIMC_OK) {
    wanted_files(&fl, class_mask, splits, want);
    /* Without the training files, the statistics they give (kept beside
     * the cache); when none are kept, the training files after all. */
    if (!(splits & (1u << AIMC_SPLIT_TRAIN | 1u << AIMC_SPLIT_VAL)) &&
        (st = aimc_digits_stats_get(ctx, spec, &f, class_mask, stats,
                                    stats + M)) == AIMC_ENOTFOUND) {
      wanted_files(&fl, class_mask, splits | 1u << AIMC_SPLIT_TRAIN, want);
      st = AIMC_OK;
    }
  }
  if (st == AIMC_OK &&
      (st = aimc_digits_features_load(ctx, &full, dir, &fl, want, &f)) ==
          AIMC_OK) {
    if (spec->downsample > 1)
      downsample_in_place(&fl, &f, M, (size_t)spec->downsample);
    if ((st = build(ctx, spec, dir, &fl, hd, k, &f, stats, out)) == AIMC_OK)
      f.x = NULL; /* now owned by the dataset */
  }
  if (st == AIMC_OK) (*out)->fingerprint = fp;
  aimc_free(ctx, sizes);
  aimc_free(ctx, want);
  aimc_free(ctx, stats);
  aimc_digits_features_fini(ctx, &f);
  file_list_fini(ctx, &fl);
  return st;
}
