/* The neural inverse on simulated crossbars (aimc/nninv_hw.h): one array
 * per dense layer, differential pairs, DAC / ADC quantization; the float
 * network (program_nn.c) supplies weights, features and output scaling. */
#include <math.h>
#include <string.h>

#include "aimc/model.h"
#include "aimc/nninv_hw.h"
#include "aimc/quant.h"
#include "aimc/status.h"

#define N_CAL 2000 /* calibration inputs for the ADC ranges */

typedef struct {
  int n_in, n_out;
  aimc_xbar *x;
  aimc_gmap map;
  aimc_quant dac, adc; /* input range, pre-activation range */
} hw_layer;

struct aimc_nninv_hw {
  aimc_ctx *ctx;
  const aimc_nninv *nn;
  aimc_device *own_dev;
  aimc_nninv_hw_opts o;
  hw_layer l[3];
  double e_dac, e_adc; /* J per conversion */
  aimc_nninv_hw_stats st;
  double e_array_sum;
};

void aimc_nninv_hw_defaults(aimc_nninv_hw_opts *o) {
  memset(o, 0, sizeof *o);
  o->dac_bits = 8;
  o->adc_bits = 8;
  aimc_xbar_prog_defaults(&o->prog);
  o->prog.mode = AIMC_XBAR_PROG_WRITE_VERIFY;
  o->read = (aimc_xbar_read_opts){0, 1, 10e-9};
}

/* Default e_conv of a registered converter model (its parameter table). */
static double e_conv_of(const char *model) {
  const aimc_model *m = aimc_models_find(model);
  for (size_t i = 0; m && i < m->n_params; i++)
    if (!strcmp(m->params[i].key, "e_conv")) return m->params[i].def;
  return 0;
}

/* Float forward of one layer's pre-activation (for calibration). */
static int dense1(const aimc_nninv *nn, int l, const double *x, double *z) {
  int ni, no;
  const double *w, *b;
  aimc_nninv_layer(nn, l, &ni, &no, &w, &b);
  for (int o = 0; o < no; o++) {
    z[o] = b[o];
    for (int i = 0; i < ni; i++) z[o] += w[(size_t)o * ni + i] * x[i];
  }
  return no;
}

/* Largest |pre-activation| of each layer over random (now, target) pairs
 * of the window, so the ADC ranges cover what the network sees. */
static void calibrate(aimc_nninv_hw *hw, gsl_rng *rng, double zmax[3]) {
  double lo, hi, a[AIMC_NNINV_MAX_HIDDEN], z[AIMC_NNINV_MAX_HIDDEN];
  aimc_device_window(hw->o.dev, &lo, &hi);
  zmax[0] = zmax[1] = zmax[2] = 1e-12;
  for (int k = 0; k < N_CAL; k++) {
    double g0 = lo + (hi - lo) * gsl_rng_uniform(rng);
    double g1 = lo + (hi - lo) * gsl_rng_uniform(rng);
    aimc_nninv_features(hw->nn, g0, g1, a);
    for (int l = 0; l < 3; l++) {
      int no = dense1(hw->nn, l, a, z);
      for (int o = 0; o < no; o++) {
        if (fabs(z[o]) > zmax[l]) zmax[l] = fabs(z[o]);
        a[o] = tanh(z[o]);
      }
    }
  }
}

