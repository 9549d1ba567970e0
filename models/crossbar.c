/* crossbar: an R x C memristive array as an event model. Row voltages in,
 * column currents out t_settle later: one aimc_xbar MVM per input vector
 * (aimc/xbar.h: Kirchhoff column sums, IR drop, read noise; energy
 * t_settle * sum_i v_i^2 sum_j G_ij). At init the cells are made with
 * device-to-device variation, loaded with the target file (the mapper's
 * CSV) and programmed in the chosen mode; the programming totals are kept
 * apart from the read energy (aimc_crossbar_prog_totals). The cell states
 * can be dumped to CSV after programming (dump_cells). A read also charges
 * the driven row lines, each cols cell segments of c_wire:
 * e = sum_i v_i^2 (t_settle sum_j G_ij + cols c_wire), so larger arrays
 * cost more per driven row (Chen et al. 2018, NeuroSim's line model).
 * The programming is aimc_xbar_program with the streams of this instance's
 * name (aimc_xbar_streams), as `aimc run` programs the array of its tile. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/xbar.h"
#include "crossbar_words.h"
#include "inst_device.h"

static const char *const IR_SOLVERS[] = {"first_order", "nodal", NULL};

typedef struct {
  int rows, cols, device;
  char device_card[AIMC_PARAM_STRLEN];
  char device_set[AIMC_PARAM_STRLEN];
  char nn_file[AIMC_PARAM_STRLEN];
  double v_read, r_wire, c_wire;
  int read_noise;
  aimc_time t_settle;
  int program;
  double sigma_g, wv_tol;
  int wv_max_pulses;
  char targets[AIMC_PARAM_STRLEN];
  double drift_time;
  char dump_cells[AIMC_PARAM_STRLEN];
  int ir_solver;
  char layout[AIMC_PARAM_STRLEN];
} crossbar_params;

typedef struct {
  void *mem; /* one instance block: xbar, pulsed flags, clipped inputs */
  aimc_xbar *x;
  unsigned char *pulsed; /* rows*cols: the cells the layout has pulsed */
  double *v_clip;
  uint64_t seed; /* the run's, kept so reset rebuilds the same cells */
  aimc_prog_totals prog;
  aimc_xbar_words *words; /* NULL: volts in, amperes out */
} crossbar_state;

#define SRC                                                                    \
  "Kirchhoff MVM; IR drop after Chen et al., IEEE TCAD 37:3067 (2018), first " \
  "order"
