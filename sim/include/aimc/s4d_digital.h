/* The digital periphery of an S4D network as a component model
 * (models/s4d_digital.c, registered as "s4d_digital"): the encoder, GELU,
 * mixing (linear or GLU), residual, layer norm, mean pool and decoder,
 * one vector operation per instance. `aimc map` writes one instance per
 * operation into the netlist; `aimc run` evaluates them (aimc/model.h,
 * eval_batch) and prices each with its op_cost; in the event kernel
 * (`aimc sim`) each evaluates one vector per input (on_input, the same
 * eval), books its op_cost and drives its result after t_op.
 *
 * Weights stay in the exported model (aimc/s4d_model.h): an instance
 * names the tensor and layer it applies (params `tensor`, `layer`), and
 * its evaluation reads them through aimc_eval.state, an
 * aimc_s4d_digital_weights made by aimc_s4d_digital_weights_of. In the
 * event kernel the instance reads that tensor at init from the file its
 * param `model` names (relative to the netlist; `aimc map` writes the
 * model it mapped), checked against its shape; `aimc run` applies the
 * netlist's meta model and refuses a `model` that names another file.
 *
 * Over time (the event kernel) pool and mean keep their eval's state
 * inputs themselves: pool holds the running sum (zero after init and
 * reset) and drives it after every input; mean counts the sums it has
 * received and drives the last one divided by that count, so after the
 * last step of a sequence it drives the mean pool, the number `aimc run`
 * gives with steps = the sequence length. */
#ifndef AIMC_S4D_DIGITAL_H
#define AIMC_S4D_DIGITAL_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/model.h"
#include "aimc/s4d_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The operation (param `op`) and the input of its eval (n: the param n;
 * eval's input width is the model's eval_n_in, its output n words):
 *   dense      n_in words x -> y = b + W x
 *   bias       n words x -> x + b (a dense layer read on crossbars)
 *   gelu       n words x -> x Phi(x)
 *   glu        2n words [a; g] -> a sigmoid(g)
 *   add        2n words [a; b] -> a + b (the residual, a state sum)
 *   layernorm  n words x -> gamma (x - mean) / sqrt(var + 1e-5) + beta
 *   pool       2n words [x; s] -> s + x: one step of the running sum s
 *              over time (its port takes x; s is its state, made an
 *              input because eval is pure)
 *   mean       n + 1 words [s; steps] -> s / steps: the mean pool's
 *              result after the last step (its port takes s; the step
 *              count is its state). */
typedef enum {
  AIMC_DIG_DENSE = 0,
  AIMC_DIG_BIAS,
  AIMC_DIG_GELU,
  AIMC_DIG_GLU,
  AIMC_DIG_ADD,
  AIMC_DIG_LAYERNORM,
  AIMC_DIG_POOL,
  AIMC_DIG_MEAN,
  AIMC_DIG_OPS
} aimc_dig_op;

/* The model tensor an instance applies (param `tensor`): none, the
 * encoder (enc_w, enc_b), layer `layer`'s mixing (mix_w, mix_b) or norm
 * (norm_g, norm_b), the decoder (dec_w, dec_b). */
typedef enum {
  AIMC_DIG_TENSOR_NONE = 0,
  AIMC_DIG_TENSOR_ENCODER,
  AIMC_DIG_TENSOR_MIX,
  AIMC_DIG_TENSOR_NORM,
  AIMC_DIG_TENSOR_DECODER
} aimc_dig_tensor;

/* The params of an s4d_digital instance (its table: `aimc models
 * --describe s4d_digital`). */
typedef struct {
  int op;         /* aimc_dig_op                                        */
  int n;          /* output words                                       */
  int n_in;       /* input words (the port `in`)                        */
  int tensor;     /* aimc_dig_tensor                                    */
  int layer;      /* the layer of a mix or norm tensor                  */
  /* The exported model file the tensor comes from in the event kernel
   * (relative to the netlist; "" for an op without a tensor). */
  char model[AIMC_PARAM_STRLEN];
  double e_mac;   /* J per multiply-accumulate                          */
  double e_op;    /* J per other element operation                      */
  aimc_time t_op; /* fs per vector operation                           */
} aimc_s4d_digital_params;

/* The weights an operation reads: w (row-major n x n_in for dense; gamma
 * for layernorm) and b (n: bias or beta); NULL where the op reads none. */
typedef struct {
  const double *w, *b;
} aimc_s4d_digital_weights;

/* The tensor p names in mdl, checked against p's shape (a dense layer's n
 * and n_in are the tensor's; a layer that exists). AIMC_ESHAPE with a
 * message in err (naming the params) when they do not fit. */
int aimc_s4d_digital_weights_of(const aimc_s4d_model *mdl,
                                const aimc_s4d_digital_params *p,
                                aimc_s4d_digital_weights *w, char *err,
                                size_t errlen);

/* Multiply-accumulates of one operation (dense: n x n_in; else 0). */
uint64_t aimc_s4d_digital_macs(const aimc_s4d_digital_params *p);

/* The op's name ("dense", "gelu", ...). */
const char *aimc_s4d_digital_op_name(aimc_dig_op op);

/* The model itself (registered as "s4d_digital"). */
const aimc_model *aimc_s4d_digital_model(void);

#ifdef __cplusplus
}
#endif
#endif
