/* The trainable S4D network (internal to the trainer): flat parameter
 * vector, per-step deployment of the analog tensors (discretise, quantize,
 * add programming noise, stabilise), and per-sample forward/backward into
 * a per-thread workspace. Nothing here allocates after s4d_net_alloc /
 * s4d_ws_alloc. */
#ifndef AIMC_TRAINER_NET_H
#define AIMC_TRAINER_NET_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/s4d_model.h"
#include "aimc/train.h"

/* The trained tensors, in the order of the flat parameter vector. Per
 * layer tensors of all layers are contiguous (layer-major). */
#define S4D_TENSORS(X)                                                        \
  X(ENC_W, "enc_w")                                                           \
  X(ENC_B, "enc_b")                                                           \
  X(LOG_DT, "log_dt") X(LOG_A_RE, "log_a_re") X(A_IM, "a_im") X(B_RE, "b_re") \
      X(B_IM, "b_im") X(C_RE, "c_re") X(C_IM, "c_im") X(D, "d")               \
          X(MIX_W, "mix_w") X(MIX_B, "mix_b") X(NORM_G, "norm_g")             \
              X(NORM_B, "norm_b") X(DEC_W, "dec_w") X(DEC_B, "dec_b")
typedef enum {
#define X(id, name) P_##id,
  S4D_TENSORS(X)
#undef X
      P_COUNT
} s4d_tensor;
extern const char *const s4d_tensor_names[P_COUNT];

/* Deployed analog tensors (index of net->dep / net->raw). */
enum { DEP_A_RE, DEP_A_IM, DEP_B_RE, DEP_B_IM, DEP_C_RE, DEP_C_IM, DEP_COUNT };

typedef struct {
  int n_in, n_out, h, m, layers, kmix, use_ssm, len;
  double dropout;
  /* 0 (s4d_net_alloc's choice): the forward's dense layers go through
   * BLAS. 1: in the fixed order of the deployed model's reference forward
   * (aimc_dense_forward_ordered), so the two give the same bits. */
  int dense_ordered;
  size_t off[P_COUNT + 1]; /* tensor offsets in p; off[P_COUNT] = size */
  size_t n_params, lhm, grad_len;
  double *p;           /* parameters                               */
  unsigned char *mask; /* modes kept (lhm)                         */
  /* Deployment (s4d_net_deploy). */
  aimc_train_quant_cfg qcfg;
  aimc_train_noise_cfg ncfg;
  aimc_quant qa, qb, qc, qd, qu, qx, qy; /* in force for this step     */
  aimc_quant qenc, qdec;                 /* encoder / decoder weights  */
  aimc_quant off_q;                      /* bits 0                     */
  int quant_on;
  double *dep[DEP_COUNT];    /* as the hardware holds them (lhm each)    */
  double *dep_d;             /* D as deployed (layers*h)                 */
  double *dep_enc, *dep_dec; /* encoder / decoder weights as used     */
  double *raw[4];            /* Abar, Bbar before quantization           */
  double *e_re, *e_im;       /* E = (Abar - 1) / A, for the Bbar chain   */
  long stab_clipped;
  gsl_rng *rng; /* programming noise                        */
} s4d_net;

int s4d_net_alloc(aimc_ctx *ctx, const aimc_train_cfg *cfg, int n_in, int n_out,
                  int len, s4d_net **out);
void s4d_net_free(aimc_ctx *ctx, s4d_net *net);
/* S4D-Lin initialisation from `seed`. */
void s4d_net_init(s4d_net *net, const aimc_train_model_cfg *mc, uint64_t seed);

/* Computes the deployed tensors for the current parameters: quantizers on
 * or off, programming noise drawn from noise_seed when noise_on. */
void s4d_net_deploy(s4d_net *net, int quant_on, int noise_on,
                    uint64_t noise_seed);
/* Turns the gradient of the deployed tensors (grad[n_params..]) and the
 * straight-through factors into gradients of the parameters. */
void s4d_net_chain(const s4d_net *net, double *grad);

/* Per-thread workspace for sequences of net->len steps. */
typedef struct s4d_ws s4d_ws;
int s4d_ws_alloc(aimc_ctx *ctx, const s4d_net *net, s4d_ws **out);
void s4d_ws_free(aimc_ctx *ctx, s4d_ws *ws);

/* Forward one sequence x (len x n_in floats) with label y; with grad
 * non-NULL, also backward, accumulating into grad (net->grad_len). With
 * dropout_seed != 0 dropout is active. Returns the loss; *correct is 1
 * when the arg-max matches the label. logits may be NULL. */
double s4d_net_sample(const s4d_net *net, s4d_ws *ws, const float *x, int y,
                      uint64_t dropout_seed, double *grad, int *correct,
                      double *logits);

/* Fills an exported model with the deployed tensors and digital parts. */
void s4d_net_export(const s4d_net *net, aimc_s4d_model *m);

#endif
