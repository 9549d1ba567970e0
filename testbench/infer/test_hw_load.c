/* Loading a saved programming (sim/infer/hw.c, aimc_hw_load): the CRC is
 * judged first, then the file's own shape, then whether it belongs to the
 * mapping, then its values: conductances a programming can leave, costs
 * finite and >= 0. Residual statistics are recomputed from the
 * conductances, never copied. Files are patched in memory with the CRC
 * recomputed (layout in hw.c: magic, 5 x u64, the stats, conductances). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "aimc/fileio.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "model_fixture.h"
#include "testutil.h"

enum { OFF_N_ARRAYS = 24, OFF_STATS = 48, OFF_G = 48 + sizeof(aimc_prog_stats) };

typedef struct {
  aimc_ctx *ctx;
  aimc_s4d_model *mdl;
  aimc_mapping *m;
  aimc_prog_stats fresh; /* what programming reported */
  char path[512], bad[520];
  char *data; /* the saved file */
  size_t size;
} fixture;

/* Gaussian programming (sigma 2 uS) of a fixture model, saved. */
static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->ctx = aimc_ctx_alloc(5);
  f->mdl = fixture_model(f->ctx, 3, 4, 8, 4, 2, AIMC_MIX_GLU, 4, 6, 21);
  aimc_arch a;
  aimc_arch_defaults(&a);
  a.prog_mode = AIMC_PROG_GAUSSIAN;
  a.prog_sigma_S = 2e-6;
  aimc_hw *hw = NULL;
  if (aimc_map_model(f->ctx, f->mdl, &a, &f->m) ||
      aimc_hw_program(f->ctx, f->m, &hw))
    return 1;
  f->fresh = *aimc_hw_prog_stats(hw);
  const char *dir = test_tmpdir("hwload");
  snprintf(f->path, sizeof f->path, "%s/p.bin", dir);
  snprintf(f->bad, sizeof f->bad, "%s/bad.bin", dir);
  if (aimc_hw_save(f->ctx, hw, f->path)) return 1;
  aimc_hw_free(f->ctx, hw);
  if (aimc_read_file(f->ctx, f->path, &f->data, &f->size)) return 1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  aimc_free(f->ctx, f->data);
  aimc_mapping_free(f->ctx, f->m);
  aimc_s4d_model_free(f->ctx, f->mdl);
  aimc_ctx_free(f->ctx);
  free(f);
  return 0;
}

/* Writes the saved file with `n` bytes at `off` replaced by v; fix_crc
 * recomputes the trailing CRC. Returns aimc_hw_load's status; *hw is the
 * loaded programming on success. */
static int load_patched(fixture *f, size_t off, const void *v, size_t n,
                        int fix_crc, aimc_hw **hw) {
  char *d = malloc(f->size);
  memcpy(d, f->data, f->size);
  memcpy(d + off, v, n);
  if (fix_crc) {
    uint32_t c = (uint32_t)crc32(0L, (unsigned char *)d, (uInt)(f->size - 4));
    memcpy(d + f->size - 4, &c, 4);
  }
  assert_int_equal(aimc_write_file_atomic(f->ctx, f->bad, d, f->size), AIMC_OK);
  free(d);
  *hw = NULL;
  return aimc_hw_load(f->ctx, f->m, f->bad, hw);
}

static void expect_msg(fixture *f, const char *needle) {
  const char *msg = aimc_ctx_errmsg(f->ctx);
  if (!strstr(msg, needle) || !strstr(msg, f->bad))
    fail_msg("message '%s' lacks '%s'", msg, needle);
}

static void test_stats_recomputed(void **state) {
  fixture *f = *state;
  /* A file whose residual statistics and device count lie. */
  aimc_prog_stats lie = f->fresh;
  lie.resid_rms_S = 5;
  lie.resid_mean_S = -1;
  lie.resid_max_S = 0;
  lie.resid_hist[0] = 123456;
  lie.resid_bin_S = 0;
  lie.devices = 0;
  lie.e_J = 1.6e295; /* ideal/gaussian: pulses x e_pulse, recomputed */
  aimc_hw *hw;
  assert_int_equal(load_patched(f, OFF_STATS, &lie, sizeof lie, 1, &hw), AIMC_OK);
  const aimc_prog_stats *ps = aimc_hw_prog_stats(hw);
  /* Same conductances, same targets, same order: equal to what the
   * programming itself reported. */
  assert_int_equal(ps->devices, f->fresh.devices);
  assert_near(ps->resid_rms_S, f->fresh.resid_rms_S, 1e-18);
  assert_near(ps->resid_mean_S, f->fresh.resid_mean_S, 1e-18);
  assert_near(ps->resid_max_S, f->fresh.resid_max_S, 0);
  assert_near(ps->resid_bin_S, f->fresh.resid_bin_S, 0);
  assert_memory_equal(ps->resid_hist, f->fresh.resid_hist, sizeof ps->resid_hist);
  assert_near(ps->e_J, (double)f->fresh.pulses * f->m->arch.e_pulse_J, 0);
  assert_near(ps->e_J, f->fresh.e_J, 1e-20);
  aimc_hw_free(f->ctx, hw);
}

