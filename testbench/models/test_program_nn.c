/* Neural one-shot programming (aimc/program_nn.h) and the inverse network
 * on crossbars (aimc/nninv_hw.h): a small network trained in the test
 * lands >= 90 % of pulse-card devices within +-50 % of the intended update
 * (the full-size figures against the targets are the slow test and
 * bench_program_nn); the file round-trips bit-exactly and corrupt,
 * foreign-version and foreign-card files are refused; the hybrid reaches
 * write-verify's tolerance with fewer pulses; on ideal arrays with 16-bit
 * converters the crossbar network reproduces the float network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>

#include "aimc/nninv_hw.h"
#include "aimc/program_nn.h"
#include "aimc/status.h"
#include "testutil.h"

/* mode 0: neural one-shot, 1: write-verify, 2: hybrid (neural verify,
 * <= 20 verify pulses); the same devices and targets for every mode. */
static aimc_prog_pop population(aimc_ctx *ctx, const aimc_device *d,
                                const aimc_nninv *nn, int mode, int n,
                                double frac, double tol) {
  aimc_hybrid_arg h = {.nn = nn, .k = 20, .verify = AIMC_HYBRID_NN};
  aimc_wv_defaults(&h.wv);
  h.wv.max_pulses = 200;
  aimc_prog_fn fn[] = {aimc_prog_fn_nninv, aimc_prog_fn_wv,
                       aimc_prog_fn_hybrid};
  void *arg[] = {(void *)nn, &h.wv, &h};
  aimc_prog_pop s;
  aimc_ctx_reseed(ctx, 31);
  if (aimc_prog_population(ctx, d, fn[mode], arg[mode], n, frac, tol,
                           aimc_ctx_rng(ctx), &s))
    fail_msg("%s", aimc_ctx_errmsg(ctx));
  return s;
}

static aimc_nninv *train_small(aimc_ctx *ctx, const aimc_device *d) {
  aimc_nninv_opts o;
  aimc_nninv_defaults(&o);
  o.n_samples = 2000;
  o.epochs = 25;
  o.rounds = 1;
  aimc_nninv *nn = NULL;
  aimc_ctx_reseed(ctx, 5);
  if (aimc_nninv_train(ctx, d, &o, aimc_ctx_rng(ctx), &nn))
    fail_msg("%s", aimc_ctx_errmsg(ctx));
  return nn;
}

