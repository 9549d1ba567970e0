/* "vcm": a JART-like compact model of a filamentary valence-change ReRAM
 * cell, after JART VCM v1b (Bengel et al., IEEE TCAS-I 67:4618, 2020;
 * Cueppers et al., APL Mater. 7:091105, 2019). State: the oxygen-vacancy
 * concentration N of the disc next to the active electrode.
 *   Conduction (simplified: ohmic, no Schottky barrier):
 *     R(N) = R_disc(N) + R_plug + R_series,  R_disc = l_disc / (z e mu N A)
 * (v1b eq. 6-7) Joule heating: T = T0 + R_th I (V_disc + V_plug) (v1b eq. 10)
 *   Ion hopping (Mott-Gurney), field E = V_disc / l_disc:
 *     dN/dt = +- c a nu0 / l_disc exp(-dW_A / kT) 2 sinh(a z e E / 2kT) F (v1b
 * eq. 8-9) with window F = 1 - (N/N_max)^10 (SET), 1 - (N_min/N)^10 (RESET),
 * and c = N_plug for SET (vacancies drawn from the plug), N for RESET.
 * Polarity: v > 0 is SET here (JART v1b SETs at negative voltage). The
 * pulse is integrated with adaptive explicit steps (|dN|/N <= 1 %), energy
 * is the integral of V I. Variation: r_fil and l_disc per device (d2d,
 * Bengel 2020 sec. III), multiplicative noise on each pulse's change of
 * ln N (c2c), relative read noise, power-law relaxation of ln(N/N_min). */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "aimc/device.h"
#include "aimc/status.h"
#include "device_common.h"

#define Q_E 1.602176634e-19 /* C */
#define K_B 1.380649e-23    /* J/K */
#define PI 3.14159265358979323846

typedef struct {
  double t0_K, z_vo, dw_a_eV, a_m, nu0_Hz, mu_n;
  double n_min, n_max, n_plug, n_init;
  double r_fil, l_cell, l_disc;
  double r_series, r_th, r_schottky;
  double sigma_c2c, sigma_d2d, read_noise, drift_nu, drift_t0;
  double p_stuck_min, p_stuck_max;
  double v_read, t_read, width;
  double v_set_min, v_set_max, v_reset_min, v_reset_max;
} vcm_params;

typedef struct {
  double n;             /* disc vacancy concentration (m^-3)          */
  double r_fil, l_disc; /* this device's geometry (d2d sampled)      */
  double age_s;
  int stuck;
} vcm_cell;

#define SRC_V1B \
  "JART VCM v1b: Bengel et al., IEEE TCAS-I 67:4618 (2020), Table I"
#define SRC_APL "Cueppers et al., APL Mater. 7:091105 (2019)"
#define P(key, field, def, lo, hi, unit, doc, src)                          \
  {                                                                         \
    key, AIMC_PT_REAL, offsetof(vcm_params, field), def, lo, hi, unit, doc, \
        src, NULL, NULL                                                     \
  }

