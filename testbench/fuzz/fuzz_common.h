/* Shared by the libFuzzer targets (testbench/fuzz): one quiet context per
 * process and a scratch file that holds the current input for the readers
 * that take a path. */
#ifndef AIMC_FUZZ_COMMON_H
#define AIMC_FUZZ_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimc/context.h"
#include "aimc/status.h"

static void fuzz_quiet(void *user, aimc_log_level level, const char *msg) {
  (void)user, (void)level, (void)msg;
}

/* The process's context: logs dropped, seed fixed. */
static aimc_ctx *fuzz_ctx(void) {
  static aimc_ctx *ctx;
  if (!ctx) {
    ctx = aimc_ctx_alloc(1);
    if (!ctx) abort();
    aimc_ctx_set_log(ctx, fuzz_quiet, NULL);
  }
  return ctx;
}

/* A scratch path unique to this process, under $TMPDIR or /tmp. */
static const char *fuzz_path(const char *suffix) {
  static char path[512];
  const char *tmp = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/aimc-fuzz-%ld%s", tmp && *tmp ? tmp : "/tmp",
           (long)getpid(), suffix);
  return path;
}

/* Writes data to path (whole); aborts on I/O failure (not a finding). */
static void fuzz_write(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) abort();
}

/* A NUL-terminated copy of the input (free it). */
static char *fuzz_text(const uint8_t *data, size_t size) {
  char *t = malloc(size + 1);
  if (!t) abort();
  memcpy(t, data, size);
  t[size] = '\0';
  return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
