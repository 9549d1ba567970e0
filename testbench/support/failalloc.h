/* Fault injection: an allocator that fails the k-th allocation, and a sweep
 * that runs a piece of code once for every k until it no longer allocates
 * that much, checking each run fails cleanly (status, no live block). */
#ifndef AIMC_TEST_FAILALLOC_H
#define AIMC_TEST_FAILALLOC_H

#include "aimc/context.h"

typedef struct {
  long fail_at;  /* index of the allocation that fails; -1: never */
  long count;    /* allocations attempted so far                */
  long live;     /* blocks allocated and not yet freed          */
  int failed;    /* 1 once the injected failure happened        */
} failalloc;

void failalloc_init(failalloc *fa, long fail_at);
aimc_allocator failalloc_allocator(failalloc *fa);

/* Calls fn(ctx, user) with a context whose k-th allocation fails, for
 * k = 0, 1, 2, ... until a run completes without reaching the failure.
 * Every run must return AIMC_OK or the status fn reports for the failure
 * (checked: non-zero when the failure was injected and fn saw it), free all
 * it allocated, and the final run must return AIMC_OK. Asserts through
 * cmocka; returns the number of runs. */
long failalloc_sweep(int (*fn)(aimc_ctx *ctx, void *user), void *user);

#endif
