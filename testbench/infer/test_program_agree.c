/* One programming (issue #13): `aimc run` (aimc_hw_program) and the event
 * crossbar instances of the mapped netlist (aimc_engine_alloc runs each
 * crossbar's init) hold the same conductances, bit for bit, in every
 * array: Gaussian programming with stuck cells and structural zeros left
 * pristine, and write-verify with stuck cells. Another seed gives other
 * cells, so the comparison can fail. The event crossbars get the cells
 * to pulse from their arrays' layout files (aimc/xbar_layout.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aimc/device.h"
#include "aimc/infer.h"
#include "aimc/map.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "aimc/xbar.h"
#include "model_fixture.h"
#include "program_agree_event.h"
#include "sim/infer/infer_internal.h"
#include "testutil.h"

enum { SEED = 11 };

/* The mapping of a small model (2 layers of 8 channels of 4 modes: six
 * 64 x 64 arrays) on arch a, written as a netlist (path into net) in dir
 * beside the model file its periphery reads. */
static aimc_mapping *map_to_netlist(aimc_ctx *ctx, const aimc_arch *a, const char *dir,
                                    char *net, size_t len) {
  aimc_s4d_model *mdl = fixture_model(ctx, 3, 4, 8, 4, 2, AIMC_MIX_GLU, 4, 6, 21);
  assert_non_null(mdl);
  char model[512];
  snprintf(model, sizeof model, "%s/m.s4d", dir);
  assert_int_equal(aimc_s4d_model_write(ctx, mdl, model), AIMC_OK);
  aimc_mapping *m = NULL;
  assert_int_equal(aimc_map_model(ctx, mdl, a, &m), AIMC_OK);
  snprintf(net, len, "%s/net.yaml", dir);
  if (aimc_map_write_netlist(ctx, m, model, "arch.yaml", net))
    fail_msg("%s", aimc_ctx_errmsg(ctx));
  aimc_s4d_model_free(ctx, mdl);
  return m;
}

/* The crossbar instance of array k: the tile's name + ".xbar". */
static char *xbar_name(const aimc_mapping *m, size_t k) {
  char *name = malloc(96);
  aimc_map_array_name(m, k, name, 88);
  strcat(name, ".xbar");
  return name;
}

/* Array k's layout written into dir, as the file the crossbar's `layout`
 * param names (the cells it pulses); returns its path. */
static char *layout_file(aimc_ctx *ctx, const aimc_mapping *m, size_t k, const char *dir) {
  char *file = malloc(600);
  aimc_xbar_layout *l = NULL;
  assert_int_equal(aimc_map_array_layout(ctx, m, k, &l), AIMC_OK);
  snprintf(file, 600, "%s/array%zu.layout.json", dir, k);
  assert_int_equal(aimc_xbar_layout_write(ctx, file, l), AIMC_OK);
  aimc_xbar_layout_free(ctx, l);
  return file;
}

/* The cells the event crossbar instances of the netlist hold. */
typedef struct {
  size_t n;
  char **names, **files;
  double **g;
  unsigned char **stuck;
} event_arrays;

static void event_init(aimc_ctx *ctx, const aimc_mapping *m, const char *net, const char *dir,
                       event_arrays *ev) {
  size_t cells = (size_t)m->arch.rows * m->arch.cols;
  ev->n = m->n_arrays;
  ev->names = calloc(ev->n, sizeof(char *));
  ev->files = calloc(ev->n, sizeof(char *));
  ev->g = calloc(ev->n, sizeof(double *));
  ev->stuck = calloc(ev->n, sizeof(unsigned char *));
  for (size_t k = 0; k < ev->n; k++) {
    ev->names[k] = xbar_name(m, k);
    ev->files[k] = layout_file(ctx, m, k, dir);
    ev->g[k] = malloc(cells * sizeof(double));
    ev->stuck[k] = malloc(cells);
  }
  if (event_cells(ctx, net, ev->n, ev->names, ev->files, cells, ev->g, ev->stuck))
    fail_msg("%s", aimc_ctx_errmsg(ctx));
}

static void event_fini(event_arrays *ev) {
  for (size_t k = 0; k < ev->n; k++) {
    free(ev->names[k]);
    free(ev->files[k]);
    free(ev->g[k]);
    free(ev->stuck[k]);
  }
  free(ev->names);
  free(ev->files);
  free(ev->g);
  free(ev->stuck);
}

/* Number of arrays of hw whose conductances or stuck flags differ from
 * those of the event crossbars, bit for bit. */
static size_t arrays_differing(const aimc_mapping *m, const aimc_hw *hw, const event_arrays *ev) {
  size_t cells = (size_t)m->arch.rows * m->arch.cols, n = 0;
  for (size_t k = 0; k < m->n_arrays; k++)
    n += memcmp(ev->g[k], hw->g_S[k], cells * sizeof(double)) != 0 ||
         memcmp(ev->stuck[k], hw->stuck[k], cells) != 0;
  return n;
}

/* Maps and programs on arch a both ways and compares; then programs the
 * aimc run way under another seed and checks every array differs. */
static void check_agree(const aimc_arch *a, const char *tag) {
  aimc_ctx *ctx = aimc_ctx_alloc(SEED);
  const char *dir = test_tmpdir(tag);
  char net[600];
  aimc_mapping *m = map_to_netlist(ctx, a, dir, net, sizeof net);
  aimc_hw *hw = NULL;
  if (aimc_hw_program(ctx, m, &hw)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  const aimc_prog_stats *ps = aimc_hw_prog_stats(hw);
  /* Something to compare: stuck cells and programming error. */
  assert_true(ps->stuck > 0);
  assert_true(ps->resid_rms_S > 0);
  event_arrays ev;
  event_init(ctx, m, net, dir, &ev);
  assert_true(m->n_arrays >= 2);
  assert_int_equal(arrays_differing(m, hw, &ev), 0);
  /* Another seed: other cells in every array. */
  aimc_hw *other = NULL;
  aimc_ctx_reseed(ctx, SEED + 1);
  if (aimc_hw_program(ctx, m, &other)) fail_msg("%s", aimc_ctx_errmsg(ctx));
  assert_int_equal(arrays_differing(m, other, &ev), m->n_arrays);
  aimc_hw_free(ctx, other);
  event_fini(&ev);
  aimc_hw_free(ctx, hw);
  aimc_mapping_free(ctx, m);
  aimc_ctx_free(ctx);
}

/* The default arch with 2 % of the devices stuck at each window edge. */
static aimc_arch stuck_arch(void) {
  aimc_arch a;
  aimc_arch_defaults(&a);
  snprintf(a.dev_p_stuck_min, sizeof a.dev_p_stuck_min, "0.02");
  snprintf(a.dev_p_stuck_max, sizeof a.dev_p_stuck_max, "0.02");
  return a;
}

/* Gaussian, sigma 3 uS, exact zeros (the default): the structural zeros
 * and unused cells stay at their targets in both. */
static void test_gaussian(void **st) {
  (void)st;
  aimc_arch a = stuck_arch();
  assert_int_equal(a.exact_zeros, 1);
  a.prog_mode = AIMC_PROG_GAUSSIAN;
  a.prog_sigma_S = 3e-6;
  check_agree(&a, "agree_gauss");
}

/* Write-verify through the card's device model, 1 uS tolerance. */
static void test_write_verify(void **st) {
  (void)st;
  aimc_arch a = stuck_arch();
  a.prog_mode = AIMC_PROG_WRITE_VERIFY;
  check_agree(&a, "agree_wv");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gaussian),
      cmocka_unit_test(test_write_verify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
