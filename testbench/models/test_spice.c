/* The crossbar's IR-drop models against independent circuit solutions:
 * the nodal solver against a dense LU solve of the same resistor network
 * stamped element by element (small arrays), and both solvers against
 * ngspice on SPICE decks of random arrays (aimc/spice.h). Arguments: the
 * array sizes N (N x N) of the ngspice comparison (default 16 32; the
 * `slow` run adds 64 and 128). Prints one table row per case: the errors
 * of the first-order and nodal models against ngspice, as used by
 * docs/models/spice.md. ngspice missing is a failure, not a skip. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* cmocka needs the standard headers above first. */
#include <cmocka.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

#include "aimc/device.h"
#include "aimc/spice.h"
#include "aimc/status.h"
#include "aimc/xbar.h"
#include "testutil.h"

static int g_sizes[16] = {16, 32};
static int g_n_sizes = 2;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Random array in the default device window (5 to 100 uS) and row
 * voltages within the read range (+-0.2 V). */
static void random_array(gsl_rng *r, int rows, int cols, double *g, double *v) {
  for (int k = 0; k < rows * cols; k++) g[k] = 5e-6 + 95e-6 * gsl_rng_uniform(r);
  for (int i = 0; i < rows; i++) v[i] = 0.2 * (2 * gsl_rng_uniform(r) - 1);
}

/* ---- dense reference: generic resistor stamps, LU ---------------------- */

/* Node numbering of the reference (its own, independent of the solver):
 * row node (i, j) = i C + j, column node = R C + i C + j. */
static void stamp(gsl_matrix *K, int a, int b, double g) {
  if (a >= 0) gsl_matrix_set(K, a, a, gsl_matrix_get(K, a, a) + g);
  if (b >= 0) gsl_matrix_set(K, b, b, gsl_matrix_get(K, b, b) + g);
  if (a >= 0 && b >= 0) {
    gsl_matrix_set(K, a, b, gsl_matrix_get(K, a, b) - g);
    gsl_matrix_set(K, b, a, gsl_matrix_get(K, b, a) - g);
  }
}

/* Column currents for row voltages v by nodal analysis of the stamped
 * network (drivers and senses are ideal sources: their nodes are known). */
static void dense_solve(int R, int C, const double *g, double r, const double *v,
                        double *i_col, double *i_row) {
  int n = 2 * R * C;
  gsl_matrix *K = gsl_matrix_calloc(n, n);
  gsl_vector *f = gsl_vector_calloc(n), *x = gsl_vector_alloc(n);
  gsl_permutation *p = gsl_permutation_alloc(n);
  double w = 1 / r;
  for (int i = 0; i < R; i++)
    for (int j = 0; j < C; j++) {
      int a = i * C + j, b = R * C + i * C + j;
      stamp(K, a, b, g[i * C + j]);
      if (j == 0) { /* driver wire: known node voltage v_i */
        stamp(K, a, -1, w);
        gsl_vector_set(f, a, gsl_vector_get(f, a) + w * v[i]);
      } else {
        stamp(K, a - 1, a, w);
      }
      if (i == R - 1) stamp(K, b, -1, w); /* into the 0 V sense */
      else stamp(K, b, b + C, w);
    }
  /* Wire conductances exceed the devices' by up to 1e9: refine the LU
   * answer with residuals summed in long double, or the small column-node
   * voltages keep only a few digits. */
  gsl_matrix *LU = gsl_matrix_alloc(n, n);
  gsl_vector *res = gsl_vector_alloc(n), *dx = gsl_vector_alloc(n);
  gsl_matrix_memcpy(LU, K);
  int sign;
  gsl_linalg_LU_decomp(LU, p, &sign);
  gsl_linalg_LU_solve(LU, p, f, x);
  for (int it = 0; it < 3; it++) {
    for (int a = 0; a < n; a++) {
      long double t = gsl_vector_get(f, a);
      for (int b = 0; b < n; b++)
        t -= (long double)gsl_matrix_get(K, a, b) * gsl_vector_get(x, b);
      gsl_vector_set(res, a, (double)t);
    }
    gsl_linalg_LU_solve(LU, p, res, dx);
    gsl_vector_add(x, dx);
  }
  gsl_vector_free(dx);
  gsl_vector_free(res);
  gsl_matrix_free(LU);
  for (int j = 0; j < C; j++) i_col[j] = w * gsl_vector_get(x, R * C + (R - 1) * C + j);
  for (int i = 0; i < R; i++) { /* the row's device currents (no cancellation) */
    i_row[i] = 0;
    for (int j = 0; j < C; j++)
      i_row[i] += g[i * C + j] * (gsl_vector_get(x, i * C + j) -
                                  gsl_vector_get(x, R * C + i * C + j));
  }
  gsl_permutation_free(p);
  gsl_vector_free(x);
  gsl_vector_free(f);
  gsl_matrix_free(K);
}

