/* aimc device: applies a pulse train to one device and writes its
 * conductance after every pulse as CSV — the quickest look at a device
 * model or card (SET/RESET asymmetry, saturation, noise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/device.h"
#include "aimc/fileio.h"
#include "aimc/program.h"
#include "aimc/status.h"
#include "cli.h"
#include "cmd_device_sub.h"

static void help(void) {
  printf(
      "usage: aimc device [--model MODEL | --card FILE] [--set "
      "key=value]...\n"
      "                   [--train SPEC] [--read V] [--nominal] [-o "
      "FILE.csv]\n\n"
      "Applies a pulse train to one fresh device and writes, per pulse, the\n"
      "conductance and the read current after it as CSV (stdout or -o):\n"
      "  pulse,v_V,width_s,g_S,i_read_A,e_pulse_J,e_read_J\n"
      "Row 0 is the initial state.\n\n"
      "options:\n"
      "  --model M       device model (default pulse) with its default values\n"
      "  --card FILE     device card YAML (configs/devices/), instead of "
      "--model\n"
      "  --set k=v       override one parameter (e.g. --set g_max=80uS)\n"
      "  --train SPEC    segments COUNTxAMPLITUDE[@WIDTH], comma-separated;\n"
      "                  default '50x1.0V,50x-1.0V'; width defaults to the\n"
      "                  device's programming width; v > 0 SET, v < 0 RESET\n"
      "  --target G      instead of a train, program the device to G with\n"
      "                  write-verify (aimc/program.h defaults) and write one\n"
      "                  row per pulse; the last row is the final state\n"
      "  --tol G         write-verify tolerance (default 1uS)\n"
      "  --read V        read voltage (default: the device's v_read)\n"
      "  --nominal       no device-to-device, cycle-to-cycle or read noise\n"
      "  -o FILE         write the CSV atomically to FILE\n"
      "Uses the global --seed. Exit status: 0 ok, 1 I/O failure, 2 bad "
      "input.\n\n"
      "subcommands (each with --help):\n"
      "  aimc device fit PULSES.csv -o CARD.yaml   fit a pulse-model card to\n"
      "                  measured pulse trains\n"
      "  aimc device train-inverse -o INV.bin      train the neural one-shot\n"
      "                  programming inverse of a card\n");
}

typedef struct {
  long count;
  double v, width;
} segment;

#define MAX_SEGMENTS 64

/* "100x1.2V@50ns,20x-1V" -> segments; errors name the segment. */
static int parse_train(aimc_ctx *ctx, const char *spec, double width_default,
                       segment *seg, int *n_seg) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", spec);
  *n_seg = 0;
  for (char *s = buf, *next; s && *s; s = next) {
    next = strchr(s, ',');
    if (next) *next++ = '\0';
    if (*n_seg == MAX_SEGMENTS)
      return aimc_cli_usage(ctx, "device", "--train: more than %d segments",
                            MAX_SEGMENTS);
    segment *g = &seg[(*n_seg)++];
    char *x = strchr(s, 'x'), *at = strchr(s, '@'), *end, err[200];
    if (!x)
      return aimc_cli_usage(ctx, "device",
                            "--train: '%s' is not COUNTxAMPLITUDE[@WIDTH]", s);
    *x = '\0';
    g->count = strtol(s, &end, 10);
    if (end == s || *end || g->count < 1 || g->count > 10000000)
      return aimc_cli_usage(
          ctx, "device", "--train: count '%s' must be an integer in [1, 1e7]",
          s);
    if (at) *at = '\0';
    if (aimc_unit_parse(x + 1, AIMC_U_VOLT, &g->v, err, sizeof err))
      return aimc_cli_usage(ctx, "device", "--train: amplitude: %s", err);
    g->width = width_default;
    if (at &&
        aimc_unit_parse(at + 1, AIMC_U_SECOND, &g->width, err, sizeof err))
      return aimc_cli_usage(ctx, "device", "--train: width: %s", err);
    if (!(g->width > 0 && g->width <= 1))
      return aimc_cli_usage(ctx, "device",
                            "--train: width = %s is out of range (0, 1s]",
                            at ? at + 1 : "?");
  }
  if (*n_seg == 0) return aimc_cli_usage(ctx, "device", "--train: empty");
  return AIMC_OK;
}

