/* Features of the listed files of a digits tree: read from the feature
 * cache (only the blocks a load needs: the train list's, the test list's)
 * when it matches, else computed from the audio and cached; and the
 * normalisation statistics kept beside the cache, so a test-split load
 * reads neither the training files' features nor their audio. */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/status.h"
#include "data_internal.h"
#include "digits_internal.h"

void aimc_digits_audio_path(char *buf, size_t len, const char *dir,
                            const char *name) {
  /* Real HD lists give bare names under audio/; a path is taken as is. */
  snprintf(buf, len, strchr(name, '/') ? "%s/%s" : "%s/audio/%s", dir, name);
}

/* Hash of everything the cached features depend on: settings (not
 * downsample: the cache holds full-rate frames), the split into lists,
 * names, sizes and modification times of the audio files. */
static uint64_t cache_key(const aimc_data_spec *spec, const char *dir,
                          const aimc_file_list *fl, int64_t *sizes) {
  char buf[AIMC_PARAM_STRLEN * 2 + 128];
  snprintf(buf, sizeof buf, "logmel-v3 %d %.9g %.9g %.9g %.9g train=%zu",
           spec->n_mels, spec->window_s, spec->hop_s, spec->f_min_Hz,
           spec->f_max_Hz, fl->n_train);
  uint64_t h = aimc_hash_str(buf);
  for (size_t i = 0; i < fl->n; i++) {
    struct stat sb;
    aimc_digits_audio_path(buf, sizeof buf, dir, fl->name[i]);
    uint64_t stamp = 0;
    int found = stat(buf, &sb) == 0;
    if (found)
      stamp = (uint64_t)sb.st_size * 1000003u ^ (uint64_t)sb.st_mtime;
    if (sizes) sizes[i] = found ? (int64_t)sb.st_size : -1;
    h = aimc_seed_derive(h ^ aimc_hash_str(fl->name[i]), stamp + i);
  }
  return h;
}

/* Computes the features of every listed file: frames[i] per file, rows
 * concatenated in *x. All files must share one sample rate. */
static int compute_features(aimc_ctx *ctx, const aimc_data_spec *spec,
                            const char *dir, const aimc_file_list *fl,
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
    aimc_digits_audio_path(path, sizeof path, dir, fl->name[i]);
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

void aimc_digits_features_init(const aimc_data_spec *spec, const char *dir,
                               const aimc_file_list *fl, int64_t *sizes,
                               aimc_digits_features *f) {
  memset(f, 0, sizeof *f);
  snprintf(f->cache_path, sizeof f->cache_path, "%s/features.cache", dir);
  snprintf(f->stats_path, sizeof f->stats_path, "%s/features.stats", dir);
  f->key = cache_key(spec, dir, fl, sizes);
}

/* Rebuilds the features of every file and, when asked, the cache. */
static int rebuild(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                   const aimc_file_list *fl, aimc_digits_features *f) {
  memset(f->has, 1, fl->n);
  f->cached = 0;
  if (!(f->frames = aimc_calloc(ctx, fl->n, sizeof *f->frames)))
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  int st = compute_features(ctx, spec, dir, fl, f->frames, &f->x);
  if (st || !spec->cache) return st;
  st = aimc_feature_cache_save(ctx, f->cache_path, f->key, fl->n,
                               (size_t)spec->n_mels, f->frames, f->x);
  if (st == AIMC_ENOMEM) return st;
  if (st) { /* e.g. a read-only tree: carry on without a cache */
    aimc_log(ctx, AIMC_LOG_WARN, "data: cannot write the feature cache: %s",
             aimc_ctx_errmsg(ctx));
    aimc_ctx_clear_error(ctx);
    return AIMC_OK;
  }
  f->cached = 1;
  return AIMC_OK;
}

int aimc_digits_features_load(aimc_ctx *ctx, const aimc_data_spec *spec,
                              const char *dir, const aimc_file_list *fl,
                              const unsigned char *want,
                              aimc_digits_features *f) {
  if (!(f->has = aimc_malloc(ctx, fl->n ? fl->n : 1)))
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  int st = AIMC_ENOTFOUND;
  if (spec->cache) {
    st = aimc_feature_cache_load(ctx, f->cache_path, f->key, fl->n,
                                 (size_t)spec->n_mels, want, &f->frames, &f->x);
    if (st == AIMC_OK) {
      memcpy(f->has, want, fl->n);
      f->cached = 1;
      return AIMC_OK;
    }
    if (st != AIMC_ENOMEM) {
      if (st != AIMC_ENOTFOUND)
        aimc_log(ctx, AIMC_LOG_WARN, "data: %s; rebuilding it",
                 aimc_ctx_errmsg(ctx));
      aimc_ctx_clear_error(ctx);
    }
  }
  if (st != AIMC_ENOMEM) st = rebuild(ctx, spec, dir, fl, f);
  if (st) aimc_digits_features_fini(ctx, f);
  return st;
}

void aimc_digits_features_fini(aimc_ctx *ctx, aimc_digits_features *f) {
  aimc_free(ctx, f->frames);
  aimc_free(ctx, f->x);
  aimc_free(ctx, f->has);
  f->frames = NULL;
  f->x = NULL;
  f->has = NULL;
}

int aimc_digits_stats_get(aimc_ctx *ctx, const aimc_data_spec *spec,
                          const aimc_digits_features *f, uint32_t class_mask,
                          float *mean, float *std) {
  if (!spec->cache) return AIMC_ENOTFOUND;
  int st = aimc_norm_stats_load(ctx, f->stats_path, f->key, class_mask,
                                (uint32_t)spec->downsample,
                                (size_t)spec->n_mels, mean, std);
  if (st == AIMC_OK || st == AIMC_ENOMEM || st == AIMC_ENOTFOUND) return st;
  aimc_log(ctx, AIMC_LOG_WARN, "data: %s; recomputing them",
           aimc_ctx_errmsg(ctx));
  aimc_ctx_clear_error(ctx);
  return AIMC_ENOTFOUND;
}

int aimc_digits_stats_put(aimc_ctx *ctx, const aimc_data_spec *spec,
                          const aimc_digits_features *f, uint32_t class_mask,
                          const float *mean, const float *std) {
  if (!f->cached) return AIMC_OK; /* no cache to go with: nothing to keep */
  int st = aimc_norm_stats_store(ctx, f->stats_path, f->key, class_mask,
                                 (uint32_t)spec->downsample,
                                 (size_t)spec->n_mels, mean, std);
  if (st == AIMC_OK || st == AIMC_ENOMEM) return st;
  aimc_log(ctx, AIMC_LOG_WARN,
           "data: cannot write the normalisation statistics: %s",
           aimc_ctx_errmsg(ctx));
  aimc_ctx_clear_error(ctx);
  return AIMC_OK;
}
