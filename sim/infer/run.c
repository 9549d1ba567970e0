/* Inference on the programmed arrays, one array read per layer and time
 * step: DACs drive [x^_{t-1}; u_t; u_{t-1}], the array sums currents (MVM
 * with the programmed weights, read noise), ADCs convert (resolution,
 * noise), the state register holds x^_t, and the digital periphery (GELU,
 * mixing, residual, layer norm, mean pool, decoder) runs as in the S4D
 * reference of aimc/s4d_model.h. In the single form the output lags the
 * state by one read, so layer l+1 runs one step behind layer l (a
 * wavefront). Column sums add rows in pairs, (w0 x0 + w1 x1), which is how
 * the reference adds Re and Im of a mode: ideal hardware then reproduces
 * the reference bit for bit. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "aimc/fileio.h"
#include "aimc/progress.h"
#include "aimc/status.h"
#include "infer_internal.h"
#include "sim/map/map_internal.h"

typedef struct {
  int matrix;
  const aimc_map_slot *slot;
} slot_ref;

/* Converter view of one matrix: the ADC quantizer of every output column,
 * and the quantizer applied digitally after partial sums are added. */
typedef struct {
  aimc_quant *adc;  /* n_out                                   */
  aimc_quant post;  /* bits 0: none                            */
  slot_ref *slots;
  int n_slots;
} mat_view;

typedef struct {
  const aimc_s4d_model *mdl;
  const aimc_hw *hw;
  const aimc_mapping *m;
  mat_view *mv;             /* per matrix                              */
  int *ssm, *ssm_b, *ssm_cd, *mix; /* matrix index per layer, -1 none */
  int enc, dec;
  aimc_quant dac_u, dac_x;  /* input DACs                              */
  size_t *st_off;           /* per layer: offset of its state          */
  double *state;            /* x^ of every layer                       */
  double *in, *out, *out2;  /* scratch, largest matrix                 */
  double *layer_in;         /* layers x h: raw input at this read      */
  double *prev_in;          /* layers x h: raw input one read earlier  */
  double *prev_uq;          /* layers x h: its DAC value               */
  double *y, *z, *o, *pool, *xd; /* h, 2h, h, h, n_in                  */
  aimc_ctx *noise;          /* stream for read and ADC noise           */
  uint64_t reads;           /* array-read batches simulated            */
  /* The event schedule: a step event every period, then one event per
   * layer read at its offset inside the step. */
  aimc_kernel *k;
  uint32_t handler;
  aimc_time period_fs, dec_fs;
  aimc_time *offset_fs;     /* layers: start of layer l's read in a step */
  const double *x;          /* the sequence being run                  */
  int len, n_steps, lag;
  uint64_t events;          /* kernel events delivered                 */
  aimc_time t_end_fs;       /* simulated time of the last inference    */
  FILE *trace;              /* CSV of the events, or NULL              */
} run_ws;

enum { EV_STEP = 0, EV_LAYER = 1 };

/* The converter a model quantizer becomes: off when converters are ideal,
 * the override bits when set (over the same range), else the model's. */
static aimc_quant converter(const aimc_arch *a, const aimc_quant *q, int bits) {
  aimc_quant c = {0, 0};
  if (!a->ni_converter || q->bits <= 0 || q->range <= 0) return c;
  c.bits = bits > 0 ? bits : q->bits;
  c.range = q->range;
  return c;
}

/* aimc_quant_apply with the same arithmetic, inlined for the hot loop
 * (bit-identical results: the golden test compares against the shared
 * quantizer). */
static inline double quantize(const aimc_quant *q, double v) {
  if (q->bits <= 0) return v;
  if (q->bits == 1) return aimc_quant_apply(q, v);
  int kmax = (1 << (q->bits - 1)) - 1;
  double step = q->range / kmax, r = round(v / step);
  if (r > kmax) r = kmax;
  if (r < -kmax) r = -kmax;
  return (int)r * step;
}

