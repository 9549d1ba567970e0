/* Trainer speed: one AdamW step (forward + backward + update) of a one-layer
 * S4D network at H = 64, N = 64 (32 complex modes), sequence length 1000,
 * batch 32, on 1 and 2 threads.
 *
 * 1. aimc alone: the full step and the same network with the SSM switched
 *    off (so the difference is the S4D layer's own cost), steps of the two
 *    interleaved, medians; then the scan alone (s4d_ssm_forward/backward)
 *    on one sequence, which the S4D layer's share is mostly made of.
 * 2. Side by side with PyTorch (issue #17): bench/trainer_torch.py runs the
 *    same step (same model, data shape, loss and AdamW groups; its S4D
 *    layer an FFT convolution, as PyTorch's S4D code trains it) as a
 *    co-process; rounds alternate one aimc step and one step of each
 *    PyTorch precision, and the ratio is the median over rounds of
 *    PyTorch's time / aimc's (above 1: aimc is faster). PyTorch is optional
 *    and bench-only (Debian python3-torch); without it this part says
 *    "PyTorch not available" and is skipped.
 *
 * Usage: bench_trainer [--rounds N] [--no-torch]. Prints figures; never
 * fails on timing. */
#define _POSIX_C_SOURCE 200809L /* fork, pipe, fdopen, setenv */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_statistics_double.h>

#include "../trainer/layers.h"
#include "aimc/progress.h"
#include "aimc/train.h"

enum { LEN = 1000, N_IN = 64, BATCH = 32, CLASSES = 10, MAX_ROUNDS = 101 };

static aimc_trainer *make_trainer(aimc_ctx *ctx, const aimc_train_data *d,
                                  int threads, int use_ssm) {
  aimc_train_cfg c;
  aimc_train_cfg_defaults(&c);
  c.model.h = 64;
  c.model.n = 64;
  c.model.layers = 1;
  c.model.use_ssm = use_ssm;
  c.model.mix = 0;
  c.train.batch = BATCH;
  c.train.threads = threads;
  c.train.epochs = 100000; /* never done within the bench */
  aimc_trainer *tr;
  if (aimc_trainer_alloc(ctx, &c, d, NULL, NULL, NULL, &tr)) {
    fprintf(stderr, "bench_trainer: %s\n", aimc_ctx_errmsg(ctx));
    exit(1);
  }
  aimc_train_stats s;
  aimc_trainer_iterate(tr, &s); /* warm-up */
  return tr;
}

/* CPU seconds of this process, all threads (the trainer's workers too). */
static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* One step: wall seconds, and CPU seconds in *cpu when cpu is non-NULL. */
static double aimc_step(aimc_trainer *tr, double *cpu) {
  aimc_train_stats s;
  double t0 = aimc_wall_seconds(), c0 = cpu_seconds();
  if (aimc_trainer_iterate(tr, &s)) {
    fprintf(stderr, "bench_trainer: step failed\n");
    exit(1);
  }
  if (cpu) *cpu = cpu_seconds() - c0;
  return aimc_wall_seconds() - t0;
}

/* Median of n values (of a copy: gsl_stats_median reorders). */
static double median(const double *v, int n) {
  double s[MAX_ROUNDS];
  memcpy(s, v, sizeof(double) * n);
  return gsl_stats_median(s, 1, (size_t)n);
}

static void range_of(const double *v, int n, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int i = 0; i < n; i++) {
    *lo = fmin(*lo, v[i]);
    *hi = fmax(*hi, v[i]);
  }
}

/* The median of `rounds` steps of the full network and of the one without
 * SSM, interleaved: wall time and CPU time (all threads). */
static void time_alone(aimc_ctx *ctx, const aimc_train_data *d, int threads,
                       int rounds) {
  aimc_trainer *full = make_trainer(ctx, d, threads, 1),
               *dense = make_trainer(ctx, d, threads, 0);
  double t[2][MAX_ROUNDS], c[2][MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    t[0][r] = aimc_step(full, &c[0][r]);
    t[1][r] = aimc_step(dense, &c[1][r]);
  }
  aimc_trainer_free(full);
  aimc_trainer_free(dense);
  for (int k = 0; k < 2; k++) {
    const double *v = k ? c[0] : t[0], *w = k ? c[1] : t[1];
    double f = median(v, rounds), g = median(w, rounds);
    printf(
        "  %d thread%s, %s full step %7.1f ms (%4.0f samples/s); without SSM "
        "%6.1f ms; S4D layer share %6.1f ms\n",
        threads, threads > 1 ? "s" : " ", k ? "CPU: " : "wall:", 1e3 * f,
        BATCH / f, 1e3 * g, 1e3 * (f - g));
  }
}

