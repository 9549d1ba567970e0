/* A crossbar array as a SPICE deck, ngspice run in batch mode, and its
 * operating point read back (aimc/spice.h): the circuit-level check of the
 * array model and its IR-drop solvers. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aimc/fileio.h"
#include "aimc/spice.h"
#include "aimc/status.h"

extern char **environ;

/* Shortest of %.15g / %.17g that reads back to the same double. */
static const char *num(char *b, size_t n, double x) {
  snprintf(b, n, "%.15g", x);
  if (strtod(b, NULL) != x) snprintf(b, n, "%.17g", x);
  return b;
}

/* Node names; with ideal wires every row node is its driver's node and
 * every column node its sense node. */
static void row_node(char *b, size_t n, int i, int j, int ideal) {
  if (ideal || j < 0) snprintf(b, n, "d%d", i);
  else snprintf(b, n, "r%d_%d", i, j);
}
static void col_node(char *b, size_t n, int i, int j, int rows, int ideal) {
  if (ideal || i >= rows) snprintf(b, n, "s%d", j);
  else snprintf(b, n, "c%d_%d", i, j);
}

static void write_control(FILE *f, int rows, int cols,
                          const aimc_spice_opts *o) {
  fprintf(f, ".control\nop\n");
  if (o->raw_path)
    fprintf(f, "set filetype=ascii\nwrite %s\n", o->raw_path);
  if (o->print) {
    /* Column currents eight per line; the supply power summed row by row
     * (ngspice's control lines have no continuation). */
    for (int j = 0; j < cols; j++)
      fprintf(f, "%si(vs%d)%s", j % 8 ? " " : "print ", j,
              j % 8 == 7 || j == cols - 1 ? "\n" : "");
    fprintf(f, "let p_supply = 0\n");
    for (int i = 0; i < rows; i++)
      fprintf(f, "let p_supply = p_supply - v(d%d) * i(vd%d)\n", i, i);
    fprintf(f, "print p_supply\n");
  }
  /* Without it `ngspice -b` exits with status 1 ("no simulations run":
   * the analysis is in .control, not a dot card). */
  fprintf(f, "quit 0\n.endc\n");
}

int aimc_spice_write(aimc_ctx *ctx, const char *path, int rows, int cols,
                     const double *g_S, const double *v_V,
                     const aimc_spice_opts *o) {
  aimc_spice_opts def = {0};
  if (!o) o = &def;
  if (rows < 1 || cols < 1)
    return aimc_error(ctx, AIMC_ERANGE, "%s: array of %d x %d", path, rows,
                      cols);
  if (!(o->r_wire_Ohm >= 0) || !isfinite(o->r_wire_Ohm))
    return aimc_error(ctx, AIMC_ERANGE, "%s: r_wire = %g Ohm", path,
                      o->r_wire_Ohm);
  for (size_t k = 0; k < (size_t)rows * cols; k++)
    if (!isfinite(g_S[k]))
      return aimc_error(ctx, AIMC_ERANGE, "%s: conductance of cell %zu is %g",
                        path, k, g_S[k]);
  for (int i = 0; i < rows; i++)
    if (!isfinite(v_V[i]))
      return aimc_error(ctx, AIMC_ERANGE, "%s: voltage of row %d is %g", path,
                        i, v_V[i]);
  aimc_atomic_file *af = NULL;
  int st = aimc_atomic_open(ctx, path, &af);
  if (st) return st;
  FILE *f = aimc_atomic_stream(af);
  int ideal = !(o->r_wire_Ohm > 0);
  char a[48], b[48], rw[32];
  num(rw, sizeof rw, o->r_wire_Ohm);
  fprintf(f, "* %s\n", o->title ? o->title : "aimc crossbar array");
  fprintf(f,
          "* %d x %d devices; r_wire = %s Ohm per cell segment; rows "
          "driven at column 0's end, columns sensed (0 V) below row %d\n",
          rows, cols, rw, rows - 1);
  fprintf(f, "* row drivers\n");
  for (int i = 0; i < rows; i++)
    fprintf(f, "vd%d d%d 0 DC %s\n", i, i, num(a, sizeof a, v_V[i]));
  fprintf(f, "* column senses: virtual ground, current = column current\n");
  for (int j = 0; j < cols; j++) fprintf(f, "vs%d s%d 0 DC 0\n", j, j);
  if (!ideal) {
    fprintf(f, "* row wires (segment j ends at the node of device i,j)\n");
    for (int i = 0; i < rows; i++)
      for (int j = 0; j < cols; j++) {
        row_node(a, sizeof a, i, j - 1, 0);
        row_node(b, sizeof b, i, j, 0);
        fprintf(f, "rwr%d_%d %s %s %s\n", i, j, a, b, rw);
      }
    fprintf(f, "* column wires (segment i starts at the node of device i,j)\n");
    for (int i = 0; i < rows; i++)
      for (int j = 0; j < cols; j++) {
        col_node(a, sizeof a, i, j, rows, 0);
        col_node(b, sizeof b, i + 1, j, rows, 0);
        fprintf(f, "rwc%d_%d %s %s %s\n", i, j, a, b, rw);
      }
  }
  fprintf(f, "* devices: R = 1/G\n");
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      double g = g_S[(size_t)i * cols + j];
      if (g <= 0) continue; /* open */
      row_node(a, sizeof a, i, j, ideal);
      col_node(b, sizeof b, i, j, rows, ideal);
      char r[32];
      fprintf(f, "rg%d_%d %s %s %s\n", i, j, a, b, num(r, sizeof r, 1 / g));
    }
  if (o->raw_path || o->print) write_control(f, rows, cols, o);
  fprintf(f, ".end\n");
  if (ferror(f)) {
    aimc_atomic_abort(ctx, af);
    return aimc_error(ctx, AIMC_EIO, "%s: write failed", path);
  }
  return aimc_atomic_commit(ctx, af);
}

