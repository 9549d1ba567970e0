/* The event kernel: owns simulated time and event order.
 *
 * Invariants: events are delivered in (time, insertion sequence) order, so
 * ties are FIFO and every run is deterministic. Signal writes are staged
 * (evaluate) and applied only when every event of the current time has been
 * delivered (update); watchers of a signal whose value changed then get an
 * event at the same time, one delta cycle later. So same-time results never
 * depend on the order in which handlers run.
 *
 * Two backends give identical traces: a native binary heap, and SystemC
 * 2.3.4 behind a C++ shim. SystemC allows one simulation per process: only
 * one systemc kernel may exist at a time, and once freed no other can be
 * made in that process (AIMC_EBACKEND). */
#ifndef AIMC_KERNEL_H
#define AIMC_KERNEL_H

#include <stdint.h>

#include "aimc/context.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AIMC_KERNEL_NATIVE = 0, AIMC_KERNEL_SYSTEMC = 1 } aimc_kernel_backend;

typedef struct aimc_kernel aimc_kernel;

typedef struct {
  aimc_time time;   /* when (fs)                                     */
  uint64_t seq;     /* global insertion number: tie-break            */
  uint32_t delta;   /* delta cycle within `time` when delivered      */
  uint32_t target;  /* handler id                                    */
  uint32_t tag;     /* handler-defined kind                          */
  uint64_t data;    /* handler-defined payload                       */
} aimc_event;

/* Tag of the event a watcher receives when a watched signal changed;
 * data is the signal id. Handler tags must be below this value. */
#define AIMC_TAG_SIGNAL 0xFFFF0000u

/* Returns non-zero to stop the run with that status. */
typedef int (*aimc_handler_fn)(aimc_kernel *k, void *self,
                               const aimc_event *ev);
/* Observes every delivered event (for traces and tests). */
typedef void (*aimc_trace_fn)(void *user, const aimc_event *ev);

/* "native" / "systemc" <-> enum. parse returns AIMC_EINVAL on other text. */
int aimc_kernel_backend_parse(const char *name, aimc_kernel_backend *out);
const char *aimc_kernel_backend_name(aimc_kernel_backend b);
/* 1 if this build has the SystemC backend and its plugin, aimc_systemc.so,
 * loads (the backend is loaded on first use; docs/architecture.md). */
int aimc_kernel_has_systemc(void);

int aimc_kernel_alloc(aimc_ctx *ctx, aimc_kernel_backend backend,
                      aimc_kernel **out);
void aimc_kernel_free(aimc_kernel *k);

/* Registers a handler; its id (dense, from 0) is written to *id. */
int aimc_kernel_add_handler(aimc_kernel *k, aimc_handler_fn fn, void *self,
                            uint32_t *id);

/* Schedules an event for `target` at now + delay (delay >= 0), or at an
 * absolute time t >= now. */
int aimc_kernel_schedule(aimc_kernel *k, uint32_t target, aimc_time delay,
                         uint32_t tag, uint64_t data);
int aimc_kernel_schedule_at(aimc_kernel *k, uint32_t target, aimc_time t,
                            uint32_t tag, uint64_t data);

/* Signals: a double value with evaluate/update semantics (see above). */
int aimc_kernel_signal_add(aimc_kernel *k, double initial, uint32_t *id);
double aimc_kernel_signal_read(const aimc_kernel *k, uint32_t id);
int aimc_kernel_signal_write(aimc_kernel *k, uint32_t id, double value);
int aimc_kernel_signal_watch(aimc_kernel *k, uint32_t id, uint32_t handler);

/* Delivers every event with time <= t_end (time then stands at t_end), or
 * until the queue is empty (aimc_kernel_run). Stops early with the status a
 * handler returned. */
int aimc_kernel_run_until(aimc_kernel *k, aimc_time t_end);
int aimc_kernel_run(aimc_kernel *k);

/* Drops pending events and staged writes, sets time to 0 and signals to
 * their initial values; handlers and signals stay registered. */
int aimc_kernel_reset(aimc_kernel *k);

aimc_time aimc_kernel_now(const aimc_kernel *k);
uint64_t aimc_kernel_delivered(const aimc_kernel *k);
size_t aimc_kernel_pending(const aimc_kernel *k);
aimc_ctx *aimc_kernel_ctx(aimc_kernel *k);
void aimc_kernel_set_trace(aimc_kernel *k, aimc_trace_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
