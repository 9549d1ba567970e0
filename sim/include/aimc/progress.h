/* Progress bars for long work, on stderr. On a terminal the bar redraws in
 * place (rate and ETA); otherwise one line every 10 %, so CI logs stay
 * short. AIMC_NO_PROGRESS=1 in the environment silences them. The library
 * never prints progress itself: callers (the CLI) own the bar. */
#ifndef AIMC_PROGRESS_H
#define AIMC_PROGRESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  char label[48];
  uint64_t total;
  double t0, t_last;
  int tty, quiet, last_decile;
} aimc_progress;

void aimc_progress_start(aimc_progress *p, const char *label, uint64_t total);
/* `extra` (may be NULL) is appended, e.g. "loss 0.31 acc 92%". */
void aimc_progress_update(aimc_progress *p, uint64_t done, const char *extra);
void aimc_progress_finish(aimc_progress *p, const char *extra);
/* Monotonic wall-clock seconds. */
double aimc_wall_seconds(void);

#ifdef __cplusplus
}
#endif
#endif
