/* The fingerprint of a corpus (aimc_data_fingerprint, aimc/data.h), which
 * a weight file records (issue #15): its file lists and feature settings
 * and the size of every listed audio file. The digits loader takes it from
 * the sizes its cache key's scan found, so a run stats each audio file
 * once (docs/performance.md, start-up). */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/status.h"
#include "digits_internal.h"

static uint64_t fnv_str(uint64_t h, const char *s) {
  return aimc_fnv1a(h, s,
                    strlen(s) + 1); /* with the NUL: "ab","c" != "a","bc" */
}

/* What the features are: these keys, not dir, cache, length, the split
 * shares or the sample cap. */
static const char *const FEATURE_KEYS[] = {"task",     "classes",   "n_mels",
                                           "window_s", "hop_s",     "f_min_Hz",
                                           "f_max_Hz", "downsample"};

/* The size of dir/audio/<line> for the fingerprint (-1: no such file):
 * from the loader's scan (sizes of fl's files, cursor *j) when the line is
 * the file the loader listed next, else from a stat of its own. A line the
 * loader would list (not blank after trailing '\r' and ' ' are cut)
 * advances the cursor, so the two stay in step over odd lines. */
static int64_t line_size(const char *dir, const char *line,
                         const aimc_file_list *fl, const int64_t *sizes,
                         size_t *j) {
  int64_t size = -2;
  if (fl) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) n--;
    if (n && *j < fl->n) {
      if (!strcmp(line, fl->name[*j]) && !strchr(line, '/')) size = sizes[*j];
      ++*j;
    }
  }
  if (size == -2) {
    char path[2 * AIMC_PARAM_STRLEN];
    struct stat sb;
    snprintf(path, sizeof path, "%s/audio/%s", dir, line);
    size = stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
  }
  return size;
}

int aimc_data_fingerprint_scanned(aimc_ctx *ctx, const aimc_data_spec *spec,
                                  const aimc_file_list *fl,
                                  const int64_t *sizes, uint64_t *fp) {
  uint64_t h = AIMC_FNV_BASIS;
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  for (size_t i = 0; i < sizeof FEATURE_KEYS / sizeof *FEATURE_KEYS; i++) {
    const aimc_param *p = aimc_params_find(t, n, FEATURE_KEYS[i]);
    char v[AIMC_PARAM_STRLEN];
    if (!p) continue;
    h = fnv_str(h, p->key);
    h = fnv_str(h, aimc_param_format(p, spec, v, sizeof v));
  }
  char dir[AIMC_PARAM_STRLEN], path[2 * AIMC_PARAM_STRLEN];
  if (spec->dir[0])
    snprintf(dir, sizeof dir, "%s", spec->dir);
  else
    aimc_data_default_dir(spec, dir, sizeof dir);
  if (spec->task == AIMC_TASK_FMNIST_ROWS ||
      spec->task == AIMC_TASK_FMNIST_PIXELS) {
    static const char *const FILES[] = {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (size_t i = 0; i < 4; i++) {
      struct stat sb;
      snprintf(path, sizeof path, "%s/%s", dir, FILES[i]);
      if (stat(path, &sb) != 0)
        return aimc_error(ctx, AIMC_ENOTFOUND,
                          "data fingerprint: cannot read %s", path);
      int64_t size = (int64_t)sb.st_size;
      h = fnv_str(h, FILES[i]);
      h = aimc_fnv1a(h, &size, sizeof size);
    }
  } else {
    static const char *const LISTS[] = {"train_filenames.txt",
                                        "test_filenames.txt"};
    size_t j = 0; /* the loader's file that comes next */
    for (size_t i = 0; i < 2; i++) {
      char *text;
      size_t len;
      snprintf(path, sizeof path, "%s/%s", dir, LISTS[i]);
      int st = aimc_read_file(ctx, path, &text, &len);
      if (st) return st;
      h = fnv_str(h, LISTS[i]);
      h = aimc_fnv1a(h, text, len);
      /* And the size of each listed audio file: two corpora synthesized
       * with the same layout (same names) but other seeds differ here. */
      for (char *line = text; line && *line;) {
        char *next = strchr(line, '\n');
        if (next) *next++ = '\0';
        size_t n_line = strlen(line);
        if (n_line && line[n_line - 1] == '\r') line[--n_line] = '\0';
        if (n_line) {
          int64_t size = line_size(dir, line, fl, sizes, &j);
          h = aimc_fnv1a(h, &size, sizeof size);
        }
        line = next;
      }
      aimc_free(ctx, text);
    }
  }
  *fp = h ? h : 1;
  return AIMC_OK;
}

int aimc_data_fingerprint(aimc_ctx *ctx, const aimc_data_spec *spec,
                          uint64_t *fp) {
  return aimc_data_fingerprint_scanned(ctx, spec, NULL, NULL, fp);
}