static const aimc_param PARAMS[] = {
    {"rows", AIMC_PT_INT, offsetof(crossbar_params, rows), 64, 1, 1 << 16,
     AIMC_U_NONE, "Rows (inputs).", "IMSSA 64x64 arrays", NULL, NULL},
    {"cols", AIMC_PT_INT, offsetof(crossbar_params, cols), 64, 1, 1 << 16,
     AIMC_U_NONE, "Columns (outputs).", "IMSSA 64x64 arrays", NULL, NULL},
    {"device", AIMC_PT_ENUM, offsetof(crossbar_params, device), 0, 0, AIMC_DEVICE_N - 1,
     AIMC_U_NONE, "Device model of the cells.", "aimc/device.h",
     AIMC_DEVICE_CHOICES, NULL},
    {"device_card", AIMC_PT_STRING, offsetof(crossbar_params, device_card), 0,
     0, 0, AIMC_U_NONE,
     "Device card YAML (configs/devices/); empty: the model's defaults.", "",
     NULL, ""},
    {"device_set", AIMC_PT_STRING, offsetof(crossbar_params, device_set), 0, 0, 0,
     AIMC_U_NONE,
     "Card values overridden for these cells, \"key=value,...\" (e.g. "
     "\"drift_nu=0.01,p_stuck_min=0.005\"); empty: the card as it is.",
     "aimc_device_apply (aimc/device.h); aimc map writes the arch's device.* keys", NULL, ""},
    {"nn_file", AIMC_PT_STRING, offsetof(crossbar_params, nn_file), 0, 0, 0, AIMC_U_NONE,
     "one_shot_nn / hybrid: the neural inverse trained for this device card "
     "(aimc device train-inverse).",
     "arXiv 2403.06712", NULL, ""},
    {"v_read", AIMC_PT_REAL, offsetof(crossbar_params, v_read), 0.2, 1e-3, 5,
     AIMC_U_VOLT,
     "Largest read voltage: row inputs are clipped to +-v_read (read disturb).",
     "typical read voltage", NULL, NULL},
    {"r_wire", AIMC_PT_REAL, offsetof(crossbar_params, r_wire), 0, 0, 1e6,
     AIMC_U_OHM, "Wire resistance per cell segment (0: no IR drop).", SRC, NULL,
     NULL},
    {"ir_solver", AIMC_PT_ENUM, offsetof(crossbar_params, ir_solver), 0, 0, 1,
     AIMC_U_NONE,
     "IR drop: first_order (series wire per cell) or nodal (exact wire "
     "network, solved once per programming; agrees with ngspice to 1e-12).",
     "models/xbar_nodal.c; docs/models/spice.md", IR_SOLVERS, NULL},
    {"c_wire", AIMC_PT_REAL, offsetof(crossbar_params, c_wire), 0.2e-15, 0,
     1e-12, AIMC_U_FARAD,
     "Wire capacitance per cell segment: a driven row line of cols segments "
     "is charged once per read.",
     "~0.2 fF/um interconnect at a 1 um cell pitch (ITRS)", NULL, NULL},
    {"read_noise", AIMC_PT_BOOL, offsetof(crossbar_params, read_noise), 1, 0, 1,
     AIMC_U_NONE, "Apply the device's read noise to every read.", "", NULL,
     NULL},
    {"t_settle", AIMC_PT_TIME, offsetof(crossbar_params, t_settle), 10e-9, 0,
     1e-3, AIMC_U_SECOND, "Settling (integration) time of one array read.",
     "IMSSA-class arrays", NULL, NULL},
    {"program", AIMC_PT_ENUM, offsetof(crossbar_params, program), 0, 0, AIMC_XBAR_PROG_COUNT - 1,
     AIMC_U_NONE, "How targets reach the devices.", "aimc/program.h",
     aimc_prog_mode_keys, NULL},
    {"sigma_g", AIMC_PT_REAL, offsetof(crossbar_params, sigma_g), 0, 0, 1e-3,
     AIMC_U_SIEMENS, "gaussian: programming noise sigma per device.",
     "IMSSA arXiv 2412.20215", NULL, NULL},
    {"wv_tol", AIMC_PT_REAL, offsetof(crossbar_params, wv_tol), 1e-6, 1e-9,
     1e-3, AIMC_U_SIEMENS, "write_verify / one_shot: tolerance.",
     "aimc/program.h", NULL, NULL},
    {"wv_max_pulses", AIMC_PT_INT, offsetof(crossbar_params, wv_max_pulses),
     100, 1, 100000, AIMC_U_NONE, "write_verify: pulse budget per device.",
     "aimc/program.h", NULL, NULL},
    {"targets", AIMC_PT_STRING, offsetof(crossbar_params, targets), 0, 0, 0,
     AIMC_U_NONE,
     "Target-conductance CSV (rows lines of cols values in S); empty: cells "
     "stay as made.",
     "aimc/xbar.h", NULL, ""},
    {"drift_time", AIMC_PT_REAL, offsetof(crossbar_params, drift_time), 0, 0,
     1e9, AIMC_U_SECOND,
     "Time between programming and the run (conductance drift).", "", NULL,
     NULL},
    {"dump_cells", AIMC_PT_STRING, offsetof(crossbar_params, dump_cells), 0, 0,
     0, AIMC_U_NONE,
     "CSV written after programming (and drift): row,col,g_S,target_S,stuck "
     "per cell; empty: none.",
     "aimc/xbar.h", NULL, ""},
    {"layout", AIMC_PT_STRING, offsetof(crossbar_params, layout), 0, 0, 0, AIMC_U_NONE,
     "Array layout JSON (aimc map; aimc/xbar_layout.h), relative to the netlist: rows and "
     "columns then carry calibrated words (digital units) and a read sums them through the "
     "read plan aimc run reads with; empty: row volts in, column amperes out.",
     "aimc map", NULL, ""},
};

static const aimc_port_spec PORTS[] = {
    {"in", AIMC_PORT_IN, AIMC_SIG_VOLTAGE, "rows", "Row voltages (V).", 0},
    {"out", AIMC_PORT_OUT, AIMC_SIG_CURRENT, "cols", "Column currents (A).", 0},
    {"var", AIMC_PORT_OUT, AIMC_SIG_DIGITAL, "cols",
     "With a layout: each column's read-noise variance (units^2) left undrawn for the words "
     "tia or adc after it to draw with its own noise, as aimc run does; -1: none left (the "
     "crossbar drew it). Unconnected: the crossbar draws every read's noise.",
     1},
};
enum { PORT_VAR = 2 };

