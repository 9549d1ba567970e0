/* Design-space sweeps: a spec (grid, list or random sample over named
 * settings, several seeds per point) expands into runs; each run is one call
 * of an evaluator (map -> program -> run, or a synthetic stand-in); every
 * finished run is committed atomically to its own file, so an interrupted
 * sweep resumes without redoing or losing anything; the runs aggregate into
 * one results table (mean and std over seeds) written as CSV and JSON.
 * Runs spread over local worker processes and, under mpirun, over MPI ranks;
 * the table does not depend on how the runs were spread. */
#ifndef AIMC_SWEEP_H
#define AIMC_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The metrics of one run (X-macro: name, unit symbol, description). An
 * evaluator fills those it knows; the others stay NaN and print as empty
 * CSV cells / JSON null. Energies are per inference except programming. */
#define AIMC_SWEEP_METRICS(X)                                             \
  X(accuracy, "", "test accuracy on the simulated hardware (fraction)")   \
  X(accuracy_float, "", "test accuracy of the float model (fraction)")    \
  X(accuracy_quant, "", "test accuracy of the quantized digital model")   \
  X(energy_J, "J", "energy per inference, all components")                \
  X(e_dac_J, "J", "DAC energy per inference")                             \
  X(e_array_J, "J", "crossbar read energy per inference")                 \
  X(e_tia_J, "J", "TIA / sense energy per inference")                     \
  X(e_adc_J, "J", "ADC energy per inference")                             \
  X(e_register_J, "J", "state register energy per inference")             \
  X(e_digital_J, "J", "digital (accumulate, scale) energy per inference") \
  X(e_buffer_J, "J", "buffer (SRAM) energy per inference")                \
  X(e_static_J, "J", "static (leakage) energy per inference")             \
  X(latency_s, "s", "latency of one inference")                           \
  X(throughput_inf_s, "1/s", "inferences per second")                     \
  X(n_arrays, "", "number of crossbar arrays (tiles)")                    \
  X(n_devices, "", "number of memristive devices")                        \
  X(n_dac, "", "number of DACs")                                          \
  X(n_adc, "", "number of ADCs")                                          \
  X(program_time_s, "s", "time to program all devices")                   \
  X(program_energy_J, "J", "energy to program all devices")

typedef enum {
#define AIMC_SWEEP_X_(name, unit, doc) AIMC_SWEEP_M_##name,
  AIMC_SWEEP_METRICS(AIMC_SWEEP_X_)
#undef AIMC_SWEEP_X_
      AIMC_SWEEP_N_METRICS
} aimc_sweep_metric;

/* Name ("energy_J"), unit symbol ("J", "" if none) and description of a
 * metric; NULL for an index out of range. */
const char *aimc_sweep_metric_name(int m);
const char *aimc_sweep_metric_unit(int m);
const char *aimc_sweep_metric_doc(int m);
/* Index of a metric by name, or -1. */
int aimc_sweep_metric_find(const char *name);

/* ---- The spec ---------------------------------------------------------- */

typedef enum {
  AIMC_SWEEP_GRID,  /* Cartesian product; the first axis varies slowest  */
  AIMC_SWEEP_LIST,  /* explicit points, in the order given              */
  AIMC_SWEEP_RANDOM /* n points, each axis drawn independently          */
} aimc_sweep_mode;

typedef struct aimc_sweep_spec aimc_sweep_spec;

/* Loads a YAML sweep spec (format in docs/sweep.md):
 *   name: array_size            evaluator: pipeline | synthetic
 *   seed: 1                     seeds: 3   (runs per point)
 *   base: {key: value, ...}     settings shared by every point
 *   grid: {key: [v, ...], ...}  or  list: [{key: v, ...}, ...]
 *   or random: {n: 20, key: [v, ...] | {min: a, max: b, log: bool}, ...}
 * Values stay text (with their units, e.g. "5uS"); the evaluator reads
 * them. Relative paths in values are the evaluator's business; the spec
 * records its own directory (aimc_sweep_spec_dir). Errors carry
 * file:line:col (AIMC_EPARSE, AIMC_EINVAL, AIMC_ERANGE). */
int aimc_sweep_spec_load(aimc_ctx *ctx, const char *path,
                         aimc_sweep_spec **out);
