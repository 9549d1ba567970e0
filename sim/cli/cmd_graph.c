/* aimc graph: renders a netlist as a picture through Graphviz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/graph.h"
#include "aimc/netlist.h"
#include "aimc/status.h"
#include "cli.h"
#include "netlist_opts.h"

static void help(void) {
  printf(
      "usage: aimc graph NETLIST -o OUT.svg|png|pdf|dot [--depth N] [--flatten]\n"
      "                  [-D name=value]...\n\n"
      "Draws the netlist: instances as nodes (model and key parameters), nets as\n"
      "edges from driver to readers (name and width; blue voltage, red current,\n"
      "black digital, green dashed control), subcircuit instances as clusters.\n\n"
      "options:\n"
      "  -o PATH        output file; the format follows the extension\n"
      "  --depth N      draw N levels of subcircuits; deeper ones become one\n"
      "                 node each (0: every top-level subcircuit is one node)\n"
      "  --flatten      no clusters; nodes carry full hierarchical names\n"
      "  -D name=value  override a top-level netlist parameter\n"
      "SVG is fastest for big designs; PNGs of big graphs are slow and scaled.\n");
}

int aimc_cmd_graph(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) return help(), AIMC_OK;
  aimc_cli_netlist_args a;
  aimc_graph_opts g = {-1, 0};
  const char *out = NULL;
  int rc = aimc_cli_netlist_args_init(ctx, &a);
  for (int i = 1; !rc && i < argc; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) {
      out = argv[++i];
    } else if (!strcmp(argv[i], "--depth") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || end == argv[i] || v < 0 || v > 1000)
        rc = aimc_cli_usage(ctx, "graph", "--depth takes an integer >= 0, not '%s'", argv[i]);
      g.depth = (int)v;
    } else if (!strcmp(argv[i], "--flatten")) {
      g.flatten = 1;
    } else {
      rc = aimc_cli_netlist_arg(ctx, "graph", &a, argc, argv, &i);
    }
  }
  if (!rc && !a.path) rc = aimc_cli_usage(ctx, "graph", "missing NETLIST");
  if (!rc && !out) rc = aimc_cli_usage(ctx, "graph", "missing -o OUT.svg|png|pdf|dot");
  aimc_design *d = NULL;
  if (!rc) rc = aimc_netlist_load_opts(ctx, a.path, &a.opts, &d);
  if (!rc) rc = aimc_graph_render(ctx, d, &g, NULL, out);
  if (!rc)
    aimc_log(ctx, AIMC_LOG_INFO, "wrote %s (%zu instances, %zu nets)", out, d->n_inst, d->n_net);
  aimc_design_free(ctx, d);
  aimc_cli_netlist_args_fini(ctx, &a);
  return rc;
}
