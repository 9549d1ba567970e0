/* Event kernel: (time, seq) order with FIFO ties, delta-cycle signal
 * semantics, run_until/reset, errors, fault injection, and identical traces
 * from the native and SystemC backends (SystemC runs in child processes:
 * one SystemC simulation per process). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "aimc/kernel.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "testutil.h"
#include "workload.h"

extern char **environ;

/* --- a recording handler ------------------------------------------------ */
#define MAX_REC 64
typedef struct {
  int n;
  aimc_event ev[MAX_REC];
  int stop_at; /* return EINTERRUPTED when delivering event #stop_at */
} recorder;

static int record(aimc_kernel *k, void *self, const aimc_event *ev) {
  (void)k;
  recorder *r = self;
  if (r->n < MAX_REC) r->ev[r->n] = *ev;
  r->n++;
  return r->n == r->stop_at ? AIMC_EINTERRUPTED : AIMC_OK;
}

static void test_order_fifo(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k;
  assert_int_equal(aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k), AIMC_OK);
  recorder r = {0};
  uint32_t h;
  assert_int_equal(aimc_kernel_add_handler(k, record, &r, &h), AIMC_OK);
  /* Event i carries data i. Expected order, by hand: time 0 {3}, time 1
   * {6}, time 3 {1, 4}, time 5 {0, 2, 5}: ties keep insertion order. */
  const aimc_time t[] = {5, 3, 5, 0, 3, 5, 1};
  for (int i = 0; i < 7; i++)
    assert_int_equal(aimc_kernel_schedule(k, h, t[i], 0, (uint64_t)i), 0);
  assert_int_equal(aimc_kernel_pending(k), 7);
  assert_int_equal(aimc_kernel_run(k), AIMC_OK);
  const uint64_t expect[] = {3, 6, 1, 4, 0, 2, 5};
  assert_int_equal(r.n, 7);
  for (int i = 0; i < 7; i++) {
    assert_int_equal(r.ev[i].data, expect[i]);
    assert_int_equal(r.ev[i].seq, expect[i]); /* seq = insertion number */
    assert_int_equal(r.ev[i].time, t[expect[i]]);
    assert_int_equal(r.ev[i].delta, 0);
  }
  assert_int_equal(aimc_kernel_now(k), 5);
  assert_int_equal(aimc_kernel_delivered(k), 7);
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
}

/* --- delta cycles: two handlers swap two signals ------------------------ */
typedef struct {
  uint32_t read, write;
} swapper;

static int swap_step(aimc_kernel *k, void *self, const aimc_event *ev) {
  (void)ev;
  swapper *s = self;
  return aimc_kernel_signal_write(k, s->write,
                                  aimc_kernel_signal_read(k, s->read));
}

/* Registers the two swappers in the given order and runs one time step:
 * with evaluate/update both read the old values, so x and y swap whatever
 * the order (immediate writes would give x == y). */
static void run_swap(int a_first) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k;
  assert_int_equal(aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k), AIMC_OK);
  uint32_t x, y, ha, hb, hw;
  assert_int_equal(aimc_kernel_signal_add(k, 1.0, &x), 0);
  assert_int_equal(aimc_kernel_signal_add(k, 2.0, &y), 0);
  swapper a = {y, x}, b = {x, y};
  recorder watch = {0};
  if (a_first) {
    assert_int_equal(aimc_kernel_add_handler(k, swap_step, &a, &ha), 0);
    assert_int_equal(aimc_kernel_add_handler(k, swap_step, &b, &hb), 0);
  } else {
    assert_int_equal(aimc_kernel_add_handler(k, swap_step, &b, &hb), 0);
    assert_int_equal(aimc_kernel_add_handler(k, swap_step, &a, &ha), 0);
  }
  assert_int_equal(aimc_kernel_add_handler(k, record, &watch, &hw), 0);
  assert_int_equal(aimc_kernel_signal_watch(k, x, hw), 0);
  assert_int_equal(aimc_kernel_signal_watch(k, y, hw), 0);
  assert_int_equal(aimc_kernel_schedule(k, a_first ? ha : hb, 10, 0, 0), 0);
  assert_int_equal(aimc_kernel_schedule(k, a_first ? hb : ha, 10, 0, 0), 0);
  assert_int_equal(aimc_kernel_run(k), AIMC_OK);
  assert_near(aimc_kernel_signal_read(k, x), 2.0, 0);
  assert_near(aimc_kernel_signal_read(k, y), 1.0, 0);
  /* The watcher saw both changes at the same time, one delta later, in
   * signal-id order (x before y) whatever the writers' order. */
  assert_int_equal(watch.n, 2);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(watch.ev[i].time, 10);
    assert_int_equal(watch.ev[i].delta, 1);
    assert_int_equal(watch.ev[i].tag, AIMC_TAG_SIGNAL);
  }
  assert_int_equal(watch.ev[0].data, x);
  assert_int_equal(watch.ev[1].data, y);
  /* Writing the current value again is no change: nobody is woken. */
  assert_int_equal(aimc_kernel_signal_write(k, x, 2.0), 0);
  assert_int_equal(aimc_kernel_run(k), AIMC_OK);
  assert_int_equal(watch.n, 2);
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
}

