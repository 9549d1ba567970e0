/* The pipeline evaluator: one sweep run = map -> program -> run of the
 * inference API (aimc_pipeline_run of aimc/infer.h) for the point's model,
 * architecture and data. Settings (docs/sweep.md):
 *   model: PATH.s4d      arch: PATH.yaml (default: built-in defaults)
 *   data: TASK[,key=value...] (default: the spec the model was trained on)
 *   max_samples: N   kernel: native|systemc
 *   strict_data: true    another corpus or sequence length than the model
 *                        was trained on is an error, not a warning
 *   SECTION.KEY: value   an arch parameter (array.rows, programming.sigma,
 *                        converters.adc_bits, ...) or data.KEY a data one;
 *   array.size: N        rows = cols = N (square arrays)
 *   bits: B              picks the checkpoint `model.B` (one trained at B
 *                        bits), so weight bit width can be a sweep axis.
 * Relative paths are taken from the working directory, else from the
 * spec's directory. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimc/data.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "evaluators.h"

/* Everything a point's settings determine, before any heavy loading. */
typedef struct {
  char model[4096], arch_path[4096];
  aimc_arch arch;
  aimc_data_spec data;
  aimc_infer_opts opts;
  int strict_data; /* another corpus or length than the model's: error */
} pipeline_point;

static void resolve(const aimc_sweep_spec *spec, const char *path, char *out,
                    size_t len) {
  const char *dir = aimc_sweep_spec_dir(spec);
  if (path[0] == '/' || access(path, F_OK) == 0 || !*dir)
    snprintf(out, len, "%s", path);
  else
    snprintf(out, len, "%s/%s", dir, path);
}

static int set_param(aimc_ctx *ctx, const aimc_param *t, size_t n, void *obj,
                     const char *key, const char *field, const char *value) {
  char err[256];
  const aimc_param *p = aimc_params_find(t, n, field);
  if (!p)
    return aimc_error(ctx, AIMC_EINVAL, "setting '%s': no such parameter", key);
  int rc = aimc_param_set(p, obj, value, err, sizeof err);
  return rc ? aimc_error(ctx, rc, "setting '%s': %s", key, err) : AIMC_OK;
}

/* The data spec of point p: the spec its model recorded (mdl; NULL while
 * only checking the settings), else the defaults; replaced by its `data`
 * setting, or edited if that names no task; then its data.KEY settings. */
static int point_data(aimc_ctx *ctx, const aimc_sweep_spec *spec, size_t i,
                      const aimc_s4d_model *mdl, pipeline_point *p) {
  size_t nd;
  const aimc_param *dt = aimc_data_params(&nd);
  aimc_params_defaults(dt, nd, &p->data);
  int rc = AIMC_OK;
  if (mdl && mdl->data_spec[0]) {
    char what[sizeof p->model + 64];
    snprintf(what, sizeof what, "the data spec recorded in %s", p->model);
    rc = aimc_data_spec_parse(ctx, what, mdl->data_spec, &p->data);
  }
  for (size_t k = 0; k < aimc_sweep_spec_n_keys(spec) && !rc; k++)
    if (!strcmp(aimc_sweep_spec_key(spec, k), "data"))
      rc = aimc_data_spec_parse(ctx, "setting 'data'",
                                aimc_sweep_spec_value(spec, i, k), &p->data);
  for (size_t k = 0; k < aimc_sweep_spec_n_keys(spec) && !rc; k++) {
    const char *key = aimc_sweep_spec_key(spec, k);
    if (!strncmp(key, "data.", 5))
      rc = set_param(ctx, dt, nd, &p->data, key, key + 5,
                     aimc_sweep_spec_value(spec, i, k));
  }
  return rc;
}

