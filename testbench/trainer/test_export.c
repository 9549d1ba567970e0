/* The exported model: the reference forward equals the trainer's forward
 * bit for bit (same layer code, float and quantized with converters) when
 * the trainer's dense layers run in the reference's fixed order, and to
 * rounding through BLAS; the file round-trips exactly (with the data spec
 * it was trained on), a version-1 file still reads (no data spec), and
 * corrupt, truncated or foreign files are refused with a clear error.
 * Allocation failures are swept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
/* cmocka needs the headers above first. */
// clang-format off
#include <cmocka.h>
// clang-format on

#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/s4d_model.h"
#include "aimc/s4d_reference.h"
#include "aimc/status.h"
#include "aimc/train.h"
#include "failalloc.h"
#include "net.h"
#include "testutil.h"

enum { N_IN = 3, N_OUT = 4, LEN = 9 };

static s4d_net *make_net(aimc_ctx *ctx, int mix, int use_ssm) {
  aimc_train_cfg cfg;
  aimc_train_cfg_defaults(&cfg);
  cfg.model.h = 5;
  cfg.model.n = 8;
  cfg.model.layers = 2;
  cfg.model.mix = mix;
  cfg.model.use_ssm = use_ssm;
  cfg.quant = (aimc_train_quant_cfg){.bits_a = 2,
                                     .bits_b = 3,
                                     .bits_c = 4,
                                     .bits_d = 5,
                                     .bits_enc = 4,
                                     .bits_dec = 3,
                                     .fscale = 0.9,
                                     .range_c = 0.8,
                                     .bits_u = 6,
                                     .bits_x = 7,
                                     .bits_y = 8,
                                     .range_u = 2,
                                     .range_x = 1,
                                     .range_y = 3};
  s4d_net *net;
  assert_int_equal(s4d_net_alloc(ctx, &cfg, N_IN, N_OUT, LEN, &net), AIMC_OK);
  s4d_net_init(net, &cfg.model, 3);
  return net;
}

static void compare_forward(int mix, int use_ssm, int quant_on) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  s4d_net *net = make_net(ctx, mix, use_ssm);
  net->mask[1] = net->mask[7] = 0; /* pruned modes must be skipped by both */
  s4d_ws *ws;
  assert_int_equal(s4d_ws_alloc(ctx, net, &ws), AIMC_OK);
  s4d_net_deploy(net, quant_on, 0, 0);
  aimc_s4d_model *m;
  assert_int_equal(aimc_s4d_model_alloc(ctx, N_IN, N_OUT, 5, 4, 2, mix, &m),
                   AIMC_OK);
  s4d_net_export(net, m);
  float xf[LEN * N_IN];
  double xd[LEN * N_IN], lt[N_OUT], lm[N_OUT];
  for (int s = 0; s < 5; s++) {
    for (int i = 0; i < LEN * N_IN; i++)
      xd[i] = xf[i] = (float)(2 * sin(0.9 * i + s));
    assert_int_equal(aimc_s4d_model_forward(ctx, m, xd, LEN, lm), AIMC_OK);
    /* The dense layers in the reference's order: the same code path,
     * bit-identical. */
    net->dense_ordered = 1;
    s4d_net_sample(net, ws, xf, 0, 0, NULL, NULL, lt);
    assert_memory_equal(lt, lm, sizeof lt);
    /* Through BLAS (training): other summation orders, so equal to a few
     * ulps of the sums; with quantizers on, such a difference may move a
     * value across a quantizer threshold, so only the float forward. */
    net->dense_ordered = 0;
    s4d_net_sample(net, ws, xf, 0, 0, NULL, NULL, lt);
    if (!quant_on)
      for (int c = 0; c < N_OUT; c++)
        assert_near(lt[c], lm[c], 1e-12 * (1 + fabs(lm[c])));
  }
  if (quant_on) { /* the deployed Abar lies on the fixed-range grid, |Abar| < 1
                   */
    for (size_t i = 0; i < net->lhm; i++) {
      double step = aimc_quant_step(&m->quant_a);
      assert_near(m->a_re[i] / step, round(m->a_re[i] / step), 1e-9);
      assert_true(m->a_re[i] * m->a_re[i] + m->a_im[i] * m->a_im[i] < 1);
    }
    assert_near(m->quant_a.range, 0.9, 0);
  }
  aimc_s4d_model_free(ctx, m);
  s4d_ws_free(ctx, ws);
  s4d_net_free(ctx, net);
  aimc_ctx_free(ctx);
}

