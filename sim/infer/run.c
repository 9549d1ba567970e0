/* Inference on the programmed arrays, one array read per layer and time
 * step, as kernel events per stage (infer_internal.h): DACs drive
 * [x^_{t-1}; u_t; u_{t-1}], the array settles and sums currents, the TIAs
 * sense, the ADCs convert (the MVM with the programmed weights, read noise,
 * resolution and noise are evaluated here, when the words exist), the
 * state register takes x^_t, and the digital periphery (encoder, GELU,
 * mixing, residual, layer norm, mean pool, decoder) runs as the mapping's
 * s4d_digital instances evaluate it (aimc/s4d_digital.h): the S4D
 * reference of aimc/s4d_reference.h bit for bit. In the single form the
 * output lags the state by one read, so layer l+1 runs one step behind
 * layer l (a wavefront). Column sums add rows in pairs, (w0 x0 + w1 x1), which is how
 * the reference adds Re and Im of a mode: ideal hardware then reproduces
 * the reference bit for bit.
 *
 * The sequences of a run are independent inferences on the same programmed
 * hardware, so they are simulated in batches: every buffer holds one value
 * per sequence (element-major, sequence innermost: [e * bp + b]), each
 * weight is applied to the whole batch in one vectorizable loop, and one
 * kernel event stands for one array operation of the batch. The signal of
 * every sequence still goes through exactly the floating-point operations
 * of a lone run (ideal hardware stays bit-identical to the reference);
 * each sequence draws its read/ADC noise from one stream per tile part
 * (sample s of a run, instance i: aimc_seed_noise(seed, s, i), the
 * stream the event kernel gives that instance), whose read-noise
 * variance is summed in single precision. Energy, latency and operation
 * counts are accounted per inference (account.c), as without batches. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* vectorize the loops over the batch */
#endif
#include <math.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/progress.h"
#include "aimc/status.h"
#include "run_ws.h"

/* LANES: sequences per register block of the batched loops (a batch is
 * padded to a multiple of it; padding lanes hold zeros and are never
 * read). BATCH_MAX: sequences simulated together (keeps the batch buffers
 * of the IMSSA-size model in L2). */
enum { LANES = AIMC_LANES, BATCH_MAX = 32 };

/* Lanes for nb sequences: one for a lone sequence (no work for padding),
 * else nb rounded up to whole register blocks. */
static int lanes_for(int nb) { return nb == 1 ? 1 : (nb + LANES - 1) / LANES * LANES; }

/* Event tags: the step, stage i of layer l, the decoder (a step period
 * after the last step starts: the mean pool and the decoder), the end of
 * the inference (the decoder's time later): the inference's latency is the
 * kernel's clock at that event. */
enum { EV_STEP = 0, EV_STAGE = 1 };
static const uint32_t EV_DECODE = AIMC_TAG_SIGNAL - 2, EV_END = AIMC_TAG_SIGNAL - 1;

static uint32_t stage_tag(int l, int i) { return EV_STAGE + (uint32_t)(l * AIMC_STAGES_MAX + i); }

static void ws_free(aimc_ctx *ctx, run_ws *w) {
  if (w->m) aimc_infer_views_free(ctx, w);
  aimc_kernel_free(w->k);
  if (w->layer_next == w->layer_in) w->layer_next = NULL;
  void *bufs[] = {w->offset_fs, w->stages, w->n_stages, w->mv, w->ssm, w->ssm_b,
                  w->ssm_cd, w->mix, w->st_off, w->state, w->lb, w->lb_mem, w->read_tmp,
                  w->layer_in, w->layer_next, w->prev_in, w->drive, w->dac_exact, w->tia_on, w->hold_on, w->z, w->o,
                  w->pool, w->logits, w->dig, w->dig_w, w->dig_at, w->part, w->part_var, w->noise, w->noise_key, w->bits, w->z01};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) aimc_free(ctx, bufs[i]);
  memset(w, 0, sizeof *w);
}

