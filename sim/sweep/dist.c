/* Spreading a sweep over MPI ranks: rank 0 decides what is pending and every
 * rank learns it; counters are summed at the end. Without MPI (or when the
 * process was not started by mpirun) this is one rank and every call is
 * local. MPI lives in the plugin aimc_mpi.so, loaded only under mpirun. */
#include <stdlib.h>
#include <string.h>

#include "aimc/status.h"
#include "sweep_impl.h"
#include "sweep_mpi.h"

#ifdef AIMC_HAVE_MPI
#include "sim/plugins/mpi.h"

/* The MPI plugin, or NULL (with a message on ctx) when it cannot load. */
static const aimc_mpi_plugin *mpi_plugin(aimc_ctx *ctx) {
  const void *t = NULL;
  if (aimc_plugin_load(ctx, "mpi", "MPI (Open MPI)", sizeof(aimc_mpi_plugin),
                       AIMC_ENOTFOUND, &t))
    return NULL;
  return t;
}
#endif

int sweep_mpi_launched(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") ||
         getenv("PMI_RANK");
}

int sweep_mpi_init(aimc_ctx *ctx, int *argc, char ***argv, int *rank,
                   int *ranks) {
#ifdef AIMC_HAVE_MPI
  const aimc_mpi_plugin *p = mpi_plugin(ctx);
  if (!p) return AIMC_ENOTFOUND;
  int rc = p->init(argc, argv, rank, ranks);
  if (rc)
    return aimc_error(ctx, AIMC_EFAIL, "sweep: MPI_Init failed (error %d)", rc);
  return AIMC_OK;
#else
  /* No MPI in this build: each process is a sweep of its own. */
  (void)ctx;
  (void)argc;
  (void)argv;
  *rank = 0;
  *ranks = 1;
  return AIMC_OK;
#endif
}

void sweep_mpi_finalize(aimc_ctx *ctx) {
#ifdef AIMC_HAVE_MPI
  const aimc_mpi_plugin *p = mpi_plugin(ctx);
  if (p) p->finalize();
#else
  (void)ctx;
#endif
}

void sweep_dist_init(aimc_ctx *ctx, sweep_dist *d) {
  d->rank = 0;
  d->size = 1;
  d->mpi = NULL;
#ifdef AIMC_HAVE_MPI
  /* Only a process mpirun started can have MPI running; others never load
   * the plugin. */
  if (!sweep_mpi_launched()) return;
  int rank, size;
  const aimc_mpi_plugin *p = mpi_plugin(ctx);
  if (p && p->active(&rank, &size)) {
    d->rank = rank;
    d->size = size;
    d->mpi = p;
  }
  if (!p) aimc_ctx_clear_error(ctx); /* one rank, as without MPI */
#else
  (void)ctx;
#endif
}

int sweep_dist_agree(aimc_ctx *ctx, const sweep_dist *d, int status) {
  if (d->size == 1) return status;
#ifdef AIMC_HAVE_MPI
  const aimc_mpi_plugin *p = d->mpi;
  int s = status;
  p->bcast_int(&s);
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
  const aimc_mpi_plugin *p = d->mpi;
  unsigned long long count = *n;
  p->bcast_u64(&count, 1);
  unsigned long long *buf = aimc_calloc(ctx, count ? count : 1, sizeof *buf);
  int ok = buf != NULL;
  /* Every rank must take part in the next collective, so agree on memory
   * before broadcasting the list. */
  p->allreduce_min_int(&ok);
  if (!ok) {
    aimc_free(ctx, buf);
    return aimc_error(ctx, AIMC_ENOMEM,
                      "sweep: out of memory sharing the run list");
  }
  if (d->rank == 0)
    for (size_t i = 0; i < count; i++) buf[i] = (*runs)[i];
  p->bcast_u64(buf, (int)count);
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
  const aimc_mpi_plugin *p = d->mpi;
  unsigned long long buf[8];
  for (int i = 0; i < n && i < 8; i++) buf[i] = counts[i];
  p->allreduce_sum_u64(buf, n < 8 ? n : 8);
  for (int i = 0; i < n && i < 8; i++) counts[i] = (size_t)buf[i];
#else
  (void)counts;
  (void)n;
#endif
}
