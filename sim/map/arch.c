/* The architecture description: parameter tables (one per YAML section)
 * bound by the generic binder, defaults, cross checks and a hash. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aimc/config.h"
#include "aimc/device.h"
#include "aimc/fileio.h"
#include "aimc/map.h"
#include "aimc/status.h"
#include "map_internal.h"

#define F(field) offsetof(aimc_arch, field)

static const char *const FORMS[] = {"single", "separate", NULL};
static const char *const SPLITS[] = {"differential", "rails", NULL};
static const char *const PLACES[] = {"digital", "crossbar", NULL};

/* Sources of the defaults: IMSSA (arXiv 2412.20215) for the 64x64 TaOx
 * arrays; converter and periphery figures are typical 28-65 nm values of
 * the AIMC literature (order of magnitude), meant to be replaced by cards. */
static const aimc_param ARRAY[] = {
    {"rows", AIMC_PT_INT, F(rows), 64, 2, 4096, AIMC_U_NONE, "physical rows (inputs) per array", "IMSSA 64x64", NULL, NULL},
    {"cols", AIMC_PT_INT, F(cols), 64, 2, 4096, AIMC_U_NONE, "physical columns (outputs) per array", "IMSSA 64x64", NULL, NULL},
    {"form", AIMC_PT_ENUM, F(form), 0, 0, 1, AIMC_U_NONE, "single: A, B, C of a kernel element in one array (IMSSA); separate: A | B | C arrays", "IMSSA", FORMS, NULL},
    {"split", AIMC_PT_ENUM, F(split), 0, 0, 1, AIMC_U_NONE, "signed weights as differential column pairs or +/- input rails", "IMSSA", SPLITS, NULL},
    {"dense", AIMC_PT_ENUM, F(dense), 0, 0, 1, AIMC_U_NONE, "encoder, mixing and decoder layers in digital logic or on crossbars", "design choice", PLACES, NULL},
    {"g_min", AIMC_PT_REAL, F(g_min_S), 5e-6, 0, 1e-2, AIMC_U_SIEMENS, "lowest programmable conductance", "BRIEF: 5-100 uS window", NULL, NULL},
    {"g_max", AIMC_PT_REAL, F(g_max_S), 100e-6, 1e-9, 1e-2, AIMC_U_SIEMENS, "highest programmable conductance", "BRIEF: 5-100 uS window", NULL, NULL},
    {"v_read", AIMC_PT_REAL, F(v_read_V), 0.2, 1e-3, 2, AIMC_U_VOLT, "full-scale read voltage of the input DACs", "typical ReRAM read", NULL, NULL},
    {"device_card", AIMC_PT_STRING, F(device_card), 0, 0, 0, AIMC_U_NONE, "device card YAML for write_verify/one_shot (empty: model defaults)", "", NULL, ""},
};

static const aimc_param PROGRAMMING[] = {
    {"mode", AIMC_PT_ENUM, F(prog_mode), 0, 0, AIMC_XBAR_PROG_COUNT - 1, AIMC_U_NONE, "how targets reach the devices", "aimc/xbar.h", aimc_prog_mode_keys, NULL},
    {"nn_file", AIMC_PT_STRING, F(nn_file), 0, 0, 0, AIMC_U_NONE, "one_shot_nn / hybrid: the neural inverse of the device card (aimc device train-inverse)", "arXiv 2403.06712", NULL, ""},
    {"sigma", AIMC_PT_REAL, F(prog_sigma_S), 0, 0, 1e-3, AIMC_U_SIEMENS, "gaussian mode: sigma of the programmed conductance", "IMSSA Fig. 4 (0-20 uS)", NULL, NULL},
    {"exact_zeros", AIMC_PT_BOOL, F(exact_zeros), 1, 0, 1, AIMC_U_NONE, "ideal/gaussian modes: devices of the structural zeros of the expanded layout (not model values) are left unpulsed at g_min, so they carry no programming error", "cells that hold no model value are never programmed", NULL, NULL},
    {"wv_tol", AIMC_PT_REAL, F(wv_tol_S), 1e-6, 1e-9, 1e-3, AIMC_U_SIEMENS, "write-verify: accepted |G - target|", "arXiv 2403.06712", NULL, NULL},
    {"wv_max_pulses", AIMC_PT_INT, F(wv_max_pulses), 100, 1, 100000, AIMC_U_NONE, "write-verify: pulses per device at most", "", NULL, NULL},
    {"t_pulse", AIMC_PT_REAL, F(t_pulse_s), 200e-9, 1e-12, 1e-3, AIMC_U_SECOND, "one programming pulse plus its verify read", "typical ReRAM", NULL, NULL},
    {"e_pulse", AIMC_PT_REAL, F(e_pulse_J), 10e-12, 0, 1e-6, AIMC_U_JOULE, "energy of one pulse plus its verify read", "typical ReRAM", NULL, NULL},
};

