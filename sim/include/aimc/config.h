/* YAML configuration files with source locations: the one loader behind
 * netlists, device cards, run/sweep/trainer configs. Every node knows its
 * file:line:col, and the generic binder fills a struct from a mapping
 * through a parameter table (aimc/param.h), rejecting unknown keys, wrong
 * types, bad units and out-of-range values with file:line:col messages. */
#ifndef AIMC_CONFIG_H
#define AIMC_CONFIG_H

#include <stddef.h>

#include "aimc/context.h"
#include "aimc/param.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_cfg aimc_cfg;           /* a loaded document      */
typedef struct aimc_cfg_node aimc_cfg_node; /* a node inside it       */

typedef enum { AIMC_CFG_SCALAR, AIMC_CFG_MAP, AIMC_CFG_SEQ, AIMC_CFG_NULL } aimc_cfg_type;

/* Parses a YAML file (syntax errors: file:line:col, AIMC_EPARSE). The file
 * is read by aimc_input_read (aimc/input.h): missing, unreadable, not a
 * regular file or over the size cap are exit-code-2 errors naming it. A
 * file holds one document (a second one is an error), and no NUL bytes. */
int aimc_cfg_load(aimc_ctx *ctx, const char *path, aimc_cfg **out);
/* As aimc_cfg_load for a path written at `from` (a card:, include: ...):
 * errors opening the file are prefixed with from's file:line:col. */
int aimc_cfg_load_from(aimc_ctx *ctx, const char *path, const aimc_srcloc *from,
                       aimc_cfg **out);
/* Parses YAML text; `name` is used as the file name in messages (text
 * ends at its first NUL). */
int aimc_cfg_parse(aimc_ctx *ctx, const char *name, const char *text,
                   aimc_cfg **out);
/* Frees a document (NULL is a no-op). Nodes and their texts die with it. */
void aimc_cfg_free(aimc_cfg *cfg);
/* The file name given at load (messages use it; owned by cfg). */
const char *aimc_cfg_file(const aimc_cfg *cfg);

/* The root node; an empty file has a NULL-typed root, never NULL.
 * Plain scalars "", "~" and "null" are AIMC_CFG_NULL nodes. Duplicate map
 * keys, non-scalar keys and recursive aliases are rejected at load. */
const aimc_cfg_node *aimc_cfg_root(const aimc_cfg *cfg);
aimc_cfg_type aimc_cfg_type_of(const aimc_cfg_node *n);
aimc_srcloc aimc_cfg_loc(const aimc_cfg_node *n);
/* Scalar text, or NULL if not a scalar. */
const char *aimc_cfg_scalar(const aimc_cfg_node *n);
/* Mapping lookup (NULL if absent or n is not a map). */
const aimc_cfg_node *aimc_cfg_get(const aimc_cfg_node *map, const char *key);
/* Number of entries of a map or sequence; i-th item / key. */
size_t aimc_cfg_len(const aimc_cfg_node *n);
const aimc_cfg_node *aimc_cfg_at(const aimc_cfg_node *n, size_t i);
const char *aimc_cfg_key_at(const aimc_cfg_node *map, size_t i);
const aimc_cfg_node *aimc_cfg_key_node_at(const aimc_cfg_node *map, size_t i);

/* Binds every key of `map` through the table into obj (which the caller
 * first filled with aimc_params_defaults or a card). Unknown keys are an
 * error listing the valid ones, unless listed in `ignore` (NULL-terminated,
 * may be NULL). Messages: "file:line:col: <section>: ...". */
int aimc_cfg_bind(aimc_ctx *ctx, const aimc_cfg_node *map,
                  const aimc_param *table, size_t n, void *obj,
                  const char *section, const char *const *ignore);

/* Rewrites a value's text before binding (e.g. `${...}` expressions):
 * sets *text (valid until the next call) or returns a status after
 * recording a message. *loc starts as the value's location; the expander
 * may point it where the text really comes from (the definition a lone
 * `${name}` stands for), so binding errors name that place. */
typedef int (*aimc_cfg_expand_fn)(void *user, const aimc_cfg_node *value,
                                  const char **text, aimc_srcloc *loc);
/* As aimc_cfg_bind, passing every scalar value through `expand` first
 * (expand NULL: as aimc_cfg_bind). */
int aimc_cfg_bind_ex(aimc_ctx *ctx, const aimc_cfg_node *map,
                     const aimc_param *table, size_t n, void *obj,
                     const char *section, const char *const *ignore,
                     aimc_cfg_expand_fn expand, void *user);

/* Binds one value node through one row (same checks and messages as
 * aimc_cfg_bind); used when keys are resolved by the caller. */
int aimc_cfg_bind_one(aimc_ctx *ctx, const aimc_cfg_node *value,
                      const aimc_param *p, void *obj, const char *section);
/* Binds one text (e.g. after expansion) located at `loc`. */
int aimc_cfg_bind_text(aimc_ctx *ctx, const char *text, aimc_srcloc loc,
                       const aimc_param *p, void *obj, const char *section);

/* Typed getters for one scalar with a location-bearing error: a non-scalar
 * node is AIMC_EINVAL, bad text AIMC_EPARSE / AIMC_EUNIT. get_str returns
 * the node's text (owned by the document). */
int aimc_cfg_get_int(aimc_ctx *ctx, const aimc_cfg_node *n, long *out);
int aimc_cfg_get_real(aimc_ctx *ctx, const aimc_cfg_node *n, aimc_unit unit,
                      double *out);
int aimc_cfg_get_str(aimc_ctx *ctx, const aimc_cfg_node *n, const char **out);

/* Checks that `map` is a mapping (or null) whose keys are all in `valid`
 * (NULL-terminated; valid NULL accepts any key): otherwise "file:line:col: <section>: unknown key 'k'
 * (valid keys: ...)" / "expected a mapping", AIMC_EINVAL. For structural
 * sections whose keys are not parameters. */
int aimc_cfg_check_keys(aimc_ctx *ctx, const aimc_cfg_node *map,
                        const char *const *valid, const char *section);

/* "a scalar", "a mapping", "a sequence", "nothing (null)": for messages. */
const char *aimc_cfg_type_name(aimc_cfg_type t);

#ifdef __cplusplus
}
#endif
#endif