/* n zeroed doubles, written once so the pages are mapped before the
 * timed loop (calloc may hand out untouched zero pages). */
static double *zeros(aimc_ctx *ctx, size_t n) {
  double *p = aimc_malloc(ctx, sizeof(double) * (n ? n : 1));
  if (p) memset(p, 0, sizeof(double) * (n ? n : 1));
  return p;
}

static int on_event(aimc_kernel *k, void *self, const aimc_event *ev);

static int schedule_init(aimc_ctx *ctx, run_ws *w, aimc_kernel_backend backend);

/* The evaluation of every periphery instance: its params and the model's
 * weights they name (checked against the instance's shape). */
static int dig_init(aimc_ctx *ctx, run_ws *w) {
  const aimc_mapping *m = w->m;
  size_t per = (size_t)w->mdl->layers + 1;
  w->dig = aimc_calloc(ctx, m->n_periph + 1, sizeof *w->dig);
  w->dig_w = aimc_calloc(ctx, m->n_periph + 1, sizeof *w->dig_w);
  w->dig_at = aimc_malloc(ctx, sizeof(int) * AIMC_PERIPH_ROLES * per);
  if (!w->dig || !w->dig_w || !w->dig_at) return AIMC_ENOMEM;
  for (size_t i = 0; i < AIMC_PERIPH_ROLES * per; i++) w->dig_at[i] = -1;
  for (size_t i = 0; i < m->n_periph; i++) {
    const aimc_periph *q = &m->periph[i];
    char err[256];
    if (aimc_s4d_digital_weights_of(w->mdl, &q->p, &w->dig_w[i], err, sizeof err))
      return aimc_error(ctx, AIMC_ESHAPE, "run: %s: %s", q->name, err);
    w->dig[i] = (aimc_eval){.params = &q->p, .state = &w->dig_w[i], .n = q->p.n};
    w->dig_at[(size_t)q->role * per + (size_t)(q->layer + 1)] = (int)i;
  }
  return AIMC_OK;
}

/* Periphery instance `role` of layer l (-1: not of a layer) on the batch,
 * or nothing when the mapping has none (no GLU in a linear model). */
static int dig_eval(run_ws *w, aimc_periph_role role, int l, const double *in, double *out) {
  int i = w->dig_at[(size_t)role * ((size_t)w->mdl->layers + 1) + (size_t)(l + 1)];
  if (i < 0) return AIMC_OK;
  return aimc_model_eval_batch(aimc_s4d_digital_model(), &w->dig[i], in, out, &w->lanes);
}

/* A dense layer of the periphery: y = b + W x by its instance, or its
 * matrix read on the arrays (mi >= 0) and its instance's bias added. */
static int dense(run_ws *w, aimc_periph_role role, int l, int mi, const double *x, double *y) {
  int st = mi >= 0 ? aimc_infer_array_read(w, mi, x, y) : AIMC_OK;
  return st ? st : dig_eval(w, role, l, mi >= 0 ? y : x, y);
}