static void test_forward_matches_trainer(void **state) {
  (void)state;
  for (int q = 0; q < 2; q++) {
    compare_forward(AIMC_MIX_LINEAR, 1, q);
    compare_forward(AIMC_MIX_GLU, 1, q);
    compare_forward(AIMC_MIX_LINEAR, 0, q);
  }
}

static aimc_s4d_model *sample_model(aimc_ctx *ctx) {
  s4d_net *net = make_net(ctx, AIMC_MIX_GLU, 1);
  s4d_net_deploy(net, 1, 0, 0);
  aimc_s4d_model *m;
  assert_int_equal(
      aimc_s4d_model_alloc(ctx, N_IN, N_OUT, 5, 4, 2, AIMC_MIX_GLU, &m),
      AIMC_OK);
  s4d_net_export(net, m);
  s4d_net_free(ctx, net);
  return m;
}

static void assert_same_model(const aimc_s4d_model *a,
                              const aimc_s4d_model *b) {
  assert_int_equal(a->h, b->h);
  assert_int_equal(a->m, b->m);
  assert_int_equal(a->quant_a.bits, b->quant_a.bits);
  /* Field by field: the struct has padding that need not match. */
  assert_int_equal(a->quant_y.bits, b->quant_y.bits);
  assert_memory_equal(&a->quant_y.range, &b->quant_y.range, sizeof(double));
  size_t lhm = (size_t)a->layers * a->h * a->m;
  assert_memory_equal(a->a_re, b->a_re, lhm * sizeof(double));
  assert_memory_equal(a->c_im, b->c_im, lhm * sizeof(double));
  assert_memory_equal(a->mode_mask, b->mode_mask, lhm);
  assert_memory_equal(a->mix_w, b->mix_w,
                      (size_t)a->layers * 2 * a->h * a->h * sizeof(double));
  assert_memory_equal(a->dec_b, b->dec_b, a->n_out * sizeof(double));
  assert_memory_equal(a->a_im_cont, b->a_im_cont, lhm * sizeof(double));
  assert_string_equal(a->data_spec, b->data_spec);
  assert_string_equal(a->data_dir, b->data_dir);
  assert_true(a->data_fingerprint == b->data_fingerprint);
  assert_int_equal(a->data_length, b->data_length);
}

/* A spec with a comma inside a value and a real that needs 17 digits. */
static const char SPEC[] =
    "classes,classes=zero,null,7,n_mels=40,window_s=0.025,hop_s=0.01,"
    "f_min_Hz=20,f_max_Hz=8000,downsample=2,length=42,val_fraction=0.1,"
    "val_speakers=-1,max_per_split=0";

static void test_round_trip_and_corruption(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *m = sample_model(ctx), *r;
  const char *dir = test_tmpdir("export");
  char path[512], bad[512];
  snprintf(path, sizeof path, "%s/w.s4d", dir);
  snprintf(bad, sizeof bad, "%s/bad.s4d", dir);
  snprintf(m->data_spec, sizeof m->data_spec, "%s", SPEC);
  snprintf(m->data_dir, sizeof m->data_dir, "%s", "/some/corpus");
  m->data_fingerprint = 0xFEDCBA9876543210ull; /* top bit set: as u64 */
  m->data_length = 42;
  assert_int_equal(aimc_s4d_model_write(ctx, m, path), AIMC_OK);
  assert_int_equal(aimc_s4d_model_read(ctx, path, &r), AIMC_OK);
  assert_same_model(m, r); /* data_spec included */
  aimc_s4d_model_free(ctx, r);

  char *data;
  size_t size;
  assert_int_equal(aimc_read_file(ctx, path, &data, &size), AIMC_OK);
  /* One flipped bit in the middle: checksum error naming the file. */
  data[size / 2] ^= 0x10;
  assert_int_equal(aimc_write_file_atomic(ctx, bad, data, size), AIMC_OK);
  assert_int_equal(aimc_s4d_model_read(ctx, bad, &r), AIMC_ECHECKSUM);
  assert_null(r);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "bad.s4d"));
  data[size / 2] ^= 0x10;
  /* Truncated at several places. */
  size_t cuts[] = {0, 10, 100, size / 3, size - 5};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    assert_int_equal(aimc_write_file_atomic(ctx, bad, data, cuts[i]), AIMC_OK);
    int st = aimc_s4d_model_read(ctx, bad, &r);
    assert_true(st == AIMC_EFORMAT || st == AIMC_ECHECKSUM);
    assert_null(r);
  }
  /* Not a weight file at all: 250 bytes of text. */
  char junk[250];
  memset(junk, '.', sizeof junk);
  memcpy(junk, "hello world, this is text", 25);
  assert_int_equal(aimc_write_file_atomic(ctx, bad, junk, sizeof junk),
                   AIMC_OK);
  assert_int_not_equal(aimc_s4d_model_read(ctx, bad, &r), AIMC_OK);
  /* Missing file: an input problem (exit 2). */
  assert_int_equal(aimc_s4d_model_read(ctx, "/nonexistent/w.s4d", &r),
                   AIMC_ENOTFOUND);
  aimc_free(ctx, data);
  aimc_s4d_model_free(ctx, m);
  aimc_ctx_free(ctx);
}

