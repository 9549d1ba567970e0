/* The periphery of every array as the params of its tile's instances (dac,
 * crossbar, tia, adc, state register): made from the arch by `aimc map`,
 * written into the netlist as the `tile` subcircuit, read back from the
 * netlist by `aimc run`, and priced by the parts' own op_cost. One table
 * (BINDINGS) says which tile param feeds which instance param and which
 * arch value it comes from, so the three places cannot drift apart; its
 * sibling PERIPH_BINDINGS does the same for the digital periphery's
 * s4d_digital instances (periph.c). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/design.h"
#include "aimc/status.h"
#include "map_internal.h"

static const struct {
  const char *name, *model;
} PARTS[AIMC_TILE_PARTS] = {
    {"dac", "dac"}, {"xbar", "crossbar"}, {"tia", "tia"}, {"adc", "adc"}, {"hold", "sample_hold"}};

const char *aimc_tile_part_name(aimc_tile_part part) { return PARTS[part].name; }

const aimc_model *aimc_tile_part_model(aimc_tile_part part) {
  return aimc_models_find(PARTS[part].model);
}

/* A tile param feeding a part's param; its value comes from the arch
 * (section.arch_key) or, when section is NULL, from the layout (`aimc
 * map` computes it; `aimc run` keeps the layout's value unless the row
 * names the arch value it derives from, `derived`: then each tile's value
 * in the netlist acts, a heterogeneous design, as arch rows do). */
typedef struct {
  const char *key;
  aimc_tile_part part;
  const char *part_key;
  const char *section, *arch_key;
  const char *derived; /* "section.key" or NULL                    */
} binding;

