/* The synthetic evaluator: a cheap analytic stand-in for map -> program ->
 * run with the trends of the real pipeline (docs/sweep.md, "synthetic"):
 * accuracy falls when programming noise sigma_g approaches the conductance
 * step of a b-bit weight (IMSSA: 5-bit fails at 5 uS, 2-bit holds 15 uS),
 * energy and latency follow device and converter counts of the tiling. It
 * lets the sweep machinery be tested and demonstrated in milliseconds. */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aimc/status.h"
#include "aimc/sweep.h"
#include "aimc/units.h"
#include "evaluators.h"

/* The synthetic workload: one S4D layer, H = 32 channels x 32 modes, complex
 * expansion (x4) and differential pairs (x2) of a 256 x 256 logical matrix,
 * L = 100 steps per inference. */
enum { LOGICAL_ROWS = 256, LOGICAL_COLS = 256, STEPS = 100 };
static const double G_WINDOW_S = 95e-6; /* 5..100 uS                    */
static const double V_READ_V = 0.2, G_MEAN_S = 50e-6, T_READ_S = 10e-9;
static const double E_DAC_BIT_J = 25e-15, E_TIA_J = 0.2e-12;
static const double E_ADC_J = 2e-12; /* at 5 bits; x2 per extra bit  */
static const double E_DIGITAL_BIT_J = 20e-15, E_BUFFER_J = 0.1e-12,
                    E_REG_J = 50e-15;
static const double P_STATIC_W = 1e-6; /* per tile                      */
static const double T_SETTLE_S = 10e-9, T_CONV_BIT_S = 1e-9;
static const double T_PULSE_S = 100e-9, E_PULSE_J = 1e-12;

typedef struct {
  double size, rows, cols, bits, sigma_g_S, adc_share;
  double delay_s;
} synth_params;

typedef struct {
  const char *name; /* matched exactly or as the last dotted component */
  aimc_unit unit;
  size_t offset;
  double def, min, max;
} synth_key;

static const synth_key KEYS[] = {
    {"size", AIMC_U_NONE, offsetof(synth_params, size), -1, 1, 65536},
    {"rows", AIMC_U_NONE, offsetof(synth_params, rows), 64, 1, 65536},
    {"cols", AIMC_U_NONE, offsetof(synth_params, cols), -1, 1, 65536},
    {"bits", AIMC_U_NONE, offsetof(synth_params, bits), 4, 1, 16},
    {"sigma_g", AIMC_U_SIEMENS, offsetof(synth_params, sigma_g_S), 0, 0, 1e-3},
    {"sigma", AIMC_U_SIEMENS, offsetof(synth_params, sigma_g_S), 0, 0, 1e-3},
    {"adc_share", AIMC_U_NONE, offsetof(synth_params, adc_share), 8, 1, 65536},
    {"synthetic_delay", AIMC_U_SECOND, offsetof(synth_params, delay_s), 0, 0,
     60},
};

/* The point's value for a key: "rows" also matches "array.rows". */
static const char *lookup(const aimc_sweep_spec *spec, size_t point,
                          const char *name, const char **key_out) {
  size_t nl = strlen(name);
  for (size_t k = 0; k < aimc_sweep_spec_n_keys(spec); k++) {
    const char *key = aimc_sweep_spec_key(spec, k);
    size_t kl = strlen(key);
    if (strcmp(key, name) == 0 || (kl > nl && key[kl - nl - 1] == '.' &&
                                   strcmp(key + kl - nl, name) == 0)) {
      *key_out = key;
      return aimc_sweep_spec_value(spec, point, k);
    }
  }
  return NULL;
}

static int read_params(aimc_ctx *ctx, const aimc_sweep_spec *spec, size_t point,
                       synth_params *p) {
  char err[256];
  /* Defaults first: two names (sigma_g, sigma) may share one slot. */
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
    *(double *)((char *)p + KEYS[i].offset) = KEYS[i].def;
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
    double *slot = (double *)((char *)p + KEYS[i].offset);
    const char *key = KEYS[i].name;
    const char *text = lookup(spec, point, KEYS[i].name, &key);
    if (!text) continue;
    if (aimc_unit_parse(text, KEYS[i].unit, slot, err, sizeof err))
      return aimc_error(ctx, AIMC_EINVAL, "sweep point %zu: %s: %s", point, key,
                        err);
    if (*slot < KEYS[i].min || *slot > KEYS[i].max)
      return aimc_error(ctx, AIMC_ERANGE,
                        "sweep point %zu: %s = %s is out of range [%g, %g]",
                        point, key, text, KEYS[i].min, KEYS[i].max);
  }
  if (p->size > 0) p->rows = p->cols = p->size; /* square arrays */
  if (p->cols < 0) p->cols = p->rows;
  return AIMC_OK;
}

