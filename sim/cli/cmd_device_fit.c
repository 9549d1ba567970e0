/* aimc device fit: estimates a pulse-model device card from measured
 * pulse trains (aimc/device_fit.h) and writes it as YAML. */
#include <stdio.h>
#include <string.h>

#include "aimc/device.h"
#include "aimc/device_fit.h"
#include "aimc/status.h"
#include "cli.h"
#include "cmd_device_sub.h"

static void help(void) {
  printf(
      "usage: aimc device fit PULSES.csv -o CARD.yaml [--card BASE.yaml]\n\n"
      "Fits the pulse model's window (g_min, g_max), rates (alpha_set,\n"
      "alpha_reset: asymmetry), soft-bound exponents (gamma_set, gamma_reset:\n"
      "nonlinearity) and spreads (sigma_c2c, sigma_d2d, sigma_d2d_g) to pulse\n"
      "trains of conductance readings, prints each value with its standard\n"
      "error and the fit error, and writes the card (loads in netlists as\n"
      "device_card:). PULSES.csv is the CSV of `aimc device` (columns v_V,\n"
      "width_s, g_S; a row with v_V = 0 and width_s = 0 starts a device), so\n"
      "several devices' trains can be concatenated; d2d spreads need several\n"
      "devices, each with >= 8 SET and 8 RESET pulses that moved it; trains\n"
      "that approach both window edges pin g_min and g_max.\n\n"
      "options:\n"
      "  -o FILE        the fitted card (written atomically)\n"
      "  --card FILE    base card for the values not fitted (amplitude law\n"
      "                 v_th_*, v_0, v_ref, w_ref; read and pulse limits);\n"
      "                 default: the pulse model's defaults\n"
      "Exit status: 0 ok, 1 fit failure, 2 bad input.\n");
}

int aimc_cmd_device_fit(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  const char *csv = NULL, *out = NULL, *card = NULL;
  for (int i = 1; i < argc; i++) {
    int more = i + 1 < argc;
    if (!strcmp(argv[i], "-o") && more)
      out = argv[++i];
    else if (!strcmp(argv[i], "--card") && more)
      card = argv[++i];
    else if (argv[i][0] != '-' && !csv)
      csv = argv[i];
    else
      return aimc_cli_usage(ctx, "device", "fit: unexpected argument '%s'",
                            argv[i]);
  }
  if (!csv || !out)
    return aimc_cli_usage(ctx, "device", "fit needs PULSES.csv and -o CARD.yaml");
  aimc_device *base = NULL;
  aimc_pulse_data d;
  aimc_device_fit_result r;
  int rc = aimc_device_open(ctx, "pulse", card, &base);
  if (!rc) rc = aimc_pulse_data_load(ctx, csv, &d);
  if (rc) {
    aimc_device_free(ctx, base);
    return rc;
  }
  rc = aimc_device_fit(ctx, base, &d, &r);
  if (!rc) {
    printf(
        "fit of %s: %d devices, %d pulses that moved them\n"
        "| parameter | value | standard error |\n|---|---:|---:|\n"
        "| g_min | %.4g uS | %.2g uS |\n| g_max | %.4g uS | %.2g uS |\n"
        "| alpha_set | %.4g | %.2g |\n| alpha_reset | %.4g | %.2g |\n"
        "| gamma_set | %.4g | |\n| gamma_reset | %.4g | |\n"
        "| sigma_c2c | %.4g | %.2g |\n| sigma_d2d | %.4g | %.2g |\n"
        "| sigma_d2d_g | %.4g | |\n"
        "fit error: one-step update residual RMS %.4g (relative), %.4g uS\n",
        csv, r.n_devices, r.n_used, r.g_min * 1e6, r.se_g_min * 1e6,
        r.g_max * 1e6, r.se_g_max * 1e6, r.alpha_set, r.se_alpha_set,
        r.alpha_reset, r.se_alpha_reset, r.gamma_set, r.gamma_reset,
        r.sigma_c2c, r.se_sigma_c2c, r.sigma_d2d, r.se_sigma_d2d,
        r.sigma_d2d_g, r.rms_rel, r.rms_g_S * 1e6);
    char note[600];
    snprintf(note, sizeof note,
             "fitted by aimc device fit to %.400s (%d devices, %d pulses)", csv,
             r.n_devices, r.n_used);
    rc = aimc_device_fit_write(ctx, base, &r, note, out);
  }
  aimc_pulse_data_fini(ctx, &d);
  aimc_device_free(ctx, base);
  return rc;
}