static void test_delta_cycles(void **state) {
  (void)state;
  run_swap(1);
  run_swap(0);
}

static void test_run_until_reset(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k;
  assert_int_equal(aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k), AIMC_OK);
  recorder r = {0};
  uint32_t h, s;
  assert_int_equal(aimc_kernel_add_handler(k, record, &r, &h), 0);
  assert_int_equal(aimc_kernel_signal_add(k, 7.0, &s), 0);
  for (int i = 1; i <= 3; i++)
    assert_int_equal(aimc_kernel_schedule_at(k, h, 10 * i, 0, 0), 0);
  /* Inclusive end: the event at exactly 20 is delivered. */
  assert_int_equal(aimc_kernel_run_until(k, 20), AIMC_OK);
  assert_int_equal(r.n, 2);
  assert_int_equal(aimc_kernel_now(k), 20);
  assert_int_equal(aimc_kernel_pending(k), 1);
  assert_int_equal(aimc_kernel_run_until(k, 25), AIMC_OK);
  assert_int_equal(aimc_kernel_now(k), 25); /* time stands at t_end */
  assert_int_equal(r.n, 2);
  assert_int_equal(aimc_kernel_run_until(k, 5), AIMC_EINVAL);
  assert_true(strlen(aimc_ctx_errmsg(ctx)) > 0);
  assert_int_equal(aimc_kernel_signal_write(k, s, 9.0), 0);
  assert_int_equal(aimc_kernel_run(k), AIMC_OK);
  assert_int_equal(r.n, 3);
  assert_int_equal(aimc_kernel_now(k), 30);
  assert_near(aimc_kernel_signal_read(k, s), 9.0, 0);
  /* Reset: time 0, nothing pending, signals at their initial values,
   * staged writes dropped, handlers kept, seq restarts. */
  assert_int_equal(aimc_kernel_schedule(k, h, 5, 0, 0), 0);
  assert_int_equal(aimc_kernel_signal_write(k, s, 1.0), 0);
  assert_int_equal(aimc_kernel_reset(k), AIMC_OK);
  assert_int_equal(aimc_kernel_now(k), 0);
  assert_int_equal(aimc_kernel_pending(k), 0);
  assert_int_equal(aimc_kernel_delivered(k), 0);
  assert_near(aimc_kernel_signal_read(k, s), 7.0, 0);
  assert_int_equal(aimc_kernel_schedule(k, h, 3, 0, 42), 0);
  assert_int_equal(aimc_kernel_run(k), AIMC_OK);
  assert_near(aimc_kernel_signal_read(k, s), 7.0, 0);
  assert_int_equal(r.n, 4);
  assert_int_equal(r.ev[3].time, 3);
  assert_int_equal(r.ev[3].seq, 0);
  assert_int_equal(r.ev[3].data, 42);
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
}

static void test_handler_stops_run(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k;
  assert_int_equal(aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k), AIMC_OK);
  recorder r = {.stop_at = 2};
  uint32_t h;
  assert_int_equal(aimc_kernel_add_handler(k, record, &r, &h), 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(aimc_kernel_schedule(k, h, i, 0, 0), 0);
  assert_int_equal(aimc_kernel_run(k), AIMC_EINTERRUPTED);
  assert_int_equal(r.n, 2);
  assert_int_equal(aimc_kernel_now(k), 1);
  /* The run can be resumed. */
  assert_int_equal(aimc_kernel_run(k), AIMC_OK);
  assert_int_equal(r.n, 4);
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
}

