/* Writing a mapping as an ordinary netlist YAML: one `tile` subcircuit
 * (tile.c) instantiated per array, the digital periphery's instances and
 * nets (periph.c), the wiring between them (wiring.c, wiring_io.c: its
 * gathers' index maps beside the targets), the conductance targets in one
 * CSV per array, each array's layout (JSON, which its crossbar reads),
 * and a `meta:` section naming the model and arch (with hashes) so that
 * `aimc run` can check it simulates what was mapped. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/calibration.h"
#include "aimc/config.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/xbar_layout.h"
#include "map_internal.h"

/* "<dir>/<stem>.arrays" for a netlist path "<dir>/<stem>.yaml". */
static void arrays_dir(const char *path, char *dir, size_t len) {
  snprintf(dir, len, "%s", path);
  char *dot = strrchr(dir, '.'), *slash = strrchr(dir, '/');
  if (dot && (!slash || dot > slash)) *dot = '\0';
  size_t n = strlen(dir);
  snprintf(dir + n, len - n, ".arrays");
}

static int write_targets(aimc_ctx *ctx, const aimc_mapping *m, size_t k,
                         const char *file) {
  aimc_atomic_file *f = NULL;
  int st = aimc_atomic_open(ctx, file, &f);
  if (st) return st;
  FILE *o = aimc_atomic_stream(f);
  const double *g = m->arrays[k].g_target_S;
  for (int r = 0; r < m->arch.rows; r++)
    for (int c = 0; c < m->arch.cols; c++)
      fprintf(o, "%.17g%c", g[(size_t)r * m->arch.cols + c],
              c + 1 == m->arch.cols ? '\n' : ',');
  return aimc_atomic_commit(ctx, f);
}

/* Array k's calibration file: the dac's rows, then the tia's and the
 * adc's columns. */
static int write_cal(aimc_ctx *ctx, const aimc_mapping *m, size_t k, const char *file) {
  aimc_atomic_file *f = NULL;
  int st = aimc_atomic_open(ctx, file, &f);
  if (st) return st;
  FILE *o = aimc_atomic_stream(f);
  const aimc_tile *t = &m->tiles[k];
  aimc_cal_write_header(o);
  static const aimc_tile_part PARTS[] = {AIMC_TILE_DAC, AIMC_TILE_TIA, AIMC_TILE_ADC};
  for (size_t i = 0; i < sizeof PARTS / sizeof *PARTS; i++) {
    aimc_tile_part p = PARTS[i];
    int n = (int)aimc_tile_param_value(t, p, "n", 0);
    aimc_cal_write(o, aimc_tile_part_name(p), n, t->cal_fs[p], t->cal_bits[p]);
  }
  return aimc_atomic_commit(ctx, f);
}

/* Array k's layout (aimc/xbar_layout.h), which its crossbar reads. */
static int write_layout(aimc_ctx *ctx, const aimc_mapping *m, size_t k, const char *file) {
  aimc_xbar_layout *l = NULL;
  int st = aimc_map_array_layout(ctx, m, k, &l);
  if (!st) st = aimc_xbar_layout_write(ctx, file, l);
  aimc_xbar_layout_free(ctx, l);
  return st;
}

void aimc_map_arrays_stamp(uint64_t model_hash, uint64_t arch_hash, char *buf,
                           size_t len) {
  snprintf(buf, len, "model_hash %016llx\narch_hash %016llx\n",
           (unsigned long long)model_hash, (unsigned long long)arch_hash);
}

void aimc_map_array_name(const aimc_mapping *m, size_t k, char *buf, size_t len) {
  const aimc_map_array *a = &m->arrays[k];
  if (a->layer >= 0)
    snprintf(buf, len, "l%d_%s_%zu", a->layer, aimc_op_kind_name(a->kind), k);
  else
    snprintf(buf, len, "%s_%zu", aimc_op_kind_name(a->kind), k);
}

