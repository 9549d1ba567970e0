/* Netlist graphs (aimc/graph.h): the design becomes DOT text (instances and
 * collapsed subcircuits as nodes, subcircuits as nested clusters, nets as
 * driver -> reader edges), which libgvc lays out with dot and renders (in
 * the plugin aimc_graphviz.so, loaded only to draw). The DOT is built by
 * hand rather than through cgraph calls so it can be tested and written as
 * is (`-o x.dot`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/graph.h"
#include "aimc/status.h"
#include "sim/plugins/graphviz.h"

#define MAX_KEY_PARAMS 4

typedef struct {
  aimc_ctx *ctx;
  char *buf;
  size_t len, cap;
  int failed;
} sbuf;

static void sb_printf(sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *sb, const char *fmt, ...) {
  if (sb->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, sb->buf ? sb->cap - sb->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      sb->failed = 1;
      return;
    }
    if (sb->buf && sb->len + (size_t)n < sb->cap) {
      sb->len += (size_t)n;
      return;
    }
    size_t cap = sb->cap ? sb->cap : 4096;
    while (cap <= sb->len + (size_t)n) cap *= 2;
    char *b = aimc_realloc(sb->ctx, sb->buf, cap);
    if (!b) {
      sb->failed = 1;
      return;
    }
    sb->buf = b;
    sb->cap = cap;
  }
}

/* Text inside a double-quoted DOT string. */
static void sb_escaped(sbuf *sb, const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      sb_printf(sb, "\\%c", *s);
    else if (*s == '\n')
      sb_printf(sb, "\\n");
    else
      sb_printf(sb, "%c", *s);
  }
}

/* --- hierarchy ----------------------------------------------------------- */

static int level(const char *name) {
  int n = 0;
  for (; *name; name++) n += *name == '.';
  return n;
}

/* Length of the parent path ("a.b.c" -> 3 for "a.b"; 0 at the top). */
static size_t parent_len(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot ? (size_t)(dot - name) : 0;
}

static int is_child_of(const char *name, const char *parent, size_t plen) {
  return parent_len(name) == plen && !strncmp(name, parent, plen);
}

static const char *local_name(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot ? dot + 1 : name;
}

typedef struct {
  const aimc_design *d;
  int depth, flatten;
  int *unit; /* instance -> unit (instance index, or n_inst + block index) */
} graph;

static int block_shown_as_node(const graph *g, size_t b) {
  return g->depth >= 0 && level(g->d->block[b].name) == g->depth;
}
static int block_visible(const graph *g, size_t b) {
  return g->depth < 0 || level(g->d->block[b].name) <= g->depth;
}
static int inst_visible(const graph *g, size_t i) {
  return g->depth < 0 || level(g->d->inst[i].name) <= g->depth;
}

/* The block at depth g->depth that holds instance i. */
static int collapsed_into(const graph *g, size_t i) {
  const char *name = g->d->inst[i].name;
  const char *p = name;
  for (int k = 0; k <= g->depth; k++) p = strchr(p, '.') + 1;
  size_t len = (size_t)(p - name - 1);
  for (size_t b = 0; b < g->d->n_block; b++)
    if (strlen(g->d->block[b].name) == len && !strncmp(g->d->block[b].name, name, len))
      return (int)(g->d->n_inst + b);
  return (int)i; /* unreachable for a loader-made design */
}

/* --- nodes --------------------------------------------------------------- */

static const char *fill_of(aimc_energy_class c) {
  static const char *const fill[AIMC_EC_COUNT_] = {
      "#cfe2f3", "#ffe599", "#f4cccc", "#d9ead3", "#d9d2e9", "#fce5cd",
      "#e6e6e6", "#ffffff", "#ead1dc", "#ffe599", "#f3f3f3"};
  return (c >= 0 && c < AIMC_EC_COUNT_) ? fill[c] : "#ffffff";
}

static int param_is_default(const aimc_param *p, const void *params) {
  if (p->type == AIMC_PT_STRING) {
    const char *v = (const char *)params + p->offset;
    return !strcmp(v, p->def_str ? p->def_str : "");
  }
  if (p->type == AIMC_PT_TIME)
    return *(const aimc_time *)((const char *)params + p->offset) == aimc_time_from_s(p->def);
  return aimc_param_get(p, params) == p->def;
}

/* Up to MAX_KEY_PARAMS "key=value" lines: the parameters that set port
 * widths first, then those that differ from the model's defaults. */
