/* libFuzzer target: audio files of a Heidelberg-Digits tree
 * (aimc_audio_read over libsndfile: WAV, FLAC, ...). */
#include "data_internal.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aimc_ctx *ctx = fuzz_ctx();
  const char *path = fuzz_path(".audio");
  fuzz_write(path, data, size);
  float *x = NULL;
  size_t n = 0;
  double rate = 0;
  if (aimc_audio_read(ctx, path, &x, &n, &rate) == AIMC_OK) {
    if (n == 0 || !(rate > 0)) abort();
    volatile float s = 0; /* touch every sample */
    for (size_t i = 0; i < n; i++) s += x[i];
    aimc_free(ctx, x);
  }
  unlink(path);
  return 0;
}
