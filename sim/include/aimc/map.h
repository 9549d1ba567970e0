/* Mapping an exported S4D model (aimc/s4d_model.h) onto crossbar arrays:
 * the architecture description (a YAML file bound through parameter
 * tables), the complex expansion of every mode into a real 2x2
 * rotation-scaling block, the signed-weight split (differential device
 * pairs or +/- input rails), the conductance targets, and the tiling of the
 * resulting matrices onto arrays of R x C devices. docs/mapping.md explains
 * the layout with pictures.
 *
 * Ownership: an aimc_mapping owns everything it points to and is freed with
 * aimc_mapping_free; it borrows nothing from the model or the arch. */
#ifndef AIMC_MAP_H
#define AIMC_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/model.h"
#include "aimc/param.h"
#include "aimc/quant.h"
#include "aimc/s4d_digital.h"
#include "aimc/s4d_model.h"
#include "aimc/units.h"
#include "aimc/xbar.h"
#include "aimc/xbar_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Architecture                                                        */

/* How A, B and C of a kernel element share arrays. SINGLE (IMSSA): one
 * block [A B 0; C 0 D] read once per step with the state fed back and the
 * output lagging one step. SEPARATE: A, B and [C D] on arrays of their own
 * (two dependent array reads per step). */
typedef enum { AIMC_FORM_SINGLE = 0, AIMC_FORM_SEPARATE = 1 } aimc_map_form;

/* How a signed weight becomes two devices. DIFFERENTIAL: a G+ and a G-
 * column per output, currents subtracted (physical cols = 2 x outputs).
 * RAILS: a + and a - row per input driven with +v and -v (physical rows =
 * 2 x inputs). Either way two devices per weight, the idle one at g_min. */
typedef enum { AIMC_SPLIT_DIFFERENTIAL = 0, AIMC_SPLIT_RAILS = 1 } aimc_map_split;

/* Where the dense layers (encoder, mixing, decoder) run. */
typedef enum { AIMC_PLACE_DIGITAL = 0, AIMC_PLACE_CROSSBAR = 1 } aimc_map_place;

/* How targets reach the devices: the modes of aimc/xbar.h (one list,
 * AIMC_PROG_MODES). IDEAL: exactly; GAUSSIAN: target + N(0, prog_sigma_S)
 * per device, clipped to the window (aimc_gmap_program_noise semantics, as
 * in training); WRITE_VERIFY, ONE_SHOT, ONE_SHOT_NN, HYBRID: the device
 * model's controllers (the last two with programming.nn_file). */
#define AIMC_PROG_ENUM_(name, key) AIMC_PROG_##name,
typedef enum { AIMC_PROG_MODES(AIMC_PROG_ENUM_) } aimc_prog_mode;
#undef AIMC_PROG_ENUM_

/* Everything `aimc map` and `aimc run` need to know about the hardware.
 * YAML sections (configs/arch/default.yaml): array, programming,
 * converters, timing, energy, nonideal. Energies are per operation in J,
 * times in fs (YAML accepts "10ns"). */
