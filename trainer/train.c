/* The training loop: minibatches over worker threads (one workspace and
 * gradient buffer each, reduced in thread order, so results depend only on
 * the seed and the thread count), AdamW with a warm-up + cosine schedule
 * (Loshchilov & Hutter 2019), per-group gradient-norm clipping, skipping of
 * non-finite steps, early stopping, QS4D mode pruning, evaluation modes. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/progress.h"
#include "aimc/status.h"
#include "layers.h"
#include "trainer_internal.h"

int s4d_tensor_group(int t) {
  switch (t) {
    case P_ENC_W:
    case P_ENC_B:
      return 0;
    case P_LOG_DT:
    case P_LOG_A_RE:
    case P_A_IM:
      return 1;
    case P_B_RE:
    case P_B_IM:
    case P_C_RE:
    case P_C_IM:
    case P_D:
      return 2;
    default:
      return 3;
  }
}

/* Weight decay applies to weights, not to biases, norms or SSM dynamics. */
static int tensor_decays(int t) {
  return t == P_ENC_W || t == P_MIX_W || t == P_DEC_W || t == P_B_RE ||
         t == P_B_IM || t == P_C_RE || t == P_C_IM || t == P_D;
}

void aimc_trainer_free(aimc_trainer *tr) {
  if (!tr) return;
  aimc_ctx *ctx = tr->ctx;
  for (int t = 0; t < tr->threads; t++) {
    if (tr->ws) s4d_ws_free(ctx, tr->ws[t]);
    if (tr->grad) aimc_free(ctx, tr->grad[t]);
    if (tr->aug) aimc_free(ctx, tr->aug[t]);
  }
  aimc_free(ctx, tr->aug);
  aimc_free(ctx, tr->ws);
  aimc_free(ctx, tr->grad);
  aimc_free(ctx, tr->gsum);
  aimc_free(ctx, tr->adam_m);
  aimc_free(ctx, tr->adam_v);
  aimc_free(ctx, tr->best);
  aimc_free(ctx, tr->order);
  aimc_free(ctx, tr->curves);
  aimc_free(ctx, tr->ckpt_path);
  aimc_free(ctx, tr->csv_path);
  s4d_net_free(ctx, tr->net);
  aimc_free(ctx, tr);
}

static int augment_on(const aimc_train_augment_cfg *a) {
  return a->shift > 0 || a->speed > 0 || a->noise_prob > 0 ||
         (a->time_masks > 0 && a->time_mask_max > 0) ||
         (a->freq_masks > 0 && a->freq_mask_max > 0);
}

static int check_data(aimc_ctx *ctx, const aimc_train_data *d, const char *what,
                      const aimc_train_data *ref) {
  if (!d) return AIMC_OK;
  if (d->n < 1 || d->len < 1 || d->n_in < 1 || d->n_classes < 2 || !d->x ||
      !d->y)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s set is empty or malformed (n=%d len=%d)", what, d->n,
                      d->len);
  if (ref && (d->len != ref->len || d->n_in != ref->n_in ||
              d->n_classes != ref->n_classes))
    return aimc_error(ctx, AIMC_ESHAPE,
                      "%s set shape (%d x %d, %d classes) differs "
                      "from the training set",
                      what, d->len, d->n_in, d->n_classes);
  for (int i = 0; i < d->n; i++)
    if (d->y[i] < 0 || d->y[i] >= d->n_classes)
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s set: label %d of sample %d outside [0, %d)", what,
                        d->y[i], i, d->n_classes);
  return AIMC_OK;
}