static void ws_free(aimc_ctx *ctx, run_ws *w) {
  if (w->mv)
    for (size_t i = 0; i < w->m->n_mats; i++) {
      aimc_free(ctx, w->mv[i].adc);
      aimc_free(ctx, w->mv[i].slots);
    }
  aimc_kernel_free(w->k);
  void *bufs[] = {w->offset_fs, w->mv, w->ssm, w->ssm_b, w->ssm_cd, w->mix, w->st_off,
                  w->state, w->in, w->out, w->out2, w->layer_in, w->prev_in,
                  w->prev_uq, w->y, w->z, w->o, w->pool, w->xd};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) aimc_free(ctx, bufs[i]);
  aimc_ctx_free(w->noise);
  memset(w, 0, sizeof *w);
}

static int view_init(aimc_ctx *ctx, run_ws *w, int mi) {
  const aimc_map_matrix *mx = &w->m->mats[mi];
  const aimc_arch *a = &w->m->arch;
  const aimc_s4d_model *mdl = w->mdl;
  mat_view *v = &w->mv[mi];
  v->adc = aimc_calloc(ctx, (size_t)mx->n_out + 1, sizeof(aimc_quant));
  if (!v->adc) return AIMC_ENOMEM;
  for (size_t k = 0; k < w->m->n_arrays; k++) v->n_slots += w->m->arrays[k].n_place;
  v->slots = aimc_calloc(ctx, (size_t)v->n_slots + 1, sizeof(slot_ref));
  if (!v->slots) return AIMC_ENOMEM;
  v->n_slots = 0;
  for (size_t k = 0; k < w->m->n_arrays; k++)
    for (int p = 0; p < w->m->arrays[k].n_place; p++)
      if (w->m->arrays[k].place[p].matrix == mi)
        v->slots[v->n_slots++] = (slot_ref){mi, &w->m->arrays[k].place[p]};
  aimc_quant qx = converter(a, &mdl->quant_x, a->adc_bits);
  aimc_quant qy = converter(a, &mdl->quant_y, a->adc_bits);
  for (int b = 0; b < mx->n_blocks; b++) {
    int j0 = mx->out_off[b], nj = mx->out_off[b + 1] - j0;
    for (int j = 0; j < nj; j++) {
      aimc_quant *q = &v->adc[j0 + j];
      switch (mx->kind) {
        case AIMC_OP_SSM: *q = j == nj - 1 ? qy : qx; break;
        case AIMC_OP_SSM_CD: *q = qy; break;
        case AIMC_OP_SSM_A:
        case AIMC_OP_SSM_B:
          /* Partial sums: converted at adc_bits if set, then added and
           * quantized to the state resolution in the register. */
          if (a->ni_converter && a->adc_bits > 0 && mdl->quant_x.range > 0)
            *q = (aimc_quant){a->adc_bits, mdl->quant_x.range};
          v->post = qx;
          break;
        default: break; /* dense layers on crossbars: ideal ADCs */
      }
    }
  }
  return AIMC_OK;
}

static int on_event(aimc_kernel *k, void *self, const aimc_event *ev);
static int schedule_init(aimc_ctx *ctx, run_ws *w, aimc_kernel_backend backend);

