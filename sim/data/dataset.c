/* The loaded data set: ragged sample storage, splits, per-feature
 * normalisation on the training split, and copies out (sample, batch).
 * Loading dispatches to the Fashion-MNIST or the HD-digits loader. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "data_internal.h"

aimc_dataset *aimc_dataset_new(aimc_ctx *ctx, size_t n, size_t n_features,
                               size_t n_classes,
                               const char *const *class_names) {
  aimc_dataset *ds = aimc_calloc(ctx, 1, sizeof *ds);
  if (!ds) goto oom;
  ds->n = n;
  ds->n_features = n_features;
  ds->n_classes = n_classes;
  ds->byte_scale = 1.0f;
  ds->class_names = aimc_calloc(ctx, n_classes, sizeof(char *));
  ds->labels = aimc_calloc(ctx, n ? n : 1, sizeof(int));
  ds->offset = aimc_calloc(ctx, n ? n : 1, sizeof(size_t));
  ds->valid = aimc_calloc(ctx, n ? n : 1, sizeof(size_t));
  ds->name_off = aimc_calloc(ctx, n ? n : 1, sizeof(size_t));
  ds->mean = aimc_calloc(ctx, n_features, sizeof(float));
  ds->std = aimc_calloc(ctx, n_features, sizeof(float));
  if (!ds->class_names || !ds->labels || !ds->offset || !ds->valid ||
      !ds->name_off || !ds->mean || !ds->std)
    goto oom;
  for (size_t c = 0; c < n_classes; c++)
    if (!(ds->class_names[c] = aimc_strdup(ctx, class_names[c]))) goto oom;
  for (size_t f = 0; f < n_features; f++) ds->std[f] = 1.0f;
  return ds;
oom:
  aimc_dataset_free(ctx, ds);
  aimc_error(ctx, AIMC_ENOMEM, "data: out of memory for %zu samples", n);
  return NULL;
}

void aimc_dataset_free(aimc_ctx *ctx, aimc_dataset *ds) {
  if (!ds) return;
  if (ds->class_names)
    for (size_t c = 0; c < ds->n_classes; c++)
      aimc_free(ctx, ds->class_names[c]);
  aimc_free(ctx, ds->class_names);
  aimc_free(ctx, ds->labels);
  aimc_free(ctx, ds->offset);
  aimc_free(ctx, ds->valid);
  aimc_free(ctx, ds->xf);
  aimc_free(ctx, ds->xb);
  aimc_free(ctx, ds->mean);
  aimc_free(ctx, ds->std);
  aimc_free(ctx, ds->names);
  aimc_free(ctx, ds->name_off);
  aimc_free(ctx, ds->speaker);
  for (int s = 0; s < AIMC_SPLIT_COUNT; s++) aimc_free(ctx, ds->split_idx[s]);
  aimc_free(ctx, ds);
}

/* A private RNG for split decisions, so loading does not disturb the
 * context's stream (which the trainer uses for its own draws). */
/* The splits' stream: from the data's own seed, else the run's. */
static gsl_rng *split_rng(aimc_ctx *ctx, const aimc_data_spec *spec, const char *purpose) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  uint64_t seed = spec->seed ? (uint64_t)spec->seed : aimc_ctx_seed(ctx);
  if (r) gsl_rng_set(r, (unsigned long)aimc_seed_derive(seed, aimc_hash_str(purpose)));
  return r;
}

