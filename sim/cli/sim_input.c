/* aimc sim --input: one inference of a mapped netlist, event by event.
 * The features of one sequence (a CSV file, one time step per line) drive
 * the netlist's external `features` net one vector per step. Without a
 * clock each step is driven when the design has settled from the previous
 * one; with one (a netlist of aimc map) the instances' drives land on its
 * edges and the steps on a step clock (the longest step, found by a
 * self-timed first pass), as aimc run schedules them. At the end the
 * external `logits` net holds the decoder's last output; the arrays'
 * static power and the buffers are booked from the netlist's arch. */
#include "sim_input.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/map.h"
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

/* A mapped netlist's arrays: its tiles' crossbars ("<array>.xbar"). */
static int is_array_xbar(const char *name, size_t *len) {
  const char *dot = strchr(name, '.');
  *len = dot ? (size_t)(dot - name) : 0;
  return dot && !strcmp(dot, ".xbar");
}

/* One pass over the sequence: step k driven at k x t_step (t_step 0: as
 * soon as the design has settled from the step before), then each
 * single-form layer's flush as a step of its own, then seq_end. *longest:
 * the longest step's time from its drive to its settling. */
/* The longest stage of the step that started at t0 and settled now: the
 * times between its boundaries, the layers' inputs l<l>_in driven in it
 * (what a pipelined arch registers between the encoder and the layers). */
static aimc_time longest_stage(aimc_engine *e, const aimc_design *d, aimc_time t0) {
  aimc_time prev = t0, worst = 0;
  char name[32];
  for (int l = 0;; l++) {
    snprintf(name, sizeof name, "l%d_in", l);
    int net = aimc_design_find_net(d, name);
    if (net < 0) break;
    aimc_time t = aimc_engine_net_driven(e, net);
    if (t < t0) continue;
    if (t - prev > worst) worst = t - prev;
    prev = t;
  }
  aimc_time now = aimc_kernel_now(aimc_engine_kernel(e));
  return now - prev > worst ? now - prev : worst;
}

static int pass(aimc_engine *e, const aimc_design *d, int in, const double *x, int len,
                aimc_time t_step, aimc_time *longest, aimc_time *stage, int *steps) {
  aimc_kernel *k = aimc_engine_kernel(e);
  int n_in = d->net[in].width, st = AIMC_OK, s = 0;
  *longest = *stage = 0;
  char name[32];
  double zero[4096] = {0};
  for (int l = -len; !st; l++, s++) {
    int net = in;
    if (l >= 0) {
      /* The single form's flush (aimc_infer_steps): a layer's read at t
       * gives y_{t-1}, so after the last input the sequence controller
       * drives each layer l in turn with one zero input word vector
       * (aimc run's flush read, u_len = 0) on l<l>_in, once the layer
       * before has passed on its last output. A layer is single-form
       * when it has the u_{t-1} register (l<l>_u_prev). */
      snprintf(name, sizeof name, "l%d_u_prev", l);
      int reg = aimc_design_find_net(d, name);
      snprintf(name, sizeof name, "l%d_in", l);
      net = aimc_design_find_net(d, name);
      if (reg < 0 || net < 0) break;
      if (d->net[net].width > 4096) return AIMC_ESHAPE;
    }
    aimc_time now = aimc_kernel_now(k), at = (aimc_time)s * t_step;
    aimc_time delay = at > now ? at - now : 0;
    st = l < 0 ? aimc_engine_drive_net(e, net, x + (size_t)(l + len) * (size_t)n_in, delay)
               : aimc_engine_force_net(e, net, zero, delay);
    if (!st) st = aimc_engine_run(e);
    if (aimc_kernel_now(k) - (now + delay) > *longest) *longest = aimc_kernel_now(k) - (now + delay);
    aimc_time worst = longest_stage(e, d, now + delay);
    if (worst > *stage) *stage = worst;
  }
  *steps = s;
  /* The sequence's end, where the netlist has it: the mean and the
   * decoder run once (as aimc run's on_decode), at the step clock's next
   * edge. */
  int end = aimc_design_find_net(d, "seq_end");
  if (!st && end >= 0) {
    aimc_time now = aimc_kernel_now(k), at = (aimc_time)s * t_step;
    st = d->net[end].width > 4096
             ? AIMC_ESHAPE
             : aimc_engine_drive_net(e, end, zero, at > now ? at - now : 0);
    if (!st) st = aimc_engine_run(e);
  }
  return st;
}

/* A pipelined arch (aimc run's wavefront, aimc_infer_wavefront): the
 * encoder's output and each layer's input l<l>_in are registers on the
 * step clock (period t_step: the longest stage), so the encoder and the
 * layers work on different steps at once: x_s enters at s t_step, the
 * encoder's output one step later, each layer's output lag + 1 steps
 * after its input (lag 1 in the single form: its read at t gives
 * y_{t-1}); each single-form layer's flush read (a zero input) at the
 * step aimc run gives it, seq_end after the last step. */
