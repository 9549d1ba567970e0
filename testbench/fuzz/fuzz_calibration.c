/* libFuzzer target: converter calibration files (aimc_cal_read) for each
 * part; a file that reads must give full scales that are finite and > 0
 * and resolutions in 0..AIMC_CAL_BITS_MAX, for every channel. */
#include <math.h>

#include "aimc/calibration.h"
#include "fuzz_common.h"

enum { N = 6 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aimc_ctx *ctx = fuzz_ctx();
  const char *path = fuzz_path(".cal.csv");
  fuzz_write(path, data, size);
  static const char *const PARTS[] = {"dac", "tia", "adc"};
  for (int p = 0; p < 3; p++) {
    double fs[N];
    int bits[N];
    if (aimc_cal_read(ctx, path, PARTS[p], N, fs, bits) != AIMC_OK) continue;
    for (int c = 0; c < N; c++)
      if (!isfinite(fs[c]) || !(fs[c] > 0) || bits[c] < 0 || bits[c] > AIMC_CAL_BITS_MAX)
        abort(); /* promised by the reader */
  }
  unlink(path);
  return 0;
}
