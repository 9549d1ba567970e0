/* libFuzzer target: a mapped netlist as `aimc run` reads it back (the
 * check against the mapping, the tiles' params, the periphery instances,
 * the targets and calibration files the netlist names), for the mapping
 * of the model $FUZZ_MODEL onto the architecture $FUZZ_ARCH: a hand edit
 * is refused with a message or read, never a crash or a hang (the
 * reading is aimc_map_load_netlist, as in `aimc run`). The input
 * is parsed as the netlist net.yaml beside that mapping's own arrays
 * folder net.arrays, written once per process into a folder of its own,
 * so the files a valid input names are there. With FUZZ_WRITE_SEED=PATH
 * set (PATH ending in net.yaml), writes that netlist to PATH (a valid
 * seed) and exits. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <sys/stat.h>

#include "aimc/design.h"
#include "aimc/map.h"
#include "aimc/netlist.h"
#include "aimc/s4d_model.h"
#include "fuzz_common.h"

static aimc_s4d_model *mdl; /* kept for the process (no leak report) */
static aimc_arch arch;
static aimc_mapping *mapped; /* as written: the calibration edits compare to */
static const char *model_path; /* $FUZZ_MODEL: the netlist's meta model */
static char dir[512], net_path[600];

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void remove_written(void) { nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS); }

static void setup(void) {
  if (mapped) return;
  aimc_ctx *ctx = fuzz_ctx();
  const char *model = model_path = getenv("FUZZ_MODEL"), *arch_path = getenv("FUZZ_ARCH");
  const char *seed = getenv("FUZZ_WRITE_SEED");
  aimc_arch_defaults(&arch);
  snprintf(dir, sizeof dir, "%s", fuzz_path(".mapped"));
  snprintf(net_path, sizeof net_path, "%s/net.yaml", dir);
  if (!seed && mkdir(dir, 0700) != 0) abort();
  if (!model || !arch_path || aimc_s4d_model_read(ctx, model, &mdl) ||
      aimc_arch_load(ctx, arch_path, &arch) || aimc_map_model(ctx, mdl, &arch, &mapped) ||
      aimc_map_write_netlist(ctx, mapped, model, arch_path, seed ? seed : net_path)) {
    fprintf(stderr, "fuzz_mapped: set FUZZ_MODEL and FUZZ_ARCH: %s\n", aimc_ctx_errmsg(ctx));
    abort();
  }
  if (seed) exit(0);
  atexit(remove_written);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  setup();
  aimc_ctx *ctx = fuzz_ctx();
  char *text = fuzz_text(data, size);
  aimc_design *d = NULL;
  aimc_mapping *m = NULL;
  int st = aimc_netlist_parse(ctx, net_path, text, NULL, &d);
  if (!st && aimc_map_model(ctx, mdl, &arch, &m)) abort(); /* it mapped before */
  if (!st) st = aimc_map_check_netlist(ctx, d, m);
  if (!st) st = aimc_map_load_netlist(ctx, d, mapped, model_path, m, NULL, 0);
  aimc_mapping_free(ctx, m);
  aimc_design_free(ctx, d);
  free(text);
  return 0;
}
