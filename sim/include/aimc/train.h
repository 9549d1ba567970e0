/* The embedded S4D trainer: hardware-aware quantization-aware training
 * (QAT) of an S4D classifier, in C (issue #7). The network is
 *   linear encoder -> L x [S4D -> GELU -> dropout -> linear|GLU mix ->
 *   residual -> layer norm] -> mean pool over time -> linear decoder,
 * trained with softmax cross-entropy and AdamW. The S4D layers train in
 * scan (recurrence) form with fake quantizers (straight-through) on Abar,
 * Bbar, C, D and optionally on the converters (u, x, y), fixed-range
 * (IMSSA) for Abar, with optional programming noise through the
 * conductance map of aimc/quant.h. See docs/trainer.md.
 *
 * Long work follows init / iterate / test: aimc_trainer_iterate runs one
 * minibatch; the caller owns progress printing. */
#ifndef AIMC_TRAIN_H
#define AIMC_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/config.h"
#include "aimc/context.h"
#include "aimc/param.h"
#include "aimc/quant.h"
#include "aimc/s4d_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* model: section. */
typedef struct {
  int h; /* channels                                        */
  int n; /* state size N (even); N/2 complex modes          */
  int layers;
  double dropout;        /* probability, after GELU                         */
  int mix;               /* aimc_mix_kind                                   */
  int use_ssm;           /* 0: D skip only (control run)                    */
  double dt_min, dt_max; /* initial range of the step Delta (log-uniform) */
} aimc_train_model_cfg;

/* quant: section. bits 0 = float; 2 = ternary. A range of 0 for b, c, d
 * means "max |value| of the tensor", recomputed every step. */
typedef struct {
  int bits_a, bits_b, bits_c, bits_d;
  double fscale; /* fixed range of Re and Im of Abar  */
  double range_b, range_c, range_d;
  int bits_u, bits_x, bits_y; /* converters (DAC in, ADC state, ADC out) */
  double range_u, range_x, range_y;
  int bits_enc, bits_dec; /* optional: encoder / decoder weights      */
  int start_epoch;        /* epochs of float pre-training before QAT */
} aimc_train_quant_cfg;

/* noise: section (programming noise in the forward pass while training). */
typedef struct {
  double sigma_S;          /* Gaussian sigma on each device of a pair, S     */
  double sigma_rel;        /* or relative to the tensor's range              */
  double g_min_S, g_max_S; /* conductance window                      */
} aimc_train_noise_cfg;

/* train: section. */
typedef struct {
  int epochs, batch;
  double lr, lr_ssm, wd;
  double warmup; /* epochs of linear warm-up, then cosine to 0     */
  uint64_t seed; /* a decimal integer in [0, 2^64) (aimc/seed.h)       */
  int threads, patience;
  double clip;          /* per-group gradient-norm clip (0 = off)         */
  int checkpoint_steps; /* also checkpoint every this many steps (0 = per epoch
                           only) */
  int select;           /* aimc_train_select_kind: which epoch is exported */
  int val_chips; /* > 0 with noise on: validate on the mean of this many
                    noisy chips (same chips every epoch)                   */
} aimc_train_opt_cfg;

/* Model selection over the epochs with the quantizers on (the exported
 * model is the quantized one). */
typedef enum {
  AIMC_SELECT_LOSS = 0, /* lowest validation loss; ties: the later epoch     */
  AIMC_SELECT_ACC = 1,  /* highest validation accuracy; ties: lower loss,
                           then the later epoch                              */
  AIMC_SELECT_LAST = 2  /* the last epoch                                    */
} aimc_train_select_kind;

/* 1 when an epoch with validation (loss, acc), coming after the current
 * best (best_loss, best_acc), replaces it under `kind`. A NaN loss never
 * wins. The trainer applies this after each epoch. */
int aimc_train_select_better(int kind, double loss, double acc,
                             double best_loss, double best_acc);
/* The epoch `kind` selects from a history of n epochs (val_loss, val_acc;
 * eligible[i] = 0 for epochs that cannot be exported, e.g. float
 * pre-training; eligible may be NULL): the index, or -1 when none is
 * eligible. Same rule as the trainer's, for tests and tools. */
