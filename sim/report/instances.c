/* Energy per netlist instance in a single run's report: aimc.run/1's
 * energy_J.per_instance read with the class each name implies, drawn as
 * one bar per tile stacked by class, and the most costly instances
 * tabulated with their share of the total. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/map.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "report_impl.h"

/* The class of an instance from its name, as `aimc run` names them
 * (docs/energy-latency.md): "<tile>.<part>" a tile's part, a plain
 * "<tile>" its static power, a periphery instance ("l0_gelu", "decoder",
 * aimc_map_is_periph_name; "periphery" in results of older runs) the
 * digital work, "buffer" the buffers. results.json keeps the names only
 * (energy.csv has both). */
static aimc_energy_class class_of(const char *name) {
  const char *dot = strrchr(name, '.');
  if (dot) {
    for (int p = 0; p < AIMC_TILE_PARTS; p++)
      if (!strcmp(dot + 1, aimc_tile_part_name((aimc_tile_part)p)))
        return aimc_tile_part_model((aimc_tile_part)p)->eclass;
    return AIMC_EC_OTHER;
  }
  if (!strcmp(name, "periphery") || aimc_map_is_periph_name(name)) return AIMC_EC_DIGITAL;
  if (!strcmp(name, "buffer")) return AIMC_EC_BUFFER;
  return AIMC_EC_STATIC;
}

int report_instances_load(aimc_ctx *ctx, const cJSON *per, rtable *t) {
  if (!per) return AIMC_OK;
  if (!cJSON_IsObject(per))
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: energy_J.per_instance is not an object", t->source);
  size_t n = (size_t)cJSON_GetArraySize(per);
  if (!n) return AIMC_OK;
  if (!(t->inst = aimc_calloc(ctx, n, sizeof *t->inst)))
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  const cJSON *v;
  cJSON_ArrayForEach(v, per) {
    if (!cJSON_IsNumber(v))
      return aimc_error(ctx, AIMC_EFORMAT,
                        "%s: energy_J.per_instance \"%s\" is not a number",
                        t->source, v->string);
    report_inst *r = &t->inst[t->n_inst];
    if (!(r->name = aimc_strdup(ctx, v->string)))
      return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    t->n_inst++;
    r->eclass = class_of(r->name);
    r->e_J = v->valuedouble;
  }
  return AIMC_OK;
}

/* Indices ordered by energy, largest first; ties keep the file's order so
 * the report is the same on every machine. */
typedef struct {
  double e_J;
  size_t i;
} ranked;

static int by_energy(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->e_J != y->e_J) return x->e_J > y->e_J ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

static double total_J(const rtable *t) {
  double sum = 0;
  for (size_t i = 0; i < t->n_inst; i++) sum += t->inst[i].e_J;
  return sum;
}

/* Layers of the figure: the classes up to static in aimc_energy_class
 * order (the colours of fig_energy), then anything else. */
enum { N_LAYERS = AIMC_EC_STATIC + 2 };

static int layer_of(aimc_energy_class c) {
  return c <= AIMC_EC_STATIC ? (int)c : N_LAYERS - 1;
}

/* A bar: a tile (instances "<tile>" and "<tile>.<part>", label the first
 * `len` characters of instance `first`), the digital periphery's
 * instances together (label "periphery") or a lone instance such as the
 * buffers. */
typedef struct {
  size_t first, len;
  int single;
  const char *label; /* NULL: from the name */
  double e_J[N_LAYERS];
} bar;

static const char PERIPHERY[] = "periphery";

static size_t group_bars(const rtable *t, bar *bars) {
  size_t n = 0;
  for (size_t i = 0; i < t->n_inst; i++) {
    const char *name = t->inst[i].name, *dot = strrchr(name, '.');
    int single = !dot && t->inst[i].eclass != AIMC_EC_STATIC;
    const char *label = !dot && aimc_map_is_periph_name(name) ? PERIPHERY : NULL;
    size_t len = dot ? (size_t)(dot - name) : strlen(name), b = n;
    /* From the last bar back: a tile's instances are usually together. */
    for (size_t k = n; k-- > 0;)
      if (label ? bars[k].label == label
                : !single && !bars[k].single && bars[k].len == len &&
                      !strncmp(t->inst[bars[k].first].name, name, len)) {
        b = k;
        break;
      }
    if (b == n) bars[n++] = (bar){.first = i, .len = len, .single = single, .label = label};
    bars[b].e_J[layer_of(t->inst[i].eclass)] += t->inst[i].e_J;
  }
  return n;
}

