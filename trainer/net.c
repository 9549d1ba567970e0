/* The trainable S4D network (see net.h). The S4D layer follows S4D-Lin
 * (Gu et al. 2022): A = -exp(log_a_re) + i a_im, a_n = -1/2 + i pi n,
 * Delta = exp(log_dt), zero-order hold Abar = exp(Delta A),
 * Bbar = (Abar - 1) / A * B. Fake quantizers follow IMSSA: Abar (Re, Im)
 * on one fixed range `fscale`, straight-through gradients. */
#include "net.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "layers.h"

const char *const s4d_tensor_names[P_COUNT] = {
#define X(id, name) name,
    S4D_TENSORS(X)
#undef X
};

struct s4d_ws {
  double *buf;
  double *xin, *act, *xs, *prey, *y, *g, *drop, *z, *xhat, *rstd;
  double *d0, *d1, *dtmp, *dz, *dg;
  double *logits, *dlogits, *pool;
};

static size_t tensor_size(const s4d_net *n, s4d_tensor t) {
  size_t L = n->layers, H = n->h, M = n->m, k = n->kmix;
  switch (t) {
    case P_ENC_W:
      return H * n->n_in;
    case P_ENC_B:
      return H;
    case P_LOG_DT:
    case P_D:
    case P_NORM_G:
    case P_NORM_B:
      return L * H;
    case P_LOG_A_RE:
    case P_A_IM:
    case P_B_RE:
    case P_B_IM:
    case P_C_RE:
    case P_C_IM:
      return L * H * M;
    case P_MIX_W:
      return L * k * H * H;
    case P_MIX_B:
      return L * k * H;
    case P_DEC_W:
      return (size_t)n->n_out * H;
    case P_DEC_B:
      return n->n_out;
    case P_COUNT:
      break;
  }
  return 0;
}

void s4d_net_free(aimc_ctx *ctx, s4d_net *net) {
  if (!net) return;
  aimc_free(ctx, net->p);
  aimc_free(ctx, net->mask);
  aimc_free(ctx, net->dep[0]);
  if (net->rng) gsl_rng_free(net->rng);
  aimc_free(ctx, net);
}

int s4d_net_alloc(aimc_ctx *ctx, const aimc_train_cfg *cfg, int n_in, int n_out,
                  int len, s4d_net **out) {
  *out = NULL;
  const aimc_train_model_cfg *mc = &cfg->model;
  if (n_in < 1 || n_out < 2 || len < 1 || mc->h < 1 || mc->n < 2 || mc->n % 2 ||
      mc->n / 2 > 1024 || mc->layers < 1)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "impossible model shape: n_in=%d classes=%d len=%d h=%d "
                      "n=%d layers=%d (n must be even, classes >= 2)",
                      n_in, n_out, len, mc->h, mc->n, mc->layers);
  s4d_net *net = aimc_calloc(ctx, 1, sizeof *net);
  if (!net) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (s4d net)");
  net->n_in = n_in;
  net->n_out = n_out;
  net->h = mc->h;
  net->m = mc->n / 2;
  net->layers = mc->layers;
  net->kmix = mc->mix == AIMC_MIX_GLU ? 2 : 1;
  net->use_ssm = mc->use_ssm;
  net->len = len;
  net->dropout = mc->dropout;
  net->qcfg = cfg->quant;
  net->ncfg = cfg->noise;
  net->off[0] = 0;
  for (int t = 0; t < P_COUNT; t++)
    net->off[t + 1] = net->off[t] + tensor_size(net, (s4d_tensor)t);
  net->n_params = net->off[P_COUNT];
  net->lhm = (size_t)net->layers * net->h * net->m;
  net->grad_len = net->n_params + 4 * net->lhm;
  size_t lh = (size_t)net->layers * net->h;
  net->p = aimc_calloc(ctx, net->n_params, sizeof(double));
  net->mask = aimc_malloc(ctx, net->lhm);
  /* dep (6), raw (4), e (2): lhm each; dep_d: lh; encoder, decoder. */
  size_t n_enc = net->off[P_ENC_W + 1] - net->off[P_ENC_W];
  size_t n_dec = net->off[P_DEC_W + 1] - net->off[P_DEC_W];
  double *d =
      aimc_calloc(ctx, 12 * net->lhm + lh + n_enc + n_dec, sizeof(double));
  net->rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (d) {
    for (int i = 0; i < DEP_COUNT; i++) net->dep[i] = d + i * net->lhm;
    for (int i = 0; i < 4; i++) net->raw[i] = d + (6 + i) * net->lhm;
    net->e_re = d + 10 * net->lhm;
    net->e_im = d + 11 * net->lhm;
    net->dep_d = d + 12 * net->lhm;
    net->dep_enc = net->dep_d + lh;
    net->dep_dec = net->dep_enc + n_enc;
  }
  if (!net->p || !net->mask || !d || !net->rng) {
    aimc_free(ctx, d);
    net->dep[0] = NULL;
    s4d_net_free(ctx, net);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory (s4d net)");
  }
  memset(net->mask, 1, net->lhm);
  *out = net;
  return AIMC_OK;
}

