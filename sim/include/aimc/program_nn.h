/* Neural one-shot programming (arXiv 2403.06712): a small MLP maps the
 * present conductance and the wanted update of a device to the one pulse
 * (amplitude or width) that should make it. It is trained in C on pulses
 * simulated from a device card (fresh cells with d2d variation, random
 * start states, read noise on): inverse regression from (read G0, update)
 * to the pulse. The labels are each device's expected update (the pulse
 * repeated without c2c noise; noisy labels dilute the regression toward
 * the mean amplitude, opts.noisy_labels keeps them), and refinement rounds
 * retrain on the network's own pulses plus exploration noise, so the data
 * sit where the controller operates.
 *
 * Network: inputs x = (u0, d, ln|d| / 4 + 1, polarity) with u0 = (G0 -
 * g_min) / span and d = (G_target - G0) / span on the card's nominal window;
 * two tanh hidden layers; one linear output y in [0, 1] (clamped) that sets
 * per polarity either the amplitude, v_min + y (v_max - v_min) at the
 * nominal width, or (by_width) the width, w_min (w_max / w_min)^y at a
 * fixed amplitude v_width: an abrupt SET (the VCM card's, from HRS) is
 * dosed better by the width than by the amplitude. Dense layers reuse the
 * core's aimc_dense_forward / backward (aimc/dense.h, the trainer's too); the optimizer is Adam.
 *
 * File (aimc device train-inverse, docs/models/programming.md): a block
 * file (sim/weights/blocks.h: CRC-32 per block and over the file) holding a
 * versioned header, the device model name, the window and pulse limits it
 * was trained for, the training settings and the weights. Loading checks
 * the CRCs first, then the meaning (sizes, finite weights, limits), and
 * aimc_nninv_check_device refuses a device whose window or limits differ.
 *
 * Hybrid: one neural shot, then at most k verify iterations (read, then a
 * pulse chosen by ISPP or by the network) until within the tolerance. */
#ifndef AIMC_PROGRAM_NN_H
#define AIMC_PROGRAM_NN_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/device.h"
#include "aimc/program.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AIMC_NNINV_INPUTS 4
#define AIMC_NNINV_MAX_HIDDEN 128

typedef struct aimc_nninv aimc_nninv;

/* Training settings. */
typedef struct {
  int hidden;    /* units per hidden layer, [4, 128]             */
  int n_samples; /* simulated pulses per polarity, >= 200        */
  int epochs;    /* passes over the data, >= 1                   */
  int batch;     /* minibatch size, >= 1                         */
  double lr;     /* Adam learning rate (cosine-decayed to 0)     */
  int rounds;    /* refinement rounds on the network's own pulses */
  int noisy_labels; /* 1: label with the noisy measured update;
                       0: with the device's expected update (the
                       simulated pulse repeated without c2c noise) */
  int by_width[2];   /* per polarity (0 SET, 1 RESET): 1 = width    */
  double v_width[2]; /* amplitude magnitude (V) of width control    */
  double w_min_s, w_max_s; /* width range of width control          */
} aimc_nninv_opts;

/* hidden 32, 8000 samples, 60 epochs, batch 64, lr 3e-3, 3 rounds,
 * expected-update labels, amplitude control on both polarities, widths
 * 1 ns - 10 us when width control is chosen. */
void aimc_nninv_defaults(aimc_nninv_opts *o);

/* Trains an inverse for dev; rng draws the data, the initial weights and
 * the minibatch order (so one seed gives one network). AIMC_ERANGE for
 * settings out of range, AIMC_EFAIL when the card's pulses do not move
 * the device. */
int aimc_nninv_train(aimc_ctx *ctx, const aimc_device *dev,
                     const aimc_nninv_opts *o, gsl_rng *rng,
                     aimc_nninv **out);
void aimc_nninv_free(aimc_ctx *ctx, aimc_nninv *n);

/* Atomic write; AIMC_EIO on failure. */
int aimc_nninv_save(aimc_ctx *ctx, const aimc_nninv *n, const char *path);
/* Errors name the file: checksum, version, shapes, non-finite values. */
int aimc_nninv_load(aimc_ctx *ctx, const char *path, aimc_nninv **out);
/* AIMC_EINVAL (message naming the first mismatch) unless dev is the model
 * with the window and pulse limits the network was trained for. */
int aimc_nninv_check_device(aimc_ctx *ctx, const aimc_nninv *n,
                            const aimc_device *dev, const char *what);

