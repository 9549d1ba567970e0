/* Programming a mapping into simulated devices and running inference on
 * it: per time step DAC conversions, one array read per array, sensing,
 * (mux-serialized) ADC conversions, the state register and the digital
 * periphery, with energy per component class and latency in clock cycles.
 * docs/energy-latency.md gives every formula and the JSON schema.
 *
 * Typical use for one design point (what `aimc sweep` does):
 *
 *   aimc_infer_opts o; aimc_infer_opts_defaults(&o);
 *   aimc_infer_result r;
 *   int st = aimc_pipeline_run(ctx, mdl, &arch, ds, &o, &r);
 *   ... r.accuracy, r.e_step_J[...], r.latency_seq_s, r.prog ...
 *   aimc_infer_result_fini(ctx, &r);
 *
 * Determinism: every random draw (programming error, stuck cells, read
 * and ADC noise) comes from substreams of the context seed, so a run is
 * reproducible for a seed, whatever the kernel backend. */
#ifndef AIMC_INFER_H
#define AIMC_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/data.h"
#include "aimc/kernel.h"
#include "aimc/map.h"
#include "aimc/model.h"
#include "aimc/s4d_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Programming                                                         */

/* What programming cost and how well it hit the targets. */
typedef struct {
  uint64_t devices;        /* devices programmed                        */
  uint64_t pulses;         /* pulses applied in total                   */
  double t_s;              /* programming time, arrays in parallel,     */
                           /* devices of one array one after the other  */
  double e_J;              /* programming energy                        */
  double resid_mean_S, resid_rms_S, resid_max_S; /* G - target          */
  uint64_t resid_hist[16]; /* |G - target| histogram, bin width below   */
  double resid_bin_S;
  uint64_t stuck;          /* devices stuck (ni_stuck)                  */
} aimc_prog_stats;

/* A programmed mapping: the conductance each device actually holds, and
 * the effective weights the arrays compute with. Borrows the mapping,
 * which must outlive it. */
typedef struct aimc_hw aimc_hw;

/* Programs every device of every array with arch.prog_mode (IDEAL when
 * arch.ni_prog is off) and applies the static non-idealities (stuck cells,
 * drift to arch.drift_t_s, IR drop). */
int aimc_hw_program(aimc_ctx *ctx, const aimc_mapping *m, aimc_hw **out);
void aimc_hw_free(aimc_ctx *ctx, aimc_hw *hw);
const aimc_prog_stats *aimc_hw_prog_stats(const aimc_hw *hw);
/* Saves / reloads the programmed conductances (binary, CRC-checked, bound
 * to the model hash and to what programming depends on,
 * aimc_arch_program_hash: a file from another model or other array or
 * programming settings is AIMC_EINVAL naming the file), so many runs reuse
 * one programming, also with other read-time settings (read noise, drift,
 * IR drop, converters, timing, energy). */
int aimc_hw_save(aimc_ctx *ctx, const aimc_hw *hw, const char *path);
int aimc_hw_load(aimc_ctx *ctx, const aimc_mapping *m, const char *path,
                 aimc_hw **out);

/* ------------------------------------------------------------------ */
/* Inference                                                           */

typedef struct {
  aimc_kernel_backend backend; /* event kernel backend (default native) */
  aimc_data_split split;       /* which split to run (default TEST)     */
  size_t max_samples;          /* 0: the whole split                    */
  const char *trace_path;      /* CSV of the kernel events of one       */
                               /* inference (time_fs,event,layer,step); */
                               /* NULL: no trace                        */
  size_t trace_sample;         /* which sample of the split to trace    */
  int keep_logits;             /* 1: fill result.logits                 */
  /* Called after every sample (may be NULL): the CLI draws its progress
   * bar here; the library never prints. */
  void (*progress)(void *user, size_t done, size_t total);
  void *progress_user;
} aimc_infer_opts;

void aimc_infer_opts_defaults(aimc_infer_opts *o);

/* Energy of one instance per inference. */
typedef struct {
  char name[64];                /* netlist instance, e.g. "l0_ssm_0.adc" */
  aimc_energy_class eclass;
  double e_J;
} aimc_infer_inst_energy;

