/* Optional backends (SystemC, Open MPI, PLplot, Graphviz, espeak-ng) are
 * shared objects, aimc_<name>.so, loaded by the first call that needs one:
 * a command that uses none of them does not pay for loading those
 * libraries and running their initialisers (docs/performance.md,
 * start-up). A plugin links none of aimc; it calls back through the host
 * table below. Internal to the library; plugins live in sim/plugins/. */
#ifndef AIMC_CORE_PLUGIN_H
#define AIMC_CORE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a plugin table or the host table changes, so a plugin
 * left over from another aimc build is refused rather than misused. */
#define AIMC_PLUGIN_ABI 1u

/* The first member of every plugin table. */
typedef struct {
  uint32_t abi;  /* AIMC_PLUGIN_ABI of the plugin's build */
  uint32_t size; /* sizeof its table */
} aimc_plugin_head;

/* What a plugin may call in aimc: the context's allocator and its error
 * message (error records msg and returns status, like aimc_error). */
typedef struct {
  void *(*malloc)(aimc_ctx *ctx, size_t size);
  void (*free)(aimc_ctx *ctx, void *ptr);
  int (*error)(aimc_ctx *ctx, int status, const char *msg);
} aimc_plugin_host;

const aimc_plugin_host *aimc_plugin_host_get(void);

/* Loads aimc_<name>.so and sets *table to its symbol aimc_plugin_<name>,
 * a table of `size` bytes starting with an aimc_plugin_head. The file is
 * looked for beside the program (or libaimc.so) holding this code, then
 * in the install layout's plugin folder relative to it, then in the build
 * tree. Never unloaded (the libraries keep process-wide state). On failure
 * returns `status` with "cannot load <what> (aimc_<name>.so): <why>". */
int aimc_plugin_load(aimc_ctx *ctx, const char *name, const char *what,
                     size_t size, int status, const void **table);

/* 1 when the plugin loads (no error is recorded), else 0. */
int aimc_plugin_available(const char *name, size_t size);

#ifdef __cplusplus
}
#endif
#endif