static const aimc_param CONVERTERS[] = {
    {"dac_bits", AIMC_PT_INT, F(dac_bits), 0, 0, 16, AIMC_U_NONE, "DAC resolution; 0: the model's activation quantizer", "", NULL, NULL},
    {"adc_bits", AIMC_PT_INT, F(adc_bits), 0, 0, 16, AIMC_U_NONE, "ADC resolution; 0: the model's activation quantizer", "", NULL, NULL},
    {"cols_per_adc", AIMC_PT_INT, F(cols_per_adc), 8, 1, 4096, AIMC_U_NONE, "sensed columns multiplexed onto one ADC (conversions serialize)", "common practice", NULL, NULL},
    {"v_adc", AIMC_PT_REAL, F(v_adc_V), 1.0, 1e-6, 10, AIMC_U_VOLT, "ADC full-scale input voltage: each TIA's calibrated gain maps its column's full-scale current to it", "calibration", NULL, NULL},
    {"adc_noise_lsb", AIMC_PT_REAL, F(adc_noise_lsb), 0.0, 0, 100, AIMC_U_NONE, "input-referred ADC noise sigma, in LSB (when nonideal.converter)", "", NULL, NULL},
    {"adc_model", AIMC_PT_STRING, F(adc_model), 0, 0, 0, AIMC_U_NONE, "component model of the tiles' ADCs (aimc models: an adc-class model that evaluates)", "", NULL, "adc"},
};

static const aimc_param TIMING[] = {
    {"clock", AIMC_PT_TIME, F(clock_fs), 1e-9, 1e-12, 1e-3, AIMC_U_SECOND, "period of the design clock (latencies round up to cycles)", "1 GHz", NULL, NULL},
    {"t_dac", AIMC_PT_TIME, F(t_dac_fs), 1e-9, 0, 1e-3, AIMC_U_SECOND, "one DAC conversion (all DACs in parallel)", "typical", NULL, NULL},
    {"t_settle", AIMC_PT_TIME, F(t_settle_fs), 10e-9, 0, 1e-3, AIMC_U_SECOND, "array settling time of one read", "typical", NULL, NULL},
    {"t_tia", AIMC_PT_TIME, F(t_tia_fs), 2e-9, 0, 1e-3, AIMC_U_SECOND, "sense / TIA time (all columns in parallel)", "typical", NULL, NULL},
    {"t_adc", AIMC_PT_TIME, F(t_adc_fs), 5e-9, 0, 1e-3, AIMC_U_SECOND, "one ADC conversion (shared ADCs convert one column after the other)", "typical SAR", NULL, NULL},
    {"t_reg", AIMC_PT_TIME, F(t_reg_fs), 1e-9, 0, 1e-3, AIMC_U_SECOND, "state register update", "one cycle", NULL, NULL},
    {"t_digital", AIMC_PT_TIME, F(t_digital_fs), 1e-9, 0, 1e-3, AIMC_U_SECOND, "one digital vector stage (activation, mix, norm, pool)", "one cycle", NULL, NULL},
    {"pipeline", AIMC_PT_BOOL, F(pipeline), 1, 0, 1, AIMC_U_NONE, "layers overlap: a new step enters every slowest-stage time", "", NULL, NULL},
};

