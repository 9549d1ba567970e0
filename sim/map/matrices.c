/* From an exported S4D model to real logical matrices with normalized
 * weights and row/column gains (docs/mapping.md): complex expansion of
 * every kept mode into the 2x2 rotation-scaling block [[a, -b], [b, a]]
 * (a + ib = Abar), B and C columns/rows beside it, in the single (IMSSA)
 * or separate form, plus the dense layers when they run on crossbars. */
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "map_internal.h"

/* The range a tensor maps onto the conductance window: the quantizer's
 * fixed range (IMSSA), or for float tensors the largest magnitude. */
static double tensor_scale(const aimc_quant *q, const double *a, size_t n,
                           const double *b) {
  if (q->bits > 0 && q->range > 0) return q->range;
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    m = fmax(m, fabs(a[i]));
    if (b) m = fmax(m, fabs(b[i]));
  }
  return m > 0 ? m : 1.0;
}

typedef struct {
  double a, b, c2, d; /* scales of Abar, Bbar, 2C and D for the layer    */
} ssm_scales;

static ssm_scales layer_scales(const aimc_s4d_model *mdl, int l) {
  size_t n = (size_t)mdl->h * mdl->m, off = (size_t)l * n;
  ssm_scales s;
  s.a = tensor_scale(&mdl->quant_a, mdl->a_re + off, n, mdl->a_im + off);
  s.b = tensor_scale(&mdl->quant_b, mdl->b_re + off, n, mdl->b_im + off);
  s.c2 = 2 * tensor_scale(&mdl->quant_c, mdl->c_re + off, n, mdl->c_im + off);
  s.d = tensor_scale(&mdl->quant_d, mdl->d + (size_t)l * mdl->h, mdl->h, NULL);
  return s;
}

int aimc_map_matrix_init(aimc_ctx *ctx, aimc_map_matrix *mx, aimc_op_kind k,
                         int layer, int n_blocks, const int *blk_in,
                         const int *blk_out) {
  memset(mx, 0, sizeof *mx);
  mx->kind = k;
  mx->layer = layer;
  mx->n_blocks = n_blocks;
  mx->in_off = aimc_calloc(ctx, (size_t)n_blocks + 1, sizeof(int));
  mx->out_off = aimc_calloc(ctx, (size_t)n_blocks + 1, sizeof(int));
  mx->w_off = aimc_calloc(ctx, (size_t)n_blocks + 1, sizeof(size_t));
  if (!mx->in_off || !mx->out_off || !mx->w_off) return AIMC_ENOMEM;
  for (int b = 0; b < n_blocks; b++) {
    mx->in_off[b + 1] = mx->in_off[b] + blk_in[b];
    mx->out_off[b + 1] = mx->out_off[b] + blk_out[b];
    mx->w_off[b + 1] = mx->w_off[b] + (size_t)blk_in[b] * blk_out[b];
  }
  mx->n_in = mx->in_off[n_blocks];
  mx->n_out = mx->out_off[n_blocks];
  size_t nw = mx->w_off[n_blocks] + 1;
  mx->w = aimc_calloc(ctx, nw, sizeof(double));
  mx->wn = aimc_calloc(ctx, nw, sizeof(double));
  mx->is_value = aimc_calloc(ctx, nw, 1);
  mx->row_gain = aimc_calloc(ctx, (size_t)mx->n_in + 1, sizeof(double));
  mx->col_gain = aimc_calloc(ctx, (size_t)mx->n_out + 1, sizeof(double));
  if (!mx->w || !mx->wn || !mx->is_value || !mx->row_gain || !mx->col_gain) return AIMC_ENOMEM;
  for (int i = 0; i < mx->n_in; i++) mx->row_gain[i] = 1;
  for (int j = 0; j < mx->n_out; j++) mx->col_gain[j] = 1;
  return AIMC_OK;
}

void aimc_map_matrix_fini(aimc_ctx *ctx, aimc_map_matrix *mx) {
  aimc_free(ctx, mx->w);
  aimc_free(ctx, mx->wn);
  aimc_free(ctx, mx->is_value);
  aimc_free(ctx, mx->row_gain);
  aimc_free(ctx, mx->col_gain);
  aimc_free(ctx, mx->in_off);
  aimc_free(ctx, mx->out_off);
  aimc_free(ctx, mx->w_off);
  memset(mx, 0, sizeof *mx);
}

