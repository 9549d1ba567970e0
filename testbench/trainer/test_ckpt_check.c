/* Meaning checks of checkpoints on resume (trainer/checkpoint.c): with
 * valid checksums, a state training cannot reach (negative or huge epoch,
 * step out of line with the epoch, NaN parameters, counters that disagree)
 * is refused with AIMC_ERANGE naming the block and field, and the trainer
 * is left as it was. The checkpoint is real (a short run); fields are
 * patched in memory with every CRC recomputed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/train.h"
#include "testutil.h"

enum { N = 40, LEN = 6, N_IN = 2, CLASSES = 2 };
#define HEADER 96 /* magic, version, bom, 10 x int64 */
/* Counters of the 'state' block, in file order. */
enum { STEP, EPOCH, POS, SINCE_BEST, NONFINITE, PRUNED, HAS_BEST, CORRECT,
       SEEN, ROWS, GN_STEPS };

static float X[N * LEN * N_IN];
static int Y[N];
static aimc_train_data DATA = {N, LEN, N_IN, CLASSES, X, Y};
static char CKPT[1024];
static aimc_train_cfg CFG;

/* A run of one epoch and two steps (batch 8: 5 steps an epoch), with a
 * checkpoint after every step: the file holds step 7, epoch 1, pos 16. */
static int setup(void **state) {
  (void)state;
  for (int i = 0; i < N; i++) {
    Y[i] = i % CLASSES;
    for (int k = 0; k < LEN * N_IN; k++)
      X[i * LEN * N_IN + k] = (float)((Y[i] ? 0.5 : -0.5) + 0.01 * (k % 7));
  }
  aimc_train_cfg_defaults(&CFG);
  CFG.model.h = 4;
  CFG.model.n = 4;
  CFG.model.layers = 1;
  CFG.train.epochs = 4;
  CFG.train.batch = 8;
  CFG.train.threads = 1;
  CFG.train.checkpoint_steps = 1;
  snprintf(CKPT, sizeof CKPT, "%s/c.ckpt", test_tmpdir("ckcheck"));
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_trainer *tr;
  if (aimc_trainer_alloc(ctx, &CFG, &DATA, &DATA, CKPT, NULL, &tr)) return 1;
  aimc_train_stats s;
  for (int i = 0; i < 7; i++)
    if (aimc_trainer_iterate(tr, &s)) return 1;
  aimc_trainer_free(tr);
  aimc_ctx_free(ctx);
  return 0;
}

/* Payload offset of a block and its element size. */
static size_t block_at(const unsigned char *d, size_t size, const char *name) {
  size_t pos = HEADER;
  while (pos + 32 <= size - 4) {
    uint32_t type;
    uint64_t count;
    memcpy(&type, d + pos + 16, 4);
    memcpy(&count, d + pos + 24, 8);
    if (!strcmp((const char *)d + pos, name)) return pos + 32;
    pos += 32 + count * (type == 1 ? 1 : 8);
  }
  fail_msg("no block %s", name);
  return 0;
}

static void fix_crcs(unsigned char *d, size_t size) {
  size_t pos = HEADER, end = size - 4;
  while (pos + 32 <= end) {
    uint32_t type;
    uint64_t count;
    memcpy(&type, d + pos + 16, 4);
    memcpy(&count, d + pos + 24, 8);
    size_t bytes = count * (type == 1 ? 1 : 8);
    uint32_t c = (uint32_t)crc32(0L, d + pos + 32, (uInt)bytes);
    memcpy(d + pos + 20, &c, 4);
    pos += 32 + bytes;
  }
  uint32_t c = (uint32_t)crc32(0L, d, (uInt)end);
  memcpy(d + end, &c, 4);
}

/* Copies the checkpoint with element `i` of `block` set to the bytes of
 * v (8 bytes, or 1 for mode_mask), resumes from it and checks the status
 * and message; the trainer's parameters must be untouched on refusal. */
static void resume_patched(const char *block, size_t i, const void *v,
                           int want, const char *needle) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  char *d, path[1100];
  size_t size;
  assert_int_equal(aimc_read_file(ctx, CKPT, &d, &size), AIMC_OK);
  unsigned char *u = (unsigned char *)d;
  size_t es = strcmp(block, "mode_mask") ? 8 : 1;
  memcpy(u + block_at(u, size, block) + i * es, v, es);
  fix_crcs(u, size);
  snprintf(path, sizeof path, "%s.bad", CKPT);
  assert_int_equal(aimc_write_file_atomic(ctx, path, d, size), AIMC_OK);
  aimc_free(ctx, d);
  aimc_trainer *tr;
  assert_int_equal(aimc_trainer_alloc(ctx, &CFG, &DATA, &DATA, NULL, NULL, &tr),
                   AIMC_OK);
  size_t np;
  const double *p = aimc_trainer_params(tr, &np);
  double first = p[0];
  assert_int_equal(aimc_trainer_resume(tr, path), want);
  if (want) {
    const char *msg = aimc_ctx_errmsg(ctx);
    if (!strstr(msg, needle) || !strstr(msg, path))
      fail_msg("message '%s' lacks '%s'", msg, needle);
    assert_true(p[0] == first || (p[0] != p[0] && first != first));
  } else {
    /* A good state resumes and trains on. */
    aimc_train_stats s;
    assert_int_equal(aimc_trainer_iterate(tr, &s), AIMC_OK);
  }
  aimc_trainer_free(tr);
  aimc_ctx_free(ctx);
}