/* Replaces the file's trailing CRC-32 after an edit. */
static void reseal(char *data, size_t size) {
  uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)data,
                                 (uInt)(size - sizeof crc));
  memcpy(data + size - sizeof crc, &crc, sizeof crc);
}

/* Older files are a version-3 file without its last blocks, with the
 * version at offset 8 (docs/weights-format.md). A block head is 32 bytes
 * (name 16, type 4, CRC 4, count 8); the model here has empty data_spec
 * and data_dir (no payload) and data_id is 2 int64 (16 bytes). Version 2
 * lacks data_dir and data_id (80 bytes), version 1 also data_spec (112);
 * the version-1 layout was checked once against a file the version-1
 * writer wrote (build of 9ebdcb5): byte-identical. Both read, with no
 * corpus identity (fingerprint 0). */
static void test_older_versions_read(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *m = sample_model(ctx), *r;
  char path[512], old[512];
  const char *dir = test_tmpdir("export_v1");
  snprintf(path, sizeof path, "%s/v3.s4d", dir);
  snprintf(old, sizeof old, "%s/old.s4d", dir);
  assert_int_equal(aimc_s4d_model_write(ctx, m, path), AIMC_OK);
  char *data;
  size_t size;
  assert_int_equal(aimc_read_file(ctx, path, &data, &size), AIMC_OK);
  const size_t head = 32, crc = 4;
  assert_memory_equal(data + size - crc - 3 * head - 16, "data_spec", 10);
  assert_memory_equal(data + size - crc - 2 * head - 16, "data_dir", 9);
  assert_memory_equal(data + size - crc - head - 16, "data_id", 8);
  for (uint32_t v = 2; v >= 1; v--) {
    size_t cut = v == 2 ? 2 * head + 16 : 3 * head + 16;
    char *d = malloc(size);
    assert_non_null(d);
    memcpy(d, data, size);
    memcpy(d + 8, &v, sizeof v);
    memmove(d + size - crc - cut, d + size - crc, crc);
    reseal(d, size - cut);
    assert_int_equal(aimc_write_file_atomic(ctx, old, d, size - cut),
                     AIMC_OK);
    assert_int_equal(aimc_s4d_model_read(ctx, old, &r), AIMC_OK);
    assert_string_equal(r->data_spec, "");
    assert_string_equal(r->data_dir, "");
    assert_true(r->data_fingerprint == 0);
    assert_int_equal(r->data_length, 0);
    assert_same_model(m, r); /* m has no data identity either */
    aimc_s4d_model_free(ctx, r);
    /* A version from the future is refused, naming it and the file. */
    uint32_t future = 4;
    memcpy(d + 8, &future, sizeof future);
    reseal(d, size - cut);
    assert_int_equal(aimc_write_file_atomic(ctx, old, d, size - cut),
                     AIMC_OK);
    assert_int_equal(aimc_s4d_model_read(ctx, old, &r), AIMC_EFORMAT);
    assert_non_null(
        strstr(aimc_ctx_errmsg(ctx), "old.s4d: weight file version 4"));
    free(d);
  }
  aimc_free(ctx, data);
  aimc_s4d_model_free(ctx, m);
  aimc_ctx_free(ctx);
}

/* What the trainer records is the canonical text of the spec: it reads
 * back to the same values, leaves out where the data live, and is the
 * same text for the same spec however it was spelled. */
