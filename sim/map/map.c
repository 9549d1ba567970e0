/* Tiling the logical matrices of a mapped model onto R x C arrays: blocks
 * (one per channel, or pieces of a dense layer) are packed down the
 * diagonal of an array until rows or columns run out; conductance targets
 * follow from the normalized weights and the split (docs/mapping.md). */
#include <math.h>
#include <string.h>

#include "aimc/status.h"
#include "map_internal.h"

const char *aimc_op_kind_name(aimc_op_kind k) {
  static const char *const NAMES[AIMC_OP_COUNT_] = {
      "ssm", "ssm_a", "ssm_b", "ssm_cd", "encoder", "mix", "decoder"};
  return (unsigned)k < AIMC_OP_COUNT_ ? NAMES[k] : "?";
}

static int check_model(aimc_ctx *ctx, const aimc_s4d_model *mdl) {
  if (!mdl || mdl->h < 1 || mdl->m < 0 || mdl->layers < 1 || mdl->n_in < 1 ||
      mdl->n_out < 1)
    return aimc_error(ctx, AIMC_EINVAL, "map: the model has an empty shape");
  if (!mdl->a_re || !mdl->a_im || !mdl->b_re || !mdl->b_im || !mdl->c_re ||
      !mdl->c_im || !mdl->d || !mdl->enc_w || !mdl->dec_w || !mdl->mix_w)
    return aimc_error(ctx, AIMC_EINVAL, "map: the model lacks weight tensors");
  return AIMC_OK;
}

/* The array being filled for the current matrix, and its diagonal cursor
 * (logical positions). */
typedef struct {
  int open;      /* index into m->arrays, -1 when none */
  int row, col;  /* next free logical row / column      */
} cursor;

static int new_array(aimc_ctx *ctx, aimc_mapping *m, const aimc_map_matrix *mx,
                     size_t *cap) {
  if (m->n_arrays == *cap) {
    size_t nc = *cap ? 2 * *cap : 8;
    aimc_map_array *a = aimc_realloc(ctx, m->arrays, nc * sizeof *a);
    if (!a) return AIMC_ENOMEM;
    m->arrays = a;
    *cap = nc;
  }
  aimc_map_array *a = &m->arrays[m->n_arrays++];
  memset(a, 0, sizeof *a);
  a->layer = mx->layer;
  a->kind = mx->kind;
  return AIMC_OK;
}

static int add_slot(aimc_ctx *ctx, aimc_map_array *a, const aimc_map_slot *s) {
  aimc_map_slot *p = aimc_realloc(ctx, a->place, (a->n_place + 1) * sizeof *p);
  if (!p) return AIMC_ENOMEM;
  a->place = p;
  a->place[a->n_place++] = *s;
  return AIMC_OK;
}

/* Places one dense rectangle (n_in <= LR, n_out <= LC) at the cursor of
 * the open array, opening a new array when it does not fit. */
static int place(aimc_ctx *ctx, aimc_mapping *m, int mi, int b, cursor *cur,
                 size_t *cap, int in0, int n_in, int out0, int n_out) {
  int lr = m->arch.rows / aimc_map_row_factor(&m->arch);
  int lc = m->arch.cols / aimc_map_col_factor(&m->arch);
  if (cur->open < 0 || cur->row + n_in > lr || cur->col + n_out > lc) {
    int st = new_array(ctx, m, &m->mats[mi], cap);
    if (st) return st;
    cur->open = (int)m->n_arrays - 1;
    cur->row = cur->col = 0;
  }
  aimc_map_slot s = {mi, b, in0, n_in, out0, n_out, cur->row, cur->col, 0};
  cur->row += n_in;
  cur->col += n_out;
  return add_slot(ctx, &m->arrays[cur->open], &s);
}

