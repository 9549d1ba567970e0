/* libFuzzer target: Fashion-MNIST IDX files (plain or gzip). A folder of
 * four small valid files (20 + 10 images) is made once; the input's first
 * byte picks the file it replaces, the rest is the file's content; then
 * the set loads through aimc_dataset_load (fmnist_rows). */
#include <sys/stat.h>

#include "aimc/data.h"
#include "fuzz_common.h"

static const char *const FILES[4] = {
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
static uint8_t *valid[4];
static size_t valid_len[4];

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
  p[3] = (uint8_t)v;
}

static const char *folder(void) {
  static char dir[512];
  if (*dir) return dir;
  snprintf(dir, sizeof dir, "%s.d", fuzz_path(""));
  mkdir(dir, 0700);
  for (int f = 0; f < 4; f++) {
    int images = f % 2 == 0;
    uint32_t n = f < 2 ? 20 : 10;
    size_t head = images ? 16 : 8, len = head + n * (images ? 784 : 1);
    uint8_t *b = calloc(len, 1);
    if (!b) abort();
    be32(b, images ? 0x803 : 0x801);
    be32(b + 4, n);
    if (images) be32(b + 8, 28), be32(b + 12, 28);
    for (size_t i = head; i < len; i++) b[i] = (uint8_t)(images ? i : (i % 10));
    valid[f] = b;
    valid_len[f] = len;
  }
  return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > (1 << 20)) return 0;
  const char *dir = folder();
  char path[600];
  int pick = data[0] % 4;
  for (int f = 0; f < 4; f++) {
    snprintf(path, sizeof path, "%s/%s", dir, FILES[f]);
    if (f == pick)
      fuzz_write(path, data + 1, size - 1);
    else
      fuzz_write(path, valid[f], valid_len[f]);
  }
  aimc_ctx *ctx = fuzz_ctx();
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec spec;
  aimc_params_defaults(t, n, &spec);
  spec.task = AIMC_TASK_FMNIST_ROWS;
  snprintf(spec.dir, sizeof spec.dir, "%s", dir);
  spec.cache = 0;
  aimc_dataset *ds = NULL;
  if (aimc_dataset_load(ctx, &spec, &ds) == AIMC_OK) aimc_dataset_free(ctx, ds);
  return 0;
}
