/* aimc spice: exports one crossbar array of a netlist, as programmed, as a
 * SPICE deck (aimc/spice.h); --check runs ngspice on it and compares the
 * column currents and the read power with the array model's first-order
 * and nodal IR-drop solvers. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimc/engine.h"
#include "aimc/fileio.h"
#include "aimc/netlist.h"
#include "aimc/spice.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "aimc/xbar.h"
#include "cli.h"
#include "netlist_opts.h"

static void help(void) {
  printf(
      "usage: aimc spice NETLIST --tile NAME -o OUT.cir [--input FILE | --v VOLTS]\n"
      "                  [--r-wire OHMS] [--targets] [--check] [--seed N]\n"
      "                  [-D name=value]...\n\n"
      "Writes one crossbar array of the netlist as a SPICE deck: every device a\n"
      "resistor at the conductance it holds after programming (the crossbar's\n"
      "program mode, device card and drift, with the netlist's seed, as `aimc\n"
      "sim` programs it), one wire resistor of r_wire per cell segment on every\n"
      "row and column, the row drivers as DC sources at the input voltages\n"
      "(clipped to +-v_read like the model), and each column ending in a 0 V\n"
      "source (virtual-ground sense) whose current is the column current. The\n"
      "deck's .control block runs an operating point and prints the column\n"
      "currents and the power the drivers deliver: `ngspice -b OUT.cir`.\n\n"
      "options:\n"
      "  --tile NAME     a crossbar instance, or a tile (subcircuit instance)\n"
      "                  holding exactly one crossbar (e.g. tile3, l0_ssm_0)\n"
      "  -o PATH         the deck (written atomically)\n"
      "  --input FILE    row voltages in V, one per row (spaces, commas or\n"
      "                  newlines; '#' starts a comment); default: every row\n"
      "                  at v_read\n"
      "  --v VOLTS       every row at this voltage\n"
      "  --r-wire OHMS   wire resistance per cell segment (default: the\n"
      "                  crossbar's r_wire; 0: ideal wires)\n"
      "  --targets       export the target conductances, not the programmed ones\n"
      "  --check         run ngspice on the deck and print how far the\n"
      "                  first-order and nodal IR-drop models are from it\n"
      "  --seed N        seed of the programming draws (also a global option)\n"
      "  -D name=value   override a top-level netlist parameter\n"
      "Exit status: 0 ok, 1 ngspice failed, 2 bad arguments or input.\n");
}

typedef struct {
  aimc_cli_netlist_args net;
  const char *tile, *out, *input;
  double v, r_wire;
  int has_v, has_r_wire, targets, check;
} spice_args;

static int parse_real(aimc_ctx *ctx, const char *opt, const char *s, double lo,
                      double hi, double *out) {
  char *end = NULL;
  double v = s ? strtod(s, &end) : NAN;
  if (!s || !*s || *end || !(v >= lo && v <= hi))
    return aimc_cli_usage(ctx, "spice", "%s takes a number in [%g, %g], not '%s'", opt,
                          lo, hi, s ? s : "");
  *out = v;
  return AIMC_OK;
}

static int parse(aimc_ctx *ctx, int argc, char **argv, spice_args *a) {
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    int st = AIMC_OK;
    if (!strcmp(o, "--tile") || !strcmp(o, "-o") || !strcmp(o, "--input")) {
      if (!val) return aimc_cli_usage(ctx, "spice", "%s needs a value", o);
      *(!strcmp(o, "--tile") ? &a->tile : !strcmp(o, "-o") ? &a->out : &a->input) = val;
      i++;
    } else if (!strcmp(o, "--v")) {
      st = parse_real(ctx, o, val, -100, 100, &a->v);
      a->has_v = 1, i++;
    } else if (!strcmp(o, "--r-wire")) {
      st = parse_real(ctx, o, val, 0, 1e6, &a->r_wire);
      a->has_r_wire = 1, i++;
    } else if (!strcmp(o, "--seed")) {
      char *end = NULL;
      unsigned long long s = val ? strtoull(val, &end, 10) : 0;
      if (!val || !*val || *end || val[0] == '-')
        return aimc_cli_usage(ctx, "spice", "--seed takes a non-negative integer");
      aimc_ctx_reseed(ctx, (uint64_t)s);
      i++;
    } else if (!strcmp(o, "--targets")) {
      a->targets = 1;
    } else if (!strcmp(o, "--check")) {
      a->check = 1;
    } else {
      st = aimc_cli_netlist_arg(ctx, "spice", &a->net, argc, argv, &i);
    }
    if (st) return st;
  }
  if (!a->net.path) return aimc_cli_usage(ctx, "spice", "missing NETLIST");
  if (!a->tile) return aimc_cli_usage(ctx, "spice", "missing --tile NAME");
  if (!a->out) return aimc_cli_usage(ctx, "spice", "missing -o OUT.cir");
  if (a->input && a->has_v)
    return aimc_cli_usage(ctx, "spice", "--input and --v exclude each other");
  return AIMC_OK;
}

/* The crossbar instance NAME, or the only crossbar inside block NAME. */
static int find_crossbar(aimc_ctx *ctx, const aimc_design *d, const char *name,
                         const aimc_design_inst **out) {
  size_t len = strlen(name), hits = 0;
  const aimc_design_inst *found = NULL;
  for (size_t i = 0; i < d->n_inst; i++) {
    const aimc_design_inst *in = &d->inst[i];
    if (strcmp(in->model->name, "crossbar")) continue;
    if (!strcmp(in->name, name)) {
      *out = in;
      return AIMC_OK;
    }
    if (!strncmp(in->name, name, len) && in->name[len] == '.') found = in, hits++;
  }
  if (hits == 1) {
    *out = found;
    return AIMC_OK;
  }
  if (hits > 1)
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s: %s holds %zu crossbars; name one (e.g. %s)", d->path, name,
                      hits, found->name);
  return aimc_error(ctx, AIMC_ENOTFOUND,
                    "%s: no crossbar '%s' and no tile holding one (aimc check "
                    "--list shows the instances)",
                    d->path, name);
}

