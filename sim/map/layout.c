/* Each array's layout (aimc/xbar_layout.h) from the mapping: what its
 * crossbar needs to read in digital units, which `aimc map` writes beside
 * the targets and the runner and the event crossbar both derive their
 * weights from. */
#include "aimc/status.h"
#include "aimc/xbar_layout.h"
#include "map_internal.h"

int aimc_map_array_layout(aimc_ctx *ctx, const aimc_mapping *m, size_t k,
                          aimc_xbar_layout **out) {
  *out = NULL;
  const aimc_map_array *arr = &m->arrays[k];
  int *shape = aimc_calloc(ctx, 2 * (size_t)arr->n_place + 1, sizeof(int));
  if (!shape) return AIMC_ENOMEM;
  for (int p = 0; p < arr->n_place; p++) {
    shape[p] = arr->place[p].n_in;
    shape[arr->n_place + p] = arr->place[p].n_out;
  }
  aimc_xbar_layout *l = aimc_xbar_layout_alloc(ctx, arr->n_place, shape, shape + arr->n_place);
  aimc_free(ctx, shape);
  if (!l) return AIMC_ENOMEM;
  l->rows = m->arch.rows, l->cols = m->arch.cols;
  l->rf = aimc_map_row_factor(&m->arch), l->cf = aimc_map_col_factor(&m->arch);
  l->span_S = m->arch.g_max_S - m->arch.g_min_S;
  l->exact_zeros = m->arch.exact_zeros;
  for (int p = 0; p < arr->n_place; p++) {
    const aimc_map_slot *s = &arr->place[p];
    const aimc_map_matrix *mx = &m->mats[s->matrix];
    aimc_xbar_slot *t = &l->slot[p];
    int b = s->block;
    t->row0 = s->row0, t->col0 = s->col0;
    t->top = s->top;
    for (int i = 0; i < s->n_in; i++) t->row_gain[i] = mx->row_gain[s->in0 + i];
    for (int j = 0; j < s->n_out; j++) {
      t->col_gain[j] = mx->col_gain[s->out0 + j];
      for (int i = 0; i < s->n_in; i++) {
        size_t at = aimc_map_matrix_index(mx, b, s->out0 + j - mx->out_off[b],
                                          s->in0 + i - mx->in_off[b]);
        size_t e = (size_t)j * (size_t)s->n_in + (size_t)i;
        t->is_value[e] = mx->is_value[at];
        t->w[e] = mx->w[at];
      }
    }
  }
  *out = l;
  return AIMC_OK;
}
