/* libFuzzer target: netlists (aimc_netlist_parse: YAML, parameters and
 * their ${...} expressions, SI units, instances, nets, elaboration). */
#include "aimc/design.h"
#include "aimc/netlist.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  aimc_ctx *ctx = fuzz_ctx();
  char *text = fuzz_text(data, size);
  aimc_design *d = NULL;
  if (aimc_netlist_parse(ctx, "fuzz.yaml", text, NULL, &d) == AIMC_OK)
    aimc_design_free(ctx, d);
  free(text);
  return 0;
}
