/* The identity of the data a model was trained on (issue #15): a
 * fingerprint of the corpus (file lists and feature settings), recorded in
 * the weight file with the directory and the sequence length, and the
 * check `aimc run` / `aimc sweep` make against the data they load, so
 * that a model is never silently evaluated on another corpus or at
 * another length. The fingerprint itself is the data area's
 * (sim/data/fingerprint.c): it reads the two file lists and the size of
 * each listed audio file (not contents). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"

int aimc_s4d_model_set_data(aimc_ctx *ctx, aimc_s4d_model *mdl,
                            const aimc_data_spec *spec, size_t length) {
  /* The spec as the config gave it (length 0 = the corpus's longest file
   * stays 0: --data edits compare against it); the length actually
   * trained at is data_length, which runs are checked against. */
  aimc_data_spec_format(spec, mdl->data_spec, sizeof mdl->data_spec);
  snprintf(mdl->data_dir, sizeof mdl->data_dir, "%s", spec->dir);
  mdl->data_length = (int)length;
  return aimc_data_fingerprint(ctx, spec, &mdl->data_fingerprint);
}

int aimc_s4d_model_check_data(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                              const char *model, const aimc_data_spec *spec,
                              size_t length, int strict) {
  return aimc_s4d_model_check_data_fp(ctx, mdl, model, spec, 0, length,
                                      strict);
}

int aimc_s4d_model_check_data_fp(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                                 const char *model, const aimc_data_spec *spec,
                                 uint64_t fp, size_t length, int strict) {
  if (!mdl->data_fingerprint) {
    const char *msg =
        "records no corpus fingerprint or sequence length (weight format < "
        "3): the data cannot be checked; retrain to record them";
    if (strict)
      return aimc_error(ctx, AIMC_EINVAL, "--strict-data: %s %s", model, msg);
    aimc_log(ctx, AIMC_LOG_INFO, "%s %s", model, msg);
    return AIMC_OK;
  }
  if (!fp) {
    int st = aimc_data_fingerprint(ctx, spec, &fp);
    if (st) return st;
  }
  char diff[2 * AIMC_PARAM_STRLEN + 256] = "";
  char here[AIMC_PARAM_STRLEN], there[AIMC_PARAM_STRLEN];
  if (fp != mdl->data_fingerprint) {
    if (spec->dir[0])
      snprintf(here, sizeof here, "%s", spec->dir);
    else
      aimc_data_default_dir(spec, here, sizeof here);
    snprintf(there, sizeof there, "%s",
             mdl->data_dir[0] ? mdl->data_dir : "the default data directory");
    snprintf(diff, sizeof diff,
             "corpus %s (fingerprint %016" PRIx64
             ") but trained on %s (fingerprint %016" PRIx64
             "; the fingerprints cover the file lists and feature settings)",
             here, fp, there, mdl->data_fingerprint);
  }
  if (mdl->data_length && (size_t)mdl->data_length != length) {
    size_t used = strlen(diff);
    snprintf(diff + used, sizeof diff - used,
             "%ssequence length %zu but trained at %d", used ? "; " : "",
             length, mdl->data_length);
  }
  if (!diff[0]) return AIMC_OK;
  if (strict)
    return aimc_error(ctx, AIMC_EINVAL,
                      "--strict-data: the data differ from those %s was "
                      "trained on: %s",
                      model, diff);
  aimc_log(ctx, AIMC_LOG_WARN,
           "the data differ from those %s was trained on: %s (--strict-data "
           "makes this an error)",
           model, diff);
  return AIMC_OK;
}
