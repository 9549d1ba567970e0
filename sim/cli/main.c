/* aimc: one binary, a command table. main only sets up the context, picks
 * the command and maps its status to an exit code (0 ok, 1 failure, 2
 * usage/config error). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/seed.h"
#include "aimc/status.h"
#include "cli.h"

typedef struct {
  const char *name;
  int (*fn)(aimc_ctx *, int, char **);
  const char *summary;
} command;

static const command COMMANDS[] = {
#define X(name, fn, summary) {#name, fn, summary},
#include "commands.def"
#undef X
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *out) {
  fprintf(out,
          "usage: aimc [--seed N] [-v|-q] <command> [options]\n\n"
          "Discrete-event simulator of analog in-memory-compute hardware.\n\n"
          "commands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
  fprintf(out,
          "\nglobal options:\n"
          "  --seed N   seed of every random draw (default 1)\n"
          "  -v, -q     more / less logging on stderr\n"
          "  --version  print the version\n"
          "Run 'aimc <command> --help' for a command's options.\n");
}

int aimc_cli_usage(aimc_ctx *ctx, const char *cmd, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return aimc_error(ctx, AIMC_EUSAGE, "%s: %s (try 'aimc %s --help')", cmd, msg,
                    cmd);
}

int aimc_cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  int verbosity = AIMC_LOG_INFO;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("aimc %s\n", aimc_cli_version());
      return 0;
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      int ps = aimc_seed_parse(argv[++i], &seed);
      if (ps) {
        fprintf(stderr, "aimc: --seed takes " AIMC_SEED_RANGE ", not '%s' (%s)\n",
                argv[i], aimc_seed_rule(ps));
        return 2;
      }
    } else if (strcmp(argv[i], "-v") == 0) {
      verbosity = AIMC_LOG_DEBUG;
    } else if (strcmp(argv[i], "-q") == 0) {
      verbosity = AIMC_LOG_WARN;
    } else {
      fprintf(stderr, "aimc: unknown option '%s'\n\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return 2;
  }
  const command *cmd = NULL;
  for (size_t c = 0; c < N_COMMANDS; c++)
    if (strcmp(argv[i], COMMANDS[c].name) == 0) cmd = &COMMANDS[c];
  if (!cmd) {
    fprintf(stderr, "aimc: unknown command '%s'\n\n", argv[i]);
    usage(stderr);
    return 2;
  }
  aimc_gsl_install_handler();
  aimc_ctx *ctx = aimc_ctx_alloc(seed);
  if (!ctx) {
    fprintf(stderr, "aimc: out of memory\n");
    return 1;
  }
  aimc_ctx_set_log_level(ctx, (aimc_log_level)verbosity);
  int status = cmd->fn(ctx, argc - i, argv + i);
  if (status != AIMC_OK) {
    const char *msg = aimc_ctx_errmsg(ctx);
    fprintf(stderr, "aimc %s: %s\n", cmd->name, *msg ? msg : aimc_strerror(status));
  }
  aimc_ctx_free(ctx);
  return aimc_status_exit_code(status);
}