/* Largest |a - b| over the largest |b|. */
static double rel_err(const double *a, const double *b, int n) {
  double e = 0, m = 0;
  for (int k = 0; k < n; k++) {
    e = fmax(e, fabs(a[k] - b[k]));
    m = fmax(m, fabs(b[k]));
  }
  return e / m;
}

static void matvec_t(int R, int C, const double *ge, const double *v, double *i) {
  for (int j = 0; j < C; j++) {
    i[j] = 0;
    for (int k = 0; k < R; k++) i[j] += v[k] * ge[k * C + j];
  }
}

/* The nodal solver equals the dense solve to rounding, for thin, wide and
 * one-cell arrays, weak and strong wire resistance; its input admittance
 * gives the drivers' currents. */
static void test_nodal_vs_dense(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 7);
  static const int shapes[][2] = {{1, 1}, {1, 6}, {7, 1}, {5, 4}, {12, 9}};
  static const double rs[] = {0.1, 1, 50, 2000};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (size_t q = 0; q < sizeof rs / sizeof rs[0]; q++) {
      int R = shapes[s][0], C = shapes[s][1];
      double *g = malloc(sizeof(double) * (size_t)(R * C * 2 + R * R + 4 * (R + C)));
      double *ge = g + R * C, *y = ge + R * C, *v = y + R * R;
      double *ic = v + R, *ir = ic + C, *ic_ref = ir + R, *ir_ref = ic_ref + C;
      random_array(rng, R, C, g, v);
      assert_int_equal(aimc_xbar_ir_nodal(ctx, R, C, g, rs[q], ge, y, NULL), 0);
      dense_solve(R, C, g, rs[q], v, ic_ref, ir_ref);
      matvec_t(R, C, ge, v, ic);
      for (int i = 0; i < R; i++) {
        ir[i] = 0;
        for (int k = 0; k < R; k++) ir[i] += v[k] * y[k * R + i];
      }
      if (rel_err(ic, ic_ref, C) > 1e-11 || rel_err(ir, ir_ref, R) > 1e-11)
        fail_msg("%dx%d r=%g: column error %g, row error %g", R, C, rs[q],
                 rel_err(ic, ic_ref, C), rel_err(ir, ir_ref, R));
      free(g);
    }
  /* One cell: the first-order path resistance 2 r is exact. */
  double g1 = 40e-6, ge1, fo1;
  assert_int_equal(aimc_xbar_ir_nodal(ctx, 1, 1, &g1, 10, &ge1, NULL, NULL), 0);
  aimc_xbar_ir_first_order(1, 1, &g1, 10, &fo1);
  assert_near(ge1, 1 / (1 / g1 + 20), 1e-18);
  assert_near(fo1, ge1, 1e-18);
  /* Bad input is refused with an error, not solved. */
  assert_int_equal(aimc_xbar_ir_nodal(ctx, 1, 1, &g1, 0, &ge1, NULL, NULL), AIMC_ERANGE);
  gsl_rng_free(rng);
  aimc_ctx_free(ctx);
}

/* The array object reads through the nodal matrix once chosen, and its
 * read energy is the drivers' power v^T Y v. */
