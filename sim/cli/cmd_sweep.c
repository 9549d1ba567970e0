/* aimc sweep SPEC: runs every point of a sweep spec (map -> program -> run)
 * with a progress bar, locally over worker processes or under mpirun over
 * ranks, resuming where an interrupted sweep stopped. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimc/progress.h"
#include "aimc/status.h"
#include "aimc/sweep.h"
#include "cli.h"
#include "sim/sweep/sweep_mpi.h"

/* Set by SIGINT/SIGTERM: the sweep stops launching runs and writes what it
 * has. A signal flag is the one state a handler may touch. */
static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
  g_stop = 1;
  signal(sig, SIG_DFL); /* a second Ctrl-C ends the process at once */
}

static void help(void) {
  printf(
      "usage: aimc sweep SPEC [options]\n\n"
      "Runs every point of the sweep spec SPEC (YAML, docs/sweep.md) with\n"
      "every seed, and writes the results table (results.csv, results.json)\n"
      "and manifest.json into the output directory. Each finished run is\n"
      "committed at once (runs/p<point>_s<seed>.json): run the same command\n"
      "again after an interruption and it continues where it stopped.\n"
      "Under mpirun the runs are spread over the ranks (sharing the output\n"
      "directory); the table is identical to a single-process run.\n\n"
      "options:\n"
      "  -o, --out DIR        output directory (default: results/<spec name>)\n"
      "  -j, --jobs N         local worker processes (default: the number of\n"
      "                       cores, 1 per rank under mpirun; 0 = no fork)\n"
      "  --evaluator NAME     override the spec's evaluator:\n");
  for (size_t i = 0; aimc_sweep_evaluator_at(i); i++)
    printf("                         %-10s %s\n",
           aimc_sweep_evaluator_at(i)->name,
           aimc_sweep_evaluator_at(i)->summary);
  printf(
      "  --max-runs N         stop after N new runs (resume later)\n"
      "  --list               print the expanded points and exit\n\n"
      "example:\n"
      "  aimc sweep configs/sweeps/array_size.yaml -o results/array_size\n"
      "  mpirun -n 4 --oversubscribe aimc sweep "
      "configs/sweeps/array_size.yaml\n");
}

static void list_points(const aimc_sweep_spec *spec) {
  size_t nk = aimc_sweep_spec_n_keys(spec);
  printf("point");
  for (size_t k = 0; k < nk; k++) printf("\t%s", aimc_sweep_spec_key(spec, k));
  printf("\n");
  for (size_t i = 0; i < aimc_sweep_spec_n_points(spec); i++) {
    printf("%zu", i);
    for (size_t k = 0; k < nk; k++)
      printf("\t%s", aimc_sweep_spec_value(spec, i, k));
    printf("\n");
  }
}

static void on_progress(void *user, size_t done, size_t todo) {
  aimc_progress *p = user;
  char extra[48];
  snprintf(extra, sizeof extra, "%zu/%zu runs", done, todo);
  p->total = todo ? todo : 1;
  aimc_progress_update(p, done, extra);
}

static int parse_count(aimc_ctx *ctx, const char *opt, const char *text,
                       long *out) {
  char *end;
  *out = strtol(text, &end, 10);
  if (*end || end == text || *out < 0)
    return aimc_cli_usage(
        ctx, "sweep", "%s takes a non-negative integer, not '%s'", opt, text);
  return AIMC_OK;
}