typedef struct {
  /* array: */
  int rows, cols;          /* physical devices per array                   */
  int form;                /* aimc_map_form                                */
  int split;               /* aimc_map_split                               */
  int dense;               /* aimc_map_place for encoder/mix/decoder       */
  double g_min_S, g_max_S; /* programmable conductance window              */
  double v_read_V;         /* full-scale read voltage of the DACs          */
  char device_card[AIMC_PARAM_STRLEN]; /* device card YAML ("" = defaults) */
  char nn_file[AIMC_PARAM_STRLEN];     /* neural inverse for one_shot_nn/hybrid */
  /* programming: */
  int prog_mode;           /* aimc_prog_mode                               */
  double prog_sigma_S;     /* GAUSSIAN: sigma per device                   */
  int exact_zeros;         /* 1: devices of structural zeros stay unpulsed  */
                           /* at g_min (no programming error)              */
  double wv_tol_S;         /* WRITE_VERIFY: accepted |G - target|          */
  int wv_max_pulses;       /* WRITE_VERIFY: pulses per device at most      */
  double t_pulse_s;        /* one programming pulse (+ verify read)        */
  double e_pulse_J;        /* energy of one pulse (+ verify read)          */
  /* converters: */
  int dac_bits;            /* 0: the model's activation quantizer bits     */
  int adc_bits;            /* 0: the model's activation quantizer bits     */
  int cols_per_adc;        /* columns multiplexed onto one ADC             */
  double adc_noise_lsb;    /* input-referred ADC noise, sigma in LSB       */
  double v_adc_V;          /* ADC full-scale input; the TIAs' calibration  */
                           /* maps each column's full-scale current to it  */
  char adc_model[AIMC_PARAM_STRLEN]; /* the tiles' ADC model ("adc", ...)  */
  /* timing: */
  aimc_time clock_fs;      /* period of the design clock                   */
  aimc_time t_dac_fs, t_settle_fs, t_tia_fs, t_adc_fs, t_reg_fs;
  aimc_time t_digital_fs;  /* one digital vector operation (per layer op)  */
  int pipeline;            /* 1: layers overlap (a new step every stage)   */
  /* energy: */
  double e_dac_J;          /* one DAC conversion                           */
  double c_wire_F;         /* wire capacitance per cell segment (row lines) */
  double e_tia_J, e_adc_J; /* one TIA sense, one ADC conversion            */
  double e_reg_bit_J;      /* one state-register bit written and read      */
  double e_mac_J;          /* one digital multiply-accumulate              */
  double e_buffer_J;       /* one SRAM word access                         */
  double p_static_W;       /* static power per array (leakage, bias)       */
  /* nonideal (each on/off): */
  int ni_prog;             /* programming error (prog_mode other than IDEAL) */
  int ni_read_noise;                         /* the device card's read noise on every read */
  int ni_drift;       double drift_t_s;      /* time since programming (the card's drift law) */
  int ni_converter;                          /* converter resolution and noise */
  int ni_ir_drop;     double r_wire_Ohm;     /* wire resistance per cell segment */
  /* device: values fed into every tile's device card (aimc_arch_device_set;
   * "" keeps the card's own). One row each in arch.c's DEVICE table. */
  char dev_read_noise[AIMC_PARAM_STRLEN], dev_drift_nu[AIMC_PARAM_STRLEN],
      dev_drift_t0[AIMC_PARAM_STRLEN], dev_p_stuck_min[AIMC_PARAM_STRLEN],
      dev_p_stuck_max[AIMC_PARAM_STRLEN];
} aimc_arch;

/* The parameter table of one YAML section ("array", "programming",
 * "converters", "timing", "energy", "nonideal", "device"); NULL if
 * unknown. Rows point into aimc_arch. */
const aimc_param *aimc_arch_params(const char *section, size_t *n);
/* For a key an arch no longer has (SECTION.KEY, e.g. nonideal.drift_nu):
 * what to use instead, one sentence; NULL for any other key. */
const char *aimc_arch_removed(const char *section, const char *key);
/* The arch's device.* values as "key=value,..." for a crossbar's
 * `device_set` (aimc_device_apply), the set ones in table order. */
void aimc_arch_device_set(const aimc_arch *arch, char *buf, size_t len);
/* Names of the sections, NULL-terminated. */
extern const char *const aimc_arch_sections[];

/* Every default (configs/arch/default.yaml repeats them). */
void aimc_arch_defaults(aimc_arch *arch);
/* Loads an arch YAML over the defaults: unknown sections or keys, units
 * and ranges are errors with file:line:col (AIMC_EPARSE/EUNIT/ERANGE);
 * also checks g_min_S < g_max_S (AIMC_ERANGE). */