/* Workspace for batches of up to max_batch sequences. */
static int ws_init(aimc_ctx *ctx, run_ws *w, const aimc_s4d_model *mdl,
                   const aimc_hw *hw, aimc_kernel_backend backend, size_t max_batch) {
  memset(w, 0, sizeof *w);
  const aimc_mapping *m = hw->map;
  w->mdl = mdl;
  w->hw = hw;
  w->m = m;
  w->enc = w->dec = -1;
  w->nb = max_batch < BATCH_MAX ? (int)max_batch : BATCH_MAX;
  w->bp = w->bp_max = lanes_for(w->nb);
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
  int st0 = aimc_infer_part_states_init(ctx, w); /* before the views: they prepare with them */
  if (!st0) st0 = dig_init(ctx, w);
  if (st0) return st0;
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
    int st = aimc_infer_view_init(ctx, w, (int)i);
    if (st) return st;
  }
  for (int l = 0; l < L; l++) {
    size_t s = 0;
    for (int h = 0; h < H; h++) s += 2 * (size_t)m->modes[l * H + h];
    w->st_off[l + 1] = w->st_off[l] + s;
  }
  const aimc_arch *a = &m->arch;
  int st = aimc_infer_grid_init(ctx, w);
  for (size_t i = 0; !st && i < m->n_mats; i++) st = aimc_infer_across_init(ctx, w, (int)i);
  if (st) return st;
  size_t LH = (size_t)L * H, bp = (size_t)w->bp;
  w->state = zeros(ctx, (w->st_off[L] + 1) * bp);
  w->big = big;
  int sets = a->pipeline ? L : 1;
  size_t set = (4 * big + (size_t)H) * bp;
  w->lb_size = (size_t)sets * set;
  w->lb_mem = zeros(ctx, w->lb_size);
  w->lb = aimc_calloc(ctx, (size_t)L, sizeof(layer_buf));
  for (int l = 0; w->lb_mem && w->lb && l < L; l++) {
    double *p = w->lb_mem + (size_t)(l % sets) * set;
    w->lb[l] = (layer_buf){p, p + big * bp, p + 2 * big * bp, p + 4 * big * bp};
  }
  size_t read_tmp = 1;
  for (size_t i = 0; i < m->n_mats; i++)
    for (int si = 0; si < w->mv[i].n_slots; si++) {
      size_t need = aimc_xbar_read_scratch(w->mv[i].plans[si], bp);
      if (need > read_tmp) read_tmp = need;
    }
  w->read_tmp = zeros(ctx, read_tmp);
  w->layer_in = zeros(ctx, LH * bp);
  w->layer_next = a->pipeline ? zeros(ctx, LH * bp) : w->layer_in;
  w->prev_in = zeros(ctx, LH * bp);
  w->drive = zeros(ctx, big * bp);
  w->z = zeros(ctx, 2 * (size_t)H * bp);
  w->o = zeros(ctx, 2 * (size_t)H * bp);
  w->pool = zeros(ctx, (2 * (size_t)H + 1) * bp);
  w->logits = zeros(ctx, (size_t)mdl->n_out * bp);
  w->part = zeros(ctx, big * bp);
  w->part_var = zeros(ctx, big * bp);
  size_t streams = w->m->n_arrays * AIMC_TILE_PARTS;
  w->noise = aimc_calloc(ctx, streams * bp + 1, sizeof(aimc_xs128p));
  w->noise_key = aimc_calloc(ctx, streams + 1, sizeof(uint64_t));
  w->bits = aimc_calloc(ctx, bp, sizeof(uint64_t));
  w->z01 = zeros(ctx, bp);
  if (!w->state || !w->lb_mem || !w->lb || !w->read_tmp || !w->layer_in || !w->layer_next ||
      !w->prev_in || !w->drive || !w->z || !w->o || !w->pool || !w->logits || !w->part ||
      !w->part_var || !w->noise || !w->noise_key || !w->bits || !w->z01)
    return AIMC_ENOMEM;
  for (size_t i = 0; i < streams; i++) {
    char name[96];
    aimc_map_part_name(w->m, i / AIMC_TILE_PARTS, (aimc_tile_part)(i % AIMC_TILE_PARTS), name,
                       sizeof name);
    w->noise_key[i] = aimc_hash_str(name);
  }
  w->run_seed = aimc_ctx_seed(ctx);
  w->lanes = (aimc_lanes){w->nb, (size_t)w->bp, w->noise, w->bits, w->z01};
  return schedule_init(ctx, w, backend);
}

