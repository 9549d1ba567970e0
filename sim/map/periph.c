/* The digital periphery of a mapped model as netlist instances: one
 * s4d_digital instance per vector operation (aimc/s4d_digital.h), made
 * from the model's shape and the arch, written after the tiles with the
 * nets that join them in data order (encoder -> layer l: gelu -> mix ->
 * glu -> residual -> norm -> ... -> pool -> decoder), and read back by
 * `aimc run`. The nets between a layer's tiles and its periphery carry
 * the wiring's ends too (wiring.c): only the network's input and output
 * are external (docs/mapping.md). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/design.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "map_internal.h"

static const char *const ROLES[AIMC_PERIPH_ROLES] = {
    "encoder",  "state_sum", "gelu", "mix",  "glu",
    "residual", "norm",      "pool", "mean", "decoder"};

/* 1 when the role belongs to a layer (its instance is "l<L>_<role>"). */
static int layered(aimc_periph_role r) {
  return r != AIMC_PERIPH_ENCODER && r != AIMC_PERIPH_POOL &&
         r != AIMC_PERIPH_MEAN && r != AIMC_PERIPH_DECODER;
}

/* The list being built; once an add fails, the others do nothing. */
typedef struct {
  aimc_ctx *ctx;
  aimc_mapping *m;
  int st;
} builder;

static void add(builder *b, aimc_periph_role role, int layer, aimc_dig_op op,
                int n, int n_in, aimc_dig_tensor tensor) {
  if (b->st) return;
  aimc_periph *q = &b->m->periph[b->m->n_periph++];
  q->role = role;
  q->layer = layer;
  if (layered(role))
    snprintf(q->name, sizeof q->name, "l%d_%s", layer, ROLES[role]);
  else
    snprintf(q->name, sizeof q->name, "%s", ROLES[role]);
  const aimc_model *md = aimc_s4d_digital_model();
  aimc_params_defaults(md->params, md->n_params, &q->p);
  q->p.op = op;
  q->p.n = n;
  q->p.n_in = n_in;
  q->p.tensor = tensor;
  q->p.layer = layer > 0 ? layer : 0;
  b->st = aimc_map_periph_from_arch(b->ctx, &b->m->arch, &q->p);
}

/* A dense layer: its matrix on crossbars leaves the bias to add. */
static void add_dense(builder *b, aimc_periph_role role, int layer,
                      aimc_op_kind kind, int n, int n_in,
                      aimc_dig_tensor tensor) {
  if (aimc_map_find_matrix(b->m, kind, layer) >= 0)
    add(b, role, layer, AIMC_DIG_BIAS, n, n, tensor);
  else
    add(b, role, layer, AIMC_DIG_DENSE, n, n_in, tensor);
}

int aimc_map_build_periph(aimc_ctx *ctx, aimc_mapping *m,
                          const aimc_s4d_model *mdl) {
  int H = mdl->h, L = mdl->layers, glu = mdl->mix == AIMC_MIX_GLU;
  int separate = m->arch.form != AIMC_FORM_SINGLE;
  m->periph = aimc_calloc(ctx, 4 + 6 * (size_t)L, sizeof *m->periph);
  if (!m->periph) return AIMC_ENOMEM;
  builder b = {ctx, m, AIMC_OK};
  const aimc_dig_tensor none = AIMC_DIG_TENSOR_NONE;
  add_dense(&b, AIMC_PERIPH_ENCODER, -1, AIMC_OP_ENCODER, H, mdl->n_in,
            AIMC_DIG_TENSOR_ENCODER);
  for (int l = 0; l < L; l++) {
    int state = 0;
    for (int h = 0; h < H; h++) state += 2 * m->modes[l * H + h];
    if (separate && state > 0)
      add(&b, AIMC_PERIPH_STATE_SUM, l, AIMC_DIG_ADD, state, 2 * state, none);
    add(&b, AIMC_PERIPH_GELU, l, AIMC_DIG_GELU, H, H, none);
    add_dense(&b, AIMC_PERIPH_MIX, l, AIMC_OP_MIX, (glu ? 2 : 1) * H, H,
              AIMC_DIG_TENSOR_MIX);
    if (glu) add(&b, AIMC_PERIPH_GLU, l, AIMC_DIG_GLU, H, 2 * H, none);
    add(&b, AIMC_PERIPH_RESIDUAL, l, AIMC_DIG_ADD, H, 2 * H, none);
    add(&b, AIMC_PERIPH_NORM, l, AIMC_DIG_LAYERNORM, H, H,
        AIMC_DIG_TENSOR_NORM);
  }
  add(&b, AIMC_PERIPH_POOL, -1, AIMC_DIG_POOL, H, H, none);
  add(&b, AIMC_PERIPH_MEAN, -1, AIMC_DIG_MEAN, H, H, none);
  add_dense(&b, AIMC_PERIPH_DECODER, -1, AIMC_OP_DECODER, mdl->n_out, H,
            AIMC_DIG_TENSOR_DECODER);
  return b.st;
}