static int ws_init(aimc_ctx *ctx, run_ws *w, const aimc_s4d_model *mdl,
                   const aimc_hw *hw, aimc_kernel_backend backend) {
  memset(w, 0, sizeof *w);
  const aimc_mapping *m = hw->map;
  w->mdl = mdl;
  w->hw = hw;
  w->m = m;
  w->enc = w->dec = -1;
  int L = mdl->layers, H = mdl->h;
  size_t big = (size_t)mdl->n_in + 2 * (size_t)H + 2;
  w->mv = aimc_calloc(ctx, m->n_mats + 1, sizeof(mat_view));
  w->ssm = aimc_malloc(ctx, sizeof(int) * L);
  w->ssm_b = aimc_malloc(ctx, sizeof(int) * L);
  w->ssm_cd = aimc_malloc(ctx, sizeof(int) * L);
  w->mix = aimc_malloc(ctx, sizeof(int) * L);
  w->st_off = aimc_calloc(ctx, (size_t)L + 1, sizeof(size_t));
  if (!w->mv || !w->ssm || !w->ssm_b || !w->ssm_cd || !w->mix || !w->st_off)
    return AIMC_ENOMEM;
  for (int l = 0; l < L; l++) w->ssm[l] = w->ssm_b[l] = w->ssm_cd[l] = w->mix[l] = -1;
  for (size_t i = 0; i < m->n_mats; i++) {
    const aimc_map_matrix *mx = &m->mats[i];
    if ((size_t)mx->n_in > big) big = mx->n_in;
    if ((size_t)mx->n_out > big) big = mx->n_out;
    switch (mx->kind) {
      case AIMC_OP_SSM: case AIMC_OP_SSM_A: w->ssm[mx->layer] = (int)i; break;
      case AIMC_OP_SSM_B: w->ssm_b[mx->layer] = (int)i; break;
      case AIMC_OP_SSM_CD: w->ssm_cd[mx->layer] = (int)i; break;
      case AIMC_OP_MIX: w->mix[mx->layer] = (int)i; break;
      case AIMC_OP_ENCODER: w->enc = (int)i; break;
      case AIMC_OP_DECODER: w->dec = (int)i; break;
      default: break;
    }
    int st = view_init(ctx, w, (int)i);
    if (st) return st;
  }
  for (int l = 0; l < L; l++) {
    size_t s = 0;
    for (int h = 0; h < H; h++) s += 2 * (size_t)m->modes[l * H + h];
    w->st_off[l + 1] = w->st_off[l] + s;
  }
  const aimc_arch *a = &m->arch;
  w->dac_u = converter(a, &mdl->quant_u, a->dac_bits);
  w->dac_x = converter(a, &mdl->quant_x, a->dac_bits);
  size_t LH = (size_t)L * H;
  w->state = aimc_calloc(ctx, w->st_off[L] + 1, sizeof(double));
  w->in = aimc_calloc(ctx, big, sizeof(double));
  w->out = aimc_calloc(ctx, big, sizeof(double));
  w->out2 = aimc_calloc(ctx, big, sizeof(double));
  w->layer_in = aimc_calloc(ctx, LH, sizeof(double));
  w->prev_in = aimc_calloc(ctx, LH, sizeof(double));
  w->prev_uq = aimc_calloc(ctx, LH, sizeof(double));
  w->y = aimc_calloc(ctx, (size_t)H, sizeof(double));
  w->z = aimc_calloc(ctx, 2 * (size_t)H, sizeof(double));
  w->o = aimc_calloc(ctx, (size_t)H, sizeof(double));
  w->pool = aimc_calloc(ctx, (size_t)H, sizeof(double));
  w->xd = aimc_calloc(ctx, (size_t)mdl->n_in, sizeof(double));
  w->noise = aimc_ctx_fork(ctx, aimc_hash_str("aimc.read_noise"));
  if (!w->state || !w->in || !w->out || !w->out2 || !w->layer_in ||
      !w->prev_in || !w->prev_uq || !w->y || !w->z || !w->o || !w->pool ||
      !w->xd || !w->noise)
    return AIMC_ENOMEM;
  return schedule_init(ctx, w, backend);
}

/* Stage times from the cycle counts of account.c, and the kernel. */
static int schedule_init(aimc_ctx *ctx, run_ws *w, aimc_kernel_backend backend) {
  const aimc_arch *a = &w->m->arch;
  int L = w->mdl->layers;
  aimc_read_cost *cost = aimc_calloc(ctx, w->m->n_arrays + 1, sizeof *cost);
  uint64_t *c_layer = aimc_calloc(ctx, (size_t)L, sizeof(uint64_t));
  w->offset_fs = aimc_calloc(ctx, (size_t)L, sizeof(aimc_time));
  int st = cost && c_layer && w->offset_fs ? AIMC_OK : AIMC_ENOMEM;
  if (!st) {
    uint64_t c_enc, c_dec;
    aimc_infer_read_costs(w->hw, cost);
    aimc_infer_stage_cycles(w->mdl, w->hw, cost, &c_enc, c_layer, &c_dec);
    aimc_time at = (aimc_time)c_enc * a->clock_fs;
    for (int l = 0; l < L; l++) {
      w->offset_fs[l] = at;
      at += (aimc_time)c_layer[l] * a->clock_fs;
    }
    w->period_fs = at;
    w->dec_fs = (aimc_time)c_dec * a->clock_fs;
    w->lag = a->form == AIMC_FORM_SINGLE ? 1 : 0;
  }
  aimc_free(ctx, cost);
  aimc_free(ctx, c_layer);
  if (!st) st = aimc_kernel_alloc(ctx, backend, &w->k);
  if (!st) st = aimc_kernel_add_handler(w->k, on_event, w, &w->handler);
  return st;
}

