/* digital: the digital periphery after the ADCs, one vector operation per
 * input vector:
 *   scale:      y[j] = gain * x[j] + bias                     (n_out = n_in)
 *   diff:       y[j] = gain * (x[2j] - x[2j+1]) + bias         (n_in = 2 n_out;
 *               differential device pairs read on two columns)
 *   shift_add:  y[j] = gain * sum_k x[j m + k] 2^(k shift) + bias, m = n_in /
 * n_out (bit-sliced weights or inputs recombined) accumulate: y[j] += gain *
 * x[j] (n_out = n_in; partial sums over tiles or time; reset clears) Energy
 * e_op per output word, latency t_op; ops counts one per input word
 * (add/shift).
 *   route:      y[j] = gain * x[j] + bias for j < n_in, 0 beyond (any n_in,
 *               n_out: the held state of a tile's columns fed back onto its
 *               rows, which may be more or fewer)
 * Energy default after Horowitz, ISSCC 2014 (16-bit add ~0.05
 * pJ at 45 nm, plus control). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/status.h"

enum { OP_SCALE, OP_DIFF, OP_SHIFT_ADD, OP_ACCUMULATE, OP_ROUTE };
static const char *const OPS[] = {"scale", "diff", "shift_add", "accumulate", "route",
                                  NULL};

typedef struct {
  int n_in, n_out, op, shift;
  double gain, bias;
  double e_op;
  aimc_time t_op;
} digital_params;

typedef struct {
  double *acc; /* accumulate: running sums */
} digital_state;

#define SRC "Horowitz, ISSCC 2014, 'Computing's energy problem'"
static const aimc_param PARAMS[] = {
    {"n_in", AIMC_PT_INT, offsetof(digital_params, n_in), 1, 1, 1 << 20,
     AIMC_U_NONE, "Input words.", "", NULL, NULL},
    {"n_out", AIMC_PT_INT, offsetof(digital_params, n_out), 1, 1, 1 << 20,
     AIMC_U_NONE, "Output words.", "", NULL, NULL},
    {"op", AIMC_PT_ENUM, offsetof(digital_params, op), 0, 0, 4, AIMC_U_NONE,
     "Operation: scale, diff (pairs), shift_add (slices), accumulate or route "
     "(any widths).", "",
     OPS, NULL},
    {"shift", AIMC_PT_INT, offsetof(digital_params, shift), 1, 0, 16,
     AIMC_U_NONE, "shift_add: bits per slice.", "bit slicing", NULL, NULL},
    {"gain", AIMC_PT_REAL, offsetof(digital_params, gain), 1, -1e12, 1e12,
     AIMC_U_NONE, "Scale factor.", "", NULL, NULL},
    {"bias", AIMC_PT_REAL, offsetof(digital_params, bias), 0, -1e12, 1e12,
     AIMC_U_NONE, "Added after scaling.", "", NULL, NULL},
    {"e_op", AIMC_PT_REAL, offsetof(digital_params, e_op), 0.1e-12, 0, 1e-6,
     AIMC_U_JOULE, "Energy per output word.", SRC, NULL, NULL},
    {"t_op", AIMC_PT_TIME, offsetof(digital_params, t_op), 1e-9, 0, 1e-3,
     AIMC_U_SECOND, "Latency of one vector operation.", SRC, NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n_in",
     "Words in (e.g. from adcs).", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n_out", "Result words.", 0},
};

static int digital_validate(const void *params, char *err, size_t errlen) {
  const digital_params *p = params;
  int ok = 1;
  switch (p->op) {
    case OP_SCALE:
    case OP_ACCUMULATE:
      ok = p->n_in == p->n_out;
      break;
    case OP_DIFF:
      ok = p->n_in == 2 * p->n_out;
      break;
    case OP_SHIFT_ADD:
      ok = p->n_in % p->n_out == 0;
      break;
    case OP_ROUTE:
      break;
  }
  if (ok) return AIMC_OK;
  snprintf(err, errlen, "op = %s needs n_in %s n_out (n_in = %d, n_out = %d)",
           OPS[p->op],
           p->op == OP_DIFF        ? "= 2 *"
           : p->op == OP_SHIFT_ADD ? "a multiple of"
                                   : "=",
           p->n_in, p->n_out);
  return AIMC_ERANGE;
}

static int digital_init(aimc_inst *inst) {
  const digital_params *p = aimc_inst_params(inst);
  digital_state *s = aimc_inst_state(inst);
  if (p->op != OP_ACCUMULATE) return AIMC_OK;
  s->acc = aimc_inst_alloc(inst, (size_t)p->n_out * sizeof(double));
  return s->acc ? AIMC_OK : AIMC_ENOMEM;
}

static int digital_reset(aimc_inst *inst) {
  const digital_params *p = aimc_inst_params(inst);
  digital_state *s = aimc_inst_state(inst);
  if (s->acc) memset(s->acc, 0, (size_t)p->n_out * sizeof(double));
  return AIMC_OK;
}

/* One operation per output word. */
static aimc_op_cost digital_op_cost(const void *params, const aimc_op_use *use) {
  const digital_params *p = params;
  return (aimc_op_cost){use->n * p->e_op, p->t_op};
}

static int digital_on_input(aimc_inst *inst, int port) {
  (void)port;
  const digital_params *p = aimc_inst_params(inst);
  digital_state *s = aimc_inst_state(inst);
  const double *x = aimc_inst_in(inst, 0);
  double *y = aimc_inst_out(inst, 1);
  int m = p->n_in / p->n_out;
  for (int j = 0; j < p->n_out; j++) {
    double v = 0;
    switch (p->op) {
      case OP_SCALE:
        v = x[j];
        break;
      case OP_DIFF:
        v = x[2 * j] - x[2 * j + 1];
        break;
      case OP_SHIFT_ADD:
        for (int k = 0; k < m; k++) v += ldexp(x[j * m + k], k * p->shift);
        break;
      case OP_ACCUMULATE:
        v = x[j];
        break;
      case OP_ROUTE:
        if (j >= p->n_in) {
          y[j] = 0;
          continue;
        }
        v = x[j];
        break;
    }
    if (p->op == OP_ACCUMULATE)
      y[j] = s->acc[j] += p->gain * v;
    else
      y[j] = p->gain * v + p->bias;
  }
  aimc_op_cost c = digital_op_cost(p, &(aimc_op_use){.n = p->n_out});
  aimc_inst_add_energy(inst, c.e_J);
  aimc_inst_add_ops(inst, (uint64_t)p->n_in);
  return aimc_inst_drive(inst, 1, c.t_fs);
}

const aimc_model aimc_model_digital = {
    .name = "digital",
    .summary =
        "digital periphery: scale, differential-pair subtract, shift-add, "
        "accumulate",
    .source = SRC,
    .eclass = AIMC_EC_DIGITAL,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(digital_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(digital_state),
    .validate = digital_validate,
    .init = digital_init,
    .on_input = digital_on_input,
    .reset = digital_reset,
    .op_cost = digital_op_cost,
};
