/* The workspace of a batched inference (run.c) and the converter views of
 * its matrices (convert.c): shared by the two files of the runner, not
 * outside sim/infer. */
#ifndef AIMC_INFER_RUN_WS_H
#define AIMC_INFER_RUN_WS_H

#include "aimc/kernel.h"
#include "aimc/s4d_digital.h"
#include "aimc/xbar_read.h"
#include "infer_internal.h"

/* Scratch of one layer's read, kept from its DAC to its periphery stage:
 * one set per layer when layers overlap in time (pipelined), else one set
 * shared by all. */
typedef struct {
  double *in, *in2;   /* DAC values of a read (in2: B's input)           */
  double *out;        /* converted outputs (2 big: in the separate form */
                      /* B's right after A's, [A x; B u], the state     */
                      /* sum's input)                                   */
  double *y;          /* the layer's output (h)                          */
} layer_buf;

/* A lone sequence's ADC conversions of one matrix's read side by side
 * across its tiles (read_across.c). */
typedef struct run_across run_across;

/* Converter view of one matrix: the calibration of its rows (DACs) and
 * columns (ADCs), the full scale and resolution each channel needs to
 * carry the model's quantized values (the quantizer of what it carries:
 * state, input or output); the quantizer applied digitally after partial
 * sums are added; the array slots holding the matrix and their tiles,
 * whose dac and adc models convert (aimc/model.h, eval_batch). */
typedef struct {
  double *dac_fs, *adc_fs;  /* n_in, n_out full scales                 */
  int *dac_bits, *adc_bits; /* n_in, n_out resolutions (0: exact)      */
  int calibrated;           /* 0: dense layers, converters exact      */
  unsigned char *on_grid;   /* n_in: the row carries words already on  */
                            /* its calibration's grid (the state)      */
  aimc_quant post;          /* bits 0: none                           */
  const aimc_map_slot **slots;
  int *slot_tile;           /* the array (tile) of each slot          */
  aimc_xbar_plan **plans;   /* each slot's read (aimc/xbar_read.h)    */
  double **amps;            /* each slot's columns: amperes per unit   */
                            /* of their value (the TIAs' scale)        */
  void **prep;              /* each slot's converters' constants       */
                            /* (aimc/model.h, prepare): [slot * parts  */
                            /* + part], NULL where the model has none  */
  int n_slots;
  int exclusive;            /* every column read from exactly one slot */
  run_across *across;       /* a lone sequence's ADCs converting side  */
                            /* by side, or NULL: slot by slot          */
} mat_view;

typedef struct {
  const aimc_s4d_model *mdl;
  const aimc_hw *hw;
  const aimc_mapping *m;
  mat_view *mv;             /* per matrix                              */
  int *ssm, *ssm_b, *ssm_cd, *mix; /* matrix index per layer, -1 none */
  int enc, dec;
  size_t *st_off;           /* per layer: offset of its state          */
  /* The batch: nb sequences in bp lanes (nb rounded up to LANES). Every
   * buffer below holds bp values per element. */
  int nb, bp, bp_max;
  size_t big;               /* elements of the scratch buffers          */
  double *state;            /* x^ of every layer                       */
  layer_buf *lb;            /* per layer (aliases when not pipelined)  */
  double *lb_mem;           /* their memory                            */
  size_t lb_size;           /* doubles of it                           */
  double *read_tmp;         /* scratch of the array reads              */
  double *layer_in;         /* layers x h: raw input at this read      */
  double *layer_next;       /* pipelined: what this step writes for the */
                            /* next (== layer_in when not pipelined)   */
  double *prev_in;          /* layers x h: raw input one read earlier  */
  double *z, *o;            /* 2h each: the mix's result; [its (gated) */
                            /* half; the residual]                     */
  double *pool;             /* 2h + 1: [the last layer's output; the   */
                            /* running sum; the step count]            */
  double *logits;           /* n_out                                   */
  /* The digital periphery (aimc/s4d_digital.h): the evaluation of each
   * instance of the mapping (its params, the model's weights it names),
   * found by role and layer through dig_at. */
  aimc_eval *dig;           /* per m->periph                           */
  aimc_s4d_digital_weights *dig_w; /* per m->periph                    */
  int *dig_at;              /* [role * (layers + 1) + layer + 1]: the  */
                            /* instance's index, -1 none               */
  double *part;             /* a slot's columns when partial sums add  */
  double *part_var;         /* a slot's read-noise variance, undrawn   */
  double *drive;            /* a slot's row drive after its DACs       */
  unsigned char *dac_exact; /* per array: its DACs at their calibration */
  unsigned char *tia_on;    /* per array: its TIAs change the signal   */
  unsigned char *hold_on;   /* per array: its register re-quantizes    */
  void **part_state;        /* per array and part: the static state its */
                            /* model's eval reads (eval_state_*), or NULL */
  aimc_lanes lanes;         /* the batch's lanes for the models' evals */
  /* The noise streams: one per (array, part) and lane, the stream of
   * that part's netlist instance for the lane's sample (aimc_seed_noise,
   * as the event kernel seeds it): [(k * AIMC_TILE_PARTS + p) * bp_max + b]. */
  aimc_xs128p *noise;
  uint64_t *noise_key;      /* per (array, part): hash of its name     */
  uint64_t run_seed;
  uint64_t *bits;           /* one random word per lane                */
  double *z01;              /* one standard normal deviate per lane    */
  /* The event schedule: a step event every period, then a chain of stage
   * events per layer, the first at the layer's offset inside the step. */
  aimc_kernel *k;
  uint32_t handler;
  aimc_time period_fs, dec_fs;
  aimc_time *offset_fs;     /* layers: start of layer l's read in a step */
  aimc_stage *stages;       /* layers x AIMC_STAGES_MAX                  */
  int *n_stages;            /* per layer                                 */
  const double *x;          /* the batch's sequences: [t][n_in][bp]    */
  int len, n_steps, lag;    /* lag: the single form's output lag       */
  int enc_lag, layer_lag;   /* the wavefront (aimc_infer_wavefront)    */
  uint64_t events;          /* kernel events delivered                 */
  aimc_time t_end_fs;       /* simulated time of the last inference    */
  aimc_infer_trace *trace;  /* this batch's events, or NULL            */
  int trace_lane;           /* the traced sequence in the batch        */
} run_ws;