static void key_params(sbuf *sb, const aimc_design_inst *inst) {
  const aimc_model *m = inst->model;
  const aimc_param *shown[MAX_KEY_PARAMS];
  int n = 0;
  for (int pass = 0; pass < 2; pass++)
    for (size_t k = 0; k < (pass ? m->n_params : m->n_ports) && n < MAX_KEY_PARAMS; k++) {
      const aimc_param *p =
          pass ? &m->params[k] : aimc_params_find(m->params, m->n_params, m->ports[k].width);
      if (!p || (pass && param_is_default(p, inst->params))) continue;
      int dup = 0;
      for (int j = 0; j < n; j++) dup |= shown[j] == p;
      if (dup) continue;
      shown[n++] = p;
      char v[AIMC_PARAM_STRLEN + 8];
      aimc_param_format(p, inst->params, v, sizeof v);
      const char *slash = p->type == AIMC_PT_STRING ? strrchr(v, '/') : NULL;
      const char *text = slash ? slash + 1 : v; /* a path shows its file name */
      char cut[32];
      if (strlen(text) > 24)
        snprintf(cut, sizeof cut, "%.21s...", text);
      else
        snprintf(cut, sizeof cut, "%s", text);
      sb_printf(sb, "\\n%s=", p->key);
      sb_escaped(sb, cut);
    }
}

static void inst_node(const graph *g, sbuf *sb, size_t i) {
  const aimc_design_inst *inst = &g->d->inst[i];
  sb_printf(sb, "  i%zu [label=\"", i);
  sb_escaped(sb, g->flatten ? inst->name : local_name(inst->name));
  sb_printf(sb, "\\n(%s)", inst->model->name);
  key_params(sb, inst);
  sb_printf(sb, "\", fillcolor=\"%s\"];\n", fill_of(inst->model->eclass));
}

static void block_node(const graph *g, sbuf *sb, size_t b) {
  const aimc_design_block *blk = &g->d->block[b];
  size_t count = 0, len = strlen(blk->name);
  for (size_t i = 0; i < g->d->n_inst; i++)
    count += !strncmp(g->d->inst[i].name, blk->name, len) && g->d->inst[i].name[len] == '.';
  sb_printf(sb, "  i%zu [shape=box3d, style=filled, fillcolor=\"#eeeeee\", label=\"",
            g->d->n_inst + b);
  sb_escaped(sb, g->flatten ? blk->name : local_name(blk->name));
  sb_printf(sb, "\\n[%s]\\n%zu instances\"];\n", blk->subckt, count);
}

/* Everything directly inside `parent` (a block path, "" for the top). */
static void scope(const graph *g, sbuf *sb, const char *parent, int *cluster_id) {
  size_t plen = strlen(parent);
  for (size_t i = 0; i < g->d->n_inst; i++)
    if (inst_visible(g, i) && is_child_of(g->d->inst[i].name, parent, plen)) inst_node(g, sb, i);
  for (size_t b = 0; b < g->d->n_block; b++) {
    const aimc_design_block *blk = &g->d->block[b];
    if (!block_visible(g, b) || !is_child_of(blk->name, parent, plen)) continue;
    if (block_shown_as_node(g, b)) {
      block_node(g, sb, b);
      continue;
    }
    sb_printf(sb, "subgraph cluster_%d {\n  label=\"", (*cluster_id)++);
    sb_escaped(sb, local_name(blk->name));
    sb_printf(sb, " [%s]\"; style=\"rounded,dashed\"; color=\"#777777\";\n", blk->subckt);
    scope(g, sb, blk->name, cluster_id);
    sb_printf(sb, "}\n");
  }
}

static void flat(const graph *g, sbuf *sb) {
  for (size_t i = 0; i < g->d->n_inst; i++)
    if (inst_visible(g, i)) inst_node(g, sb, i);
  for (size_t b = 0; b < g->d->n_block; b++)
    if (block_shown_as_node(g, b)) block_node(g, sb, b);
}

/* --- edges --------------------------------------------------------------- */

typedef struct {
  int net, src, dst;
} edge;

static int edge_cmp(const void *a, const void *b) {
  const edge *x = a, *y = b;
  if (x->net != y->net) return x->net < y->net ? -1 : 1;
  if (x->src != y->src) return x->src < y->src ? -1 : 1;
  return x->dst < y->dst ? -1 : x->dst > y->dst;
}

static const char *color_of(aimc_sig_kind k) {
  static const char *const color[AIMC_SIG_COUNT_] = {"#1f5fbf", "#c0392b", "#222222",
                                                     "#888888", "#2e8b57"};
  return (k >= 0 && k < AIMC_SIG_COUNT_) ? color[k] : "#000000";
}