static void fill_uniform(gsl_rng *r, double *p, size_t n, double a) {
  for (size_t i = 0; i < n; i++) p[i] = gsl_ran_flat(r, -a, a);
}

void s4d_net_init(s4d_net *net, const aimc_train_model_cfg *mc, uint64_t seed) {
  gsl_rng *r = net->rng;
  gsl_rng_set(r, (unsigned long)aimc_seed_derive(seed, 0x1417));
  double *p = net->p;
  const size_t *o = net->off;
  const int H = net->h, M = net->m;
  double a_in = 1 / sqrt(net->n_in), a_h = 1 / sqrt(H);
  fill_uniform(r, p + o[P_ENC_W], o[P_ENC_B] - o[P_ENC_W], a_in);
  fill_uniform(r, p + o[P_ENC_B], H, a_in);
  for (size_t i = 0; i < (size_t)net->layers * H; i++) {
    p[o[P_LOG_DT] + i] = gsl_ran_flat(r, log(mc->dt_min), log(mc->dt_max));
    p[o[P_D] + i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    p[o[P_NORM_G] + i] = 1;
    p[o[P_NORM_B] + i] = 0;
  }
  for (size_t i = 0; i < net->lhm; i++) {
    int n = (int)(i % M);
    p[o[P_LOG_A_RE] + i] = log(0.5);
    p[o[P_A_IM] + i] = S4D_PI * n;
    p[o[P_B_RE] + i] = 1;
    p[o[P_B_IM] + i] = 0;
    p[o[P_C_RE] + i] = gsl_ran_gaussian_ziggurat(r, S4D_SQRT1_2);
    p[o[P_C_IM] + i] = gsl_ran_gaussian_ziggurat(r, S4D_SQRT1_2);
  }
  fill_uniform(r, p + o[P_MIX_W], o[P_MIX_B] - o[P_MIX_W], a_h);
  fill_uniform(r, p + o[P_MIX_B], o[P_NORM_G] - o[P_MIX_B], a_h);
  fill_uniform(r, p + o[P_DEC_W], o[P_DEC_B] - o[P_DEC_W], a_h);
  fill_uniform(r, p + o[P_DEC_B], net->n_out, a_h);
}

static double max_abs2(const double *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    m = fmax(m, fabs(a[i]));
    if (b) m = fmax(m, fabs(b[i]));
  }
  return m > 0 ? m : 1;
}

/* Per-tensor range of a b-bit quantizer when none is configured: the
 * clipping point alpha_b * rms, alpha_2 = 1.2 (a ternary threshold of
 * 0.6 rms, near the optimum for Gaussian weights, Li et al. 2016 "Ternary
 * weight networks") growing by 0.6 per bit, never above max |x|. Plain
 * max |x| would round most of a tensor to 0 at 2 bits. */
static double auto_range(int bits, const double *a, const double *b, size_t n) {
  double mx = max_abs2(a, b, n), ss = 0;
  for (size_t i = 0; i < n; i++) ss += a[i] * a[i] + (b ? b[i] * b[i] : 0);
  double rms = sqrt(ss / (double)(b ? 2 * n : n));
  double alpha = bits <= 1 ? 1.0 : 1.2 + 0.6 * (bits - 2);
  double r = fmin(mx, alpha * rms);
  return r > 0 ? r : 1;
}

