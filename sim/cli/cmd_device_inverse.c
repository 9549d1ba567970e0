/* aimc device train-inverse: trains the neural one-shot inverse of a
 * device card (aimc/program_nn.h), saves it, and measures it against the
 * parametric inverse on a fresh population. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/device.h"
#include "aimc/program_nn.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "cli.h"
#include "cmd_device_sub.h"

static void help(void) {
  printf(
      "usage: aimc device train-inverse [--model M | --card FILE] -o INV.bin\n"
      "       aimc device train-inverse [--model M | --card FILE] --from INV.bin\n"
      "           [--hidden N] [--samples N] [--epochs N] [--rounds N]\n"
      "           [--set-by-width V] [--reset-by-width V] [--widths MIN:MAX]\n"
      "           [--noisy-labels] [--eval N] [--tol G] [--frac F]\n\n"
      "Trains the neural one-shot inverse (arXiv 2403.06712) of a device\n"
      "card: an MLP from (present conductance, wanted update, polarity) to the\n"
      "pulse, on pulses simulated from the card (d2d, c2c and read noise on),\n"
      "and writes it as a versioned, checksummed file for the crossbar's\n"
      "oneshot_nn programming. Then programs --eval fresh devices (start and\n"
      "target uniform over the central --frac of the window) with it and with\n"
      "the parametric inverse and prints the share within +-50 %% of the\n"
      "intended update, the residual RMS, pulse energy and time.\n\n"
      "options:\n"
      "  --model M, --card FILE   device (default: the pulse model)\n"
      "  -o FILE                  the network (written atomically)\n"
      "  --from FILE              evaluate a saved network on the card (it\n"
      "                           must have been trained for that card)\n"
      "  --hidden N               units per hidden layer (default 32)\n"
      "  --samples N              simulated pulses per polarity and round\n"
      "                           (default 8000)\n"
      "  --epochs N               epochs per round (default 60)\n"
      "  --rounds N               refinement rounds on the network's own\n"
      "                           pulses (default 3)\n"
      "  --set-by-width V         dose SET by the pulse width at amplitude V\n"
      "                           instead of by the amplitude (abrupt SET,\n"
      "                           e.g. the vcm card: --set-by-width 1.1V)\n"
      "  --reset-by-width V       the same for RESET\n"
      "  --widths MIN:MAX         width range of width control (1ns:10us)\n"
      "  --noisy-labels           learn from the noisy measured updates (as\n"
      "                           with measured data) instead of each\n"
      "                           device's expected update\n"
      "  --eval N                 devices for the evaluation (default 2000;\n"
      "                           0: none)\n"
      "  --tol G                  updates within G need no pulse (default\n"
      "                           1uS)\n"
      "  --frac F                 share of the window used (default 1)\n"
      "Uses the global --seed. Exit status: 0 ok, 1 failure, 2 bad input.\n");
}

static int int_arg(aimc_ctx *ctx, const char *opt, const char *s, int lo,
                   int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end || v < lo || v > hi)
    return aimc_cli_usage(ctx, "device", "train-inverse: %s '%s' must be an "
                          "integer in [%d, %d]", opt, s, lo, hi);
  *out = (int)v;
  return AIMC_OK;
}

static int unit_arg(aimc_ctx *ctx, const char *opt, const char *s,
                    aimc_unit u, double *out) {
  char err[200];
  if (aimc_unit_parse(s, u, out, err, sizeof err) || !(*out > 0))
    return aimc_cli_usage(ctx, "device", "train-inverse: %s: %s", opt,
                          *err ? err : "must be > 0");
  return AIMC_OK;
}

int aimc_cmd_device_train_inverse(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  aimc_nninv_opts o;
  aimc_nninv_defaults(&o);
  const char *model = NULL, *card = NULL, *out = NULL, *from = NULL;
  int n_eval = 2000, rc = AIMC_OK;
  double tol = 1e-6, frac = 1;
  for (int i = 1; i < argc && !rc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--noisy-labels")) {
      o.noisy_labels = 1;
      continue;
    }
    if (!v)
      return aimc_cli_usage(ctx, "device", "train-inverse: unexpected "
                            "argument '%s'", a);
    i++;
    if (!strcmp(a, "--model"))
      model = v;
    else if (!strcmp(a, "--card"))
      card = v;
    else if (!strcmp(a, "-o"))
      out = v;
    else if (!strcmp(a, "--from"))
      from = v;
    else if (!strcmp(a, "--hidden"))
      rc = int_arg(ctx, a, v, 4, AIMC_NNINV_MAX_HIDDEN, &o.hidden);
    else if (!strcmp(a, "--samples"))
      rc = int_arg(ctx, a, v, 200, 10000000, &o.n_samples);
    else if (!strcmp(a, "--epochs"))
      rc = int_arg(ctx, a, v, 1, 100000, &o.epochs);
    else if (!strcmp(a, "--rounds"))
      rc = int_arg(ctx, a, v, 0, 10, &o.rounds);
    else if (!strcmp(a, "--eval"))
      rc = int_arg(ctx, a, v, 0, 10000000, &n_eval);
    else if (!strcmp(a, "--set-by-width") || !strcmp(a, "--reset-by-width")) {
      int pol = a[2] == 'r';
      o.by_width[pol] = 1;
      rc = unit_arg(ctx, a, v, AIMC_U_VOLT, &o.v_width[pol]);
    } else if (!strcmp(a, "--widths")) {
      char buf[128];
      snprintf(buf, sizeof buf, "%s", v);
      char *colon = strchr(buf, ':');
      if (!colon)
        return aimc_cli_usage(ctx, "device", "train-inverse: --widths '%s' "
                              "is not MIN:MAX", v);
      *colon = '\0';
      rc = unit_arg(ctx, a, buf, AIMC_U_SECOND, &o.w_min_s);
      if (!rc) rc = unit_arg(ctx, a, colon + 1, AIMC_U_SECOND, &o.w_max_s);
      if (!rc && !(o.w_min_s < o.w_max_s && o.w_max_s <= 1))
        rc = aimc_cli_usage(ctx, "device", "train-inverse: --widths needs "
                            "MIN < MAX <= 1s");
    } else if (!strcmp(a, "--tol"))
      rc = unit_arg(ctx, a, v, AIMC_U_SIEMENS, &tol);
    else if (!strcmp(a, "--frac")) {
      char *end;
      frac = strtod(v, &end);
      if (end == v || *end || !(frac > 0 && frac <= 1))
        rc = aimc_cli_usage(ctx, "device", "train-inverse: --frac '%s' must "
                            "lie in (0, 1]", v);
    } else
      return aimc_cli_usage(ctx, "device", "train-inverse: unexpected "
                            "argument '%s'", a);
  }
  if (rc) return rc;
  if (!out == !from)
    return aimc_cli_usage(ctx, "device",
                          "train-inverse needs -o FILE (train) or --from FILE "
                          "(evaluate), not both");
  if (model && card)
    return aimc_cli_usage(ctx, "device", "give --model or --card, not both");
  aimc_device *dev = NULL;
  aimc_nninv *nn = NULL;
  aimc_oneshot *os = NULL;
  rc = aimc_device_open(ctx, model ? model : aimc_device_model_default()->name,
                        card, &dev);
  gsl_rng *rng = aimc_ctx_rng(ctx);
  if (!rc && from) {
    rc = aimc_nninv_load(ctx, from, &nn);
    if (!rc) rc = aimc_nninv_check_device(ctx, nn, dev, from);
  } else if (!rc) {
    rc = aimc_nninv_train(ctx, dev, &o, rng, &nn);
    if (!rc) rc = aimc_nninv_save(ctx, nn, out);
  }
  if (!rc && !from)
    printf("%s: %d-%d-%d-1 network for the %s card, %d x 2 x %d pulses, "
           "training RMS %.4f of the output range\n",
           out, AIMC_NNINV_INPUTS, o.hidden, o.hidden, dev->model->name,
           o.rounds + 1, o.n_samples, aimc_nninv_train_rms(nn));
  if (!rc && n_eval > 0) rc = aimc_oneshot_fit(ctx, dev, 4000, rng, &os);
  if (!rc && n_eval > 0) {
    printf("| inverse | devices | within +-50 %% of update | residual RMS | "
           "energy/device | time/device |\n|---|---:|---:|---:|---:|---:|\n");
    for (int k = 0; k < 2 && !rc; k++) {
      aimc_prog_pop s;
      rc = aimc_prog_population(ctx, dev,
                                k ? aimc_prog_fn_oneshot : aimc_prog_fn_nninv,
                                k ? (void *)os : (void *)nn, n_eval, frac, tol,
                                rng, &s);
      if (!rc)
        printf("| %s | %d | %.2f %% | %.3g uS | %.3g pJ | %.3g us |\n",
               k ? "parametric" : "neural", s.n, 100 * s.hit50,
               s.rms_err_S * 1e6, s.e_J * 1e12, s.t_s * 1e6);
    }
  }
  aimc_oneshot_free(ctx, os);
  aimc_nninv_free(ctx, nn);
  aimc_device_free(ctx, dev);
  return rc;
}