static int read_point(aimc_ctx *ctx, const aimc_sweep_spec *spec, size_t i,
                      pipeline_point *p) {
  aimc_arch_defaults(&p->arch);
  aimc_infer_opts_defaults(&p->opts);
  p->model[0] = p->arch_path[0] = '\0';
  p->strict_data = 0;
  int rc = AIMC_OK;
  const char *bits = NULL;
  char bits_key[64] = "";
  /* The arch file first: the other settings override it. */
  for (size_t k = 0; k < aimc_sweep_spec_n_keys(spec); k++)
    if (!strcmp(aimc_sweep_spec_key(spec, k), "arch")) {
      resolve(spec, aimc_sweep_spec_value(spec, i, k), p->arch_path,
              sizeof p->arch_path);
      rc = aimc_arch_load(ctx, p->arch_path, &p->arch);
    }
  for (size_t k = 0; k < aimc_sweep_spec_n_keys(spec) && !rc; k++) {
    const char *key = aimc_sweep_spec_key(spec, k),
               *v = aimc_sweep_spec_value(spec, i, k);
    const char *dot = strchr(key, '.');
    if (!strcmp(key, "arch") || !strncmp(key, "model.", 6) ||
        !strcmp(key, "data") || !strncmp(key, "data.", 5))
      continue; /* below */
    if (!strcmp(key, "model")) {
      resolve(spec, v, p->model, sizeof p->model);
    } else if (!strcmp(key, "bits")) {
      bits = v;
      snprintf(bits_key, sizeof bits_key, "model.%s", v);
    } else if (!strcmp(key, "array.size")) {
      size_t n;
      const aimc_param *t = aimc_arch_params("array", &n);
      rc = set_param(ctx, t, n, &p->arch, key, "rows", v);
      if (!rc) rc = set_param(ctx, t, n, &p->arch, key, "cols", v);
    } else if (!strcmp(key, "max_samples")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 0)
        rc = aimc_error(ctx, AIMC_EINVAL,
                        "setting 'max_samples': '%s' is not a count", v);
      p->opts.max_samples = (size_t)n;
    } else if (!strcmp(key, "strict_data")) {
      p->strict_data = !strcmp(v, "true") || !strcmp(v, "1");
      if (!p->strict_data && strcmp(v, "false") && strcmp(v, "0"))
        rc = aimc_error(ctx, AIMC_EINVAL,
                        "setting 'strict_data': true or false, not '%s'", v);
    } else if (!strcmp(key, "kernel")) {
      if (aimc_kernel_backend_parse(v, &p->opts.backend))
        rc = aimc_error(ctx, AIMC_EINVAL,
                        "setting 'kernel': native or systemc, not '%s'", v);
    } else if (dot) {
      char section[64];
      size_t n;
      snprintf(section, sizeof section, "%.*s", (int)(dot - key), key);
      const aimc_param *t = aimc_arch_params(section, &n);
      const char *instead = aimc_arch_removed(section, dot + 1);
      rc = instead ? aimc_error(ctx, AIMC_EINVAL, "setting '%s' was removed: %s", key, instead)
           : t     ? set_param(ctx, t, n, &p->arch, key, dot + 1, v)
                   : aimc_error(ctx, AIMC_EINVAL,
                                "setting '%s': no arch section '%s'", key, section);
    } else {
      rc = aimc_error(
          ctx, AIMC_EINVAL,
          "setting '%s' means nothing to the pipeline evaluator (model, arch, "
          "data, max_samples, kernel, strict_data, SECTION.KEY)",
          key);
    }
  }
  if (!rc && bits) {
    int found = 0;
    for (size_t k = 0; k < aimc_sweep_spec_n_keys(spec); k++)
      if (!strcmp(aimc_sweep_spec_key(spec, k), bits_key)) {
        resolve(spec, aimc_sweep_spec_value(spec, i, k), p->model,
                sizeof p->model);
        found = 1;
      }
    if (!found)
      rc = aimc_error(ctx, AIMC_EINVAL,
                      "setting 'bits: %s' needs a '%s' setting (the "
                      "checkpoint trained at %s bits)",
                      bits, bits_key, bits);
  }
  if (!rc && !p->model[0])
    rc = aimc_error(ctx, AIMC_EINVAL,
                    "the pipeline evaluator needs a 'model' setting (.s4d)");
  if (!rc && access(p->model, R_OK) != 0)
    rc = aimc_error(ctx, AIMC_ENOTFOUND,
                    "model %s: no such file (train it with aimc train)",
                    p->model);
  if (!rc) rc = aimc_arch_check(ctx, "settings", &p->arch);
  /* The data settings' syntax; the model's spec joins once it is loaded. */
  if (!rc) rc = point_data(ctx, spec, i, NULL, p);
  return rc;
}

