/* Native kernel backend: a 4-ary min-heap of events keyed by (time, seq).
 * Invariant: heap[i] <= heap[4i+1 .. 4i+4]; seq values are unique, so the
 * order is total and ties in time are FIFO. Four children per node halve
 * the depth of a binary heap and keep siblings in one or two cache lines,
 * which is what pop (most of the kernel's time) pays for. */
#include <string.h>

#include "aimc/status.h"
#include "queue.h"

typedef struct {
  aimc_ctx *ctx;
  aimc_kq_item *heap;
  size_t n, cap;
} native_queue;

#define ARITY 4

static inline int item_before(const aimc_kq_item *a, const aimc_kq_item *b) {
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* Moves parents down from slot i until `item` fits; returns its slot. */
static inline size_t sift_up(aimc_kq_item *heap, size_t i,
                             const aimc_kq_item *item) {
  while (i > 0) {
    size_t parent = (i - 1) / ARITY;
    if (!item_before(item, &heap[parent])) break;
    heap[i] = heap[parent];
    i = parent;
  }
  return i;
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
  size_t i = sift_up(q->heap, q->n++, item);
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
  aimc_kq_item *h = q->heap;
  *out = h[0];
  size_t n = --q->n;
  if (n == 0) return AIMC_OK;
  /* Floyd's bottom-up pop: walk the hole down along the smallest children
   * to a leaf (one comparison per child, none against the moved item),
   * then put the last item there and sift it up; it rarely rises far. */
  size_t i = 0;
  for (;;) {
    size_t first = ARITY * i + 1;
    if (first >= n) break;
    size_t last = first + ARITY < n ? first + ARITY : n;
    size_t best = first;
    for (size_t c = first + 1; c < last; c++)
      if (item_before(&h[c], &h[best])) best = c;
    h[i] = h[best];
    i = best;
  }
  aimc_kq_item moved = h[n];
  h[sift_up(h, i, &moved)] = moved;
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
