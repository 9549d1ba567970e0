/* A component model: one file in models/, one const aimc_model, registered
 * once in models/models.def. The model declares its parameters (a table),
 * its ports and its behaviour on events; the engine (aimc/engine.h) owns
 * its state and connects its ports to nets. */
#ifndef AIMC_MODEL_H
#define AIMC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/lanes.h"
#include "aimc/param.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_inst aimc_inst; /* a running instance (engine.h) */

typedef enum { AIMC_PORT_IN = 0, AIMC_PORT_OUT = 1 } aimc_port_dir;

/* What flows on a net. Ports connect only to nets of the same kind. */
typedef enum {
  AIMC_SIG_VOLTAGE = 0, /* analog voltages, one per wire (V)       */
  AIMC_SIG_CURRENT,     /* analog currents (A)                     */
  AIMC_SIG_DIGITAL,     /* digital words, carried as doubles       */
  AIMC_SIG_CLOCK,
  AIMC_SIG_CONTROL,
  AIMC_SIG_COUNT_
} aimc_sig_kind;

/* Energy accounting classes of the report. */
typedef enum {
  AIMC_EC_DAC = 0,
  AIMC_EC_ARRAY,
  AIMC_EC_TIA,
  AIMC_EC_ADC,
  AIMC_EC_REGISTER,
  AIMC_EC_DIGITAL,
  AIMC_EC_BUFFER,
  AIMC_EC_STATIC,
  AIMC_EC_PROGRAMMING,
  AIMC_EC_DEVICE,  /* a lone cell (device experiments)            */
  AIMC_EC_OTHER,
  AIMC_EC_COUNT_
} aimc_energy_class;

const char *aimc_sig_kind_name(aimc_sig_kind k);
const char *aimc_energy_class_name(aimc_energy_class c);

typedef struct {
  const char *name;
  aimc_port_dir dir;
  aimc_sig_kind kind;
  /* Width: a decimal number ("1"), the key of an INT parameter ("rows"),
   * or, for the model's last port only, the key of a STRING parameter that
   * makes the port a *port array* (SystemC's multiport): the list of its
   * elements' widths, "64,32,32" (three elements), where "64*4" stands for
   * four elements of 64 ("64*4,32" is five). A netlist names element k
   * `inst.name[k]`; the instance's ports are the other specs' (indices 0
   * .. n_ports - 2), then the elements in order, so a model without an
   * array numbers its ports as its specs. */
  const char *width;
  const char *doc;
  /* 1: the port may be left unconnected without being listed under
   * `open:` (the loader treats it as open). An unconnected optional input
   * reads NULL (aimc_inst_in): the model takes it as absent (a `var` port:
   * no variance carried); an unconnected output is driven into nothing.
   * For ports added to a model without breaking the netlists written
   * before them. */
  int optional;
} aimc_port_spec;

/* What one operation of an instance works on, for its cost. */
typedef struct {
  int n;          /* channels operated: rows driven, columns sensed, words */
  /* crossbar only: the drive relative to full scale, sum_i (v_i / v_fs)^2
   * over the rows (rows_fs), and the conductance it sees, sum_i (v_i /
   * v_fs)^2 sum_j G_ij in S (g_S). A full-scale read of n rows has rows_fs
   * = n and g_S = the conductance sum of those rows. */
  double rows_fs, g_S;
} aimc_op_use;

/* The channels an operation of an instance of n channels uses and books:
 * its `used` param (aimc map writes the rows, columns or words a tile's
 * read uses, as aimc run prices it), or all n for -1. */
static inline int aimc_used_channels(int used, int n) { return used >= 0 && used < n ? used : n; }

/* Energy booked and time until the output is driven, of one operation. */
typedef struct {
  double e_J;
  aimc_time t_fs;
} aimc_op_cost;

/* One operation to evaluate (eval, eval_batch): the instance's params and
 * state, and the calibration of its n channels.
 *
 * Converters and registers evaluate in *digital units*: a channel's analog
 * value is written as the word it stands for on the channel's full scale
 * (a voltage v on a converter of full-scale voltage v_fs is v / v_fs *
 * fs[c]), so a chain of ideal parts passes values on unchanged, bit for
 * bit, and errors given in volts are referred to those units. The
 * calibration gives each channel its full scale and resolution (the
 * mapping makes them from the model's quantizers); the params' own
 * `range` and `bits` apply where it gives none, and a `bits` param set to
 * a resolution overrides the calibration (a converter built coarser). */