/* Stage times from the cycle counts of account.c, and the kernel. */
static int schedule_init(aimc_ctx *ctx, run_ws *w, aimc_kernel_backend backend) {
  const aimc_arch *a = &w->m->arch;
  int L = w->mdl->layers;
  aimc_read_cost *cost = aimc_calloc(ctx, w->m->n_arrays + 1, sizeof *cost);
  uint64_t *c_layer = aimc_calloc(ctx, (size_t)L, sizeof(uint64_t));
  w->offset_fs = aimc_calloc(ctx, (size_t)L, sizeof(aimc_time));
  w->stages = aimc_calloc(ctx, (size_t)L * AIMC_STAGES_MAX, sizeof(aimc_stage));
  w->n_stages = aimc_calloc(ctx, (size_t)L, sizeof(int));
  int st = cost && c_layer && w->offset_fs && w->stages && w->n_stages ? AIMC_OK : AIMC_ENOMEM;
  if (!st) {
    uint64_t c_enc, c_dec;
    aimc_infer_read_costs(w->hw, cost);
    aimc_infer_stage_cycles(w->mdl, w->hw, cost, &c_enc, c_layer, &c_dec);
    for (int l = 0; l < L; l++)
      w->n_stages[l] = aimc_infer_layer_stages(w->mdl, w->hw, cost, l,
                                               w->stages + (size_t)l * AIMC_STAGES_MAX);
    /* One after the other: the encoder, then each layer at its offset.
     * Pipelined: all at the step's start, a step every slowest stage. */
    uint64_t at = c_enc, slowest = c_enc;
    for (int l = 0; l < L; l++) {
      w->offset_fs[l] = a->pipeline ? 0 : (aimc_time)at * a->clock_fs;
      at += c_layer[l];
      if (c_layer[l] > slowest) slowest = c_layer[l];
    }
    w->period_fs = (aimc_time)(a->pipeline ? slowest : at) * a->clock_fs;
    w->dec_fs = (aimc_time)c_dec * a->clock_fs;
    w->lag = a->form == AIMC_FORM_SINGLE ? 1 : 0;
    aimc_infer_wavefront(a, &w->enc_lag, &w->layer_lag);
  }
  aimc_free(ctx, cost);
  aimc_free(ctx, c_layer);
  if (!st) st = aimc_kernel_alloc(ctx, backend, &w->k);
  if (!st) st = aimc_kernel_add_handler(w->k, on_event, w, &w->handler);
  return st;
}

/* GELU -> mix (linear or GLU) -> + residual -> layer norm, each by its
 * periphery instance; writes the next layer's input, or adds the output
 * to the running sum of the pool after the last layer. */
static int periphery(run_ws *w, int l, const double *resid) {
  const aimc_s4d_model *mdl = w->mdl;
  int H = mdl->h, glu = mdl->mix == AIMC_MIX_GLU;
  size_t bp = (size_t)w->bp, HB = (size_t)H * bp;
  double *y = w->lb[l].y, *o = w->o;
  int last = l + 1 == mdl->layers;
  double *dst = last ? w->pool : w->layer_next + (size_t)(l + 1) * HB;
  int st = dig_eval(w, AIMC_PERIPH_GELU, l, y, y);
  if (!st) st = dense(w, AIMC_PERIPH_MIX, l, w->mix[l], y, glu ? w->z : o);
  if (!st) st = dig_eval(w, AIMC_PERIPH_GLU, l, w->z, o);
  memcpy(o + HB, resid, sizeof(double) * HB); /* the residual's [a; b] */
  if (!st) st = dig_eval(w, AIMC_PERIPH_RESIDUAL, l, o, o);
  if (!st) st = dig_eval(w, AIMC_PERIPH_NORM, l, o, dst);
  if (!st && last) st = dig_eval(w, AIMC_PERIPH_POOL, -1, w->pool, w->pool + HB);
  return st;
}

/* The layer input of channel h as the DACs sample it (0 without one);
 * the tile's DACs convert it when the array is read. */
static void input_word(const run_ws *w, const double *u, int h, double *dst) {
  if (u) memcpy(dst, u + (size_t)h * w->bp, sizeof(double) * w->bp);
  else memset(dst, 0, sizeof(double) * w->bp);
}

