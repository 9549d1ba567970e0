/* The event kernel (aimc/kernel.h): handlers, signals with evaluate/update
 * delta cycles, and the run loop, on top of a swappable event queue.
 *
 * Invariants: every queued event has time >= now; seq is the number of
 * events scheduled since alloc/reset, so (time, seq) is a total order;
 * `dirty` lists each signal with a staged write exactly once. */
#include "aimc/kernel.h"

#include <string.h>

#include "aimc/status.h"
#include "queue.h"

/* More delta cycles than this at one time means a zero-delay loop. */
#define MAX_DELTAS 1000000u

typedef struct {
  aimc_handler_fn fn;
  void *self;
} handler;

typedef struct {
  double value, initial, staged;
  int dirty;
  uint32_t watch_head; /* first watcher node, or NONE */
  uint32_t watch_tail;
} ksignal;

typedef struct {
  uint32_t handler;
  uint32_t next;
} watch_node;

#define NONE UINT32_MAX

struct aimc_kernel {
  aimc_ctx *ctx;
  aimc_kernel_backend backend;
  void *queue;
  const aimc_kq_ops *ops;

  aimc_time now;
  uint32_t delta;
  uint64_t seq;
  uint64_t delivered;
  int running;

  handler *handlers;
  size_t n_handlers, cap_handlers;
  ksignal *signals;
  size_t n_signals, cap_signals;
  watch_node *watches;
  size_t n_watches, cap_watches;
  uint32_t *dirty;
  size_t n_dirty, cap_dirty;

  aimc_trace_fn trace;
  void *trace_user;
};

/* Grows *arr (of `elem`-byte items) so it holds at least n + 1 items. */
static int reserve(aimc_ctx *ctx, void **arr, size_t *cap, size_t n,
                   size_t elem, const char *what) {
  if (n < *cap) return AIMC_OK;
  size_t ncap = *cap ? 2 * *cap : 16;
  void *p = aimc_realloc(ctx, *arr, ncap * elem);
  if (!p) return aimc_error(ctx, AIMC_ENOMEM, "kernel: cannot grow %s", what);
  *arr = p;
  *cap = ncap;
  return AIMC_OK;
}

int aimc_kernel_backend_parse(const char *name, aimc_kernel_backend *out) {
  if (name && strcmp(name, "native") == 0) {
    *out = AIMC_KERNEL_NATIVE;
    return AIMC_OK;
  }
  if (name && strcmp(name, "systemc") == 0) {
    *out = AIMC_KERNEL_SYSTEMC;
    return AIMC_OK;
  }
  return AIMC_EINVAL;
}

const char *aimc_kernel_backend_name(aimc_kernel_backend b) {
  return b == AIMC_KERNEL_SYSTEMC ? "systemc" : "native";
}

int aimc_kernel_has_systemc(void) {
#ifdef AIMC_HAVE_SYSTEMC
  return aimc_kq_systemc_available();
#else
  return 0;
#endif
}

int aimc_kernel_alloc(aimc_ctx *ctx, aimc_kernel_backend backend,
                      aimc_kernel **out) {
  *out = NULL;
  aimc_kernel *k = aimc_calloc(ctx, 1, sizeof *k);
  if (!k) return aimc_error(ctx, AIMC_ENOMEM, "kernel: out of memory");
  k->ctx = ctx;
  k->backend = backend;
  int st;
  switch (backend) {
    case AIMC_KERNEL_NATIVE:
      st = aimc_kq_native_alloc(ctx, &k->queue, &k->ops);
      break;
    case AIMC_KERNEL_SYSTEMC:
#ifdef AIMC_HAVE_SYSTEMC
      st = aimc_kq_systemc_alloc(ctx, &k->queue, &k->ops);
#else
      st = aimc_error(ctx, AIMC_EBACKEND,
                      "kernel: this build has no SystemC backend "
                      "(configure with -DAIMC_SYSTEMC=ON)");
#endif
      break;
    default:
      st = aimc_error(ctx, AIMC_EINVAL, "kernel: unknown backend %d",
                      (int)backend);
  }
  if (st) {
    aimc_free(ctx, k);
    return st;
  }
  *out = k;
  return AIMC_OK;
}

void aimc_kernel_free(aimc_kernel *k) {
  if (!k) return;
  aimc_ctx *ctx = k->ctx;
  k->ops->free(k->queue);
  aimc_free(ctx, k->handlers);
  aimc_free(ctx, k->signals);
  aimc_free(ctx, k->watches);
  aimc_free(ctx, k->dirty);
  aimc_free(ctx, k);
}

