/* Reading input files with one rule on every surface (netlists, configs,
 * cards, CSV and text inputs): a path that is missing, unreadable, not a
 * regular file (a directory, /dev/zero, a pipe) or larger than the cap is
 * an input problem (exit code 2) whose message names the path, and, when
 * the path was written in another file, that place as file:line:col. */
#ifndef AIMC_INPUT_H
#define AIMC_INPUT_H

#include <stddef.h>

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default cap: far above any netlist, config or target table the
 * tools write, and small enough that a wrong path fails at once. */
#define AIMC_INPUT_MAX_BYTES ((size_t)64 << 20)

/* Reads the whole file at `path` into a NUL-terminated buffer (*data, free
 * with aimc_free; *size its length without the NUL; size may be NULL).
 * max_bytes 0 means AIMC_INPUT_MAX_BYTES. `from` (may be NULL) is where
 * the path was written; messages then start with its file:line:col.
 * Errors: AIMC_ENOTFOUND (missing), AIMC_EINVAL (not readable, not a
 * regular file, too large), AIMC_EIO (a read failing after the open),
 * AIMC_ENOMEM. */
int aimc_input_read(aimc_ctx *ctx, const char *path, const aimc_srcloc *from,
                    size_t max_bytes, char **data, size_t *size);

/* Checks without reading that `path` can be opened as an input file (same
 * rules and messages as aimc_input_read, apart from the size cap). */
int aimc_input_check(aimc_ctx *ctx, const char *path, const aimc_srcloc *from);

#ifdef __cplusplus
}
#endif
#endif
