/* Trainer configuration: one parameter table per YAML section (model,
 * quant, noise, train, prune), bound by the generic binder, plus the
 * cross-field rules no single row can express. */
#include <stddef.h>
#include <string.h>

#include "aimc/status.h"
#include "aimc/train.h"

#define R(s, key, type, field, def, lo, hi, unit, doc, src, choices) \
  { key, type, offsetof(s, field), def, lo, hi, unit, doc, src, choices, NULL }

static const char *const MIX_CHOICES[] = {"linear", "glu", NULL};
static const char *const PRUNE_CHOICES[] = {"magnitude", "sensitivity", NULL};
static const char *const SELECT_CHOICES[] = {"loss", "acc", "last", NULL};

#define M(key, type, field, def, lo, hi, doc, src)                         \
  R(aimc_train_model_cfg, key, type, field, def, lo, hi, AIMC_U_NONE, doc, \
    src, NULL)
const aimc_param aimc_train_model_params[] = {
    M("h", AIMC_PT_INT, h, 64, 1, 4096, "channels (model width H)", "S4D"),
    M("n", AIMC_PT_INT, n, 64, 2, 2048,
      "state size N (even); N/2 complex modes", "S4D"),
    M("layers", AIMC_PT_INT, layers, 2, 1, 64, "number of S4D blocks", "S4D"),
    M("dropout", AIMC_PT_REAL, dropout, 0.1, 0, 0.9, "dropout after GELU",
      "S4D"),
    R(aimc_train_model_cfg, "mix", AIMC_PT_ENUM, mix, 0, 0, 1, AIMC_U_NONE,
      "channel mixing after the SSM: linear or glu", "S4D", MIX_CHOICES),
    M("use_ssm", AIMC_PT_BOOL, use_ssm, 1, 0, 1,
      "false: the SSM convolution is switched off (D skip only, control run)",
      "issue #7"),
    M("dt_min", AIMC_PT_REAL, dt_min, 1e-3, 1e-6, 10,
      "smallest initial step Delta", "S4D"),
    M("dt_max", AIMC_PT_REAL, dt_max, 1e-1, 1e-6, 10,
      "largest initial step Delta", "S4D"),
};
const size_t aimc_train_model_nparams =
    sizeof aimc_train_model_params / sizeof(aimc_param);

#define Q(key, type, field, def, lo, hi, doc)                              \
  R(aimc_train_quant_cfg, key, type, field, def, lo, hi, AIMC_U_NONE, doc, \
    "IMSSA", NULL)
const aimc_param aimc_train_quant_params[] = {
    Q("bits_a", AIMC_PT_INT, bits_a, 0, 0, 8,
      "bits of Re and Im of Abar (0 = float, 2 = ternary)"),
    Q("bits_b", AIMC_PT_INT, bits_b, 0, 0, 8, "bits of Bbar"),
    Q("bits_c", AIMC_PT_INT, bits_c, 0, 0, 8, "bits of C"),
    Q("bits_d", AIMC_PT_INT, bits_d, 0, 0, 8, "bits of D"),
    Q("fscale", AIMC_PT_REAL, fscale, 1.0, 1e-6, 1e6,
      "fixed range of Re and Im of Abar (one constant: same conductance "
      "window)"),
    Q("range_b", AIMC_PT_REAL, range_b, 0, 0, 1e6,
      "fixed range of Bbar (0 = max |Bbar|, per step)"),
    Q("range_c", AIMC_PT_REAL, range_c, 0, 0, 1e6,
      "fixed range of C (0 = max |C|, per step)"),
    Q("range_d", AIMC_PT_REAL, range_d, 0, 0, 1e6,
      "fixed range of D (0 = max |D|, per step)"),
    Q("bits_u", AIMC_PT_INT, bits_u, 0, 0, 16,
      "DAC bits on the SSM input u (0 = ideal)"),
    Q("bits_x", AIMC_PT_INT, bits_x, 0, 0, 16,
      "ADC bits on the state x, fed back (0 = ideal)"),
    Q("bits_y", AIMC_PT_INT, bits_y, 0, 0, 16,
      "ADC bits on the SSM output y (0 = ideal)"),
    Q("range_u", AIMC_PT_REAL, range_u, 4, 1e-9, 1e9, "DAC full scale on u"),
    Q("range_x", AIMC_PT_REAL, range_x, 4, 1e-9, 1e9, "ADC full scale on x"),
    Q("range_y", AIMC_PT_REAL, range_y, 8, 1e-9, 1e9, "ADC full scale on y"),
    Q("bits_enc", AIMC_PT_INT, bits_enc, 0, 0, 8,
      "bits of the encoder weights (0 = float; range alpha_b * rms)"),
    Q("bits_dec", AIMC_PT_INT, bits_dec, 0, 0, 8,
      "bits of the decoder weights (0 = float)"),
    Q("start_epoch", AIMC_PT_INT, start_epoch, 0, 0, 100000,
      "epochs of float pre-training before the quantizers switch on"),
};
const size_t aimc_train_quant_nparams =
    sizeof aimc_train_quant_params / sizeof(aimc_param);

