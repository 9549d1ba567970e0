/* Native kernel backend: a binary min-heap of events keyed by (time, seq).
 * Invariant: heap[i] <= heap[2i+1] and heap[i] <= heap[2i+2]; seq values are
 * unique, so the order is total and ties in time are FIFO. (Measured: a
 * 4-ary heap with Floyd's bottom-up pop was 6 % slower at 1e3 pending
 * events and ~5 % faster at 1e5; the common case is the small queue.) */
#include <string.h>

#include "aimc/status.h"
#include "queue.h"

typedef struct {
  aimc_ctx *ctx;
  aimc_kq_item *heap;
  size_t n, cap;
} native_queue;

static inline int item_before(const aimc_kq_item *a, const aimc_kq_item *b) {
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static int native_push(void *qv, const aimc_kq_item *item) {
  native_queue *q = qv;
  if (q->n == q->cap) {
    size_t cap = q->cap ? 2 * q->cap : 256;
    aimc_kq_item *h = aimc_realloc(q->ctx, q->heap, cap * sizeof *h);
    if (!h)
      return aimc_error(q->ctx, AIMC_ENOMEM, "event queue: cannot grow to %zu",
                        cap);
    q->heap = h;
    q->cap = cap;
  }
  /* Sift up: move parents down until the new item's slot is found. */
  size_t i = q->n++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!item_before(item, &q->heap[parent])) break;
    q->heap[i] = q->heap[parent];
    i = parent;
  }
  q->heap[i] = *item;
  return AIMC_OK;
}

static int native_next_time(void *qv, aimc_time *t) {
  native_queue *q = qv;
  if (q->n == 0) return 0;
  *t = q->heap[0].time;
  return 1;
}

static int native_pop(void *qv, aimc_kq_item *out) {
  native_queue *q = qv;
  *out = q->heap[0];
  aimc_kq_item last = q->heap[--q->n];
  /* Sift the last item down from the root. */
  size_t i = 0, n = q->n;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && item_before(&q->heap[child + 1], &q->heap[child]))
      child++;
    if (!item_before(&q->heap[child], &last)) break;
    q->heap[i] = q->heap[child];
    i = child;
  }
  if (n > 0) q->heap[i] = last;
  return AIMC_OK;
}

static size_t native_size(const void *qv) {
  return ((const native_queue *)qv)->n;
}

static int native_clear(void *qv) {
  ((native_queue *)qv)->n = 0;
  return AIMC_OK;
}

static void native_free(void *qv) {
  native_queue *q = qv;
  if (!q) return;
  aimc_free(q->ctx, q->heap);
  aimc_free(q->ctx, q);
}

static const aimc_kq_ops NATIVE_OPS = {
    .name = "native",
    .push = native_push,
    .next_time = native_next_time,
    .pop = native_pop,
    .size = native_size,
    .clear = native_clear,
    .free = native_free,
};

int aimc_kq_native_alloc(aimc_ctx *ctx, void **q, const aimc_kq_ops **ops) {
  native_queue *nq = aimc_calloc(ctx, 1, sizeof *nq);
  if (!nq) return aimc_error(ctx, AIMC_ENOMEM, "event queue: out of memory");
  nq->ctx = ctx;
  *q = nq;
  *ops = &NATIVE_OPS;
  return AIMC_OK;
}
