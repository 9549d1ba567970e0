/* aimc models: lists the component models (models/models.def) and the
 * device models (aimc/device.h), prints one model's parameter table and
 * ports, and generates the Markdown pages of docs/models from the same tables.
 */
#include <stdio.h>
#include <string.h>

#include "aimc/device.h"
#include "aimc/fileio.h"
#include "aimc/model.h"
#include "aimc/program.h"
#include "aimc/status.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aimc models [--describe NAME [--markdown]] [--docs DIR]\n\n"
      "Without options lists the component models (netlist `model:` names)\n"
      "and the device models (crossbar/cell `device:` and card `model:`).\n\n"
      "options:\n"
      "  --describe NAME  print the parameter table (key, type, default,\n"
      "                   range, unit, description, source) and the ports\n"
      "  --markdown       print --describe as Markdown (docs/models format)\n"
      "  --docs DIR       write DIR/<name>.md for every model and "
      "DIR/index.md\n"
      "                   (scripts/gen-model-docs.sh keeps docs/models "
      "current)\n"
      "Exit status: 0 ok, 2 usage error or unknown model.\n");
}

/* What a description needs, for both kinds of model. */
typedef struct {
  const char *name, *summary, *source, *kind;
  const aimc_param *params;
  size_t n_params, params_size;
  const aimc_model *event; /* NULL for device models */
} described;

static int lookup(const char *name, described *d) {
  const aimc_model *m = aimc_models_find(name);
  if (m) {
    *d = (described){m->name,   m->summary,  m->source,      "component model",
                     m->params, m->n_params, m->params_size, m};
    return 1;
  }
  const aimc_device_model *dm = aimc_device_model_find(name);
  if (dm) {
    *d = (described){dm->name,   dm->summary,  dm->source,      "device model",
                     dm->params, dm->n_params, dm->params_size, NULL};
    return 1;
  }
  return 0;
}

static const char *type_name(const aimc_param *p) {
  static const char *const names[] = {"real",   "int",  "bool", "enum",
                                      "string", "time", "seed"};
  return names[p->type];
}

/* The choices of an ENUM / BOOL are separated by `sep`; in a markdown table
 * cell the bar must be escaped, or it splits the cell. */
static void range_text(const aimc_param *p, const char *sep, char *buf,
                       size_t len) {
  char lo[48], hi[48];
  switch (p->type) {
    case AIMC_PT_REAL:
    case AIMC_PT_TIME:
      snprintf(buf, len, "%s .. %s",
               aimc_unit_format(p->min, p->unit, lo, sizeof lo),
               aimc_unit_format(p->max, p->unit, hi, sizeof hi));
      break;
    case AIMC_PT_INT:
      snprintf(buf, len, "%.0f .. %.0f", p->min, p->max);
      break;
    case AIMC_PT_ENUM: {
      buf[0] = '\0';
      for (int i = 0; p->choices[i]; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? sep : "", p->choices[i]);
      }
      break;
    }
    case AIMC_PT_BOOL:
      snprintf(buf, len, "true%sfalse", sep);
      break;
    case AIMC_PT_STRING:
      snprintf(buf, len, "text");
      break;
    case AIMC_PT_SEED:
      snprintf(buf, len, "0 .. 2^64-1");
      break;
  }
}

static void describe(FILE *out, const described *d, int markdown) {
  _Alignas(16) char obj[8192];
  aimc_params_defaults(d->params, d->n_params, obj);
  if (markdown)
    fprintf(out, "# `%s` (%s)\n\n%s.\n\nSource: %s\n\n", d->name, d->kind,
            d->summary, d->source);
  else
    fprintf(out, "%s (%s): %s\nsource: %s\n", d->name, d->kind, d->summary,
            d->source);
  if (d->event) {
    const aimc_model *m = d->event;
    /* Sequential models hold a value from one step to the next: every
     * loop of instances must pass one (docs/netlist-format.md). */
    const char *seq = m->sequential ? "sequential (a loop of instances may close through it)"
                                    : "combinational";
    if (markdown)
      fprintf(out,
              "Energy class: `%s`. Timing: %s.\n\n## Ports\n\n| port | direction | signal "
              "| width | description |\n"
              "|---|---|---|---|---|\n",
              aimc_energy_class_name(m->eclass), seq);
    else
      fprintf(out, "energy class: %s\ntiming: %s\nports:\n",
              aimc_energy_class_name(m->eclass), seq);
    for (size_t i = 0; i < m->n_ports; i++) {
      const aimc_port_spec *p = &m->ports[i];
      const char *dir = p->dir == AIMC_PORT_IN ? p->optional ? "in (optional)" : "in"
                        : p->optional                ? "out (optional)"
                                                     : "out";
      /* A port array: name[k], one element per item of its widths list. */
      const char *k = aimc_model_port_is_array(m, (int)i) ? "[k]" : "";
      if (markdown)
        fprintf(out, "| `%s%s` | %s | %s | %s%s | %s |\n", p->name, k, dir,
                aimc_sig_kind_name(p->kind), *k ? "each item of " : "", p->width, p->doc);
      else
        fprintf(out, "  %-6s %-3s %-8s [%s%s]  %s\n", p->name, dir,
                aimc_sig_kind_name(p->kind), p->width, k, p->doc);
    }
  }
  if (markdown)
    fprintf(out,
            "\n## Parameters\n\n| key | type | default | range | description | "
            "source |\n"
            "|---|---|---|---|---|---|\n");
  else
    fprintf(out, "parameters:\n  %-14s %-6s %-12s %-26s %s\n", "key", "type",
            "default", "range", "description [source]");
  for (size_t i = 0; i < d->n_params; i++) {
    const aimc_param *p = &d->params[i];
    char def[AIMC_PARAM_STRLEN + 8], range[160];
    aimc_param_format(p, obj, def, sizeof def);
    if (p->type == AIMC_PT_STRING && !*def) snprintf(def, sizeof def, "\"\"");
    range_text(p, markdown ? " \\| " : " | ", range, sizeof range);
    const char *src = p->source && *p->source ? p->source : "-";
    if (markdown)
      fprintf(out, "| `%s` | %s | %s | %s | %s | %s |\n", p->key, type_name(p),
              def, range, p->doc, src);
    else
      fprintf(out, "  %-14s %-6s %-12s %-26s %s [%s]\n", p->key, type_name(p),
              def, range, p->doc, src);
  }
  if (markdown)
    fprintf(out,
            "\n_Generated by `aimc models --docs` from the parameter table; do "
            "not edit._\n");
}

