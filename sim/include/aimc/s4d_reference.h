/* The trainer's quantized-digital reference for an exported model
 * (aimc/s4d_model.h): the function the simulated hardware must equal with
 * ideal devices. Implemented in trainer/reference.c on the trainer's
 * layers, so it is part of the trainer's public API (with aimc/train.h);
 * the simulator's areas do not call it, only its tests do. */
#ifndef AIMC_S4D_REFERENCE_H
#define AIMC_S4D_REFERENCE_H

#include "aimc/context.h"
#include "aimc/s4d_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the exported model as the recurrence on one sequence x (len x n_in,
 * row-major) and writes n_out logits. Exactly, per layer l, channel h,
 * mode m, step k (x^_{-1} = 0):
 *
 *   u    = x W_enc^T + b_enc                          (digital, T x H)
 *   u^_k = Q_u(u_k)                                   DAC on the array input
 *   x_k  = Abar x^_{k-1} + Bbar u^_k                  array (complex; pruned
 *                                                     modes, mask 0, skipped)
 *   x^_k = Q_x(Re x_k) + i Q_x(Im x_k)                ADC -> state register,
 *                                                     fed back next step
 *   y_k  = Q_y(2 Re(sum_m C_m x^_{k,m}) + D u^_k)     ADC on the output
 *   v    = GELU(y)  (erf form)
 *   w    = v W_mix^T + b_mix   (GLU: w = a * sigmoid(g), [a g] = v W^T + b,
 *          W is 2H x H, rows 0..H-1 give a)
 *   u'   = LayerNorm(w + u) * norm_g + norm_b          (eps 1e-5, biased var)
 *   after the last layer: p = mean over k of u', logits = p W_dec^T + b_dec.
 *
 * Quantizers with bits 0 are the identity. With use_ssm = 0 the array
 * term vanishes: y_k = Q_y(D u^_k). Abar, Bbar, C, D are stored already
 * quantized (they are the values to program); |Abar| < 1 for every mode;
 * the trainer writes zeros for pruned modes (mask 0), and this forward
 * treats a masked mode as zero whatever the file holds. enc_w / dec_w are
 * stored as used (already quantized when bits_enc / bits_dec were set).
 * Errors: AIMC_EINVAL (len < 1), AIMC_ENOMEM. */
int aimc_s4d_model_forward(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                           const double *x, int len, double *logits);

#ifdef __cplusplus
}
#endif
#endif
