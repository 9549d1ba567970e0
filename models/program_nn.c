/* Neural one-shot programming (aimc/program_nn.h, after arXiv 2403.06712):
 * an MLP inverse trained on simulated pulses of a device card, its file
 * format, and the one-shot and hybrid controllers built on it.
 * Invariant: w[l] / b[l] point into one block `par` of n_par doubles in
 * layer order, the layout the file stores and Adam updates. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "aimc/dense.h"
#include "aimc/fileio.h"
#include "aimc/program_nn.h"
#include "aimc/status.h"
#include "sim/weights/blocks.h"

#define NNI_MAGIC "AIMCNNI"
#define NNI_VERSION 1u
#define NNI_MODEL_LEN 32
#define D_FLOOR 1e-4 /* smallest |update| / span the features resolve */

struct aimc_nninv {
  char model[NNI_MODEL_LEN];
  double g_min, span;
  aimc_pulse_limits lim;
  aimc_nninv_opts opts;
  double train_rms;
  int h;
  size_t n_par;
  double *par;
  double *w[3], *b[3];
};

typedef struct {
  char magic[8];
  uint32_t version, hidden;
} nni_header;

void aimc_nninv_defaults(aimc_nninv_opts *o) {
  *o = (aimc_nninv_opts){
      .hidden = 32, .n_samples = 8000, .epochs = 60, .batch = 64, .lr = 3e-3,
      .rounds = 3,
      .v_width = {1.1, 1.1},
      .w_min_s = 1e-9,
      .w_max_s = 10e-6};
}

static void layer_shape(int h, int l, int *n_in, int *n_out) {
  *n_in = l == 0 ? AIMC_NNINV_INPUTS : h;
  *n_out = l == 2 ? 1 : h;
}

static size_t par_count(int h) {
  size_t n = 0;
  for (int l = 0; l < 3; l++) {
    int ni, no;
    layer_shape(h, l, &ni, &no);
    n += (size_t)no * ni + no;
  }
  return n;
}

/* Points w / b into a parameter block of par_count(h) doubles. */
static void bind(int h, double *par, double *w[3], double *b[3]) {
  for (int l = 0; l < 3; l++) {
    int ni, no;
    layer_shape(h, l, &ni, &no);
    w[l] = par;
    b[l] = par + (size_t)no * ni;
    par = b[l] + no;
  }
}

static aimc_nninv *nninv_alloc(aimc_ctx *ctx, int h) {
  aimc_nninv *n = aimc_calloc(ctx, 1, sizeof *n);
  if (!n) return NULL;
  n->h = h;
  n->n_par = par_count(h);
  n->par = aimc_calloc(ctx, n->n_par, sizeof(double));
  if (!n->par) {
    aimc_free(ctx, n);
    return NULL;
  }
  bind(h, n->par, n->w, n->b);
  return n;
}

void aimc_nninv_free(aimc_ctx *ctx, aimc_nninv *n) {
  if (!n) return;
  aimc_free(ctx, n->par);
  aimc_free(ctx, n);
}

double aimc_nninv_train_rms(const aimc_nninv *n) { return n->train_rms; }
int aimc_nninv_hidden(const aimc_nninv *n) { return n->h; }

void aimc_nninv_layer(const aimc_nninv *n, int l, int *n_in, int *n_out,
                      const double **w, const double **b) {
  layer_shape(n->h, l, n_in, n_out);
  *w = n->w[l];
  *b = n->b[l];
}

static void features(double u0, double d, int pol, double *x) {
  double a = fabs(d) < D_FLOOR ? D_FLOOR : fabs(d);
  x[0] = u0;
  x[1] = d;
  x[2] = log(a) / 4 + 1;
  x[3] = pol ? -1 : 1;
}

int aimc_nninv_features(const aimc_nninv *n, double g_now, double g_target,
                        double x[AIMC_NNINV_INPUTS]) {
  int pol = g_target < g_now;
  features((g_now - n->g_min) / n->span, (g_target - g_now) / n->span, pol, x);
  return pol;
}

double aimc_nninv_output(const aimc_nninv *n, int pol, double y,
                         double *width_s) {
  const aimc_nninv_opts *o = &n->opts;
  y = y < 0 ? 0 : (y > 1 ? 1 : y);
  double v;
  if (o->by_width[pol]) {
    v = o->v_width[pol];
    *width_s = o->w_min_s * pow(o->w_max_s / o->w_min_s, y);
  } else {
    double lo = pol ? n->lim.v_reset_min : n->lim.v_set_min;
    double hi = pol ? n->lim.v_reset_max : n->lim.v_set_max;
    v = lo + y * (hi - lo);
    *width_s = n->lim.width_s;
  }
  return pol ? -v : v;
}