static const binding BINDINGS[] = {
    {"rows", AIMC_TILE_DAC, "n", NULL, NULL, NULL},
    {"rows", AIMC_TILE_XBAR, "rows", NULL, NULL, NULL},
    {"cols", AIMC_TILE_XBAR, "cols", NULL, NULL, NULL},
    {"cols", AIMC_TILE_TIA, "n", NULL, NULL, NULL},
    {"cols", AIMC_TILE_ADC, "n", NULL, NULL, NULL},
    {"cols", AIMC_TILE_HOLD, "n", NULL, NULL, NULL},
    {"n_adc", AIMC_TILE_ADC, "n_adc", NULL, NULL, "converters.cols_per_adc"},
    {"adc_bits", AIMC_TILE_ADC, "bits", NULL, NULL, "converters.adc_bits"},
    {"adc_noise_lsb", AIMC_TILE_ADC, "noise_lsb", NULL, NULL, "converters.adc_noise_lsb"},
    {"dac_bits", AIMC_TILE_DAC, "bits", NULL, NULL, "converters.dac_bits"},
    {"program", AIMC_TILE_XBAR, "program", NULL, NULL, "programming.mode nonideal.programming"},
    {"sigma_g", AIMC_TILE_XBAR, "sigma_g", NULL, NULL, "programming.sigma nonideal.programming"},
    {"wv_tol", AIMC_TILE_XBAR, "wv_tol", "programming", "wv_tol", NULL},
    {"wv_max_pulses", AIMC_TILE_XBAR, "wv_max_pulses", "programming", "wv_max_pulses", NULL},
    {"device_card", AIMC_TILE_XBAR, "device_card", "array", "device_card", NULL},
    {"device_set", AIMC_TILE_XBAR, "device_set", NULL, NULL,
     "device.read_noise device.drift_nu device.drift_t0 device.p_stuck_min device.p_stuck_max"},
    {"nn_file", AIMC_TILE_XBAR, "nn_file", "programming", "nn_file", NULL},
    {"read_noise", AIMC_TILE_XBAR, "read_noise", NULL, NULL, "nonideal.read_noise"},
    {"r_wire", AIMC_TILE_XBAR, "r_wire", NULL, NULL, "nonideal.ir_drop nonideal.r_wire"},
    {"drift_time", AIMC_TILE_XBAR, "drift_time", NULL, NULL, "nonideal.drift nonideal.drift_t"},
    {"targets", AIMC_TILE_XBAR, "targets", NULL, NULL, NULL},
    {"layout", AIMC_TILE_XBAR, "layout", NULL, NULL, NULL},
    {"layout", AIMC_TILE_TIA, "layout", NULL, NULL, NULL},
    {"layout", AIMC_TILE_ADC, "layout", NULL, NULL, NULL},
    {"words", AIMC_TILE_DAC, "words", NULL, NULL, NULL},
    {"words", AIMC_TILE_TIA, "words", NULL, NULL, NULL},
    {"words", AIMC_TILE_ADC, "words", NULL, NULL, NULL},
    {"used_rows", AIMC_TILE_DAC, "used", NULL, NULL, NULL},
    {"used_cols", AIMC_TILE_TIA, "used", NULL, NULL, NULL},
    {"used_cols", AIMC_TILE_ADC, "used", NULL, NULL, NULL},
    {"state_words", AIMC_TILE_HOLD, "used", NULL, NULL, NULL},
    {"cal", AIMC_TILE_DAC, "cal", NULL, NULL, NULL},
    {"cal", AIMC_TILE_TIA, "cal", NULL, NULL, NULL},
    {"cal", AIMC_TILE_ADC, "cal", NULL, NULL, NULL},
    {"reg_bits", AIMC_TILE_HOLD, "bits", NULL, NULL, "converters.adc_bits"},
    {"v_read", AIMC_TILE_DAC, "v_fs", "array", "v_read", NULL},
    {"v_read", AIMC_TILE_XBAR, "v_read", "array", "v_read", NULL},
    {"v_read", AIMC_TILE_TIA, "v_drive", "array", "v_read", NULL},
    {"t_dac", AIMC_TILE_DAC, "t_settle", "timing", "t_dac", NULL},
    {"e_dac", AIMC_TILE_DAC, "e_conv", "energy", "e_dac", NULL},
    {"t_settle", AIMC_TILE_XBAR, "t_settle", "timing", "t_settle", NULL},
    {"c_wire", AIMC_TILE_XBAR, "c_wire", "energy", "c_wire", NULL},
    {"v_adc", AIMC_TILE_TIA, "v_fs", "converters", "v_adc", NULL},
    {"v_adc", AIMC_TILE_ADC, "v_fs", "converters", "v_adc", NULL},
    {"t_tia", AIMC_TILE_TIA, "t_settle", "timing", "t_tia", NULL},
    {"e_tia", AIMC_TILE_TIA, "e_sense", "energy", "e_tia", NULL},
    {"t_adc", AIMC_TILE_ADC, "t_conv", "timing", "t_adc", NULL},
    {"e_adc", AIMC_TILE_ADC, "e_conv", "energy", "e_adc", NULL},
    {"t_reg", AIMC_TILE_HOLD, "t_write", "timing", "t_reg", NULL},
    {"e_reg_bit", AIMC_TILE_HOLD, "e_write_bit", "energy", "e_reg_bit", NULL},
};
enum { N_BINDINGS = sizeof BINDINGS / sizeof BINDINGS[0] };

/* The digital periphery's instances (s4d_digital, periph.c) take their
 * energy and time from the arch as the tiles' parts do; `key` is the
 * instance param (the part is unused). */
static const binding PERIPH_BINDINGS[] = {
    {"e_mac", AIMC_TILE_PARTS, "e_mac", "energy", "e_mac", NULL},
    {"e_op", AIMC_TILE_PARTS, "e_op", "energy", "e_mac", NULL},
    {"t_op", AIMC_TILE_PARTS, "t_op", "timing", "t_digital", NULL},
};
enum { N_PERIPH_BINDINGS = sizeof PERIPH_BINDINGS / sizeof PERIPH_BINDINGS[0] };

/* The arch books static power per array (energy.p_static) and the register
 * per bit written and read (energy.e_reg_bit): the parts' own are 0. The
 * TIAs sense at each column's calibrated gain (gain 0), the DACs and ADCs
 * convert each channel at its calibration (range 0: the `cal` file's), the
 * register holds the ADCs' words as they come (range 0). */
static const struct {
  aimc_tile_part part;
  const char *key, *value;
} FIXED[] = {{AIMC_TILE_TIA, "p_static", "0W"},
             {AIMC_TILE_TIA, "gain", "0Ohm"},
             {AIMC_TILE_DAC, "range", "0"},
             {AIMC_TILE_ADC, "range", "0"},
             {AIMC_TILE_HOLD, "range", "0"},
             {AIMC_TILE_HOLD, "e_read_bit", "0J"}};

