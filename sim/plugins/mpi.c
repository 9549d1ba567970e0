/* Open MPI for sweeps, built as the plugin aimc_mpi.so so that only a
 * sweep started by mpirun loads libmpi (sim/core/plugin.h). */
#include "sim/plugins/mpi.h"

#include <mpi.h>

static int init(int *argc, char ***argv, int *rank, int *size) {
  int rc = MPI_Init(argc, argv);
  if (rc != MPI_SUCCESS) return rc;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return 0;
}

static void finalize(void) { MPI_Finalize(); }

static int active(int *rank, int *size) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (!init || fin) return 0;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return 1;
}

static void bcast_int(int *v) { MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD); }

static void bcast_u64(unsigned long long *v, int n) {
  MPI_Bcast(v, n, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
}

static void allreduce_min_int(int *v) {
  MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
}

static void allreduce_sum_u64(unsigned long long *v, int n) {
  MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UNSIGNED_LONG_LONG, MPI_SUM,
                MPI_COMM_WORLD);
}

__attribute__((visibility("default"))) const aimc_mpi_plugin aimc_plugin_mpi = {
    .head = {AIMC_PLUGIN_ABI, sizeof(aimc_mpi_plugin)},
    .init = init,
    .finalize = finalize,
    .active = active,
    .bcast_int = bcast_int,
    .bcast_u64 = bcast_u64,
    .allreduce_min_int = allreduce_min_int,
    .allreduce_sum_u64 = allreduce_sum_u64,
};
