/* cell: one memristor with its device model (aimc/device.h), for device
 * experiments and controller tests. A control vector {v, width, v_read}
 * on `in` applies a pulse of amplitude v (V) and width (s) when width > 0,
 * then reads at v_read when v_read != 0; the read current appears on `out`
 * after the pulse and read times. Energy: pulse plus read (class device). */
#include <math.h>
#include <stddef.h>

#include "aimc/status.h"
#include "inst_device.h"

typedef struct {
  int device;
  char device_card[AIMC_PARAM_STRLEN];
} cell_params;

typedef struct {
  aimc_device *dev; /* copy in instance memory */
  void *cell;
  unsigned long seed;
} cell_state;

static const aimc_param PARAMS[] = {
    {"device", AIMC_PT_ENUM, offsetof(cell_params, device), 0, 0, AIMC_DEVICE_N - 1,
     AIMC_U_NONE, "Device model.", "aimc/device.h", AIMC_DEVICE_CHOICES, NULL},
    {"device_card", AIMC_PT_STRING, offsetof(cell_params, device_card), 0, 0, 0,
     AIMC_U_NONE, "Device card YAML; empty: the model's defaults.", "", NULL,
     ""},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_CONTROL, "3",
     "Command {v (V), width (s), v_read (V)}.", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_CURRENT, "1", "Read current (A).", 0},
};

/* d2d variation and stuck faults come from a seed drawn once, so reset
 * gives back the same device. */
static void make_cell(cell_state *s) {
  _Alignas(16) char buf[256]; /* taus2 needs 24 bytes of state */
  gsl_rng *r = aimc_block_rng_init(buf, s->seed);
  aimc_device_cell_init(s->dev, s->cell, r);
}

static int cell_init(aimc_inst *inst) {
  const cell_params *p = aimc_inst_params(inst);
  cell_state *s = aimc_inst_state(inst);
  aimc_device *dev = NULL;
  int rc = aimc_inst_device_open(inst, p->device, p->device_card, &dev);
  if (rc) return rc;
  void *mem =
      aimc_inst_alloc(inst, aimc_inst_device_bytes(dev, dev->model->cell_size));
  if (mem) s->dev = aimc_inst_device_copy(mem, dev, &s->cell);
  aimc_device_free(aimc_inst_ctx(inst), dev);
  if (!mem) return AIMC_ENOMEM;
  s->seed = gsl_rng_get(aimc_inst_rng(inst));
  make_cell(s);
  return AIMC_OK;
}

static int cell_reset(aimc_inst *inst) {
  make_cell(aimc_inst_state(inst));
  return AIMC_OK;
}

static int cell_on_input(aimc_inst *inst, int port) {
  (void)port;
  cell_state *s = aimc_inst_state(inst);
  const double *cmd = aimc_inst_in(inst, 0);
  double t = 0, e = 0;
  aimc_device_result r;
  if (cmd[1] > 0) {
    aimc_device_pulse(s->dev, s->cell, cmd[0], cmd[1], aimc_inst_rng(inst), &r);
    t += r.t_s;
    e += r.e_J;
  }
  aimc_inst_add_energy(inst, e);
  if (cmd[2] == 0) return AIMC_OK;
  aimc_device_read(s->dev, s->cell, cmd[2], aimc_inst_rng(inst), &r);
  aimc_inst_add_energy(inst, r.e_J);
  aimc_inst_out(inst, 1)[0] = r.i_A;
  return aimc_inst_drive(inst, 1, aimc_time_from_s(t + r.t_s));
}

const aimc_model aimc_model_cell = {
    .name = "cell",
    .summary =
        "one memristor: pulses and reads on command, through a device model",
    .source = "aimc/device.h (pulse: Frascaroli 2018; vcm: JART VCM v1b)",
    .eclass = AIMC_EC_DEVICE,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(cell_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(cell_state),
    .init = cell_init,
    .on_input = cell_on_input,
    .reset = cell_reset,
};