int aimc_kernel_add_handler(aimc_kernel *k, aimc_handler_fn fn, void *self,
                            uint32_t *id) {
  if (!fn) return aimc_error(k->ctx, AIMC_EINVAL, "kernel: NULL handler");
  int st = reserve(k->ctx, (void **)&k->handlers, &k->cap_handlers,
                   k->n_handlers, sizeof *k->handlers, "handlers");
  if (st) return st;
  k->handlers[k->n_handlers] = (handler){fn, self};
  *id = (uint32_t)k->n_handlers++;
  return AIMC_OK;
}

static int push(aimc_kernel *k, uint32_t target, aimc_time t, uint32_t tag,
                uint64_t data) {
  aimc_kq_item item = {t, k->seq, target, tag, data};
  int st = k->ops->push(k->queue, &item);
  if (!st) k->seq++;
  return st;
}

int aimc_kernel_schedule_at(aimc_kernel *k, uint32_t target, aimc_time t,
                            uint32_t tag, uint64_t data) {
  if (target >= k->n_handlers)
    return aimc_error(k->ctx, AIMC_EINVAL,
                      "kernel: event for unknown handler %u (%zu registered)",
                      target, k->n_handlers);
  if (tag >= AIMC_TAG_SIGNAL)
    return aimc_error(k->ctx, AIMC_EINVAL,
                      "kernel: event tag 0x%x is reserved (>= 0x%x)", tag,
                      AIMC_TAG_SIGNAL);
  if (t < k->now)
    return aimc_error(k->ctx, AIMC_EINVAL,
                      "kernel: event at %lld fs is in the past (now %lld fs)",
                      (long long)t, (long long)k->now);
  return push(k, target, t, tag, data);
}

int aimc_kernel_schedule(aimc_kernel *k, uint32_t target, aimc_time delay,
                         uint32_t tag, uint64_t data) {
  if (delay < 0 || delay > AIMC_TIME_MAX - k->now)
    return aimc_error(k->ctx, delay < 0 ? AIMC_EINVAL : AIMC_ERANGE,
                      "kernel: delay %lld fs out of range at %lld fs",
                      (long long)delay, (long long)k->now);
  return aimc_kernel_schedule_at(k, target, k->now + delay, tag, data);
}

int aimc_kernel_signal_add(aimc_kernel *k, double initial, uint32_t *id) {
  int st = reserve(k->ctx, (void **)&k->signals, &k->cap_signals,
                   k->n_signals, sizeof *k->signals, "signals");
  if (!st)
    st = reserve(k->ctx, (void **)&k->dirty, &k->cap_dirty, k->n_signals,
                 sizeof *k->dirty, "signals");
  if (st) return st;
  k->signals[k->n_signals] =
      (ksignal){initial, initial, initial, 0, NONE, NONE};
  *id = (uint32_t)k->n_signals++;
  return AIMC_OK;
}

double aimc_kernel_signal_read(const aimc_kernel *k, uint32_t id) {
  return id < k->n_signals ? k->signals[id].value : 0.0;
}

int aimc_kernel_signal_write(aimc_kernel *k, uint32_t id, double value) {
  if (id >= k->n_signals)
    return aimc_error(k->ctx, AIMC_EINVAL, "kernel: write to unknown ksignal %u",
                      id);
  ksignal *s = &k->signals[id];
  s->staged = value;
  if (!s->dirty) {
    s->dirty = 1;
    k->dirty[k->n_dirty++] = id; /* room reserved in signal_add */
  }
  return AIMC_OK;
}