int aimc_arch_load(aimc_ctx *ctx, const char *path, aimc_arch *arch);
/* The cross checks of aimc_arch_load for an arch edited since (--set):
 * g_min_S < g_max_S (AIMC_ERANGE), a named device_card that can be
 * opened (AIMC_ENOTFOUND naming `what` and the path) and device.* values
 * that card takes (its model's key, unit and range). */
int aimc_arch_check(aimc_ctx *ctx, const char *what, const aimc_arch *arch);
/* Writes every value as an arch YAML that aimc_arch_load reads back to
 * the same values (atomically). */
int aimc_arch_write(aimc_ctx *ctx, const aimc_arch *arch, const char *path);
/* Hash of the bound values (for manifests and the netlist/mapping check). */
uint64_t aimc_arch_hash(const aimc_arch *arch);
/* Hash of what programming depends on: the array and programming sections,
 * nonideal programming and device p_stuck_min/p_stuck_max (a saved
 * programming stays valid when only read-time settings change). */
uint64_t aimc_arch_program_hash(const aimc_arch *arch);

/* ------------------------------------------------------------------ */
/* The mapping                                                         */

/* What a logical matrix computes. */
typedef enum {
  AIMC_OP_SSM = 0,   /* single form: [x_{t-1}; u_t; u_{t-1}] -> [x_t; y_{t-1}] */
  AIMC_OP_SSM_A,     /* separate form: x_{t-1} -> A x                   */
  AIMC_OP_SSM_B,     /* separate form: u_t -> B u                       */
  AIMC_OP_SSM_CD,    /* separate form: [x_t; u_t] -> y_t                */
  AIMC_OP_ENCODER,   /* dense layers when arch.dense == CROSSBAR        */
  AIMC_OP_MIX,
  AIMC_OP_DECODER,
  AIMC_OP_COUNT_
} aimc_op_kind;

const char *aimc_op_kind_name(aimc_op_kind k);

/* A real logical matrix y = W x of one layer (n_out x n_in), stored as
 * exact weights w and normalized weights wn in [-1, 1] with a gain per
 * input row and per output column:
 *   W[j][i] = row_gain[i] * col_gain[j] * wn[j][i].
 * (The gains are the DAC and TIA/ADC scalings that absorb per-tensor
 * quantizer ranges; Abar's gain is 1 on the feedback rows, IMSSA's fixed
 * range.) The matrix is block-diagonal: block b (a channel of an SSM op;
 * the single block of a dense op) owns inputs [in_off[b], in_off[b+1]) and
 * outputs [out_off[b], out_off[b+1]); only blocks are stored, each
 * row-major (n_out_b x n_in_b) from w[w_off[b]]. */
typedef struct {
  aimc_op_kind kind;
  int layer;
  int n_in, n_out;
  int n_blocks;      /* channels (1 for dense ops)                      */
  int *in_off, *out_off; /* n_blocks + 1 each                           */
  size_t *w_off;     /* n_blocks + 1                                    */
  double *w;         /* exact weights, block by block                   */
  double *wn;        /* normalized weights, |wn| <= 1, same layout      */
  unsigned char *is_value; /* 1 where the entry holds a model value, 0 for
                              the structural zeros of the layout         */
  double *row_gain;  /* n_in                                            */
  double *col_gain;  /* n_out                                           */
} aimc_map_matrix;

/* A dense sub-rectangle of a logical matrix placed on an array: logical
 * inputs [in0, in0 + n_in) drive array rows from row0, logical outputs
 * [out0, out0 + n_out) come from array columns from col0 (logical
 * positions; physical = x2 along the split direction). */
typedef struct {
  int matrix;        /* index into mapping->mats                        */
  int block;         /* block of that matrix the rectangle lies in      */
  int in0, n_in, out0, n_out;
  int row0, col0;
  double top;        /* calibrated: the block's largest |row gain| x DAC
                        full scale (aimc_map_slot_amps), else 0         */
} aimc_map_slot;

