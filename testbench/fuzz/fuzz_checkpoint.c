/* libFuzzer target: trainer checkpoints (aimc_trainer_resume) against a
 * small trainer (H=4, N=4, one layer, 3 inputs, 2 classes). With
 * FUZZ_WRITE_SEED=PATH set, writes that trainer's checkpoint to PATH
 * first (a valid seed) and exits. */
#include "aimc/train.h"
#include "fuzz_common.h"

static aimc_trainer *trainer(void) {
  static aimc_trainer *tr;
  static float x[4 * 5 * 3];
  static int y[4] = {0, 1, 0, 1};
  static aimc_train_data d = {4, 5, 3, 2, x, y};
  if (tr) return tr;
  for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) x[i] = (float)(i % 7) / 7;
  aimc_train_cfg cfg;
  aimc_train_cfg_defaults(&cfg);
  cfg.model.h = 4;
  cfg.model.n = 4;
  cfg.model.layers = 1;
  cfg.train.epochs = 1;
  cfg.train.batch = 2;
  cfg.train.threads = 1;
  if (aimc_trainer_alloc(fuzz_ctx(), &cfg, &d, NULL, NULL, NULL, &tr)) abort();
  const char *seed = getenv("FUZZ_WRITE_SEED");
  if (seed) {
    aimc_train_stats st;
    aimc_trainer_iterate(tr, &st);
    exit(aimc_trainer_save(tr, seed) ? 1 : 0);
  }
  return tr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aimc_trainer *tr = trainer();
  const char *path = fuzz_path(".ckpt");
  fuzz_write(path, data, size);
  (void)aimc_trainer_resume(tr, path);
  unlink(path);
  return 0;
}