static void test_xbar_nodal_reads(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_xbar *x = NULL;
  int R = 6, C = 5;
  assert_int_equal(aimc_xbar_alloc(ctx, d, R, C, NULL, &x), 0);
  aimc_device_free(ctx, d);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 11);
  double g[30], v[6], ic[5], ir[6], i_x[5], e = 0;
  random_array(rng, R, C, g, v);
  for (int k = 0; k < R * C; k++) aimc_xbar_set_g(x, k / C, k % C, g[k]);
  for (int k = 0; k < R * C; k++) g[k] = aimc_xbar_g(x, k / C, k % C); /* as clipped */
  assert_int_equal(aimc_xbar_set_ir(x, AIMC_XBAR_IR_NODAL, 20), 0);
  aimc_xbar_read_opts o = {20, 0, 1e-8};
  aimc_xbar_mvm(x, v, i_x, &o, NULL, &e);
  dense_solve(R, C, g, 20, v, ic, ir);
  assert_true(rel_err(i_x, ic, C) < 1e-11);
  double p = 0;
  for (int i = 0; i < R; i++) p += v[i] * ir[i];
  assert_near(e, 1e-8 * p, 1e-11 * fabs(1e-8 * p));
  /* A cell changed: the next read rebuilds the matrix. */
  aimc_xbar_set_g(x, 2, 3, 90e-6);
  g[2 * C + 3] = aimc_xbar_g(x, 2, 3);
  aimc_xbar_mvm(x, v, i_x, &o, NULL, NULL);
  dense_solve(R, C, g, 20, v, ic, ir);
  assert_true(rel_err(i_x, ic, C) < 1e-11);
  /* First order again: differs from the exact answer. */
  assert_int_equal(aimc_xbar_set_ir(x, AIMC_XBAR_IR_FIRST_ORDER, 20), 0);
  aimc_xbar_mvm(x, v, i_x, &o, NULL, NULL);
  assert_true(rel_err(i_x, ic, C) > 1e-6);
  assert_int_equal(aimc_xbar_set_ir(x, 7, 20), AIMC_ERANGE);
  gsl_rng_free(rng);
  aimc_xbar_free(x);
  aimc_ctx_free(ctx);
}

/* ---- ngspice ----------------------------------------------------------- */

/* One case: a crossbar (pulse device cards' window) with random cells
 * and inputs (unsigned: 0..0.2 V, as unsigned activations; else +-0.2 V),
 * its deck through ngspice, and the array read with both IR solvers. */
static void ngspice_case(aimc_ctx *ctx, gsl_rng *rng, const char *dir, int n,
                         double r, int unsigned_in) {
  size_t nn = (size_t)n * n;
  double *g = malloc(sizeof(double) * (nn + 8 * (size_t)n));
  double *v = g + nn, *is = v + n, *ps = is + n, *i_fo = ps + n, *i_nd = i_fo + n;
  random_array(rng, n, n, g, v);
  if (unsigned_in)
    for (int i = 0; i < n; i++) v[i] = fabs(v[i]);
  aimc_device *d = NULL;
  assert_int_equal(aimc_device_alloc(ctx, "pulse", &d), 0);
  aimc_xbar *x = NULL;
  assert_int_equal(aimc_xbar_alloc(ctx, d, n, n, NULL, &x), 0);
  aimc_device_free(ctx, d);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      aimc_device_set_g(aimc_xbar_device(x), aimc_xbar_cell(x, i, j), g[(size_t)i * n + j]);
  aimc_xbar_refresh(x);
  memcpy(g, aimc_xbar_gmatrix(x), nn * sizeof(double)); /* as the cells hold them */
  char deck[512], raw[512], log[512], title[96];
  snprintf(deck, sizeof deck, "%s/x%d_r%g_%d.cir", dir, n, r, unsigned_in);
  snprintf(raw, sizeof raw, "%s/x%d_r%g_%d.raw", dir, n, r, unsigned_in);
  snprintf(log, sizeof log, "%s/x%d_r%g_%d.log", dir, n, r, unsigned_in);
  snprintf(title, sizeof title, "random %dx%d array, r_wire %g Ohm", n, n, r);
  aimc_spice_opts o = {.r_wire_Ohm = r, .title = title, .raw_path = raw};
  assert_int_equal(aimc_spice_write(ctx, deck, n, n, g, v, &o), 0);
  double t0 = now_s();
  int st = aimc_spice_run(ctx, deck, log);
  if (st) fail_msg("%s", aimc_ctx_errmsg(ctx));
  double t_spice = now_s() - t0;
  st = aimc_spice_read_op(ctx, raw, n, n, is, ps);
  if (st) fail_msg("%s", aimc_ctx_errmsg(ctx));
  double p_spice = 0, p_fo = 0, p_nd = 0;
  for (int i = 0; i < n; i++) p_spice += v[i] * ps[i];
  /* Read power: the energy of a read over t_read = 1 s. */
  aimc_xbar_read_opts ro = {r, 0, 1.0};
  aimc_xbar_mvm(x, v, i_fo, &ro, NULL, &p_fo);
  t0 = now_s();
  assert_int_equal(aimc_xbar_set_ir(x, AIMC_XBAR_IR_NODAL, r), 0);
  double t_nodal = now_s() - t0;
  aimc_xbar_mvm(x, v, i_nd, &ro, NULL, &p_nd);
  double e_fo = rel_err(i_fo, is, n), e_nd = rel_err(i_nd, is, n);
  double ep_fo = fabs(p_fo - p_spice) / p_spice, ep_nd = fabs(p_nd - p_spice) / p_spice;
  printf("| %3dx%-3d | %6g | %-8s | %9.2e | %9.2e | %9.2e | %9.2e | %8.4f | %7.2f |\n", n,
         n, r, unsigned_in ? "0..0.2" : "+-0.2", e_fo, e_nd, ep_fo, ep_nd,
         r > 0 ? t_nodal : 0.0, t_spice);
  fflush(stdout);
  aimc_xbar_free(x);
  free(g);
  if (r == 0) {
    /* Ideal wires: both are sum_i v_i G_ij; equal to rounding. */
    assert_true(e_fo < 1e-12 && e_nd < 1e-12);
    assert_true(ep_fo < 1e-12 && ep_nd < 1e-12);
    return;
  }
  /* The nodal solver is the circuit's exact solution: ngspice agrees to
   * its own solver's rounding (16 digits in the raw file). */
  assert_true(e_nd < 1e-9);
  assert_true(ep_nd < 1e-9);
  /* The first-order model ignores current sharing along the wires: it is
   * off by far more (the comparison can fail both ways). */
  assert_true(e_fo > 100 * e_nd);
}

