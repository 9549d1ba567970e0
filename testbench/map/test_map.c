/* Mapping unit tests: complex expansion, signed split, conductance
 * targets, tiling counts and utilisation, fit errors, arch loading, and
 * fault injection. Every expected number is derived in a comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/map.h"
#include "aimc/status.h"
#include "failalloc.h"
#include "model_fixture.h"
#include "testutil.h"

static aimc_arch arch_of(int rows, int cols, int form, int split) {
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.rows = rows;
  a.cols = cols;
  a.form = form;
  a.split = split;
  return a;
}

static double W(const aimc_map_matrix *mx, int b, int j, int i) {
  return mx->w[mx->w_off[b] + (size_t)j * (mx->in_off[b + 1] - mx->in_off[b]) + i];
}

/* One layer, one channel, two modes with hand-set values: the single-form
 * block must be [[A 0 B 0]... ] exactly as docs/mapping.md draws it. */
static void test_complex_expansion(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 1, 2, 1, 2, 1, AIMC_MIX_LINEAR, 4, 0, 1);
  /* Mode 0: Abar = 0.25 + 0.125i, Bbar = 0.5 - 0.25i, C = 0.75 + 0.5i;
   * mode 1 likewise with other values; D = -0.5. */
  double ar[2] = {0.25, -0.125}, ai[2] = {0.125, 0.375}, br[2] = {0.5, 1},
         bi[2] = {-0.25, 0}, cr[2] = {0.75, -1}, ci[2] = {0.5, 0.25};
  for (int n = 0; n < 2; n++) {
    mdl->a_re[n] = ar[n], mdl->a_im[n] = ai[n], mdl->b_re[n] = br[n];
    mdl->b_im[n] = bi[n], mdl->c_re[n] = cr[n], mdl->c_im[n] = ci[n];
  }
  mdl->d[0] = -0.5;
  aimc_arch a = arch_of(16, 16, AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL);
  aimc_mapping *m = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->n_mats, 1);
  const aimc_map_matrix *mx = &m->mats[0];
  /* inputs [re0 im0 re1 im1 u_t u_{t-1}], outputs [re0 im0 re1 im1 y] */
  assert_int_equal(mx->n_in, 6);
  assert_int_equal(mx->n_out, 5);
  for (int n = 0; n < 2; n++) {
    int re = 2 * n, im = 2 * n + 1;
    assert_near(W(mx, 0, re, re), ar[n], 0);   /* [[a, -b],  */
    assert_near(W(mx, 0, re, im), -ai[n], 0);  /*  [b,  a]]  */
    assert_near(W(mx, 0, im, re), ai[n], 0);
    assert_near(W(mx, 0, im, im), ar[n], 0);
    assert_near(W(mx, 0, re, 4), br[n], 0);    /* B on u_t   */
    assert_near(W(mx, 0, im, 4), bi[n], 0);
    assert_near(W(mx, 0, re, 5), 0, 0);        /* not u_{t-1} */
    assert_near(W(mx, 0, 4, re), 2 * cr[n], 0); /* y = 2 Re(C x) */
    assert_near(W(mx, 0, 4, im), -2 * ci[n], 0);
    /* No coupling between modes. */
    assert_near(W(mx, 0, re, 2 * (1 - n)), 0, 0);
  }
  assert_near(W(mx, 0, 4, 5), -0.5, 0);        /* D on u_{t-1} */
  assert_near(W(mx, 0, 4, 4), 0, 0);
  /* Gains: state columns 0.5 (Abar's fixed range), y column 2 * 1.0; the
   * u_t row 1.0 / 0.5 = 2, the u_{t-1} row 1.0 / 2 = 0.5. */
  assert_near(mx->col_gain[0], 0.5, 0);
  assert_near(mx->col_gain[4], 2.0, 0);
  assert_near(mx->row_gain[4], 2.0, 0);
  assert_near(mx->row_gain[5], 0.5, 0);
  /* Targets of the differential pair of W[re0][re0] = 0.25: wn = 0.25 /
   * 0.5 = 0.5 -> G+ = 5uS + 0.5 * 95uS = 52.5uS at (row 0, col 0), G- =
   * 5uS at (row 0, col 1). W[re0][im0] = -0.125 -> wn = -0.25 -> G+ = 5uS
   * at (row 1, col 0), G- = 5 + 23.75 = 28.75uS at (row 1, col 1). */
  const double *g = m->arrays[0].g_target_S;
  assert_near(g[0], 52.5e-6, 1e-18);
  assert_near(g[1], 5e-6, 1e-18);
  assert_near(g[16], 5e-6, 1e-18);
  assert_near(g[17], 28.75e-6, 1e-18);
  aimc_mapping_free(ctx, m);
  /* Rails: the pair runs down the rows instead: W[re0][im0] = -0.125 on
   * logical (row 1, col 0) -> G+ at physical (2, 0) = 5uS, G- at (3, 0). */
  a.split = AIMC_SPLIT_RAILS;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  g = m->arrays[0].g_target_S;
  assert_near(g[2 * 16], 5e-6, 1e-18);
  assert_near(g[3 * 16], 28.75e-6, 1e-18);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