/* Forward of T rows; h1, h2 (T x h) keep the activations for backward. */
static void forward(const aimc_nninv *n, int T, const double *x, double *h1,
                    double *h2, double *y) {
  int h = n->h;
  aimc_dense_forward(T, AIMC_NNINV_INPUTS, h, x, n->w[0], n->b[0], h1);
  for (size_t i = 0; i < (size_t)T * h; i++) h1[i] = tanh(h1[i]);
  aimc_dense_forward(T, h, h, h1, n->w[1], n->b[1], h2);
  for (size_t i = 0; i < (size_t)T * h; i++) h2[i] = tanh(h2[i]);
  aimc_dense_forward(T, h, 1, h2, n->w[2], n->b[2], y);
}

double aimc_nninv_eval(const aimc_nninv *n, const double x[AIMC_NNINV_INPUTS]) {
  double h1[AIMC_NNINV_MAX_HIDDEN], h2[AIMC_NNINV_MAX_HIDDEN], y;
  forward(n, 1, x, h1, h2, &y);
  return y;
}

int aimc_nninv_pulse(const aimc_nninv *n, double g_now, double g_target,
                     double tol, double *v, double *width) {
  *v = 0;
  *width = 0;
  if (fabs(g_target - g_now) <= tol) return 0;
  double x[AIMC_NNINV_INPUTS];
  int pol = aimc_nninv_features(n, g_now, g_target, x);
  *v = aimc_nninv_output(n, pol, aimc_nninv_eval(n, x), width);
  return 1;
}

/* ---- training ---- */

typedef struct {
  int n;      /* rows filled */
  double *x;  /* n x INPUTS  */
  double *t;  /* n targets   */
} dataset;

/* Simulated pulses of one polarity appended to ds. Round 0 draws the
 * amplitude uniformly over the polarity's limits; later rounds draw a start
 * and a target uniformly over the window and apply the current network's
 * amplitude plus exploration noise (sd EXPLORE / round of the range), so the data
 * concentrate where the controller operates and the conditional mean
 * there is not pulled toward the middle of the uniform prior. */
#define EXPLORE 0.1
static int simulate(aimc_ctx *ctx, const aimc_device *dev, aimc_nninv *nn,
                    int pol, int policy, int n_want, gsl_rng *rng, void *cell,
                    dataset *ds) {
  int got = 0;
  for (long tries = 0; got < n_want && tries < 20L * n_want; tries++) {
    aimc_device_cell_init(dev, cell, rng);
    if (aimc_device_stuck(dev, cell)) continue;
    double u0 = gsl_rng_uniform(rng), u1 = gsl_rng_uniform(rng), y;
    if ((u1 < u0) != pol) { /* the polarity's half of the (start, target) square */
      double t = u0;
      u0 = u1;
      u1 = t;
    }
    aimc_device_set_g(dev, cell, nn->g_min + u0 * nn->span);
    aimc_device_result r;
    aimc_device_read(dev, cell, nn->lim.v_read_V, rng, &r);
    double g0 = r.g_S, x[AIMC_NNINV_INPUTS], w;
    if (policy) {
      aimc_nninv_features(nn, g0, nn->g_min + u1 * nn->span, x);
      y = aimc_nninv_eval(nn, x) + gsl_ran_gaussian_ziggurat(rng, EXPLORE / policy);
      y = y < 0 ? 0 : (y > 1 ? 1 : y);
    } else {
      y = gsl_rng_uniform(rng);
    }
    double v = aimc_nninv_output(nn, pol, y, &w), g1;
    if (nn->opts.noisy_labels) {
      aimc_device_pulse(dev, cell, v, w, rng, &r);
      aimc_device_read(dev, cell, nn->lim.v_read_V, rng, &r);
      g1 = r.g_S;
    } else { /* this device's expected update: c2c and read noise off */
      double gt = aimc_device_g(dev, cell);
      aimc_device_pulse(dev, cell, v, w, NULL, &r);
      g1 = g0 + (r.g_S - gt);
    }
    double d = (g1 - g0) / nn->span;
    if ((pol ? -d : d) < D_FLOOR) continue; /* no visible move: no information */
    features((g0 - nn->g_min) / nn->span, d, pol,
             ds->x + (size_t)ds->n * AIMC_NNINV_INPUTS);
    ds->t[ds->n++] = y;
    got++;
  }
  if (got < n_want / 10)
    return aimc_error(ctx, AIMC_EFAIL,
                      "inverse network: only %d of %d %s pulses moved the "
                      "device visibly; check the card's amplitude limits",
                      got, n_want, pol ? "RESET" : "SET");
  return AIMC_OK;
}

