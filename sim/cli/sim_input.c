/* aimc sim --input: one inference of a mapped netlist, event by event.
 * The features of one sequence (a CSV file, one time step per line) drive
 * the netlist's external `features` net one vector per step; each step is
 * driven when the design has settled from the previous one (the kernel
 * has no event left), so a step takes the time its events take through
 * the design and steps never overlap. At the end the external `logits`
 * net holds the decoder's last output. */
#include "sim_input.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/units.h"

/* The net `name` driven from outside, or -1 with an error naming why. */
static int external_net(aimc_ctx *ctx, const aimc_design *d, const char *name, int want_driver) {
  for (size_t i = 0; i < d->n_net; i++) {
    if (strcmp(d->net[i].name, name)) continue;
    if (want_driver ? d->net[i].driver >= 0 : d->net[i].driver < 0)
      return (int)i;
    aimc_error_at(ctx, AIMC_EINVAL, &d->net[i].loc,
                  "aimc sim --input: net '%s' %s", name,
                  want_driver ? "has no driver (the decoder drives a mapped netlist's logits)"
                              : "is driven inside the netlist; --input drives it from outside");
    return -1;
  }
  aimc_error(ctx, AIMC_EINVAL,
             "%s: no net '%s': aimc sim --input runs a netlist written by 'aimc map' "
             "(its external nets are features and logits)",
             d->path, name);
  return -1;
}

/* One CSV line of exactly n finite numbers into row. */
static int parse_row(aimc_ctx *ctx, const char *file, int line, const char *s, int n,
                     double *row) {
  const char *p = s;
  for (int c = 0; c < n; c++) {
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    int col = (int)(p - s) + 1;
    if (end == p || errno == ERANGE)
      return aimc_error(ctx, AIMC_EPARSE, "%s:%d:%d: feature %d is not a number", file, line,
                        col, c + 1);
    if (!isfinite(v))
      return aimc_error(ctx, AIMC_EPARSE, "%s:%d:%d: feature %d is %g (not finite)", file,
                        line, col, c + 1, v);
    row[c] = v;
    p = end;
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (c + 1 < n && *p != ',')
      return aimc_error(ctx, AIMC_ESHAPE,
                        "%s:%d:%d: %d features in the line, the netlist's features net "
                        "has %d",
                        file, line, (int)(p - s) + 1, c + 1, n);
    if (c + 1 < n) p++;
  }
  if (*p)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "%s:%d:%d: more than %d features in the line (the netlist's "
                      "features net has %d)",
                      file, line, (int)(p - s) + 1, n, n);
  return AIMC_OK;
}

int aimc_cli_sim_read_csv(aimc_ctx *ctx, const char *file, int n, double **x, int *len) {
  *x = NULL, *len = 0;
  char *text = NULL;
  size_t size = 0;
  int st = aimc_read_text(ctx, file, "the input features", &text, &size);
  if (st) return st;
  int rows = 0, line = 0;
  for (size_t i = 0; i < size; i++) rows += text[i] == '\n';
  double *buf = aimc_malloc(ctx, sizeof(double) * (size_t)n * (size_t)(rows + 2));
  if (!buf) st = AIMC_ENOMEM;
  char *cursor = text, *s;
  int t = 0;
  while (!st && aimc_text_line(&cursor, &line, &s))
    st = parse_row(ctx, file, line, s, n, buf + (size_t)t++ * (size_t)n);
  if (!st && t == 0)
    st = aimc_error(ctx, AIMC_ESHAPE, "%s: no time step (one line of %d features per step)",
                    file, n);
  aimc_free(ctx, text);
  if (st) {
    aimc_free(ctx, buf);
    return st;
  }
  *x = buf, *len = t;
  return AIMC_OK;
}

int aimc_cli_sim_nets(aimc_ctx *ctx, const aimc_design *d, int *in, int *out) {
  *in = external_net(ctx, d, "features", 0);
  *out = *in < 0 ? -1 : external_net(ctx, d, "logits", 1);
  return *in < 0 || *out < 0 ? AIMC_EINVAL : AIMC_OK;
}

/* The single form's flush (aimc_infer_steps): a layer's read at t gives
 * y_{t-1}, so after the last input the sequence controller drives each
 * layer l in turn with one zero input word vector (aimc run's flush read,
 * u_len = 0) on l<l>_in, once the layer before has passed on its last
 * output; the layer's last output follows. A layer is single-form when
 * it has the u_{t-1} register (l<l>_u_prev). */
