/* "pulse": a calibrated phenomenological pulse-response model of an analog
 * memristor. Normalised state x in [0, 1], G = g_lo + x (g_hi - g_lo).
 * During a pulse the state follows soft bounds (Frascaroli et al., Sci.
 * Rep. 8:7178, 2018, eq. 1; Fusi & Abbott, Nat. Neurosci. 10:485, 2007):
 *   SET:   d(1-x)/dt = -k_set (1-x)^gamma_set,  RESET: dx/dt = -k_reset
 * x^gamma_reset integrated in closed form over the pulse (so two half pulses
 * equal one pulse), with the rate exponential in the overdrive (Yu et al., IEDM
 * 2013; Frascaroli 2018 fig. 3): k t = alpha * w / w_ref * s(|V|), s(V) =
 * (exp((V - v_th)/v_0) - 1) / (exp((v_ref - v_th)/v_0) - 1), V > v_th.
 * Cycle-to-cycle noise multiplies each update by (1 + sigma_c2c xi)
 * (Gokmen & Vlasov, Front. Neurosci. 10:333, 2016, eq. 2); device-to-device
 * variation scales alpha_set, alpha_reset and the window edges per device;
 * read noise is relative Gaussian; drift is the power law
 * x(t) = x(0) ((t + t0)/t0)^-nu (Ielmini et al., IEEE TED 54:308, 2007),
 * i.e. conductance relaxes toward g_lo. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "aimc/device.h"
#include "aimc/status.h"
#include "device_common.h"

typedef struct {
  double g_min, g_max;
  double alpha_set, alpha_reset;
  double gamma_set, gamma_reset;
  double v_th_set, v_th_reset;
  double v_0, v_ref, w_ref;
  double sigma_c2c, sigma_d2d, sigma_d2d_g;
  double read_noise;
  double drift_nu, drift_t0;
  double p_stuck_min, p_stuck_max;
  int n_levels;
  double x_init;
  double v_read, t_read;
  double v_set_min, v_set_max, v_reset_min, v_reset_max;
} pulse_params;

typedef struct {
  double x;              /* normalised state                          */
  double a_set, a_reset; /* this device's rates (d2d sampled)         */
  double g_lo, g_hi;     /* this device's window (S)                  */
  double age_s;          /* time since it was last programmed         */
  int stuck;             /* 0, -1 at g_lo, +1 at g_hi                 */
} pulse_cell;

#define SRC_SOFT "Frascaroli et al., Sci. Rep. 8:7178 (2018)"
#define SRC_GV "Gokmen & Vlasov, Front. Neurosci. 10:333 (2016)"
#define SRC_WIN "IMSSA arXiv 2412.20215 (5-100 uS TaOx window)"
#define P(key, field, def, lo, hi, unit, doc, src)                            \
  {                                                                           \
    key, AIMC_PT_REAL, offsetof(pulse_params, field), def, lo, hi, unit, doc, \
        src, NULL, NULL                                                       \
  }