static int synth_check(aimc_ctx *ctx, const aimc_sweep_spec *spec) {
  synth_params p;
  for (size_t i = 0; i < aimc_sweep_spec_n_points(spec); i++) {
    int rc = read_params(ctx, spec, i, &p);
    if (rc) return rc;
  }
  return AIMC_OK;
}

static void sleep_s(double t_s) {
  struct timespec ts = {(time_t)t_s, (long)((t_s - floor(t_s)) * 1e9)};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static int synth_eval(aimc_ctx *ctx, const aimc_sweep_point *pt,
                      aimc_sweep_result *res) {
  synth_params p;
  int rc = read_params(ctx, pt->spec, pt->index, &p);
  if (rc) return rc;
  if (p.delay_s > 0) sleep_s(p.delay_s);
  double *m = res->m;
  double levels = pow(2.0, p.bits) - 1, adc_bits = p.bits + 2;
  /* Accuracy: programming noise relative to one conductance step, r, and
   * IR drop growing with the array size pull the quantized model's
   * accuracy towards chance (0.5); each seed adds N(0, 0.01) of test-set
   * and device scatter. */
  double r = p.sigma_g_S / (G_WINDOW_S / levels);
  double ir = p.rows * p.cols / (512.0 * 512.0);
  m[AIMC_SWEEP_M_accuracy_float] = 0.95;
  m[AIMC_SWEEP_M_accuracy_quant] = 0.95 - 0.2 * pow(2.0, -p.bits);
  double a =
      0.5 + (m[AIMC_SWEEP_M_accuracy_quant] - 0.5) * exp(-r * r / 2.0 - ir);
  a += gsl_ran_gaussian_ziggurat(aimc_ctx_rng(ctx), 0.01);
  m[AIMC_SWEEP_M_accuracy] = fmin(1.0, fmax(0.0, a));

  /* Tiling of the logical matrix onto rows x cols arrays. */
  double tr = ceil(LOGICAL_ROWS / p.rows), tc = ceil(LOGICAL_COLS / p.cols);
  double tiles = tr * tc, n_cols = tiles * p.cols;
  m[AIMC_SWEEP_M_n_arrays] = tiles;
  m[AIMC_SWEEP_M_n_devices] = tiles * p.rows * p.cols;
  m[AIMC_SWEEP_M_n_dac] = tiles * p.rows;
  m[AIMC_SWEEP_M_n_adc] = tiles * ceil(p.cols / p.adc_share);

  /* One step: settle, then each ADC converts adc_share columns in turn;
   * tiles work in parallel, row tiles add up in a log2 tree (1 ns/level). */
  double t_step = T_SETTLE_S + p.adc_share * adc_bits * T_CONV_BIT_S +
                  ceil(log2(tr)) * 1e-9;
  double latency = STEPS * t_step;
  m[AIMC_SWEEP_M_latency_s] = latency;
  m[AIMC_SWEEP_M_throughput_inf_s] = 1.0 / latency;
  m[AIMC_SWEEP_M_e_dac_J] =
      STEPS * m[AIMC_SWEEP_M_n_dac] * p.bits * E_DAC_BIT_J;
  m[AIMC_SWEEP_M_e_array_J] = STEPS * m[AIMC_SWEEP_M_n_devices] * V_READ_V *
                              V_READ_V * G_MEAN_S * T_READ_S;
  m[AIMC_SWEEP_M_e_tia_J] = STEPS * n_cols * E_TIA_J;
  m[AIMC_SWEEP_M_e_adc_J] = STEPS * n_cols * E_ADC_J * pow(2.0, adc_bits - 5);
  m[AIMC_SWEEP_M_e_register_J] = STEPS * n_cols * E_REG_J;
  m[AIMC_SWEEP_M_e_digital_J] = STEPS * n_cols * adc_bits * E_DIGITAL_BIT_J;
  m[AIMC_SWEEP_M_e_buffer_J] = STEPS * LOGICAL_COLS * E_BUFFER_J;
  m[AIMC_SWEEP_M_e_static_J] = P_STATIC_W * tiles * latency;
  double e = 0;
  for (int k = AIMC_SWEEP_M_e_dac_J; k <= AIMC_SWEEP_M_e_static_J; k++)
    e += m[k];
  m[AIMC_SWEEP_M_energy_J] = e;

  /* Write-verify: about 5 + levels/2 pulses per device, one row at a time. */
  double pulses = 5 + levels / 2;
  m[AIMC_SWEEP_M_program_time_s] = tiles * p.rows * pulses * T_PULSE_S;
  m[AIMC_SWEEP_M_program_energy_J] =
      m[AIMC_SWEEP_M_n_devices] * pulses * E_PULSE_J;
  return AIMC_OK;
}

const aimc_sweep_evaluator aimc_sweep_synthetic_evaluator = {
    .name = "synthetic",
    .summary = "analytic stand-in with the pipeline's trends (tests, demos)",
    .check = synth_check,
    .eval = synth_eval,
};
