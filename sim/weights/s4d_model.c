/* The exported S4D model (aimc/s4d_model.h): allocation and the versioned
 * block file (docs/weights-format.md), with the meaning checks of
 * s4d_validate.c on every read. The reference forward that runs such a
 * model is the trainer's (trainer/reference.c). */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include "aimc/s4d_model.h"

#include <stdint.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "blocks.h"
#include "s4d_validate.h"

#define S4D_MAGIC "AIMCS4D"
/* Version 2 appends the data_spec block, version 3 the corpus identity
 * (data_dir, data_id); older files read with none. */
#define S4D_VERSION 3u
#define S4D_VERSION_NO_DATA_ID 2u
#define S4D_VERSION_NO_DATA_SPEC 1u
#define S4D_BOM 0x01020304u

/* How many values a tensor holds, as a function of the shape. */
typedef enum {
  N_LHM,
  N_LH,
  N_ENC_W,
  N_H,
  N_MIX_W,
  N_MIX_B,
  N_DEC_W,
  N_DEC_B
} count_kind;

typedef struct {
  const char *name;
  size_t offset; /* of the pointer in aimc_s4d_model */
  count_kind count;
  int type;
} tensor_row;

#define T(field, kind, type) \
  { #field, offsetof(aimc_s4d_model, field), kind, type }
static const tensor_row TENSORS[] = {
    T(a_re, N_LHM, BLK_F64),      T(a_im, N_LHM, BLK_F64),
    T(b_re, N_LHM, BLK_F64),      T(b_im, N_LHM, BLK_F64),
    T(c_re, N_LHM, BLK_F64),      T(c_im, N_LHM, BLK_F64),
    T(d, N_LH, BLK_F64),          T(mode_mask, N_LHM, BLK_U8),
    T(enc_w, N_ENC_W, BLK_F64),   T(enc_b, N_H, BLK_F64),
    T(mix_w, N_MIX_W, BLK_F64),   T(mix_b, N_MIX_B, BLK_F64),
    T(norm_g, N_LH, BLK_F64),     T(norm_b, N_LH, BLK_F64),
    T(dec_w, N_DEC_W, BLK_F64),   T(dec_b, N_DEC_B, BLK_F64),
    T(log_dt, N_LH, BLK_F64),     T(log_a_re, N_LHM, BLK_F64),
    T(a_im_cont, N_LHM, BLK_F64),
};
#undef T
#define N_TENSORS (sizeof TENSORS / sizeof TENSORS[0])

static size_t tensor_count(const aimc_s4d_model *m, count_kind k) {
  size_t L = m->layers, H = m->h, kmix = m->mix == AIMC_MIX_GLU ? 2 : 1;
  switch (k) {
    case N_LHM:
      return L * H * m->m;
    case N_LH:
      return L * H;
    case N_ENC_W:
      return H * m->n_in;
    case N_H:
      return H;
    case N_MIX_W:
      return L * kmix * H * H;
    case N_MIX_B:
      return L * kmix * H;
    case N_DEC_W:
      return (size_t)m->n_out * H;
    case N_DEC_B:
      return m->n_out;
  }
  return 0;
}

static void **tensor_ptr(aimc_s4d_model *m, const tensor_row *r) {
  return (void **)((char *)m + r->offset);
}

static int check_shape(aimc_ctx *ctx, const char *what, int n_in, int n_out,
                       int h, int m, int layers, int mix) {
  if (n_in < 1 || n_out < 1 || h < 1 || m < 1 || layers < 1 || n_in > 1 << 20 ||
      n_out > 1 << 20 || h > 1 << 14 || m > 1024 || layers > 1024 ||
      (mix != AIMC_MIX_LINEAR && mix != AIMC_MIX_GLU))
    return aimc_error(ctx, AIMC_ESHAPE,
                      "%s: impossible S4D shape n_in=%d n_out=%d h=%d m=%d "
                      "layers=%d mix=%d",
                      what, n_in, n_out, h, m, layers, mix);
  return AIMC_OK;
}

int aimc_s4d_model_alloc(aimc_ctx *ctx, int n_in, int n_out, int h, int m,
                         int layers, aimc_mix_kind mix, aimc_s4d_model **out) {
  *out = NULL;
  int st = check_shape(ctx, "s4d model", n_in, n_out, h, m, layers, mix);
  if (st) return st;
  aimc_s4d_model *mdl = aimc_calloc(ctx, 1, sizeof *mdl);
  if (!mdl) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (s4d model)");
  *mdl = (aimc_s4d_model){.n_in = n_in,
                          .n_out = n_out,
                          .h = h,
                          .m = m,
                          .layers = layers,
                          .mix = mix,
                          .use_ssm = 1};
  for (size_t i = 0; i < N_TENSORS; i++) {
    const tensor_row *r = &TENSORS[i];
    size_t size = r->type == BLK_U8 ? 1 : sizeof(double);
    void *p = aimc_calloc(ctx, tensor_count(mdl, r->count), size);
    if (!p) {
      aimc_s4d_model_free(ctx, mdl);
      return aimc_error(ctx, AIMC_ENOMEM, "out of memory (s4d model %s)",
                        r->name);
    }
    *tensor_ptr(mdl, r) = p;
  }
  memset(mdl->mode_mask, 1, tensor_count(mdl, N_LHM));
  for (size_t i = 0; i < tensor_count(mdl, N_LH); i++) mdl->norm_g[i] = 1;
  *out = mdl;
  return AIMC_OK;
}

void aimc_s4d_model_free(aimc_ctx *ctx, aimc_s4d_model *mdl) {
  if (!mdl) return;
  for (size_t i = 0; i < N_TENSORS; i++)
    aimc_free(ctx, *tensor_ptr(mdl, &TENSORS[i]));
  aimc_free(ctx, mdl);
}

/* The fixed header (docs/weights-format.md). */
typedef struct {
  char magic[8];
  uint32_t version, bom;
  int32_t n_in, n_out, h, m, layers, mix, use_ssm, reserved;
  struct {
    int32_t bits, pad;
    double range;
  } q[7];
} file_header;

static aimc_quant *model_quant(aimc_s4d_model *m, int i) {
  aimc_quant *qs[7] = {&m->quant_a, &m->quant_b, &m->quant_c, &m->quant_d,
                       &m->quant_u, &m->quant_x, &m->quant_y};
  return qs[i];
}

int aimc_s4d_model_write(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                         const char *path) {
  aimc_s4d_model *m = (aimc_s4d_model *)mdl; /* only read */
  file_header hd;
  memset(&hd, 0, sizeof hd);
  memcpy(hd.magic, S4D_MAGIC, sizeof S4D_MAGIC);
  hd.version = S4D_VERSION;
  hd.bom = S4D_BOM;
  hd.n_in = m->n_in;
  hd.n_out = m->n_out;
  hd.h = m->h;
  hd.m = m->m;
  hd.layers = m->layers;
  hd.mix = m->mix;
  hd.use_ssm = m->use_ssm;
  for (int i = 0; i < 7; i++) {
    hd.q[i].bits = model_quant(m, i)->bits;
    hd.q[i].range = model_quant(m, i)->range;
  }
  aimc_atomic_file *f;
  int st = aimc_atomic_open(ctx, path, &f);
  if (st) return st;
  blk_writer w;
  blk_writer_init(&w, aimc_atomic_stream(f));
  blk_write_raw(&w, &hd, sizeof hd);
  for (size_t i = 0; i < N_TENSORS; i++)
    blk_write(&w, TENSORS[i].name, TENSORS[i].type, *tensor_ptr(m, &TENSORS[i]),
              tensor_count(m, TENSORS[i].count));
  blk_write(&w, "data_spec", BLK_U8, m->data_spec,
            strnlen(m->data_spec, sizeof m->data_spec - 1));
  blk_write(&w, "data_dir", BLK_U8, m->data_dir,
            strnlen(m->data_dir, sizeof m->data_dir - 1));
  int64_t id[2] = {(int64_t)m->data_fingerprint, m->data_length};
  blk_write(&w, "data_id", BLK_I64, id, 2);
  if (blk_writer_finish(&w)) {
    aimc_atomic_abort(ctx, f);
    return aimc_error(ctx, AIMC_EIO, "cannot write %s", path);
  }
  return aimc_atomic_commit(ctx, f);
}

static int check_header(aimc_ctx *ctx, const char *path,
                        const file_header *hd) {
  if (memcmp(hd->magic, S4D_MAGIC, sizeof S4D_MAGIC) != 0)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: not an aimc S4D weight file",
                      path);
  if (hd->bom != S4D_BOM)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: written with another byte order",
                      path);
  if (hd->version < S4D_VERSION_NO_DATA_SPEC || hd->version > S4D_VERSION)
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: weight file version %u, this build reads %u to %u",
                      path, hd->version, S4D_VERSION_NO_DATA_SPEC, S4D_VERSION);
  static const char *const Q[7] = {"quant_a", "quant_b", "quant_c", "quant_d",
                                   "quant_u", "quant_x", "quant_y"};
  for (int i = 0; i < 7; i++)
    if (hd->q[i].bits < 0 || hd->q[i].bits > 16 ||
        (hd->q[i].bits > 0 && !(hd->q[i].range > 0)))
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: header field %s: bits %d, range %g (bits 0-16, "
                        "range > 0 when bits > 0)",
                        path, Q[i], hd->q[i].bits, hd->q[i].range);
  return check_shape(ctx, path, hd->n_in, hd->n_out, hd->h, hd->m, hd->layers,
                     hd->mix);
}

