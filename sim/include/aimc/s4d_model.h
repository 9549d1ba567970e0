/* An exported S4D model: what the trainer writes and the mapper reads.
 * Implemented in sim/weights/, which depends on no trainer code, so the
 * simulator reads models without the trainer; the reference forward that
 * runs such a model is the trainer's (aimc/s4d_reference.h).
 * Everything the hardware needs is here in discretised form (Abar, Bbar
 * per mode) with the quantizers used in training, plus the digital parts
 * (encoder, mixing, norm, decoder) and the continuous parameters.
 *
 * Layout: flat row-major arrays of doubles. Layer l, channel h, mode n of a
 * per-mode tensor is at [(l * H + h) * M + n], with M = N/2 modes.
 * The file format (header + raw blocks, CRC-32 checked) is documented in
 * docs/weights-format.md. */
#ifndef AIMC_S4D_MODEL_H
#define AIMC_S4D_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "aimc/context.h"
#include "aimc/data.h"
#include "aimc/quant.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AIMC_MIX_LINEAR = 0, AIMC_MIX_GLU = 1 } aimc_mix_kind;

typedef struct {
  int n_in;  /* input features per time step                      */
  int n_out; /* classes                                           */
  int h;     /* channels (model width)                            */
  int m;     /* complex modes per channel (N/2)                   */
  int layers;
  aimc_mix_kind mix;
  int use_ssm; /* 0: D skip only (the control run)                  */

  /* Quantizers of the analog tensors (bits 0 = float). Abar's real and
   * imaginary parts share quant_a (IMSSA fixed range). */
  aimc_quant quant_a, quant_b, quant_c, quant_d;
  /* Activation quantizers: DAC on inputs u and fed-back state x, ADC on the
   * state and output columns (bits 0 = ideal). */
  aimc_quant quant_u, quant_x, quant_y;

  /* Per layer, channel, mode (layers*h*m): quantized values as deployed. */
  double *a_re, *a_im, *b_re, *b_im, *c_re, *c_im;
  double *d; /* layers*h */
  /* Mode mask (1 kept, 0 pruned), layers*h*m. */
  unsigned char *mode_mask;

  /* Digital parts. */
  double *enc_w, *enc_b;   /* h*n_in, h            */
  double *mix_w, *mix_b;   /* layers*(k*h)*h, layers*k*h; k = 2 for GLU */
  double *norm_g, *norm_b; /* layers*h           */
  double *dec_w, *dec_b;   /* n_out*h, n_out       */

  /* Continuous parameters for reference: log_dt (layers*h), log_a_re,
   * a_im (layers*h*m). */
  double *log_dt, *log_a_re, *a_im_cont;

  /* The data the model was trained on, in the canonical one-line form of
   * aimc_data_spec_format ("zero_one,n_mels=32,...,downsample=2,..."; no
   * `dir`), so that `aimc run` and sweeps feed the hardware the same
   * sequences without being told. "" = none recorded (a version-1 file, or
   * a model not written by `aimc train`). */
  char data_spec[AIMC_DATA_SPEC_TEXT_LEN];
  /* The corpus itself (weight format 3, issue #15): the data directory as
   * the training config gave it ("" = the default directory), a
   * fingerprint of the corpus (aimc_data_fingerprint: its file lists and
   * feature settings; 0 = none recorded) and the sequence length the
   * model was trained at (0 = unknown). aimc_s4d_model_check_data compares
   * them with the data of a run. */
  char data_dir[AIMC_PARAM_STRLEN];
  uint64_t data_fingerprint;
  int data_length;
} aimc_s4d_model;

int aimc_s4d_model_alloc(aimc_ctx *ctx, int n_in, int n_out, int h, int m,
                         int layers, aimc_mix_kind mix, aimc_s4d_model **out);
void aimc_s4d_model_free(aimc_ctx *ctx, aimc_s4d_model *mdl);
/* Writes atomically (format version 3: data_spec, data_dir,
 * data_fingerprint, data_length); reads with version, shape and CRC checks
 * (corrupt or truncated files: AIMC_EFORMAT / AIMC_ECHECKSUM naming the
 * file). Older files still read: version 2 without the corpus identity
 * (fingerprint 0, a note at the info level), version 1 also without the
 * data spec. */
int aimc_s4d_model_write(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                         const char *path);
int aimc_s4d_model_read(aimc_ctx *ctx, const char *path, aimc_s4d_model **out);
/* Hash of the analog tensors of a model (Abar, Bbar, C, D, masks,
 * quantizers), so a netlist can be checked against the model it came from
 * (FNV-1a, aimc_fnv1a). */
uint64_t aimc_s4d_model_hash(const aimc_s4d_model *mdl);

/* Records the data a model was trained on: data_spec (canonical form, as
 * given), data_dir (as given), data_fingerprint and data_length = the
 * loaded sequence length. */
int aimc_s4d_model_set_data(aimc_ctx *ctx, aimc_s4d_model *mdl,
                            const aimc_data_spec *spec, size_t length);

/* Compares the data of a run (spec, and the loaded length) with what the
 * model records. Another corpus (fingerprint) or another sequence length:
 * a warning naming both values, or with `strict` the same text as an
 * AIMC_EINVAL error (exit code 2). A model without a recorded fingerprint
 * (format < 3): an info note, an AIMC_EINVAL error when strict. `model`
 * names the model file in messages. */
int aimc_s4d_model_check_data(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                              const char *model, const aimc_data_spec *spec,
                              size_t length, int strict);
/* The same with the corpus's fingerprint already taken (fp, e.g.
 * aimc_dataset_fingerprint of the loaded data), so the corpus is not
 * scanned a second time; fp = 0 takes it from spec. */
int aimc_s4d_model_check_data_fp(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                                 const char *model, const aimc_data_spec *spec,
                                 uint64_t fp, size_t length, int strict);

#ifdef __cplusplus
}
#endif
#endif
