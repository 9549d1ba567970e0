/* Meaning checks of a weight file's model (s4d_validate.h): what the
 * trainer guarantees on export is what the reader demands, so a value no
 * training run can produce is refused before it is mapped or run. */
#include "s4d_validate.h"

#include <math.h>
#include <stdio.h>

#include "aimc/status.h"

/* Where element i of a tensor sits, for messages. */
static void locate(const aimc_s4d_model *m, int per_mode, size_t i, char *buf,
                   size_t len) {
  size_t M = (size_t)m->m, H = (size_t)m->h;
  if (per_mode)
    snprintf(buf, len, " (layer %zu, channel %zu, mode %zu)", i / (H * M),
             i / M % H, i % M);
  else
    buf[0] = '\0';
}

static int bad_value(aimc_ctx *ctx, const char *path, const aimc_s4d_model *m,
                     const char *block, int per_mode, size_t i, double v,
                     const char *why) {
  char where[96];
  locate(m, per_mode, i, where, sizeof where);
  return aimc_error(ctx, AIMC_ERANGE, "%s: block '%s' element %zu%s is %g: %s",
                    path, block, i, where, v, why);
}

/* Every value finite and within S4D_VALUE_MAX; when q quantizes the
 * tensor, every value a level of q (stored values are deployed ones). */
static int check_tensor(aimc_ctx *ctx, const char *path,
                        const aimc_s4d_model *m, const char *block,
                        const double *v, size_t n, int per_mode,
                        const aimc_quant *q) {
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(v[i]) || fabs(v[i]) > S4D_VALUE_MAX)
      return bad_value(ctx, path, m, block, per_mode, i, v[i],
                       "values must be finite and within +-1e6");
    if (q && q->bits > 0 &&
        fabs(aimc_quant_apply(q, v[i]) - v[i]) > 1e-9 * q->range) {
      char why[128];
      snprintf(why, sizeof why,
               "not a level of its %d-bit quantizer over [-%g, %g]", q->bits,
               q->range, q->range);
      return bad_value(ctx, path, m, block, per_mode, i, v[i], why);
    }
  }
  return AIMC_OK;
}

static int check_header(aimc_ctx *ctx, const char *path,
                        const aimc_s4d_model *m) {
  static const char *const QNAMES[7] = {"quant_a", "quant_b", "quant_c",
                                        "quant_d", "quant_u", "quant_x",
                                        "quant_y"};
  const aimc_quant *qs[7] = {&m->quant_a, &m->quant_b, &m->quant_c,
                             &m->quant_d, &m->quant_u, &m->quant_x,
                             &m->quant_y};
  if (m->use_ssm != 0 && m->use_ssm != 1)
    return aimc_error(ctx, AIMC_ERANGE,
                      "%s: header field use_ssm is %d: must be 0 or 1", path,
                      m->use_ssm);
  for (int i = 0; i < 7; i++) {
    double r = qs[i]->range;
    if (!isfinite(r) || r < 0 || r > S4D_VALUE_MAX)
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: header field %s.range is %g: must be finite, "
                        ">= 0 and at most 1e6",
                        path, QNAMES[i], r);
  }
  return AIMC_OK;
}

int s4d_model_validate(aimc_ctx *ctx, const char *path,
                       const aimc_s4d_model *m) {
  int st = check_header(ctx, path, m);
  if (st) return st;
  const size_t L = (size_t)m->layers, H = (size_t)m->h, lhm = L * H * m->m,
               k = m->mix == AIMC_MIX_GLU ? 2 : 1;
  const struct {
    const char *name;
    const double *v;
    size_t n;
    int per_mode;
    const aimc_quant *q;
  } T[] = {
      {"a_re", m->a_re, lhm, 1, &m->quant_a},
      {"a_im", m->a_im, lhm, 1, &m->quant_a},
      {"b_re", m->b_re, lhm, 1, &m->quant_b},
      {"b_im", m->b_im, lhm, 1, &m->quant_b},
      {"c_re", m->c_re, lhm, 1, &m->quant_c},
      {"c_im", m->c_im, lhm, 1, &m->quant_c},
      {"d", m->d, L * H, 0, &m->quant_d},
      {"enc_w", m->enc_w, H * m->n_in, 0, NULL},
      {"enc_b", m->enc_b, H, 0, NULL},
      {"mix_w", m->mix_w, L * k * H * H, 0, NULL},
      {"mix_b", m->mix_b, L * k * H, 0, NULL},
      {"norm_g", m->norm_g, L * H, 0, NULL},
      {"norm_b", m->norm_b, L * H, 0, NULL},
      {"dec_w", m->dec_w, (size_t)m->n_out * H, 0, NULL},
      {"dec_b", m->dec_b, (size_t)m->n_out, 0, NULL},
      {"log_dt", m->log_dt, L * H, 0, NULL},
      {"log_a_re", m->log_a_re, lhm, 1, NULL},
      {"a_im_cont", m->a_im_cont, lhm, 1, NULL},
  };
  for (size_t t = 0; !st && t < sizeof T / sizeof T[0]; t++)
    st = check_tensor(ctx, path, m, T[t].name, T[t].v, T[t].n, T[t].per_mode,
                      T[t].q);
  for (size_t i = 0; !st && i < lhm; i++) {
    if (m->mode_mask[i] > 1)
      return bad_value(ctx, path, m, "mode_mask", 1, i, m->mode_mask[i],
                       "must be 1 (kept) or 0 (pruned)");
    /* The state is fed back through Abar every step: |Abar| >= 1 makes
     * the recurrence grow without bound. The trainer stabilizes every
     * deployed mode; a pruned mode is never run. */
    double mag = hypot(m->a_re[i], m->a_im[i]);
    if (m->mode_mask[i] && !(mag < 1)) {
      char where[96];
      locate(m, 1, i, where, sizeof where);
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s: blocks 'a_re'/'a_im' element %zu%s: |Abar| = %g: "
                        "must be below 1 (an unstable recurrence)",
                        path, i, where, mag);
    }
  }
  return st;
}
