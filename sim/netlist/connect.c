/* Wiring checks: turns the union classes of connection nodes into design
 * nets and enforces design.h's invariants with located messages: every
 * model port connected (or declared open), one driver per net, a reader for
 * every driven net, and one signal kind and width per net. Nets are named
 * after their top-most written name (a tile's `in` becomes the outer net). */
#include <stdio.h>
#include <string.h>

#include "aimc/status.h"
#include "netlist_internal.h"

typedef struct {
  int rep;                 /* representative named node, -1 if none   */
  int first_inst, first_port;
  int driver_inst, driver_port;
  int readers;
  int external;
  int net;                 /* design net index                        */
} nl_class;

/* "in" or, for an element of a port array, "in[3]" (in buf). */
static const char *port_name(const aimc_design_inst *inst, int port, char buf[64]) {
  aimc_model_port_label(inst->model, port, buf, 64);
  return buf;
}

/* Ports of an instance (a port array counts its elements). */
static size_t n_ports(const aimc_design_inst *inst) {
  int n = aimc_model_n_ports(inst->model, inst->params);
  return n > 0 ? (size_t)n : 0;
}

static int check_port(nl_loader *L, nl_class *c, int i, int p) {
  const aimc_design *d = L->d;
  const aimc_design_inst *inst = &d->inst[i];
  const aimc_port_spec *spec = aimc_model_port(inst->model, p);
  const nl_node *net = &L->node[c->rep];
  char b1[64], b2[64];
  if (c->first_inst < 0) {
    c->first_inst = i;
    c->first_port = p;
  } else {
    const aimc_design_inst *f = &d->inst[c->first_inst];
    const aimc_port_spec *fs = aimc_model_port(f->model, c->first_port);
    if (fs->kind != spec->kind)
      return aimc_error_at(L->ctx, AIMC_ESHAPE, &net->loc,
                           "net '%s': kind mismatch: %s.%s is %s but %s.%s is %s", net->name,
                           f->name, port_name(f, c->first_port, b1),
                           aimc_sig_kind_name(fs->kind), inst->name, port_name(inst, p, b2),
                           aimc_sig_kind_name(spec->kind));
    int fw = aimc_model_port_width(f->model, c->first_port, f->params);
    int w = aimc_model_port_width(inst->model, p, inst->params);
    if (fw != w)
      return aimc_error_at(L->ctx, AIMC_ESHAPE, &net->loc,
                           "net '%s': width mismatch: %s.%s has width %d but %s.%s has width %d",
                           net->name, f->name, port_name(f, c->first_port, b1), fw, inst->name,
                           port_name(inst, p, b2), w);
  }
  if (spec->dir == AIMC_PORT_IN) {
    c->readers++;
    return AIMC_OK;
  }
  if (c->driver_inst >= 0) {
    const aimc_design_inst *drv = &d->inst[c->driver_inst];
    return aimc_error_at(L->ctx, AIMC_EINVAL, &net->loc,
                         "net '%s' is driven twice: by %s.%s and by %s.%s", net->name,
                         drv->name, port_name(drv, c->driver_port, b1), inst->name,
                         port_name(inst, p, b2));
  }
  c->driver_inst = i;
  c->driver_port = p;
  return AIMC_OK;
}

/* Declared width/kind of any written net in the class must match. */
static int check_declared(nl_loader *L, const nl_class *cls) {
  for (size_t j = 0; j < L->n_node; j++) {
    const nl_node *n = &L->node[j];
    const nl_class *c = &cls[nl_find(L, (int)j)];
    if (!n->name || c->first_inst < 0) continue;
    const aimc_design_inst *f = &L->d->inst[c->first_inst];
    const aimc_port_spec *fs = aimc_model_port(f->model, c->first_port);
    int w = aimc_model_port_width(f->model, c->first_port, f->params);
    char b[64];
    if (n->width >= 0 && n->width != w)
      return aimc_error_at(L->ctx, AIMC_ESHAPE, &n->loc,
                           "net '%s' is declared with width %d but %s.%s has width %d",
                           n->name, n->width, f->name, port_name(f, c->first_port, b), w);
    if (n->kind >= 0 && n->kind != (int)fs->kind)
      return aimc_error_at(L->ctx, AIMC_ESHAPE, &n->loc,
                           "net '%s' is declared %s but %s.%s is %s", n->name,
                           aimc_sig_kind_name((aimc_sig_kind)n->kind), f->name,
                           port_name(f, c->first_port, b), aimc_sig_kind_name(fs->kind));
  }
  return AIMC_OK;
}