/* One physical array. */
typedef struct {
  int layer;
  aimc_op_kind kind;
  int rows_used, cols_used;  /* physical extent used                    */
  int n_place;
  aimc_map_slot *place;
  double *g_target_S;        /* rows x cols targets (idle devices g_min) */
} aimc_map_array;

/* The parts of a tile: one array and its periphery, the instances
 * "<tile>.<part>" of the netlist `aimc map` writes (dac, xbar, tia, adc,
 * hold; docs/mapping.md). */
/* The layout of a mapping, for its readers (the inference runner). */
/* Position of local element (out j, in i) of block b in w / wn. */
static inline size_t aimc_map_matrix_index(const aimc_map_matrix *mx, int b,
                                           int j, int i) {
  return mx->w_off[b] + (size_t)j * (mx->in_off[b + 1] - mx->in_off[b]) + i;
}

/* Devices per logical weight along rows / columns for the split. */
static inline int aimc_map_row_factor(const aimc_arch *a) {
  return a->split == AIMC_SPLIT_RAILS ? 2 : 1;
}
static inline int aimc_map_col_factor(const aimc_arch *a) {
  return a->split == AIMC_SPLIT_DIFFERENTIAL ? 2 : 1;
}

/* The version of the tiles `aimc map` writes (meta: tiles:): 3 since each
 * tile's converters act in `aimc run` (bits 0: every channel at its
 * calibration), 4 since its TIAs do (gain 0: every column at its
 * calibrated transimpedance; v_adc), 5 since the calibration of every
 * channel is the netlist's (each array's calibration file, the dac's and
 * adc's `cal`; `range: 0`) and drift, stuck cells and read noise are the
 * device card's (the crossbar's device_set carries the arch's device.*
 * keys), 6 since the digital periphery is s4d_digital instances
 * (aimc_periph), 7 since the meta: section's model and arch are paths
 * from the netlist's folder, as every other path in it (before: from
 * where `aimc map` ran), 8 since the tiles have ports (in: row words,
 * out: held column words) and the wiring between tiles and periphery is
 * gather instances with index maps (a closed dataflow graph), 9 since
 * each crossbar names its array's layout file (the tile's `layout`,
 * checked by aimc run against the mapping), 10 since the tile's dac, tia
 * and adc pass words (`words` 1, or 2 in a dense layer's `tile_dense`),
 * the tia and adc read the layout too (its slots' `top`), the tia's
 * `v_drive` is the dac's v_fs and a calibrated tile's crossbar hands the
 * read noise's variance to the tia and adc (`var` nets); the residual's
 * u_{t-1} comes from a gather `l<L>_resid_wire` and each layer's y bus
 * skips the single form's first read (y_{-1}). 11: the tile's dac, tia,
 * adc and register take `used` (the array's used rows, sensed columns,
 * state words: what an event read books, as aimc run prices it). Older
 * netlists are refused: map again. */
enum { AIMC_MAP_TILES_VERSION = 11 };

typedef enum {
  AIMC_TILE_DAC = 0,
  AIMC_TILE_XBAR,
  AIMC_TILE_TIA,
  AIMC_TILE_ADC,
  AIMC_TILE_HOLD,
  AIMC_TILE_PARTS
} aimc_tile_part;

/* The parts of a tile: each part's model (the part's own, or another
 * model of the same energy class that evaluates: the arch's
 * converters.adc_model, or what the netlist names for that tile) and its
 * params, a block of the model's params_size bytes bound as a netlist
 * instance's would be. The inference runner prices every array operation
 * with the parts' op_cost and converts with their eval (aimc/model.h). */
typedef struct {
  const aimc_model *model[AIMC_TILE_PARTS];
  void *params[AIMC_TILE_PARTS];
  void *block;                /* the mapped parts' params (one allocation)      */
  void *own[AIMC_TILE_PARTS]; /* blocks of parts whose model the netlist chose */
  /* Each channel's calibration (aimc/calibration.h) for the parts that
   * convert, the dac (rows) and the adc (columns), full scale in digital
   * units and resolution, and the tia (columns), the full-scale current
   * its gain maps to v_fs; NULL for the others. The
   * mapper makes it from the model's quantizers (aimc_map_matrix_cal),
   * `aimc run` reads the netlist's calibration files over it, with each
   * part's `range` param applied. */
  double *cal_fs[AIMC_TILE_PARTS];
  int *cal_bits[AIMC_TILE_PARTS];
} aimc_tile;