/* Tiling counts. H = 4 channels of M = 2 modes: a single-form block is
 * (2*2+2) = 6 inputs x (2*2+1) = 5 outputs. */
static void test_tiling_counts(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 2, 4, 2, 1, AIMC_MIX_LINEAR, 4, 0, 1);
  aimc_mapping *m = NULL;
  /* 32x32 differential: 32 logical rows x 16 logical cols; blocks go down
   * the diagonal: cols 5, 10, 15 fit, the 4th (20 > 16) opens a second
   * array -> 2 arrays; used devices 4 blocks * 6*5 weights * 2 = 240 of
   * 2 * 1024 = 2048 -> 11.71875 %. DACs: 18 + 6 rows; TIAs: 15 + 5;
   * ADCs at 8 columns each: ceil(15/8) + ceil(5/8) = 3. */
  aimc_arch a = arch_of(32, 32, AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL);
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->stats.n_arrays, 2);
  assert_int_equal(m->stats.devices_used, 240);
  assert_int_equal(m->stats.devices_total, 2048);
  assert_near(m->stats.utilisation, 240.0 / 2048, 1e-15);
  assert_int_equal(m->stats.n_dac, 24);
  assert_int_equal(m->stats.n_tia, 20);
  assert_int_equal(m->stats.n_adc, 3);
  assert_int_equal(m->stats.macs_per_step, 4 * 30);
  aimc_mapping_free(ctx, m);
  /* Rails: 16 logical rows x 32 cols: rows 6, 12 fit, 18 > 16 -> 2 blocks
   * per array -> 2 arrays. */
  a.split = AIMC_SPLIT_RAILS;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->stats.n_arrays, 2);
  aimc_mapping_free(ctx, m);
  /* Separate form, 16x16 differential (16 x 8 logical): A blocks 4x4 -> 2
   * per array (cols 4, 8) -> 2 arrays; B blocks 1x4 -> 2 per array -> 2;
   * CD blocks 5x1 -> rows 5, 10, 15 -> 3 per array -> 2. Total 6. */
  a = arch_of(16, 16, AIMC_FORM_SEPARATE, AIMC_SPLIT_DIFFERENTIAL);
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->stats.n_arrays, 6);
  assert_int_equal(m->n_mats, 3);
  aimc_mapping_free(ctx, m);
  /* Dense layers on crossbars add an encoder (3 in x 4 out), a mix (4x4)
   * and a decoder (4 in x 2 out): one array each at 32x32. */
  a = arch_of(32, 32, AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL);
  a.dense = AIMC_PLACE_CROSSBAR;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->stats.n_arrays, 2 + 3);
  aimc_mapping_free(ctx, m);
  /* Pruning: masking one mode of every channel shrinks blocks to 4 x 3:
   * 32x32 -> cols 3, 6, 9, 12 all fit -> one array. */
  for (int h = 0; h < 4; h++) mdl->mode_mask[h * 2 + 1] = 0;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  assert_int_equal(m->stats.n_arrays, 1 + 3);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

