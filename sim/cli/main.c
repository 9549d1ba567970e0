/* aimc: one binary, a command table. main only sets up the context, picks
 * the command and maps its status to an exit code (0 ok, 1 runtime failure,
 * 2 usage, config or input-file error: aimc/status.def). Global options
 * (--seed, -v, -q) are taken from anywhere on the line before a "--", so
 * `aimc run NET -q` works; the command sees its arguments without them. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/seed.h"
#include "aimc/status.h"
#include "cli.h"

const aimc_cli_command aimc_cli_commands[] = {
#define X(name, fn, summary) {#name, fn, summary},
#include "commands.def"
#undef X
};
const size_t aimc_cli_n_commands =
    sizeof aimc_cli_commands / sizeof aimc_cli_commands[0];

void aimc_cli_usage_text(FILE *out) {
  fprintf(out,
          "usage: aimc [--seed N] [-v|-q] <command> [options]\n\n"
          "Discrete-event simulator of analog in-memory-compute hardware. It\n"
          "trains a quantized S4D model, maps it onto memristive crossbars,\n"
          "programs and simulates them, reports accuracy, energy and latency.\n"
          "Global options may stand anywhere on the line (before a '--').\n\n"
          "commands:\n");
  for (size_t i = 0; i < aimc_cli_n_commands; i++)
    fprintf(out, "  %-10s %s\n", aimc_cli_commands[i].name,
            aimc_cli_commands[i].summary);
  fprintf(out,
          "\nglobal options:\n"
          "  --seed N    seed of every random draw (default 1)\n"
          "  -v, -q      more / less logging on stderr\n"
          "  --version   print the version\n"
          "  -h, --help  this text\n"
          "\nenvironment:\n"
          "  AIMC_DATA         where data sets are made and found (default data)\n"
          "  AIMC_NO_PROGRESS  set: no progress bars on stderr\n"
          "\nexit status:\n"
          "  0  done as asked\n"
          "  1  runtime failure (cannot write, out of memory, an output locked\n"
          "     by another aimc, a solver failure)\n"
          "  2  bad input: usage, a config or netlist mistake, a missing,\n"
          "     unreadable, malformed or corrupt input file, a refused output\n"
          "\nRun 'aimc <command> --help' (or 'aimc help <command>') for a\n"
          "command's options.\n");
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

const aimc_cli_command *aimc_cli_find(const char *name) {
  for (size_t c = 0; c < aimc_cli_n_commands; c++)
    if (strcmp(name, aimc_cli_commands[c].name) == 0) return &aimc_cli_commands[c];
  return NULL;
}

/* Prints a usage error of main's own ("aimc: ..."), going through the
 * context so that an argument echoed in it (an unknown command, a bad seed)
 * never puts raw control bytes on the terminal. Returns 2. */
static int main_usage(aimc_ctx *ctx, const char *before, const char *arg,
                      const char *after) {
  aimc_error(ctx, AIMC_EUSAGE, "%s'%s'%s", before, arg, after);
  fprintf(stderr, "aimc: %s\n", aimc_ctx_errmsg(ctx));
  return 2;
}

/* --seed N or --seed=N at argv[*i]: 1 taken, 0 not --seed, 2 on a usage
 * error (message printed). */
static int take_seed(aimc_ctx *ctx, int argc, char **argv, int *i,
                     uint64_t *seed) {
  const char *a = argv[*i], *v;
  if (!strncmp(a, "--seed=", 7))
    v = a + 7;
  else if (!strcmp(a, "--seed")) {
    /* The next word is the value unless it is another option ("-5" is a
     * value, refused below). */
    const char *n = *i + 1 < argc ? argv[*i + 1] : NULL;
    v = n && (n[0] != '-' || (n[1] >= '0' && n[1] <= '9')) ? argv[++*i] : NULL;
  } else
    return 0;
  if (!v || !*v) {
    fprintf(stderr, "aimc: option '--seed' needs a value (a non-negative integer)\n");
    return 2;
  }
  int ps = aimc_seed_parse(v, seed);
  if (ps) {
    char why[64];
    snprintf(why, sizeof why, " (%s)", aimc_seed_rule(ps));
    return main_usage(ctx, "--seed takes " AIMC_SEED_RANGE ", not ", v, why);
  }
  return 1;
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  int verbosity = AIMC_LOG_INFO;
  /* args: the command and its own arguments, global options removed. */
  char **args = malloc(((size_t)argc + 1) * sizeof *args);
  /* Made first for its messages; re-seeded once --seed is known. */
  aimc_ctx *ctx = aimc_ctx_alloc(seed);
  if (!args || !ctx) {
    fprintf(stderr, "aimc: out of memory\n");
    free(args);
    aimc_ctx_free(ctx);
    return 1;
  }
  int n = 0, rest = 0, rc = -1;
  for (int i = 1; i < argc && rc < 0; i++) {
    const char *a = argv[i];
    if (rest) {
      args[n++] = argv[i];
      continue;
    }
    int s = take_seed(ctx, argc, argv, &i, &seed);
    if (s == 2) rc = 2;
    if (s) continue;
    if (!strcmp(a, "-v")) {
      verbosity = AIMC_LOG_DEBUG;
    } else if (!strcmp(a, "-q")) {
      verbosity = AIMC_LOG_WARN;
    } else if (n > 0) { /* the command's own */
      if (!strcmp(a, "--")) rest = 1;
      args[n++] = argv[i];
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      aimc_cli_usage_text(stdout);
      rc = 0;
    } else if (!strcmp(a, "--version")) {
      printf("aimc %s\n", aimc_cli_version());
      rc = 0;
    } else if (a[0] == '-') {
      rc = main_usage(ctx, "unknown option ", a, "\n");
      aimc_cli_usage_text(stderr);
    } else {
      args[n++] = argv[i];
    }
  }
  args[n] = NULL;
  if (rc < 0 && n == 0) {
    aimc_cli_usage_text(stderr);
    rc = 2;
  }
  const aimc_cli_command *cmd = rc < 0 ? aimc_cli_find(args[0]) : NULL;
  if (rc < 0 && !cmd) {
    rc = main_usage(ctx, "unknown command ", args[0], "\n");
    aimc_cli_usage_text(stderr);
  }
  if (rc >= 0) {
    aimc_ctx_free(ctx);
    free(args);
    return rc;
  }
  aimc_gsl_install_handler();
  aimc_ctx_reseed(ctx, seed);
  aimc_ctx_clear_error(ctx);
  aimc_ctx_set_log_level(ctx, (aimc_log_level)verbosity);
  int status = cmd->fn(ctx, n, args);
  if (status != AIMC_OK) {
    const char *msg = aimc_ctx_errmsg(ctx);
    fprintf(stderr, "aimc %s: %s\n", cmd->name, *msg ? msg : aimc_strerror(status));
  }
  aimc_ctx_free(ctx);
  free(args);
  return aimc_status_exit_code(status);
}
