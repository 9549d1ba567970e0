/* Data sets for the trainer and the simulator: spoken digits in the
 * Heidelberg Digits (HD) layout (synthesized with espeak-ng, or the real HD
 * release) turned into log-mel sequences, and sequential Fashion-MNIST.
 *
 * Shape of a loaded data set: every sample is a sequence of exactly
 * `length` time steps of `n_features` floats, stored time-major (row t holds
 * the features of step t). Digits are cropped or zero-padded to `length`
 * frames (after normalisation, so padding equals the training mean);
 * aimc_dataset_valid_steps gives each sample's true length for masking.
 * Features are normalised per feature with the mean and standard deviation
 * of the training files only (the train and validation splits, never the
 * test split), so the statistics do not depend on the seed: a trainer and
 * an inference run that load the same spec normalise alike. Labels are 0 ..
 * n_classes-1 in the order of the task's class list. */
#ifndef AIMC_DATA_H
#define AIMC_DATA_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/param.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Specification: what to load, bindable from YAML (a `data:` section) */

typedef enum {
  AIMC_TASK_DIGITS20 = 0, /* all 20 HD classes (English 0-9, German 0-9) */
  AIMC_TASK_ZERO_ONE,     /* IMSSA's binary task: English "zero" vs "one" */
  AIMC_TASK_CLASSES,      /* the HD classes listed in `classes`           */
  AIMC_TASK_FMNIST_ROWS,  /* Fashion-MNIST row by row: L = 28, 28 features */
  AIMC_TASK_FMNIST_PIXELS /* Fashion-MNIST pixel by pixel: L = 784, 1 feature */
} aimc_data_task;

typedef struct {
  int task;                        /* aimc_data_task (YAML: digits20, zero_one,
                                      classes, fmnist_rows, fmnist_pixels)    */
  char dir[AIMC_PARAM_STRLEN];     /* data directory; "" = default (see
                                      aimc_data_default_dir)                  */
  char classes[AIMC_PARAM_STRLEN]; /* task=classes: comma-separated class
                                      names or HD labels, e.g. "zero,null,7" */
  int n_mels;                      /* mel bands                               */
  double window_s;                 /* analysis window length, seconds         */
  double hop_s;                    /* hop between frames, seconds             */
  double f_min_Hz, f_max_Hz;       /* mel filterbank range                    */
  int downsample;                  /* keep the mean of every k frames         */
  int length;                      /* steps per sample (digits); 0 = longest  */
  double val_fraction;             /* share of the training files (or, with
                                      val_speakers = -1, of the training
                                      speakers) held out as validation       */
  int val_speakers;                /* validation split of digit tasks:
                                      -1 (default) = whole training speakers,
                                      max(1, round(val_fraction * training
                                      speakers)) of them; N > 0 = N whole
                                      speakers; 0 = random files (val_fraction,
                                      speakers shared with train). Fashion-
                                      MNIST has no speakers: -1 and 0 draw
                                      random images, N > 0 is refused.        */
  int max_per_split;               /* keep at most this many samples per
                                      split (seeded pick); 0 = all            */
  int seed;                        /* the splits' draws (validation pick,
                                      max_per_split); 0 = the run's seed      */
  int cache; /* 1: read/write the feature cache          */
} aimc_data_spec;

/* The parameter table of aimc_data_spec (keys as in the struct). Bind a
 * trainer config's `data:` section with
 *   aimc_params_defaults(t, n, &spec); aimc_cfg_bind(ctx, node, t, n, &spec,
 *   "data", NULL);
 * where t = aimc_data_params(&n). */
const aimc_param *aimc_data_params(size_t *n);

/* The directory used when spec->dir is empty: for digit tasks
 * "$AIMC_DATA/digits" if AIMC_DATA is set, else "data/digits" (relative to
 * the working directory); for Fashion-MNIST "/usr/share/datasets/
 * fashion-mnist" (Debian package dataset-fashion-mnist). Writes at most
 * len bytes into buf and returns buf. */
char *aimc_data_default_dir(const aimc_data_spec *spec, char *buf, size_t len);

