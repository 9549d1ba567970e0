/* Reading results for the report: a sweep's results.json (one row per
 * point, mean and std over seeds) or one run's aimc.run/1 JSON (one row),
 * both into the metric rows of aimc/sweep.h. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/fileio.h"
#include "aimc/input.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "report_impl.h"

void rtable_fini(aimc_ctx *ctx, rtable *t) {
  if (t->keys)
    for (size_t k = 0; k < t->n_keys; k++) aimc_free(ctx, t->keys[k]);
  if (t->values)
    for (size_t i = 0; i < t->n_points * t->n_keys; i++)
      aimc_free(ctx, t->values[i]);
  aimc_free(ctx, t->keys);
  aimc_free(ctx, t->values);
  aimc_free(ctx, t->n_seeds);
  aimc_free(ctx, t->mean);
  aimc_free(ctx, t->std);
  aimc_free(ctx, t->array_e_J);
  for (size_t i = 0; t->inst && i < t->n_inst; i++)
    aimc_free(ctx, t->inst[i].name);
  aimc_free(ctx, t->inst);
  aimc_free(ctx, t->name);
  aimc_free(ctx, t->source);
  memset(t, 0, sizeof *t);
}

double rtable_mean(const rtable *t, size_t i, int m) {
  return t->mean[i * AIMC_SWEEP_N_METRICS + (size_t)m];
}
double rtable_std(const rtable *t, size_t i, int m) {
  return t->std[i * AIMC_SWEEP_N_METRICS + (size_t)m];
}

int rtable_key(const rtable *t, const char *key) {
  for (size_t k = 0; key && k < t->n_keys; k++)
    if (strcmp(t->keys[k], key) == 0) return (int)k;
  return -1;
}

int rtable_number(const char *text, double *v) {
  for (int u = AIMC_U_NONE; u < AIMC_U_COUNT_; u++)
    if (aimc_unit_parse(text, (aimc_unit)u, v, NULL, 0) == AIMC_OK) return 0;
  return -1;
}

static int alloc_rows(aimc_ctx *ctx, rtable *t, size_t n_points,
                      size_t n_keys) {
  size_t cells = n_points * AIMC_SWEEP_N_METRICS;
  t->n_points = n_points;
  t->n_keys = n_keys;
  t->keys = aimc_calloc(ctx, n_keys ? n_keys : 1, sizeof *t->keys);
  size_t n_values = n_points * n_keys;
  t->values = aimc_calloc(ctx, n_values ? n_values : 1, sizeof *t->values);
  t->n_seeds = aimc_calloc(ctx, n_points ? n_points : 1, sizeof *t->n_seeds);
  t->mean = aimc_calloc(ctx, cells ? cells : 1, sizeof *t->mean);
  t->std = aimc_calloc(ctx, cells ? cells : 1, sizeof *t->std);
  if (!t->keys || !t->values || !t->n_seeds || !t->mean || !t->std)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory reading results");
  for (size_t c = 0; c < cells; c++) t->mean[c] = t->std[c] = NAN;
  return AIMC_OK;
}

static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int load_sweep(aimc_ctx *ctx, const cJSON *root, rtable *t) {
  const cJSON *varied = cJSON_GetObjectItemCaseSensitive(root, "varied");
  const cJSON *points = cJSON_GetObjectItemCaseSensitive(root, "points");
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
  if (!cJSON_IsArray(varied) || !cJSON_IsArray(points))
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: not a sweep results.json (no varied/points)",
                      t->source);
  size_t nk = (size_t)cJSON_GetArraySize(varied),
         np = (size_t)cJSON_GetArraySize(points);
  int rc = alloc_rows(ctx, t, np, nk);
  if (!rc && cJSON_IsString(name)) {
    aimc_free(ctx, t->name);
    if (!(t->name = aimc_strdup(ctx, name->valuestring)))
      rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  }
  for (size_t k = 0; !rc && k < nk; k++) {
    const cJSON *key = cJSON_GetArrayItem(varied, (int)k);
    if (!cJSON_IsString(key))
      return aimc_error(ctx, AIMC_EFORMAT, "%s: varied[%zu] is not a string",
                        t->source, k);
    if (!(t->keys[k] = aimc_strdup(ctx, key->valuestring)))
      rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  }
  for (size_t i = 0; !rc && i < np; i++) {
    const cJSON *p = cJSON_GetArrayItem(points, (int)i);
    const cJSON *settings = cJSON_GetObjectItemCaseSensitive(p, "settings");
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(p, "mean");
    const cJSON *std = cJSON_GetObjectItemCaseSensitive(p, "std");
    if (!cJSON_IsObject(settings) || !cJSON_IsObject(mean))
      return aimc_error(ctx, AIMC_EFORMAT, "%s: point %zu lacks settings/mean",
                        t->source, i);
    t->n_seeds[i] = num(p, "n_seeds");
    for (size_t k = 0; !rc && k < nk; k++) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(settings, t->keys[k]);
      if (!(t->values[i * nk + k] =
                aimc_strdup(ctx, cJSON_IsString(v) ? v->valuestring : "")))
        rc = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    }
    for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++) {
      t->mean[i * AIMC_SWEEP_N_METRICS + (size_t)m] =
          num(mean, aimc_sweep_metric_name(m));
      t->std[i * AIMC_SWEEP_N_METRICS + (size_t)m] =
          num(std, aimc_sweep_metric_name(m));
    }
  }
  return rc;
}

/* aimc.run/1 (sim/infer/results.c): one row. */
static int load_run(aimc_ctx *ctx, const cJSON *root, rtable *t) {
  int rc = alloc_rows(ctx, t, 1, 0);
  if (rc) return rc;
  static const struct {
    int metric;
    const char *section, *key;
  } MAP[] = {
      {AIMC_SWEEP_M_accuracy, NULL, "accuracy"},
      {AIMC_SWEEP_M_accuracy_float, NULL, "accuracy_float"},
      {AIMC_SWEEP_M_accuracy_quant, NULL, "accuracy_quant"},
      {AIMC_SWEEP_M_energy_J, "energy_J", "total"},
      {AIMC_SWEEP_M_e_dac_J, "energy_J", "dac"},
      {AIMC_SWEEP_M_e_array_J, "energy_J", "array"},
      {AIMC_SWEEP_M_e_tia_J, "energy_J", "tia"},
      {AIMC_SWEEP_M_e_adc_J, "energy_J", "adc"},
      {AIMC_SWEEP_M_e_register_J, "energy_J", "register"},
      {AIMC_SWEEP_M_e_digital_J, "energy_J", "digital"},
      {AIMC_SWEEP_M_e_buffer_J, "energy_J", "buffer"},
      {AIMC_SWEEP_M_e_static_J, "energy_J", "static"},
      {AIMC_SWEEP_M_latency_s, "latency", "seq_s"},
      {AIMC_SWEEP_M_throughput_inf_s, NULL, "throughput_inf_s"},
      {AIMC_SWEEP_M_n_arrays, "mapping", "arrays"},
      {AIMC_SWEEP_M_n_devices, "mapping", "devices_total"},
      {AIMC_SWEEP_M_n_dac, "mapping", "dacs"},
      {AIMC_SWEEP_M_n_adc, "mapping", "adcs"},
      {AIMC_SWEEP_M_program_time_s, "programming", "time_s"},
      {AIMC_SWEEP_M_program_energy_J, "programming", "energy_J"},
  };
  for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++) {
    const cJSON *o =
        MAP[i].section ? cJSON_GetObjectItemCaseSensitive(root, MAP[i].section)
                       : root;
    t->mean[MAP[i].metric] = num(o, MAP[i].key);
  }
  t->n_seeds[0] = 1;
  const cJSON *per = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(root, "energy_J"), "per_array");
  size_t na = cJSON_IsArray(per) ? (size_t)cJSON_GetArraySize(per) : 0;
  if (na && !(t->array_e_J = aimc_calloc(ctx, na, sizeof *t->array_e_J)))
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  for (size_t k = 0; k < na; k++) {
    const cJSON *v = cJSON_GetArrayItem(per, (int)k);
    t->array_e_J[k] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  }
  t->n_arrays = na;
  rc = report_instances_load(
      ctx,
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(root, "energy_J"), "per_instance"),
      t);
  if (rc) return rc;
  const cJSON *prog = cJSON_GetObjectItemCaseSensitive(root, "programming");
  const cJSON *hist = cJSON_GetObjectItemCaseSensitive(prog, "resid_hist");
  t->hist_bin_S = num(prog, "resid_bin_S");
  if (cJSON_IsArray(hist) && isfinite(t->hist_bin_S) && t->hist_bin_S > 0) {
    for (int b = 0; b < cJSON_GetArraySize(hist) && b < 16; b++) {
      const cJSON *v = cJSON_GetArrayItem(hist, b);
      t->hist[b] = cJSON_IsNumber(v) ? v->valuedouble : 0;
      t->n_hist = (size_t)b + 1;
    }
  }
  if (!isfinite(t->mean[AIMC_SWEEP_M_accuracy]) &&
      !isfinite(t->mean[AIMC_SWEEP_M_energy_J]))
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: an aimc.run/1 file without accuracy or energy",
                      t->source);
  return AIMC_OK;
}