/* The work of layer l at stage `st` of its read for time t. `u` is the
 * layer input at t (NULL for the flush read after the last step of the
 * single form). The DACs take their values at the DAC stage; the words
 * exist when the ADCs have converted, so the array reads are evaluated at
 * the ADC stage; the register takes the state; the periphery handles the
 * output the read yields. Array and TIA stages only take time. */
static int layer_stage(run_ws *w, int l, const aimc_stage *st, const double *u, int t) {
  const aimc_s4d_model *mdl = w->mdl;
  const aimc_mapping *m = w->m;
  int H = mdl->h, single = m->arch.form == AIMC_FORM_SINGLE;
  size_t bp = (size_t)w->bp, row = sizeof(double) * bp;
  double *x = w->state + w->st_off[l] * bp;
  size_t nx = w->st_off[l + 1] - w->st_off[l], xo = 0;
  double *praw = w->prev_in + (size_t)l * H * bp;
  const layer_buf *lb = &w->lb[l];
  double *in = lb->in, *out = lb->out;
  /* The matrix whose inputs are [x^; u (; u_{t-1})] per channel block. */
  const aimc_map_matrix *mx = &m->mats[single ? w->ssm[l] : w->ssm_cd[l]];
  int rc = AIMC_OK;
  switch (st->kind) {
    case AIMC_STAGE_DAC:
      if (!single && st->read == 0) { /* A reads x^, B reads u */
        memcpy(in, x, sizeof(double) * nx * bp);
        for (int h = 0; h < H; h++) input_word(w, u, h, lb->in2 + h * bp);
        break;
      }
      for (int h = 0; h < H; h++) {
        int ns = mx->in_off[h + 1] - mx->in_off[h] - (single ? 2 : 1);
        double *dst = in + mx->in_off[h] * bp;
        memcpy(dst, x + xo * bp, sizeof(double) * ns * bp);
        input_word(w, u, h, dst + ns * bp);
        if (single) memcpy(dst + (ns + 1) * bp, praw + h * bp, row);
        xo += ns;
      }
      break;
    case AIMC_STAGE_ADC:
      if (single) {
        rc = aimc_infer_array_read(w, w->ssm[l], in, out);
      } else if (st->read == 0) {
        rc = aimc_infer_array_read(w, w->ssm[l], in, out);
        if (!rc) rc = aimc_infer_array_read(w, w->ssm_b[l], lb->in2, out + nx * bp);
      } else {
        rc = aimc_infer_array_read(w, w->ssm_cd[l], in, out);
        for (int h = 0; h < H; h++) memcpy(lb->y + h * bp, out + mx->out_off[h] * bp, row);
      }
      break;
    case AIMC_STAGE_REG: /* the tiles' registers take the words */
      if (!single) { /* x = A x + B u ([out; B's after A's]), quantized */
        rc = dig_eval(w, AIMC_PERIPH_STATE_SUM, l, out, x);
        aimc_quant_vec(&w->mv[w->ssm[l]].post, x, x, nx * bp);
        if (rc) break;
        rc = aimc_infer_hold(w, w->ssm[l], x);
        break;
      }
      rc = aimc_infer_hold(w, w->ssm[l], out);
      for (int h = 0; h < H; h++) {
        int ns = mx->out_off[h + 1] - mx->out_off[h] - 1;
        memcpy(x + xo * bp, out + mx->out_off[h] * bp, row * ns);
        memcpy(lb->y + h * bp, out + (mx->out_off[h] + ns) * bp, row);
        xo += ns;
      }
      break;
    case AIMC_STAGE_PERIPH:
      /* The single form's read gave y_{t-1}: its residual is the previous
       * input. */
      if (!single) rc = periphery(w, l, u);
      else if (t >= 1) rc = periphery(w, l, praw);
      for (int h = 0; h < H; h++) input_word(w, u, h, praw + h * bp);
      break;
    default:
      break;
  }
  return rc;
}

/* The input time layer l works on at step s (the wavefront). */
static int layer_time(const run_ws *w, int l, int s) {
  return s - w->enc_lag - l * w->layer_lag;
}

