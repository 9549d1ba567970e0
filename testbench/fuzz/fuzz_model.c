/* libFuzzer target: exported S4D model files (aimc_s4d_model_read). */
#include "aimc/s4d_model.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aimc_ctx *ctx = fuzz_ctx();
  const char *path = fuzz_path(".s4d");
  fuzz_write(path, data, size);
  aimc_s4d_model *m = NULL;
  if (aimc_s4d_model_read(ctx, path, &m) == AIMC_OK) aimc_s4d_model_free(ctx, m);
  unlink(path);
  return 0;
}