typedef struct {
  const void *params;
  const void *state; /* after init; NULL when the model keeps none      */
  int n;             /* channels                                        */
  const double *fs;  /* n full scales, or NULL: the params' range       */
  const int *bits;   /* n resolutions (0: exact), or NULL: the params'  */
  /* Variance of Gaussian noise the input carries but was not drawn (in
   * the layout of in; NULL: none), for models with draws_in_var: they draw
   * it with their own noise as one deviate of the summed variance, one
   * per channel and lane (independent Gaussians add). */
  const double *in_var;
  /* n analog scales of the channels' inputs, in physical units per
   * digital unit (the tia: column amperes per unit of the column's value),
   * or NULL: one per unit. */
  const double *scale;
  /* The model's constants of these n channels, made once by its prepare
   * from the same params, state, fs, bits and scale, or NULL: eval and
   * eval_batch work them out on each call. The numbers are the same. */
  const void *prep;
  /* The instance's channel that channel 0 here is (the state holds one
   * entry per instance channel: a slot's rows start at its first row). */
  int chan0;
  /* n calibrated analog full scales of the inputs, in physical units (the
   * tia: the current its calibrated gain maps to v_fs), or NULL: each
   * channel's own, fs * scale (a calibration that passes values on). */
  const double *in_fs;
} aimc_eval;

/* One lane each of several instances of one model (a lone sequence's
 * read of many arrays, aimc_model.eval_across): lane a is an instance
 * with its own prepared constants and stream, and the lanes' channels
 * interleave as a batch's lanes do: channel c of lane a at [c * stride +
 * a]. Lanes are ordered longest first: channel c exists in lanes 0 ..
 * active[c] - 1. */
typedef struct {
  int n;               /* channels of the longest lane                  */
  size_t stride;       /* >= active[0]                                  */
  const int *active;   /* n                                             */
  /* The lanes' prepared constants (the model's prepare) word by word,
   * each field of every lane in one row: 8-byte word w of channel c's of
   * lane a at [(c * W + w) * stride + a], W = prep_chan / 8.            */
  const void *prep;
  const double *in_var; /* in's layout, or NULL (aimc_eval.in_var)      */
  aimc_xs128p *rng;    /* active[0] streams, lane a's at [a]            */
  uint64_t *bits;      /* stride words of scratch                       */
  double *z;           /* stride doubles of scratch                     */
} aimc_across;

typedef struct aimc_model {
  const char *name;    /* registry key, e.g. "crossbar"                  */
  const char *summary; /* one line                                       */
  const char *source;  /* paper / equations the model implements         */
  aimc_energy_class eclass;

  const aimc_param *params;
  size_t n_params;
  size_t params_size;  /* sizeof the model's params struct               */

  const aimc_port_spec *ports;
  size_t n_ports;

  size_t state_size;   /* bytes of zeroed state the engine allocates      */

  /* Cross-parameter checks beyond the table's ranges (e.g. g_min < g_max).
   * Writes a message naming the parameters and returns AIMC_ERANGE. NULL:
   * none. */
  int (*validate)(const void *params, char *err, size_t errlen);
  /* Sets up state (after params are bound); may allocate through
   * aimc_inst_alloc. NULL: nothing to do. */
  int (*init)(aimc_inst *inst);
  /* An input port's net has a new value. NULL: ignores inputs. */
  int (*on_input)(aimc_inst *inst, int port);
  /* An event the instance scheduled for itself. */
  int (*on_event)(aimc_inst *inst, uint32_t tag, uint64_t data);
  /* Back to the state after init (device states too). NULL: re-run init. */
  int (*reset)(aimc_inst *inst);
  /* Reads the files the params name (relative to `source`, the netlist
   * file the instance is written in) and checks them as init would, with
   * nothing built: `aimc check` refuses a bad file before any long work.
   * NULL: the model names no files. */
  int (*check_files)(aimc_ctx *ctx, const void *params, const char *source);
  /* Cost of one operation with these params. on_input books exactly this,
   * and the batched inference runner (aimc/infer.h) prices every array
   * operation with it from the params of the netlist's tile instances, so
   * the event model and the runner account the same hardware. NULL: the
   * model costs nothing and takes no time. */
  aimc_op_cost (*op_cost)(const void *params, const aimc_op_use *use);
  /* Pure evaluation of one operation on one lane: out (the output port's
   * n values) from in (the input port's), drawing noise from rng, in the
   * units described at aimc_eval. Books nothing and changes no state.
   * NULL: the model is not evaluated outside the event kernel. */
  int (*eval)(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng);
  /* The same operation on l->n independent lanes at once (in and out:
   * channel c of lane k at [c * l->stride + k]). Lane k gets exactly the
   * numbers eval gives with stream l->rng[k]. NULL: eval lane by lane
   * (aimc_model_eval_batch). */
  int (*eval_batch)(const aimc_eval *e, const double *in, double *out, const aimc_lanes *l);
  /* The same operation on one lane each of several instances (aimc_across):
   * lane a gets exactly the numbers eval gives with its constants and
   * stream rng[a], the lanes' draws side by side in vector loops, where a
   * lone lane's conversions are a chain of draws from one stream. NULL:
   * the caller evaluates instance by instance. */
  int (*eval_across)(const aimc_across *x, const double *in, double *out);
  /* Channels of eval's input when they differ from e->n, the output's
   * (a digital operation that joins or reduces vectors, aimc/s4d_digital.h).
   * NULL: e->n. */
  int (*eval_n_in)(const aimc_eval *e);
  /* 1: eval and eval_batch take aimc_eval.in_var. */
  int draws_in_var;
  /* The static state eval reads (aimc_eval.state: what is drawn once per
   * piece of hardware, e.g. a DAC's per-channel mismatch), for evaluations
   * outside the kernel: its size for these params, as one block (the
   * state struct, then what it points to), and its fill from a stream.
   * init draws the instance's the same way. NULL: eval reads none. */
  size_t (*eval_state_size)(const void *params);
  void (*eval_state_init)(const void *params, void *state, aimc_xs128p *rng);
  /* Per-channel constants of a calibration (divisions, square roots),
   * made once for the many evaluations of a run: a lone sequence
   * evaluates a handful of channels per call, where working them out
   * each time costs more than the conversion. prepare writes prep_chan
   * bytes per channel, e->n channels, from e (not from in_var); eval and
   * eval_batch read channel c's at e->prep + c * prep_chan
   * (aimc_model_prep_at). NULL / 0: the model prepares nothing. */
  void (*prepare)(const aimc_eval *e, void *prep);
  size_t prep_chan;
  /* 1: a register, buffer or controller: its outputs follow a state that
   * an input changes for a later step, so a loop of instances through it
   * settles. The netlist loader refuses a loop without one. */
  int sequential;
} aimc_model;