int aimc_train_select_epoch(int kind, const double *val_loss,
                            const double *val_acc, const int *eligible, int n);

/* augment: section. On-the-fly augmentation of the training samples (never
 * of validation or test), in the feature domain the trainer sees (the
 * normalised log-mel frames): one draw per sample and step, derived from
 * (train.seed, step, position in the minibatch), so a run is deterministic
 * for its seed and a resumed run repeats it. Every transform is off at its
 * default. */
typedef struct {
  int shift;       /* time shift: up to +-shift steps, uniform (0 = off)     */
  double speed;    /* tempo: factor uniform in [1-speed, 1+speed], linear
                      interpolation along time (0 = off)                     */
  double noise_prob;  /* probability of additive Gaussian noise on a sample */
  double snr_min_dB;  /* its SNR uniform in [snr_min_dB, snr_max_dB], against */
  double snr_max_dB;  /*   the unit variance of the normalised features     */
  int time_masks, time_mask_max; /* SpecAugment: masks of 0..max steps      */
  int freq_masks, freq_mask_max; /* and of 0..max feature bands, set to 0
                                    (the training mean)                     */
} aimc_train_augment_cfg;

/* prune: section (QS4D structural pruning of whole modes). */
typedef struct {
  double fraction; /* of the modes of each layer removed              */
  int criterion;   /* 0 magnitude, 1 sensitivity                      */
  int at_epoch;    /* pruning happens at the start of this epoch      */
} aimc_train_prune_cfg;

typedef struct {
  aimc_train_model_cfg model;
  aimc_train_quant_cfg quant;
  aimc_train_noise_cfg noise;
  aimc_train_opt_cfg train;
  aimc_train_prune_cfg prune;
  aimc_train_augment_cfg augment;
} aimc_train_cfg;

/* The parameter tables of each section (for docs and --describe). */
extern const aimc_param aimc_train_model_params[];
extern const size_t aimc_train_model_nparams;
extern const aimc_param aimc_train_quant_params[];
extern const size_t aimc_train_quant_nparams;
extern const aimc_param aimc_train_noise_params[];
extern const size_t aimc_train_noise_nparams;
extern const aimc_param aimc_train_opt_params[];
extern const size_t aimc_train_opt_nparams;
extern const aimc_param aimc_train_prune_params[];
extern const size_t aimc_train_prune_nparams;
extern const aimc_param aimc_train_augment_params[];
extern const size_t aimc_train_augment_nparams;

/* Fills every section with its defaults. */
void aimc_train_cfg_defaults(aimc_train_cfg *cfg);
/* Binds the sections model, quant, noise, train, prune, augment of a config map
 * (missing sections keep their defaults; keys listed in `ignore`, e.g.
 * "data" and "output", are left to the caller) and checks cross-field
 * rules (n even, ranges set where bits are). Errors: file:line:col. */
int aimc_train_cfg_bind(aimc_ctx *ctx, const aimc_cfg_node *root,
                        aimc_train_cfg *cfg, const char *const *ignore);
/* Checks the cross-field rules alone. */
int aimc_train_cfg_check(aimc_ctx *ctx, const aimc_train_cfg *cfg);

/* A labelled set of equal-length sequences: x is n x len x n_in floats
 * (row-major), y holds n labels in [0, n_classes). Borrowed. */
typedef struct {
  int n, len, n_in, n_classes;
  const float *x;
  const int *y;
} aimc_train_data;

typedef struct aimc_trainer aimc_trainer;

/* What one iteration (minibatch) reports. */
typedef struct {
  int epoch, step; /* after the iteration (epoch counts from 0) */
  int steps_per_epoch;
  double loss, acc; /* running mean over the epoch so far        */
  double lr;
  int epoch_done;           /* 1 when this step closed an epoch          */
  double val_acc, val_loss; /* set when epoch_done and a val set exists  */
  double best_val_acc;
  long nonfinite_skipped; /* steps skipped for non-finite gradients    */
  long stab_clipped;      /* modes clipped to |Abar| < 1 (last step)   */
  double grad_norm[4];    /* encoder, ssm (dt, A), ssm (B, C, D), rest */
  int best_epoch;         /* epoch selected so far (-1: none yet)      */
} aimc_train_stats;

