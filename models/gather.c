/* gather: wiring as a digital operation. Output word j is the sum of the
 * input words its index map lists (aimc/gather.h): which layer channel,
 * held state word or other array's column drives an array's row, and
 * which array columns, added where a column is split over arrays along
 * its rows, form a layer's output. The inputs are a port array, in[k],
 * one element per item of `widths`, so one gather joins any number of
 * tiles. Join semantics as concat's: the output is driven once per step,
 * when every input has arrived since the last output (same-time arrivals
 * are published together, docs/kernel.md); `primed` leading inputs count
 * as arrived at the start and after a reset, holding zeros (a fed-back
 * state whose initial value is 0). Energy e_word per output word
 * (default 0: wiring), output after t_op. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/fileio.h"
#include "aimc/gather.h"
#include "aimc/status.h"

typedef aimc_gather_params params;

enum { PORT_OUT = 0, PORT_IN0 = 1 };

#define SRC "docs/mapping.md (the wiring of a mapped netlist)"
static const aimc_param PARAMS[] = {
    {"n", AIMC_PT_INT, offsetof(params, n), 1, 1, 1 << 20, AIMC_U_NONE, "Output words.",
     "", NULL, NULL},
    {"widths", AIMC_PT_STRING, offsetof(params, widths), 0, 0, 0, AIMC_U_NONE,
     "Widths of the input port array in[k], comma-separated; W*N is N inputs of W words "
     "(\"64*4,32\": five inputs).",
     "", NULL, "1"},
    {"map", AIMC_PT_STRING, offsetof(params, map), 0, 0, 0, AIMC_U_NONE,
     "Index map CSV (out,port,word: output word out adds word `word` of in[port]), relative "
     "to the netlist; read at init.",
     SRC, NULL, ""},
    {"primed", AIMC_PT_INT, offsetof(params, primed), 0, 0, 1 << 20, AIMC_U_NONE,
     "Leading inputs counted as arrived at the start (and after reset), holding zeros: "
     "fed-back state words whose initial value is 0.",
     "IMSSA arXiv 2412.20215 (x_{-1} = 0)", NULL, NULL},
    {"skip", AIMC_PT_INT, offsetof(params, skip), 0, 0, 1 << 20, AIMC_U_NONE,
     "Outputs dropped after the start (and a reset): the join fires and books nothing, "
     "drives nothing. A single-form layer's first read gives y_{-1}, which aimc run does "
     "not pass on (its y bus has skip 1).",
     "docs/mapping.md (the wiring; the single form's wavefront)", NULL, NULL},
    {"e_word", AIMC_PT_REAL, offsetof(params, e_word), 0, 0, 1e-9, AIMC_U_JOULE,
     "Energy per output word (0: plain wiring).", "", NULL, NULL},
    {"t_op", AIMC_PT_TIME, offsetof(params, t_op), 0, 0, 1e-3, AIMC_U_SECOND,
     "Time from the joining arrival to the output (0: wiring).", "", NULL, NULL},
};

/* The port array comes last (aimc/model.h). */
static const aimc_port_spec PORTS[] = {
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "Output words (sums of mapped inputs).", 0},
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "widths",
     "Input port array: in[k] is item k of widths wide.", 0},
};

static int gather_validate(const void *vp, char *err, size_t errlen) {
  const params *p = vp;
  int count = aimc_port_widths_scan(p->widths, 0, NULL);
  if (count < 1) {
    snprintf(err, errlen,
             "widths '%s' is not a list of port widths (W or W*N, W and N >= 1, "
             "comma-separated)",
             p->widths);
    return AIMC_ERANGE;
  }
  long total = 0;
  for (int k = 0; k < count && total <= (1L << 24); k++) {
    int w = 0;
    aimc_port_widths_scan(p->widths, k, &w);
    total += w;
  }
  if (total > (1L << 24)) {
    snprintf(err, errlen, "widths '%s' adds up to more than 2^24 input words", p->widths);
    return AIMC_ERANGE;
  }
  if (p->primed > count) {
    snprintf(err, errlen, "primed = %d but the gather has %d inputs", p->primed, count);
    return AIMC_ERANGE;
  }
  return AIMC_OK;
}

/* Eval's input: every input port's words, one port after the other. */
static int gather_eval_n_in(const aimc_eval *e) {
  const aimc_gather_map *m = e->state;
  return m ? m->n_in : 0;
}

static aimc_op_cost gather_op_cost(const void *vp, const aimc_op_use *use) {
  const params *p = vp;
  return (aimc_op_cost){use->n * p->e_word, p->t_op};
}

/* out[j] = the sum of its mapped input words, in the map's order. */
static int gather_run(const aimc_eval *e, const double *in, double *out, size_t s, size_t nl) {
  const aimc_gather_map *m = e->state;
  if (!m || m->n != e->n) return AIMC_EINVAL;
  for (int j = 0; j < m->n; j++)
    for (size_t k = 0; k < nl; k++) {
      double v = 0;
      for (int i = m->start[j]; i < m->start[j + 1]; i++) v += in[(size_t)m->src[i] * s + k];
      out[(size_t)j * s + k] = v;
    }
  return AIMC_OK;
}

static int gather_eval(const aimc_eval *e, const double *in, double *out, aimc_xs128p *rng) {
  (void)rng;
  return gather_run(e, in, out, 1, 1);
}