void aimc_map_part_name(const aimc_mapping *m, size_t k, aimc_tile_part p, char *buf,
                        size_t len) {
  char tile[64];
  aimc_map_array_name(m, k, tile, sizeof tile);
  snprintf(buf, len, "%s.%s", tile, aimc_tile_part_name(p));
}

/* A YAML double-quoted scalar (paths may hold any character). */
void aimc_map_yaml_quote(FILE *o, const char *text) {
  fputc('"', o);
  for (const char *p = text; *p; p++) {
    if (*p == '"' || *p == '\\') fputc('\\', o);
    fputc(*p, o);
  }
  fputc('"', o);
}

void aimc_map_emit_param(FILE *o, const aimc_param *p, const void *block) {
  char buf[AIMC_PARAM_STRLEN + 32];
  aimc_param_format(p, block, buf, sizeof buf);
  if (p->type == AIMC_PT_STRING) aimc_map_yaml_quote(o, buf);
  else fputs(buf, o);
}

int aimc_map_write_array_files(aimc_ctx *ctx, const aimc_mapping *m, size_t k,
                               const char *dir) {
  char file[1100];
  snprintf(file, sizeof file, "%s/array%zu.csv", dir, k);
  int st = write_targets(ctx, m, k, file);
  snprintf(file, sizeof file, "%s/array%zu.cal.csv", dir, k);
  if (!st) st = write_cal(ctx, m, k, file);
  snprintf(file, sizeof file, "%s/array%zu.layout.json", dir, k);
  if (!st) st = write_layout(ctx, m, k, file);
  return st;
}

int aimc_map_write_netlist(aimc_ctx *ctx, const aimc_mapping *m,
                           const char *model_path, const char *arch_path,
                           const char *path) {
  char dir[1024], rel[1100], lay[1100], cal[1100], name[64], t[64];
  arrays_dir(path, dir, sizeof dir);
  /* The arrays folder is published whole (aimc/fileio.h) with a marker
   * naming the model and arch hashes, which `aimc run` compares with the
   * netlist's: a kill between the folder and the netlist is detected. */
  static const char *const LEGACY[] = {"array*.csv", NULL};
  aimc_outdir *od = NULL;
  aimc_map_wiring w = {0, NULL};
  int st = aimc_map_build_wiring(ctx, m, &w);
  if (st) return st;
  st = aimc_outdir_begin(ctx, dir, "aimc map", LEGACY, &od);
  const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
  /* The gathers' index maps beside the targets. */
  if (!st) st = aimc_map_write_wiring_maps(ctx, &w, aimc_outdir_path(od));
  for (size_t k = 0; k < m->n_arrays && !st; k++)
    st = aimc_map_write_array_files(ctx, m, k, aimc_outdir_path(od));
  char stamp[128];
  aimc_map_arrays_stamp(m->model_hash, aimc_arch_hash(&m->arch), stamp, sizeof stamp);
  if (!st) st = aimc_outdir_commit(ctx, od, stamp);
  else aimc_outdir_abort(ctx, od);
  aimc_atomic_file *f = NULL;
  if (!st) st = aimc_atomic_open(ctx, path, &f);
  if (st) {
    aimc_map_free_wiring(ctx, &w);
    return st;
  }
  FILE *o = aimc_atomic_stream(f);
  /* Every path the netlist names is from its own folder: it runs from anywhere. */
  char model_rel[1100], arch_rel[1100];
  aimc_path_from(path, model_path ? model_path : "", model_rel, sizeof model_rel);
  aimc_path_from(path, arch_path ? arch_path : "", arch_rel, sizeof arch_rel);
  fprintf(o, "# Generated by aimc map: %zu arrays of %dx%d; targets in %s/\n"
             "name: s4d_mapped\n"
             "meta:\n  generator: aimc map\n  model: ",
          m->n_arrays, m->arch.rows, m->arch.cols, base);
  aimc_map_yaml_quote(o, model_rel);
  fputs("\n  arch: ", o);
  aimc_map_yaml_quote(o, arch_rel);
  fprintf(o, "\n  model_hash: \"%016llx\"\n  arch_hash: \"%016llx\"\n  arrays: %zu\n  tiles: %d\n",
          (unsigned long long)m->model_hash,
          (unsigned long long)aimc_arch_hash(&m->arch), m->n_arrays,
          (int)AIMC_MAP_TILES_VERSION);
  fprintf(o, "clock:\n  period: %s\n", aimc_time_format(m->arch.clock_fs, t, sizeof t));
  aimc_map_emit_tile_subckt(o, m);
  fputs("instances:\n", o);
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_map_array_name(m, k, name, sizeof name);
    snprintf(rel, sizeof rel, "%s/array%zu.csv", base, k);
    snprintf(lay, sizeof lay, "%s/array%zu.layout.json", base, k);
    snprintf(cal, sizeof cal, "%s/array%zu.cal.csv", base, k);
    fprintf(o, "  %s: {subckt: %s, params: {", name, aimc_map_tile_subckt(m, k));
    aimc_map_emit_tile_params(o, m, k, rel, lay, cal);
    fputs("}}\n", o);
  }
  /* The periphery's tensors: the model, seen from the netlist. */
  aimc_map_emit_periph(o, m, model_rel);
  aimc_map_emit_wiring(o, m, &w, base);
  aimc_map_emit_periph_nets(o, m, &w);
  aimc_map_free_wiring(ctx, &w);
  return aimc_atomic_commit(ctx, f);
}