static int map_layer(aimc_nninv_hw *hw, int l, double x_range, double z_range,
                     gsl_rng *rng) {
  hw_layer *L = &hw->l[l];
  const double *w, *b;
  aimc_nninv_layer(hw->nn, l, &L->n_in, &L->n_out, &w, &b);
  int rows = L->n_in + 1, cols = 2 * L->n_out;
  double wmax = 1e-12;
  for (int o = 0; o < L->n_out; o++) {
    for (int i = 0; i < L->n_in; i++)
      wmax = fmax(wmax, fabs(w[(size_t)o * L->n_in + i]));
    wmax = fmax(wmax, fabs(b[o] / x_range));
  }
  aimc_device_window(hw->o.dev, &L->map.g_min, &L->map.g_max);
  L->map.w_max = wmax;
  L->dac = (aimc_quant){hw->o.dac_bits, x_range};
  L->adc = (aimc_quant){hw->o.adc_bits, 1.05 * z_range};
  double *t = aimc_calloc(hw->ctx, (size_t)rows * cols, sizeof(double));
  if (!t) return aimc_error(hw->ctx, AIMC_ENOMEM, "nninv_hw: out of memory");
  for (int i = 0; i < rows; i++)
    for (int o = 0; o < L->n_out; o++) {
      /* Row i < n_in: weight (o, i); the last row: bias, driven at x_range. */
      double v = i < L->n_in ? w[(size_t)o * L->n_in + i] : b[o] / x_range;
      double *gp = &t[(size_t)i * cols + 2 * o];
      aimc_gmap_split(&L->map, v, gp, gp + 1);
    }
  int rc = aimc_xbar_alloc(hw->ctx, hw->o.dev, rows, cols, rng, &L->x);
  if (!rc) rc = aimc_xbar_set_targets(L->x, t);
  aimc_prog_totals tot;
  if (!rc) rc = aimc_xbar_program(L->x, &hw->o.prog, rng, &tot);
  aimc_free(hw->ctx, t);
  if (rc) return rc;
  hw->st.arrays++;
  hw->st.devices += rows * cols;
  hw->st.within_tol += (double)tot.converged;
  hw->st.e_prog_J += tot.e_J;
  hw->st.dac_conv += rows;
  hw->st.adc_conv += L->n_out;
  return AIMC_OK;
}

int aimc_nninv_hw_alloc(aimc_ctx *ctx, const aimc_nninv *nn,
                        const aimc_nninv_hw_opts *o, gsl_rng *rng,
                        aimc_nninv_hw **out) {
  *out = NULL;
  if (o->dac_bits < 1 || o->dac_bits > 16 || o->adc_bits < 1 ||
      o->adc_bits > 16)
    return aimc_error(ctx, AIMC_ERANGE,
                      "nninv_hw: dac_bits and adc_bits must lie in [1, 16]");
  aimc_nninv_hw *hw = aimc_calloc(ctx, 1, sizeof *hw);
  if (!hw) return aimc_error(ctx, AIMC_ENOMEM, "nninv_hw: out of memory");
  hw->ctx = ctx;
  hw->nn = nn;
  hw->o = *o;
  int rc = AIMC_OK;
  if (!hw->o.dev) {
    const aimc_device_model *m = aimc_device_models_at(0);
    /* The network's own model: look it up by the name its file stores. */
    for (size_t i = 0; i < aimc_device_models_count(); i++) {
      aimc_device *probe = NULL;
      m = aimc_device_models_at(i);
      if (aimc_device_alloc(ctx, m->name, &probe)) continue;
      if (!aimc_nninv_check_device(ctx, nn, probe, "nninv_hw")) {
        hw->own_dev = probe;
        break;
      }
      aimc_device_free(ctx, probe);
    }
    if (!hw->own_dev)
      rc = aimc_error(ctx, AIMC_EINVAL,
                      "nninv_hw: no default device card matches the "
                      "network's; pass the card as opts.dev");
    hw->o.dev = hw->own_dev;
  }
  hw->e_dac = e_conv_of("dac");
  hw->e_adc = e_conv_of("adc");
  double zmax[3];
  if (!rc) calibrate(hw, rng, zmax);
  /* Inputs: the features (ln feature reaches about -1.3), then tanh. */
  for (int l = 0; l < 3 && !rc; l++)
    rc = map_layer(hw, l, l == 0 ? 1.5 : 1.0, zmax[l], rng);
  if (rc) {
    aimc_nninv_hw_free(hw);
    return rc;
  }
  hw->st.within_tol /= hw->st.devices;
  *out = hw;
  return AIMC_OK;
}