static int tile_matrix(aimc_ctx *ctx, aimc_mapping *m, int mi, size_t *cap) {
  const aimc_map_matrix *mx = &m->mats[mi];
  const aimc_arch *a = &m->arch;
  int lr = a->rows / aimc_map_row_factor(a), lc = a->cols / aimc_map_col_factor(a);
  cursor cur = {-1, 0, 0};
  for (int b = 0; b < mx->n_blocks; b++) {
    int in0 = mx->in_off[b], n_in = mx->in_off[b + 1] - in0;
    int out0 = mx->out_off[b], n_out = mx->out_off[b + 1] - out0;
    if (n_in == 0 || n_out == 0) continue;
    if ((n_in > lr || n_out > lc) && mx->kind == AIMC_OP_SSM) {
      int need_r = n_in * aimc_map_row_factor(a);
      int need_c = n_out * aimc_map_col_factor(a);
      return aimc_error(
          ctx, AIMC_ERANGE,
          "map: layer %d channel %d needs a %dx%d block in one array (form "
          "single: [A B 0; C 0 D] with %d kept modes, %s split) but arrays "
          "are %dx%d; use arrays of at least %dx%d, form: separate, or "
          "fewer modes",
          mx->layer, b, need_r, need_c, (n_in - 2) / 2,
          a->split == AIMC_SPLIT_RAILS ? "rails" : "differential", a->rows,
          a->cols, need_r, need_c);
    }
    /* Larger blocks are cut into pieces whose partial sums add digitally. */
    for (int r = 0; r < n_in; r += lr)
      for (int c = 0; c < n_out; c += lc) {
        int st = place(ctx, m, mi, b, &cur, cap, in0 + r,
                       n_in - r < lr ? n_in - r : lr, out0 + c,
                       n_out - c < lc ? n_out - c : lc);
        if (st) return st;
      }
  }
  return AIMC_OK;
}

/* Conductance targets of one array: each weight as a device pair along the
 * split direction; devices outside the placed blocks idle at g_min. */
static int fill_targets(aimc_ctx *ctx, aimc_mapping *m, aimc_map_array *arr) {
  const aimc_arch *a = &m->arch;
  int rf = aimc_map_row_factor(a), cf = aimc_map_col_factor(a);
  arr->g_target_S = aimc_malloc(ctx, (size_t)a->rows * a->cols * sizeof(double));
  if (!arr->g_target_S) return AIMC_ENOMEM;
  for (size_t k = 0; k < (size_t)a->rows * a->cols; k++) arr->g_target_S[k] = a->g_min_S;
  aimc_gmap gm = {a->g_min_S, a->g_max_S, 1.0};
  for (int p = 0; p < arr->n_place; p++) {
    const aimc_map_slot *s = &arr->place[p];
    const aimc_map_matrix *mx = &m->mats[s->matrix];
    for (int i = 0; i < s->n_in; i++)
      for (int j = 0; j < s->n_out; j++) {
        double gp, gn;
        int b = s->block;
        aimc_gmap_split(&gm,
                        mx->wn[aimc_map_matrix_index(mx, b, s->out0 + j - mx->out_off[b],
                                                     s->in0 + i - mx->in_off[b])],
                        &gp, &gn);
        int r = (s->row0 + i) * rf, c = (s->col0 + j) * cf;
        arr->g_target_S[(size_t)r * a->cols + c] = gp;
        /* The partner device: next column (differential) or row (rails). */
        arr->g_target_S[(size_t)(r + rf - 1) * a->cols + c + cf - 1] = gn;
      }
    int rows = (s->row0 + s->n_in) * rf, cols = (s->col0 + s->n_out) * cf;
    if (rows > arr->rows_used) arr->rows_used = rows;
    if (cols > arr->cols_used) arr->cols_used = cols;
  }
  return AIMC_OK;
}

static void compute_stats(aimc_mapping *m) {
  aimc_map_stats *s = &m->stats;
  const aimc_arch *a = &m->arch;
  memset(s, 0, sizeof *s);
  s->n_arrays = m->n_arrays;
  s->devices_total = (uint64_t)m->n_arrays * a->rows * a->cols;
  for (size_t k = 0; k < m->n_arrays; k++) {
    const aimc_map_array *arr = &m->arrays[k];
    uint64_t rows = 0, cols = 0; /* DACs and TIAs: every placed row and column */
    for (int p = 0; p < arr->n_place; p++) {
      const aimc_map_slot *sl = &arr->place[p];
      s->devices_used += 2 * (uint64_t)sl->n_in * sl->n_out;
      s->macs_per_step += (uint64_t)sl->n_in * sl->n_out;
      rows += sl->n_in;
      cols += sl->n_out;
    }
    s->n_dac += rows;
    s->n_tia += cols;
    if (arr->cols_used > 0) s->n_adc += (uint64_t)aimc_map_tile_adcs(m, k);
  }
  s->utilisation = s->devices_total ? (double)s->devices_used / s->devices_total : 0;
}

