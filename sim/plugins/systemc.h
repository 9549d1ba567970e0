/* The SystemC kernel backend's plugin table (aimc_systemc.so, built from
 * systemc.cpp; loaded by sim/kernel/queue_systemc.c). */
#ifndef AIMC_PLUGINS_SYSTEMC_H
#define AIMC_PLUGINS_SYSTEMC_H

#include "sim/core/plugin.h"
#include "sim/kernel/queue.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  aimc_plugin_head head;
  /* Makes the process's one SystemC queue, allocated and reporting errors
   * through host on ctx (contract of aimc_kq_systemc_alloc, queue.h). */
  int (*alloc)(const aimc_plugin_host *host, aimc_ctx *ctx, void **q,
               const aimc_kq_ops **ops);
} aimc_systemc_plugin;

#ifdef __cplusplus
}
#endif
#endif
