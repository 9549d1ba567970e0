/* Internal state shared by the inference files: the programmed hardware
 * and the per-read cost table. */
#ifndef AIMC_INFER_INTERNAL_H
#define AIMC_INFER_INTERNAL_H

#include "aimc/infer.h"

struct aimc_hw {
  const aimc_mapping *map;
  double **g_S;     /* per array: rows*cols programmed conductances      */
  double **w;       /* per matrix: effective weights (block layout), or  */
                    /* NULL entries when exact (the mapping's w is used) */
  double **nvar;    /* per matrix: read-noise variance factors, or NULL  */
  aimc_prog_stats prog;
};

/* Effective weights of matrix mi (the exact ones with ideal devices). */
static inline const double *aimc_hw_weights(const aimc_hw *hw, size_t mi) {
  return hw->w[mi] ? hw->w[mi] : hw->map->mats[mi].w;
}

/* Cost of one read of one array: energy by class and clock cycles. */
typedef struct {
  double e_dac_J, e_array_J, e_tia_J, e_adc_J;
  int rows, cols;   /* logical rows driven, columns sensed             */
  uint64_t cycles;  /* DAC + settle + TIA + serialized ADC conversions */
  uint64_t macs;
} aimc_read_cost;

/* Fills cost[k] for every array of the mapping (programmed g). */
void aimc_infer_read_costs(const aimc_hw *hw, aimc_read_cost *cost);
/* Clock cycles of a duration, rounded up. */
uint64_t aimc_infer_cycles(const aimc_arch *a, aimc_time t_fs);

/* Clock cycles of each stage of a hardware step: the encoder, every
 * layer (array reads, register, periphery), and the decoder. */
void aimc_infer_stage_cycles(const aimc_s4d_model *mdl, const aimc_hw *hw,
                             const aimc_read_cost *cost, uint64_t *c_enc,
                             uint64_t *c_layer, uint64_t *c_dec);

/* Fills energy, latency and op counts of one inference of `len` steps into
 * r (everything except predictions and accuracy). */
int aimc_infer_account(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                       const aimc_hw *hw, int len, aimc_infer_result *r);

#endif