static int sweep_main(aimc_ctx *ctx, int argc, char **argv, int rank,
                      int ranks) {
  const char *spec_path = NULL, *out = NULL, *evaluator = NULL;
  long jobs = -1, max_runs = 0;
  int list = 0, rc;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if ((!strcmp(a, "-o") || !strcmp(a, "--out")) && has_value) {
      out = argv[++i];
    } else if ((!strcmp(a, "-j") || !strcmp(a, "--jobs")) && has_value) {
      if ((rc = parse_count(ctx, a, argv[++i], &jobs))) return rc;
    } else if (!strcmp(a, "--max-runs") && has_value) {
      if ((rc = parse_count(ctx, a, argv[++i], &max_runs))) return rc;
    } else if (!strcmp(a, "--evaluator") && has_value) {
      evaluator = argv[++i];
    } else if (!strcmp(a, "--list")) {
      list = 1;
    } else if (a[0] == '-') {
      return aimc_cli_usage(ctx, "sweep", "unknown option '%s'", a);
    } else if (!spec_path) {
      spec_path = a;
    } else {
      return aimc_cli_usage(ctx, "sweep", "unexpected argument '%s'", a);
    }
  }
  if (!spec_path) return aimc_cli_usage(ctx, "sweep", "missing the sweep spec");
  aimc_sweep_spec *spec;
  if ((rc = aimc_sweep_spec_load(ctx, spec_path, &spec))) return rc;
  if (evaluator) {
    if (!aimc_sweep_evaluator_find(evaluator)) {
      aimc_sweep_spec_free(ctx, spec);
      return aimc_cli_usage(ctx, "sweep", "unknown evaluator '%s'", evaluator);
    }
    rc = aimc_sweep_spec_set_evaluator(ctx, spec, evaluator);
    if (!rc) rc = aimc_sweep_spec_expand(ctx, spec); /* the hash covers it */
    if (rc) {
      aimc_sweep_spec_free(ctx, spec);
      return rc;
    }
  }
  if (list) {
    if (rank == 0) list_points(spec);
    aimc_sweep_spec_free(ctx, spec);
    return AIMC_OK;
  }
  char out_buf[4096];
  if (!out) {
    snprintf(out_buf, sizeof out_buf, "results/%s", aimc_sweep_spec_name(spec));
    out = out_buf;
  }
  if (jobs < 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = ranks > 1 ? 1 : (cores > 0 ? cores : 1);
  }
  size_t n_runs =
      aimc_sweep_spec_n_points(spec) * aimc_sweep_spec_n_seeds(spec);
  if (rank == 0)
    aimc_log(
        ctx, AIMC_LOG_INFO,
        "sweep %s: %zu points x %u seeds = %zu runs, %d rank(s) x %ld job(s), "
        "evaluator %s, into %s",
        aimc_sweep_spec_name(spec), aimc_sweep_spec_n_points(spec),
        aimc_sweep_spec_n_seeds(spec), n_runs, ranks, jobs,
        aimc_sweep_spec_evaluator(spec), out);

  aimc_progress bar;
  aimc_progress_start(&bar, "sweep", n_runs);
  bar.quiet |= rank != 0;
  aimc_sweep_opts opts = {
      .out_dir = out,
      .jobs = (int)jobs,
      .progress = on_progress,
      .progress_user = &bar,
      .stop = &g_stop,
      .max_runs = (size_t)max_runs,
  };
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  aimc_sweep_stats st;
  rc = aimc_sweep_run(ctx, spec, &opts, &st);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (rank == 0 && st.n_done_now) aimc_progress_finish(&bar, NULL);
  if (rank == 0 && (rc == AIMC_OK || rc == AIMC_EFAIL)) {
    printf(
        "sweep %s: %zu of %zu runs done (%zu now, %zu before)%s\n"
        "  table: %s/results.csv and %s/results.json\n",
        aimc_sweep_spec_name(spec), st.n_done_before + st.n_done_now, st.n_runs,
        st.n_done_now, st.n_done_before, st.n_failed ? ", some failed" : "",
        out, out);
  }
  if (!rc && !st.complete)
    rc = aimc_error(
        ctx, AIMC_EINTERRUPTED,
        "sweep stopped with %zu of %zu runs done; run the same command "
        "again to resume",
        st.n_done_before + st.n_done_now, st.n_runs);
  aimc_sweep_spec_free(ctx, spec);
  return rc;
}

int aimc_cmd_sweep(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  int rank = 0, ranks = 1;
  /* Plain `aimc sweep` must not initialise MPI: a singleton init is slow
   * and needs a daemon. */
  int mpi = sweep_mpi_launched();
  if (mpi) {
    int st = sweep_mpi_init(ctx, &argc, &argv, &rank, &ranks);
    if (st) return st;
  }
  int rc = sweep_main(ctx, argc, argv, rank, ranks);
  if (mpi) sweep_mpi_finalize(ctx);
  return rc;
}
