/* Internal pieces of the sweep area shared by its files: run records (one
 * JSON file per finished run) and the distribution layer (MPI or none).
 * Public header of sim/sweep: sim/include/aimc/sweep.h. */
#ifndef AIMC_SWEEP_IMPL_H
#define AIMC_SWEEP_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/sweep.h"

/* One committed run, as read back from runs/p<point>_s<seed>.json. */
typedef struct {
  size_t point;
  unsigned seed_index;
  uint64_t seed;
  aimc_sweep_result res;
} sweep_record;

/* "<out_dir>/runs/p00012_s001.json" into buf. */
void sweep_record_path(char *buf, size_t len, const char *out_dir, size_t point,
                       unsigned seed_index);
/* Commits one run atomically. */
int sweep_record_write(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                       const char *out_dir, const aimc_sweep_point *pt,
                       const aimc_sweep_result *res, int session,
                       double wall_s);
/* Reads one run; AIMC_ENOTFOUND if it was never committed; AIMC_EFORMAT if
 * it is damaged or belongs to another spec (hash) or point. */
int sweep_record_read(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                      const char *out_dir, size_t point, unsigned seed_index,
                      sweep_record *rec);

/* The ranks of an MPI job (rank 0 of 1 without MPI). */
typedef struct {
  int rank, size;
  const void *mpi; /* the MPI plugin's table when size > 1 */
} sweep_dist;

void sweep_dist_init(aimc_ctx *ctx, sweep_dist *d);
/* Every rank gets rank 0's status (and, if non-zero, a message saying
 * rank 0 failed). */
int sweep_dist_agree(aimc_ctx *ctx, const sweep_dist *d, int status);
/* Broadcasts rank 0's list of run indices; other ranks allocate theirs. */
int sweep_dist_bcast_runs(aimc_ctx *ctx, const sweep_dist *d, size_t **runs,
                          size_t *n);
/* Sums n counters over the ranks, in place, on every rank. */
void sweep_dist_sum(const sweep_dist *d, size_t *counts, int n);

#endif