/* The converter view of matrix mi: its calibration, its slots and their
 * read plans, the TIAs' column scales and the prepared constants of each
 * slot's converters (needs the tile parts' static states first). */
int aimc_infer_view_init(aimc_ctx *ctx, run_ws *w, int mi);
/* The static state of every tile part whose model keeps one (a DAC's
 * mismatch), drawn once per run. */
int aimc_infer_part_states_init(aimc_ctx *ctx, run_ws *w);
/* Which rows already carry words on their DAC's grid, which tiles' DACs
 * convert exactly and which tiles' TIAs act (after the views). */
int aimc_infer_grid_init(aimc_ctx *ctx, run_ws *w);
/* Frees what the three above made (and the views' run_across). */
void aimc_infer_views_free(aimc_ctx *ctx, run_ws *w);
/* Matrix mi's run_across when a lone sequence's read converts its
 * tiles' ADCs side by side (bp_max 1, two tiles or more sharing one ADC
 * model with eval_across; after the grid), else none. */
int aimc_infer_across_init(aimc_ctx *ctx, run_ws *w, int mi);
void aimc_infer_across_free(aimc_ctx *ctx, run_across *x);
/* aimc_infer_array_read of a matrix with a run_across (read_across.c):
 * every slot's rows and columns, then the ADCs side by side. */
int aimc_infer_across_read(run_ws *w, int mi, const double *in, double *out);

/* The stages of one slot's read, for both reads: its rows through its
 * tile's DACs (*rows: drive, or in's rows where the matrix has no
 * converters), whether its TIAs act, whether its read noise is left to
 * them (or the ADCs) as a variance, and its columns through the TIAs or
 * ADCs (part p) in place, with that variance (or NULL). */
int aimc_infer_slot_drive(run_ws *w, const mat_view *v, int si, const double *in,
                          double *drive, const double **rows);
int aimc_infer_slot_tia(const run_ws *w, const mat_view *v, int si);
int aimc_infer_slot_var(const run_ws *w, const mat_view *v, int si);
int aimc_infer_slot_convert(run_ws *w, const mat_view *v, int si, aimc_tile_part p, double *col,
                            const double *var);
/* The batch's lanes with the noise streams of array k's part p. */
aimc_lanes aimc_infer_part_lanes(const run_ws *w, int k, aimc_tile_part p);
/* One read of every array holding matrix mi, for the whole batch: each
 * slot's rows through its tile's DACs, the crossbar's sums with read
 * noise, the tile's TIAs and ADCs; partial sums of a column split over
 * tiles added. */
int aimc_infer_array_read(run_ws *w, int mi, const double *in, double *out);
/* The words of matrix mi's outputs (buf, the whole batch) through the
 * registers of the tiles that hold them: a register with a range
 * re-quantizes its words (bits over range); range 0 keeps them. */
int aimc_infer_hold(run_ws *w, int mi, double *buf);

#endif
