/* The Open MPI plugin's table (aimc_mpi.so, built from mpi.c; loaded by
 * sim/sweep/dist.c): the few collectives a sweep needs, on
 * MPI_COMM_WORLD with root 0. */
#ifndef AIMC_PLUGINS_MPI_H
#define AIMC_PLUGINS_MPI_H

#include "sim/core/plugin.h"

typedef struct {
  aimc_plugin_head head;
  /* MPI_Init, then this process's rank and the number of ranks. 0 or an
   * MPI error code. */
  int (*init)(int *argc, char ***argv, int *rank, int *size);
  void (*finalize)(void);
  /* 1 and rank/size when MPI is initialised and not finalised, else 0. */
  int (*active)(int *rank, int *size);
  void (*bcast_int)(int *v);
  void (*bcast_u64)(unsigned long long *v, int n);
  void (*allreduce_min_int)(int *v);
  void (*allreduce_sum_u64)(unsigned long long *v, int n);
} aimc_mpi_plugin;

#endif
