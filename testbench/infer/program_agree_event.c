/* The event side of test_program_agree.c (program_agree_event.h). */
#include "program_agree_event.h"

#include <stdio.h>
#include <string.h>

#include "aimc/design.h"
#include "aimc/engine.h"
#include "aimc/netlist.h"
#include "aimc/status.h"
#include "aimc/xbar.h"

/* Sets instance `name`'s `layout` param of design d to `file`. */
static int set_layout(aimc_ctx *ctx, aimc_design *d, const char *name, const char *file) {
  int i = aimc_design_find_inst(d, name);
  if (i < 0) return aimc_error(ctx, AIMC_EINVAL, "no instance %s", name);
  aimc_design_inst *in = &d->inst[i];
  const aimc_param *p = aimc_params_find(in->model->params, in->model->n_params, "layout");
  char err[256];
  if (!p || aimc_param_set(p, in->params, file, err, sizeof err))
    return aimc_error(ctx, AIMC_EINVAL, "%s: layout: %s", name, p ? err : "no such param");
  return AIMC_OK;
}

int event_cells(aimc_ctx *ctx, const char *net, size_t n, char *const *names,
                char *const *layouts, size_t cells, double **g, unsigned char **stuck) {
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  int st = aimc_netlist_load(ctx, net, &d);
  for (size_t k = 0; k < n && !st; k++) st = set_layout(ctx, d, names[k], layouts[k]);
  if (!st) st = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  for (size_t k = 0; k < n && !st; k++) {
    aimc_xbar *x = aimc_crossbar_xbar(aimc_engine_find(e, names[k]));
    if (!x) {
      st = aimc_error(ctx, AIMC_EINVAL, "%s is not a crossbar", names[k]);
      break;
    }
    memcpy(g[k], aimc_xbar_gmatrix(x), cells * sizeof(double));
    int cols = aimc_xbar_cols(x);
    for (size_t c = 0; c < cells; c++)
      stuck[k][c] = aimc_device_stuck(aimc_xbar_device(x),
                                      aimc_xbar_cell(x, (int)(c / cols), (int)(c % cols))) != 0;
  }
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  return st;
}