static const aimc_param ENERGY[] = {
    {"e_dac", AIMC_PT_REAL, F(e_dac_J), 50e-15, 0, 1e-6, AIMC_U_JOULE, "one DAC conversion", "typical 4-8 bit DAC", NULL, NULL},
    {"c_wire", AIMC_PT_REAL, F(c_wire_F), 0.2e-15, 0, 1e-12, AIMC_U_FARAD, "wire capacitance per cell segment: each read charges the driven row lines (cols segments each)", "~0.2 fF/um interconnect, 1 um pitch (ITRS)", NULL, NULL},
    {"e_tia", AIMC_PT_REAL, F(e_tia_J), 100e-15, 0, 1e-6, AIMC_U_JOULE, "one TIA / sense operation", "typical", NULL, NULL},
    {"e_adc", AIMC_PT_REAL, F(e_adc_J), 1e-12, 0, 1e-6, AIMC_U_JOULE, "one ADC conversion", "Walden FoM ~ 50 fJ/step at 8 bit", NULL, NULL},
    {"e_reg_bit", AIMC_PT_REAL, F(e_reg_bit_J), 2.5e-15, 0, 1e-6, AIMC_U_JOULE, "one state-register bit written and read back", "~20 fJ per 8-bit word", NULL, NULL},
    {"e_mac", AIMC_PT_REAL, F(e_mac_J), 100e-15, 0, 1e-6, AIMC_U_JOULE, "one digital multiply-accumulate", "Horowitz ISSCC 2014 (order)", NULL, NULL},
    {"e_buffer", AIMC_PT_REAL, F(e_buffer_J), 50e-15, 0, 1e-6, AIMC_U_JOULE, "one SRAM word access", "Horowitz ISSCC 2014 (order)", NULL, NULL},
    {"p_static", AIMC_PT_REAL, F(p_static_W), 10e-6, 0, 1, AIMC_U_WATT, "static power per array", "typical", NULL, NULL},
};

static const aimc_param NONIDEAL[] = {
    {"programming", AIMC_PT_BOOL, F(ni_prog), 1, 0, 1, AIMC_U_NONE, "programming error of programming.mode (off: ideal targets)", "", NULL, NULL},
    {"read_noise", AIMC_PT_BOOL, F(ni_read_noise), 0, 0, 1, AIMC_U_NONE, "read noise on every device current: the device card's read_noise (device.read_noise)", "the tile's device model", NULL, NULL},
    {"drift", AIMC_PT_BOOL, F(ni_drift), 0, 0, 1, AIMC_U_NONE, "conductance drift over drift_t by the device card's law (pulse, vcm: state x ((t + t0) / t0)^-nu, device.drift_nu, device.drift_t0)", "the tile's device model", NULL, NULL},
    {"drift_t", AIMC_PT_REAL, F(drift_t_s), 3600, 1, 1e9, AIMC_U_SECOND, "time since programming", "", NULL, NULL},
    {"converter", AIMC_PT_BOOL, F(ni_converter), 1, 0, 1, AIMC_U_NONE, "converter resolution (dac_bits/adc_bits) and ADC noise", "", NULL, NULL},
    {"ir_drop", AIMC_PT_BOOL, F(ni_ir_drop), 0, 0, 1, AIMC_U_NONE, "IR drop along the wires (first-order)", "", NULL, NULL},
    {"r_wire", AIMC_PT_REAL, F(r_wire_Ohm), 1.0, 0, 1e4, AIMC_U_OHM, "wire resistance of one cell segment", "typical", NULL, NULL},
};

/* Values fed into every tile's device card (the crossbar's device_set):
 * the key is the card's own; "" keeps the card's value. Drift, stuck
 * cells and read noise are the device model's physics, described once
 * in its card (models/device_*.c); these rows only let an arch, --set
 * or a sweep vary them. */
#define D(key, field, doc)                                                                \
  {key, AIMC_PT_STRING, F(field), 0, 0, 0, AIMC_U_NONE, doc " (\"\": the card's)",          \
   "the tile's device card (configs/devices/)", NULL, ""}
