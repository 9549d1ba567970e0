/* The event side of test_program_agree.c, in its own file: aimc/engine.h
 * and aimc/infer.h both name aimc_inst_energy (a function and a struct). */
#ifndef AIMC_TEST_PROGRAM_AGREE_EVENT_H
#define AIMC_TEST_PROGRAM_AGREE_EVENT_H

#include <stddef.h>

#include "aimc/context.h"

/* Loads the netlist `net`, sets the `layout` param of crossbar instance
 * names[k] to the file layouts[k] (k < n), runs every instance's init on an
 * engine and copies crossbar k's conductances (cells doubles) into g[k]
 * and its stuck flags into stuck[k]. AIMC_OK or the failing status. */
int event_cells(aimc_ctx *ctx, const char *net, size_t n, char *const *names,
                char *const *layouts, size_t cells, double **g, unsigned char **stuck);

#endif