/* A single-form block larger than an array is an error that says what
 * would be needed: 8 modes -> 18 x 17 logical -> 18 x 34 physical. */
static void test_does_not_fit(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 2, 2, 8, 1, AIMC_MIX_LINEAR, 4, 0, 1);
  aimc_arch a = arch_of(32, 32, AIMC_FORM_SINGLE, AIMC_SPLIT_DIFFERENTIAL);
  aimc_mapping *m = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_ERANGE);
  assert_null(m);
  const char *msg = aimc_ctx_errmsg(ctx);
  if (!strstr(msg, "18x34") || !strstr(msg, "32x32") || !strstr(msg, "at least 18x34"))
    fail_msg("message lacks the sizes: %s", msg);
  /* The separate form splits the blocks instead. */
  a.form = AIMC_FORM_SEPARATE;
  assert_int_equal(aimc_map_model(ctx, mdl, &a, &m), AIMC_OK);
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

static void test_arch_load(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  const char *dir = test_tmpdir("arch");
  aimc_arch a, b;
  aimc_arch_defaults(&a);
  /* The shipped default file holds exactly the defaults. */
  assert_int_equal(aimc_arch_load(ctx, "configs/arch/default.yaml", &a), AIMC_OK);
  aimc_arch_defaults(&b);
  assert_true(aimc_arch_hash(&a) == aimc_arch_hash(&b));
  /* Write + load round trip after a change. */
  a.rows = 128;
  a.prog_sigma_S = 7e-6;
  char *p = test_write_file(dir, "x.yaml", "");
  assert_int_equal(aimc_arch_write(ctx, &a, p), AIMC_OK);
  aimc_arch_defaults(&b);
  assert_int_equal(aimc_arch_load(ctx, p, &b), AIMC_OK);
  assert_true(aimc_arch_hash(&a) == aimc_arch_hash(&b));
  free(p);
  struct {
    const char *text, *status_text;
    int status;
  } bad[] = {
      {"array:\n  rows: 1\n", "2:9: array: rows = 1 is out of range", AIMC_ERANGE},
      {"array:\n  g_min: 10ns\n", "2:10", AIMC_EUNIT},
      {"arry:\n  rows: 8\n", "1:1: unknown section 'arry'", AIMC_EPARSE},
      {"array:\n  g_min: 50uS\n  g_max: 10uS\n", "must be below", AIMC_ERANGE},
      {"array:\n  form: diagonal\n", "single, separate", AIMC_ERANGE},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    p = test_write_file(dir, "bad.yaml", bad[i].text);
    aimc_arch_defaults(&b);
    int s = aimc_arch_load(ctx, p, &b);
    if (s == AIMC_OK || !strstr(aimc_ctx_errmsg(ctx), bad[i].status_text))
      fail_msg("case %zu: status %d, message '%s' lacks '%s'", i, s,
               aimc_ctx_errmsg(ctx), bad[i].status_text);
    free(p);
  }
  aimc_ctx_free(ctx);
}

static int map_once(aimc_ctx *ctx, void *user) {
  const aimc_s4d_model *mdl = user;
  aimc_arch a = arch_of(16, 16, AIMC_FORM_SEPARATE, AIMC_SPLIT_DIFFERENTIAL);
  a.dense = AIMC_PLACE_CROSSBAR;
  aimc_mapping *m = NULL;
  int st = aimc_map_model(ctx, mdl, &a, &m);
  aimc_mapping_free(ctx, m);
  return st;
}

static void test_fault_injection(void **st) {
  (void)st;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 2, 3, 2, 2, AIMC_MIX_GLU, 4, 6, 1);
  assert_true(failalloc_sweep(map_once, mdl) > 10);
  aimc_s4d_model_free(ctx, mdl);
  aimc_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_complex_expansion), cmocka_unit_test(test_tiling_counts),
      cmocka_unit_test(test_does_not_fit),      cmocka_unit_test(test_arch_load),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
