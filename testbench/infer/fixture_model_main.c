/* Writes a fixture model file for the CLI tests:
 * fixture_model OUT N_IN N_OUT H M LAYERS BITS SEED */
#include <stdio.h>
#include <stdlib.h>

#include "model_fixture.h"

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: fixture_model OUT N_IN N_OUT H M LAYERS BITS SEED\n");
    return 2;
  }
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *m = fixture_model(ctx, atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
                                    atoi(argv[5]), atoi(argv[6]), AIMC_MIX_GLU,
                                    atoi(argv[7]), 6, strtoul(argv[8], NULL, 10));
  int st = m ? aimc_s4d_model_write(ctx, m, argv[1]) : 1;
  if (st) fprintf(stderr, "fixture_model: %s\n", aimc_ctx_errmsg(ctx));
  aimc_s4d_model_free(ctx, m);
  aimc_ctx_free(ctx);
  return st ? 1 : 0;
}
