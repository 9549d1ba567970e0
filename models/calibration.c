/* Reading and writing the converters' per-channel calibration files
 * (aimc/calibration.h). */
#include "aimc/calibration.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/engine.h"
#include "aimc/fileio.h"
#include "aimc/status.h"

/* One comma-separated field of line s from *p: [start, end) with blanks
 * trimmed, *p past its comma (NULL after the last field). */
static void field(char **p, char **start, char **end) {
  char *s = *p;
  while (*s == ' ' || *s == '\t') s++;
  char *comma = strchr(s, ',');
  char *e = comma ? comma : s + strlen(s);
  *p = comma ? comma + 1 : NULL;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
  *start = s;
  *end = e;
}

/* Parses one data line; *chan -1 when the row is another part's. */
static int parse_row(aimc_ctx *ctx, const char *path, int line, char *s, const char *part,
                     int n, int *chan, double *fs, int *bits) {
  static const char *const NAMES[] = {"part", "channel", "range", "bits"};
  char *p = s, *f[4], *e[4];
  for (int i = 0; i < 4; i++) {
    if (!p)
      return aimc_error(ctx, AIMC_ESHAPE, "%s:%d:%d: expected 4 fields (" AIMC_CAL_HEADER
                        "), found %d", path, line, (int)strlen(s) + 1, i);
    field(&p, &f[i], &e[i]);
  }
  if (p)
    return aimc_error(ctx, AIMC_ESHAPE, "%s:%d:%d: more than 4 fields (" AIMC_CAL_HEADER ")",
                      path, line, (int)(p - s));
  *chan = -1;
  *e[0] = '\0';
  if (strcmp(f[0], part) != 0) return AIMC_OK;
  char *end;
  errno = 0;
  long c = strtol(f[1], &end, 10);
  if (end != e[1] || end == f[1] || errno || c < 0 || c >= n)
    return aimc_error(ctx, AIMC_EFORMAT, "%s:%d:%d: %s is not a channel in 0..%d of %s", path,
                      line, (int)(f[1] - s) + 1, NAMES[1], n - 1, part);
  errno = 0;
  double r = strtod(f[2], &end);
  if (end != e[2] || end == f[2] || errno || !isfinite(r) || r <= 0)
    return aimc_error(ctx, AIMC_EFORMAT, "%s:%d:%d: %s is not a full scale > 0", path, line,
                      (int)(f[2] - s) + 1, NAMES[2]);
  long b = strtol(f[3], &end, 10);
  if (end != e[3] || end == f[3] || b < 0 || b > AIMC_CAL_BITS_MAX)
    return aimc_error(ctx, AIMC_EFORMAT, "%s:%d:%d: %s is not a resolution in 0..%d", path,
                      line, (int)(f[3] - s) + 1, NAMES[3], (int)AIMC_CAL_BITS_MAX);
  *chan = (int)c;
  *fs = r;
  *bits = (int)b;
  return AIMC_OK;
}

int aimc_cal_read(aimc_ctx *ctx, const char *path, const char *part, int n, double *fs,
                  int *bits) {
  char *text = NULL;
  int st = aimc_read_text(ctx, path, "calibration file", &text, NULL);
  if (st) return st;
  int *line_of = aimc_calloc(ctx, (size_t)n + 1, sizeof(int)); /* 0: not given yet */
  if (!line_of) st = AIMC_ENOMEM;
  int line = 0, header = 0;
  char *cursor = text, *s, *p;
  while (!st && (p = aimc_text_line(&cursor, &line, &s))) {
    if (!header) {
      st = aimc_text_header(ctx, path, line, p, AIMC_CAL_HEADER);
      header = 1;
      continue;
    }
    int c = -1, b = 0;
    double r = 0;
    st = parse_row(ctx, path, line, s, part, n, &c, &r, &b);
    if (st || c < 0) continue;
    if (line_of[c])
      st = aimc_error(ctx, AIMC_ESHAPE, "%s:%d:1: %s channel %d again (first on line %d)",
                      path, line, part, c, line_of[c]);
    line_of[c] = line;
    fs[c] = r;
    bits[c] = b;
  }
  for (int c = 0; c < n && !st; c++)
    if (!line_of[c])
      st = aimc_error(ctx, AIMC_ESHAPE, "%s: no row for %s channel %d (every one of its %d "
                      "channels needs one)", path, part, c, n);
  aimc_free(ctx, line_of);
  aimc_free(ctx, text);
  return st;
}

void aimc_cal_write_header(FILE *o) { fputs(AIMC_CAL_HEADER "\n", o); }

void aimc_cal_write(FILE *o, const char *part, int n, const double *fs, const int *bits) {
  for (int c = 0; c < n; c++) fprintf(o, "%s,%d,%.17g,%d\n", part, c, fs[c], bits[c]);
}

void aimc_cal_apply_range(double range, int n, double *fs) {
  for (int c = 0; range > 0 && c < n; c++) fs[c] = range;
}

int aimc_cal_check_range(double range, const char *cal, char *err, size_t errlen) {
  if (range > 0 || cal[0]) return AIMC_OK;
  snprintf(err, errlen, "range: 0 takes each channel's full scale from cal, which is empty");
  return AIMC_ERANGE;
}

int aimc_cal_check_file(aimc_ctx *ctx, const char *source, const char *cal, const char *part,
                        int n) {
  if (!*cal) return AIMC_OK;
  char path[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(source, cal, path, sizeof path);
  double *f = aimc_malloc(ctx, sizeof(double) * ((size_t)n + 1));
  int *b = aimc_malloc(ctx, sizeof(int) * ((size_t)n + 1));
  int st = f && b ? aimc_cal_read(ctx, path, part, n, f, b) : AIMC_ENOMEM;
  aimc_free(ctx, f);
  aimc_free(ctx, b);
  return st;
}

int aimc_cal_load_inst(aimc_inst *inst, const char *cal, const char *part, int n,
                       double range, double **fs, int **bits) {
  *fs = NULL;
  if (bits) *bits = NULL;
  if (!*cal) return AIMC_OK;
  char path[2 * AIMC_PARAM_STRLEN];
  aimc_path_beside(aimc_inst_source(inst), cal, path, sizeof path);
  double *f = aimc_inst_alloc(inst, sizeof(double) * (size_t)n);
  int *b = aimc_inst_alloc(inst, sizeof(int) * (size_t)n);
  if (!f || !b) return AIMC_ENOMEM;
  int st = aimc_cal_read(aimc_inst_ctx(inst), path, part, n, f, b);
  if (st) return st;
  aimc_cal_apply_range(range, n, f);
  *fs = f;
  if (bits) *bits = b;
  return AIMC_OK;
}