static int check_class(nl_loader *L, const nl_class *c) {
  const nl_node *net = &L->node[c->rep];
  const aimc_design *d = L->d;
  if (c->first_inst < 0)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &net->loc,
                         "net '%s' is dangling: it connects no model port", net->name);
  if (c->external) return AIMC_OK;
  const aimc_design_inst *f = &d->inst[c->first_inst];
  char b[64];
  if (c->driver_inst < 0)
    return aimc_error_at(L->ctx, AIMC_EINVAL, &net->loc,
                         "net '%s' is dangling: nothing drives it (read by %s.%s); drive it "
                         "from an output port or mark it `external: true`",
                         net->name, f->name, port_name(f, c->first_port, b));
  if (c->readers == 0) {
    const aimc_design_inst *drv = &d->inst[c->driver_inst];
    return aimc_error_at(L->ctx, AIMC_EINVAL, &net->loc,
                         "net '%s' is dangling: driven by %s.%s but nothing reads it; connect "
                         "an input (e.g. a probe) or mark it `external: true`",
                         net->name, drv->name, port_name(drv, c->driver_port, b));
  }
  return AIMC_OK;
}

static int unconnected_ports(nl_loader *L) {
  for (size_t i = 0; i < L->d->n_inst; i++) {
    aimc_design_inst *inst = &L->d->inst[i];
    char b[64];
    for (size_t p = 0, np = n_ports(inst); p < np; p++) {
      if (inst->port_net[p] != -1) continue;
      if (aimc_model_port(inst->model, (int)p)->optional) { /* open unless connected */
        inst->port_net[p] = NL_PORT_OPEN;
        continue;
      }
      return aimc_error_at(L->ctx, AIMC_EINVAL, &inst->loc,
                           "port '%s' of instance '%s' (%s) is not connected; connect it "
                           "in nets: or list it under open:",
                           port_name(inst, (int)p, b), inst->name, inst->model->name);
    }
  }
  return AIMC_OK;
}

static int build_nets(nl_loader *L, nl_class *cls) {
  aimc_design *d = L->d;
  for (size_t j = 0; j < L->n_node; j++) {
    nl_class *c = &cls[j];
    c->rep = c->first_inst = c->driver_inst = c->net = -1;
  }
  for (size_t j = 0; j < L->n_node; j++) {
    const nl_node *n = &L->node[j];
    nl_class *c = &cls[nl_find(L, (int)j)];
    c->external |= n->external;
    if (n->name && (c->rep < 0 || n->depth < L->node[c->rep].depth)) c->rep = (int)j;
  }
  for (size_t i = 0; i < d->n_inst; i++)
    for (size_t p = 0, np = n_ports(&d->inst[i]); p < np; p++) {
      int node = d->inst[i].port_net[p];
      if (node < 0) continue;
      int rc = check_port(L, &cls[nl_find(L, node)], (int)i, (int)p);
      if (rc) return rc;
    }
  int rc = check_declared(L, cls);
  if (rc) return rc;
  size_t n_net = 0;
  for (size_t j = 0; j < L->n_node; j++) {
    if ((size_t)nl_find(L, (int)j) != j || cls[j].rep < 0) continue;
    if ((rc = check_class(L, &cls[j]))) return rc;
    n_net++;
  }
  d->net = aimc_calloc(L->ctx, n_net ? n_net : 1, sizeof *d->net);
  if (!d->net) return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
  /* Nets in order of their representative, i.e. of where they are written. */
  for (size_t j = 0; j < L->n_node; j++) {
    const nl_node *n = &L->node[j];
    nl_class *c = &cls[nl_find(L, (int)j)];
    if (c->rep != (int)j) continue;
    aimc_design_net *net = &d->net[d->n_net];
    const aimc_design_inst *f = &d->inst[c->first_inst];
    if (!(net->name = aimc_strdup(L->ctx, n->name)))
      return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
    net->kind = aimc_model_port(f->model, c->first_port)->kind;
    net->width = aimc_model_port_width(f->model, c->first_port, f->params);
    net->driver = c->driver_inst;
    net->driver_port = c->driver_inst >= 0 ? c->driver_port : -1;
    net->loc = n->loc;
    c->net = (int)d->n_net++;
  }
  for (size_t i = 0; i < d->n_inst; i++)
    for (size_t p = 0, np = n_ports(&d->inst[i]); p < np; p++) {
      int *pn = &d->inst[i].port_net[p];
      *pn = *pn >= 0 ? cls[nl_find(L, *pn)].net : -1;
    }
  return AIMC_OK;
}

