/* Internals of the data layer shared by its files: the dataset layout and
 * the builders the loaders use. Invariants of aimc_dataset: sample i has
 * valid[i] <= length steps stored from element offset[i] (ragged, no
 * padding stored); exactly one of xf (floats) and xb (bytes, scaled by
 * byte_scale) holds the samples; mean/std have n_features entries. */
#ifndef AIMC_DATA_INTERNAL_H
#define AIMC_DATA_INTERNAL_H

#include <stddef.h>

#include "aimc/data.h"

struct aimc_dataset {
  size_t n, length, n_features, n_classes;
  char **class_names;     /* n_classes strings                  */
  int *labels;            /* n                                  */
  size_t *offset, *valid; /* n: element offset and valid steps  */
  float *xf;              /* float storage, or NULL             */
  unsigned char *xb;      /* byte storage, or NULL              */
  float byte_scale;       /* xb value * byte_scale = raw value  */
  float *mean, *std;      /* n_features                         */
  char *names;            /* sample names, NUL-separated        */
  int *speaker;           /* n speaker ids, or NULL: no speakers */
  size_t *name_off;       /* n                                  */
  size_t *split_idx[AIMC_SPLIT_COUNT];
  size_t split_n[AIMC_SPLIT_COUNT];
  size_t split_spk[AIMC_SPLIT_COUNT]; /* distinct speakers per split */
};

/* Allocates an empty dataset with n samples, class names copied, and the
 * per-sample arrays (labels, offset, valid, name_off) and mean/std. The
 * caller fills storage, names and splits. NULL (ENOMEM recorded) on
 * failure. */
aimc_dataset *aimc_dataset_new(aimc_ctx *ctx, size_t n, size_t n_features,
                               size_t n_classes,
                               const char *const *class_names);

/* Assigns samples to splits: `is_test[i]` marks test samples; of the
 * others, validation takes whole speakers (ds->speaker set and
 * spec->val_speakers != 0: see aimc_data_spec) or a seeded share
 * val_fraction of the files; then each split keeps at most max_per_split
 * samples (seeded pick, 0 = all). The seed is a stream of the context's
 * seed. `where` names the data in errors (e.g. the train list's path).
 * AIMC_EINVAL when there are too few training speakers for the speaker
 * split, or val_speakers > 0 on a data set without speakers. */
int aimc_dataset_make_splits(aimc_ctx *ctx, aimc_dataset *ds,
                             const unsigned char *is_test,
                             const aimc_data_spec *spec, const char *where);

/* Computes mean/std per feature over the valid steps of every sample not
 * marked is_test (the training files: train and validation splits), so
 * the statistics depend neither on the seed nor on max_per_split and the
 * trainer and the inference runner normalise alike. std is floored at
 * 1e-6 so constant features stay finite. */
void aimc_dataset_normalise(aimc_dataset *ds, const unsigned char *is_test);

/* Loaders behind aimc_dataset_load. */
int aimc_fmnist_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     aimc_dataset **out);
int aimc_digits_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     aimc_dataset **out);

/* Log-mel extractor reused over many signals of one sample rate. */
typedef struct aimc_logmel_plan aimc_logmel_plan;
int aimc_logmel_plan_alloc(aimc_ctx *ctx, const aimc_data_spec *spec,
                           double rate_Hz, aimc_logmel_plan **out);
void aimc_logmel_plan_free(aimc_ctx *ctx, aimc_logmel_plan *p);
/* Frames the plan gives for n samples (after downsampling). */
size_t aimc_logmel_frames(const aimc_logmel_plan *p, size_t n);
/* Writes aimc_logmel_frames(p, n) * n_mels floats into out. */
void aimc_logmel_run(aimc_logmel_plan *p, const float *x, size_t n, float *out);

/* Reads a mono (channels averaged) audio file through libsndfile into an
 * aimc_malloc'd buffer. Errors name the file: AIMC_ENOTFOUND (missing),
 * AIMC_EFORMAT (unreadable or truncated). */
int aimc_audio_read(aimc_ctx *ctx, const char *path, float **x, size_t *n,
                    double *rate_Hz);

/* Feature cache of a digits tree: `key` hashes the settings and the file
 * list. Load returns AIMC_ENOTFOUND when absent or AIMC_EFORMAT /
 * AIMC_ECHECKSUM when it does not match or is corrupt (the caller then
 * rebuilds); on success *frames (n_files) and *x are aimc_malloc'd. */
int aimc_feature_cache_load(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels, size_t **frames,
                            float **x);
int aimc_feature_cache_save(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels, const size_t *frames,
                            const float *x);

#endif