static void test_one_shot_and_hybrid(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_nninv *nn = train_small(ctx, d);
  /* 2000 devices: the standard error of a fraction near 0.95 is 0.5 %. */
  aimc_prog_pop s = population(ctx, d, nn, 0, 2000, 1.0, 1e-6);
  printf("pulse, small network: %.2f %% within +-50 %%\n", 100 * s.hit50);
  assert_true(s.hit50 >= 0.90);
  assert_true(s.pulses > 0.95 && s.pulses <= 1);
  /* Hybrid against write-verify at one tolerance (300 devices). */
  aimc_prog_pop wv = population(ctx, d, nn, 1, 300, 1.0, 1e-6);
  aimc_prog_pop hy = population(ctx, d, nn, 2, 300, 1.0, 1e-6);
  printf("write-verify %.2f %% within tol, %.1f pulses; hybrid %.2f %%, %.1f\n",
         100 * wv.within, wv.pulses, 100 * hy.within, hy.pulses);
  assert_true(hy.within >= wv.within - 0.02);
  assert_true(hy.pulses < 0.5 * wv.pulses);
  /* No pulse when already within the tolerance; polarity follows the
   * update; amplitudes stay within the card's limits. */
  aimc_pulse_limits lim;
  aimc_device_limits(d, &lim);
  double vs, ws, vr, wr, v2, w2;
  assert_int_equal(aimc_nninv_pulse(nn, 50e-6, 50.5e-6, 1e-6, &vs, &ws), 0);
  assert_true(vs == 0 && ws == 0);
  assert_int_equal(aimc_nninv_pulse(nn, 20e-6, 80e-6, 1e-6, &vs, &ws), 1);
  assert_int_equal(aimc_nninv_pulse(nn, 80e-6, 20e-6, 1e-6, &vr, &wr), 1);
  assert_true(vs >= lim.v_set_min && vs <= lim.v_set_max);
  assert_true(-vr >= lim.v_reset_min && -vr <= lim.v_reset_max);
  assert_true(ws == lim.width_s && wr == lim.width_s);
  /* A larger update needs a larger pulse. */
  aimc_nninv_pulse(nn, 20e-6, 40e-6, 1e-6, &v2, &w2);
  assert_true(v2 < vs);
  /* The crossbar's programming modes: 16 x 16 targets over the window. */
  aimc_xbar *x = NULL;
  assert_int_equal(aimc_xbar_alloc(ctx, d, 16, 16, aimc_ctx_rng(ctx), &x), 0);
  double t[256];
  for (int k = 0; k < 256; k++) t[k] = 10e-6 + 80e-6 * (k % 17) / 16.0;
  aimc_xbar_set_targets(x, t);
  aimc_xbar_prog_opts po;
  aimc_xbar_prog_defaults(&po);
  po.mode = AIMC_XBAR_PROG_ONE_SHOT_NN;
  aimc_prog_totals tot;
  assert_int_equal(aimc_xbar_program(x, &po, aimc_ctx_rng(ctx), &tot),
                   AIMC_EINVAL); /* no network given */
  po.nn = nn;
  assert_int_equal(aimc_xbar_program(x, &po, aimc_ctx_rng(ctx), &tot), 0);
  assert_true(tot.pulses <= 256 && tot.hist[1] + tot.hist[0] == 256);
  po.mode = AIMC_XBAR_PROG_HYBRID;
  assert_int_equal(aimc_xbar_program(x, &po, aimc_ctx_rng(ctx), &tot), 0);
  printf("crossbar hybrid: %ld of 256 within tol, %ld pulses\n",
         tot.converged, tot.pulses);
  assert_true(tot.converged >= 240 && tot.pulses < 256 * 10);
  aimc_xbar_free(x);
  /* A network trained for another card is refused. */
  aimc_device *v = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "vcm", &v), 0);
  assert_int_equal(aimc_xbar_alloc(ctx, v, 4, 4, NULL, &x), 0);
  assert_int_equal(aimc_xbar_program(x, &po, aimc_ctx_rng(ctx), &tot),
                   AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "trained for device model"));
  aimc_xbar_free(x);
  aimc_device_free(ctx, v);
  aimc_nninv_free(ctx, nn);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

/* Rewrites the trailing whole-file CRC after an edit. */
static void fix_crc(unsigned char *buf, size_t size) {
  uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(size - 4));
  memcpy(buf + size - 4, &crc, 4);
}

