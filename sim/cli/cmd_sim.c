/* aimc sim: loads a netlist, runs it on the event kernel (native or
 * SystemC) to completion or until a time, and prints what happened:
 * simulated time, events, energy per class, and the probes' records;
 * --trace writes the events as CSV or VCD (sim_trace.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/netlist.h"
#include "aimc/probe.h"
#include "aimc/progress.h"
#include "aimc/status.h"
#include "cli.h"
#include "netlist_opts.h"
#include "run_data.h"
#include "sim_input.h"
#include "sim_trace.h"

static void help(void) {
  printf(
      "usage: aimc sim NETLIST [--kernel native|systemc] [--until TIME]\n"
      "                [--trace FILE.csv|FILE.vcd] [--seed N] [--records N]\n"
      "                [-D name=value]...\n"
      "                [--input FILE.csv | --sample K [--data SPEC] [--split S]]\n"
      "                [--json FILE]\n\n"
      "Simulates a netlist (docs/netlist-format.md) event by event and prints\n"
      "the simulated time, the events delivered, the energy per class and\n"
      "what every probe recorded. Probes with a `file:` parameter also write\n"
      "their records as CSV.\n\n"
      "options:\n"
      "  --kernel K      event kernel backend: native (default) or systemc;\n"
      "                  both give identical results (docs/kernel.md)\n"
      "  --until TIME    stop at TIME (e.g. 2us) instead of when no event is\n"
      "                  left; events at exactly TIME are delivered\n"
      "  --trace FILE    write every delivered event as CSV:\n"
      "                  time_fs,delta,seq,handler,tag,data,what;\n"
      "                  FILE.vcd: waveforms for GTKWave (per instance its\n"
      "                  own events and energy, element 0 of every driven\n"
      "                  net; docs/kernel.md, Traces)\n"
      "  --seed N        seed of every random draw (also a global option)\n"
      "  --records N     probe records printed per probe (default 10)\n"
      "  -D name=value   override a top-level netlist parameter\n"
      "  --input FILE    one inference of a netlist written by 'aimc map': FILE\n"
      "                  holds one sequence's features, one time step per line\n"
      "                  of n_in comma-separated numbers (the width of the\n"
      "                  netlist's external net `features`). Each step drives\n"
      "                  `features` once the design has settled from the step\n"
      "                  before; at the end aimc sim prints the `logits` net\n"
      "                  (the decoder's output after the last step), the\n"
      "                  predicted class, the simulated time and the energy of\n"
      "                  every instance (docs/netlist-format.md, aimc sim --input)\n"
      "  --sample K      the same from sample K of a split of the data (the\n"
      "                  data spec the netlist's model records, or --data), as\n"
      "                  'aimc run' feeds its sample K, with the noise streams\n"
      "                  'aimc run' gives that sample: the two analyses of one\n"
      "                  inference (docs/architecture.md)\n"
      "  --data SPEC     with --sample: the data (aimc run --help)\n"
      "  --split S       with --sample: test (default), val or train\n"
      "  --json FILE     with --input or --sample: write those results as JSON\n"
      "                  (atomically)\n"
      "Exit status: 0 ok, 1 simulation failure, 2 usage or netlist error.\n");
}

typedef struct {
  aimc_cli_netlist_args net;
  aimc_kernel_backend backend;
  int has_until;
  aimc_time until;
  const char *trace_path;
  const char *input, *json, *data;
  long records;
  int has_sample;
  unsigned long long sample;
  aimc_data_split split;
} sim_opts;

/* Options after NETLIST; -D and the path go to the shared parser. */
static int parse(aimc_ctx *ctx, int argc, char **argv, sim_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(opt, "--kernel")) {
      if (!has_value || aimc_kernel_backend_parse(argv[i + 1], &o->backend))
        return aimc_cli_usage(ctx, "sim",
                              "--kernel takes native or systemc, not '%s'",
                              has_value ? argv[i + 1] : "");
      i++;
    } else if (!strcmp(opt, "--until")) {
      char err[256] = "missing value";
      if (!has_value || aimc_time_parse(argv[i + 1], &o->until, err, sizeof err))
        return aimc_cli_usage(ctx, "sim", "--until: %s", err);
      o->has_until = 1;
      i++;
    } else if (!strcmp(opt, "--input") || !strcmp(opt, "--json")) {
      if (!has_value) return aimc_cli_usage(ctx, "sim", "%s needs a file", opt);
      *(!strcmp(opt, "--input") ? &o->input : &o->json) = argv[++i];
    } else if (!strcmp(opt, "--trace")) {
      if (!has_value) return aimc_cli_usage(ctx, "sim", "--trace needs a file");
      o->trace_path = argv[++i];
    } else if (!strcmp(opt, "--data")) {
      if (!has_value) return aimc_cli_usage(ctx, "sim", "--data needs a spec");
      o->data = argv[++i];
    } else if (!strcmp(opt, "--split")) {
      const char *v = has_value ? argv[++i] : "";
      if (!strcmp(v, "test")) o->split = AIMC_SPLIT_TEST;
      else if (!strcmp(v, "val")) o->split = AIMC_SPLIT_VAL;
      else if (!strcmp(v, "train")) o->split = AIMC_SPLIT_TRAIN;
      else return aimc_cli_usage(ctx, "sim", "--split takes test, val or train, not '%s'", v);
    } else if (!strcmp(opt, "--seed") || !strcmp(opt, "--records") ||
               !strcmp(opt, "--sample")) {
      char *end = NULL;
      unsigned long long v = has_value ? strtoull(argv[i + 1], &end, 10) : 0;
      if (!has_value || !*argv[i + 1] || *end || argv[i + 1][0] == '-')
        return aimc_cli_usage(ctx, "sim", "%s takes a non-negative integer",
                              opt);
      if (!strcmp(opt, "--seed"))
        aimc_ctx_reseed(ctx, (uint64_t)v);
      else if (!strcmp(opt, "--sample"))
        o->has_sample = 1, o->sample = v;
      else
        o->records = (long)v;
      i++;
    } else {
      int st = aimc_cli_netlist_arg(ctx, "sim", &o->net, argc, argv, &i);
      if (st) return st;
    }
  }
  if (!o->net.path) return aimc_cli_usage(ctx, "sim", "missing NETLIST");
  if (o->input && o->has_sample)
    return aimc_cli_usage(ctx, "sim", "--input and --sample both give the input: one of them");
  if ((o->data || o->split != AIMC_SPLIT_TEST) && !o->has_sample)
    return aimc_cli_usage(ctx, "sim", "--data and --split choose the sample of --sample K");
  if (o->json && !o->input && !o->has_sample)
    return aimc_cli_usage(ctx, "sim", "--json needs --input or --sample");
  return AIMC_OK;
}