static void state(int field, int64_t v, int want, const char *needle) {
  resume_patched("state", (size_t)field, &v, want, needle);
}

static void reals(const char *block, size_t i, double v, const char *needle) {
  resume_patched(block, i, &v, AIMC_ERANGE, needle);
}

static void test_unpatched_resumes(void **s) {
  (void)s;
  int64_t step = 7; /* the value it holds: a re-CRC'd copy */
  state(STEP, step, AIMC_OK, NULL);
}

static void test_epoch(void **s) {
  (void)s;
  /* Negative: the resumed loop would write curves row -1 and beyond. */
  state(EPOCH, -1, AIMC_ERANGE, "block 'state' field 'epoch' is -1");
  state(EPOCH, (int64_t)1 << 40, AIMC_ERANGE, "field 'epoch' is 1099511627776");
  state(EPOCH, 2, AIMC_ERANGE, "must be in [1, 1] (one curves row per finished epoch)");
}

static void test_step_in_line_with_epoch(void **s) {
  (void)s;
  /* Epoch 1 at pos 16: at least 1 + 1 steps, at most 1 x 40 + 16. */
  state(STEP, -5, AIMC_ERANGE, "field 'step' is -5: must be in [2, 56]");
  state(STEP, 1, AIMC_ERANGE, "field 'step' is 1");
  state(STEP, 57, AIMC_ERANGE, "field 'step' is 57");
  state(STEP, 56, AIMC_OK, NULL);
}

static void test_counters(void **s) {
  (void)s;
  state(POS, -1, AIMC_ESHAPE, "position -1");
  state(SINCE_BEST, -1, AIMC_ERANGE, "field 'since_best' is -1");
  state(NONFINITE, 8, AIMC_ERANGE, "field 'nonfinite' is 8: must be in [0, 7]");
  state(PRUNED, 2, AIMC_ERANGE, "field 'pruned' is 2");
  state(HAS_BEST, 5, AIMC_ERANGE, "field 'has_best' is 5");
  state(SEEN, 3, AIMC_ERANGE, "field 'seen' is 3: must be in [16, 16]");
  state(CORRECT, 17, AIMC_ERANGE, "field 'correct' is 17");
  state(GN_STEPS, 17, AIMC_ERANGE, "field 'gn_steps' is 17");
  state(ROWS, -1, AIMC_ESHAPE, "-1 epochs logged");
}

static void test_reals_and_tensors(void **s) {
  (void)s;
  reals("state_f", 0, NAN, "block 'state_f' field 'loss_sum' is nan");
  reals("state_f", 1, 2.0, "field 'best_val_acc' is 2");
  reals("state_f", 3, -1, "field 'gnorm_ssm_dynamics' is -1");
  reals("params", 3, NAN, "block 'params' element 3 is nan");
  reals("params", 0, 1e300, "block 'params' element 0 is 1e+300");
  reals("adam_m", 1, INFINITY, "block 'adam_m' element 1 is inf");
  reals("adam_v", 2, -1e-9, "block 'adam_v' element 2");
  reals("best", 4, NAN, "block 'best' element 4");
  reals("curves", 0, 3, "block 'curves' row 0 column epoch");
  reals("curves", 1, 0, "block 'curves' row 0 column step");
  reals("curves", 4, -0.5, "row 0 column train_acc");
}

static void test_mode_mask(void **s) {
  (void)s;
  unsigned char v = 0;
  resume_patched("mode_mask", 1, &v, AIMC_ERANGE,
                 "block 'mode_mask' element 1 is 0: must be 1 (the state says "
                 "not pruned)");
  v = 3;
  resume_patched("mode_mask", 0, &v, AIMC_ERANGE, "element 0 is 3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unpatched_resumes),
      cmocka_unit_test(test_epoch),
      cmocka_unit_test(test_step_in_line_with_epoch),
      cmocka_unit_test(test_counters),
      cmocka_unit_test(test_reals_and_tensors),
      cmocka_unit_test(test_mode_mask),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