int aimc_map_read_meta(aimc_ctx *ctx, const char *netlist, aimc_map_meta *meta) {
  memset(meta, 0, sizeof *meta);
  aimc_cfg *cfg = NULL;
  int st = aimc_cfg_load(ctx, netlist, &cfg);
  if (st) return st;
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  const aimc_cfg_node *mt = aimc_cfg_get(root, "meta");
  const char *gen = aimc_cfg_scalar(aimc_cfg_get(mt, "generator"));
  const char *mh = aimc_cfg_scalar(aimc_cfg_get(mt, "model_hash"));
  const char *ah = aimc_cfg_scalar(aimc_cfg_get(mt, "arch_hash"));
  const char *mp = aimc_cfg_scalar(aimc_cfg_get(mt, "model"));
  const char *ap = aimc_cfg_scalar(aimc_cfg_get(mt, "arch"));
  if (!gen || strcmp(gen, "aimc map") != 0 || !mh || !ah || !mp || !ap) {
    st = aimc_error(ctx, AIMC_EINVAL,
                    "%s: not a netlist written by 'aimc map' (its meta: section "
                    "must name generator, model, arch, model_hash, arch_hash)",
                    netlist);
  } else {
    aimc_path_beside(netlist, mp, meta->model, sizeof meta->model);
    aimc_path_beside(netlist, ap, meta->arch, sizeof meta->arch);
    meta->model_hash = strtoull(mh, NULL, 16);
    meta->arch_hash = strtoull(ah, NULL, 16);
    const char *tv = aimc_cfg_scalar(aimc_cfg_get(mt, "tiles"));
    meta->tiles = tv ? atoi(tv) : 1;
    arrays_dir(netlist, meta->arrays_dir, sizeof meta->arrays_dir);
  }
  aimc_cfg_free(cfg);
  return st;
}

/* One line of targets: exactly `cols` comma-separated conductances in S,
 * each finite and inside the arch's window [g_min, g_max] (the mapper
 * writes unused devices at g_min; a hand edit must stay programmable). */