static const aimc_param PULSE_PARAMS[] = {
    P("g_min", g_min, 5e-6, 1e-9, 1e-2, AIMC_U_SIEMENS,
      "Lowest conductance of the window.", SRC_WIN),
    P("g_max", g_max, 100e-6, 1e-9, 1e-2, AIMC_U_SIEMENS,
      "Highest conductance of the window.", SRC_WIN),
    P("alpha_set", alpha_set, 0.02, 0, 10, AIMC_U_NONE,
      "SET rate: k t of one reference pulse (fraction of remaining headroom, "
      "~1/pulses to saturate).",
      SRC_SOFT),
    P("alpha_reset", alpha_reset, 0.04, 0, 10, AIMC_U_NONE,
      "RESET rate of one reference pulse; alpha_reset != alpha_set gives "
      "SET/RESET asymmetry.",
      SRC_SOFT),
    P("gamma_set", gamma_set, 1.0, 0.2, 5, AIMC_U_NONE,
      "Soft-bound exponent of SET (1: exponential approach to g_max).",
      SRC_SOFT),
    P("gamma_reset", gamma_reset, 1.0, 0.2, 5, AIMC_U_NONE,
      "Soft-bound exponent of RESET.", SRC_SOFT),
    P("v_th_set", v_th_set, 0.6, 0, 10, AIMC_U_VOLT,
      "SET threshold: smaller pulses do not move the state.",
      "Yu et al., IEDM 2013"),
    P("v_th_reset", v_th_reset, 0.6, 0, 10, AIMC_U_VOLT,
      "RESET threshold (magnitude).", "Yu et al., IEDM 2013"),
    P("v_0", v_0, 0.15, 1e-3, 10, AIMC_U_VOLT,
      "Voltage scale of the exponential rate-vs-overdrive law.", SRC_SOFT),
    P("v_ref", v_ref, 1.0, 0, 10, AIMC_U_VOLT,
      "Amplitude at which a pulse of width w_ref has rate alpha.",
      "calibration point"),
    P("w_ref", w_ref, 100e-9, 1e-12, 1, AIMC_U_SECOND,
      "Reference pulse width; also the controllers' pulse width.",
      "calibration point"),
    P("sigma_c2c", sigma_c2c, 0.2, 0, 2, AIMC_U_NONE,
      "Cycle-to-cycle noise: relative sigma of each update.", SRC_GV),
    P("sigma_d2d", sigma_d2d, 0.1, 0, 1, AIMC_U_NONE,
      "Device-to-device relative sigma of alpha_set and alpha_reset.", SRC_GV),
    P("sigma_d2d_g", sigma_d2d_g, 0.02, 0, 0.3, AIMC_U_NONE,
      "Device-to-device relative sigma of g_min and g_max.", SRC_GV),
    P("read_noise", read_noise, 0.005, 0, 1, AIMC_U_NONE,
      "Relative sigma of a read (Gaussian, per read).",
      "Le Gallo et al., Nat. Electron. 6:680 (2023)"),
    P("drift_nu", drift_nu, 0.005, 0, 1, AIMC_U_NONE,
      "Drift exponent: x(t) = x(0) ((t+t0)/t0)^-nu.",
      "Ielmini et al., IEEE TED 54:308 (2007)"),
    P("drift_t0", drift_t0, 1.0, 1e-9, 1e6, AIMC_U_SECOND,
      "Drift reference time after programming.",
      "Ielmini et al., IEEE TED 54:308 (2007)"),
    P("p_stuck_min", p_stuck_min, 0, 0, 1, AIMC_U_NONE,
      "Probability a device is stuck at its g_min.", "fault model"),
    P("p_stuck_max", p_stuck_max, 0, 0, 1, AIMC_U_NONE,
      "Probability a device is stuck at its g_max.", "fault model"),
    {"n_levels", AIMC_PT_INT, offsetof(pulse_params, n_levels), 0, 0, 65536,
     AIMC_U_NONE,
     "Stable levels across the window (0: continuous); states snap to the "
     "nearest one.",
     "finite-level devices", NULL, NULL},
    P("x_init", x_init, 0, 0, 1, AIMC_U_NONE,
      "Initial state as a fraction of the window (0: g_min).",
      "pristine after forming+RESET"),
    P("v_read", v_read, 0.2, 1e-3, 5, AIMC_U_VOLT, "Read voltage.",
      "typical TaOx read"),
    P("t_read", t_read, 10e-9, 0, 1, AIMC_U_SECOND, "Duration of one read.",
      "typical"),
    P("v_set_min", v_set_min, 0.7, 0, 10, AIMC_U_VOLT,
      "Smallest SET amplitude a controller uses.", "programming window"),
    P("v_set_max", v_set_max, 2.0, 0, 10, AIMC_U_VOLT,
      "Largest SET amplitude a controller uses.", "programming window"),
    P("v_reset_min", v_reset_min, 0.7, 0, 10, AIMC_U_VOLT,
      "Smallest RESET amplitude (magnitude).", "programming window"),
    P("v_reset_max", v_reset_max, 2.0, 0, 10, AIMC_U_VOLT,
      "Largest RESET amplitude (magnitude).", "programming window"),
};
#undef P

static int pulse_validate(const void *params, char *err, size_t errlen) {
  const pulse_params *p = params;
  if (p->g_min >= p->g_max)
    return snprintf(err, errlen, "g_min = %g S must be below g_max = %g S",
                    p->g_min, p->g_max),
           AIMC_ERANGE;
  if (p->p_stuck_min + p->p_stuck_max > 1)
    return snprintf(err, errlen, "p_stuck_min + p_stuck_max = %g exceeds 1",
                    p->p_stuck_min + p->p_stuck_max),
           AIMC_ERANGE;
  if (p->v_set_min > p->v_set_max || p->v_reset_min > p->v_reset_max)
    return snprintf(
               err, errlen,
               "v_set_min/v_reset_min must not exceed v_set_max/v_reset_max"),
           AIMC_ERANGE;
  if (p->v_ref <= p->v_th_set || p->v_ref <= p->v_th_reset)
    return snprintf(
               err, errlen,
               "v_ref = %g V must exceed v_th_set = %g V and v_th_reset = %g V",
               p->v_ref, p->v_th_set, p->v_th_reset),
           AIMC_ERANGE;
  return AIMC_OK;
}

/* Device-to-device factors stay positive. */
static double spread(gsl_rng *rng, double sigma) { return aimc_device_spread(rng, sigma, 0.01); }

static void pulse_cell_init(const void *params, void *cell, gsl_rng *rng) {
  const pulse_params *p = params;
  pulse_cell *c = cell;
  c->a_set = p->alpha_set * spread(rng, p->sigma_d2d);
  c->a_reset = p->alpha_reset * spread(rng, p->sigma_d2d);
  c->g_lo = p->g_min * spread(rng, p->sigma_d2d_g);
  c->g_hi = p->g_max * spread(rng, p->sigma_d2d_g);
  if (c->g_hi <= c->g_lo) c->g_hi = c->g_lo * 1.01; /* extreme draws only */
  c->x = p->x_init;
  c->age_s = 0;
  c->stuck = aimc_device_draw_stuck(rng, p->p_stuck_min, p->p_stuck_max);
  if (c->stuck) c->x = c->stuck > 0 ? 1.0 : 0.0;
}