static const aimc_param DEVICE[] = {
    D("read_noise", dev_read_noise, "card read_noise: relative sigma of a read"),
    D("drift_nu", dev_drift_nu, "card drift_nu: drift exponent"),
    D("drift_t0", dev_drift_t0, "card drift_t0: drift reference time"),
    D("p_stuck_min", dev_p_stuck_min, "card p_stuck_min: probability a device is stuck at its lowest conductance"),
    D("p_stuck_max", dev_p_stuck_max, "card p_stuck_max: probability a device is stuck at its highest conductance"),
};
#undef D

#undef F

/* Keys the arch had before drift, stuck cells and read noise became the
 * device card's (issue #13): refused with what to use instead. */
static const struct {
  const char *key, *instead;
} REMOVED[] = {
    {"nonideal.read_noise_rel", "the read noise is the device card's read_noise: set device.read_noise (or the card, array.device_card)"},
    {"nonideal.drift_nu", "the drift exponent is the device card's drift_nu: set device.drift_nu (or the card, array.device_card)"},
    {"nonideal.stuck", "stuck cells are the device card's p_stuck_min / p_stuck_max (0 by default): set device.p_stuck_min and device.p_stuck_max (or the card, e.g. configs/devices/pulse_taox_faulty.yaml)"},
    {"nonideal.stuck_frac", "stuck cells are the device card's p_stuck_min / p_stuck_max: set device.p_stuck_min and device.p_stuck_max to half the fraction each (or the card, array.device_card)"},
};

const char *aimc_arch_removed(const char *section, const char *key) {
  size_t n = strlen(section);
  for (size_t i = 0; i < sizeof REMOVED / sizeof REMOVED[0]; i++)
    if (!strncmp(REMOVED[i].key, section, n) && REMOVED[i].key[n] == '.' &&
        !strcmp(REMOVED[i].key + n + 1, key))
      return REMOVED[i].instead;
  return NULL;
}

void aimc_arch_device_set(const aimc_arch *arch, char *buf, size_t len) {
  size_t used = 0;
  if (len) buf[0] = '\0';
  for (size_t i = 0; i < AIMC_NPARAMS(DEVICE) && used < len; i++) {
    const char *v = (const char *)arch + DEVICE[i].offset;
    if (!*v) continue;
    int w = snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", DEVICE[i].key, v);
    if (w < 0) break;
    used += (size_t)w;
  }
}

const char *const aimc_arch_sections[] = {"array",  "programming", "converters", "timing",
                                          "energy", "nonideal",    "device",     NULL};

#define SECTION(name, table) {name, table, AIMC_NPARAMS(table)}
static const struct {
  const char *name;
  const aimc_param *table;
  size_t n;
} SECTIONS[] = {
    SECTION("array", ARRAY),   SECTION("programming", PROGRAMMING),
    SECTION("converters", CONVERTERS), SECTION("timing", TIMING),
    SECTION("energy", ENERGY), SECTION("nonideal", NONIDEAL),
    SECTION("device", DEVICE),
};
#define N_SECTIONS (sizeof SECTIONS / sizeof SECTIONS[0])

const aimc_param *aimc_arch_params(const char *section, size_t *n) {
  for (size_t i = 0; i < N_SECTIONS; i++)
    if (strcmp(section, SECTIONS[i].name) == 0) {
      *n = SECTIONS[i].n;
      return SECTIONS[i].table;
    }
  *n = 0;
  return NULL;
}

void aimc_arch_defaults(aimc_arch *arch) {
  memset(arch, 0, sizeof *arch);
  for (size_t i = 0; i < N_SECTIONS; i++)
    aimc_params_defaults(SECTIONS[i].table, SECTIONS[i].n, arch);
}

static int check_cross(aimc_ctx *ctx, const char *path, const aimc_arch *a) {
  if (!(a->g_min_S < a->g_max_S))
    return aimc_error(ctx, AIMC_ERANGE,
                      "%s: array.g_min (%g S) must be below array.g_max (%g S)",
                      path, a->g_min_S, a->g_max_S);
  return AIMC_OK;
}