void aimc_nninv_hw_free(aimc_nninv_hw *hw) {
  if (!hw) return;
  for (int l = 0; l < 3; l++) aimc_xbar_free(hw->l[l].x);
  aimc_device_free(hw->ctx, hw->own_dev);
  aimc_free(hw->ctx, hw);
}

/* One layer on its array: DAC, analog MVM, differential ADC. */
static void run_layer(aimc_nninv_hw *hw, int l, const double *a, double *z,
                      gsl_rng *rng, double *e_J) {
  hw_layer *L = &hw->l[l];
  double v[AIMC_NNINV_MAX_HIDDEN + 1], i_A[2 * AIMC_NNINV_MAX_HIDDEN];
  double v_read = 0.2, lo, hi;
  aimc_pulse_limits lim;
  aimc_device_limits(hw->o.dev, &lim);
  v_read = lim.v_read_V;
  for (int i = 0; i < L->n_in; i++)
    v[i] = aimc_quant_apply(&L->dac, a[i]) / L->dac.range * v_read;
  v[L->n_in] = v_read; /* bias row at full scale */
  aimc_xbar_mvm(L->x, v, i_A, &hw->o.read, rng, e_J);
  aimc_device_window(hw->o.dev, &lo, &hi);
  /* I+ - I- = v_read / x_range * (g_max - g_min) / w_max * (W a + b). */
  double k = L->dac.range * L->map.w_max / (v_read * (hi - lo));
  for (int o = 0; o < L->n_out; o++)
    z[o] = aimc_quant_apply(&L->adc, (i_A[2 * o] - i_A[2 * o + 1]) * k);
}

double aimc_nninv_hw_eval(aimc_nninv_hw *hw, const double x[AIMC_NNINV_INPUTS],
                          gsl_rng *rng) {
  double a[AIMC_NNINV_MAX_HIDDEN], z[AIMC_NNINV_MAX_HIDDEN], e = 0;
  memcpy(a, x, sizeof(double) * AIMC_NNINV_INPUTS);
  for (int l = 0; l < 3; l++) {
    run_layer(hw, l, a, z, rng, &e);
    for (int o = 0; o < hw->l[l].n_out; o++) a[o] = l < 2 ? tanh(z[o]) : z[o];
  }
  hw->st.inferences++;
  hw->e_array_sum += e;
  return a[0];
}

void aimc_nninv_hw_program(aimc_nninv_hw *hw, const aimc_device *dev,
                           void *cell, double target_S, double tol_S,
                           gsl_rng *rng, aimc_prog_result *res) {
  aimc_pulse_limits lim;
  aimc_device_limits(dev, &lim);
  aimc_device_result r;
  *res = (aimc_prog_result){0};
  aimc_device_read(dev, cell, lim.v_read_V, rng, &r);
  res->reads = 1;
  res->e_J = r.e_J;
  res->t_s = r.t_s;
  if (fabs(target_S - r.g_S) > tol_S) {
    double x[AIMC_NNINV_INPUTS], w;
    int pol = aimc_nninv_features(hw->nn, r.g_S, target_S, x);
    double v = aimc_nninv_output(hw->nn, pol, aimc_nninv_hw_eval(hw, x, rng), &w);
    aimc_device_pulse(dev, cell, v, w, rng, &r);
    res->pulses = 1;
    res->e_J += r.e_J;
    res->t_s += r.t_s;
  }
  res->g_S = aimc_device_g(dev, cell);
  res->err_S = res->g_S - target_S;
  res->converged = fabs(res->err_S) <= tol_S;
}

void aimc_nninv_hw_get_stats(const aimc_nninv_hw *hw, aimc_nninv_hw_stats *s) {
  *s = hw->st;
  if (s->inferences) s->e_array_J = hw->e_array_sum / s->inferences;
  s->e_conv_J = s->dac_conv * hw->e_dac + s->adc_conv * hw->e_adc;
}