static const aimc_param VCM_PARAMS[] = {
    P("t0", t0_K, 293, 1, 1000, AIMC_U_KELVIN, "Ambient temperature.", SRC_V1B),
    P("z_vo", z_vo, 2, 1, 4, AIMC_U_NONE, "Charge number of an oxygen vacancy.",
      SRC_V1B),
    P("dw_a", dw_a_eV, 1.35, 0.1, 5, AIMC_U_NONE,
      "Ion-hopping activation energy (eV).", SRC_V1B),
    P("a", a_m, 0.25e-9, 1e-11, 1e-8, AIMC_U_METER, "Ion hopping distance.",
      SRC_V1B),
    P("nu0", nu0_Hz, 2e13, 1e9, 1e15, AIMC_U_HERTZ, "Attempt frequency.",
      SRC_V1B),
    P("mu_n", mu_n, 4e-6, 1e-9, 1e-2, AIMC_U_NONE,
      "Electron mobility (m^2/(V s)).", SRC_V1B),
    P("n_min", n_min, 0.008e26, 1e20, 1e28, AIMC_U_NONE,
      "Lowest disc vacancy concentration (m^-3).", SRC_V1B),
    P("n_max", n_max, 20e26, 1e20, 1e28, AIMC_U_NONE,
      "Highest disc vacancy concentration (m^-3).", SRC_V1B),
    P("n_plug", n_plug, 20e26, 1e20, 1e28, AIMC_U_NONE,
      "Plug vacancy concentration (m^-3).", SRC_V1B),
    P("n_init", n_init, 0.008e26, 1e20, 1e28, AIMC_U_NONE,
      "Initial disc concentration (m^-3), HRS by default.", SRC_V1B),
    P("r_fil", r_fil, 45e-9, 1e-9, 1e-6, AIMC_U_METER, "Filament radius.",
      SRC_V1B),
    P("l_cell", l_cell, 3e-9, 1e-10, 1e-7, AIMC_U_METER, "Oxide (cell) length.",
      SRC_V1B),
    P("l_disc", l_disc, 0.4e-9, 1e-11, 1e-8, AIMC_U_METER, "Disc length.",
      SRC_V1B),
    P("r_series", r_series, 10e3, 0, 1e7, AIMC_U_OHM,
      "Series resistance (TiOx layer + line).", SRC_V1B),
    P("r_th", r_th, 2e7, 0, 1e9, AIMC_U_NONE,
      "Effective thermal resistance (K/W); v1b uses 15.72e6.",
      "calibrated here (near v1b) for gradual RESET at 1.2-1.6 V / 100 ns"),
    P("r_schottky", r_schottky, 20e3, 0, 1e8, AIMC_U_OHM,
      "Reverse-biased interface (Schottky) resistance seen in RESET polarity; "
      "it carries the RESET field.",
      "v1b eq. 4-5 reduced to a constant resistance; calibrated here"),
    P("sigma_c2c", sigma_c2c, 0.15, 0, 2, AIMC_U_NONE,
      "Relative sigma of each pulse's change of ln N.", SRC_APL),
    P("sigma_d2d", sigma_d2d, 0.03, 0, 0.3, AIMC_U_NONE,
      "Relative sigma of r_fil and l_disc per device.",
      "Bengel et al. 2020, sec. III"),
    P("read_noise", read_noise, 0.005, 0, 1, AIMC_U_NONE,
      "Relative sigma of a read.", "Wiefels et al., IEEE TED 67:4208 (2020)"),
    P("drift_nu", drift_nu, 0.005, 0, 1, AIMC_U_NONE,
      "Relaxation exponent of ln(N/n_min).",
      "Wiefels et al., IEEE TED 67:4208 (2020)"),
    P("drift_t0", drift_t0, 1.0, 1e-9, 1e6, AIMC_U_SECOND,
      "Relaxation reference time.", "Wiefels et al. 2020"),
    P("p_stuck_min", p_stuck_min, 0, 0, 1, AIMC_U_NONE,
      "Probability a device is stuck in HRS.", "fault model"),
    P("p_stuck_max", p_stuck_max, 0, 0, 1, AIMC_U_NONE,
      "Probability a device is stuck in LRS.", "fault model"),
    P("v_read", v_read, 0.2, 1e-3, 5, AIMC_U_VOLT, "Read voltage.", SRC_APL),
    P("t_read", t_read, 10e-9, 0, 1, AIMC_U_SECOND, "Duration of one read.",
      "typical"),
    P("width", width, 100e-9, 1e-12, 1, AIMC_U_SECOND,
      "Pulse width the controllers use.", SRC_APL),
    P("v_set_min", v_set_min, 1.0, 0, 10, AIMC_U_VOLT,
      "Smallest SET amplitude a controller uses.", "calibrated here"),
    P("v_set_max", v_set_max, 1.6, 0, 10, AIMC_U_VOLT, "Largest SET amplitude.",
      "calibrated here"),
    P("v_reset_min", v_reset_min, 1.15, 0, 10, AIMC_U_VOLT,
      "Smallest RESET amplitude (magnitude).", "calibrated here"),
    P("v_reset_max", v_reset_max, 1.8, 0, 10, AIMC_U_VOLT,
      "Largest RESET amplitude (magnitude).", "calibrated here"),
};
#undef P