static double param(const aimc_design_inst *in, const char *key) {
  const aimc_model *m = in->model;
  return aimc_param_get(aimc_params_find(m->params, m->n_params, key), in->params);
}

/* Row voltages from a text file: exactly `rows` numbers. */
static int read_inputs(aimc_ctx *ctx, const char *path, int rows, double *v) {
  char *text = NULL;
  size_t size = 0;
  int st = aimc_read_file(ctx, path, &text, &size);
  if (st) return aimc_error(ctx, AIMC_ENOTFOUND, "--input: %s", aimc_ctx_errmsg(ctx));
  int n = 0, line = 1;
  const char *p = text, *bol = text;
  while (!st && *p) {
    if (*p == '\n') line++, bol = ++p;
    else if (*p == '#') while (*p && *p != '\n') p++;
    else if (isspace((unsigned char)*p) || *p == ',') p++;
    else {
      char *end;
      double x = strtod(p, &end);
      if (end == p || !isfinite(x) || (*end && !isspace((unsigned char)*end) && *end != ',' && *end != '#'))
        st = aimc_error(ctx, AIMC_EPARSE, "%s:%d:%d: expected a voltage in V", path, line,
                        (int)(p - bol) + 1);
      else if (n == rows)
        st = aimc_error(ctx, AIMC_ESHAPE, "%s:%d:%d: more than %d row voltages", path,
                        line, (int)(p - bol) + 1, rows);
      else
        v[n++] = x, p = end;
    }
  }
  if (!st && n < rows)
    st = aimc_error(ctx, AIMC_ESHAPE, "%s: %d row voltages, the array has %d rows", path,
                    n, rows);
  aimc_free(ctx, text);
  return st;
}

/* Runs ngspice in a scratch folder and prints the comparison. */
static int check(aimc_ctx *ctx, const char *deck_path, int R, int C, const double *g,
                 const double *v, double r_wire) {
  char dir[512], deck[600], raw[600], log[600];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/aimc-spice-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir))
    return aimc_error(ctx, AIMC_EIO, "--check: cannot make a scratch folder in %s",
                      tmp && *tmp ? tmp : "/tmp");
  snprintf(deck, sizeof deck, "%s/deck.cir", dir);
  snprintf(raw, sizeof raw, "%s/op.raw", dir);
  snprintf(log, sizeof log, "%s/ngspice.log", dir);
  size_t n = (size_t)R * C;
  double *mem = aimc_calloc(ctx, 2 * n + (size_t)R * R + 4 * (size_t)C + (size_t)R,
                            sizeof(double));
  if (!mem) return aimc_error(ctx, AIMC_ENOMEM, "--check: out of memory");
  double *fo = mem, *nd = fo + n, *y = nd + n, *is = y + (size_t)R * R;
  double *i_fo = is + C, *i_nd = i_fo + C, *ps = i_nd + C;
  aimc_spice_opts o = {.r_wire_Ohm = r_wire, .title = deck_path, .raw_path = raw};
  int st = aimc_spice_write(ctx, deck, R, C, g, v, &o);
  if (!st) st = aimc_spice_run(ctx, deck, log);
  if (!st) st = aimc_spice_read_op(ctx, raw, R, C, is, ps);
  if (!st && r_wire > 0) st = aimc_xbar_ir_nodal(ctx, R, C, g, r_wire, nd, y, NULL);
  if (!st) {
    aimc_xbar_ir_first_order(R, C, g, r_wire, fo);
    if (!(r_wire > 0)) memcpy(nd, fo, n * sizeof(double));
    double p_s = 0, p_fo = 0, p_nd = 0, e_fo = 0, e_nd = 0, big = 0;
    for (int j = 0; j < C; j++) {
      i_fo[j] = i_nd[j] = 0;
      for (int i = 0; i < R; i++) {
        i_fo[j] += v[i] * fo[(size_t)i * C + j];
        i_nd[j] += v[i] * nd[(size_t)i * C + j];
      }
      e_fo = fmax(e_fo, fabs(i_fo[j] - is[j]));
      e_nd = fmax(e_nd, fabs(i_nd[j] - is[j]));
      big = fmax(big, fabs(is[j]));
    }
    for (int i = 0; i < R; i++) {
      p_s += v[i] * ps[i];
      for (int j = 0; j < C; j++) p_fo += v[i] * v[i] * fo[(size_t)i * C + j];
      for (int k = 0; k < R && r_wire > 0; k++) p_nd += v[i] * v[k] * y[(size_t)k * R + i];
    }
    if (!(r_wire > 0)) p_nd = p_fo; /* no wires: the models coincide */
    printf("column  ngspice_A            first_order_A        nodal_A\n");
    for (int j = 0; j < C; j++)
      printf("%-6d  %-19.12e  %-19.12e  %-19.12e\n", j, is[j], i_fo[j], i_nd[j]);
    printf("max |I - I_ngspice| / max |I_ngspice|: first_order %.3e, nodal %.3e\n",
           big > 0 ? e_fo / big : 0, big > 0 ? e_nd / big : 0);
    printf("supply power: ngspice %.12e W, first_order %.12e W (%+.3e), nodal %.12e W "
           "(%+.3e)\n",
           p_s, p_fo, p_s ? p_fo / p_s - 1 : 0, p_nd, p_s ? p_nd / p_s - 1 : 0);
  }
  aimc_free(ctx, mem);
  if (!st) {
    remove(raw);
    remove(log);
    remove(deck);
    rmdir(dir);
  }
  return st;
}

