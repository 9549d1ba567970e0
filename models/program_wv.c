/* Write-verify programming (init / iterate / test): verify read, compare,
 * one ISPP pulse; see aimc/program.h for the schedule. */
#include <math.h>
#include <stddef.h>

#include "aimc/program.h"

static const char *const SCHEDULES[] = {"amplitude", "width", NULL};

const aimc_param aimc_wv_param_table[] = {
    {"tol", AIMC_PT_REAL, offsetof(aimc_wv_params, tol_S), 1e-6, 1e-9, 1e-3,
     AIMC_U_SIEMENS,
     "Required distance of the final conductance from the target.",
     "about 1 % of a 5-100 uS window", NULL, NULL},
    {"guard", AIMC_PT_REAL, offsetof(aimc_wv_params, guard), 0.5, 0.05, 1,
     AIMC_U_NONE,
     "Verify accepts reads within guard * tol, so read noise rarely accepts a "
     "device outside tol.",
     "guard band, chosen here for 0.5 % read noise", NULL, NULL},
    {"max_pulses", AIMC_PT_INT, offsetof(aimc_wv_params, max_pulses), 100, 1,
     100000, AIMC_U_NONE, "Pulse budget per device.",
     "common practice (arXiv 2403.06712)", NULL, NULL},
    {"n_reads", AIMC_PT_INT, offsetof(aimc_wv_params, n_reads), 4, 1, 64,
     AIMC_U_NONE,
     "Reads averaged per verify (read noise falls as 1/sqrt(n_reads)).",
     "common practice", NULL, NULL},
    {"v_step", AIMC_PT_REAL, offsetof(aimc_wv_params, v_step_V), 0.02, 0, 1,
     AIMC_U_VOLT, "ISPP amplitude increment per pulse in the same direction.",
     "incremental step pulse programming", NULL, NULL},
    {"schedule", AIMC_PT_ENUM, offsetof(aimc_wv_params, schedule), 0, 0, 1,
     AIMC_U_NONE,
     "Pulse schedule: growing amplitude, or growing width at the smallest "
     "amplitude.",
     "ISPP / width modulation", SCHEDULES, NULL},
};
const size_t aimc_wv_n_params = AIMC_NPARAMS(aimc_wv_param_table);

void aimc_wv_defaults(aimc_wv_params *p) {
  aimc_params_defaults(aimc_wv_param_table, aimc_wv_n_params, p);
}

void aimc_wv_init(aimc_wv *w, const aimc_device *dev, const aimc_wv_params *p,
                  void *cell, double target_S) {
  *w = (aimc_wv){.dev = dev, .cell = cell, .target_S = target_S, .p = *p};
  aimc_device_limits(dev, &w->lim);
  w->res.g_S = cell ? aimc_device_g(dev, cell) : 0;
  w->res.err_S = w->res.g_S - target_S;
}

/* The next pulse of the schedule in direction dir (+1 SET, -1 RESET). */
static void next_pulse(const aimc_wv *w, int dir, double *v, double *width) {
  double v_min = dir > 0 ? w->lim.v_set_min : w->lim.v_reset_min;
  double v_max = dir > 0 ? w->lim.v_set_max : w->lim.v_reset_max;
  int k = w->streak; /* pulses already applied in this direction */
  *width = w->lim.width_s;
  *v = v_min;
  if (w->p.schedule == AIMC_WV_WIDTH) {
    *width *= ldexp(1.0, k < 6 ? k : 6);
    if (k > 6) *v = fmin(v_max, v_min + w->p.v_step_V * (k - 6));
  } else {
    *v = fmin(v_max, v_min + w->p.v_step_V * k);
  }
  *v *= dir;
}

int aimc_wv_decide(aimc_wv *w, double g_read, double *v, double *width) {
  if (w->done) return 0;
  double diff = w->target_S - g_read;
  if (fabs(diff) <= w->p.guard * w->p.tol_S) {
    w->res.converged = 1;
    w->done = 1;
    return 0;
  }
  if (w->res.pulses >= w->p.max_pulses) {
    w->done = 1;
    return 0;
  }
  int dir = diff > 0 ? 1 : -1;
  if (dir != w->last_dir) w->streak = 0;
  next_pulse(w, dir, v, width);
  w->res.pulses++;
  w->last_dir = dir;
  w->streak++;
  return 1;
}

void aimc_wv_iterate(aimc_wv *w, gsl_rng *rng) {
  if (w->done) return;
  aimc_device_result r;
  double g_read = 0;
  for (int k = 0; k < w->p.n_reads; k++) {
    aimc_device_read(w->dev, w->cell, w->lim.v_read_V, rng, &r);
    g_read += r.g_S / w->p.n_reads;
    w->res.e_J += r.e_J;
    w->res.t_s += r.t_s;
  }
  w->res.reads += w->p.n_reads;
  double v, width;
  if (aimc_wv_decide(w, g_read, &v, &width)) {
    aimc_device_pulse(w->dev, w->cell, v, width, rng, &r);
    w->res.e_J += r.e_J;
    w->res.t_s += r.t_s;
  }
  w->res.g_S = aimc_device_g(w->dev, w->cell);
  w->res.err_S = w->res.g_S - w->target_S;
}

int aimc_wv_test(const aimc_wv *w) { return !w->done; }

void aimc_wv_program(const aimc_device *dev, const aimc_wv_params *p,
                     void *cell, double target_S, gsl_rng *rng,
                     aimc_prog_result *res) {
  aimc_wv w;
  aimc_wv_init(&w, dev, p, cell, target_S);
  while (aimc_wv_test(&w)) aimc_wv_iterate(&w, rng);
  *res = w.res;
}