static int vcm_validate(const void *params, char *err, size_t errlen) {
  const vcm_params *p = params;
  if (p->n_min >= p->n_max)
    return snprintf(err, errlen, "n_min = %g must be below n_max = %g",
                    p->n_min, p->n_max),
           AIMC_ERANGE;
  if (p->n_init < p->n_min || p->n_init > p->n_max)
    return snprintf(err, errlen,
                    "n_init = %g must lie in [n_min, n_max] = [%g, %g]",
                    p->n_init, p->n_min, p->n_max),
           AIMC_ERANGE;
  if (p->l_disc >= p->l_cell)
    return snprintf(err, errlen, "l_disc = %g m must be below l_cell = %g m",
                    p->l_disc, p->l_cell),
           AIMC_ERANGE;
  if (p->p_stuck_min + p->p_stuck_max > 1)
    return snprintf(err, errlen, "p_stuck_min + p_stuck_max exceeds 1"),
           AIMC_ERANGE;
  if (p->v_set_min > p->v_set_max || p->v_reset_min > p->v_reset_max)
    return snprintf(
               err, errlen,
               "v_set_min/v_reset_min must not exceed v_set_max/v_reset_max"),
           AIMC_ERANGE;
  return AIMC_OK;
}

/* Resistances of one cell at state n: disc, and everything else. */
static double r_disc(const vcm_params *p, const vcm_cell *c, double n) {
  double area = PI * c->r_fil * c->r_fil;
  return c->l_disc / (p->z_vo * Q_E * p->mu_n * n * area);
}
static double r_plug(const vcm_params *p, const vcm_cell *c) {
  double area = PI * c->r_fil * c->r_fil;
  return (p->l_cell - c->l_disc) / (p->z_vo * Q_E * p->mu_n * p->n_plug * area);
}
static double cell_g(const vcm_params *p, const vcm_cell *c) {
  return 1.0 / (r_disc(p, c, c->n) + r_plug(p, c) + p->r_series);
}

static double spread(gsl_rng *rng, double sigma) { return aimc_device_spread(rng, sigma, 0.2); }

static void vcm_cell_init(const void *params, void *cell, gsl_rng *rng) {
  const vcm_params *p = params;
  vcm_cell *c = cell;
  c->r_fil = p->r_fil * spread(rng, p->sigma_d2d);
  c->l_disc = p->l_disc * spread(rng, p->sigma_d2d);
  if (c->l_disc > 0.9 * p->l_cell) c->l_disc = 0.9 * p->l_cell;
  c->n = p->n_init;
  c->age_s = 0;
  c->stuck = aimc_device_draw_stuck(rng, p->p_stuck_min, p->p_stuck_max);
  if (c->stuck) c->n = c->stuck > 0 ? p->n_max : p->n_min;
}

/* dN/dt at state n under applied v; also the current. */
static double vcm_rate(const vcm_params *p, const vcm_cell *c, double n,
                       double v, double *i_A) {
  /* In RESET polarity the interface is reverse biased: it adds to the
   * disc region, where the field and the heat act. */
  double rd = r_disc(p, c, n) + (v < 0 ? p->r_schottky : 0), rp = r_plug(p, c);
  double i = v / (rd + rp + p->r_series);
  *i_A = i;
  /* Field and heat act over the whole oxide (disc + plug + interface): the
   * heat I^2 R_cell then falls once R_cell exceeds r_series, which makes
   * RESET self-limiting at an amplitude-dependent depth, as in v1b. */
  double v_cell = i * (rd + rp);
  double temp = p->t0_K + p->r_th * fabs(i * v_cell);
  double kt = K_B * temp;
  double field = fabs(v_cell) / p->l_cell;
  double hop = p->a_m * p->nu0_Hz / c->l_disc * exp(-p->dw_a_eV * Q_E / kt) *
               2 * sinh(p->a_m * p->z_vo * Q_E * field / (2 * kt));
  if (v > 0) return p->n_plug * hop * (1 - pow(n / p->n_max, 10));
  return -n * hop * (1 - pow(p->n_min / n, 10));
}