/* Keeps a seeded pick of at most `keep` indices of split s, in order. */
static int thin_split(aimc_ctx *ctx, aimc_dataset *ds, int s, size_t keep,
                      gsl_rng *r) {
  size_t m = ds->split_n[s];
  if (m <= keep) return AIMC_OK;
  size_t *src = aimc_malloc(ctx, m * sizeof *src);
  if (!src) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  memcpy(src, ds->split_idx[s], m * sizeof *src);
  gsl_ran_choose(r, ds->split_idx[s], keep, src, m, sizeof *src);
  ds->split_n[s] = keep;
  aimc_free(ctx, src);
  return AIMC_OK;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Marks the training samples of a seeded pick of whole training speakers
 * in to_val. Refuses too few speakers (found vs needed). */
static int pick_val_speakers(aimc_ctx *ctx, const aimc_dataset *ds,
                             const unsigned char *is_test,
                             const aimc_data_spec *spec, const char *where,
                             gsl_rng *r, unsigned char *to_val) {
  size_t n = ds->n ? ds->n : 1, n_spk = 0;
  int *ids = aimc_malloc(ctx, n * sizeof *ids);
  if (!ids) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  for (size_t i = 0; i < ds->n; i++)
    if (!is_test[i]) ids[n_spk++] = ds->speaker[i];
  qsort(ids, n_spk, sizeof *ids, cmp_int);
  size_t u = 0; /* distinct ids, sorted: the pick depends only on the seed */
  for (size_t j = 0; j < n_spk; j++)
    if (u == 0 || ids[u - 1] != ids[j]) ids[u++] = ids[j];
  size_t k = spec->val_speakers > 0
                 ? (size_t)spec->val_speakers
                 : (size_t)floor(spec->val_fraction * (double)u + 0.5);
  if (spec->val_speakers < 0 && spec->val_fraction > 0 && k == 0) k = 1;
  if (k > 0 && u < k + 1) {
    aimc_free(ctx, ids);
    return aimc_error(
        ctx, AIMC_EINVAL,
        "%s: %zu training speaker%s found, but a speaker-disjoint "
        "validation split of %zu speaker%s needs at least %zu (%zu for "
        "validation, 1 for training); use more speakers, a smaller "
        "val_speakers, or val_speakers: 0 for a random split of the files",
        where, u, u == 1 ? "" : "s", k, k == 1 ? "" : "s", k + 1, k);
  }
  if (u > 1) gsl_ran_shuffle(r, ids, u, sizeof *ids);
  qsort(ids, k, sizeof *ids, cmp_int); /* the k picked, for bsearch */
  for (size_t i = 0; i < ds->n; i++)
    if (!is_test[i] && k > 0 &&
        bsearch(&ds->speaker[i], ids, k, sizeof *ids, cmp_int))
      to_val[i] = 1;
  aimc_free(ctx, ids);
  return AIMC_OK;
}

int aimc_dataset_make_splits(aimc_ctx *ctx, aimc_dataset *ds,
                             const unsigned char *is_test,
                             const aimc_data_spec *spec, const char *where) {
  if (!ds->speaker && spec->val_speakers > 0)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: val_speakers = %d asks for whole speakers, but this "
                      "data set has no speakers (use val_speakers: -1 or 0 and "
                      "val_fraction)",
                      where, spec->val_speakers);
  size_t n = ds->n ? ds->n : 1, n_trainval = 0;
  for (size_t i = 0; i < ds->n; i++) n_trainval += !is_test[i];
  size_t *order = aimc_calloc(ctx, n, sizeof *order);
  unsigned char *to_val = aimc_calloc(ctx, n, 1);
  gsl_rng *r = split_rng(ctx, spec, "data-splits");
  int st = AIMC_OK;
  for (int s = 0; s < AIMC_SPLIT_COUNT; s++) {
    ds->split_idx[s] = aimc_calloc(ctx, n, sizeof(size_t));
    ds->split_n[s] = 0;
    if (!ds->split_idx[s]) st = AIMC_ENOMEM;
  }
  if (st || !order || !to_val || !r) {
    st = aimc_error(ctx, AIMC_ENOMEM, "data: out of memory for splits");
    goto done;
  }
  if (ds->speaker && spec->val_speakers != 0) {
    /* Validation: whole training speakers (issue #15): a model is judged
     * on voices it has not trained on. */
    if ((st = pick_val_speakers(ctx, ds, is_test, spec, where, r, to_val)))
      goto done;
  } else {
    /* Validation: a random subset of the training files. */
    size_t n_val =
        (size_t)floor(spec->val_fraction * (double)n_trainval + 0.5), k = 0;
    for (size_t i = 0; i < ds->n; i++)
      if (!is_test[i]) order[k++] = i;
    if (n_trainval > 1) gsl_ran_shuffle(r, order, n_trainval, sizeof *order);
    for (size_t j = 0; j < n_val; j++) to_val[order[j]] = 1;
  }
  /* Every split keeps file order so it reads naturally. */
  for (size_t i = 0; i < ds->n; i++) {
    int s = is_test[i]  ? AIMC_SPLIT_TEST
            : to_val[i] ? AIMC_SPLIT_VAL
                        : AIMC_SPLIT_TRAIN;
    ds->split_idx[s][ds->split_n[s]++] = i;
  }
  for (int s = 0; s < AIMC_SPLIT_COUNT && spec->max_per_split > 0 && !st; s++)
    st = thin_split(ctx, ds, s, (size_t)spec->max_per_split, r);
  for (int s = 0; s < AIMC_SPLIT_COUNT && ds->speaker && !st; s++) {
    int *ids = (int *)order; /* n size_t's hold n ints */
    size_t m = ds->split_n[s], u = 0;
    for (size_t j = 0; j < m; j++) ids[j] = ds->speaker[ds->split_idx[s][j]];
    qsort(ids, m, sizeof *ids, cmp_int);
    for (size_t j = 0; j < m; j++) u += j == 0 || ids[j] != ids[j - 1];
    ds->split_spk[s] = u;
  }
done:
  aimc_free(ctx, order);
  aimc_free(ctx, to_val);
  if (r) gsl_rng_free(r);
  return st;
}

static inline float raw_value(const aimc_dataset *ds, size_t e) {
  return ds->xf ? ds->xf[e] : (float)ds->xb[e] * ds->byte_scale;
}

