/* Probes: the `probe` model (models/probe.c) records every vector that
 * arrives on its digital input `in` [n] with its time. These calls read the
 * records of a running or finished engine, e.g. so `aimc sim` can print
 * them or a test can compare them with a hand computation. */
#ifndef AIMC_PROBE_H
#define AIMC_PROBE_H

#include <stddef.h>

#include "aimc/context.h"
#include "aimc/engine.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if the instance runs the probe model. */
int aimc_probe_is(const aimc_inst *inst);
/* Number of vectors recorded so far (0 for a non-probe). */
size_t aimc_probe_count(aimc_inst *inst);
/* Width n of the recorded vectors (0 for a non-probe). */
int aimc_probe_width(aimc_inst *inst);
/* Record i: its time (fs) and vector (n values, borrowed until the next
 * event or reset). AIMC_ERANGE if i is out of range or inst is no probe. */
int aimc_probe_record(aimc_inst *inst, size_t i, aimc_time *t_fs,
                      const double **values);
/* Writes the records as CSV ("t_s,v0,v1,...", one line per record),
 * atomically. */
int aimc_probe_write_csv(aimc_ctx *ctx, aimc_inst *inst, const char *path);
/* Writes the CSV of every probe whose `file` parameter is set; *written
 * (may be NULL) counts the files. */
int aimc_probe_write_all(aimc_ctx *ctx, aimc_engine *e, size_t *written);

#ifdef __cplusplus
}
#endif
#endif
