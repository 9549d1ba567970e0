/* Progress bars on stderr (see progress.h for the policy). */
#define _POSIX_C_SOURCE 200809L
#include "aimc/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double aimc_wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void aimc_progress_start(aimc_progress *p, const char *label, uint64_t total) {
  memset(p, 0, sizeof *p);
  snprintf(p->label, sizeof p->label, "%s", label);
  p->total = total ? total : 1;
  p->t0 = p->t_last = aimc_wall_seconds();
  p->tty = isatty(STDERR_FILENO);
  const char *q = getenv("AIMC_NO_PROGRESS");
  p->quiet = q && *q && strcmp(q, "0") != 0;
  p->last_decile = -1;
}

static void draw(aimc_progress *p, uint64_t done, const char *extra, int final) {
  double now = aimc_wall_seconds(), el = now - p->t0;
  double frac = (double)done / (double)p->total;
  if (frac > 1) frac = 1;
  double rate = el > 0 ? (double)done / el : 0;
  double eta = rate > 0 ? (double)(p->total - (done < p->total ? done : p->total)) / rate : 0;
  if (p->tty) {
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%-14s [%s] %3.0f%% %llu/%llu %.1f/s %s %-30s%s", p->label,
            bar, 100 * frac, (unsigned long long)done,
            (unsigned long long)p->total, rate, final ? "done" : "eta",
            extra ? extra : "", final ? "\n" : "");
  } else {
    fprintf(stderr, "%s: %3.0f%% (%llu/%llu) %.1fs elapsed, eta %.0fs %s\n",
            p->label, 100 * frac, (unsigned long long)done,
            (unsigned long long)p->total, el, eta, extra ? extra : "");
  }
  fflush(stderr);
}

void aimc_progress_update(aimc_progress *p, uint64_t done, const char *extra) {
  if (p->quiet) return;
  if (p->tty) {
    double now = aimc_wall_seconds();
    if (now - p->t_last < 0.1) return;
    p->t_last = now;
    draw(p, done, extra, 0);
    return;
  }
  int decile = (int)(10 * done / p->total);
  if (decile <= p->last_decile || decile >= 10) return;
  p->last_decile = decile;
  draw(p, done, extra, 0);
}

void aimc_progress_finish(aimc_progress *p, const char *extra) {
  if (!p->quiet) draw(p, p->total, extra, 1);
}