/* Row `key` of tile t's part p (its model's table), or NULL when that
 * model has no such param; and its value there, or dflt. */
const aimc_param *aimc_tile_param(const aimc_tile *t, aimc_tile_part p, const char *key);
double aimc_tile_param_value(const aimc_tile *t, aimc_tile_part p, const char *key,
                             double dflt);

/* Instance name ("dac", "xbar", ...) and default model of a part. */
const char *aimc_tile_part_name(aimc_tile_part part);
const aimc_model *aimc_tile_part_model(aimc_tile_part part);

/* The digital periphery: one s4d_digital instance per vector operation
 * (aimc/s4d_digital.h), named in the netlist as the role says: "encoder",
 * "l<L>_gelu", "l<L>_mix", "l<L>_glu" (GLU models), "l<L>_residual",
 * "l<L>_norm", "l<L>_state_sum" (separate form: A x + B u), "pool" (the
 * running sum over time), "mean" (its division by the steps), "decoder". A dense layer placed on crossbars (array.dense: crossbar)
 * keeps its bias here (op bias). `aimc map` makes them from the model and
 * the arch (energy.e_mac, timing.t_digital: sim/map/tile.c), `aimc run`
 * reads their params back from the netlist. */
typedef enum {
  AIMC_PERIPH_ENCODER = 0,
  AIMC_PERIPH_STATE_SUM,
  AIMC_PERIPH_GELU,
  AIMC_PERIPH_MIX,
  AIMC_PERIPH_GLU,
  AIMC_PERIPH_RESIDUAL,
  AIMC_PERIPH_NORM,
  AIMC_PERIPH_POOL,
  AIMC_PERIPH_MEAN,
  AIMC_PERIPH_DECODER,
  AIMC_PERIPH_ROLES
} aimc_periph_role;

typedef struct {
  aimc_periph_role role;
  int layer;                /* -1: encoder, pool, decoder                */
  char name[32];            /* the netlist instance                      */
  aimc_s4d_digital_params p;
} aimc_periph;


/* Counts for the report. */
typedef struct {
  size_t n_arrays;
  uint64_t devices_total;    /* n_arrays * rows * cols                 */
  uint64_t devices_used;     /* devices carrying a target of a weight  */
  double utilisation;        /* used / total                           */
  uint64_t n_dac, n_adc, n_tia; /* one DAC per used row, one TIA per
                                   used logical column, TIAs / cols_per_adc
                                   ADCs (rounded up) per array          */
  uint64_t macs_per_step;    /* analog MACs per time step (all layers) */
} aimc_map_stats;

typedef struct aimc_mapping {
  aimc_arch arch;            /* copy of the arch it was made for        */
  int n_in, n_out, h, layers; /* shape of the model                    */
  int state_bits;            /* the model's state quantizer (0: none)  */
  int *modes;                /* kept modes per (layer, channel)        */
  size_t n_mats;
  aimc_map_matrix *mats;
  size_t n_arrays;
  aimc_map_array *arrays;
  aimc_tile *tiles;          /* n_arrays: each array's periphery, from  */
                             /* the arch or a netlist's instances       */
  size_t n_periph;
  aimc_periph *periph;       /* the digital periphery, in data order    */
  aimc_map_stats stats;
  uint64_t model_hash;       /* hash of the model's analog tensors     */
} aimc_mapping;

/* The columns array k senses (each a logical output: a device pair of the
 * differential split is one), and the ADCs `aimc map` gives its tile for
 * them: ceil(columns / cols_per_adc), at least 1. */