/* The prepared constants of channels c0.. of a prepared set (NULL when
 * prep is). */
static inline const void *aimc_model_prep_at(const aimc_model *m, const void *prep, int c0) {
  return prep ? (const char *)prep + (size_t)c0 * m->prep_chan : NULL;
}

/* The two functions of a model whose evaluation works from per-channel
 * constants of type T, made by `T CHANNEL(const aimc_eval *e, int c)`:
 * PREPARE writes every channel's (the model's prepare), and chan_at(e, c,
 * tmp) gives channel c's, prepared or worked out into *tmp. LINKAGE is
 * static, or empty for a PREPARE that other files name. */
#define AIMC_MODEL_CHANNELS(LINKAGE, T, CHANNEL, PREPARE)              \
  LINKAGE void PREPARE(const aimc_eval *e, void *prep) {                \
    T *ch_ = prep;                                                      \
    for (int c_ = 0; c_ < e->n; c_++) ch_[c_] = CHANNEL(e, c_);         \
  }                                                                     \
  static const T *chan_at(const aimc_eval *e, int c, T *tmp) {          \
    if (e->prep) return (const T *)e->prep + c;                         \
    *tmp = CHANNEL(e, c);                                               \
    return tmp;                                                         \
  }

/* The registry (models/models.def). */
size_t aimc_models_count(void);
const aimc_model *aimc_models_at(size_t i);
const aimc_model *aimc_models_find(const char *name);

/* Width of port `port` (an instance port: aimc_model_n_ports) for the
 * given params (resolves parameter keys and a port array's widths); -1 if
 * the width names no INT parameter, or the port is past the array. */
int aimc_model_port_width(const aimc_model *m, int port, const void *params);
/* Ports of an instance with these params: the specs, with a port array
 * counted as its elements; -1 when the array's widths list is malformed. */
int aimc_model_n_ports(const aimc_model *m, const void *params);
/* The spec of instance port `port` (an array element's is the array's),
 * or NULL when there is no such port. */
const aimc_port_spec *aimc_model_port(const aimc_model *m, int port);
/* 1 when spec `spec` is a port array (the last spec, its width a STRING
 * param). */
int aimc_model_port_is_array(const aimc_model *m, int spec);
/* "in[3]" for an array element, the spec's name otherwise. */
void aimc_model_port_label(const aimc_model *m, int port, char *buf, size_t len);
/* A port array's widths list (aimc_port_spec.width): its element count,
 * or -1 when malformed (an item that is not W or W*N with W >= 1, N >= 1;
 * more than 2^20 elements); *width (may be NULL) gets element k's. */
int aimc_port_widths_scan(const char *list, int k, int *width);
/* m->op_cost(params, use), or a zero cost when the model has none. */
aimc_op_cost aimc_model_op_cost(const aimc_model *m, const void *params,
                                const aimc_op_use *use);
/* m->eval_batch, or m->eval once per lane (gathering the lane's n_in
 * input channels and n output channels through scratch); AIMC_EINVAL
 * when the model has no eval. */
int aimc_model_eval_batch(const aimc_model *m, const aimc_eval *e, const double *in,
                          double *out, const aimc_lanes *l);
/* Index of a port by name, or -1. */
int aimc_model_port_find(const aimc_model *m, const char *name);

#ifdef __cplusplus
}
#endif
#endif
