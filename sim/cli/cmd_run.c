/* aimc run: simulate inference of a mapped netlist over a test set on the
 * event kernel; write results JSON + predictions CSV (+ a trace). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/netlist.h"
#include "aimc/progress.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "cli.h"
#include "run_data.h"

int aimc_cli_arch_set(aimc_ctx *ctx, aimc_arch *arch, const char *spec);

static void help(void) {
  printf(
      "usage: aimc run NETLIST [--data TASK[,KEY=VALUE...]] [options]\n\n"
      "Simulates inference of a netlist written by 'aimc map' over a data\n"
      "split: programming, then per time step DACs, array reads, sensing,\n"
      "(shared) ADCs, the state register and the digital periphery, as\n"
      "events on the kernel. Prints accuracy, energy per inference by\n"
      "component class, latency and TOPS/W; writes DIR/results.json (schema\n"
      "in docs/energy-latency.md), DIR/predictions.csv and DIR/energy.csv\n"
      "(energy per instance per inference).\n\n"
      "options:\n"
      "  --data SPEC            data set: a task (zero_one, digits20, classes,\n"
      "                         fmnist_rows, fmnist_pixels) and optional keys of\n"
      "                         the data spec, e.g. zero_one,dir=data/digits.\n"
      "                         Default: the spec the model was trained on\n"
      "                         (recorded by aimc train); without the task,\n"
      "                         --data edits that spec (dir=data/digits).\n"
      "                         A warning says when --data changes the\n"
      "                         sequences the model saw.\n"
      "  --strict-data          another corpus or sequence length than the\n"
      "                         model was trained on is an error (exit 2),\n"
      "                         not a warning\n"
      "  --split test|val|train which split (default test)\n"
      "  --max N                at most N samples\n"
      "  --kernel native|systemc  event-kernel backend (default native)\n"
      "  -o, --output DIR       results folder (default NETLIST stem + .run)\n"
      "  --set SECTION.KEY=V    override a run-time arch value (nonideal,\n"
      "                         converters, programming, timing, energy)\n"
      "  --programmed FILE      reuse a saved programming instead of programming\n"
      "  --save-programmed FILE save the programmed conductances\n"
      "  --trace FILE           the kernel events of one inference: a VCD\n"
      "                         waveform (FILE.vcd: per layer one wire per\n"
      "                         stage) or CSV rows (any other name)\n"
      "  --trace-sample K       which sample to trace (default 0)\n"
      "  --logits               add the logits to predictions.csv\n");
}

static void on_progress(void *user, size_t done, size_t total) {
  (void)total;
  aimc_progress_update(user, done, NULL);
}

typedef struct {
  const char *netlist, *data, *out, *programmed, *save_programmed, *trace;
  const char *sets[32];
  int n_sets, strict_data;
  aimc_infer_opts o;
} run_args;

static int parse_args(aimc_ctx *ctx, int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  aimc_infer_opts_defaults(&a->o);
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--logits")) { a->o.keep_logits = 1; continue; }
    if (!strcmp(s, "--strict-data")) { a->strict_data = 1; continue; }
    if (s[0] != '-') {
      if (a->netlist) return aimc_cli_usage(ctx, "run", "unexpected argument '%s'", s);
      a->netlist = s;
      continue;
    }
    if (!v) return aimc_cli_usage(ctx, "run", "option '%s' needs a value", s);
    i++;
    if (!strcmp(s, "--data")) a->data = v;
    else if (!strcmp(s, "-o") || !strcmp(s, "--output")) a->out = v;
    else if (!strcmp(s, "--programmed")) a->programmed = v;
    else if (!strcmp(s, "--save-programmed")) a->save_programmed = v;
    else if (!strcmp(s, "--trace")) a->trace = v;
    else if (!strcmp(s, "--set") && a->n_sets < 32) a->sets[a->n_sets++] = v;
    else if (!strcmp(s, "--kernel")) {
      if (aimc_kernel_backend_parse(v, &a->o.backend))
        return aimc_cli_usage(ctx, "run", "--kernel takes native or systemc, not '%s'", v);
      if (a->o.backend == AIMC_KERNEL_SYSTEMC && !aimc_kernel_has_systemc())
        return aimc_cli_usage(ctx, "run",
                              "the SystemC backend is not available (not built, "
                              "or its plugin aimc_systemc.so cannot be "
                              "loaded)");
    } else if (!strcmp(s, "--split")) {
      if (!strcmp(v, "test")) a->o.split = AIMC_SPLIT_TEST;
      else if (!strcmp(v, "val")) a->o.split = AIMC_SPLIT_VAL;
      else if (!strcmp(v, "train")) a->o.split = AIMC_SPLIT_TRAIN;
      else return aimc_cli_usage(ctx, "run", "--split takes test, val or train, not '%s'", v);
    } else if (!strcmp(s, "--max") || !strcmp(s, "--trace-sample")) {
      char *end;
      long long n = strtoll(v, &end, 10);
      if (*end || n < 0)
        return aimc_cli_usage(ctx, "run", "%s takes a non-negative integer, not '%s'", s, v);
      if (s[2] == 'm') a->o.max_samples = (size_t)n;
      else a->o.trace_sample = (size_t)n;
    } else {
      return aimc_cli_usage(ctx, "run", "unknown option '%s'", s);
    }
  }
  if (!a->netlist) return aimc_cli_usage(ctx, "run", "needs a NETLIST");
  a->o.trace_path = a->trace;
  return AIMC_OK;
}

/* The arrays folder `aimc map` wrote beside the netlist must come from the
 * same map as the netlist: a map killed between publishing the folder and
 * the netlist leaves them from two maps. (A folder without the marker is
 * older or hand-made: accepted; copies of the netlist under another name
 * have no folder of their own.) */