int aimc_trainer_alloc(aimc_ctx *ctx, const aimc_train_cfg *cfg,
                       const aimc_train_data *train, const aimc_train_data *val,
                       const char *checkpoint, const char *log_csv,
                       aimc_trainer **out) {
  *out = NULL;
  int st = aimc_train_cfg_check(ctx, cfg);
  if (!st) st = check_data(ctx, train, "training", NULL);
  if (!st && !train) st = aimc_error(ctx, AIMC_EINVAL, "no training set");
  if (!st) st = check_data(ctx, val, "validation", train);
  if (st) return st;
  aimc_trainer *tr = aimc_calloc(ctx, 1, sizeof *tr);
  if (!tr) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (trainer)");
  tr->ctx = ctx;
  tr->cfg = *cfg;
  tr->train = train;
  tr->val = val;
  tr->threads = cfg->train.threads;
  tr->steps_per_epoch = (train->n + cfg->train.batch - 1) / cfg->train.batch;
  tr->best_val_acc = -1;
  tr->best_val_loss = NAN;
  tr->best_epoch = -1;
  tr->order_epoch = -1;
  st = s4d_net_alloc(ctx, cfg, train->n_in, train->n_classes, train->len,
                     &tr->net);
  if (st) {
    aimc_free(ctx, tr);
    return st;
  }
  size_t np = tr->net->n_params, gl = tr->net->grad_len;
  tr->ws = aimc_calloc(ctx, tr->threads, sizeof *tr->ws);
  tr->grad = aimc_calloc(ctx, tr->threads, sizeof *tr->grad);
  tr->gsum = aimc_calloc(ctx, gl, sizeof(double));
  tr->adam_m = aimc_calloc(ctx, np, sizeof(double));
  tr->adam_v = aimc_calloc(ctx, np, sizeof(double));
  tr->best = aimc_calloc(ctx, np, sizeof(double));
  tr->order = aimc_calloc(ctx, train->n, sizeof(int));
  tr->curves =
      aimc_calloc(ctx, (size_t)cfg->train.epochs * N_COLS, sizeof(double));
  tr->ckpt_path = checkpoint ? aimc_strdup(ctx, checkpoint) : NULL;
  tr->csv_path = log_csv ? aimc_strdup(ctx, log_csv) : NULL;
  int ok = tr->ws && tr->grad && tr->gsum && tr->adam_m && tr->adam_v &&
           tr->best && tr->order && tr->curves &&
           (!checkpoint || tr->ckpt_path) && (!log_csv || tr->csv_path);
  if (ok && augment_on(&cfg->augment))
    ok = (tr->aug = aimc_calloc(ctx, tr->threads, sizeof *tr->aug)) != NULL;
  for (int t = 0; ok && t < tr->threads; t++) {
    ok = s4d_ws_alloc(ctx, tr->net, &tr->ws[t]) == AIMC_OK;
    if (ok) ok = (tr->grad[t] = aimc_calloc(ctx, gl, sizeof(double))) != NULL;
    if (ok && tr->aug)
      ok = (tr->aug[t] = aimc_calloc(ctx, (size_t)train->len * train->n_in,
                                     sizeof(float))) != NULL;
  }
  if (!ok) {
    aimc_trainer_free(tr);
    return aimc_error(ctx, AIMC_ENOMEM,
                      "out of memory (trainer, %zu parameters)", np);
  }
  s4d_net_init(tr->net, &cfg->model, (uint64_t)cfg->train.seed);
  /* Workers call BLAS on small matrices; BLAS threads would only compete. */
  s4d_blas_single_thread();
  tr->t_epoch0 = aimc_wall_seconds();
  *out = tr;
  return AIMC_OK;
}

/* ---- Parallel forward (and backward) over a set of samples ---- */

typedef struct {
  aimc_trainer *tr;
  int t;
  const aimc_train_data *data;
  const int *idx; /* NULL: identity */
  int begin, end;
  int train; /* backward + dropout */
  double loss;
  long correct;
} job;

static void *run_job(void *arg) {
  job *j = arg;
  aimc_trainer *tr = j->tr;
  const s4d_net *net = tr->net;
  double *g = j->train ? tr->grad[j->t] : NULL;
  if (g) memset(g, 0, net->grad_len * sizeof(double));
  size_t stride = (size_t)j->data->len * j->data->n_in;
  for (int k = j->begin; k < j->end; k++) {
    int i = j->idx ? j->idx[k] : k;
    uint64_t drop = j->train
                        ? aimc_seed_derive((uint64_t)tr->cfg.train.seed,
                                           ((uint64_t)tr->step << 20) + k) |
                              1
                        : 0;
    int correct;
    const float *x = j->data->x + i * stride;
    if (j->train && tr->aug) {
      /* Its own stream: the dropout masks stay those of a run without. */
      uint64_t s = aimc_seed_derive(
          aimc_seed_derive((uint64_t)tr->cfg.train.seed, 9000011),
          ((uint64_t)tr->step << 20) + k);
      aimc_train_augment(&tr->cfg.augment, j->data->len, j->data->n_in, x,
                         tr->aug[j->t], s);
      x = tr->aug[j->t];
    }
    j->loss += s4d_net_sample(net, tr->ws[j->t], x, j->data->y[i], drop, g,
                              &correct, NULL);
    j->correct += correct;
  }
  return NULL;
}