/* Parses the one-line form of a spec, "TASK[,KEY=VALUE...]" (as `aimc run
 * --data` and sweep settings take it, e.g. "zero_one,downsample=2"), into
 * *spec. A text that starts with a task describes a whole spec: the keys it
 * does not give take their defaults. Without the task ("downsample=1,
 * dir=/data/digits") it edits *spec, changing only the keys given (so a
 * run can adjust the spec a model recorded). A piece without '=' after a
 * string key continues its value, so class lists keep their commas:
 * "classes,classes=zero,null,7". Errors (AIMC_EINVAL or the binder's
 * AIMC_EPARSE / AIMC_ERANGE) start with `what` (e.g. "--data") and name
 * the key and the value. */
int aimc_data_spec_parse(aimc_ctx *ctx, const char *what, const char *text,
                         aimc_data_spec *spec);

/* The canonical one-line form of a spec, which aimc_data_spec_parse reads
 * back to the same values: the task, then every other key in table order
 * as key=value (reals to full precision; empty strings and a seed of 0,
 * the run's, left out), except `dir` and `cache`, which say where the data
 * live on this machine and not what they are. This is what an exported model records as the data it
 * was trained on. Writes at most len bytes into buf and returns buf;
 * AIMC_DATA_SPEC_TEXT_LEN always suffices. */