/* Training data fit: RMS error of the normalized amplitude on the last
 * epoch's data, and the number of samples per polarity used. */
double aimc_nninv_train_rms(const aimc_nninv *n);
int aimc_nninv_hidden(const aimc_nninv *n);
/* Weights: layer l (0, 1, 2) as n_out x n_in row-major W and b. */
void aimc_nninv_layer(const aimc_nninv *n, int l, int *n_in, int *n_out,
                      const double **w, const double **b);

/* Input features of (g_now, g_target) as the network sees them; returns
 * the polarity (0 SET, 1 RESET). */
int aimc_nninv_features(const aimc_nninv *n, double g_now_S,
                        double g_target_S, double x[AIMC_NNINV_INPUTS]);
/* The network's output y for features x (float evaluation). */
double aimc_nninv_eval(const aimc_nninv *n, const double x[AIMC_NNINV_INPUTS]);
/* The pulse of output y for polarity pol: signed amplitude (V), returned,
 * and width (s) in *width_s. */
double aimc_nninv_output(const aimc_nninv *n, int pol, double y,
                         double *width_s);
/* The pulse predicted to move g_now_S to g_target_S: returns 1 and the
 * signed amplitude and width, or 0 (v 0) when |target - now| <= tol_S. */
int aimc_nninv_pulse(const aimc_nninv *n, double g_now_S, double g_target_S,
                     double tol_S, double *v_V, double *width_s);

/* One read, then at most one pulse (as aimc_oneshot_program). */
void aimc_nninv_program(const aimc_nninv *n, const aimc_device *dev,
                        void *cell, double target_S, double tol_S,
                        gsl_rng *rng, aimc_prog_result *res);

typedef enum { AIMC_HYBRID_ISPP = 0, AIMC_HYBRID_NN = 1 } aimc_hybrid_verify;

/* One neural shot, then at most k verify iterations of write-verify
 * settings p (n_reads averaged reads, accept within guard * tol); each
 * verify pulse is the next ISPP pulse or a new neural shot. */
void aimc_nninv_hybrid(const aimc_nninv *n, const aimc_device *dev,
                       const aimc_wv_params *p, int k, int verify, void *cell,
                       double target_S, gsl_rng *rng, aimc_prog_result *res);

/* Population statistics of a controller: n fresh devices of dev (d2d,
 * c2c and read noise from rng), start and target drawn uniformly over the
 * central frac of the nominal window; pairs closer than tol_S are redrawn
 * (no pulse needed). hit50: share whose realised update lies within +-50 %
 * of the intended one (arXiv 2403.06712's one-shot figure); within: share
 * ending within tol_S; the rest are means per device. */
typedef void (*aimc_prog_fn)(void *arg, const aimc_device *dev, void *cell,
                             double target_S, double tol_S, gsl_rng *rng,
                             aimc_prog_result *r);
typedef struct {
  int n;
  double hit50, within, rms_err_S, pulses, e_J, t_s;
} aimc_prog_pop;
int aimc_prog_population(aimc_ctx *ctx, const aimc_device *dev,
                         aimc_prog_fn fn, void *arg, int n, double frac,
                         double tol_S, gsl_rng *rng, aimc_prog_pop *s);
/* Controllers as aimc_prog_fn: arg is the aimc_nninv / aimc_oneshot /
 * aimc_wv_params (its tol_S replaced by the population's) /
 * aimc_hybrid_arg. */
void aimc_prog_fn_nninv(void *arg, const aimc_device *dev, void *cell,
                        double target_S, double tol_S, gsl_rng *rng,
                        aimc_prog_result *r);
void aimc_prog_fn_oneshot(void *arg, const aimc_device *dev, void *cell,
                          double target_S, double tol_S, gsl_rng *rng,
                          aimc_prog_result *r);
void aimc_prog_fn_wv(void *arg, const aimc_device *dev, void *cell,
                     double target_S, double tol_S, gsl_rng *rng,
                     aimc_prog_result *r);
typedef struct {
  const aimc_nninv *nn;
  aimc_wv_params wv;
  int k, verify;
} aimc_hybrid_arg;
void aimc_prog_fn_hybrid(void *arg, const aimc_device *dev, void *cell,
                         double target_S, double tol_S, gsl_rng *rng,
                         aimc_prog_result *r);

#ifdef __cplusplus
}
#endif
#endif