static void row(FILE *out, long k, double v, double w, double g, double i,
                double ep, double er) {
  fprintf(out, "%ld,%.6g,%.6g,%.9g,%.9g,%.6g,%.6g\n", k, v, w, g, i, ep, er);
}

static int run(aimc_ctx *ctx, aimc_device *dev, const char *train,
               double v_read, int nominal, FILE *out) {
  aimc_pulse_limits lim;
  aimc_device_limits(dev, &lim);
  if (v_read == 0) v_read = lim.v_read_V;
  segment seg[MAX_SEGMENTS];
  int n_seg;
  int rc = parse_train(ctx, train, lim.width_s, seg, &n_seg);
  if (rc) return rc;
  void *cell = aimc_calloc(ctx, 1, aimc_device_cell_size(dev));
  if (!cell) return aimc_error(ctx, AIMC_ENOMEM, "device: out of memory");
  gsl_rng *rng = nominal ? NULL : aimc_ctx_rng(ctx);
  aimc_device_cell_init(dev, cell, rng);
  aimc_device_result p = {0}, r;
  fprintf(out, "pulse,v_V,width_s,g_S,i_read_A,e_pulse_J,e_read_J\n");
  aimc_device_read(dev, cell, v_read, rng, &r);
  row(out, 0, 0, 0, aimc_device_g(dev, cell), r.i_A, 0, r.e_J);
  long k = 0;
  for (int s = 0; s < n_seg; s++)
    for (long c = 0; c < seg[s].count; c++) {
      aimc_device_pulse(dev, cell, seg[s].v, seg[s].width, rng, &p);
      aimc_device_read(dev, cell, v_read, rng, &r);
      row(out, ++k, seg[s].v, seg[s].width, p.g_S, r.i_A, p.e_J, r.e_J);
    }
  aimc_free(ctx, cell);
  return AIMC_OK;
}

/* Write-verify trace: one row per pulse (the verify reads are in the
 * energy and time of the controller, not in the rows). */
static int trace_write_verify(aimc_ctx *ctx, aimc_device *dev, double target,
                              double tol, double v_read, int nominal,
                              FILE *out) {
  void *cell = aimc_calloc(ctx, 1, aimc_device_cell_size(dev));
  if (!cell) return aimc_error(ctx, AIMC_ENOMEM, "device: out of memory");
  gsl_rng *rng = nominal ? NULL : aimc_ctx_rng(ctx);
  aimc_device_cell_init(dev, cell, rng);
  aimc_wv_params p;
  aimc_wv_defaults(&p);
  p.tol_S = tol;
  aimc_wv w;
  aimc_wv_init(&w, dev, &p, cell, target);
  if (v_read != 0) w.lim.v_read_V = v_read;
  aimc_device_result r;
  fprintf(out, "pulse,v_V,width_s,g_S,i_read_A,e_pulse_J,e_read_J\n");
  aimc_device_read(dev, cell, w.lim.v_read_V, rng, &r);
  row(out, 0, 0, 0, aimc_device_g(dev, cell), r.i_A, 0, r.e_J);
  for (;;) {
    double g_read = 0, e_read = 0, i_read = 0, v, width;
    for (int k = 0; k < p.n_reads; k++) {
      aimc_device_read(dev, cell, w.lim.v_read_V, rng, &r);
      g_read += r.g_S / p.n_reads;
      i_read += r.i_A / p.n_reads;
      e_read += r.e_J;
    }
    if (!aimc_wv_decide(&w, g_read, &v, &width)) break;
    aimc_device_result pr;
    aimc_device_pulse(dev, cell, v, width, rng, &pr);
    row(out, w.res.pulses, v, width, pr.g_S, i_read, pr.e_J, e_read);
  }
  aimc_log(ctx, AIMC_LOG_INFO,
           "write-verify to %g S: %s after %d pulses, final G %g S", target,
           w.res.converged ? "converged" : "NOT converged", w.res.pulses,
           aimc_device_g(dev, cell));
  aimc_free(ctx, cell);
  return AIMC_OK;
}

