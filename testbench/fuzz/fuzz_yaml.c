/* libFuzzer target: YAML configuration files. The input is parsed as a
 * document (aimc_cfg_parse, every node visited) and then read as each
 * kind of config file that binds it: a trainer config's sections, an
 * architecture file (aimc_arch_load) and a device card (aimc_device_load). */
#include "aimc/config.h"
#include "aimc/device.h"
#include "aimc/map.h"
#include "aimc/train.h"
#include "fuzz_common.h"

static size_t visit(const aimc_cfg_node *n, int depth) {
  size_t k = 1;
  if (!n || depth > 64) return k;
  const char *s = aimc_cfg_scalar(n);
  if (s) k += strlen(s) > 0;
  size_t len = aimc_cfg_len(n);
  for (size_t i = 0; i < len; i++) {
    if (aimc_cfg_type_of(n) == AIMC_CFG_MAP) (void)aimc_cfg_key_at(n, i);
    k += visit(aimc_cfg_at(n, i), depth + 1);
  }
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  aimc_ctx *ctx = fuzz_ctx();
  char *text = fuzz_text(data, size);
  aimc_cfg *cfg = NULL;
  if (aimc_cfg_parse(ctx, "fuzz.yaml", text, &cfg) == AIMC_OK) {
    const aimc_cfg_node *root = aimc_cfg_root(cfg);
    visit(root, 0);
    aimc_train_cfg tc;
    aimc_train_cfg_defaults(&tc);
    static const char *const ignore[] = {"data", "output", NULL};
    (void)aimc_train_cfg_bind(ctx, root, &tc, ignore);
  }
  aimc_cfg_free(cfg);
  const char *path = fuzz_path(".yaml");
  fuzz_write(path, data, size);
  aimc_arch arch;
  aimc_arch_defaults(&arch);
  (void)aimc_arch_load(ctx, path, &arch);
  aimc_device *dev = NULL;
  if (aimc_device_load(ctx, path, &dev) == AIMC_OK) aimc_device_free(ctx, dev);
  unlink(path);
  free(text);
  return 0;
}
