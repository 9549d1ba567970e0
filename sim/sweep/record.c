/* Run records: the committed result of one (point, seed) run, one small JSON
 * file each, written atomically so that a file that exists is complete.
 * Metrics print with cJSON's round-trip precision, so reading a record back
 * gives the very doubles the evaluator produced. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "sweep_impl.h"

void sweep_record_path(char *buf, size_t len, const char *out_dir, size_t point,
                       unsigned seed_index) {
  snprintf(buf, len, "%s/runs/p%05zu_s%03u.json", out_dir, point, seed_index);
}

static void hash_text(char *buf, size_t len, uint64_t h) {
  snprintf(buf, len, "%016" PRIx64, h);
}

int sweep_record_write(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                       const char *out_dir, const aimc_sweep_point *pt,
                       const aimc_sweep_result *res, int session,
                       double wall_s) {
  char text[64], path[4096];
  cJSON *root = cJSON_CreateObject(), *settings, *metrics;
  int ok = root != NULL;
  hash_text(text, sizeof text, aimc_sweep_spec_hash(spec));
  ok = ok && cJSON_AddStringToObject(root, "spec_hash", text);
  ok = ok && cJSON_AddNumberToObject(root, "point", (double)pt->index);
  ok = ok && cJSON_AddNumberToObject(root, "seed_index", pt->seed_index);
  snprintf(text, sizeof text, "%" PRIu64, pt->seed); /* > 2^53: as text */
  ok = ok && cJSON_AddStringToObject(root, "seed", text);
  ok = ok && cJSON_AddNumberToObject(root, "session", session);
  ok = ok && cJSON_AddNumberToObject(root, "wall_s", wall_s);
  ok = ok && (settings = cJSON_AddObjectToObject(root, "settings"));
  for (size_t k = 0; ok && k < aimc_sweep_spec_n_keys(spec); k++)
    ok = cJSON_AddStringToObject(settings, aimc_sweep_spec_key(spec, k),
                                 aimc_sweep_spec_value(spec, pt->index, k)) !=
         NULL;
  ok = ok && (metrics = cJSON_AddObjectToObject(root, "metrics"));
  for (int m = 0; ok && m < AIMC_SWEEP_N_METRICS; m++)
    if (isfinite(res->m[m]))
      ok = cJSON_AddNumberToObject(metrics, aimc_sweep_metric_name(m),
                                   res->m[m]) != NULL;
  char *json = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!json)
    return aimc_error(ctx, AIMC_ENOMEM,
                      "sweep: out of memory writing a run record");
  sweep_record_path(path, sizeof path, out_dir, pt->index, pt->seed_index);
  int rc = aimc_write_file_atomic(ctx, path, json, strlen(json));
  cJSON_free(json);
  return rc;
}

int sweep_record_read(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                      const char *out_dir, size_t point, unsigned seed_index,
                      sweep_record *rec) {
  char path[4096], want[32];
  sweep_record_path(path, sizeof path, out_dir, point, seed_index);
  FILE *probe = fopen(path, "rb");
  if (!probe) return AIMC_ENOTFOUND;
  fclose(probe);
  char *text;
  int rc = aimc_read_file(ctx, path, &text, NULL);
  if (rc) return rc;
  cJSON *root = cJSON_Parse(text);
  aimc_free(ctx, text);
  hash_text(want, sizeof want, aimc_sweep_spec_hash(spec));
  const cJSON *hash = cJSON_GetObjectItemCaseSensitive(root, "spec_hash");
  const cJSON *pidx = cJSON_GetObjectItemCaseSensitive(root, "point");
  const cJSON *sidx = cJSON_GetObjectItemCaseSensitive(root, "seed_index");
  const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
  const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
  if (!cJSON_IsString(hash) || !cJSON_IsNumber(pidx) || !cJSON_IsNumber(sidx) ||
      !cJSON_IsString(seed) || !cJSON_IsObject(metrics)) {
    cJSON_Delete(root);
    return aimc_error(ctx, AIMC_EFORMAT, "%s: not a sweep run record", path);
  }
  if (strcmp(hash->valuestring, want) != 0 ||
      (size_t)pidx->valuedouble != point ||
      (unsigned)sidx->valuedouble != seed_index) {
    cJSON_Delete(root);
    return aimc_error(
        ctx, AIMC_EFORMAT,
        "%s: belongs to another sweep (spec hash %s, expected %s)", path,
        hash->valuestring, want);
  }
  rec->point = point;
  rec->seed_index = seed_index;
  rec->seed = strtoull(seed->valuestring, NULL, 10);
  for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++) {
    const cJSON *v =
        cJSON_GetObjectItemCaseSensitive(metrics, aimc_sweep_metric_name(m));
    rec->res.m[m] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  }
  cJSON_Delete(root);
  return AIMC_OK;
}