/* The targets and the layout, read and checked as init reads them. */
static int crossbar_check_files(aimc_ctx *ctx, const void *params, const char *source) {
  const crossbar_params *p = params;
  int rc = AIMC_OK;
  if (*p->targets) {
    char path[2 * AIMC_PARAM_STRLEN];
    aimc_path_beside(source, p->targets, path, sizeof path);
    double *g = aimc_malloc(ctx, sizeof(double) * (size_t)p->rows * (size_t)p->cols);
    rc = g ? aimc_xbar_read_targets(ctx, path, p->rows, p->cols, g) : AIMC_ENOMEM;
    aimc_free(ctx, g);
  }
  aimc_xbar_layout *l = NULL;
  if (!rc && *p->layout)
    rc = aimc_xbar_words_layout(ctx, source, p->layout, p->rows, p->cols, "", &l);
  aimc_xbar_layout_free(ctx, l);
  return rc;
}

/* A file param's path, from the netlist's folder as aimc run reads it;
 * a file that cannot be read is a configuration error (exit 2). */
static int file_error(aimc_ctx *ctx, int rc, const char *param) {
  if (rc != AIMC_EIO) return rc;
  char why[512];
  snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
  return aimc_error(ctx, AIMC_ENOTFOUND, "%s: %s", param, why);
}

/* The targets, and the layout with the cells it has pulsed (when named;
 * a reset keeps the layout it read). */
static int load_files(aimc_inst *inst, crossbar_state *s) {
  const crossbar_params *p = aimc_inst_params(inst);
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  char path[2 * AIMC_PARAM_STRLEN];
  int rc = AIMC_OK;
  aimc_path_beside(aimc_inst_source(inst), p->targets, path, sizeof path);
  if (*p->targets) rc = file_error(ctx, aimc_xbar_load_targets(s->x, path), "targets");
  if (rc || !*p->layout || s->words) return rc;
  return aimc_xbar_words_open(inst, p->layout, p->rows, p->cols, s->pulsed, &s->words);
}

/* Makes the cells and programs them, the one way aimc run programs its
 * arrays (aimc_xbar_program, streams keyed by this instance's name: same
 * seed, same cells). */
static int build(aimc_inst *inst, crossbar_state *s) {
  const crossbar_params *p = aimc_inst_params(inst);
  aimc_ctx *ctx = aimc_inst_ctx(inst);
  aimc_device *dev = NULL;
  int rc = aimc_inst_device_open(inst, p->device, p->device_card, &dev);
  if (!rc && (rc = aimc_device_apply(ctx, dev, p->device_set))) aimc_device_free(ctx, dev);
  if (rc) return rc;
  size_t cells = (size_t)p->rows * p->cols;
  size_t xbytes = (aimc_xbar_bytes(dev, p->rows, p->cols) + 15) & ~(size_t)15;
  size_t fbytes = (cells + 15) & ~(size_t)15;
  if (!s->mem)
    s->mem = aimc_inst_alloc(inst, xbytes + fbytes + (size_t)p->rows * sizeof(double));
  if (!s->mem) {
    aimc_device_free(ctx, dev);
    return aimc_error(ctx, AIMC_ENOMEM, "crossbar %s: out of memory",
                      aimc_inst_name(inst));
  }
  s->pulsed = (unsigned char *)s->mem + xbytes;
  s->v_clip = (double *)((char *)s->mem + xbytes + fbytes);
  aimc_xbar_streams rng;
  aimc_xbar_streams_init(&rng, s->seed, aimc_inst_name(inst));
  s->x = aimc_xbar_place(ctx, s->mem, dev, p->rows, p->cols, &rng.cells);
  aimc_nninv *nn = NULL;
  char who[AIMC_PARAM_STRLEN + 16];
  snprintf(who, sizeof who, "crossbar %s", aimc_inst_name(inst));
  rc = aimc_prog_mode_nn(ctx, p->program, p->nn_file, dev, who, &nn);
  aimc_device_free(ctx, dev);
  if (!rc) rc = load_files(inst, s);
  if (rc) {
    aimc_nninv_free(ctx, nn);
    return rc;
  }
  aimc_xbar_prog_opts o;
  aimc_xbar_prog_defaults(&o);
  o.mode = p->program;
  o.sigma_g_S = p->sigma_g;
  o.pulsed = s->words ? s->pulsed : NULL;
  o.wv.tol_S = p->wv_tol;
  o.wv.max_pulses = p->wv_max_pulses;
  o.nn = nn;
  o.hybrid_k = p->wv_max_pulses;
  if (*p->targets || p->program != AIMC_XBAR_PROG_IDEAL)
    rc = aimc_xbar_program(s->x, &o, &rng.program, &s->prog);
  aimc_nninv_free(ctx, nn);
  if (rc) return rc;
  if (s->words) /* priced as aimc run prices it: on the programmed cells */
    aimc_xbar_words_programmed(s->words, s->x, !(p->drift_time > 0) && !(p->r_wire > 0));
  if (p->drift_time > 0) aimc_xbar_age(s->x, p->drift_time);
  if ((rc = aimc_xbar_set_ir(s->x, p->ir_solver, p->r_wire))) return rc;
  if (s->words && (rc = aimc_xbar_words_plan(inst, s->words, s->x, p->r_wire, p->read_noise)))
    return rc;
  if (*p->dump_cells) return aimc_xbar_dump(s->x, p->dump_cells);
  return AIMC_OK;
}