int aimc_cmd_device(aimc_ctx *ctx, int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "fit"))
    return aimc_cmd_device_fit(ctx, argc - 1, argv + 1);
  if (argc > 1 && !strcmp(argv[1], "train-inverse"))
    return aimc_cmd_device_train_inverse(ctx, argc - 1, argv + 1);
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  const char *model = aimc_device_model_default()->name, *card = NULL, *train = "50x1.0V,50x-1.0V",
             *path = NULL;
  const char *sets[32];
  int n_sets = 0, nominal = 0, has_target = 0, has_model = 0;
  double v_read = 0, target = 0, tol = 1e-6;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int more = i + 1 < argc;
    if (!strcmp(a, "--model") && more) {
      model = argv[++i];
      has_model = 1;
    } else if (!strcmp(a, "--card") && more)
      card = argv[++i];
    else if (!strcmp(a, "--train") && more)
      train = argv[++i];
    else if (!strcmp(a, "-o") && more)
      path = argv[++i];
    else if (!strcmp(a, "--nominal"))
      nominal = 1;
    else if ((!strcmp(a, "--target") || !strcmp(a, "--tol")) && more) {
      char err[200] = "must be > 0";
      double *dst = !strcmp(a, "--target") ? &target : &tol;
      if (aimc_unit_parse(argv[++i], AIMC_U_SIEMENS, dst, err, sizeof err) ||
          *dst <= 0)
        return aimc_cli_usage(ctx, "device", "%s: %s", a, err);
      has_target |= dst == &target;
    } else if (!strcmp(a, "--set") && more) {
      if (n_sets == 32)
        return aimc_cli_usage(ctx, "device", "more than 32 --set options");
      sets[n_sets++] = argv[++i];
    } else if (!strcmp(a, "--read") && more) {
      char err[200];
      int bad = aimc_unit_parse(argv[++i], AIMC_U_VOLT, &v_read, err, sizeof err);
      if (bad || v_read == 0)
        return aimc_cli_usage(ctx, "device", "--read: %s",
                              bad ? err : "must not be 0");
    } else {
      return aimc_cli_usage(ctx, "device", "unexpected argument '%s'", a);
    }
  }
  /* A card names its own model: both would leave one of them unused. */
  if (card && has_model)
    return aimc_cli_usage(ctx, "device", "give --model or --card, not both");
  aimc_device *dev = NULL;
  int rc = card ? aimc_device_load(ctx, card, &dev)
                : aimc_device_alloc(ctx, model, &dev);
  for (int s = 0; s < n_sets && !rc; s++) {
    char key[128];
    const char *eq = strchr(sets[s], '=');
    if (!eq || eq == sets[s] || (size_t)(eq - sets[s]) >= sizeof key) {
      rc = aimc_cli_usage(ctx, "device", "--set takes key=value, not '%s'",
                          sets[s]);
      break;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - sets[s]), sets[s]);
    rc = aimc_device_set(ctx, dev, key, eq + 1);
  }
  aimc_atomic_file *f = NULL;
  if (!rc && path) rc = aimc_atomic_open(ctx, path, &f);
  FILE *out = f ? aimc_atomic_stream(f) : stdout;
  if (!rc && has_target) {
    /* Write-verify cannot reach a target outside the device's window: it
     * would pulse to its attempt limit and end "not converged". */
    double g_lo, g_hi;
    aimc_device_window(dev, &g_lo, &g_hi);
    if (target < g_lo || target > g_hi) {
      char t[32], lo[32], hi[32];
      rc = aimc_cli_usage(ctx, "device",
                          "--target %s is outside the device's window "
                          "[%s, %s]",
                          aimc_unit_format(target, AIMC_U_SIEMENS, t, sizeof t),
                          aimc_unit_format(g_lo, AIMC_U_SIEMENS, lo, sizeof lo),
                          aimc_unit_format(g_hi, AIMC_U_SIEMENS, hi, sizeof hi));
    }
  }
  if (!rc && has_target)
    rc = trace_write_verify(ctx, dev, target, tol, v_read, nominal, out);
  else if (!rc)
    rc = run(ctx, dev, train, v_read, nominal, out);
  if (f) {
    if (rc)
      aimc_atomic_abort(ctx, f);
    else
      rc = aimc_atomic_commit(ctx, f);
  }
  aimc_device_free(ctx, dev);
  return rc;
}
