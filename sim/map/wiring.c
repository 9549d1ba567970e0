/* The wiring of a mapped netlist (docs/mapping.md, "The wiring"): which
 * word drives each row of each array and which array columns form each
 * layer's output, as `gather` instances (aimc/gather.h) with their index
 * maps, plus the register that holds a layer's previous input (the
 * u_{t-1} rows of the single form). Made from the mapping alone (its
 * matrices' block layout and the slots of every array), written by `aimc
 * map` beside the targets, and checked against the mapping by `aimc run`.
 *
 * Words: a tile's `in` carries one word per array row (logical row r is
 * word r, as the runner's DAC channels), its `out` the held word of each
 * column (logical column c is word c). A matrix input comes from one
 * source (a layer's input channel, its previous input, the state, or a
 * held column); a matrix output held on several arrays (a dense column
 * cut along its rows) is the sum of their words, in array order. */
#include <stdio.h>
#include <string.h>

#include "aimc/status.h"
#include "map_internal.h"

/* The input net of a gather port: its name and width. */
static int port_of(aimc_ctx *ctx, aimc_map_wire *g, const char *net, int width, int primed) {
  for (int k = 0; k < g->n_ports; k++)
    if (!strcmp(g->port[k].net, net)) return k;
  aimc_map_wire_port *p = aimc_realloc(ctx, g->port, sizeof *p * ((size_t)g->n_ports + 1));
  if (!p) return -1;
  g->port = p;
  aimc_map_wire_port *q = &p[g->n_ports];
  memset(q, 0, sizeof *q);
  snprintf(q->net, sizeof q->net, "%s", net);
  q->width = width;
  q->primed = primed;
  return g->n_ports++;
}

static int add_pair(aimc_ctx *ctx, aimc_map_wire *g, int out, const char *net, int width,
                    int word, int primed) {
  int port = port_of(ctx, g, net, width, primed);
  if (port < 0) return AIMC_ENOMEM;
  if (g->n_pairs == g->cap) {
    size_t nc = g->cap ? 2 * g->cap : 64;
    int *a = aimc_realloc(ctx, g->pair, sizeof *a * 3 * nc);
    if (!a) return AIMC_ENOMEM;
    g->pair = a;
    g->cap = nc;
  }
  int *e = &g->pair[3 * g->n_pairs++];
  e[0] = out, e[1] = port, e[2] = word;
  return AIMC_OK;
}

/* The list being built; once a step fails, the others do nothing. */
typedef struct {
  aimc_ctx *ctx;
  const aimc_mapping *m;
  aimc_map_wiring *w;
  int st;
} builder;

static aimc_map_wire *new_wire(builder *b, aimc_map_wire_kind kind, const char *name,
                               const char *out_net, int n) {
  if (b->st) return NULL;
  aimc_map_wiring *w = b->w;
  aimc_map_wire *g = aimc_realloc(b->ctx, w->wire, sizeof *g * (w->n + 1));
  if (!g) {
    b->st = AIMC_ENOMEM;
    return NULL;
  }
  w->wire = g;
  g = &w->wire[w->n++];
  memset(g, 0, sizeof *g);
  g->kind = kind;
  g->n = n;
  snprintf(g->name, sizeof g->name, "%s", name);
  snprintf(g->out_net, sizeof g->out_net, "%s", out_net);
  return g;
}

/* Adds to g, as its output word `out`, every held word of matrix mi's
 * output o (one per array holding a piece of it). */
static void held_output(builder *b, aimc_map_wire *g, int out, int mi, int o, int primed) {
  const aimc_mapping *m = b->m;
  for (size_t k = 0; k < m->n_arrays && !b->st; k++) {
    const aimc_map_array *a = &m->arrays[k];
    for (int p = 0; p < a->n_place && !b->st; p++) {
      const aimc_map_slot *s = &a->place[p];
      if (s->matrix != mi || o < s->out0 || o >= s->out0 + s->n_out) continue;
      char name[64], net[80];
      aimc_map_array_name(m, k, name, sizeof name);
      snprintf(net, sizeof net, "%s_out", name);
      b->st = add_pair(b->ctx, g, out, net, m->arch.cols, s->col0 + o - s->out0, primed);
    }
  }
}

