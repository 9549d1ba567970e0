/* The report page: one self-contained HTML file. Figures are embedded as
 * base64 data: URIs of their SVG files (each SVG keeps its own ids, which
 * inline <svg> elements from cairo would clash on), the netlist graph the
 * same way, then the results table with mean +- std over seeds. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "aimc/version.h"
#include "report_impl.h"

void report_put_escaped(FILE *f, const char *s) {
  for (; *s; s++) switch (*s) {
      case '<':
        fputs("&lt;", f);
        break;
      case '>':
        fputs("&gt;", f);
        break;
      case '&':
        fputs("&amp;", f);
        break;
      case '"':
        fputs("&quot;", f);
        break;
      default:
        fputc(*s, f);
    }
}

static void put_base64(FILE *f, const unsigned char *d, size_t n) {
  static const char A[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)d[i] << 16 |
                 (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
                 (i + 2 < n ? d[i + 2] : 0);
    fputc(A[v >> 18 & 63], f);
    fputc(A[v >> 12 & 63], f);
    fputc(i + 1 < n ? A[v >> 6 & 63] : '=', f);
    fputc(i + 2 < n ? A[v & 63] : '=', f);
  }
}

/* <img> with the file inlined as a data: URI. */
static int put_image(aimc_ctx *ctx, FILE *f, const char *path, const char *mime,
                     const char *alt) {
  char *data;
  size_t size;
  int rc = report_read_input(ctx, path, &data, &size);
  if (rc) return rc;
  fprintf(f, "<img alt=\"");
  report_put_escaped(f, alt);
  fprintf(f, "\" src=\"data:%s;base64,", mime);
  put_base64(f, (const unsigned char *)data, size);
  fputs("\">\n", f);
  aimc_free(ctx, data);
  return AIMC_OK;
}

/* A value with its unit and engineering prefix, "-" when missing. */
static void put_value(FILE *f, double v, double sd, int m) {
  char a[32], b[32];
  if (!isfinite(v)) {
    fputs("<td>-</td>", f);
    return;
  }
  const char *u = aimc_sweep_metric_unit(m);
  if (m <= AIMC_SWEEP_M_accuracy_quant) {
    fprintf(f, "<td>%.2f %%", 100 * v);
    if (isfinite(sd) && sd > 0) fprintf(f, " &plusmn; %.2f", 100 * sd);
  } else if (!strcmp(u, "J") || !strcmp(u, "s")) {
    aimc_unit_format(v, !strcmp(u, "J") ? AIMC_U_JOULE : AIMC_U_SECOND, a,
                     sizeof a);
    fprintf(f, "<td>%s", a);
    if (isfinite(sd) && sd > 0 && sd > 1e-9 * fabs(v)) {
      aimc_unit_format(sd, !strcmp(u, "J") ? AIMC_U_JOULE : AIMC_U_SECOND, b,
                       sizeof b);
      fprintf(f, " &plusmn; %s", b);
    }
  } else {
    fprintf(f, "<td>%.4g%s", v, u);
  }
  fputs("</td>", f);
}

static const int TABLE_METRICS[] = {
    AIMC_SWEEP_M_accuracy,       AIMC_SWEEP_M_accuracy_quant,
    AIMC_SWEEP_M_accuracy_float, AIMC_SWEEP_M_energy_J,
    AIMC_SWEEP_M_latency_s,      AIMC_SWEEP_M_throughput_inf_s,
    AIMC_SWEEP_M_n_arrays,       AIMC_SWEEP_M_n_devices,
    AIMC_SWEEP_M_n_dac,          AIMC_SWEEP_M_n_adc,
    AIMC_SWEEP_M_program_time_s, AIMC_SWEEP_M_program_energy_J};
#define N_TABLE_METRICS (sizeof TABLE_METRICS / sizeof TABLE_METRICS[0])

static int column_used(const rtable *t, int m) {
  for (size_t i = 0; i < t->n_points; i++)
    if (isfinite(rtable_mean(t, i, m))) return 1;
  return 0;
}

