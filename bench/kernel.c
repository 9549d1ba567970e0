/* Kernel throughput: events per second of the native and SystemC backends
 * with 1e3 and 1e5 pending events, side by side with their ratio. The
 * workload is SC_METHOD-like: every delivered event schedules one new
 * event at a uniformly random delay, so the pending count stays constant.
 * SystemC allows one simulation per process: each SystemC point runs in a
 * forked child that reports its figure through a pipe.
 *
 * usage: bench_kernel [--events N] [--only native|systemc] */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aimc/kernel.h"
#include "aimc/status.h"

#define MAX_DELAY_FS 1000000 /* 1 ns: ties are rare, as in timed models */

typedef struct {
  uint64_t rng;
  uint64_t left; /* events still to deliver */
} load;

static uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int on_event(aimc_kernel *k, void *self, const aimc_event *ev) {
  load *l = self;
  if (--l->left == 0) return AIMC_EINTERRUPTED; /* measured span is over */
  return aimc_kernel_schedule(k, ev->target, 1 + xorshift(&l->rng) % MAX_DELAY_FS,
                              0, 0);
}

/* CPU seconds of this process: figures stay meaningful on a shared,
 * loaded machine (rates per core of CPU time). */
static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Events per second, or a negative number on failure. */
static double measure(aimc_kernel_backend b, long pending, long events) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k = NULL;
  double rate = -1.0;
  uint32_t h;
  load l = {.rng = 88172645463325252ull, .left = (uint64_t)events};
  if (!ctx || aimc_kernel_alloc(ctx, b, &k) ||
      aimc_kernel_add_handler(k, on_event, &l, &h))
    goto done;
  for (long i = 0; i < pending; i++)
    if (aimc_kernel_schedule(k, h, 1 + xorshift(&l.rng) % MAX_DELAY_FS, 0, 0))
      goto done;
  double t0 = seconds();
  int st = aimc_kernel_run(k);
  double t1 = seconds();
  if (st == AIMC_EINTERRUPTED && aimc_kernel_pending(k) == (size_t)pending - 1)
    rate = (double)events / (t1 - t0);
done:
  if (rate < 0 && ctx) fprintf(stderr, "bench: %s\n", aimc_ctx_errmsg(ctx));
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
  return rate;
}

/* measure() in a child process (a fresh process per SystemC simulation). */
static double measure_in_child(aimc_kernel_backend b, long pending,
                               long events) {
  int fd[2];
  if (pipe(fd)) return -1.0;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1.0;
  if (pid == 0) {
    close(fd[0]);
    double r = measure(b, pending, events);
    ssize_t w = write(fd[1], &r, sizeof r);
    _exit(w == (ssize_t)sizeof r ? 0 : 1);
  }
  close(fd[1]);
  double r = -1.0;
  if (read(fd[0], &r, sizeof r) != (ssize_t)sizeof r) r = -1.0;
  close(fd[0]);
  waitpid(pid, NULL, 0);
  return r;
}

int main(int argc, char **argv) {
  long events = 4000000;
  int run_native = 1, run_systemc = aimc_kernel_has_systemc();
  for (int i = 1; i < argc; i++) {
    aimc_kernel_backend only;
    if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
      events = strtol(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc &&
               aimc_kernel_backend_parse(argv[i + 1], &only) == AIMC_OK) {
      i++;
      run_native = only == AIMC_KERNEL_NATIVE;
      run_systemc = run_systemc && only == AIMC_KERNEL_SYSTEMC;
    } else {
      fprintf(stderr,
              "usage: bench_kernel [--events N] [--only native|systemc]\n");
      return 2;
    }
  }
  if (events < 1) {
    fprintf(stderr, "bench_kernel: --events must be >= 1\n");
    return 2;
  }
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  printf("kernel throughput: each event schedules one more at a uniform "
         "delay in [1, %d] fs; %ld events per point\n",
         MAX_DELAY_FS, events);
  printf("%10s %16s %16s %10s\n", "pending", "native ev/s", "systemc ev/s",
         "ratio");
  const long levels[] = {1000, 100000};
  for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
    double nat = run_native
                     ? measure_in_child(AIMC_KERNEL_NATIVE, levels[i], events)
                     : -1.0;
    double sc = run_systemc
                    ? measure_in_child(AIMC_KERNEL_SYSTEMC, levels[i], events)
                    : -1.0;
    char a[32] = "n/a", b[32] = "n/a", r[32] = "-";
    if (nat > 0) snprintf(a, sizeof a, "%.3e", nat);
    if (sc > 0) snprintf(b, sizeof b, "%.3e", sc);
    if (nat > 0 && sc > 0) snprintf(r, sizeof r, "%.2fx", nat / sc);
    printf("%10ld %16s %16s %10s\n", levels[i], a, b, r);
  }
  return 0;
}