/* A loop of instances with no register in it would never settle: a value
 * runs through the others back to where it started in the same instant
 * (or, with delays, for ever). Every loop must pass a sequential model
 * (aimc/model.h: a register, a buffer, a controller), which holds a value
 * from one step to the next. */
static int holds_state(const aimc_design_inst *in) { return in->model->sequential; }

/* The loop found at instance `at` on the DFS stack, written driver first:
 * "a -> b -> c -> a". */
static int loop_error(nl_loader *L, const int *stack, int depth, int at) {
  const aimc_design *d = L->d;
  char path[512] = "";
  int from = depth - 1;
  while (from > 0 && stack[2 * from] != at) from--;
  /* Each entry of the stack is driven by the next: at drives the top,
   * which drives the one below, ... down to at again. */
  snprintf(path, sizeof path, "%s", d->inst[at].name);
  for (int k = depth - 1; k >= from; k--) {
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, " -> %s", d->inst[stack[2 * k]].name);
  }
  return aimc_error_at(L->ctx, AIMC_EINVAL, &d->inst[at].loc,
                       "the instances %s form a loop with no register in it (a sequential "
                       "model such as sample_hold, buffer or write_verify holds a loop's value "
                       "from one step to the next; aimc models --describe says which are); "
                       "it would never settle",
                       path);
}

/* Depth-first over each instance's drivers (the nets on its inputs),
 * never through a register: a driver met again on the path is a loop. */
static int registered_loops(nl_loader *L) {
  const aimc_design *d = L->d;
  unsigned char *color = aimc_calloc(L->ctx, d->n_inst + 1, 1); /* 1: on the path, 2: done */
  int *stack = aimc_malloc(L->ctx, sizeof(int) * 2 * (d->n_inst + 1)); /* (inst, next port) */
  if (!color || !stack) {
    aimc_free(L->ctx, color);
    aimc_free(L->ctx, stack);
    return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
  }
  int rc = AIMC_OK;
  for (size_t r = 0; r < d->n_inst && !rc; r++) {
    if (color[r] || holds_state(&d->inst[r])) continue;
    int depth = 0;
    stack[0] = (int)r, stack[1] = 0, depth = 1, color[r] = 1;
    while (depth > 0 && !rc) {
      int i = stack[2 * (depth - 1)], *p = &stack[2 * (depth - 1) + 1];
      const aimc_design_inst *in = &d->inst[i];
      if ((size_t)*p >= n_ports(in)) {
        color[i] = 2;
        depth--;
        continue;
      }
      int port = (*p)++;
      int net = in->port_net[port];
      if (aimc_model_port(in->model, port)->dir != AIMC_PORT_IN || net < 0) continue;
      int j = d->net[net].driver;
      if (j < 0 || color[j] == 2 || holds_state(&d->inst[j])) continue;
      if (color[j] == 1) {
        rc = loop_error(L, stack, depth, j);
        break;
      }
      color[j] = 1;
      stack[2 * depth] = j, stack[2 * depth + 1] = 0, depth++;
    }
  }
  aimc_free(L->ctx, color);
  aimc_free(L->ctx, stack);
  return rc;
}

int nl_connect(nl_loader *L) {
  int rc = unconnected_ports(L);
  if (rc) return rc;
  nl_class *cls = aimc_calloc(L->ctx, L->n_node ? L->n_node : 1, sizeof *cls);
  if (!cls) return aimc_error(L->ctx, AIMC_ENOMEM, "out of memory loading the netlist");
  rc = build_nets(L, cls);
  aimc_free(L->ctx, cls);
  return rc ? rc : registered_loops(L);
}
