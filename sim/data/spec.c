/* The data spec as a parameter table (so a trainer config's `data:` section
 * binds through the generic binder), its one-line text form and the
 * default data locations. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimc/data.h"
#include "aimc/status.h"

static const char *const TASKS[] = {"digits20",    "zero_one",      "classes",
                                    "fmnist_rows", "fmnist_pixels", NULL};

#define F(field) offsetof(aimc_data_spec, field)
static const aimc_param DATA_PARAMS[] = {
    {"task", AIMC_PT_ENUM, F(task), AIMC_TASK_ZERO_ONE, 0, 0, AIMC_U_NONE,
     "Which task: digits20, zero_one (English zero vs one), classes, "
     "fmnist_rows or fmnist_pixels.",
     "issue #6; IMSSA for zero_one", TASKS, NULL},
    {"dir", AIMC_PT_STRING, F(dir), 0, 0, 0, AIMC_U_NONE,
     "Data directory; empty means $AIMC_DATA/digits or data/digits "
     "(digits) and /usr/share/datasets/fashion-mnist (Fashion-MNIST).",
     NULL, NULL, ""},
    {"classes", AIMC_PT_STRING, F(classes), 0, 0, 0, AIMC_U_NONE,
     "For task=classes: comma-separated class names (zero..nine, "
     "null..neun) or HD labels 0-19.",
     NULL, NULL, ""},
    {"n_mels", AIMC_PT_INT, F(n_mels), 32, 1, 256, AIMC_U_NONE,
     "Mel bands of the log-mel features.", "issue #6 (32 bands)", NULL, NULL},
    {"window_s", AIMC_PT_REAL, F(window_s), 0.025, 1e-3, 1.0, AIMC_U_SECOND,
     "Analysis window (Hann) length.", "issue #6 (25 ms)", NULL, NULL},
    {"hop_s", AIMC_PT_REAL, F(hop_s), 0.010, 1e-4, 1.0, AIMC_U_SECOND,
     "Hop between frames.", "issue #6 (10 ms)", NULL, NULL},
    {"f_min_Hz", AIMC_PT_REAL, F(f_min_Hz), 20.0, 0.0, 1e5, AIMC_U_HERTZ,
     "Lowest filterbank frequency.", "common speech front-end choice", NULL,
     NULL},
    {"f_max_Hz", AIMC_PT_REAL, F(f_max_Hz), 8000.0, 100.0, 1e5, AIMC_U_HERTZ,
     "Highest filterbank frequency (capped at half the sample rate).",
     "below the Nyquist rate of espeak-ng's 22.05 kHz and HD's 48 kHz", NULL,
     NULL},
    {"downsample", AIMC_PT_INT, F(downsample), 1, 1, 100, AIMC_U_NONE,
     "Average every k frames into one (shorter sequences).",
     "IMSSA downsamples HD", NULL, NULL},
    {"length", AIMC_PT_INT, F(length), 0, 0, 100000, AIMC_U_NONE,
     "Steps per digit sample (crop/zero-pad); 0 = the longest utterance.", NULL,
     NULL, NULL},
    {"val_fraction", AIMC_PT_REAL, F(val_fraction), 0.1, 0.0, 0.9, AIMC_U_NONE,
     "Share of the training files held out for validation (of the "
     "training speakers when val_speakers is -1).",
     NULL, NULL, NULL},
    {"val_speakers", AIMC_PT_INT, F(val_speakers), -1, -1, 1e6, AIMC_U_NONE,
     "Digit tasks: hold out whole training speakers for validation: -1 = "
     "max(1, round(val_fraction x speakers)), N = N speakers, 0 = random "
     "files instead (speakers shared with train). Fashion-MNIST: -1/0.",
     "issue #15 (speaker-disjoint validation)", NULL, NULL},
    {"max_per_split", AIMC_PT_INT, F(max_per_split), 0, 0, 1e9, AIMC_U_NONE,
     "Keep at most this many samples per split (seeded pick); 0 = all.", NULL,
     NULL, NULL},
    {"seed", AIMC_PT_INT, F(seed), 0, 0, 2147483647, AIMC_U_NONE,
     "Seed of the splits' draws (the validation pick and max_per_split); 0 = the "
     "run's seed (--seed). Pinned, chips (aimc run --seed) are compared on the same "
     "samples, as a sweep compares them.", "aimc sweep (data drawn with the spec's seed)",
     NULL, NULL},
    {"cache", AIMC_PT_BOOL, F(cache), 1, 0, 1, AIMC_U_NONE,
     "Read and write the feature cache in the data directory.", NULL, NULL,
     NULL},
};
#undef F

const aimc_param *aimc_data_params(size_t *n) {
  *n = AIMC_NPARAMS(DATA_PARAMS);
  return DATA_PARAMS;
}

char *aimc_data_default_dir(const aimc_data_spec *spec, char *buf, size_t len) {
  if (spec->dir[0]) {
    snprintf(buf, len, "%s", spec->dir);
  } else if (spec->task == AIMC_TASK_FMNIST_ROWS ||
             spec->task == AIMC_TASK_FMNIST_PIXELS) {
    snprintf(buf, len, "/usr/share/datasets/fashion-mnist");
  } else {
    const char *root = getenv("AIMC_DATA");
    if (root && *root)
      snprintf(buf, len, "%s/digits", root);
    else
      snprintf(buf, len, "data/digits");
  }
  return buf;
}

/* Sets one key through the binder, its message prefixed with `what`. */
static int set_key(aimc_ctx *ctx, const char *what, const aimc_param *p,
                   aimc_data_spec *spec, const char *value) {
  char err[256];
  int rc = aimc_param_set(p, spec, value, err, sizeof err);
  return rc ? aimc_error(ctx, rc, "%s: %s", what, err) : AIMC_OK;
}