/* Adds the source of input i of matrix mi to g as output word `row`. */
static void row_source(builder *b, aimc_map_wire *g, int row, int mi, int i) {
  const aimc_mapping *m = b->m;
  const aimc_map_matrix *mx = &m->mats[mi];
  int l = mx->layer, h = 0, H = m->h;
  while (h + 1 < mx->n_blocks && mx->in_off[h + 1] <= i) h++;
  int li = i - mx->in_off[h], bi = mx->in_off[h + 1] - mx->in_off[h];
  char net[64];
  int state = 0;
  for (int c = 0; l >= 0 && c < H; c++) state += 2 * m->modes[l * H + c];
  switch (mx->kind) {
    case AIMC_OP_SSM: /* [x_{t-1}; u_t; u_{t-1}] of channel h */
      if (li < bi - 2) {
        held_output(b, g, row, mi, mx->out_off[h] + li, 1);
        return;
      }
      /* u_{t-1} is the register's word when u_t arrives: primed like the
       * fed-back state, so the gather fires on u_t and reads the register
       * before it takes u_t (waiting for it would read u_t twice). */
      snprintf(net, sizeof net, li == bi - 2 ? "l%d_in" : "l%d_u_prev", l);
      b->st = add_pair(b->ctx, g, row, net, H, h, li != bi - 2);
      return;
    case AIMC_OP_SSM_A: /* x_{t-1}: the state sum's words, fed back */
      snprintf(net, sizeof net, "l%d_state", l);
      b->st = add_pair(b->ctx, g, row, net, state, i, 1);
      /* u_t fires the read (no words from it): the state is primed, so
       * without it nothing would ever start A's first read, and waiting
       * for u_t reads x_{t-1} when u_t arrives, as B reads u_t. */
      snprintf(net, sizeof net, "l%d_in", l);
      if (!b->st && port_of(b->ctx, g, net, H, 0) < 0) b->st = AIMC_ENOMEM;
      return;
    case AIMC_OP_SSM_B: /* u_t of channel h */
      snprintf(net, sizeof net, "l%d_in", l);
      b->st = add_pair(b->ctx, g, row, net, H, h, 0);
      return;
    case AIMC_OP_SSM_CD: /* [x_t; u_t] of channel h */
      if (li < bi - 1) {
        snprintf(net, sizeof net, "l%d_state", l);
        b->st = add_pair(b->ctx, g, row, net, state, mx->in_off[h] - h + li, 0);
      } else {
        snprintf(net, sizeof net, "l%d_in", l);
        b->st = add_pair(b->ctx, g, row, net, H, h, 0);
      }
      return;
    case AIMC_OP_ENCODER:
      b->st = add_pair(b->ctx, g, row, "features", mx->n_in, i, 0);
      return;
    case AIMC_OP_MIX:
      snprintf(net, sizeof net, "l%d_act", l);
      b->st = add_pair(b->ctx, g, row, net, mx->n_in, i, 0);
      return;
    default: /* AIMC_OP_DECODER */
      b->st = add_pair(b->ctx, g, row, "pooled", mx->n_in, i, 0);
      return;
  }
}

/* The rows of array k: every slot's inputs. */
static void tile_rows(builder *b, size_t k) {
  const aimc_mapping *m = b->m;
  char name[64], gname[80], net[80];
  aimc_map_array_name(m, k, name, sizeof name);
  snprintf(gname, sizeof gname, "%s_wire", name);
  snprintf(net, sizeof net, "%s_rows", name);
  aimc_map_wire *g = new_wire(b, AIMC_WIRE_GATHER, gname, net, m->arch.rows);
  const aimc_map_array *a = &m->arrays[k];
  for (int p = 0; g && p < a->n_place && !b->st; p++) {
    const aimc_map_slot *s = &a->place[p];
    for (int i = 0; i < s->n_in && !b->st; i++) row_source(b, g, s->row0 + i, s->matrix, s->in0 + i);
  }
}

/* A bus of matrix mi's outputs from word `base`: every output o (last
 * 0), or only each block's last output, one word per block (last 1: the
 * y of an SSM block). */