static int flush(aimc_engine *e, const aimc_design *d) {
  char name[32];
  int st = AIMC_OK;
  for (int l = 0; !st; l++) {
    snprintf(name, sizeof name, "l%d_u_prev", l);
    int reg = aimc_design_find_net(d, name);
    snprintf(name, sizeof name, "l%d_in", l);
    int net = aimc_design_find_net(d, name);
    if (reg < 0 || net < 0) break;
    double zero[4096] = {0};
    if (d->net[net].width > 4096) return AIMC_ESHAPE;
    st = aimc_engine_force_net(e, net, zero, 0);
    if (!st) st = aimc_engine_run(e);
  }
  return st;
}

int aimc_cli_sim_input(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d, const double *x,
                       int len, aimc_sim_result *r) {
  memset(r, 0, sizeof *r);
  int in, out;
  if (aimc_cli_sim_nets(ctx, d, &in, &out)) return AIMC_EINVAL;
  int n_in = d->net[in].width;
  aimc_kernel *k = aimc_engine_kernel(e);
  int st = AIMC_OK;
  for (int t = 0; t < len && !st; t++) {
    st = aimc_engine_drive_net(e, in, x + (size_t)t * (size_t)n_in, 0);
    if (!st) st = aimc_engine_run(e);
  }
  if (!st) st = flush(e, d);
  /* The sequence's end, where the netlist has it: the mean and the
   * decoder run once (as aimc run's on_decode). */
  int end = aimc_design_find_net(d, "seq_end");
  if (!st && end >= 0) {
    double zero[4096] = {0};
    st = d->net[end].width > 4096 ? AIMC_ESHAPE : aimc_engine_drive_net(e, end, zero, 0);
    if (!st) st = aimc_engine_run(e);
  }
  if (st) return st;
  r->n_out = d->net[out].width;
  r->logits = aimc_engine_net_value(e, out);
  r->pred = 0;
  for (int j = 1; j < r->n_out; j++)
    if (r->logits[j] > r->logits[r->pred]) r->pred = j;
  r->steps = len;
  r->t_fs = aimc_kernel_now(k);
  return AIMC_OK;
}

void aimc_cli_sim_print(aimc_engine *e, const aimc_sim_result *r) {
  char buf[64];
  printf("inference %d steps, %s simulated\n", r->steps,
         aimc_time_format(r->t_fs, buf, sizeof buf));
  printf("logits   ");
  for (int j = 0; j < r->n_out; j++) printf(" %.17g", r->logits[j]);
  printf("\npredicted class %d\n", r->pred);
  printf("energy per instance:\n");
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    aimc_inst *inst = aimc_engine_inst(e, i);
    double e_J = aimc_inst_energy(inst);
    if (e_J != 0.0)
      printf("  %-24s %s\n", aimc_inst_name(inst),
             aimc_unit_format(e_J, AIMC_U_JOULE, buf, sizeof buf));
  }
}

int aimc_cli_sim_write_json(aimc_ctx *ctx, aimc_engine *e, const aimc_sim_result *r,
                            const char *netlist, const char *input, const char *path) {
  cJSON *root = cJSON_CreateObject(), *lg = cJSON_CreateArray(), *en = cJSON_CreateObject();
  int ok = root && lg && en;
  if (ok) {
    cJSON_AddStringToObject(root, "schema", "aimc.sim/1");
    cJSON_AddStringToObject(root, "netlist", netlist);
    cJSON_AddStringToObject(root, "input", input);
    cJSON_AddNumberToObject(root, "steps", r->steps);
    cJSON_AddNumberToObject(root, "t_sim_s", aimc_time_to_s(r->t_fs));
    cJSON_AddNumberToObject(root, "predicted", r->pred);
    for (int j = 0; j < r->n_out; j++) cJSON_AddItemToArray(lg, cJSON_CreateNumber(r->logits[j]));
    cJSON_AddItemToObject(root, "logits", lg), lg = NULL;
    for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
      aimc_inst *inst = aimc_engine_inst(e, i);
      cJSON_AddNumberToObject(en, aimc_inst_name(inst), aimc_inst_energy(inst));
    }
    cJSON_AddNumberToObject(root, "energy_J", aimc_engine_energy_total(e));
    cJSON_AddItemToObject(root, "energy_per_instance_J", en), en = NULL;
  }
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  cJSON_Delete(lg);
  cJSON_Delete(en);
  if (!text) return aimc_error(ctx, AIMC_ENOMEM, "out of memory writing %s", path);
  size_t n = strlen(text);
  text[n] = '\n'; /* the NUL becomes the last line's end */
  int st = aimc_write_file_atomic(ctx, path, text, n + 1);
  cJSON_free(text);
  return st;
}
