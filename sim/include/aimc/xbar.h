/* A functional crossbar: an R x C array of cells of one device model
 * (aimc/device.h), programmed through the controllers of aimc/program.h
 * and read as an analog matrix-vector product.
 *
 * Read: row voltages v[i] (V) give column currents
 *   I[j] = sum_i v[i] * G_eff[i][j]   (one BLAS dgemv),
 * where G_eff is the cell conductance, optionally lowered by a first-order
 * IR-drop estimate: each cell sees in series the wire segments between it
 * and its row driver and column sense amplifier,
 *   G_eff = G / (1 + G r_wire ((j + 1) + (R - i))),
 * which ignores current sharing between cells (accurate while the total
 * wire resistance is small against 1/G). The nodal solver instead solves
 * the whole row/column wire network exactly (models/xbar_nodal.c; the
 * network `aimc spice` exports, checked against ngspice by
 * testbench/models/test_spice.c) and caches the resulting G_eff, so a
 * read still costs one dgemv. Read noise, when on, is the exact
 * column sum of independent relative cell noises: a Gaussian with variance
 * sigma_read^2 sum_i v[i]^2 G_eff[i][j]^2 (a second dgemv), so a read
 * draws only C numbers. Energy of a read: t_read sum_i v[i]^2 sum_j G_eff
 * (first order), or t_read v^T Y v with the exact input admittance Y of
 * the wire network (nodal: the drivers' supply power, wires included).
 *
 * The conductance matrices are cached; after changing cells through
 * aimc_xbar_cell call aimc_xbar_refresh. Functions that change cells
 * through this API refresh by themselves. The effective matrices are
 * rebuilt at the first read after a change; reads never allocate except
 * that rebuild with the nodal solver (call aimc_xbar_set_ir after
 * programming to solve up front and see its errors).
 *
 * Target files (written by the mapper): CSV, `rows` lines of `cols`
 * comma-separated conductances in S; blank lines and lines starting with
 * '#' are skipped. */
#ifndef AIMC_XBAR_H
#define AIMC_XBAR_H

#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/device.h"
#include "aimc/model.h"
#include "aimc/program.h"
#include "aimc/program_nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_xbar aimc_xbar;

/* The programming modes, one list: X(NAME, key). Their values are their
 * positions, in aimc_xbar_prog_mode and in aimc_prog_mode (map.h):
 * IDEAL cells set exactly to their targets; GAUSSIAN target + N(0,
 * sigma_g_S), clipped; WRITE_VERIFY aimc_wv per cell; ONE_SHOT the fitted
 * inverse, one pulse per cell; ONE_SHOT_NN the neural inverse
 * (aimc/program_nn.h), one pulse per cell; HYBRID a neural shot, then at
 * most hybrid_k verify pulses. */
#define AIMC_PROG_MODES(X)                                                      \
  X(IDEAL, "ideal") X(GAUSSIAN, "gaussian") X(WRITE_VERIFY, "write_verify")     \
  X(ONE_SHOT, "one_shot") X(ONE_SHOT_NN, "one_shot_nn") X(HYBRID, "hybrid")
#define AIMC_XBAR_PROG_ENUM_(name, key) AIMC_XBAR_PROG_##name,
typedef enum { AIMC_PROG_MODES(AIMC_XBAR_PROG_ENUM_) AIMC_XBAR_PROG_COUNT } aimc_xbar_prog_mode;
#undef AIMC_XBAR_PROG_ENUM_
/* Their keys, in order, NULL-terminated (the choices of the `program`
 * and `programming.mode` parameters). */
extern const char *const aimc_prog_mode_keys[];
/* 1 when the mode programs through the device model (write-verify and the
 * one-shot controllers), 0 for ideal and gaussian. */
int aimc_prog_mode_by_devices(int mode);
/* 1 when the mode needs a neural inverse (aimc/program_nn.h). */
int aimc_prog_mode_needs_nn(int mode);
/* The neural inverse mode needs (*out NULL when it needs none): loaded
 * from nn_file and checked against dev; `who` names the array in the
 * messages (AIMC_EINVAL when the mode needs a file and none is given). */
int aimc_prog_mode_nn(aimc_ctx *ctx, int mode, const char *nn_file, const aimc_device *dev,
                      const char *who, aimc_nninv **out);

typedef struct {
  int mode;            /* aimc_xbar_prog_mode                       */
  double sigma_g_S;    /* GAUSSIAN                                  */
  /* IDEAL, GAUSSIAN: rows*cols flags, row-major (borrowed): 0 leaves the
   * cell unpulsed, holding its target exactly (a structural zero of an
   * exact-zeros mapping, a cell no weight uses); NULL pulses every cell.
   * The device modes run every healthy cell through their controller. */
  const unsigned char *pulsed;
  aimc_wv_params wv;   /* WRITE_VERIFY; tol_S also for ONE_SHOT     */
  int oneshot_samples; /* ONE_SHOT: pulses per polarity for the fit */
  const aimc_nninv *nn; /* ONE_SHOT_NN, HYBRID: the network (borrowed;
                           trained for this device card)            */
  int hybrid_k;         /* HYBRID: verify pulse budget (default 20)  */
  int hybrid_verify;    /* HYBRID: aimc_hybrid_verify (default NN)   */
} aimc_xbar_prog_opts;