static double bar_J(const bar *b) {
  double sum = 0;
  for (int l = 0; l < N_LAYERS; l++) sum += b->e_J[l];
  return sum;
}

/* Into `shown`: the `keep` most costly tiles of bars[0..n) in their
 * order, the other tiles summed into one bar, then the lone instances.
 * Sets *n_shown and *n_merged, the tiles summed. */
static int select_bars(aimc_ctx *ctx, const bar *bars, size_t n, size_t keep,
                       bar *shown, size_t *n_shown, size_t *n_merged) {
  ranked *r = aimc_calloc(ctx, n ? n : 1, sizeof *r);
  char *kept = aimc_calloc(ctx, n ? n : 1, 1);
  if (!r || !kept) {
    aimc_free(ctx, r);
    aimc_free(ctx, kept);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  }
  /* Lone instances rank below every tile, so the first `keep` are tiles. */
  for (size_t b = 0; b < n; b++)
    r[b] = (ranked){bars[b].single ? -INFINITY : bar_J(&bars[b]), b};
  qsort(r, n, sizeof *r, by_energy);
  for (size_t k = 0; k < keep && k < n; k++) kept[r[k].i] = 1;
  bar other = {.single = 1};
  size_t out = 0;
  *n_merged = 0;
  for (size_t b = 0; b < n; b++)
    if (kept[b]) {
      shown[out++] = bars[b];
    } else if (!bars[b].single) {
      for (int l = 0; l < N_LAYERS; l++) other.e_J[l] += bars[b].e_J[l];
      (*n_merged)++;
    }
  if (*n_merged) shown[out++] = other;
  for (size_t b = 0; b < n; b++)
    if (bars[b].single) shown[out++] = bars[b];
  *n_shown = out;
  aimc_free(ctx, r);
  aimc_free(ctx, kept);
  return AIMC_OK;
}

/* The top instances, the rest in one row, and the total: shares of the
 * sum of all instances, so the rows add up to 100 %. */
static int put_table(aimc_ctx *ctx, FILE *f, const rtable *t) {
  ranked *r = aimc_calloc(ctx, t->n_inst ? t->n_inst : 1, sizeof *r);
  if (!r) return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  for (size_t i = 0; i < t->n_inst; i++) r[i] = (ranked){t->inst[i].e_J, i};
  qsort(r, t->n_inst, sizeof *r, by_energy);
  double sum = total_J(t), rest = 0;
  size_t top = t->n_inst < REPORT_TOP_INSTANCES ? t->n_inst
                                                : REPORT_TOP_INSTANCES;
  char e[32];
  fputs("<div class=\"scroll\"><table class=\"instances\">\n<tr><th>#</th>"
        "<th>instance</th><th>class</th><th>energy / inference</th>"
        "<th>share</th></tr>\n", f);
  for (size_t k = 0; k < t->n_inst; k++) {
    const report_inst *in = &t->inst[r[k].i];
    if (k >= top) {
      rest += in->e_J;
      continue;
    }
    fprintf(f, "<tr><td>%zu</td><td class=\"name\">", k + 1);
    report_put_escaped(f, in->name);
    fprintf(f, "</td><td>%s</td><td>%s</td><td class=\"share\">%.2f %%</td></tr>\n",
            aimc_energy_class_name(in->eclass),
            aimc_unit_format(in->e_J, AIMC_U_JOULE, e, sizeof e),
            sum != 0 ? 100 * in->e_J / sum : 0.0);
  }
  if (t->n_inst > top)
    fprintf(f, "<tr><td></td><td class=\"name\">the other %zu instances"
            "</td><td></td><td>%s</td><td class=\"share\">%.2f %%</td></tr>\n",
            t->n_inst - top, aimc_unit_format(rest, AIMC_U_JOULE, e, sizeof e),
            sum != 0 ? 100 * rest / sum : 0.0);
  fprintf(f, "<tr><th></th><th class=\"name\">all %zu instances</th>"
          "<th></th><th>%s</th><th>100 %%</th></tr>\n</table></div>\n",
          t->n_inst, aimc_unit_format(sum, AIMC_U_JOULE, e, sizeof e));
  aimc_free(ctx, r);
  return AIMC_OK;
}

/* Bar labels and stacked values (scaled to the figure's unit) of the
 * classes present, then the figure. */
