/* Internals of the data layer shared by its files: the dataset layout and
 * the builders the loaders use. Invariants of aimc_dataset: sample i has
 * valid[i] <= length steps stored from element offset[i] (ragged, no
 * padding stored); exactly one of xf (floats) and xb (bytes, scaled by
 * byte_scale) holds the samples; mean/std have n_features entries. */
#ifndef AIMC_DATA_INTERNAL_H
#define AIMC_DATA_INTERNAL_H

#include <gsl/gsl_rng.h>
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
  uint64_t fingerprint; /* aimc_data_fingerprint, or 0: not taken  */
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

/* Loaders behind aimc_dataset_load and aimc_dataset_load_split. The
 * digits loader reads the features of the splits in `splits` (bit s =
 * split s) only; Fashion-MNIST always loads every split. */
int aimc_fmnist_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     aimc_dataset **out);
int aimc_digits_load(aimc_ctx *ctx, const aimc_data_spec *spec, const char *dir,
                     unsigned splits, aimc_dataset **out);

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

/* Background-noise colours of the digit generator (augment.c). */
enum { AIMC_NOISE_WHITE, AIMC_NOISE_PINK, AIMC_NOISE_BROWN, AIMC_NOISE_COUNT };
extern const char *const AIMC_NOISE_COLOUR_NAMES[AIMC_NOISE_COUNT];

/* FFT workspace of the room convolution, kept across utterances (ws of
 * aimc_digits_render; NULL there makes one per call). Not thread-safe
 * (FFTW planning). NULL frees nothing. */
typedef struct aimc_digits_conv aimc_digits_conv;
aimc_digits_conv *aimc_digits_conv_alloc(aimc_ctx *ctx);
void aimc_digits_conv_free(aimc_ctx *ctx, aimc_digits_conv *w);

/* What aimc_digits_render drew and did to one utterance. */
typedef struct {
  double lead_s, tail_s; /* silence before and after the speech          */
  double peak;           /* peak of the scaled speech (linear)           */
  double gain;           /* speech scale factor applied                  */
  double rt60_s;         /* 0 when dry                                   */
  double drr_dB;         /* direct-to-reverberant ratio; inf when dry    */
  int colour;            /* AIMC_NOISE_*                                 */
  double snr_dB;         /* inf without noise                            */
  double speech_power;   /* mean square of the scaled speech over the
                            dry utterance's span                          */
  size_t lead, n_speech; /* speech at out[lead .. lead+n_speech-1]       */
} aimc_digits_aug;

/* Augments one utterance speech[0..n-1] (float, any scale): room
 * reverberation with probability g->reverb (synthetic impulse response of
 * RT60 in [g->rt60_s_min, g->rt60_s_max], direct-to-reverberant ratio
 * U(-5, 10) dB; its tail runs into the trailing silence and is cut at the
 * file's end with a 20 ms fade), a peak level U(-26, -1) dBFS, U(0, 200) ms
 * of leading and U(0, 150) ms of trailing silence, and noise of a random colour whose
 * power over the whole file is exactly speech_power / 10^(snr/10), SNR
 * U(g->snr_dB_min, g->snr_dB_max) (none when min > max); clipped to
 * [-1, 1]. *out (aimc_malloc'd, *n_out samples); info (may be NULL) says
 * what was drawn. Deterministic for the state of r. */
int aimc_digits_render(aimc_ctx *ctx, aimc_digits_conv *ws, gsl_rng *r,
                       const float *speech, size_t n, double rate_Hz,
                       const aimc_digits_gen *g, aimc_digits_aug *info,
                       float **out, size_t *n_out);

/* Feature cache of a digits tree (cache.c): `key` hashes the settings and
 * the file lists. Load reads the header and only the files flagged in
 * `want` (n_files flags; NULL = all): *frames (all n_files) and *x (the
 * wanted files' rows, in file order) are aimc_malloc'd. AIMC_ENOTFOUND
 * when absent, AIMC_ECHECKSUM when the header or a read file's features
 * are corrupt, AIMC_EFORMAT when its shape, version or key do not match,
 * AIMC_ERANGE when a value is no log-mel feature (the caller then
 * rebuilds). */
int aimc_feature_cache_load(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels,
                            const unsigned char *want, size_t **frames,
                            float **x);
int aimc_feature_cache_save(aimc_ctx *ctx, const char *path, uint64_t key,
                            size_t n_files, size_t n_mels, const size_t *frames,
                            const float *x);

/* Normalisation statistics of a digits tree (normstats.c), one entry per
 * (HD class mask, downsample), bound to the feature cache's key. Load:
 * AIMC_ENOTFOUND when there is no such entry (or the file is absent or of
 * another key); AIMC_ECHECKSUM, AIMC_EFORMAT or AIMC_ERANGE when the file
 * is corrupt (the caller recomputes). Store adds an entry (keeping at most
 * 64) and writes the file atomically. */
int aimc_norm_stats_load(aimc_ctx *ctx, const char *path, uint64_t key,
                         uint32_t class_mask, uint32_t downsample,
                         size_t n_mels, float *mean, float *std);
int aimc_norm_stats_store(aimc_ctx *ctx, const char *path, uint64_t key,
                          uint32_t class_mask, uint32_t downsample,
                          size_t n_mels, const float *mean, const float *std);

/* CRC-32 (zlib) of len bytes; whether v can be a log-mel feature. */
uint32_t aimc_data_crc32(const void *data, size_t len);
int aimc_data_feature_ok(double v);

#endif
