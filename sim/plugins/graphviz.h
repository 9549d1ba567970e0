/* The Graphviz plugin's table (aimc_graphviz.so, built from graphviz.c;
 * loaded by sim/netlist/graph.c). */
#ifndef AIMC_PLUGINS_GRAPHVIZ_H
#define AIMC_PLUGINS_GRAPHVIZ_H

#include "sim/core/plugin.h"

/* What render returns. */
enum { GV_OK = 0, GV_READ, GV_LAYOUT, GV_RENDER };

typedef struct {
  aimc_plugin_head head;
  /* Lays out the DOT text with dot and renders it in format ("svg", "png",
   * "pdf"): *data (free with free_data) of *len bytes. A GV_* code. */
  int (*render)(const char *dot, const char *format, char **data,
                unsigned int *len);
  void (*free_data)(char *data);
} aimc_graphviz_plugin;

#endif