void aimc_dataset_normalise(aimc_dataset *ds, const unsigned char *is_test) {
  size_t F = ds->n_features;
  for (size_t f = 0; f < F; f++) {
    double sum = 0, sum2 = 0;
    size_t count = 0;
    for (size_t i = 0; i < ds->n; i++) {
      if (is_test[i]) continue;
      for (size_t t = 0; t < ds->valid[i]; t++) {
        double v = raw_value(ds, ds->offset[i] + t * F + f);
        sum += v;
        sum2 += v * v;
      }
      count += ds->valid[i];
    }
    double mean = count ? sum / (double)count : 0.0;
    double var = count ? sum2 / (double)count - mean * mean : 1.0;
    ds->mean[f] = (float)mean;
    ds->std[f] = (float)fmax(sqrt(fmax(var, 0.0)), 1e-6);
  }
}

static int load_splits(aimc_ctx *ctx, const aimc_data_spec *spec,
                       unsigned splits, aimc_dataset **out) {
  *out = NULL;
  char dir[AIMC_PARAM_STRLEN + 32];
  aimc_data_default_dir(spec, dir, sizeof dir);
  if (spec->task == AIMC_TASK_FMNIST_ROWS ||
      spec->task == AIMC_TASK_FMNIST_PIXELS)
    return aimc_fmnist_load(ctx, spec, dir, out);
  return aimc_digits_load(ctx, spec, dir, splits, out);
}

int aimc_dataset_load(aimc_ctx *ctx, const aimc_data_spec *spec,
                      aimc_dataset **out) {
  return load_splits(ctx, spec, (1u << AIMC_SPLIT_COUNT) - 1, out);
}

int aimc_dataset_load_split(aimc_ctx *ctx, const aimc_data_spec *spec,
                            aimc_data_split split, aimc_dataset **out) {
  if ((unsigned)split >= AIMC_SPLIT_COUNT) {
    *out = NULL;
    return aimc_error(ctx, AIMC_EINVAL, "data: no split %d", (int)split);
  }
  return load_splits(ctx, spec, 1u << split, out);
}

size_t aimc_dataset_size(const aimc_dataset *ds) { return ds->n; }
uint64_t aimc_dataset_fingerprint(const aimc_dataset *ds) {
  return ds->fingerprint;
}
size_t aimc_dataset_length(const aimc_dataset *ds) { return ds->length; }
size_t aimc_dataset_n_features(const aimc_dataset *ds) {
  return ds->n_features;
}
size_t aimc_dataset_n_classes(const aimc_dataset *ds) { return ds->n_classes; }
const char *aimc_dataset_class_name(const aimc_dataset *ds, size_t c) {
  return c < ds->n_classes ? ds->class_names[c] : "";
}
const size_t *aimc_dataset_split(const aimc_dataset *ds, aimc_data_split s,
                                 size_t *n) {
  *n = ds->split_n[s];
  return ds->split_idx[s];
}
int aimc_dataset_label(const aimc_dataset *ds, size_t i) {
  return ds->labels[i];
}
size_t aimc_dataset_valid_steps(const aimc_dataset *ds, size_t i) {
  return ds->valid[i] < ds->length ? ds->valid[i] : ds->length;
}
const char *aimc_dataset_sample_name(const aimc_dataset *ds, size_t i) {
  return ds->names + ds->name_off[i];
}
int aimc_dataset_speaker(const aimc_dataset *ds, size_t i) {
  return ds->speaker ? ds->speaker[i] : -1;
}

size_t aimc_dataset_split_speakers(const aimc_dataset *ds, aimc_data_split s) {
  return ds->split_spk[s];
}

const float *aimc_dataset_feature_mean(const aimc_dataset *ds) {
  return ds->mean;
}
const float *aimc_dataset_feature_std(const aimc_dataset *ds) {
  return ds->std;
}

void aimc_dataset_get(const aimc_dataset *ds, size_t i, float *x) {
  size_t F = ds->n_features, steps = aimc_dataset_valid_steps(ds, i);
  for (size_t t = 0; t < steps; t++)
    for (size_t f = 0; f < F; f++)
      x[t * F + f] =
          (raw_value(ds, ds->offset[i] + t * F + f) - ds->mean[f]) / ds->std[f];
  memset(x + steps * F, 0, (ds->length - steps) * F * sizeof *x);
}

void aimc_dataset_gather(const aimc_dataset *ds, const size_t *idx, size_t n,
                         float *x, int *y, float *mask) {
  size_t L = ds->length, F = ds->n_features;
  for (size_t b = 0; b < n; b++) {
    aimc_dataset_get(ds, idx[b], x + b * L * F);
    if (y) y[b] = ds->labels[idx[b]];
    if (mask) {
      size_t steps = aimc_dataset_valid_steps(ds, idx[b]);
      for (size_t t = 0; t < L; t++) mask[b * L + t] = t < steps ? 1.0f : 0.0f;
    }
  }
}
