/* The crossbar's fields, shared by xbar.c (cells, MVM) and
 * xbar_program.c (programming, target files, dumps).
 * Invariants: g[k] is the noiseless conductance of cell k as of the last
 * refresh (by_value: of a healthy cell, the value programmed into it, which
 * refresh keeps; of a stuck one, its device's); when eff_valid, g_eff/g_eff2/row_sum (and y_in when
 * ir_y_valid) derive from g for wire resistance ir_r_wire and solver
 * ir_solver; target has rows*cols entries; all of it is one block. */
#ifndef AIMC_XBAR_INTERNAL_H
#define AIMC_XBAR_INTERNAL_H

#include "aimc/xbar.h"

struct aimc_xbar {
  aimc_ctx *ctx;
  aimc_device *dev; /* own copy of the card, inside the block */
  int owned;        /* 1: made by aimc_xbar_alloc, freed by aimc_xbar_free */
  int rows, cols;
  size_t cell_size;
  void *cells;     /* rows*cols cell blocks, row-major */
  double *g;       /* rows*cols, S */
  double *g_eff;   /* after IR drop */
  double *g_eff2;  /* g_eff squared, for the read-noise variance */
  double *row_sum; /* sum_j g_eff per row, for the read energy */
  double *target;
  double *scratch; /* rows + cols doubles for reads */
  double *y_in;    /* rows x rows input admittance (nodal), S */
  void *spare_cell; /* one cell block of scratch (aimc_xbar_age of values) */
  double read_noise;
  double ir_r_wire;
  int ir_mode;     /* aimc_xbar_ir_solver chosen (aimc_xbar_set_ir) */
  int ir_solver;   /* the one g_eff was built with */
  int eff_valid;   /* 0: g changed since g_eff was built */
  int ir_y_valid;  /* 1: y_in holds the exact input admittance */
  int by_value;    /* 1: programmed IDEAL/GAUSSIAN, g holds values */
};

#endif
