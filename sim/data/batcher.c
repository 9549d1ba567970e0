/* Minibatches over one split: an index permutation reshuffled per epoch
 * with the caller's RNG; samples are copied only by aimc_dataset_gather. */
#include <gsl/gsl_randist.h>
#include <string.h>

#include "aimc/status.h"
#include "data_internal.h"

struct aimc_batcher {
  const size_t *split; /* borrowed from the dataset */
  size_t *order;       /* current epoch's order     */
  size_t n, batch, pos;
};

int aimc_batcher_alloc(aimc_ctx *ctx, const aimc_dataset *ds,
                       aimc_data_split split, size_t batch,
                       aimc_batcher **out) {
  *out = NULL;
  if (batch == 0)
    return aimc_error(ctx, AIMC_EINVAL, "data: batch size must be > 0");
  aimc_batcher *b = aimc_calloc(ctx, 1, sizeof *b);
  if (!b) return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  b->split = aimc_dataset_split(ds, split, &b->n);
  b->batch = batch;
  b->order = aimc_malloc(ctx, (b->n ? b->n : 1) * sizeof *b->order);
  if (!b->order) {
    aimc_free(ctx, b);
    return aimc_error(ctx, AIMC_ENOMEM, "data: out of memory");
  }
  aimc_batcher_epoch(b, NULL);
  *out = b;
  return AIMC_OK;
}

void aimc_batcher_free(aimc_ctx *ctx, aimc_batcher *b) {
  if (!b) return;
  aimc_free(ctx, b->order);
  aimc_free(ctx, b);
}

void aimc_batcher_epoch(aimc_batcher *b, gsl_rng *rng) {
  memcpy(b->order, b->split, b->n * sizeof *b->order);
  if (rng && b->n > 1) gsl_ran_shuffle(rng, b->order, b->n, sizeof *b->order);
  b->pos = 0;
}

size_t aimc_batcher_next(aimc_batcher *b, const size_t **idx) {
  size_t left = b->n - b->pos, k = left < b->batch ? left : b->batch;
  *idx = b->order + b->pos;
  b->pos += k;
  return k;
}

size_t aimc_batcher_count(const aimc_batcher *b) {
  return (b->n + b->batch - 1) / b->batch;
}
