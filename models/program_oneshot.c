/* One-shot predictive programming (after arXiv 2403.06712): a forward
 * model per polarity, fitted by least squares to simulated pulses of the
 * device card and inverted by bisection in V. With u = (G - g_min)/span,
 * headroom h = 1-u (SET) or u (RESET) and the update's share of it
 * r = |du| / h, the model is z = ln(-ln(1 - r)) = sum_k c_k phi_k(u, V):
 * for a soft-bound device z = ln(k t(V)) exactly, so a low-order
 * polynomial in (u, V) fits any device whose update saturates at the
 * window edges. */
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <string.h>

#include "aimc/program.h"
#include "aimc/status.h"

#define N_BASIS 9

struct aimc_oneshot {
  const aimc_device *dev;
  aimc_pulse_limits lim;
  double g_min, span;
  double coef[2][N_BASIS]; /* [0] SET, [1] RESET */
  double rms[2];
};

static double clamp01(double u) {
  return u < 1e-3 ? 1e-3 : (u > 1 - 1e-3 ? 1 - 1e-3 : u);
}

static double headroom(int pol, double u) {
  u = clamp01(u);
  return pol == 0 ? 1 - u : u;
}

/* z of an update that takes share r of the headroom. */
static double share_to_z(double r) {
  if (r > 0.999) r = 0.999;
  return log(-log1p(-r));
}

static void basis(int pol, double u, double v, double *phi) {
  double h = log(headroom(pol, u));
  u = clamp01(u);
  double b[N_BASIS] = {1, v, v * v, v * v * v, h, h * v, u, u * v, u * u};
  memcpy(phi, b, sizeof b);
}

static double forward(const aimc_oneshot *o, int pol, double u, double v) {
  double phi[N_BASIS], z = 0;
  basis(pol, u, v, phi);
  for (int k = 0; k < N_BASIS; k++) z += o->coef[pol][k] * phi[k];
  return z;
}

/* Least-squares fit of one polarity on n simulated pulses. */
static int fit_polarity(aimc_ctx *ctx, aimc_oneshot *o, int pol, int n,
                        gsl_rng *rng, void *cell) {
  gsl_matrix *X = gsl_matrix_alloc(n, N_BASIS);
  gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(N_BASIS);
  gsl_matrix *cov = gsl_matrix_alloc(N_BASIS, N_BASIS);
  gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, N_BASIS);
  int rc = AIMC_OK;
  if (!X || !y || !c || !cov || !ws) {
    rc = aimc_error(ctx, AIMC_ENOMEM, "one-shot fit: out of memory");
    goto done;
  }
  double v_lo = pol == 0 ? o->lim.v_set_min : o->lim.v_reset_min;
  double v_hi = pol == 0 ? o->lim.v_set_max : o->lim.v_reset_max;
  int rows = 0;
  for (int tries = 0; rows < n && tries < 20 * n; tries++) {
    aimc_device_cell_init(o->dev, cell, rng);
    if (aimc_device_stuck(o->dev, cell)) continue;
    double u = gsl_rng_uniform(rng);
    aimc_device_set_g(o->dev, cell, o->g_min + u * o->span);
    double g0 = aimc_device_g(o->dev, cell);
    double v = v_lo + (v_hi - v_lo) * gsl_rng_uniform(rng);
    aimc_device_result r;
    aimc_device_pulse(o->dev, cell, pol == 0 ? v : -v, o->lim.width_s, rng, &r);
    double dg = (r.g_S - g0) * (pol == 0 ? 1 : -1);
    if (dg <= 1e-6 * o->span) continue; /* below threshold: no information */
    double u0 = (g0 - o->g_min) / o->span, phi[N_BASIS];
    basis(pol, u0, v, phi);
    for (int k = 0; k < N_BASIS; k++) gsl_matrix_set(X, rows, k, phi[k]);
    gsl_vector_set(y, rows, share_to_z(dg / o->span / headroom(pol, u0)));
    rows++;
  }
  if (rows < 2 * N_BASIS) {
    rc = aimc_error(ctx, AIMC_EFAIL,
                    "one-shot fit: only %d of %d %s pulses changed the device; "
                    "check the card's amplitude limits",
                    rows, n, pol ? "RESET" : "SET");
    goto done;
  }
  gsl_matrix_view Xv = gsl_matrix_submatrix(X, 0, 0, rows, N_BASIS);
  gsl_vector_view yv = gsl_vector_subvector(y, 0, rows);
  gsl_multifit_linear_workspace *ws2 = gsl_multifit_linear_alloc(rows, N_BASIS);
  double chisq;
  if (!ws2 ||
      gsl_multifit_linear(&Xv.matrix, &yv.vector, c, cov, &chisq, ws2)) {
    rc = aimc_error(ctx, AIMC_ENUMERIC, "one-shot fit: least squares failed");
  } else {
    for (int k = 0; k < N_BASIS; k++) o->coef[pol][k] = gsl_vector_get(c, k);
    o->rms[pol] = sqrt(chisq / rows);
  }
  gsl_multifit_linear_free(ws2);
