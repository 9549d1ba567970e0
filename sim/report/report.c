/* aimc_report_write: results in, report.html and fig_*.svg/png out. The
 * output folder is one unit (aimc/fileio.h): every file is written into a
 * temporary folder that replaces the earlier report in one rename, so a
 * kill or a failure leaves the complete old report, never a new page
 * beside old figures. */
#include <string.h>

#include "aimc/fileio.h"
#include "aimc/status.h"
#include "report_impl.h"

int aimc_report_write(aimc_ctx *ctx, const char *results,
                      const aimc_report_opts *opts) {
  if (!opts || !opts->out_dir)
    return aimc_error(ctx, AIMC_EINVAL, "report: no output directory");
  rtable t;
  int rc = rtable_load(ctx, results, &t);
  if (rc) return rc;
  report_fig figs[REPORT_MAX_FIGS];
  size_t n_figs = 0;
  if (opts->train_csv) rc = rtable_add_train_csv(ctx, &t, opts->train_csv);
  /* Every input is checked before the output folder is made: a rejected
   * report writes nothing. */
  for (size_t r = 0; !rc && opts->runs && opts->runs[r]; r++) {
    rtable run;
    rc = rtable_load(ctx, opts->runs[r], &run);
    if (!rc) rtable_fini(ctx, &run);
  }
  if (!rc && opts->graph_svg) {
    char *svg = NULL;
    rc = report_read_input(ctx, opts->graph_svg, &svg, NULL);
    aimc_free(ctx, svg);
  }
  /* Reports written before the marker existed may be replaced. */
  static const char *const LEGACY[] = {"report.html", "fig_*.svg", "fig_*.png",
                                       NULL};
  aimc_outdir *od = NULL;
  if (!rc) rc = aimc_outdir_begin(ctx, opts->out_dir, "aimc report", LEGACY, &od);
  aimc_report_opts o = *opts;
  if (od) o.out_dir = aimc_outdir_path(od);
  if (!rc) rc = report_figures(ctx, &t, &o, figs, &n_figs);
  if (!rc) rc = report_html(ctx, &t, &o, figs, n_figs);
  if (!rc)
    rc = aimc_outdir_commit(ctx, od, NULL);
  else
    aimc_outdir_abort(ctx, od);
  rtable_fini(ctx, &t);
  return rc;
}