static void test_ngspice(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 2024);
  const char *dir = test_tmpdir("spice");
  printf("| array   | r_wire | inputs   | I err 1st | I err nod | P err 1st | P err nod | nodal s  | spice s |\n");
  printf("|---------|--------|----------|-----------|-----------|-----------|-----------|----------|---------|\n");
  for (int s = 0; s < g_n_sizes; s++) {
    int n = g_sizes[s];
    /* Ideal wires; the default 1 Ohm per segment with unsigned and signed
     * inputs; a random resistance (ngspice takes minutes from 128 x 128
     * on: only the first two there). */
    double r_rand = round((0.2 + 4.8 * gsl_rng_uniform(rng)) * 100) / 100;
    ngspice_case(ctx, rng, dir, n, 0, 0);
    ngspice_case(ctx, rng, dir, n, 1, 1);
    if (n >= 128) continue;
    ngspice_case(ctx, rng, dir, n, 1, 0);
    ngspice_case(ctx, rng, dir, n, r_rand, 0);
  }
  gsl_rng_free(rng);
  aimc_ctx_free(ctx);
}

/* A missing or foreign raw file is a clear error naming the file. */
static void test_raw_errors(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("spice_raw");
  double ic[2], ir[2];
  char *p = test_write_file(dir, "bad.raw", "hello\n");
  assert_int_equal(aimc_spice_read_op(ctx, p, 2, 2, ic, ir), AIMC_EPARSE);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "bad.raw"));
  free(p);
  p = test_write_file(dir, "short.raw",
                      "Title: x\nNo. Variables: 2\nNo. Points: 1\nVariables:\n"
                      "\t0\ti(vs0)\tcurrent\n\t1\ti(vs1)\tcurrent\nValues:\n 0\t1e-6\n\tnope\n");
  assert_int_equal(aimc_spice_read_op(ctx, p, 1, 2, ic, NULL), AIMC_EPARSE);
  if (!strstr(aimc_ctx_errmsg(ctx), "short.raw:9")) fail_msg("%s", aimc_ctx_errmsg(ctx));
  free(p);
  double g = 1e-5, v = NAN;
  assert_int_equal(aimc_spice_write(ctx, "/nonexistent-dir/x.cir", 1, 1, &g, &v, NULL),
                   AIMC_ERANGE);
  aimc_ctx_free(ctx);
}

int main(int argc, char **argv) {
  if (argc > 1) {
    g_n_sizes = 0;
    for (int a = 1; a < argc && g_n_sizes < 16; a++) g_sizes[g_n_sizes++] = atoi(argv[a]);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nodal_vs_dense),
      cmocka_unit_test(test_xbar_nodal_reads),
      cmocka_unit_test(test_raw_errors),
      cmocka_unit_test(test_ngspice),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
