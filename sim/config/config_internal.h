/* Internal layout of a loaded YAML document (see config.c for invariants).
 * Public headers of sim/config: sim/include/aimc/config.h, input.h. */
#ifndef AIMC_CONFIG_INTERNAL_H
#define AIMC_CONFIG_INTERNAL_H

#include "aimc/config.h"

struct aimc_cfg_node {
  aimc_cfg_type type;
  aimc_srcloc loc;
  const char *text;             /* scalar (and null) text                */
  size_t len;                   /* items of a sequence, pairs of a map    */
  size_t n_links;               /* len for a sequence, 2*len for a map    */
  const aimc_cfg_node **links;  /* items, or key0, value0, key1, value1.. */
};

struct aimc_cfg {
  aimc_ctx *ctx;
  char *file;
  aimc_cfg_node *nodes; /* nodes[0] is the root */
  size_t n_nodes;
  const aimc_cfg_node **links;
  char *text;
  aimc_cfg_node empty; /* root of an empty document */
};

#endif