/* A named device card must exist now, not when programming opens it at
 * the end of a long run (paths are relative to the working directory,
 * as the device loader opens them). loc: the YAML value, or NULL. */
static int check_card(aimc_ctx *ctx, const char *what, const aimc_srcloc *loc,
                      const aimc_arch *a) {
  if (!a->device_card[0]) return AIMC_OK;
  FILE *f = fopen(a->device_card, "rb");
  if (f) {
    fclose(f);
    return AIMC_OK;
  }
  if (loc)
    return aimc_error_at(ctx, AIMC_ENOTFOUND, loc,
                         "array.device_card: cannot open '%s'",
                         a->device_card);
  return aimc_error(ctx, AIMC_ENOTFOUND,
                    "%s: array.device_card: cannot open '%s'", what,
                    a->device_card);
}

/* The device.* values must be ones the card takes (key, unit, range) now,
 * not when the first tile is programmed. loc: the device section, or NULL. */
static int check_device(aimc_ctx *ctx, const char *what, const aimc_srcloc *loc,
                        const aimc_arch *a) {
  char set[AIMC_PARAM_STRLEN * 2];
  aimc_arch_device_set(a, set, sizeof set);
  if (!set[0]) return AIMC_OK;
  aimc_device *dev = NULL;
  int st = aimc_device_open(ctx, aimc_device_model_default()->name, a->device_card, &dev);
  if (!st) st = aimc_device_apply(ctx, dev, set);
  aimc_device_free(ctx, dev);
  if (!st) return AIMC_OK;
  char why[512];
  snprintf(why, sizeof why, "%s", aimc_ctx_errmsg(ctx));
  if (loc) return aimc_error_at(ctx, st, loc, "device: %s", why);
  return aimc_error(ctx, st, "%s: device: %s", what, why);
}

int aimc_arch_check(aimc_ctx *ctx, const char *what, const aimc_arch *arch) {
  int st = check_cross(ctx, what, arch);
  if (!st) st = check_card(ctx, what, NULL, arch);
  return st ? st : check_device(ctx, what, NULL, arch);
}

/* A removed key in section `node` (key of the mapping `section`): an
 * error at its line:col naming what to use instead. */
static int check_removed(aimc_ctx *ctx, const char *section, const aimc_cfg_node *node) {
  if (aimc_cfg_type_of(node) != AIMC_CFG_MAP) return AIMC_OK;
  for (size_t i = 0; i < aimc_cfg_len(node); i++) {
    const char *key = aimc_cfg_key_at(node, i), *instead = aimc_arch_removed(section, key);
    if (!instead) continue;
    aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_key_node_at(node, i));
    return aimc_error_at(ctx, AIMC_EINVAL, &loc,
                         "%s.%s was removed: %s (an arch written by an older aimc map: map again)",
                         section, key, instead);
  }
  return AIMC_OK;
}

int aimc_arch_load(aimc_ctx *ctx, const char *path, aimc_arch *arch) {
  aimc_cfg *cfg = NULL;
  int st = aimc_cfg_load(ctx, path, &cfg);
  if (st) return st;
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  if (aimc_cfg_type_of(root) != AIMC_CFG_MAP) {
    aimc_srcloc loc = aimc_cfg_loc(root);
    st = aimc_error_at(ctx, AIMC_EPARSE, &loc,
                       "an architecture file is a mapping of sections "
                       "(array, programming, converters, timing, energy, "
                       "nonideal, device)");
    goto done;
  }
  for (size_t i = 0; i < aimc_cfg_len(root) && !st; i++) {
    const char *key = aimc_cfg_key_at(root, i);
    const aimc_cfg_node *node = aimc_cfg_at(root, i);
    size_t n;
    const aimc_param *table = aimc_arch_params(key, &n);
    if (strcmp(key, "name") == 0 || strcmp(key, "doc") == 0) continue;
    if (!table) {
      aimc_srcloc loc = aimc_cfg_loc(aimc_cfg_key_node_at(root, i));
      st = aimc_error_at(ctx, AIMC_EPARSE, &loc,
                         "unknown section '%s' (valid: name, doc, array, "
                         "programming, converters, timing, energy, nonideal, "
                         "device)",
                         key);
      break;
    }
    st = check_removed(ctx, key, node);
    if (!st) st = aimc_cfg_bind(ctx, node, table, n, arch, key, NULL);
  }
  if (!st) st = check_cross(ctx, path, arch);
  if (!st) {
    const aimc_cfg_node *card =
        aimc_cfg_get(aimc_cfg_get(root, "array"), "device_card");
    aimc_srcloc loc = aimc_cfg_loc(card ? card : root);
    st = check_card(ctx, path, &loc, arch);
    const aimc_cfg_node *dev = aimc_cfg_get(root, "device");
    aimc_srcloc dloc = aimc_cfg_loc(dev ? dev : root);
    if (!st) st = check_device(ctx, path, &dloc, arch);
  }
done:
  aimc_cfg_free(cfg);
  return st;
}