/* The header's shape against the bytes left in the file, before the
 * shape is allocated: a flipped h must not cost gigabytes first. */
static int check_length(aimc_ctx *ctx, const char *path,
                        const file_header *hd, size_t avail) {
  aimc_s4d_model shape = {.n_in = hd->n_in,
                          .n_out = hd->n_out,
                          .h = hd->h,
                          .m = hd->m,
                          .layers = hd->layers,
                          .mix = (aimc_mix_kind)hd->mix};
  size_t need = 0;
  for (size_t i = 0; i < N_TENSORS; i++)
    need += blk_size(TENSORS[i].type, tensor_count(&shape, TENSORS[i].count));
  if (need > avail)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "%s: header fields n_in=%d n_out=%d h=%d m=%d layers=%d "
                      "mix=%d need %zu bytes of blocks, the file holds %zu",
                      path, hd->n_in, hd->n_out, hd->h, hd->m, hd->layers,
                      hd->mix, need, avail);
  return AIMC_OK;
}

int aimc_s4d_model_read(aimc_ctx *ctx, const char *path, aimc_s4d_model **out) {
  *out = NULL;
  blk_reader r;
  int st = blk_reader_open(ctx, &r, path, sizeof(file_header));
  if (st) return st;
  file_header hd;
  aimc_s4d_model *m = NULL;
  st = blk_read_raw(ctx, &r, &hd, sizeof hd);
  if (!st) st = check_header(ctx, path, &hd);
  if (!st) st = check_length(ctx, path, &hd, r.size - r.pos);
  if (!st)
    st = aimc_s4d_model_alloc(ctx, hd.n_in, hd.n_out, hd.h, hd.m, hd.layers,
                              (aimc_mix_kind)hd.mix, &m);
  for (size_t i = 0; !st && i < N_TENSORS; i++)
    st = blk_read(ctx, &r, TENSORS[i].name, TENSORS[i].type,
                  *tensor_ptr(m, &TENSORS[i]),
                  tensor_count(m, TENSORS[i].count));
  if (!st && hd.version >= S4D_VERSION_NO_DATA_ID)
    st = blk_read_text(ctx, &r, "data_spec", m->data_spec,
                       sizeof m->data_spec);
  else if (!st)
    aimc_log(ctx, AIMC_LOG_DEBUG,
             "%s: weight file version %u: no data spec recorded", path,
             hd.version);
  if (!st && hd.version >= S4D_VERSION) {
    int64_t id[2];
    st = blk_read_text(ctx, &r, "data_dir", m->data_dir, sizeof m->data_dir);
    if (!st) st = blk_read(ctx, &r, "data_id", BLK_I64, id, 2);
    if (!st && (id[1] < 0 || id[1] > 1 << 30))
      st = aimc_error(ctx, AIMC_EFORMAT, "%s: data length %lld invalid",
                      path, (long long)id[1]);
    if (!st) {
      m->data_fingerprint = (uint64_t)id[0];
      m->data_length = (int)id[1];
    }
  } else if (!st) {
    aimc_log(ctx, AIMC_LOG_INFO,
             "%s: weight file version %u records no corpus fingerprint or "
             "sequence length (written before format 3): runs cannot check "
             "their data against it; retrain to record them",
             path, hd.version);
  }
  if (!st && r.pos != r.size)
    st = aimc_error(ctx, AIMC_EFORMAT, "%s: %zu unexpected trailing bytes",
                    path, r.size - r.pos);
  blk_reader_close(ctx, &r);
  if (st) {
    aimc_s4d_model_free(ctx, m);
    return st;
  }
  m->use_ssm = hd.use_ssm;
  for (int i = 0; i < 7; i++) {
    model_quant(m, i)->bits = hd.q[i].bits;
    model_quant(m, i)->range = hd.q[i].range;
  }
  if ((st = s4d_model_validate(ctx, path, m)) != AIMC_OK) {
    aimc_s4d_model_free(ctx, m);
    return st;
  }
  *out = m;
  return AIMC_OK;
}