static int check_arrays(aimc_ctx *ctx, const char *netlist, const aimc_map_meta *meta) {
  struct stat sb;
  char want[160], *have = NULL;
  if (lstat(meta->arrays_dir, &sb) != 0) return AIMC_OK;
  char path[sizeof meta->arrays_dir + 32];
  snprintf(path, sizeof path, "%s/" AIMC_OUTDIR_MARKER, meta->arrays_dir);
  if (!S_ISDIR(sb.st_mode) || lstat(path, &sb) != 0) return AIMC_OK;
  int st = aimc_outdir_check(ctx, meta->arrays_dir, "aimc map", &have);
  if (st) return st;
  snprintf(want, sizeof want, "aimc map\n");
  aimc_map_arrays_stamp(meta->model_hash, meta->arch_hash, want + 9, sizeof want - 9);
  if (strcmp(have, want) != 0)
    st = aimc_error(ctx, AIMC_EINVAL,
                    "%s and %s come from two different 'aimc map' runs (their "
                    "model and arch hashes differ: an interrupted map?); map again",
                    netlist, meta->arrays_dir);
  aimc_free(ctx, have);
  return st;
}

/* Model and arch as the netlist records them, checked against its hashes;
 * then the netlist itself, elaborated (a bad hand edit is reported with
 * file:line:col before any long work), checked against the mapping
 * (aimc_map_check_netlist); --set overrides the arch; then the mapping again
 * (deterministic) with the tiles' params (their costs), the targets the
 * netlist's crossbars name and the calibration its converters name. */