/* Hardware step s: what the layers wrote in the last step becomes their
 * input (pipelined), the encoder takes x_s, and every layer with work at
 * this step starts its stages at its offset. */
static int on_step(run_ws *w, int s) {
  const aimc_s4d_model *mdl = w->mdl;
  if (w->layer_next != w->layer_in) {
    double *t = w->layer_in;
    w->layer_in = w->layer_next;
    w->layer_next = t;
  }
  int st = AIMC_OK;
  if (s < w->len)
    st = dense(w, AIMC_PERIPH_ENCODER, -1, w->enc, w->x + (size_t)s * mdl->n_in * w->bp,
               w->layer_next);
  for (int l = 0; l < mdl->layers && !st; l++) {
    int t = layer_time(w, l, s);
    if (t >= 0 && t < w->len + w->lag)
      st = aimc_kernel_schedule(w->k, w->handler, w->offset_fs[l], stage_tag(l, 0),
                                (uint64_t)s);
  }
  if (!st)
    st = aimc_kernel_schedule(w->k, w->handler, w->period_fs,
                              s + 1 < w->n_steps ? EV_STEP : EV_DECODE, (uint64_t)s + 1);
  return st;
}

/* The mean pool ([running sum; steps] -> the mean, in place) and the
 * decoder into w->logits ([n_out][bp]). */
static int on_decode(run_ws *w) {
  double *sum = w->pool + (size_t)w->mdl->h * w->bp;
  int st = dig_eval(w, AIMC_PERIPH_MEAN, -1, sum, sum);
  if (!st) st = dense(w, AIMC_PERIPH_DECODER, -1, w->dec, sum, w->logits);
  return st ? st : aimc_kernel_schedule(w->k, w->handler, w->dec_fs, EV_END, 0);
}

/* What the trace shows of layer l when its periphery starts: its first
 * state value and output (before GELU) for the traced sequence. */
static int trace_values(run_ws *w, aimc_time now, int l) {
  size_t lane = (size_t)w->trace_lane;
  return aimc_infer_trace_values(w->trace, now, l, w->state[w->st_off[l] * w->bp + lane],
                                 w->lb[l].y[lane]);
}

static int on_event(aimc_kernel *k, void *self, const aimc_event *ev) {
  run_ws *w = self;
  int s = (int)ev->data, st = AIMC_OK;
  if (ev->tag == EV_STEP) {
    if (w->trace) st = aimc_infer_trace_step(w->trace, ev->time, s);
    return st ? st : on_step(w, s);
  }
  if (ev->tag == EV_DECODE) return on_decode(w);
  if (ev->tag == EV_END) {
    w->t_end_fs = ev->time;
    return AIMC_OK;
  }
  int l = (int)(ev->tag - EV_STAGE) / AIMC_STAGES_MAX, i = (int)(ev->tag - EV_STAGE) % AIMC_STAGES_MAX;
  int t = layer_time(w, l, s);
  const aimc_stage *stage = &w->stages[(size_t)l * AIMC_STAGES_MAX + i];
  aimc_time dur = (aimc_time)stage->cycles * w->m->arch.clock_fs;
  if (w->trace) st = aimc_infer_trace_stage(w->trace, ev->time, dur, l, stage->kind, t, s);
  if (!st && w->trace && stage->kind == AIMC_STAGE_PERIPH) st = trace_values(w, ev->time, l);
  if (!st)
    st = layer_stage(w, l, stage, t < w->len ? w->layer_in + (size_t)l * w->mdl->h * w->bp : NULL, t);
  if (!st && i + 1 < w->n_stages[l])
    st = aimc_kernel_schedule(k, w->handler, dur, stage_tag(l, i + 1), (uint64_t)s);
  return st;
}

/* Selects a batch of nb sequences, the first being sample `first` of the
 * run (its noise stream). */