/* Programming noise on one deployed value with quantizer range w_max. */
static double program_noise(const s4d_net *net, double w, double w_max) {
  const aimc_train_noise_cfg *nc = &net->ncfg;
  if (nc->sigma_S > 0) {
    aimc_gmap gm = {nc->g_min_S, nc->g_max_S, w_max};
    w = aimc_gmap_program_noise(&gm, w, nc->sigma_S, net->rng);
  }
  if (nc->sigma_rel > 0)
    w += gsl_ran_gaussian_ziggurat(net->rng, nc->sigma_rel * w_max);
  return w;
}

void s4d_net_deploy(s4d_net *net, int quant_on, int noise_on,
                    uint64_t noise_seed) {
  const double *p = net->p;
  const size_t *o = net->off;
  const int M = net->m;
  const aimc_train_quant_cfg *qc = &net->qcfg;
  const size_t lh = (size_t)net->layers * net->h;
  for (size_t i = 0; i < net->lhm; i++) {
    double dt = exp(p[o[P_LOG_DT] + i / M]);
    double ar = -exp(p[o[P_LOG_A_RE] + i]), ai = p[o[P_A_IM] + i];
    double mag = exp(dt * ar), abr = mag * cos(dt * ai),
           abi = mag * sin(dt * ai);
    /* E = (Abar - 1) / A; Bbar = E B. */
    double den = ar * ar + ai * ai, nr = abr - 1, ni = abi;
    double er = (nr * ar + ni * ai) / den, ei = (ni * ar - nr * ai) / den;
    double br = p[o[P_B_RE] + i], bi = p[o[P_B_IM] + i];
    net->raw[0][i] = abr;
    net->raw[1][i] = abi;
    net->raw[2][i] = er * br - ei * bi;
    net->raw[3][i] = er * bi + ei * br;
    net->e_re[i] = er;
    net->e_im[i] = ei;
  }
  net->quant_on = quant_on;
  aimc_quant off = {0, 1};
  net->off_q = off;
  net->qa = net->qb = net->qc = net->qd = net->qu = net->qx = net->qy = off;
  if (quant_on) {
    net->qa = (aimc_quant){qc->bits_a, qc->fscale};
    net->qb = (aimc_quant){qc->bits_b, qc->range_b > 0
                                           ? qc->range_b
                                           : auto_range(qc->bits_b, net->raw[2],
                                                        net->raw[3], net->lhm)};
    net->qc = (aimc_quant){
        qc->bits_c, qc->range_c > 0 ? qc->range_c
                                    : auto_range(qc->bits_c, p + o[P_C_RE],
                                                 p + o[P_C_IM], net->lhm)};
    net->qd = (aimc_quant){qc->bits_d,
                           qc->range_d > 0
                               ? qc->range_d
                               : auto_range(qc->bits_d, p + o[P_D], NULL, lh)};
    net->qu = (aimc_quant){qc->bits_u, qc->range_u};
    net->qx = (aimc_quant){qc->bits_x, qc->range_x};
    net->qy = (aimc_quant){qc->bits_y, qc->range_y};
  }
  /* Digital weights: encoder and decoder, optionally quantized. */
  size_t n_enc = o[P_ENC_W + 1] - o[P_ENC_W],
         n_dec = o[P_DEC_W + 1] - o[P_DEC_W];
  net->qenc = net->qdec = off;
  if (quant_on && qc->bits_enc)
    net->qenc = (aimc_quant){
        qc->bits_enc, auto_range(qc->bits_enc, p + o[P_ENC_W], NULL, n_enc)};
  if (quant_on && qc->bits_dec)
    net->qdec = (aimc_quant){
        qc->bits_dec, auto_range(qc->bits_dec, p + o[P_DEC_W], NULL, n_dec)};
  for (size_t i = 0; i < n_enc; i++)
    net->dep_enc[i] = s4d_q(&net->qenc, p[o[P_ENC_W] + i]);
  for (size_t i = 0; i < n_dec; i++)
    net->dep_dec[i] = s4d_q(&net->qdec, p[o[P_DEC_W] + i]);
  const int noisy =
      noise_on && (net->ncfg.sigma_S > 0 || net->ncfg.sigma_rel > 0);
  if (noisy) gsl_rng_set(net->rng, (unsigned long)noise_seed);
  net->stab_clipped = 0;
  /* Ranges used to map a float tensor onto conductances under noise. */
  double wa = net->qa.bits ? net->qa.range
                           : max_abs2(net->raw[0], net->raw[1], net->lhm);
  double wb = net->qb.bits ? net->qb.range
                           : max_abs2(net->raw[2], net->raw[3], net->lhm);
  double wc = net->qc.bits ? net->qc.range
                           : max_abs2(p + o[P_C_RE], p + o[P_C_IM], net->lhm);
  double wd = net->qd.bits ? net->qd.range : max_abs2(p + o[P_D], NULL, lh);
  for (size_t i = 0; i < net->lhm; i++) {
    double v[DEP_COUNT] = {
        s4d_q(&net->qa, net->raw[0][i]),   s4d_q(&net->qa, net->raw[1][i]),
        s4d_q(&net->qb, net->raw[2][i]),   s4d_q(&net->qb, net->raw[3][i]),
        s4d_q(&net->qc, p[o[P_C_RE] + i]), s4d_q(&net->qc, p[o[P_C_IM] + i])};
    net->stab_clipped += s4d_stabilize(&net->qa, &v[0], &v[1]);
    if (noisy) {
      double w_max[DEP_COUNT] = {wa, wa, wb, wb, wc, wc};
      for (int t = 0; t < DEP_COUNT; t++)
        v[t] = program_noise(net, v[t], w_max[t]);
      net->stab_clipped += s4d_stabilize(&net->off_q, &v[0], &v[1]);
    }
    /* A pruned mode is all zeros: it neither holds state nor outputs, and
     * all its gradients vanish, so the scan needs no mask. */
    for (int t = 0; t < DEP_COUNT; t++)
      net->dep[t][i] = net->mask[i] ? v[t] : 0;
  }
  for (size_t i = 0; i < lh; i++) {
    double v = s4d_q(&net->qd, p[o[P_D] + i]);
    net->dep_d[i] = noisy ? program_noise(net, v, wd) : v;
  }
}