static const aimc_param *model_param(const aimc_model *md, const char *key) {
  return aimc_params_find(md->params, md->n_params, key);
}

const aimc_param *aimc_tile_param(const aimc_tile *t, aimc_tile_part p, const char *key) {
  return model_param(t->model[p], key);
}

double aimc_tile_param_value(const aimc_tile *t, aimc_tile_part p, const char *key,
                             double dflt) {
  const aimc_param *q = aimc_tile_param(t, p, key);
  return q ? aimc_param_get(q, t->params[p]) : dflt;
}

/* A model that may stand for part `part`: the part's own, or another of
 * its energy class that evaluates (a second ADC architecture). */
static int fits_part(const aimc_model *md, aimc_tile_part part) {
  const aimc_model *own = aimc_tile_part_model(part);
  return md == own || (md && md->eclass == own->eclass && md->eval &&
                       md->n_ports == own->n_ports);
}

/* The model the arch gives part `part` of every tile. */
static int arch_model(aimc_ctx *ctx, const aimc_arch *a, aimc_tile_part part,
                      const aimc_model **out) {
  *out = aimc_tile_part_model(part);
  if (part != AIMC_TILE_ADC || !strcmp(a->adc_model, (*out)->name)) return AIMC_OK;
  const aimc_model *md = aimc_models_find(a->adc_model);
  if (!fits_part(md, part))
    return aimc_error(ctx, AIMC_EINVAL,
                      "converters.adc_model: '%s' is %s; it must be an ADC-class model "
                      "that evaluates (see aimc models)",
                      a->adc_model, md ? "not such a model" : "no registered model");
  *out = md;
  return AIMC_OK;
}

static const aimc_param *arch_param(const binding *b) {
  size_t n = 0;
  const aimc_param *t = aimc_arch_params(b->section, &n);
  return t ? aimc_params_find(t, n, b->arch_key) : NULL;
}

/* b's param of model md in block, from the arch value it binds. */
static int copy_arch_value(aimc_ctx *ctx, const binding *b, const aimc_model *md, void *block,
                           const aimc_arch *a) {
  const aimc_param *src = arch_param(b), *dst = model_param(md, b->part_key);
  if (!src || !dst || aimc_param_copy(dst, block, src, a))
    return aimc_error(ctx, AIMC_EINVAL, "%s.%s: no matching arch value %s.%s", md->name,
                      b->part_key, b->section, b->arch_key);
  return AIMC_OK;
}

/* The binding of a part's param, or NULL. */
static const binding *binding_of(aimc_tile_part part, const char *part_key) {
  for (int i = 0; i < N_BINDINGS; i++)
    if (BINDINGS[i].part == part && !strcmp(BINDINGS[i].part_key, part_key)) return &BINDINGS[i];
  return NULL;
}

/* 1 when BINDINGS[i] is the first row of its tile param. */
static int first_of_key(int i) {
  for (int j = 0; j < i; j++)
    if (!strcmp(BINDINGS[j].key, BINDINGS[i].key)) return 0;
  return 1;
}

