/* libFuzzer target: SI-unit values (aimc_unit_parse, aimc_time_parse) in
 * every dimension; a value that parses must format and parse back within
 * the 4 significant digits the formatter keeps. */
#include <math.h>

#include "aimc/units.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 256) return 0;
  char *text = fuzz_text(data, size);
  char err[256], buf[64];
  for (int u = 0; u < AIMC_U_COUNT_; u++) {
    double v = 0, back = 0;
    if (aimc_unit_parse(text, (aimc_unit)u, &v, err, sizeof err) != AIMC_OK)
      continue;
    if (!isfinite(v)) abort(); /* promised: non-finite values are rejected */
    aimc_unit_format(v, (aimc_unit)u, buf, sizeof buf);
    if (aimc_unit_parse(buf, (aimc_unit)u, &back, err, sizeof err) != AIMC_OK)
      abort();
    if (fabs(back - v) > 1e-3 * fabs(v) + 1e-300) abort();
  }
  aimc_time t;
  if (aimc_time_parse(text, &t, err, sizeof err) == AIMC_OK) {
    if (t < 0) abort();
    aimc_time_format(t, buf, sizeof buf);
  }
  free(text);
  return 0;
}