void s4d_net_chain(const s4d_net *net, double *grad) {
  const double *p = net->p;
  const size_t *o = net->off;
  const int M = net->m;
  const size_t lhm = net->lhm, lh = (size_t)net->layers * net->h;
  double *gdep = grad + net->n_params;
  for (size_t i = 0; i < lh; i++)
    grad[o[P_D] + i] *= s4d_ste(&net->qd, p[o[P_D] + i]);
  for (size_t i = o[P_ENC_W]; i < o[P_ENC_W + 1]; i++)
    grad[i] *= s4d_ste(&net->qenc, p[i]);
  for (size_t i = o[P_DEC_W]; i < o[P_DEC_W + 1]; i++)
    grad[i] *= s4d_ste(&net->qdec, p[i]);
  for (size_t i = 0; i < lhm; i++) {
    grad[o[P_C_RE] + i] *= s4d_ste(&net->qc, p[o[P_C_RE] + i]);
    grad[o[P_C_IM] + i] *= s4d_ste(&net->qc, p[o[P_C_IM] + i]);
    double gar = gdep[i] * s4d_ste(&net->qa, net->raw[0][i]);
    double gai = gdep[lhm + i] * s4d_ste(&net->qa, net->raw[1][i]);
    double gbr = gdep[2 * lhm + i] * s4d_ste(&net->qb, net->raw[2][i]);
    double gbi = gdep[3 * lhm + i] * s4d_ste(&net->qb, net->raw[3][i]);
    double dt = exp(p[o[P_LOG_DT] + i / M]);
    double ar = -exp(p[o[P_LOG_A_RE] + i]), ai = p[o[P_A_IM] + i];
    double abr = net->raw[0][i], abi = net->raw[1][i];
    double er = net->e_re[i], ei = net->e_im[i];
    double br = p[o[P_B_RE] + i], bi = p[o[P_B_IM] + i];
    /* Complex chain rule for a holomorphic w = f(z): g_z = g_w conj(f'). */
    grad[o[P_B_RE] + i] += gbr * er + gbi * ei; /* g_Bbar conj(E) */
    grad[o[P_B_IM] + i] += gbi * er - gbr * ei;
    double ger = gbr * br + gbi * bi, gei = gbi * br - gbr * bi; /* g conj(B) */
    /* dE/dA = (dt Abar - E) / A. */
    double fr = dt * abr - er, fi = dt * abi - ei, den = ar * ar + ai * ai;
    double dr = (fr * ar + fi * ai) / den, di = (fi * ar - fr * ai) / den;
    /* g_A = g_Abar conj(dt Abar) + g_E conj(dE/dA). */
    double gA_r = dt * (gar * abr + gai * abi) + (ger * dr + gei * di);
    double gA_i = dt * (gai * abr - gar * abi) + (gei * dr - ger * di);
    /* d/d dt: Re(g_Abar conj(A Abar)) + Re(g_E conj(Abar)). */
    double aar = ar * abr - ai * abi, aai = ar * abi + ai * abr;
    double gdt = gar * aar + gai * aai + ger * abr + gei * abi;
    grad[o[P_LOG_A_RE] + i] += gA_r * ar;
    grad[o[P_A_IM] + i] += gA_i;
    grad[o[P_LOG_DT] + i / M] += gdt * dt;
  }
}

