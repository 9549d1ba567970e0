/* libFuzzer target: saved programmings (aimc_hw_load) against the mapping
 * of the model $FUZZ_MODEL onto the architecture $FUZZ_ARCH. With
 * FUZZ_WRITE_SEED=PATH set, programs that mapping, saves it to PATH (a
 * valid seed) and exits. */
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/s4d_model.h"
#include "fuzz_common.h"

static aimc_mapping *mapping(void) {
  static aimc_mapping *m;
  static aimc_s4d_model *mdl; /* kept for the process (no leak report) */
  if (m) return m;
  aimc_ctx *ctx = fuzz_ctx();
  const char *model = getenv("FUZZ_MODEL"), *arch_path = getenv("FUZZ_ARCH");
  aimc_arch arch;
  aimc_arch_defaults(&arch);
  if (!model || !arch_path || aimc_s4d_model_read(ctx, model, &mdl) ||
      aimc_arch_load(ctx, arch_path, &arch) ||
      aimc_map_model(ctx, mdl, &arch, &m)) {
    fprintf(stderr, "fuzz_programming: set FUZZ_MODEL and FUZZ_ARCH: %s\n",
            aimc_ctx_errmsg(ctx));
    abort();
  }
  const char *seed = getenv("FUZZ_WRITE_SEED");
  if (seed) {
    aimc_hw *hw = NULL;
    int rc = aimc_hw_program(ctx, m, &hw);
    if (!rc) rc = aimc_hw_save(ctx, hw, seed);
    aimc_hw_free(ctx, hw);
    exit(rc ? 1 : 0);
  }
  return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aimc_mapping *m = mapping();
  aimc_ctx *ctx = fuzz_ctx();
  const char *path = fuzz_path(".prog");
  fuzz_write(path, data, size);
  aimc_hw *hw = NULL;
  if (aimc_hw_load(ctx, m, path, &hw) == AIMC_OK) aimc_hw_free(ctx, hw);
  unlink(path);
  return 0;
}
