/* Internal state shared by the inference files: the programmed hardware
 * and the per-read cost table. */
#ifndef AIMC_INFER_INTERNAL_H
#define AIMC_INFER_INTERNAL_H

#include <string.h>

#include "aimc/infer.h"
#include "aimc/lanes.h"

struct aimc_hw {
  const aimc_mapping *map;
  double **g_S;     /* per array: rows*cols programmed conductances      */
  unsigned char **stuck; /* per array: rows*cols, 1 for a stuck cell      */
  double **g_aged;  /* per array: rows*cols conductances after the tile's */
                    /* drift_time, aged by the programmed cells          */
                    /* themselves (aimc_xbar_age, as the event crossbar),*/
                    /* or NULL: not programmed here (a loaded programming)*/
  double **w;       /* per matrix: effective weights (block layout), or  */
                    /* NULL entries when exact (the mapping's w is used) */
  aimc_xbar_layout **layout; /* per array: its layout (aimc_map_array_layout) */
  float **nvar;     /* per matrix: read-noise variance factors, or NULL  */
                    /* (single precision: they only scale the noise)     */
  aimc_prog_stats prog;
};

/* Effective weights of matrix mi (the exact ones with ideal devices). */
static inline const double *aimc_hw_weights(const aimc_hw *hw, size_t mi) {
  return hw->w[mi] ? hw->w[mi] : hw->map->mats[mi].w;
}

/* Where the noise stream of array k's part p of a session's lone lane
 * stands after its last run (tests: one stream per instance). */
aimc_xs128p aimc_infer_session_stream(const aimc_infer_session *s, size_t k, aimc_tile_part p);

/* The stages of a layer's work in one step, each one kernel event (for the
 * whole batch): the DACs drive the rows, the array settles, the TIAs sense,
 * the ADCs convert (in rounds when shared), the register takes the state,
 * the digital periphery runs. The arrays of a matrix go through the
 * stages in lockstep (each stage lasts as long as its slowest array). */
typedef enum {
  AIMC_STAGE_DAC = 0,
  AIMC_STAGE_ARRAY,
  AIMC_STAGE_TIA,
  AIMC_STAGE_ADC,
  AIMC_STAGE_REG,
  AIMC_STAGE_PERIPH,
  AIMC_STAGE_KINDS
} aimc_stage_kind;

const char *aimc_stage_name(aimc_stage_kind k);

/* Cost of one read of one array, priced by its tile's parts (op_cost of
 * their models): energy by class and clock cycles of each analog stage. */
typedef struct {
  double e_dac_J, e_array_J, e_tia_J, e_adc_J;
  double e_reg_J;   /* state words of this array written to the register */
  int rows, cols;   /* logical rows driven, columns sensed             */
  int state_words;  /* outputs of this array that are state            */
  uint64_t cycles[AIMC_STAGE_REG]; /* DAC, settle, TIA, ADC rounds      */
  uint64_t reg_cycles; /* register write                               */
  uint64_t macs;
} aimc_read_cost;

/* One stage of a layer: its kind, which read it belongs to (0: the state
 * read, SSM or A and B; 1: the separate form's C/D read) and its length. */
typedef struct {
  aimc_stage_kind kind;
  int read;
  uint64_t cycles;
} aimc_stage;

enum { AIMC_STAGES_MAX = 10 };

/* Fills cost[k] for every array of the mapping (programmed g). */
void aimc_infer_read_costs(const aimc_hw *hw, aimc_read_cost *cost);
/* Clock cycles of a duration, rounded up. */
uint64_t aimc_infer_cycles(const aimc_arch *a, aimc_time t_fs);

/* The stages of layer l (at most AIMC_STAGES_MAX; returns how many), from
 * the read costs; they add up to the layer's cycles (at least 1). */
int aimc_infer_layer_stages(const aimc_s4d_model *mdl, const aimc_hw *hw,
                            const aimc_read_cost *cost, int l, aimc_stage *out);

/* The trace of one inference's events (trace.c): CSV rows, or a VCD for a
 * path ending in .vcd. Stage events carry their length (the VCD shows the
 * stage's wire high for it) and the time index the layer works on;
 * values are the traced sequence's first state value and output of a
 * layer. Close commits the file when ok, else removes it. */
typedef struct aimc_infer_trace aimc_infer_trace;
int aimc_infer_trace_open(aimc_ctx *ctx, const char *path, int layers,
                          aimc_infer_trace **out);
int aimc_infer_trace_step(aimc_infer_trace *t, aimc_time t_fs, int step);
int aimc_infer_trace_stage(aimc_infer_trace *t, aimc_time t_fs, aimc_time dur_fs, int layer,
                           aimc_stage_kind kind, int time_index, int step);
int aimc_infer_trace_values(aimc_infer_trace *t, aimc_time t_fs, int layer, double x0,
                            double y0);
int aimc_infer_trace_close(aimc_infer_trace *t, aimc_time t_end_fs, int ok);

/* The wavefront: at hardware step s, layer l works on input time t = s -
 * enc_lag - l * layer_lag. Steps one after the other (timing.pipeline
 * false): a layer takes what the layer before it wrote earlier in the same
 * step (enc_lag 0, layer_lag = lag: 1 in the single form, whose output
 * lags one read, 0 in the separate form). Pipelined: the encoder and all
 * layers run at once, each on what the stage before it wrote one step
 * earlier (enc_lag 1, layer_lag lag + 1). */
void aimc_infer_wavefront(const aimc_arch *a, int *enc_lag, int *layer_lag);
/* Hardware steps of one inference of len inputs (the pipeline filled and
 * drained). */
int aimc_infer_steps(const aimc_arch *a, int layers, int len);

/* Clock cycles of each stage of a hardware step: the encoder, every
 * layer (array reads, register, periphery), and the decoder. */
void aimc_infer_stage_cycles(const aimc_s4d_model *mdl, const aimc_hw *hw,
                             const aimc_read_cost *cost, uint64_t *c_enc,
                             uint64_t *c_layer, uint64_t *c_dec);

/* Fills energy, latency and op counts of one inference of `len` steps into
 * r (everything except predictions and accuracy). */
int aimc_infer_account(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                       const aimc_hw *hw, int len, aimc_infer_result *r);

#endif