/* Defaults: ideal, sigma 0, write-verify table defaults, 4000 samples. */
void aimc_xbar_prog_defaults(aimc_xbar_prog_opts *o);

/* Totals over all cells of one programming pass. */
typedef struct {
  long cells;     /* cells programmed                              */
  long converged; /* |G - target| <= tol at the end                */
  long stuck;     /* stuck cells (left as they are)                */
  long pulses, reads;
  double e_J, t_s;  /* summed over cells (serial programming time)   */
  double rms_err_S; /* RMS of G - target over non-stuck cells        */
  double max_err_S; /* largest |G - target| over non-stuck cells     */
  long hist[8];     /* pulses per cell: 0, 1, 2-3, 4-7, ..., >= 64   */
} aimc_prog_totals;

/* How the IR drop of the wires is computed. */
typedef enum {
  AIMC_XBAR_IR_FIRST_ORDER = 0, /* series wire per cell, no sharing     */
  AIMC_XBAR_IR_NODAL = 1        /* exact DC solution of the wire network */
} aimc_xbar_ir_solver;

/* Read options. */
typedef struct {
  double r_wire_Ohm; /* wire resistance per cell segment (0: no IR drop) */
  int read_noise;    /* 1: add the device's read noise                   */
  double t_read_s;   /* integration time for the read energy             */
} aimc_xbar_read_opts;

/* The two random streams of one array, keyed by its crossbar instance's
 * name (e.g. "l0_ssm_3.xbar") under the run's seed, as the engine keys an
 * instance's own stream (aimc/engine.h): `aimc run` (for array k, the
 * instance of tile k) and the crossbar event model draw the same cells and
 * the same programming. cells: device-to-device variation and stuck
 * faults (aimc_xbar_alloc / _place, cell by cell, row-major); program:
 * the programming pass (aimc_xbar_program). Both taus2, apart from the
 * instance's read stream. Holds its own state: do not copy it. */
typedef struct {
  gsl_rng cells, program;
  unsigned long state_[2][8];
} aimc_xbar_streams;
void aimc_xbar_streams_init(aimc_xbar_streams *s, uint64_t seed, const char *name);

/* An R x C array of fresh cells of `dev` (copied), with device-to-device
 * variation and stuck faults drawn from rng (NULL: nominal cells). Targets
 * start at each cell's initial conductance. */
int aimc_xbar_alloc(aimc_ctx *ctx, const aimc_device *dev, int rows, int cols,
                    gsl_rng *rng, aimc_xbar **out);
void aimc_xbar_free(aimc_xbar *x);
/* The same in caller-owned memory: aimc_xbar_bytes(dev, rows, cols) bytes
 * (0 for a bad shape), suitably aligned (malloc alignment); the array
 * lives in that block and needs no free (aimc_xbar_free ignores it). Used
 * by the crossbar event model with aimc_inst_alloc. */
size_t aimc_xbar_bytes(const aimc_device *dev, int rows, int cols);
aimc_xbar *aimc_xbar_place(aimc_ctx *ctx, void *mem, const aimc_device *dev,
                           int rows, int cols, gsl_rng *rng);

int aimc_xbar_rows(const aimc_xbar *x);
int aimc_xbar_cols(const aimc_xbar *x);
const aimc_device *aimc_xbar_device(const aimc_xbar *x);

/* Per-cell access (row-major). The cell block is the device model's state;
 * call aimc_xbar_refresh after changing it directly. */
void *aimc_xbar_cell(aimc_xbar *x, int row, int col);
double aimc_xbar_g(const aimc_xbar *x, int row, int col);
void aimc_xbar_set_g(aimc_xbar *x, int row, int col, double g_S);
void aimc_xbar_refresh(aimc_xbar *x);
/* The cached conductance matrix (rows x cols, row-major, S; no IR drop). */
const double *aimc_xbar_gmatrix(const aimc_xbar *x);

/* Targets: rows x cols in S (copied). */
int aimc_xbar_set_targets(aimc_xbar *x, const double *g_S);
const double *aimc_xbar_targets(const aimc_xbar *x);
/* Reads a target CSV (format above); shape and value errors name the file,
 * line and column. */