int aimc_spice_run(aimc_ctx *ctx, const char *deck, const char *log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path,
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  char *argv[] = {"ngspice", "-b", (char *)deck, NULL};
  pid_t pid;
  int e = posix_spawnp(&pid, "ngspice", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (e == ENOENT)
    return aimc_error(ctx, AIMC_ENOTFOUND,
                      "ngspice not found: install the Debian package "
                      "ngspice (scripts/setup.sh does)");
  if (e)
    return aimc_error(ctx, AIMC_EIO, "ngspice: cannot start: %s",
                      strerror(e));
  int ws;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return aimc_error(ctx, AIMC_EIO, "ngspice: wait: %s", strerror(errno));
  if (!WIFEXITED(ws) || WEXITSTATUS(ws))
    return aimc_error(ctx, AIMC_EIO, "ngspice failed on %s (status %d): see %s",
                      deck, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, log_path);
  return AIMC_OK;
}

/* Line number of position p in text. */
static int line_of(const char *text, const char *p) {
  int n = 1;
  for (const char *c = text; c < p; c++) n += *c == '\n';
  return n;
}

/* Which source a raw-file variable name is: 'd' driver, 's' sense, 0 none;
 * *k its index. ngspice names them "i(vd3)" (or "vd3#branch"). */
static int source_of(const char *name, int *k) {
  char kind;
  int idx, used = 0;
  if (sscanf(name, "i(v%c%d)%n", &kind, &idx, &used) == 2 &&
      name[used] == 0)
    ;
  else if (sscanf(name, "v%c%d#branch%n", &kind, &idx, &used) == 2 &&
           name[used] == 0)
    ;
  else
    return 0;
  if (kind != 'd' && kind != 's') return 0;
  *k = idx;
  return kind;
}

int aimc_spice_read_op(aimc_ctx *ctx, const char *raw_path, int rows, int cols,
                       double *i_col_A, double *i_row_A) {
  char *text = NULL;
  size_t size = 0;
  int st = aimc_read_file(ctx, raw_path, &text, &size);
  if (st) return st;
  const char *vars = strstr(text, "\nVariables:");
  const char *vals = strstr(text, "\nValues:");
  const char *nv = strstr(text, "No. Variables:");
  long n = nv ? strtol(nv + 14, NULL, 10) : 0;
  if (!vars || !vals || vals < vars || n < 1 || n > 100000000) {
    aimc_free(ctx, text);
    return aimc_error(ctx, AIMC_EPARSE,
                      "%s: not an ASCII ngspice raw file (no Variables / "
                      "Values sections)",
                      raw_path);
  }
  int *kind = aimc_calloc(ctx, (size_t)n, sizeof(int) * 2);
  if (!kind) {
    aimc_free(ctx, text);
    return aimc_error(ctx, AIMC_ENOMEM, "%s: out of memory", raw_path);
  }
  int *index = kind + n;
  const char *p = strchr(vars + 1, '\n');
  for (long v = 0; v < n && !st; v++) {
    long idx;
    char name[64];
    int used = 0;
    if (!p || p >= vals ||
        sscanf(p, " %ld %63s %*s%n", &idx, name, &used) != 2 || idx != v) {
      st = aimc_error(ctx, AIMC_EPARSE, "%s:%d: expected variable %ld",
                      raw_path, p ? line_of(text, p + 1) : 0, v);
      break;
    }
    kind[v] = source_of(name, &index[v]);
    if ((kind[v] == 'd' && index[v] >= rows) ||
        (kind[v] == 's' && index[v] >= cols))
      kind[v] = 0;
    p = strchr(p + 1, '\n');
  }
  int found_col = 0, found_row = 0;
  if (!st) {
    char *q = strchr(vals + 1, '\n'), *end;
    strtol(q, &end, 10); /* the point number */
    if (end == q) st = aimc_error(ctx, AIMC_EPARSE, "%s:%d: no point number",
                                  raw_path, line_of(text, q + 1));
    q = end;
    for (long v = 0; v < n && !st; v++) {
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
      double x = strtod(q, &end);
      if (end == q || !isfinite(x)) {
        st = aimc_error(ctx, AIMC_EPARSE, "%s:%d: expected value %ld",
                        raw_path, line_of(text, q), v);
        break;
      }
      q = end;
      /* ngspice's source current flows from + through the source to -:
       * into the sense, out of the driver. */
      if (kind[v] == 's') i_col_A[index[v]] = x, found_col++;
      if (kind[v] == 'd' && i_row_A) i_row_A[index[v]] = -x, found_row++;
    }
  }
  if (!st && (found_col != cols || (i_row_A && found_row != rows)))
    st = aimc_error(ctx, AIMC_EPARSE,
                    "%s: %d of %d column and %d of %d row currents found",
                    raw_path, found_col, cols, found_row, i_row_A ? rows : 0);
  aimc_free(ctx, kind);
  aimc_free(ctx, text);
  return st;
}
