/* The data a command reads for a mapped model (run_data.h). */
#include "run_data.h"

#include <stdio.h>
#include <string.h>

#include "aimc/map.h"
#include "aimc/status.h"
#include "cli.h"

/* The keys that change the sequences a model sees: their length, frame
 * rate and features (a different task or class list fails the shape check
 * or is the same data; dir, cache and the split sizes change neither). */
static const char *const SEQUENCE_KEYS[] = {
    "downsample", "length", "hop_s", "window_s", "n_mels", "f_min_Hz", "f_max_Hz"};

/* One warning line when --data feeds other sequences than the model was
 * trained on: on purpose it is allowed, by mistake it is visible (a
 * forgotten downsample=2 once doubled the steps the hardware ran). */
static void warn_if_reshaped(aimc_ctx *ctx, const aimc_data_spec *given,
                             const aimc_data_spec *trained, const char *model) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  char diff[512] = "";
  for (size_t i = 0; i < sizeof SEQUENCE_KEYS / sizeof *SEQUENCE_KEYS; i++) {
    const aimc_param *p = aimc_params_find(t, n, SEQUENCE_KEYS[i]);
    if (aimc_param_get(p, given) == aimc_param_get(p, trained)) continue;
    char a[64], b[64];
    size_t used = strlen(diff);
    snprintf(diff + used, sizeof diff - used, "%s%s %s (trained on %s)",
             used ? ", " : "", p->key, aimc_param_format(p, given, a, sizeof a),
             aimc_param_format(p, trained, b, sizeof b));
  }
  if (diff[0])
    aimc_log(ctx, AIMC_LOG_WARN,
             "--data differs from the data %s was trained on: %s", model, diff);
}

int aimc_cli_choose_data(aimc_ctx *ctx, const char *cmd, const char *data,
                         const aimc_s4d_model *mdl, const char *model, aimc_data_spec *spec,
                         char *label, size_t len) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  const char *rec = mdl->data_spec;
  char what[AIMC_PARAM_STRLEN + 64];
  snprintf(what, sizeof what, "the data spec recorded in %s", model);
  aimc_params_defaults(t, n, spec);
  int st = rec[0] ? aimc_data_spec_parse(ctx, what, rec, spec) : AIMC_OK;
  if (st) return st;
  if (data) {
    aimc_data_spec trained = *spec;
    snprintf(label, len, "--data %s", data);
    st = aimc_data_spec_parse(ctx, "--data", data, spec);
    if (!st && rec[0]) warn_if_reshaped(ctx, spec, &trained, model);
    return st;
  }
  if (!rec[0])
    return aimc_cli_usage(ctx, cmd,
                          "needs --data SPEC: %s records no data spec (written "
                          "before weight format 2, or not by aimc train)",
                          model);
  snprintf(label, len, "data %s (recorded in %s)", rec, model);
  aimc_log(ctx, AIMC_LOG_INFO, "%s", label);
  return AIMC_OK;
}


int aimc_cli_sample_features(aimc_ctx *ctx, const char *netlist, const char *data,
                             aimc_data_split split, size_t k, int n_in, double **x, int *len) {
  *x = NULL, *len = 0;
  aimc_map_meta meta;
  aimc_s4d_model *mdl = NULL;
  aimc_dataset *ds = NULL;
  aimc_data_spec spec;
  char label[2 * AIMC_DATA_SPEC_TEXT_LEN];
  int st = aimc_map_read_meta(ctx, netlist, &meta);
  if (!st) st = aimc_s4d_model_read(ctx, meta.model, &mdl);
  if (!st) st = aimc_cli_choose_data(ctx, "sim", data, mdl, meta.model, &spec, label, sizeof label);
  if (!st) st = aimc_dataset_load_split(ctx, &spec, split, &ds);
  if (!st)
    st = aimc_s4d_model_check_data_fp(ctx, mdl, meta.model, &spec, aimc_dataset_fingerprint(ds),
                                      aimc_dataset_length(ds), 0);
  size_t n = 0, steps = ds ? aimc_dataset_length(ds) : 0;
  const size_t *idx = ds ? aimc_dataset_split(ds, split, &n) : NULL;
  if (!st && aimc_dataset_n_features(ds) != (size_t)n_in)
    st = aimc_error(ctx, AIMC_ESHAPE, "%s: %zu features per step, the netlist's features net has %d",
                    label, aimc_dataset_n_features(ds), n_in);
  if (!st && k >= n)
    st = aimc_cli_usage(ctx, "sim", "--sample %zu: the split has %zu samples (0 .. %zu)", k, n,
                        n ? n - 1 : 0);
  float *xf = st ? NULL : aimc_malloc(ctx, sizeof(float) * steps * (size_t)n_in + 1);
  double *xd = st ? NULL : aimc_malloc(ctx, sizeof(double) * steps * (size_t)n_in + 1);
  if (!st && (!xf || !xd)) st = AIMC_ENOMEM;
  if (!st) {
    aimc_dataset_get(ds, idx[k], xf);
    for (size_t i = 0; i < steps * (size_t)n_in; i++) xd[i] = xf[i];
    *x = xd, *len = (int)steps, xd = NULL;
  }
  aimc_free(ctx, xf);
  aimc_free(ctx, xd);
  aimc_dataset_free(ctx, ds);
  aimc_s4d_model_free(ctx, mdl);
  return st;
}