static int load_design(aimc_ctx *ctx, const run_args *a, aimc_map_meta *meta,
                       aimc_s4d_model **mdl, aimc_mapping **m) {
  aimc_arch arch;
  aimc_design *d = NULL;
  aimc_arch_defaults(&arch);
  int st = aimc_map_read_meta(ctx, a->netlist, meta);
  /* Older tiles meant other things by their params (an 8-bit placeholder
   * for the model's converters; no timing or energy), had no digital
   * periphery, and named model and arch from where aimc map ran: map
   * again (before those paths are followed). */
  if (!st && meta->tiles < AIMC_MAP_TILES_VERSION)
    st = aimc_error(ctx, AIMC_EINVAL,
                    "%s was written by an older aimc map (tiles version %d, this aimc "
                    "runs %d: each tile's converters act, the digital periphery is "
                    "instances, the paths are from the netlist's folder, each "
                    "crossbar names its layout, and the tile's parts pass words and "
                    "book the channels a read uses); map again",
                    a->netlist, meta->tiles, (int)AIMC_MAP_TILES_VERSION);
  if (!st) st = check_arrays(ctx, a->netlist, meta);
  if (!st) st = aimc_arch_load(ctx, meta->arch, &arch);
  if (!st && aimc_arch_hash(&arch) != meta->arch_hash)
    st = aimc_error(ctx, AIMC_EINVAL,
                    "%s: the arch %s changed since 'aimc map' (hash differs; "
                    "edited, or an interrupted map); map again",
                    a->netlist, meta->arch);
  if (!st) st = aimc_s4d_model_read(ctx, meta->model, mdl);
  if (!st && aimc_s4d_model_hash(*mdl) != meta->model_hash)
    st = aimc_error(ctx, AIMC_EINVAL,
                    "%s was mapped from another model than %s (hash differs); "
                    "map again", a->netlist, meta->model);
  if (!st) st = aimc_netlist_load(ctx, a->netlist, &d);
  /* The layout depends only on the arch's array section, which neither the
   * netlist nor --set may change: map once to name the tiles. */
  if (!st) st = aimc_map_model(ctx, *mdl, &arch, m);
  if (!st) st = aimc_map_check_netlist(ctx, d, *m);
  for (int i = 0; i < a->n_sets && !st; i++) {
    if (!strncmp(a->sets[i], "array.", 6))
      st = aimc_error(ctx, AIMC_EINVAL,
                      "--set %s changes the mapping: use it with 'aimc map'", a->sets[i]);
    else
      st = aimc_cli_arch_set(ctx, &arch, a->sets[i]);
  }
  /* device.* values the card must take: refused now, not at programming. */
  if (!st && a->n_sets) st = aimc_arch_check(ctx, "--set", &arch);
  aimc_mapping *mapped = *m; /* as the netlist was written: its calibration */
  *m = NULL;
  if (!st) st = aimc_map_model(ctx, *mdl, &arch, m);
  if (!st)
    st = aimc_map_load_netlist(ctx, d, mapped, meta->model, *m, (const char *const *)a->sets,
                               a->n_sets);
  aimc_mapping_free(ctx, mapped);
  aimc_design_free(ctx, d);
  return st;
}

/* `programmed`: the file the programming was loaded from, or NULL. */
static void print_summary(const aimc_infer_result *r, const char *dir, const char *programmed) {
  printf("samples      %zu (length %zu)\n", r->n_samples, r->length);
  printf("accuracy     %.2f %%\n", 100 * r->accuracy);
  printf("energy/inf   %.4g J  (", r->e_inf_total_J);
  static const aimc_energy_class CL[] = {AIMC_EC_DAC, AIMC_EC_ARRAY, AIMC_EC_TIA,
                                         AIMC_EC_ADC, AIMC_EC_REGISTER, AIMC_EC_DIGITAL,
                                         AIMC_EC_BUFFER, AIMC_EC_STATIC};
  for (size_t i = 0; i < sizeof CL / sizeof CL[0]; i++)
    printf("%s%s %.3g", i ? ", " : "", aimc_energy_class_name(CL[i]), r->e_inf_J[CL[i]]);
  printf(")\n");
  printf("latency      %llu cycles/step (%.4g ns), %llu cycles/inference (%.4g us)\n",
         (unsigned long long)r->cycles_step, r->latency_step_s * 1e9,
         (unsigned long long)r->cycles_seq, r->latency_seq_s * 1e6);
  printf("throughput   %.4g inferences/s, %.4g TOPS/W\n", r->throughput_inf_s, r->tops_per_w);
  printf("programming  %llu pulses, %.4g s, %.4g J, residual rms %.3g S%s%s%s\n",
         (unsigned long long)r->prog.pulses, r->prog.t_s, r->prog.e_J, r->prog.resid_rms_S,
         programmed ? " (loaded from " : "", programmed ? programmed : "",
         programmed ? ": what programming that chip cost, not this run)" : "");
  printf("simulation   %llu events, %.3f s wall\n", (unsigned long long)r->events, r->wall_s);
  printf("results      %s/results.json, %s/predictions.csv, %s/energy.csv\n", dir, dir, dir);
}

/* A file named inside the output folder would vanish when the folder is
 * swapped in as a unit: refused. */
static int inside_output(aimc_ctx *ctx, const char *dir, const char *file,
                         const char *opt) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  if (!file || strncmp(file, dir, n) != 0 || file[n] != '/') return AIMC_OK;
  return aimc_cli_usage(ctx, "run",
                        "%s %s is inside the output folder %.*s, which is "
                        "replaced as a whole: write it elsewhere",
                        opt, file, (int)n, dir);
}