static void test_errors(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k;
  assert_int_equal(aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k), AIMC_OK);
  recorder r = {0};
  uint32_t h, s;
  assert_int_equal(aimc_kernel_add_handler(k, record, &r, &h), 0);
  assert_int_equal(aimc_kernel_add_handler(k, NULL, &r, &h), AIMC_EINVAL);
  assert_int_equal(aimc_kernel_schedule(k, 7, 0, 0, 0), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "unknown handler 7"));
  assert_int_equal(aimc_kernel_schedule(k, h, 0, AIMC_TAG_SIGNAL, 0),
                   AIMC_EINVAL);
  assert_int_equal(aimc_kernel_schedule(k, h, -1, 0, 0), AIMC_EINVAL);
  assert_int_equal(aimc_kernel_run_until(k, 100), 0);
  assert_int_equal(aimc_kernel_schedule_at(k, h, 99, 0, 0), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "in the past"));
  assert_int_equal(aimc_kernel_schedule(k, h, AIMC_TIME_MAX, 0, 0),
                   AIMC_ERANGE);
  assert_int_equal(aimc_kernel_signal_write(k, 3, 1.0), AIMC_EINVAL);
  assert_int_equal(aimc_kernel_signal_add(k, 0.0, &s), 0);
  assert_int_equal(aimc_kernel_signal_watch(k, s, 9), AIMC_EINVAL);
  assert_int_equal(aimc_kernel_signal_watch(k, 9, h), AIMC_EINVAL);
  assert_int_equal(r.n, 0);
  aimc_kernel_backend b;
  assert_int_equal(aimc_kernel_backend_parse("systemc", &b), 0);
  assert_int_equal(b, AIMC_KERNEL_SYSTEMC);
  assert_int_equal(aimc_kernel_backend_parse("native", &b), 0);
  assert_int_equal(b, AIMC_KERNEL_NATIVE);
  assert_int_equal(aimc_kernel_backend_parse("verilator", &b), AIMC_EINVAL);
  assert_string_equal(aimc_kernel_backend_name(AIMC_KERNEL_SYSTEMC),
                      "systemc");
  aimc_kernel_free(k);
  aimc_kernel_free(NULL);
  aimc_ctx_free(ctx);
}

/* A zero-delay loop through a signal must end with an error, not hang. */
static int toggle(aimc_kernel *k, void *self, const aimc_event *ev) {
  uint32_t *s = self;
  (void)ev;
  return aimc_kernel_signal_write(k, *s, 1.0 - aimc_kernel_signal_read(k, *s));
}

static void test_delta_loop_detected(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k;
  assert_int_equal(aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k), AIMC_OK);
  uint32_t s, h;
  assert_int_equal(aimc_kernel_signal_add(k, 0.0, &s), 0);
  assert_int_equal(aimc_kernel_add_handler(k, toggle, &s, &h), 0);
  assert_int_equal(aimc_kernel_signal_watch(k, s, h), 0);
  assert_int_equal(aimc_kernel_schedule(k, h, 4, 0, 0), 0);
  assert_int_equal(aimc_kernel_run(k), AIMC_ESTATE);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "zero-delay loop"));
  aimc_kernel_free(k);
  aimc_ctx_free(ctx);
}

/* Every allocation of alloc, registration, scheduling (heap growth past
 * its first blocks) and running may fail: clean error, no leak. */
static int kernel_session(aimc_ctx *ctx, void *user) {
  (void)user;
  aimc_kernel *k;
  int st = aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &k);
  if (st) return st;
  workload *w = workload_alloc(k, 5, 600, NULL);
  if (!w) {
    aimc_kernel_free(k);
    return AIMC_ENOMEM;
  }
  st = workload_run(w);
  workload_free(w);
  aimc_kernel_free(k);
  return st;
}

static void test_fault_injection(void **state) {
  (void)state;
  long runs = failalloc_sweep(kernel_session, NULL);
  assert_true(runs > 5); /* the sweep reached several alloc paths */
}

/* --- backend identity (child processes) --------------------------------- */
static const char *g_self;

