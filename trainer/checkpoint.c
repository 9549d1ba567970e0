/* Checkpoints and the CSV log of the learning curves. A checkpoint holds
 * everything that shapes future steps (parameters, AdamW moments, step,
 * epoch, position in the epoch, running sums, best weights, mode mask,
 * curves); the sample order, dropout masks and noise are re-derived from
 * the seed, so resuming repeats an uninterrupted run bit for bit. Same
 * block container as the weight file (sim/weights/blocks.h), magic "AIMCCKP". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "sim/weights/blocks.h"
#include "trainer_internal.h"

#define CKPT_MAGIC "AIMCCKP"
/* Version 2 appends the "select" block (selected epoch and its validation
 * loss, issue #15); version 1 files resume with none recorded. */
#define CKPT_VERSION 2u
#define CKPT_VERSION_NO_SELECT 1u

typedef struct {
  char magic[8];
  uint32_t version, bom;
  /* The model and data shape the checkpoint belongs to. */
  int64_t n_in, n_out, h, m, layers, kmix, use_ssm, len, n_params;
  uint64_t seed; /* the whole train.seed (older files: the same bits) */
} ckpt_header;

enum {
  S_STEP,
  S_EPOCH,
  S_POS,
  S_SINCE_BEST,
  S_NONFINITE,
  S_PRUNED,
  S_HAS_BEST,
  S_CORRECT,
  S_SEEN,
  S_ROWS,
  S_GN_STEPS,
  S_COUNT
};
enum { F_LOSS_SUM, F_BEST_ACC, F_GN0, F_COUNT = F_GN0 + N_GROUPS };

static ckpt_header header_of(const aimc_trainer *tr) {
  const s4d_net *n = tr->net;
  ckpt_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, CKPT_MAGIC, sizeof CKPT_MAGIC);
  h.version = CKPT_VERSION;
  h.bom = 0x01020304u;
  h.n_in = n->n_in;
  h.n_out = n->n_out;
  h.h = n->h;
  h.m = n->m;
  h.layers = n->layers;
  h.kmix = n->kmix;
  h.use_ssm = n->use_ssm;
  h.len = n->len;
  h.n_params = (int64_t)n->n_params;
  h.seed = tr->cfg.train.seed;
  return h;
}

int aimc_trainer_save(aimc_trainer *tr, const char *path) {
  aimc_ctx *ctx = tr->ctx;
  const s4d_net *net = tr->net;
  ckpt_header hd = header_of(tr);
  int64_t st_i[S_COUNT] = {tr->step,       tr->epoch,       tr->pos,
                           tr->since_best, tr->nonfinite,   tr->pruned,
                           tr->has_best,   tr->correct_sum, tr->seen,
                           tr->n_rows,     tr->gnorm_steps};
  double st_f[F_COUNT] = {tr->loss_sum, tr->best_val_acc};
  for (int k = 0; k < N_GROUPS; k++) st_f[F_GN0 + k] = tr->gnorm_sum[k];
  aimc_atomic_file *f;
  int st = aimc_atomic_open(ctx, path, &f);
  if (st) return st;
  blk_writer w;
  blk_writer_init(&w, aimc_atomic_stream(f));
  blk_write_raw(&w, &hd, sizeof hd);
  blk_write(&w, "state", BLK_I64, st_i, S_COUNT);
  blk_write(&w, "state_f", BLK_F64, st_f, F_COUNT);
  blk_write(&w, "params", BLK_F64, net->p, net->n_params);
  blk_write(&w, "adam_m", BLK_F64, tr->adam_m, net->n_params);
  blk_write(&w, "adam_v", BLK_F64, tr->adam_v, net->n_params);
  blk_write(&w, "best", BLK_F64, tr->best, net->n_params);
  blk_write(&w, "mode_mask", BLK_U8, net->mask, net->lhm);
  blk_write(&w, "curves", BLK_F64, tr->curves, (size_t)tr->n_rows * N_COLS);
  double sel[2] = {(double)tr->best_epoch, tr->best_val_loss};
  blk_write(&w, "select", BLK_F64, sel, 2);
  if (blk_writer_finish(&w)) {
    aimc_atomic_abort(ctx, f);
    return aimc_error(ctx, AIMC_EIO, "cannot write checkpoint %s", path);
  }
  return aimc_atomic_commit(ctx, f);
}

/* ---- Meaning of a checkpoint's values ----
 * The CRC proves the bytes are those written; these checks prove they are
 * a state training can reach, so a resumed run never indexes past its
 * buffers or continues from NaN. Each refusal names the block and field
 * (AIMC_ERANGE: the file is a bad input). */

static const char *const STATE_NAMES[S_COUNT] = {
    "step",     "epoch",   "pos",  "since_best", "nonfinite", "pruned",
    "has_best", "correct", "seen", "rows",       "gn_steps"};

