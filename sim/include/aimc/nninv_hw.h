/* The inverse network of aimc/program_nn.h run on simulated crossbars
 * (aimc/xbar.h), as arXiv 2403.06712 proposes: each dense layer W (n_out x
 * n_in) plus bias becomes one array of (n_in + 1) rows x 2 n_out columns,
 * signed weights on differential pairs (aimc/quant.h aimc_gmap, w_max the
 * layer's largest |weight|), programmed with the crossbar programming
 * passes (write-verify by default). The inputs pass a DAC (dac_bits over
 * the layer's input range, mapped to +-v_read), the bias row is driven at
 * full scale, and each pair's current difference passes an ADC (adc_bits
 * over the layer's pre-activation range, calibrated on the float network);
 * tanh is digital. Device programming error, read noise and IR drop act as
 * in any mapped layer. Energy per inference: the arrays' read energy plus
 * e_conv of the registered dac and adc models per conversion. */
#ifndef AIMC_NNINV_HW_H
#define AIMC_NNINV_HW_H

#include <gsl/gsl_rng.h>

#include "aimc/program_nn.h"
#include "aimc/xbar.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_nninv_hw aimc_nninv_hw;

typedef struct {
  const aimc_device *dev; /* arrays' device; NULL: the network's model's
                             defaults (the device it programs)      */
  int dac_bits, adc_bits; /* 8, 8                                   */
  aimc_xbar_prog_opts prog; /* write-verify, tol 1 uS               */
  aimc_xbar_read_opts read; /* read noise on, no IR drop, t_read 10 ns */
} aimc_nninv_hw_opts;

void aimc_nninv_hw_defaults(aimc_nninv_hw_opts *o);

/* Maps and programs the three layers of nn (borrowed: it must outlive the
 * result); rng draws device variation and programming noise. */
int aimc_nninv_hw_alloc(aimc_ctx *ctx, const aimc_nninv *nn,
                        const aimc_nninv_hw_opts *o, gsl_rng *rng,
                        aimc_nninv_hw **out);
void aimc_nninv_hw_free(aimc_nninv_hw *hw);

/* As aimc_nninv_eval, with the network evaluated on the arrays (rng:
 * read noise; NULL: none). */
double aimc_nninv_hw_eval(aimc_nninv_hw *hw, const double x[AIMC_NNINV_INPUTS],
                          gsl_rng *rng);
/* As aimc_nninv_program, with the network on the arrays. */
void aimc_nninv_hw_program(aimc_nninv_hw *hw, const aimc_device *dev,
                           void *cell, double target_S, double tol_S,
                           gsl_rng *rng, aimc_prog_result *res);

typedef struct {
  int arrays, devices;  /* 3 arrays, their cells                   */
  double within_tol;    /* weight cells within tol after programming */
  double e_prog_J;      /* programming the arrays once               */
  long inferences;      /* network evaluations so far                */
  double e_array_J, e_conv_J; /* per inference (mean)               */
  int dac_conv, adc_conv;     /* per inference                      */
} aimc_nninv_hw_stats;

void aimc_nninv_hw_get_stats(const aimc_nninv_hw *hw, aimc_nninv_hw_stats *s);

#ifdef __cplusplus
}
#endif
#endif
