/* The espeak-ng plugin's table (aimc_espeak.so, built from espeak.c;
 * loaded by sim/data/digits_gen.c). */
#ifndef AIMC_PLUGINS_ESPEAK_H
#define AIMC_PLUGINS_ESPEAK_H

#include "sim/core/plugin.h"

/* Receives n samples of a synthesis; non-zero aborts it. */
typedef int (*aimc_espeak_sink)(void *user, const short *wav, int n);

/* What synth returns. */
enum { ESPEAK_PLUGIN_OK = 0, ESPEAK_PLUGIN_NO_VOICE, ESPEAK_PLUGIN_FAILED };

typedef struct {
  aimc_plugin_head head;
  /* Initialises libespeak-ng once per process (it cannot be initialised
   * twice); the sample rate in Hz, or <= 0 when it cannot start. */
  int (*init)(void);
  /* Speaks word (UTF-8) with voice at the espeak-ng parameters given,
   * handing the samples to sink. An ESPEAK_PLUGIN_* code. */
  int (*synth)(const char *voice, const char *word, int wpm, int pitch,
               int range, int amplitude, aimc_espeak_sink sink, void *user);
} aimc_espeak_plugin;

#endif
