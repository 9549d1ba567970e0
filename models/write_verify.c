/* write_verify: the write-verify controller (aimc/program.h, ISPP) as an
 * event model driving a `cell`: it sends a read command at `start`, and on
 * every read current decides (aimc_wv_decide) either the next pulse
 * {v, width, v_read} or that it is done. One verify read per iteration.
 * Its own energy is e_decide per decision (class programming); pulses and
 * reads are counted by the cell. */
#include <math.h>
#include <stddef.h>

#include "aimc/program.h"
#include "aimc/status.h"
#include "inst_device.h"

static const char *const SCHEDULES[] = {"amplitude", "width", NULL};

typedef struct {
  int device;
  char device_card[AIMC_PARAM_STRLEN];
  double target, tol, guard, v_step;
  int max_pulses, schedule;
  aimc_time start, t_decide;
  double e_decide;
} wv_params;

typedef struct {
  aimc_device *dev; /* copy in instance memory: limits and read voltage */
  aimc_wv wv;
} wv_state;

static const aimc_param PARAMS[] = {
    {"device", AIMC_PT_ENUM, offsetof(wv_params, device), 0, 0, AIMC_DEVICE_N - 1, AIMC_U_NONE,
     "Device model of the cell (for its pulse limits).", "aimc/device.h",
     AIMC_DEVICE_CHOICES, NULL},
    {"device_card", AIMC_PT_STRING, offsetof(wv_params, device_card), 0, 0, 0,
     AIMC_U_NONE, "Device card YAML of the cell; empty: the model's defaults.",
     "", NULL, ""},
    {"target", AIMC_PT_REAL, offsetof(wv_params, target), 50e-6, 0, 1,
     AIMC_U_SIEMENS, "Target conductance.", "", NULL, NULL},
    {"tol", AIMC_PT_REAL, offsetof(wv_params, tol), 1e-6, 1e-9, 1e-3,
     AIMC_U_SIEMENS, "Tolerance.", "aimc/program.h", NULL, NULL},
    {"guard", AIMC_PT_REAL, offsetof(wv_params, guard), 0.5, 0.05, 1,
     AIMC_U_NONE, "Accept reads within guard * tol.", "aimc/program.h", NULL,
     NULL},
    {"v_step", AIMC_PT_REAL, offsetof(wv_params, v_step), 0.02, 0, 1,
     AIMC_U_VOLT, "ISPP amplitude increment.", "aimc/program.h", NULL, NULL},
    {"max_pulses", AIMC_PT_INT, offsetof(wv_params, max_pulses), 100, 1, 100000,
     AIMC_U_NONE, "Pulse budget.", "aimc/program.h", NULL, NULL},
    {"schedule", AIMC_PT_ENUM, offsetof(wv_params, schedule), 0, 0, 1,
     AIMC_U_NONE, "Pulse schedule.", "aimc/program.h", SCHEDULES, NULL},
    {"start", AIMC_PT_TIME, offsetof(wv_params, start), 0, 0, 1, AIMC_U_SECOND,
     "When programming starts.", "", NULL, NULL},
    {"t_decide", AIMC_PT_TIME, offsetof(wv_params, t_decide), 1e-9, 0, 1e-3,
     AIMC_U_SECOND, "Controller latency per decision.", "", NULL, NULL},
    {"e_decide", AIMC_PT_REAL, offsetof(wv_params, e_decide), 1e-12, 0, 1e-6,
     AIMC_U_JOULE, "Controller energy per decision.", "", NULL, NULL},
};

static const aimc_port_spec PORTS[] = {
    {"out", AIMC_PORT_OUT, AIMC_SIG_CONTROL, "3",
     "Commands {v, width, v_read} to the cell.", 0},
    {"in", AIMC_PORT_IN, AIMC_SIG_CURRENT, "1", "Read current from the cell.", 0},
};

static int wv_start(aimc_inst *inst) {
  const wv_params *p = aimc_inst_params(inst);
  wv_state *s = aimc_inst_state(inst);
  aimc_wv_params w;
  aimc_wv_defaults(&w);
  w.tol_S = p->tol;
  w.guard = p->guard;
  w.v_step_V = p->v_step;
  w.max_pulses = p->max_pulses;
  w.schedule = p->schedule;
  w.n_reads = 1;
  aimc_wv_init(&s->wv, s->dev, &w, NULL, p->target);
  return aimc_inst_schedule(inst, p->start, 0, 0);
}

static int wv_init(aimc_inst *inst) {
  const wv_params *p = aimc_inst_params(inst);
  wv_state *s = aimc_inst_state(inst);
  aimc_device *dev = NULL;
  int rc = aimc_inst_device_open(inst, p->device, p->device_card, &dev);
  if (rc) return rc;
  void *mem = aimc_inst_alloc(inst, aimc_inst_device_bytes(dev, 0));
  if (mem) s->dev = aimc_inst_device_copy(mem, dev, NULL);
  aimc_device_free(aimc_inst_ctx(inst), dev);
  return mem ? wv_start(inst) : AIMC_ENOMEM;
}

static int send(aimc_inst *inst, double v, double width) {
  const wv_params *p = aimc_inst_params(inst);
  wv_state *s = aimc_inst_state(inst);
  double *cmd = aimc_inst_out(inst, 0);
  cmd[0] = v;
  cmd[1] = width;
  cmd[2] = s->wv.lim.v_read_V;
  aimc_inst_add_energy(inst, p->e_decide);
  return aimc_inst_drive(inst, 0, p->t_decide);
}

static int wv_on_event(aimc_inst *inst, uint32_t tag, uint64_t data) {
  (void)tag;
  (void)data;
  return send(inst, 0, 0); /* first verify read */
}

static int wv_on_input(aimc_inst *inst, int port) {
  wv_state *s = aimc_inst_state(inst);
  double g = aimc_inst_in(inst, port)[0] / s->wv.lim.v_read_V, v, width;
  s->wv.res.reads++;
  if (!aimc_wv_decide(&s->wv, g, &v, &width)) return AIMC_OK;
  return send(inst, v, width);
}

const aimc_model aimc_model_write_verify = {
    .name = "write_verify",
    .summary =
        "write-verify controller (ISPP) driving a cell: read, decide, pulse, "
        "until within tolerance",
    .source = "aimc/program.h; arXiv 2403.06712 (write-verify baseline)",
    .eclass = AIMC_EC_PROGRAMMING,
    .sequential = 1,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(wv_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(wv_state),
    .init = wv_init,
    .on_input = wv_on_input,
    .on_event = wv_on_event,
    .reset = wv_start,
};
