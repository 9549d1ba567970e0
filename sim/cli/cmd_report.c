/* aimc report RESULTS: the HTML report (and SVG/PNG figures) of a sweep or
 * of one run. */
#include <stdio.h>
#include <string.h>

#include "aimc/report.h"
#include "aimc/status.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aimc report RESULTS [options]\n\n"
      "Writes a self-contained HTML report (report.html) and its figures as "
      "SVG\n"
      "and PNG files (PLplot) for RESULTS: a sweep directory or its "
      "results.json\n"
      "(aimc sweep), or one run's JSON (aimc run). Figures: energy per "
      "inference\n"
      "by component, accuracy vs programming noise per bit width, energy vs\n"
      "accuracy with the Pareto front over array sizes, latency vs array "
      "size,\n"
      "the netlist graph; then the results table. One run's report also "
      "has\n"
      "the energy per instance (energy_J.per_instance): bars per tile and "
      "the\n"
      "top instances with their share. See docs/report.md.\n\n"
      "options:\n"
      "  -o, --out DIR     output directory (default: RESULTS's directory + "
      "/report)\n"
      "  --title TEXT      page title (default: the sweep's name)\n"
      "  --graph FILE.svg  netlist graph to embed (e.g. from aimc graph)\n"
      "  --run FILE.json   also tabulate this run (repeatable, up to 8)\n"
      "  --train FILE.csv  the trainer's results.csv: adds float and "
      "quantized\n"
      "                    accuracy to a single run's report\n"
      "  --sigma KEY       setting on the noise axis (default: a key with "
      "'sigma')\n"
      "  --bits KEY        setting giving one line per value (default: "
      "'bits')\n"
      "  --size KEY        array-size setting (default: a key ending in "
      "'rows')\n"
      "  --errors se|std   error bars of the line figures around the mean "
      "over\n"
      "                    seeds: se (default), the standard error of the "
      "mean,\n"
      "                    s/sqrt(n), which is what the bars of a plotted "
      "mean\n"
      "                    should show; std, the sample standard deviation "
      "s\n"
      "                    (n - 1), the spread of one seed. Points with one "
      "seed\n"
      "                    have no bar.\n");
}

/* --errors VALUE into o->errors; a usage error names the choices. */
static int parse_errors(aimc_ctx *ctx, const char *value,
                        aimc_report_opts *o) {
  if (!strcmp(value, "se"))
    o->errors = AIMC_REPORT_ERRORS_SE;
  else if (!strcmp(value, "std"))
    o->errors = AIMC_REPORT_ERRORS_STD;
  else
    return aimc_cli_usage(ctx, "report",
                          "--errors '%s': expected se or std", value);
  return AIMC_OK;
}

int aimc_cmd_report(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  aimc_report_opts o = {0};
  const char *results = NULL, *runs[9] = {NULL}, *errors = "se";
  size_t n_runs = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (!strcmp(a, "-o") || !strcmp(a, "--out"))
      slot = &o.out_dir;
    else if (!strcmp(a, "--title"))
      slot = &o.title;
    else if (!strcmp(a, "--graph"))
      slot = &o.graph_svg;
    else if (!strcmp(a, "--train"))
      slot = &o.train_csv;
    else if (!strcmp(a, "--sigma"))
      slot = &o.sigma_key;
    else if (!strcmp(a, "--bits"))
      slot = &o.bits_key;
    else if (!strcmp(a, "--size"))
      slot = &o.size_key;
    else if (!strcmp(a, "--errors"))
      slot = &errors;
    else if (!strcmp(a, "--run")) {
      if (n_runs == 8)
        return aimc_cli_usage(ctx, "report", "at most 8 --run files");
      slot = &runs[n_runs++];
    } else if (a[0] == '-') {
      return aimc_cli_usage(ctx, "report", "unknown option '%s'", a);
    } else if (!results) {
      results = a;
      continue;
    } else {
      return aimc_cli_usage(ctx, "report", "unexpected argument '%s'", a);
    }
    if (i + 1 >= argc)
      return aimc_cli_usage(ctx, "report", "%s needs a value", a);
    *slot = argv[++i];
  }
  if (!results)
    return aimc_cli_usage(ctx, "report",
                          "missing RESULTS (a sweep directory or run JSON)");
  int rc = parse_errors(ctx, errors, &o);
  if (rc) return rc;
  o.runs = runs;
  char out[4096];
  if (!o.out_dir) {
    const char *slash = strrchr(results, '/');
    size_t n = strlen(results);
    int is_json = n > 5 && !strcmp(results + n - 5, ".json");
    if (is_json)
      snprintf(out, sizeof out, "%.*s/report",
               slash ? (int)(slash - results) : 1, slash ? results : ".");
    else
      snprintf(out, sizeof out, "%s/report", results);
    o.out_dir = out;
  }
  rc = aimc_report_write(ctx, results, &o);
  if (!rc) printf("report: %s/report.html\n", o.out_dir);
  return rc;
}