/* Evaluation modes. */
typedef enum {
  AIMC_EVAL_FLOAT = 0, /* no quantizer, no noise                 */
  AIMC_EVAL_QUANT = 1, /* quantizers as configured, no noise      */
  AIMC_EVAL_NOISY = 2  /* quantizers and programming noise        */
} aimc_eval_mode;

/* Creates a trainer for data of shape (n_in, n_classes, len) and
 * initialises the network (S4D-Lin, seeded by cfg->train.seed). `train`
 * and `val` are borrowed and must outlive the trainer; val may be NULL.
 * `log_csv` (may be NULL) receives one row per epoch (written
 * atomically each time); `checkpoint` (may be NULL) is written atomically
 * at the end of each epoch and every checkpoint_steps steps. */
int aimc_trainer_alloc(aimc_ctx *ctx, const aimc_train_cfg *cfg,
                       const aimc_train_data *train, const aimc_train_data *val,
                       const char *checkpoint, const char *log_csv,
                       aimc_trainer **out);
void aimc_trainer_free(aimc_trainer *tr);

/* Loads a checkpoint (parameters, AdamW moments, step, best state, mask,
 * curves). A checkpoint of another model shape: AIMC_ESHAPE; corrupt:
 * AIMC_ECHECKSUM; nothing changes on error. */
int aimc_trainer_resume(aimc_trainer *tr, const char *path);
/* Writes a checkpoint atomically. */
int aimc_trainer_save(aimc_trainer *tr, const char *path);

/* Runs one minibatch (AdamW step); returns AIMC_OK. */
int aimc_trainer_iterate(aimc_trainer *tr, aimc_train_stats *stats);
/* 1 when all epochs ran or early stopping triggered. */
int aimc_trainer_done(const aimc_trainer *tr);

/* Accuracy and mean loss of the current weights on `data` in `mode`.
 * Noisy mode draws programming noise from `noise_seed` once for the
 * whole set (one programmed chip). */
int aimc_trainer_evaluate(aimc_trainer *tr, const aimc_train_data *data,
                          aimc_eval_mode mode, uint64_t noise_seed, double *acc,
                          double *loss);

/* Replaces the programming-noise settings (e.g. to sweep sigma in
 * evaluation); checked like the config. */
int aimc_trainer_set_noise(aimc_trainer *tr, const aimc_train_noise_cfg *noise);

/* Restores the weights of the selected epoch (train.select; if any epoch
 * was selected) and returns its index (0-based), or the index of the last
 * epoch run when none was (no validation split, or select: last). */
int aimc_trainer_use_best(aimc_trainer *tr);
/* The selected epoch so far (-1: none) and its validation loss and
 * accuracy (NaN when none). */
int aimc_trainer_selected(const aimc_trainer *tr, double *val_loss,
                          double *val_acc);

/* Augments one sample x (len x n_in floats, time-major) into out (must not
 * alias x) with the transforms of `a`, drawn from `seed`: the same seed
 * gives the same output. With every transform off, out = x. */
void aimc_train_augment(const aimc_train_augment_cfg *a, int len, int n_in,
                        const float *x, float *out, uint64_t seed);

/* Builds the exported model (quantized, stabilised, mode mask) of the
 * current weights; free with aimc_s4d_model_free. */
int aimc_trainer_export(aimc_trainer *tr, aimc_s4d_model **out);

/* Parameter and operation counts (multiply-accumulates per time step of
 * the S4D layers, complex MAC = 4 real) with and without the mode mask. */
typedef struct {
  long params_total, params_kept;
  long ssm_macs_total, ssm_macs_kept;
} aimc_train_counts;
void aimc_trainer_counts(const aimc_trainer *tr, aimc_train_counts *c);

/* Access to the flat parameter vector (tests: determinism, resume). */
const double *aimc_trainer_params(const aimc_trainer *tr, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