static void batch_begin(run_ws *w, int nb, size_t first) {
  int bp = lanes_for(nb);
  if (bp != w->bp) { /* a new layout: no stale values in the padding lanes */
    size_t H = (size_t)w->mdl->h * w->bp_max;
    memset(w->lb_mem, 0, sizeof(double) * w->lb_size);
    memset(w->o, 0, sizeof(double) * 2 * H);
    memset(w->z, 0, sizeof(double) * 2 * H);
    memset(w->layer_in, 0, sizeof(double) * H * w->mdl->layers);
    memset(w->layer_next, 0, sizeof(double) * H * w->mdl->layers);
  }
  w->nb = nb;
  w->bp = bp;
  w->lanes.n = nb;
  w->lanes.stride = (size_t)bp;
  for (int b = 0; b < nb; b++) {
    uint64_t sample = aimc_seed_noise_sample(w->run_seed, first + (size_t)b);
    for (size_t i = 0; i < w->m->n_arrays * AIMC_TILE_PARTS; i++)
      aimc_xs128p_seed(&w->noise[i * (size_t)w->bp_max + (size_t)b],
                       aimc_seed_noise_of(sample, w->noise_key[i]));
  }
}

/* The batch's sequences (x: [t][n_in][bp]) through the hardware, as
 * events on the kernel: a wavefront over layers (layer_time), then the
 * mean pool and the decoder into w->logits ([n_out][bp]); w->t_end_fs is
 * the kernel's clock at the end. */
