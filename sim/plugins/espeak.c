/* libespeak-ng for the spoken-digit generator, built as the plugin
 * aimc_espeak.so so that only `aimc data digits` loads it
 * (sim/core/plugin.h). */
#include "sim/plugins/espeak.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <string.h>

/* libespeak-ng's state is process-wide and espeak_Terminate followed by a
 * second espeak_Initialize deadlocks (libespeak-ng 1.51), so it is
 * initialised once per process and never terminated: the one exception to
 * "no mutable globals", forced by the library. */
static pthread_once_t espeak_once = PTHREAD_ONCE_INIT;
static int espeak_rate_Hz;

static void espeak_init_once(void) {
  espeak_rate_Hz = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
                                     espeakINITIALIZE_DONT_EXIT);
}

/* Where espeak's callback hands the samples of one synthesis. */
typedef struct {
  aimc_espeak_sink sink;
  void *user;
} target;

static int collect(short *wav, int n, espeak_EVENT *ev) {
  target *t = ev->user_data;
  if (!wav || n <= 0) return 0;
  return t->sink(t->user, wav, n);
}

static int init(void) {
  pthread_once(&espeak_once, espeak_init_once);
  if (espeak_rate_Hz > 0) espeak_SetSynthCallback(collect);
  return espeak_rate_Hz;
}

static int synth(const char *voice, const char *word, int wpm, int pitch,
                 int range, int amplitude, aimc_espeak_sink sink, void *user) {
  if (espeak_SetVoiceByName(voice) != EE_OK) return ESPEAK_PLUGIN_NO_VOICE;
  espeak_SetParameter(espeakRATE, wpm, 0);
  espeak_SetParameter(espeakPITCH, pitch, 0);
  espeak_SetParameter(espeakRANGE, range, 0);
  espeak_SetParameter(espeakVOLUME, amplitude, 0);
  /* No espeakENDPAUSE: like `espeak-ng -z`, no trailing sentence pause. */
  target t = {sink, user};
  espeak_ERROR e = espeak_Synth(word, strlen(word) + 1, 0, POS_CHARACTER, 0,
                                espeakCHARS_UTF8, NULL, &t);
  return e == EE_OK ? ESPEAK_PLUGIN_OK : ESPEAK_PLUGIN_FAILED;
}

__attribute__((visibility("default")))
const aimc_espeak_plugin aimc_plugin_espeak = {
    .head = {AIMC_PLUGIN_ABI, sizeof(aimc_espeak_plugin)},
    .init = init,
    .synth = synth,
};