/* FNV-1a over the bound values, field by field (padding bytes excluded). */
/* FNV-1a over the bytes of row p's value, then a separator. */
static uint64_t hash_param(uint64_t h, const aimc_arch *arch, const aimc_param *p) {
  const unsigned char *b = (const unsigned char *)arch + p->offset;
  size_t len = p->type == AIMC_PT_STRING ? strlen((const char *)b)
               : p->type == AIMC_PT_REAL ? sizeof(double)
               : p->type == AIMC_PT_TIME ? sizeof(aimc_time)
                                         : sizeof(int);
  return aimc_fnv1a_sep(aimc_fnv1a(h, b, len));
}


uint64_t aimc_arch_hash(const aimc_arch *arch) {
  uint64_t h = AIMC_FNV_BASIS_NETLIST;
  for (size_t s = 0; s < N_SECTIONS; s++)
    for (size_t i = 0; i < SECTIONS[s].n; i++) h = hash_param(h, arch, &SECTIONS[s].table[i]);
  return h;
}

uint64_t aimc_arch_program_hash(const aimc_arch *arch) {
  static const struct {
    const aimc_param *table;
    size_t n;
    const char *key;
  } KEYS[] = {{NONIDEAL, AIMC_NPARAMS(NONIDEAL), "programming"},
              {DEVICE, AIMC_NPARAMS(DEVICE), "p_stuck_min"},
              {DEVICE, AIMC_NPARAMS(DEVICE), "p_stuck_max"}};
  uint64_t h = AIMC_FNV_BASIS_NETLIST;
  for (size_t i = 0; i < AIMC_NPARAMS(ARRAY); i++) h = hash_param(h, arch, &ARRAY[i]);
  for (size_t i = 0; i < AIMC_NPARAMS(PROGRAMMING); i++) h = hash_param(h, arch, &PROGRAMMING[i]);
  for (size_t i = 0; i < AIMC_NPARAMS(KEYS); i++)
    h = hash_param(h, arch, aimc_params_find(KEYS[i].table, KEYS[i].n, KEYS[i].key));
  return h;
}

int aimc_arch_write(aimc_ctx *ctx, const aimc_arch *arch, const char *path) {
  aimc_atomic_file *f = NULL;
  int st = aimc_atomic_open(ctx, path, &f);
  if (st) return st;
  FILE *o = aimc_atomic_stream(f);
  char buf[AIMC_PARAM_STRLEN + 32];
  fputs("# Architecture as used by aimc map (every value).\n", o);
  for (size_t s = 0; s < N_SECTIONS; s++) {
    fprintf(o, "%s:\n", SECTIONS[s].name);
    for (size_t i = 0; i < SECTIONS[s].n; i++) {
      const aimc_param *p = &SECTIONS[s].table[i];
      fprintf(o, "  %s: ", p->key);
      aimc_map_yaml_quote(o, aimc_param_format(p, arch, buf, sizeof buf));
      fputc('\n', o);
    }
  }
  return aimc_atomic_commit(ctx, f);
}