/* One read of every array holding matrix mi: out = W in, converted. */
static void array_read(run_ws *w, int mi, const double *in, double *out) {
  const aimc_map_matrix *mx = &w->m->mats[mi];
  const aimc_arch *a = &w->m->arch;
  const mat_view *v = &w->mv[mi];
  const double *W = aimc_hw_weights(w->hw, (size_t)mi);
  const double *NV = w->hw->nvar[mi];
  gsl_rng *rng = aimc_ctx_rng(w->noise);
  double adc_sigma_lsb = a->ni_converter ? a->adc_noise_lsb : 0;
  memset(out, 0, sizeof(double) * mx->n_out);
  for (int si = 0; si < v->n_slots; si++) {
    const aimc_map_slot *s = v->slots[si].slot;
    int b = s->block;
    const double *x = in + s->in0;
    for (int j = 0; j < s->n_out; j++) {
      size_t row = aimc_map_matrix_index(mx, b, s->out0 + j - mx->out_off[b],
                                         s->in0 - mx->in_off[b]);
      const double *wr = W + row;
      double acc = 0;
      int i = 0;
      double var = 0; /* read noise + ADC noise: one Gaussian per column */
      if (NV) {
        /* One pass: the column current and its read-noise variance,
         * sum over devices of (relative sigma x device current)^2. */
        const double *nv = NV + row;
        for (; i + 1 < s->n_in; i += 2) {
          acc += wr[i] * x[i] + wr[i + 1] * x[i + 1];
          var += nv[i] * x[i] * x[i] + nv[i + 1] * x[i + 1] * x[i + 1];
        }
        if (i < s->n_in) acc += wr[i] * x[i], var += nv[i] * x[i] * x[i];
        var *= a->read_noise_rel * a->read_noise_rel;
      } else {
        for (; i + 1 < s->n_in; i += 2) acc += wr[i] * x[i] + wr[i + 1] * x[i + 1];
        if (i < s->n_in) acc += wr[i] * x[i];
      }
      const aimc_quant *q = &v->adc[s->out0 + j];
      if (q->bits > 0 && adc_sigma_lsb > 0) {
        double lsb = adc_sigma_lsb * aimc_quant_step(q);
        var += lsb * lsb;
      }
      if (var > 0) acc += gsl_ran_gaussian_ziggurat(rng, sqrt(var));
      out[s->out0 + j] += quantize(q, acc);
    }
  }
  w->reads++;
}

/* y = b + W x: digitally, or on crossbars when the matrix exists. */
static void dense(run_ws *w, int mi, int n_in, int n_out, const double *W,
                  const double *bias, const double *x, double *y) {
  if (mi >= 0) {
    array_read(w, mi, x, y);
    for (int j = 0; j < n_out; j++) y[j] += bias[j];
    return;
  }
  for (int j = 0; j < n_out; j++) {
    double acc = 0;
    const double *wr = W + (size_t)j * n_in;
    for (int i = 0; i < n_in; i++) acc += x[i] * wr[i];
    y[j] = acc + bias[j];
  }
}