static inline int aimc_map_sensed_cols(const aimc_mapping *m, size_t k) {
  return m->arrays[k].cols_used / aimc_map_col_factor(&m->arch);
}
static inline int aimc_map_tile_adcs(const aimc_mapping *m, size_t k) {
  int cols = aimc_map_sensed_cols(m, k), per = m->arch.cols_per_adc;
  int n = (cols + per - 1) / per;
  return n > 0 ? n : 1;
}

/* What one read of array k uses, as both analyses price it: the logical
 * rows its slots drive (the DACs converting), the columns they sense (the
 * TIAs and ADCs converting) and the state words among them (the register
 * writing: all of an A matrix's outputs, the first 2 x modes outputs of
 * each channel block of a single-form SSM matrix). `aimc map` writes them
 * into the tile (used_rows, used_cols, state_words), account.c prices
 * them. */
void aimc_map_array_use(const aimc_mapping *m, size_t k, int *rows, int *cols, int *state);

/* Index of the matrix of `kind` for `layer` (-1: not of a layer), or -1
 * when the mapping has none (e.g. a dense layer computed digitally). */
int aimc_map_find_matrix(const aimc_mapping *m, aimc_op_kind kind, int layer);

/* The instance of `role` (of layer `layer`; -1 for the encoder, pool,
 * mean and decoder), or NULL (no GLU in a linear model, no state sum in
 * the single form). */
const aimc_periph *aimc_map_periph_find(const aimc_mapping *m, aimc_periph_role role,
                                        int layer);
/* 1 when `name` is the name of a periphery instance (report classes). */
int aimc_map_is_periph_name(const char *name);

/* Maps `mdl` for `arch`. A model that cannot fit (e.g. a channel block
 * larger than an array while the form requires it in one array, or
 * conductance window empty) fails with AIMC_ERANGE and a message that says
 * what would be needed. */
int aimc_map_model(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                   const aimc_arch *arch, aimc_mapping **out);
void aimc_mapping_free(aimc_ctx *ctx, aimc_mapping *m);

/* The calibration the model's quantizers give the channels of a matrix
 * (mapping coordinates): each input's and output's full scale and
 * resolution (0: exact), which inputs carry the state, and the quantizer
 * a register applies to partial sums (separate form; bits 0: none).
 * Arrays of n_in and n_out entries, owned by the caller. */
typedef struct {
  double *in_fs, *out_fs;
  int *in_bits, *out_bits;
  unsigned char *in_state;
  aimc_quant post;
} aimc_map_cal;

/* 1 when matrix kind k is converted at a calibration (the SSM's; dense
 * layers on arrays convert exactly). */
int aimc_map_kind_calibrated(aimc_op_kind k);
/* The current column j of slot s carries per unit of its value, amps[j]
 * (A): a block's DACs drive row i at x_i * row_gain_i * c volts, c putting
 * the block's largest full scale (in_fs: the matrix inputs' calibration)
 * at the DAC's full-scale voltage dac_v_fs, so column j sums (G+ - G-) v =
 * W x * span * c / col_gain_j amperes (W = row_gain col_gain (G+ - G-) /
 * span). A column that carries nothing gets 1. */
void aimc_map_slot_amps(const aimc_mapping *m, const aimc_map_slot *s, double dac_v_fs,
                        const double *in_fs, double *amps);
/* Fills c for matrix mi of m, mapped from mdl (every block). */
void aimc_map_matrix_cal(const aimc_mapping *m, int mi, const aimc_s4d_model *mdl,
                         aimc_map_cal *c);

/* Writes the mapping as an ordinary netlist YAML (aimc/netlist.h format)
 * at `path`, plus one target-conductance CSV per array next to it
 * (<stem>.arrays/array<k>.csv: rows lines of cols values in S), all
 * written atomically. The netlist records the model and arch hashes. */
int aimc_map_write_netlist(aimc_ctx *ctx, const aimc_mapping *m,
                           const char *model_path, const char *arch_path,
                           const char *path);

