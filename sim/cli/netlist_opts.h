/* Command-line pieces shared by the commands that load a netlist (check,
 * graph; others may reuse them): the NETLIST argument and -D overrides. */
#ifndef AIMC_CLI_NETLIST_OPTS_H
#define AIMC_CLI_NETLIST_OPTS_H

#include "aimc/netlist.h"

typedef struct {
  const char *path;      /* the NETLIST argument (borrowed from argv) */
  const char **defines;  /* -D texts (borrowed), owned array          */
  aimc_netlist_opts opts;
} aimc_cli_netlist_args;

int aimc_cli_netlist_args_init(aimc_ctx *ctx, aimc_cli_netlist_args *a);
void aimc_cli_netlist_args_fini(aimc_ctx *ctx, aimc_cli_netlist_args *a);
/* Consumes argv[*i] (and its value for -D): "-D name=value", "-Dname=value"
 * or the NETLIST path. Anything else is a usage error for `cmd`. */
int aimc_cli_netlist_arg(aimc_ctx *ctx, const char *cmd, aimc_cli_netlist_args *a,
                         int argc, char **argv, int *i);

#endif
