/* probe: a testbench observer. Records (time, vector) each time its digital
 * input `in` [n] takes a new value; the records are read through
 * aimc/probe.h and may be written as CSV (`file:`). No physics. */
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/model.h"
#include "aimc/probe.h"
#include "aimc/status.h"

typedef struct {
  int n;
  char file[AIMC_PARAM_STRLEN];
} probe_params;

/* Records are rows of 1 + n doubles (time in fs as a double is exact up
 * to 2^53 fs = 9 s, far beyond a simulation). The buffer doubles when full;
 * the old one stays in the instance's arena until reset. */
typedef struct {
  double *rows;
  size_t count, cap;
} probe_state;

static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(probe_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Width of the input vector.", "testbench", NULL, NULL},
    {"file", AIMC_PT_STRING, offsetof(probe_params, file), 0, 0, 0, AIMC_U_NONE,
     "CSV file the records are written to at the end of a run (empty: none).",
     "testbench", NULL, ""},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n", "The observed vectors.", 0},
};

static int on_input(aimc_inst *inst, int port) {
  const probe_params *p = aimc_inst_params(inst);
  probe_state *s = aimc_inst_state(inst);
  size_t row = 1 + (size_t)p->n;
  if (s->count == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    double *rows = aimc_inst_alloc(inst, cap * row * sizeof *rows);
    if (!rows) return aimc_error(aimc_inst_ctx(inst), AIMC_ENOMEM, "probe: out of memory");
    if (s->count) memcpy(rows, s->rows, s->count * row * sizeof *rows);
    s->rows = rows;
    s->cap = cap;
  }
  double *r = s->rows + s->count++ * row;
  r[0] = (double)aimc_inst_now(inst);
  memcpy(r + 1, aimc_inst_in(inst, port), (size_t)p->n * sizeof *r);
  return AIMC_OK;
}

const aimc_model aimc_model_probe = {
    .name = "probe",
    .summary = "testbench observer: records the vectors arriving on its input",
    .source = "testbench (no physical model)",
    .eclass = AIMC_EC_OTHER,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(probe_params),
    .ports = PORTS,
    .n_ports = 1,
    .state_size = sizeof(probe_state),
    .on_input = on_input,
};

int aimc_probe_is(const aimc_inst *inst) { return aimc_inst_model(inst) == &aimc_model_probe; }

size_t aimc_probe_count(aimc_inst *inst) {
  return aimc_probe_is(inst) ? ((probe_state *)aimc_inst_state(inst))->count : 0;
}

int aimc_probe_width(aimc_inst *inst) {
  return aimc_probe_is(inst) ? ((const probe_params *)aimc_inst_params(inst))->n : 0;
}

int aimc_probe_record(aimc_inst *inst, size_t i, aimc_time *t_fs, const double **values) {
  if (i >= aimc_probe_count(inst)) return AIMC_ERANGE;
  probe_state *s = aimc_inst_state(inst);
  const double *r = s->rows + i * (1 + (size_t)aimc_probe_width(inst));
  if (t_fs) *t_fs = (aimc_time)r[0];
  if (values) *values = r + 1;
  return AIMC_OK;
}

int aimc_probe_write_csv(aimc_ctx *ctx, aimc_inst *inst, const char *path) {
  if (!aimc_probe_is(inst))
    return aimc_error(ctx, AIMC_EINVAL, "%s is not a probe", aimc_inst_name(inst));
  aimc_atomic_file *f;
  int rc = aimc_atomic_open(ctx, path, &f);
  if (rc) return rc;
  FILE *fp = aimc_atomic_stream(f);
  int n = aimc_probe_width(inst);
  fprintf(fp, "t_s");
  for (int k = 0; k < n; k++) fprintf(fp, ",v%d", k);
  fputc('\n', fp);
  for (size_t i = 0; i < aimc_probe_count(inst); i++) {
    aimc_time t = 0;
    const double *v = NULL;
    aimc_probe_record(inst, i, &t, &v); /* i < count: cannot fail */
    fprintf(fp, "%.15g", aimc_time_to_s(t));
    for (int k = 0; k < n; k++) fprintf(fp, ",%.17g", v[k]);
    fputc('\n', fp);
  }
  return aimc_atomic_commit(ctx, f);
}

int aimc_probe_write_all(aimc_ctx *ctx, aimc_engine *e, size_t *written) {
  if (written) *written = 0;
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    aimc_inst *inst = aimc_engine_inst(e, i);
    if (!aimc_probe_is(inst)) continue;
    const probe_params *p = aimc_inst_params(inst);
    if (!*p->file) continue;
    int rc = aimc_probe_write_csv(ctx, inst, p->file);
    if (rc) return rc;
    if (written) ++*written;
  }
  return AIMC_OK;
}
