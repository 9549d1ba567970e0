/* source: a testbench stimulus. Drives a list of vectors on its digital
 * output `out` [n], one every `period` starting at `start`, optionally
 * cycling `repeat` times. Vectors come inline (`values: "1 2; 3 4"`) or
 * from a CSV file (one vector per line). No physics: no energy, no delay
 * beyond the schedule it is given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/input.h"
#include "aimc/model.h"
#include "aimc/status.h"

typedef struct {
  int n;
  char values[AIMC_PARAM_STRLEN];
  char file[AIMC_PARAM_STRLEN];
  aimc_time period;
  aimc_time start;
  int repeat;
} source_params;

typedef struct {
  double *vectors; /* rows x n */
  size_t rows;
  size_t next;     /* index of the next vector over all repetitions */
} source_state;

static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(source_params, n), 1, 1, 1 << 20, AIMC_U_NONE,
     "Width of the output vector.", "testbench", NULL, NULL},
    {"values", AIMC_PT_STRING, offsetof(source_params, values), 0, 0, 0, AIMC_U_NONE,
     "Vectors to drive: n numbers separated by spaces or commas, vectors "
     "separated by ';'.", "testbench", NULL, ""},
    {"file", AIMC_PT_STRING, offsetof(source_params, file), 0, 0, 0, AIMC_U_NONE,
     "CSV file of vectors (one per line, n numbers; '#' starts a comment), "
     "used instead of values.", "testbench", NULL, ""},
    {"period", AIMC_PT_TIME, offsetof(source_params, period), 10e-9, 1e-15, 1, AIMC_U_SECOND,
     "Time between successive vectors (> 0: vectors at one time would overwrite "
     "each other).", "testbench", NULL, NULL},
    {"start", AIMC_PT_TIME, offsetof(source_params, start), 0, 0, 1, AIMC_U_SECOND,
     "Time of the first vector.", "testbench", NULL, NULL},
    {"repeat", AIMC_PT_INT, offsetof(source_params, repeat), 1, 1, 1000000000, AIMC_U_NONE,
     "How many times the whole list of vectors is driven.", "testbench", NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "The vectors, one per period.", 0},
};

/* Parses rows of n numbers (rows end at `row_end`, or newline for files;
 * '#' comments to end of line). Counts rows when out is NULL. Returns 0 or
 * writes a message naming the row. */
static int parse_rows(const char *text, int n, char row_end, double *out, size_t *rows,
                      char *err, size_t errlen) {
  size_t r = 0;
  const char *p = text;
  while (*p) {
    int k = 0, blank = 1;
    while (*p && *p != row_end) {
      if (*p == '#') {
        while (*p && *p != '\n') p++;
        continue;
      }
      if (strchr(" \t\r,", *p) || (row_end != '\n' && *p == '\n')) {
        p++;
        continue;
      }
      const char *end;
      double v;
      if (aimc_decimal_parse(p, &v, &end)) { /* decimals only: no nan, inf, hex */
        snprintf(err, errlen, "vector %zu: '%.20s' is not a finite decimal number", r + 1, p);
        return AIMC_EPARSE;
      }
      if (k < n && out) out[r * (size_t)n + (size_t)k] = v;
      k++;
      blank = 0;
      p = end;
    }
    if (*p) p++;
    if (blank) continue;
    if (k != n) {
      snprintf(err, errlen, "vector %zu has %d numbers, expected n = %d", r + 1, k, n);
      return AIMC_ESHAPE;
    }
    r++;
  }
  *rows = r;
  return AIMC_OK;
}

static int validate(const void *params, char *err, size_t errlen) {
  const source_params *p = params;
  if (!*p->values == !*p->file) {
    snprintf(err, errlen, "give exactly one of values: or file:");
    return AIMC_EINVAL;
  }
  if (!*p->values) return AIMC_OK;
  size_t rows;
  char why[200];
  int rc = parse_rows(p->values, p->n, ';', NULL, &rows, why, sizeof why);
  if (rc) {
    snprintf(err, errlen, "values: %s", why);
    return rc;
  }
  if (rows == 0) {
    snprintf(err, errlen, "values: no vectors");
    return AIMC_EINVAL;
  }
  return AIMC_OK;
}

static int load_rows(aimc_inst *inst, const source_params *p, source_state *s) {
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  char *text = NULL;
  const char *src = p->values;
  char row_end = ';';
  if (!*src) {
    int rc = aimc_input_read(ctx, p->file, NULL, 0, &text, NULL); /* exit 2 if missing */
    if (rc) return rc;
    src = text;
    row_end = '\n';
  }
  char why[200];
  int rc = parse_rows(src, p->n, row_end, NULL, &s->rows, why, sizeof why);
  if (!rc && s->rows == 0) rc = AIMC_EINVAL, snprintf(why, sizeof why, "no vectors");
  if (!rc) {
    s->vectors = aimc_inst_alloc(inst, s->rows * (size_t)p->n * sizeof(double));
    if (!s->vectors) rc = AIMC_ENOMEM, snprintf(why, sizeof why, "out of memory");
  }
  if (!rc) rc = parse_rows(src, p->n, row_end, s->vectors, &s->rows, why, sizeof why);
  aimc_free(ctx, text);
  if (rc) return aimc_error(ctx, rc, "%s: %s", *p->values ? "values" : p->file, why);
  return AIMC_OK;
}

static int init(aimc_inst *inst) {
  const source_params *p = aimc_inst_params(inst);
  source_state *s = aimc_inst_state(inst);
  int rc = load_rows(inst, p, s);
  if (rc) return rc;
  s->next = 0;
  return aimc_inst_schedule(inst, p->start, 0, 0);
}

static int on_event(aimc_inst *inst, uint32_t tag, uint64_t data) {
  (void)tag;
  (void)data;
  const source_params *p = aimc_inst_params(inst);
  source_state *s = aimc_inst_state(inst);
  size_t total = s->rows * (size_t)p->repeat;
  if (s->next >= total) return AIMC_OK;
  const double *v = s->vectors + (s->next % s->rows) * (size_t)p->n;
  memcpy(aimc_inst_out(inst, 0), v, (size_t)p->n * sizeof *v);
  int rc = aimc_inst_drive(inst, 0, 0);
  if (rc) return rc;
  if (++s->next < total) return aimc_inst_schedule(inst, p->period, 0, 0);
  return AIMC_OK;
}

const aimc_model aimc_model_source = {
    .name = "source",
    .summary = "testbench stimulus: drives given vectors at given times",
    .source = "testbench (no physical model)",
    .eclass = AIMC_EC_OTHER,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(source_params),
    .ports = PORTS,
    .n_ports = 1,
    .state_size = sizeof(source_state),
    .validate = validate,
    .init = init,
    .on_event = on_event,
};
