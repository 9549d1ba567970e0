/* aimc check: loads a netlist, reports the first mistake as file:line:col
 * (exit 2), or prints a summary of the elaborated design. */
#include <stdio.h>
#include <string.h>

#include "../core/strmap.h"
#include "aimc/netlist.h"
#include "aimc/status.h"
#include "cli.h"
#include "netlist_opts.h"

static void help(void) {
  printf(
      "usage: aimc check NETLIST [-D name=value]... [--list]\n\n"
      "Loads and checks a netlist (YAML, docs/netlist-format.md): includes,\n"
      "subcircuits, parameters, units and ranges, and the wiring (every port\n"
      "connected once, one driver per net, widths and kinds agree). Prints a\n"
      "summary: instances per model, subcircuit instances, nets, devices. The\n"
      "files the instances name (targets, calibration, layouts, index maps,\n"
      "the exported model) are read and checked too.\n\n"
      "options:\n"
      "  -D name=value  override a top-level parameter (e.g. -D array.rows=64)\n"
      "  --list         also list every instance and net\n"
      "Exit status: 0 valid, 2 with a file:line:col message on a mistake.\n");
}

/* Devices: a crossbar holds rows x cols cells, a cell one. */
static long devices_of(const aimc_design_inst *inst) {
  const aimc_model *m = inst->model;
  if (!strcmp(m->name, "cell")) return 1;
  const aimc_param *r = aimc_params_find(m->params, m->n_params, "rows");
  const aimc_param *c = aimc_params_find(m->params, m->n_params, "cols");
  if (!strcmp(m->name, "crossbar") && r && c)
    return (long)aimc_param_get(r, inst->params) * (long)aimc_param_get(c, inst->params);
  return 0;
}

static void print_list(const aimc_design *d) {
  printf("\ninstances:\n");
  for (size_t i = 0; i < d->n_inst; i++) {
    const aimc_design_inst *inst = &d->inst[i];
    printf("  %-28s %-12s", inst->name, inst->model->name);
    for (size_t p = 0; p < inst->model->n_params; p++) {
      char buf[AIMC_PARAM_STRLEN + 8];
      const aimc_param *row = &inst->model->params[p];
      if (row->type == AIMC_PT_STRING && !*aimc_param_format(row, inst->params, buf, sizeof buf))
        continue;
      printf(" %s=%s", row->key, aimc_param_format(row, inst->params, buf, sizeof buf));
    }
    printf("\n");
  }
  printf("\nnets:\n");
  for (size_t n = 0; n < d->n_net; n++) {
    const aimc_design_net *net = &d->net[n];
    char port[64] = "";
    if (net->driver >= 0)
      aimc_model_port_label(d->inst[net->driver].model, net->driver_port, port, sizeof port);
    printf("  %-28s %-8s [%d]  driver: %s%s%s\n", net->name, aimc_sig_kind_name(net->kind),
           net->width, net->driver >= 0 ? d->inst[net->driver].name : "(external)",
           net->driver >= 0 ? "." : "", port);
  }
}

/* Subcircuit instances per type, in order of first appearance (hashed:
 * a design may hold a million blocks). */
static void print_blocks(aimc_ctx *ctx, const aimc_design *d) {
  aimc_strmap types = {0};
  size_t *count = aimc_calloc(ctx, d->n_block ? d->n_block : 1, sizeof *count);
  int ok = count != NULL;
  for (size_t b = 0; b < d->n_block && ok; b++) {
    int first;
    const char *t = d->block[b].subckt;
    ok = aimc_strmap_put(ctx, &types, t, strlen(t), (int)b, &first) == AIMC_OK;
    if (ok) count[first >= 0 ? (size_t)first : b]++;
  }
  for (size_t b = 0; b < d->n_block && ok; b++)
    if (count[b]) printf("  %-12s %zu\n", d->block[b].subckt, count[b]);
  aimc_free(ctx, count);
  aimc_strmap_fini(ctx, &types);
}

static void print_summary(aimc_ctx *ctx, const aimc_design *d) {
  char t[64];
  printf("netlist %s: %s\n", d->name ? d->name : "(unnamed)", d->path);
  printf("files read: %zu\n", d->n_files);
  if (d->clock_period) printf("clock: %s\n", aimc_time_format(d->clock_period, t, sizeof t));
  printf("instances: %zu\n", d->n_inst);
  for (size_t m = 0; m < aimc_models_count(); m++) {
    size_t count = 0;
    for (size_t i = 0; i < d->n_inst; i++) count += d->inst[i].model == aimc_models_at(m);
    if (count) printf("  %-12s %zu\n", aimc_models_at(m)->name, count);
  }
  if (d->n_block) printf("subcircuit instances: %zu\n", d->n_block);
  print_blocks(ctx, d);
  size_t by_kind[AIMC_SIG_COUNT_] = {0};
  for (size_t n = 0; n < d->n_net; n++) by_kind[d->net[n].kind]++;
  printf("nets: %zu (", d->n_net);
  for (int k = 0, first = 1; k < AIMC_SIG_COUNT_; k++)
    if (by_kind[k]) printf("%s%zu %s", first ? "" : ", ", by_kind[k], aimc_sig_kind_name(k)), first = 0;
  printf(")\n");
  long devices = 0;
  for (size_t i = 0; i < d->n_inst; i++) devices += devices_of(&d->inst[i]);
  printf("devices: %ld\n", devices);
}

/* The files every instance names (targets, calibration, layouts, index
 * maps, the exported model), read and checked as the models' init would,
 * with nothing built: a bad file is refused here, before any long run,
 * at the instance's file:line:col with the file's own position. */
static int check_files(aimc_ctx *ctx, const aimc_design *d) {
  for (size_t i = 0; i < d->n_inst; i++) {
    const aimc_design_inst *in = &d->inst[i];
    if (!in->model->check_files) continue;
    const char *source = in->loc.file ? in->loc.file : d->path;
    int rc = in->model->check_files(ctx, in->params, source);
    if (!rc) continue;
    char why[1024];
    snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
    return aimc_error_at(ctx, rc, &in->loc, "instance %s: %s",
                         in->name, why);
  }
  return AIMC_OK;
}

int aimc_cmd_check(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) return help(), AIMC_OK;
  aimc_cli_netlist_args a;
  int list = 0;
  int rc = aimc_cli_netlist_args_init(ctx, &a);
  for (int i = 1; !rc && i < argc; i++) {
    if (!strcmp(argv[i], "--list"))
      list = 1;
    else
      rc = aimc_cli_netlist_arg(ctx, "check", &a, argc, argv, &i);
  }
  if (!rc && !a.path) rc = aimc_cli_usage(ctx, "check", "missing NETLIST");
  aimc_design *d = NULL;
  if (!rc) rc = aimc_netlist_load_opts(ctx, a.path, &a.opts, &d);
  if (!rc) rc = check_files(ctx, d);
  if (!rc) {
    print_summary(ctx, d);
    if (list) print_list(d);
  }
  aimc_design_free(ctx, d);
  aimc_cli_netlist_args_fini(ctx, &a);
  return rc;
}