static int bad_int(aimc_ctx *ctx, const char *path, int field, int64_t v,
                   int64_t lo, int64_t hi, const char *why) {
  if (v >= lo && v <= hi) return AIMC_OK;
  return aimc_error(ctx, AIMC_ERANGE,
                    "%s: block 'state' field '%s' is %lld: must be in "
                    "[%lld, %lld] (%s)",
                    path, STATE_NAMES[field], (long long)v, (long long)lo,
                    (long long)hi, why);
}

static int check_counters(aimc_ctx *ctx, const char *path,
                          const aimc_trainer *tr, const int64_t *s) {
  const int64_t n = tr->train->n, ep = s[S_EPOCH], pos = s[S_POS];
  int st = bad_int(ctx, path, S_EPOCH, ep, s[S_ROWS], s[S_ROWS],
                   "one curves row per finished epoch");
  if (!st) st = bad_int(ctx, path, S_POS, pos, 0, n - 1, "the training set");
  /* Every epoch takes at least one step and at most one per sample. */
  if (!st)
    st = bad_int(ctx, path, S_STEP, s[S_STEP], ep + (pos > 0), ep * n + pos,
                 "steps of the epochs and position before it");
  if (!st)
    st = bad_int(ctx, path, S_SINCE_BEST, s[S_SINCE_BEST], 0, ep, "epochs");
  if (!st)
    st = bad_int(ctx, path, S_NONFINITE, s[S_NONFINITE], 0, s[S_STEP],
                 "steps taken");
  if (!st) st = bad_int(ctx, path, S_PRUNED, s[S_PRUNED], 0, 1, "a flag");
  if (!st) st = bad_int(ctx, path, S_HAS_BEST, s[S_HAS_BEST], 0, 1, "a flag");
  if (!st)
    st = bad_int(ctx, path, S_SEEN, s[S_SEEN], pos, pos,
                 "the samples seen this epoch are its position");
  if (!st)
    st = bad_int(ctx, path, S_CORRECT, s[S_CORRECT], 0, s[S_SEEN],
                 "samples seen this epoch");
  if (!st)
    st = bad_int(ctx, path, S_GN_STEPS, s[S_GN_STEPS], 0,
                 s[S_SEEN] < s[S_STEP] ? s[S_SEEN] : s[S_STEP],
                 "steps of this epoch");
  return st;
}

static int check_reals(aimc_ctx *ctx, const char *path, const int64_t *s,
                       const double *f) {
  static const char *const GN[N_GROUPS] = {"gnorm_encoder", "gnorm_ssm_dynamics",
                                           "gnorm_ssm_io", "gnorm_rest"};
  const char *bad = NULL, *why = NULL;
  double v = 0;
  if (!(isfinite(f[F_LOSS_SUM]) && f[F_LOSS_SUM] >= 0))
    bad = "loss_sum", v = f[F_LOSS_SUM], why = "a finite sum of losses >= 0";
  else if (s[S_HAS_BEST] ? !(f[F_BEST_ACC] >= 0 && f[F_BEST_ACC] <= 1)
                         : f[F_BEST_ACC] != -1)
    bad = "best_val_acc", v = f[F_BEST_ACC],
    why = s[S_HAS_BEST] ? "an accuracy in [0, 1]"
                        : "-1 while the state has no best epoch";
  for (int k = 0; !bad && k < N_GROUPS; k++)
    if (!(isfinite(f[F_GN0 + k]) && f[F_GN0 + k] >= 0))
      bad = GN[k], v = f[F_GN0 + k], why = "a finite sum of norms >= 0";
  if (!bad) return AIMC_OK;
  return aimc_error(ctx, AIMC_ERANGE,
                    "%s: block 'state_f' field '%s' is %g: must be %s", path,
                    bad, v, why);
}

/* params, adam_m, adam_v, best (np each, in that order). */
static int check_tensors(aimc_ctx *ctx, const char *path, const double *t,
                         size_t np) {
  static const char *const NAMES[4] = {"params", "adam_m", "adam_v", "best"};
  for (int b = 0; b < 4; b++)
    for (size_t i = 0; i < np; i++) {
      double v = t[b * np + i];
      /* Parameters beyond 1e6 would export a model the reader refuses
       * (sim/weights/s4d_validate.h); second moments are squares. */
      int ok = isfinite(v) && fabs(v) <= 1e6 && (b != 2 || v >= 0);
      if (!ok)
        return aimc_error(ctx, AIMC_ERANGE,
                          "%s: block '%s' element %zu is %g: must be finite%s",
                          path, NAMES[b], i, v,
                          b == 2 ? " and >= 0" : " and within +-1e6");
    }
  return AIMC_OK;
}