/* Adam (Kingma & Ba 2015) on the whole parameter block. The trainer's
 * AdamW is bound to its own trainer object (static in trainer/train.c). */
static void adam_step(double *p, const double *g, double *m, double *v,
                      size_t n, double lr, long step) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  double c1 = 1 - pow(b1, (double)step), c2 = 1 - pow(b2, (double)step);
  for (size_t i = 0; i < n; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    p[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
  }
}

static void init_weights(aimc_nninv *n, gsl_rng *rng) {
  for (int l = 0; l < 3; l++) {
    int ni, no;
    layer_shape(n->h, l, &ni, &no);
    double a = sqrt(6.0 / (ni + no)); /* Glorot uniform */
    for (size_t i = 0; i < (size_t)ni * no; i++)
      n->w[l][i] = a * (2 * gsl_rng_uniform(rng) - 1);
    memset(n->b[l], 0, sizeof(double) * no);
  }
}

/* Minibatch MSE regression of the normalized amplitude. */
static void fit(aimc_nninv *n, const dataset *ds, gsl_rng *rng, double *ws) {
  int h = n->h, B = n->opts.batch;
  size_t np = n->n_par;
  double *grad = ws, *m = grad + np, *v = m + np;
  double *xb = v + np, *h1 = xb + (size_t)B * AIMC_NNINV_INPUTS;
  double *h2 = h1 + (size_t)B * h, *y = h2 + (size_t)B * h, *dy = y + B;
  double *d2 = dy + B, *d1 = d2 + (size_t)B * h;
  size_t *order = (size_t *)(d1 + (size_t)B * h);
  double *gw[3], *gb[3];
  bind(h, grad, gw, gb);
  memset(m, 0, sizeof(double) * 2 * np); /* fresh Adam moments per round */
  for (int i = 0; i < ds->n; i++) order[i] = (size_t)i;
  long steps = (long)n->opts.epochs * ((ds->n + B - 1) / B), step = 0;
  double se = 0;
  for (int ep = 0; ep < n->opts.epochs; ep++) {
    gsl_ran_shuffle(rng, order, (size_t)ds->n, sizeof(size_t));
    se = 0;
    for (int s = 0; s < ds->n; s += B) {
      int T = ds->n - s < B ? ds->n - s : B;
      for (int r = 0; r < T; r++)
        memcpy(xb + (size_t)r * AIMC_NNINV_INPUTS,
               ds->x + order[s + r] * AIMC_NNINV_INPUTS,
               sizeof(double) * AIMC_NNINV_INPUTS);
      forward(n, T, xb, h1, h2, y);
      for (int r = 0; r < T; r++) {
        double e = y[r] - ds->t[order[s + r]];
        se += e * e;
        dy[r] = 2 * e / T;
      }
      memset(grad, 0, sizeof(double) * np);
      aimc_dense_backward(T, h, 1, h2, n->w[2], dy, d2, gw[2], gb[2]);
      for (size_t i = 0; i < (size_t)T * h; i++) d2[i] *= 1 - h2[i] * h2[i];
      aimc_dense_backward(T, h, h, h1, n->w[1], d2, d1, gw[1], gb[1]);
      for (size_t i = 0; i < (size_t)T * h; i++) d1[i] *= 1 - h1[i] * h1[i];
      aimc_dense_backward(T, AIMC_NNINV_INPUTS, h, xb, n->w[0], d1, NULL,
                         gw[0], gb[0]);
      double lr = n->opts.lr * 0.5 * (1 + cos(3.14159265358979323846 * step / steps));
      adam_step(n->par, grad, m, v, np, lr, ++step);
    }
  }
  n->train_rms = sqrt(se / ds->n);
}