/* Text of a value computed from the layout of array k. */
static void layout_value(const aimc_mapping *m, size_t k, const char *key, char *buf,
                         size_t len) {
  const aimc_arch *a = &m->arch;
  if (!strcmp(key, "rows")) snprintf(buf, len, "%d", a->rows);
  else if (!strcmp(key, "cols")) snprintf(buf, len, "%d", a->cols);
  else if (!strcmp(key, "n_adc")) snprintf(buf, len, "%d", aimc_map_tile_adcs(m, k));
  else if (!strcmp(key, "dac_bits")) snprintf(buf, len, "%d", aimc_map_converter_bits(a, a->dac_bits));
  else if (!strcmp(key, "adc_bits")) snprintf(buf, len, "%d", aimc_map_converter_bits(a, a->adc_bits));
  else if (!strcmp(key, "adc_noise_lsb"))
    snprintf(buf, len, "%.17g", a->ni_converter ? a->adc_noise_lsb : 0.0);
  else if (!strcmp(key, "program")) snprintf(buf, len, "%s", aimc_prog_mode_keys[a->ni_prog ? a->prog_mode : 0]);
  else if (!strcmp(key, "sigma_g")) snprintf(buf, len, "%.17g", a->ni_prog ? a->prog_sigma_S : 0.0);
  else if (!strcmp(key, "read_noise")) snprintf(buf, len, "%d", a->ni_read_noise);
  else if (!strcmp(key, "r_wire")) snprintf(buf, len, "%.17g", a->ni_ir_drop ? a->r_wire_Ohm : 0.0);
  else if (!strcmp(key, "device_set")) aimc_arch_device_set(a, buf, len);
  /* The converters pass words as aimc run converts them: calibrated (1),
   * or a dense layer's words unconverted (2; docs/mapping.md 5a). */
  else if (!strcmp(key, "words")) snprintf(buf, len, "%d", aimc_map_tile_dense(m, k) ? 2 : 1);
  /* What a read uses (aimc_map_array_use): the converters and the
   * register book these channels, as aimc run prices the read. */
  else if (!strcmp(key, "used_rows") || !strcmp(key, "used_cols") || !strcmp(key, "state_words")) {
    int use[3];
    aimc_map_array_use(m, k, &use[0], &use[1], &use[2]);
    snprintf(buf, len, "%d", use[key[0] == 's' ? 2 : key[5] == 'r' ? 0 : 1]);
  } else if (!strcmp(key, "drift_time")) snprintf(buf, len, "%.17g", a->ni_drift ? a->drift_t_s : 0.0);
  /* The register holds the state words the ADCs give: the arch's bits,
   * else the model's state quantizer, else the ADCs' written width. */
  else if (!strcmp(key, "reg_bits"))
    snprintf(buf, len, "%d",
             a->adc_bits > 0 ? a->adc_bits
             : m->state_bits > 0 ? m->state_bits
                                 : 8);
  else buf[0] = '\0'; /* targets, layout, cal: the netlist writer knows their paths */
}

static int set_text(aimc_ctx *ctx, const aimc_model *md, void *block, const char *key,
                    const char *text) {
  char err[256];
  const aimc_param *p = model_param(md, key);
  if (!p || aimc_param_set(p, block, text, err, sizeof err))
    return aimc_error(ctx, AIMC_EINVAL, "tile %s: %s", md->name, p ? err : "no such param");
  return AIMC_OK;
}

static int build_tile(aimc_ctx *ctx, aimc_mapping *m, size_t k) {
  aimc_tile *t = &m->tiles[k];
  size_t size = 0, at[AIMC_TILE_PARTS];
  int st = AIMC_OK;
  for (int p = 0; p < AIMC_TILE_PARTS && !st; p++) {
    st = arch_model(ctx, &m->arch, p, &t->model[p]);
    at[p] = size;
    size += (t->model[p]->params_size + 15) & ~(size_t)15;
  }
  char *mem = st ? NULL : aimc_calloc(ctx, 1, size);
  if (!mem) return st ? st : AIMC_ENOMEM;
  t->block = mem;
  for (int p = 0; p < AIMC_TILE_PARTS; p++) {
    const aimc_model *md = t->model[p];
    t->params[p] = mem + at[p];
    aimc_params_defaults(md->params, md->n_params, t->params[p]);
  }
  for (size_t f = 0; f < sizeof FIXED / sizeof FIXED[0] && !st; f++)
    if (model_param(t->model[FIXED[f].part], FIXED[f].key))
      st = set_text(ctx, t->model[FIXED[f].part], t->params[FIXED[f].part], FIXED[f].key,
                    FIXED[f].value);
  for (int i = 0; i < N_BINDINGS && !st; i++) {
    const binding *b = &BINDINGS[i];
    void *block = t->params[b->part];
    /* A part's model without the param: its own figure prices it. */
    if (!model_param(t->model[b->part], b->part_key)) continue;
    if (b->section) {
      st = copy_arch_value(ctx, b, t->model[b->part], block, &m->arch);
    } else {
      char text[AIMC_PARAM_STRLEN];
      layout_value(m, k, b->key, text, sizeof text);
      st = set_text(ctx, t->model[b->part], block, b->part_key, text);
    }
  }
  return st;
}