/* When nothing happened because nothing drives the netlist's inputs (nets
 * driven from outside, as a mapped design's are): says which, and what
 * runs a mapped design's inference. */
static void hint_undriven(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d) {
  if (aimc_kernel_delivered(aimc_engine_kernel(e)) != 0) return;
  char names[256] = "";
  size_t n = 0, used = 0;
  for (size_t i = 0; i < d->n_net; i++) {
    if (d->net[i].driver >= 0) continue;
    if (n++ < 3 && used < sizeof names)
      used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", n > 1 ? ", " : "",
                               d->net[i].name);
  }
  if (!n) return;
  aimc_log(ctx, AIMC_LOG_INFO,
           "nothing happened: nothing drives the %zu net%s that come%s from outside (%s%s); "
           "drive %s with a source (docs/netlist-format.md)%s",
           n, n == 1 ? "" : "s", n == 1 ? "s" : "", names, n > 3 ? ", ..." : "",
           n == 1 ? "it" : "them",
           d->name && !strcmp(d->name, "s4d_mapped")
               ? "; 'aimc run' simulates this mapped design's inference"
               : "");
}

/* Observes every delivered event: the trace and the progress bar. */
typedef struct {
  aimc_cli_trace *trace;
  aimc_progress *progress;
  aimc_time until;
  uint64_t seen;
} observer;

static void observe(void *user, const aimc_event *ev) {
  observer *o = user;
  if (o->trace) aimc_cli_trace_event(o->trace, ev);
  if (o->progress && (++o->seen & 0xFFFF) == 0)
    aimc_progress_update(o->progress,
                         (uint64_t)((double)ev->time / o->until * 1000), NULL);
}

static void print_summary(aimc_engine *e, const aimc_design *d,
                          const sim_opts *o) {
  aimc_kernel *k = aimc_engine_kernel(e);
  char buf[64];
  printf("netlist   %s (%s): %zu instances, %zu nets\n",
         d->name ? d->name : "(unnamed)", d->path, d->n_inst, d->n_net);
  printf("kernel    %s, seed %" PRIu64 "\n", aimc_kernel_backend_name(o->backend),
         aimc_ctx_seed(aimc_kernel_ctx(k)));
  printf("time      %s\n", aimc_time_format(aimc_kernel_now(k), buf, sizeof buf));
  printf("events    %" PRIu64 " delivered, %zu pending\n",
         aimc_kernel_delivered(k), aimc_kernel_pending(k));
  uint64_t ops = 0;
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++)
    ops += aimc_inst_ops(aimc_engine_inst(e, i));
  printf("energy    %s total, %" PRIu64 " ops\n",
         aimc_unit_format(aimc_engine_energy_total(e), AIMC_U_JOULE, buf,
                          sizeof buf),
         ops);
  for (int c = 0; c < AIMC_EC_COUNT_; c++) {
    double e_J = aimc_engine_energy(e, (aimc_energy_class)c);
    if (e_J != 0.0)
      printf("  %-12s %s\n", aimc_energy_class_name((aimc_energy_class)c),
             aimc_unit_format(e_J, AIMC_U_JOULE, buf, sizeof buf));
  }
}