static int parse_target_row(aimc_ctx *ctx, const aimc_mapping *m,
                            const char *file, int line, const char *s,
                            double *row) {
  const aimc_arch *a = &m->arch;
  const char *p = s;
  for (int c = 0; c < a->cols; c++) {
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    errno = 0;
    double g = strtod(p, &end);
    int col = (int)(p - s) + 1;
    if (end == p || errno == ERANGE || !isfinite(g))
      return aimc_error(ctx, AIMC_EPARSE,
                        "%s:%d:%d: value %d of the row is not a number "
                        "(a conductance in S)",
                        file, line, col, c + 1);
    /* g_min + (g_max - g_min) may round one ulp past g_max: a slack. */
    double slack = 1e-12 * a->g_max_S;
    if (g < a->g_min_S - slack || g > a->g_max_S + slack)
      return aimc_error(ctx, AIMC_ERANGE,
                        "%s:%d:%d: target %g S outside the conductance window "
                        "[%g, %g] S (array.g_min, array.g_max)",
                        file, line, col, g, a->g_min_S, a->g_max_S);
    row[c] = g;
    p = end;
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (c + 1 < a->cols && !*p)
      return aimc_error(ctx, AIMC_ESHAPE,
                        "%s:%d:%d: %d values in the row, expected cols = %d",
                        file, line, (int)(p - s) + 1, c + 1, a->cols);
    if (*p && *p != ',')
      return aimc_error(ctx, AIMC_EPARSE,
                        "%s:%d:%d: unexpected '%c' after value %d (values are "
                        "separated by commas)",
                        file, line, (int)(p - s) + 1, *p, c + 1);
    if (c + 1 < a->cols) p++;
  }
  if (*p)
    return aimc_error(ctx, AIMC_ESHAPE,
                      "%s:%d:%d: more than cols = %d values in the row", file,
                      line, (int)(p - s) + 1, a->cols);
  return AIMC_OK;
}

int aimc_map_load_array_targets(aimc_ctx *ctx, aimc_mapping *m, size_t k,
                                const char *file) {
  /* A missing targets file is a bad input (exit 2), not an I/O fault. */
  FILE *probe = fopen(file, "rb");
  if (!probe)
    return aimc_error(ctx, AIMC_ENOTFOUND,
                      "cannot open %s (the targets of array %zu): %s", file, k,
                      strerror(errno));
  fclose(probe);
  char *text = NULL;
  size_t size = 0;
  int st = aimc_read_file(ctx, file, &text, &size);
  if (st) return st;
  if (memchr(text, '\0', size)) {
    aimc_free(ctx, text);
    return aimc_error(ctx, AIMC_EPARSE, "%s: not a text file (NUL byte)",
                      file);
  }
  /* Rows are parsed into the array only when the whole file is good. */
  const int rows = m->arch.rows, cols = m->arch.cols;
  double *g = aimc_malloc(ctx, (size_t)rows * cols * sizeof(double));
  if (!g) st = aimc_error(ctx, AIMC_ENOMEM, "out of memory reading %s", file);
  int row = 0, line = 0;
  char *cursor = text, *s;
  while (!st && aimc_text_line(&cursor, &line, &s)) {
    if (row == rows)
      st = aimc_error(ctx, AIMC_ESHAPE, "%s:%d:1: more than rows = %d rows",
                      file, line, rows);
    else
      st = parse_target_row(ctx, m, file, line, s, g + (size_t)row++ * cols);
  }
  if (!st && row < rows)
    st = aimc_error(ctx, AIMC_ESHAPE, "%s: %d rows of targets, expected rows = %d",
                    file, row, rows);
  if (!st)
    memcpy(m->arrays[k].g_target_S, g, (size_t)rows * cols * sizeof(double));
  aimc_free(ctx, g);
  aimc_free(ctx, text);
  return st;
}

int aimc_map_load_targets(aimc_ctx *ctx, aimc_mapping *m, const char *dir) {
  char file[1100];
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) {
    snprintf(file, sizeof file, "%s/array%zu.csv", dir, k);
    st = aimc_map_load_array_targets(ctx, m, k, file);
  }
  return st;
}
