/* The PLplot plugin's table (aimc_plplot.so, built from plplot.c; loaded
 * by sim/report/plot.c). */
#ifndef AIMC_PLUGINS_PLOT_H
#define AIMC_PLUGINS_PLOT_H

#include "sim/core/plugin.h"
#include "sim/report/plot.h"

typedef struct {
  aimc_plugin_head head;
  /* Draws fig into the file path (which must be writable: PLplot exits the
   * process when it cannot open it) with PLplot device dev ("svgcairo",
   * "pngcairo"). 0, or -1 when PLplot has no stream left. */
  int (*draw)(const plot_figure *fig, const char *path, const char *dev);
} aimc_plot_plugin;

#endif
