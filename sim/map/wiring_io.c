/* The wiring of a mapped netlist written and read back: the gather and
 * register instances, their index map files in the arrays folder, the
 * nets between tiles, gathers and periphery, and `aimc run`'s check that
 * the netlist's wiring is the mapping's (wiring.c makes it). */
#include <stdio.h>
#include <string.h>

#include "aimc/design.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "map_internal.h"

void aimc_map_wire_file(const char *dir, const aimc_map_wire *g, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s.map.csv", dir, g->name);
}

int aimc_map_write_wiring_maps(aimc_ctx *ctx, const aimc_map_wiring *w, const char *dir) {
  int st = AIMC_OK;
  for (size_t i = 0; i < w->n && !st; i++) {
    const aimc_map_wire *g = &w->wire[i];
    if (g->kind != AIMC_WIRE_GATHER) continue;
    char file[1200];
    aimc_map_wire_file(dir, g, file, sizeof file);
    aimc_gather_map map;
    if ((st = aimc_map_wire_map(ctx, g, &map))) break;
    aimc_atomic_file *f = NULL;
    st = aimc_atomic_open(ctx, file, &f);
    if (!st) {
      aimc_gather_map_write(aimc_atomic_stream(f), &map);
      st = aimc_atomic_commit(ctx, f);
    }
    aimc_gather_map_fini(ctx, &map);
  }
  return st;
}

void aimc_map_emit_wiring(FILE *o, const aimc_mapping *m, const aimc_map_wiring *w,
                          const char *base) {
  (void)m;
  for (size_t i = 0; i < w->n; i++) {
    const aimc_map_wire *g = &w->wire[i];
    if (g->kind == AIMC_WIRE_REGISTER) {
      /* u_{t-1}: the layer's input words held one step, exactly. aimc run
       * does not price it (nor did it before this register existed). */
      fprintf(o,
              "  %s: {model: sample_hold, params: {n: %d, bits: 0, range: 0, e_write_bit: 0J, "
              "e_read_bit: 0J}}\n",
              g->name, g->n);
      continue;
    }
    char file[1200];
    aimc_map_wire_file(base, g, file, sizeof file);
    fprintf(o, "  %s: {model: gather, params: {n: %d, widths: \"%s\", map: ", g->name, g->n,
            g->widths);
    aimc_map_yaml_quote(o, file);
    fprintf(o, ", primed: %d%s}}\n", g->primed, g->skip ? ", skip: 1" : "");
  }
}

void aimc_map_wire_ends(FILE *o, const aimc_map_wiring *w, const char *net, int lead,
                        int *drivers, int *readers) {
  *drivers = *readers = 0;
  for (size_t i = 0; i < w->n; i++) {
    const aimc_map_wire *g = &w->wire[i];
    if (!strcmp(g->out_net, net)) {
      if (o) fprintf(o, "%s%s.out", lead || *drivers + *readers ? ", " : "", g->name);
      ++*drivers;
    }
    for (int k = 0; k < g->n_ports; k++) {
      if (strcmp(g->port[k].net, net)) continue;
      const char *sep = lead || *drivers + *readers ? ", " : "";
      /* A port array's element: quoted, [ ] are YAML flow indicators. */
      if (o && g->kind == AIMC_WIRE_GATHER) fprintf(o, "%s\"%s.in[%d]\"", sep, g->name, k);
      else if (o) fprintf(o, "%s%s.in", sep, g->name);
      ++*readers;
    }
  }
}

/* A net of the wiring: `first` (may be "") and the wiring's ends;
 * external when it lacks a driver or readers. */
static void wire_net(FILE *o, const aimc_map_wiring *w, const char *name, const char *first,
                     int first_drives) {
  int drivers, readers;
  fprintf(o, "  %s: {connect: [%s", name, first);
  aimc_map_wire_ends(o, w, name, *first != '\0', &drivers, &readers);
  drivers += *first && first_drives;
  readers += *first && !first_drives;
  fprintf(o, "]%s}\n", drivers && readers ? "" : ", external: true");
}

void aimc_map_emit_wiring_nets(FILE *o, const aimc_mapping *m, const aimc_map_wiring *w) {
  char name[64], net[80], end[96];
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_map_array_name(m, k, name, sizeof name);
    snprintf(net, sizeof net, "%s_rows", name);
    snprintf(end, sizeof end, "%s.in", name);
    wire_net(o, w, net, end, 0);
    snprintf(net, sizeof net, "%s_out", name);
    snprintf(end, sizeof end, "%s.out", name);
    wire_net(o, w, net, end, 1);
  }
  for (size_t i = 0; i < w->n; i++)
    if (w->wire[i].kind == AIMC_WIRE_REGISTER) wire_net(o, w, w->wire[i].out_net, "", 0);
}

