/* Randomized kernel workload (see workload.h). Delays come from a small
 * set so that many events share a time and FIFO tie-breaking matters. */
#include "workload.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"

#define N_HANDLERS 12
#define N_SIGNALS 6
#define N_SEEDS 64

struct workload {
  aimc_kernel *k;
  uint64_t seed, rng;
  long budget, budget0;
  FILE *trace;
  uint64_t hash;
  uint32_t handler[N_HANDLERS];
  uint32_t signal[N_SIGNALS];
};

static uint64_t next(workload *w) { /* splitmix64 */
  uint64_t z = (w->rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void mix(workload *w, uint64_t v) {
  for (int i = 0; i < 8; i++, v >>= 8)
    w->hash = (w->hash ^ (v & 0xFF)) * 0x100000001b3ull;
}

static const aimc_time DELAYS[] = {0, 0, 1, 1, 2, 3, 5, 8, 13, 100};

static int on_event(aimc_kernel *k, void *self, const aimc_event *ev) {
  workload *w = self;
  if (w->trace)
    fprintf(w->trace, "%" PRId64 " %" PRIu64 " %u %u %u %" PRIu64 "\n",
            ev->time, ev->seq, ev->delta, ev->target, ev->tag, ev->data);
  mix(w, (uint64_t)ev->time);
  mix(w, ev->seq);
  mix(w, ((uint64_t)ev->delta << 32) | ev->target);
  mix(w, ((uint64_t)ev->tag << 32) ^ ev->data);
  uint64_t r = next(w);
  /* Reads see the values before this time's writes (evaluate phase). */
  mix(w, (uint64_t)aimc_kernel_signal_read(k, w->signal[r % N_SIGNALS]));
  if (w->budget <= 0) return AIMC_OK;
  int n_new = (int)((r >> 8) % 3);
  for (int i = 0; i < n_new && w->budget > 0; i++, w->budget--) {
    uint64_t s = next(w);
    uint32_t target = w->handler[s % N_HANDLERS];
    aimc_time delay = DELAYS[(s >> 8) % (sizeof DELAYS / sizeof *DELAYS)];
    int st = (s >> 16) & 1
                 ? aimc_kernel_schedule(k, target, delay, (s >> 20) % 16,
                                        s >> 32)
                 : aimc_kernel_schedule_at(k, target, ev->time + delay,
                                           (s >> 20) % 16, s >> 32);
    if (st) return st;
  }
  if ((r >> 16) % 3 == 0) {
    w->budget--;
    return aimc_kernel_signal_write(k, w->signal[(r >> 24) % N_SIGNALS],
                                    (double)((r >> 32) % 4));
  }
  return AIMC_OK;
}

int workload_restart(workload *w) {
  w->rng = w->seed;
  w->budget = w->budget0;
  w->hash = 0xcbf29ce484222325ull;
  for (int i = 0; i < N_SEEDS; i++) {
    uint64_t s = next(w);
    int st = aimc_kernel_schedule(w->k, w->handler[s % N_HANDLERS],
                                  (aimc_time)((s >> 8) % 11), 0, i);
    if (st) return st;
  }
  return AIMC_OK;
}

workload *workload_alloc(aimc_kernel *k, uint64_t seed, long budget,
                         FILE *trace) {
  workload *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  *w = (workload){.k = k, .seed = seed, .budget0 = budget, .trace = trace};
  int st = AIMC_OK;
  for (int i = 0; i < N_HANDLERS && !st; i++)
    st = aimc_kernel_add_handler(k, on_event, w, &w->handler[i]);
  for (int i = 0; i < N_SIGNALS && !st; i++)
    st = aimc_kernel_signal_add(k, 0.0, &w->signal[i]);
  /* Each signal has two watchers; some handlers watch several signals. */
  for (int i = 0; i < N_SIGNALS && !st; i++) {
    st = aimc_kernel_signal_watch(k, w->signal[i], w->handler[i]);
    if (!st)
      st = aimc_kernel_signal_watch(k, w->signal[i],
                                    w->handler[(3 * i + 5) % N_HANDLERS]);
  }
  if (!st) st = workload_restart(w);
  if (st) {
    free(w);
    return NULL;
  }
  return w;
}

void workload_free(workload *w) { free(w); }

uint64_t workload_hash(const workload *w) { return w->hash; }

int workload_run(workload *w) {
  int st = aimc_kernel_run(w->k);
  for (int i = 0; i < N_SIGNALS; i++) {
    double v = aimc_kernel_signal_read(w->k, w->signal[i]);
    mix(w, (uint64_t)v);
    if (w->trace) fprintf(w->trace, "signal %d = %g\n", i, v);
  }
  return st;
}

int workload_trace_main(aimc_kernel_backend backend, uint64_t seed,
                        long budget, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return 10;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k = NULL;
  int rc = 0;
  if (!ctx || aimc_kernel_alloc(ctx, backend, &k)) {
    fprintf(stderr, "%s\n", ctx ? aimc_ctx_errmsg(ctx) : "no memory");
    rc = 11;
  } else {
    workload *w = workload_alloc(k, seed, budget, f);
    if (!w || workload_run(w)) {
      fprintf(stderr, "workload failed: %s\n", aimc_ctx_errmsg(ctx));
      rc = 12;
    }
    workload_free(w);
  }
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
  if (fclose(f)) rc = 13;
  return rc;
}
