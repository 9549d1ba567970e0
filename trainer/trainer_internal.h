/* The trainer object, shared by train.c (loop, AdamW, evaluation, pruning)
 * and checkpoint.c (checkpoint and CSV files). Invariant: everything that
 * influences future steps is in the fields marked [ckpt]; every random draw
 * derives from (seed, step or epoch), so a resumed run repeats the
 * uninterrupted one bit for bit.
 * Public headers of the trainer: sim/include/aimc/train.h and
 * s4d_reference.h; the weight file it writes is sim/weights. */
#ifndef AIMC_TRAINER_INTERNAL_H
#define AIMC_TRAINER_INTERNAL_H

#include "aimc/train.h"
#include "net.h"

enum { N_GROUPS = 4 };
/* One CSV row per epoch. */
enum {
  COL_EPOCH,
  COL_STEP,
  COL_LR,
  COL_TRAIN_LOSS,
  COL_TRAIN_ACC,
  COL_VAL_LOSS,
  COL_VAL_ACC,
  COL_QUANT,
  COL_NONFINITE,
  COL_CLIPPED,
  COL_GN_ENC,
  COL_GN_DYN,
  COL_GN_IO,
  COL_GN_REST,
  COL_SECONDS,
  COL_SAMPLES_PER_S,
  N_COLS
};

struct aimc_trainer {
  aimc_ctx *ctx;
  aimc_train_cfg cfg;
  const aimc_train_data *train, *val;
  char *ckpt_path, *csv_path;
  s4d_net *net;
  int threads;
  s4d_ws **ws;
  double **grad;           /* per thread, net->grad_len                      */
  double *gsum;            /* reduced gradient                               */
  double *adam_m, *adam_v; /* [ckpt]                                   */
  double *best;            /* [ckpt] parameters of the selected epoch        */
  float **aug;             /* per thread: one augmented sample (NULL: off)   */
  int *order;              /* this epoch's sample order (derived)            */
  long order_epoch;        /* epoch `order` belongs to (-1: none)            */
  int steps_per_epoch;
  /* [ckpt] progress. */
  long step, epoch, pos, since_best, nonfinite, pruned, has_best;
  long correct_sum, seen;
  double loss_sum, best_val_acc, gnorm_sum[N_GROUPS];
  long best_epoch;      /* [ckpt] selected epoch (-1: none)              */
  double best_val_loss; /* [ckpt] its validation loss                    */
  long gnorm_steps;
  double *curves; /* [ckpt] N_COLS x epochs rows                    */
  long n_rows;
  int done;
  double t_epoch0; /* wall clock at epoch start (not checkpointed)   */
  long stab_clipped;
};

int aimc_trainer_write_csv(aimc_trainer *tr);
/* Group of a tensor: 0 encoder, 1 SSM dynamics (log dt, A), 2 SSM io
 * (B, C, D), 3 mixing, norm, decoder. */
int s4d_tensor_group(int tensor);

#endif
