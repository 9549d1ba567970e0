/* One crossbar array as a SPICE deck, and ngspice's answer read back: the
 * independent circuit-level check of the array model (aimc/xbar.h).
 *
 * The deck (`aimc spice`, models/xbar_spice.c) holds the array exactly as
 * the nodal IR solver sees it: row i driven by a DC source `vd<i>` at its
 * left end, every row and column split into one wire resistor of r_wire
 * per cell segment, device (i, j) a resistor of 1/G between its row and
 * column nodes (G <= 0: left open), and every column ending below the last
 * row in a 0 V source `vs<j>` (a virtual ground whose current is the
 * column current). With r_wire = 0 the wires are merged into their driver
 * and sense nodes. The optional .control block runs an operating point and
 * writes an ASCII raw file and/or prints the column currents and the power
 * the drivers deliver, so `ngspice -b deck.cir` runs as it is. */
#ifndef AIMC_SPICE_H
#define AIMC_SPICE_H

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double r_wire_Ohm;    /* per cell segment; 0: ideal wires            */
  const char *title;    /* first line of the deck (NULL: a default)    */
  const char *raw_path; /* non-NULL: .control writes this raw file     */
  int print;            /* 1: .control prints currents and power       */
} aimc_spice_opts;

/* Writes the deck of a rows x cols array with conductances g_S (row-major,
 * S) and row voltages v_V to `path`, atomically. Errors: AIMC_ERANGE for a
 * bad shape or a non-finite value, AIMC_EIO naming the path. */
int aimc_spice_write(aimc_ctx *ctx, const char *path, int rows, int cols,
                     const double *g_S, const double *v_V,
                     const aimc_spice_opts *o);

/* Runs `ngspice -b deck` with its output in log_path. Errors: AIMC_ENOTFOUND
 * when ngspice is not installed (the Debian package `ngspice`, installed
 * by scripts/setup.sh), AIMC_EIO when it fails (see the log). */
int aimc_spice_run(aimc_ctx *ctx, const char *deck, const char *log_path);

/* Reads the operating point of an ASCII raw file written by a deck of
 * aimc_spice_write: the column currents i_col_A[cols] (into each sense)
 * and the currents i_row_A[rows] each driver delivers (may be NULL).
 * Errors (AIMC_EPARSE, AIMC_EIO) name the file and, for values, the line. */
int aimc_spice_read_op(aimc_ctx *ctx, const char *raw_path, int rows, int cols,
                       double *i_col_A, double *i_row_A);

#ifdef __cplusplus
}
#endif
#endif
