/* Graphviz (libgvc) for netlist graphs, built as the plugin
 * aimc_graphviz.so so that only the commands that draw load libgvc and its
 * own plugins (sim/core/plugin.h). */
#include "sim/plugins/graphviz.h"

#include <graphviz/gvc.h>

static int render(const char *dot, const char *format, char **data,
                  unsigned int *len) {
  *data = NULL;
  *len = 0;
  GVC_t *gvc = gvContext();
  Agraph_t *gr = gvc ? agmemread(dot) : NULL;
  int rc = GV_OK;
  if (!gvc || !gr)
    rc = GV_READ;
  else if (gvLayout(gvc, gr, "dot"))
    rc = GV_LAYOUT;
  else {
    if (gvRenderData(gvc, gr, format, data, len) || !*data) rc = GV_RENDER;
    gvFreeLayout(gvc, gr);
  }
  if (rc && *data) {
    gvFreeRenderData(*data);
    *data = NULL;
  }
  if (gr) agclose(gr);
  if (gvc) gvFreeContext(gvc);
  return rc;
}

static void free_data(char *data) {
  if (data) gvFreeRenderData(data);
}

__attribute__((visibility("default")))
const aimc_graphviz_plugin aimc_plugin_graphviz = {
    .head = {AIMC_PLUGIN_ABI, sizeof(aimc_graphviz_plugin)},
    .render = render,
    .free_data = free_data,
};
