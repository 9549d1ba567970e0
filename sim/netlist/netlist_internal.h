/* Internal state of the netlist loader, shared by its files:
 *   load.c    files, includes, top-level sections, -D overrides
 *   expr.c    scopes and ${...} expressions
 *   elab.c    instances, subcircuits, repetition, nets -> connection nodes
 *   connect.c connection nodes -> checked design nets
 *
 * Connections are built as a union-find over "nodes": every net written in
 * the netlist (per copy) and every port of every subcircuit instance is a
 * node; `a.port` endpoints on a subcircuit instance join the outer net's
 * node with the port's node, so after elaboration each union class is one
 * flat design net. Model ports point at nodes (inst.port_net holds node ids
 * until connect.c turns them into net indices).
 * Public headers of sim/netlist: sim/include/aimc/ netlist.h design.h
 * graph.h. */
#ifndef AIMC_NETLIST_INTERNAL_H
#define AIMC_NETLIST_INTERNAL_H

#include <stddef.h>

#include "aimc/config.h"
#include "aimc/design.h"
#include "aimc/netlist.h"
#include "sim/core/strmap.h"

#define NL_TEXT 1024     /* longest expanded scalar                      */
#define NL_PATH 4096     /* longest file path                            */
#define NL_MAX_DEPTH 32  /* expression nesting / lazy expansion depth     */
#define NL_PORT_OPEN (-2) /* port_net marker: declared open by the user   */
#define NL_MAX_PARENS 64 /* parentheses / unary signs nested in one ${}  */
/* ${...} substitutions in one load: expansions are memoized (linear), so
 * only a hostile file comes near this; it bounds the work of any input. */
#define NL_MAX_SUBST 100000000L
#define NL_SCOPE_INDEX 8 /* scopes with this many names get a hash index */

/* A named value in a scope; value is raw text that may hold ${...}.
 * expanded caches its expansion in the defining scope (NULL: not yet). */
typedef struct {
  char *name;
  char *value;
  aimc_srcloc loc;
  char *expanded;
} nl_var;

/* idx (name -> var) exists once n >= NL_SCOPE_INDEX; small scopes (a copy
 * index, a few subcircuit params) are scanned. */
typedef struct nl_scope {
  const struct nl_scope *up; /* enclosing scope, NULL for the globals */
  nl_var *vars;
  size_t n, cap;
  aimc_strmap idx;
  size_t n_cached; /* vars with an expansion cached */
} nl_scope;

/* A subcircuit definition (borrowed nodes of a loaded document). */
typedef struct {
  const char *name;
  const aimc_cfg_node *def, *params, *ports, *instances, *nets;
  aimc_srcloc loc;
} nl_subckt;

typedef struct {
  int parent;        /* union-find                                     */
  char *name;        /* full path of the net, or NULL for a port node   */
  aimc_srcloc loc;
  int depth;         /* hierarchy depth (0 = top)                      */
  int external;      /* may lack a driver or readers                   */
  int width;         /* declared width, -1 if not declared             */
  int kind;          /* declared aimc_sig_kind, -1 if not declared     */
  int used_inside;   /* port nodes: referenced by the subckt body      */
  int used_outside;  /* port nodes: connected by the instantiating body */
} nl_node;

typedef struct {
  aimc_ctx *ctx;
  const aimc_netlist_opts *opts;
  aimc_design *d;
  aimc_cfg **docs; /* every document read; docs[k] <-> d->files[k] */
  size_t n_docs, cap_docs;
  const char **include_stack;
  size_t include_depth;
  nl_subckt *sub;
  size_t n_sub, cap_sub;
  const nl_subckt **sub_stack; /* subcircuits being expanded (recursion) */
  size_t sub_depth;
  nl_scope globals;
  aimc_strmap sub_names; /* subckt name -> index in sub               */
  nl_node *node;
  size_t n_node, cap_node;
  aimc_strmap net_names; /* full net name -> node (names are unique)   */
  long n_subst;          /* ${...} substitutions so far (NL_MAX_SUBST)  */
  size_t work;           /* elementary steps (opts->work reports it)    */
  size_t cap_inst, cap_net, cap_block;
  const aimc_cfg_node *instances, *nets; /* top level */
} nl_loader;

/* Grows *arr (elements of `size` bytes) to hold at least n + 1. */
int nl_grow(aimc_ctx *ctx, void *arr, size_t *cap, size_t n, size_t size);

/* load.c */
int nl_load_doc(nl_loader *L, const char *path, const aimc_srcloc *from,
                aimc_cfg **out);
int nl_resolve_path(nl_loader *L, const char *rel, const aimc_srcloc *from,
                    char *out, size_t len);
aimc_srcloc nl_keep_loc(const nl_loader *L, aimc_srcloc loc);

/* expr.c */
int nl_scope_set(nl_loader *L, nl_scope *s, const char *name, const char *value,
                 aimc_srcloc loc);
void nl_scope_fini(aimc_ctx *ctx, nl_scope *s);
/* The var called name[0..n) in s itself (not its parents), or NULL. */
nl_var *nl_scope_get(nl_loader *L, const nl_scope *s, const char *name, size_t n);
/* Expands every ${expr} of `text` (found at loc) in scope s into out. */
/* Where `text` really comes from: for a lone `${name}`, where the name's
 * value was written (following further lone references), else loc. */
aimc_srcloc nl_origin(const nl_scope *s, const char *text, aimc_srcloc loc);
int nl_expand(nl_loader *L, const nl_scope *s, const char *text, aimc_srcloc loc,
              char *out, size_t len);
/* Expands a scalar node (NULL-typed: ""), or fails for maps/sequences with
 * "<what> expects a scalar". */
int nl_expand_node(nl_loader *L, const nl_scope *s, const aimc_cfg_node *n,
                   const char *what, char *out, size_t len);
/* Expands and parses an integer in [lo, hi]. */
int nl_expand_int(nl_loader *L, const nl_scope *s, const aimc_cfg_node *n,
                  const char *what, long lo, long hi, long *out);
/* Comma-separated names of the variables visible from s (for messages). */
void nl_scope_names(const nl_scope *s, char *out, size_t len);

/* elab.c */
int nl_elaborate(nl_loader *L);
int nl_new_node(nl_loader *L, const char *name, aimc_srcloc loc, int depth);
int nl_find(nl_loader *L, int i);

/* design.c: builds the design's name index (after connect). */
int nl_design_index(aimc_ctx *ctx, aimc_design *d);

/* connect.c */
int nl_connect(nl_loader *L);

#endif
