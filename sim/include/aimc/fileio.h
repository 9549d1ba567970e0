/* Files that are never half-written: results go to a temporary file in the
 * same directory and are renamed over the target only on commit, so an
 * interrupted run or a bad input never destroys earlier results. */
#ifndef AIMC_FILEIO_H
#define AIMC_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_atomic_file aimc_atomic_file;

/* Opens "<path>.tmp.<pid>" for writing ("wb"). Errors name the path. */
int aimc_atomic_open(aimc_ctx *ctx, const char *path, aimc_atomic_file **out);
FILE *aimc_atomic_stream(aimc_atomic_file *f);
/* Flushes, fsyncs and renames over the target; frees f in every case. */
int aimc_atomic_commit(aimc_ctx *ctx, aimc_atomic_file *f);
/* Removes the temporary file; frees f. NULL is a no-op. */
void aimc_atomic_abort(aimc_ctx *ctx, aimc_atomic_file *f);

/* Writes a whole buffer atomically. */
int aimc_write_file_atomic(aimc_ctx *ctx, const char *path, const void *data,
                           size_t size);
/* Reads a whole file into a NUL-terminated buffer (free with aimc_free). */
int aimc_read_file(aimc_ctx *ctx, const char *path, char **data, size_t *size);

/* mkdir -p; existing directories are fine. */
int aimc_mkdirs(aimc_ctx *ctx, const char *path);

#ifdef __cplusplus
}
#endif
#endif
