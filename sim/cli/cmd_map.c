/* aimc map: an exported S4D model + an architecture -> a netlist with
 * conductance targets, and the utilisation report. */
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/map.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aimc map MODEL ARCH -o NETLIST\n\n"
      "Maps an exported S4D model (from 'aimc train') onto the crossbar\n"
      "arrays described by ARCH (e.g. configs/arch/default.yaml): complex\n"
      "expansion of every mode, signed-weight split, conductance targets,\n"
      "tiling. Writes NETLIST (an ordinary netlist YAML; 'aimc graph' renders\n"
      "it) and the targets in NETLIST's stem + .arrays/arrayK.csv, then\n"
      "prints the number of arrays, devices (utilisation), DACs and ADCs.\n"
      "The effective arch (ARCH with --set applied) is written beside NETLIST\n"
      "as <stem>.arch.yaml; 'aimc run NETLIST' reads it from there.\n\n"
      "options:\n"
      "  -o, --output NETLIST  netlist to write (required)\n"
      "  --set SECTION.KEY=V   override one arch value, e.g. array.rows=128\n");
}

/* Applies "section.key=value" to the arch through its parameter table. */
int aimc_cli_arch_set(aimc_ctx *ctx, aimc_arch *arch, const char *spec);
int aimc_cli_arch_set(aimc_ctx *ctx, aimc_arch *arch, const char *spec) {
  char sec[64], err[256];
  const char *dot = strchr(spec, '.'), *eq = strchr(spec, '=');
  if (!dot || !eq || dot > eq || (size_t)(dot - spec) >= sizeof sec)
    return aimc_error(ctx, AIMC_EUSAGE, "--set expects SECTION.KEY=VALUE, not '%s'", spec);
  memcpy(sec, spec, (size_t)(dot - spec));
  sec[dot - spec] = '\0';
  char key[64];
  size_t kl = (size_t)(eq - dot - 1);
  if (kl >= sizeof key) kl = sizeof key - 1;
  memcpy(key, dot + 1, kl);
  key[kl] = '\0';
  size_t n;
  const aimc_param *t = aimc_arch_params(sec, &n);
  const aimc_param *p = t ? aimc_params_find(t, n, key) : NULL;
  const char *instead = p ? NULL : aimc_arch_removed(sec, key);
  if (instead)
    return aimc_error(ctx, AIMC_EINVAL, "--set %s: %s.%s was removed: %s", spec, sec, key,
                      instead);
  if (!p)
    return aimc_error(ctx, AIMC_EINVAL, "--set %s: no arch parameter %s.%s", spec, sec, key);
  if (aimc_param_set(p, arch, eq + 1, err, sizeof err))
    return aimc_error(ctx, AIMC_ERANGE, "--set %s: %s", spec, err);
  return AIMC_OK;
}

int aimc_cmd_map(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  const char *pos[2] = {NULL, NULL}, *out = NULL, *sets[32];
  int n_pos = 0, n_sets = 0;
  for (int i = 1; i < argc; i++) {
    if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
      out = argv[++i];
    else if (!strcmp(argv[i], "--set") && i + 1 < argc && n_sets < 32)
      sets[n_sets++] = argv[++i];
    else if (argv[i][0] == '-')
      return aimc_cli_usage(ctx, "map", "unknown option '%s'", argv[i]);
    else if (n_pos < 2)
      pos[n_pos++] = argv[i];
    else
      return aimc_cli_usage(ctx, "map", "unexpected argument '%s'", argv[i]);
  }
  if (n_pos < 2) return aimc_cli_usage(ctx, "map", "needs MODEL and ARCH");
  if (!out) return aimc_cli_usage(ctx, "map", "needs -o NETLIST");
  aimc_arch arch;
  aimc_arch_defaults(&arch);
  int st = aimc_arch_load(ctx, pos[1], &arch);
  for (int i = 0; i < n_sets && !st; i++) st = aimc_cli_arch_set(ctx, &arch, sets[i]);
  if (!st && n_sets) st = aimc_arch_check(ctx, "--set", &arch);
  if (st) return st;
  aimc_s4d_model *mdl = NULL;
  aimc_mapping *m = NULL;
  st = aimc_s4d_model_read(ctx, pos[0], &mdl);
  if (!st) st = aimc_map_model(ctx, mdl, &arch, &m);
  /* The effective arch (file + --set) goes next to the netlist, so the
   * netlist names everything `aimc run` needs. */
  char arch_out[1024];
  snprintf(arch_out, sizeof arch_out, "%s", out);
  char *dot = strrchr(arch_out, '.'), *slash = strrchr(arch_out, '/');
  if (dot && (!slash || dot > slash)) *dot = '\0';
  strncat(arch_out, ".arch.yaml", sizeof arch_out - strlen(arch_out) - 1);
  /* The netlist's folder is made, as `aimc train --out` makes its own. */
  if (!st && slash) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(out, '/') - out), out);
    if (*dir) st = aimc_mkdirs(ctx, dir);
  }
  if (!st) st = aimc_arch_write(ctx, &arch, arch_out);
  if (!st) st = aimc_map_write_netlist(ctx, m, pos[0], arch_out, out);
  if (!st) {
    printf("model        %s (H=%d, %d modes, %d layers)\n", pos[0], mdl->h, mdl->m,
           mdl->layers);
    aimc_map_print_stats(m, stdout);
    printf("netlist      %s\n", out);
  }
  aimc_mapping_free(ctx, m);
  aimc_s4d_model_free(ctx, mdl);
  return st;
}
