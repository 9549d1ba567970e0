/* What `aimc run` pays to load its data (issue #17 item 5): a full load of
 * a digit task (aimc_dataset_load: both file lists) against a load of the
 * test split alone (aimc_dataset_load_split: the test list's files and the
 * normalisation statistics kept beside the cache), from a warm feature
 * cache, rounds interleaved; prints each one's median CPU time and the
 * ratio, and checks the two give the same test features.
 *
 * usage: bench_data_load [DIR [TASK[,KEY=VALUE...] [ROUNDS]]]
 *   DIR defaults to $AIMC_DATA/digits or data/digits; TASK to
 *   zero_one,downsample=2 (the demo's); ROUNDS to 15. */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aimc/data.h"
#include "aimc/status.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double median(double *v, size_t n) {
  gsl_sort(v, 1, n);
  return gsl_stats_median_from_sorted_data(v, 1, n);
}

/* Loads (all splits when split < 0) and returns the CPU seconds taken. */
static double timed_load(aimc_ctx *ctx, const aimc_data_spec *s, int split,
                         aimc_dataset **ds) {
  double t0 = cpu_now();
  int st = split < 0 ? aimc_dataset_load(ctx, s, ds)
                     : aimc_dataset_load_split(ctx, s, split, ds);
  double t = cpu_now() - t0;
  if (st) {
    fprintf(stderr, "bench_data_load: %s\n", aimc_ctx_errmsg(ctx));
    exit(2);
  }
  return t;
}

/* 1 when both data sets give the same test features, bit for bit. */
static int same_test_split(const aimc_dataset *a, const aimc_dataset *b) {
  size_t na, nb, n = aimc_dataset_length(a) * aimc_dataset_n_features(a);
  const size_t *ia = aimc_dataset_split(a, AIMC_SPLIT_TEST, &na);
  const size_t *ib = aimc_dataset_split(b, AIMC_SPLIT_TEST, &nb);
  float *xa = malloc(n * sizeof *xa), *xb = malloc(n * sizeof *xb);
  int same =
      na == nb && n == aimc_dataset_length(b) * aimc_dataset_n_features(b);
  for (size_t j = 0; same && j < na; j++) {
    aimc_dataset_get(a, ia[j], xa);
    aimc_dataset_get(b, ib[j], xb);
    same = memcmp(xa, xb, n * sizeof *xa) == 0;
  }
  free(xa);
  free(xb);
  return same;
}

int main(int argc, char **argv) {
  const char *task = argc > 2 ? argv[2] : "zero_one,downsample=2";
  int rounds = argc > 3 ? atoi(argv[3]) : 15;
  if (rounds < 1 || rounds > 1000) rounds = 15;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_data_spec s;
  if (aimc_data_spec_parse(ctx, "task", task, &s) != AIMC_OK) {
    fprintf(stderr, "bench_data_load: %s\n", aimc_ctx_errmsg(ctx));
    return 2;
  }
  if (argc > 1) snprintf(s.dir, sizeof s.dir, "%s", argv[1]);
  aimc_dataset *full, *test;
  timed_load(ctx, &s, -1, &full); /* warm: builds the cache if needed */
  aimc_dataset_free(ctx, full);
  double *tf = malloc((size_t)rounds * sizeof *tf);
  double *ts = malloc((size_t)rounds * sizeof *ts);
  int same = 1;
  for (int r = 0; r < rounds; r++) {
    tf[r] = timed_load(ctx, &s, -1, &full);
    ts[r] = timed_load(ctx, &s, AIMC_SPLIT_TEST, &test);
    same = same && same_test_split(full, test);
    aimc_dataset_free(ctx, full);
    aimc_dataset_free(ctx, test);
  }
  double mf = median(tf, (size_t)rounds), ms = median(ts, (size_t)rounds);
  char dir[AIMC_PARAM_STRLEN + 32];
  printf("data load of %s from %s, %d interleaved rounds, median CPU time\n",
         task, aimc_data_default_dir(&s, dir, sizeof dir), rounds);
  printf("  full load (both lists)        %8.2f ms\n", 1e3 * mf);
  printf("  test split (aimc run)         %8.2f ms\n", 1e3 * ms);
  printf("  full / test split             %8.2f x\n", mf / ms);
  printf("  test features identical       %s\n", same ? "yes" : "NO");
  free(tf);
  free(ts);
  aimc_ctx_free(ctx);
  return same ? 0 : 1;
}