int aimc_nninv_train(aimc_ctx *ctx, const aimc_device *dev,
                     const aimc_nninv_opts *o, gsl_rng *rng,
                     aimc_nninv **out) {
  *out = NULL;
  if (o->hidden < 4 || o->hidden > AIMC_NNINV_MAX_HIDDEN ||
      o->n_samples < 200 || o->n_samples > 10000000 || o->epochs < 1 ||
      o->epochs > 100000 || o->batch < 1 || o->batch > 4096 ||
      o->rounds < 0 || o->rounds > 10 || !(o->lr > 0 && o->lr < 1))
    return aimc_error(ctx, AIMC_ERANGE,
                      "inverse network: settings out of range (hidden [4, %d], "
                      "samples [200, 1e7], epochs [1, 1e5], batch [1, 4096], "
                      "rounds [0, 10], lr (0, 1))",
                      AIMC_NNINV_MAX_HIDDEN);
  for (int pol = 0; pol < 2; pol++)
    if (o->by_width[pol] &&
        !(o->v_width[pol] > 0 && o->v_width[pol] <= 10 && o->w_min_s > 0 &&
          o->w_min_s < o->w_max_s && o->w_max_s <= 1))
      return aimc_error(ctx, AIMC_ERANGE,
                        "inverse network: width control needs v_width in "
                        "(0, 10] V and 0 < w_min < w_max <= 1 s");
  aimc_nninv *n = nninv_alloc(ctx, o->hidden);
  /* Round 0's data, or those of the refinement rounds (they accumulate). */
  size_t rows = 2 * (size_t)o->n_samples * (o->rounds > 0 ? o->rounds : 1);
  size_t h = (size_t)o->hidden;
  size_t B = (size_t)o->batch;
  /* Adam state, minibatch buffers, then the shuffle order (a size_t per
   * row, in double-sized slots). */
  size_t ws_len =
      3 * par_count(o->hidden) + B * (AIMC_NNINV_INPUTS + 4 * h + 2) + rows;
  dataset ds = {0};
  ds.x = aimc_calloc(ctx, rows * AIMC_NNINV_INPUTS, sizeof(double));
  ds.t = aimc_calloc(ctx, rows, sizeof(double));
  double *ws = aimc_calloc(ctx, ws_len, sizeof(double));
  void *cell = aimc_calloc(ctx, 1, aimc_device_cell_size(dev));
  int rc = AIMC_OK;
  if (!n || !ds.x || !ds.t || !ws || !cell) {
    rc = aimc_error(ctx, AIMC_ENOMEM, "inverse network: out of memory");
    goto done;
  }
  snprintf(n->model, sizeof n->model, "%s", dev->model->name);
  double g_max;
  aimc_device_window(dev, &n->g_min, &g_max);
  n->span = g_max - n->g_min;
  aimc_device_limits(dev, &n->lim);
  n->opts = *o;
  init_weights(n, rng);
  for (int round = 0; round <= o->rounds && !rc; round++) {
    /* Refinement rounds learn from the network's own pulses only: the
     * uniform-amplitude data of round 0 would keep pulling it to the prior. */
    if (round == 1) ds.n = 0;
    rc = simulate(ctx, dev, n, 0, round, o->n_samples, rng, cell, &ds);
    if (!rc)
      rc = simulate(ctx, dev, n, 1, round, o->n_samples, rng, cell, &ds);
    if (!rc) fit(n, &ds, rng, ws);
  }
  if (rc) goto done;
  if (!isfinite(n->train_rms))
    rc = aimc_error(ctx, AIMC_ENUMERIC, "inverse network: training diverged");
done:
  aimc_free(ctx, cell);
  aimc_free(ctx, ws);
  aimc_free(ctx, ds.t);
  aimc_free(ctx, ds.x);
  if (rc)
    aimc_nninv_free(ctx, n);
  else
    *out = n;
  return rc;
}

/* ---- file ---- */

static void card_vec(const aimc_nninv *n, double c[9]) {
  const aimc_pulse_limits *l = &n->lim;
  double v[9] = {n->g_min,       n->span,   l->v_set_min, l->v_set_max,
                 l->v_reset_min, l->v_reset_max, l->width_s, l->v_read_V,
                 l->t_read_s};
  memcpy(c, v, sizeof v);
}