static void put_table(FILE *f, const rtable *t) {
  fputs("<div class=\"scroll\"><table>\n<tr>", f);
  if (t->is_sweep) fputs("<th>#</th>", f);
  for (size_t k = 0; k < t->n_keys; k++) {
    fputs("<th>", f);
    report_put_escaped(f, t->keys[k]);
    fputs("</th>", f);
  }
  if (t->is_sweep) fputs("<th>seeds</th>", f);
  for (size_t c = 0; c < N_TABLE_METRICS; c++)
    if (column_used(t, TABLE_METRICS[c]))
      fprintf(f, "<th title=\"%s\">%s</th>",
              aimc_sweep_metric_doc(TABLE_METRICS[c]),
              aimc_sweep_metric_name(TABLE_METRICS[c]));
  fputs("</tr>\n", f);
  for (size_t i = 0; i < t->n_points; i++) {
    fputs("<tr>", f);
    if (t->is_sweep) fprintf(f, "<td>%zu</td>", i);
    for (size_t k = 0; k < t->n_keys; k++) {
      fputs("<td>", f);
      report_put_escaped(f, t->values[i * t->n_keys + k]);
      fputs("</td>", f);
    }
    if (t->is_sweep) fprintf(f, "<td>%.0f</td>", t->n_seeds[i]);
    for (size_t c = 0; c < N_TABLE_METRICS; c++)
      if (column_used(t, TABLE_METRICS[c]))
        put_value(f, rtable_mean(t, i, TABLE_METRICS[c]),
                  rtable_std(t, i, TABLE_METRICS[c]), TABLE_METRICS[c]);
    fputs("</tr>\n", f);
  }
  fputs("</table></div>\n", f);
}

/* The headline numbers: the run, or the sweep's most accurate point. */
static void put_summary(FILE *f, const rtable *t) {
  size_t best = 0;
  for (size_t i = 1; i < t->n_points; i++)
    if (rtable_mean(t, i, AIMC_SWEEP_M_accuracy) >
        rtable_mean(t, best, AIMC_SWEEP_M_accuracy))
      best = i;
  if (t->n_points == 0) return;
  fputs("<div class=\"cards\">", f);
  static const int CARDS[] = {
      AIMC_SWEEP_M_accuracy_float, AIMC_SWEEP_M_accuracy_quant,
      AIMC_SWEEP_M_accuracy,       AIMC_SWEEP_M_energy_J,
      AIMC_SWEEP_M_latency_s,      AIMC_SWEEP_M_throughput_inf_s};
  static const char *const NAMES[] = {
      "accuracy (float)",   "accuracy (quantized)", "accuracy (hardware)",
      "energy / inference", "latency / inference",  "throughput"};
  for (size_t c = 0; c < sizeof CARDS / sizeof CARDS[0]; c++) {
    double v = rtable_mean(t, best, CARDS[c]);
    char text[64];
    if (!isfinite(v)) continue;
    if (CARDS[c] <= AIMC_SWEEP_M_accuracy_quant)
      snprintf(text, sizeof text, "%.2f %%", 100 * v);
    else if (CARDS[c] == AIMC_SWEEP_M_throughput_inf_s)
      snprintf(text, sizeof text, "%.4g inf/s", v);
    else
      aimc_unit_format(
          v, CARDS[c] == AIMC_SWEEP_M_energy_J ? AIMC_U_JOULE : AIMC_U_SECOND,
          text, sizeof text);
    fprintf(f,
            "<div class=\"card\"><div class=\"v\">%s</div><div "
            "class=\"k\">%s</div></div>",
            text, NAMES[c]);
  }
  fputs("</div>\n", f);
  if (t->is_sweep) {
    fputs("<p class=\"note\">Headline: the most accurate point (#", f);
    fprintf(f, "%zu", best);
    for (size_t k = 0; k < t->n_keys; k++) {
      fputs(k ? ", " : ": ", f);
      report_put_escaped(f, t->keys[k]);
      fputs(" = ", f);
      report_put_escaped(f, t->values[best * t->n_keys + k]);
    }
    fputs(").</p>\n", f);
  }
}