static void out_bus(builder *b, aimc_map_wire *g, int mi, int base, int last) {
  if (!g || mi < 0) return;
  const aimc_map_matrix *mx = &b->m->mats[mi];
  if (!last)
    for (int o = 0; o < mx->n_out && !b->st; o++) held_output(b, g, base + o, mi, o, 0);
  else
    for (int h = 0; h < mx->n_blocks && !b->st; h++)
      if (mx->out_off[h + 1] > mx->out_off[h])
        held_output(b, g, base + h, mi, mx->out_off[h + 1] - 1, 0);
}

/* Moves the primed (fed-back) ports first, in their order, as the
 * gather's `primed` counts them. */
static void primed_first(aimc_ctx *ctx, aimc_map_wire *g, int *st) {
  int *to = aimc_malloc(ctx, sizeof(int) * ((size_t)g->n_ports + 1));
  aimc_map_wire_port *np = aimc_malloc(ctx, sizeof *np * ((size_t)g->n_ports + 1));
  if (!to || !np) {
    *st = AIMC_ENOMEM;
  } else {
    int at = 0;
    for (int pass = 1; pass >= 0; pass--)
      for (int k = 0; k < g->n_ports; k++)
        if (g->port[k].primed == pass) np[to[k] = at++] = g->port[k];
    memcpy(g->port, np, sizeof *np * (size_t)g->n_ports);
    for (size_t e = 0; e < g->n_pairs; e++) g->pair[3 * e + 1] = to[g->pair[3 * e + 1]];
    g->primed = 0;
    while (g->primed < g->n_ports && g->port[g->primed].primed) g->primed++;
  }
  aimc_free(ctx, to);
  aimc_free(ctx, np);
}

