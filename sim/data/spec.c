/* The data spec as a parameter table (so a trainer config's `data:` section
 * binds through the generic binder) and the default data locations. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "aimc/data.h"

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
     "Share of the training files held out for validation.", NULL, NULL, NULL},
    {"max_per_split", AIMC_PT_INT, F(max_per_split), 0, 0, 1e9, AIMC_U_NONE,
     "Keep at most this many samples per split (seeded pick); 0 = all.", NULL,
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