int aimc_map_build_tiles(aimc_ctx *ctx, aimc_mapping *m) {
  m->tiles = aimc_calloc(ctx, m->n_arrays ? m->n_arrays : 1, sizeof *m->tiles);
  if (!m->tiles) return AIMC_ENOMEM;
  int st = AIMC_OK;
  for (size_t k = 0; k < m->n_arrays && !st; k++) st = build_tile(ctx, m, k);
  return st;
}

void aimc_map_free_tiles(aimc_ctx *ctx, aimc_mapping *m) {
  if (!m->tiles) return;
  for (size_t k = 0; k < m->n_arrays; k++) {
    for (int p = 0; p < AIMC_TILE_PARTS; p++) {
      aimc_free(ctx, m->tiles[k].own[p]);
      aimc_free(ctx, m->tiles[k].cal_fs[p]);
      aimc_free(ctx, m->tiles[k].cal_bits[p]);
    }
    aimc_free(ctx, m->tiles[k].block);
  }
  aimc_free(ctx, m->tiles);
  m->tiles = NULL;
}

/* 1 when tile t's model of b's part has b's param. */
static int has_row(const aimc_tile *t, const binding *b) {
  return model_param(t->model[b->part], b->part_key) != NULL;
}

/* The row that gives tile param BINDINGS[i].key its value in tile t (the
 * first one its part's model has), or -1; i must be the key's first row. */
static int key_row(const aimc_tile *t, int i) {
  for (int j = i; j < N_BINDINGS; j++)
    if (!strcmp(BINDINGS[j].key, BINDINGS[i].key) && has_row(t, &BINDINGS[j])) return j;
  return -1;
}

/* Row j's value in tile t as YAML. */
static void emit_value(FILE *o, const aimc_tile *t, int j) {
  const binding *b = &BINDINGS[j];
  aimc_map_emit_param(o, model_param(t->model[b->part], b->part_key), t->params[b->part]);
}

int aimc_map_tile_dense(const aimc_mapping *m, size_t k) {
  const aimc_map_array *a = &m->arrays[k];
  return a->n_place > 0 && !aimc_map_kind_calibrated(m->mats[a->place[0].matrix].kind);
}

const char *aimc_map_tile_subckt(const aimc_mapping *m, size_t k) {
  return aimc_map_tile_dense(m, k) ? "tile_dense" : "tile";
}

/* One tile subcircuit; `var`: the read noise's variance goes from the
 * crossbar through the TIA to the ADC, drawn where aimc run draws it (a
 * calibrated array); without, the crossbar draws it itself (a dense
 * layer's array, read by aimc run without converters). */
static void emit_subckt(FILE *o, const aimc_mapping *m, const char *name, int var) {
  fprintf(o,
          "  %s:\n"
          "    doc: \"one array%s: row words (in) -> DACs -> crossbar -> TIAs -> ADCs -> "
          "register -> held column words (out); the wiring outside feeds rows and "
          "reads columns\"\n"
          "    ports: [in, out]\n"
          "    params: {",
          name, var ? "" : " of a dense layer (words passed on unconverted)");
  const aimc_tile *t0 = &m->tiles[0];
  for (int i = 0, n = 0; i < N_BINDINGS; i++) {
    int j = first_of_key(i) ? key_row(t0, i) : -1;
    if (j < 0) continue;
    fprintf(o, "%s%s: ", n++ ? ", " : "", BINDINGS[i].key);
    emit_value(o, t0, j);
  }
  fputs("}\n    instances:\n", o);
  for (int p = 0; p < AIMC_TILE_PARTS; p++) {
    fprintf(o, "      %s: {model: %s, params: {", PARTS[p].name, t0->model[p]->name);
    int n = 0;
    for (int i = 0; i < N_BINDINGS; i++)
      if (BINDINGS[i].part == (aimc_tile_part)p && has_row(t0, &BINDINGS[i]))
        fprintf(o, "%s%s: \"${%s}\"", n++ ? ", " : "", BINDINGS[i].part_key, BINDINGS[i].key);
    for (size_t f = 0; f < sizeof FIXED / sizeof FIXED[0]; f++)
      if (FIXED[f].part == (aimc_tile_part)p && model_param(t0->model[p], FIXED[f].key))
        fprintf(o, "%s%s: %s", n++ ? ", " : "", FIXED[f].key, FIXED[f].value);
    fputs("}}\n", o);
  }
  fputs("    nets:\n"
        "      drive: [in, dac.in]\n"
        "      rows_v: [dac.out, xbar.in]\n"
        "      cols_i: [xbar.out, tia.in]\n"
        "      cols_v: [tia.out, adc.in]\n"
        "      words: [adc.out, hold.in]\n"
        "      held: [hold.out, out]\n",
        o);
  if (var)
    fputs("      xbar_var: [xbar.var, tia.var]\n"
          "      tia_var: [tia.var_out, adc.var]\n",
          o);
}

