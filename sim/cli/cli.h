/* Shared pieces of the CLI commands: the command table, the command
 * signature and the usage error convention (message on stderr, exit code
 * 2).
 * The CLI has no public header: it uses those of sim/include/aimc/. */
#ifndef AIMC_CLI_H
#define AIMC_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "aimc/context.h"

/* argv[0] is the command name; options follow (global options already
 * removed by main). Returns an aimc status; the message for a failure is
 * left on the context (aimc_error). */
#define X(name, fn, summary) int fn(aimc_ctx *ctx, int argc, char **argv);
#include "commands.def"
#undef X

typedef struct {
  const char *name;
  int (*fn)(aimc_ctx *, int, char **);
  const char *summary;
} aimc_cli_command;

/* The table of commands.def, in its order; lookup by name (NULL if none). */
extern const aimc_cli_command aimc_cli_commands[];
extern const size_t aimc_cli_n_commands;
const aimc_cli_command *aimc_cli_find(const char *name);

/* The text of `aimc --help` (commands, global options, environment). */
void aimc_cli_usage_text(FILE *out);

/* Records "<cmd>: <message>; try 'aimc <cmd> --help'" and returns
 * AIMC_EUSAGE. */
int aimc_cli_usage(aimc_ctx *ctx, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 if argv holds -h or --help (commands print their help and return 0). */
int aimc_cli_wants_help(int argc, char **argv);

/* The version string ("0.1.0 (git abc123)"). */
const char *aimc_cli_version(void);

#endif