static int edges(const graph *g, sbuf *sb) {
  const aimc_design *d = g->d;
  size_t n = 0, cap = 0;
  /* A port array counts its elements (aimc_model_n_ports). */
  for (size_t i = 0; i < d->n_inst; i++) {
    int np = aimc_model_n_ports(d->inst[i].model, d->inst[i].params);
    cap += np > 0 ? (size_t)np : 0;
  }
  edge *e = aimc_calloc(sb->ctx, cap ? cap : 1, sizeof *e);
  if (!e) return AIMC_ENOMEM;
  int ext_base = (int)(d->n_inst + d->n_block);
  for (size_t i = 0; i < d->n_inst; i++) {
    const aimc_model *m = d->inst[i].model;
    int np = aimc_model_n_ports(m, d->inst[i].params);
    for (int p = 0; p < np; p++) {
      int net = d->inst[i].port_net[p];
      if (net < 0 || aimc_model_port(m, p)->dir != AIMC_PORT_IN) continue;
      int drv = d->net[net].driver;
      edge x = {net, drv >= 0 ? g->unit[drv] : ext_base + net, g->unit[i]};
      if (x.src != x.dst) e[n++] = x;
    }
  }
  qsort(e, n, sizeof *e, edge_cmp);
  for (size_t k = 0; k < n; k++) {
    if (k && !edge_cmp(&e[k], &e[k - 1])) continue;
    const aimc_design_net *net = &d->net[e[k].net];
    if (net->driver < 0 && (k == 0 || e[k - 1].net != e[k].net)) {
      sb_printf(sb, "  i%d [shape=plaintext, style=\"\", label=\"", e[k].src);
      sb_escaped(sb, net->name);
      sb_printf(sb, "\"];\n");
    }
    sb_printf(sb, "  i%d -> i%d [label=\"", e[k].src, e[k].dst);
    sb_escaped(sb, g->flatten ? net->name : local_name(net->name));
    sb_printf(sb, " [%d]\", color=\"%s\", fontcolor=\"%s\"%s];\n", net->width,
              color_of(net->kind), color_of(net->kind),
              net->kind == AIMC_SIG_CONTROL ? ", style=dashed" : "");
  }
  aimc_free(sb->ctx, e);
  return AIMC_OK;
}

int aimc_graph_dot(aimc_ctx *ctx, const aimc_design *d, const aimc_graph_opts *opts,
                   char **out) {
  *out = NULL;
  graph g = {d, opts ? opts->depth : -1, opts ? opts->flatten : 0, NULL};
  g.unit = aimc_calloc(ctx, d->n_inst ? d->n_inst : 1, sizeof *g.unit);
  if (!g.unit) return aimc_error(ctx, AIMC_ENOMEM, "out of memory drawing the graph");
  for (size_t i = 0; i < d->n_inst; i++)
    g.unit[i] = inst_visible(&g, i) ? (int)i : collapsed_into(&g, i);

  sbuf sb = {ctx, NULL, 0, 0, 0};
  sb_printf(&sb, "digraph aimc {\n  rankdir=LR; labelloc=t; fontname=Helvetica; label=\"");
  sb_escaped(&sb, d->name ? d->name : d->path);
  sb_printf(&sb,
            "\";\n  node [shape=box, style=\"rounded,filled\", fontname=Helvetica, "
            "fontsize=10];\n  edge [fontname=Helvetica, fontsize=8];\n");
  int cluster_id = 0;
  if (g.flatten)
    flat(&g, &sb);
  else
    scope(&g, &sb, "", &cluster_id);
  int rc = edges(&g, &sb);
  sb_printf(&sb, "}\n");
  aimc_free(ctx, g.unit);
  if (rc || sb.failed) {
    aimc_free(ctx, sb.buf);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory drawing the graph");
  }
  *out = sb.buf;
  return AIMC_OK;
}

static const char *format_of(const char *format, const char *path) {
  if (format) return format;
  const char *dot = strrchr(path, '.');
  return dot && !strchr(dot, '/') ? dot + 1 : "";
}

int aimc_graph_render(aimc_ctx *ctx, const aimc_design *d, const aimc_graph_opts *opts,
                      const char *format, const char *path) {
  const char *fmt = format_of(format, path);
  if (strcmp(fmt, "svg") && strcmp(fmt, "png") && strcmp(fmt, "pdf") && strcmp(fmt, "dot"))
    return aimc_error(ctx, AIMC_EUSAGE,
                      "%s: unknown graph format '%s' (use .svg, .png, .pdf or .dot)", path, fmt);
  char *text;
  int rc = aimc_graph_dot(ctx, d, opts, &text);
  if (rc) return rc;
  if (!strcmp(fmt, "dot")) {
    rc = aimc_write_file_atomic(ctx, path, text, strlen(text));
    aimc_free(ctx, text);
    return rc;
  }
  const void *t;
  rc = aimc_plugin_load(ctx, "graphviz", "Graphviz", sizeof(aimc_graphviz_plugin),
                        AIMC_EFAIL, &t);
  if (rc) {
    aimc_free(ctx, text);
    return rc;
  }
  const aimc_graphviz_plugin *gv = t;
  char *data = NULL;
  unsigned int len = 0;
  int gst = gv->render(text, fmt, &data, &len);
  aimc_free(ctx, text);
  if (gst == GV_READ)
    rc = aimc_error(ctx, AIMC_EFAIL, "graphviz could not read the graph of %s", d->path);
  else if (gst == GV_LAYOUT)
    rc = aimc_error(ctx, AIMC_EFAIL, "graphviz could not lay out the graph of %s", d->path);
  else if (gst != GV_OK)
    rc = aimc_error(ctx, AIMC_EFAIL, "graphviz could not render %s (format %s)", path, fmt);
  else
    rc = aimc_write_file_atomic(ctx, path, data, len);
  gv->free_data(data);
  return rc;
}