void aimc_map_emit_tile_subckt(FILE *o, const aimc_mapping *m) {
  fputs("subckts:\n", o);
  emit_subckt(o, m, "tile", 1);
  for (size_t k = 0; k < m->n_arrays; k++)
    if (aimc_map_tile_dense(m, k)) {
      emit_subckt(o, m, "tile_dense", 0);
      break;
    }
}

void aimc_map_emit_tile_params(FILE *o, const aimc_mapping *m, size_t k, const char *targets,
                               const char *layout, const char *cal) {
  int n = 0;
  for (int i = 0; i < N_BINDINGS; i++) {
    int j = first_of_key(i) ? key_row(&m->tiles[k], i) : -1;
    if (j < 0) continue;
    fprintf(o, "%s%s: ", n++ ? ", " : "", BINDINGS[i].key);
    if (!strcmp(BINDINGS[i].key, "targets")) aimc_map_yaml_quote(o, targets);
    else if (!strcmp(BINDINGS[i].key, "layout")) aimc_map_yaml_quote(o, layout);
    else if (!strcmp(BINDINGS[i].key, "cal")) aimc_map_yaml_quote(o, cal);
    else emit_value(o, &m->tiles[k], j);
  }
}

/* Where row p of `net` differs from what the writer put in the netlist for
 * `mapped` (its value formatted and parsed back, as a reader sees it). */
static int hand_edited(const aimc_param *p, const void *net, const void *mapped,
                       void *scratch) {
  char buf[AIMC_PARAM_STRLEN + 32], err[256];
  aimc_param_format(p, mapped, buf, sizeof buf);
  if (aimc_param_set(p, scratch, buf, err, sizeof err)) return 1;
  return !aimc_param_equal(p, net, scratch);
}

/* 1 when one of the "SECTION.KEY=VALUE" overrides sets the arch value b
 * takes, or one of those it derives from (space-separated). */
static int overridden(const binding *b, const char *const *sets, int n_sets) {
  char keys[256];
  if (b->section) snprintf(keys, sizeof keys, "%s.%s", b->section, b->arch_key);
  else snprintf(keys, sizeof keys, "%s", b->derived);
  for (char *k = keys, *end; *k; k = *end ? end + 1 : end) {
    end = strchr(k, ' ');
    if (!end) end = k + strlen(k);
    size_t n = (size_t)(end - k);
    for (int i = 0; i < n_sets; i++)
      if (!strncmp(sets[i], k, n) && sets[i][n] == '=') return 1;
  }
  return 0;
}

/* 1 when an arch-bound param keeps the mapped value in block: the netlist
 * has what the writer put there, or an override names its arch value. */
static int keeps_arch(const aimc_param *p, const binding *b, const void *net, const void *block,
                      void *scratch, const char *const *sets, int n_sets) {
  return !hand_edited(p, net, block, scratch) || overridden(b, sets, n_sets);
}

int aimc_map_periph_from_arch(aimc_ctx *ctx, const aimc_arch *a, void *params) {
  const aimc_model *md = aimc_s4d_digital_model();
  int st = AIMC_OK;
  for (int i = 0; i < N_PERIPH_BINDINGS && !st; i++)
    st = copy_arch_value(ctx, &PERIPH_BINDINGS[i], md, params, a);
  return st;
}

