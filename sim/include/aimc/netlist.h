/* Netlists: YAML descriptions of hardware (docs/netlist-format.md) loaded
 * into the flat aimc_design of aimc/design.h. The loader resolves includes,
 * subcircuits, repetition (`count:`), `${...}` parameter expressions and
 * device/circuit cards, binds every instance's parameters through its
 * model's table, and checks the wiring: every port connected once, one
 * driver per net, widths and signal kinds agreeing, names unique. Every
 * mistake is reported as "file:line:col: message" with a status whose CLI
 * exit code is 2.
 *
 * A small YAML writer (aimc_yamlw) lets other parts of the program (the
 * mapper) emit netlists and configs that this loader reads back; its files
 * are written atomically. */
#ifndef AIMC_NETLIST_H
#define AIMC_NETLIST_H

#include <stddef.h>

#include "aimc/context.h"
#include "aimc/design.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options of a load. Zero-initialise, then set what you need. */
typedef struct {
  /* Overrides of top-level `params:` as "name=value" texts, e.g.
   * "array.rows=64" (dotted names address nested maps). A name the netlist
   * does not declare is an error (AIMC_EINVAL) listing the declared ones.
   * Borrowed for the duration of the call. */
  const char *const *defines;
  size_t n_defines;
  /* Extra directory searched for relative `card:` and `include:` paths
   * after the including file's directory and the current directory (NULL:
   * none). The build's source directory is always searched last. */
  const char *search_dir;
  /* If non-NULL, receives the loader's count of elementary steps (name
   * comparisons, hash probes, ${...} substitutions): tests check that it
   * grows linearly with the design. */
  size_t *work;
} aimc_netlist_opts;

/* Loads and elaborates the netlist at `path` into a new design (*out; free
 * with aimc_design_free). On error *out is NULL, the message is on the
 * context ("file:line:col: ...") and the status is one of AIMC_EPARSE,
 * AIMC_EINVAL, AIMC_ERANGE, AIMC_EUNIT, AIMC_ESHAPE, AIMC_ENOTFOUND (all
 * exit code 2) or AIMC_ENOMEM. Nothing leaks on any path. */
int aimc_netlist_load(aimc_ctx *ctx, const char *path, aimc_design **out);
/* As aimc_netlist_load with options (opts may be NULL). */
int aimc_netlist_load_opts(aimc_ctx *ctx, const char *path,
                           const aimc_netlist_opts *opts, aimc_design **out);
/* As aimc_netlist_load_opts, from YAML text; `name` stands for the file
 * name in messages and relative paths resolve from the current directory. */
int aimc_netlist_parse(aimc_ctx *ctx, const char *name, const char *text,
                       const aimc_netlist_opts *opts, aimc_design **out);

/* --- a small YAML writer ---------------------------------------------- */

typedef struct aimc_yamlw aimc_yamlw;

/* Starts a YAML document that aimc_yamlw_close writes atomically to
 * `path` (the target is untouched if anything fails). */
int aimc_yamlw_open(aimc_ctx *ctx, const char *path, aimc_yamlw **out);
/* Block mapping / sequence (flow = 1: on one line, `{a: 1}` / `[1, 2]`). */
int aimc_yamlw_map(aimc_yamlw *w, int flow);
int aimc_yamlw_seq(aimc_yamlw *w, int flow);
/* Ends the innermost mapping or sequence. */
int aimc_yamlw_end(aimc_yamlw *w);
/* A scalar (quoted when needed) or a comment-free key: inside a mapping,
 * keys and values alternate. */
int aimc_yamlw_str(aimc_yamlw *w, const char *text);
int aimc_yamlw_fmt(aimc_yamlw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* key + scalar value in one call (inside a mapping). */
int aimc_yamlw_kv(aimc_yamlw *w, const char *key, const char *value);
/* Ends open collections, writes and renames the file; frees w in every
 * case. A writer with an earlier error is discarded (returns that error). */
int aimc_yamlw_close(aimc_yamlw *w);
/* Discards the document (NULL is a no-op). */
void aimc_yamlw_abort(aimc_yamlw *w);

#ifdef __cplusplus
}
#endif
#endif
