/* The kernel's internal backend interface: a priority queue of timed events
 * ordered by (time, seq). The kernel (kernel.c) owns delta cycles, signals
 * and handlers; a backend only decides which pending event comes next.
 *
 * Contract every backend keeps: next_time reports the smallest pending
 * time; pop removes the pending event with the smallest (time, seq) and
 * may be called only right after next_time reported an event; items pushed
 * at a time are never earlier than the time last popped.
 * Public header of sim/kernel: sim/include/aimc/kernel.h. */
#ifndef AIMC_KERNEL_QUEUE_H
#define AIMC_KERNEL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One pending event (the delta number is known only at delivery). */
typedef struct {
  aimc_time time;
  uint64_t seq;
  uint32_t target;
  uint32_t tag;
  uint64_t data;
} aimc_kq_item;

typedef struct {
  const char *name;
  /* AIMC_OK, or an error recorded on the queue's context. */
  int (*push)(void *q, const aimc_kq_item *item);
  /* 1 and *t = earliest pending time, or 0 when empty. */
  int (*next_time)(void *q, aimc_time *t);
  /* Removes the earliest item into *out. AIMC_OK or an error. */
  int (*pop)(void *q, aimc_kq_item *out);
  size_t (*size)(const void *q);
  /* Drops every pending item; the next push may start again at time 0. */
  int (*clear)(void *q);
  void (*free)(void *q);
} aimc_kq_ops;

/* Constructors: *q gets the queue, *ops its operations. */
int aimc_kq_native_alloc(aimc_ctx *ctx, void **q, const aimc_kq_ops **ops);
#ifdef AIMC_HAVE_SYSTEMC
/* Fails with AIMC_EBACKEND when a SystemC queue exists or existed in this
 * process (one SystemC simulation per process) or when the plugin holding
 * the backend cannot be loaded (queue_systemc.c). */
int aimc_kq_systemc_alloc(aimc_ctx *ctx, void **q, const aimc_kq_ops **ops);
/* 1 when the SystemC plugin loads. */
int aimc_kq_systemc_available(void);
#endif

#ifdef __cplusplus
}
#endif
#endif
