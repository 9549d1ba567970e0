/* The results table: every committed run of a sweep, aggregated per point
 * (mean and sample standard deviation over the seeds), as results.csv and
 * results.json. Only committed runs enter, in point and seed order, and no
 * timing does, so the table is the same however the runs were spread. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "sweep_impl.h"

typedef struct {
  size_t n;           /* committed runs of this point          */
  sweep_record *runs; /* n_seeds slots, the first n filled     */
  double mean[AIMC_SWEEP_N_METRICS], std[AIMC_SWEEP_N_METRICS];
} point_row;

/* Mean and sample std (n - 1) of the finite values; NaN when none. */
static void aggregate(point_row *row) {
  for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++) {
    /* Summing offsets from the first value keeps the mean of equal values
     * exact (and their std exactly 0). */
    double first = NAN, sum = 0, sq = 0;
    size_t k = 0;
    for (size_t i = 0; i < row->n; i++)
      if (isfinite(row->runs[i].res.m[m])) {
        if (!k++) first = row->runs[i].res.m[m];
        sum += row->runs[i].res.m[m] - first;
      }
    double mean = k ? first + sum / (double)k : NAN;
    for (size_t i = 0; i < row->n; i++)
      if (isfinite(row->runs[i].res.m[m])) {
        double e = row->runs[i].res.m[m] - mean;
        sq += e * e;
      }
    row->mean[m] = mean;
    row->std[m] = k > 1 ? sqrt(sq / (double)(k - 1)) : (k ? 0.0 : NAN);
  }
}

/* A metric gets columns when some run measured it. */
static void used_metrics(const point_row *rows, size_t n, int *used) {
  for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++) {
    used[m] = 0;
    for (size_t i = 0; i < n && !used[m]; i++)
      used[m] = isfinite(rows[i].mean[m]);
  }
}

/* RFC 4180 field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *text) {
  if (!strpbrk(text, ",\"\n\r")) {
    fputs(text, f);
    return;
  }
  fputc('"', f);
  for (const char *c = text; *c; c++) {
    if (*c == '"') fputc('"', f);
    fputc(*c, f);
  }
  fputc('"', f);
}

static void csv_number(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, ",%.17g", v);
  else
    fputc(',', f);
}

static int write_csv(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                     const char *path, const point_row *rows, const int *used) {
  aimc_atomic_file *af;
  int rc = aimc_atomic_open(ctx, path, &af);
  if (rc) return rc;
  FILE *f = aimc_atomic_stream(af);
  size_t n_keys = aimc_sweep_spec_n_keys(spec);
  fputs("point", f);
  for (size_t k = 0; k < n_keys; k++)
    if (aimc_sweep_spec_key_varies(spec, k)) {
      fputc(',', f);
      csv_field(f, aimc_sweep_spec_key(spec, k));
    }
  fputs(",n_seeds", f);
  for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++)
    if (used[m])
      fprintf(f, ",%s_mean,%s_std", aimc_sweep_metric_name(m),
              aimc_sweep_metric_name(m));
  fputc('\n', f);
  for (size_t i = 0; i < aimc_sweep_spec_n_points(spec); i++) {
    if (rows[i].n == 0) continue;
    fprintf(f, "%zu", i);
    for (size_t k = 0; k < n_keys; k++)
      if (aimc_sweep_spec_key_varies(spec, k)) {
        fputc(',', f);
        csv_field(f, aimc_sweep_spec_value(spec, i, k));
      }
    fprintf(f, ",%zu", rows[i].n);
    for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++)
      if (used[m]) {
        csv_number(f, rows[i].mean[m]);
        csv_number(f, rows[i].std[m]);
      }
    fputc('\n', f);
  }
  return aimc_atomic_commit(ctx, af);
}

/* {"name": value, ...} of the used metrics; NaN becomes null. */
static cJSON *metric_object(const double *v, const int *used) {
  cJSON *o = cJSON_CreateObject();
  for (int m = 0; o && m < AIMC_SWEEP_N_METRICS; m++)
    if (used[m]) {
      cJSON *x = isfinite(v[m]) ? cJSON_CreateNumber(v[m]) : cJSON_CreateNull();
      if (!x || !cJSON_AddItemToObject(o, aimc_sweep_metric_name(m), x)) {
        cJSON_Delete(x);
        cJSON_Delete(o);
        return NULL;
      }
    }
  return o;
}

