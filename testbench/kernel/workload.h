/* A randomized kernel workload for the backend-identity tests: handlers
 * that schedule more events (many ties in time) and write and watch
 * signals, with every random choice drawn in delivery order, so two
 * backends that deliver in the same order produce the same trace. */
#ifndef AIMC_TEST_KERNEL_WORKLOAD_H
#define AIMC_TEST_KERNEL_WORKLOAD_H

#include <stdint.h>
#include <stdio.h>

#include "aimc/kernel.h"

typedef struct workload workload;

/* Builds the workload on kernel k (handlers, signals, watches, seed
 * events); `budget` bounds the events handlers schedule. Writes one line
 * per delivered event to `trace` (may be NULL) and keeps a running hash. */
workload *workload_alloc(aimc_kernel *k, uint64_t seed, long budget,
                         FILE *trace);
void workload_free(workload *w);
/* Re-seeds the initial events after an aimc_kernel_reset. */
int workload_restart(workload *w);
/* Hash of the trace so far (FNV-1a over event fields and final signals). */
uint64_t workload_hash(const workload *w);
/* Runs the kernel to completion; returns its status. */
int workload_run(workload *w);
/* Runs the whole workload on a fresh kernel of `backend`, writing the
 * trace to `path`; the process exit status to use (0 ok). */
int workload_trace_main(aimc_kernel_backend backend, uint64_t seed,
                        long budget, const char *path);

#endif
