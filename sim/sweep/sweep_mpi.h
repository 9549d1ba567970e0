/* MPI for `aimc sweep` under mpirun (sim/sweep/dist.c): the CLI starts and
 * ends MPI through these, so only a sweep mpirun started loads the MPI
 * plugin. Internal to aimc; the CLI includes it by path. */
#ifndef AIMC_SWEEP_MPI_H
#define AIMC_SWEEP_MPI_H

#include "aimc/context.h"

/* 1 when an MPI launcher (mpirun) started this process. */
int sweep_mpi_launched(void);
/* MPI_Init and this rank / the number of ranks (0 of 1 in a build without
 * MPI). AIMC_ENOTFOUND when the MPI plugin cannot be loaded. */
int sweep_mpi_init(aimc_ctx *ctx, int *argc, char ***argv, int *rank,
                   int *ranks);
void sweep_mpi_finalize(aimc_ctx *ctx);

#endif