/* Stores logical weight w at local (out j, in i) of block b, normalized by
 * the gains already set for that row and column. */
static void put(aimc_map_matrix *mx, int b, int j, int i, double w) {
  size_t k = aimc_map_matrix_index(mx, b, j, i);
  mx->w[k] = w;
  mx->is_value[k] = 1;
  mx->wn[k] = w / (mx->row_gain[mx->in_off[b] + i] *
                   mx->col_gain[mx->out_off[b] + j]);
}

/* Indices of mode n's real and imaginary state components inside a
 * channel block: interleaved, so each mode is one 2x2 block on the
 * diagonal. */
#define RE(n) (2 * (n))
#define IM(n) (2 * (n) + 1)

/* Per-channel block sizes of the SSM matrices of layer l. */
static void block_sizes(const aimc_mapping *m, int l, aimc_op_kind k, int *in,
                        int *out) {
  for (int h = 0; h < m->h; h++) {
    int s = 2 * m->modes[l * m->h + h];
    switch (k) {
      case AIMC_OP_SSM: in[h] = s + 2; out[h] = s + 1; break;
      case AIMC_OP_SSM_A: in[h] = s; out[h] = s; break;
      case AIMC_OP_SSM_B: in[h] = 1; out[h] = s; break;
      default: /* SSM_CD */ in[h] = s + 1; out[h] = 1; break;
    }
  }
}

/* Fills one SSM matrix of layer l. Rows/columns of channel h start at
 * in_off[h] / out_off[h]; the state part comes first. */
static void fill_ssm(const aimc_s4d_model *mdl, const aimc_mapping *m, int l,
                     aimc_map_matrix *mx) {
  ssm_scales s = layer_scales(mdl, l);
  for (int h = 0; h < m->h; h++) {
    int i0 = mx->in_off[h], j0 = mx->out_off[h]; /* gains: global index */
    int ns = 2 * m->modes[l * m->h + h];
    double dv = mdl->d[l * mdl->h + h];
    /* Gains first (put normalizes by them). */
    for (int r = 0; r < mx->in_off[h + 1] - i0; r++) mx->row_gain[i0 + r] = 1;
    switch (mx->kind) {
      case AIMC_OP_SSM:
        for (int c = 0; c < ns; c++) mx->col_gain[j0 + c] = s.a;
        mx->col_gain[j0 + ns] = s.c2;
        mx->row_gain[i0 + ns] = s.b / s.a;      /* u_t drives Bbar   */
        mx->row_gain[i0 + ns + 1] = s.d / s.c2; /* u_{t-1} drives D  */
        put(mx, h, ns, ns + 1, dv);
        break;
      case AIMC_OP_SSM_A:
        for (int c = 0; c < ns; c++) mx->col_gain[j0 + c] = s.a;
        break;
      case AIMC_OP_SSM_B:
        for (int c = 0; c < ns; c++) mx->col_gain[j0 + c] = s.b;
        break;
      default: /* SSM_CD */
        mx->col_gain[j0] = s.c2;
        mx->row_gain[i0 + ns] = s.d / s.c2;
        put(mx, h, 0, ns, dv);
        break;
    }
    int kept = 0;
    for (int n = 0; n < mdl->m; n++) {
      size_t p = ((size_t)l * mdl->h + h) * mdl->m + n;
      if (mdl->mode_mask && !mdl->mode_mask[p]) continue;
      int re = RE(kept), im = IM(kept);
      kept++;
      double ar = mdl->a_re[p], ai = mdl->a_im[p];
      if (mx->kind == AIMC_OP_SSM || mx->kind == AIMC_OP_SSM_A) {
        put(mx, h, re, re, ar);
        put(mx, h, re, im, -ai);
        put(mx, h, im, re, ai);
        put(mx, h, im, im, ar);
      }
      if (mx->kind == AIMC_OP_SSM || mx->kind == AIMC_OP_SSM_B) {
        int u = mx->kind == AIMC_OP_SSM ? ns : 0;
        put(mx, h, re, u, mdl->b_re[p]);
        put(mx, h, im, u, mdl->b_im[p]);
      }
      if (mx->kind == AIMC_OP_SSM || mx->kind == AIMC_OP_SSM_CD) {
        int y = mx->kind == AIMC_OP_SSM ? ns : 0;
        put(mx, h, y, re, 2 * mdl->c_re[p]);
        put(mx, h, y, im, -2 * mdl->c_im[p]);
      }
    }
  }
}