/* "netlist.arrays/l0_ssm_0_wire.map.csv: output word 3 adds in[1] word 2". */
static void describe_pair(const aimc_gather_map *m, int j, int k, char *buf, size_t len) {
  int port, word;
  aimc_gather_map_source(m, m->src[k], &port, &word);
  snprintf(buf, len, "output word %d adds in[%d] word %d", j, port, word);
}

/* The first difference of two maps of one shape, in words. */
static void first_difference(const aimc_gather_map *got, const aimc_gather_map *want, char *buf,
                             size_t len) {
  for (int j = 0; j < want->n; j++) {
    int ng = got->start[j + 1] - got->start[j], nw = want->start[j + 1] - want->start[j];
    for (int i = 0; i < (ng > nw ? ng : nw); i++) {
      char a[96] = "", b[96] = "";
      if (i < ng) describe_pair(got, j, got->start[j] + i, a, sizeof a);
      if (i < nw) describe_pair(want, j, want->start[j] + i, b, sizeof b);
      if (strcmp(a, b)) {
        snprintf(buf, len, "%s%s%s%s", *a ? a : "", *a ? " but " : "",
                 *b ? "the mapping's " : "the mapping's has nothing more for ", *b ? b : a);
        return;
      }
    }
  }
  snprintf(buf, len, "they differ");
}

/* 1 when two widths lists name the same ports ("64,8,8" is "64,8*2"). */
static int same_widths(const char *a, const char *b) {
  int n = aimc_port_widths_scan(a, 0, NULL);
  if (n < 0 || n != aimc_port_widths_scan(b, 0, NULL)) return 0;
  for (int k = 0; k < n; k++) {
    int wa = 0, wb = 0;
    aimc_port_widths_scan(a, k, &wa);
    aimc_port_widths_scan(b, k, &wb);
    if (wa != wb) return 0;
  }
  return 1;
}

static int check_gather(aimc_ctx *ctx, const aimc_design *d, const aimc_map_wire *g) {
  int i = aimc_design_find_inst(d, g->name);
  if (i < 0 || d->inst[i].model != aimc_gather_model())
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: no gather instance '%s' (the wiring of %s), as 'aimc map' writes "
                      "it; map again",
                      d->path, g->name, g->out_net);
  const aimc_design_inst *in = &d->inst[i];
  const aimc_gather_params *p = in->params;
  if (p->n != g->n || !same_widths(p->widths, g->widths) || p->primed != g->primed ||
      p->skip != g->skip)
    return aimc_error_at(ctx, AIMC_EINVAL, &in->loc,
                         "%s has n %d, widths \"%s\", primed %d, skip %d but the mapping's "
                         "wiring needs n %d, widths \"%s\", primed %d, skip %d; the wiring "
                         "follows the mapping: map again",
                         g->name, p->n, p->widths, p->primed, p->skip, g->n, g->widths,
                         g->primed, g->skip);
  char file[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(d->path, p->map, file, sizeof file);
  aimc_gather_map got, want;
  int st = aimc_gather_map_read(ctx, file, p, &got);
  if (st) {
    /* The file's own error (file:line:col), then where it is named. */
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", aimc_ctx_errmsg(ctx));
    return aimc_error_at(ctx, st, &in->loc, "%s: %s", g->name, msg);
  }
  st = aimc_map_wire_map(ctx, g, &want);
  if (!st && !aimc_gather_map_equal(&got, &want)) {
    char diff[512];
    first_difference(&got, &want, diff, sizeof diff);
    st = aimc_error_at(ctx, AIMC_EINVAL, &in->loc,
                       "%s: its index map %s disagrees with the mapping: %s; the wiring "
                       "follows the mapping: map again",
                       g->name, file, diff);
  }
  aimc_gather_map_fini(ctx, &got);
  aimc_gather_map_fini(ctx, &want);
  return st;
}

int aimc_map_check_netlist_wiring(aimc_ctx *ctx, const aimc_design *d, const aimc_mapping *m) {
  aimc_map_wiring w;
  int st = aimc_map_build_wiring(ctx, m, &w);
  for (size_t i = 0; i < w.n && !st; i++)
    if (w.wire[i].kind == AIMC_WIRE_GATHER) st = check_gather(ctx, d, &w.wire[i]);
  aimc_map_free_wiring(ctx, &w);
  return st;
}
