/* aimc version: what this build is and what it can do. */
#include <stdio.h>

#include "aimc/kernel.h"
#include "aimc/status.h"
#include "aimc/version.h"
#include "cli.h"

const char *aimc_cli_version(void) { return AIMC_VERSION " (git " AIMC_GIT_HASH ")"; }

int aimc_cmd_version(aimc_ctx *ctx, int argc, char **argv) {
  (void)ctx;
  if (aimc_cli_wants_help(argc, argv)) {
    printf("usage: aimc version\n\nPrints the version, git hash and the kernel "
           "backends of this build.\n");
    return AIMC_OK;
  }
  if (argc > 1) return aimc_cli_usage(ctx, "version", "unexpected argument '%s'", argv[1]);
  printf("aimc %s\n", aimc_cli_version());
  printf("kernel backends: native%s\n",
         aimc_kernel_has_systemc() ? " systemc" : "");
  return AIMC_OK;
}