/* What a netlist written by aimc_map_write_netlist records. */
typedef struct {
  char model[1024]; /* model file, from the current folder (the netlist */
                    /* names it from its own folder)                      */
  char arch[1024];  /* arch file, likewise                               */
  uint64_t model_hash, arch_hash;
  char arrays_dir[AIMC_PARAM_STRLEN + 16]; /* folder of the target CSVs   */
  int tiles;  /* layout of the netlist (AIMC_MAP_TILES_VERSION): 2 since */
              /* the tiles carry their timing and energy, 1 before (meta: */
              /* tiles absent)                                           */
} aimc_map_meta;

/* Reads the meta: section of such a netlist; a netlist from elsewhere is
 * AIMC_EINVAL naming the file. */
int aimc_map_read_meta(aimc_ctx *ctx, const char *netlist, aimc_map_meta *meta);
/* The text aimc_map_write_netlist puts in the marker of the arrays folder
 * (aimc/fileio.h, after the "aimc map" line): the hashes the netlist's
 * meta: section records, so a reader can tell a netlist and an arrays
 * folder from two different maps apart. */
void aimc_map_arrays_stamp(uint64_t model_hash, uint64_t arch_hash, char *buf,
                           size_t len);
/* Array k's files in `dir`, each written atomically, as `aimc map` writes
 * them beside the netlist: array<k>.csv (targets), array<k>.cal.csv (the
 * converters' calibration), array<k>.layout.json (aimc/xbar_layout.h). */
int aimc_map_write_array_files(aimc_ctx *ctx, const aimc_mapping *m, size_t k,
                               const char *dir);
/* Replaces the targets of every array with the CSVs in `dir` (hand edits
 * of the targets are honoured); shape or number errors: AIMC_EFORMAT. */
int aimc_map_load_targets(aimc_ctx *ctx, aimc_mapping *m, const char *dir);
/* As aimc_map_load_targets for array k only, from `file` (a netlist's
 * crossbar `targets` path, as `aimc run` reads it). */
int aimc_map_load_array_targets(aimc_ctx *ctx, aimc_mapping *m, size_t k,
                                const char *file);
/* Checks that netlist `d` is the design `m` was mapped to: every array a
 * tile with a crossbar, dac and adc (an ADC-class model) of the mapped
 * size, no tile or crossbar added or removed, and each tile's `n_adc` no
 * more than the columns it senses. AIMC_EINVAL naming the instance (with
 * file:line:col where known): map again. Tiles may differ from each other
 * in every other param (a heterogeneous design). */
struct aimc_design;
int aimc_map_check_netlist(aimc_ctx *ctx, const struct aimc_design *d, const aimc_mapping *m);
/* The tiles of `m` from the netlist's instances "<tile>.<part>": every
 * param of a part as the netlist states it (hand edits take effect, in
 * each tile alone). The values that come from the arch (timing, energy,
 * v_read; the table in docs/mapping.md) keep `m`'s exact value where the
 * netlist has what `aimc map` wrote for it, or where one of the n_sets
 * overrides "SECTION.KEY=VALUE" (`aimc run --set`) names them. Values
 * computed from the layout (sizes, bits, ADC sharing, programming) stay
 * `m`'s (aimc_map_check_netlist checked them); those an arch value
 * derives (bits, ADC sharing, programming) act per tile when edited. The
 * report's ADC count is then the tiles' n_adc. */
int aimc_map_load_netlist_tiles(aimc_ctx *ctx, const struct aimc_design *d, aimc_mapping *m,
                                const char *const *sets, int n_sets);
/* The digital periphery of `m` from the netlist's s4d_digital instances
 * (aimc_periph names them): each must be there with the mapping's op,
 * widths, tensor and layer (else AIMC_EINVAL at its file:line:col: map
 * again), and no other s4d_digital instance may be; its energy and time
 * params act as the tiles' arch values do (aimc_map_load_netlist_tiles:
 * a hand edit acts for that instance alone unless --set names the arch
 * key). */