int s4d_ws_alloc(aimc_ctx *ctx, const s4d_net *net, s4d_ws **out) {
  *out = NULL;
  const size_t L = net->layers, T = net->len, H = net->h, TH = T * H;
  const size_t k = net->kmix;
  size_t sizes[] = {T * net->n_in,
                    (L + 1) * TH,
                    L * s4d_ssm_xs_len(H, T, net->m),
                    L * TH,
                    L * TH,
                    L * TH,
                    L * TH,
                    L * TH * k,
                    L * TH,
                    L * T,
                    TH,
                    TH,
                    TH,
                    TH * k,
                    TH,
                    net->n_out,
                    net->n_out,
                    H};
  size_t total = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) total += sizes[i];
  s4d_ws *ws = aimc_calloc(ctx, 1, sizeof *ws);
  double *b = ws ? aimc_calloc(ctx, total, sizeof(double)) : NULL;
  if (!b) {
    aimc_free(ctx, ws);
    return aimc_error(ctx, AIMC_ENOMEM,
                      "out of memory (trainer workspace, %zu MB)",
                      total * sizeof(double) >> 20);
  }
  ws->buf = b;
  double **slots[] = {
      &ws->xin,  &ws->act, &ws->xs,   &ws->prey,   &ws->y,       &ws->g,
      &ws->drop, &ws->z,   &ws->xhat, &ws->rstd,   &ws->d0,      &ws->d1,
      &ws->dtmp, &ws->dz,  &ws->dg,   &ws->logits, &ws->dlogits, &ws->pool};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    *slots[i] = b;
    b += sizes[i];
  }
  *out = ws;
  return AIMC_OK;
}

void s4d_ws_free(aimc_ctx *ctx, s4d_ws *ws) {
  if (!ws) return;
  aimc_free(ctx, ws->buf);
  aimc_free(ctx, ws);
}

/* splitmix64: a tiny counter-based generator for dropout masks, so every
 * sample's mask depends only on its seed (not on the thread). */
static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The forward's dense layers (see s4d_net.dense_ordered). */
static void dense_forward(const s4d_net *net, int T, int n_in, int n_out,
                          const double *x, const double *w, const double *b,
                          double *y) {
  if (net->dense_ordered)
    aimc_dense_forward_ordered(T, n_in, n_out, x, w, b, y);
  else
    aimc_dense_forward(T, n_in, n_out, x, w, b, y);
}

static s4d_ssm layer_ssm(const s4d_net *net, int l) {
  size_t lhm = (size_t)l * net->h * net->m;
  s4d_ssm s = {net->h,
               net->use_ssm ? net->m : 0,
               net->dep[DEP_A_RE] + lhm,
               net->dep[DEP_A_IM] + lhm,
               net->dep[DEP_B_RE] + lhm,
               net->dep[DEP_B_IM] + lhm,
               net->dep[DEP_C_RE] + lhm,
               net->dep[DEP_C_IM] + lhm,
               net->dep_d + (size_t)l * net->h,
               &net->qu,
               &net->qx,
               &net->qy};
  return s;
}