/* The fastest of 7 forward and of 7 backward scans of one sequence at the
 * step's shape (H = 64, M = 32 modes, T = LEN), quantizers off. */
static void time_scan(void) {
  enum { H = 64, M = 32 };
  const size_t hm = (size_t)H * M, th = (size_t)LEN * H;
  double *buf = calloc(12 * hm + H + 5 * th + s4d_ssm_xs_len(H, LEN, M),
                       sizeof(double));
  double *t = buf, *gr = t + 6 * hm, *u = gr + 6 * hm + H, *y = u + th,
         *pre = y + th, *dy = pre + th, *du = dy + th, *xs = du + th;
  for (size_t i = 0; i < 6 * hm; i++) /* |Abar| < 1: stable */
    t[i] = (i < 2 * hm ? 0.6 : 1.0) * sin(0.7 * i);
  for (size_t i = 0; i < th; i++) {
    u[i] = sin(0.37 * i);
    dy[i] = cos(0.11 * i);
  }
  aimc_quant off = {0, 1};
  s4d_ssm s = {H,          M,          t,          t + hm,     t + 2 * hm,
               t + 3 * hm, t + 4 * hm, t + 5 * hm, t + 6 * hm, &off,
               &off,       &off};
  s4d_ssm_grad g = {gr,          gr + hm,     gr + 2 * hm, gr + 3 * hm,
                    gr + 4 * hm, gr + 5 * hm, gr + 6 * hm};
  double fwd = INFINITY, bwd = INFINITY;
  for (int i = 0; i < 7; i++) {
    double t0 = aimc_wall_seconds();
    s4d_ssm_forward(&s, LEN, u, y, xs, pre);
    double t1 = aimc_wall_seconds();
    s4d_ssm_backward(&s, LEN, u, xs, pre, dy, du, &g);
    double t2 = aimc_wall_seconds();
    fwd = fmin(fwd, t1 - t0);
    bwd = fmin(bwd, t2 - t1);
  }
  printf(
      "  scan alone, one sequence (H=64, M=32, L=%d): forward %.2f ms, "
      "backward %.2f ms\n",
      LEN, 1e3 * fwd, 1e3 * bwd);
  free(buf);
}

/* bench/trainer_torch.py as a co-process: "step" lines in, seconds out. */
typedef struct {
  pid_t pid;
  FILE *to, *from;
  char hello[128];
} coproc;

static const char *python(void) {
  const char *p = getenv("AIMC_PYTHON");
  /* Debian's interpreter: a pyenv python3 first on PATH cannot see
   * Debian's python3-torch (TOOLCHAIN.md). */
  return p && *p ? p : "/usr/bin/python3";
}

/* Starts the script for `threads` threads and `dtype`; returns 0 when it
 * answered "ready", else 1 with hello holding its first line. */
static int coproc_start(coproc *c, int threads, const char *dtype) {
  memset(c, 0, sizeof *c);
  c->pid = -1;
  int in[2], out[2];
  if (pipe(in) || pipe(out)) {
    snprintf(c->hello, sizeof c->hello, "pipe failed");
    return 1;
  }
  char nt[16];
  snprintf(nt, sizeof nt, "%d", threads);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    /* PyTorch's own thread pools get the threads aimc gets. */
    setenv("OMP_NUM_THREADS", nt, 1);
    setenv("OPENBLAS_NUM_THREADS", nt, 1);
    const char *py = python();
    execl(py, py, AIMC_SOURCE_DIR "/bench/trainer_torch.py", "--threads", nt,
          "--dtype", dtype, (char *)NULL);
    printf("PyTorch not available (cannot run %s)\n", py);
    fflush(stdout);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  c->pid = pid;
  c->to = fdopen(in[1], "w");
  c->from = fdopen(out[0], "r");
  if (pid < 0 || !c->to || !c->from ||
      !fgets(c->hello, sizeof c->hello, c->from))
    snprintf(c->hello, sizeof c->hello, "PyTorch not available");
  c->hello[strcspn(c->hello, "\n")] = '\0';
  return strncmp(c->hello, "ready", 5) != 0;
}

/* One step: wall seconds, CPU seconds in *cpu (NAN if it died). */
static double coproc_step(coproc *c, double *cpu) {
  char line[128], *end;
  fputs("step\n", c->to);
  fflush(c->to);
  *cpu = NAN;
  if (!fgets(line, sizeof line, c->from)) return NAN;
  double wall = strtod(line, &end);
  *cpu = strtod(end, NULL);
  return wall;
}