typedef struct {
  size_t n_samples, n_classes, length;
  int *pred, *label;            /* n_samples each                       */
  double *logits;               /* n_samples * n_classes, or NULL       */
  double accuracy;              /* share of pred == label               */
  /* Energy per inference (one sequence), J, by class (aimc_energy_class;
   * PROGRAMMING is 0 here: programming is in `prog`), and total. */
  double e_inf_J[AIMC_EC_COUNT_];
  double e_inf_total_J;
  /* Energy per array instance per inference (n_arrays), J. */
  size_t n_arrays;
  double *e_array_J;
  /* Energy per instance per inference: the parts of every tile
   * ("<tile>.dac", ".xbar", ".tia", ".adc", ".hold"), every tile's static
   * power ("<tile>", class static), each instance of the digital
   * periphery (its netlist name, aimc_periph: "encoder", "l0_gelu", ...)
   * and the buffers ("buffer"). They add up to e_inf_total_J. */
  size_t n_inst;
  aimc_infer_inst_energy *inst;
  /* Latency. */
  uint64_t cycles_step;         /* clock cycles of one time step        */
  uint64_t cycles_seq;          /* clock cycles of one inference        */
  double latency_step_s, latency_seq_s;
  double throughput_inf_s;      /* inferences per second (pipelined)    */
  uint64_t ops_inf;             /* ops per inference (1 MAC = 2 ops)    */
  double tops_per_w;            /* ops_inf / e_inf_total_J / 1e12        */
  aimc_map_stats map;           /* counts of the mapping                */
  aimc_prog_stats prog;         /* programming cost                     */
  uint64_t events;              /* kernel events delivered (all samples) */
  aimc_time t_sim_fs;           /* simulated time of one inference on   */
                                /* the kernel (non-pipelined schedule)  */
  double wall_s;                /* simulation wall time                 */
  uint64_t seed;                /* context seed of the run              */
  uint64_t model_hash, arch_hash; /* what was simulated (manifest)      */
  aimc_kernel_backend backend;
} aimc_infer_result;

void aimc_infer_result_fini(aimc_ctx *ctx, aimc_infer_result *r);

/* Runs the split of `ds` through the programmed hardware. The data shape
 * must match the model (n_features == n_in, classes == n_out): otherwise
 * AIMC_ESHAPE naming both, before any work. */
int aimc_infer_run(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                   const aimc_hw *hw, const aimc_dataset *ds,
                   const aimc_infer_opts *o, aimc_infer_result *out);

/* One sequence at a time on a workspace and event kernel kept between
 * calls (traces, streaming, debugging): aimc_infer_session_run runs x
 * (len x n_in, time-major) and writes n_out logits, drawing its noise as
 * sample `sample` of a run does (the numbers aimc_infer_run gives that
 * sample). The session holds mdl and hw by reference. */
typedef struct aimc_infer_session aimc_infer_session;
int aimc_infer_session_open(aimc_ctx *ctx, const aimc_s4d_model *mdl, const aimc_hw *hw,
                            aimc_infer_session **out);
int aimc_infer_session_run(aimc_infer_session *s, const double *x, int len, uint64_t sample,
                           double *logits);
void aimc_infer_session_close(aimc_infer_session *s);

/* Runs one sequence x (len x n_in, time-major) and writes n_out logits:
 * the building block of aimc_infer_run, exposed for the golden test. */
int aimc_infer_sequence(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                        const aimc_hw *hw, const double *x, int len,
                        double *logits);

/* map -> program -> run for one design point. */
int aimc_pipeline_run(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                      const aimc_arch *arch, const aimc_dataset *ds,
                      const aimc_infer_opts *o, aimc_infer_result *out);

/* Results: JSON (schema in docs/energy-latency.md) and CSV of the
 * per-sample predictions; both written atomically. */
int aimc_infer_write_json(aimc_ctx *ctx, const aimc_infer_result *r,
                          const char *path);
int aimc_infer_write_csv(aimc_ctx *ctx, const aimc_infer_result *r,
                         const char *path);
/* Writes the energy per instance as CSV (instance,class,energy_J), one row
 * per entry of r->inst, atomically. */
int aimc_infer_write_energy_csv(aimc_ctx *ctx, const aimc_infer_result *r,
                                const char *path);

#ifdef __cplusplus
}
#endif
#endif