double s4d_net_sample(const s4d_net *net, s4d_ws *ws, const float *x, int y,
                      uint64_t dropout_seed, double *grad, int *correct,
                      double *logits_out) {
  const int T = net->len, H = net->h, L = net->layers, k = net->kmix;
  const size_t TH = (size_t)T * H, xsl = s4d_ssm_xs_len(H, T, net->m);
  const double *p = net->p;
  const size_t *o = net->off;
  for (size_t i = 0; i < (size_t)T * net->n_in; i++) ws->xin[i] = x[i];
  dense_forward(net, T, net->n_in, H, ws->xin, net->dep_enc, p + o[P_ENC_B],
                ws->act);
  const double keep = 1 - net->dropout;
  const int use_drop = dropout_seed && net->dropout > 0;
  uint64_t rs = dropout_seed;
  for (int l = 0; l < L; l++) {
    double *in = ws->act + l * TH, *outp = in + TH;
    double *yl = ws->y + l * TH, *gl = ws->g + l * TH, *zl = ws->z + l * TH * k;
    s4d_ssm s = layer_ssm(net, l);
    s4d_ssm_forward(&s, T, in, yl, ws->xs + l * xsl, ws->prey + l * TH);
    s4d_gelu_forward((int)TH, yl, gl);
    if (use_drop) {
      double *dm = ws->drop + l * TH;
      for (size_t i = 0; i < TH; i++) {
        dm[i] = (splitmix(&rs) >> 11) * 0x1.0p-53 < keep ? 1 / keep : 0;
        gl[i] *= dm[i];
      }
    }
    const double *mw = p + o[P_MIX_W] + (size_t)l * k * H * H;
    const double *mb = p + o[P_MIX_B] + (size_t)l * k * H;
    double *mo = ws->dtmp; /* mix output, consumed right away */
    if (k == 2) {
      dense_forward(net, T, H, 2 * H, gl, mw, mb, zl);
      s4d_glu_forward(T, H, zl, mo);
    } else {
      dense_forward(net, T, H, H, gl, mw, mb, mo);
    }
    for (size_t i = 0; i < TH; i++) mo[i] += in[i];
    s4d_norm_forward(T, H, mo, p + o[P_NORM_G] + (size_t)l * H,
                     p + o[P_NORM_B] + (size_t)l * H, outp, ws->xhat + l * TH,
                     ws->rstd + (size_t)l * T);
  }
  const double *last = ws->act + L * TH;
  for (int h = 0; h < H; h++) {
    double s = 0;
    for (int t = 0; t < T; t++) s += last[(size_t)t * H + h];
    ws->pool[h] = s / T;
  }
  double *lg = ws->logits;
  dense_forward(net, 1, H, net->n_out, ws->pool, net->dep_dec, p + o[P_DEC_B],
                lg);
  if (logits_out) memcpy(logits_out, lg, sizeof(double) * net->n_out);
  int best = 0;
  double mx = lg[0];
  for (int c = 1; c < net->n_out; c++)
    if (lg[c] > mx) mx = lg[c], best = c;
  double z = 0;
  for (int c = 0; c < net->n_out; c++) z += exp(lg[c] - mx);
  double loss = log(z) + mx - lg[y];
  if (correct) *correct = best == y;
  if (!grad) return loss;

  /* Backward. */
  for (int c = 0; c < net->n_out; c++)
    ws->dlogits[c] = exp(lg[c] - mx) / z - (c == y);
  double *dpool = ws->dg; /* H values, free until the layer loop */
  aimc_dense_backward(1, H, net->n_out, ws->pool, net->dep_dec, ws->dlogits,
                     dpool, grad + o[P_DEC_W], grad + o[P_DEC_B]);
  double *dout = ws->d0, *din = ws->d1;
  for (int t = 0; t < T; t++)
    for (int h = 0; h < H; h++) dout[(size_t)t * H + h] = dpool[h] / T;
  double *gdep = grad + net->n_params;
  for (int l = L - 1; l >= 0; l--) {
    const double *in = ws->act + l * TH;
    double *yl = ws->y + l * TH, *gl = ws->g + l * TH, *zl = ws->z + l * TH * k;
    double *dr = ws->dtmp, *dg = ws->dg;
    s4d_norm_backward(T, H, dout, ws->xhat + l * TH, ws->rstd + (size_t)l * T,
                      p + o[P_NORM_G] + (size_t)l * H, dr,
                      grad + o[P_NORM_G] + (size_t)l * H,
                      grad + o[P_NORM_B] + (size_t)l * H);
    memcpy(din, dr, sizeof(double) * TH); /* residual path */
    const double *mw = p + o[P_MIX_W] + (size_t)l * k * H * H;
    double *gmw = grad + o[P_MIX_W] + (size_t)l * k * H * H;
    double *gmb = grad + o[P_MIX_B] + (size_t)l * k * H;
    if (k == 2) {
      s4d_glu_backward(T, H, zl, dr, ws->dz);
      aimc_dense_backward(T, H, 2 * H, gl, mw, ws->dz, dg, gmw, gmb);
    } else {
      aimc_dense_backward(T, H, H, gl, mw, dr, dg, gmw, gmb);
    }
    if (use_drop) {
      const double *dm = ws->drop + l * TH;
      for (size_t i = 0; i < TH; i++) dg[i] *= dm[i];
    }
    s4d_gelu_backward((int)TH, yl, dg, dg);
    size_t lhm = (size_t)l * H * net->m;
    s4d_ssm_grad sg = {gdep + lhm,
                       gdep + net->lhm + lhm,
                       gdep + 2 * net->lhm + lhm,
                       gdep + 3 * net->lhm + lhm,
                       grad + o[P_C_RE] + lhm,
                       grad + o[P_C_IM] + lhm,
                       grad + o[P_D] + (size_t)l * H};
    s4d_ssm s = layer_ssm(net, l);
    s4d_ssm_backward(&s, T, in, ws->xs + l * xsl, ws->prey + l * TH, dg, din,
                     &sg);
    double *t = dout;
    dout = din;
    din = t;
  }
  aimc_dense_backward(T, net->n_in, H, ws->xin, net->dep_enc, dout, NULL,
                     grad + o[P_ENC_W], grad + o[P_ENC_B]);
  return loss;
}