#define AIMC_DATA_SPEC_TEXT_LEN 1024
char *aimc_data_spec_format(const aimc_data_spec *spec, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Loaded data set                                                     */

typedef struct aimc_dataset aimc_dataset;

typedef enum {
  AIMC_SPLIT_TRAIN = 0,
  AIMC_SPLIT_VAL = 1,
  AIMC_SPLIT_TEST = 2,
  AIMC_SPLIT_COUNT = 3
} aimc_data_split;

/* Loads the data set a spec describes. Digits: reads the HD tree
 * (train_filenames.txt, test_filenames.txt, audio/<name>), computes log-mel
 * features (or reads them from the cache in the data directory, rebuilt
 * when the settings or the file list change or the cache is corrupt).
 * The validation split is drawn from the training files with a stream of
 * the context's seed, so it is deterministic for a seed. For digit tasks
 * it holds out whole training speakers by default (val_speakers), so no
 * speaker is in both the train and the validation split; the test split
 * is the test list as given (the real HD release shares 10 of its 12
 * speakers between its lists; a shared speaker is logged as a warning).
 * Errors (name the file or parameter): AIMC_ENOTFOUND (missing file or
 * directory), AIMC_EFORMAT (bad magic, truncated file, sample-rate
 * mismatch, unparsable file name), AIMC_EINVAL (unknown class, a class with
 * no training sample, too few training speakers for a speaker-disjoint
 * validation split: the message gives how many were found and needed),
 * AIMC_ENOMEM. *out is NULL on error. */
int aimc_dataset_load(aimc_ctx *ctx, const aimc_data_spec *spec,
                      aimc_dataset **out);
/* Loads what split `split` needs, for a reader of that split alone (aimc
 * run): the same samples, lengths, splits and normalisation as
 * aimc_dataset_load, bit for bit, but for digit tasks only the features of
 * the file list that holds the split (the test list for the test split,
 * the train list for train and validation), read from the feature cache
 * with that list's own checksum. The normalisation statistics of the
 * training files are kept beside the cache (computed by the first load
 * that reads the training files), so a test-split load reads no training
 * features once they are there. Other splits may report no samples (they
 * do when their list was not read). Errors as aimc_dataset_load;
 * AIMC_EINVAL for a split that does not exist. */
int aimc_dataset_load_split(aimc_ctx *ctx, const aimc_data_spec *spec,
                            aimc_data_split split, aimc_dataset **out);
/* NULL is a no-op. */
void aimc_dataset_free(aimc_ctx *ctx, aimc_dataset *ds);

size_t aimc_dataset_size(const aimc_dataset *ds);       /* all splits   */
size_t aimc_dataset_length(const aimc_dataset *ds);     /* steps L      */
size_t aimc_dataset_n_features(const aimc_dataset *ds); /* features F   */
size_t aimc_dataset_n_classes(const aimc_dataset *ds);
/* Class name of label c (e.g. "zero", "null", "T-shirt/top"); borrowed. */
const char *aimc_dataset_class_name(const aimc_dataset *ds, size_t c);

/* The samples of a split, as indices into the data set (borrowed; valid
 * while ds lives). Sets *n to their number. */
const size_t *aimc_dataset_split(const aimc_dataset *ds, aimc_data_split s,
                                 size_t *n);

int aimc_dataset_label(const aimc_dataset *ds, size_t i);
/* Steps of sample i that carry data (<= length; the rest is padding). */
size_t aimc_dataset_valid_steps(const aimc_dataset *ds, size_t i);
/* Source name of sample i (audio file name, or "fmnist-train-123"). */
const char *aimc_dataset_sample_name(const aimc_dataset *ds, size_t i);
/* Speaker of sample i: the NN of the file name's "speaker-NN" (>= 0), or
 * -1 when the data set has no speakers (Fashion-MNIST). With a speaker-
 * disjoint validation split no speaker id occurs in both the train and
 * the validation split. */
int aimc_dataset_speaker(const aimc_dataset *ds, size_t i);
/* Number of distinct speakers among the samples of split s (0 when the
 * data set has no speakers). */
size_t aimc_dataset_split_speakers(const aimc_dataset *ds, aimc_data_split s);

/* Copies sample i into x (length * n_features floats, time-major). The
 * data set stores its samples once (Fashion-MNIST as bytes); samples are
 * normalised on the way out. */
void aimc_dataset_get(const aimc_dataset *ds, size_t i, float *x);

/* Copies samples idx[0..n-1] into x (n * length * n_features floats),
 * their labels into y (may be NULL) and, if mask is not NULL, 1/0 per step
 * (n * length floats) marking valid steps. */
void aimc_dataset_gather(const aimc_dataset *ds, const size_t *idx, size_t n,
                         float *x, int *y, float *mask);

/* A fingerprint (64-bit FNV-1a) of the corpus a spec reads: the task, the
 * class list and the feature settings (n_mels, window_s, hop_s, f_min_Hz,
 * f_max_Hz, downsample), and the corpus's file lists (digit tasks: the
 * bytes of train_filenames.txt and test_filenames.txt in the spec's
 * directory and the size of every listed audio file, so that corpora
 * synthesized with the same layout but other seeds differ; Fashion-MNIST:
 * the names and sizes of its four files). It
 * does not depend on the seed, the validation share, max_per_split, the
 * cache or the sequence length (checked on its own). 0 is never returned;
 * AIMC_ENOTFOUND when the lists cannot be read. */
int aimc_data_fingerprint(aimc_ctx *ctx, const aimc_data_spec *spec,
                          uint64_t *fp);

/* The fingerprint of the loaded corpus (aimc_data_fingerprint of the spec
 * it was loaded with), taken while loading from the same scan of the audio
 * files as the feature cache's key; 0 when the loader took none (e.g.
 * Fashion-MNIST). */
uint64_t aimc_dataset_fingerprint(const aimc_dataset *ds);

/* Per-feature mean and standard deviation used for normalisation (computed
 * on the training files; n_features each; borrowed). */
const float *aimc_dataset_feature_mean(const aimc_dataset *ds);
const float *aimc_dataset_feature_std(const aimc_dataset *ds);

/* ------------------------------------------------------------------ */
/* Minibatches                                                         */

typedef struct aimc_batcher aimc_batcher;

/* Iterates over a split in minibatches of at most `batch` samples. The
 * batcher holds only an index permutation; it never copies samples. */
int aimc_batcher_alloc(aimc_ctx *ctx, const aimc_dataset *ds,
                       aimc_data_split split, size_t batch, aimc_batcher **out);
void aimc_batcher_free(aimc_ctx *ctx, aimc_batcher *b);
/* Starts an epoch: shuffles the order with rng (gsl_ran_shuffle), or keeps
 * the split order when rng is NULL. Deterministic for a given rng state. */
void aimc_batcher_epoch(aimc_batcher *b, gsl_rng *rng);
/* The next minibatch's sample indices (borrowed until the next call);
 * returns their number, 0 when the epoch is over. Pass them to
 * aimc_dataset_gather. */
size_t aimc_batcher_next(aimc_batcher *b, const size_t **idx);
/* Number of minibatches per epoch. */
size_t aimc_batcher_count(const aimc_batcher *b);

/* ------------------------------------------------------------------ */
/* Generating the spoken digits with espeak-ng                         */

typedef struct {
  int n_speakers;      /* synthetic speakers: voice file, variant, pitch,
                          pitch range and speed per speaker               */
  int n_test_speakers; /* of them held out for the test list                */
  int n_trials;        /* repetitions of each digit per speaker and language */
  double snr_dB_min;   /* background noise (white, pink or brown, drawn     */
  double snr_dB_max;   /*   per utterance) at an SNR drawn uniformly in
                            [min, max] dB; min > max disables noise         */
  double reverb;       /* share of utterances convolved with a synthetic
                          room impulse response (0 = none, 1 = all)         */
  double rt60_s_min;   /* the room's reverberation time RT60 is drawn       */
  double rt60_s_max;   /*   uniformly in [min, max] seconds                 */
} aimc_digits_gen;

/* Defaults (issue #15, a corpus that does not flatter a model): 48
 * speakers (12 held out, so a test figure is not about a handful of
 * voices), 4 trials: 48*20*4 = 3840 files; SNR 0-30 dB; 75 % of the
 * utterances reverberant with RT60 0.1-0.8 s. */
void aimc_digits_gen_defaults(aimc_digits_gen *g);

/* The generator's version, the first line of DIR/generator.txt (which
 * also records the seed and settings). "aimc-digits 2" is the corpus of
 * issue #15; trees of the earlier generator have no generator.txt. */
#define AIMC_DIGITS_GEN_TAG "aimc-digits 2"
/* 1 if dir/generator.txt names this generator version, else 0 (missing,
 * unreadable or older). */
int aimc_digits_tree_is_current(const char *dir);

/* Called from the calling thread while generating (may be NULL). */
typedef void (*aimc_data_progress_fn)(void *user, size_t done, size_t total);

/* Writes the HD layout under `dir` (created): audio/<name>.flac with names
 * lang-<english|german>_speaker-<NN>_trial-<T>_digit-<D>.flac (16-bit FLAC
 * at espeak-ng's 22050 Hz), plus train_filenames.txt and test_filenames.txt
 * (test = the held-out speakers). Deterministic for the context's seed
 * when it is the process's first generation (as in `aimc data digits`):
 * libespeak-ng keeps synthesis state between calls, so a second
 * generation in the same process differs slightly.
 * Refuses (AIMC_EINVAL) a directory that already holds a data set.
 * Synthesizes in-process with libespeak-ng, whose state is process-wide:
 * not thread-safe, one generation at a time per process. AIMC_ENOTFOUND
 * when the build has no libespeak-ng. `progress` is called after every
 * utterance. */
int aimc_digits_generate(aimc_ctx *ctx, const char *dir,
                         const aimc_digits_gen *g,
                         aimc_data_progress_fn progress, void *user);

/* ------------------------------------------------------------------ */
/* Building blocks (exposed for tests and tools)                       */

/* Log-mel features of one mono signal x[0..n-1] sampled at rate_Hz, with
 * the spec's n_mels, window_s, hop_s, f_min_Hz, f_max_Hz and downsample.
 * *out (aimc_malloc'd, frames * n_mels floats, time-major) and *frames. */
int aimc_logmel(aimc_ctx *ctx, const aimc_data_spec *spec, const float *x,
                size_t n, double rate_Hz, float **out, size_t *frames);

/* Mel scale (HTK form, O'Shaughnessy 1987): m = 2595 log10(1 + f/700). */
double aimc_hz_to_mel(double f_Hz);
double aimc_mel_to_hz(double mel);

/* Parses an HD file name "lang-english_speaker-03_trial-7_digit-1.flac"
 * (directories allowed) into language (0 English, 1 German), speaker,
 * trial and digit; the HD label is digit + 10 * language. AIMC_EFORMAT
 * naming the file otherwise. */
int aimc_hd_parse_name(aimc_ctx *ctx, const char *name, int *language,
                       int *speaker, int *trial, int *digit);

/* Writes an 8-bit RGB PNG of a (frames x bands) feature matrix as a
 * spectrogram: time to the right, low bands at the bottom, each value a
 * `scale` x `scale` pixel block. Written atomically. */
int aimc_data_write_png(aimc_ctx *ctx, const char *path, const float *x,
                        size_t frames, size_t bands, int scale);

#ifdef __cplusplus
}
#endif
#endif