static int export(aimc_ctx *ctx, const spice_args *a) {
  aimc_design *d = NULL;
  aimc_engine *e = NULL;
  const aimc_design_inst *in = NULL;
  double *v = NULL, *g = NULL;
  int st = aimc_netlist_load_opts(ctx, a->net.path, &a->net.opts, &d);
  if (!st) st = find_crossbar(ctx, d, a->tile, &in);
  if (!st) st = aimc_output_check(ctx, a->out, 0);
  int R = in ? (int)param(in, "rows") : 0, C = in ? (int)param(in, "cols") : 0;
  double v_read = in ? param(in, "v_read") : 0;
  double r_wire = a->has_r_wire ? a->r_wire : in ? param(in, "r_wire") : 0;
  if (!st && !(v = aimc_calloc(ctx, (size_t)R, sizeof(double))))
    st = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  if (!st && a->input) st = read_inputs(ctx, a->input, R, v);
  for (int i = 0; !st && !a->input && i < R; i++) v[i] = a->has_v ? a->v : v_read;
  int clipped = 0;
  for (int i = 0; !st && i < R; i++)
    if (fabs(v[i]) > v_read) v[i] = copysign(v_read, v[i]), clipped++;
  if (clipped)
    aimc_log(ctx, AIMC_LOG_WARN, "%d row voltage%s clipped to +-v_read = %g V, as the model does",
             clipped, clipped == 1 ? "" : "s", v_read);
  /* The engine makes and programs every array as `aimc sim` does. */
  if (!st) st = aimc_engine_alloc(ctx, d, AIMC_KERNEL_NATIVE, &e);
  aimc_xbar *x = st ? NULL : aimc_crossbar_xbar(aimc_engine_find(e, in->name));
  if (!st && !x) st = aimc_error(ctx, AIMC_EINVAL, "%s: not a crossbar", in->name);
  if (!st && !(g = aimc_calloc(ctx, (size_t)R * C, sizeof(double))))
    st = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  if (!st)
    memcpy(g, a->targets ? aimc_xbar_targets(x) : aimc_xbar_gmatrix(x),
           (size_t)R * C * sizeof(double));
  char title[512];
  snprintf(title, sizeof title, "aimc spice: %s of %s, %s conductances, seed %llu",
           in ? in->name : "", a->net.path, a->targets ? "target" : "programmed",
           (unsigned long long)aimc_ctx_seed(ctx));
  aimc_spice_opts o = {.r_wire_Ohm = r_wire, .title = title, .print = 1};
  if (!st) st = aimc_spice_write(ctx, a->out, R, C, g, v, &o);
  if (!st)
    aimc_log(ctx, AIMC_LOG_INFO, "wrote %s: %s, %d x %d, r_wire %g Ohm", a->out, in->name,
             R, C, r_wire);
  if (!st && a->check) st = check(ctx, a->out, R, C, g, v, r_wire);
  aimc_free(ctx, g);
  aimc_free(ctx, v);
  aimc_engine_free(e);
  aimc_design_free(ctx, d);
  return st;
}

int aimc_cmd_spice(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) return help(), AIMC_OK;
  spice_args a;
  memset(&a, 0, sizeof a);
  int st = aimc_cli_netlist_args_init(ctx, &a.net);
  if (!st) st = parse(ctx, argc, argv, &a);
  if (!st) st = export(ctx, &a);
  aimc_cli_netlist_args_fini(ctx, &a.net);
  return st;
}
