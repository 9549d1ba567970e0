/* Report figures: each file is drawn by PLplot in the plugin aimc_plplot.so
 * (sim/plugins/plplot.c, loaded only when a report draws) into a temporary
 * file renamed over the figure when complete. PLplot was chosen over cairo
 * with a hand-made axis layer because it brings axes, log scales, tick
 * labels, error bars and legends, and both vector and raster output, for
 * free. */
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <stdio.h>
#include <unistd.h>

#include "aimc/fileio.h"
#include "aimc/status.h"

#ifdef AIMC_HAVE_PLPLOT
#include "sim/plugins/plot.h"

int plot_available(void) { return 1; }

/* Draws into a temporary file renamed over `path` when complete, so a
 * figure on disk is never half-written. */
static int render(aimc_ctx *ctx, const aimc_plot_plugin *p,
                  const plot_figure *f, const char *final_path,
                  const char *dev) {
  char path[4200];
  snprintf(path, sizeof path, "%s.tmp.%ld", final_path, (long)getpid());
  /* PLplot exits the process when it cannot open its output: check first. */
  FILE *probe = fopen(path, "wb");
  if (!probe) return aimc_error(ctx, AIMC_EIO, "cannot write %s", final_path);
  fclose(probe);
  if (p->draw(f, path, dev) != 0) {
    remove(path);
    return aimc_error(ctx, AIMC_EFAIL, "plot %s: no PLplot stream left", path);
  }
  if (aimc_rename(path, final_path) != 0) { /* counted by the kill hook */
    remove(path);
    return aimc_error(ctx, AIMC_EIO, "cannot write %s", final_path);
  }
  return AIMC_OK;
}

int plot_write(aimc_ctx *ctx, const plot_figure *f, const char *stem) {
  const void *t;
  int rc = aimc_plugin_load(ctx, "plplot", "PLplot for the report's figures",
                            sizeof(aimc_plot_plugin), AIMC_ENOTFOUND, &t);
  if (rc) return rc;
  char path[4096];
  snprintf(path, sizeof path, "%s.svg", stem);
  rc = render(ctx, t, f, path, "svgcairo");
  snprintf(path, sizeof path, "%s.png", stem);
  if (!rc) rc = render(ctx, t, f, path, "pngcairo");
  return rc;
}

#else

int plot_available(void) { return 0; }

int plot_write(aimc_ctx *ctx, const plot_figure *f, const char *stem) {
  (void)f;
  return aimc_error(
      ctx, AIMC_ENOTFOUND,
      "%s: this build has no PLplot (install libplplot-dev and reconfigure)",
      stem);
}

#endif