static int write_doc(aimc_ctx *ctx, const char *dir, const described *d) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.md", dir, d->name);
  aimc_atomic_file *f;
  int rc = aimc_atomic_open(ctx, path, &f);
  if (rc) return rc;
  describe(aimc_atomic_stream(f), d, 1);
  return aimc_atomic_commit(ctx, f);
}

static int write_docs(aimc_ctx *ctx, const char *dir) {
  int rc = aimc_mkdirs(ctx, dir);
  char path[1024];
  snprintf(path, sizeof path, "%s/index.md", dir);
  aimc_atomic_file *f = NULL;
  if (!rc) rc = aimc_atomic_open(ctx, path, &f);
  if (rc) return rc;
  FILE *out = aimc_atomic_stream(f);
  fprintf(
      out,
      "# Models\n\nComponent models (netlist `model:`), generated from their "
      "parameter "
      "tables by `aimc models --docs`.\nValue conventions, device physics and "
      "the "
      "programming figures: [conventions.md](conventions.md), "
      "[programming.md](programming.md); the array against ngspice: "
      "[spice.md](spice.md).\n\n| model | summary |\n|---|---|\n");
  for (size_t i = 0; i < aimc_models_count() && !rc; i++) {
    described d = {0};
    lookup(aimc_models_at(i)->name, &d); /* a registered name: found */
    fprintf(out, "| [`%s`](%s.md) | %s |\n", d.name, d.name, d.summary);
    rc = write_doc(ctx, dir, &d);
  }
  fprintf(out,
          "\nDevice models (crossbar/cell `device:`, device card `model:`; "
          "cards in "
          "`configs/devices/`):\n\n| model | summary |\n|---|---|\n");
  for (size_t i = 0; i < aimc_device_models_count() && !rc; i++) {
    described d = {0};
    lookup(aimc_device_models_at(i)->name, &d); /* registered: found */
    fprintf(out, "| [`%s`](%s.md) | %s |\n", d.name, d.name, d.summary);
    rc = write_doc(ctx, dir, &d);
  }
  fprintf(out, "\n_Generated by `aimc models --docs`; do not edit._\n");
  if (rc) {
    aimc_atomic_abort(ctx, f);
    return rc;
  }
  return aimc_atomic_commit(ctx, f);
}

int aimc_cmd_models(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  const char *name = NULL, *docs = NULL;
  int markdown = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--describe") && i + 1 < argc)
      name = argv[++i];
    else if (!strcmp(argv[i], "--docs") && i + 1 < argc)
      docs = argv[++i];
    else if (!strcmp(argv[i], "--markdown"))
      markdown = 1;
    else
      return aimc_cli_usage(ctx, "models", "unexpected argument '%s'", argv[i]);
  }
  if (docs) return write_docs(ctx, docs);
  if (name) {
    described d;
    if (!lookup(name, &d))
      return aimc_cli_usage(
          ctx, "models", "no model named '%s' (run 'aimc models' for the list)",
          name);
    describe(stdout, &d, markdown);
    return AIMC_OK;
  }
  if (markdown)
    return aimc_cli_usage(ctx, "models", "--markdown needs --describe NAME");
  printf("component models (netlist `model:`):\n");
  for (size_t i = 0; i < aimc_models_count(); i++)
    printf("  %-13s %s\n", aimc_models_at(i)->name, aimc_models_at(i)->summary);
  printf(
      "device models (`device:` of crossbar/cell, `model:` of a device "
      "card):\n");
  for (size_t i = 0; i < aimc_device_models_count(); i++)
    printf("  %-13s %s\n", aimc_device_models_at(i)->name,
           aimc_device_models_at(i)->summary);
  return AIMC_OK;
}
