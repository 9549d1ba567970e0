/* The event trace of `aimc sim --trace FILE`: every delivered kernel event
 * as CSV, or the run as VCD waveforms when FILE ends in ".vcd". */
#ifndef AIMC_CLI_SIM_TRACE_H
#define AIMC_CLI_SIM_TRACE_H

#include "aimc/engine.h"

typedef struct aimc_cli_trace aimc_cli_trace;

/* Starts a trace of engine `e` running design `d` (both borrowed) into
 * `path`, written atomically: the file appears only on commit. */
int aimc_cli_trace_open(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d,
                        const char *path, aimc_cli_trace **out);
/* Records one delivered event (call it from the kernel's trace hook). */
void aimc_cli_trace_event(aimc_cli_trace *t, const aimc_event *ev);
/* Ends the trace at the kernel's current time and writes the file; frees t
 * in every case. */
int aimc_cli_trace_commit(aimc_cli_trace *t);
/* Drops the trace, leaving no file; NULL is a no-op. */
void aimc_cli_trace_abort(aimc_cli_trace *t);

#endif