static double cell_g(const pulse_cell *c) {
  return c->g_lo + c->x * (c->g_hi - c->g_lo);
}

/* Overdrive factor s(|V|): 0 below threshold, 1 at v_ref. */
static double overdrive(const pulse_params *p, double v, double v_th) {
  if (v <= v_th) return 0;
  return expm1((v - v_th) / p->v_0) / expm1((p->v_ref - v_th) / p->v_0);
}

/* Soft-bound decay of the headroom u over "k t" = kt: du/dt = -k u^gamma. */
static double soft_bound(double u, double kt, double gamma) {
  if (u <= 0 || kt <= 0) return u;
  if (fabs(gamma - 1) < 1e-9) return u * exp(-kt);
  double base = pow(u, 1 - gamma) - (1 - gamma) * kt;
  if (base <= 0) return 0; /* gamma < 1 reaches the bound in finite time */
  return pow(base, 1 / (1 - gamma));
}

static double snap(const pulse_params *p, double x) {
  if (x < 0) x = 0;
  if (x > 1) x = 1;
  if (p->n_levels >= 2) x = round(x * (p->n_levels - 1)) / (p->n_levels - 1);
  return x;
}

static void pulse_pulse(const void *params, void *cell, double v, double w,
                        gsl_rng *rng, aimc_device_result *r) {
  const pulse_params *p = params;
  pulse_cell *c = cell;
  double g0 = cell_g(c);
  if (!c->stuck && w > 0) {
    double x1 = c->x;
    if (v > 0) {
      double kt = c->a_set * w / p->w_ref * overdrive(p, v, p->v_th_set);
      x1 = 1 - soft_bound(1 - c->x, kt, p->gamma_set);
    } else if (v < 0) {
      double kt = c->a_reset * w / p->w_ref * overdrive(p, -v, p->v_th_reset);
      x1 = soft_bound(c->x, kt, p->gamma_reset);
    }
    double dx = x1 - c->x;
    if (rng && p->sigma_c2c > 0 && dx != 0)
      dx *= 1 + gsl_ran_gaussian_ziggurat(rng, p->sigma_c2c);
    c->x = snap(p, c->x + dx);
    c->age_s = 0;
  }
  double g1 = cell_g(c);
  r->g_S = g1;
  r->i_A = v * g1;
  r->e_J = v * v * 0.5 * (g0 + g1) * (w > 0 ? w : 0);
  r->t_s = w > 0 ? w : 0;
}

static void pulse_read(const void *params, const void *cell, double v,
                       gsl_rng *rng, aimc_device_result *r) {
  const pulse_params *p = params;
  aimc_device_read_g(cell_g(cell), v, p->read_noise, p->t_read, rng, r);
}

static double pulse_conductance(const void *params, const void *cell) {
  (void)params;
  return cell_g(cell);
}

static void pulse_set_g(const void *params, void *cell, double g) {
  pulse_cell *c = cell;
  if (c->stuck) return;
  c->x = snap(params, (g - c->g_lo) / (c->g_hi - c->g_lo));
  c->age_s = 0;
}

static void pulse_age(const void *params, void *cell, double dt) {
  const pulse_params *p = params;
  pulse_cell *c = cell;
  if (c->stuck || dt <= 0) return;
  if (p->drift_nu > 0)
    c->x *= pow((c->age_s + dt + p->drift_t0) / (c->age_s + p->drift_t0),
                -p->drift_nu);
  c->age_s += dt;
}

static void pulse_window(const void *params, double *g_min, double *g_max) {
  const pulse_params *p = params;
  *g_min = p->g_min;
  *g_max = p->g_max;
}

static void pulse_limits(const void *params, aimc_pulse_limits *lim) {
  const pulse_params *p = params;
  *lim = (aimc_pulse_limits){p->v_set_min,   p->v_set_max, p->v_reset_min,
                             p->v_reset_max, p->w_ref,     p->v_read,
                             p->t_read};
}

static int pulse_stuck(const void *cell) {
  return ((const pulse_cell *)cell)->stuck;
}

const aimc_device_model aimc_device_pulse_model = {
    .name = "pulse",
    .summary =
        "phenomenological pulse response: soft bounds, SET/RESET asymmetry, "
        "c2c/d2d noise, drift, stuck cells",
    .source = SRC_SOFT "; " SRC_GV "; Ielmini et al., IEEE TED 54:308 (2007)",
    .params = PULSE_PARAMS,
    .n_params = AIMC_NPARAMS(PULSE_PARAMS),
    .params_size = sizeof(pulse_params),
    .cell_size = sizeof(pulse_cell),
    .validate = pulse_validate,
    .cell_init = pulse_cell_init,
    .pulse = pulse_pulse,
    .read = pulse_read,
    .conductance = pulse_conductance,
    .set_conductance = pulse_set_g,
    .age = pulse_age,
    .window = pulse_window,
    .limits = pulse_limits,
    .stuck = pulse_stuck,
};