static int spawn_wait(char *const argv[]) {
  pid_t pid;
  if (posix_spawn(&pid, g_self, NULL, NULL, argv, environ) != 0) return -1;
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

static void test_backends_identical(void **state) {
  (void)state;
  if (!aimc_kernel_has_systemc()) skip();
  const char *dir = test_tmpdir("kernel_identity");
  for (int seed = 1; seed <= 3; seed++) {
    char pn[512], ps[512], sd[16];
    snprintf(pn, sizeof pn, "%s/native%d.txt", dir, seed);
    snprintf(ps, sizeof ps, "%s/systemc%d.txt", dir, seed);
    snprintf(sd, sizeof sd, "%d", seed);
    char *an[] = {(char *)g_self, "--trace", "native", sd, pn, NULL};
    char *as[] = {(char *)g_self, "--trace", "systemc", sd, ps, NULL};
    assert_int_equal(spawn_wait(an), 0);
    assert_int_equal(spawn_wait(as), 0);
    size_t ln, ls;
    char *tn = slurp(pn, &ln), *ts = slurp(ps, &ls);
    /* Thousands of events, many at a time (ties) and many past delta 0. */
    long lines = 0, deltas = 0;
    for (char *p = tn; *p; p = strchr(p, '\n') + 1) {
      unsigned long long time, seq;
      unsigned delta;
      if (sscanf(p, "%llu %llu %u", &time, &seq, &delta) == 3) {
        lines++;
        deltas += delta > 0;
      }
    }
    assert_true(lines > 5000);
    assert_true(deltas > 100);
    assert_int_equal(ln, ls);
    assert_memory_equal(tn, ts, ln);
    free(tn);
    free(ts);
    remove(pn);
    remove(ps);
  }
  remove(dir);
}

/* Child: SystemC's rules. Reset replays the same trace (time offset); a
 * second SystemC kernel, alive or after free, is refused; native kernels
 * still work beside it. Exit 0 when all hold. */
static int systemc_rules_main(void) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_kernel *k, *k2 = NULL, *kn;
  if (aimc_kernel_alloc(ctx, AIMC_KERNEL_SYSTEMC, &k)) return 20;
  workload *w = workload_alloc(k, 9, 3000, NULL);
  if (!w || workload_run(w)) return 21;
  uint64_t h1 = workload_hash(w);
  aimc_time t1 = aimc_kernel_now(k);
  if (aimc_kernel_reset(k) || aimc_kernel_now(k) != 0) return 22;
  if (workload_restart(w) || workload_run(w)) return 23;
  if (workload_hash(w) != h1 || aimc_kernel_now(k) != t1) return 24;
  /* run_until across a reset offset stops at the right aimc time. */
  if (aimc_kernel_reset(k) || workload_restart(w)) return 25;
  if (aimc_kernel_run_until(k, 7) || aimc_kernel_now(k) != 7) return 26;
  workload_free(w);
  if (aimc_kernel_alloc(ctx, AIMC_KERNEL_SYSTEMC, &k2) != AIMC_EBACKEND)
    return 27;
  if (!strstr(aimc_ctx_errmsg(ctx), "one simulation per process")) return 28;
  if (aimc_kernel_alloc(ctx, AIMC_KERNEL_NATIVE, &kn)) return 29;
  workload *wn = workload_alloc(kn, 9, 3000, NULL);
  if (!wn || workload_run(wn) || workload_hash(wn) != h1) return 30;
  workload_free(wn);
  aimc_kernel_free(kn);
  aimc_kernel_free(k);
  if (aimc_kernel_alloc(ctx, AIMC_KERNEL_SYSTEMC, &k2) != AIMC_EBACKEND)
    return 31;
  aimc_ctx_free(ctx);
  return 0;
}

static void test_systemc_rules(void **state) {
  (void)state;
  if (!aimc_kernel_has_systemc()) skip();
  char *argv[] = {(char *)g_self, "--systemc-rules", NULL};
  assert_int_equal(spawn_wait(argv), 0);
}

int main(int argc, char **argv) {
  static char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 3;
  self[n] = 0;
  g_self = self;
  if (argc == 5 && strcmp(argv[1], "--trace") == 0) {
    aimc_kernel_backend b;
    if (aimc_kernel_backend_parse(argv[2], &b)) return 2;
    return workload_trace_main(b, strtoull(argv[3], NULL, 10), 20000,
                               argv[4]);
  }
  if (argc == 2 && strcmp(argv[1], "--systemc-rules") == 0)
    return systemc_rules_main();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_fifo),
      cmocka_unit_test(test_delta_cycles),
      cmocka_unit_test(test_run_until_reset),
      cmocka_unit_test(test_handler_stops_run),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_delta_loop_detected),
      cmocka_unit_test(test_fault_injection),
      cmocka_unit_test(test_backends_identical),
      cmocka_unit_test(test_systemc_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