const aimc_periph *aimc_map_periph_find(const aimc_mapping *m,
                                        aimc_periph_role role, int layer) {
  for (size_t i = 0; i < m->n_periph; i++)
    if (m->periph[i].role == role && m->periph[i].layer == layer)
      return &m->periph[i];
  return NULL;
}

int aimc_map_is_periph_name(const char *name) {
  int layer, used = 0;
  if (sscanf(name, "l%d_%n", &layer, &used) == 1 && used > 0) name += used;
  for (int r = 0; r < AIMC_PERIPH_ROLES; r++)
    if (!strcmp(name, ROLES[r]) && layered((aimc_periph_role)r) == (used > 0))
      return 1;
  return 0;
}

void aimc_map_emit_periph(FILE *o, const aimc_mapping *m, const char *model) {
  const aimc_model *md = aimc_s4d_digital_model();
  for (size_t i = 0; i < m->n_periph; i++) {
    const aimc_periph *q = &m->periph[i];
    /* An op with a tensor reads it from the model in the event kernel. */
    aimc_s4d_digital_params p = q->p;
    snprintf(p.model, sizeof p.model, "%s",
             p.tensor != AIMC_DIG_TENSOR_NONE ? model : "");
    fprintf(o, "  %s: {model: s4d_digital, params: {", q->name);
    for (size_t r = 0; r < md->n_params; r++) {
      fprintf(o, "%s%s: ", r ? ", " : "", md->params[r].key);
      aimc_map_emit_param(o, &md->params[r], &p);
    }
    fputs("}}\n", o);
    /* The residual joins the mix's result with the layer's input. */
    if (q->role == AIMC_PERIPH_RESIDUAL)
      fprintf(
          o, "  l%d_join: {model: concat, params: {n_a: %d, n_b: %d, n: %d}}\n",
          q->layer, q->p.n, q->p.n, 2 * q->p.n);
  }
}

/* A net from `from` to `to`, each "inst.port" with %d for layer l, or ""
 * where the periphery has no end, and the wiring's ends on it (tiles'
 * gathers, a register); external only where nothing drives it or nothing
 * reads it: the network's input and output. */
static void net(FILE *o, const aimc_map_wiring *w, int l, const char *name, const char *from,
                const char *to) {
  char n[64], a[64], b[64];
  snprintf(n, sizeof n, name, l);
  snprintf(a, sizeof a, from, l);
  snprintf(b, sizeof b, to, l);
  int drivers, readers;
  fprintf(o, "  %s: {connect: [%s%s%s", n, a, *a && *b ? ", " : "", b);
  aimc_map_wire_ends(o, w, n, *a || *b, &drivers, &readers);
  drivers += *a != '\0';
  readers += *b != '\0';
  fprintf(o, "]%s}\n", drivers && readers ? "" : ", external: true");
}

void aimc_map_emit_periph_nets(FILE *o, const aimc_mapping *m, const aimc_map_wiring *w) {
  int L = m->layers;
  fputs("nets:\n", o);
  /* The network's input: to the encoder, or to its tiles' rows. */
  if (aimc_map_periph_find(m, AIMC_PERIPH_ENCODER, -1)->p.op == AIMC_DIG_BIAS) {
    net(o, w, 0, "features", "", "");
    net(o, w, 0, "encoder_sums", "", "encoder.in");
  } else {
    net(o, w, 0, "features", "", "encoder.in");
  }
  for (int l = 0; l < L; l++) {
    const aimc_periph *mix = aimc_map_periph_find(m, AIMC_PERIPH_MIX, l);
    int glu = aimc_map_periph_find(m, AIMC_PERIPH_GLU, l) != NULL;
    if (aimc_map_periph_find(m, AIMC_PERIPH_STATE_SUM, l)) {
      net(o, w, l, "l%d_state_parts", "", "l%d_state_sum.in"); /* A x, B u from the tiles */
      net(o, w, l, "l%d_state", "l%d_state_sum.out", "");      /* to the A and CD rows */
    }
    /* The layer's input (to its tiles too): the encoder's or the last
     * layer's norm. */
    char from[32];
    snprintf(from, sizeof from, l ? "l%d_norm.out" : "encoder.out", l - 1);
    /* The single form's output is y_{t-1}: its residual is u_{t-1}, the
     * wiring's l<L>_resid (wiring.c); the separate form's is u_t. */
    int single = aimc_map_find_matrix(m, AIMC_OP_SSM, l) >= 0;
    net(o, w, l, "l%d_in", from, single ? "" : "l%d_join.b");
    if (single) net(o, w, l, "l%d_resid", "", "l%d_join.b");
    net(o, w, l, "l%d_y", "", "l%d_gelu.in"); /* the layer's output words */
    if (mix->p.op == AIMC_DIG_BIAS) {         /* the mix's matrix on tiles */
      net(o, w, l, "l%d_act", "l%d_gelu.out", "");
      net(o, w, l, "l%d_mix_sums", "", "l%d_mix.in");
    } else {
      net(o, w, l, "l%d_act", "l%d_gelu.out", "l%d_mix.in");
    }
    net(o, w, l, "l%d_mixed", "l%d_mix.out", glu ? "l%d_glu.in" : "l%d_join.a");
    if (glu) net(o, w, l, "l%d_gated", "l%d_glu.out", "l%d_join.a");
    net(o, w, l, "l%d_joined", "l%d_join.out", "l%d_residual.in");
    net(o, w, l, "l%d_sum", "l%d_residual.out", "l%d_norm.in");
  }
  net(o, w, L - 1, "pool_in", "l%d_norm.out", "pool.in");
  net(o, w, 0, "pool_sum", "pool.out", "mean.in");
  /* The sequence's end (from outside, after the last step): the mean
   * and the decoder run once per sequence. */
  net(o, w, 0, "seq_end", "", "mean.end");
  if (aimc_map_periph_find(m, AIMC_PERIPH_DECODER, -1)->p.op == AIMC_DIG_BIAS) {
    net(o, w, 0, "pooled", "mean.out", ""); /* to the decoder's tiles */
    net(o, w, 0, "decoder_sums", "", "decoder.in");
  } else {
    net(o, w, 0, "pooled", "mean.out", "decoder.in");
  }
  net(o, w, 0, "logits", "decoder.out", "");
  aimc_map_emit_wiring_nets(o, m, w);
}