static int check_mask(aimc_ctx *ctx, const char *path, const int64_t *s,
                      const unsigned char *mask, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (mask[i] > 1 || (!s[S_PRUNED] && mask[i] != 1))
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: block 'mode_mask' element %zu is %d: must be %s",
                        path, i, mask[i],
                        s[S_PRUNED] ? "0 or 1" : "1 (the state says not pruned)");
  return AIMC_OK;
}

/* The rows of the learning curves: epoch r in row r, steps growing up to
 * the state's step, flags and accuracies in range. */
static int check_curves(aimc_ctx *ctx, const char *path, const int64_t *s,
                        const double *c) {
  double prev_step = 0;
  for (int64_t r = 0; r < s[S_ROWS]; r++) {
    const double *row = c + r * N_COLS;
    const char *col = NULL;
    if (row[COL_EPOCH] != (double)r)
      col = "epoch (must be the row number)";
    else if (!(row[COL_STEP] >= prev_step + 1 &&
               row[COL_STEP] <= (double)s[S_STEP]))
      col = "step (must grow by at least 1 a row, up to the state's step)";
    else if (row[COL_QUANT] != 0 && row[COL_QUANT] != 1)
      col = "quant (must be 0 or 1)";
    else if (!(row[COL_TRAIN_ACC] >= 0 && row[COL_TRAIN_ACC] <= 1))
      col = "train_acc (must be in [0, 1])";
    else if (!isnan(row[COL_VAL_ACC]) &&
             !(row[COL_VAL_ACC] >= 0 && row[COL_VAL_ACC] <= 1))
      col = "val_acc (must be in [0, 1], or NaN without a validation set)";
    if (col)
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: block 'curves' row %lld column %s", path,
                        (long long)r, col);
    prev_step = row[COL_STEP];
  }
  return AIMC_OK;
}