int aimc_xbar_load_targets(aimc_xbar *x, const char *path);
/* The same into g[rows * cols], without a crossbar. */
int aimc_xbar_read_targets(aimc_ctx *ctx, const char *path, int rows, int cols, double *g);
/* Programs every cell to its target: the one programming of an array, for
 * `aimc run` and the crossbar event model alike (docs/mapping.md). Stuck
 * cells keep what their device gives them and draw nothing. IDEAL and
 * GAUSSIAN program values, not device states (they model the outcome, not
 * the pulses): a pulsed healthy cell holds target + N(0, sigma_g_S)
 * clipped to the device's window (aimc_device_window: the card with its
 * device_set), drawn from rng cell by cell in row-major order; IDEAL and
 * unpulsed cells hold their target exactly. The array then reads, dumps
 * and ages those values (aimc_xbar_age_value). The device modes leave the
 * cells' own states, drawn from rng row-major as the controllers go. rng
 * NULL: no programming noise. ONE_SHOT fits the inverse model first
 * (allocates; the only allocation here). ONE_SHOT_NN / HYBRID: AIMC_EINVAL
 * without a network or when it was trained for another card
 * (aimc_nninv_check_device). */
int aimc_xbar_program(aimc_xbar *x, const aimc_xbar_prog_opts *o, gsl_rng *rng,
                      aimc_prog_totals *tot);

/* Column currents i_A[cols] for row voltages v_V[rows]; the energy (J) of
 * the read is added to *e_J when e_J is not NULL. */
void aimc_xbar_mvm(aimc_xbar *x, const double *v_V, double *i_A,
                   const aimc_xbar_read_opts *o, gsl_rng *rng, double *e_J);

/* Chooses the array's IR solver (aimc_xbar_ir_solver; a new array uses
 * first order) and builds the effective matrices for wire resistance
 * r_wire_Ohm (0: none) now, so later reads with that resistance do no
 * work. Errors: AIMC_ERANGE (unknown solver, no convergence), AIMC_ENOMEM;
 * the array then reads with the first-order estimate. */
int aimc_xbar_set_ir(aimc_xbar *x, int solver, double r_wire_Ohm);
/* The effective conductance matrix (rows x cols, row-major, S) a read with
 * wire resistance r_wire_Ohm uses (built if stale). */
const double *aimc_xbar_geff(aimc_xbar *x, double r_wire_Ohm);
/* Power (W) the row drivers deliver at row voltages v_V with the settings
 * of the last read (the read energy is this times t_read). */
double aimc_xbar_read_power(aimc_xbar *x, const double *v_V);

/* The IR-drop models on their own, for any conductance matrix g_S (rows x
 * cols, row-major, S) with wire resistance r_wire_Ohm per cell segment,
 * rows driven at column 0's side and columns sensed below the last row.
 * First order: g_eff = g / (1 + g r_wire ((j + 1) + (rows - i))).
 * Nodal: the exact network; g_eff[i][j] is column j's current per volt on
 * row i, y_S (rows x rows, may be NULL) the input admittance (y_S[k][i]:
 * current into row i's driver per volt on row k); *iters (may be NULL)
 * gets the conjugate-gradient iterations summed over the rows. Needs
 * r_wire_Ohm > 0; allocates 14 rows cols doubles of workspace. Errors:
 * AIMC_ERANGE, AIMC_ENOMEM. */
void aimc_xbar_ir_first_order(int rows, int cols, const double *g_S,
                              double r_wire_Ohm, double *g_eff_S);
int aimc_xbar_ir_nodal(aimc_ctx *ctx, int rows, int cols, const double *g_S,
                       double r_wire_Ohm, double *g_eff_S, double *y_S,
                       int *iters);

/* A programmed value aged dt_s seconds by the card of dev: a nominal cell
 * (no device-to-device spread) set to g_S, aged, read back; cell is
 * scratch of aimc_device_cell_size(dev) bytes. */
double aimc_xbar_age_value(const aimc_device *dev, void *cell, double g_S, double dt_s);
/* Lets dt_s seconds pass on every cell (drift), then refreshes. An array
 * programmed by value (IDEAL, GAUSSIAN) ages its values: each healthy one
 * through a nominal cell of the card set to it (as `aimc run` ages them);
 * stuck cells do not move. */
void aimc_xbar_age(aimc_xbar *x, double dt_s);

/* Writes row,col,g_S,target_S,stuck per cell (CSV with a header),
 * atomically. */
int aimc_xbar_dump(aimc_xbar *x, const char *path);

/* The array of a `crossbar` instance of a running engine (aimc/engine.h),
 * so the mapper and runner can program and inspect it; NULL when inst is
 * not a crossbar. Owned by the instance. */
aimc_xbar *aimc_crossbar_xbar(aimc_inst *inst);
/* Totals of the programming pass the instance ran at init / reset. */
const aimc_prog_totals *aimc_crossbar_prog_totals(aimc_inst *inst);

#ifdef __cplusplus
}
#endif
#endif
