/* Reading audio through libsndfile (WAV, FLAC, ...) as mono floats in
 * [-1, 1], with errors that name the file. */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <sndfile.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/status.h"
#include "data_internal.h"

#define AUDIO_MAX_SAMPLES (64.0 * 1024 * 1024)

int aimc_audio_read(aimc_ctx *ctx, const char *path, float **x, size_t *n,
                    double *rate_Hz) {
  *x = NULL;
  *n = 0;
  struct stat sb;
  if (stat(path, &sb) != 0)
    return aimc_error(ctx, AIMC_ENOTFOUND, "%s: audio file not found", path);
  SF_INFO info = {0};
  SNDFILE *sf = sf_open(path, SFM_READ, &info);
  if (!sf)
    return aimc_error(ctx, AIMC_EFORMAT, "%s: unreadable audio (%s)", path,
                      sf_strerror(NULL));
  if (info.channels < 1 || info.samplerate < 1 || info.frames < 0) {
    sf_close(sf);
    return aimc_error(ctx, AIMC_EFORMAT, "%s: bad audio header", path);
  }
  /* A cut WAV opens fine (libsndfile shortens it to what is there) but its
   * log says "data : <header size> (should be <real size>)". */
  char log[2048] = "";
  sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
  const char *data_line = strstr(log, "\ndata :");
  if (data_line) {
    const char *eol = strchr(data_line + 1, '\n');
    const char *cut = strstr(data_line, "should be");
    if (cut && (!eol || cut < eol)) {
      sf_close(sf);
      return aimc_error(ctx, AIMC_EFORMAT,
                        "%s: truncated audio (the header promises more data "
                        "than the file holds)",
                        path);
    }
  }
  /* An empty recording (or a data chunk that claims no bytes) would load
   * as a sample of pure padding. */
  if (info.frames == 0) {
    sf_close(sf);
    return aimc_error(ctx, AIMC_EFORMAT, "%s: no audio samples", path);
  }
  /* A header may promise any length (found by fuzz_audio: 2^40 bytes of
   * samples from a 100-byte file): more than an hour of 16 kHz audio is
   * not a spoken digit, and its buffer alone would exhaust memory. */
  if ((double)info.frames * info.channels > AUDIO_MAX_SAMPLES) {
    sf_close(sf);
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: implausible length (%lld frames of %d channels)",
                      path, (long long)info.frames, info.channels);
  }
  size_t frames = (size_t)info.frames, ch = (size_t)info.channels;
  float *buf = aimc_malloc(ctx, frames * ch * sizeof *buf);
  if (!buf) {
    sf_close(sf);
    return aimc_error(ctx, AIMC_ENOMEM, "%s: out of memory for %zu frames",
                      path, frames);
  }
  sf_count_t got = sf_readf_float(sf, buf, (sf_count_t)frames);
  int err = sf_error(sf);
  sf_close(sf);
  if (got != (sf_count_t)frames || err) {
    aimc_free(ctx, buf);
    return aimc_error(ctx, AIMC_EFORMAT,
                      "%s: truncated audio (read %lld of %zu frames)", path,
                      (long long)got, frames);
  }
  if (ch > 1) /* average the channels in place */
    for (size_t i = 0; i < frames; i++) {
      float s = 0;
      for (size_t c = 0; c < ch; c++) s += buf[i * ch + c];
      buf[i] = s / (float)ch;
    }
  *x = buf;
  *n = frames;
  *rate_Hz = info.samplerate;
  return AIMC_OK;
}