static int pipeline_check(aimc_ctx *ctx, const aimc_sweep_spec *spec) {
  pipeline_point *p = aimc_malloc(ctx, sizeof *p);
  if (!p) return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  int rc = AIMC_OK;
  for (size_t i = 0; i < aimc_sweep_spec_n_points(spec) && !rc; i++) {
    rc = read_point(ctx, spec, i, p);
    if (rc) {
      char msg[600];
      snprintf(msg, sizeof msg, "%s", aimc_ctx_errmsg(ctx));
      rc = aimc_error(ctx, rc, "sweep point %zu: %s", i, msg);
    }
  }
  aimc_free(ctx, p);
  return rc;
}

/* The models and data sets of a sweep, loaded once per process (prepare)
 * and shared read-only by its runs: a sweep names a few of each. A data
 * set is known by its canonical spec and directory (data_key), so the
 * points whose model recorded the same spec share it too. */
enum { MAX_SHARED = 16 };
typedef struct {
  size_t n_models, n_data;
  char *model_path[MAX_SHARED], *data_key[MAX_SHARED];
  aimc_s4d_model *model[MAX_SHARED];
  aimc_dataset *data[MAX_SHARED];
} shared_loads;

enum { DATA_KEY_LEN = AIMC_DATA_SPEC_TEXT_LEN + AIMC_PARAM_STRLEN + 8 };

static void data_key(const aimc_data_spec *d, char *buf, size_t len) {
  char text[AIMC_DATA_SPEC_TEXT_LEN];
  snprintf(buf, len, "%s,dir=%s", aimc_data_spec_format(d, text, sizeof text),
           d->dir);
}

/* Index of `name` among the first n of `names`, n if absent. */
static size_t find_shared(char *const *names, size_t n, const char *name) {
  size_t i = 0;
  while (i < n && strcmp(names[i], name)) i++;
  return i;
}

/* Loads a data set with the spec's seed (its validation split is drawn
 * from it), so the data do not depend on a run's seed or on who loads it. */
static int load_data(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                     const aimc_data_spec *d, aimc_dataset **out) {
  aimc_ctx *dctx = aimc_ctx_fork(ctx, 0);
  if (!dctx) return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  aimc_ctx_reseed(dctx, aimc_sweep_spec_seed(spec));
  int rc = aimc_dataset_load(dctx, d, out);
  if (rc) aimc_error(ctx, rc, "%s", aimc_ctx_errmsg(dctx));
  aimc_ctx_free(dctx);
  return rc;
}

static void pipeline_release(aimc_ctx *ctx, void *state) {
  shared_loads *sh = state;
  if (!sh) return;
  for (size_t i = 0; i < sh->n_models; i++) {
    aimc_free(ctx, sh->model_path[i]);
    aimc_s4d_model_free(ctx, sh->model[i]);
  }
  for (size_t i = 0; i < sh->n_data; i++) {
    aimc_free(ctx, sh->data_key[i]);
    aimc_dataset_free(ctx, sh->data[i]);
  }
  aimc_free(ctx, sh);
}

static int pipeline_prepare(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                            void **state) {
  *state = NULL;
  shared_loads *sh = aimc_calloc(ctx, 1, sizeof *sh);
  pipeline_point *p = aimc_malloc(ctx, sizeof *p);
  int rc = sh && p ? AIMC_OK : aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  char key[DATA_KEY_LEN];
  for (size_t i = 0; !rc && i < aimc_sweep_spec_n_points(spec); i++) {
    rc = read_point(ctx, spec, i, p);
    size_t m = rc ? 0 : find_shared(sh->model_path, sh->n_models, p->model);
    if (!rc && m == sh->n_models && m < MAX_SHARED) {
      if (!(sh->model_path[m] = aimc_strdup(ctx, p->model)))
        rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
      else if (!(rc = aimc_s4d_model_read(ctx, p->model, &sh->model[m])))
        sh->n_models++;
      else
        aimc_free(ctx, sh->model_path[m]);
    }
    /* A model beyond MAX_SHARED is read by the run, and so is its data. */
    if (rc || m == sh->n_models) continue;
    rc = point_data(ctx, spec, i, sh->model[m], p);
    if (rc) break;
    data_key(&p->data, key, sizeof key);
    size_t d = find_shared(sh->data_key, sh->n_data, key);
    if (d == sh->n_data && d < MAX_SHARED) {
      if (!(sh->data_key[d] = aimc_strdup(ctx, key)))
        rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
      else if (!(rc = load_data(ctx, spec, &p->data, &sh->data[d])))
        sh->n_data++;
      /* Another corpus or length than the model's: a warning, or an error
       * with the setting strict_data: true (issue #15). */
      if (!rc)
        rc = aimc_s4d_model_check_data(ctx, sh->model[m], p->model, &p->data,
                                       aimc_dataset_length(sh->data[d]),
                                       p->strict_data);
      else
        aimc_free(ctx, sh->data_key[d]);
    }
  }
  aimc_free(ctx, p);
  if (rc) {
    pipeline_release(ctx, sh);
    return rc;
  }
  *state = sh;
  return AIMC_OK;
}