static void test_file(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(2);
  aimc_device *d = NULL, *v = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_nninv_opts o;
  aimc_nninv_defaults(&o);
  o.n_samples = 400;
  o.epochs = 2;
  aimc_nninv *nn = NULL, *back = NULL;
  assert_int_equal(aimc_nninv_train(ctx, d, &o, aimc_ctx_rng(ctx), &nn), 0);
  const char *dir = test_tmpdir("nninv");
  char path[512];
  snprintf(path, sizeof path, "%s/inv.bin", dir);
  assert_int_equal(aimc_nninv_save(ctx, nn, path), 0);
  assert_int_equal(aimc_nninv_load(ctx, path, &back), 0);
  for (double g = 6e-6; g < 99e-6; g += 7e-6) {
    double x[AIMC_NNINV_INPUTS];
    aimc_nninv_features(nn, g, 100e-6 - g, x);
    assert_true(aimc_nninv_eval(nn, x) == aimc_nninv_eval(back, x));
  }
  assert_int_equal(aimc_nninv_check_device(ctx, back, d, "t"), 0);
  /* A different card or model is refused, naming what differs. */
  assert_int_equal(aimc_device_set(ctx, d, "v_set_max", "1.8V"), 0);
  assert_int_equal(aimc_nninv_check_device(ctx, back, d, "t"), AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "v_set_max"));
  assert_int_equal(aimc_device_alloc(ctx, "vcm", &v), 0);
  assert_int_equal(aimc_nninv_check_device(ctx, back, v, "t"), AIMC_EINVAL);
  aimc_nninv_free(ctx, back);
  back = NULL;
  /* Corruption, a newer version, truncation, a foreign file. */
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  unsigned char buf[65536];
  size_t size = fread(buf, 1, sizeof buf, f);
  fclose(f);
  char bad[512];
  snprintf(bad, sizeof bad, "%s/bad.bin", dir);
  struct {
    int what, rc;
  } cases[] = {{0, AIMC_ECHECKSUM}, {1, AIMC_EINVAL}, {2, AIMC_EFORMAT},
               {3, AIMC_EINVAL}, {4, AIMC_EINVAL}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    unsigned char tmp[65536];
    size_t n = size;
    memcpy(tmp, buf, size);
    if (cases[c].what == 0) tmp[size / 2] ^= 1; /* flipped bit */
    if (cases[c].what == 1) tmp[8] = 2, fix_crc(tmp, n); /* version 2 */
    if (cases[c].what == 2) n = 10;                         /* truncated */
    if (cases[c].what == 3) tmp[0] = 'X', fix_crc(tmp, n);  /* magic */
    if (cases[c].what == 4) { /* a NaN weight, both CRCs recomputed */
      int h = aimc_nninv_hidden(nn);
      size_t np = (size_t)(AIMC_NNINV_INPUTS + 1) * h + (size_t)(h + 1) * h +
                  h + 1;
      unsigned char *pay = tmp + n - 4 - 8 * np; /* the last block */
      double nan = NAN;
      memcpy(pay + 8 * (np - 1), &nan, 8);
      uint32_t bc = (uint32_t)crc32(0L, pay, (uInt)(8 * np));
      memcpy(pay - 32 + 20, &bc, 4); /* head: name[16], type, crc, count */
      fix_crc(tmp, n);
    }
    FILE *g = fopen(bad, "wb");
    fwrite(tmp, 1, n, g);
    fclose(g);
    int rc = aimc_nninv_load(ctx, bad, &back);
    assert_int_equal(rc, cases[c].rc);
    assert_null(back);
    assert_non_null(strstr(aimc_ctx_errmsg(ctx), "bad.bin"));
  }
  aimc_nninv_free(ctx, nn);
  aimc_device_free(ctx, v);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

static void test_on_crossbars(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(3);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_nninv_opts o;
  aimc_nninv_defaults(&o);
  o.n_samples = 500;
  o.epochs = 5;
  aimc_nninv *nn = NULL;
  assert_int_equal(aimc_nninv_train(ctx, d, &o, aimc_ctx_rng(ctx), &nn), 0);
  aimc_nninv_hw_opts ho;
  aimc_nninv_hw_defaults(&ho);
  ho.prog.mode = AIMC_XBAR_PROG_IDEAL;
  ho.read.read_noise = 0;
  ho.dac_bits = ho.adc_bits = 16;
  aimc_nninv_hw *hw = NULL;
  assert_int_equal(aimc_nninv_hw_alloc(ctx, nn, &ho, aimc_ctx_rng(ctx), &hw),
                   0);
  /* Ideal devices (d2d variation moves each device's window edges by
   * ~2 %, a weight error of that order on g_min-referenced pairs) and
   * 16-bit converters: the output y within 0.02 (2 % of the amplitude
   * range). */
  double worst = 0;
  for (double g0 = 6e-6; g0 < 99e-6; g0 += 9e-6)
    for (double g1 = 6e-6; g1 < 99e-6; g1 += 11e-6) {
      double x[AIMC_NNINV_INPUTS];
      aimc_nninv_features(nn, g0, g1, x);
      worst = fmax(worst, fabs(aimc_nninv_eval(nn, x) -
                               aimc_nninv_hw_eval(hw, x, NULL)));
    }
  printf("crossbar vs float network: worst |dy| %.3g\n", worst);
  assert_true(worst <= 0.02);
  aimc_nninv_hw_stats st;
  aimc_nninv_hw_get_stats(hw, &st);
  int h = aimc_nninv_hidden(nn);
  assert_int_equal(st.arrays, 3);
  assert_int_equal(st.devices, (AIMC_NNINV_INPUTS + 1) * 2 * h +
                                   (h + 1) * 2 * h + (h + 1) * 2);
  assert_true(st.e_array_J > 0 && st.e_conv_J > 0);
  aimc_nninv_hw_free(hw);
  aimc_nninv_free(ctx, nn);
  aimc_device_free(ctx, d);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file),
      cmocka_unit_test(test_on_crossbars),
      cmocka_unit_test(test_one_shot_and_hybrid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