static int run_batch(run_ws *w, const double *x, int len) {
  const aimc_s4d_model *mdl = w->mdl;
  int H = mdl->h, L = mdl->layers;
  size_t LH = (size_t)L * H, bp = (size_t)w->bp;
  memset(w->state, 0, sizeof(double) * w->st_off[L] * bp);
  memset(w->prev_in, 0, sizeof(double) * LH * bp);
  memset(w->pool, 0, sizeof(double) * 2 * H * bp);
  for (size_t b = 0; b < bp; b++) w->pool[2 * H * bp + b] = len; /* the steps the mean divides by */
  w->x = x;
  w->len = len;
  w->n_steps = aimc_infer_steps(&w->m->arch, L, len);
  int st = aimc_kernel_reset(w->k);
  if (!st) st = aimc_kernel_schedule_at(w->k, w->handler, 0, EV_STEP, 0);
  if (!st) st = aimc_kernel_run(w->k);
  if (st) return st;
  w->events += aimc_kernel_delivered(w->k);
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

/* A reusable one-lane workspace: a lone sequence is laid out as a batch
 * of one (stride 1), so it runs from the caller's buffer as it is. */
struct aimc_infer_session {
  aimc_ctx *ctx;
  run_ws w;
};

int aimc_infer_session_open(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                            aimc_infer_session **out) {
  *out = NULL;
  int st = check_shapes(ctx, mdl, hw);
  if (st) return st;
  aimc_infer_session *s = aimc_calloc(ctx, 1, sizeof *s);
  if (!s) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (run)");
  s->ctx = ctx;
  st = ws_init(ctx, &s->w, mdl, hw, AIMC_KERNEL_NATIVE, 1);
  if (st) {
    aimc_infer_session_close(s);
    return st == AIMC_ENOMEM ? aimc_error(ctx, st, "out of memory (run)") : st;
  }
  *out = s;
  return AIMC_OK;
}

int aimc_infer_session_run(aimc_infer_session *s, const double *x, int len, uint64_t sample,
                           double *logits) {
  if (len < 1) return aimc_error(s->ctx, AIMC_EINVAL, "run: empty sequence");
  batch_begin(&s->w, 1, sample);
  int st = run_batch(&s->w, x, len);
  for (int c = 0; !st && c < s->w.mdl->n_out; c++) logits[c] = s->w.logits[c];
  return st;
}

aimc_xs128p aimc_infer_session_stream(const aimc_infer_session *s, size_t k, aimc_tile_part p) {
  return s->w.noise[(k * AIMC_TILE_PARTS + p) * (size_t)s->w.bp_max];
}

void aimc_infer_session_close(aimc_infer_session *s) {
  if (!s) return;
  ws_free(s->ctx, &s->w);
  aimc_free(s->ctx, s);
}

int aimc_infer_sequence(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                        const aimc_hw *hw, const double *x, int len,
                        double *logits) {
  if (len < 1) return aimc_error(ctx, AIMC_EINVAL, "run: empty sequence");
  aimc_infer_session *s = NULL;
  int st = aimc_infer_session_open(ctx, mdl, hw, &s);
  if (!st) st = aimc_infer_session_run(s, x, len, 0, logits);
  aimc_infer_session_close(s);
  return st;
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
  aimc_free(ctx, r->inst);
  memset(r, 0, sizeof *r);
}

/* Loads samples s0 .. s0 + nb - 1 of the split into xb ([t][n_in][bp]). */
static void load_batch(const aimc_dataset *ds, const size_t *idx, size_t s0, int nb,
                       size_t bp, size_t n, float *xf, double *xb) {
  for (int b = 0; b < nb; b++) {
    aimc_dataset_get(ds, idx[s0 + b], xf);
    for (size_t e = 0; e < n; e++) xb[e * bp + b] = xf[e];
  }
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
  run_ws w;
  memset(&w, 0, sizeof w);
  st = (!r->pred || !r->label || (o->keep_logits && !r->logits))
           ? AIMC_ENOMEM
           : ws_init(ctx, &w, mdl, hw, o->backend, n);
  size_t bp = (size_t)w.bp_max;
  float *xf = st ? NULL : aimc_malloc(ctx, len * nf * sizeof(float));
  double *xb = st ? NULL : zeros(ctx, len * nf * bp);
  if (!st && (!xf || !xb)) st = AIMC_ENOMEM;
  aimc_infer_trace *trace = NULL;
  aimc_time trace_end_fs = 0;
  if (!st && o->trace_path) st = aimc_infer_trace_open(ctx, o->trace_path, mdl->layers, &trace);
  double t0 = aimc_wall_seconds();
  size_t correct = 0;
  for (size_t s0 = 0; s0 < n && !st; s0 += (size_t)w.nb) {
    int nb = n - s0 < (size_t)w.bp_max ? (int)(n - s0) : w.bp_max;
    batch_begin(&w, nb, s0);
    load_batch(ds, idx, s0, nb, (size_t)w.bp, len * nf, xf, xb);
    /* Every sequence of a batch has the same events: the trace of the
     * chosen sample is the trace of its batch. */
    w.trace = o->trace_sample >= s0 && o->trace_sample < s0 + (size_t)nb ? trace : NULL;
    w.trace_lane = (int)(o->trace_sample - s0);
    st = run_batch(&w, xb, (int)len);
    if (w.trace) trace_end_fs = w.t_end_fs;
    for (int b = 0; b < nb && !st; b++) {
      size_t s = s0 + (size_t)b, best = 0;
      const double *lg = w.logits + b;
      for (size_t c = 1; c < nc; c++)
        if (lg[c * w.bp] > lg[best * w.bp]) best = c;
      r->pred[s] = (int)best;
      r->label[s] = aimc_dataset_label(ds, idx[s]);
      correct += r->pred[s] == r->label[s];
      for (size_t c = 0; r->logits && c < nc; c++) r->logits[s * nc + c] = lg[c * w.bp];
      if (o->progress) o->progress(o->progress_user, s + 1, n);
    }
  }
  if (trace) {
    int tst = aimc_infer_trace_close(trace, trace_end_fs, !st);
    if (!st) st = tst;
  }
  r->wall_s = aimc_wall_seconds() - t0;
  r->events = w.events;
  r->t_sim_fs = w.t_end_fs;
  r->accuracy = (double)correct / (double)n;
  ws_free(ctx, &w);
  aimc_free(ctx, xf);
  aimc_free(ctx, xb);
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