const aimc_param aimc_train_noise_params[] = {
    R(aimc_train_noise_cfg, "sigma", AIMC_PT_REAL, sigma_S, 0, 0, 1e-3,
      AIMC_U_SIEMENS, "Gaussian programming noise on each device of a pair",
      "IMSSA", NULL),
    R(aimc_train_noise_cfg, "sigma_rel", AIMC_PT_REAL, sigma_rel, 0, 0, 10,
      AIMC_U_NONE, "Gaussian noise relative to the tensor's range", "issue #7",
      NULL),
    R(aimc_train_noise_cfg, "g_min", AIMC_PT_REAL, g_min_S, 5e-6, 0, 1,
      AIMC_U_SIEMENS, "lowest conductance of the window", "BRIEF", NULL),
    R(aimc_train_noise_cfg, "g_max", AIMC_PT_REAL, g_max_S, 100e-6, 0, 1,
      AIMC_U_SIEMENS, "highest conductance of the window", "BRIEF", NULL),
};
const size_t aimc_train_noise_nparams =
    sizeof aimc_train_noise_params / sizeof(aimc_param);

#define O(key, type, field, def, lo, hi, doc)                            \
  R(aimc_train_opt_cfg, key, type, field, def, lo, hi, AIMC_U_NONE, doc, \
    "S4D", NULL)
const aimc_param aimc_train_opt_params[] = {
    O("epochs", AIMC_PT_INT, epochs, 30, 1, 100000, "training epochs"),
    O("batch", AIMC_PT_INT, batch, 32, 1, 65536, "minibatch size"),
    O("lr", AIMC_PT_REAL, lr, 0.01, 0, 10, "AdamW learning rate"),
    O("lr_ssm", AIMC_PT_REAL, lr_ssm, 0.001, 0, 10,
      "learning rate of log Delta and A (no weight decay)"),
    O("wd", AIMC_PT_REAL, wd, 0.01, 0, 10, "AdamW weight decay"),
    O("warmup", AIMC_PT_REAL, warmup, 1, 0, 1000,
      "epochs of linear warm-up before the cosine decay"),
    O("seed", AIMC_PT_SEED, seed, 1, 0, 0,
      "seed of initialisation, order, dropout and noise"),
    O("threads", AIMC_PT_INT, threads, 2, 1, 256,
      "worker threads over the minibatch"),
    O("patience", AIMC_PT_INT, patience, 0, 0, 100000,
      "stop after this many epochs without a better validation accuracy (0 = "
      "never)"),
    O("clip", AIMC_PT_REAL, clip, 5, 0, 1e12,
      "gradient-norm clip per parameter group (0 = off)"),
    O("checkpoint_steps", AIMC_PT_INT, checkpoint_steps, 0, 0, 1000000000,
      "also write the checkpoint every this many steps (0 = once per epoch)"),
    O("val_chips", AIMC_PT_INT, val_chips, 0, 0, 1000,
      "with programming noise configured: validate (and select) on the mean "
      "over this many noisy chips instead of the noiseless quantized model "
      "(0 = noiseless)"),
    R(aimc_train_opt_cfg, "select", AIMC_PT_ENUM, select, 0, 0, 2, AIMC_U_NONE,
      "exported epoch (QAT epochs only): loss = lowest validation loss, ties "
      "to the later epoch; acc = highest validation accuracy, ties to lower "
      "loss then later; last = the last epoch",
      "issue #15", SELECT_CHOICES),
};
const size_t aimc_train_opt_nparams =
    sizeof aimc_train_opt_params / sizeof(aimc_param);

const aimc_param aimc_train_prune_params[] = {
    R(aimc_train_prune_cfg, "fraction", AIMC_PT_REAL, fraction, 0, 0, 0.99,
      AIMC_U_NONE, "share of the modes of each channel removed", "QS4D", NULL),
    R(aimc_train_prune_cfg, "criterion", AIMC_PT_ENUM, criterion, 0, 0, 1,
      AIMC_U_NONE,
      "magnitude (|C Bbar| / (1 - |Abar|)) or sensitivity (loss change)",
      "QS4D", PRUNE_CHOICES),
    R(aimc_train_prune_cfg, "at_epoch", AIMC_PT_INT, at_epoch, 0, 0, 100000,
      AIMC_U_NONE, "epoch at whose start the modes are pruned", "QS4D", NULL),
};
const size_t aimc_train_prune_nparams =
    sizeof aimc_train_prune_params / sizeof(aimc_param);

#define A(key, type, field, def, lo, hi, doc)                                \
  R(aimc_train_augment_cfg, key, type, field, def, lo, hi, AIMC_U_NONE, doc, \
    "issue #15", NULL)
