/* Error bars of the report's line figures: a mean over sweep points and
 * its bar half-width (standard error or standard deviation over seeds),
 * and the note that says which the figure shows. */
#include <math.h>
#include <stdio.h>

#include "report_impl.h"

void report_average(const rtable *t, const size_t *sel, size_t g, int m,
                    aimc_report_errors errors, double *mean, double *err) {
  double sum = 0, var = 0;
  size_t n = 0;
  int known = 1;
  for (size_t i = 0; i < t->n_points; i++) {
    double v = rtable_mean(t, i, m), s = rtable_std(t, i, m),
           seeds = t->n_seeds[i];
    if (sel[i] != g || !isfinite(v)) continue;
    sum += v;
    n++;
    /* One seed has no spread to estimate (the sweep writes its std as 0);
     * an unknown count cannot be divided by. */
    if (!(seeds >= 2) || !isfinite(s))
      known = 0;
    else
      var += errors == AIMC_REPORT_ERRORS_STD ? s * s : s * s / seeds;
  }
  *mean = n ? sum / (double)n : NAN;
  if (!err) return;
  if (!n || !known)
    *err = NAN;
  else if (errors == AIMC_REPORT_ERRORS_STD)
    *err = sqrt(var / (double)n);
  else
    *err = sqrt(var) / (double)n;
}

int report_errors_note(const rtable *t, int m, aimc_report_errors errors,
                        char *note, size_t len) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < t->n_points; i++)
    if (isfinite(rtable_mean(t, i, m)) && isfinite(t->n_seeds[i])) {
      lo = fmin(lo, t->n_seeds[i]);
      hi = fmax(hi, t->n_seeds[i]);
    }
  if (!(hi >= 2)) {
    snprintf(note, len, "mean; no error bars (fewer than 2 seeds a point)");
    return 0;
  }
  char seeds[48];
  if (lo == hi)
    snprintf(seeds, sizeof seeds, "%.0f", hi);
  else
    snprintf(seeds, sizeof seeds, "%.0f-%.0f", lo, hi);
  snprintf(note, len, "mean ± %s over %s seeds",
           errors == AIMC_REPORT_ERRORS_STD ? "std" : "standard error", seeds);
  return 1;
}