int report_read_input(aimc_ctx *ctx, const char *path, char **data,
                      size_t *size) {
  struct stat sb;
  *data = NULL;
  if (stat(path, &sb) != 0)
    return aimc_error(ctx, AIMC_ENOTFOUND, "%s: no such file", path);
  /* A device or FIFO (/dev/zero) would be read forever. */
  if (!S_ISREG(sb.st_mode))
    return aimc_error(ctx, AIMC_EINVAL, "%s: not a regular file", path);
  return aimc_read_file(ctx, path, data, size);
}

int rtable_load(aimc_ctx *ctx, const char *path, rtable *t) {
  memset(t, 0, sizeof *t);
  char file[4096];
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    snprintf(file, sizeof file, "%s/results.json", path);
  else
    snprintf(file, sizeof file, "%s", path);
  char *text;
  int rc = aimc_input_read(ctx, file, NULL, 0, &text, NULL); /* missing: exit 2 */
  if (rc) return rc;
  cJSON *root = cJSON_Parse(text);
  aimc_free(ctx, text);
  if (!root) return aimc_error(ctx, AIMC_EFORMAT, "%s: not valid JSON", file);
  /* The name: the file's stem until the JSON says better. */
  const char *base = strrchr(path, '/');
  char stem[256];
  snprintf(stem, sizeof stem, "%s", base && base[1] ? base + 1 : path);
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem) *dot = '\0';
  t->source = aimc_strdup(ctx, file);
  t->name = aimc_strdup(ctx, stem);
  if (!t->source || !t->name) {
    cJSON_Delete(root);
    rtable_fini(ctx, t);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  }
  const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
  if (cJSON_IsString(schema) &&
      strncmp(schema->valuestring, "aimc.run/", 9) == 0) {
    rc = load_run(ctx, root, t);
  } else if (cJSON_GetObjectItemCaseSensitive(root, "points")) {
    t->is_sweep = 1;
    rc = load_sweep(ctx, root, t);
  } else {
    rc = aimc_error(ctx, AIMC_EFORMAT,
                    "%s: neither a sweep results.json nor an aimc.run/1 file",
                    file);
  }
  cJSON_Delete(root);
  if (rc) rtable_fini(ctx, t);
  return rc;
}

int rtable_add_train_csv(aimc_ctx *ctx, rtable *t, const char *path) {
  char *text;
  int rc = aimc_input_read(ctx, path, NULL, 0, &text, NULL);
  if (rc) return rc;
  int found = 0;
  for (char *line = text; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char mode[32];
    double sigma, seeds, acc;
    if (sscanf(line, "%31[^,],%lf,%lf,%lf", mode, &sigma, &seeds, &acc) == 4 &&
        sigma == 0) {
      int m = !strcmp(mode, "float")       ? AIMC_SWEEP_M_accuracy_float
              : !strcmp(mode, "quantized") ? AIMC_SWEEP_M_accuracy_quant
                                           : -1;
      for (size_t i = 0; m >= 0 && i < t->n_points; i++)
        t->mean[i * AIMC_SWEEP_N_METRICS + (size_t)m] = acc;
      found += m >= 0;
    }
    line = next;
  }
  aimc_free(ctx, text);
  return found ? AIMC_OK
               : aimc_error(ctx, AIMC_EFORMAT,
                            "%s: no float or quantized row "
                            "(mode,sigma_uS,seeds,accuracy,...)",
                            path);
}
