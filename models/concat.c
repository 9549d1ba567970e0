/* concat: joins two digital vectors into one, out = [a; b] (n = n_a + n_b
 * words), e.g. the fed-back state x_{t-1} and the new input u_t of an
 * IMSSA element (arXiv 2412.20215), whose array reads [x_{t-1}; u_t].
 * Join semantics, so a feedback loop is deterministic whatever its
 * latency: the output is driven once per step, when both inputs have
 * arrived since the last output (same-time arrivals are published together
 * before on_input, docs/kernel.md, so they join in one step). A port that
 * arrives again before the other replaces its vector (a net holds one).
 * `primed` lets one input count as arrived at the start, holding zeros:
 * the initial state x_{-1} = 0 of a recurrence. Energy e_word per output
 * word (default 0: wiring), output after t_op. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/status.h"

enum { PORT_A, PORT_B, PORT_OUT };
enum { PRIMED_NONE, PRIMED_A, PRIMED_B };
static const char *const PRIMED[] = {"none", "a", "b", NULL};

typedef struct {
  int n_a, n_b, n, primed;
  double e_word;
  aimc_time t_op;
} concat_params;

typedef struct {
  int arrived[2]; /* port a / b arrived since the last output */
} concat_state;

#define SRC "IMSSA arXiv 2412.20215 (input [x_{t-1}; u_t] of the array)"
static const aimc_param PARAMS[] = {
    {"n_a", AIMC_PT_INT, offsetof(concat_params, n_a), 1, 1, 1 << 20,
     AIMC_U_NONE, "Words of input a (first in the output).", "", NULL, NULL},
    {"n_b", AIMC_PT_INT, offsetof(concat_params, n_b), 1, 1, 1 << 20,
     AIMC_U_NONE, "Words of input b (after a).", "", NULL, NULL},
    {"n", AIMC_PT_INT, offsetof(concat_params, n), 2, 2, 2 << 20, AIMC_U_NONE,
     "Output words: must equal n_a + n_b.", "", NULL, NULL},
    {"primed", AIMC_PT_ENUM, offsetof(concat_params, primed), 0, 0, 2,
     AIMC_U_NONE,
     "Input counted as arrived at the start (and after reset), holding zeros: "
     "none, a or b (a fed-back state whose initial value is 0).",
     SRC, PRIMED, NULL},
    {"e_word", AIMC_PT_REAL, offsetof(concat_params, e_word), 0, 0, 1e-9,
     AIMC_U_JOULE, "Energy per output word (0: plain wiring).", "", NULL, NULL},
    {"t_op", AIMC_PT_TIME, offsetof(concat_params, t_op), 0, 0, 1e-3,
     AIMC_U_SECOND, "Time from the joining arrival to the output.", "", NULL,
     NULL},
};

static const aimc_port_spec PORTS[] = {
    {"a", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n_a",
     "First words (e.g. the fed-back state).", 0},
    {"b", AIMC_PORT_IN, AIMC_SIG_DIGITAL, "n_b",
     "Last words (e.g. the new input).", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "n", "[a; b].", 0},
};

static int concat_validate(const void *params, char *err, size_t errlen) {
  const concat_params *p = params;
  if (p->n == p->n_a + p->n_b) return AIMC_OK;
  snprintf(err, errlen, "n must equal n_a + n_b (n = %d, n_a = %d, n_b = %d)",
           p->n, p->n_a, p->n_b);
  return AIMC_ERANGE;
}

static int concat_reset(aimc_inst *inst) {
  const concat_params *p = aimc_inst_params(inst);
  concat_state *s = aimc_inst_state(inst);
  s->arrived[PORT_A] = p->primed == PRIMED_A;
  s->arrived[PORT_B] = p->primed == PRIMED_B;
  return AIMC_OK;
}

/* An open input never arrives; its words read as zeros. */
static void copy_in(const aimc_inst *inst, int port, double *dst, int n) {
  const double *src = aimc_inst_in(inst, port);
  if (src)
    memcpy(dst, src, (size_t)n * sizeof *dst);
  else
    memset(dst, 0, (size_t)n * sizeof *dst);
}

static int concat_on_input(aimc_inst *inst, int port) {
  const concat_params *p = aimc_inst_params(inst);
  concat_state *s = aimc_inst_state(inst);
  s->arrived[port] = 1;
  if (!s->arrived[PORT_A] || !s->arrived[PORT_B]) return AIMC_OK;
  s->arrived[PORT_A] = s->arrived[PORT_B] = 0;
  double *out = aimc_inst_out(inst, PORT_OUT);
  copy_in(inst, PORT_A, out, p->n_a);
  copy_in(inst, PORT_B, out + p->n_a, p->n_b);
  aimc_inst_add_energy(inst, p->n * p->e_word);
  return aimc_inst_drive(inst, PORT_OUT, p->t_op);
}

const aimc_model aimc_model_concat = {
    .name = "concat",
    .summary =
        "joins two digital vectors into [a; b] once both have arrived (state "
        "feedback + new input)",
    .source = SRC,
    .eclass = AIMC_EC_DIGITAL,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(concat_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(concat_state),
    .validate = concat_validate,
    .init = concat_reset,
    .on_input = concat_on_input,
    .reset = concat_reset,
};
