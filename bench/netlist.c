/* Netlist elaboration time and work for N instances (half sources, half
 * probes, wired pairwise by a repeated net, plus a subcircuit variant),
 * from 1e4 to 1e6 instances: the loader must stay linear (issue #14).
 * Prints wall and CPU seconds (CPU: the figure on a busy machine), the loader's step count (aimc_netlist_opts.work)
 * and steps per instance, which stays flat when elaboration is linear.
 *
 * usage: bench_netlist [MAX_INSTANCES]   (default 1000000) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aimc/netlist.h"
#include "aimc/status.h"

static double now(clockid_t which) {
  struct timespec t;
  clock_gettime(which, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* flat: N/2 sources and N/2 probes wired pairwise; subckt: N/3 blocks of
 * one source, each wired to one of N/3 probes (instances + blocks = N, the
 * loader's cap is 1e6). */
static void text_of(char *buf, size_t len, long n, int sub) {
  if (!sub) {
    snprintf(buf, len,
             "params: {n: 1}\n"
             "instances:\n"
             "  s: {model: source, count: %ld, params: {n: \"${n}\", values: \"1\"}}\n"
             "  p: {model: probe, count: %ld, params: {n: \"${n}\"}}\n"
             "nets:\n"
             "  x: {count: %ld, connect: [\"s${i}.out\", \"p${i}.in\"]}\n",
             n / 2, n / 2, n / 2);
    return;
  }
  snprintf(buf, len,
           "subckts:\n"
           "  pair:\n"
           "    params: {w: 1}\n"
           "    ports: [y]\n"
           "    instances:\n"
           "      s: {model: source, params: {n: \"${w}\", values: \"1\"}}\n"
           "    nets:\n"
           "      x: [s.out, y]\n"
           "instances:\n"
           "  t: {subckt: pair, count: %ld}\n"
           "  p: {model: probe, count: %ld}\n"
           "nets:\n"
           "  y: {count: %ld, connect: [\"t${i}.y\", \"p${i}.in\"]}\n",
           n / 3, n / 3, n / 3);
}

int main(int argc, char **argv) {
  long max = argc > 1 ? atol(argv[1]) : 1000000;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  if (!ctx) return 1;
  printf("%-6s %10s %10s %10s %8s %8s %12s %10s\n", "form", "requested", "instances", "nets",
         "wall_s", "cpu_s", "steps", "steps/inst");
  int status = 0;
  for (int sub = 0; sub < 2 && !status; sub++)
    for (long n = 10000; n <= max && !status; n *= 10) {
      char text[1024];
      text_of(text, sizeof text, n, sub);
      size_t work = 0;
      aimc_netlist_opts o = {NULL, 0, NULL, &work};
      aimc_design *d = NULL;
      double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      int rc = aimc_netlist_parse(ctx, "bench.yaml", text, &o, &d);
      double dt = now(CLOCK_MONOTONIC) - t0, dc = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
      if (rc) {
        fprintf(stderr, "bench_netlist: %s\n", aimc_ctx_errmsg(ctx));
        status = 1;
        break;
      }
      size_t total = d->n_inst + d->n_block;
      printf("%-6s %10ld %10zu %10zu %8.3f %8.3f %12zu %10.1f\n", sub ? "subckt" : "flat", n,
             total, d->n_net, dt, dc, work, (double)work / (double)total);
      aimc_design_free(ctx, d);
    }
  aimc_ctx_free(ctx);
  return status;
}