void s4d_net_export(const s4d_net *net, aimc_s4d_model *m) {
  const double *p = net->p;
  const size_t *o = net->off;
  const size_t lhm = net->lhm, lh = (size_t)net->layers * net->h;
  m->use_ssm = net->use_ssm;
  m->quant_a = net->qa;
  m->quant_b = net->qb;
  m->quant_c = net->qc;
  m->quant_d = net->qd;
  m->quant_u = net->qu;
  m->quant_x = net->qx;
  m->quant_y = net->qy;
  double *dst[DEP_COUNT] = {m->a_re, m->a_im, m->b_re,
                            m->b_im, m->c_re, m->c_im};
  for (int t = 0; t < DEP_COUNT; t++)
    memcpy(dst[t], net->dep[t], lhm * sizeof(double));
  memcpy(m->d, net->dep_d, lh * sizeof(double));
  memcpy(m->mode_mask, net->mask, lhm);
#define COPY(field, id) \
  memcpy(m->field, p + o[id], (o[id + 1] - o[id]) * sizeof(double))
  memcpy(m->enc_w, net->dep_enc,
         (o[P_ENC_W + 1] - o[P_ENC_W]) * sizeof(double));
  COPY(enc_b, P_ENC_B);
  COPY(mix_w, P_MIX_W);
  COPY(mix_b, P_MIX_B);
  COPY(norm_g, P_NORM_G);
  COPY(norm_b, P_NORM_B);
  memcpy(m->dec_w, net->dep_dec,
         (o[P_DEC_W + 1] - o[P_DEC_W]) * sizeof(double));
  COPY(dec_b, P_DEC_B);
  COPY(log_dt, P_LOG_DT);
  COPY(log_a_re, P_LOG_A_RE);
  COPY(a_im_cont, P_A_IM);
#undef COPY
}
