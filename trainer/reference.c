/* The quantized-digital reference forward of an exported model
 * (aimc/s4d_reference.h): it runs the layers of layers.c as training does,
 * its dense layers in the simulator's fixed summation order rather than
 * through BLAS so the ideal hardware matches it bit for bit
 * (test_infer_golden). It lives in the trainer because it is the
 * trainer's network; the file format it reads is sim/weights. */
#include "aimc/s4d_reference.h"
#include "aimc/status.h"
#include "layers.h"

int aimc_s4d_model_forward(aimc_ctx *ctx, const aimc_s4d_model *m,
                           const double *x, int len, double *logits) {
  if (len < 1)
    return aimc_error(ctx, AIMC_EINVAL, "s4d forward: empty sequence");
  const int H = m->h, M = m->m, kmix = m->mix == AIMC_MIX_GLU ? 2 : 1;
  const size_t TH = (size_t)len * H;
  /* act, y, z, o, xhat (TH each, z twice for GLU), rstd, states. */
  size_t need =
      TH * (5 + kmix) + len + s4d_ssm_xs_len(H, len, M) + 6 * (size_t)H * M;
  double *buf = aimc_malloc(ctx, need * sizeof(double));
  if (!buf) return aimc_error(ctx, AIMC_ENOMEM, "out of memory (s4d forward)");
  double *act = buf, *y = act + TH, *pre = y + TH, *o = pre + TH,
         *xhat = o + TH, *z = xhat + TH, *rstd = z + TH * kmix,
         *xs = rstd + len, *masked = xs + s4d_ssm_xs_len(H, len, M);
  aimc_dense_forward_ordered(len, m->n_in, H, x, m->enc_w, m->enc_b, act);
  for (int l = 0; l < m->layers; l++) {
    size_t lhm = (size_t)l * H * M;
    /* Pruned modes (mask 0) are zeroed, as the trainer deploys them. */
    const double *src[6] = {m->a_re, m->a_im, m->b_re,
                            m->b_im, m->c_re, m->c_im};
    for (int t = 0; t < 6; t++)
      for (size_t i = 0; i < (size_t)H * M; i++)
        masked[t * (size_t)H * M + i] =
            m->mode_mask[lhm + i] ? src[t][lhm + i] : 0;
    const size_t hm = (size_t)H * M;
    s4d_ssm ssm = {H,
                   m->use_ssm ? M : 0,
                   masked,
                   masked + hm,
                   masked + 2 * hm,
                   masked + 3 * hm,
                   masked + 4 * hm,
                   masked + 5 * hm,
                   m->d + (size_t)l * H,
                   &m->quant_u,
                   &m->quant_x,
                   &m->quant_y};
    s4d_ssm_forward(&ssm, len, act, y, xs, pre);
    s4d_gelu_forward((int)TH, y, y);
    const double *mw = m->mix_w + (size_t)l * kmix * H * H;
    const double *mb = m->mix_b + (size_t)l * kmix * H;
    if (kmix == 2) {
      aimc_dense_forward_ordered(len, H, 2 * H, y, mw, mb, z);
      s4d_glu_forward(len, H, z, o);
    } else {
      aimc_dense_forward_ordered(len, H, H, y, mw, mb, o);
    }
    for (size_t i = 0; i < TH; i++) o[i] += act[i];
    s4d_norm_forward(len, H, o, m->norm_g + (size_t)l * H,
                     m->norm_b + (size_t)l * H, act, xhat, rstd);
  }
  /* Mean pool over time, then the decoder. */
  double *pool = y;
  for (int h = 0; h < H; h++) {
    double s = 0;
    for (int k = 0; k < len; k++) s += act[(size_t)k * H + h];
    pool[h] = s / len;
  }
  aimc_dense_forward_ordered(1, H, m->n_out, pool, m->dec_w, m->dec_b, logits);
  aimc_free(ctx, buf);
  return AIMC_OK;
}