int aimc_nninv_save(aimc_ctx *ctx, const aimc_nninv *n, const char *path) {
  aimc_atomic_file *f;
  int rc = aimc_atomic_open(ctx, path, &f);
  if (rc) return rc;
  nni_header hd;
  memset(&hd, 0, sizeof hd);
  memcpy(hd.magic, NNI_MAGIC, sizeof NNI_MAGIC);
  hd.version = NNI_VERSION;
  hd.hidden = (uint32_t)n->h;
  double card[9], train[6] = {n->opts.n_samples, n->opts.epochs,
                              n->opts.batch,     n->opts.lr,
                              n->opts.rounds,    n->train_rms};
  card_vec(n, card);
  blk_writer w;
  blk_writer_init(&w, aimc_atomic_stream(f));
  blk_write_raw(&w, &hd, sizeof hd);
  blk_write(&w, "model", BLK_U8, n->model, strlen(n->model));
  blk_write(&w, "card", BLK_F64, card, 9);
  blk_write(&w, "train", BLK_F64, train, 6);
  double ctl[6] = {n->opts.by_width[0], n->opts.by_width[1], n->opts.v_width[0],
                   n->opts.v_width[1], n->opts.w_min_s,    n->opts.w_max_s};
  blk_write(&w, "control", BLK_F64, ctl, 6);
  blk_write(&w, "params", BLK_F64, n->par, n->n_par);
  if (blk_writer_finish(&w)) {
    aimc_atomic_abort(ctx, f);
    return aimc_error(ctx, AIMC_EIO, "%s: write failed", path);
  }
  return aimc_atomic_commit(ctx, f);
}

int aimc_nninv_load(aimc_ctx *ctx, const char *path, aimc_nninv **out) {
  *out = NULL;
  blk_reader r;
  nni_header hd;
  int rc = blk_reader_open(ctx, &r, path, sizeof hd);
  if (rc) return rc;
  aimc_nninv *n = NULL;
  rc = blk_read_raw(ctx, &r, &hd, sizeof hd);
  if (!rc && memcmp(hd.magic, NNI_MAGIC, sizeof NNI_MAGIC))
    rc = aimc_error(ctx, AIMC_EINVAL,
                    "%s: not an inverse-network file (aimc device "
                    "train-inverse)",
                    path);
  if (!rc && hd.version != NNI_VERSION)
    rc = aimc_error(ctx, AIMC_EINVAL,
                    "%s: inverse-network file version %u; this build reads "
                    "version %u",
                    path, hd.version, NNI_VERSION);
  if (!rc && (hd.hidden < 4 || hd.hidden > AIMC_NNINV_MAX_HIDDEN))
    rc = aimc_error(ctx, AIMC_EINVAL,
                    "%s: hidden = %u is out of range [4, %d]", path, hd.hidden,
                    AIMC_NNINV_MAX_HIDDEN);
  if (!rc && !(n = nninv_alloc(ctx, (int)hd.hidden)))
    rc = aimc_error(ctx, AIMC_ENOMEM, "%s: out of memory", path);
  double card[9], train[6], ctl[6];
  if (!rc) rc = blk_read_text(ctx, &r, "model", n->model, sizeof n->model);
  if (!rc) rc = blk_read(ctx, &r, "card", BLK_F64, card, 9);
  if (!rc) rc = blk_read(ctx, &r, "train", BLK_F64, train, 6);
  if (!rc) rc = blk_read(ctx, &r, "control", BLK_F64, ctl, 6);
  if (!rc) rc = blk_read(ctx, &r, "params", BLK_F64, n->par, n->n_par);
  if (!rc && r.pos != r.size)
    rc = aimc_error(ctx, AIMC_EINVAL, "%s: %zu bytes after the last block",
                    path, r.size - r.pos);
  if (!rc) {
    int ok = aimc_device_model_find(n->model) != NULL;
    for (int i = 0; i < 9; i++) ok = ok && isfinite(card[i]) && card[i] >= 0;
    for (size_t i = 0; i < n->n_par; i++) ok = ok && isfinite(n->par[i]);
    ok = ok && card[1] > 0 && card[2] <= card[3] && card[4] <= card[5] &&
         card[6] > 0;
    for (int i = 0; i < 6; i++) ok = ok && isfinite(ctl[i]);
    ok = ok && (ctl[0] == 0 || ctl[0] == 1) && (ctl[1] == 0 || ctl[1] == 1) &&
         ctl[4] > 0 && ctl[4] < ctl[5];
    if (!ok)
      rc = aimc_error(ctx, AIMC_EINVAL,
                      "%s: unknown device model '%s', a non-finite weight or "
                      "an impossible window, pulse limit or width range",
                      path, n->model);
  }
  if (!rc) {
    n->g_min = card[0];
    n->span = card[1];
    n->lim = (aimc_pulse_limits){card[2], card[3], card[4], card[5],
                                 card[6], card[7], card[8]};
    n->opts = (aimc_nninv_opts){.hidden = n->h,
                                .n_samples = (int)train[0],
                                .epochs = (int)train[1],
                                .batch = (int)train[2],
                                .lr = train[3],
                                .rounds = (int)train[4],
                                .by_width = {(int)ctl[0], (int)ctl[1]},
                                .v_width = {ctl[2], ctl[3]},
                                .w_min_s = ctl[4],
                                .w_max_s = ctl[5]};
    n->train_rms = train[5];
    *out = n;
  } else {
    aimc_nninv_free(ctx, n);
  }
  blk_reader_close(ctx, &r);
  return rc;
}

