/* Fitting a device card to measured pulse trains (aimc device fit).
 *
 * Input: CSV with a header naming at least the columns v_V, width_s and
 * g_S (the format `aimc device` writes; other columns are ignored). Each
 * row is one conductance reading after a pulse of amplitude v_V (> 0 SET,
 * < 0 RESET) and width width_s; a row with v_V = 0 and width_s = 0 (row 0
 * of `aimc device`, the initial state) starts a new device, so several
 * devices' trains may be concatenated (repeated header lines are skipped).
 *
 * Model: the "pulse" model (models/device_pulse.c), evaluated through the
 * device API itself (one-step prediction: each reading's predecessor is
 * set as the state and the pulse applied without noise), so the fit uses
 * the simulator's own equations. Per device it estimates the window
 * [g_lo, g_hi] and the rates alpha_set, alpha_reset, with the card's
 * soft-bound exponents gamma_set, gamma_reset shared, by maximum likelihood
 * under the model's multiplicative cycle-to-cycle noise
 *   dG_obs = dG_pred (1 + sigma_c2c xi):
 * minimise sum ln|dG_pred| + N/2 ln(mean (dG_obs/dG_pred - 1)^2)
 * (Nelder-Mead). The card gets the means over devices (g_min, g_max,
 * alpha_*), gamma_*, sigma_c2c (the residual RMS) and the device-to-device
 * spreads sigma_d2d (relative sd of alpha, less its estimation variance)
 * and sigma_d2d_g (relative sd of the window edges). The amplitude law
 * (v_th_*, v_0, v_ref, w_ref), read and limit values come from the base
 * card. Readings are taken as the conductance (read noise is absorbed in
 * sigma_c2c; use averaged reads). */
#ifndef AIMC_DEVICE_FIT_H
#define AIMC_DEVICE_FIT_H

#include "aimc/context.h"
#include "aimc/device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pulse trains of one or more devices. */
typedef struct {
  int n;          /* transitions                                   */
  int n_devices;
  int *device;    /* [n] device index of each transition           */
  double *v_V, *width_s, *g0_S, *g1_S; /* [n] pulse, before, after   */
} aimc_pulse_data;

/* Reads the CSV; errors name file:line:col. */
int aimc_pulse_data_load(aimc_ctx *ctx, const char *path, aimc_pulse_data *d);
void aimc_pulse_data_fini(aimc_ctx *ctx, aimc_pulse_data *d);

typedef struct {
  double g_min, g_max, alpha_set, alpha_reset, gamma_set, gamma_reset;
  double sigma_c2c, sigma_d2d, sigma_d2d_g;
  /* Standard errors of the card values (between-device scatter / sqrt(n)
   * for the means; sigma / sqrt(2 N) for the spreads). */
  double se_g_min, se_g_max, se_alpha_set, se_alpha_reset;
  double se_sigma_c2c, se_sigma_d2d;
  /* Fit error: RMS relative residual of the one-step updates, RMS of the
   * one-step conductance prediction error (S), transitions used. */
  double rms_rel, rms_g_S;
  int n_used, n_devices;
} aimc_device_fit_result;

/* Fits the pulse model to d, starting from base (a pulse-model device whose
 * other parameters the card keeps). AIMC_EINVAL for a base of another
 * model, AIMC_EFAIL when too few pulses moved a device (< 8 per polarity
 * per device). */
int aimc_device_fit(aimc_ctx *ctx, const aimc_device *base,
                    const aimc_pulse_data *d, aimc_device_fit_result *res);

/* The base card with the fitted values, written atomically as a device
 * card YAML (loads with aimc_device_load and in netlists' device_card:);
 * `note` goes into its source: line. */
int aimc_device_fit_write(aimc_ctx *ctx, const aimc_device *base,
                          const aimc_device_fit_result *res, const char *note,
                          const char *path);

#ifdef __cplusplus
}
#endif
#endif