/* Runs samples [begin, end) of idx over the threads; sums loss and hits;
 * when training, tr->gsum receives the summed gradient. */
static int run_parallel(aimc_trainer *tr, const aimc_train_data *data,
                        const int *idx, int begin, int end, int train,
                        double *loss, long *correct) {
  enum { MAXT = 256 };
  job jobs[MAXT];
  pthread_t th[MAXT];
  int T = tr->threads, n = end - begin;
  if (T > n) T = n > 0 ? n : 1;
  for (int t = 0; t < T; t++)
    jobs[t] = (job){tr,
                    t,
                    data,
                    idx,
                    begin + (int)((long)n * t / T),
                    begin + (int)((long)n * (t + 1) / T),
                    train,
                    0,
                    0};
  int started = 1;
  for (int t = 1; t < T; t++) {
    if (pthread_create(&th[t], NULL, run_job, &jobs[t]) != 0) break;
    started++;
  }
  run_job(&jobs[0]);
  for (int t = 1; t < started; t++) pthread_join(th[t], NULL);
  for (int t = started; t < T; t++) run_job(&jobs[t]); /* no thread: run here */
  *loss = 0;
  *correct = 0;
  for (int t = 0; t < T; t++) {
    *loss += jobs[t].loss;
    *correct += jobs[t].correct;
  }
  if (train) {
    size_t gl = tr->net->grad_len;
    memcpy(tr->gsum, tr->grad[0], gl * sizeof(double));
    for (int t = 1; t < T; t++)
      for (size_t i = 0; i < gl; i++) tr->gsum[i] += tr->grad[t][i];
  }
  return AIMC_OK;
}

/* ---- Schedule and optimizer ---- */

static double lr_factor(const aimc_trainer *tr) {
  double total = (double)tr->steps_per_epoch * tr->cfg.train.epochs;
  double warm = tr->cfg.train.warmup * tr->steps_per_epoch;
  double s = (double)tr->step;
  if (s < warm) return (s + 1) / (warm + 1);
  double prog = total > warm ? (s - warm) / (total - warm) : 1;
  return 0.5 * (1 + cos(S4D_PI * fmin(prog, 1.0)));
}

static int quant_active(const aimc_trainer *tr) {
  return tr->epoch >= tr->cfg.quant.start_epoch;
}

/* AdamW on every tensor with its group's learning rate; returns 0 and
 * skips the step if the gradient is not finite. */
static int adamw_step(aimc_trainer *tr, double scale, double norms[N_GROUPS]) {
  const s4d_net *net = tr->net;
  const aimc_train_opt_cfg *oc = &tr->cfg.train;
  double *g = tr->gsum, sq[N_GROUPS] = {0};
  for (int t = 0; t < P_COUNT; t++)
    for (size_t i = net->off[t]; i < net->off[t + 1]; i++) {
      g[i] *= scale;
      sq[s4d_tensor_group(t)] += g[i] * g[i];
    }
  for (int k = 0; k < N_GROUPS; k++) {
    norms[k] = sqrt(sq[k]);
    if (!isfinite(norms[k])) return 0;
  }
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8, f = lr_factor(tr);
  const double c1 = 1 - pow(b1, (double)tr->step + 1),
               c2 = 1 - pow(b2, (double)tr->step + 1);
  for (int t = 0; t < P_COUNT; t++) {
    int grp = s4d_tensor_group(t);
    double clip =
        oc->clip > 0 && norms[grp] > oc->clip ? oc->clip / norms[grp] : 1;
    double lr = (grp == 1 ? oc->lr_ssm : oc->lr) * f;
    double wd = grp == 1 || !tensor_decays(t) ? 0 : oc->wd;
    for (size_t i = net->off[t]; i < net->off[t + 1]; i++) {
      double gi = g[i] * clip;
      tr->adam_m[i] = b1 * tr->adam_m[i] + (1 - b1) * gi;
      tr->adam_v[i] = b2 * tr->adam_v[i] + (1 - b2) * gi * gi;
      double upd = (tr->adam_m[i] / c1) / (sqrt(tr->adam_v[i] / c2) + eps);
      net->p[i] -= lr * (upd + wd * net->p[i]);
    }
  }
  return 1;
}

/* ---- Pruning (QS4D): remove the weakest modes of every channel ---- */

static int cmp_score(const void *a, const void *b) {
  const double *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : 1);
}