static int pass_pipelined(aimc_engine *e, const aimc_design *d, int in, const double *x,
                          int len, aimc_time t_step, int *steps) {
  char name[32];
  int lin[256], layers = 0, single = aimc_design_find_net(d, "l0_u_prev") >= 0;
  for (; layers < 256; layers++) {
    snprintf(name, sizeof name, "l%d_in", layers);
    if ((lin[layers] = aimc_design_find_net(d, name)) < 0) break;
    if (d->net[lin[layers]].width > 4096) return AIMC_ESHAPE;
    aimc_engine_set_step_reg(e, lin[layers], 1);
  }
  aimc_engine_set_step(e, t_step);
  int lag = single, enc_lag = 1, layer_lag = lag + 1, n_in = d->net[in].width, st = AIMC_OK;
  int S = len + lag + enc_lag + (layers > 0 ? layers - 1 : 0) * layer_lag;
  double zero[4096] = {0};
  for (int s = 0; s < S && !st; s++) {
    st = aimc_engine_run_until(e, (aimc_time)s * t_step);
    if (!st && s < len) st = aimc_engine_drive_net(e, in, x + (size_t)s * (size_t)n_in, 0);
    for (int l = 0; single && l < layers && !st; l++)
      if (s == len + enc_lag + l * layer_lag) st = aimc_engine_force_net(e, lin[l], zero, 0);
  }
  if (!st) st = aimc_engine_run_until(e, (aimc_time)S * t_step);
  int end = aimc_design_find_net(d, "seq_end");
  if (!st && end >= 0)
    st = d->net[end].width > 4096 ? AIMC_ESHAPE : aimc_engine_drive_net(e, end, zero, 0);
  if (!st) st = aimc_engine_run(e);
  *steps = S;
  return st;
}

/* Static power and buffers from the netlist's arch (meta: arch): 0 when
 * the netlist records none. */
static int load_arch(aimc_ctx *ctx, const aimc_design *d, aimc_arch *a) {
  aimc_map_meta meta;
  if (!d->path || aimc_map_read_meta(ctx, d->path, &meta) || aimc_arch_load(ctx, meta.arch, a)) {
    aimc_ctx_clear_error(ctx);
    return 0;
  }
  return 1;
}

static void arch_extras(aimc_engine *e, const aimc_design *d, const aimc_arch *arch, int in,
                        int len, aimc_sim_result *r) {
  const aimc_arch a = *arch;
  for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
    size_t n;
    r->n_arrays += is_array_xbar(aimc_inst_name(aimc_engine_inst(e, i)), &n);
  }
  int layers = 0, h = 0;
  char name[32];
  for (int net; snprintf(name, sizeof name, "l%d_in", layers),
                (net = aimc_design_find_net(d, name)) >= 0;
       layers++)
    h = d->net[net].width;
  r->e_static_array_J = a.p_static_W * aimc_time_to_s(r->t_fs);
  r->e_buffer_J = a.e_buffer_J * (double)((uint64_t)len * (uint64_t)d->net[in].width +
                                          (uint64_t)len * (uint64_t)layers * 2 * (uint64_t)h);
}

int aimc_cli_sim_input(aimc_ctx *ctx, aimc_engine *e, const aimc_design *d, const double *x,
                       int len, aimc_sim_result *r) {
  memset(r, 0, sizeof *r);
  int in, out, steps;
  if (aimc_cli_sim_nets(ctx, d, &in, &out)) return AIMC_EINVAL;
  aimc_arch arch;
  int has_arch = load_arch(ctx, d, &arch), pipelined = has_arch && arch.pipeline;
  aimc_time longest, stage;
  /* A netlist with a clock is synchronous: each instance's result on the
   * clock's edges, and the steps on a step clock whose period is the
   * longest step (every stage of the wavefront busy; pipelined: the
   * longest stage between the layers' input registers): a first pass
   * self-timed finds it, the engine is reset (the same noise streams
   * again) and the second pass runs on that clock, as aimc run's schedule
   * does (cycles_step). */
  int st = AIMC_OK;
  if (d->clock_period > 0) {
    aimc_engine_set_clock(e, d->clock_period);
    st = pass(e, d, in, x, len, 0, &longest, &stage, &steps);
    if (!st) st = aimc_engine_reset(e);
    r->t_step_fs = pipelined ? stage : longest;
  } else {
    pipelined = 0;
  }
  if (!st)
    st = pipelined ? pass_pipelined(e, d, in, x, len, r->t_step_fs, &steps)
                   : pass(e, d, in, x, len, r->t_step_fs, &longest, &stage, &steps);
  if (st) return st;
  r->n_out = d->net[out].width;
  r->logits = aimc_engine_net_value(e, out);
  r->pred = 0;
  for (int j = 1; j < r->n_out; j++)
    if (r->logits[j] > r->logits[r->pred]) r->pred = j;
  r->steps = len;
  r->t_fs = aimc_kernel_now(aimc_engine_kernel(e));
  if (has_arch) arch_extras(e, d, &arch, in, len, r);
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
  for (size_t i = 0; i < aimc_engine_n_inst(e) && r->e_static_array_J != 0; i++) {
    size_t n;
    const char *name = aimc_inst_name(aimc_engine_inst(e, i));
    if (is_array_xbar(name, &n))
      printf("  %-24.*s %s (static)\n", (int)n, name,
             aimc_unit_format(r->e_static_array_J, AIMC_U_JOULE, buf, sizeof buf));
  }
  if (r->e_buffer_J != 0)
    printf("  %-24s %s\n", "buffer", aimc_unit_format(r->e_buffer_J, AIMC_U_JOULE, buf, sizeof buf));
}

double aimc_cli_sim_energy_total(aimc_engine *e, const aimc_sim_result *r) {
  return aimc_engine_energy_total(e) + r->n_arrays * r->e_static_array_J + r->e_buffer_J;
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
    for (size_t i = 0; i < aimc_engine_n_inst(e); i++) {
      size_t n;
      char name[256];
      const char *full = aimc_inst_name(aimc_engine_inst(e, i));
      if (!is_array_xbar(full, &n)) continue;
      snprintf(name, sizeof name, "%.*s", (int)n, full);
      cJSON_AddNumberToObject(en, name, r->e_static_array_J);
    }
    cJSON_AddNumberToObject(en, "buffer", r->e_buffer_J);
    cJSON_AddNumberToObject(root, "t_step_s", aimc_time_to_s(r->t_step_fs));
    cJSON_AddNumberToObject(root, "energy_J", aimc_cli_sim_energy_total(e, r));
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