static int crossbar_init(aimc_inst *inst) {
  crossbar_state *s = aimc_inst_state(inst);
  s->seed = aimc_ctx_seed(aimc_inst_ctx(inst));
  return build(inst, s);
}

static int crossbar_reset(aimc_inst *inst) {
  return build(inst, aimc_inst_state(inst));
}

/* Row lines charged to their drive, currents over the settle time. */
static aimc_op_cost crossbar_op_cost(const void *params, const aimc_op_use *use) {
  const crossbar_params *p = params;
  double v2 = p->v_read * p->v_read;
  return (aimc_op_cost){
      v2 * (aimc_time_to_s(p->t_settle) * use->g_S + use->rows_fs * p->cols * p->c_wire),
      p->t_settle};
}

/* A read in words, booked as aimc run books it. The variance goes out
 * with the sums, at the same time: one commit publishes both nets before
 * any reader's on_input, so the converter reading `in` sees the variance
 * of the same read. */
static int read_words(aimc_inst *inst, const crossbar_params *p, aimc_xbar_words *w) {
  double *var = aimc_inst_port_connected(inst, PORT_VAR) ? aimc_inst_out(inst, PORT_VAR) : NULL;
  const aimc_op_use *use = aimc_xbar_words_read(inst, w, p->read_noise, aimc_inst_in(inst, 0),
                                                aimc_inst_out(inst, 1), var, p->cols);
  aimc_op_cost c = crossbar_op_cost(p, use);
  aimc_inst_add_energy(inst, c.e_J);
  int rc = var ? aimc_inst_drive(inst, PORT_VAR, c.t_fs) : AIMC_OK;
  return rc ? rc : aimc_inst_drive(inst, 1, c.t_fs);
}

static int crossbar_on_input(aimc_inst *inst, int port) {
  (void)port;
  const crossbar_params *p = aimc_inst_params(inst);
  crossbar_state *s = aimc_inst_state(inst);
  if (s->words) return read_words(inst, p, s->words);
  const double *v = aimc_inst_in(inst, 0);
  for (int i = 0; i < p->rows; i++)
    s->v_clip[i] = fmax(-p->v_read, fmin(p->v_read, v[i]));
  /* Over 1 s the read energy is the power sum_i v_i^2 sum_j G_ij. */
  aimc_xbar_read_opts o = {p->r_wire, p->read_noise, 1.0};
  double power_W = 0, v2 = p->v_read * p->v_read;
  aimc_xbar_mvm(s->x, s->v_clip, aimc_inst_out(inst, 1), &o,
                aimc_inst_rng(inst), &power_W);
  aimc_op_use use = {.n = p->rows, .g_S = power_W / v2};
  for (int i = 0; i < p->rows; i++) use.rows_fs += s->v_clip[i] * s->v_clip[i] / v2;
  aimc_op_cost c = crossbar_op_cost(p, &use);
  aimc_inst_add_energy(inst, c.e_J);
  aimc_inst_add_ops(inst, 2 * (uint64_t)p->rows * p->cols);
  return aimc_inst_drive(inst, 1, c.t_fs);
}

const aimc_model aimc_model_crossbar = {
    .name = "crossbar",
    .summary =
        "memristive crossbar: analog MVM with IR drop and read noise; "
        "programmed from a target file",
    .source = SRC,
    .eclass = AIMC_EC_ARRAY,
    .params = PARAMS,
    .n_params = AIMC_NPARAMS(PARAMS),
    .params_size = sizeof(crossbar_params),
    .ports = PORTS,
    .n_ports = AIMC_NPARAMS(PORTS),
    .state_size = sizeof(crossbar_state),
    .init = crossbar_init,
    .on_input = crossbar_on_input,
    .reset = crossbar_reset,
    .check_files = crossbar_check_files,
    .op_cost = crossbar_op_cost,
};

aimc_xbar *aimc_crossbar_xbar(aimc_inst *inst) {
  if (!inst || aimc_inst_model(inst) != &aimc_model_crossbar) return NULL;
  return ((crossbar_state *)aimc_inst_state(inst))->x;
}

const aimc_prog_totals *aimc_crossbar_prog_totals(aimc_inst *inst) {
  if (!inst || aimc_inst_model(inst) != &aimc_model_crossbar) return NULL;
  return &((crossbar_state *)aimc_inst_state(inst))->prog;
}