static const char STYLE[] =
    "body{font-family:system-ui,sans-serif;margin:2em "
    "auto;max-width:1100px;color:#222;"
    "padding:0 1em}h1{margin-bottom:.2em}h2{border-bottom:1px solid "
    "#ddd;padding-bottom:.2em;"
    "margin-top:1.6em}.sub{color:#666}.cards{display:flex;flex-wrap:wrap;gap:."
    "8em;margin:1em 0}"
    ".card{border:1px solid #ccd;border-radius:6px;padding:.6em "
    "1em;min-width:9em;"
    "background:#f7f9fc}.card .v{font-size:1.4em;font-weight:600}.card "
    ".k{color:#555;"
    "font-size:.85em}figure{margin:1em 0}figure img{max-width:100%;border:1px "
    "solid #eee}"
    "figcaption{color:#444;font-size:.9em}.note{color:#666;font-size:.9em}"
    ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85em}"
    "th,td{border:1px solid #ddd;padding:.25em "
    ".5em;text-align:right;white-space:nowrap}"
    "th{background:#f0f3f8}td.name,th.name{text-align:left}"
    ".files a{margin-right:1em}";

int report_html(aimc_ctx *ctx, const rtable *t, const aimc_report_opts *o,
                const report_fig *figs, size_t n_figs) {
  char path[4096];
  snprintf(path, sizeof path, "%s/report.html", o->out_dir);
  aimc_atomic_file *af;
  int rc = aimc_atomic_open(ctx, path, &af);
  if (rc) return rc;
  FILE *f = aimc_atomic_stream(af);
  const char *title = o->title ? o->title : t->name;
  fputs(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
      "charset=\"utf-8\">\n<title>",
      f);
  report_put_escaped(f, title);
  fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>", STYLE);
  report_put_escaped(f, title);
  fprintf(
      f,
      "</h1>\n<p class=\"sub\">aimc report of %s: %zu %s. Generated by aimc %s "
      "(git %s) from <code>",
      t->is_sweep ? "a sweep" : "one run", t->n_points,
      t->is_sweep ? "design points" : "design point", AIMC_VERSION,
      AIMC_GIT_HASH);
  report_put_escaped(f, t->source);
  fputs("</code>.</p>\n", f);
  put_summary(f, t);
  for (size_t i = 0; i < n_figs && !rc; i++) {
    fputs("<h2>", f);
    report_put_escaped(f, figs[i].title);
    fputs("</h2>\n", f);
    if (figs[i].drawn) {
      snprintf(path, sizeof path, "%s/%s.svg", o->out_dir, figs[i].stem);
      fputs("<figure>", f);
      rc = put_image(ctx, f, path, "image/svg+xml", figs[i].title);
      fprintf(f,
              "<figcaption>%s <span class=\"files\">Files: <a "
              "href=\"%s.svg\">SVG</a> "
              "<a href=\"%s.png\">PNG</a></span></figcaption></figure>\n",
              figs[i].caption, figs[i].stem, figs[i].stem);
    } else {
      fprintf(f, "<p class=\"note\">%s</p>\n", figs[i].caption);
    }
    if (!rc && figs[i].after) rc = figs[i].after(ctx, f, t);
  }
  if (!rc) {
    fputs("<h2>Netlist graph</h2>\n", f);
    if (o->graph_svg) {
      fputs("<figure>", f);
      rc = put_image(ctx, f, o->graph_svg, "image/svg+xml", "netlist graph");
      fputs(
          "<figcaption>The netlist of the chosen design (components and the "
          "nets "
          "between them).</figcaption></figure>\n",
          f);
    } else {
      fputs(
          "<p class=\"note\">No graph given (aimc report --graph FILE.svg, "
          "made by "
          "aimc graph).</p>\n",
          f);
    }
  }
  if (!rc) {
    fputs("<h2>Results</h2>\n", f);
    put_table(f, t);
    fputs(
        "<p class=\"note\">Accuracy as mean &plusmn; standard deviation over "
        "seeds "
        "(sample std); energies per inference; programming is one-off. The "
        "full table "
        "with every metric is results.csv / results.json.</p>\n",
        f);
  }
  for (size_t r = 0; !rc && o->runs && o->runs[r]; r++) {
    rtable run;
    rc = rtable_load(ctx, o->runs[r], &run);
    if (rc) break;
    fputs("<h2>Run ", f);
    report_put_escaped(f, run.name);
    fputs("</h2>\n", f);
    put_table(f, &run);
    rtable_fini(ctx, &run);
  }
  fputs("</body></html>\n", f);
  if (rc) {
    aimc_atomic_abort(ctx, af);
    return rc;
  }
  return aimc_atomic_commit(ctx, af);
}