static void test_recorded_spec_text(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec a, b;
  char text[AIMC_DATA_SPEC_TEXT_LEN], again[AIMC_DATA_SPEC_TEXT_LEN];
  /* The defaults, key by key from the table in sim/data/spec.c. */
  aimc_params_defaults(t, n, &a);
  assert_string_equal(aimc_data_spec_format(&a, text, sizeof text),
                      "zero_one,n_mels=32,window_s=0.025,hop_s=0.01,"
                      "f_min_Hz=20,f_max_Hz=8000,downsample=1,length=0,"
                      "val_fraction=0.1,val_speakers=-1,max_per_split=0");
  /* SPEC is canonical already; dir and cache are not recorded. */
  assert_int_equal(aimc_data_spec_parse(ctx, "t", SPEC, &a), AIMC_OK);
  assert_string_equal(a.classes, "zero,null,7");
  assert_int_equal(a.downsample, 2);
  assert_string_equal(aimc_data_spec_format(&a, text, sizeof text), SPEC);
  snprintf(a.dir, sizeof a.dir, "/home/someone/data");
  a.cache = 0;
  assert_string_equal(aimc_data_spec_format(&a, text, sizeof text), SPEC);
  /* A real with no short decimal form (1/3 ms) survives exactly. */
  a.hop_s = 1e-3 / 3;
  aimc_data_spec_format(&a, text, sizeof text);
  aimc_params_defaults(t, n, &b);
  assert_int_equal(aimc_data_spec_parse(ctx, "t", text, &b), AIMC_OK);
  assert_memory_equal(&a.hop_s, &b.hop_s, sizeof(double));
  assert_string_equal(aimc_data_spec_format(&b, again, sizeof again), text);
  /* Another spelling of the same spec (units, order, no task) formats
   * alike. */
  aimc_params_defaults(t, n, &b);
  assert_int_equal(aimc_data_spec_parse(ctx, "t", "downsample=2,window_s=25ms",
                                        &b),
                   AIMC_OK);
  assert_string_equal(aimc_data_spec_format(&b, text, sizeof text),
                      "zero_one,n_mels=32,window_s=0.025,hop_s=0.01,"
                      "f_min_Hz=20,f_max_Hz=8000,downsample=2,length=0,"
                      "val_fraction=0.1,val_speakers=-1,max_per_split=0");
  /* Without the task a text edits a spec; with one it starts afresh. */
  assert_int_equal(aimc_data_spec_parse(ctx, "t", SPEC, &a), AIMC_OK);
  assert_int_equal(aimc_data_spec_parse(ctx, "t", "dir=/x,downsample=3", &a),
                   AIMC_OK);
  assert_string_equal(a.dir, "/x");
  assert_string_equal(a.classes, "zero,null,7");
  assert_int_equal(a.downsample, 3);
  assert_int_equal(a.length, 42);
  assert_int_equal(aimc_data_spec_parse(ctx, "t", "digits20,n_mels=20", &a),
                   AIMC_OK);
  assert_int_equal(a.task, AIMC_TASK_DIGITS20);
  assert_string_equal(a.dir, "");
  assert_int_equal(a.downsample, 1);
  assert_int_equal(a.length, 0);
  assert_int_equal(a.n_mels, 20);
  /* Bad texts name the source, the key and the value. */
  assert_int_equal(aimc_data_spec_parse(ctx, "--data", "zero_one,foo=1", &b),
                   AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "--data: the data spec has no key 'foo'"));
  assert_int_equal(aimc_data_spec_parse(ctx, "--data", "zero_one,downsample=2,3", &b),
                   AIMC_EINVAL);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "'3' is not KEY=VALUE"));
  assert_int_not_equal(aimc_data_spec_parse(ctx, "--data", "downsample=0", &b),
                       AIMC_OK);
  assert_non_null(strstr(aimc_ctx_errmsg(ctx), "downsample"));
  aimc_ctx_free(ctx);
}

static void test_shape_errors(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *m;
  assert_int_equal(
      aimc_s4d_model_alloc(ctx, 0, 2, 4, 4, 1, AIMC_MIX_LINEAR, &m),
      AIMC_ESHAPE);
  assert_null(m);
  assert_int_equal(
      aimc_s4d_model_alloc(ctx, 2, 2, 4, 4, 1, (aimc_mix_kind)7, &m),
      AIMC_ESHAPE);
  aimc_ctx_free(ctx);
}

static int read_once(aimc_ctx *ctx, void *user) {
  aimc_s4d_model *m;
  int st = aimc_s4d_model_read(ctx, user, &m);
  aimc_s4d_model_free(ctx, m);
  return st;
}

static void test_fault_injection(void **state) {
  (void)state;
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  aimc_s4d_model *m = sample_model(ctx);
  char path[512];
  snprintf(path, sizeof path, "%s/w.s4d", test_tmpdir("export_fault"));
  assert_int_equal(aimc_s4d_model_write(ctx, m, path), AIMC_OK);
  aimc_s4d_model_free(ctx, m);
  aimc_ctx_free(ctx);
  assert_true(failalloc_sweep(read_once, path) > 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forward_matches_trainer),
      cmocka_unit_test(test_round_trip_and_corruption),
      cmocka_unit_test(test_older_versions_read),
      cmocka_unit_test(test_recorded_spec_text),
      cmocka_unit_test(test_shape_errors),
      cmocka_unit_test(test_fault_injection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