void aimc_map_periph_merge(void *block, const void *net, const char *const *sets, int n_sets) {
  const aimc_model *md = aimc_s4d_digital_model();
  aimc_s4d_digital_params scratch = *(const aimc_s4d_digital_params *)block;
  for (int i = 0; i < N_PERIPH_BINDINGS; i++) {
    const aimc_param *p = model_param(md, PERIPH_BINDINGS[i].part_key);
    if (!keeps_arch(p, &PERIPH_BINDINGS[i], net, block, &scratch, sets, n_sets))
      aimc_param_copy(p, block, p, net);
  }
}

int aimc_map_load_netlist_tiles(aimc_ctx *ctx, const aimc_design *d, aimc_mapping *m,
                                const char *const *sets, int n_sets) {
  char name[64], full[96];
  for (size_t k = 0; k < m->n_arrays; k++) {
    aimc_map_array_name(m, k, name, sizeof name);
    for (int part = 0; part < AIMC_TILE_PARTS; part++) {
      aimc_tile *t = &m->tiles[k];
      const aimc_model *md = t->model[part];
      snprintf(full, sizeof full, "%s.%s", name, PARTS[part].name);
      int i = aimc_design_find_inst(d, full);
      if (i < 0 || !fits_part(d->inst[i].model, part))
        return aimc_error(ctx, AIMC_EINVAL,
                          "%s: array %zu must be the tile '%s' with an instance %s "
                          "(model %s or another of its class that evaluates), as 'aimc "
                          "map' wrote it",
                          d->path, k, name, PARTS[part].name, md->name);
      const void *net = d->inst[i].params;
      if (d->inst[i].model != md) {
        /* Another model for this tile's part: the netlist's params, all
         * of them (the arch's keys name the mapped model's). */
        md = t->model[part] = d->inst[i].model;
        if (!(t->own[part] = aimc_malloc(ctx, md->params_size + 1))) return AIMC_ENOMEM;
        memcpy(t->own[part], net, md->params_size);
        t->params[part] = t->own[part];
        continue;
      }
      void *block = t->params[part];
      union {
        max_align_t align;
        char bytes[2048];
      } scratch_mem;
      char *scratch = scratch_mem.bytes;
      if (md->params_size > sizeof scratch_mem)
        return aimc_error(ctx, AIMC_EINVAL, "tile %s: params too large", md->name);
      /* hand_edited parses into one row of scratch at a time. */
      memcpy(scratch, block, md->params_size);
      for (size_t r = 0; r < md->n_params; r++) {
        const aimc_param *p = &md->params[r];
        const binding *b = binding_of(part, p->key);
        /* What the converters pass is the mapping's: aimc run converts
         * as it says, so an edit is refused, never ignored. */
        if (b && !strcmp(p->key, "words") && hand_edited(p, net, block, scratch))
          return aimc_error_at(ctx, AIMC_EINVAL, &d->inst[i].loc,
                               "%s: words = %d but aimc run reads this array with "
                               "words %d (1 calibrated, 2 a dense layer's): map again",
                               full, (int)aimc_param_get(p, net),
                               (int)aimc_param_get(p, block));
        /* The channels a read uses are the mapping's (aimc_map_array_use):
         * aimc run prices them, the event models book them. */
        if (b && !strcmp(p->key, "used") && hand_edited(p, net, block, scratch))
          return aimc_error_at(ctx, AIMC_EINVAL, &d->inst[i].loc,
                               "%s: used = %d but aimc run prices this array's reads with "
                               "%d (the channels its slots use): map again",
                               full, (int)aimc_param_get(p, net),
                               (int)aimc_param_get(p, block));
        /* From the layout: checked and kept, unless each tile sets it. */
        if (b && !b->section && !b->derived) continue;
        /* Not set from the arch: the netlist's value. An arch value stays
         * exact unless the netlist changed it (what the writer rounded is
         * no change) and no override names it. */
        if (!b || !keeps_arch(p, b, net, block, scratch, sets, n_sets))
          aimc_param_copy(p, block, p, net);
      }
    }
  }
  /* The ADCs the report counts: each sensing tile's own. */
  m->stats.n_adc = 0;
  for (size_t k = 0; k < m->n_arrays; k++)
    if (m->arrays[k].cols_used > 0)
      m->stats.n_adc += (uint64_t)aimc_tile_param_value(&m->tiles[k], AIMC_TILE_ADC, "n_adc", 1);
  return AIMC_OK;
}