int aimc_map_model(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                   const aimc_arch *arch, aimc_mapping **out) {
  *out = NULL;
  int st = check_model(ctx, mdl);
  if (st) return st;
  if (!(arch->g_min_S < arch->g_max_S))
    return aimc_error(ctx, AIMC_ERANGE, "map: g_min (%g S) must be below g_max (%g S)",
                      arch->g_min_S, arch->g_max_S);
  aimc_mapping *m = aimc_calloc(ctx, 1, sizeof *m);
  if (!m) return AIMC_ENOMEM;
  m->arch = *arch;
  m->n_in = mdl->n_in;
  m->n_out = mdl->n_out;
  m->h = mdl->h;
  m->layers = mdl->layers;
  m->state_bits = mdl->quant_x.bits;
  m->model_hash = aimc_s4d_model_hash(mdl);
  m->modes = aimc_calloc(ctx, (size_t)mdl->layers * mdl->h, sizeof(int));
  if (!m->modes) {
    aimc_mapping_free(ctx, m);
    return AIMC_ENOMEM;
  }
  for (int lh = 0; lh < mdl->layers * mdl->h; lh++)
    for (int n = 0; mdl->use_ssm && n < mdl->m; n++)
      m->modes[lh] += !mdl->mode_mask || mdl->mode_mask[(size_t)lh * mdl->m + n];
  st = aimc_map_build_matrices(ctx, mdl, m);
  size_t cap = 0;
  for (size_t mi = 0; mi < m->n_mats && !st; mi++)
    st = tile_matrix(ctx, m, (int)mi, &cap);
  for (size_t k = 0; k < m->n_arrays && !st; k++)
    st = fill_targets(ctx, m, &m->arrays[k]);
  if (!st) st = aimc_map_build_tiles(ctx, m);
  if (!st) st = aimc_map_calibrate_tiles(ctx, m, mdl);
  if (!st) st = aimc_map_build_periph(ctx, m, mdl);
  if (st) {
    aimc_mapping_free(ctx, m);
    return st;
  }
  compute_stats(m);
  *out = m;
  return AIMC_OK;
}

int aimc_map_find_matrix(const aimc_mapping *m, aimc_op_kind kind, int layer) {
  for (size_t i = 0; i < m->n_mats; i++)
    if (m->mats[i].kind == kind && m->mats[i].layer == layer) return (int)i;
  return -1;
}

void aimc_mapping_free(aimc_ctx *ctx, aimc_mapping *m) {
  if (!m) return;
  aimc_map_free_tiles(ctx, m);
  aimc_free(ctx, m->periph);
  for (size_t i = 0; i < m->n_mats; i++) aimc_map_matrix_fini(ctx, &m->mats[i]);
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_free(ctx, m->arrays[k].place);
    aimc_free(ctx, m->arrays[k].g_target_S);
  }
  aimc_free(ctx, m->mats);
  aimc_free(ctx, m->arrays);
  aimc_free(ctx, m->modes);
  aimc_free(ctx, m);
}

void aimc_map_print_stats(const aimc_mapping *m, FILE *f) {
  const aimc_map_stats *s = &m->stats;
  fprintf(f, "arrays       %zu of %dx%d (%s form, %s split)\n", s->n_arrays,
          m->arch.rows, m->arch.cols,
          m->arch.form == AIMC_FORM_SINGLE ? "single" : "separate",
          m->arch.split == AIMC_SPLIT_RAILS ? "rails" : "differential");
  fprintf(f, "devices      %llu used of %llu (utilisation %.2f %%)\n",
          (unsigned long long)s->devices_used,
          (unsigned long long)s->devices_total, 100 * s->utilisation);
  fprintf(f, "converters   %llu DACs, %llu TIAs, %llu ADCs (%d columns per ADC)\n",
          (unsigned long long)s->n_dac, (unsigned long long)s->n_tia,
          (unsigned long long)s->n_adc, m->arch.cols_per_adc);
  fprintf(f, "analog MACs  %llu per time step\n",
          (unsigned long long)s->macs_per_step);
}

/* Outputs of slot s that are state: all of an A matrix, the first 2 x
 * modes outputs of each channel block of a single-form SSM matrix. */
static int slot_state_words(const aimc_mapping *m, const aimc_map_slot *s) {
  const aimc_map_matrix *mx = &m->mats[s->matrix];
  if (mx->kind == AIMC_OP_SSM_A) return s->n_out;
  if (mx->kind != AIMC_OP_SSM) return 0;
  /* Outputs of the block: [x (state); y]; positions are the matrix's. */
  int state = mx->out_off[s->block + 1] - mx->out_off[s->block] - 1;
  int first = s->out0 - mx->out_off[s->block], last = first + s->n_out;
  if (last > state) last = state;
  return last > first ? last - first : 0;
}

void aimc_map_array_use(const aimc_mapping *m, size_t k, int *rows, int *cols, int *state) {
  const aimc_map_array *arr = &m->arrays[k];
  *rows = *cols = *state = 0;
  for (int p = 0; p < arr->n_place; p++) {
    *rows += arr->place[p].n_in;
    *cols += arr->place[p].n_out;
    *state += slot_state_words(m, &arr->place[p]);
  }
}
