/* aimc sim --input (sim_input.c): one inference of a mapped netlist, event
 * by event, from one sequence's features. */
#ifndef AIMC_CLI_SIM_INPUT_H
#define AIMC_CLI_SIM_INPUT_H

#include "aimc/design.h"
#include "aimc/engine.h"

typedef struct {
  const double *logits; /* the logits net's value (the engine owns it) */
  int n_out, pred, steps;
  aimc_time t_fs; /* the kernel's clock when the last step settled */
  aimc_time t_step_fs; /* the step period (0: steps self-timed)         */
  /* What no instance books (the arch's figures, as aimc run's energy.csv
   * has them): each array's static power over the inference (p_static x
   * t_fs, a row per array named as its tile instance) and the SRAM
   * buffer's accesses (e_buffer per word: the inputs read, each layer's
   * output written and read, every step). */
  double e_static_array_J, e_buffer_J;
  int n_arrays;
} aimc_sim_result;

/* The design's external `features` net (*in) and the `logits` net its
 * decoder drives (*out); AIMC_EINVAL naming the netlist, or the net's
 * file:line:col, when it has not both (not a netlist of 'aimc map'). */
int aimc_cli_sim_nets(aimc_ctx *ctx, const aimc_design *d, int *in, int *out);
/* Reads a features CSV: one time step per line, exactly n comma-separated
 * finite numbers each. *x (len x n, row-major) is the caller's to free.
 * Errors name file:line:col (AIMC_EPARSE, AIMC_ESHAPE; a missing file
 * AIMC_ENOTFOUND). */
int aimc_cli_sim_read_csv(aimc_ctx *ctx, const char *file, int n, double **x, int *len);
/* Drives the design's external `features` net with x's len vectors, each
 * when the design has settled from the one before, and reads the external
 * `logits` net at the end. A design without them: AIMC_EINVAL naming the
 * netlist (or the net's file:line:col). */
int aimc_cli_sim_input(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d, const double *x,
                       int len, aimc_sim_result *r);
void aimc_cli_sim_print(aimc_engine *e, const aimc_sim_result *r);
/* The inference's energy: the instances' and r's static and buffer rows. */
double aimc_cli_sim_energy_total(aimc_engine *e, const aimc_sim_result *r);
/* The result as JSON (schema aimc.sim/1), written atomically. */
int aimc_cli_sim_write_json(aimc_ctx *ctx, aimc_engine *e, const aimc_sim_result *r,
                            const char *netlist, const char *input, const char *path);

#endif