int aimc_cmd_run(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  run_args a;
  int st = parse_args(ctx, argc, argv, &a);
  if (st) return st;
  aimc_data_spec spec;
  char dir[1024];
  if (a.out) {
    snprintf(dir, sizeof dir, "%s", a.out);
  } else {
    snprintf(dir, sizeof dir, "%s", a.netlist);
    char *dot = strrchr(dir, '.'), *slash = strrchr(dir, '/');
    if (dot && (!slash || dot > slash)) *dot = '\0';
    strncat(dir, ".run", sizeof dir - strlen(dir) - 1);
  }
  aimc_s4d_model *mdl = NULL;
  aimc_mapping *m = NULL;
  aimc_hw *hw = NULL;
  aimc_dataset *ds = NULL;
  aimc_infer_result r;
  memset(&r, 0, sizeof r);
  /* Everything that can be wrong with the inputs is checked before the
   * long work: design, data shape, output folder. */
  aimc_map_meta meta;
  char data_label[2 * AIMC_DATA_SPEC_TEXT_LEN];
  st = load_design(ctx, &a, &meta, &mdl, &m);
  if (!st) st = aimc_cli_choose_data(ctx, "run", a.data, mdl, meta.model, &spec, data_label,
                                        sizeof data_label);
  if (!st) st = aimc_dataset_load_split(ctx, &spec, a.o.split, &ds);
  if (!st)
    st = aimc_s4d_model_check_data_fp(ctx, mdl, meta.model, &spec,
                                      aimc_dataset_fingerprint(ds),
                                      aimc_dataset_length(ds), a.strict_data);
  if (!st && (aimc_dataset_n_features(ds) != (size_t)mdl->n_in ||
              aimc_dataset_n_classes(ds) != (size_t)mdl->n_out))
    st = aimc_error(ctx, AIMC_ESHAPE,
                    "%s: %zu features and %zu classes, but the model "
                    "expects %d features and %d classes",
                    data_label, aimc_dataset_n_features(ds), aimc_dataset_n_classes(ds),
                    mdl->n_in, mdl->n_out);
  if (!st && a.trace) { /* a sample past those run would give an empty trace */
    size_t n;
    aimc_dataset_split(ds, a.o.split, &n);
    if (a.o.max_samples && a.o.max_samples < n) n = a.o.max_samples;
    if (a.o.trace_sample >= n)
      st = aimc_cli_usage(ctx, "run", "--trace-sample %zu is past the %zu samples run",
                          a.o.trace_sample, n);
  }
  /* The folder is one unit: written under a temporary name and swapped in
   * whole, so a kill never leaves new results beside old predictions. */
  static const char *const LEGACY[] = {"results.json", "predictions.csv", "energy.csv",
                                       NULL};
  aimc_outdir *od = NULL;
  if (!st) st = inside_output(ctx, dir, a.trace, "--trace");
  if (!st) st = inside_output(ctx, dir, a.save_programmed, "--save-programmed");
  if (!st) st = aimc_outdir_begin(ctx, dir, "aimc run", LEGACY, &od);
  if (!st)
    st = a.programmed ? aimc_hw_load(ctx, m, a.programmed, &hw) : aimc_hw_program(ctx, m, &hw);
  if (!st && a.save_programmed) st = aimc_hw_save(ctx, hw, a.save_programmed);
  aimc_progress bar;
  if (!st) {
    size_t n;
    aimc_dataset_split(ds, a.o.split, &n);
    if (a.o.max_samples && a.o.max_samples < n) n = a.o.max_samples;
    aimc_progress_start(&bar, "run", n);
    a.o.progress = on_progress;
    a.o.progress_user = &bar;
    st = aimc_infer_run(ctx, mdl, hw, ds, &a.o, &r);
    aimc_progress_finish(&bar, NULL);
  }
  char path[4400];
  const char *tmp = od ? aimc_outdir_path(od) : dir;
  if (!st) {
    snprintf(path, sizeof path, "%s/results.json", tmp);
    st = aimc_infer_write_json(ctx, &r, path);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/predictions.csv", tmp);
    st = aimc_infer_write_csv(ctx, &r, path);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/energy.csv", tmp);
    st = aimc_infer_write_energy_csv(ctx, &r, path);
  }
  if (!st) st = aimc_outdir_commit(ctx, od, NULL);
  else aimc_outdir_abort(ctx, od);
  if (!st) print_summary(&r, dir, a.programmed);
  aimc_infer_result_fini(ctx, &r);
  aimc_dataset_free(ctx, ds);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  return st;
}