static void test_conductances_in_window(void **state) {
  fixture *f = *state;
  const double bad[] = {NAN, -1e-6, 1e300, INFINITY, 0, 1.0};
  aimc_hw *hw;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    /* array 1, row 2, col 3 */
    size_t cell = 2 * 64 + 3, at = OFF_G + 8 * (64 * 64 + cell);
    assert_int_equal(load_patched(f, at, &bad[i], 8, 1, &hw), AIMC_ERANGE);
    assert_null(hw);
    expect_msg(f, "conductances block, array 1 cell 131 (row 2, col 3)");
    expect_msg(f, "must be within");
  }
  /* An in-window value loads; it moves the residuals. */
  double g = 50e-6;
  assert_int_equal(load_patched(f, OFF_G, &g, 8, 1, &hw), AIMC_OK);
  aimc_hw_free(f->ctx, hw);
}

static void test_costs(void **state) {
  fixture *f = *state;
  aimc_hw *hw;
  double nan = NAN, neg = -1, huge = 1e300;
  size_t e_J = OFF_STATS + offsetof(aimc_prog_stats, e_J),
         t_s = OFF_STATS + offsetof(aimc_prog_stats, t_s),
         stuck = OFF_STATS + offsetof(aimc_prog_stats, stuck),
         pulses = OFF_STATS + offsetof(aimc_prog_stats, pulses);
  assert_int_equal(load_patched(f, e_J, &nan, 8, 1, &hw), AIMC_ERANGE);
  expect_msg(f, "stats field 'e_J' is nan");
  assert_int_equal(load_patched(f, e_J, &neg, 8, 1, &hw), AIMC_ERANGE);
  assert_int_equal(load_patched(f, t_s, &neg, 8, 1, &hw), AIMC_ERANGE);
  expect_msg(f, "stats field 't_s' is -1");
  assert_int_equal(load_patched(f, t_s, &huge, 8, 1, &hw), AIMC_ERANGE);
  expect_msg(f, "at most pulses x timing.t_pulse");
  uint64_t many = (uint64_t)1 << 40;
  assert_int_equal(load_patched(f, stuck, &many, 8, 1, &hw), AIMC_ERANGE);
  expect_msg(f, "stats field 'stuck'");
  assert_int_equal(load_patched(f, pulses, &many, 8, 1, &hw), AIMC_ERANGE);
  expect_msg(f, "stats field 'pulses'");
}

static void test_crc_then_shape_then_owner(void **state) {
  fixture *f = *state;
  aimc_hw *hw;
  uint64_t other = 1, n = 1000, rows = 0;
  /* Any change without the CRC: a checksum error, whatever else is wrong. */
  assert_int_equal(load_patched(f, 8, &other, 8, 0, &hw), AIMC_ECHECKSUM);
  assert_int_equal(load_patched(f, OFF_N_ARRAYS, &n, 8, 0, &hw), AIMC_ECHECKSUM);
  /* With it: the file's own shape against its length, then the owner. */
  assert_int_equal(load_patched(f, OFF_N_ARRAYS, &n, 8, 1, &hw), AIMC_ESHAPE);
  expect_msg(f, "header fields n_arrays=1000");
  assert_int_equal(load_patched(f, OFF_N_ARRAYS + 8, &rows, 8, 1, &hw), AIMC_ESHAPE);
  expect_msg(f, "rows=0");
  assert_int_equal(load_patched(f, 8, &other, 8, 1, &hw), AIMC_EINVAL);
  expect_msg(f, "programmed for another model");
  assert_int_equal(load_patched(f, 16, &other, 8, 1, &hw), AIMC_EINVAL);
  expect_msg(f, "other array or programming settings");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stats_recomputed),
      cmocka_unit_test(test_conductances_in_window),
      cmocka_unit_test(test_costs),
      cmocka_unit_test(test_crc_then_shape_then_owner),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
