/* Internals of the digits loader shared by its files (digits.c reads the
 * lists and builds the data set, digits_features.c gets the features and
 * the normalisation statistics). Invariant of aimc_file_list: the train
 * list's files come first (indices < n_train), then the test list's. */
#ifndef AIMC_DIGITS_INTERNAL_H
#define AIMC_DIGITS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/data.h"

/* The two file lists, train first. */
enum { AIMC_LIST_TRAIN = 0, AIMC_LIST_TEST = 1 };

/* The listed files of the tree (train list first, then test list). */
typedef struct {
  size_t n, n_train;
  char *text[2];     /* the two list files, split in place */
  const char **name; /* n entries pointing into text       */
  int *hd;           /* n HD labels                        */
  int *speaker;      /* n speaker ids (speaker-NN)         */
  unsigned char *is_test;
} aimc_file_list;

/* DIR/audio/<name>, or DIR/<name> for a name with a path. */
void aimc_digits_audio_path(char *buf, size_t len, const char *dir,
                            const char *name);

/* The features of a load: frames of every file (full frame rate), rows of
 * the files flagged in `has` only, in file order. */
typedef struct {
  char cache_path[AIMC_PARAM_STRLEN + 64], stats_path[AIMC_PARAM_STRLEN + 64];
  uint64_t key;       /* the cache's key for these settings and files */
  size_t *frames;     /* n                                             */
  float *x;           /* rows of the files flagged in has              */
  unsigned char *has; /* n: x holds file i's rows                      */
  int cached;         /* the cache on disk matches x (read or written) */
} aimc_digits_features;

/* Names the cache files and computes the key (stats every audio file);
 * sizes (n entries, or NULL) gets each file's size, -1 when missing, for
 * the corpus fingerprint. */
void aimc_digits_features_init(const aimc_data_spec *spec, const char *dir,
                               const aimc_file_list *fl, int64_t *sizes,
                               aimc_digits_features *f);
/* Reads the files flagged in want (n flags) from the cache, or computes
 * every file (and writes the cache) when it is absent, stale or corrupt
 * (logged). */
int aimc_digits_features_load(aimc_ctx *ctx, const aimc_data_spec *spec,
                              const char *dir, const aimc_file_list *fl,
                              const unsigned char *want,
                              aimc_digits_features *f);
void aimc_digits_features_fini(aimc_ctx *ctx, aimc_digits_features *f);

/* Normalisation statistics of the classes in class_mask (bit = HD label)
 * at spec->downsample, kept beside the cache. Get: AIMC_ENOTFOUND when
 * none are kept (a corrupt file is logged and counts as none). Put keeps
 * them when the cache on disk matches (a failed write is logged). */
int aimc_digits_stats_get(aimc_ctx *ctx, const aimc_data_spec *spec,
                          const aimc_digits_features *f, uint32_t class_mask,
                          float *mean, float *std);
int aimc_digits_stats_put(aimc_ctx *ctx, const aimc_data_spec *spec,
                          const aimc_digits_features *f, uint32_t class_mask,
                          const float *mean, const float *std);

/* aimc_data_fingerprint with the sizes of fl's files already known (from
 * aimc_digits_features_init), so they are not stat'ed again; fl NULL: stat
 * every file (fingerprint.c). The same value either way. */
int aimc_data_fingerprint_scanned(aimc_ctx *ctx, const aimc_data_spec *spec,
                                  const aimc_file_list *fl,
                                  const int64_t *sizes, uint64_t *fp);

#endif