done:
  gsl_multifit_linear_free(ws);
  gsl_matrix_free(cov);
  gsl_vector_free(c);
  gsl_vector_free(y);
  gsl_matrix_free(X);
  return rc;
}

int aimc_oneshot_fit(aimc_ctx *ctx, const aimc_device *dev, int n_samples,
                     gsl_rng *rng, aimc_oneshot **out) {
  *out = NULL;
  if (n_samples < 100)
    return aimc_error(ctx, AIMC_ERANGE,
                      "one-shot fit: n_samples = %d is out of range [100, inf)",
                      n_samples);
  aimc_oneshot *o = aimc_calloc(ctx, 1, sizeof *o);
  void *cell = aimc_calloc(ctx, 1, aimc_device_cell_size(dev));
  if (!o || !cell) {
    aimc_free(ctx, o);
    aimc_free(ctx, cell);
    return aimc_error(ctx, AIMC_ENOMEM, "one-shot fit: out of memory");
  }
  o->dev = dev;
  aimc_device_limits(dev, &o->lim);
  double g_max;
  aimc_device_window(dev, &o->g_min, &g_max);
  o->span = g_max - o->g_min;
  int rc = fit_polarity(ctx, o, 0, n_samples, rng, cell);
  if (!rc) rc = fit_polarity(ctx, o, 1, n_samples, rng, cell);
  aimc_free(ctx, cell);
  if (rc) {
    aimc_free(ctx, o);
    return rc;
  }
  *out = o;
  return AIMC_OK;
}

void aimc_oneshot_free(aimc_ctx *ctx, aimc_oneshot *o) { aimc_free(ctx, o); }

void aimc_oneshot_fit_rms(const aimc_oneshot *o, double rms[2]) {
  rms[0] = o->rms[0];
  rms[1] = o->rms[1];
}

double aimc_oneshot_voltage(const aimc_oneshot *o, double g_now,
                            double g_target, double tol) {
  double dg = g_target - g_now;
  if (fabs(dg) <= tol) return 0;
  int pol = dg > 0 ? 0 : 1;
  double u = (g_now - o->g_min) / o->span;
  double z = share_to_z(fabs(dg) / o->span / headroom(pol, u));
  double lo = pol == 0 ? o->lim.v_set_min : o->lim.v_reset_min;
  double hi = pol == 0 ? o->lim.v_set_max : o->lim.v_reset_max;
  /* The fitted update grows with the amplitude; clamp, then bisect. */
  if (forward(o, pol, u, lo) >= z) return pol == 0 ? lo : -lo;
  if (forward(o, pol, u, hi) <= z) return pol == 0 ? hi : -hi;
  for (int it = 0; it < 40; it++) {
    double mid = 0.5 * (lo + hi);
    if (forward(o, pol, u, mid) < z)
      lo = mid;
    else
      hi = mid;
  }
  double v = 0.5 * (lo + hi);
  return pol == 0 ? v : -v;
}

void aimc_oneshot_program(const aimc_oneshot *o, void *cell, double target_S,
                          double tol_S, gsl_rng *rng, aimc_prog_result *res) {
  aimc_device_result r;
  *res = (aimc_prog_result){0};
  aimc_device_read(o->dev, cell, o->lim.v_read_V, rng, &r);
  res->reads = 1;
  res->e_J = r.e_J;
  res->t_s = r.t_s;
  double v = aimc_oneshot_voltage(o, r.g_S, target_S, tol_S);
  if (v != 0) {
    aimc_device_pulse(o->dev, cell, v, o->lim.width_s, rng, &r);
    res->pulses = 1;
    res->e_J += r.e_J;
    res->t_s += r.t_s;
  }
  res->g_S = aimc_device_g(o->dev, cell);
  res->err_S = res->g_S - target_S;
  res->converged = fabs(res->err_S) <= tol_S;
}