/* A dense layer W (n_out x n_in, row-major): unit row gains, each column
 * gain the largest magnitude of its output row, so wn spans [-1, 1]. */
static void fill_dense(const double *w, aimc_map_matrix *mx) {
  for (int j = 0; j < mx->n_out; j++) {
    double g = 0;
    for (int i = 0; i < mx->n_in; i++)
      g = fmax(g, fabs(w[(size_t)j * mx->n_in + i]));
    mx->col_gain[j] = g > 0 ? g : 1;
    for (int i = 0; i < mx->n_in; i++) put(mx, 0, j, i, w[(size_t)j * mx->n_in + i]);
  }
}

static int add_matrix(aimc_ctx *ctx, aimc_mapping *m, aimc_op_kind k, int l,
                      int nb, const int *bin, const int *bout,
                      aimc_map_matrix **out) {
  aimc_map_matrix *mx = &m->mats[m->n_mats++];
  *out = mx;
  return aimc_map_matrix_init(ctx, mx, k, l, nb, bin, bout);
}

int aimc_map_build_matrices(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                            aimc_mapping *m) {
  int dense = m->arch.dense == AIMC_PLACE_CROSSBAR;
  size_t cap = (size_t)mdl->layers * 3 + (dense ? 2 + (size_t)mdl->layers : 0);
  m->mats = aimc_calloc(ctx, cap, sizeof *m->mats);
  int *bin = aimc_calloc(ctx, (size_t)mdl->h, sizeof(int));
  int *bout = aimc_calloc(ctx, (size_t)mdl->h, sizeof(int));
  int st = (!m->mats || !bin || !bout) ? AIMC_ENOMEM : AIMC_OK;
  static const aimc_op_kind SINGLE[] = {AIMC_OP_SSM};
  static const aimc_op_kind SEPARATE[] = {AIMC_OP_SSM_A, AIMC_OP_SSM_B,
                                          AIMC_OP_SSM_CD};
  const aimc_op_kind *kinds = m->arch.form == AIMC_FORM_SINGLE ? SINGLE : SEPARATE;
  int nk = m->arch.form == AIMC_FORM_SINGLE ? 1 : 3;
  aimc_map_matrix *mx;
  if (!st && dense) {
    int one_in = mdl->n_in, one_out = mdl->h;
    st = add_matrix(ctx, m, AIMC_OP_ENCODER, -1, 1, &one_in, &one_out, &mx);
    if (!st) fill_dense(mdl->enc_w, mx);
  }
  for (int l = 0; l < mdl->layers && !st; l++) {
    for (int k = 0; k < nk && !st; k++) {
      block_sizes(m, l, kinds[k], bin, bout);
      st = add_matrix(ctx, m, kinds[k], l, mdl->h, bin, bout, &mx);
      if (!st) fill_ssm(mdl, m, l, mx);
    }
    if (!st && dense) {
      int kk = mdl->mix == AIMC_MIX_GLU ? 2 : 1;
      int in = mdl->h, out = kk * mdl->h;
      st = add_matrix(ctx, m, AIMC_OP_MIX, l, 1, &in, &out, &mx);
      if (!st) fill_dense(mdl->mix_w + (size_t)l * out * in, mx);
    }
  }
  if (!st && dense) {
    int in = mdl->h, out = mdl->n_out;
    st = add_matrix(ctx, m, AIMC_OP_DECODER, -1, 1, &in, &out, &mx);
    if (!st) fill_dense(mdl->dec_w, mx);
  }
  aimc_free(ctx, bin);
  aimc_free(ctx, bout);
  return st;
}