static void prune_modes(aimc_trainer *tr) {
  s4d_net *net = tr->net;
  const int M = net->m;
  int remove = (int)floor(tr->cfg.prune.fraction * M + 0.5);
  if (remove >= M) remove = M - 1;
  if (remove <= 0) return;
  s4d_net_deploy(net, quant_active(tr), 0, 0);
  const double *cr = net->p + net->off[P_C_RE], *ci = net->p + net->off[P_C_IM];
  double *sens = NULL;
  if (tr->cfg.prune.criterion == 1) {
    /* First-order loss change of removing a mode's output, summed over up
     * to 256 training samples: |dL/dC . C|. */
    double loss;
    long correct;
    int n = tr->train->n < 256 ? tr->train->n : 256;
    run_parallel(tr, tr->train, NULL, 0, n, 1, &loss, &correct);
    sens = tr->gsum;
  }
  for (size_t lh = 0; lh < net->lhm / M; lh++) {
    double score[2 * 1024];
    for (int m = 0; m < M; m++) {
      size_t i = lh * M + m;
      double s;
      if (sens) {
        s = fabs(sens[net->off[P_C_RE] + i] * cr[i] +
                 sens[net->off[P_C_IM] + i] * ci[i]);
      } else {
        double a = hypot(net->raw[0][i], net->raw[1][i]);
        s = hypot(cr[i], ci[i]) * hypot(net->raw[2][i], net->raw[3][i]) /
            fmax(1e-12, 1 - a);
      }
      score[2 * m] = net->mask[i] ? s : -1;
      score[2 * m + 1] = m;
    }
    qsort(score, M, 2 * sizeof(double), cmp_score);
    for (int r = 0; r < remove; r++)
      net->mask[lh * M + (int)score[2 * r + 1]] = 0;
  }
  tr->pruned = 1;
}

void aimc_trainer_counts(const aimc_trainer *tr, aimc_train_counts *c) {
  const s4d_net *net = tr->net;
  long kept = 0;
  for (size_t i = 0; i < net->lhm; i++) kept += net->mask[i];
  long lh = (long)net->layers * net->h, pruned = (long)net->lhm - kept;
  c->params_total = (long)net->n_params;
  /* A pruned mode frees log_a_re, a_im, B (2), C (2). */
  c->params_kept = c->params_total - 6 * pruned;
  /* Per step: Abar x (4 real MAC), Bbar u (2), 2 Re(C x) (2), D u per channel.
   */
  long modes = net->use_ssm ? (long)net->lhm : 0;
  c->ssm_macs_total = 8 * modes + lh;
  c->ssm_macs_kept = 8 * (net->use_ssm ? kept : 0) + lh;
}

/* ---- Iteration ---- */

static void start_epoch(aimc_trainer *tr) {
  int n = tr->train->n;
  tr->order_epoch = tr->epoch;
  for (int i = 0; i < n; i++) tr->order[i] = i;
  /* The net's generator is free here: deployment reseeds it for noise. */
  gsl_rng *r = tr->net->rng;
  gsl_rng_set(r,
              (unsigned long)aimc_seed_derive((uint64_t)tr->cfg.train.seed,
                                              1000003 + (uint64_t)tr->epoch));
  for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
    int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1), t = tr->order[i];
    tr->order[i] = tr->order[j];
    tr->order[j] = t;
  }
}

int aimc_trainer_done(const aimc_trainer *tr) { return tr->done; }

/* Validation loss and accuracy of the current weights: quantized once QAT
 * is on; with train.val_chips > 0 and programming noise configured, the
 * mean over that many noisy chips (the same chips every epoch, so epochs
 * compare on equal terms), as a noise-aware model will be deployed. */
static int validate(aimc_trainer *tr, double *acc, double *loss) {
  const aimc_train_noise_cfg *nc = &tr->cfg.noise;
  int chips = tr->cfg.train.val_chips;
  if (!quant_active(tr) || chips <= 0 ||
      !(nc->sigma_S > 0 || nc->sigma_rel > 0))
    return aimc_trainer_evaluate(
        tr, tr->val, quant_active(tr) ? AIMC_EVAL_QUANT : AIMC_EVAL_FLOAT, 0,
        acc, loss);
  double sa = 0, sl = 0;
  for (int k = 0; k < chips; k++) {
    double a, l;
    int st = aimc_trainer_evaluate(
        tr, tr->val, AIMC_EVAL_NOISY,
        aimc_seed_derive((uint64_t)tr->cfg.train.seed, 8100000 + (uint64_t)k),
        &a, &l);
    if (st) return st;
    sa += a;
    sl += l;
  }
  *acc = sa / chips;
  *loss = sl / chips;
  return AIMC_OK;
}