int aimc_map_load_netlist_periph(aimc_ctx *ctx, const struct aimc_design *d, aimc_mapping *m,
                                 const char *const *sets, int n_sets);
/* Every s4d_digital instance of `d` with a tensor names, in its `model`
 * param (relative to the netlist, aimc_path_beside), the file `model` (the
 * netlist's meta model, whose weights aimc run applies): another file,
 * none or a missing one is AIMC_EINVAL at the instance's file:line:col. */
int aimc_map_check_netlist_model(aimc_ctx *ctx, const struct aimc_design *d,
                                 const char *model);
/* Loads the targets of every array of `m` from the `targets` file of its
 * tile's crossbar in `d` (relative paths from the netlist's folder). */
/* Checks the layout file each crossbar of `d` names (its `layout` param,
 * relative to the netlist) against the layout `m` makes of that array
 * (aimc_map_array_layout), bit for bit: a file that cannot be read or
 * differs is refused at the tile's file:line:col (AIMC_EINVAL, map
 * again). An empty `layout` (the crossbar in volts) is accepted. */
int aimc_map_check_netlist_layouts(aimc_ctx *ctx, const struct aimc_design *d,
                                   const aimc_mapping *m);
int aimc_map_load_netlist_targets(aimc_ctx *ctx, const struct aimc_design *d,
                                  aimc_mapping *m);
/* The calibration of every tile of `m` from the `cal` files of its dac
 * and adc in `d` (relative paths from the netlist's folder): a channel
 * whose row differs from what `mapped` (the mapping the netlist was
 * written from) calibrates it to is a hand edit and acts; the others keep
 * `m`'s (an arch override may have changed them). Then each part's
 * `range` param (> 0: one full scale for every channel). A file that
 * cannot be read or is malformed is AIMC_ENOTFOUND / AIMC_EFORMAT /
 * AIMC_ESHAPE with file:line:col. */
int aimc_map_load_netlist_cal(aimc_ctx *ctx, const struct aimc_design *d,
                              const aimc_mapping *mapped, aimc_mapping *m);
/* All that `aimc run` reads back from a netlist into `m` (mapped again
 * with the run's arch; `mapped`: as the netlist was written), in order:
 * the tiles, the periphery, the periphery's model file (`model`, the
 * netlist's meta model), the targets and the calibration. */
int aimc_map_load_netlist(aimc_ctx *ctx, const struct aimc_design *d, const aimc_mapping *mapped,
                          const char *model, aimc_mapping *m, const char *const *sets,
                          int n_sets);
/* The layout of array k (aimc/xbar_layout.h): its slots with their
 * gains and value masks. AIMC_ENOMEM or AIMC_OK. */
int aimc_map_array_layout(aimc_ctx *ctx, const aimc_mapping *m, size_t k,
                          aimc_xbar_layout **out);
/* Instance name of array k in the netlist ("l0_ssm_3", "encoder_0"). */
void aimc_map_array_name(const aimc_mapping *m, size_t k, char *buf, size_t len);

/* 1 when array k holds a dense layer's matrix (read without converters:
 * its tile's dac, tia and adc pass words on, `words: 2`), and the name
 * of the subcircuit `aimc map` writes for it ("tile_dense", else "tile",
 * whose crossbar hands the read noise's variance to the TIA and ADC). */
int aimc_map_tile_dense(const aimc_mapping *m, size_t k);
const char *aimc_map_tile_subckt(const aimc_mapping *m, size_t k);
/* The netlist instance of part p of array k's tile ("l0_ssm_3.adc"): the
 * name its noise and programming streams are keyed by. */
void aimc_map_part_name(const aimc_mapping *m, size_t k, aimc_tile_part p, char *buf,
                        size_t len);

/* Prints the utilisation report (arrays, devices, DACs, ADCs) to f. */
void aimc_map_print_stats(const aimc_mapping *m, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