static int pipeline_eval(aimc_ctx *ctx, const aimc_sweep_point *pt,
                         aimc_sweep_result *res) {
  pipeline_point *p = aimc_malloc(ctx, sizeof *p);
  if (!p) return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  aimc_s4d_model *own_mdl = NULL;
  aimc_dataset *own_ds = NULL;
  const aimc_s4d_model *mdl = NULL;
  const aimc_dataset *ds = NULL;
  const shared_loads *sh = pt->state;
  aimc_infer_result r;
  memset(&r, 0, sizeof r);
  int rc = read_point(ctx, pt->spec, pt->index, p);
  char key[DATA_KEY_LEN];
  size_t i;
  /* Not prepared (more than MAX_SHARED, or no prepare): load here. */
  if (!rc && sh &&
      (i = find_shared(sh->model_path, sh->n_models, p->model)) < sh->n_models)
    mdl = sh->model[i];
  if (!rc && !mdl && !(rc = aimc_s4d_model_read(ctx, p->model, &own_mdl)))
    mdl = own_mdl;
  if (!rc) rc = point_data(ctx, pt->spec, pt->index, mdl, p);
  if (!rc) data_key(&p->data, key, sizeof key);
  if (!rc && sh &&
      (i = find_shared(sh->data_key, sh->n_data, key)) < sh->n_data)
    ds = sh->data[i];
  if (!rc && !ds && !(rc = load_data(ctx, pt->spec, &p->data, &own_ds)))
    ds = own_ds;
  if (!rc) rc = aimc_pipeline_run(ctx, mdl, &p->arch, ds, &p->opts, &r);
  if (!rc) {
    double *m = res->m;
    m[AIMC_SWEEP_M_accuracy] = r.accuracy;
    m[AIMC_SWEEP_M_energy_J] = r.e_inf_total_J;
    m[AIMC_SWEEP_M_e_dac_J] = r.e_inf_J[AIMC_EC_DAC];
    m[AIMC_SWEEP_M_e_array_J] = r.e_inf_J[AIMC_EC_ARRAY];
    m[AIMC_SWEEP_M_e_tia_J] = r.e_inf_J[AIMC_EC_TIA];
    m[AIMC_SWEEP_M_e_adc_J] = r.e_inf_J[AIMC_EC_ADC];
    m[AIMC_SWEEP_M_e_register_J] = r.e_inf_J[AIMC_EC_REGISTER];
    m[AIMC_SWEEP_M_e_digital_J] = r.e_inf_J[AIMC_EC_DIGITAL];
    m[AIMC_SWEEP_M_e_buffer_J] = r.e_inf_J[AIMC_EC_BUFFER];
    m[AIMC_SWEEP_M_e_static_J] = r.e_inf_J[AIMC_EC_STATIC];
    m[AIMC_SWEEP_M_latency_s] = r.latency_seq_s;
    m[AIMC_SWEEP_M_throughput_inf_s] = r.throughput_inf_s;
    m[AIMC_SWEEP_M_n_arrays] = (double)r.map.n_arrays;
    m[AIMC_SWEEP_M_n_devices] = (double)r.map.devices_total;
    m[AIMC_SWEEP_M_n_dac] = (double)r.map.n_dac;
    m[AIMC_SWEEP_M_n_adc] = (double)r.map.n_adc;
    m[AIMC_SWEEP_M_program_time_s] = r.prog.t_s;
    m[AIMC_SWEEP_M_program_energy_J] = r.prog.e_J;
  }
  aimc_infer_result_fini(ctx, &r);
  aimc_dataset_free(ctx, own_ds);
  aimc_s4d_model_free(ctx, own_mdl);
  aimc_free(ctx, p);
  return rc;
}

const aimc_sweep_evaluator aimc_sweep_pipeline_evaluator = {
    .name = "pipeline",
    .summary = "map -> program -> run through the inference API",
    .check = pipeline_check,
    .eval = pipeline_eval,
    .prepare = pipeline_prepare,
    .release = pipeline_release,
};