static double sigmoid(double x) {
  return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

/* GELU -> mix (linear or GLU) -> + residual -> layer norm; writes the
 * next layer's input (or adds to the pool after the last layer). */
static void periphery(run_ws *w, int l, const double *resid) {
  const aimc_s4d_model *mdl = w->mdl;
  int H = mdl->h, k = mdl->mix == AIMC_MIX_GLU ? 2 : 1;
  for (int h = 0; h < H; h++)
    w->y[h] = 0.5 * w->y[h] * (1 + erf(w->y[h] * 0.70710678118654752440));
  dense(w, w->mix[l], H, k * H, mdl->mix_w + (size_t)l * k * H * H,
        mdl->mix_b + (size_t)l * k * H, w->y, w->z);
  for (int h = 0; h < H; h++)
    w->o[h] = (k == 2 ? w->z[h] * sigmoid(w->z[H + h]) : w->z[h]) + resid[h];
  double mean = 0, var = 0;
  for (int h = 0; h < H; h++) mean += w->o[h];
  mean /= H;
  for (int h = 0; h < H; h++) var += (w->o[h] - mean) * (w->o[h] - mean);
  double r = 1 / sqrt(var / H + 1e-5);
  const double *g = mdl->norm_g + (size_t)l * H, *b = mdl->norm_b + (size_t)l * H;
  double *dst = l + 1 < mdl->layers ? w->layer_in + (size_t)(l + 1) * H : NULL;
  for (int h = 0; h < H; h++) {
    double v = g[h] * ((w->o[h] - mean) * r) + b[h];
    if (dst) dst[h] = v;
    else w->pool[h] += v;
  }
}

/* Layer l at read t: the SSM read(s), then the periphery for the output
 * the read yields. `u` is the layer input at t (NULL for the flush read
 * after the last step of the single form). */
static void layer_read(run_ws *w, int l, const double *u, int t) {
  const aimc_s4d_model *mdl = w->mdl;
  const aimc_mapping *m = w->m;
  int H = mdl->h, single = m->arch.form == AIMC_FORM_SINGLE;
  double *x = w->state + w->st_off[l];
  size_t nx = w->st_off[l + 1] - w->st_off[l];
  double *puq = w->prev_uq + (size_t)l * H, *praw = w->prev_in + (size_t)l * H;
  double *in = w->in, *out = w->out;
  size_t xo = 0;
  if (single) {
    const aimc_map_matrix *mx = &m->mats[w->ssm[l]];
    for (int h = 0; h < H; h++) {
      int ns = mx->in_off[h + 1] - mx->in_off[h] - 2;
      double *dst = in + mx->in_off[h];
      for (int i = 0; i < ns; i++) dst[i] = quantize(&w->dac_x, x[xo + i]);
      dst[ns] = u ? quantize(&w->dac_u, u[h]) : 0;
      dst[ns + 1] = puq[h];
      xo += ns;
    }
    array_read(w, w->ssm[l], in, out);
    xo = 0;
    for (int h = 0; h < H; h++) {
      int ns = mx->out_off[h + 1] - mx->out_off[h] - 1;
      memcpy(x + xo, out + mx->out_off[h], sizeof(double) * ns);
      w->y[h] = out[mx->out_off[h] + ns];
      xo += ns;
    }
    /* This read gave y_{t-1}: its residual is the previous input. */
    if (t >= 1) periphery(w, l, praw);
  } else {
    const aimc_map_matrix *cd = &m->mats[w->ssm_cd[l]];
    for (size_t i = 0; i < nx; i++) in[i] = quantize(&w->dac_x, x[i]);
    array_read(w, w->ssm[l], in, out);
    for (int h = 0; h < H; h++) in[h] = quantize(&w->dac_u, u[h]);
    array_read(w, w->ssm_b[l], in, w->out2);
    for (size_t i = 0; i < nx; i++)
      x[i] = quantize(&w->mv[w->ssm[l]].post, out[i] + w->out2[i]);
    for (int h = 0; h < H; h++) {
      int ns = cd->in_off[h + 1] - cd->in_off[h] - 1;
      double *dst = in + cd->in_off[h];
      for (int i = 0; i < ns; i++) dst[i] = quantize(&w->dac_x, x[xo + i]);
      dst[ns] = quantize(&w->dac_u, u[h]);
      xo += ns;
    }
    array_read(w, w->ssm_cd[l], in, out);
    for (int h = 0; h < H; h++) w->y[h] = out[cd->out_off[h]];
    periphery(w, l, u);
  }
  for (int h = 0; h < H; h++) {
    praw[h] = u ? u[h] : 0;
    puq[h] = u ? quantize(&w->dac_u, u[h]) : 0;
  }
}

/* Hardware step s: the encoder takes x_s, and every layer with work at
 * this step (t = s - l * lag) gets its read event at its offset. */
static int on_step(run_ws *w, int s) {
  const aimc_s4d_model *mdl = w->mdl;
  if (s < w->len)
    dense(w, w->enc, mdl->n_in, mdl->h, mdl->enc_w, mdl->enc_b,
          w->x + (size_t)s * mdl->n_in, w->layer_in);
  int st = AIMC_OK;
  for (int l = 0; l < mdl->layers && !st; l++) {
    int t = s - l * w->lag;
    if (t >= 0 && t < w->len + w->lag)
      st = aimc_kernel_schedule(w->k, w->handler, w->offset_fs[l],
                                EV_LAYER + (uint32_t)l, (uint64_t)s);
  }
  if (!st && s + 1 < w->n_steps)
    st = aimc_kernel_schedule(w->k, w->handler, w->period_fs, EV_STEP, (uint64_t)s + 1);
  return st;
}

static int on_event(aimc_kernel *k, void *self, const aimc_event *ev) {
  run_ws *w = self;
  (void)k;
  int s = (int)ev->data;
  if (w->trace)
    fprintf(w->trace, "%lld,%s,%d,%d\n", (long long)ev->time,
            ev->tag == EV_STEP ? "step" : "layer",
            ev->tag == EV_STEP ? -1 : (int)(ev->tag - EV_LAYER), s);
  if (ev->tag == EV_STEP) return on_step(w, s);
  int l = (int)(ev->tag - EV_LAYER), t = s - l * w->lag;
  layer_read(w, l, t < w->len ? w->layer_in + (size_t)l * w->mdl->h : NULL, t);
  return AIMC_OK;
}

/* One sequence through the hardware, as events on the kernel: a
 * wavefront over layers (layer l handles time t = s - l * lag at hardware
 * step s), then the mean pool and the decoder. */
static int run_sequence(run_ws *w, const double *x, int len, double *logits) {
  const aimc_s4d_model *mdl = w->mdl;
  int H = mdl->h, L = mdl->layers;
  size_t LH = (size_t)L * H;
  memset(w->state, 0, sizeof(double) * w->st_off[L]);
  memset(w->prev_in, 0, sizeof(double) * LH);
  memset(w->prev_uq, 0, sizeof(double) * LH);
  memset(w->pool, 0, sizeof(double) * H);
  w->x = x;
  w->len = len;
  w->n_steps = len + L * w->lag;
  int st = aimc_kernel_reset(w->k);
  if (!st) st = aimc_kernel_schedule_at(w->k, w->handler, 0, EV_STEP, 0);
  if (!st) st = aimc_kernel_run(w->k);
  if (st) return st;
  w->events += aimc_kernel_delivered(w->k);
  w->t_end_fs = (aimc_time)w->n_steps * w->period_fs + w->dec_fs;
  for (int h = 0; h < H; h++) w->pool[h] /= len;
  dense(w, w->dec, H, mdl->n_out, mdl->dec_w, mdl->dec_b, w->pool, logits);
  return AIMC_OK;
}

static int check_shapes(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                        const aimc_hw *hw) {
  const aimc_mapping *m = hw->map;
  if (m->model_hash != aimc_s4d_model_hash(mdl) || m->h != mdl->h ||
      m->layers != mdl->layers || m->n_in != mdl->n_in || m->n_out != mdl->n_out)
    return aimc_error(ctx, AIMC_EINVAL,
                      "run: the mapping was made from another model (model "
                      "hash %016llx, mapping %016llx); map this model again",
                      (unsigned long long)aimc_s4d_model_hash(mdl),
                      (unsigned long long)m->model_hash);
  return AIMC_OK;
}

int aimc_infer_sequence(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                        const aimc_hw *hw, const double *x, int len,
                        double *logits) {
  if (len < 1) return aimc_error(ctx, AIMC_EINVAL, "run: empty sequence");
  int st = check_shapes(ctx, mdl, hw);
  if (st) return st;
  run_ws w;
  st = ws_init(ctx, &w, mdl, hw, AIMC_KERNEL_NATIVE);
  if (!st) st = run_sequence(&w, x, len, logits);
  ws_free(ctx, &w);
  return st == AIMC_ENOMEM ? aimc_error(ctx, st, "out of memory (run)") : st;
}

void aimc_infer_opts_defaults(aimc_infer_opts *o) {
  memset(o, 0, sizeof *o);
  o->backend = AIMC_KERNEL_NATIVE;
  o->split = AIMC_SPLIT_TEST;
}

void aimc_infer_result_fini(aimc_ctx *ctx, aimc_infer_result *r) {
  aimc_free(ctx, r->pred);
  aimc_free(ctx, r->label);
  aimc_free(ctx, r->logits);
  aimc_free(ctx, r->e_array_J);
  memset(r, 0, sizeof *r);
}

int aimc_infer_run(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                   const aimc_hw *hw, const aimc_dataset *ds,
                   const aimc_infer_opts *o, aimc_infer_result *r) {
  memset(r, 0, sizeof *r);
  int st = check_shapes(ctx, mdl, hw);
  if (st) return st;
  size_t nf = aimc_dataset_n_features(ds), nc = aimc_dataset_n_classes(ds);
  if (nf != (size_t)mdl->n_in || nc != (size_t)mdl->n_out)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "run: the data has %zu features and %zu classes but the "
                      "model expects %d features and %d classes",
                      nf, nc, mdl->n_in, mdl->n_out);
  size_t n = 0;
  const size_t *idx = aimc_dataset_split(ds, o->split, &n);
  if (o->max_samples && o->max_samples < n) n = o->max_samples;
  if (n == 0) return aimc_error(ctx, AIMC_EINVAL, "run: the data split is empty");
  size_t len = aimc_dataset_length(ds);
  r->n_samples = n;
  r->n_classes = nc;
  r->length = len;
  r->seed = aimc_ctx_seed(ctx);
  r->model_hash = hw->map->model_hash;
  r->arch_hash = aimc_arch_hash(&hw->map->arch);
  r->backend = o->backend;
  r->pred = aimc_calloc(ctx, n, sizeof(int));
  r->label = aimc_calloc(ctx, n, sizeof(int));
  if (o->keep_logits) r->logits = aimc_calloc(ctx, n * nc, sizeof(double));
  float *xf = aimc_malloc(ctx, len * nf * sizeof(float));
  double *xd = aimc_malloc(ctx, len * nf * sizeof(double));
  double *lg = aimc_malloc(ctx, nc * sizeof(double));
  run_ws w;
  memset(&w, 0, sizeof w);
  st = (!r->pred || !r->label || (o->keep_logits && !r->logits) || !xf || !xd || !lg)
           ? AIMC_ENOMEM
           : ws_init(ctx, &w, mdl, hw, o->backend);
  aimc_atomic_file *tf = NULL;
  FILE *trace = NULL;
  if (!st && o->trace_path) {
    st = aimc_atomic_open(ctx, o->trace_path, &tf);
    if (!st) {
      trace = aimc_atomic_stream(tf);
      fprintf(trace, "time_fs,event,layer,step\n");
    }
  }
  double t0 = aimc_wall_seconds();
  size_t correct = 0;
  for (size_t s = 0; s < n && !st; s++) {
    aimc_dataset_get(ds, idx[s], xf);
    for (size_t k = 0; k < len * nf; k++) xd[k] = xf[k];
    w.trace = s == o->trace_sample ? trace : NULL;
    st = run_sequence(&w, xd, (int)len, lg);
    if (st) break;
    size_t best = 0;
    for (size_t c = 1; c < nc; c++)
      if (lg[c] > lg[best]) best = c;
    r->pred[s] = (int)best;
    r->label[s] = aimc_dataset_label(ds, idx[s]);
    correct += r->pred[s] == r->label[s];
    if (r->logits) memcpy(r->logits + s * nc, lg, nc * sizeof(double));
    if (o->progress) o->progress(o->progress_user, s + 1, n);
  }
  if (tf) {
    if (st) aimc_atomic_abort(ctx, tf);
    else st = aimc_atomic_commit(ctx, tf);
  }
  r->wall_s = aimc_wall_seconds() - t0;
  r->events = w.events;
  r->t_sim_fs = w.t_end_fs;
  r->accuracy = (double)correct / (double)n;
  ws_free(ctx, &w);
  aimc_free(ctx, xf);
  aimc_free(ctx, xd);
  aimc_free(ctx, lg);
  if (!st) st = aimc_infer_account(ctx, mdl, hw, (int)len, r);
  if (st) {
    aimc_infer_result_fini(ctx, r);
    return st == AIMC_ENOMEM ? aimc_error(ctx, st, "out of memory (run)") : st;
  }
  return AIMC_OK;
}

int aimc_pipeline_run(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                      const aimc_arch *arch, const aimc_dataset *ds,
                      const aimc_infer_opts *o, aimc_infer_result *out) {
  memset(out, 0, sizeof *out);
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  int st = aimc_map_model(ctx, mdl, arch, &m);
  if (!st) st = aimc_hw_program(ctx, m, &hw);
  if (!st) st = aimc_infer_run(ctx, mdl, hw, ds, o, out);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  return st;
}