static int gather_eval_batch(const aimc_eval *e, const double *in, double *out,
                             const aimc_lanes *l) {
  return gather_run(e, in, out, l->stride, (size_t)l->n);
}

/* --- the event kernel ------------------------------------------------- */

typedef struct {
  aimc_gather_map map;     /* eval's state (its arrays in instance blocks) */
  unsigned char *arrived;  /* per input: arrived since the last output     */
  int waiting;             /* inputs not arrived yet                       */
  int skipped;             /* outputs dropped since the reset (skip)       */
  double *x;               /* eval's input                                 */
} inst_state;

/* Copies a built map's arrays into instance memory (freed with it). */
static int keep_map(aimc_inst *inst, const aimc_gather_map *m, aimc_gather_map *dst) {
  size_t n_off = (size_t)m->n_ports + 1, n_start = (size_t)m->n + 1,
         n_src = (size_t)m->start[m->n];
  int *mem = aimc_inst_alloc(inst, sizeof(int) * (n_off + n_start + n_src + 1));
  if (!mem) return AIMC_ENOMEM;
  *dst = *m;
  dst->off = memcpy(mem, m->off, sizeof(int) * n_off);
  dst->start = memcpy(mem + n_off, m->start, sizeof(int) * n_start);
  dst->src = memcpy(mem + n_off + n_start, m->src, sizeof(int) * n_src);
  return AIMC_OK;
}

static int gather_reset(aimc_inst *inst) {
  const params *p = aimc_inst_params(inst);
  inst_state *s = aimc_inst_state(inst);
  for (int k = 0; k < s->map.n_ports; k++) s->arrived[k] = k < p->primed;
  s->waiting = s->map.n_ports - (p->primed < s->map.n_ports ? p->primed : s->map.n_ports);
  s->skipped = 0;
  return AIMC_OK;
}

/* The index map the params name, from the netlist file `source`'s folder. */
static int read_map(aimc_ctx *ctx, const params *p, const char *source, aimc_gather_map *m) {
  if (!p->map[0])
    return aimc_error(ctx, AIMC_EINVAL, "gather: set map to its index map file (%s)",
                      AIMC_GATHER_HEADER);
  char path[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(source, p->map, path, sizeof path);
  return aimc_gather_map_read(ctx, path, p, m);
}

static int gather_check_files(aimc_ctx *ctx, const void *par, const char *source) {
  aimc_gather_map m;
  int st = read_map(ctx, par, source, &m);
  if (!st) aimc_gather_map_fini(ctx, &m);
  return st;
}

static int gather_init(aimc_inst *inst) {
  const params *p = aimc_inst_params(inst);
  inst_state *s = aimc_inst_state(inst);
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  aimc_gather_map m;
  int st = read_map(ctx, p, aimc_inst_source(inst), &m);
  if (st) return st;
  st = keep_map(inst, &m, &s->map);
  aimc_gather_map_fini(ctx, &m);
  if (st) return st;
  s->arrived = aimc_inst_alloc(inst, (size_t)s->map.n_ports + 1);
  s->x = aimc_inst_alloc(inst, sizeof(double) * ((size_t)s->map.n_in + 1));
  if (!s->arrived || !s->x) return AIMC_ENOMEM;
  return gather_reset(inst);
}

static int gather_on_input(aimc_inst *inst, int port) {
  const params *p = aimc_inst_params(inst);
  inst_state *s = aimc_inst_state(inst);
  int k = port - PORT_IN0;
  if (k < 0 || k >= s->map.n_ports) return AIMC_OK;
  if (!s->arrived[k]) {
    s->arrived[k] = 1;
    s->waiting--;
  }
  if (s->waiting > 0) return AIMC_OK;
  for (int i = 0; i < s->map.n_ports; i++) {
    const double *v = aimc_inst_in(inst, PORT_IN0 + i);
    size_t w = (size_t)(s->map.off[i + 1] - s->map.off[i]);
    /* An open input never arrives; its words read as zeros. */
    if (v) memcpy(s->x + s->map.off[i], v, w * sizeof *v);
    else memset(s->x + s->map.off[i], 0, w * sizeof *s->x);
    s->arrived[i] = 0;
  }
  s->waiting = s->map.n_ports;
  if (s->skipped < p->skip) {
    s->skipped++;
    return AIMC_OK;
  }
  aimc_eval e = {.params = p, .state = &s->map, .n = p->n};
  int st = gather_eval(&e, s->x, aimc_inst_out(inst, PORT_OUT), NULL);
  if (st) return st;
  aimc_op_cost c = gather_op_cost(p, &(aimc_op_use){.n = p->n});
  aimc_inst_add_energy(inst, c.e_J);
  return aimc_inst_drive(inst, PORT_OUT, c.t_fs);
}

const aimc_model aimc_model_gather = {
    .name = "gather",
    .summary = "wiring: each output word the sum of the input words its index map lists "
               "(rows of an array from layer channels and held state, a layer's output "
               "from array columns)",
    .source = SRC,
    .eclass = AIMC_EC_DIGITAL,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(inst_state),
    .validate = gather_validate,
    .init = gather_init,
    .on_input = gather_on_input,
    .reset = gather_reset,
    .check_files = gather_check_files,
    .op_cost = gather_op_cost,
    .eval = gather_eval,
    .eval_batch = gather_eval_batch,
    .eval_n_in = gather_eval_n_in,
};

const aimc_model *aimc_gather_model(void) { return &aimc_model_gather; }