static int finish_epoch(aimc_trainer *tr, aimc_train_stats *s) {
  /* One row per epoch in a buffer of cfg epochs rows: resume checks keep
   * n_rows == epoch < epochs; never write past the buffer. */
  if (tr->n_rows < 0 || tr->n_rows >= tr->cfg.train.epochs)
    return aimc_error(tr->ctx, AIMC_ESTATE,
                      "epoch %ld: no room for curves row %ld of %d", tr->epoch,
                      tr->n_rows, tr->cfg.train.epochs);
  double *row = tr->curves + tr->n_rows * N_COLS;
  double now = aimc_wall_seconds(), dt = now - tr->t_epoch0;
  row[COL_EPOCH] = (double)tr->epoch;
  row[COL_STEP] = (double)tr->step;
  row[COL_LR] = tr->cfg.train.lr * lr_factor(tr);
  row[COL_TRAIN_LOSS] = tr->loss_sum / fmax(1, tr->seen);
  row[COL_TRAIN_ACC] = (double)tr->correct_sum / fmax(1, tr->seen);
  row[COL_VAL_LOSS] = row[COL_VAL_ACC] = NAN;
  row[COL_QUANT] = quant_active(tr);
  row[COL_NONFINITE] = (double)tr->nonfinite;
  row[COL_CLIPPED] = (double)tr->stab_clipped;
  for (int k = 0; k < N_GROUPS; k++)
    row[COL_GN_ENC + k] = tr->gnorm_sum[k] / fmax(1, tr->gnorm_steps);
  row[COL_SECONDS] = dt;
  row[COL_SAMPLES_PER_S] = tr->seen / fmax(dt, 1e-9);
  if (tr->val) {
    double acc, loss;
    int st = validate(tr, &acc, &loss);
    if (st) return st;
    row[COL_VAL_ACC] = acc;
    row[COL_VAL_LOSS] = loss;
    s->val_acc = acc;
    s->val_loss = loss;
    /* Selected epochs count only once the quantizers are on: the
     * exported model is the quantized one. */
    if (quant_active(tr) &&
        aimc_train_select_better(
            tr->cfg.train.select, loss, acc,
            tr->has_best ? tr->best_val_loss : NAN,
            tr->has_best ? tr->best_val_acc : NAN)) {
      /* Patience counts epochs without a strict improvement (a tie that
       * moves the selection to the later epoch is not one). */
      int strict = !tr->has_best || loss != tr->best_val_loss ||
                   acc != tr->best_val_acc;
      tr->best_val_acc = acc;
      tr->best_val_loss = loss;
      tr->best_epoch = tr->epoch;
      memcpy(tr->best, tr->net->p, tr->net->n_params * sizeof(double));
      tr->has_best = 1;
      tr->since_best = strict ? 0 : tr->since_best + 1;
    } else if (quant_active(tr)) {
      tr->since_best++;
    }
  }
  tr->n_rows++;
  tr->epoch++;
  tr->pos = 0;
  tr->loss_sum = 0;
  tr->correct_sum = tr->seen = 0;
  memset(tr->gnorm_sum, 0, sizeof tr->gnorm_sum);
  tr->gnorm_steps = 0;
  tr->t_epoch0 = now;
  if (tr->epoch >= tr->cfg.train.epochs ||
      (tr->cfg.train.patience > 0 && tr->since_best >= tr->cfg.train.patience))
    tr->done = 1;
  return AIMC_OK;
}