int aimc_nninv_check_device(aimc_ctx *ctx, const aimc_nninv *n,
                            const aimc_device *dev, const char *what) {
  static const char *const NAMES[9] = {
      "g_min", "window span", "v_set_min", "v_set_max", "v_reset_min",
      "v_reset_max", "pulse width", "v_read", "t_read"};
  if (strcmp(n->model, dev->model->name))
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: the inverse network was trained for device model "
                      "'%s', the device is '%s'",
                      what, n->model, dev->model->name);
  aimc_nninv tmp = *n;
  double g_max, mine[9], theirs[9];
  aimc_device_window(dev, &tmp.g_min, &g_max);
  tmp.span = g_max - tmp.g_min;
  aimc_device_limits(dev, &tmp.lim);
  card_vec(n, mine);
  card_vec(&tmp, theirs);
  for (int i = 0; i < 9; i++)
    if (fabs(mine[i] - theirs[i]) > 1e-9 * fabs(mine[i]))
      return aimc_error(ctx, AIMC_EINVAL,
                        "%s: the inverse network was trained for %s = %g, "
                        "the device has %g: retrain it for this card",
                        what, NAMES[i], mine[i], theirs[i]);
  return AIMC_OK;
}

/* ---- controllers ---- */

static void add(aimc_prog_result *res, const aimc_device_result *r) {
  res->e_J += r->e_J;
  res->t_s += r->t_s;
}

void aimc_nninv_program(const aimc_nninv *n, const aimc_device *dev,
                        void *cell, double target_S, double tol_S,
                        gsl_rng *rng, aimc_prog_result *res) {
  aimc_device_result r;
  *res = (aimc_prog_result){0};
  aimc_device_read(dev, cell, n->lim.v_read_V, rng, &r);
  res->reads = 1;
  add(res, &r);
  double v, w;
  if (aimc_nninv_pulse(n, r.g_S, target_S, tol_S, &v, &w)) {
    aimc_device_pulse(dev, cell, v, w, rng, &r);
    res->pulses = 1;
    add(res, &r);
  }
  res->g_S = aimc_device_g(dev, cell);
  res->err_S = res->g_S - target_S;
  res->converged = fabs(res->err_S) <= tol_S;
}

void aimc_nninv_hybrid(const aimc_nninv *n, const aimc_device *dev,
                       const aimc_wv_params *p, int k, int verify, void *cell,
                       double target_S, gsl_rng *rng, aimc_prog_result *res) {
  aimc_prog_result first;
  aimc_nninv_program(n, dev, cell, target_S, p->tol_S, rng, &first);
  aimc_wv_params q = *p;
  q.max_pulses = k > 0 ? k : 1;
  aimc_wv w;
  aimc_wv_init(&w, dev, &q, cell, target_S);
  while (k > 0) {
    aimc_device_result r;
    double g_read = 0, v, width = n->lim.width_s;
    for (int i = 0; i < q.n_reads; i++) {
      aimc_device_read(dev, cell, n->lim.v_read_V, rng, &r);
      g_read += r.g_S / q.n_reads;
      add(&w.res, &r);
    }
    w.res.reads += q.n_reads;
    /* ISPP decides (and counts) the pulse; NN verify keeps its accept test
     * and budget and replaces the pulse by a new neural shot. */
    if (!aimc_wv_decide(&w, g_read, &v, &width)) break;
    if (verify == AIMC_HYBRID_NN) {
      aimc_nninv_pulse(n, g_read, target_S, 0, &v, &width);
    }
    aimc_device_pulse(dev, cell, v, width, rng, &r);
    add(&w.res, &r);
  }
  *res = w.res;
  if (k <= 0) res->converged = first.converged;
  res->pulses += first.pulses;
  res->reads += first.reads;
  res->e_J += first.e_J;
  res->t_s += first.t_s;
  res->g_S = aimc_device_g(dev, cell);
  res->err_S = res->g_S - target_S;
}
