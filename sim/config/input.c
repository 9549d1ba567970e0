/* Input files (aimc/input.h): open, refuse what is not a regular file,
 * read at most the cap. The checks run on the open descriptor (fstat), so
 * a path cannot change between the check and the read. */
#define _POSIX_C_SOURCE 200809L
#include "aimc/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aimc/status.h"

static int fail(aimc_ctx *ctx, int status, const aimc_srcloc *from, const char *path,
                const char *why) {
  if (from && from->file) return aimc_error_at(ctx, status, from, "%s: %s", path, why);
  return aimc_error(ctx, status, "%s: %s", path, why);
}

static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "is a directory, not a file";
  if (S_ISCHR(m) || S_ISBLK(m)) return "is a device, not a regular file";
  if (S_ISFIFO(m)) return "is a pipe, not a regular file";
  if (S_ISSOCK(m)) return "is a socket, not a regular file";
  return "is not a regular file";
}

/* Opens path for reading as a regular file; -1 after recording an error. */
static int open_input(aimc_ctx *ctx, const char *path, const aimc_srcloc *from,
                      struct stat *st, int *status) {
  if (!path || !*path) {
    *status = fail(ctx, AIMC_ENOTFOUND, from, "''", "empty file name");
    return -1;
  }
  /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    char why[160];
    snprintf(why, sizeof why, "cannot open: %s", strerror(e));
    *status = fail(ctx, e == ENOENT || e == ENOTDIR ? AIMC_ENOTFOUND : AIMC_EINVAL, from, path,
                   why);
    return -1;
  }
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    *status = fail(ctx, AIMC_EINVAL, from, path,
                   S_ISREG(st->st_mode) ? "cannot read its status" : kind_of(st->st_mode));
    close(fd);
    return -1;
  }
  return fd;
}

int aimc_input_check(aimc_ctx *ctx, const char *path, const aimc_srcloc *from) {
  struct stat st;
  int status = AIMC_OK;
  int fd = open_input(ctx, path, from, &st, &status);
  if (fd >= 0) close(fd);
  return status;
}

int aimc_input_read(aimc_ctx *ctx, const char *path, const aimc_srcloc *from,
                    size_t max_bytes, char **data, size_t *size) {
  *data = NULL;
  if (size) *size = 0;
  if (!max_bytes) max_bytes = AIMC_INPUT_MAX_BYTES;
  struct stat st;
  int status = AIMC_OK;
  int fd = open_input(ctx, path, from, &st, &status);
  if (fd < 0) return status;
  char why[160];
  if ((size_t)st.st_size > max_bytes) {
    close(fd);
    snprintf(why, sizeof why, "is %lld bytes, more than the %zu bytes an input may have",
             (long long)st.st_size, max_bytes);
    return fail(ctx, AIMC_EINVAL, from, path, why);
  }
  /* st_size is a hint (files in /proc say 0): read until EOF, at most
   * max_bytes + 1 to notice a file that grew past the cap. */
  size_t cap = (size_t)st.st_size + 1 < 4096 ? 4096 : (size_t)st.st_size + 1, n = 0;
  char *buf = aimc_malloc(ctx, cap + 1);
  for (;;) {
    if (!buf) {
      close(fd);
      return aimc_error(ctx, AIMC_ENOMEM, "out of memory reading %s", path);
    }
    if (n == cap) {
      char *bigger = cap > max_bytes ? NULL : aimc_realloc(ctx, buf, 2 * cap + 1);
      if (!bigger && cap <= max_bytes) aimc_free(ctx, buf), buf = NULL;
      if (!bigger) break;
      buf = bigger;
      cap *= 2;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int e = errno;
      close(fd);
      aimc_free(ctx, buf);
      return aimc_error(ctx, AIMC_EIO, "%s: read failed: %s", path, strerror(e));
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  if (!buf) return aimc_error(ctx, AIMC_ENOMEM, "out of memory reading %s", path);
  if (n > max_bytes) {
    aimc_free(ctx, buf);
    snprintf(why, sizeof why, "is more than the %zu bytes an input may have", max_bytes);
    return fail(ctx, AIMC_EINVAL, from, path, why);
  }
  buf[n] = '\0';
  *data = buf;
  if (size) *size = n;
  return AIMC_OK;
}
