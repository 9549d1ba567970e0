/* Netlist graphs: an elaborated design drawn with Graphviz (libgvc, dot
 * layout, headless). Instances are nodes labelled with their model and key
 * parameters, nets are edges from the driver to each reader labelled with
 * the net's name and width (coloured by signal kind), subcircuit instances
 * are clusters. A depth limit collapses deeper subcircuits into one node
 * each, so a design with 64 tiles stays readable. */
#ifndef AIMC_GRAPH_H
#define AIMC_GRAPH_H

#include "aimc/context.h"
#include "aimc/design.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  /* Hierarchy levels drawn: instances nested deeper than `depth`
   * subcircuits are collapsed into their subcircuit instance at that depth
   * (0: every top-level subcircuit instance is one node). < 0: no limit. */
  int depth;
  /* 1: no clusters (subcircuit boundaries are not drawn). */
  int flatten;
} aimc_graph_opts;

/* The DOT text of the graph (*out, NUL-terminated, free with aimc_free).
 * opts may be NULL (no depth limit, clusters drawn). */
int aimc_graph_dot(aimc_ctx *ctx, const aimc_design *d,
                   const aimc_graph_opts *opts, char **out);

/* Renders the graph to `path` in `format` ("svg", "png", "pdf" or "dot";
 * NULL: from the extension of path), atomically. Unknown formats are
 * AIMC_EUSAGE; Graphviz failures AIMC_EFAIL. Large PNGs are slow and get
 * scaled down by Graphviz: prefer SVG for big designs. */
int aimc_graph_render(aimc_ctx *ctx, const aimc_design *d,
                      const aimc_graph_opts *opts, const char *format,
                      const char *path);

#ifdef __cplusplus
}
#endif
#endif