int aimc_trainer_resume(aimc_trainer *tr, const char *path) {
  aimc_ctx *ctx = tr->ctx;
  s4d_net *net = tr->net;
  blk_reader r;
  int st = blk_reader_open(ctx, &r, path, sizeof(ckpt_header));
  if (st) return st;
  ckpt_header hd, want = header_of(tr);
  int64_t st_i[S_COUNT];
  double st_f[F_COUNT];
  size_t np = net->n_params;
  /* Read into scratch first, so a bad file changes nothing. */
  double *tmp = aimc_malloc(
      ctx, (4 * np + (size_t)tr->cfg.train.epochs * N_COLS) * sizeof(double));
  unsigned char *mask = aimc_malloc(ctx, net->lhm);
  if (!tmp || !mask)
    st = aimc_error(ctx, AIMC_ENOMEM, "out of memory reading %s", path);
  if (!st) st = blk_read_raw(ctx, &r, &hd, sizeof hd);
  if (!st &&
      (memcmp(hd.magic, CKPT_MAGIC, sizeof CKPT_MAGIC) || hd.bom != want.bom))
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: not an aimc checkpoint", path);
  if (!st && hd.version != CKPT_VERSION &&
      hd.version != CKPT_VERSION_NO_SELECT)
    st = aimc_error(ctx, AIMC_EFORMAT,
                    "%s: checkpoint version %u, this build reads %u and %u",
                    path, hd.version, CKPT_VERSION_NO_SELECT, CKPT_VERSION);
  char seed_have[24], seed_want[24];
  if (!st && memcmp(&hd.n_in, &want.n_in,
                    sizeof hd - offsetof(ckpt_header, n_in)) != 0)
    st = aimc_error(
        ctx, AIMC_ESHAPE,
        "%s: checkpoint of another model (n_in %lld, classes %lld, h %lld, "
        "modes %lld, layers %lld, len %lld, seed %s; this config: %lld, "
        "%lld, "
        "%lld, %lld, %lld, %lld, %s)",
        path, (long long)hd.n_in, (long long)hd.n_out, (long long)hd.h,
        (long long)hd.m, (long long)hd.layers, (long long)hd.len,
        aimc_seed_format(hd.seed, seed_have, sizeof seed_have),
        (long long)want.n_in, (long long)want.n_out, (long long)want.h,
        (long long)want.m, (long long)want.layers, (long long)want.len,
        aimc_seed_format(want.seed, seed_want, sizeof seed_want));
  if (!st) st = blk_read(ctx, &r, "state", BLK_I64, st_i, S_COUNT);
  if (!st && (st_i[S_ROWS] < 0 || st_i[S_ROWS] > tr->cfg.train.epochs))
    st = aimc_error(ctx, AIMC_ESHAPE,
                    "%s: %lld epochs logged, the config runs %d", path,
                    (long long)st_i[S_ROWS], tr->cfg.train.epochs);
  if (!st && (st_i[S_POS] < 0 || st_i[S_POS] > tr->train->n))
    st = aimc_error(ctx, AIMC_ESHAPE,
                    "%s: position %lld beyond the training set (%d)", path,
                    (long long)st_i[S_POS], tr->train->n);
  if (!st) st = blk_read(ctx, &r, "state_f", BLK_F64, st_f, F_COUNT);
  const char *names[] = {"params", "adam_m", "adam_v", "best"};
  for (int i = 0; !st && i < 4; i++)
    st = blk_read(ctx, &r, names[i], BLK_F64, tmp + i * np, np);
  if (!st) st = blk_read(ctx, &r, "mode_mask", BLK_U8, mask, net->lhm);
  if (!st)
    st = blk_read(ctx, &r, "curves", BLK_F64, tmp + 4 * np,
                  (size_t)st_i[S_ROWS] * N_COLS);
  double sel[2] = {-1, NAN};
  if (!st && hd.version == CKPT_VERSION)
    st = blk_read(ctx, &r, "select", BLK_F64, sel, 2);
  else if (!st)
    aimc_log(ctx, AIMC_LOG_WARN,
             "%s: checkpoint version %u records no selected epoch; the "
             "selection restarts from the next epoch",
             path, hd.version);
  blk_reader_close(ctx, &r);
  if (!st) st = check_counters(ctx, path, tr, st_i);
  if (!st) st = check_reals(ctx, path, st_i, st_f);
  if (!st) st = check_tensors(ctx, path, tmp, np);
  if (!st) st = check_mask(ctx, path, st_i, mask, net->lhm);
  if (!st) st = check_curves(ctx, path, st_i, tmp + 4 * np);
  if (!st) {
    memcpy(net->p, tmp, np * sizeof(double));
    memcpy(tr->adam_m, tmp + np, np * sizeof(double));
    memcpy(tr->adam_v, tmp + 2 * np, np * sizeof(double));
    memcpy(tr->best, tmp + 3 * np, np * sizeof(double));
    memcpy(tr->curves, tmp + 4 * np,
           (size_t)st_i[S_ROWS] * N_COLS * sizeof(double));
    memcpy(net->mask, mask, net->lhm);
    tr->step = st_i[S_STEP];
    tr->epoch = st_i[S_EPOCH];
    tr->pos = st_i[S_POS];
    tr->since_best = st_i[S_SINCE_BEST];
    tr->nonfinite = st_i[S_NONFINITE];
    tr->pruned = st_i[S_PRUNED];
    tr->has_best = st_i[S_HAS_BEST];
    tr->correct_sum = st_i[S_CORRECT];
    tr->seen = st_i[S_SEEN];
    tr->n_rows = st_i[S_ROWS];
    tr->gnorm_steps = st_i[S_GN_STEPS];
    tr->loss_sum = st_f[F_LOSS_SUM];
    tr->best_val_acc = st_f[F_BEST_ACC];
    tr->best_epoch = (long)sel[0];
    tr->best_val_loss = sel[1];
    for (int k = 0; k < N_GROUPS; k++) tr->gnorm_sum[k] = st_f[F_GN0 + k];
    tr->order_epoch = -1;
    tr->done = tr->epoch >= tr->cfg.train.epochs ||
               (tr->cfg.train.patience > 0 &&
                tr->since_best >= tr->cfg.train.patience);
  }
  aimc_free(ctx, tmp);
  aimc_free(ctx, mask);
  return st;
}

int aimc_trainer_write_csv(aimc_trainer *tr) {
  static const char *const HEAD =
      "epoch,step,lr,train_loss,train_acc,val_loss,val_acc,quant,nonfinite_"
      "skipped,"
      "stab_clipped,gnorm_encoder,gnorm_ssm_dynamics,gnorm_ssm_io,gnorm_rest,"
      "seconds,samples_per_s\n";
  aimc_atomic_file *f;
  int st = aimc_atomic_open(tr->ctx, tr->csv_path, &f);
  if (st) return st;
  FILE *fp = aimc_atomic_stream(f);
  fputs(HEAD, fp);
  for (long r = 0; r < tr->n_rows; r++) {
    const double *row = tr->curves + r * N_COLS;
    for (int c = 0; c < N_COLS; c++) {
      double v = row[c];
      if (c == COL_EPOCH || c == COL_STEP || c == COL_QUANT ||
          c == COL_NONFINITE || c == COL_CLIPPED)
        fprintf(fp, "%ld", (long)v);
      else if (isnan(v))
        fputs("", fp);
      else
        fprintf(fp, "%.6g", v);
      fputc(c + 1 < N_COLS ? ',' : '\n', fp);
    }
  }
  return aimc_atomic_commit(tr->ctx, f);
}