uint64_t aimc_s4d_model_hash(const aimc_s4d_model *mdl) {
  uint64_t h = AIMC_FNV_BASIS_NETLIST;
  int shape[7] = {mdl->n_in, mdl->n_out, mdl->h, mdl->m, mdl->layers, mdl->mix,
                  mdl->use_ssm};
  h = aimc_fnv1a(h, shape, sizeof shape);
  const aimc_quant *q[] = {&mdl->quant_a, &mdl->quant_b, &mdl->quant_c,
                           &mdl->quant_d, &mdl->quant_u, &mdl->quant_x,
                           &mdl->quant_y};
  for (size_t i = 0; i < 7; i++) {
    h = aimc_fnv1a(h, &q[i]->bits, sizeof q[i]->bits);
    h = aimc_fnv1a(h, &q[i]->range, sizeof q[i]->range);
  }
  size_t n = (size_t)mdl->layers * mdl->h * mdl->m;
  const double *t[] = {mdl->a_re, mdl->a_im, mdl->b_re, mdl->b_im, mdl->c_re, mdl->c_im};
  for (size_t i = 0; i < 6; i++)
    if (t[i]) h = aimc_fnv1a(h, t[i], n * sizeof(double));
  if (mdl->d) h = aimc_fnv1a(h, mdl->d, (size_t)mdl->layers * mdl->h * sizeof(double));
  if (mdl->mode_mask) h = aimc_fnv1a(h, mdl->mode_mask, n);
  return h;
}
