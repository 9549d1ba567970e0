/* Memristive device models behind one interface: a device model maps
 * programming pulses (amplitude v_V, width) to a new conductance and reads
 * a current at a read voltage, returning energy and time for each. The
 * implementations are listed once, in models/devices.def (one file each
 * in models/, e.g. "pulse", a calibrated phenomenological pulse response,
 * and "vcm", a JART-like valence-change ReRAM compact model).
 *
 * Layout: a model's parameters live in one struct described by a param
 * table (aimc/param.h); the per-cell state is an opaque block of
 * `cell_size` bytes owned by the caller (a crossbar keeps R*C of them in
 * one array), so the hot calls below never allocate.
 *
 * Conventions: v_V > 0 is a SET pulse (conductance rises), v_V < 0 a RESET
 * pulse (conductance falls); widths are seconds (> 0); conductances in S,
 * currents in A, energies in J, times in s. */
#ifndef AIMC_DEVICE_H
#define AIMC_DEVICE_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "aimc/context.h"
#include "aimc/param.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of one pulse or read. */
typedef struct {
  double g_S; /* pulse: conductance after it; read: measured I / v     */
  double i_A; /* read: current (noisy); pulse: current at the end      */
  double e_J; /* energy dissipated in the cell (>= 0)                  */
  double t_s; /* duration of the operation (>= 0)                      */
} aimc_device_result;

/* What a programming controller may apply to a device: amplitude ranges
 * (magnitudes, V) of SET and RESET pulses, the nominal pulse width (s)
 * and the read voltage (V) and read time (s) used for verify. */
typedef struct {
  double v_set_min, v_set_max;
  double v_reset_min, v_reset_max;
  double width_s;
  double v_read_V;
  double t_read_s;
} aimc_pulse_limits;

typedef struct aimc_device_model {
  const char *name;    /* registry key, e.g. "pulse"                     */
  const char *summary; /* one line                                       */
  const char *source;  /* papers and equations                           */
  const aimc_param *params;
  size_t n_params;
  size_t params_size;
  size_t cell_size; /* bytes of per-cell state                          */

  /* Cross-parameter checks (e.g. g_min < g_max): message naming the
   * parameters and their values, AIMC_ERANGE. */
  int (*validate)(const void *params, char *err, size_t errlen);
  /* A fresh cell in its initial state; samples device-to-device variation
   * and stuck-at faults from rng (NULL: nominal device, never stuck). */
  void (*cell_init)(const void *params, void *cell, gsl_rng *rng);
  /* Applies one rectangular pulse; rng draws cycle-to-cycle noise (NULL:
   * none). Resets the cell's drift clock. Stuck cells do not move. */
  void (*pulse)(const void *params, void *cell, double v_V, double width_s,
                gsl_rng *rng, aimc_device_result *r);
  /* Reads at v_V (read noise from rng; NULL: noiseless). */
  void (*read)(const void *params, const void *cell, double v_V, gsl_rng *rng,
               aimc_device_result *r);
  /* Noiseless conductance at the model's read voltage. */
  double (*conductance)(const void *params, const void *cell);
  /* Ideal write (tests, "ideal"/"gaussian" programming): the state whose
   * conductance is g_S, clipped to the cell's window; stuck cells ignore
   * it. Resets the drift clock. */
  void (*set_conductance)(const void *params, void *cell, double g_S);
  /* Lets dt_s seconds pass: conductance drift / relaxation. */
  void (*age)(const void *params, void *cell, double dt_s);
  /* The nominal conductance window [g_min, g_max] (S). */
  void (*window)(const void *params, double *g_min, double *g_max);
  void (*limits)(const void *params, aimc_pulse_limits *lim);
  /* 0 healthy, -1 stuck at its lowest, +1 stuck at its highest conductance. */
  int (*stuck)(const void *cell);
} aimc_device_model;

/* The registered device models (models/devices.def), in its order. */
size_t aimc_device_models_count(void);
const aimc_device_model *aimc_device_models_at(size_t i);
/* NULL when no model has that name. */
const aimc_device_model *aimc_device_model_find(const char *name);
/* The default device model: the first of models/devices.def, the default
 * `device` of the cell, crossbar and write_verify models. */
const aimc_device_model *aimc_device_model_default(void);
/* The registered names joined by sep ("pulse, vcm" with ", ") in buf of
 * len bytes (truncated to fit, always terminated); returns buf. */
const char *aimc_device_models_names(char *buf, size_t len, const char *sep);

/* A device model with one set of parameter values (a "card"). */
typedef struct {
  const aimc_device_model *model;
  void *params; /* model->params_size bytes, owned */
} aimc_device;

/* A device with the model's default parameters. AIMC_ENOTFOUND (message
 * listing the models) for an unknown name, AIMC_ENOMEM. */
int aimc_device_alloc(aimc_ctx *ctx, const char *model, aimc_device **out);
/* Loads a device card: a YAML mapping with `model: <a registered name>`,
 * an optional `source: "..."` note and keys of that model's parameter table. Errors
 * (unknown key, bad unit, out of range, g_min >= g_max ...) name the
 * parameter, its value, the allowed range and file:line:col. */
int aimc_device_load(aimc_ctx *ctx, const char *path, aimc_device **out);
/* Either of the two: path NULL or "" gives the defaults of `model`. */
int aimc_device_open(aimc_ctx *ctx, const char *model, const char *card,
                     aimc_device **out);
/* Sets one parameter from text ("15uS"), then re-validates; on error the
 * device is unchanged and the message names key, value and range. */
int aimc_device_set(aimc_ctx *ctx, aimc_device *dev, const char *key,
                    const char *value);
/* Applies "key=value,key=value" (spaces around the pieces allowed; ""
 * does nothing) to dev with aimc_device_set, in order: how an arch's
 * `device.*` keys and a crossbar's `device_set` param feed the card. On
 * error dev may hold the pieces before the bad one; the message names
 * the piece. AIMC_EPARSE for a piece without '='. */
int aimc_device_apply(aimc_ctx *ctx, aimc_device *dev, const char *sets);
/* A copy with its own parameter block. */
int aimc_device_clone(aimc_ctx *ctx, const aimc_device *dev, aimc_device **out);
void aimc_device_free(aimc_ctx *ctx, aimc_device *dev);

/* Thin wrappers over the model's functions (see aimc_device_model). */
void aimc_device_cell_init(const aimc_device *d, void *cell, gsl_rng *rng);
void aimc_device_pulse(const aimc_device *d, void *cell, double v_V,
                       double width_s, gsl_rng *rng, aimc_device_result *r);
void aimc_device_read(const aimc_device *d, const void *cell, double v_V,
                      gsl_rng *rng, aimc_device_result *r);
double aimc_device_g(const aimc_device *d, const void *cell);
void aimc_device_set_g(const aimc_device *d, void *cell, double g_S);
void aimc_device_age(const aimc_device *d, void *cell, double dt_s);
void aimc_device_window(const aimc_device *d, double *g_min, double *g_max);
void aimc_device_limits(const aimc_device *d, aimc_pulse_limits *lim);
int aimc_device_stuck(const aimc_device *d, const void *cell);
size_t aimc_device_cell_size(const aimc_device *d);
/* The relative sigma of one read (the model's `read_noise` param; 0 for
 * a model without one): what a crossbar's read noise is scaled by, in
 * the event crossbar and in `aimc run` alike. */
double aimc_device_read_noise(const aimc_device *d);

#ifdef __cplusplus
}
#endif
#endif