const aimc_param aimc_train_augment_params[] = {
    A("shift", AIMC_PT_INT, shift, 0, 0, 100000,
      "time shift of up to +-shift steps (0 = off)"),
    A("speed", AIMC_PT_REAL, speed, 0, 0, 0.9,
      "tempo factor uniform in [1-speed, 1+speed] (0 = off)"),
    A("noise_prob", AIMC_PT_REAL, noise_prob, 0, 0, 1,
      "probability of additive Gaussian noise on a sample"),
    A("snr_min_dB", AIMC_PT_REAL, snr_min_dB, 10, -40, 100,
      "lowest SNR of that noise, dB against unit-variance features"),
    A("snr_max_dB", AIMC_PT_REAL, snr_max_dB, 30, -40, 100,
      "highest SNR of that noise, dB"),
    A("time_masks", AIMC_PT_INT, time_masks, 0, 0, 100,
      "SpecAugment time masks per sample"),
    A("time_mask_max", AIMC_PT_INT, time_mask_max, 5, 0, 100000,
      "longest time mask, steps"),
    A("freq_masks", AIMC_PT_INT, freq_masks, 0, 0, 100,
      "SpecAugment frequency masks per sample"),
    A("freq_mask_max", AIMC_PT_INT, freq_mask_max, 4, 0, 100000,
      "widest frequency mask, feature bands"),
};
const size_t aimc_train_augment_nparams =
    sizeof aimc_train_augment_params / sizeof(aimc_param);

void aimc_train_cfg_defaults(aimc_train_cfg *cfg) {
  aimc_params_defaults(aimc_train_model_params, aimc_train_model_nparams,
                       &cfg->model);
  aimc_params_defaults(aimc_train_quant_params, aimc_train_quant_nparams,
                       &cfg->quant);
  aimc_params_defaults(aimc_train_noise_params, aimc_train_noise_nparams,
                       &cfg->noise);
  aimc_params_defaults(aimc_train_opt_params, aimc_train_opt_nparams,
                       &cfg->train);
  aimc_params_defaults(aimc_train_prune_params, aimc_train_prune_nparams,
                       &cfg->prune);
  aimc_params_defaults(aimc_train_augment_params, aimc_train_augment_nparams,
                       &cfg->augment);
}

int aimc_train_cfg_check(aimc_ctx *ctx, const aimc_train_cfg *cfg) {
  if (cfg->model.n % 2)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "model: n = %d must be even (N/2 complex modes)",
                      cfg->model.n);
  if (cfg->model.dt_min > cfg->model.dt_max)
    return aimc_error(ctx, AIMC_ERANGE,
                      "model: dt_min = %g exceeds dt_max = %g",
                      cfg->model.dt_min, cfg->model.dt_max);
  if (cfg->augment.snr_min_dB > cfg->augment.snr_max_dB)
    return aimc_error(ctx, AIMC_ERANGE,
                      "augment: snr_min_dB = %g exceeds snr_max_dB = %g",
                      cfg->augment.snr_min_dB, cfg->augment.snr_max_dB);
  if (cfg->noise.g_min_S >= cfg->noise.g_max_S)
    return aimc_error(ctx, AIMC_ERANGE,
                      "noise: g_min = %g S must be below g_max = %g S",
                      cfg->noise.g_min_S, cfg->noise.g_max_S);
  return AIMC_OK;
}

int aimc_train_cfg_bind(aimc_ctx *ctx, const aimc_cfg_node *root,
                        aimc_train_cfg *cfg, const char *const *ignore) {
  enum { NS = 6 };
  static const char *const SECTIONS[NS] = {"model", "quant", "noise",
                                           "train", "prune", "augment"};
  const aimc_param *tables[NS] = {
      aimc_train_model_params, aimc_train_quant_params,
      aimc_train_noise_params, aimc_train_opt_params,
      aimc_train_prune_params, aimc_train_augment_params};
  const size_t counts[NS] = {
      aimc_train_model_nparams, aimc_train_quant_nparams,
      aimc_train_noise_nparams, aimc_train_opt_nparams,
      aimc_train_prune_nparams, aimc_train_augment_nparams};
  void *objs[NS] = {&cfg->model, &cfg->quant, &cfg->noise,
                    &cfg->train, &cfg->prune, &cfg->augment};
  if (aimc_cfg_type_of(root) != AIMC_CFG_MAP) {
    aimc_srcloc loc = aimc_cfg_loc(root);
    return aimc_error_at(ctx, AIMC_EPARSE, &loc,
                         "a trainer config must be a mapping");
  }
  /* Unknown top-level sections are errors too. */
  for (size_t i = 0; i < aimc_cfg_len(root); i++) {
    const char *key = aimc_cfg_key_at(root, i);
    int known = 0;
    for (size_t s = 0; s < NS; s++) known |= strcmp(key, SECTIONS[s]) == 0;
    for (size_t s = 0; ignore && ignore[s]; s++)
      known |= strcmp(key, ignore[s]) == 0;
    if (!known) {
      aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_key_node_at(root, i));
      return aimc_error_at(ctx, AIMC_EINVAL, &loc,
                           "unknown section '%s' (valid: model, quant, noise, "
                           "train, prune, augment, data, output)",
                           key);
    }
  }
  for (size_t s = 0; s < NS; s++) {
    const aimc_cfg_node *node = aimc_cfg_get(root, SECTIONS[s]);
    if (!node) continue;
    int st = aimc_cfg_bind(ctx, node, tables[s], counts[s], objs[s],
                           SECTIONS[s], NULL);
    if (st) return st;
  }
  return aimc_train_cfg_check(ctx, cfg);
}
