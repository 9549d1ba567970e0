/* Writing inference results: JSON (schema "aimc.run/1", documented in
 * docs/energy-latency.md) and a CSV of per-sample predictions, both
 * atomically. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aimc/fileio.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "aimc/version.h"
#include "infer_internal.h"

static cJSON *energy_json(const aimc_infer_result *r) {
  cJSON *e = cJSON_CreateObject();
  for (int c = 0; c < AIMC_EC_COUNT_; c++)
    if (c != AIMC_EC_PROGRAMMING && c != AIMC_EC_DEVICE && c != AIMC_EC_OTHER)
      cJSON_AddNumberToObject(e, aimc_energy_class_name((aimc_energy_class)c),
                              r->e_inf_J[c]);
  cJSON_AddNumberToObject(e, "total", r->e_inf_total_J);
  cJSON *inst = cJSON_AddObjectToObject(e, "per_instance");
  for (size_t i = 0; i < r->n_inst; i++)
    cJSON_AddNumberToObject(inst, r->inst[i].name, r->inst[i].e_J);
  cJSON *arr = cJSON_AddArrayToObject(e, "per_array");
  for (size_t k = 0; k < r->n_arrays; k++)
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(r->e_array_J[k]));
  return e;
}

static cJSON *result_json(const aimc_infer_result *r) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "schema", "aimc.run/1");
  cJSON *man = cJSON_AddObjectToObject(j, "manifest");
  cJSON_AddStringToObject(man, "version", AIMC_VERSION);
  cJSON_AddStringToObject(man, "git", AIMC_GIT_HASH);
  char seed[24]; /* as text: a JSON number (a double) loses seeds > 2^53 */
  cJSON_AddStringToObject(man, "seed", aimc_seed_format(r->seed, seed, sizeof seed));
  char hx[32];
  snprintf(hx, sizeof hx, "%016llx", (unsigned long long)r->model_hash);
  cJSON_AddStringToObject(man, "model_hash", hx);
  snprintf(hx, sizeof hx, "%016llx", (unsigned long long)r->arch_hash);
  cJSON_AddStringToObject(man, "arch_hash", hx);
  cJSON_AddNumberToObject(j, "samples", (double)r->n_samples);
  cJSON_AddNumberToObject(j, "length", (double)r->length);
  cJSON_AddNumberToObject(j, "accuracy", r->accuracy);
  cJSON_AddItemToObject(j, "energy_J", energy_json(r));
  cJSON *lat = cJSON_AddObjectToObject(j, "latency");
  cJSON_AddNumberToObject(lat, "cycles_step", (double)r->cycles_step);
  cJSON_AddNumberToObject(lat, "cycles_seq", (double)r->cycles_seq);
  cJSON_AddNumberToObject(lat, "step_s", r->latency_step_s);
  cJSON_AddNumberToObject(lat, "seq_s", r->latency_seq_s);
  cJSON_AddNumberToObject(j, "throughput_inf_s", r->throughput_inf_s);
  cJSON_AddNumberToObject(j, "ops_inf", (double)r->ops_inf);
  cJSON_AddNumberToObject(j, "tops_per_w", r->tops_per_w);
  cJSON *map = cJSON_AddObjectToObject(j, "mapping");
  cJSON_AddNumberToObject(map, "arrays", (double)r->map.n_arrays);
  cJSON_AddNumberToObject(map, "devices_total", (double)r->map.devices_total);
  cJSON_AddNumberToObject(map, "devices_used", (double)r->map.devices_used);
  cJSON_AddNumberToObject(map, "utilisation", r->map.utilisation);
  cJSON_AddNumberToObject(map, "dacs", (double)r->map.n_dac);
  cJSON_AddNumberToObject(map, "tias", (double)r->map.n_tia);
  cJSON_AddNumberToObject(map, "adcs", (double)r->map.n_adc);
  cJSON_AddNumberToObject(map, "macs_per_step", (double)r->map.macs_per_step);
  cJSON *pg = cJSON_AddObjectToObject(j, "programming");
  cJSON_AddNumberToObject(pg, "devices", (double)r->prog.devices);
  cJSON_AddNumberToObject(pg, "pulses", (double)r->prog.pulses);
  cJSON_AddNumberToObject(pg, "time_s", r->prog.t_s);
  cJSON_AddNumberToObject(pg, "energy_J", r->prog.e_J);
  cJSON_AddNumberToObject(pg, "resid_mean_S", r->prog.resid_mean_S);
  cJSON_AddNumberToObject(pg, "resid_rms_S", r->prog.resid_rms_S);
  cJSON_AddNumberToObject(pg, "resid_max_S", r->prog.resid_max_S);
  cJSON_AddNumberToObject(pg, "resid_bin_S", r->prog.resid_bin_S);
  cJSON *h = cJSON_AddArrayToObject(pg, "resid_hist");
  for (int b = 0; b < 16; b++)
    cJSON_AddItemToArray(h, cJSON_CreateNumber((double)r->prog.resid_hist[b]));
  cJSON_AddNumberToObject(pg, "stuck", (double)r->prog.stuck);
  cJSON *sim = cJSON_AddObjectToObject(j, "simulation");
  cJSON_AddStringToObject(sim, "kernel", aimc_kernel_backend_name(r->backend));
  cJSON_AddNumberToObject(sim, "events", (double)r->events);
  cJSON_AddNumberToObject(sim, "wall_s", r->wall_s);
  cJSON_AddNumberToObject(sim, "t_sim_s", aimc_time_to_s(r->t_sim_fs));
  return j;
}

int aimc_infer_write_json(aimc_ctx *ctx, const aimc_infer_result *r,
                          const char *path) {
  cJSON *j = result_json(r);
  char *text = j ? cJSON_Print(j) : NULL;
  cJSON_Delete(j);
  if (!text) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (writing %s)", path);
  int st = aimc_write_file_atomic(ctx, path, text, strlen(text));
  cJSON_free(text);
  return st;
}

int aimc_infer_write_energy_csv(aimc_ctx *ctx, const aimc_infer_result *r,
                                const char *path) {
  aimc_atomic_file *f = NULL;
  int st = aimc_atomic_open(ctx, path, &f);
  if (st) return st;
  FILE *o = aimc_atomic_stream(f);
  fprintf(o, "instance,class,energy_J\n");
  for (size_t i = 0; i < r->n_inst; i++)
    fprintf(o, "%s,%s,%.17g\n", r->inst[i].name, aimc_energy_class_name(r->inst[i].eclass),
            r->inst[i].e_J);
  return aimc_atomic_commit(ctx, f);
}

int aimc_infer_write_csv(aimc_ctx *ctx, const aimc_infer_result *r,
                         const char *path) {
  aimc_atomic_file *f = NULL;
  int st = aimc_atomic_open(ctx, path, &f);
  if (st) return st;
  FILE *o = aimc_atomic_stream(f);
  fprintf(o, "sample,label,pred,correct");
  if (r->logits)
    for (size_t c = 0; c < r->n_classes; c++) fprintf(o, ",logit%zu", c);
  fputc('\n', o);
  for (size_t s = 0; s < r->n_samples; s++) {
    fprintf(o, "%zu,%d,%d,%d", s, r->label[s], r->pred[s], r->label[s] == r->pred[s]);
    if (r->logits)
      for (size_t c = 0; c < r->n_classes; c++)
        fprintf(o, ",%.17g", r->logits[s * r->n_classes + c]);
    fputc('\n', o);
  }
  return aimc_atomic_commit(ctx, f);
}