int aimc_sweep_spec_parse(aimc_ctx *ctx, const char *name, const char *text,
                          aimc_sweep_spec **out);

/* Building a spec in code (what the YAML loader does). The spec copies every
 * string. A setting given both in base and as an axis takes the axis value.
 * Random axes with a range draw uniformly (log-uniformly if `log`), integers
 * when both bounds are integers without a unit. */
aimc_sweep_spec *aimc_sweep_spec_alloc(aimc_ctx *ctx, const char *name);
void aimc_sweep_spec_free(aimc_ctx *ctx, aimc_sweep_spec *spec);
int aimc_sweep_spec_set_base(aimc_ctx *ctx, aimc_sweep_spec *spec,
                             const char *key, const char *value);
int aimc_sweep_spec_add_axis(aimc_ctx *ctx, aimc_sweep_spec *spec,
                             const char *key, size_t n,
                             const char *const *values);
int aimc_sweep_spec_add_range(aimc_ctx *ctx, aimc_sweep_spec *spec,
                              const char *key, const char *min, const char *max,
                              int log);
/* LIST mode: appends one point; keys[i] = values[i] for i < n. Keys absent
 * from a point take their base value (an error at expansion if none). */
int aimc_sweep_spec_add_point(aimc_ctx *ctx, aimc_sweep_spec *spec, size_t n,
                              const char *const *keys,
                              const char *const *values);
/* n_random is used by RANDOM mode only. */
void aimc_sweep_spec_set_mode(aimc_sweep_spec *spec, aimc_sweep_mode mode,
                              size_t n_random);
void aimc_sweep_spec_set_seeds(aimc_sweep_spec *spec, uint64_t seed,
                               unsigned n_seeds);
int aimc_sweep_spec_set_evaluator(aimc_ctx *ctx, aimc_sweep_spec *spec,
                                  const char *name);
/* Directory relative paths in values are resolved against ("" = cwd). */
int aimc_sweep_spec_set_dir(aimc_ctx *ctx, aimc_sweep_spec *spec,
                            const char *dir);

/* Expands the axes into points; must be called after building and before
 * the accessors below (the loaders call it). Deterministic: random points
 * depend only on the spec's seed. */
int aimc_sweep_spec_expand(aimc_ctx *ctx, aimc_sweep_spec *spec);

const char *aimc_sweep_spec_name(const aimc_sweep_spec *spec);
const char *aimc_sweep_spec_evaluator(const aimc_sweep_spec *spec);
const char *aimc_sweep_spec_dir(const aimc_sweep_spec *spec);
aimc_sweep_mode aimc_sweep_spec_mode(const aimc_sweep_spec *spec);
uint64_t aimc_sweep_spec_seed(const aimc_sweep_spec *spec);
unsigned aimc_sweep_spec_n_seeds(const aimc_sweep_spec *spec);
size_t aimc_sweep_spec_n_points(const aimc_sweep_spec *spec);
/* Settings: the base keys then the axis keys (each once). The varied keys
 * (axes, or keys of list points) come first in table order. */
size_t aimc_sweep_spec_n_keys(const aimc_sweep_spec *spec);
const char *aimc_sweep_spec_key(const aimc_sweep_spec *spec, size_t k);
/* 1 if key k varies over the points (an axis), 0 if it is a base value. */
int aimc_sweep_spec_key_varies(const aimc_sweep_spec *spec, size_t k);
/* Value of key k at point i. */
const char *aimc_sweep_spec_value(const aimc_sweep_spec *spec, size_t i,
                                  size_t k);
/* A stable hash of everything that determines the runs (settings of every
 * point, seeds, evaluator): a results directory belongs to one hash. */
uint64_t aimc_sweep_spec_hash(const aimc_sweep_spec *spec);

/* ---- Points, results, evaluators ---------------------------------------- */

/* What an evaluator sees: one point of the spec and one seed. */
typedef struct {
  const aimc_sweep_spec *spec;
  size_t index;        /* point index                                   */
  unsigned seed_index; /* 0 .. n_seeds-1                                */
  uint64_t seed;       /* the run's seed (the evaluator's ctx is seeded
                          with it too): aimc_seed_derive(spec seed,
                          seed_index), the same for every point, so points
                          are compared under common random numbers        */
  void *state;         /* what the evaluator's prepare made (or NULL)     */
} aimc_sweep_point;

