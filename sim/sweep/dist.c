/* Spreading a sweep over MPI ranks: rank 0 decides what is pending and every
 * rank learns it; counters are summed at the end. Without MPI (or when the
 * caller did not initialise it) this is one rank and every call is local. */
#include <string.h>

#include "aimc/status.h"
#include "sweep_impl.h"

#ifdef AIMC_HAVE_MPI
#include <mpi.h>

static int mpi_active(void) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}
#endif

void sweep_dist_init(sweep_dist *d) {
  d->rank = 0;
  d->size = 1;
#ifdef AIMC_HAVE_MPI
  if (mpi_active()) {
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
  }
#endif
}

int sweep_dist_agree(aimc_ctx *ctx, const sweep_dist *d, int status) {
  if (d->size == 1) return status;
#ifdef AIMC_HAVE_MPI
  int s = status;
  MPI_Bcast(&s, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (d->rank != 0 && s != AIMC_OK)
    return aimc_error(ctx, s, "sweep: rank 0 failed to prepare the sweep");
  return s;
#else
  (void)ctx;
  return status;
#endif
}

int sweep_dist_bcast_runs(aimc_ctx *ctx, const sweep_dist *d, size_t **runs,
                          size_t *n) {
  if (d->size == 1) return AIMC_OK;
#ifdef AIMC_HAVE_MPI
  unsigned long long count = *n;
  MPI_Bcast(&count, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  unsigned long long *buf = aimc_calloc(ctx, count ? count : 1, sizeof *buf);
  int ok = buf != NULL;
  /* Every rank must take part in the next collective, so agree on memory
   * before broadcasting the list. */
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!ok) {
    aimc_free(ctx, buf);
    return aimc_error(ctx, AIMC_ENOMEM,
                      "sweep: out of memory sharing the run list");
  }
  if (d->rank == 0)
    for (size_t i = 0; i < count; i++) buf[i] = (*runs)[i];
  MPI_Bcast(buf, (int)count, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  if (d->rank != 0) {
    size_t *mine = aimc_calloc(ctx, count ? count : 1, sizeof *mine);
    if (!mine) {
      aimc_free(ctx, buf);
      return aimc_error(ctx, AIMC_ENOMEM,
                        "sweep: out of memory sharing the run list");
    }
    for (size_t i = 0; i < count; i++) mine[i] = (size_t)buf[i];
    aimc_free(ctx, *runs);
    *runs = mine;
    *n = (size_t)count;
  }
  aimc_free(ctx, buf);
  return AIMC_OK;
#else
  (void)ctx;
  (void)runs;
  (void)n;
  return AIMC_OK;
#endif
}

void sweep_dist_sum(const sweep_dist *d, size_t *counts, int n) {
  if (d->size == 1) return;
#ifdef AIMC_HAVE_MPI
  unsigned long long buf[8];
  for (int i = 0; i < n && i < 8; i++) buf[i] = counts[i];
  MPI_Allreduce(MPI_IN_PLACE, buf, n < 8 ? n : 8, MPI_UNSIGNED_LONG_LONG,
                MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < n && i < 8; i++) counts[i] = (size_t)buf[i];
#else
  (void)counts;
  (void)n;
#endif
}