int aimc_trainer_iterate(aimc_trainer *tr, aimc_train_stats *s) {
  memset(s, 0, sizeof *s);
  s->val_acc = s->val_loss = NAN;
  if (tr->done)
    return aimc_error(tr->ctx, AIMC_ESTATE, "training already finished");
  if (tr->pos == 0 && tr->cfg.prune.fraction > 0 && !tr->pruned &&
      tr->epoch >= tr->cfg.prune.at_epoch)
    prune_modes(tr);
  if (tr->order_epoch != tr->epoch) start_epoch(tr); /* derived: resumable */
  int n = tr->train->n, B = tr->cfg.train.batch;
  int end = tr->pos + B < n ? (int)tr->pos + B : n;
  s4d_net_deploy(tr->net, quant_active(tr), 1,
                 aimc_seed_derive((uint64_t)tr->cfg.train.seed,
                                  7000000 + (uint64_t)tr->step));
  tr->stab_clipped = tr->net->stab_clipped;
  double loss;
  long correct;
  run_parallel(tr, tr->train, tr->order, (int)tr->pos, end, 1, &loss, &correct);
  s4d_net_chain(tr->net, tr->gsum);
  double norms[N_GROUPS];
  if (adamw_step(tr, 1.0 / (end - tr->pos), norms)) {
    for (int k = 0; k < N_GROUPS; k++) tr->gnorm_sum[k] += norms[k];
    tr->gnorm_steps++;
  } else {
    tr->nonfinite++;
    aimc_log(tr->ctx, AIMC_LOG_DEBUG, "step %ld: non-finite gradient, skipped",
             tr->step);
  }
  memcpy(s->grad_norm, norms, sizeof norms);
  tr->loss_sum += isfinite(loss) ? loss : 0;
  tr->correct_sum += correct;
  tr->seen += end - tr->pos;
  s->lr = tr->cfg.train.lr * lr_factor(tr);
  tr->step++;
  tr->pos = end;
  s->loss = tr->loss_sum / tr->seen;
  s->acc = (double)tr->correct_sum / tr->seen;
  if (tr->pos >= n) {
    s->epoch_done = 1;
    int st = finish_epoch(tr, s);
    if (!st && tr->csv_path) st = aimc_trainer_write_csv(tr);
    if (st) return st;
  }
  if (tr->ckpt_path &&
      (s->epoch_done || (tr->cfg.train.checkpoint_steps > 0 &&
                         tr->step % tr->cfg.train.checkpoint_steps == 0))) {
    int st = aimc_trainer_save(tr, tr->ckpt_path);
    if (st) return st;
  }
  s->epoch = (int)tr->epoch;
  s->step = (int)tr->step;
  s->steps_per_epoch = tr->steps_per_epoch;
  s->best_val_acc = tr->best_val_acc;
  s->best_epoch = tr->has_best ? (int)tr->best_epoch : -1;
  s->nonfinite_skipped = tr->nonfinite;
  s->stab_clipped = tr->stab_clipped;
  return AIMC_OK;
}

int aimc_trainer_evaluate(aimc_trainer *tr, const aimc_train_data *data,
                          aimc_eval_mode mode, uint64_t noise_seed, double *acc,
                          double *loss) {
  int st = check_data(tr->ctx, data, "evaluation", tr->train);
  if (st) return st;
  s4d_net_deploy(tr->net, mode != AIMC_EVAL_FLOAT, mode == AIMC_EVAL_NOISY,
                 noise_seed);
  long correct;
  run_parallel(tr, data, NULL, 0, data->n, 0, loss, &correct);
  *loss /= data->n;
  *acc = (double)correct / data->n;
  return AIMC_OK;
}

int aimc_trainer_set_noise(aimc_trainer *tr,
                           const aimc_train_noise_cfg *noise) {
  if (!(noise->sigma_S >= 0 && noise->sigma_rel >= 0 &&
        noise->g_min_S < noise->g_max_S))
    return aimc_error(tr->ctx, AIMC_ERANGE,
                      "noise: sigma must be >= 0 and g_min < g_max");
  tr->cfg.noise = *noise;
  tr->net->ncfg = *noise;
  return AIMC_OK;
}

int aimc_trainer_use_best(aimc_trainer *tr) {
  if (tr->has_best) {
    memcpy(tr->net->p, tr->best, tr->net->n_params * sizeof(double));
    return (int)tr->best_epoch;
  }
  return (int)tr->epoch - 1;
}

int aimc_trainer_selected(const aimc_trainer *tr, double *val_loss,
                          double *val_acc) {
  *val_loss = tr->has_best ? tr->best_val_loss : NAN;
  *val_acc = tr->has_best ? tr->best_val_acc : NAN;
  return tr->has_best ? (int)tr->best_epoch : -1;
}

int aimc_trainer_export(aimc_trainer *tr, aimc_s4d_model **out) {
  s4d_net *net = tr->net;
  int st = aimc_s4d_model_alloc(
      tr->ctx, net->n_in, net->n_out, net->h, net->m, net->layers,
      net->kmix == 2 ? AIMC_MIX_GLU : AIMC_MIX_LINEAR, out);
  if (st) return st;
  s4d_net_deploy(net, 1, 0, 0);
  s4d_net_export(net, *out);
  return AIMC_OK;
}

const double *aimc_trainer_params(const aimc_trainer *tr, size_t *n) {
  *n = tr->net->n_params;
  return tr->net->p;
}
