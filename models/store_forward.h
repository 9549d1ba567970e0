/* Shared body of the storage models (sample_hold, buffer): copy the input
 * word vector to the output (quantized when q is not NULL), account the
 * energy and publish after the access time. Ports: 0 in, 1 out. */
#ifndef AIMC_MODELS_STORE_FORWARD_H
#define AIMC_MODELS_STORE_FORWARD_H

#include "aimc/engine.h"
#include "aimc/quant.h"

static inline int aimc_store_forward(aimc_inst *inst, int n,
                                     const aimc_quant *q, aimc_op_cost c) {
  const double *in = aimc_inst_in(inst, 0);
  double *out = aimc_inst_out(inst, 1);
  for (int i = 0; i < n; i++) out[i] = q ? aimc_quant_apply(q, in[i]) : in[i];
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, 1, c.t_fs);
}

#endif