int aimc_data_spec_parse(aimc_ctx *ctx, const char *what, const char *text,
                         aimc_data_spec *spec) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  char buf[AIMC_DATA_SPEC_TEXT_LEN];
  if (strlen(text) >= sizeof buf)
    return aimc_error(ctx, AIMC_EINVAL, "%s: data spec longer than %zu characters",
                      what, sizeof buf - 1);
  snprintf(buf, sizeof buf, "%s", text);
  const aimc_param *last = NULL; /* the string key a bare piece continues */
  char *save = NULL;
  int rc = AIMC_OK, first = 1;
  for (char *tok = strtok_r(buf, ",", &save); tok && !rc;
       tok = strtok_r(NULL, ",", &save), first = 0) {
    char *eq = strchr(tok, '=');
    if (!eq && last) { /* "classes=zero,one": the ",one" belongs to classes */
      char joined[2 * AIMC_PARAM_STRLEN];
      snprintf(joined, sizeof joined, "%s,%s", (const char *)spec + last->offset,
               tok);
      rc = set_key(ctx, what, last, spec, joined);
      continue;
    }
    if (!eq && !first)
      return aimc_error(ctx, AIMC_EINVAL, "%s: '%s' is not KEY=VALUE", what,
                        tok);
    const char *key = eq ? tok : "task", *val = eq ? eq + 1 : tok;
    if (eq) *eq = '\0';
    else /* a leading task starts a whole spec */
      aimc_params_defaults(t, n, spec);
    const aimc_param *p = aimc_params_find(t, n, key);
    if (!p)
      return aimc_error(ctx, AIMC_EINVAL, "%s: the data spec has no key '%s'",
                        what, key);
    rc = set_key(ctx, what, p, spec, val);
    last = p->type == AIMC_PT_STRING ? p : NULL;
  }
  return rc;
}

char *aimc_data_spec_format(const aimc_data_spec *spec, char *buf,
                            size_t len) {
  size_t n, used = 0;
  const aimc_param *t = aimc_data_params(&n);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    const aimc_param *p = &t[i];
    const char *field = (const char *)spec + p->offset;
    char val[AIMC_PARAM_STRLEN];
    if (!strcmp(p->key, "dir") || !strcmp(p->key, "cache")) continue;
    if (p->type == AIMC_PT_REAL) {
      /* 15 digits if the parser reads them back exactly, else 17. */
      double v = *(const double *)field, back = 0;
      char err[8];
      snprintf(val, sizeof val, "%.15g", v);
      if (aimc_unit_parse(val, p->unit, &back, err, sizeof err) || back != v)
        snprintf(val, sizeof val, "%.17g", v);
    } else {
      aimc_param_format(p, spec, val, sizeof val);
    }
    if (p->type == AIMC_PT_STRING && !val[0]) continue;
    if (!strcmp(p->key, "seed") && spec->seed == 0) continue; /* the run's: as before */
    /* The task is the table's first row and needs no key. */
    int k = !strcmp(p->key, "task")
                ? snprintf(buf + used, len - used, "%s", val)
                : snprintf(buf + used, len - used, ",%s=%s", p->key, val);
    if (k < 0 || (size_t)k >= len - used) { /* no room: drop the piece */
      buf[used] = '\0';
      break;
    }
    used += (size_t)k;
  }
  return buf;
}
