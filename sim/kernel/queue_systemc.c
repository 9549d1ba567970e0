/* The SystemC backend's entry point in the kernel: loads the plugin
 * aimc_systemc.so (sim/plugins/systemc.cpp) on first use, so processes
 * that run the native kernel never load libsystemc. */
#include "queue.h"

#ifdef AIMC_HAVE_SYSTEMC
#include "aimc/status.h"
#include "sim/plugins/systemc.h"

int aimc_kq_systemc_alloc(aimc_ctx *ctx, void **q, const aimc_kq_ops **ops) {
  const void *t;
  int st = aimc_plugin_load(ctx, "systemc", "the SystemC kernel backend",
                            sizeof(aimc_systemc_plugin), AIMC_EBACKEND, &t);
  if (st) return st;
  const aimc_systemc_plugin *p = t;
  return p->alloc(aimc_plugin_host_get(), ctx, q, ops);
}

int aimc_kq_systemc_available(void) {
  return aimc_plugin_available("systemc", sizeof(aimc_systemc_plugin));
}
#endif