static const aimc_periph *find_name(const aimc_mapping *m, const char *name) {
  for (size_t i = 0; i < m->n_periph; i++)
    if (!strcmp(m->periph[i].name, name)) return &m->periph[i];
  return NULL;
}

/* "op dense, n 8, n_in 28, tensor encoder, layer 0". */
static void describe(const aimc_s4d_digital_params *p, char *buf, size_t len) {
  const aimc_model *md = aimc_s4d_digital_model();
  const aimc_param *t = aimc_params_find(md->params, md->n_params, "tensor");
  snprintf(buf, len, "op %s, n %d, n_in %d, tensor %s, layer %d",
           aimc_s4d_digital_op_name((aimc_dig_op)p->op), p->n, p->n_in,
           t->choices[p->tensor], p->layer);
}

int aimc_map_load_netlist_periph(aimc_ctx *ctx, const aimc_design *d,
                                 aimc_mapping *m, const char *const *sets,
                                 int n_sets) {
  const aimc_model *md = aimc_s4d_digital_model();
  size_t in_netlist = 0;
  for (size_t i = 0; i < d->n_inst; i++) in_netlist += d->inst[i].model == md;
  for (size_t k = 0; k < m->n_periph; k++) {
    aimc_periph *q = &m->periph[k];
    int i = aimc_design_find_inst(d, q->name);
    if (i < 0 || d->inst[i].model != md)
      return aimc_error(ctx, AIMC_EINVAL,
                        "%s: no s4d_digital instance '%s' (the model's %s, op "
                        "%s), as 'aimc map' "
                        "writes it; map again",
                        d->path, q->name, ROLES[q->role],
                        aimc_s4d_digital_op_name(q->p.op));
    const aimc_s4d_digital_params *p = d->inst[i].params;
    if (p->op != q->p.op || p->n != q->p.n || p->n_in != q->p.n_in ||
        p->tensor != q->p.tensor || p->layer != q->p.layer) {
      char has[128], needs[128];
      describe(p, has, sizeof has);
      describe(&q->p, needs, sizeof needs);
      return aimc_error_at(
          ctx, AIMC_EINVAL, &d->inst[i].loc,
          "%s has %s but the model needs %s; the periphery follows the "
          "model: map again",
          q->name, has, needs);
    }
    aimc_map_periph_merge(&q->p, p, sets, n_sets);
  }
  for (size_t i = 0; i < d->n_inst && in_netlist != m->n_periph; i++)
    if (d->inst[i].model == md && !find_name(m, d->inst[i].name))
      return aimc_error_at(
          ctx, AIMC_EINVAL, &d->inst[i].loc,
          "%s: an s4d_digital instance the mapping does not have (the "
          "periphery follows the model: map again)",
          d->inst[i].name);
  return AIMC_OK;
}

/* 1 when a and b name one file. */
static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

int aimc_map_check_netlist_model(aimc_ctx *ctx, const aimc_design *d,
                                 const char *model) {
  const aimc_model *md = aimc_s4d_digital_model();
  for (size_t i = 0; i < d->n_inst; i++) {
    const aimc_s4d_digital_params *p = d->inst[i].params;
    if (d->inst[i].model != md || p->tensor == AIMC_DIG_TENSOR_NONE) continue;
    char path[2 * AIMC_PARAM_STRLEN];
    aimc_path_beside(d->path, p->model, path, sizeof path);
    if (!p->model[0] || !same_file(path, model))
      return aimc_error_at(
          ctx, AIMC_EINVAL, &d->inst[i].loc,
          "%s: model '%s' is not the netlist's model %s (meta: model), whose "
          "weights aimc run applies; name that file or map again",
          d->inst[i].name, p->model, model);
  }
  return AIMC_OK;
}