/* The value of a setting at this point, or NULL if the spec lacks it. */
const char *aimc_sweep_point_get(const aimc_sweep_point *pt, const char *key);

typedef struct {
  double m[AIMC_SWEEP_N_METRICS]; /* NaN = not measured */
} aimc_sweep_result;

typedef struct {
  const char *name;
  const char *summary;
  /* Optional: validates the spec's settings before any run starts, so a
   * bad key or value is a config error (exit 2), not n failed runs. */
  int (*check)(aimc_ctx *ctx, const aimc_sweep_spec *spec);
  /* Evaluates one run; res arrives all NaN. ctx is the run's own context,
   * seeded with pt->seed. Returns an aimc status. */
  int (*eval)(aimc_ctx *ctx, const aimc_sweep_point *pt,
              aimc_sweep_result *res);
  /* Optional: loads what many runs share (models, data sets) once per
   * process before the runs start; forked workers inherit it, so runs
   * only read it (pt->state). release frees it (state may be NULL). */
  int (*prepare)(aimc_ctx *ctx, const aimc_sweep_spec *spec, void **state);
  void (*release)(aimc_ctx *ctx, void *state);
} aimc_sweep_evaluator;

/* The built-in evaluators: "pipeline" (map -> program -> run through the
 * inference API) and "synthetic" (a cheap analytic stand-in with the same
 * trends, for tests and demos; docs/sweep.md gives its formulas). NULL if
 * unknown. aimc_sweep_evaluator_at(i) lists them (NULL past the end). */
const aimc_sweep_evaluator *aimc_sweep_evaluator_find(const char *name);
const aimc_sweep_evaluator *aimc_sweep_evaluator_at(size_t i);

/* ---- Running --------------------------------------------------------------
 */

typedef struct {
  const char *out_dir; /* results directory (created)                      */
  /* Local parallelism: 0 runs every evaluation in this process; k >= 1
   * forks one worker process per run, at most k at a time (a crash or a
   * leak in one run cannot touch the others, and each run gets a fresh
   * process, which one-simulation-per-process backends need). */
  int jobs;
  /* Evaluator; NULL takes aimc_sweep_evaluator_find(spec's evaluator). */
  const aimc_sweep_evaluator *evaluator;
  /* Called in the calling process after each committed run (may be NULL);
   * done counts the runs finished in this session on this rank. */
  void (*progress)(void *user, size_t done, size_t todo);
  void *progress_user;
  /* When *stop becomes non-zero (e.g. from a SIGINT handler), no new runs
   * start; running ones finish and commit. May be NULL. */
  volatile sig_atomic_t *stop;
  /* Stop after this many new runs in this session (0: no limit); lets
   * tests interrupt a sweep at an exact place. */
  size_t max_runs;
} aimc_sweep_opts;

typedef struct {
  size_t n_runs;        /* points x seeds                                  */
  size_t n_done_before; /* already committed when this session started     */
  size_t n_done_now;    /* committed by this session (all ranks)           */
  size_t n_failed;      /* runs whose evaluator failed (not committed)     */
  int complete;         /* every run committed; the table is final         */
} aimc_sweep_stats;

/* Runs every run of the spec not yet committed in opts->out_dir, then
 * writes the table (results.csv, results.json) and manifest.json there.
 * Layout: runs/p<point>_s<seed>.json (one per finished run, written
 * atomically); stale temporary files of a killed session are removed.
 * A directory holding another spec's runs (different hash) is refused
 * (AIMC_EINVAL) rather than mixed or overwritten. Under MPI (MPI_Init done
 * by the caller) the pending runs are dealt round-robin over the ranks and
 * rank 0 writes the table; every rank must call this. Returns AIMC_OK when
 * no run failed (interrupted sweeps included: stats->complete says), or
 * AIMC_EFAIL when some run failed (the message names the first). */
int aimc_sweep_run(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                   const aimc_sweep_opts *opts, aimc_sweep_stats *stats);

/* Writes the table of every run committed in out_dir (rank 0's job; called
 * by aimc_sweep_run). Points with no committed run are left out. Rows are
 * in point order and numbers print with full round-trip precision, so the
 * table is byte-identical however the runs were spread. */
int aimc_sweep_write_table(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                           const char *out_dir);

#ifdef __cplusplus
}
#endif
#endif