static int draw(aimc_ctx *ctx, const aimc_report_opts *o, report_fig *f,
                const rtable *t, const bar *shown, size_t n, size_t n_merged) {
  char(*labels)[64] = aimc_calloc(ctx, n, sizeof *labels);
  const char **label_ptrs = aimc_calloc(ctx, n, sizeof *label_ptrs);
  double *values = aimc_calloc(ctx, N_LAYERS * n, sizeof *values);
  int rc = labels && label_ptrs && values
               ? AIMC_OK
               : aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  double peak = 0;
  for (size_t b = 0; b < n; b++) {
    double e = bar_J(&shown[b]);
    if (e > peak) peak = e;
  }
  char unit[16], ylabel[64];
  double scale = report_scale(peak, "J", unit, sizeof unit);
  snprintf(ylabel, sizeof ylabel, "energy per inference (%s)", unit);
  const char *layer_labels[N_LAYERS];
  size_t n_layers = 0;
  for (int l = 0; !rc && l < N_LAYERS; l++) {
    int any = 0;
    for (size_t b = 0; b < n; b++) {
      values[n_layers * n + b] = shown[b].e_J[l] * scale;
      any |= shown[b].e_J[l] != 0;
    }
    if (any) layer_labels[n_layers++] = report_class_label((aimc_energy_class)l);
  }
  for (size_t b = 0; !rc && b < n; b++) {
    if (shown[b].label)
      snprintf(labels[b], sizeof labels[b], "%s", shown[b].label);
    else if (shown[b].len)
      snprintf(labels[b], sizeof labels[b], "%.*s", (int)shown[b].len,
               t->inst[shown[b].first].name);
    else
      snprintf(labels[b], sizeof labels[b], "other %zu tiles", n_merged);
    label_ptrs[b] = labels[b];
  }
  plot_figure pf = {.title = f->title,
                    .xlabel = "tile",
                    .ylabel = ylabel,
                    .n_bars = n,
                    .n_layers = n_layers,
                    .bar_labels = label_ptrs,
                    .layer_labels = layer_labels,
                    .values = values};
  if (!rc) rc = report_fig_write(ctx, o, f, &pf);
  aimc_free(ctx, labels);
  aimc_free(ctx, (void *)label_ptrs);
  aimc_free(ctx, values);
  return rc;
}

int report_instances_figure(aimc_ctx *ctx, const rtable *t,
                            const aimc_report_opts *o, report_fig *f) {
  report_fig_init(f, "fig_instances", "Energy per instance");
  f->after = put_table;
  bar *bars = aimc_calloc(ctx, 2 * t->n_inst + 1, sizeof *bars);
  if (!bars) return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  bar *shown = bars + t->n_inst;
  size_t n = group_bars(t, bars), n_tiles = 0, n_shown = 0, n_merged = 0;
  for (size_t b = 0; b < n; b++) n_tiles += !bars[b].single;
  size_t n_single = n - n_tiles;
  /* Over the cap, one bar goes to the tiles summed. */
  size_t keep = n <= REPORT_MAX_INST_BARS ? n_tiles
                : REPORT_MAX_INST_BARS > n_single + 1
                    ? REPORT_MAX_INST_BARS - n_single - 1
                    : 0;
  int rc = select_bars(ctx, bars, n, keep, shown, &n_shown, &n_merged);
  if (!rc) rc = draw(ctx, o, f, t, shown, n_shown, n_merged);
  char sum[32], total[64] = "";
  aimc_unit_format(total_J(t), AIMC_U_JOULE, sum, sizeof sum);
  /* A file whose instances miss part of the total says so. */
  double e_total = rtable_mean(t, 0, AIMC_SWEEP_M_energy_J);
  if (isfinite(e_total) && fabs(total_J(t) - e_total) > 1e-6 * fabs(e_total)) {
    char e[32];
    snprintf(total, sizeof total, " (the run's total is %s)",
             aimc_unit_format(e_total, AIMC_U_JOULE, e, sizeof e));
  }
  size_t len = (size_t)snprintf(
      f->caption, sizeof f->caption,
      "Energy of one inference per netlist instance (results.json "
      "energy_J.per_instance): one bar per tile stacked by class (its DAC, "
      "array, TIA, ADC, the hold register, and its static power), then the "
      "digital periphery's instances in one bar and the buffers. The %zu instances add up to "
      "%s%s.",
      t->n_inst, sum, total);
  if (n_merged && len < sizeof f->caption)
    snprintf(f->caption + len, sizeof f->caption - len,
             " The %zu most costly of %zu tiles are drawn; the other %zu are "
             "summed in one bar.",
             n_tiles - n_merged, n_tiles, n_merged);
  aimc_free(ctx, bars);
  return rc;
}
