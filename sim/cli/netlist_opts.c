/* NETLIST and -D name=value arguments (see netlist_opts.h). */
#include "netlist_opts.h"

#include <string.h>

#include "aimc/status.h"
#include "cli.h"

int aimc_cli_netlist_args_init(aimc_ctx *ctx, aimc_cli_netlist_args *a) {
  memset(a, 0, sizeof *a);
  (void)ctx;
  return AIMC_OK;
}

void aimc_cli_netlist_args_fini(aimc_ctx *ctx, aimc_cli_netlist_args *a) {
  aimc_free(ctx, (void *)a->defines);
  a->defines = NULL;
}

static int add_define(aimc_ctx *ctx, aimc_cli_netlist_args *a, const char *text) {
  const char **d = aimc_realloc(ctx, (void *)a->defines, (a->opts.n_defines + 1) * sizeof *d);
  if (!d) return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  d[a->opts.n_defines++] = text;
  a->defines = d;
  a->opts.defines = d;
  return AIMC_OK;
}

int aimc_cli_netlist_arg(aimc_ctx *ctx, const char *cmd, aimc_cli_netlist_args *a,
                         int argc, char **argv, int *i) {
  const char *arg = argv[*i];
  if (!strcmp(arg, "-D")) {
    if (*i + 1 >= argc) return aimc_cli_usage(ctx, cmd, "-D needs name=value");
    return add_define(ctx, a, argv[++*i]);
  }
  if (!strncmp(arg, "-D", 2)) return add_define(ctx, a, arg + 2);
  if (arg[0] == '-' && arg[1]) return aimc_cli_usage(ctx, cmd, "unknown option '%s'", arg);
  if (a->path) return aimc_cli_usage(ctx, cmd, "unexpected argument '%s'", arg);
  a->path = arg;
  return AIMC_OK;
}