static void print_probes(aimc_engine *e, long max_records) {
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    aimc_inst *inst = aimc_engine_inst(e, i);
    if (!aimc_probe_is(inst)) continue;
    size_t n = aimc_probe_count(inst);
    printf("probe %s: %zu vector%s of %d\n", aimc_inst_name(inst), n,
           n == 1 ? "" : "s", aimc_probe_width(inst));
    for (size_t r = 0; r < n && (long)r < max_records; r++) {
      aimc_time t;
      const double *v;
      char buf[64];
      if (aimc_probe_record(inst, r, &t, &v)) break;
      printf("  %-10s", aimc_time_format(t, buf, sizeof buf));
      for (int j = 0; j < aimc_probe_width(inst); j++) printf(" %g", v[j]);
      printf("\n");
    }
    if ((long)n > max_records)
      printf("  ... %zu more (--records N shows more)\n",
             n - (size_t)max_records);
  }
}

/* --input or --sample: the features, then one inference (sim_input.c). */
static int run_input(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d, const sim_opts *o,
                     const double *x, int len) {
  static const char *const SPLITS[AIMC_SPLIT_COUNT] = {"train", "val", "test"};
  char what[64];
  snprintf(what, sizeof what, "sample %llu of %s", o->sample, SPLITS[o->split]);
  aimc_sim_result r;
  if (o->has_sample) aimc_engine_set_sample(e, o->sample);
  int st = aimc_cli_sim_input(ctx, e, d, x, len, &r);
  if (!st) aimc_cli_sim_print(e, &r);
  if (!st && o->json)
    st = aimc_cli_sim_write_json(ctx, e, &r, o->net.path, o->input ? o->input : what, o->json);
  return st;
}

/* Loads, runs and reports; the trace file is committed only on success. */
static int simulate(aimc_ctx *ctx, const sim_opts *o) {
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  aimc_progress progress;
  observer obs = {0};
  double *x = NULL;
  int len = 0, in = -1, out = -1, one = o->input || o->has_sample;
  int st = aimc_netlist_load_opts(ctx, o->net.path, &o->net.opts, &d);
  /* The input's shape is checked before the instances' init (programming). */
  if (!st && one) st = aimc_cli_sim_nets(ctx, d, &in, &out);
  if (!st && o->input) st = aimc_cli_sim_read_csv(ctx, o->input, d->net[in].width, &x, &len);
  if (!st && o->has_sample)
    st = aimc_cli_sample_features(ctx, o->net.path, o->data, o->split, (size_t)o->sample,
                                  d->net[in].width, &x, &len);
  if (!st) st = aimc_engine_alloc(ctx, d, o->backend, &e);
  if (!st && o->trace_path)
    st = aimc_cli_trace_open(ctx, e, d, o->trace_path, &obs.trace);
  if (!st && one) {
    aimc_kernel_set_trace(aimc_engine_kernel(e), observe, &obs);
    st = run_input(ctx, e, d, o, x, len);
  } else if (!st) {
    if (o->has_until && o->until > 0) {
      aimc_progress_start(&progress, "sim", 1000);
      obs.progress = &progress;
      obs.until = o->until;
    }
    aimc_kernel_set_trace(aimc_engine_kernel(e), observe, &obs);
    st = o->has_until ? aimc_engine_run_until(e, o->until) : aimc_engine_run(e);
    if (obs.progress) aimc_progress_finish(obs.progress, NULL);
  }
  if (!st && obs.trace) {
    st = aimc_cli_trace_commit(obs.trace);
    obs.trace = NULL;
  }
  if (!st && !one) {
    print_summary(e, d, o);
    print_probes(e, o->records);
    hint_undriven(ctx, e, d);
    size_t written = 0;
    st = aimc_probe_write_all(ctx, e, &written);
    if (!st && written) printf("probe files: %zu written\n", written);
  }
  aimc_cli_trace_abort(obs.trace);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  aimc_free(ctx, x);
  return st;
}

int aimc_cmd_sim(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) return help(), AIMC_OK;
  sim_opts o = {.backend = AIMC_KERNEL_NATIVE, .records = 10, .split = AIMC_SPLIT_TEST};
  int st = aimc_cli_netlist_args_init(ctx, &o.net);
  if (!st) st = parse(ctx, argc, argv, &o);
  if (!st) st = simulate(ctx, &o);
  aimc_cli_netlist_args_fini(ctx, &o.net);
  return st;
}
