/* The identity of the data a model was trained on (issue #15): a
 * fingerprint of the corpus (file lists and feature settings), recorded in
 * the weight file with the directory and the sequence length, and the
 * check `aimc run` / `aimc sweep` make against the data they load, so
 * that a model is never silently evaluated on another corpus or at
 * another length. The fingerprint reads the two file lists and stats each
 * listed audio file (sizes, not contents: a few ms for thousands of
 * files). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/fileio.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"

static uint64_t fnv_str(uint64_t h, const char *s) {
  return aimc_fnv1a(h, s, strlen(s) + 1); /* with the NUL: "ab","c" != "a","bc" */
}

/* What the features are: these keys, not dir, cache, length, the split
 * shares or the sample cap. */
static const char *const FEATURE_KEYS[] = {"task",     "classes",   "n_mels",
                                           "window_s", "hop_s",     "f_min_Hz",
                                           "f_max_Hz", "downsample"};

int aimc_data_fingerprint(aimc_ctx *ctx, const aimc_data_spec *spec,
                          uint64_t *fp) {
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
          struct stat sb;
          snprintf(path, sizeof path, "%s/audio/%s", dir, line);
          int64_t size = stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
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

int aimc_s4d_model_set_data(aimc_ctx *ctx, aimc_s4d_model *mdl,
                            const aimc_data_spec *spec, size_t length) {
  /* The spec as the config gave it (length 0 = the corpus's longest file
   * stays 0: --data edits compare against it); the length actually
   * trained at is data_length, which runs are checked against. */
  aimc_data_spec_format(spec, mdl->data_spec, sizeof mdl->data_spec);
  snprintf(mdl->data_dir, sizeof mdl->data_dir, "%s", spec->dir);
  mdl->data_length = (int)length;
  return aimc_data_fingerprint(ctx, spec, &mdl->data_fingerprint);
}

int aimc_s4d_model_check_data(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                              const char *model, const aimc_data_spec *spec,
                              size_t length, int strict) {
  if (!mdl->data_fingerprint) {
    const char *msg =
        "records no corpus fingerprint or sequence length (weight format < "
        "3): the data cannot be checked; retrain to record them";
    if (strict)
      return aimc_error(ctx, AIMC_EINVAL, "--strict-data: %s %s", model, msg);
    aimc_log(ctx, AIMC_LOG_INFO, "%s %s", model, msg);
    return AIMC_OK;
  }
  uint64_t fp;
  int st = aimc_data_fingerprint(ctx, spec, &fp);
  if (st) return st;
  char diff[2 * AIMC_PARAM_STRLEN + 256] = "";
  char here[AIMC_PARAM_STRLEN], there[AIMC_PARAM_STRLEN];
  if (fp != mdl->data_fingerprint) {
    if (spec->dir[0])
      snprintf(here, sizeof here, "%s", spec->dir);
    else
      aimc_data_default_dir(spec, here, sizeof here);
    snprintf(there, sizeof there, "%s",
             mdl->data_dir[0] ? mdl->data_dir : "the default data directory");
    snprintf(diff, sizeof diff,
             "corpus %s (fingerprint %016" PRIx64
             ") but trained on %s (fingerprint %016" PRIx64
             "; the fingerprints cover the file lists and feature settings)",
             here, fp, there, mdl->data_fingerprint);
  }
  if (mdl->data_length && (size_t)mdl->data_length != length) {
    size_t used = strlen(diff);
    snprintf(diff + used, sizeof diff - used,
             "%ssequence length %zu but trained at %d", used ? "; " : "",
             length, mdl->data_length);
  }
  if (!diff[0]) return AIMC_OK;
  if (strict)
    return aimc_error(ctx, AIMC_EINVAL,
                      "--strict-data: the data differ from those %s was "
                      "trained on: %s",
                      model, diff);
  aimc_log(ctx, AIMC_LOG_WARN,
           "the data differ from those %s was trained on: %s (--strict-data "
           "makes this an error)",
           model, diff);
  return AIMC_OK;
}