static void coproc_stop(coproc *c) {
  if (c->to) {
    fputs("quit\n", c->to);
    fclose(c->to);
  }
  if (c->from) fclose(c->from);
  if (c->pid > 0) waitpid(c->pid, NULL, 0);
}

/* Median and range over rounds of PyTorch's time / aimc's. */
static void print_ratio(const char *what, const double *torch,
                        const double *aimc, int rounds) {
  double r[MAX_ROUNDS], lo, hi;
  for (int i = 0; i < rounds; i++) r[i] = torch[i] / aimc[i];
  range_of(r, rounds, &lo, &hi);
  printf("%s %7.1f ms, ratio %.2fx (%.2f-%.2f)", what,
         1e3 * median(torch, rounds), median(r, rounds), lo, hi);
}

/* One line: aimc's median time, then PyTorch float32's and float64's and
 * their ratios to it. */
static void print_row(int threads, const char *what, const double *aimc,
                      double torch[2][MAX_ROUNDS], int rounds) {
  printf("  %d thread%s, %s aimc %7.1f ms", threads, threads > 1 ? "s" : " ",
         what, 1e3 * median(aimc, rounds));
  for (int k = 0; k < 2; k++) {
    printf(";");
    print_ratio(k ? " PyTorch float64" : " PyTorch float32", torch[k], aimc,
                rounds);
  }
  printf("\n");
}

/* Rounds of one aimc step and one step of PyTorch in float32 and float64;
 * returns 1 when PyTorch is not available. */
static int side_by_side(aimc_ctx *ctx, const aimc_train_data *d, int threads,
                        int rounds) {
  static const char *const dtypes[2] = {"float32", "float64"};
  coproc tc[2];
  for (int k = 0; k < 2; k++)
    if (coproc_start(&tc[k], threads, dtypes[k])) {
      printf("  %s: skipped\n", tc[k].hello);
      for (int j = 0; j <= k; j++) coproc_stop(&tc[j]);
      return 1;
    }
  if (threads == 1) printf("  %s\n", tc[0].hello);
  aimc_trainer *tr = make_trainer(ctx, d, threads, 1);
  double ta[MAX_ROUNDS], ca[MAX_ROUNDS], tt[2][MAX_ROUNDS], ct[2][MAX_ROUNDS];
  for (int k = 0; k < 2; k++) coproc_step(&tc[k], &ct[k][0]); /* warm-up */
  for (int r = 0; r < rounds; r++) {
    ta[r] = aimc_step(tr, &ca[r]);
    for (int k = 0; k < 2; k++) tt[k][r] = coproc_step(&tc[k], &ct[k][r]);
  }
  aimc_trainer_free(tr);
  for (int k = 0; k < 2; k++) coproc_stop(&tc[k]);
  print_row(threads, "wall:", ta, tt, rounds);
  print_row(threads, "CPU: ", ca, ct, rounds);
  return 0;
}

int main(int argc, char **argv) {
  int rounds = 7, torch = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-torch"))
      torch = 0;
    else {
      fprintf(stderr, "usage: bench_trainer [--rounds N] [--no-torch]\n");
      return 2;
    }
  }
  if (rounds < 1 || rounds > MAX_ROUNDS) {
    fprintf(stderr, "bench_trainer: --rounds must be 1..%d\n", MAX_ROUNDS);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN); /* a co-process that died answers NAN */
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  int n = BATCH * 8;
  float *x = malloc(sizeof(float) * n * LEN * N_IN);
  int *y = malloc(sizeof(int) * n);
  for (long i = 0; i < (long)n * LEN * N_IN; i++)
    x[i] = (float)sin(0.001 * i * i);
  for (int i = 0; i < n; i++) y[i] = i % CLASSES;
  aimc_train_data d = {n, LEN, N_IN, CLASSES, x, y};
  printf(
      "S4D trainer step: H=64, N=64, L=%d, batch %d (forward + backward + "
      "AdamW); medians of %d interleaved rounds\n",
      LEN, BATCH, rounds);
  for (int threads = 1; threads <= 2; threads++)
    time_alone(ctx, &d, threads, rounds);
  time_scan();
  if (torch) {
    printf(
        "side by side with PyTorch (bench/trainer_torch.py; its S4D layer an "
        "FFT convolution; torch.set_num_threads = aimc's train.threads);\n"
        "ratio = PyTorch's step time / aimc's, median over rounds (min-max): "
        "above 1, aimc is faster;\nwall: elapsed time; CPU: CPU time of the "
        "process, all threads (steadier on a loaded machine)\n");
    for (int threads = 1; threads <= 2; threads++)
      if (side_by_side(ctx, &d, threads, rounds)) break;
  }
  free(x);
  free(y);
  aimc_ctx_free(ctx);
  return 0;
}