static cJSON *point_json(const aimc_sweep_spec *spec, size_t i,
                         const point_row *row, const int *used) {
  char seed[32];
  cJSON *p = cJSON_CreateObject(), *settings, *runs;
  int ok = p && cJSON_AddNumberToObject(p, "point", (double)i) &&
           (settings = cJSON_AddObjectToObject(p, "settings")) &&
           cJSON_AddNumberToObject(p, "n_seeds", (double)row->n);
  for (size_t k = 0; ok && k < aimc_sweep_spec_n_keys(spec); k++)
    ok = cJSON_AddStringToObject(settings, aimc_sweep_spec_key(spec, k),
                                 aimc_sweep_spec_value(spec, i, k)) != NULL;
  ok = ok && cJSON_AddItemToObject(p, "mean", metric_object(row->mean, used));
  ok = ok && cJSON_AddItemToObject(p, "std", metric_object(row->std, used));
  ok = ok && (runs = cJSON_AddArrayToObject(p, "runs"));
  for (size_t r = 0; ok && r < row->n; r++) {
    cJSON *run = metric_object(row->runs[r].res.m, used);
    snprintf(seed, sizeof seed, "%" PRIu64, row->runs[r].seed);
    ok = run &&
         cJSON_AddNumberToObject(run, "seed_index", row->runs[r].seed_index) &&
         cJSON_AddStringToObject(run, "seed", seed);
    if (!ok || !cJSON_AddItemToArray(runs, run)) {
      cJSON_Delete(run);
      ok = 0;
    }
  }
  if (!ok) {
    cJSON_Delete(p);
    return NULL;
  }
  return p;
}

static int write_json(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                      const char *path, const point_row *rows,
                      const int *used) {
  char hex[32];
  snprintf(hex, sizeof hex, "%016" PRIx64, aimc_sweep_spec_hash(spec));
  cJSON *root = cJSON_CreateObject(), *keys, *metrics, *points;
  int ok =
      root &&
      cJSON_AddStringToObject(root, "name", aimc_sweep_spec_name(spec)) &&
      cJSON_AddStringToObject(root, "spec_hash", hex) &&
      cJSON_AddStringToObject(root, "evaluator",
                              aimc_sweep_spec_evaluator(spec)) &&
      cJSON_AddNumberToObject(root, "n_seeds", aimc_sweep_spec_n_seeds(spec)) &&
      (keys = cJSON_AddArrayToObject(root, "varied")) &&
      (metrics = cJSON_AddArrayToObject(root, "metrics")) &&
      (points = cJSON_AddArrayToObject(root, "points"));
  for (size_t k = 0; ok && k < aimc_sweep_spec_n_keys(spec); k++)
    if (aimc_sweep_spec_key_varies(spec, k))
      ok = cJSON_AddItemToArray(
          keys, cJSON_CreateString(aimc_sweep_spec_key(spec, k)));
  for (int m = 0; ok && m < AIMC_SWEEP_N_METRICS; m++)
    if (used[m]) {
      cJSON *d = cJSON_CreateObject();
      ok = d && cJSON_AddStringToObject(d, "name", aimc_sweep_metric_name(m)) &&
           cJSON_AddStringToObject(d, "unit", aimc_sweep_metric_unit(m)) &&
           cJSON_AddStringToObject(d, "doc", aimc_sweep_metric_doc(m)) &&
           cJSON_AddItemToArray(metrics, d);
      if (!ok) cJSON_Delete(d);
    }
  for (size_t i = 0; ok && i < aimc_sweep_spec_n_points(spec); i++)
    if (rows[i].n)
      ok = cJSON_AddItemToArray(points, point_json(spec, i, &rows[i], used));
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory writing %s", path);
  int rc = aimc_write_file_atomic(ctx, path, text, strlen(text));
  cJSON_free(text);
  return rc;
}

int aimc_sweep_write_table(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                           const char *out_dir) {
  size_t n_points = aimc_sweep_spec_n_points(spec);
  unsigned n_seeds = aimc_sweep_spec_n_seeds(spec);
  point_row *rows = aimc_calloc(ctx, n_points ? n_points : 1, sizeof *rows);
  size_t n_runs = n_points * n_seeds;
  sweep_record *recs = aimc_calloc(ctx, n_runs ? n_runs : 1, sizeof *recs);
  int rc = rows && recs ? AIMC_OK
                        : aimc_error(ctx, AIMC_ENOMEM,
                                     "sweep: out of memory writing the table");
  for (size_t i = 0; !rc && i < n_points; i++) {
    rows[i].runs = recs + i * n_seeds;
    for (unsigned s = 0; !rc && s < n_seeds; s++) {
      rc =
          sweep_record_read(ctx, spec, out_dir, i, s, &rows[i].runs[rows[i].n]);
      if (rc == AIMC_ENOTFOUND)
        rc = AIMC_OK;
      else if (!rc)
        rows[i].n++;
    }
    aggregate(&rows[i]);
  }
  int used[AIMC_SWEEP_N_METRICS];
  char path[4096];
  if (!rc) {
    used_metrics(rows, n_points, used);
    snprintf(path, sizeof path, "%s/results.csv", out_dir);
    rc = write_csv(ctx, spec, path, rows, used);
  }
  if (!rc) {
    snprintf(path, sizeof path, "%s/results.json", out_dir);
    rc = write_json(ctx, spec, path, rows, used);
  }
  aimc_free(ctx, rows);
  aimc_free(ctx, recs);
  return rc;
}