int aimc_map_build_wiring(aimc_ctx *ctx, const aimc_mapping *m, aimc_map_wiring *w) {
  memset(w, 0, sizeof *w);
  builder b = {ctx, m, w, AIMC_OK};
  char name[64], net[64];
  for (size_t k = 0; k < m->n_arrays; k++) tile_rows(&b, k);
  int H = m->h;
  int enc = aimc_map_find_matrix(m, AIMC_OP_ENCODER, -1);
  if (enc >= 0) out_bus(&b, new_wire(&b, AIMC_WIRE_GATHER, "encoder_out", "encoder_sums", H), enc, 0, 0);
  for (int l = 0; l < m->layers; l++) {
    int ssm = aimc_map_find_matrix(m, AIMC_OP_SSM, l);
    int a = aimc_map_find_matrix(m, AIMC_OP_SSM_A, l), bm = aimc_map_find_matrix(m, AIMC_OP_SSM_B, l);
    int cd = aimc_map_find_matrix(m, AIMC_OP_SSM_CD, l), mix = aimc_map_find_matrix(m, AIMC_OP_MIX, l);
    snprintf(name, sizeof name, "l%d_y_wire", l);
    snprintf(net, sizeof net, "l%d_y", l);
    aimc_map_wire *y = new_wire(&b, AIMC_WIRE_GATHER, name, net, H);
    if (ssm >= 0) {
      /* y_{t-1} is each block's last output; u_{t-1} comes from a register. */
      out_bus(&b, y, ssm, 0, 1);
      /* The first read gives y_{-1}: not passed on (aimc run's t < 1). */
      if (y) y->skip = 1;
      snprintf(name, sizeof name, "l%d_u_prev", l);
      aimc_map_wire *r = new_wire(&b, AIMC_WIRE_REGISTER, name, name, H);
      snprintf(net, sizeof net, "l%d_in", l);
      if (r && port_of(ctx, r, net, H, 0) < 0) b.st = AIMC_ENOMEM;
      /* The residual adds u_{t-1} to the output for t-1: the register's
       * words when u_t arrives (primed, as in a tile's rows), l<L>_in only
       * fires it. */
      snprintf(name, sizeof name, "l%d_resid_wire", l);
      snprintf(net, sizeof net, "l%d_resid", l);
      aimc_map_wire *rw = new_wire(&b, AIMC_WIRE_GATHER, name, net, H);
      char reg[64];
      snprintf(reg, sizeof reg, "l%d_u_prev", l);
      snprintf(net, sizeof net, "l%d_in", l);
      for (int h = 0; rw && h < H && !b.st; h++) b.st = add_pair(ctx, rw, h, reg, H, h, 1);
      if (rw && !b.st && port_of(ctx, rw, net, H, 0) < 0) b.st = AIMC_ENOMEM;
    } else {
      out_bus(&b, y, cd, 0, 1);
      if (aimc_map_periph_find(m, AIMC_PERIPH_STATE_SUM, l)) {
        const aimc_periph *ss = aimc_map_periph_find(m, AIMC_PERIPH_STATE_SUM, l);
        snprintf(name, sizeof name, "l%d_parts_wire", l);
        snprintf(net, sizeof net, "l%d_state_parts", l);
        aimc_map_wire *parts = new_wire(&b, AIMC_WIRE_GATHER, name, net, ss->p.n_in);
        out_bus(&b, parts, a, 0, 0);
        out_bus(&b, parts, bm, ss->p.n, 0);
      }
    }
    if (mix >= 0) {
      snprintf(name, sizeof name, "l%d_mix_wire", l);
      snprintf(net, sizeof net, "l%d_mix_sums", l);
      out_bus(&b, new_wire(&b, AIMC_WIRE_GATHER, name, net, m->mats[mix].n_out), mix, 0, 0);
    }
  }
  int dec = aimc_map_find_matrix(m, AIMC_OP_DECODER, -1);
  if (dec >= 0)
    out_bus(&b, new_wire(&b, AIMC_WIRE_GATHER, "decoder_out", "decoder_sums", m->n_out), dec, 0, 0);
  for (size_t i = 0; i < w->n && !b.st; i++) {
    aimc_map_wire *g = &w->wire[i];
    primed_first(ctx, g, &b.st);
    /* The gather's widths list: its ports' widths in order, a run of
     * equal widths as W*N (a layer's tiles: "64*32"). */
    size_t used = 0;
    for (int k = 0, run; k < g->n_ports && used < sizeof g->widths; k += run) {
      for (run = 1; k + run < g->n_ports && g->port[k + run].width == g->port[k].width;) run++;
      used += (size_t)snprintf(g->widths + used, sizeof g->widths - used, "%s%d", k ? "," : "",
                               g->port[k].width);
      if (run > 1 && used < sizeof g->widths)
        used += (size_t)snprintf(g->widths + used, sizeof g->widths - used, "*%d", run);
    }
    if (used >= sizeof g->widths)
      b.st = aimc_error(ctx, AIMC_ERANGE, "map: gather %s has too many inputs (%d)", g->name,
                        g->n_ports);
  }
  if (b.st) aimc_map_free_wiring(ctx, w);
  return b.st;
}

void aimc_map_free_wiring(aimc_ctx *ctx, aimc_map_wiring *w) {
  for (size_t i = 0; i < w->n; i++) {
    aimc_free(ctx, w->wire[i].port);
    aimc_free(ctx, w->wire[i].pair);
  }
  aimc_free(ctx, w->wire);
  memset(w, 0, sizeof *w);
}

void aimc_map_wire_params(const aimc_map_wire *g, const char *map, aimc_gather_params *p) {
  aimc_params_defaults(aimc_gather_model()->params, aimc_gather_model()->n_params, p);
  p->n = g->n;
  snprintf(p->widths, sizeof p->widths, "%s", g->widths);
  snprintf(p->map, sizeof p->map, "%s", map);
  p->primed = g->primed;
  p->skip = g->skip;
}

int aimc_map_wire_map(aimc_ctx *ctx, const aimc_map_wire *g, aimc_gather_map *out) {
  aimc_gather_params p;
  aimc_map_wire_params(g, "", &p);
  int *cols = aimc_malloc(ctx, sizeof(int) * 3 * (g->n_pairs + 1));
  if (!cols) return AIMC_ENOMEM;
  for (size_t e = 0; e < g->n_pairs; e++)
    for (int c = 0; c < 3; c++) cols[c * g->n_pairs + e] = g->pair[3 * e + c];
  int st = aimc_gather_map_build(ctx, &p, g->n_pairs, cols, cols + g->n_pairs,
                                 cols + 2 * g->n_pairs, out);
  aimc_free(ctx, cols);
  return st;
}