int aimc_kernel_signal_watch(aimc_kernel *k, uint32_t id, uint32_t h) {
  if (id >= k->n_signals || h >= k->n_handlers)
    return aimc_error(k->ctx, AIMC_EINVAL,
                      "kernel: watch of ksignal %u by handler %u: no such %s",
                      id, h, id >= k->n_signals ? "ksignal" : "handler");
  int st = reserve(k->ctx, (void **)&k->watches, &k->cap_watches,
                   k->n_watches, sizeof *k->watches, "watchers");
  if (st) return st;
  uint32_t node = (uint32_t)k->n_watches++;
  k->watches[node] = (watch_node){h, NONE};
  ksignal *s = &k->signals[id];
  if (s->watch_tail == NONE)
    s->watch_head = node;
  else
    k->watches[s->watch_tail].next = node;
  s->watch_tail = node;
  return AIMC_OK;
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* The update phase: applies staged writes in ksignal-id order (so the
 * order of the writers does not matter) and wakes the watchers of each
 * ksignal whose value changed, at `now`, one delta cycle later. */
static int update(aimc_kernel *k) {
  uint32_t *d = k->dirty;
  for (size_t i = 1; i < k->n_dirty; i++) { /* insertion sort: lists are short */
    uint32_t v = d[i];
    size_t j = i;
    for (; j > 0 && d[j - 1] > v; j--) d[j] = d[j - 1];
    d[j] = v;
  }
  size_t n = k->n_dirty;
  k->n_dirty = 0;
  if (++k->delta >= MAX_DELTAS)
    return aimc_error(k->ctx, AIMC_ESTATE,
                      "kernel: %u delta cycles at %lld fs: zero-delay loop?",
                      k->delta, (long long)k->now);
  for (size_t i = 0; i < n; i++) {
    ksignal *s = &k->signals[d[i]];
    s->dirty = 0;
    if (same_bits(s->value, s->staged)) continue;
    s->value = s->staged;
    for (uint32_t w = s->watch_head; w != NONE; w = k->watches[w].next) {
      int st = push(k, k->watches[w].handler, k->now, AIMC_TAG_SIGNAL, d[i]);
      if (st) return st;
    }
  }
  return AIMC_OK;
}

static int deliver(aimc_kernel *k, const aimc_kq_item *item) {
  aimc_event ev = {item->time, item->seq,  k->delta,
                   item->target, item->tag, item->data};
  k->delivered++;
  if (k->trace) k->trace(k->trace_user, &ev);
  const handler *h = &k->handlers[item->target];
  return h->fn(k, h->self, &ev);
}

/* The scheduler loop: deliver everything at `now` (evaluate), then apply
 * staged writes (update) and repeat; when `now` is exhausted, advance to
 * the next pending time if it is <= t_end. */
static int run_to(aimc_kernel *k, aimc_time t_end) {
  if (k->running)
    return aimc_error(k->ctx, AIMC_ESTATE,
                      "kernel: run called from inside a handler");
  k->running = 1;
  int st = AIMC_OK;
  for (;;) {
    aimc_time t;
    int pending = k->ops->next_time(k->queue, &t);
    if (pending && t == k->now) {
      aimc_kq_item item;
      st = k->ops->pop(k->queue, &item);
      if (!st) st = deliver(k, &item);
      if (st) break;
    } else if (k->n_dirty) {
      if ((st = update(k))) break;
    } else if (pending && t <= t_end) {
      k->now = t;
      k->delta = 0;
    } else {
      break;
    }
  }
  k->running = 0;
  return st;
}

int aimc_kernel_run_until(aimc_kernel *k, aimc_time t_end) {
  if (t_end < k->now)
    return aimc_error(k->ctx, AIMC_EINVAL,
                      "kernel: run until %lld fs, but time is already %lld fs",
                      (long long)t_end, (long long)k->now);
  int st = run_to(k, t_end);
  if (!st && t_end > k->now) {
    k->now = t_end;
    k->delta = 0;
  }
  return st;
}

int aimc_kernel_run(aimc_kernel *k) { return run_to(k, AIMC_TIME_MAX); }

int aimc_kernel_reset(aimc_kernel *k) {
  if (k->running)
    return aimc_error(k->ctx, AIMC_ESTATE,
                      "kernel: reset called from inside a handler");
  int st = k->ops->clear(k->queue);
  if (st) return st;
  for (size_t i = 0; i < k->n_signals; i++) {
    ksignal *s = &k->signals[i];
    s->value = s->staged = s->initial;
    s->dirty = 0;
  }
  k->n_dirty = 0;
  k->now = 0;
  k->delta = 0;
  k->seq = 0;
  k->delivered = 0;
  return AIMC_OK;
}

aimc_time aimc_kernel_now(const aimc_kernel *k) { return k->now; }
uint64_t aimc_kernel_delivered(const aimc_kernel *k) { return k->delivered; }
size_t aimc_kernel_pending(const aimc_kernel *k) {
  return k->ops->size(k->queue);
}
aimc_ctx *aimc_kernel_ctx(aimc_kernel *k) { return k->ctx; }
void aimc_kernel_set_trace(aimc_kernel *k, aimc_trace_fn fn, void *user) {
  k->trace = fn;
  k->trace_user = user;
}
