/* libFuzzer target: crossbar layout files (aimc_xbar_layout_read); a file
 * that reads must pass the layout's own check again (slots inside the
 * array and apart, gains finite), and its weights must be computable from
 * a conductance grid of the array's size without reading outside it. */
#include <math.h>
#include <stdlib.h>

#include "aimc/xbar_layout.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aimc_ctx *ctx = fuzz_ctx();
  const char *path = fuzz_path(".layout.json");
  fuzz_write(path, data, size);
  aimc_xbar_layout *l = NULL;
  if (aimc_xbar_layout_read(ctx, path, &l) == AIMC_OK) {
    if (aimc_xbar_layout_check(ctx, path, l) != AIMC_OK) abort(); /* promised by the reader */
    size_t cells = (size_t)l->rows * (size_t)l->cols;
    double *g = cells <= (1u << 22) ? calloc(cells, sizeof *g) : NULL;
    for (int s = 0; g && s < l->n_slots; s++) {
      size_t n = (size_t)l->slot[s].n_in * (size_t)l->slot[s].n_out;
      double *w = n <= (1u << 22) ? malloc(n * sizeof *w) : NULL;
      if (w) aimc_xbar_slot_weights(l, s, g, 0, w, NULL); /* ASan: inside the grid */
      free(w);
    }
    free(g);
    aimc_xbar_layout_free(ctx, l);
  }
  unlink(path);
  return 0;
}