static void vcm_pulse(const void *params, void *cell, double v, double w,
                      gsl_rng *rng, aimc_device_result *r) {
  const vcm_params *p = params;
  vcm_cell *c = cell;
  double e = 0, i = v * cell_g(p, c);
  if (w > 0) {
    double n = c->n, t = 0;
    double dt_min = w * 1e-6;
    for (int step = 0; t < w && step < 200000; step++) {
      double rate = vcm_rate(p, c, n, v, &i);
      double dt = w - t;
      if (rate != 0 && !c->stuck) {
        double lim = 0.01 * n / fabs(rate);
        if (lim < dt) dt = lim > dt_min ? lim : dt_min;
      }
      e += fabs(v * i) * dt;
      if (!c->stuck) {
        n += rate * dt;
        if (n < p->n_min) n = p->n_min;
        if (n > p->n_max) n = p->n_max;
      }
      t += dt;
    }
    if (!c->stuck) {
      double dln = log(n / c->n);
      if (rng && p->sigma_c2c > 0 && dln != 0)
        dln *= 1 + gsl_ran_gaussian_ziggurat(rng, p->sigma_c2c);
      n = c->n * exp(dln);
      c->n = n < p->n_min ? p->n_min : (n > p->n_max ? p->n_max : n);
      c->age_s = 0;
    }
  }
  r->g_S = cell_g(p, c);
  r->i_A = i;
  r->e_J = e;
  r->t_s = w > 0 ? w : 0;
}

static void vcm_read(const void *params, const void *cell, double v,
                     gsl_rng *rng, aimc_device_result *r) {
  const vcm_params *p = params;
  aimc_device_read_g(cell_g(p, cell), v, p->read_noise, p->t_read, rng, r);
}

static double vcm_conductance(const void *params, const void *cell) {
  return cell_g(params, cell);
}

static void vcm_set_g(const void *params, void *cell, double g) {
  const vcm_params *p = params;
  vcm_cell *c = cell;
  if (c->stuck) return;
  double rd = 1.0 / g - r_plug(p, c) - p->r_series;
  double n = rd > 0 ? c->l_disc / (p->z_vo * Q_E * p->mu_n * rd * PI *
                                   c->r_fil * c->r_fil)
                    : p->n_max;
  c->n = n < p->n_min ? p->n_min : (n > p->n_max ? p->n_max : n);
  c->age_s = 0;
}

static void vcm_age(const void *params, void *cell, double dt) {
  const vcm_params *p = params;
  vcm_cell *c = cell;
  if (c->stuck || dt <= 0 || p->drift_nu <= 0) return;
  double x = log(c->n / p->n_min);
  x *= pow((c->age_s + dt + p->drift_t0) / (c->age_s + p->drift_t0),
           -p->drift_nu);
  c->n = p->n_min * exp(x);
  c->age_s += dt;
}

static void vcm_window(const void *params, double *g_min, double *g_max) {
  const vcm_params *p = params;
  vcm_cell c = {p->n_min, p->r_fil, p->l_disc, 0, 0};
  *g_min = cell_g(p, &c);
  c.n = p->n_max;
  *g_max = cell_g(p, &c);
}

static void vcm_limits(const void *params, aimc_pulse_limits *lim) {
  const vcm_params *p = params;
  *lim = (aimc_pulse_limits){p->v_set_min,   p->v_set_max, p->v_reset_min,
                             p->v_reset_max, p->width,     p->v_read,
                             p->t_read};
}

static int vcm_stuck(const void *cell) {
  return ((const vcm_cell *)cell)->stuck;
}

const aimc_device_model aimc_device_vcm_model = {
    .name = "vcm",
    .summary =
        "JART-like VCM ReRAM compact model: vacancy disc, Joule heating, "
        "Mott-Gurney ion hopping",
    .source = SRC_V1B "; " SRC_APL,
    .params = VCM_PARAMS,
    .n_params = AIMC_NPARAMS(VCM_PARAMS),
    .params_size = sizeof(vcm_params),
    .cell_size = sizeof(vcm_cell),
    .validate = vcm_validate,
    .cell_init = vcm_cell_init,
    .pulse = vcm_pulse,
    .read = vcm_read,
    .conductance = vcm_conductance,
    .set_conductance = vcm_set_g,
    .age = vcm_age,
    .window = vcm_window,
    .limits = vcm_limits,
    .stuck = vcm_stuck,
};
